//! The sample account that the events in `events/` name, written straight into a store.
//!
//! The events carry fixed ids, so the state behind them cannot come from the use cases,
//! which draw fresh random ids. [`Sample::seed`] writes it through the store port
//! instead, with the same writes the use cases make: the account Acme owned by Olivia,
//! Tom on a trial, Pia on a paid seat, and Sam's invitation pending with the hash of the
//! token the accept events carry.

use chrono::{DateTime, Duration, Utc};

use teamseats::email::EmailAddress;
use teamseats::entropy::OsEntropy;
use teamseats::ids::{AccountId, InvitationId, MemberId};
use teamseats::model::{
    Account, Delivery, Invitation, InvitationStatus, Member, Permissions, Role, Seat, SeatKind,
};
use teamseats::ports::{DailyQuota, NewInvitations, Store};
use teamseats::token::InvitationToken;

/// The sample account's id.
pub const ACCOUNT: &str = "acc_7d3f0b6c9a1e4d2f8b5c0e9a6d4f2b1c";
/// The owner, the caller in every signed-in event.
pub const OWNER: &str = "olivia@acme.example";
/// A member on a trial.
pub const TOM: &str = "tom@acme.example";
/// Tom's member id, as the events name it.
pub const TOM_ID: &str = "mem_f1666f766f99ea45ea7f933601fb193f";
/// A member on a paid seat.
pub const PIA: &str = "pia@acme.example";
/// Pia's member id, as the events name it.
pub const PIA_ID: &str = "mem_a71361c162e2fed809d56bda07f06c39";
/// Invited and not yet joined.
pub const SAM: &str = "sam@acme.example";
/// Sam's pending invitation, as the events name it.
pub const SAM_INVITATION: &str = "inv_3b9e2c7f1a6d4e8b0c5f9a2d7e1b4c6a";
/// The token of Sam's invitation, as the accept events carry it.
pub const SAM_TOKEN: &str = "acc_7d3f0b6c9a1e4d2f8b5c0e9a6d4f2b1c.\
                             inv_3b9e2c7f1a6d4e8b0c5f9a2d7e1b4c6a.\
                             AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

/// The sample account at one moment, with the times that matter adjustable.
#[derive(Debug, Clone)]
pub struct Sample {
    /// When the sample is written; the other times default relative to it.
    pub now: DateTime<Utc>,
    /// Seats bought; Olivia and Pia use two.
    pub seats_bought: u32,
    /// When Tom's trial ends.
    pub tom_trial_ends_at: DateTime<Utc>,
    /// When Sam's invitation was sent.
    pub sam_sent_at: DateTime<Utc>,
    /// When Sam's invitation stops working.
    pub sam_expires_at: DateTime<Utc>,
}

impl Sample {
    /// The sample as of now: Tom's trial has five days left, Sam was invited an hour ago.
    pub fn now() -> Self {
        let now = Utc::now();
        Self {
            now,
            seats_bought: 5,
            tom_trial_ends_at: now + Duration::days(5),
            sam_sent_at: now - Duration::hours(1),
            sam_expires_at: now - Duration::hours(1) + Duration::days(7),
        }
    }

    /// The sample eight days later: Tom's trial and Sam's invitation have run out, and no
    /// daily run has ended them yet.
    pub fn overdue() -> Self {
        let now = Utc::now();
        Self {
            tom_trial_ends_at: now - Duration::days(1),
            sam_sent_at: now - Duration::days(8),
            sam_expires_at: now - Duration::days(1),
            ..Self::now()
        }
    }

    /// The account id.
    pub fn account() -> AccountId {
        id(AccountId::parse(ACCOUNT))
    }

