//! A harness for end-to-end tests: each test gets its own application on a fresh store,
//! with a clock it controls and an outbox it reads mail back from.
//!
//! Requests go through the local runner's router, so every test exercises the same
//! path a person with curl does: HTTP request, API Gateway event, handler, store. The
//! caller is named as the local runner names it, with `X-Local-User`.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use teamseats::clock::ManualClock;
use teamseats::config::{Config, Policy};
use teamseats_api::App;
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
    /// Where the store keeps its data.
    pub data_dir: PathBuf,
    _data: TempDir,
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
        let data = tempfile::tempdir().expect("a temporary folder");
        let mut config = Config::from_lookup(|_| None).expect("the default configuration");
        config.data_dir = data.path().to_owned();
        config.links.public_base_url = "https://teamseats.test".into();
        config.links.app_url = "https://app.teamseats.test/".into();
        adjust(&mut config.policy);

        let clock = Arc::new(ManualClock::new(start_time()));
        let app = App::from_config(&config, clock.clone(), false)
            .await
            .expect("the application");
        Self {
            router: local::router(app.clone()),
            clock,
            outbox: data.path().join("outbox"),
            data_dir: data.path().to_owned(),
            app,
            _data: data,
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

    /// Creates an account and returns its id.
    pub async fn create_account(&self, owner: &str, seats: u32) -> String {
        let body = json!({ "name": "Acme", "owner_email": owner, "seats": seats });
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
        let Ok(entries) = std::fs::read_dir(&self.outbox) else {
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
    let token = text
        .split_whitespace()
        .find_map(|word| word.split_once("token=").map(|(_, token)| token.to_owned()))
        .unwrap_or_default();
    Email {
        to: header("To"),
        subject: header("Subject"),
        html: part("text/html"),
        text,
        token,
    }
}
