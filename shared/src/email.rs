//! Email addresses as teamseats compares them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest address accepted, per RFC 5321's limit on a forward path.
pub const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

/// A syntactically valid email address, trimmed and lower-cased, so that two spellings of
/// one mailbox compare equal.
///
/// Lower-casing the local part is a deliberate simplification: mail systems in practice
/// treat it case-insensitively, and teamseats must never invite one person twice.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// Why a string is not an [`EmailAddress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing but white space.
    #[error("is empty")]
    Empty,
    /// Longer than [`MAX_LEN`].
    #[error("is longer than {MAX_LEN} characters")]
    TooLong,
    /// Not of the form `local@domain.tld`, or holds a forbidden character.
    #[error("is not a valid email address")]
    Malformed,
}

impl EmailAddress {
    /// Parses an address as a person typed it: surrounding white space is dropped and
    /// letters are lower-cased.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.len() > MAX_LEN {
            return Err(EmailError::TooLong);
        }

        let (local, domain) = trimmed.rsplit_once('@').ok_or(EmailError::Malformed)?;
        if !valid_local(local) || !valid_domain(domain) {
            return Err(EmailError::Malformed);
        }
        Ok(Self(trimmed.to_ascii_lowercase()))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The dot-atom form of RFC 5322, without quoted strings or comments.
fn valid_local(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~.";
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
}

/// At least two labels of letters, digits and inner hyphens, the last not all digits.
fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()))
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug output never shows the address, so that one cannot reach a log by accident.
impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailAddress(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        let email = EmailAddress::parse("  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace@example.com");
    }

    #[test]
    fn malformed_addresses_are_refused_with_the_reason() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let too_long = format!("{}@{}.com", "a".repeat(60), "b".repeat(200));
        let cases = [
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("plainaddress", EmailError::Malformed),
            ("@example.com", EmailError::Malformed),
            ("ada@", EmailError::Malformed),
            ("ada@example", EmailError::Malformed),
            ("ada@@example.com", EmailError::Malformed),
            ("ada lovelace@example.com", EmailError::Malformed),
            ("ada@exa mple.com", EmailError::Malformed),
            (
                "ada@example.com\r\nBcc: eve@example.com",
                EmailError::Malformed,
            ),
            (".ada@example.com", EmailError::Malformed),
            ("ada..l@example.com", EmailError::Malformed),
            ("ada@-example.com", EmailError::Malformed),
            ("ada@example.123", EmailError::Malformed),
            ("<ada@example.com>", EmailError::Malformed),
            (long_local.as_str(), EmailError::Malformed),
            (too_long.as_str(), EmailError::TooLong),
        ];
        for (raw, expected) in cases {
            assert_eq!(EmailAddress::parse(raw), Err(expected), "input {raw:?}");
        }
    }

    #[test]
    fn debug_output_hides_the_address() {
        let email = EmailAddress::parse("ada@example.com").unwrap();
        assert!(!format!("{email:?}").contains("ada"));
    }
}
