//! What reaches the log: ids and outcomes of a whole flow, never a token, a token hash or
//! an email address.
//!
//! The log is read at INFO, the level Lambda runs functions at unless told otherwise. At
//! DEBUG and TRACE the AWS SDK and the HTTP stack log their own details, which can
//! include request and response contents; those levels are for diagnosis, not for
//! production.

use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::Duration;
use serde_json::json;
use sha2::{Digest, Sha256};
use teamseats_tests::{TestApp, find_member};
use tracing_subscriber::fmt::MakeWriter;

/// Collects everything the log subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = self.0.lock() {
            buffer.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn a_whole_flow_logs_ids_and_outcomes_but_no_token_or_address() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (app, mail) = TestApp::spawn_with_mail_switch().await;
    let owner = "olive.owner@acme.test";
    let account = app.create_account(owner, 2).await;
    app.invite(
        &account,
        owner,
        &["Tom.Trial@acme.test", "pia.paid@acme.test"],
        json!({}),
    )
    .await;
    let tom = app.last_email_to("tom.trial@acme.test").token;
    app.request(
        "GET",
        &format!("/invitations/accept?token={tom}"),
        None,
        None,
    )
    .await;
    app.accept(&tom).await;
    app.accept(&tom).await;
    mail.down();
    app.invite(&account, owner, &["fay.failed@acme.test"], json!({}))
        .await;
    mail.up();
    app.advance(Duration::minutes(10));
    let pia = app
        .invitations(&account, owner)
        .await
        .into_iter()
        .find(|i| i["email"] == "pia.paid@acme.test");
    let pia_id = pia
        .map(|i| i["invitation_id"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    app.request(
        "POST",
        &format!("/accounts/{account}/invitations/{pia_id}/resend"),
        Some(owner),
        None,
    )
    .await;
    let tom_id =
        find_member(&app.members(&account, owner).await, "tom.trial@acme.test")["member_id"]
            .clone();
    let seat = format!(
        "/accounts/{account}/members/{}/seat",
        tom_id.as_str().unwrap_or_default()
    );
    app.request("PUT", &seat, Some(owner), None).await;
    app.request(
        "GET",
        &format!("/accounts/{account}/members"),
        Some("stranger@else.test"),
        None,
    )
    .await;
    app.advance(Duration::days(8));
    app.daily().await;

    let log = String::from_utf8(capture.0.lock().map(|b| b.clone()).unwrap_or_default())
        .unwrap_or_default();
    assert!(
        log.contains("invitation accepted") && log.contains(&account),
        "the log has outcomes and ids:\n{log}"
    );
    let pia_token = app.last_email_to("pia.paid@acme.test").token;
    for token in [&tom, &pia_token] {
        let secret = token.rsplit('.').next().unwrap_or_default();
        let hash: String = Sha256::digest(secret.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(!log.contains(secret), "a token secret reached the log");
        assert!(!log.contains(&hash), "a token hash reached the log");
    }
    for address in [
        "olive.owner",
        "tom.trial",
        "pia.paid",
        "fay.failed",
        "stranger@",
        "@acme.test",
        "@else.test",
    ] {
        assert!(
            !log.to_lowercase().contains(address),
            "{address} reached the log"
        );
    }
}
