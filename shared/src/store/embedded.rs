//! The store port on an embedded database on disk (redb), for local runs and tests.
//!
//! redb gives serializable transactions with one writer at a time, so each port write is
//! one write transaction that checks its conditions and applies its changes before
//! committing: the same all-or-nothing behaviour the DynamoDB adapter gets from
//! `TransactWriteItems`. Reads use snapshot transactions and never block writers.
//!
//! Tables, all keyed by text and holding JSON:
//!
//! | table         | key                                  | value                     |
//! |---------------|--------------------------------------|---------------------------|
//! | `accounts`    | `<account>`                          | [`Account`]               |
//! | `members`     | `<account>/<member>`                 | [`Member`]                |
//! | `invitations` | `<account>/<invitation>`             | [`Invitation`]            |
//! | `claims`      | `<account>/<email>`                  | pending invitation id     |
//! | `quotas`      | `<account>/<day>`                    | emails sent that UTC day  |
//! | `due`         | `<unix seconds>/<t or i>/<account>/<id>` | nothing; the key says it |
//!
//! The database is one file; opening it takes a lock, so one process uses it at a time.

use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ids::{AccountId, InvitationId, MemberId};
use crate::model::{Account, Delivery, Invitation, InvitationStatus, Member, Seat, SeatKind};
use crate::ports::{
    Conflict, DueItem, Found, Lookup, NewInvitations, Page, Reissue, SeatAssignment, Store,
    StoreError,
};

const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("accounts");
const MEMBERS: TableDefinition<&str, &[u8]> = TableDefinition::new("members");
const INVITATIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("invitations");
const CLAIMS: TableDefinition<&str, &str> = TableDefinition::new("claims");
const QUOTAS: TableDefinition<&str, u32> = TableDefinition::new("quotas");
const DUE: TableDefinition<&str, u8> = TableDefinition::new("due");

/// The embedded store.
#[derive(Clone)]
pub struct Embedded {
    db: Arc<Database>,
}

impl Embedded {
    /// Opens the database file at `path`, creating it and its tables if missing.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Unavailable(e.into()))?;
        }
        let db = Database::create(path).map_err(db_error)?;
        let txn = db.begin_write().map_err(db_error)?;
        {
            txn.open_table(ACCOUNTS).map_err(db_error)?;
            txn.open_table(MEMBERS).map_err(db_error)?;
            txn.open_table(INVITATIONS).map_err(db_error)?;
            txn.open_table(CLAIMS).map_err(db_error)?;
            txn.open_table(QUOTAS).map_err(db_error)?;
            txn.open_table(DUE).map_err(db_error)?;
        }
        txn.commit().map_err(db_error)?;
        Ok(Self { db: Arc::new(db) })
    }

    /// Runs `change` in one write transaction on a blocking thread; commits only if it
    /// succeeds, so a failed condition leaves nothing written.
    async fn write<T, F>(&self, change: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tables<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        run_blocking(move || {
            let txn = db.begin_write().map_err(db_error)?;
            let result = {
                let mut tables = Tables::open(&txn)?;
                change(&mut tables)?
            };
            txn.commit().map_err(db_error)?;
            Ok(result)
        })
        .await
    }

    /// Reads keys from `table` starting after `cursor` within `prefix`, at most `limit`.
    async fn page<T>(
        &self,
        table: TableDefinition<'static, &'static str, &'static [u8]>,
        prefix: String,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<Page<T>, StoreError>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        run_blocking(move || {
            let txn = db.begin_read().map_err(db_error)?;
            let table = txn.open_table(table).map_err(db_error)?;
            let start = match &cursor {
                Some(after) => Bound::Excluded(format!("{prefix}{after}")),
                None => Bound::Included(prefix.clone()),
            };
            let end = Bound::Excluded(prefix_end(&prefix));
            let bounds = (as_str_bound(&start), as_str_bound(&end));

            let mut items = Vec::new();
            let mut last_key = None;
            for entry in table.range(bounds).map_err(db_error)? {
                let (key, value) = entry.map_err(db_error)?;
                if items.len() == limit {
                    break;
                }
                items.push(decode(value.value())?);
                last_key = key.value().strip_prefix(&prefix).map(str::to_owned);
            }
            let next_cursor = if items.len() == limit { last_key } else { None };
            Ok(Page { items, next_cursor })
        })
        .await
    }
}

