//! The state teamseats keeps: accounts, their members, and invitations.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::email::EmailAddress;
use crate::ids::{AccountId, InvitationId, MemberId};
use crate::token::TokenHash;

/// What a member may do in an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Exactly one per account; the only one who buys seats.
    Owner,
    /// Manages members, invitations and seats.
    Admin,
    /// A regular member.
    User,
}

impl Role {
    /// Owners and admins run the account; regular users do not.
    pub fn manages_account(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// The two product permissions a member carries, both on unless the inviter says not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    /// May export the account's data.
    pub export_data: bool,
    /// May use Google Sync.
    pub google_sync: bool,
}

impl Default for Permissions {
    fn default() -> Self {
        Self {
            export_data: true,
            google_sync: true,
        }
    }
}

/// Whether and how a member holds a seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Seat {
    /// On a paid seat; counts toward the seats in use.
    Paid,
    /// On a free trial until `ends_at`.
    Trial {
        /// When the trial ends.
        ends_at: DateTime<Utc>,
    },
    /// The trial ended unpaid: no access, but a seat can still be assigned.
    TrialExpired {
        /// When the trial ended.
        ended_at: DateTime<Utc>,
    },
    /// Lost a paid seat to another member: no access until given one again.
    Seatless,
}

impl Seat {
    /// Whether the member may use the product at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        match self {
            Seat::Paid => true,
            Seat::Trial { ends_at } => *ends_at > now,
            Seat::TrialExpired { .. } | Seat::Seatless => false,
        }
    }

    /// The seat state's name in the API.
    pub fn label(&self, now: DateTime<Utc>) -> &'static str {
        match self {
            Seat::Paid => "paid",
            Seat::Trial { ends_at } if *ends_at > now => "trial",
            Seat::Trial { .. } | Seat::TrialExpired { .. } => "trial_expired",
            Seat::Seatless => "seatless",
        }
    }
}

/// A customer company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Its id.
    pub id: AccountId,
    /// Its display name, shown in emails and on the accept page.
    pub name: String,
    /// Paid seats bought.
    pub seats_bought: u32,
    /// Paid seats held by members.
    pub seats_used: u32,
    /// Paid seats held for pending invitations.
    pub seats_reserved: u32,
    /// When on, only owners and admins may invite.
    pub invites_restricted_to_admins: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl Account {
    /// Seats neither used nor reserved.
    pub fn seats_free(&self) -> u32 {
        self.seats_bought
            .saturating_sub(self.seats_used + self.seats_reserved)
    }
}

/// A person in an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Its id, derived from account and address.
    pub id: MemberId,
    /// The account it belongs to.
    pub account_id: AccountId,
    /// The verified address it signs in with.
    pub email: EmailAddress,
    /// What it may do.
    pub role: Role,
    /// Its product permissions.
    pub permissions: Permissions,
    /// Whether an owner or admin let it assign seats.
    pub manages_seats: bool,
    /// Its seat.
    pub seat: Seat,
    /// When it joined.
    pub joined_at: DateTime<Utc>,
    /// Bumped by every change, so that a write can require the state it was computed from.
    pub version: u64,
}

impl Member {
    /// Whether it may assign seats: owners, admins, and members authorized for it.
    pub fn may_assign_seats(&self) -> bool {
        self.role.manages_account() || self.manages_seats
    }
}

/// Whether a newcomer starts on a trial or on a paid seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatKind {
    /// A free trial of the configured length.
    Trial,
    /// A paid seat, reserved when the invitation is made.
    Paid,
}

/// Where an invitation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    /// Sent and waiting.
    Pending,
    /// Turned into a member.
    Accepted,
    /// Withdrawn by an owner or admin.
    Revoked,
    /// Not accepted in time.
    Expired,
}

/// Whether the last email for an invitation left teamseats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Handed to the mail service.
    Sent,
    /// The mail service refused it; a resend will try again.
    Failed,
}

/// An offer to one address to join an account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invitation {
    /// Its id.
    pub id: InvitationId,
    /// The account it is for.
    pub account_id: AccountId,
    /// Who is invited.
    pub email: EmailAddress,
    /// The role the newcomer will have.
    pub role: Role,
    /// The permissions the newcomer will have.
    pub permissions: Permissions,
    /// Trial or paid seat.
    pub seat: SeatKind,
    /// Where it is in its life.
    pub status: InvitationStatus,
    /// Who invited.
    pub invited_by: MemberId,
    /// The inviter's address, kept so emails and the accept page can name them.
    pub inviter_email: EmailAddress,
    /// When the current token was sent.
    pub sent_at: DateTime<Utc>,
    /// When the current token stops working.
    pub expires_at: DateTime<Utc>,
    /// The hash of the current token.
    pub token_hash: TokenHash,
    /// Resends so far on `resend_day`.
    pub resends_today: u32,
    /// The UTC day `resends_today` counts.
    pub resend_day: NaiveDate,
    /// Whether the last email went out.
    pub delivery: Delivery,
    /// Bumped by every change, so that a write can require the state it was computed from.
    pub version: u64,
}

impl Invitation {
    /// The status as seen at `now`: a pending invitation past its validity is expired
    /// even before the daily run records it.
    pub fn status_at(&self, now: DateTime<Utc>) -> InvitationStatus {
        match self.status {
            InvitationStatus::Pending if self.expires_at <= now => InvitationStatus::Expired,
            status => status,
        }
    }
}
