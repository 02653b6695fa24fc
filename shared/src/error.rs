//! The one error type of teamseats and how each failure is shown to a caller.
//!
//! Every variant maps to exactly one HTTP status and one stable problem `code`, so the
//! HTTP layer never chooses a status itself. Infrastructure failures are
//! [`Error::Internal`]: the caller sees an opaque 500, the log gets the cause chain.

use std::error::Error as StdError;

use serde_json::{Map, Value, json};

/// Boxed cause of an infrastructure failure.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Why a token did not lead to an invitation that can be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// No invitation has this token, or it was replaced by a resend.
    Unknown,
    /// The invitation passed its validity.
    Expired,
    /// The invitation was revoked.
    Revoked,
    /// The invitation was already accepted.
    AlreadyAccepted,
}

/// Everything that can go wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: the body is not what the route takes (not JSON, wrong type, unknown field).
    #[error("{field}: {reason}")]
    BadRequest {
        /// Where the problem is, as a path into the body such as `emails[2]`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// 422: a field is well-formed but its value is not acceptable.
    #[error("{field}: {reason}")]
    InvalidField {
        /// Where the problem is.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// 413: the body is larger than any route takes.
    #[error("the body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 405: the path exists but does not take this method.
    #[error("this path takes {allowed}")]
    MethodNotAllowed {
        /// The methods it takes, as for an `Allow` header.
        allowed: &'static str,
    },
    /// 401: no verified identity came with the request.
    #[error("no verified identity")]
    Unauthenticated,
    /// 403: the caller may not do this. `code` says which rule refused it.
    #[error("{detail}")]
    Forbidden {
        /// Stable code, such as `not_a_member`.
        code: &'static str,
        /// A sentence for people.
        detail: String,
    },
    /// 404: the named item is not in the caller's account.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, such as `invitation`.
        what: &'static str,
    },
    /// 409: not enough free seats.
    #[error("not enough free seats")]
    SeatsExhausted {
        /// Seats bought.
        bought: u32,
        /// Seats used by members.
        used: u32,
        /// Seats held for pending invitations.
        reserved: u32,
        /// Seats the request needed.
        needed: u32,
    },
    /// 409: the state changed or does not allow this. `code` says which state.
    #[error("{detail}")]
    Conflict {
        /// Stable code, such as `already_paid`.
        code: &'static str,
        /// A sentence for people.
        detail: String,
    },
    /// 429: a limit was reached; try again after `retry_after_secs`.
    #[error("{detail}")]
    TooManyRequests {
        /// Stable code, such as `resend_cooldown`.
        code: &'static str,
        /// A sentence for people.
        detail: String,
        /// Seconds until trying again can succeed.
        retry_after_secs: u64,
    },
    /// The token does not open an invitation that can be accepted.
    #[error("invitation token: {0:?}")]
    Token(TokenProblem),
    /// 500: something teamseats depends on failed.
    #[error("{context}")]
    Internal {
        /// What was being attempted.
        context: &'static str,
        /// Why it failed.
        #[source]
        source: BoxError,
    },
}

/// An RFC 9457 problem document, ready to serialize.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The HTTP status.
    pub status: u16,
    /// The stable machine-readable code.
    pub code: &'static str,
    /// A short summary that does not vary with the occurrence.
    pub title: &'static str,
    /// A sentence about this occurrence.
    pub detail: String,
    /// Extra members, such as `field` or `seats_bought`.
    pub extensions: Map<String, Value>,
    /// For 429: seconds to put in `Retry-After`.
    pub retry_after_secs: Option<u64>,
}

impl Problem {
    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert(
            "type".into(),
            json!(format!("urn:teamseats:problem:{}", self.code)),
        );
        body.insert("title".into(), json!(self.title));
        body.insert("status".into(), json!(self.status));
        body.insert("detail".into(), json!(self.detail));
        body.insert("code".into(), json!(self.code));
        body.extend(self.extensions.clone());
        Value::Object(body)
    }
}

impl Error {
    /// Wraps an infrastructure failure with what was being attempted.
    pub fn internal(context: &'static str, source: impl Into<BoxError>) -> Self {
        Error::Internal {
            context,
            source: source.into(),
        }
    }

    /// A 422 naming the field and the reason.
    pub fn invalid(field: impl Into<String>, reason: impl ToString) -> Self {
        Error::InvalidField {
            field: field.into(),
            reason: reason.to_string(),
        }
    }