    /// Writes the sample into an empty store.
    pub async fn seed(&self, store: &dyn Store) {
        let account_id = Self::account();
        let account = Account {
            id: account_id.clone(),
            name: "Acme".into(),
            seats_bought: self.seats_bought,
            seats_used: 1,
            seats_reserved: 0,
            invites_restricted_to_admins: false,
            created_at: self.now - Duration::days(30),
        };
        let owner = member(
            OWNER,
            Role::Owner,
            Seat::Paid,
            self.now - Duration::days(30),
        );
        store
            .create_account(&account, &owner)
            .await
            .expect("seeding the account");

        let token = InvitationToken::parse(SAM_TOKEN).expect("the sample token");
        let sam = Invitation {
            sent_at: self.sam_sent_at,
            expires_at: self.sam_expires_at,
            token_hash: token.hash(),
            ..invitation(SAM, SeatKind::Trial, self.sam_sent_at)
        };
        let sam = Invitation {
            id: id(InvitationId::parse(SAM_INVITATION)),
            ..sam
        };
        let joined = self.now - Duration::days(2);
        let tom = invitation(TOM, SeatKind::Trial, joined - Duration::hours(1));
        let pia = invitation(PIA, SeatKind::Paid, joined - Duration::hours(1));
        store
            .create_invitations(&NewInvitations {
                account: account_id,
                invitations: vec![tom.clone(), pia.clone(), sam],
                quota: quota(self.now, 3),
            })
            .await
            .expect("seeding the invitations");

        let tom_seat = Seat::Trial {
            ends_at: self.tom_trial_ends_at,
        };
        for (invitation, seat) in [(tom, tom_seat), (pia, Seat::Paid)] {
            let joiner = member(invitation.email.as_str(), Role::User, seat, joined);
            let accepted = Invitation {
                status: InvitationStatus::Accepted,
                version: invitation.version + 1,
                ..invitation
            };
            store
                .accept_invitation(&accepted, &joiner)
                .await
                .expect("seeding a member");
        }
    }
}

/// Writes `count` pending invitations to the sample account that ran out a day ago, for
/// a daily run to end. The account must exist.
pub async fn overdue_invitations(store: &dyn Store, count: usize) {
    let now = Utc::now();
    let sent = now - Duration::days(8);
    let all: Vec<Invitation> = (0..count)
        .map(|n| Invitation {
            expires_at: now - Duration::days(1),
            ..invitation(&format!("person{n}@acme.example"), SeatKind::Trial, sent)
        })
        .collect();
    write_invitations(store, &all, now).await;
}

/// Writes `count` pending trial invitations to the sample account, sent now, and returns
/// their tokens, so that each can be accepted once. The account must exist.
pub async fn pending_invitations(store: &dyn Store, count: usize) -> Vec<String> {
    let now = Utc::now();
    let mut tokens = Vec::with_capacity(count);
    let all: Vec<Invitation> = (0..count)
        .map(|n| {
            let pending = invitation(&format!("joiner{n}@acme.example"), SeatKind::Trial, now);
            let token = InvitationToken::issue(&Sample::account(), &pending.id, &OsEntropy);
            tokens.push(token.expose());
            Invitation {
                token_hash: token.hash(),
                ..pending
            }
        })
        .collect();
    write_invitations(store, &all, now).await;
    tokens
}

/// The member id teamseats derives for `email` in the sample account.
pub fn member_id(email: &str) -> MemberId {
    MemberId::for_address(&Sample::account(), &address(email))
}

fn member(email: &str, role: Role, seat: Seat, joined_at: DateTime<Utc>) -> Member {
    Member {
        id: member_id(email),
        account_id: Sample::account(),
        email: address(email),
        role,
        permissions: Permissions::default(),
        manages_seats: false,
        seat,
        joined_at,
        version: 1,
    }
}

fn invitation(email: &str, seat: SeatKind, sent_at: DateTime<Utc>) -> Invitation {
    let invitation_id = InvitationId::generate(&OsEntropy);
    let token = InvitationToken::issue(&Sample::account(), &invitation_id, &OsEntropy);
    Invitation {
        id: invitation_id,
        account_id: Sample::account(),
        email: address(email),
        role: Role::User,
        permissions: Permissions::default(),
        seat,
        status: InvitationStatus::Pending,
        invited_by: member_id(OWNER),
        inviter_email: address(OWNER),
        sent_at,
        expires_at: sent_at + Duration::days(7),
        token_hash: token.hash(),
        resends_today: 0,
        resend_day: sent_at.date_naive(),
        delivery: Delivery::Sent,
        version: 1,
    }
}

/// Writes invitations to the sample account in transactions of 30: a transaction holds
/// at most 100 items, and each invitation writes three.
async fn write_invitations(store: &dyn Store, all: &[Invitation], now: DateTime<Utc>) {
    for batch in all.chunks(30) {
        store
            .create_invitations(&NewInvitations {
                account: Sample::account(),
                invitations: batch.to_vec(),
                quota: quota(now, u32::try_from(batch.len()).unwrap_or(u32::MAX)),
            })
            .await
            .expect("seeding invitations");
    }
}

fn quota(now: DateTime<Utc>, uses: u32) -> DailyQuota {
    DailyQuota {
        day: now.date_naive(),
        limit: 1_000_000,
        uses,
    }
}

fn address(email: &str) -> EmailAddress {
    EmailAddress::parse(email).expect("a sample address")
}

fn id<T, E: std::fmt::Debug>(parsed: Result<T, E>) -> T {
    parsed.expect("a sample id")
}
