//! The use cases of teamseats, one method each.
//!
//! Every method follows the same steps: read what it needs in one [`Lookup`], check the
//! caller and the rules against that snapshot, then hand one conditional write to the
//! store. The store re-checks the invariants as it writes, so a decision made on a
//! snapshot that went stale fails as a conflict instead of breaking an invariant.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::{self, FuturesUnordered};

use crate::clock::Clock;
use crate::commands::{Identity, InviteRequest, MAX_SEATS, NewAccount};
use crate::config::{Links, Policy};
use crate::email::EmailAddress;
use crate::entropy::Entropy;
use crate::error::{Error, TokenProblem};
use crate::ids::{AccountId, InvitationId, MemberId};
use crate::mail::invitation_message;
use crate::model::{
    Account, Delivery, Invitation, InvitationStatus, Member, Permissions, Role, Seat, SeatKind,
};
use crate::ports::{
    Conflict, DailyQuota, DueItem, Found, Lookup, Mailer, NewInvitations, Page, Reissue,
    SeatAssignment, Store, StoreError,
};
use crate::token::InvitationToken;

/// The most items one listing page may hold.
pub const MAX_PAGE: usize = 100;
/// How many due items of a page the daily run handles at once.
pub const DAILY_PARALLELISM: usize = 8;
const DUE_PAGE: usize = 100;

/// The use cases, wired to their ports.
#[derive(Clone)]
pub struct Teamseats {
    store: Arc<dyn Store>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    policy: Policy,
    links: Links,
}

/// The outcome for one address of an invite request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteStatus {
    /// An invitation was made.
    Invited,
    /// The address is already a member.
    AlreadyMember,
    /// The address already has a pending invitation.
    AlreadyInvited,
}

/// One address's result.
#[derive(Debug, Clone)]
pub struct InviteResult {
    /// The address, normalized.
    pub email: EmailAddress,
    /// What happened.
    pub status: InviteStatus,
    /// The invitation made or already pending.
    pub invitation_id: Option<InvitationId>,
    /// For a new invitation: whether its email went out.
    pub email_sent: Option<bool>,
}

/// A newly created account.
#[derive(Debug, Clone)]
pub struct CreatedAccount {
    /// The account.
    pub account: Account,
    /// Its owner.
    pub owner: Member,
}

/// What the accept page shows about a valid invitation.
#[derive(Debug, Clone)]
pub struct InvitationView {
    /// The account's name.
    pub account_name: String,
    /// Who invited.
    pub inviter_email: EmailAddress,
    /// Who is invited.
    pub invitee_email: EmailAddress,
    /// The role offered.
    pub role: Role,
    /// Trial or paid seat.
    pub seat: SeatKind,
    /// How long a trial lasts, in days.
    pub trial_days: i64,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// An accepted invitation.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The account joined.
    pub account_name: String,
    /// The new member.
    pub member: Member,
}

/// A resent invitation.
#[derive(Debug, Clone)]
pub struct Resent {
    /// Its new state.
    pub invitation: Invitation,
    /// Whether the email went out.
    pub email_sent: bool,
}

/// How much one daily run may do before it stops and reports that work remains.
#[derive(Debug, Clone, Copy, Default)]
pub struct Budget {
    /// Take no new page after this instant.
    pub deadline: Option<Instant>,
    /// Take no more than this many pages.
    pub max_pages: Option<u32>,
}

impl Budget {
    fn spent(&self, pages_read: u32) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
            || self.max_pages.is_some_and(|max| pages_read >= max)
    }
}

/// What one daily run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DailySummary {
    /// Trials that became expired.
    pub trials_expired: u32,
    /// Invitations that became expired.
    pub invitations_expired: u32,
    /// Due entries looked at, including ones another run already handled.
    pub items_seen: u32,
    /// Pages read from the due index.
    pub pages_read: u32,
    /// Whether the run stopped at its budget with items left; a re-run continues.
    pub more_remaining: bool,
}

