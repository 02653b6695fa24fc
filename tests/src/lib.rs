//! A harness for end-to-end tests: each test gets its own application on a fresh store,
//! with a clock it controls, and reads the mail it sent back as a person would.
//!
//! Requests go through the local runner's router, so every test exercises the same
//! path a person with curl does: HTTP request, API Gateway event, handler, store. The
//! caller is named as the local runner names it, with `X-Local-User`.
//!
//! `TEAMSEATS_TEST_BACKEND` picks the adapters:
//!
//! - `embedded` (the default): the on-disk embedded store in a temporary folder, and the
//!   outbox, whose `.eml` files the harness reads.
//! - `aws`: DynamoDB and SES v2 servers on loopback, reached through the usual
//!   `AWS_ENDPOINT_URL_DYNAMODB` and `AWS_ENDPOINT_URL_SESV2`. Each test gets its own
//!   table and its own sender address; the harness reads the mail back from the SES
//!   server's `/store` (as aws-ses-v2-local serves it), keeping the messages from that
//!   sender. `scripts/test` starts both servers.
//!
//! [`TestApp::spawn_served`] also serves the application over HTTP on a loopback port,
//! with the accept links pointing there, so a real browser can follow them.
//!
//! [`lambda`] runs the function binaries themselves under a Runtime API on loopback, on
//! the same two backends, and [`sample`] writes the state the events in `events/` name.

pub mod lambda;
pub mod sample;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use teamseats::clock::ManualClock;

use teamseats::config::{Config, MailTransport, Policy};
use teamseats::entropy::OsEntropy;
use teamseats::error::BoxError;
use teamseats::mail::ses::Ses;
use teamseats::ports::{Mailer, Message, Store};
use teamseats::service::Teamseats;
use teamseats::store::dynamo::Dynamo;
use teamseats::store::embedded::Embedded;
use teamseats_api::App;
use teamseats_api::wiring::{EMBEDDED_FILE, Host};
use tempfile::TempDir;
use tower::ServiceExt;

/// When every test's clock starts: a Monday morning, far from any day boundary.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// One application under test.
pub struct TestApp {
    router: axum::Router,
    /// The clock every use case reads.
    pub clock: Arc<ManualClock>,
    /// Where the outbox writes mail.
    pub outbox: PathBuf,
    /// The application, for calling use cases directly.
    pub app: App,
    /// Where the embedded store and outbox keep their data.
    pub data_dir: PathBuf,
    /// Where the accept links point: the served address, or a name nothing serves.
    pub public_base_url: String,
    backend: Backend,
    config: Config,
    _data: Arc<TempDir>,
}

