//! What the rules need from the world: a store and a mailer.
//!
//! The store's writes are the use cases' state changes, one method each. Every write is
//! atomic and carries its invariants as conditions that the store checks at the moment
//! of writing, never in a separate read. They are shaped so that DynamoDB can do each as
//! one conditional `TransactWriteItems`:
//!
//! - an account's `seats_used + seats_reserved` never exceeds `seats_bought`;
//! - an address has at most one member and one pending invitation per account;
//! - members and invitations carry a `version`; a write of a changed item holds the
//!   new state with `version` one above the stored one, and fails as
//!   [`Conflict::Stale`] if somebody else changed it first. This is how a token is
//!   accepted once and how a resend rotates the token exactly once;
//! - trials and pending invitations sit in a due index by the time they fall due, and
//!   leave it when they stop being due, in the same write.
//!
//! Reads happen in one [`Store::lookup`] per use case, by key.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::email::EmailAddress;
use crate::error::BoxError;
use crate::ids::{AccountId, InvitationId, MemberId};
use crate::model::{Account, Delivery, Invitation, Member};

/// The keys one use case needs to read.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// The account, always read.
    pub account: AccountId,
    /// Members by id.
    pub members: Vec<MemberId>,
    /// Invitations by id.
    pub invitations: Vec<InvitationId>,
    /// Addresses whose pending invitation, if any, is wanted.
    pub pending_addresses: Vec<EmailAddress>,
}

impl Lookup {
    /// A lookup of the account alone.
    pub fn account(account: &AccountId) -> Self {
        Self {
            account: account.clone(),
            members: Vec::new(),
            invitations: Vec::new(),
            pending_addresses: Vec::new(),
        }
    }

    /// Adds a member.
    pub fn member(mut self, member: &MemberId) -> Self {
        self.members.push(member.clone());
        self
    }

    /// Adds an invitation.
    pub fn invitation(mut self, invitation: &InvitationId) -> Self {
        self.invitations.push(invitation.clone());
        self
    }
}

/// What a [`Lookup`] found; missing items are simply absent.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The account, if it exists.
    pub account: Option<Account>,
    /// The members that exist.
    pub members: HashMap<MemberId, Member>,
    /// The invitations that exist.
    pub invitations: HashMap<InvitationId, Invitation>,
    /// For each looked-up address with a pending invitation, that invitation's id.
    pub pending: HashMap<EmailAddress, InvitationId>,
}

/// A quota of invitation emails an account may send in one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyQuota {
    /// The UTC day being counted.
    pub day: NaiveDate,
    /// Emails allowed that day.
    pub limit: u32,
    /// Emails this write will send.
    pub uses: u32,
}

/// New invitations from one request, written together or not at all.
#[derive(Debug, Clone)]
pub struct NewInvitations {
    /// The account they belong to.
    pub account: AccountId,
    /// The invitations, all pending, each for a different address.
    pub invitations: Vec<Invitation>,
    /// Emails counted against the account's daily limit.
    pub quota: DailyQuota,
}

/// A resend: the invitation with a new token, validity and send count.
#[derive(Debug, Clone)]
pub struct Reissue {
    /// The new state, pending, with `version` one above the stored one.
    pub invitation: Invitation,
    /// Whether the invitation had expired, so its address claim and any paid seat must be
    /// taken again.
    pub reclaim: bool,
    /// The email counts against the account's daily limit.
    pub quota: DailyQuota,
}

/// Putting one member on a paid seat.
#[derive(Debug, Clone)]
pub struct SeatAssignment {
    /// The member's new state, on a paid seat.
    pub member: Member,
    /// When moving a seat: the member giving it up, in its new seatless state. Without
    /// it, a free seat is taken.
    pub from: Option<Member>,
}

