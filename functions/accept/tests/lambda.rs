//! The accept function as Lambda runs it: the binary under a Runtime API on loopback,
//! fed the sample events in `events/accept/`.

use teamseats::ids::InvitationId;
use teamseats::model::{InvitationStatus, Seat};
use teamseats::ports::Lookup;
use teamseats_tests::lambda::{Sandbox, assert_refuses_to_start_unconfigured, event};
use teamseats_tests::sample::{self, Sample};

const BINARY: &str = env!("CARGO_BIN_EXE_accept");
/// The secret part of the sample token, which must never reach a log.
const SECRET: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

fn sams_invitation() -> Lookup {
    let sam = InvitationId::parse(sample::SAM_INVITATION).expect("Sam's invitation id");
    Lookup::account(&Sample::account())
        .invitation(&sam)
        .member(&sample::member_id(sample::SAM))
}

#[tokio::test]
async fn opening_the_link_shows_the_invitation_and_changes_nothing() {
    let sandbox = Sandbox::new().await;
    Sample::now().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let page = function.http(&event("accept/page.json")).await;
    let scanned = function.http(&event("accept/scanner-head.json")).await;

    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page.text().contains("Acme"), "{}", page.text());
    assert!(page.text().contains(sample::SAM), "{}", page.text());
    assert_eq!(scanned.status, 200, "{}", scanned.text());
    function.stop().await;
    let found = sandbox
        .store()
        .await
        .lookup(&sams_invitation())
        .await
        .expect("a lookup");
    let sam = InvitationId::parse(sample::SAM_INVITATION).expect("an id");
    assert_eq!(
        found.invitations.get(&sam).map(|i| i.status),
        Some(InvitationStatus::Pending)
    );
    assert!(found.members.is_empty());
}

#[tokio::test]
async fn the_form_post_accepts_once_and_sam_joins_on_a_trial() {
    let sandbox = Sandbox::new().await;
    Sample::now().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let joined = function.http(&event("accept/form-post.json")).await;
    let again = function.http(&event("accept/json-post.json")).await;

    assert_eq!(joined.status, 200, "{}", joined.text());
    assert!(
        joined.text().contains("You joined Acme"),
        "{}",
        joined.text()
    );
    assert_eq!(again.status, 409, "{}", again.text());
    assert_eq!(again.json()["code"], "invitation_already_accepted");
    let log = function.stop().await;
    assert!(!log.contains(SECRET), "the token reached the log:\n{log}");
    let found = sandbox
        .store()
        .await
        .lookup(&sams_invitation())
        .await
        .expect("a lookup");
    let sam = found
        .members
        .get(&sample::member_id(sample::SAM))
        .expect("Sam is a member");
    assert!(matches!(sam.seat, Seat::Trial { .. }), "{:?}", sam.seat);
    assert_eq!(found.account.map(|a| a.seats_used), Some(2));
}

#[tokio::test]
async fn the_json_post_answers_with_the_new_member() {
    let sandbox = Sandbox::new().await;
    Sample::now().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let joined = function.http(&event("accept/json-post.json")).await;

    assert_eq!(joined.status, 200, "{}", joined.text());
    let member = joined.json();
    assert_eq!(member["account_id"], sample::ACCOUNT);
    assert_eq!(member["member_id"], sample::member_id(sample::SAM).as_str());
    assert_eq!(member["seat"], "trial");
}

#[tokio::test]
async fn the_accept_events_find_nothing_in_an_empty_store() {
    let sandbox = Sandbox::new().await;
    let mut function = sandbox.start(BINARY).await;

    let page = function.http(&event("accept/page.json")).await;
    let accepted = function.http(&event("accept/json-post.json")).await;

    assert_eq!(page.status, 404, "{}", page.text());
    assert_eq!(accepted.status, 404, "{}", accepted.text());
    assert_eq!(accepted.json()["code"], "invitation_unknown");
}

#[tokio::test]
async fn the_accept_function_refuses_to_start_without_its_configuration() {
    assert_refuses_to_start_unconfigured(BINARY).await;
}
