//! Running the function binaries as Lambda runs them.
//!
//! [`RuntimeApi`] is a Lambda Runtime API on a loopback port: it hands each queued event
//! to the function polling `/runtime/invocation/next` with the headers Lambda sends
//! (request id, deadline, function ARN, trace id), and collects what the function posts
//! back to `/response`, `/error` or `/runtime/init/error`. [`Sandbox`] gives one test its
//! own store and mail, on the backend `TEAMSEATS_TEST_BACKEND` picks: a fresh table on
//! the loopback DynamoDB server with SES for mail, or an embedded store in a temporary
//! `DATA_DIR` with the outbox. [`Sandbox::start`] runs a function binary against them
//! with the environment Lambda and the SAM template give it, and nothing else.
//!
//! The embedded store is one file that one process holds, so a test seeds it before
//! the function starts and reads it back after [`Function::stop`]; on DynamoDB the same
//! order simply works.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use data_encoding::BASE64;
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::{Notify, oneshot};

use teamseats::ports::Store;

use crate::{Backend, Email, sent_emails};

/// Where the accept links of functions under test point.
pub const PUBLIC_BASE_URL: &str = "https://join.teamseats.test";
/// Where invitees go after accepting, for functions under test.
pub const APP_URL: &str = "https://app.teamseats.test";
/// How long a test waits for one invocation before it gives up.
const INVOCATION_WAIT: Duration = Duration::from_secs(30);
/// How long a test waits for a function to exit.
const EXIT_WAIT: Duration = Duration::from_secs(10);

/// An event from `events/`, as `cargo lambda invoke --data-file` would send it.
pub fn event(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// What a function posted back for one invocation.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The function's result, as posted to `/response`.
    Response(Vec<u8>),
    /// The error document posted to `/error`.
    Error(Value),
}

struct Invocation {
    id: String,
    deadline_ms: u64,
    event: Vec<u8>,
}

#[derive(Default)]
struct Shared {
    queue: std::sync::Mutex<VecDeque<Invocation>>,
    queued: Notify,
    waiting: std::sync::Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: std::sync::Mutex<Option<Value>>,
    polls: AtomicU64,
}

/// A Lambda Runtime API on `127.0.0.1`, serving one function process.
pub struct RuntimeApi {
    address: SocketAddr,
    shared: Arc<Shared>,
    next_id: AtomicU64,
    server: tokio::task::JoinHandle<()>,
}