/// Why a conditional write did not happen. None of these is a failure of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// The account has fewer free seats than the write needs.
    SeatsExhausted,
    /// The address already has a member (`member` true) or a pending invitation in the
    /// account.
    AddressTaken {
        /// The address.
        email: EmailAddress,
        /// Whether a member holds it, rather than a pending invitation.
        member: bool,
    },
    /// The daily invitation email limit would be passed; `used` were sent already.
    DailyLimit {
        /// Emails already counted today.
        used: u32,
    },
    /// An item was changed or removed since it was read.
    Stale,
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A condition did not hold; nothing was written.
    #[error("a write condition did not hold: {0:?}")]
    Conflict(Conflict),
    /// A page cursor from a caller could not be read.
    #[error("the page cursor is not valid")]
    BadCursor,
    /// The store could not be reached or answered with an error.
    #[error("the store failed")]
    Unavailable(#[source] BoxError),
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Something the daily run must look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DueItem {
    /// A member whose trial ends.
    Trial {
        /// Its account.
        account: AccountId,
        /// The member.
        member: MemberId,
    },
    /// A pending invitation whose validity ends.
    Invitation {
        /// Its account.
        account: AccountId,
        /// The invitation.
        invitation: InvitationId,
    },
}

/// Where state lives. See the module docs for the guarantees every adapter keeps.
#[async_trait]
pub trait Store: Send + Sync {
    /// Reads everything a use case needs, by key, in one round trip.
    async fn lookup(&self, keys: &Lookup) -> Result<Found, StoreError>;

    /// Lists an account's members, oldest first.
    async fn list_members(
        &self,
        account: &AccountId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Member>, StoreError>;

    /// Lists an account's invitations, oldest first.
    async fn list_invitations(
        &self,
        account: &AccountId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Invitation>, StoreError>;

    /// Items due at or before `now`, soonest first, from the due index only.
    async fn due(
        &self,
        now: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<DueItem>, StoreError>;

    /// Creates an account with its owner on a paid seat.
    async fn create_account(&self, account: &Account, owner: &Member) -> Result<(), StoreError>;

    /// Writes invitations, claims their addresses, reserves a seat for each paid one and
    /// counts their emails against the daily quota. Fails with the first address found
    /// taken, or for seats or quota.
    async fn create_invitations(&self, change: &NewInvitations) -> Result<(), StoreError>;

    /// Writes the accepted invitation and its new member, frees the address claim, and
    /// turns a reserved seat into a used one for a paid invitation.
    async fn accept_invitation(
        &self,
        invitation: &Invitation,
        member: &Member,
    ) -> Result<(), StoreError>;

    /// Writes a resent invitation with its new token hash.
    async fn reissue_invitation(&self, change: &Reissue) -> Result<(), StoreError>;

    /// Writes a revoked invitation, frees its address claim and any reserved seat.
    async fn revoke_invitation(&self, invitation: &Invitation) -> Result<(), StoreError>;

    /// Puts a member on a paid seat, taking a free one or moving one.
    async fn assign_seat(&self, change: &SeatAssignment) -> Result<(), StoreError>;

    /// Writes a member whose seat is unchanged (such as its seat management right).
    async fn update_member(&self, member: &Member) -> Result<(), StoreError>;

    /// Sets the account's invite policy.
    async fn set_invite_policy(
        &self,
        account: &AccountId,
        restricted_to_admins: bool,
    ) -> Result<Account, StoreError>;

    /// Adds bought seats and returns the account after the change.
    /// Fails as [`Conflict::Stale`], adding nothing, if that would pass `max` seats.
    async fn add_seats(
        &self,
        account: &AccountId,
        add: u32,
        max: u32,
    ) -> Result<Account, StoreError>;

    /// Records whether the last email of an invitation went out, if its token is still
    /// the one the email carried.
    async fn record_delivery(
        &self,
        invitation: &Invitation,
        delivery: Delivery,
    ) -> Result<(), StoreError>;

    /// Ends a trial that is past its end at `now`. Returns false, and only drops the due
    /// entry, when the member is no longer on such a trial.
    async fn expire_trial(
        &self,
        account: &AccountId,
        member: &MemberId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Expires an invitation still pending past its validity at `now`, freeing its address
    /// claim and any reserved seat. Returns false, and only drops the due entry, when it
    /// is no longer such an invitation.
    async fn expire_invitation(
        &self,
        account: &AccountId,
        invitation: &InvitationId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// An email ready to send. Its `Debug` form shows only the invitation id, since the
/// parts carry the accept link.
#[derive(Clone)]
pub struct Message {
    /// The recipient.
    pub to: EmailAddress,
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// The invitation it is about, for tagging and logs.
    pub invitation: InvitationId,
    /// The accept link inside it, for transports that show it to a developer.
    pub accept_url: String,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("invitation", &self.invitation)
            .finish_non_exhaustive()
    }
}

/// Where email goes.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Hands one message to the transport.
    async fn send(&self, message: &Message) -> Result<(), BoxError>;
}