impl Teamseats {
    /// Wires the use cases.
    pub fn new(
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
        policy: Policy,
        links: Links,
    ) -> Self {
        Self {
            store,
            mailer,
            clock,
            entropy,
            policy,
            links,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Where links point.
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// The current time by the injected clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Creates an account whose owner holds the first paid seat.
    pub async fn create_account(&self, command: NewAccount) -> Result<CreatedAccount, Error> {
        let now = self.clock.now();
        let id = AccountId::generate(self.entropy.as_ref());
        let account = Account {
            name: command.name.into_inner(),
            seats_bought: command.seats,
            seats_used: 1,
            seats_reserved: 0,
            invites_restricted_to_admins: false,
            created_at: now,
            id,
        };
        let owner = Member {
            id: MemberId::for_address(&account.id, &command.owner_email),
            account_id: account.id.clone(),
            email: command.owner_email,
            role: Role::Owner,
            permissions: Permissions::default(),
            manages_seats: false,
            seat: Seat::Paid,
            joined_at: now,
            version: 1,
        };

        self.store
            .create_account(&account, &owner)
            .await
            .map_err(|e| write_error(e, "creating an account"))?;
        tracing::info!(account_id = %account.id, seats = account.seats_bought, "account created");
        Ok(CreatedAccount { account, owner })
    }

    /// The account, for any active member.
    pub async fn account(
        &self,
        identity: &Identity,
        account_id: &AccountId,
    ) -> Result<Account, Error> {
        let caller_id = MemberId::for_address(account_id, &identity.email);
        let found = self
            .lookup(Lookup::account(account_id).member(&caller_id))
            .await?;
        let (account, _) = self.active_caller(found, &caller_id)?;
        Ok(account)
    }

    /// Invites up to 25 addresses (R1-R6, R14).
    pub async fn invite(
        &self,
        identity: &Identity,
        account_id: &AccountId,
        request: InviteRequest,
    ) -> Result<Vec<InviteResult>, Error> {
        let now = self.clock.now();
        let caller_id = MemberId::for_address(account_id, &identity.email);
        let mut keys = Lookup::account(account_id).member(&caller_id);
        for email in &request.emails {
            keys.members.push(MemberId::for_address(account_id, email));
            keys.pending_addresses.push(email.clone());
        }
        let found = self.lookup(keys).await?;
        let (account, caller) = self.active_caller_ref(&found, &caller_id)?;
        authorize_invite(account, caller, &request)?;

        // Addresses already taken are answered from the snapshot; the rest are written.
        let mut results: Vec<InviteResult> = request
            .emails
            .iter()
            .map(|email| classify(&found, account_id, email))
            .collect();

        // A concurrent request may take an address between the read and the write; the
        // store then names it, and the write is retried without it.
        let mut written = Vec::new();
        for _ in 0..=request.emails.len() {
            let fresh: Vec<&EmailAddress> = results
                .iter()
                .filter(|r| r.status == InviteStatus::Invited && r.invitation_id.is_none())
                .map(|r| &r.email)
                .collect();
            if fresh.is_empty() {
                break;
            }
            let needed = u32::try_from(fresh.len()).unwrap_or(u32::MAX);
            if request.seat == SeatKind::Paid && account.seats_free() < needed {
                return Err(seats_exhausted(account, needed));
            }

            let drafts: Vec<(Invitation, InvitationToken)> = fresh
                .iter()
                .map(|email| self.draft_invitation(account, caller, &request, email, now))
                .collect();
            let change = NewInvitations {
                account: account_id.clone(),
                invitations: drafts
                    .iter()
                    .map(|(invitation, _)| invitation.clone())
                    .collect(),
                quota: self.quota(now, needed),
            };
            match self.store.create_invitations(&change).await {
                Ok(()) => {
                    written = drafts;
                    break;
                }
                Err(StoreError::Conflict(Conflict::AddressTaken { email, member })) => {
                    if let Some(result) = results.iter_mut().find(|r| r.email == email) {
                        result.status = if member {
                            InviteStatus::AlreadyMember
                        } else {
                            InviteStatus::AlreadyInvited
                        };
                    }
                }
                Err(StoreError::Conflict(Conflict::SeatsExhausted)) => {
                    let account = self.reread_account(account_id).await?;
                    return Err(seats_exhausted(&account, needed));
                }
                Err(StoreError::Conflict(Conflict::DailyLimit { used })) => {
                    return Err(self.daily_limit_reached(now, used, needed));
                }
                Err(other) => return Err(write_error(other, "writing invitations")),
            }
        }

        for (invitation, _) in &written {
            if let Some(result) = results.iter_mut().find(|r| r.email == invitation.email) {
                result.invitation_id = Some(invitation.id.clone());
            }
        }
        let sent = self.send_all(account, &written).await;
        for (invitation_id, ok) in sent {
            if let Some(result) = results
                .iter_mut()
                .find(|r| r.invitation_id.as_ref() == Some(&invitation_id))
            {
                result.email_sent = Some(ok);
            }
        }

        let invited = written.len();
        tracing::info!(
            account_id = %account_id,
            caller_id = %caller_id,
            requested = results.len(),
            invited,
            "invite handled"
        );
        Ok(results)
    }

    /// Lists an account's invitations (R12).
    pub async fn list_invitations(
        &self,
        identity: &Identity,
        account_id: &AccountId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Invitation>, Error> {
        self.require_admin(identity, account_id).await?;
        self.store
            .list_invitations(account_id, cursor, limit.clamp(1, MAX_PAGE))
            .await
            .map_err(|e| read_error(e, "listing invitations"))
    }

    /// Lists an account's members (R12).
    pub async fn list_members(
        &self,
        identity: &Identity,
        account_id: &AccountId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Member>, Error> {
        self.require_admin(identity, account_id).await?;
        self.store
            .list_members(account_id, cursor, limit.clamp(1, MAX_PAGE))
            .await
            .map_err(|e| read_error(e, "listing members"))
    }

    /// Resends a pending or expired invitation with a new token (R8).
    pub async fn resend(
        &self,
        identity: &Identity,
        account_id: &AccountId,
        invitation_id: &InvitationId,
    ) -> Result<Resent, Error> {
        let now = self.clock.now();
        let caller_id = MemberId::for_address(account_id, &identity.email);
        let found = self
            .lookup(
                Lookup::account(account_id)
                    .member(&caller_id)
                    .invitation(invitation_id),
            )
            .await?;
        let (account, caller) = self.active_caller_ref(&found, &caller_id)?;
        let invitation = found
            .invitations
            .get(invitation_id)
            .ok_or(Error::NotFound { what: "invitation" })?;

        if account.invites_restricted_to_admins && !caller.role.manages_account() {
            return Err(Error::forbidden(
                "invites_restricted",
                "In this account only the owner and admins may send invitations.",
            ));
        }
        if invitation.invited_by != caller.id && !caller.role.manages_account() {
            return Err(Error::forbidden(
                "not_inviter",
                "Only the person who sent an invitation, an admin or the owner may resend it.",
            ));
        }
        if !matches!(
            invitation.status_at(now),
            InvitationStatus::Pending | InvitationStatus::Expired
        ) {
            return Err(Error::conflict(
                "invitation_not_resendable",
                "Only a pending or expired invitation can be resent.",
            ));
        }
        self.check_resend_limits(invitation, now)?;

        let reclaim = invitation.status == InvitationStatus::Expired;
        if reclaim && invitation.seat == SeatKind::Paid && account.seats_free() == 0 {
            return Err(seats_exhausted(account, 1));
        }

        let today = now.date_naive();
        let token = InvitationToken::issue(account_id, invitation_id, self.entropy.as_ref());
        let renewed = Invitation {
            status: InvitationStatus::Pending,
            sent_at: now,
            expires_at: now + self.policy.invitation_ttl,
            token_hash: token.hash(),
            resends_today: if invitation.resend_day == today {
                invitation.resends_today + 1
            } else {
                1
            },
            resend_day: today,
            delivery: Delivery::Sent,
            version: invitation.version + 1,
            ..invitation.clone()
        };
        let change = Reissue {
            invitation: renewed.clone(),
            reclaim,
            quota: self.quota(now, 1),
        };
        match self.store.reissue_invitation(&change).await {
            Ok(()) => {}
            Err(StoreError::Conflict(Conflict::SeatsExhausted)) => {
                let account = self.reread_account(account_id).await?;
                return Err(seats_exhausted(&account, 1));
            }
            Err(StoreError::Conflict(Conflict::DailyLimit { used })) => {
                return Err(self.daily_limit_reached(now, used, 1));
            }
            Err(StoreError::Conflict(Conflict::AddressTaken { member, .. })) => {
                return Err(address_taken(member));
            }
            Err(StoreError::Conflict(Conflict::Stale)) => {
                return Err(changed_meanwhile("invitation"));
            }
            Err(other) => return Err(write_error(other, "reissuing an invitation")),
        }

        let sent = self.send_all(account, &[(renewed.clone(), token)]).await;
        let email_sent = sent.first().is_some_and(|(_, ok)| *ok);
        tracing::info!(account_id = %account_id, invitation_id = %invitation_id, email_sent, "invitation resent");
        let delivery = if email_sent {
            Delivery::Sent
        } else {
            Delivery::Failed
        };
        Ok(Resent {
            invitation: Invitation {
                delivery,
                ..renewed
            },
            email_sent,
        })
    }

    /// Revokes a pending invitation, releasing any reserved seat (R12, R4).
    pub async fn revoke(
        &self,
        identity: &Identity,
        account_id: &AccountId,
        invitation_id: &InvitationId,
    ) -> Result<Invitation, Error> {
        let caller_id = MemberId::for_address(account_id, &identity.email);
        let found = self
            .lookup(
                Lookup::account(account_id)
                    .member(&caller_id)
                    .invitation(invitation_id),
            )
            .await?;
        let (_, caller) = self.active_caller_ref(&found, &caller_id)?;
        require_role_admin(caller)?;
        let invitation = found
            .invitations
            .get(invitation_id)
            .ok_or(Error::NotFound { what: "invitation" })?;
        if invitation.status_at(self.clock.now()) != InvitationStatus::Pending {
            return Err(Error::conflict(
                "invitation_not_pending",
                "Only a pending invitation can be revoked.",
            ));
        }

        let revoked = Invitation {
            status: InvitationStatus::Revoked,
            version: invitation.version + 1,
            ..invitation.clone()
        };
        self.store
            .revoke_invitation(&revoked)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => changed_meanwhile("invitation"),
                other => write_error(other, "revoking an invitation"),
            })?;
        tracing::info!(account_id = %account_id, invitation_id = %invitation_id, "invitation revoked");
        Ok(revoked)
    }

    /// Describes the invitation behind a token, changing nothing (R7).
    pub async fn view_invitation(&self, raw_token: &str) -> Result<InvitationView, Error> {
        let (account, invitation) = self.open_token(raw_token).await?;
        Ok(InvitationView {
            account_name: account.name,
            inviter_email: invitation.inviter_email,
            invitee_email: invitation.email,
            role: invitation.role,
            seat: invitation.seat,
            trial_days: self.policy.trial_length.num_days(),
            expires_at: invitation.expires_at,
        })
    }

    /// Accepts the invitation behind a token, once (R7).
    pub async fn accept(&self, raw_token: &str) -> Result<Accepted, Error> {
        let now = self.clock.now();
        let (account, invitation) = self.open_token(raw_token).await?;
        let seat = match invitation.seat {
            SeatKind::Paid => Seat::Paid,
            SeatKind::Trial => Seat::Trial {
                ends_at: now + self.policy.trial_length,
            },
        };
        let member = Member {
            id: MemberId::for_address(&account.id, &invitation.email),
            account_id: account.id.clone(),
            email: invitation.email.clone(),
            role: invitation.role,
            permissions: invitation.permissions,
            manages_seats: false,
            seat,
            joined_at: now,
            version: 1,
        };
        let accepted = Invitation {
            status: InvitationStatus::Accepted,
            version: invitation.version + 1,
            ..invitation.clone()
        };

        match self.store.accept_invitation(&accepted, &member).await {
            Ok(()) => {}
            // Somebody else changed the invitation first: say what it is now.
            Err(StoreError::Conflict(Conflict::Stale)) => {
                self.open_token(raw_token).await?;
                return Err(changed_meanwhile("invitation"));
            }
            Err(StoreError::Conflict(Conflict::AddressTaken { .. })) => {
                return Err(Error::Token(TokenProblem::AlreadyAccepted));
            }
            Err(other) => return Err(write_error(other, "accepting an invitation")),
        }
        tracing::info!(
            account_id = %account.id,
            invitation_id = %invitation.id,
            member_id = %member.id,
            seat = member.seat.label(now),
            "invitation accepted"
        );
        Ok(Accepted {
            account_name: account.name,
            member,
        })
    }

    /// Puts a member on a paid seat, or moves a seat to them from `from` (R9).
    pub async fn assign_seat(
        &self,
        identity: &Identity,
        account_id: &AccountId,
        member_id: &MemberId,
        from: Option<&MemberId>,
    ) -> Result<Member, Error> {
        let caller_id = MemberId::for_address(account_id, &identity.email);
        let mut keys = Lookup::account(account_id)
            .member(&caller_id)
            .member(member_id);
        if let Some(from) = from {
            keys = keys.member(from);
        }
        let found = self.lookup(keys).await?;
        let (account, caller) = self.active_caller_ref(&found, &caller_id)?;
        if !caller.may_assign_seats() {
            return Err(Error::forbidden(
                "cannot_assign_seats",
                "Only the owner, admins and members authorized to manage seats may assign seats.",
            ));
        }

        let target = found
            .members
            .get(member_id)
            .ok_or(Error::NotFound { what: "member" })?;
        if target.seat == Seat::Paid {
            return Err(Error::conflict(
                "already_paid",
                "This member already has a paid seat.",
            ));
        }
        let giver = match from {
            None => {
                if account.seats_free() == 0 {
                    return Err(seats_exhausted(account, 1));
                }
                None
            }
            Some(from_id) => Some(movable_seat(&found, caller, from_id, member_id)?),
        };

        let change = SeatAssignment {
            member: Member {
                seat: Seat::Paid,
                version: target.version + 1,
                ..target.clone()
            },
            from: giver.map(|m| Member {
                seat: Seat::Seatless,
                version: m.version + 1,
                ..m.clone()
            }),
        };
        match self.store.assign_seat(&change).await {
            Ok(()) => {}
            Err(StoreError::Conflict(Conflict::SeatsExhausted)) => {
                let account = self.reread_account(account_id).await?;
                return Err(seats_exhausted(&account, 1));
            }
            Err(StoreError::Conflict(_)) => return Err(changed_meanwhile("member")),
            Err(other) => return Err(write_error(other, "assigning a seat")),
        }
        tracing::info!(
            account_id = %account_id,
            member_id = %member_id,
            from_member_id = from.map(|f| f.as_str()),
            caller_id = %caller_id,
            "seat assigned"
        );
        Ok(change.member)
    }

    /// Lets a member assign seats, or stops them (owners and admins only).
    pub async fn set_seat_manager(
        &self,
        identity: &Identity,
        account_id: &AccountId,
        member_id: &MemberId,
        manages_seats: bool,
    ) -> Result<Member, Error> {
        let caller_id = MemberId::for_address(account_id, &identity.email);
        let found = self
            .lookup(
                Lookup::account(account_id)
                    .member(&caller_id)
                    .member(member_id),
            )
            .await?;
        let (_, caller) = self.active_caller_ref(&found, &caller_id)?;
        require_role_admin(caller)?;
        let target = found
            .members
            .get(member_id)
            .ok_or(Error::NotFound { what: "member" })?;

        let updated = Member {
            manages_seats,
            version: target.version + 1,
            ..target.clone()
        };
        self.store
            .update_member(&updated)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => changed_meanwhile("member"),
                other => write_error(other, "updating a member"),
            })?;
        tracing::info!(account_id = %account_id, member_id = %member_id, manages_seats, "seat management changed");
        Ok(updated)
    }

