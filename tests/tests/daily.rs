//! The daily run at more than one page: interrupted and re-run, or run twice at once, it
//! ends every due item exactly once.

use chrono::Duration;
use futures_util::future::join;
use serde_json::json;
use teamseats::service::{Budget, DailySummary};
use teamseats_tests::TestApp;

const OWNER: &str = "olive@acme.test";

/// An app whose account has `count` pending invitations, all due eight days on.
async fn due_invitations(count: usize) -> (TestApp, String) {
    let app = TestApp::spawn_with(|policy| policy.daily_invite_limit = 1_000).await;
    let account = app.create_account(OWNER, 1).await;
    let addresses: Vec<String> = (0..count).map(|i| format!("p{i}@acme.test")).collect();
    for batch in addresses.chunks(25) {
        let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
        assert_eq!(
            app.invite(&account, OWNER, &refs, json!({})).await.status,
            200
        );
    }
    app.advance(Duration::days(8));
    (app, account)
}

async fn run(app: &TestApp, budget: Budget) -> DailySummary {
    let service = app.app.service();
    service
        .run_daily(service.now(), budget)
        .await
        .expect("the daily run")
}

async fn statuses(app: &TestApp, account: &str) -> (usize, usize) {
    let invitations = app.invitations(account, OWNER).await;
    let expired = invitations
        .iter()
        .filter(|i| i["status"] == "expired")
        .count();
    (expired, invitations.len())
}

#[tokio::test]
async fn an_interrupted_run_carries_on_where_it_stopped_without_repeating_an_expiry() {
    let (app, account) = due_invitations(130).await;

    let first = run(
        &app,
        Budget {
            max_pages: Some(1),
            ..Budget::default()
        },
    )
    .await;
    let second = run(&app, Budget::default()).await;
    let third = run(&app, Budget::default()).await;

    assert_eq!(
        (first.invitations_expired, first.more_remaining),
        (100, true),
        "{first:?}"
    );
    assert_eq!(
        (second.invitations_expired, second.more_remaining),
        (30, false),
        "{second:?}"
    );
    assert_eq!(
        (third.invitations_expired, third.items_seen),
        (0, 0),
        "{third:?}"
    );
    assert_eq!(statuses(&app, &account).await, (130, 130));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runs_at_once_expire_each_item_once() {
    let (app, account) = due_invitations(60).await;

    let (a, b) = join(run(&app, Budget::default()), run(&app, Budget::default())).await;

    assert_eq!(
        a.invitations_expired + b.invitations_expired,
        60,
        "{a:?} {b:?}"
    );
    assert_eq!(statuses(&app, &account).await, (60, 60));
}

#[tokio::test]
async fn a_run_past_its_deadline_still_handles_one_page_and_says_work_remains() {
    let (app, _) = due_invitations(101).await;

    let budget = Budget {
        deadline: Some(std::time::Instant::now()),
        ..Budget::default()
    };
    let late = run(&app, budget).await;

    assert_eq!(
        (late.invitations_expired, late.more_remaining),
        (100, true),
        "{late:?}"
    );
}
