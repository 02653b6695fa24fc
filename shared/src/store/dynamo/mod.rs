//! The store port on DynamoDB: one table, every multi-item change one conditional
//! `TransactWriteItems`.
//!
//! # Table design
//!
//! One table with a string partition key `pk` and sort key `sk`. Everything of an
//! account lives in its partition, `ACCOUNT#<account id>`:
//!
//! | item       | `sk`                      | holds                                             |
//! |------------|---------------------------|---------------------------------------------------|
//! | account    | `ACCOUNT`                 | name, policy, `seats_bought/used/reserved/free`   |
//! | member     | `MEMBER#<member id>`      | address, role, permissions, seat, `version`       |
//! | invitation | `INVITATION#<invitation>` | address, options, status, token hash, `version`   |
//! | claim      | `CLAIM#<member id>`       | the pending invitation holding an address         |
//! | quota      | `QUOTA#<day>`             | invitation emails sent that UTC day, with a TTL   |
//!
//! Uniqueness of an address per account needs no index: a member's id is derived from
//! account and address, so "one member per address" is the member item's key, and "one
//! pending invitation per address" is the claim item's key, written with
//! `attribute_not_exists(pk)` and deleted when the invitation stops being pending. No
//! address appears in any key.
//!
//! Seats are guarded by `seats_free`, kept equal to `bought - used - reserved` by every
//! write that moves a seat, so that "a seat is free" is the condition `seats_free >= :n`.
//!
//! Members on a trial and pending invitations carry `due_day` (the UTC day they fall
//! due) and `due_at`; the sparse global secondary index `due` (partition `due_day`, sort
//! `due_at`, keys only) holds exactly those items, so the daily run queries one day
//! partition at a time and never scans. A `DAILY`/`WATERMARK` item remembers the oldest
//! day that may still hold due items, so a run after an outage catches up on every day
//! it missed. Items leave the index in the same write that ends their trial or
//! invitation.
//!
//! Finished invitations get a `ttl` of their expiry plus [`items::RETENTION`] (30 days),
//! after which DynamoDB's TTL removes them; quota counters likewise.
//!
//! # Requests per use case
//!
//! Every use case reads with one `BatchGetItem` and writes with one
//! `TransactWriteItems` (or one `UpdateItem` where a single item changes). Listings read
//! one `Query` page per page asked for. The daily run reads one `Query` page per 100 due
//! items and writes one request per item, plus one `GetItem` per due invitation.

mod counter;
mod items;

use std::collections::{HashMap, HashSet};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType, Put,
    ScalarAttributeType, TimeToLiveSpecification, TransactWriteItem, Update,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use data_encoding::BASE64URL_NOPAD;
use serde::{Deserialize, Serialize};

use crate::error::BoxError;
use crate::ids::{AccountId, InvitationId, MemberId};
use crate::model::{Account, Delivery, Invitation, InvitationStatus, Member, SeatKind};
use crate::ports::{
    Conflict, DailyQuota, DueItem, Found, Lookup, NewInvitations, Page, Reissue, SeatAssignment,
    Store, StoreError,
};
pub use counter::RequestCounter;
use items::{
    ACCOUNT_SK, Item, account_pk, claim_item, claim_sk, invitation_item, invitation_sk, key,
    member_item, member_sk, n, quota_sk, s,
};

/// The name of the sparse index of due trials and invitations.
pub const DUE_INDEX: &str = "due";
/// How far back the daily run looks the first time, before it has a watermark.
pub const FIRST_RUN_LOOKBACK_DAYS: i64 = 30;
const MAX_BATCH_GET: usize = 100;
const MAX_ATTEMPTS: u32 = 5;
const CONDITION_FAILED: &str = "ConditionalCheckFailedException";

/// The DynamoDB store.
#[derive(Debug, Clone)]
pub struct Dynamo {
    client: Client,
    table: String,
    requests: RequestCounter,
}

