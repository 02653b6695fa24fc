//! Trials and invitations end on time, by the injected clock, without sleeping.

use chrono::Duration;
use serde_json::json;
use teamseats_tests::{TestApp, find_member};

const OWNER: &str = "olive@acme.test";
const TRIAL: &str = "tess@acme.test";

#[tokio::test]
async fn a_trial_ends_seven_days_after_acceptance() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.invite(&account, OWNER, &[TRIAL], json!({})).await;
    app.advance(Duration::days(3));
    app.accept(&app.last_email_to(TRIAL).token).await;
    let trial_ends_at =
        find_member(&app.members(&account, OWNER).await, TRIAL)["trial_ends_at"].clone();
    assert_eq!(
        trial_ends_at, "2030-01-17T09:00:00Z",
        "seven days after accepting, not after inviting"
    );

    app.advance(Duration::days(7) - Duration::seconds(1));
    let still_on = app
        .invite(&account, TRIAL, &["friend@acme.test"], json!({}))
        .await;
    assert_eq!(
        still_on.status,
        200,
        "a second before the end: {}",
        still_on.text()
    );
    assert_eq!(app.daily().await["trials_expired"], 0);

    app.advance(Duration::seconds(1));
    let ended = app
        .invite(&account, TRIAL, &["other@acme.test"], json!({}))
        .await;
    assert_eq!(
        (ended.status, ended.code().as_str()),
        (403, "membership_inactive"),
        "access ends at the end"
    );
    assert_eq!(app.daily().await["trials_expired"], 1);
    assert_eq!(
        find_member(&app.members(&account, OWNER).await, TRIAL)["seat"],
        "trial_expired"
    );
}

#[tokio::test]
async fn an_invitation_expires_seven_days_after_sending() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.invite(
        &account,
        OWNER,
        &["early@acme.test", "late@acme.test"],
        json!({}),
    )
    .await;
    let early = app.last_email_to("early@acme.test").token;
    let late = app.last_email_to("late@acme.test").token;

    app.advance(Duration::days(7) - Duration::seconds(1));
    assert_eq!(
        app.accept(&early).await.status,
        200,
        "a second before it expires"
    );
    assert_eq!(app.daily().await["invitations_expired"], 0);

    app.advance(Duration::seconds(1));
    let expired = app.accept(&late).await;
    assert_eq!(
        (expired.status, expired.code().as_str()),
        (410, "invitation_expired")
    );
    assert_eq!(app.daily().await["invitations_expired"], 1);
    let invitations = app.invitations(&account, OWNER).await;
    let late_now = invitations
        .iter()
        .find(|i| i["email"] == "late@acme.test")
        .map(|i| i["status"].clone());
    assert_eq!(late_now, Some(json!("expired")));
}

#[tokio::test]
async fn the_trial_length_is_configurable() {
    let app = TestApp::spawn_with(|policy| policy.trial_length = Duration::days(14)).await;
    let account = app.create_account(OWNER, 1).await;

    app.join(&account, OWNER, TRIAL, json!({})).await;

    let member = find_member(&app.members(&account, OWNER).await, TRIAL).clone();
    assert_eq!(
        (&member["trial_ends_at"], &member["trial_days_left"]),
        (&json!("2030-01-21T09:00:00Z"), &json!(14))
    );
}

#[tokio::test]
async fn the_daily_run_can_be_run_as_of_a_given_time() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.join(&account, OWNER, TRIAL, json!({})).await;

    let response = app
        .request(
            "POST",
            "/local/daily",
            None,
            Some(json!({ "now": "2030-01-20T00:00:00Z" })),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["trials_expired"], 1);
    let bad = app
        .request(
            "POST",
            "/local/daily",
            None,
            Some(json!({ "now": "next tuesday" })),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (422, Some("now"))
    );
}