    /// Turns the "only owners and admins may invite" policy on or off (R1).
    pub async fn set_invite_policy(
        &self,
        identity: &Identity,
        account_id: &AccountId,
        restricted_to_admins: bool,
    ) -> Result<Account, Error> {
        self.require_admin(identity, account_id).await?;
        let account = self
            .store
            .set_invite_policy(account_id, restricted_to_admins)
            .await
            .map_err(|e| write_error(e, "setting the invite policy"))?;
        tracing::info!(account_id = %account_id, restricted_to_admins, "invite policy changed");
        Ok(account)
    }

    /// Adds bought seats; the owner only (R10).
    pub async fn buy_seats(
        &self,
        identity: &Identity,
        account_id: &AccountId,
        add: u32,
    ) -> Result<Account, Error> {
        let caller_id = MemberId::for_address(account_id, &identity.email);
        let found = self
            .lookup(Lookup::account(account_id).member(&caller_id))
            .await?;
        let (account, caller) = self.active_caller_ref(&found, &caller_id)?;
        if caller.role != Role::Owner {
            return Err(Error::forbidden(
                "not_owner",
                "Only the account owner may buy seats.",
            ));
        }
        if account.seats_bought.saturating_add(add) > MAX_SEATS {
            return Err(Error::invalid(
                "add",
                format!("would take the account past {MAX_SEATS} seats"),
            ));
        }

        // The store re-checks the cap, so purchases at the same moment cannot pass it.
        let account = self
            .store
            .add_seats(account_id, add, MAX_SEATS)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => Error::invalid(
                    "add",
                    format!("would take the account past {MAX_SEATS} seats"),
                ),
                other => write_error(other, "adding seats"),
            })?;
        tracing::info!(account_id = %account_id, added = add, seats = account.seats_bought, "seats bought");
        Ok(account)
    }

    /// Ends the trials and invitations due at `now` (R11), page by page, until nothing
    /// is due or the budget is spent; at least one page is always handled.
    ///
    /// Each item is changed by a conditional write that only applies while it is still
    /// due, so a run that is interrupted, or two runs at once, never expire an item
    /// twice or undo a seat assigned in between.
    pub async fn run_daily(
        &self,
        now: DateTime<Utc>,
        budget: Budget,
    ) -> Result<DailySummary, Error> {
        let mut summary = DailySummary::default();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .store
                .due(now, cursor.as_deref(), DUE_PAGE)
                .await
                .map_err(|e| read_error(e, "reading due items"))?;
            summary.pages_read += 1;
            summary.items_seen += u32::try_from(page.items.len()).unwrap_or(u32::MAX);

            let mut outcomes = stream::iter(page.items)
                .map(|item| self.expire(item, now))
                .buffer_unordered(DAILY_PARALLELISM);
            while let Some(outcome) = outcomes.next().await {
                match outcome? {
                    Expired::Trial => summary.trials_expired += 1,
                    Expired::Invitation => summary.invitations_expired += 1,
                    Expired::Nothing => {}
                }
            }

            let Some(next) = page.next_cursor else { break };
            if budget.spent(summary.pages_read) {
                summary.more_remaining = true;
                break;
            }
            cursor = Some(next);
        }
        tracing::info!(
            trials_expired = summary.trials_expired,
            invitations_expired = summary.invitations_expired,
            items_seen = summary.items_seen,
            pages_read = summary.pages_read,
            more_remaining = summary.more_remaining,
            "daily run finished"
        );
        Ok(summary)
    }

    async fn expire(&self, item: DueItem, now: DateTime<Utc>) -> Result<Expired, Error> {
        match &item {
            DueItem::Trial { account, member } => {
                let changed = self
                    .store
                    .expire_trial(account, member, now)
                    .await
                    .map_err(|e| write_error(e, "expiring a trial"))?;
                if changed {
                    tracing::info!(account_id = %account, member_id = %member, "trial expired");
                }
                Ok(if changed {
                    Expired::Trial
                } else {
                    Expired::Nothing
                })
            }
            DueItem::Invitation {
                account,
                invitation,
            } => {
                let changed = self
                    .store
                    .expire_invitation(account, invitation, now)
                    .await
                    .map_err(|e| write_error(e, "expiring an invitation"))?;
                if changed {
                    tracing::info!(account_id = %account, invitation_id = %invitation, "invitation expired");
                }
                Ok(if changed {
                    Expired::Invitation
                } else {
                    Expired::Nothing
                })
            }
        }
    }

    async fn lookup(&self, keys: Lookup) -> Result<Found, Error> {
        self.store
            .lookup(&keys)
            .await
            .map_err(|e| read_error(e, "reading the account"))
    }

    async fn reread_account(&self, account_id: &AccountId) -> Result<Account, Error> {
        let found = self.lookup(Lookup::account(account_id)).await?;
        found.account.ok_or_else(not_a_member)
    }

    fn active_caller(
        &self,
        found: Found,
        caller_id: &MemberId,
    ) -> Result<(Account, Member), Error> {
        let (account, caller) = self.active_caller_ref(&found, caller_id)?;
        Ok((account.clone(), caller.clone()))
    }

    /// The account and the caller, if the caller is an active member of it (R13). A
    /// missing account and a foreign one get the same answer, so that nobody learns
    /// which accounts exist.
    fn active_caller_ref<'f>(
        &self,
        found: &'f Found,
        caller_id: &MemberId,
    ) -> Result<(&'f Account, &'f Member), Error> {
        let account = found.account.as_ref().ok_or_else(not_a_member)?;
        let caller = found.members.get(caller_id).ok_or_else(not_a_member)?;
        if !caller.seat.is_active(self.clock.now()) {
            return Err(Error::forbidden(
                "membership_inactive",
                "Your trial has ended or your seat was moved; ask an admin for a seat.",
            ));
        }
        Ok((account, caller))
    }

    async fn require_admin(
        &self,
        identity: &Identity,
        account_id: &AccountId,
    ) -> Result<(), Error> {
        let caller_id = MemberId::for_address(account_id, &identity.email);
        let found = self
            .lookup(Lookup::account(account_id).member(&caller_id))
            .await?;
        let (_, caller) = self.active_caller_ref(&found, &caller_id)?;
        require_role_admin(caller)
    }

    async fn open_token(&self, raw_token: &str) -> Result<(Account, Invitation), Error> {
        let now = self.clock.now();
        let token =
            InvitationToken::parse(raw_token).map_err(|_| Error::Token(TokenProblem::Unknown))?;
        let found = self
            .lookup(Lookup::account(token.account()).invitation(token.invitation()))
            .await?;

        let invitation = found
            .invitations
            .get(token.invitation())
            .filter(|invitation| invitation.token_hash.matches(&token.hash()))
            .ok_or(Error::Token(TokenProblem::Unknown))?;
        let account = found
            .account
            .as_ref()
            .ok_or(Error::Token(TokenProblem::Unknown))?;
        match invitation.status_at(now) {
            InvitationStatus::Pending => Ok((account.clone(), invitation.clone())),
            InvitationStatus::Accepted => Err(Error::Token(TokenProblem::AlreadyAccepted)),
            InvitationStatus::Revoked => Err(Error::Token(TokenProblem::Revoked)),
            InvitationStatus::Expired => Err(Error::Token(TokenProblem::Expired)),
        }
    }

    fn draft_invitation(
        &self,
        account: &Account,
        caller: &Member,
        request: &InviteRequest,
        email: &EmailAddress,
        now: DateTime<Utc>,
    ) -> (Invitation, InvitationToken) {
        let id = InvitationId::generate(self.entropy.as_ref());
        let token = InvitationToken::issue(&account.id, &id, self.entropy.as_ref());
        let invitation = Invitation {
            account_id: account.id.clone(),
            email: email.clone(),
            role: request.role,
            permissions: request.permissions,
            seat: request.seat,
            status: InvitationStatus::Pending,
            invited_by: caller.id.clone(),
            inviter_email: caller.email.clone(),
            sent_at: now,
            expires_at: now + self.policy.invitation_ttl,
            token_hash: token.hash(),
            resends_today: 0,
            resend_day: now.date_naive(),
            delivery: Delivery::Sent,
            version: 1,
            id,
        };
        (invitation, token)
    }

    fn quota(&self, now: DateTime<Utc>, uses: u32) -> DailyQuota {
        DailyQuota {
            day: now.date_naive(),
            limit: self.policy.daily_invite_limit,
            uses,
        }
    }

    fn daily_limit_reached(&self, now: DateTime<Utc>, used: u32, needed: u32) -> Error {
        let left = self.policy.daily_invite_limit.saturating_sub(used);
        Error::TooManyRequests {
            code: "daily_invite_limit",
            detail: format!(
                "This account may send {} invitation emails a day; {left} are left today and \
                 this needs {needed}. The limit resets at midnight UTC.",
                self.policy.daily_invite_limit
            ),
            retry_after_secs: seconds_until_midnight(now),
        }
    }

    fn check_resend_limits(
        &self,
        invitation: &Invitation,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let next_allowed = invitation.sent_at + self.policy.resend_cooldown;
        if now < next_allowed {
            return Err(Error::TooManyRequests {
                code: "resend_cooldown",
                detail: "This invitation was sent moments ago; wait before sending it again."
                    .into(),
                retry_after_secs: whole_seconds(next_allowed - now),
            });
        }
        let today = now.date_naive();
        if invitation.resend_day == today
            && invitation.resends_today >= self.policy.resend_daily_cap
        {
            return Err(Error::TooManyRequests {
                code: "resend_daily_cap",
                detail: format!(
                    "This invitation was resent {} times today, the most allowed; try again \
                     tomorrow (UTC).",
                    self.policy.resend_daily_cap
                ),
                retry_after_secs: seconds_until_midnight(now),
            });
        }
        Ok(())
    }

    /// Sends each invitation's email at once and records the ones that failed, so that a
    /// resend can deliver them later. Returns whether each went out.
    async fn send_all(
        &self,
        account: &Account,
        written: &[(Invitation, InvitationToken)],
    ) -> Vec<(InvitationId, bool)> {
        let sends: FuturesUnordered<_> = written
            .iter()
            .map(|(invitation, token)| self.send_one(account, invitation, token))
            .collect();
        sends.collect().await
    }

    async fn send_one(
        &self,
        account: &Account,
        invitation: &Invitation,
        token: &InvitationToken,
    ) -> (InvitationId, bool) {
        let outcome = match invitation_message(
            account,
            invitation,
            token,
            &self.links,
            self.policy.trial_length.num_days(),
        ) {
            Ok(message) => self.mailer.send(&message).await,
            Err(error) => Err(error.into()),
        };
        let Err(error) = outcome else {
            return (invitation.id.clone(), true);
        };

        tracing::error!(
            account_id = %account.id,
            invitation_id = %invitation.id,
            error = %error_chain(error.as_ref()),
            "invitation email not sent"
        );
        if let Err(record) = self
            .store
            .record_delivery(invitation, Delivery::Failed)
            .await
        {
            tracing::error!(
                invitation_id = %invitation.id,
                error = %error_chain(&record),
                "could not record a failed delivery"
            );
        }
        (invitation.id.clone(), false)
    }
}