/// A condition or update expression with its placeholders.
#[derive(Debug, Clone, Default)]
struct Expr {
    text: String,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            ..Self::default()
        }
    }

    fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names
            .insert(placeholder.to_owned(), attribute.to_owned());
        self
    }

    fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_owned(), value);
        self
    }

    fn merge(mut self, other: Expr) -> Self {
        self.names.extend(other.names);
        self.values.extend(other.values);
        self
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// The item must not exist yet.
fn absent() -> Expr {
    Expr::new("attribute_not_exists(pk)")
}

/// The stored item must be the version the change was computed from.
fn at_version(next_version: u64) -> Expr {
    Expr::new("#version = :version")
        .name("#version", "version")
        .value(":version", n(next_version.saturating_sub(1)))
}

/// The stored item is the version the change was computed from, and `extra` holds too.
fn at_version_and(next_version: u64, extra: Expr) -> Expr {
    let base = at_version(next_version);
    let text = format!("{} AND ({})", base.text, extra.text);
    Expr { text, ..base }.merge(extra)
}

/// The stored invitation has this status.
fn status_is(status: &str) -> Expr {
    Expr::new("#status = :status")
        .name("#status", "status")
        .value(":status", s(status))
}

/// The writes of one transaction, each with the conflict its condition failing means.
struct Transaction {
    table: String,
    writes: Vec<TransactWriteItem>,
    on_fail: Vec<Conflict>,
}

impl Transaction {
    fn new(table: &str) -> Self {
        Self {
            table: table.to_owned(),
            writes: Vec::new(),
            on_fail: Vec::new(),
        }
    }

    fn put(
        &mut self,
        item: Item,
        condition: Option<Expr>,
        on_fail: Conflict,
    ) -> Result<(), StoreError> {
        let condition = condition.unwrap_or_default();
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression((!condition.text.is_empty()).then(|| condition.text.clone()))
            .set_expression_attribute_names(condition.names())
            .set_expression_attribute_values(condition.values())
            .build()
            .map_err(build_error)?;
        self.push(TransactWriteItem::builder().put(put).build(), on_fail);
        Ok(())
    }

    fn update(
        &mut self,
        key: Item,
        update: Expr,
        condition: Expr,
        on_fail: Conflict,
    ) -> Result<(), StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(&update.text)
            .condition_expression(&condition.text)
            .set_expression_attribute_names(update.clone().merge(condition.clone()).names())
            .set_expression_attribute_values(update.merge(condition).values())
            .build()
            .map_err(build_error)?;
        self.push(TransactWriteItem::builder().update(update).build(), on_fail);
        Ok(())
    }

    fn check(&mut self, key: Item, condition: Expr, on_fail: Conflict) -> Result<(), StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression(&condition.text)
            .set_expression_attribute_names(condition.names())
            .set_expression_attribute_values(condition.values())
            .build()
            .map_err(build_error)?;
        self.push(
            TransactWriteItem::builder().condition_check(check).build(),
            on_fail,
        );
        Ok(())
    }

    fn delete(&mut self, key: Item) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .build()
            .map_err(build_error)?;
        self.push(
            TransactWriteItem::builder().delete(delete).build(),
            Conflict::Stale,
        );
        Ok(())
    }

    fn push(&mut self, write: TransactWriteItem, on_fail: Conflict) {
        self.writes.push(write);
        self.on_fail.push(on_fail);
    }
}

impl Dynamo {
    /// A store on `table`, with a client built from `sdk` that counts its requests.
    pub fn new(sdk: &aws_sdk_dynamodb::config::Config, table: impl Into<String>) -> Self {
        let requests = RequestCounter::default();
        let config = sdk.to_builder().interceptor(requests.clone()).build();
        Self {
            client: Client::from_conf(config),
            table: table.into(),
            requests,
        }
    }

    /// The requests sent so far, by operation.
    pub fn requests(&self) -> &RequestCounter {
        &self.requests
    }

