//! The assign-seat function as Lambda runs it: the binary under a Runtime API on
//! loopback, fed the sample events in `events/assign-seat/`.

use teamseats::model::Seat;
use teamseats::ports::{Found, Lookup};
use teamseats_tests::lambda::{Sandbox, assert_refuses_to_start_unconfigured, event};
use teamseats_tests::sample::{self, Sample};

const BINARY: &str = env!("CARGO_BIN_EXE_assign-seat");

async fn tom_and_pia(sandbox: &Sandbox) -> Found {
    let lookup = Lookup::account(&Sample::account())
        .member(&sample::member_id(sample::TOM))
        .member(&sample::member_id(sample::PIA));
    sandbox
        .store()
        .await
        .lookup(&lookup)
        .await
        .expect("a lookup")
}

fn seat(found: &Found, email: &str) -> Seat {
    found
        .members
        .get(&sample::member_id(email))
        .map(|m| m.seat)
        .unwrap_or_else(|| panic!("{email} is a member"))
}

#[tokio::test]
async fn the_assign_event_puts_tom_on_a_free_seat() {
    let sandbox = Sandbox::new().await;
    Sample::now().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let assigned = function.http(&event("assign-seat/assign.json")).await;

    assert_eq!(assigned.status, 200, "{}", assigned.text());
    assert_eq!(assigned.json()["seat"], "paid");
    function.stop().await;
    let found = tom_and_pia(&sandbox).await;
    assert_eq!(seat(&found, sample::TOM), Seat::Paid);
    assert_eq!(found.account.map(|a| a.seats_used), Some(3));
}

#[tokio::test]
async fn the_move_event_moves_pias_seat_to_tom() {
    let sandbox = Sandbox::new().await;
    Sample::now().seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let moved = function.http(&event("assign-seat/move.json")).await;

    assert_eq!(moved.status, 200, "{}", moved.text());
    function.stop().await;
    let found = tom_and_pia(&sandbox).await;
    assert_eq!(seat(&found, sample::TOM), Seat::Paid);
    assert_eq!(seat(&found, sample::PIA), Seat::Seatless);
    assert_eq!(found.account.map(|a| a.seats_used), Some(2));
}

#[tokio::test]
async fn with_every_seat_taken_the_assign_event_is_refused_naming_the_seats() {
    let sandbox = Sandbox::new().await;
    let full = Sample {
        seats_bought: 2,
        ..Sample::now()
    };
    full.seed(sandbox.store().await.as_ref()).await;
    let mut function = sandbox.start(BINARY).await;

    let refused = function.http(&event("assign-seat/assign.json")).await;

    assert_eq!(refused.status, 409, "{}", refused.text());
    let problem = refused.json();
    assert_eq!(problem["code"], "seats_exhausted");
    assert_eq!(problem["seats_bought"], 2);
    assert_eq!(problem["seats_used"], 2);
    function.stop().await;
    assert!(matches!(
        seat(&tom_and_pia(&sandbox).await, sample::TOM),
        Seat::Trial { .. }
    ));
}

#[tokio::test]
async fn the_assign_seat_function_refuses_to_start_without_its_configuration() {
    assert_refuses_to_start_unconfigured(BINARY).await;
}
