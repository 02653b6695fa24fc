//! Requests turned into domain commands: each constructor checks what a caller sent and
//! names the offending field when it refuses.

use std::collections::HashSet;

use crate::email::EmailAddress;
use crate::error::Error;
use crate::model::{Permissions, Role, SeatKind};

/// The most addresses one invite request may carry (R2).
pub const MAX_INVITES_PER_REQUEST: usize = 25;
/// The longest account name, in characters.
pub const MAX_ACCOUNT_NAME: usize = 100;
/// The most seats an account may hold; a bound that keeps counters far from overflow.
pub const MAX_SEATS: u32 = 100_000;

/// The verified identity of a caller, from the authorizer's claims.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The verified email address.
    pub email: EmailAddress,
}

/// An account's display name: 1 to 100 characters with no control characters, so it is
/// safe in an email subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountName(String);

impl AccountName {
    /// Checks a name; `field` names it in the error.
    pub fn parse(raw: &str, field: &str) -> Result<Self, Error> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Error::invalid(field, "must not be empty"));
        }
        if name.chars().count() > MAX_ACCOUNT_NAME {
            return Err(Error::invalid(
                field,
                format!("must be at most {MAX_ACCOUNT_NAME} characters"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::invalid(
                field,
                "must not contain control characters such as line breaks",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Parses an address, naming `field` when it is not one.
pub fn email_field(raw: &str, field: &str) -> Result<EmailAddress, Error> {
    EmailAddress::parse(raw).map_err(|reason| Error::invalid(field, reason))
}

/// Parses a role an inviter asks for.
pub fn role_field(raw: &str, field: &str) -> Result<Role, Error> {
    match raw {
        "owner" => Ok(Role::Owner),
        "admin" => Ok(Role::Admin),
        "user" => Ok(Role::User),
        _ => Err(Error::invalid(
            field,
            "must be one of \"admin\" or \"user\"",
        )),
    }
}

/// Parses a seat kind.
pub fn seat_field(raw: &str, field: &str) -> Result<SeatKind, Error> {
    match raw {
        "trial" => Ok(SeatKind::Trial),
        "paid" => Ok(SeatKind::Paid),
        _ => Err(Error::invalid(
            field,
            "must be one of \"trial\" or \"paid\"",
        )),
    }
}

/// Checks a seat count: at least 1, at most [`MAX_SEATS`].
pub fn seats_field(raw: i64, field: &str) -> Result<u32, Error> {
    match u32::try_from(raw) {
        Ok(n) if (1..=MAX_SEATS).contains(&n) => Ok(n),
        _ => Err(Error::invalid(
            field,
            format!("must be a whole number from 1 to {MAX_SEATS}"),
        )),
    }
}

/// A new account with its owner.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Display name.
    pub name: AccountName,
    /// The owner's address.
    pub owner_email: EmailAddress,
    /// Seats bought, the owner's included.
    pub seats: u32,
}

/// An invite request (R2): distinct addresses in the order given, and the options.
#[derive(Debug, Clone)]
pub struct InviteRequest {
    /// 1 to 25 distinct addresses.
    pub emails: Vec<EmailAddress>,
    /// The newcomers' role.
    pub role: Role,
    /// The newcomers' permissions.
    pub permissions: Permissions,
    /// Trial or paid seat.
    pub seat: SeatKind,
}

impl InviteRequest {
    /// Checks the addresses: 1 to 25 of them, each valid. The first invalid address is named
    /// in the error by its index. Repeats, after trimming and lower-casing, collapse into
    /// the first.
    pub fn new(
        raw_emails: &[String],
        role: Role,
        permissions: Permissions,
        seat: SeatKind,
    ) -> Result<Self, Error> {
        if raw_emails.is_empty() {
            return Err(Error::invalid("emails", "must hold at least one address"));
        }
        if raw_emails.len() > MAX_INVITES_PER_REQUEST {
            return Err(Error::invalid(
                "emails",
                format!(
                    "must hold at most {MAX_INVITES_PER_REQUEST} addresses, got {}",
                    raw_emails.len()
                ),
            ));
        }

        let mut seen = HashSet::new();
        let mut emails = Vec::new();
        for (index, raw) in raw_emails.iter().enumerate() {
            let email = email_field(raw, &format!("emails[{index}]"))?;
            if seen.insert(email.clone()) {
                emails.push(email);
            }
        }
        Ok(Self {
            emails,
            role,
            permissions,
            seat,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite(emails: &[&str]) -> Result<InviteRequest, Error> {
        let emails: Vec<String> = emails.iter().map(|e| e.to_string()).collect();
        InviteRequest::new(&emails, Role::User, Permissions::default(), SeatKind::Trial)
    }

    #[test]
    fn repeated_addresses_collapse_into_the_first() {
        let request = invite(&["Ada@Example.com", " ada@example.com", "bob@example.com"]).unwrap();
        let emails: Vec<&str> = request.emails.iter().map(EmailAddress::as_str).collect();
        assert_eq!(emails, ["ada@example.com", "bob@example.com"]);
    }

    #[test]
    fn one_to_twenty_five_addresses_are_accepted() {
        let addresses: Vec<String> = (0..26).map(|i| format!("p{i}@example.com")).collect();
        let refs: Vec<&str> = addresses.iter().map(String::as_str).collect();
        assert!(invite(&refs[..1]).is_ok());
        assert!(invite(&refs[..25]).is_ok());
        assert!(
            matches!(invite(&refs), Err(Error::InvalidField { field, .. }) if field == "emails")
        );
        assert!(matches!(invite(&[]), Err(Error::InvalidField { field, .. }) if field == "emails"));
    }

    #[test]
    fn an_invalid_address_is_named_by_its_index() {
        let error = invite(&["ada@example.com", "not an address"]).unwrap_err();
        assert!(matches!(error, Error::InvalidField { field, .. } if field == "emails[1]"));
    }

    #[test]
    fn account_names_with_line_breaks_are_refused() {
        assert!(AccountName::parse("Acme\r\nBcc: x", "name").is_err());
        assert!(AccountName::parse("  ", "name").is_err());
        assert!(AccountName::parse(&"a".repeat(101), "name").is_err());
        assert_eq!(
            AccountName::parse(" Acme ", "name").unwrap().into_inner(),
            "Acme"
        );
    }
}