    /// Creates the table with its index and TTL if it does not exist; returns whether it
    /// did. For local runs and tests only: in AWS the template creates the table.
    pub async fn create_table_if_missing(&self) -> Result<bool, StoreError> {
        if self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .is_ok()
        {
            return Ok(false);
        }
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_error)
        };
        let key_element = |name: &str, key_type: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .map_err(build_error)
        };
        let due = GlobalSecondaryIndex::builder()
            .index_name(DUE_INDEX)
            .key_schema(key_element("due_day", KeyType::Hash)?)
            .key_schema(key_element("due_at", KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::KeysOnly)
                    .build(),
            )
            .build()
            .map_err(build_error)?;

        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute("pk")?)
            .attribute_definitions(attribute("sk")?)
            .attribute_definitions(attribute("due_day")?)
            .attribute_definitions(attribute("due_at")?)
            .key_schema(key_element("pk", KeyType::Hash)?)
            .key_schema(key_element("sk", KeyType::Range)?)
            .global_secondary_indexes(due)
            .send()
            .await
            .map_err(|e| unavailable("CreateTable", e))?;
        let ttl = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name("ttl")
            .build()
            .map_err(build_error)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(|e| unavailable("UpdateTimeToLive", e))?;
        Ok(true)
    }

    /// Runs a transaction, retrying while DynamoDB reports a conflicting transaction in
    /// flight; a failed condition becomes the conflict its write names.
    async fn transact(&self, transaction: Transaction) -> Result<(), StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = self
                .client
                .transact_write_items()
                .set_transact_items(Some(transaction.writes.clone()))
                .send()
                .await;
            let Err(error) = sent else { return Ok(()) };

            if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                error.as_service_error()
            {
                let reasons = cancelled.cancellation_reasons();
                let failed = reasons
                    .iter()
                    .position(|r| r.code() == Some("ConditionalCheckFailed"));
                if let Some(index) = failed {
                    let conflict = transaction
                        .on_fail
                        .get(index)
                        .cloned()
                        .unwrap_or(Conflict::Stale);
                    return Err(StoreError::Conflict(conflict));
                }
                let contended = reasons
                    .iter()
                    .any(|r| r.code() == Some("TransactionConflict"));
                if contended && attempt < MAX_ATTEMPTS {
                    backoff(attempt).await;
                    continue;
                }
            }
            return Err(unavailable("TransactWriteItems", error));
        }
    }

    /// Reads items by key, consistently, in as few `BatchGetItem` calls as the keys need
    /// (one for up to 100), retrying keys DynamoDB leaves unprocessed.
    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(MAX_BATCH_GET) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                attempt += 1;
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .build()
                    .map_err(build_error)?;
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| unavailable("BatchGetItem", e))?;
                if let Some(items) = output.responses().and_then(|r| r.get(&self.table)) {
                    found.extend(items.iter().cloned());
                }
                pending = output
                    .unprocessed_keys()
                    .and_then(|u| u.get(&self.table))
                    .map(|k| k.keys().to_vec())
                    .unwrap_or_default();
                if !pending.is_empty() {
                    if attempt >= MAX_ATTEMPTS {
                        return Err(StoreError::Unavailable(
                            "BatchGetItem left keys unprocessed".into(),
                        ));
                    }
                    backoff(attempt).await;
                }
            }
        }
        Ok(found)
    }

    async fn get(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable("GetItem", e))?;
        Ok(output.item().cloned())
    }

    /// Emails already counted against an account's quota on a day.
    async fn quota_used(&self, account: &AccountId, day: NaiveDate) -> Result<u32, StoreError> {
        let item = self.get(key(account_pk(account), quota_sk(day))).await?;
        Ok(item
            .as_ref()
            .map(|i| items::Reader::new(i).n("sent"))
            .transpose()?
            .unwrap_or(0))
    }

    /// Adds the quota write to a transaction, or fails at once if the uses alone pass the
    /// limit.
    fn spend_quota(
        &self,
        tx: &mut Transaction,
        account: &AccountId,
        quota: &DailyQuota,
    ) -> Result<(), StoreError> {
        let Some(max_before) = quota.limit.checked_sub(quota.uses) else {
            return Err(StoreError::Conflict(Conflict::DailyLimit { used: 0 }));
        };
        let expires = (quota.day + Duration::days(2))
            .and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp());
        tx.update(
            key(account_pk(account), quota_sk(quota.day)),
            Expr::new("ADD #sent :uses SET #ttl = :ttl")
                .name("#ttl", "ttl")
                .value(":uses", n(quota.uses))
                .value(":ttl", n(expires)),
            Expr::new("attribute_not_exists(#sent) OR #sent <= :max")
                .name("#sent", "sent")
                .value(":max", n(max_before)),
            Conflict::DailyLimit { used: 0 },
        )
    }

    /// Fills in how many emails were sent when a write failed on the quota.
    async fn with_quota_used(
        &self,
        result: Result<(), StoreError>,
        account: &AccountId,
        day: NaiveDate,
    ) -> Result<(), StoreError> {
        match result {
            Err(StoreError::Conflict(Conflict::DailyLimit { .. })) => {
                let used = self.quota_used(account, day).await?;
                Err(StoreError::Conflict(Conflict::DailyLimit { used }))
            }
            other => other,
        }
    }

    /// Moves `count` seats between the account's counters, on a condition.
    fn move_seats(
        tx: &mut Transaction,
        account: &AccountId,
        update: &str,
        condition: Expr,
        count: u32,
    ) -> Result<(), StoreError> {
        tx.update(
            key(account_pk(account), ACCOUNT_SK.into()),
            Expr::new(update).value(":count", n(count)),
            condition,
            Conflict::SeatsExhausted,
        )
    }

    /// Applies `update` to an existing account where `condition` holds too, and returns
    /// the account after it.
    async fn update_account(
        &self,
        account: &AccountId,
        update: Expr,
        condition: Option<&str>,
    ) -> Result<Account, StoreError> {
        let condition = match condition {
            Some(extra) => format!("attribute_exists(pk) AND ({extra})"),
            None => "attribute_exists(pk)".to_owned(),
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(account_pk(account), ACCOUNT_SK.into())))
            .update_expression(&update.text)
            .condition_expression(condition)
            .set_expression_attribute_values(update.values())
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        let attributes = match &result {
            Ok(output) => output.attributes().cloned(),
            Err(_) => None,
        };
        if !applied(result, "UpdateItem")? {
            return Err(StoreError::Conflict(Conflict::Stale));
        }
        attributes
            .ok_or(StoreError::Conflict(Conflict::Stale))
            .and_then(|a| items::account(&a))
    }

    async fn query_page(
        &self,
        account: &AccountId,
        prefix: &str,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<(Vec<Item>, Option<String>), StoreError> {
        let pk = account_pk(account);
        let start = cursor.map(|c| key(pk.clone(), format!("{prefix}{c}")));
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix))
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable("Query", e))?;

        let mut found = output.items().to_vec();
        let next = if found.len() > limit {
            found.truncate(limit);
            found
                .last()
                .and_then(|i| i.get("sk"))
                .and_then(|v| v.as_s().ok())
                .and_then(|sk| sk.strip_prefix(prefix))
                .map(str::to_owned)
        } else {
            None
        };
        Ok((found, next))
    }

    /// The oldest day that may still hold due items.
    async fn watermark(&self, today: NaiveDate) -> Result<NaiveDate, StoreError> {
        let item = self.get(key("DAILY".into(), "WATERMARK".into())).await?;
        let stored = item
            .as_ref()
            .and_then(|i| i.get("day"))
            .and_then(|v| v.as_s().ok())
            .and_then(|d| d.parse::<NaiveDate>().ok());
        Ok(stored
            .unwrap_or(today - Duration::days(FIRST_RUN_LOOKBACK_DAYS))
            .min(today))
    }

    /// Records that every day before `day` is done. Never moves the watermark back.
    async fn advance_watermark(&self, day: NaiveDate) -> Result<(), StoreError> {
        let mut item = key("DAILY".into(), "WATERMARK".into());
        item.insert("day".into(), s(day.to_string()));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#day) OR #day < :day")
            .expression_attribute_names("#day", "day")
            .expression_attribute_values(":day", s(day.to_string()))
            .send()
            .await;
        applied(result, "PutItem").map(|_| ())
    }

    /// One page of one day's partition of the due index.
    async fn due_on(
        &self,
        day: NaiveDate,
        now: DateTime<Utc>,
        start: Option<Item>,
        limit: usize,
    ) -> Result<(Vec<DueItem>, Option<Item>), StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(DUE_INDEX)
            .key_condition_expression("due_day = :day AND due_at <= :now")
            .expression_attribute_values(":day", s(day.to_string()))
            .expression_attribute_values(":now", s(items::time(now)))
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| unavailable("Query", e))?;
        let found = output
            .items()
            .iter()
            .map(due_item)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((found, output.last_evaluated_key().cloned()))
    }
}