    /// A 403 with its code.
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Error::Forbidden {
            code,
            detail: detail.into(),
        }
    }

    /// A 409 with its code.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Error::Conflict {
            code,
            detail: detail.into(),
        }
    }

    /// How this error is shown to a caller. Internal causes are never included.
    pub fn problem(&self) -> Problem {
        let mut extensions = Map::new();
        let mut retry_after_secs = None;
        let (status, code, title, detail) = match self {
            Error::BadRequest { field, reason } => {
                extensions.insert("field".into(), json!(field));
                (
                    400,
                    "malformed_request",
                    "Malformed request",
                    format!("{field}: {reason}"),
                )
            }
            Error::InvalidField { field, reason } => {
                extensions.insert("field".into(), json!(field));
                (
                    422,
                    "invalid_field",
                    "Invalid field",
                    format!("{field}: {reason}"),
                )
            }
            Error::BodyTooLarge { .. } => {
                (413, "body_too_large", "Body too large", self.to_string())
            }
            Error::MethodNotAllowed { allowed } => {
                extensions.insert("allow".into(), json!(allowed));
                (
                    405,
                    "method_not_allowed",
                    "Method not allowed",
                    format!("This path takes {allowed}."),
                )
            }
            Error::Unauthenticated => (
                401,
                "unauthenticated",
                "Not signed in",
                "This request needs a signed-in user with a verified email address.".into(),
            ),
            Error::Forbidden { code, detail } => (403, *code, "Not allowed", detail.clone()),
            Error::NotFound { what } => (
                404,
                "not_found",
                "Not found",
                format!("No such {what} in this account."),
            ),
            Error::SeatsExhausted {
                bought,
                used,
                reserved,
                needed,
            } => {
                extensions.insert("seats_bought".into(), json!(bought));
                extensions.insert("seats_used".into(), json!(used));
                extensions.insert("seats_reserved".into(), json!(reserved));
                extensions.insert("seats_needed".into(), json!(needed));
                let detail = format!(
                    "This needs {needed} free seat(s), but all are taken: {bought} bought, \
                     {used} in use and {reserved} held for pending invitations. \
                     The account owner can buy more seats."
                );
                (409, "seats_exhausted", "No free seats", detail)
            }
            Error::Conflict { code, detail } => (409, *code, "Conflict", detail.clone()),
            Error::TooManyRequests {
                code,
                detail,
                retry_after_secs: secs,
            } => {
                retry_after_secs = Some(*secs);
                extensions.insert("retry_after_seconds".into(), json!(secs));
                (429, *code, "Too many requests", detail.clone())
            }
            Error::Token(problem) => {
                if *problem == TokenProblem::Unknown {
                    extensions.insert("field".into(), json!("token"));
                }
                token_problem(*problem)
            }
            Error::Internal { .. } => (
                500,
                "internal",
                "Internal error",
                "Something went wrong on our side. Please try again.".into(),
            ),
        };
        Problem {
            status,
            code,
            title,
            detail,
            extensions,
            retry_after_secs,
        }
    }
}

fn token_problem(problem: TokenProblem) -> (u16, &'static str, &'static str, String) {
    match problem {
        TokenProblem::Unknown => (
            404,
            "invitation_unknown",
            "Invitation not found",
            "This invitation link is not valid. It may have been replaced by a newer email.".into(),
        ),
        TokenProblem::Expired => (
            410,
            "invitation_expired",
            "Invitation expired",
            "This invitation has expired. Ask the person who invited you to send it again.".into(),
        ),
        TokenProblem::Revoked => (
            410,
            "invitation_revoked",
            "Invitation withdrawn",
            "This invitation was withdrawn by the account's administrators.".into(),
        ),
        TokenProblem::AlreadyAccepted => (
            409,
            "invitation_already_accepted",
            "Invitation already accepted",
            "This invitation has already been accepted. Sign in to continue.".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let error = Error::internal("reading the account", "connection reset by 10.0.0.7");
        let body = error.problem().body().to_string();
        assert!(!body.contains("10.0.0.7"), "{body}");
        assert_eq!(error.problem().status, 500);
    }

    #[test]
    fn every_problem_names_its_code_beside_title_and_status() {
        let body = Error::invalid("seats", "must be at least 1")
            .problem()
            .body();
        assert_eq!(body["code"], "invalid_field");
        assert_eq!(body["status"], 422);
        assert_eq!(body["field"], "seats");
        assert!(body["detail"].as_str().unwrap().contains("seats"));
    }
}
