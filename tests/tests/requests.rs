//! DynamoDB requests per use case, counted at the client: each use case reads in at most
//! one round trip and writes in at most one request.
//!
//! These counts only exist on DynamoDB, so on the embedded store (the default backend)
//! the test returns at once; `scripts/test` runs it again on DynamoDB, where it counts.
//! Its table is printed with `--nocapture`, and is the one in the README.

use std::collections::BTreeMap;

use chrono::Duration;
use serde_json::json;
use teamseats_tests::{TestApp, find_member};

const OWNER: &str = "olive@acme.test";
const READS: [&str; 4] = ["BatchGetItem", "GetItem", "Query", "Scan"];

struct Meter<'a> {
    app: &'a TestApp,
    before: BTreeMap<String, u64>,
}

impl<'a> Meter<'a> {
    fn start(app: &'a TestApp) -> Self {
        Self {
            app,
            before: counts(app),
        }
    }

    /// Requests since the meter started, by operation.
    fn stop(self) -> BTreeMap<String, u64> {
        let mut delta = counts(self.app);
        for (operation, count) in &self.before {
            if let Some(now) = delta.get_mut(operation) {
                *now -= count;
            }
        }
        delta.retain(|_, count| *count > 0);
        delta
    }
}

fn counts(app: &TestApp) -> BTreeMap<String, u64> {
    app.app
        .dynamodb_requests()
        .map(|r| r.snapshot())
        .unwrap_or_default()
}

fn reads_and_writes(requests: &BTreeMap<String, u64>) -> (u64, u64) {
    requests
        .iter()
        .fold((0, 0), |(reads, writes), (operation, count)| {
            if READS.contains(&operation.as_str()) {
                (reads + count, writes)
            } else {
                (reads, writes + count)
            }
        })
}

#[tokio::test]
async fn every_use_case_reads_once_and_writes_once() {
    let app = TestApp::spawn().await;
    if !app.on_aws() {
        return;
    }
    let account = app.create_account(OWNER, 3).await;
    let mut table = Vec::new();
    macro_rules! measure {
        ($name:expr, $call:expr) => {{
            let meter = Meter::start(&app);
            let response = $call;
            let requests = meter.stop();
            table.push(($name, requests));
            response
        }};
    }

    let emails: Vec<String> = (0..25).map(|i| format!("p{i}@acme.test")).collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    measure!(
        "invite 25 addresses",
        app.invite(&account, OWNER, &refs, json!({})).await
    );
    measure!(
        "invite 1 address, paid seat",
        app.invite(
            &account,
            OWNER,
            &["paid@acme.test"],
            json!({ "seat": "paid" })
        )
        .await
    );
    let token = app.last_email_to("p0@acme.test").token;
    let page = format!("/invitations/accept?token={token}");
    measure!(
        "open the accept link",
        app.request("GET", &page, None, None).await
    );
    measure!("accept", app.accept(&token).await);
    let invitations = app.invitations(&account, OWNER).await;
    let pending = |email: &str| {
        invitations
            .iter()
            .find(|i| i["email"] == email)
            .and_then(|i| i["invitation_id"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    app.advance(Duration::hours(1));
    let resend = format!(
        "/accounts/{account}/invitations/{}/resend",
        pending("p1@acme.test")
    );
    measure!(
        "resend",
        app.request("POST", &resend, Some(OWNER), None).await
    );
    let revoke = format!(
        "/accounts/{account}/invitations/{}",
        pending("p2@acme.test")
    );
    measure!(
        "revoke",
        app.request("DELETE", &revoke, Some(OWNER), None).await
    );
    let member = find_member(&app.members(&account, OWNER).await, "p0@acme.test")["member_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let seat = format!("/accounts/{account}/members/{member}/seat");
    measure!(
        "assign a seat",
        app.request("PUT", &seat, Some(OWNER), None).await
    );
    let grant = format!("/accounts/{account}/members/{member}");
    measure!(
        "let a member manage seats",
        app.request(
            "PATCH",
            &grant,
            Some(OWNER),
            Some(json!({ "manages_seats": true }))
        )
        .await
    );
    let settings = format!("/accounts/{account}/settings");
    measure!(
        "change the invite policy",
        app.request(
            "PATCH",
            &settings,
            Some(OWNER),
            Some(json!({ "invites_restricted_to_admins": false }))
        )
        .await
    );
    let seats = format!("/accounts/{account}/seats");
    measure!(
        "buy seats",
        app.request("POST", &seats, Some(OWNER), Some(json!({ "add": 2 })))
            .await
    );
    measure!(
        "read the account",
        app.request("GET", &format!("/accounts/{account}"), Some(OWNER), None)
            .await
    );
    let members = format!("/accounts/{account}/members?limit=10");
    measure!(
        "list members, one page",
        app.request("GET", &members, Some(OWNER), None).await
    );
    let listing = format!("/accounts/{account}/invitations?limit=10");
    measure!(
        "list invitations, one page",
        app.request("GET", &listing, Some(OWNER), None).await
    );

    println!("| use case | reads | writes | requests |");
    println!("|---|---|---|---|");
    for (name, requests) in &table {
        let (reads, writes) = reads_and_writes(requests);
        let detail: Vec<String> = requests.iter().map(|(op, n)| format!("{n} {op}")).collect();
        println!("| {name} | {reads} | {writes} | {} |", detail.join(", "));
        // A listing reads the caller, then its page: two round trips, both by key.
        let most_reads = if name.starts_with("list") { 2 } else { 1 };
        assert!(
            reads <= most_reads,
            "{name} reads {reads} times: {requests:?}"
        );
        assert!(writes <= 1, "{name} writes {writes} times: {requests:?}");
    }
    assert!(
        table
            .iter()
            .any(|(_, r)| r.contains_key("TransactWriteItems")),
        "writes were counted"
    );
}