#[derive(Serialize, Deserialize)]
struct DueCursor {
    day: NaiveDate,
    after: Option<HashMap<String, String>>,
}

fn encode_cursor(day: NaiveDate, after: Option<&Item>) -> Result<String, StoreError> {
    let after = after.map(|k| {
        k.iter()
            .filter_map(|(name, v)| v.as_s().ok().map(|v| (name.clone(), v.clone())))
            .collect::<HashMap<_, _>>()
    });
    let json = serde_json::to_vec(&DueCursor { day, after })
        .map_err(|e| StoreError::Unavailable(e.into()))?;
    Ok(BASE64URL_NOPAD.encode(&json))
}

fn decode_cursor(raw: &str) -> Result<(NaiveDate, Option<Item>), StoreError> {
    let bytes = BASE64URL_NOPAD
        .decode(raw.as_bytes())
        .map_err(|_| StoreError::BadCursor)?;
    let cursor: DueCursor = serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
    let after = cursor
        .after
        .map(|k| k.into_iter().map(|(name, v)| (name, s(v))).collect());
    Ok((cursor.day, after))
}

fn due_item(item: &Item) -> Result<DueItem, StoreError> {
    let reader = items::Reader::new(item);
    let account = reader.parse("pk", |pk: &str| {
        pk.strip_prefix("ACCOUNT#")
            .ok_or(())
            .and_then(|id| AccountId::parse(id).map_err(|_| ()))
    })?;
    let sk = reader.s("sk")?;
    if let Some(member) = sk.strip_prefix("MEMBER#") {
        let member = reader.parse("sk", |_| MemberId::parse(member))?;
        return Ok(DueItem::Trial { account, member });
    }
    let invitation = reader.parse("sk", |_| {
        sk.strip_prefix("INVITATION#")
            .ok_or(())
            .and_then(|id| InvitationId::parse(id).map_err(|_| ()))
    })?;
    Ok(DueItem::Invitation {
        account,
        invitation,
    })
}

