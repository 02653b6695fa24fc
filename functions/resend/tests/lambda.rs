//! The resend function as Lambda runs it: the binary under a Runtime API on loopback,
//! fed the sample event in `events/resend/`.

use teamseats::ids::InvitationId;
use teamseats::ports::Lookup;
use teamseats::token::InvitationToken;
use teamseats_tests::lambda::{Sandbox, assert_refuses_to_start_unconfigured, event};
use teamseats_tests::sample::{self, Sample};

const BINARY: &str = env!("CARGO_BIN_EXE_resend");

#[tokio::test]
async fn the_resend_event_mails_sam_a_new_link_and_the_old_one_stops_working() {
    let sandbox = Sandbox::new().await;
    Sample::now().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let resent = function.http(&event("resend/resend.json")).await;

    assert_eq!(resent.status, 200, "{}", resent.text());
    assert_eq!(resent.json()["email_sent"], true, "{}", resent.text());
    function.stop().await;
    let mails = sandbox.emails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, sample::SAM);
    assert_ne!(mails[0].token, sample::SAM_TOKEN);
    let sam = InvitationId::parse(sample::SAM_INVITATION).expect("Sam's invitation id");
    let found = sandbox
        .store()
        .await
        .lookup(&Lookup::account(&Sample::account()).invitation(&sam))
        .await
        .expect("a lookup");
    let stored = found.invitations.get(&sam).expect("Sam's invitation");
    let old = InvitationToken::parse(sample::SAM_TOKEN).expect("the sample token");
    let new = InvitationToken::parse(&mails[0].token).expect("the new token");
    assert!(!stored.token_hash.matches(&old.hash()));
    assert!(stored.token_hash.matches(&new.hash()));
}

#[tokio::test]
async fn a_second_resend_within_the_cooldown_is_refused_with_retry_after() {
    let sandbox = Sandbox::new().await;
    Sample::now().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let first = function.http(&event("resend/resend.json")).await;
    let second = function.http(&event("resend/resend.json")).await;

    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(second.status, 429, "{}", second.text());
    assert_eq!(second.json()["code"], "resend_cooldown");
    assert_eq!(second.header("retry-after"), "300");
    function.stop().await;
    assert_eq!(sandbox.emails().len(), 1);
}

#[tokio::test]
async fn the_resend_function_refuses_to_start_without_its_configuration() {
    assert_refuses_to_start_unconfigured(BINARY).await;
}