/// The tables of one write transaction.
struct Tables<'t> {
    accounts: Table<'t, &'static str, &'static [u8]>,
    members: Table<'t, &'static str, &'static [u8]>,
    invitations: Table<'t, &'static str, &'static [u8]>,
    claims: Table<'t, &'static str, &'static str>,
    quotas: Table<'t, &'static str, u32>,
    due: Table<'t, &'static str, u8>,
}

impl<'t> Tables<'t> {
    fn open(txn: &'t WriteTransaction) -> Result<Self, StoreError> {
        Ok(Self {
            accounts: txn.open_table(ACCOUNTS).map_err(db_error)?,
            members: txn.open_table(MEMBERS).map_err(db_error)?,
            invitations: txn.open_table(INVITATIONS).map_err(db_error)?,
            claims: txn.open_table(CLAIMS).map_err(db_error)?,
            quotas: txn.open_table(QUOTAS).map_err(db_error)?,
            due: txn.open_table(DUE).map_err(db_error)?,
        })
    }

    fn account(&self, id: &AccountId) -> Result<Account, StoreError> {
        get_json(&self.accounts, id.as_str())?.ok_or(StoreError::Conflict(Conflict::Stale))
    }

    fn put_account(&mut self, account: &Account) -> Result<(), StoreError> {
        put_json(&mut self.accounts, account.id.as_str(), account)
    }

    fn member(&self, account: &AccountId, id: &MemberId) -> Result<Option<Member>, StoreError> {
        get_json(&self.members, &pair(account, id.as_str()))
    }

    fn put_member(&mut self, member: &Member) -> Result<(), StoreError> {
        put_json(
            &mut self.members,
            &pair(&member.account_id, member.id.as_str()),
            member,
        )
    }

    fn invitation(
        &self,
        account: &AccountId,
        id: &InvitationId,
    ) -> Result<Option<Invitation>, StoreError> {
        get_json(&self.invitations, &pair(account, id.as_str()))
    }

    fn put_invitation(&mut self, invitation: &Invitation) -> Result<(), StoreError> {
        put_json(
            &mut self.invitations,
            &pair(&invitation.account_id, invitation.id.as_str()),
            invitation,
        )
    }

    /// The stored member that `next` was computed from: one version older.
    fn current_member(&self, next: &Member) -> Result<Member, StoreError> {
        match self.member(&next.account_id, &next.id)? {
            Some(stored) if stored.version + 1 == next.version => Ok(stored),
            _ => Err(StoreError::Conflict(Conflict::Stale)),
        }
    }

    /// The stored invitation that `next` was computed from: one version older.
    fn current_invitation(&self, next: &Invitation) -> Result<Invitation, StoreError> {
        match self.invitation(&next.account_id, &next.id)? {
            Some(stored) if stored.version + 1 == next.version => Ok(stored),
            _ => Err(StoreError::Conflict(Conflict::Stale)),
        }
    }

    /// Fails unless nobody holds the invitation's address in its account.
    fn require_address_free(&self, invitation: &Invitation) -> Result<(), StoreError> {
        let email = invitation.email.clone();
        let member_id = MemberId::for_address(&invitation.account_id, &email);
        if self.member(&invitation.account_id, &member_id)?.is_some() {
            return Err(StoreError::Conflict(Conflict::AddressTaken {
                email,
                member: true,
            }));
        }
        let claim = pair(&invitation.account_id, email.as_str());
        if self.claims.get(claim.as_str()).map_err(db_error)?.is_some() {
            return Err(StoreError::Conflict(Conflict::AddressTaken {
                email,
                member: false,
            }));
        }
        Ok(())
    }