#[async_trait]
impl Store for Dynamo {
    async fn lookup(&self, keys: &Lookup) -> Result<Found, StoreError> {
        let pk = account_pk(&keys.account);
        let mut wanted = vec![ACCOUNT_SK.to_owned()];
        wanted.extend(keys.members.iter().map(member_sk));
        wanted.extend(keys.invitations.iter().map(invitation_sk));
        let mut claims = HashMap::new();
        for email in &keys.pending_addresses {
            let sk = claim_sk(&keys.account, email);
            claims.insert(sk.clone(), email.clone());
            wanted.push(sk);
        }
        let mut seen = HashSet::new();
        wanted.retain(|sk| seen.insert(sk.clone()));

        let read = self
            .batch_get(wanted.into_iter().map(|sk| key(pk.clone(), sk)).collect())
            .await?;
        let mut found = Found::default();
        for item in &read {
            let sk = items::Reader::new(item).s("sk")?;
            if sk == ACCOUNT_SK {
                found.account = Some(items::account(item)?);
            } else if sk.starts_with("MEMBER#") {
                let member = items::member(item)?;
                found.members.insert(member.id.clone(), member);
            } else if sk.starts_with("INVITATION#") {
                let invitation = items::invitation(item)?;
                found.invitations.insert(invitation.id.clone(), invitation);
            } else if let Some(email) = claims.get(sk) {
                let id = items::Reader::new(item).parse("invitation_id", InvitationId::parse)?;
                found.pending.insert(email.clone(), id);
            }
        }
        Ok(found)
    }

