//! CPU time per invocation of each Lambda function's handler, on the embedded store.
//!
//! Each benchmark builds the application as a deployed function builds it when told to
//! use the embedded store and the outbox (`DATA_DIR` and `MAIL_TRANSPORT=outbox`, as in
//! `events/watch.env`): redb in a file of a fresh temporary folder, mail written as `.eml`
//! files. It writes the sample account that the events in `events/` name, then feeds the
//! handler one of those events per iteration through [`App::handle`], the call the
//! function makes for every request once the Runtime API has handed it the event. The
//! trial-expiry function has no HTTP handler; its benchmark calls the daily run as that
//! function does, on a store where nothing is due yet.
//!
//! What is measured is CPU time, not elapsed time: the CPU time the process used during
//! the invocation, read with `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`. Each invocation
//! runs to completion on a Tokio current-thread runtime, so nothing else of the program
//! runs meanwhile. The process clock rather than the thread's is read because the
//! embedded store does its reads and writes, and the outbox its file writes, on Tokio's
//! blocking threads: the calling thread's clock would miss them. Time spent waiting for
//! the disk, fsync above all, is not CPU time and is left out, so the figures are the
//! work an invocation costs, apart from how fast the disk under it is; the kernel's own
//! work for those writes, done on the process's threads, is counted.
//!
//! Every invocation must succeed. Preparing the request and reading the answer happen
//! outside the timed part; an answer other than the expected success stops the benchmark
//! with a message saying what came back. Where a handler changes state, the benchmark
//! keeps it succeeding: each invite names a new address, each accept has an invitation
//! made for it beforehand (its token read back from the outbox, untimed), seat
//! assignment moves Pia's seat to Tom and back by turns, and the policy lets resends and
//! invitations go on without a cooldown or a daily limit in the way.
//!
//! Run it with
//!
//! ```sh
//! cargo bench -p teamseats-bench --bench handlers
//! cargo bench -p teamseats-bench --bench handlers -- --warm-up-time 1 --measurement-time 3
//! cargo bench -p teamseats-bench --bench handlers -- accept   # only names containing "accept"
//! ```
//!
//! Criterion prints, per benchmark, the mean CPU time per invocation with its 95%
//! confidence interval, and the change since the previous run on the same machine.
//!
//! Its limits:
//!
//! - It measures the handler, not the function: turning the Runtime API's JSON into a
//!   request, the runtime's own work, the cold start and logging are left out. No tracing
//!   subscriber is installed, so the handlers' log lines cost next to nothing here, while
//!   in Lambda each one is formatted and written.
//! - The store is redb on local disk and mail goes to files, not DynamoDB and SES: a
//!   deployed function spends its CPU on signing and sending HTTPS requests instead, which
//!   this benchmark does not see.
//! - Criterion plans how many iterations fit in the measurement time from the CPU time
//!   it measures, while waiting for the disk takes real time on top: a run takes longer
//!   than `--measurement-time` says, the more so the slower the disk's fsync.
//! - The process clock also counts the Tokio blocking threads' own bookkeeping (waking,
//!   and occasionally starting or retiring a thread), and the two clock reads around each
//!   invocation, well under a microsecond each.
//! - Stores grow as the benchmarks run: each invite and accept leaves an invitation or a
//!   member behind, so late iterations work on a larger B-tree than early ones.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use teamseats::clock::SystemClock;
use teamseats::config::{Config, Defaults};
use teamseats::service::Budget;
use teamseats::store::embedded::Embedded;
use teamseats_api::App;
use teamseats_api::wiring::{EMBEDDED_FILE, Host};
use teamseats_tests::Email;
use teamseats_tests::lambda::event;
use teamseats_tests::sample::{ACCOUNT, PIA_ID, Sample, TOM_ID};
use tempfile::TempDir;
use tokio::runtime::Runtime;