/// An answer, with its body kept whole.
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as JSON; `Null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A problem's `code`, or an empty string.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }

    /// A header's value, or an empty string.
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

/// A store opened directly: DynamoDB's `table` at the endpoint the AWS variables name,
/// created if missing, when a table is named; else the embedded store in `data_dir`,
/// which no running process may hold.
pub async fn open_store(table: Option<&str>, data_dir: &Path) -> Arc<dyn Store> {
    let Some(table) = table else {
        std::fs::create_dir_all(data_dir).expect("the data folder");
        return Arc::new(
            Embedded::open(&data_dir.join(EMBEDDED_FILE))
                .expect("the embedded store, with no process holding it"),
        );
    };
    let sdk = teamseats_api::wiring::load_aws_config().await;
    let dynamo = Dynamo::new(&aws_sdk_dynamodb::config::Config::from(&sdk), table);
    dynamo
        .create_table_if_missing()
        .await
        .expect("the table, created if missing");
    Arc::new(dynamo)
}

/// One email read back from the outbox.
#[derive(Debug, Clone)]
pub struct Email {
    /// The `To` header.
    pub to: String,
    /// The `Subject` header.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// The accept link, as the text part shows it.
    pub link: String,
    /// The token of the accept link in the text part.
    pub token: String,
}

impl TestApp {
    /// An application with the default policy.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// An application whose policy `adjust` changes first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Policy)) -> Self {
        Self::build(None, adjust, |mailer| mailer).await
    }

    /// An application with the default policy, also served over HTTP on a loopback port
    /// for as long as the test runs; its accept links point at that port.
    pub async fn spawn_served() -> Self {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port to serve on");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let app = Self::build(
            Some(format!(
                "http://{}",
                listener.local_addr().expect("an address")
            )),
            |_| {},
            |mailer| mailer,
        )
        .await;

        let listener = tokio::net::TcpListener::from_std(listener).expect("a Tokio listener");
        let router = app.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await });
        app
    }

    /// An application whose mail can be made to fail, as SES fails when it cannot be
    /// reached or when it throttles: see [`MailSwitch`].
    pub async fn spawn_with_mail_switch() -> (Self, Arc<MailSwitch>) {
        let throttled_requests = Arc::new(AtomicU32::new(0));
        let throttling = throttling_ses(throttled_requests.clone()).await;
        let mut switch = None;
        let app = Self::build(
            None,
            |_| {},
            |working| {
                let created = Arc::new(MailSwitch::new(working, &throttling, throttled_requests));
                switch = Some(created.clone());
                created
            },
        )
        .await;
        (app, switch.expect("the mailer was built"))
    }

    async fn build(
        public_base_url: Option<String>,
        adjust: impl FnOnce(&mut Policy),
        wrap: impl FnOnce(Arc<dyn Mailer>) -> Arc<dyn Mailer>,
    ) -> Self {
        let data = tempfile::tempdir().expect("a temporary folder");
        let mut config = Config::from_lookup(|_| None).expect("the default configuration");
        config.data_dir = data.path().to_owned();
        config.links.public_base_url =
            public_base_url.unwrap_or_else(|| "https://teamseats.test".into());
        config.links.app_url = "https://app.teamseats.test/".into();
        adjust(&mut config.policy);

        let backend = Backend::from_env();
        if let Backend::Aws { table, sender, .. } = &backend {
            config.table_name = Some(table.clone());
            config.mail_transport = MailTransport::Ses;
            config.sender_address = sender.clone();
        }

        let clock = Arc::new(ManualClock::new(start_time()));
        let app = App::from_config_with(&config, clock.clone(), Host::Local, wrap)
            .await
            .expect("the application");
        Self {
            router: local::router(app.clone()),
            clock,
            outbox: data.path().join("outbox"),
            data_dir: data.path().to_owned(),
            public_base_url: config.links.public_base_url.clone(),
            backend,
            config,
            app,
            _data: Arc::new(data),
        }
    }

    /// Another application on this one's table, clock and mail, whose DynamoDB client
    /// sends to `endpoint` instead: a proxy there can make DynamoDB fail. DynamoDB only.
    pub async fn sibling_with_dynamodb_at(&self, endpoint: &str) -> TestApp {
        let Backend::Aws { table, sender, .. } = &self.backend else {
            panic!("only an application on DynamoDB has a DynamoDB endpoint");
        };
        let sdk = teamseats_api::wiring::load_aws_config().await;
        let dynamodb = aws_sdk_dynamodb::config::Builder::from(&sdk)
            .endpoint_url(endpoint)
            .build();
        let mailer = Ses::new(aws_sdk_sesv2::Client::new(&sdk), sender, None);
        let service = Teamseats::new(
            Arc::new(Dynamo::new(&dynamodb, table)),
            Arc::new(mailer),
            self.clock.clone(),
            Arc::new(OsEntropy),
            self.config.policy.clone(),
            self.config.links.clone(),
        );
        let app = App::new(service);
        TestApp {
            router: local::router(app.clone()),
            clock: self.clock.clone(),
            outbox: self.outbox.clone(),
            app,
            data_dir: self.data_dir.clone(),
            public_base_url: self.public_base_url.clone(),
            backend: self.backend.clone(),
            config: self.config.clone(),
            _data: self._data.clone(),
        }
    }

    /// Whether this test runs on DynamoDB and SES servers.
    pub fn on_aws(&self) -> bool {
        matches!(self.backend, Backend::Aws { .. })
    }

    /// Everything the store holds, as bytes: the embedded store's files, or every item of
    /// the test's table.
    pub async fn stored_bytes(&self) -> Vec<u8> {
        match &self.backend {
            Backend::Embedded => {
                let mut bytes = Vec::new();
                for entry in std::fs::read_dir(&self.data_dir)
                    .expect("the data folder")
                    .flatten()
                {
                    if entry.path().is_file() {
                        bytes.extend(std::fs::read(entry.path()).expect("a data file"));
                    }
                }
                bytes
            }
            Backend::Aws { table, .. } => {
                let sdk = teamseats_api::wiring::load_aws_config().await;
                let client = aws_sdk_dynamodb::Client::new(&sdk);
                let scan = client
                    .scan()
                    .table_name(table)
                    .send()
                    .await
                    .expect("a scan");
                format!("{:?}", scan.items()).into_bytes()
            }
        }
    }

    /// Sends a request with raw bytes.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        user: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).expect("a method"))
            .uri(path);
        if let Some(user) = user {
            request = request.header("x-local-user", user);
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let request = request.body(Body::from(body)).expect("a request");

        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body")
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// Sends a request with an optional JSON body.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        user: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        match body {
            Some(body) => {
                self.raw(
                    method,
                    path,
                    user,
                    Some("application/json"),
                    body.to_string().into_bytes(),
                )
                .await
            }
            None => self.raw(method, path, user, None, Vec::new()).await,
        }
    }

    /// Creates an account named Acme and returns its id.
    pub async fn create_account(&self, owner: &str, seats: u32) -> String {
        self.create_account_named("Acme", owner, seats).await
    }

    /// Creates an account with the given name and returns its id.
    pub async fn create_account_named(&self, name: &str, owner: &str, seats: u32) -> String {
        let body = json!({ "name": name, "owner_email": owner, "seats": seats });
        let response = self.request("POST", "/accounts", None, Some(body)).await;
        assert_eq!(
            response.status,
            201,
            "creating an account: {}",
            response.text()
        );
        response.json()["account_id"]
            .as_str()
            .expect("an account id")
            .to_owned()
    }

    /// Invites addresses with the given options merged into the body.
    pub async fn invite(
        &self,
        account: &str,
        inviter: &str,
        emails: &[&str],
        options: Value,
    ) -> TestResponse {
        let mut body = json!({ "emails": emails });
        if let (Some(body), Some(options)) = (body.as_object_mut(), options.as_object()) {
            body.extend(options.clone());
        }
        self.request(
            "POST",
            &format!("/accounts/{account}/invitations"),
            Some(inviter),
            Some(body),
        )
        .await
    }

    /// Accepts with a JSON client.
    pub async fn accept(&self, token: &str) -> TestResponse {
        self.request(
            "POST",
            "/invitations/accept",
            None,
            Some(json!({ "token": token })),
        )
        .await
    }

    /// Invites one address with `options` and accepts from its email; returns the member id.
    pub async fn join(&self, account: &str, inviter: &str, email: &str, options: Value) -> String {
        let invited = self.invite(account, inviter, &[email], options).await;
        assert_eq!(
            invited.json()["results"][0]["status"],
            "invited",
            "inviting {email}: {}",
            invited.text()
        );
        let accepted = self.accept(&self.last_email_to(email).token).await;
        assert_eq!(
            accepted.status,
            200,
            "accepting for {email}: {}",
            accepted.text()
        );
        accepted.json()["member_id"]
            .as_str()
            .expect("a member id")
            .to_owned()
    }

    /// Every email sent so far, oldest first.
    pub fn emails(&self) -> Vec<Email> {
        sent_emails(&self.backend, &self.outbox)
    }

    /// The emails sent to `address`, oldest first.
    pub fn emails_to(&self, address: &str) -> Vec<Email> {
        self.emails()
            .into_iter()
            .filter(|e| e.to.eq_ignore_ascii_case(address))
            .collect()
    }

    /// The newest email sent to `address`.
    pub fn last_email_to(&self, address: &str) -> Email {
        self.emails_to(address)
            .pop()
            .unwrap_or_else(|| panic!("no email was sent to {address}"))
    }

    /// Runs the daily job as of the clock's now.
    pub async fn daily(&self) -> Value {
        let response = self.request("POST", "/local/daily", None, None).await;
        assert_eq!(response.status, 200, "the daily run: {}", response.text());
        response.json()
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// The account as its owner sees it.
    pub async fn account(&self, account: &str, owner: &str) -> Value {
        let response = self
            .request("GET", &format!("/accounts/{account}"), Some(owner), None)
            .await;
        assert_eq!(
            response.status,
            200,
            "reading the account: {}",
            response.text()
        );
        response.json()
    }

    /// Every member of the account, as an admin lists them.
    pub async fn members(&self, account: &str, admin: &str) -> Vec<Value> {
        self.list(account, admin, "members").await
    }

    /// Every invitation of the account, as an admin lists them.
    pub async fn invitations(&self, account: &str, admin: &str) -> Vec<Value> {
        self.list(account, admin, "invitations").await
    }

    async fn list(&self, account: &str, admin: &str, what: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let query = cursor
                .as_ref()
                .map(|c| format!("?cursor={c}"))
                .unwrap_or_default();
            let response = self
                .request(
                    "GET",
                    &format!("/accounts/{account}/{what}{query}"),
                    Some(admin),
                    None,
                )
                .await;
            assert_eq!(response.status, 200, "listing {what}: {}", response.text());
            let page = response.json();
            items.extend(page[what].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return items,
            }
        }
    }

    /// Everything an owner can see of an account, for checking that nothing changed.
    pub async fn state(&self, account: &str, owner: &str) -> Value {
        json!({
            "account": self.account(account, owner).await,
            "members": self.members(account, owner).await,
            "invitations": self.invitations(account, owner).await,
            "emails": self.emails().len(),
        })
    }
}

/// The member with this address in a listing.
pub fn find_member<'a>(members: &'a [Value], email: &str) -> &'a Value {
    members
        .iter()
        .find(|m| m["email"] == email)
        .unwrap_or_else(|| panic!("no member {email}"))
}

/// A mailer that sends through the configured transport, or makes sends fail the two
/// ways SES can: unreachable (an address where nothing listens), or throttling (a server
/// on loopback that answers every request with SES's `TooManyRequestsException`).
pub struct MailSwitch {
    working: Arc<dyn Mailer>,
    unreachable: Ses,
    throttling: Ses,
    throttled_requests: Arc<AtomicU32>,
    state: AtomicU8,
}

const MAIL_UP: u8 = 0;
const MAIL_UNREACHABLE: u8 = 1;
const MAIL_THROTTLED: u8 = 2;

impl MailSwitch {
    fn new(
        working: Arc<dyn Mailer>,
        throttling_endpoint: &str,
        throttled_requests: Arc<AtomicU32>,
    ) -> Self {
        let unreachable = format!("http://127.0.0.1:{}", closed_port());
        Self {
            working,
            unreachable: ses_at(&unreachable),
            throttling: ses_at(throttling_endpoint),
            throttled_requests,
            state: AtomicU8::new(MAIL_UP),
        }
    }

    /// Makes every send fail as if SES could not be reached, until [`MailSwitch::up`].
    pub fn down(&self) {
        self.state.store(MAIL_UNREACHABLE, Ordering::SeqCst);
    }

    /// Makes SES throttle every send, until [`MailSwitch::up`].
    pub fn throttle(&self) {
        self.state.store(MAIL_THROTTLED, Ordering::SeqCst);
    }

    /// Sends through the configured transport again.
    pub fn up(&self) {
        self.state.store(MAIL_UP, Ordering::SeqCst);
    }

    /// Requests the throttling SES server has refused so far.
    pub fn throttled_requests(&self) -> u32 {
        self.throttled_requests.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl Mailer for MailSwitch {
    async fn send(&self, message: &Message) -> Result<(), BoxError> {
        match self.state.load(Ordering::SeqCst) {
            MAIL_UNREACHABLE => self.unreachable.send(message).await,
            MAIL_THROTTLED => self.throttling.send(message).await,
            _ => self.working.send(message).await,
        }
    }
}

/// An SES transport whose client sends to `endpoint`.
fn ses_at(endpoint: &str) -> Ses {
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
        .region(aws_sdk_sesv2::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sesv2::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .http_client(teamseats_api::wiring::https_client())
        .build();
    Ses::new(
        aws_sdk_sesv2::Client::from_conf(config),
        "teamseats@example.com",
        None,
    )
}

/// Serves SES's throttling answer to every request on a loopback port, counting them.
async fn throttling_ses(count: Arc<AtomicU32>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    let refuse = move || {
        let count = count.clone();
        async move {
            count.fetch_add(1, Ordering::SeqCst);
            (
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                [
                    ("x-amzn-errortype", "TooManyRequestsException"),
                    ("content-type", "application/json"),
                ],
                r#"{"message":"Maximum sending rate exceeded."}"#,
            )
        }
    };
    let router = axum::Router::new().fallback(refuse);
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

/// A loopback port nothing listens on: bound, then released.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// Which adapters a test runs on.
#[derive(Debug, Clone)]
enum Backend {
    Embedded,
    Aws {
        table: String,
        sender: String,
        mail_store: String,
    },
}

impl Backend {
    fn from_env() -> Self {
        match std::env::var("TEAMSEATS_TEST_BACKEND").as_deref() {
            Ok("aws") => {
                let suffix = unique_suffix();
                let endpoint = std::env::var("AWS_ENDPOINT_URL_SESV2")
                    .expect("AWS_ENDPOINT_URL_SESV2 names the SES server");
                Backend::Aws {
                    table: format!("teamseats-test-{suffix}"),
                    sender: format!("teamseats+{suffix}@example.com"),
                    mail_store: format!("{}/store", endpoint.trim_end_matches('/')),
                }
            }
            _ => Backend::Embedded,
        }
    }
}

fn unique_suffix() -> String {
    let mut bytes = [0u8; 8];
    teamseats::entropy::Entropy::fill(&teamseats::entropy::OsEntropy, &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every email sent so far, oldest first: from the SES server on the AWS backend, else
/// from the `.eml` files in `outbox`.
fn sent_emails(backend: &Backend, outbox: &std::path::Path) -> Vec<Email> {
    if let Backend::Aws {
        sender, mail_store, ..
    } = backend
    {
        return emails_from_store(mail_store, sender);
    }
    let Ok(entries) = std::fs::read_dir(outbox) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| parse_eml(&std::fs::read_to_string(p).expect("a readable email")))
        .collect()
}

/// The messages the SES server kept that came from `sender`, in the order it got them.
fn emails_from_store(url: &str, sender: &str) -> Vec<Email> {
    let store: Value = serde_json::from_str(&http_get(url)).expect("the mail store answers JSON");
    store["emails"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["from"] == sender)
        .map(|m| {
            let text = m["body"]["text"].as_str().unwrap_or_default().to_owned();
            let link = link_in(&text);
            Email {
                to: m["destination"]["to"][0]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                subject: m["subject"].as_str().unwrap_or_default().to_owned(),
                html: m["body"]["html"].as_str().unwrap_or_default().to_owned(),
                token: token_in(&link),
                link,
                text,
            }
        })
        .collect()
}

/// A plain HTTP/1.0 GET of a loopback URL, so the harness needs no HTTP client crate.
fn http_get(url: &str) -> String {
    use std::io::{Read, Write};

    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = std::net::TcpStream::connect(host).expect("the server is up");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("a request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("an answer");
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}

/// The first word of a text that carries an accept token.
fn link_in(text: &str) -> String {
    text.split_whitespace()
        .find(|word| word.contains("token="))
        .unwrap_or_default()
        .to_owned()
}

fn token_in(link: &str) -> String {
    link.split_once("token=")
        .map(|(_, token)| token.to_owned())
        .unwrap_or_default()
}

impl Email {
    /// Reads one `.eml` file's text, as the outbox writes it.
    pub fn parse_eml(raw: &str) -> Email {
        parse_eml(raw)
    }
}

fn parse_eml(raw: &str) -> Email {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let header = |name: &str| {
        head.lines()
            .find_map(|line| line.strip_prefix(&format!("{name}: ")))
            .unwrap_or_default()
            .to_owned()
    };
    let part = |content_type: &str| {
        body.split("\r\n--")
            .find(|part| part.contains(&format!("Content-Type: {content_type}")))
            .and_then(|part| part.split_once("\r\n\r\n"))
            .map(|(_, content)| content.replace("\r\n", "\n"))
            .unwrap_or_default()
    };
    let text = part("text/plain");
    let link = link_in(&text);
    Email {
        to: header("To"),
        subject: header("Subject"),
        html: part("text/html"),
        token: token_in(&link),
        link,
        text,
    }
}
