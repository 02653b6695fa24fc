//! Mail that does not go: the invitation is kept with the failure recorded, the answer
//! says so, and a later resend delivers.

use chrono::Duration;
use serde_json::json;
use teamseats_tests::TestApp;

const OWNER: &str = "olive@acme.test";

#[tokio::test]
async fn a_failed_send_is_recorded_and_a_later_resend_delivers() {
    let (app, mail) = TestApp::spawn_with_mail_switch().await;
    let account = app.create_account(OWNER, 1).await;

    mail.down();
    let invited = app
        .invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;

    assert_eq!(invited.status, 200, "{}", invited.text());
    let result = &invited.json()["results"][0];
    assert_eq!(
        (&result["status"], &result["email_sent"]),
        (&json!("invited"), &json!(false))
    );
    let listed = app.invitations(&account, OWNER).await;
    assert_eq!(
        (&listed[0]["status"], &listed[0]["email_delivery"]),
        (&json!("pending"), &json!("failed"))
    );
    assert!(app.emails_to("bob@acme.test").is_empty());

    mail.up();
    app.advance(Duration::minutes(5));
    let id = result["invitation_id"].as_str().unwrap_or_default();
    let resent = app
        .request(
            "POST",
            &format!("/accounts/{account}/invitations/{id}/resend"),
            Some(OWNER),
            None,
        )
        .await;

    assert_eq!(
        (resent.status, &resent.json()["email_sent"]),
        (200, &json!(true)),
        "{}",
        resent.text()
    );
    assert_eq!(
        app.invitations(&account, OWNER).await[0]["email_delivery"],
        "sent"
    );
    let email = app.last_email_to("bob@acme.test");
    assert_eq!(app.accept(&email.token).await.status, 200);
}

#[tokio::test]
async fn a_resend_that_fails_says_so_and_keeps_the_new_link() {
    let (app, mail) = TestApp::spawn_with_mail_switch().await;
    let account = app.create_account(OWNER, 1).await;
    let invited = app
        .invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;
    let id = invited.json()["results"][0]["invitation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let first = app.last_email_to("bob@acme.test").token;

    mail.down();
    app.advance(Duration::minutes(5));
    let resent = app
        .request(
            "POST",
            &format!("/accounts/{account}/invitations/{id}/resend"),
            Some(OWNER),
            None,
        )
        .await;

    assert_eq!(
        (resent.status, &resent.json()["email_sent"]),
        (200, &json!(false))
    );
    assert_eq!(
        app.invitations(&account, OWNER).await[0]["email_delivery"],
        "failed"
    );
    assert_eq!(
        app.accept(&first).await.code(),
        "invitation_unknown",
        "the token was rotated"
    );
}

#[tokio::test]
async fn a_throttled_send_is_retried_a_bounded_number_of_times_then_recorded_as_failed() {
    let (app, mail) = TestApp::spawn_with_mail_switch().await;
    let account = app.create_account(OWNER, 1).await;

    mail.throttle();
    let invited = app
        .invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;
    let throttled = mail.throttled_requests();
    mail.up();

    assert_eq!(invited.status, 200, "{}", invited.text());
    assert_eq!(invited.json()["results"][0]["email_sent"], false);
    assert_eq!(
        throttled, 3,
        "the SDK's standard retry gives up after three attempts"
    );
    assert_eq!(
        app.invitations(&account, OWNER).await[0]["email_delivery"],
        "failed"
    );

    app.advance(Duration::minutes(5));
    let id = invited.json()["results"][0]["invitation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/accounts/{account}/invitations/{id}/resend");
    let resent = app.request("POST", &path, Some(OWNER), None).await;
    assert_eq!(resent.json()["email_sent"], true, "{}", resent.text());
    assert_eq!(app.emails_to("bob@acme.test").len(), 1);
}