impl RuntimeApi {
    /// Starts serving on a free loopback port.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port for the Runtime API");
        let address = listener.local_addr().expect("the Runtime API's address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            address,
            shared,
            next_id: AtomicU64::new(1),
            server,
        }
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// Queues `event` with a deadline `time_left` from now and returns what the function
    /// answers, or `None` when no answer came in time.
    pub async fn invoke(&self, event: &Value, time_left: Duration) -> Option<Outcome> {
        let id = format!(
            "8f4e1c2a-0000-4000-8000-{:012}",
            self.next_id.fetch_add(1, Ordering::SeqCst)
        );
        let (answer, answered) = oneshot::channel();
        lock(&self.shared.waiting).insert(id.clone(), answer);
        let deadline = SystemTime::now() + time_left;
        lock(&self.shared.queue).push_back(Invocation {
            id,
            deadline_ms: deadline
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            event: serde_json::to_vec(event).expect("an event serializes"),
        });
        self.shared.queued.notify_one();
        tokio::time::timeout(INVOCATION_WAIT, answered)
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// The error document the function posted to `/runtime/init/error`, if any.
    pub fn init_error(&self) -> Option<Value> {
        lock(&self.shared.init_error).clone()
    }

    /// How often the function asked for its next event.
    pub fn polls(&self) -> u64 {
        self.shared.polls.load(Ordering::SeqCst)
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    shared.polls.fetch_add(1, Ordering::SeqCst);
    let invocation = loop {
        let queued = shared.queued.notified();
        if let Some(invocation) = lock(&shared.queue).pop_front() {
            break invocation;
        }
        queued.await;
    };

    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", invocation.id);
    set(
        "lambda-runtime-deadline-ms",
        invocation.deadline_ms.to_string(),
    );
    set(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:eu-west-1:123456789012:function:teamseats".into(),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-6968b4d9-5f3b1c9d2e7a4b6c8d0e1f2a;Parent=53995c3f42cd8ad8;Sampled=0".into(),
    );
    set("content-type", "application/json".into());
    (StatusCode::OK, headers, invocation.event).into_response()
}

async fn response(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    answer(&shared, &id, Outcome::Response(body.to_vec()))
}

async fn error(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    let document = serde_json::from_slice(&body).unwrap_or(Value::Null);
    answer(&shared, &id, Outcome::Error(document))
}

fn answer(shared: &Shared, id: &str, outcome: Outcome) -> StatusCode {
    match lock(&shared.waiting).remove(id) {
        Some(waiting) => {
            let _ = waiting.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    *lock(&shared.init_error) = Some(serde_json::from_slice(&body).unwrap_or(Value::Null));
    StatusCode::ACCEPTED
}

/// One test's world for functions: a store, mail, and the environment that points a
/// function at them.
pub struct Sandbox {
    backend: Backend,
    dir: TempDir,
}

impl Sandbox {
    /// A fresh store and mailbox on the backend `TEAMSEATS_TEST_BACKEND` picks. On
    /// DynamoDB the table is created here, as the SAM template would create it.
    pub async fn new() -> Self {
        let sandbox = Self {
            backend: Backend::from_env(),
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        drop(sandbox.store().await);
        sandbox
    }

    /// Whether this sandbox runs on the DynamoDB and SES servers.
    pub fn on_aws(&self) -> bool {
        matches!(self.backend, Backend::Aws { .. })
    }

    /// The address the functions send mail from.
    pub fn sender(&self) -> String {
        match &self.backend {
            Backend::Aws { sender, .. } => sender.clone(),
            Backend::Embedded => "invites@teamseats.test".into(),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The store, opened directly. On the embedded backend no function may be running.
    pub async fn store(&self) -> Arc<dyn Store> {
        let table = match &self.backend {
            Backend::Embedded => None,
            Backend::Aws { table, .. } => Some(table.as_str()),
        };
        crate::open_store(table, &self.data_dir()).await
    }

    /// The environment a deployed function of the SAM template gets, pointed at this
    /// sandbox: Lambda's own variables, the template's, and the AWS endpoints.
    pub fn environment(&self, name: &str, runtime_api: &str) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = [
            ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
            ("AWS_LAMBDA_FUNCTION_NAME", format!("teamseats-{name}")),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".into()),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/teamseats-{name}"),
            ),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/01/15/[$LATEST]3f9c1e7a2b4d4c8e9a0b1c2d3e4f5a6b".into(),
            ),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON".into()),
            ("AWS_LAMBDA_LOG_LEVEL", "INFO".into()),
            ("_HANDLER", "bootstrap".into()),
            ("TZ", ":UTC".into()),
            ("SENDER_ADDRESS", self.sender()),
            ("PUBLIC_BASE_URL", PUBLIC_BASE_URL.into()),
            ("APP_URL", APP_URL.into()),
            ("INVITATION_TTL_DAYS", "7".into()),
            ("TRIAL_DAYS", "7".into()),
            ("DAILY_INVITE_LIMIT", "200".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();

        match &self.backend {
            Backend::Aws { table, .. } => {
                vars.push(("TABLE_NAME".into(), table.clone()));
                vars.push(("MAIL_TRANSPORT".into(), "ses".into()));
                for name in [
                    "AWS_REGION",
                    "AWS_ACCESS_KEY_ID",
                    "AWS_SECRET_ACCESS_KEY",
                    "AWS_SESSION_TOKEN",
                    "AWS_ENDPOINT_URL_DYNAMODB",
                    "AWS_ENDPOINT_URL_SESV2",
                ] {
                    if let Ok(value) = std::env::var(name) {
                        vars.push((name.into(), value));
                    }
                }
            }
            Backend::Embedded => {
                vars.push(("AWS_REGION".into(), "eu-west-1".into()));
                vars.push(("DATA_DIR".into(), self.data_dir().display().to_string()));
                vars.push(("MAIL_TRANSPORT".into(), "outbox".into()));
            }
        }
        vars
    }

    /// Starts `binary` as Lambda would, with [`Sandbox::environment`].
    pub async fn start(&self, binary: &str) -> Function {
        self.start_with(binary, |_| {}).await
    }

    /// Starts `binary` with the environment `adjust` changes first.
    pub async fn start_with(
        &self,
        binary: &str,
        adjust: impl FnOnce(&mut Vec<(String, String)>),
    ) -> Function {
        let api = RuntimeApi::start().await;
        let name = Path::new(binary)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut vars = self.environment(&name, &api.address());
        adjust(&mut vars);

        let logs = self
            .dir
            .path()
            .join(format!("{name}-{}.log", api.address.port()));
        let stdout = File::create(&logs).expect("a log file");
        let stderr = stdout.try_clone().expect("a log file");
        let child = Command::new(binary)
            .env_clear()
            .envs(vars)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {binary}: {e}"));
        Function {
            child,
            api,
            logs,
            name,
        }
    }

    /// Every email sent so far, oldest first.
    pub fn emails(&self) -> Vec<Email> {
        sent_emails(&self.backend, &self.data_dir().join("outbox"))
    }
}

/// A function binary running under a [`RuntimeApi`].
pub struct Function {
    child: Child,
    api: RuntimeApi,
    logs: PathBuf,
    name: String,
}

/// An API Gateway HTTP API (payload format 2.0) response, as a function returned it.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// `statusCode`.
    pub status: u16,
    /// `headers`, with lower-case names.
    pub headers: HashMap<String, String>,
    /// `body`, decoded when `isBase64Encoded`.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The body as JSON; `Null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value, or an empty string.
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).cloned().unwrap_or_default()
    }
}

impl Function {
    /// Invokes the function with `event` and a deadline 30 seconds away, as a function
    /// with a 30-second timeout gets it.
    pub async fn invoke(&mut self, event: &Value) -> Outcome {
        self.invoke_with_time_left(event, Duration::from_secs(30))
            .await
    }

    /// Invokes the function with `event` and a deadline `time_left` away.
    pub async fn invoke_with_time_left(&mut self, event: &Value, time_left: Duration) -> Outcome {
        match self.api.invoke(event, time_left).await {
            Some(outcome) => outcome,
            None => {
                let exited = self.child.try_wait().ok().flatten();
                panic!(
                    "{} gave no answer (exited: {exited:?}); its log:\n{}",
                    self.name,
                    self.logs()
                )
            }
        }
    }

    /// Invokes the function with an API Gateway event and reads its HTTP response.
    pub async fn http(&mut self, event: &Value) -> HttpResponse {
        let raw = match self.invoke(event).await {
            Outcome::Response(raw) => raw,
            Outcome::Error(error) => panic!(
                "{} failed the invocation: {error}; its log:\n{}",
                self.name,
                self.logs()
            ),
        };
        let document: Value = serde_json::from_slice(&raw).unwrap_or_else(|e| {
            panic!(
                "{} answered something other than JSON ({e}): {}",
                self.name,
                String::from_utf8_lossy(&raw)
            )
        });
        let text = document["body"].as_str().unwrap_or_default();
        let body = if document["isBase64Encoded"] == true {
            BASE64.decode(text.as_bytes()).expect("a base64 body")
        } else {
            text.as_bytes().to_vec()
        };
        let headers = document["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                (
                    k.to_ascii_lowercase(),
                    v.as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        HttpResponse {
            status: document["statusCode"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .expect("a statusCode"),
            headers,
            body,
        }
    }

    /// Everything the function wrote to stdout and stderr so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.logs).unwrap_or_default()
    }

    /// The error document the function posted to `/runtime/init/error`, if any.
    pub fn init_error(&self) -> Option<Value> {
        self.api.init_error()
    }

    /// How often the function asked the Runtime API for its next event.
    pub fn polls(&self) -> u64 {
        self.api.polls()
    }

    /// Waits for the function to exit on its own and returns how it ended.
    pub async fn exit(&mut self) -> ExitStatus {
        let started = tokio::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the function's status") {
                return status;
            }
            assert!(
                started.elapsed() < EXIT_WAIT,
                "{} did not exit; its log:\n{}",
                self.name,
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the function, as Lambda does when it retires an execution environment, and
    /// returns its log. The store is free for the test afterwards.
    pub async fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.logs()
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The log lines of a function whose log format is JSON, each parsed; panics on a line
/// that is not JSON.
pub fn json_log_lines(log: &str) -> Vec<Value> {
    log.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"))
        })
        .collect()
}

/// The variables a deployed function cannot start without.
pub const REQUIRED: [&str; 4] = ["TABLE_NAME", "SENDER_ADDRESS", "PUBLIC_BASE_URL", "APP_URL"];

/// Starts `binary` without the variables only a deployment can know and checks that it
/// refuses to start the way Lambda shows it: one error naming every missing variable,
/// posted to the Runtime API's init error endpoint and logged as JSON, no event taken,
/// and a failed exit.
pub async fn assert_refuses_to_start_unconfigured(binary: &str) {
    let sandbox = Sandbox::new().await;
    let mut function = sandbox
        .start_with(binary, |vars| {
            vars.retain(|(name, _)| !REQUIRED.contains(&name.as_str()) && name != "DATA_DIR");
        })
        .await;

    let status = function.exit().await;

    assert!(!status.success(), "{} exited with {status}", function.name);
    let reported = function
        .init_error()
        .unwrap_or_else(|| panic!("no init error was reported; log:\n{}", function.logs()));
    assert_eq!(reported["errorType"], "Runtime.ConfigError", "{reported}");
    let message = reported["errorMessage"].as_str().unwrap_or_default();
    for name in REQUIRED {
        assert!(message.contains(name), "{name} is not named in {message:?}");
    }
    assert_eq!(function.polls(), 0, "the function asked for an event");
    let log = function.logs();
    let lines = json_log_lines(&log);
    assert!(
        lines.iter().any(|line| line["level"] == "ERROR"
            && line["fields"]["message"] == "teamseats could not start"
            && line["fields"]["error"] == message),
        "the log does not carry the error as JSON:\n{log}"
    );
}