    async fn list_members(
        &self,
        account: &AccountId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Member>, StoreError> {
        let cursor = cursor
            .map(|c| {
                MemberId::parse(c)
                    .map(String::from)
                    .map_err(|_| StoreError::BadCursor)
            })
            .transpose()?;
        let (found, next_cursor) = self.query_page(account, "MEMBER#", cursor, limit).await?;
        let items = found.iter().map(items::member).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    async fn list_invitations(
        &self,
        account: &AccountId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Invitation>, StoreError> {
        let cursor = cursor
            .map(|c| {
                InvitationId::parse(c)
                    .map(String::from)
                    .map_err(|_| StoreError::BadCursor)
            })
            .transpose()?;
        let (found, next_cursor) = self
            .query_page(account, "INVITATION#", cursor, limit)
            .await?;
        let items = found
            .iter()
            .map(items::invitation)
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    async fn due(
        &self,
        now: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<DueItem>, StoreError> {
        let today = now.date_naive();
        let (mut day, mut start) = match cursor {
            Some(raw) => decode_cursor(raw)?,
            None => (self.watermark(today).await?, None),
        };

        let mut found = Vec::new();
        loop {
            let fresh_day = start.is_none();
            let (items, last) = self.due_on(day, now, start, limit - found.len()).await?;
            let day_was_empty = fresh_day && items.is_empty() && last.is_none();
            found.extend(items);

            if let Some(last) = last {
                return Ok(Page {
                    items: found,
                    next_cursor: Some(encode_cursor(day, Some(&last))?),
                });
            }
            if day >= today {
                return Ok(Page {
                    items: found,
                    next_cursor: None,
                });
            }
            if day_was_empty {
                self.advance_watermark(day + Duration::days(1)).await?;
            }
            day += Duration::days(1);
            start = None;
            if found.len() >= limit {
                return Ok(Page {
                    items: found,
                    next_cursor: Some(encode_cursor(day, None)?),
                });
            }
        }
    }

    async fn create_account(&self, account: &Account, owner: &Member) -> Result<(), StoreError> {
        let mut tx = Transaction::new(&self.table);
        tx.put(
            items::account_item(account),
            Some(absent()),
            Conflict::Stale,
        )?;
        tx.put(member_item(owner), Some(absent()), Conflict::Stale)?;
        self.transact(tx).await
    }

    async fn create_invitations(&self, change: &NewInvitations) -> Result<(), StoreError> {
        let mut tx = Transaction::new(&self.table);
        let paid = change
            .invitations
            .iter()
            .filter(|i| i.seat == SeatKind::Paid)
            .count();
        let paid = u32::try_from(paid).map_err(|e| StoreError::Unavailable(e.into()))?;
        if paid > 0 {
            Self::move_seats(
                &mut tx,
                &change.account,
                "SET seats_reserved = seats_reserved + :count, seats_free = seats_free - :count",
                Expr::new("seats_free >= :count"),
                paid,
            )?;
        } else {
            tx.check(
                key(account_pk(&change.account), ACCOUNT_SK.into()),
                Expr::new("attribute_exists(pk)"),
                Conflict::Stale,
            )?;
        }
        self.spend_quota(&mut tx, &change.account, &change.quota)?;

        for invitation in &change.invitations {
            let email = invitation.email.clone();
            let member = MemberId::for_address(&invitation.account_id, &email);
            tx.check(
                key(account_pk(&invitation.account_id), member_sk(&member)),
                absent(),
                Conflict::AddressTaken {
                    email: email.clone(),
                    member: true,
                },
            )?;
            tx.put(
                claim_item(invitation),
                Some(absent()),
                Conflict::AddressTaken {
                    email,
                    member: false,
                },
            )?;
            tx.put(invitation_item(invitation), Some(absent()), Conflict::Stale)?;
        }
        let result = self.transact(tx).await;
        self.with_quota_used(result, &change.account, change.quota.day)
            .await
    }

    async fn accept_invitation(
        &self,
        invitation: &Invitation,
        member: &Member,
    ) -> Result<(), StoreError> {
        let mut tx = Transaction::new(&self.table);
        let pending = at_version_and(invitation.version, status_is("pending"));
        tx.put(invitation_item(invitation), Some(pending), Conflict::Stale)?;
        tx.put(
            member_item(member),
            Some(absent()),
            Conflict::AddressTaken {
                email: member.email.clone(),
                member: true,
            },
        )?;
        tx.delete(key(
            account_pk(&invitation.account_id),
            claim_sk(&invitation.account_id, &invitation.email),
        ))?;
        if invitation.seat == SeatKind::Paid {
            Self::move_seats(
                &mut tx,
                &invitation.account_id,
                "SET seats_reserved = seats_reserved - :count, seats_used = seats_used + :count",
                Expr::new("attribute_exists(pk)"),
                1,
            )?;
        }
        self.transact(tx).await
    }

    async fn reissue_invitation(&self, change: &Reissue) -> Result<(), StoreError> {
        let next = &change.invitation;
        let mut tx = Transaction::new(&self.table);
        let was = if change.reclaim { "expired" } else { "pending" };
        let condition = at_version_and(next.version, status_is(was));
        tx.put(invitation_item(next), Some(condition), Conflict::Stale)?;

        if change.reclaim {
            let email = next.email.clone();
            let member = MemberId::for_address(&next.account_id, &email);
            tx.check(
                key(account_pk(&next.account_id), member_sk(&member)),
                absent(),
                Conflict::AddressTaken {
                    email: email.clone(),
                    member: true,
                },
            )?;
            tx.put(
                claim_item(next),
                Some(absent()),
                Conflict::AddressTaken {
                    email,
                    member: false,
                },
            )?;
            if next.seat == SeatKind::Paid {
                Self::move_seats(
                    &mut tx,
                    &next.account_id,
                    "SET seats_reserved = seats_reserved + :count, seats_free = seats_free - :count",
                    Expr::new("seats_free >= :count"),
                    1,
                )?;
            }
        }
        self.spend_quota(&mut tx, &next.account_id, &change.quota)?;
        let result = self.transact(tx).await;
        self.with_quota_used(result, &next.account_id, change.quota.day)
            .await
    }

    async fn revoke_invitation(&self, invitation: &Invitation) -> Result<(), StoreError> {
        let mut tx = Transaction::new(&self.table);
        let condition = at_version_and(invitation.version, status_is("pending"));
        tx.put(
            invitation_item(invitation),
            Some(condition),
            Conflict::Stale,
        )?;
        release(&mut tx, invitation)?;
        self.transact(tx).await
    }

    async fn assign_seat(&self, change: &SeatAssignment) -> Result<(), StoreError> {
        let mut tx = Transaction::new(&self.table);
        let seat_is_paid = || {
            Expr::new("#seat = :paid")
                .name("#seat", "seat")
                .value(":paid", s("paid"))
        };
        let unpaid = at_version_and(
            change.member.version,
            Expr {
                text: "NOT #seat = :paid".into(),
                ..seat_is_paid()
            },
        );
        tx.put(member_item(&change.member), Some(unpaid), Conflict::Stale)?;
        match &change.from {
            Some(giver) => {
                let paid = at_version_and(giver.version, seat_is_paid());
                tx.put(member_item(giver), Some(paid), Conflict::Stale)?;
            }
            None => Self::move_seats(
                &mut tx,
                &change.member.account_id,
                "SET seats_used = seats_used + :count, seats_free = seats_free - :count",
                Expr::new("seats_free >= :count"),
                1,
            )?,
        }
        self.transact(tx).await
    }

    async fn update_member(&self, member: &Member) -> Result<(), StoreError> {
        let mut tx = Transaction::new(&self.table);
        tx.put(
            member_item(member),
            Some(at_version(member.version)),
            Conflict::Stale,
        )?;
        self.transact(tx).await
    }

    async fn set_invite_policy(
        &self,
        account: &AccountId,
        restricted_to_admins: bool,
    ) -> Result<Account, StoreError> {
        let update = Expr::new("SET invites_restricted = :restricted")
            .value(":restricted", AttributeValue::Bool(restricted_to_admins));
        self.update_account(account, update, None).await
    }

    async fn add_seats(
        &self,
        account: &AccountId,
        add: u32,
        max: u32,
    ) -> Result<Account, StoreError> {
        let Some(max_before) = max.checked_sub(add) else {
            return Err(StoreError::Conflict(Conflict::Stale));
        };
        let update =
            Expr::new("SET seats_bought = seats_bought + :add, seats_free = seats_free + :add")
                .value(":add", n(add))
                .value(":max_before", n(max_before));
        self.update_account(account, update, Some("seats_bought <= :max_before"))
            .await
    }

    async fn record_delivery(
        &self,
        invitation: &Invitation,
        delivery: Delivery,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(
                account_pk(&invitation.account_id),
                invitation_sk(&invitation.id),
            )))
            .update_expression("SET delivery = :delivery")
            .condition_expression("token_hash = :hash")
            .expression_attribute_values(":hash", s(invitation.token_hash.as_str()))
            .expression_attribute_values(
                ":delivery",
                s(match delivery {
                    Delivery::Sent => "sent",
                    Delivery::Failed => "failed",
                }),
            )
            .send()
            .await;
        applied(result, "UpdateItem").map(|_| ())
    }

    async fn expire_trial(
        &self,
        account: &AccountId,
        member: &MemberId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(account_pk(account), member_sk(member))))
            .update_expression(
                "SET #seat = :expired, #version = #version + :one REMOVE due_day, due_at",
            )
            .condition_expression("#seat = :trial AND trial_ends_at <= :now")
            .expression_attribute_names("#seat", "seat")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":expired", s("trial_expired"))
            .expression_attribute_values(":trial", s("trial"))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", s(items::time(now)))
            .send()
            .await;
        applied(result, "UpdateItem")
    }

