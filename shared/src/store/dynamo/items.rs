//! How accounts, members, invitations and their helper items are laid out as DynamoDB
//! items, and read back.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};

use crate::email::EmailAddress;
use crate::ids::{AccountId, InvitationId, MemberId};
use crate::model::{
    Account, Delivery, Invitation, InvitationStatus, Member, Permissions, Role, Seat, SeatKind,
};
use crate::ports::StoreError;
use crate::token::TokenHash;

/// One item's attributes.
pub type Item = HashMap<String, AttributeValue>;

/// How long finished invitations and old quota counters stay before TTL removes them.
pub const RETENTION: Duration = Duration::days(30);

/// The partition of everything that belongs to one account.
pub fn account_pk(account: &AccountId) -> String {
    format!("ACCOUNT#{account}")
}

/// The sort key of the account item itself.
pub const ACCOUNT_SK: &str = "ACCOUNT";

/// The sort key of a member.
pub fn member_sk(member: &MemberId) -> String {
    format!("MEMBER#{member}")
}

/// The sort key of an invitation.
pub fn invitation_sk(invitation: &InvitationId) -> String {
    format!("INVITATION#{invitation}")
}

/// The sort key of the claim on an address: keyed by the id a member with that address
/// would have, so no address appears in a key.
pub fn claim_sk(account: &AccountId, email: &EmailAddress) -> String {
    format!("CLAIM#{}", MemberId::for_address(account, email))
}

/// The sort key of a day's invitation email counter.
pub fn quota_sk(day: NaiveDate) -> String {
    format!("QUOTA#{day}")
}

/// A key of the table.
pub fn key(pk: String, sk: String) -> Item {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

/// A string attribute.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A time as stored: RFC 3339 in UTC with a fixed width, so that comparing the strings
/// compares the times.
pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The day partition of the due index for an instant.
pub fn due_day(at: DateTime<Utc>) -> String {
    at.date_naive().to_string()
}

fn with_due(item: &mut Item, at: DateTime<Utc>) {
    item.insert("due_day".into(), s(due_day(at)));
    item.insert("due_at".into(), s(time(at)));
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::User => "user",
    }
}

/// An invitation status as stored.
pub fn status_name(status: InvitationStatus) -> &'static str {
    match status {
        InvitationStatus::Pending => "pending",
        InvitationStatus::Accepted => "accepted",
        InvitationStatus::Revoked => "revoked",
        InvitationStatus::Expired => "expired",
    }
}

/// The account item.
pub fn account_item(account: &Account) -> Item {
    let mut item = key(account_pk(&account.id), ACCOUNT_SK.into());
    item.extend([
        ("account_id".into(), s(account.id.as_str())),
        ("name".into(), s(&account.name)),
        ("seats_bought".into(), n(account.seats_bought)),
        ("seats_used".into(), n(account.seats_used)),
        ("seats_reserved".into(), n(account.seats_reserved)),
        ("seats_free".into(), n(account.seats_free())),
        (
            "invites_restricted".into(),
            AttributeValue::Bool(account.invites_restricted_to_admins),
        ),
        ("created_at".into(), s(time(account.created_at))),
    ]);
    item
}

/// A member item; on a trial it carries the due index attributes.
pub fn member_item(member: &Member) -> Item {
    let mut item = key(account_pk(&member.account_id), member_sk(&member.id));
    item.extend([
        ("account_id".into(), s(member.account_id.as_str())),
        ("member_id".into(), s(member.id.as_str())),
        ("email".into(), s(member.email.as_str())),
        ("role".into(), s(role_name(member.role))),
        (
            "export_data".into(),
            AttributeValue::Bool(member.permissions.export_data),
        ),
        (
            "google_sync".into(),
            AttributeValue::Bool(member.permissions.google_sync),
        ),
        (
            "manages_seats".into(),
            AttributeValue::Bool(member.manages_seats),
        ),
        ("joined_at".into(), s(time(member.joined_at))),
        ("version".into(), n(member.version)),
    ]);
    match member.seat {
        Seat::Paid => {
            item.insert("seat".into(), s("paid"));
        }
        Seat::Trial { ends_at } => {
            item.insert("seat".into(), s("trial"));
            item.insert("trial_ends_at".into(), s(time(ends_at)));
            with_due(&mut item, ends_at);
        }
        Seat::TrialExpired { ended_at } => {
            item.insert("seat".into(), s("trial_expired"));
            item.insert("trial_ends_at".into(), s(time(ended_at)));
        }
        Seat::Seatless => {
            item.insert("seat".into(), s("seatless"));
        }
    }
    item
}