    fn claim(&mut self, invitation: &Invitation) -> Result<(), StoreError> {
        let key = pair(&invitation.account_id, invitation.email.as_str());
        self.claims
            .insert(key.as_str(), invitation.id.as_str())
            .map_err(db_error)?;
        Ok(())
    }

    /// Drops the address claim if it belongs to this invitation.
    fn release_claim(&mut self, invitation: &Invitation) -> Result<(), StoreError> {
        let key = pair(&invitation.account_id, invitation.email.as_str());
        let owned = self
            .claims
            .get(key.as_str())
            .map_err(db_error)?
            .is_some_and(|holder| holder.value() == invitation.id.as_str());
        if owned {
            self.claims.remove(key.as_str()).map_err(db_error)?;
        }
        Ok(())
    }

    /// Counts `uses` emails against the day's quota, or fails if that passes the limit.
    fn spend_quota(
        &mut self,
        account: &AccountId,
        quota: &crate::ports::DailyQuota,
    ) -> Result<(), StoreError> {
        let key = pair(account, &quota.day.to_string());
        let used = self
            .quotas
            .get(key.as_str())
            .map_err(db_error)?
            .map_or(0, |g| g.value());
        if used.saturating_add(quota.uses) > quota.limit {
            return Err(StoreError::Conflict(Conflict::DailyLimit { used }));
        }
        self.quotas
            .insert(key.as_str(), used + quota.uses)
            .map_err(db_error)?;
        Ok(())
    }

    fn set_due(&mut self, key: Option<String>, on: bool) -> Result<(), StoreError> {
        let Some(key) = key else { return Ok(()) };
        if on {
            self.due.insert(key.as_str(), 0).map_err(db_error)?;
        } else {
            self.due.remove(key.as_str()).map_err(db_error)?;
        }
        Ok(())
    }
}

#[async_trait]
impl Store for Embedded {
    async fn lookup(&self, keys: &Lookup) -> Result<Found, StoreError> {
        let db = Arc::clone(&self.db);
        let keys = keys.clone();
        run_blocking(move || {
            let txn = db.begin_read().map_err(db_error)?;
            let accounts = txn.open_table(ACCOUNTS).map_err(db_error)?;
            let members = txn.open_table(MEMBERS).map_err(db_error)?;
            let invitations = txn.open_table(INVITATIONS).map_err(db_error)?;
            let claims = txn.open_table(CLAIMS).map_err(db_error)?;

            let mut found = Found {
                account: get_json(&accounts, keys.account.as_str())?,
                ..Found::default()
            };
            for id in keys.members {
                if let Some(member) =
                    get_json::<Member>(&members, &pair(&keys.account, id.as_str()))?
                {
                    found.members.insert(id, member);
                }
            }
            for id in keys.invitations {
                if let Some(invitation) = get_json(&invitations, &pair(&keys.account, id.as_str()))?
                {
                    found.invitations.insert(id, invitation);
                }
            }
            for email in keys.pending_addresses {
                let claim = claims
                    .get(pair(&keys.account, email.as_str()).as_str())
                    .map_err(db_error)?;
                if let Some(holder) = claim {
                    let id = InvitationId::parse(holder.value())
                        .map_err(|e| StoreError::Unavailable(e.into()))?;
                    found.pending.insert(email, id);
                }
            }
            Ok(found)
        })
        .await
    }