enum Expired {
    Trial,
    Invitation,
    Nothing,
}

/// R1 and R3: who may invite whom, onto what.
fn authorize_invite(
    account: &Account,
    caller: &Member,
    request: &InviteRequest,
) -> Result<(), Error> {
    if account.invites_restricted_to_admins && !caller.role.manages_account() {
        return Err(Error::forbidden(
            "invites_restricted",
            "In this account only the owner and admins may invite people.",
        ));
    }
    if request.role == Role::Owner {
        return Err(Error::forbidden(
            "role_not_allowed",
            "Nobody can be invited as owner.",
        ));
    }
    if !caller.role.manages_account() {
        if request.role != Role::User {
            return Err(Error::forbidden(
                "role_not_allowed",
                "Regular users can only invite regular users.",
            ));
        }
        if request.seat != SeatKind::Trial {
            return Err(Error::forbidden(
                "seat_not_allowed",
                "Regular users can only invite people on a trial; an admin can give them a seat.",
            ));
        }
    }
    Ok(())
}

fn classify(found: &Found, account_id: &AccountId, email: &EmailAddress) -> InviteResult {
    let (status, invitation_id) = if found
        .members
        .contains_key(&MemberId::for_address(account_id, email))
    {
        (InviteStatus::AlreadyMember, None)
    } else if let Some(pending) = found.pending.get(email) {
        (InviteStatus::AlreadyInvited, Some(pending.clone()))
    } else {
        (InviteStatus::Invited, None)
    };
    InviteResult {
        email: email.clone(),
        status,
        invitation_id,
        email_sent: None,
    }
}

