//! Invitation tokens: what the accept link carries, and the hash that is stored instead.
//!
//! A token reads `<account id>.<invitation id>.<secret>`. The two ids say where the
//! invitation is, so that it can be read directly; the secret is 256 random bits in
//! unpadded base64url. Only the SHA-256 of the secret is stored, so a copy of the table
//! does not let anyone accept an invitation. The ids are not secret: knowing them grants
//! nothing without the secret.

use std::fmt;

use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::entropy::Entropy;
use crate::ids::{AccountId, InvitationId};

const SECRET_BYTES: usize = 32;
const SECRET_CHARS: usize = 43;

/// The longest text that can be a token; anything longer is refused before parsing.
pub const MAX_TOKEN_LEN: usize = 36 + 1 + 36 + 1 + SECRET_CHARS;

/// A token as it appears in an accept link. Its `Debug` form hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct InvitationToken {
    account: AccountId,
    invitation: InvitationId,
    secret: String,
}

/// Why a string is not a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("is not a valid invitation token")]
pub struct TokenError;

impl InvitationToken {
    /// A new token for an invitation, with a fresh secret.
    pub fn issue(account: &AccountId, invitation: &InvitationId, entropy: &dyn Entropy) -> Self {
        let mut secret = [0u8; SECRET_BYTES];
        entropy.fill(&mut secret);
        Self {
            account: account.clone(),
            invitation: invitation.clone(),
            secret: BASE64URL_NOPAD.encode(&secret),
        }
    }

    /// Parses a token received in a link or a form.
    pub fn parse(raw: &str) -> Result<Self, TokenError> {
        if raw.len() > MAX_TOKEN_LEN {
            return Err(TokenError);
        }
        let mut parts = raw.split('.');
        let (Some(account), Some(invitation), Some(secret), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError);
        };

        let decoded = BASE64URL_NOPAD
            .decode(secret.as_bytes())
            .map_err(|_| TokenError)?;
        if secret.len() != SECRET_CHARS || decoded.len() != SECRET_BYTES {
            return Err(TokenError);
        }
        Ok(Self {
            account: AccountId::parse(account).map_err(|_| TokenError)?,
            invitation: InvitationId::parse(invitation).map_err(|_| TokenError)?,
            secret: secret.to_owned(),
        })
    }

    /// The account the invitation belongs to.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The invitation this token opens.
    pub fn invitation(&self) -> &InvitationId {
        &self.invitation
    }

    /// The hash to store and compare against.
    pub fn hash(&self) -> TokenHash {
        TokenHash(HEXLOWER.encode(&Sha256::digest(self.secret.as_bytes())))
    }

    /// The full token text, for the accept link only. Never log it.
    pub fn expose(&self) -> String {
        format!("{}.{}.{}", self.account, self.invitation, self.secret)
    }
}

impl fmt::Debug for InvitationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvitationToken")
            .field("invitation", &self.invitation)
            .finish_non_exhaustive()
    }
}

/// The SHA-256 of a token's secret, as stored on the invitation.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenHash(String);

impl TokenHash {
    /// Compares in constant time, so response timing says nothing about the stored hash.
    pub fn matches(&self, other: &TokenHash) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }

    /// A hash read back from storage.
    pub fn from_stored(hex: &str) -> Self {
        Self(hex.to_owned())
    }

    /// The hash as hex text, for storage.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::OsEntropy;

    fn token() -> InvitationToken {
        let account = AccountId::generate(&OsEntropy);
        let invitation = InvitationId::generate(&OsEntropy);
        InvitationToken::issue(&account, &invitation, &OsEntropy)
    }

    #[test]
    fn an_issued_token_parses_back_to_the_same_hash() {
        let issued = token();
        let parsed = InvitationToken::parse(&issued.expose()).unwrap();
        assert!(parsed.hash().matches(&issued.hash()));
        assert_eq!(parsed.invitation(), issued.invitation());
    }

    #[test]
    fn two_tokens_for_one_invitation_differ() {
        let first = token();
        let second = InvitationToken::issue(first.account(), first.invitation(), &OsEntropy);
        assert!(!first.hash().matches(&second.hash()));
    }

    #[test]
    fn the_secret_carries_at_least_128_bits() {
        let text = token().expose();
        let secret = text.rsplit('.').next().unwrap();
        assert!(BASE64URL_NOPAD.decode(secret.as_bytes()).unwrap().len() * 8 >= 128);
    }

    #[test]
    fn tokens_of_the_wrong_shape_are_refused() {
        let good = token().expose();
        let (ids, secret) = good.rsplit_once('.').unwrap();
        let cases = [
            String::new(),
            "not-a-token".to_owned(),
            format!("{ids}.{}", &secret[1..]),
            format!("{ids}.{secret}A"),
            format!("{ids}.{}*", &secret[1..]),
            format!("{good}.extra"),
            format!("{ids}.{}", "=".repeat(43)),
            "x".repeat(10_000),
        ];
        for raw in cases {
            assert_eq!(
                InvitationToken::parse(&raw),
                Err(TokenError),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let issued = token();
        let secret = issued.expose().rsplit('.').next().unwrap().to_owned();
        assert!(!format!("{issued:?}").contains(&secret));
    }
}
