//! The daily run at scale, on a DynamoDB-compatible server named by
//! `AWS_ENDPOINT_URL_DYNAMODB`.
//!
//! `daily <items> <due-percent> <table>` fills a new table with `items` members, of whom
//! `due-percent` are trials that ended an hour ago (all in today's partition of the due
//! index, the busiest case), half the rest trials ending over the next 30 days and half
//! paid members outside the index. It then runs the daily job as the trial-expiry
//! function does and, beside it, counts what a table scan for the same items reads.
//! Loading, the run and the scan are timed separately; results are printed as text.

use std::sync::Arc;
use std::time::Instant;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use futures_util::{StreamExt, stream};
use teamseats::clock::SystemClock;
use teamseats::config::{Links, Policy};
use teamseats::entropy::OsEntropy;
use teamseats::mail::outbox::Outbox;
use teamseats::service::{Budget, Teamseats};
use teamseats::store::dynamo::Dynamo;

type Item = std::collections::HashMap<String, AttributeValue>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

const MEMBERS_PER_ACCOUNT: usize = 100;
const BATCH_WRITE: usize = 25;
const LOAD_PARALLELISM: usize = 4;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let items: usize = args.get(1).map_or(Ok(200_000), |a| a.parse())?;
    let due_percent: usize = args.get(2).map_or(Ok(10), |a| a.parse())?;
    let table = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| format!("bench-daily-{items}"));

    let sdk = teamseats_api::wiring::load_aws_config().await;
    let config = aws_sdk_dynamodb::config::Config::from(&sdk);
    let client = Client::from_conf(config.clone());
    let store = Dynamo::new(&config, &table);
    store.create_table_if_missing().await?;

    let now = Utc::now();
    let started = Instant::now();
    let due = load(&client, &table, items, due_percent, now).await?;
    println!(
        "loaded {items} items ({due} due) in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let outbox = std::env::temp_dir().join(format!("{table}-outbox"));
    let service = Teamseats::new(
        Arc::new(store.clone()),
        Arc::new(Outbox::new(outbox, "bench@example.com")?),
        Arc::new(SystemClock),
        Arc::new(OsEntropy),
        Policy::default(),
        Links {
            public_base_url: "http://127.0.0.1/accept".into(),
            app_url: "http://127.0.0.1".into(),
        },
    );
    let before = store.requests().snapshot();
    let started = Instant::now();
    let summary = service.run_daily(now, Budget::default()).await?;
    let run_time = started.elapsed();
    let after = store.requests().snapshot();
    let expired = summary.trials_expired + summary.invitations_expired;
    println!(
        "daily run: {expired} expired, {} index entries read, {} pages, {:.2} entries read per expired item, {:.1} s",
        summary.items_seen,
        summary.pages_read,
        f64::from(summary.items_seen) / f64::from(expired.max(1)),
        run_time.as_secs_f64()
    );
    for (operation, count) in &after {
        let count = count - before.get(operation).copied().unwrap_or(0);
        println!("  {operation}: {count} requests");
    }

    let started = Instant::now();
    let (scanned, matched, pages) = scan_for_due(&client, &table, now).await?;
    println!(
        "table scan for the same items: {scanned} items read in {pages} pages, {matched} still due after the run, {:.1} items read per due item, {:.1} s",
        scanned as f64 / due.max(1) as f64,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes the members in `BatchWriteItem` requests of 25; returns how many are due.
async fn load(
    client: &Client,
    table: &str,
    items: usize,
    due_percent: usize,
    now: DateTime<Utc>,
) -> Result<usize, BoxError> {
    let every = (100 / due_percent.max(1)).max(1);
    let members: Vec<Item> = (0..items)
        .map(|i| {
            let account = format!("acc_{:032x}", i / MEMBERS_PER_ACCOUNT);
            let member = format!("mem_{i:032x}");
            if i % every == 0 {
                member_item(&account, &member, Some(now - Duration::hours(1)))
            } else if i % 2 == 0 {
                let days = i64::try_from(1 + i % 30).unwrap_or(1);
                member_item(&account, &member, Some(now + Duration::days(days)))
            } else {
                member_item(&account, &member, None)
            }
        })
        .collect();
    let due = items.div_ceil(every);

    let batches: Vec<Vec<Item>> = members.chunks(BATCH_WRITE).map(<[_]>::to_vec).collect();
    let mut writes = stream::iter(batches)
        .map(|batch| write_batch(client, table, batch))
        .buffer_unordered(LOAD_PARALLELISM);
    while let Some(written) = writes.next().await {
        written?;
    }
    Ok(due)
}

async fn write_batch(client: &Client, table: &str, batch: Vec<Item>) -> Result<(), BoxError> {
    let mut requests: Vec<WriteRequest> = batch
        .into_iter()
        .map(|item| {
            PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map(|put| WriteRequest::builder().put_request(put).build())
        })
        .collect::<Result<_, _>>()?;
    while !requests.is_empty() {
        let output = client
            .batch_write_item()
            .request_items(table, requests)
            .send()
            .await?;
        requests = output
            .unprocessed_items()
            .and_then(|left| left.get(table))
            .cloned()
            .unwrap_or_default();
    }
    Ok(())
}

fn member_item(account: &str, member: &str, trial_ends: Option<DateTime<Utc>>) -> Item {
    let s = |v: &str| AttributeValue::S(v.to_owned());
    let mut item: Item = [
        ("pk", s(&format!("ACCOUNT#{account}"))),
        ("sk", s(&format!("MEMBER#{member}"))),
        ("account_id", s(account)),
        ("member_id", s(member)),
        ("email", s(&format!("{member}@example.com"))),
        ("role", s("user")),
        ("export_data", AttributeValue::Bool(false)),
        ("google_sync", AttributeValue::Bool(false)),
        ("manages_seats", AttributeValue::Bool(false)),
        ("joined_at", s(&time(Utc::now() - Duration::days(30)))),
        ("version", AttributeValue::N("1".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    match trial_ends {
        Some(at) => {
            item.insert("seat".into(), s("trial"));
            item.insert("trial_ends_at".into(), s(&time(at)));
            item.insert("due_day".into(), s(&at.date_naive().to_string()));
            item.insert("due_at".into(), s(&time(at)));
        }
        None => {
            item.insert("seat".into(), s("paid"));
        }
    }
    item
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// What a daily run without the index would read: every item of the table, filtered to
/// those still due. Returns items read, items matched and pages.
async fn scan_for_due(
    client: &Client,
    table: &str,
    now: DateTime<Utc>,
) -> Result<(u64, u64, u64), BoxError> {
    let (mut scanned, mut matched, mut pages) = (0_u64, 0_u64, 0_u64);
    let mut start = None;
    loop {
        let output = client
            .scan()
            .table_name(table)
            .filter_expression("attribute_exists(due_at) AND due_at <= :now")
            .expression_attribute_values(":now", AttributeValue::S(time(now)))
            .set_exclusive_start_key(start)
            .send()
            .await?;
        pages += 1;
        scanned += u64::try_from(output.scanned_count()).unwrap_or(0);
        matched += u64::try_from(output.count()).unwrap_or(0);
        start = output.last_evaluated_key().cloned();
        if start.is_none() {
            return Ok((scanned, matched, pages));
        }
    }
}