/// The member a seat may be moved from: on a paid seat, not the owner, not the target,
/// and an admin only when the caller runs the account too, so that a member authorized
/// to manage seats cannot lock an admin out.
fn movable_seat<'f>(
    found: &'f Found,
    caller: &Member,
    from_id: &MemberId,
    target_id: &MemberId,
) -> Result<&'f Member, Error> {
    if from_id == target_id {
        return Err(Error::invalid(
            "from_member_id",
            "must be another member than the one receiving the seat",
        ));
    }
    let giver = found
        .members
        .get(from_id)
        .ok_or(Error::NotFound { what: "member" })?;
    if giver.role == Role::Owner {
        return Err(Error::conflict(
            "owner_keeps_seat",
            "The owner's seat cannot be moved.",
        ));
    }
    if giver.role == Role::Admin && !caller.role.manages_account() {
        return Err(Error::forbidden(
            "cannot_move_admin_seat",
            "Only the owner and admins may move an admin's seat.",
        ));
    }
    if giver.seat != Seat::Paid {
        return Err(Error::conflict(
            "from_member_not_paid",
            "The member to move the seat from has no paid seat.",
        ));
    }
    Ok(giver)
}

fn require_role_admin(caller: &Member) -> Result<(), Error> {
    if caller.role.manages_account() {
        Ok(())
    } else {
        Err(Error::forbidden(
            "not_admin",
            "Only the owner and admins may do this.",
        ))
    }
}