/// An invitation item; while pending it carries the due index attributes, and once
/// finished a TTL so that it is removed after [`RETENTION`].
pub fn invitation_item(invitation: &Invitation) -> Item {
    let mut item = key(
        account_pk(&invitation.account_id),
        invitation_sk(&invitation.id),
    );
    item.extend([
        ("account_id".into(), s(invitation.account_id.as_str())),
        ("invitation_id".into(), s(invitation.id.as_str())),
        ("email".into(), s(invitation.email.as_str())),
        ("role".into(), s(role_name(invitation.role))),
        (
            "export_data".into(),
            AttributeValue::Bool(invitation.permissions.export_data),
        ),
        (
            "google_sync".into(),
            AttributeValue::Bool(invitation.permissions.google_sync),
        ),
        (
            "seat".into(),
            s(match invitation.seat {
                SeatKind::Trial => "trial",
                SeatKind::Paid => "paid",
            }),
        ),
        ("status".into(), s(status_name(invitation.status))),
        ("invited_by".into(), s(invitation.invited_by.as_str())),
        ("inviter_email".into(), s(invitation.inviter_email.as_str())),
        ("sent_at".into(), s(time(invitation.sent_at))),
        ("expires_at".into(), s(time(invitation.expires_at))),
        ("token_hash".into(), s(invitation.token_hash.as_str())),
        ("resends_today".into(), n(invitation.resends_today)),
        ("resend_day".into(), s(invitation.resend_day.to_string())),
        (
            "delivery".into(),
            s(match invitation.delivery {
                Delivery::Sent => "sent",
                Delivery::Failed => "failed",
            }),
        ),
        ("version".into(), n(invitation.version)),
    ]);
    if invitation.status == InvitationStatus::Pending {
        with_due(&mut item, invitation.expires_at);
    } else {
        item.insert(
            "ttl".into(),
            n((invitation.expires_at + RETENTION).timestamp()),
        );
    }
    item
}

/// The claim item that holds an address for a pending invitation.
pub fn claim_item(invitation: &Invitation) -> Item {
    let mut item = key(
        account_pk(&invitation.account_id),
        claim_sk(&invitation.account_id, &invitation.email),
    );
    item.insert("invitation_id".into(), s(invitation.id.as_str()));
    item
}

/// Reads attributes of one item, naming the item and attribute when one is missing.
pub struct Reader<'i> {
    item: &'i Item,
}

impl<'i> Reader<'i> {
    /// Reads `item`.
    pub fn new(item: &'i Item) -> Self {
        Self { item }
    }

    fn corrupt(&self, attribute: &str, problem: &str) -> StoreError {
        let sk = self
            .item
            .get("sk")
            .and_then(|v| v.as_s().ok())
            .map_or("?", String::as_str);
        StoreError::Unavailable(format!("item {sk}: attribute {attribute} {problem}").into())
    }

