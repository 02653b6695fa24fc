//! Reading what a caller sent: bodies, queries and path ids, each into a typed value.
//!
//! Bodies are limited to [`MAX_BODY`] bytes and must be UTF-8 JSON objects of the
//! route's shape; unknown fields are refused, so that a misspelt option is never
//! silently ignored. Every refusal names the field, as a path such as `emails[3]`.

use std::fmt;

use lambda_http::{Body, Request};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, Unexpected, Visitor};
use teamseats::Error;
use teamseats::commands::{
    AccountName, InviteRequest, NewAccount, email_field, role_field, seat_field, seats_field,
};
use teamseats::ids::{AccountId, InvitationId, MemberId};
use teamseats::model::{Permissions, Role, SeatKind};
use teamseats::service::MAX_PAGE;

/// The largest body any route takes.
pub const MAX_BODY: usize = 16 * 1024;
/// The page size when a listing names none.
pub const DEFAULT_PAGE: usize = 50;

/// The raw bytes of a body, within the size limit.
pub fn body_bytes(request: &Request) -> Result<&[u8], Error> {
    let bytes: &[u8] = match request.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > MAX_BODY {
        return Err(Error::BodyTooLarge { limit: MAX_BODY });
    }
    Ok(bytes)
}

/// Reads a JSON body into `T`, naming the field at fault.
pub fn json<T: DeserializeOwned>(request: &Request) -> Result<T, Error> {
    let bytes = body_bytes(request)?;
    let text = std::str::from_utf8(bytes).map_err(|_| bad("body", "is not valid UTF-8"))?;
    if text.trim().is_empty() {
        return Err(bad("body", "is empty; a JSON object is expected"));
    }

    // Parse the syntax first, so that an error there is never blamed on a field, and so
    // that only an object can fill a struct (serde would also take an array, by position).
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map_err(|_| bad("body", "is not valid JSON"))?;
    if !text.trim_start().starts_with('{') {
        return Err(bad("body", "must be a JSON object"));
    }

    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        let within = |name: &str| {
            if path == "." {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        if let Some(missing) = named_in(&message, "missing field `") {
            return bad(&within(missing), "is required");
        }
        if let Some(repeated) = named_in(&message, "duplicate field `") {
            return bad(&within(repeated), "appears more than once");
        }
        let field = if path == "." { "body" } else { path.as_str() };
        bad(field, describe(&message))
    })
}

/// The field named by a serde message such as "missing field `x`".
fn named_in<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message.strip_prefix(prefix)?.split('`').next()
}

/// serde's message in words a client can act on, without Rust type names.
fn describe(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return format!("`{name}` is not a field this route takes");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let expected = match expected {
            "i64" | "u64" | "i32" | "u32" => "a whole number",
            "a sequence" => "a list",
            other => other,
        };
        return format!("must be {expected}, not {found}");
    }
    message.to_owned()
}

fn bad(field: &str, reason: impl Into<String>) -> Error {
    Error::BadRequest {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// A query parameter, decoded.
pub fn query_param(request: &Request, name: &str) -> Option<String> {
    let query = request.uri().query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The `limit` and `cursor` of a listing.
pub fn page(request: &Request) -> Result<(Option<String>, usize), Error> {
    let limit = match query_param(request, "limit") {
        None => DEFAULT_PAGE,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(Error::invalid(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_PAGE}"),
                ));
            }
        },
    };
    let cursor = query_param(request, "cursor").filter(|c| !c.is_empty());
    if cursor.as_ref().is_some_and(|c| c.len() > 256) {
        return Err(Error::invalid(
            "cursor",
            "is not a cursor this listing gave out",
        ));
    }
    Ok((cursor, limit))
}

/// An account id from the path.
pub fn account_id(raw: &str) -> Result<AccountId, Error> {
    AccountId::parse(raw).map_err(|e| Error::invalid("account_id", e))
}

/// A member id from the path or a body.
pub fn member_id(raw: &str, field: &str) -> Result<MemberId, Error> {
    MemberId::parse(raw).map_err(|e| Error::invalid(field, e))
}

/// An invitation id from the path.
pub fn invitation_id(raw: &str) -> Result<InvitationId, Error> {
    InvitationId::parse(raw).map_err(|e| Error::invalid("invitation_id", e))
}

/// `POST /accounts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountBody {
    name: String,
    owner_email: String,
    seats: WholeNumber,
}

impl CreateAccountBody {
    /// The domain command.
    pub fn command(self) -> Result<NewAccount, Error> {
        Ok(NewAccount {
            name: AccountName::parse(&self.name, "name")?,
            owner_email: email_field(&self.owner_email, "owner_email")?,
            seats: seats_field(self.seats.0, "seats")?,
        })
    }
}

/// `POST /accounts/{account_id}/invitations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    emails: Vec<String>,
    role: Option<String>,
    export_data: Option<bool>,
    google_sync: Option<bool>,
    seat: Option<String>,
}

impl InviteBody {
    /// The domain command, with the defaults of R2 for every option left out.
    pub fn command(self) -> Result<InviteRequest, Error> {
        let defaults = Permissions::default();
        let role = self
            .role
            .as_deref()
            .map_or(Ok(Role::User), |r| role_field(r, "role"))?;
        let seat = self
            .seat
            .as_deref()
            .map_or(Ok(SeatKind::Trial), |s| seat_field(s, "seat"))?;
        let permissions = Permissions {
            export_data: self.export_data.unwrap_or(defaults.export_data),
            google_sync: self.google_sync.unwrap_or(defaults.google_sync),
        };
        InviteRequest::new(&self.emails, role, permissions, seat)
    }
}

/// `POST /invitations/accept` from a JSON client.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// The token from the link.
    pub token: String,
}

/// `PUT /accounts/{account_id}/members/{member_id}/seat`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignSeatBody {
    /// Move the seat from this member instead of taking a free one.
    pub from_member_id: Option<String>,
}

/// `PATCH /accounts/{account_id}/members/{member_id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberPatchBody {
    /// Whether the member may assign seats.
    pub manages_seats: bool,
}

/// `PATCH /accounts/{account_id}/settings`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// Whether only owners and admins may invite.
    pub invites_restricted_to_admins: bool,
}

/// `POST /accounts/{account_id}/seats`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuySeatsBody {
    add: WholeNumber,
}

impl BuySeatsBody {
    /// The number of seats to add.
    pub fn add(&self) -> Result<u32, Error> {
        seats_field(self.add.0, "add")
    }
}

/// A count in a body. JSON Schema's `integer` takes `3.0` as the number 3, and so does
/// this; `2.5`, a string, or a number too large to read exactly is refused as the wrong
/// type, and the range is checked after.
#[derive(Debug, Clone, Copy)]
struct WholeNumber(i64);

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WholeNumberVisitor)
    }
}

struct WholeNumberVisitor;

impl Visitor<'_> for WholeNumberVisitor {
    type Value = WholeNumber;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a whole number")
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<WholeNumber, E> {
        Ok(WholeNumber(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<WholeNumber, E> {
        i64::try_from(n)
            .map(WholeNumber)
            .map_err(|_| E::invalid_value(Unexpected::Unsigned(n), &self))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<WholeNumber, E> {
        // Within ±2^53 every whole f64 converts to i64 exactly.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if n.fract() == 0.0 && n.abs() <= EXACT {
            Ok(WholeNumber(n as i64))
        } else {
            Err(E::invalid_type(Unexpected::Float(n), &self))
        }
    }
}