    async fn list_members(
        &self,
        account: &AccountId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Member>, StoreError> {
        let cursor = cursor
            .map(|c| MemberId::parse(c).map_err(|_| StoreError::BadCursor))
            .transpose()?;
        self.page(
            MEMBERS,
            format!("{account}/"),
            cursor.map(String::from),
            limit,
        )
        .await
    }

    async fn list_invitations(
        &self,
        account: &AccountId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Invitation>, StoreError> {
        let cursor = cursor
            .map(|c| InvitationId::parse(c).map_err(|_| StoreError::BadCursor))
            .transpose()?;
        self.page(
            INVITATIONS,
            format!("{account}/"),
            cursor.map(String::from),
            limit,
        )
        .await
    }

    async fn due(
        &self,
        now: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<DueItem>, StoreError> {
        let db = Arc::clone(&self.db);
        let cursor = cursor.map(str::to_owned);
        run_blocking(move || {
            let txn = db.begin_read().map_err(db_error)?;
            let due = txn.open_table(DUE).map_err(db_error)?;
            let end = format!("{:012}", now.timestamp().max(0) + 1);
            let start = match &cursor {
                Some(after) => Bound::Excluded(after.as_str()),
                None => Bound::Unbounded,
            };

            let mut items = Vec::new();
            let mut last = None;
            for entry in due
                .range((start, Bound::Excluded(end.as_str())))
                .map_err(db_error)?
            {
                if items.len() == limit {
                    break;
                }
                let (key, _) = entry.map_err(db_error)?;
                items.push(parse_due_key(key.value())?);
                last = Some(key.value().to_owned());
            }
            let next_cursor = if items.len() == limit { last } else { None };
            Ok(Page { items, next_cursor })
        })
        .await
    }

    async fn create_account(&self, account: &Account, owner: &Member) -> Result<(), StoreError> {
        let (account, owner) = (account.clone(), owner.clone());
        self.write(move |t| {
            if get_json::<Account>(&t.accounts, account.id.as_str())?.is_some() {
                return Err(StoreError::Conflict(Conflict::Stale));
            }
            t.put_account(&account)?;
            t.put_member(&owner)
        })
        .await
    }

    async fn create_invitations(&self, change: &NewInvitations) -> Result<(), StoreError> {
        let change = change.clone();
        self.write(move |t| {
            let mut account = t.account(&change.account)?;
            let paid = change
                .invitations
                .iter()
                .filter(|i| i.seat == SeatKind::Paid)
                .count();
            let paid = u32::try_from(paid).map_err(|e| StoreError::Unavailable(e.into()))?;
            if account.seats_free() < paid {
                return Err(StoreError::Conflict(Conflict::SeatsExhausted));
            }
            for invitation in &change.invitations {
                t.require_address_free(invitation)?;
            }
            t.spend_quota(&change.account, &change.quota)?;

            for invitation in &change.invitations {
                t.put_invitation(invitation)?;
                t.claim(invitation)?;
                t.set_due(invitation_due_key(invitation), true)?;
            }
            if paid > 0 {
                account.seats_reserved += paid;
                t.put_account(&account)?;
            }
            Ok(())
        })
        .await
    }

    async fn accept_invitation(
        &self,
        invitation: &Invitation,
        member: &Member,
    ) -> Result<(), StoreError> {
        let (invitation, member) = (invitation.clone(), member.clone());
        self.write(move |t| {
            let stored = t.current_invitation(&invitation)?;
            if stored.status != InvitationStatus::Pending {
                return Err(StoreError::Conflict(Conflict::Stale));
            }
            if t.member(&member.account_id, &member.id)?.is_some() {
                let email = member.email.clone();
                return Err(StoreError::Conflict(Conflict::AddressTaken {
                    email,
                    member: true,
                }));
            }

            if stored.seat == SeatKind::Paid {
                let mut account = t.account(&invitation.account_id)?;
                account.seats_reserved = account.seats_reserved.saturating_sub(1);
                account.seats_used += 1;
                t.put_account(&account)?;
            }
            t.release_claim(&stored)?;
            t.set_due(invitation_due_key(&stored), false)?;
            t.set_due(trial_due_key(&member), true)?;
            t.put_invitation(&invitation)?;
            t.put_member(&member)
        })
        .await
    }

    async fn reissue_invitation(&self, change: &Reissue) -> Result<(), StoreError> {
        let change = change.clone();
        self.write(move |t| {
            let next = &change.invitation;
            let stored = t.current_invitation(next)?;
            if change.reclaim {
                if stored.status != InvitationStatus::Expired {
                    return Err(StoreError::Conflict(Conflict::Stale));
                }
                t.require_address_free(next)?;
                if next.seat == SeatKind::Paid {
                    let mut account = t.account(&next.account_id)?;
                    if account.seats_free() == 0 {
                        return Err(StoreError::Conflict(Conflict::SeatsExhausted));
                    }
                    account.seats_reserved += 1;
                    t.put_account(&account)?;
                }
                t.claim(next)?;
            } else if stored.status != InvitationStatus::Pending {
                return Err(StoreError::Conflict(Conflict::Stale));
            }
            t.spend_quota(&next.account_id, &change.quota)?;

            t.set_due(invitation_due_key(&stored), false)?;
            t.set_due(invitation_due_key(next), true)?;
            t.put_invitation(next)
        })
        .await
    }

    async fn revoke_invitation(&self, invitation: &Invitation) -> Result<(), StoreError> {
        let invitation = invitation.clone();
        self.write(move |t| {
            let stored = t.current_invitation(&invitation)?;
            if stored.status != InvitationStatus::Pending {
                return Err(StoreError::Conflict(Conflict::Stale));
            }
            release(t, &stored)?;
            t.put_invitation(&invitation)
        })
        .await
    }

    async fn assign_seat(&self, change: &SeatAssignment) -> Result<(), StoreError> {
        let change = change.clone();
        self.write(move |t| {
            let stored = t.current_member(&change.member)?;
            if stored.seat == Seat::Paid {
                return Err(StoreError::Conflict(Conflict::Stale));
            }
            match &change.from {
                Some(giver) => {
                    if t.current_member(giver)?.seat != Seat::Paid {
                        return Err(StoreError::Conflict(Conflict::Stale));
                    }
                    t.put_member(giver)?;
                }
                None => {
                    let mut account = t.account(&change.member.account_id)?;
                    if account.seats_free() == 0 {
                        return Err(StoreError::Conflict(Conflict::SeatsExhausted));
                    }
                    account.seats_used += 1;
                    t.put_account(&account)?;
                }
            }
            t.set_due(trial_due_key(&stored), false)?;
            t.put_member(&change.member)
        })
        .await
    }

    async fn update_member(&self, member: &Member) -> Result<(), StoreError> {
        let member = member.clone();
        self.write(move |t| {
            let stored = t.current_member(&member)?;
            if stored.seat != member.seat {
                return Err(StoreError::Conflict(Conflict::Stale));
            }
            t.put_member(&member)
        })
        .await
    }

    async fn set_invite_policy(
        &self,
        account: &AccountId,
        restricted_to_admins: bool,
    ) -> Result<Account, StoreError> {
        let id = account.clone();
        self.write(move |t| {
            let mut account = t.account(&id)?;
            account.invites_restricted_to_admins = restricted_to_admins;
            t.put_account(&account)?;
            Ok(account)
        })
        .await
    }

    async fn add_seats(
        &self,
        account: &AccountId,
        add: u32,
        max: u32,
    ) -> Result<Account, StoreError> {
        let id = account.clone();
        self.write(move |t| {
            let mut account = t.account(&id)?;
            if account.seats_bought.saturating_add(add) > max {
                return Err(StoreError::Conflict(Conflict::Stale));
            }
            account.seats_bought += add;
            t.put_account(&account)?;
            Ok(account)
        })
        .await
    }

    async fn record_delivery(
        &self,
        invitation: &Invitation,
        delivery: Delivery,
    ) -> Result<(), StoreError> {
        let invitation = invitation.clone();
        self.write(move |t| {
            let Some(mut stored) = t.invitation(&invitation.account_id, &invitation.id)? else {
                return Ok(());
            };
            if stored.token_hash.matches(&invitation.token_hash) {
                stored.delivery = delivery;
                t.put_invitation(&stored)?;
            }
            Ok(())
        })
        .await
    }

    async fn expire_trial(
        &self,
        account: &AccountId,
        member: &MemberId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (account, member) = (account.clone(), member.clone());
        self.write(move |t| {
            let Some(stored) = t.member(&account, &member)? else {
                return Ok(false);
            };
            let Seat::Trial { ends_at } = stored.seat else {
                return Ok(false);
            };
            if ends_at > now {
                return Ok(false);
            }
            t.set_due(trial_due_key(&stored), false)?;
            let expired = Member {
                seat: Seat::TrialExpired { ended_at: ends_at },
                version: stored.version + 1,
                ..stored
            };
            t.put_member(&expired)?;
            Ok(true)
        })
        .await
    }

    async fn expire_invitation(
        &self,
        account: &AccountId,
        invitation: &InvitationId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (account, invitation) = (account.clone(), invitation.clone());
        self.write(move |t| {
            let Some(stored) = t.invitation(&account, &invitation)? else {
                return Ok(false);
            };
            if stored.status != InvitationStatus::Pending || stored.expires_at > now {
                return Ok(false);
            }
            release(t, &stored)?;
            let expired = Invitation {
                status: InvitationStatus::Expired,
                version: stored.version + 1,
                ..stored
            };
            t.put_invitation(&expired)?;
            Ok(true)
        })
        .await
    }
}

/// What ending a pending invitation frees: its claim, its due entry, its reserved seat.
fn release(t: &mut Tables<'_>, pending: &Invitation) -> Result<(), StoreError> {
    t.release_claim(pending)?;
    t.set_due(invitation_due_key(pending), false)?;
    if pending.seat == SeatKind::Paid {
        let mut account = t.account(&pending.account_id)?;
        account.seats_reserved = account.seats_reserved.saturating_sub(1);
        t.put_account(&account)?;
    }
    Ok(())
}

fn invitation_due_key(invitation: &Invitation) -> Option<String> {
    (invitation.status == InvitationStatus::Pending).then(|| {
        due_key(
            invitation.expires_at,
            'i',
            &invitation.account_id,
            invitation.id.as_str(),
        )
    })
}

fn trial_due_key(member: &Member) -> Option<String> {
    match member.seat {
        Seat::Trial { ends_at } => Some(due_key(
            ends_at,
            't',
            &member.account_id,
            member.id.as_str(),
        )),
        _ => None,
    }
}

fn due_key(at: DateTime<Utc>, kind: char, account: &AccountId, id: &str) -> String {
    format!("{:012}/{kind}/{account}/{id}", at.timestamp().max(0))
}

fn parse_due_key(key: &str) -> Result<DueItem, StoreError> {
    let corrupt = || StoreError::Unavailable(format!("malformed due index key {key:?}").into());
    let mut parts = key.split('/').skip(1);
    let (Some(kind), Some(account), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(corrupt());
    };
    let account = AccountId::parse(account).map_err(|_| corrupt())?;
    match kind {
        "t" => Ok(DueItem::Trial {
            account,
            member: MemberId::parse(id).map_err(|_| corrupt())?,
        }),
        "i" => Ok(DueItem::Invitation {
            account,
            invitation: InvitationId::parse(id).map_err(|_| corrupt())?,
        }),
        _ => Err(corrupt()),
    }
}

fn pair(account: &AccountId, rest: &str) -> String {
    format!("{account}/{rest}")
}

/// The first key after every key that starts with `prefix` (which ends in `/`).
fn prefix_end(prefix: &str) -> String {
    let mut end = prefix.trim_end_matches('/').to_owned();
    end.push('0');
    end
}

fn as_str_bound(bound: &Bound<String>) -> Bound<&str> {
    match bound {
        Bound::Included(s) => Bound::Included(s.as_str()),
        Bound::Excluded(s) => Bound::Excluded(s.as_str()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn get_json<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>, StoreError> {
    match table.get(key).map_err(db_error)? {
        Some(value) => decode(value.value()).map(Some),
        None => Ok(None),
    }
}

fn put_json<T: Serialize>(
    table: &mut Table<'_, &'static str, &'static [u8]>,
    key: &str,
    value: &T,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Unavailable(e.into()))?;
    table.insert(key, bytes.as_slice()).map_err(db_error)?;
    Ok(())
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Unavailable(e.into()))
}

fn db_error(error: impl Into<redb::Error>) -> StoreError {
    StoreError::Unavailable(Box::new(error.into()))
}

async fn run_blocking<T, F>(work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Unavailable(e.into()))?
}