    /// A string attribute.
    pub fn s(&self, attribute: &str) -> Result<&'i str, StoreError> {
        self.item
            .get(attribute)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
            .ok_or_else(|| self.corrupt(attribute, "is missing"))
    }

    /// A number attribute.
    pub fn n<T: std::str::FromStr>(&self, attribute: &str) -> Result<T, StoreError> {
        self.item
            .get(attribute)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| self.corrupt(attribute, "is not a number"))
    }

    /// A boolean attribute.
    pub fn b(&self, attribute: &str) -> Result<bool, StoreError> {
        self.item
            .get(attribute)
            .and_then(|v| v.as_bool().ok())
            .copied()
            .ok_or_else(|| self.corrupt(attribute, "is not a boolean"))
    }

    /// A time attribute.
    pub fn time(&self, attribute: &str) -> Result<DateTime<Utc>, StoreError> {
        DateTime::parse_from_rfc3339(self.s(attribute)?)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| self.corrupt(attribute, "is not a time"))
    }

    /// A parsed attribute.
    pub fn parse<T, E>(
        &self,
        attribute: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, StoreError> {
        parse(self.s(attribute)?).map_err(|_| self.corrupt(attribute, "is malformed"))
    }
}

fn role(raw: &str) -> Result<Role, ()> {
    match raw {
        "owner" => Ok(Role::Owner),
        "admin" => Ok(Role::Admin),
        "user" => Ok(Role::User),
        _ => Err(()),
    }
}

/// Reads an account item.
pub fn account(item: &Item) -> Result<Account, StoreError> {
    let r = Reader::new(item);
    Ok(Account {
        id: r.parse("account_id", AccountId::parse)?,
        name: r.s("name")?.to_owned(),
        seats_bought: r.n("seats_bought")?,
        seats_used: r.n("seats_used")?,
        seats_reserved: r.n("seats_reserved")?,
        invites_restricted_to_admins: r.b("invites_restricted")?,
        created_at: r.time("created_at")?,
    })
}

/// Reads a member item.
pub fn member(item: &Item) -> Result<Member, StoreError> {
    let r = Reader::new(item);
    let seat = match r.s("seat")? {
        "paid" => Seat::Paid,
        "trial" => Seat::Trial {
            ends_at: r.time("trial_ends_at")?,
        },
        "trial_expired" => Seat::TrialExpired {
            ended_at: r.time("trial_ends_at")?,
        },
        "seatless" => Seat::Seatless,
        _ => return Err(r.corrupt("seat", "is unknown")),
    };
    Ok(Member {
        id: r.parse("member_id", MemberId::parse)?,
        account_id: r.parse("account_id", AccountId::parse)?,
        email: r.parse("email", EmailAddress::parse)?,
        role: r.parse("role", role)?,
        permissions: Permissions {
            export_data: r.b("export_data")?,
            google_sync: r.b("google_sync")?,
        },
        manages_seats: r.b("manages_seats")?,
        seat,
        joined_at: r.time("joined_at")?,
        version: r.n("version")?,
    })
}

/// Reads an invitation item.
pub fn invitation(item: &Item) -> Result<Invitation, StoreError> {
    let r = Reader::new(item);
    let status = match r.s("status")? {
        "pending" => InvitationStatus::Pending,
        "accepted" => InvitationStatus::Accepted,
        "revoked" => InvitationStatus::Revoked,
        "expired" => InvitationStatus::Expired,
        _ => return Err(r.corrupt("status", "is unknown")),
    };
    Ok(Invitation {
        id: r.parse("invitation_id", InvitationId::parse)?,
        account_id: r.parse("account_id", AccountId::parse)?,
        email: r.parse("email", EmailAddress::parse)?,
        role: r.parse("role", role)?,
        permissions: Permissions {
            export_data: r.b("export_data")?,
            google_sync: r.b("google_sync")?,
        },
        seat: match r.s("seat")? {
            "paid" => SeatKind::Paid,
            _ => SeatKind::Trial,
        },
        status,
        invited_by: r.parse("invited_by", MemberId::parse)?,
        inviter_email: r.parse("inviter_email", EmailAddress::parse)?,
        sent_at: r.time("sent_at")?,
        expires_at: r.time("expires_at")?,
        token_hash: TokenHash::from_stored(r.s("token_hash")?),
        resends_today: r.n("resends_today")?,
        resend_day: r.parse("resend_day", |d: &str| d.parse::<NaiveDate>())?,
        delivery: match r.s("delivery")? {
            "failed" => Delivery::Failed,
            _ => Delivery::Sent,
        },
        version: r.n("version")?,
    })
}