    async fn expire_invitation(
        &self,
        account: &AccountId,
        invitation: &InvitationId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(item) = self
            .get(key(account_pk(account), invitation_sk(invitation)))
            .await?
        else {
            return Ok(false);
        };
        let stored = items::invitation(&item)?;
        if stored.status != InvitationStatus::Pending || stored.expires_at > now {
            return Ok(false);
        }

        let expired = Invitation {
            status: InvitationStatus::Expired,
            version: stored.version + 1,
            ..stored.clone()
        };
        let mut tx = Transaction::new(&self.table);
        let condition = at_version_and(expired.version, status_is("pending"));
        tx.put(invitation_item(&expired), Some(condition), Conflict::Stale)?;
        release(&mut tx, &stored)?;
        match self.transact(tx).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(other) => Err(other),
        }
    }
}

/// What ending a pending invitation frees: its claim and any reserved seat.
fn release(tx: &mut Transaction, pending: &Invitation) -> Result<(), StoreError> {
    tx.delete(key(
        account_pk(&pending.account_id),
        claim_sk(&pending.account_id, &pending.email),
    ))?;
    if pending.seat == SeatKind::Paid {
        Dynamo::move_seats(
            tx,
            &pending.account_id,
            "SET seats_reserved = seats_reserved - :count, seats_free = seats_free + :count",
            Expr::new("attribute_exists(pk)"),
            1,
        )?;
    }
    Ok(())
}

async fn backoff(attempt: u32) {
    let jitter = u64::from(std::process::id() % 17) + u64::from(attempt * 7 % 13);
    tokio::time::sleep(StdDuration::from_millis(20 * 2u64.pow(attempt) + jitter)).await;
}

fn build_error(error: impl Into<BoxError>) -> StoreError {
    StoreError::Unavailable(error.into())
}

fn unavailable<E, R>(operation: &'static str, error: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    StoreError::Unavailable(format!("{operation}: {}", DisplayErrorContext(&error)).into())
}

/// Whether a single-item write was applied: `false` when its condition did not hold.
fn applied<O, E, R>(
    result: Result<O, SdkError<E, R>>,
    operation: &'static str,
) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error().and_then(ProvideErrorMetadata::code)
                == Some(CONDITION_FAILED) =>
        {
            Ok(false)
        }
        Err(e) => Err(unavailable(operation, e)),
    }
}