/// Invitation emails the sample account may send per UTC day: the most `DAILY_INVITE_LIMIT`
/// allows, far more than a run of the benchmarks sends.
const DAILY_INVITE_LIMIT: &str = "1000000";

/// The CPU time the process uses, as a criterion measurement, in nanoseconds.
struct CpuTime;

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        process_cpu_time()
    }

    fn end(&self, started: u64) -> u64 {
        process_cpu_time().saturating_sub(started)
    }

    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }

    fn zero(&self) -> u64 {
        0
    }

    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuTimeFormatter
    }
}

/// Shows CPU nanoseconds in ns, µs, ms or s, whichever suits the typical value.
struct CpuTimeFormatter;

impl ValueFormatter for CpuTimeFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e3 {
            (1.0, "ns")
        } else if typical < 1e6 {
            (1e-3, "µs")
        } else if typical < 1e9 {
            (1e-6, "ms")
        } else {
            (1e-9, "s")
        };
        for value in values {
            *value *= factor;
        }
        unit
    }

    fn scale_throughputs(
        &self,
        _typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let (count, unit) = match *throughput {
            Throughput::Bits(bits) => (bits as f64, "b/CPU-s"),
            Throughput::Bytes(bytes) | Throughput::BytesDecimal(bytes) => (bytes as f64, "B/CPU-s"),
            Throughput::Elements(elements) | Throughput::ElementsAndBytes { elements, .. } => {
                (elements as f64, "elem/CPU-s")
            }
        };
        for value in values {
            *value = count * 1e9 / *value;
        }
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// The CPU time the process has used so far, in nanoseconds, all its threads together.
fn process_cpu_time() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` only writes the `timespec` it is handed, which is a valid,
    // exclusively borrowed local for the whole call, and the clock id is a constant that
    // every supported platform defines.
    let read = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &raw mut now) };
    assert_eq!(read, 0, "the process CPU clock cannot be read");
    let seconds = u64::try_from(now.tv_sec).expect("a CPU time after the process started");
    let nanos = u64::try_from(now.tv_nsec).expect("nanoseconds within a second");
    seconds * 1_000_000_000 + nanos
}

/// One function's application on its own store, seeded with the sample account, and the
/// runtime its invocations run on.
struct Function {
    app: App,
    runtime: Runtime,
    outbox: PathBuf,
    _data: TempDir,
}

impl Function {
    /// A fresh store holding the sample account, and the application on it.
    fn start() -> Self {
        let data = tempfile::tempdir().expect("a temporary folder for the store");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread Tokio runtime");
        let config = config(data.path());

        // The embedded store is one file that one holder opens at a time: the sample is
        // written and the file closed before the application opens it, as the functions'
        // tests do.
        runtime.block_on(async {
            let store =
                Embedded::open(&data.path().join(EMBEDDED_FILE)).expect("a new embedded store");
            Sample::now().seed(&store).await;
        });
        let app = runtime
            .block_on(App::from_config(
                &config,
                Arc::new(SystemClock),
                Host::Lambda,
            ))
            .expect("the application on the seeded store");
        Self {
            app,
            runtime,
            outbox: data.path().join("outbox"),
            _data: data,
        }
    }

    /// Answers one request, as the function does once the Runtime API has handed it over.
    fn invoke(&self, request: Request) -> Response<Body> {
        self.runtime.block_on(self.app.handle(request))
    }

    /// Times `iters` invocations: `prepare` makes each request and `check` reads each
    /// answer, both outside the timed part.
    fn time_invocations(
        &self,
        iters: u64,
        mut prepare: impl FnMut() -> Request,
        mut check: impl FnMut(Response<Body>),
    ) -> u64 {
        let mut spent = 0;
        for _ in 0..iters {
            let request = prepare();
            let started = CpuTime.start();
            let response = self.invoke(request);
            spent += CpuTime.end(started);
            check(response);
        }
        spent
    }

    /// Removes every email the outbox holds and returns them, so that the outbox stays as
    /// small as the first invocation found it.
    fn take_mail(&self) -> Vec<Email> {
        let entries = std::fs::read_dir(&self.outbox).expect("the outbox folder");
        let mut mail = Vec::new();
        for entry in entries {
            let path = entry.expect("an outbox entry").path();
            if path.extension().is_some_and(|e| e == "eml") {
                let raw = std::fs::read_to_string(&path).expect("a readable email");
                mail.push(Email::parse_eml(&raw));
                std::fs::remove_file(&path).expect("a removable email");
            }
        }
        mail
    }
}

/// The configuration a deployed function reads with the variables of `events/watch.env`,
/// its store and outbox in `data_dir`, and a policy that lets every invite and resend
/// through.
fn config(data_dir: &Path) -> Config {
    let data_dir = data_dir
        .to_str()
        .expect("a UTF-8 temporary folder")
        .to_owned();
    let variables = [
        ("DATA_DIR", data_dir.as_str()),
        ("MAIL_TRANSPORT", "outbox"),
        ("SENDER_ADDRESS", "teamseats@example.com"),
        ("PUBLIC_BASE_URL", "https://join.teamseats.test"),
        ("APP_URL", "https://app.teamseats.test"),
        ("DAILY_INVITE_LIMIT", DAILY_INVITE_LIMIT),
        ("RESEND_COOLDOWN_SECONDS", "0"),
    ];
    let mut config = Config::read(Defaults::Deployed, |name| {
        variables
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .expect("a complete configuration");
    // `RESEND_DAILY_CAP` stops at 1,000, fewer than the resend benchmark makes in a day.
    config.policy.resend_daily_cap = u32::MAX;
    config
}

/// An event of `events/` as a request, the way `lambda_http` reads what the Runtime API
/// delivers.
fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("an API Gateway v2 event")
}

/// `event` with `body` as its JSON body and a matching `content-length` header.
fn with_body(event: &Value, body: &Value) -> Value {
    let body = body.to_string();
    let mut event = event.clone();
    event["headers"]["content-length"] = json!(body.len().to_string());
    event["body"] = json!(body);
    event
}

/// The answer's body as text, for failure messages.
fn text(response: &Response<Body>) -> String {
    String::from_utf8_lossy(response.body()).into_owned()
}

/// The answer's body as JSON.
fn body_json(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body()).unwrap_or(Value::Null)
}

/// Stops the benchmark unless `response` has `status`: a benchmark of failures would
/// measure the wrong thing.
fn expect_status(what: &str, response: &Response<Body>, status: u16) {
    assert_eq!(
        response.status().as_u16(),
        status,
        "{what} stopped succeeding: {}",
        text(response)
    );
}

/// Stops the benchmark unless `response` says the one address it named was invited and
/// mailed.
fn expect_invited(what: &str, response: &Response<Body>) {
    expect_status(what, response, 200);
    let result = &body_json(response)["results"][0];
    assert!(
        result["status"] == "invited" && result["email_sent"] == true,
        "{what} stopped inviting: {}",
        text(response)
    );
}

/// The trial invite with one address instead of the event's two, `bench-<n>@acme.example`.
fn invite_event(n: u64) -> Value {
    with_body(
        &event("invite/trial.json"),
        &json!({ "emails": [format!("bench-{n}@acme.example")] }),
    )
}

/// `move.json` turned around: Pia takes her seat back from Tom.
fn move_back_event() -> Value {
    let mut event = with_body(
        &event("assign-seat/move.json"),
        &json!({ "from_member_id": TOM_ID }),
    );
    let path = format!("/accounts/{ACCOUNT}/members/{PIA_ID}/seat");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["pathParameters"]["member_id"] = json!(PIA_ID);
    event
}

/// The group every benchmark here joins.
type Group<'a> = BenchmarkGroup<'a, CpuTime>;

/// Sends the same event on every iteration, expecting `status`.
fn same_event(group: &mut Group<'_>, id: &str, name: &str, status: u16) {
    let function = Function::start();
    let event = event(name);
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            function.time_invocations(
                iters,
                || request(&event),
                |response| expect_status(name, &response, status),
            )
        });
    });
}

/// The trial invite, each time for an address not seen before.
fn invite(group: &mut Group<'_>) {
    let function = Function::start();
    let mut next = 0_u64;
    group.bench_function("invite/trial", |b| {
        b.iter_custom(|iters| {
            function.time_invocations(
                iters,
                || {
                    next += 1;
                    request(&invite_event(next))
                },
                |response| {
                    expect_invited("invite/trial.json", &response);
                    function.take_mail();
                },
            )
        });
    });
}

/// The JSON acceptance, each time of an invitation made for it outside the timed part.
fn accept(group: &mut Group<'_>) {
    let function = Function::start();
    let accept = event("accept/json-post.json");
    let mut next = 0_u64;
    group.bench_function("accept/json-post", |b| {
        b.iter_custom(|iters| {
            function.time_invocations(
                iters,
                || {
                    next += 1;
                    let invited = function.invoke(request(&invite_event(next)));
                    expect_invited("inviting someone to accept", &invited);
                    let mail = function.take_mail();
                    let [email] = mail.as_slice() else {
                        panic!("one email per invitation, found {}", mail.len());
                    };
                    request(&with_body(&accept, &json!({ "token": email.token })))
                },
                |response| expect_status("accept/json-post.json", &response, 200),
            )
        });
    });
}

/// Resending Sam's invitation, which the policy allows again at once.
fn resend(group: &mut Group<'_>) {
    let function = Function::start();
    let event = event("resend/resend.json");
    group.bench_function("resend/resend", |b| {
        b.iter_custom(|iters| {
            function.time_invocations(
                iters,
                || request(&event),
                |response| {
                    expect_status("resend/resend.json", &response, 200);
                    function.take_mail();
                },
            )
        });
    });
}

/// Moving Pia's paid seat to Tom and, the next time, back.
fn assign_seat(group: &mut Group<'_>) {
    let function = Function::start();
    let moves = [event("assign-seat/move.json"), move_back_event()];
    let mut turn = 0_usize;
    group.bench_function("assign-seat/move", |b| {
        b.iter_custom(|iters| {
            function.time_invocations(
                iters,
                || {
                    let next = &moves[turn];
                    turn = 1 - turn;
                    request(next)
                },
                |response| expect_status("moving a seat", &response, 200),
            )
        });
    });
}

/// The daily run of the trial-expiry function, on a store where nothing is due yet.
fn trial_expiry(group: &mut Group<'_>) {
    let function = Function::start();
    let service = teamseats_api::service(&function.app);
    group.bench_function("trial-expiry/nothing-due", |b| {
        b.iter_custom(|iters| {
            let mut spent = 0;
            for _ in 0..iters {
                let budget = Budget {
                    deadline: None,
                    max_pages: None,
                };
                let started = CpuTime.start();
                let summary = function
                    .runtime
                    .block_on(service.run_daily(service.now(), budget));
                spent += CpuTime.end(started);
                let summary = summary.expect("the daily run");
                assert_eq!(
                    summary.trials_expired + summary.invitations_expired,
                    0,
                    "the daily run found something due: {summary:?}"
                );
            }
            spent
        });
    });
}

/// One benchmark per function and case, each on its own freshly seeded store.
fn handlers(c: &mut Criterion<CpuTime>) {
    let mut group = c.benchmark_group("handlers");
    invite(&mut group);
    same_event(&mut group, "accept/page", "accept/page.json", 200);
    accept(&mut group);
    resend(&mut group);
    assign_seat(&mut group);
    same_event(&mut group, "settings/account", "settings/account.json", 200);
    same_event(
        &mut group,
        "settings/invite-policy",
        "settings/invite-policy.json",
        200,
    );
    trial_expiry(&mut group);
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime);
    targets = handlers
}
criterion_main!(benches);
