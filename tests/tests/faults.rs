//! DynamoDB failing and throttling mid-operation: nothing is half-written, retries are
//! bounded, and a request after the fault succeeds.
//!
//! A proxy on loopback stands between the application and the DynamoDB server and
//! answers chosen operations with DynamoDB's own throttling or server error. The faults
//! are DynamoDB's, so on the embedded store (the default backend) the tests return at
//! once; `scripts/test` runs them again on DynamoDB.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use teamseats_tests::TestApp;

const OWNER: &str = "olive@acme.test";

/// What the proxy answers instead of forwarding.
#[derive(Debug, Clone, Copy)]
enum Fault {
    Throttling,
    ServerError,
}

/// Which operation fails, how, and how many more times (`None`: always).
#[derive(Debug, Clone, Copy)]
struct Rule {
    operation: &'static str,
    fault: Fault,
    times: Option<u32>,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    client: Client<HttpConnector, Body>,
    rule: Arc<Mutex<Option<Rule>>>,
    /// Requests seen, by operation.
    seen: Arc<Mutex<BTreeMap<String, u32>>>,
}

impl Proxy {
    async fn start(upstream: String) -> (Self, SocketAddr) {
        let proxy = Self {
            upstream,
            client: Client::builder(TokioExecutor::new()).build_http(),
            rule: Arc::default(),
            seen: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let address = listener.local_addr().expect("an address");
        let router = axum::Router::new()
            .fallback(forward)
            .with_state(proxy.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (proxy, address)
    }

    fn fail(&self, operation: &'static str, fault: Fault, times: Option<u32>) {
        *self.rule.lock().expect("the rule") = Some(Rule {
            operation,
            fault,
            times,
        });
    }

    fn seen(&self, operation: &str) -> u32 {
        self.seen
            .lock()
            .expect("the counts")
            .get(operation)
            .copied()
            .unwrap_or(0)
    }
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|target| target.rsplit('.').next())
        .unwrap_or_default()
        .to_owned();
    *proxy
        .seen
        .lock()
        .expect("the counts")
        .entry(operation.clone())
        .or_default() += 1;

    let fault = {
        let mut rule = proxy.rule.lock().expect("the rule");
        match rule.as_mut() {
            Some(rule) if rule.operation == operation && rule.times != Some(0) => {
                if let Some(left) = rule.times.as_mut() {
                    *left -= 1;
                }
                Some(rule.fault)
            }
            _ => None,
        }
    };
    if let Some(fault) = fault {
        let (status, kind) = match fault {
            Fault::Throttling => (StatusCode::BAD_REQUEST, "ThrottlingException"),
            Fault::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError"),
        };
        let body = json!({ "__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"), "message": "injected" });
        return (
            status,
            [("content-type", "application/x-amz-json-1.0")],
            body.to_string(),
        )
            .into_response();
    }

    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = format!("{}{path}", proxy.upstream)
        .parse::<Uri>()
        .expect("an upstream URI");
    match proxy.client.request(Request::from_parts(parts, body)).await {
        Ok(response) => response.map(Body::new),
        Err(error) => (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    }
}

/// A healthy app, and one on the same table and clock whose DynamoDB goes through a proxy.
async fn apps() -> Option<(TestApp, TestApp, Proxy)> {
    let healthy = TestApp::spawn().await;
    let upstream = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .ok()
        .filter(|_| healthy.on_aws())?;
    let (proxy, address) = Proxy::start(upstream).await;
    let faulty = healthy
        .sibling_with_dynamodb_at(&format!("http://{address}"))
        .await;
    Some((healthy, faulty, proxy))
}

#[tokio::test]
async fn a_throttled_transaction_is_retried_a_bounded_number_of_times_and_writes_nothing() {
    let Some((healthy, faulty, proxy)) = apps().await else {
        return;
    };
    let account = healthy.create_account(OWNER, 3).await;
    let before = healthy.state(&account, OWNER).await;

    proxy.fail("TransactWriteItems", Fault::Throttling, None);
    let response = faulty
        .invite(
            &account,
            OWNER,
            &["a@acme.test", "b@acme.test"],
            json!({ "seat": "paid" }),
        )
        .await;

    assert_eq!(
        (response.status, response.code().as_str()),
        (500, "internal"),
        "{}",
        response.text()
    );
    assert_eq!(
        proxy.seen("TransactWriteItems"),
        3,
        "the SDK's standard retry gives up after three attempts"
    );
    assert_eq!(
        healthy.state(&account, OWNER).await,
        before,
        "nothing was written"
    );
    assert!(
        healthy.emails().is_empty(),
        "no email for an invitation that does not exist"
    );
}

#[tokio::test]
async fn a_server_error_while_accepting_leaves_the_invitation_pending_for_a_later_accept() {
    let Some((healthy, faulty, proxy)) = apps().await else {
        return;
    };
    let account = healthy.create_account(OWNER, 2).await;
    healthy
        .invite(
            &account,
            OWNER,
            &["bob@acme.test"],
            json!({ "seat": "paid" }),
        )
        .await;
    let token = healthy.last_email_to("bob@acme.test").token;
    let before = healthy.state(&account, OWNER).await;

    proxy.fail("TransactWriteItems", Fault::ServerError, None);
    let failed = faulty.accept(&token).await;

    assert_eq!((failed.status, failed.code().as_str()), (500, "internal"));
    assert_eq!(
        healthy.state(&account, OWNER).await,
        before,
        "no member, seat still reserved"
    );
    let accepted = healthy.accept(&token).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text());
    assert_eq!(healthy.account(&account, OWNER).await["seats_used"], 2);
}

#[tokio::test]
async fn a_passing_throttle_is_absorbed_by_one_retry() {
    let Some((healthy, faulty, proxy)) = apps().await else {
        return;
    };
    let account = healthy.create_account(OWNER, 1).await;

    proxy.fail("BatchGetItem", Fault::Throttling, Some(1));
    let response = faulty
        .invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;

    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(proxy.seen("BatchGetItem"), 2);
    assert_eq!(healthy.invitations(&account, OWNER).await.len(), 1);
}
