//! Every limit at its edge: one below, exactly at, and one above.

use chrono::Duration;
use serde_json::json;
use teamseats_tests::TestApp;

const OWNER: &str = "olive@acme.test";

fn addresses(count: usize, prefix: &str) -> Vec<String> {
    (0..count)
        .map(|i| format!("{prefix}{i}@acme.test"))
        .collect()
}

async fn invite_many(app: &TestApp, account: &str, emails: &[String]) -> u16 {
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    app.invite(account, OWNER, &refs, json!({})).await.status
}

#[tokio::test]
async fn one_request_takes_twenty_four_and_twenty_five_addresses_but_not_twenty_six() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;

    assert_eq!(
        invite_many(&app, &account, &addresses(24, "below")).await,
        200
    );
    assert_eq!(invite_many(&app, &account, &addresses(25, "at")).await, 200);
    assert_eq!(
        invite_many(&app, &account, &addresses(26, "above")).await,
        422
    );
    assert_eq!(app.invitations(&account, OWNER).await.len(), 49);
}

#[tokio::test]
async fn the_daily_invitation_limit_allows_up_to_and_including_the_limit() {
    let app = TestApp::spawn_with(|policy| policy.daily_invite_limit = 10).await;
    let account = app.create_account(OWNER, 1).await;

    assert_eq!(
        invite_many(&app, &account, &addresses(9, "below")).await,
        200,
        "one below"
    );
    assert_eq!(
        invite_many(&app, &account, &addresses(2, "over")).await,
        429,
        "one above"
    );
    assert_eq!(
        invite_many(&app, &account, &addresses(1, "at")).await,
        200,
        "exactly at"
    );
    assert_eq!(
        invite_many(&app, &account, &addresses(1, "past")).await,
        429,
        "past it"
    );
    assert_eq!(app.invitations(&account, OWNER).await.len(), 10);
}

#[tokio::test]
async fn a_resend_waits_exactly_the_cooldown() {
    let app = TestApp::spawn_with(|policy| policy.resend_cooldown = Duration::seconds(60)).await;
    let account = app.create_account(OWNER, 1).await;
    let invited = app
        .invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;
    let id = invited.json()["results"][0]["invitation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/accounts/{account}/invitations/{id}/resend");

    app.advance(Duration::seconds(59));
    let below = app.request("POST", &path, Some(OWNER), None).await;
    app.advance(Duration::seconds(1));
    let at = app.request("POST", &path, Some(OWNER), None).await;
    app.advance(Duration::seconds(61));
    let above = app.request("POST", &path, Some(OWNER), None).await;

    assert_eq!(
        (below.status, below.header("retry-after").as_str()),
        (429, "1")
    );
    assert_eq!(at.status, 200, "{}", at.text());
    assert_eq!(above.status, 200, "{}", above.text());
}

#[tokio::test]
async fn resends_stop_after_the_daily_cap() {
    let app = TestApp::spawn_with(|policy| {
        policy.resend_cooldown = Duration::seconds(1);
        policy.resend_daily_cap = 3;
    })
    .await;
    let account = app.create_account(OWNER, 1).await;
    let invited = app
        .invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;
    let id = invited.json()["results"][0]["invitation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/accounts/{account}/invitations/{id}/resend");

    let mut statuses = Vec::new();
    for _ in 0..4 {
        app.advance(Duration::seconds(1));
        statuses.push(app.request("POST", &path, Some(OWNER), None).await.status);
    }

    assert_eq!(statuses, [200, 200, 200, 429], "below, below, at, above");
    assert_eq!(
        app.emails_to("bob@acme.test").len(),
        4,
        "the invitation and three resends"
    );
}