fn not_a_member() -> Error {
    Error::forbidden("not_a_member", "You are not a member of this account.")
}

fn seats_exhausted(account: &Account, needed: u32) -> Error {
    Error::SeatsExhausted {
        bought: account.seats_bought,
        used: account.seats_used,
        reserved: account.seats_reserved,
        needed,
    }
}

fn address_taken(member: bool) -> Error {
    if member {
        Error::conflict(
            "already_member",
            "This address already belongs to a member of the account.",
        )
    } else {
        Error::conflict(
            "already_invited",
            "This address already has a pending invitation.",
        )
    }
}

fn changed_meanwhile(what: &str) -> Error {
    Error::conflict(
        "changed_meanwhile",
        format!("The {what} changed while this request ran; reload and try again."),
    )
}

fn read_error(error: StoreError, context: &'static str) -> Error {
    match error {
        StoreError::BadCursor => Error::invalid("cursor", "is not a cursor this listing gave out"),
        other => Error::internal(context, other),
    }
}

fn write_error(error: StoreError, context: &'static str) -> Error {
    match error {
        StoreError::Conflict(Conflict::Stale) => changed_meanwhile("item"),
        other => Error::internal(context, other),
    }
}

fn seconds_until_midnight(now: DateTime<Utc>) -> u64 {
    let tomorrow = (now.date_naive() + Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc();
    whole_seconds(tomorrow - now)
}

/// Rounds up, so that a client waiting this long is never early.
fn whole_seconds(duration: Duration) -> u64 {
    let millis = duration.num_milliseconds().max(0);
    u64::try_from((millis + 999) / 1000).unwrap_or(0).max(1)
}

/// An error and its causes on one line, for the log.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
