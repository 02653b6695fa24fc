//! The invite function as Lambda runs it: the binary under a Runtime API on loopback,
//! fed the sample events in `events/invite/`.

use teamseats::email::EmailAddress;
use teamseats::ports::Lookup;
use teamseats_tests::lambda::{
    PUBLIC_BASE_URL, Sandbox, assert_refuses_to_start_unconfigured, event,
};
use teamseats_tests::sample::{self, Sample};

const BINARY: &str = env!("CARGO_BIN_EXE_invite");

fn pending_lookup(addresses: &[&str]) -> Lookup {
    let mut lookup = Lookup::account(&Sample::account());
    lookup.pending_addresses = addresses
        .iter()
        .map(|a| EmailAddress::parse(a).expect("an address"))
        .collect();
    lookup
}

#[tokio::test]
async fn the_trial_event_invites_both_addresses_and_mails_each_an_accept_link() {
    let sandbox = Sandbox::new().await;
    Sample::now().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let invited = function.http(&event("invite/trial.json")).await;

    assert_eq!(invited.status, 200, "{}", invited.text());
    let results = invited.json()["results"].clone();
    for (n, email) in ["ravi@acme.example", "lena@acme.example"]
        .iter()
        .enumerate()
    {
        assert_eq!(results[n]["email"], *email, "{results}");
        assert_eq!(results[n]["status"], "invited", "{results}");
        assert_eq!(results[n]["email_sent"], true, "{results}");
    }
    function.stop().await;
    for email in ["ravi@acme.example", "lena@acme.example"] {
        let mails: Vec<_> = sandbox
            .emails()
            .into_iter()
            .filter(|m| m.to.eq_ignore_ascii_case(email))
            .collect();
        assert_eq!(mails.len(), 1, "mail to {email}");
        let link = &mails[0].link;
        assert!(
            link.starts_with(&format!(
                "{PUBLIC_BASE_URL}/invitations/accept?token={}.",
                sample::ACCOUNT
            )),
            "{link}"
        );
        assert!(mails[0].text.contains("Acme"), "{}", mails[0].text);
    }
    let found = sandbox
        .store()
        .await
        .lookup(&pending_lookup(&["ravi@acme.example", "lena@acme.example"]))
        .await
        .expect("a lookup");
    assert_eq!(found.pending.len(), 2);
}

#[tokio::test]
async fn the_paid_event_invites_an_admin_and_reserves_a_seat() {
    let sandbox = Sandbox::new().await;
    Sample::now().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let invited = function.http(&event("invite/paid.json")).await;

    assert_eq!(invited.status, 200, "{}", invited.text());
    assert_eq!(invited.json()["results"][0]["status"], "invited");
    function.stop().await;
    let found = sandbox
        .store()
        .await
        .lookup(&pending_lookup(&["noah@acme.example"]))
        .await
        .expect("a lookup");
    assert_eq!(found.account.map(|a| a.seats_reserved), Some(1));
    assert_eq!(found.pending.len(), 1);
}

#[tokio::test]
async fn an_email_claim_that_is_not_verified_is_refused_and_nothing_is_sent() {
    let sandbox = Sandbox::new().await;
    Sample::now().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let refused = function.http(&event("invite/unverified-email.json")).await;

    assert_eq!(refused.status, 401, "{}", refused.text());
    assert_eq!(refused.json()["code"], "unauthenticated");
    assert_eq!(refused.header("content-type"), "application/problem+json");
    function.stop().await;
    assert!(sandbox.emails().is_empty());
    let found = sandbox
        .store()
        .await
        .lookup(&pending_lookup(&["ravi@acme.example"]))
        .await
        .expect("a lookup");
    assert!(found.pending.is_empty());
}

#[tokio::test]
async fn the_invite_function_refuses_to_start_without_its_configuration() {
    assert_refuses_to_start_unconfigured(BINARY).await;
}
