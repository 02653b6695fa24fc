//! The daily function as Lambda runs it: the binary under a Runtime API on loopback,
//! fed the scheduled events in `events/trial-expiry/`.

use std::time::Duration;

use serde_json::Value;
use teamseats::ids::InvitationId;
use teamseats::model::{InvitationStatus, Seat};
use teamseats::ports::Lookup;
use teamseats_tests::lambda::{
    Outcome, Sandbox, assert_refuses_to_start_unconfigured, event, json_log_lines,
};
use teamseats_tests::sample::{self, Sample};

const BINARY: &str = env!("CARGO_BIN_EXE_trial-expiry");

fn summary(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Response(raw) => serde_json::from_slice(&raw).expect("a JSON summary"),
        Outcome::Error(error) => panic!("the daily run failed: {error}"),
    }
}

#[tokio::test]
async fn the_schedule_ends_overdue_trials_and_invitations_once() {
    let sandbox = Sandbox::new().await;
    Sample::overdue().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let first = summary(function.invoke(&event("trial-expiry/schedule.json")).await);
    let second = summary(function.invoke(&event("trial-expiry/scheduler.json")).await);

    assert_eq!(first["trials_expired"], 1, "{first}");
    assert_eq!(first["invitations_expired"], 1, "{first}");
    assert_eq!(first["more_remaining"], false, "{first}");
    assert!(first["pages_read"].as_u64() >= Some(1), "{first}");
    assert_eq!(second["trials_expired"], 0, "{second}");
    assert_eq!(second["invitations_expired"], 0, "{second}");
    let log = function.stop().await;
    let finished = json_log_lines(&log)
        .into_iter()
        .find(|line| line["fields"]["message"] == "daily run finished")
        .unwrap_or_else(|| panic!("no JSON line for the finished run:\n{log}"));
    assert_eq!(finished["level"], "INFO");
    assert_eq!(finished["fields"]["trials_expired"], 1);

    let sam = InvitationId::parse(sample::SAM_INVITATION).expect("Sam's invitation id");
    let tom = sample::member_id(sample::TOM);
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
    assert!(matches!(
        found.members.get(&tom).map(|m| m.seat),
        Some(Seat::TrialExpired { .. })
    ));
    assert_eq!(
        found.invitations.get(&sam).map(|i| i.status),
        Some(InvitationStatus::Expired)
    );
}

#[tokio::test]
async fn a_run_near_its_deadline_stops_after_one_page_and_the_next_run_finishes() {
    let sandbox = Sandbox::new().await;
    let store = sandbox.store().await;
    Sample::now().seed(store.as_ref()).await;
    sample::overdue_invitations(store.as_ref(), 120).await;
    drop(store);
    let mut function = sandbox.start(BINARY).await;

    let hurried = summary(
        function
            .invoke_with_time_left(
                &event("trial-expiry/schedule.json"),
                Duration::from_secs(15),
            )
            .await,
    );
    let next = summary(function.invoke(&event("trial-expiry/schedule.json")).await);

    assert_eq!(hurried["pages_read"], 1, "{hurried}");
    assert_eq!(hurried["invitations_expired"], 100, "{hurried}");
    assert_eq!(hurried["more_remaining"], true, "{hurried}");
    assert_eq!(next["invitations_expired"], 20, "{next}");
    assert_eq!(next["more_remaining"], false, "{next}");
}

#[tokio::test]
async fn the_daily_function_refuses_to_start_without_its_configuration() {
    assert_refuses_to_start_unconfigured(BINARY).await;
}
