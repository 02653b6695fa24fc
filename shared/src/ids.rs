//! Identifiers of accounts, members and invitations.
//!
//! Each is a prefix and 32 lower-case hex digits (128 bits). Account and invitation ids
//! are random. A member's id is derived from the account and the member's address, so
//! that the member item for a caller can be read directly from the verified email claim,
//! and so that its key alone guarantees one member per address in an account.

use std::fmt;

use data_encoding::HEXLOWER;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::email::EmailAddress;
use crate::entropy::Entropy;

/// Why a string is not an identifier of the expected kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("is not a valid {kind} id")]
pub struct IdError {
    kind: &'static str,
}

fn random_hex(entropy: &dyn Entropy) -> String {
    let mut bytes = [0u8; 16];
    entropy.fill(&mut bytes);
    HEXLOWER.encode(&bytes)
}

fn parse_prefixed(raw: &str, prefix: &str, kind: &'static str) -> Result<String, IdError> {
    let hex = raw.strip_prefix(prefix).ok_or(IdError { kind })?;
    let well_formed =
        hex.len() == 32 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if well_formed {
        Ok(raw.to_owned())
    } else {
        Err(IdError { kind })
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses an id received from outside.
            pub fn parse(raw: &str) -> Result<Self, IdError> {
                parse_prefixed(raw, $prefix, $kind).map(Self)
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// One customer account.
    AccountId, "acc_", "account"
);
id_type!(
    /// One member of an account.
    MemberId, "mem_", "member"
);
id_type!(
    /// One invitation.
    InvitationId, "inv_", "invitation"
);

impl AccountId {
    /// A fresh random id.
    pub fn generate(entropy: &dyn Entropy) -> Self {
        Self(format!("acc_{}", random_hex(entropy)))
    }
}

impl InvitationId {
    /// A fresh random id.
    pub fn generate(entropy: &dyn Entropy) -> Self {
        Self(format!("inv_{}", random_hex(entropy)))
    }
}

impl MemberId {
    /// The id of whoever holds `email` in `account`, member or not yet.
    pub fn for_address(account: &AccountId, email: &EmailAddress) -> Self {
        let digest = Sha256::new()
            .chain_update(b"teamseats member\0")
            .chain_update(account.as_str())
            .chain_update(b"\0")
            .chain_update(email.as_str())
            .finalize();
        Self(format!("mem_{}", HEXLOWER.encode(&digest[..16])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::OsEntropy;

    #[test]
    fn generated_ids_parse_back() {
        let account = AccountId::generate(&OsEntropy);
        assert_eq!(AccountId::parse(account.as_str()), Ok(account.clone()));
        let invitation = InvitationId::generate(&OsEntropy);
        assert_eq!(InvitationId::parse(invitation.as_str()), Ok(invitation));
    }

    #[test]
    fn ids_of_the_wrong_kind_or_shape_are_refused() {
        let account = AccountId::generate(&OsEntropy);
        assert!(MemberId::parse(account.as_str()).is_err());
        for raw in [
            "",
            "acc_",
            "acc_123",
            "acc_ABCDEF0123456789ABCDEF0123456789",
            "acc_../../etc",
        ] {
            assert!(AccountId::parse(raw).is_err(), "input {raw:?}");
        }
    }

    #[test]
    fn a_member_id_depends_on_both_account_and_address() {
        let a = AccountId::generate(&OsEntropy);
        let b = AccountId::generate(&OsEntropy);
        let ada = EmailAddress::parse("ada@example.com").unwrap();
        let bob = EmailAddress::parse("bob@example.com").unwrap();
        let same = EmailAddress::parse("ADA@example.com").unwrap();
        assert_eq!(
            MemberId::for_address(&a, &ada),
            MemberId::for_address(&a, &same)
        );
        assert_ne!(
            MemberId::for_address(&a, &ada),
            MemberId::for_address(&b, &ada)
        );
        assert_ne!(
            MemberId::for_address(&a, &ada),
            MemberId::for_address(&a, &bob)
        );
        assert!(MemberId::parse(MemberId::for_address(&a, &ada).as_str()).is_ok());
    }
}
