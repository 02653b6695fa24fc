//! The settings function as Lambda runs it: the binary under a Runtime API on loopback,
//! fed the sample events in `events/settings/`.

use teamseats::ids::{InvitationId, MemberId};
use teamseats::model::InvitationStatus;
use teamseats::ports::Lookup;
use teamseats_tests::lambda::{Sandbox, assert_refuses_to_start_unconfigured, event};
use teamseats_tests::sample::{self, Sample};

const BINARY: &str = env!("CARGO_BIN_EXE_settings");

#[tokio::test]
async fn the_sign_up_event_creates_the_account_with_its_owner() {
    let sandbox = Sandbox::new().await;
    let mut function = sandbox.start(BINARY).await;

    let created = function.http(&event("settings/create-account.json")).await;

    assert_eq!(created.status, 201, "{}", created.text());
    let body = created.json();
    assert_eq!(body["name"], "Acme");
    assert_eq!(body["seats_bought"], 5);
    assert_eq!(body["seats_used"], 1);
    function.stop().await;
    let account = teamseats::ids::AccountId::parse(body["account_id"].as_str().unwrap_or(""))
        .expect("an account id");
    let owner =
        MemberId::parse(body["owner_member_id"].as_str().unwrap_or("")).expect("an owner id");
    let found = sandbox
        .store()
        .await
        .lookup(&Lookup::account(&account).member(&owner))
        .await
        .expect("a lookup");
    assert_eq!(found.account.map(|a| a.seats_bought), Some(5));
    assert_eq!(
        found.members.get(&owner).map(|m| m.email.to_string()),
        Some(sample::OWNER.to_owned())
    );
}

#[tokio::test]
async fn the_settings_events_read_and_change_the_sample_account() {
    let sandbox = Sandbox::new().await;
    Sample::now().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let account = function.http(&event("settings/account.json")).await;
    assert_eq!(account.status, 200, "{}", account.text());
    assert_eq!(account.json()["seats_used"], 2);
    assert_eq!(account.json()["seats_free"], 3);

    let members = function.http(&event("settings/list-members.json")).await;
    assert_eq!(members.status, 200, "{}", members.text());
    let seats: Vec<(String, String)> = members.json()["members"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| (m["email"].to_string(), m["seat"].to_string()))
        .collect();
    assert_eq!(seats.len(), 3, "{seats:?}");
    assert!(seats.contains(&("\"tom@acme.example\"".into(), "\"trial\"".into())));
    assert!(seats.contains(&("\"pia@acme.example\"".into(), "\"paid\"".into())));

    let invitations = function
        .http(&event("settings/list-invitations.json"))
        .await;
    assert_eq!(invitations.status, 200, "{}", invitations.text());
    let pending: Vec<_> = invitations.json()["invitations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["status"] == "pending")
        .map(|i| i["invitation_id"].clone())
        .collect();
    assert_eq!(pending, [sample::SAM_INVITATION]);

    let manager = function.http(&event("settings/update-member.json")).await;
    assert_eq!(manager.status, 200, "{}", manager.text());
    assert_eq!(manager.json()["manages_seats"], true);

    let policy = function.http(&event("settings/invite-policy.json")).await;
    assert_eq!(policy.status, 200, "{}", policy.text());
    assert_eq!(policy.json()["invites_restricted_to_admins"], true);

    let bought = function.http(&event("settings/buy-seats.json")).await;
    assert_eq!(bought.status, 200, "{}", bought.text());
    assert_eq!(bought.json()["seats_bought"], 7);

    let revoked = function.http(&event("settings/revoke.json")).await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    assert_eq!(revoked.json()["status"], "revoked");

    function.stop().await;
    let sam = InvitationId::parse(sample::SAM_INVITATION).expect("Sam's invitation id");
    let tom = MemberId::parse(sample::TOM_ID).expect("Tom's member id");
    let found = sandbox
        .store()
        .await
        .lookup(
            &Lookup::account(&Sample::account())
                .member(&tom)
                .invitation(&sam),
        )
        .await
        .expect("a lookup");
    let account = found.account.expect("the account");
    assert_eq!(account.seats_bought, 7);
    assert!(account.invites_restricted_to_admins);
    assert!(found.members.get(&tom).is_some_and(|m| m.manages_seats));
    assert_eq!(
        found.invitations.get(&sam).map(|i| i.status),
        Some(InvitationStatus::Revoked)
    );
}

#[tokio::test]
async fn the_settings_function_refuses_to_start_without_its_configuration() {
    assert_refuses_to_start_unconfigured(BINARY).await;
}
