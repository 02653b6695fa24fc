//! Invariants under simultaneous requests: seats, tokens and addresses each have exactly
//! as many winners as the rules allow.

use std::collections::BTreeMap;

use futures_util::future::join_all;
use serde_json::json;
use teamseats_tests::{TestApp, TestResponse};

const OWNER: &str = "olive@acme.test";

fn tally(responses: &[TestResponse]) -> BTreeMap<(u16, String), usize> {
    let mut counts = BTreeMap::new();
    for response in responses {
        *counts
            .entry((response.status, response.code()))
            .or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_simultaneous_seat_assignments_for_three_free_seats_give_three() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 4).await;
    let addresses: Vec<String> = (0..100).map(|i| format!("trial{i}@acme.test")).collect();
    for batch in addresses.chunks(25) {
        let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
        assert_eq!(
            app.invite(&account, OWNER, &refs, json!({})).await.status,
            200
        );
    }
    let mut members = Vec::new();
    for address in &addresses {
        let accepted = app.accept(&app.last_email_to(address).token).await;
        members.push(
            accepted.json()["member_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }

    let assignments = members.iter().map(|member| {
        let path = format!("/accounts/{account}/members/{member}/seat");
        let app = &app;
        async move { app.request("PUT", &path, Some(OWNER), None).await }
    });
    let responses = join_all(assignments).await;

    let counts = tally(&responses);
    assert_eq!(counts.get(&(200, String::new())), Some(&3), "{counts:?}");
    assert_eq!(
        counts.get(&(409, "seats_exhausted".into())),
        Some(&97),
        "{counts:?}"
    );
    let account_now = app.account(&account, OWNER).await;
    assert_eq!(
        (&account_now["seats_used"], &account_now["seats_free"]),
        (&json!(4), &json!(0))
    );
    let paid = app
        .members(&account, OWNER)
        .await
        .iter()
        .filter(|m| m["seat"] == "paid")
        .count();
    assert_eq!(paid, 4, "the owner and three winners");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_accepts_of_one_token_make_one_member() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 2).await;
    app.invite(
        &account,
        OWNER,
        &["bob@acme.test"],
        json!({ "seat": "paid" }),
    )
    .await;
    let token = app.last_email_to("bob@acme.test").token;

    let responses = join_all((0..50).map(|_| app.accept(&token))).await;

    let counts = tally(&responses);
    assert_eq!(counts.get(&(200, String::new())), Some(&1), "{counts:?}");
    let refused: usize = counts
        .iter()
        .filter(|((status, _), _)| *status == 409)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(refused, 49, "{counts:?}");
    assert_eq!(app.members(&account, OWNER).await.len(), 2);
    let seats = app.account(&account, OWNER).await;
    assert_eq!(
        (&seats["seats_used"], &seats["seats_reserved"]),
        (&json!(2), &json!(0))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_invites_of_one_address_in_mixed_case_make_one_invitation() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    let spellings: Vec<String> = (0..50)
        .map(|i| {
            let local: String = "casey"
                .chars()
                .enumerate()
                .map(|(j, c)| {
                    if (i >> j) & 1 == 1 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect();
            format!("{local}@Acme.test")
        })
        .collect();

    let invites = spellings.iter().map(|email| {
        let (app, account) = (&app, &account);
        async move {
            app.invite(account, OWNER, &[email.as_str()], json!({}))
                .await
        }
    });
    let responses = join_all(invites).await;

    let statuses: Vec<String> = responses
        .iter()
        .map(|r| {
            r.json()["results"][0]["status"]
                .as_str()
                .unwrap_or("error")
                .to_owned()
        })
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| *s == "invited").count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| *s == "already_invited").count(),
        49,
        "{statuses:?}"
    );
    assert_eq!(app.invitations(&account, OWNER).await.len(), 1);
    assert_eq!(app.emails_to("casey@acme.test").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_paid_invitations_never_reserve_more_seats_than_are_free() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 6).await;
    let addresses: Vec<String> = (0..30).map(|i| format!("paid{i}@acme.test")).collect();

    let invites = addresses.iter().map(|email| {
        let (app, account) = (&app, &account);
        async move {
            app.invite(account, OWNER, &[email.as_str()], json!({ "seat": "paid" }))
                .await
        }
    });
    let responses = join_all(invites).await;

    let counts = tally(&responses);
    assert_eq!(counts.get(&(200, String::new())), Some(&5), "{counts:?}");
    assert_eq!(
        counts.get(&(409, "seats_exhausted".into())),
        Some(&25),
        "{counts:?}"
    );
    assert_eq!(app.account(&account, OWNER).await["seats_reserved"], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_purchases_never_take_an_account_past_the_seat_cap() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    let path = format!("/accounts/{account}/seats");

    let purchases =
        (0..2).map(|_| app.request("POST", &path, Some(OWNER), Some(json!({ "add": 60_000 }))));
    let responses = join_all(purchases).await;

    let counts = tally(&responses);
    assert_eq!(counts.get(&(200, String::new())), Some(&1), "{counts:?}");
    assert_eq!(
        counts.get(&(422, "invalid_field".into())),
        Some(&1),
        "{counts:?}"
    );
    assert_eq!(app.account(&account, OWNER).await["seats_bought"], 60_001);
}
