//! Rendering answers: JSON views of the domain, problem documents, and HTML with the
//! headers every page carries.

use chrono::{DateTime, SecondsFormat, Utc};
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use teamseats::Error;
use teamseats::model::{
    Account, Delivery, Invitation, InvitationStatus, Member, Role, Seat, SeatKind,
};
use teamseats::service::{DailySummary, InviteResult, InviteStatus, error_chain};

/// The content security policy of every HTML answer: nothing from anywhere else, inline
/// styles only, forms post back to this origin, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A JSON answer.
pub fn json(status: StatusCode, body: &Value) -> Response<Body> {
    let mut response = Response::new(Body::Text(body.to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An RFC 9457 problem answer. Internal errors are logged with their cause chain, which
/// never reaches the caller.
pub fn problem(error: &Error) -> Response<Body> {
    let problem = error.problem();
    log(error);

    let mut response = json(StatusCode::OK, &problem.body());
    *response.status_mut() =
        StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let Some(secs) = problem.retry_after_secs {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// Logs a failed request: internal errors with their cause chain, refusals by code.
pub fn log(error: &Error) {
    let problem = error.problem();
    if problem.status >= 500 {
        tracing::error!(code = problem.code, error = %error_chain(error), "request failed");
    } else {
        tracing::info!(
            status = problem.status,
            code = problem.code,
            "request refused"
        );
    }
}

/// An HTML answer with the security headers of every page.
pub fn html(status: StatusCode, page: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(page));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A time as the API shows it: RFC 3339 in UTC, to the second.
pub fn at(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A role's name in the API.
pub fn role(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::User => "user",
    }
}

/// A seat kind's name in the API.
pub fn seat_kind(seat: SeatKind) -> &'static str {
    match seat {
        SeatKind::Trial => "trial",
        SeatKind::Paid => "paid",
    }
}

fn invitation_status(status: InvitationStatus) -> &'static str {
    match status {
        InvitationStatus::Pending => "pending",
        InvitationStatus::Accepted => "accepted",
        InvitationStatus::Revoked => "revoked",
        InvitationStatus::Expired => "expired",
    }
}

/// An account's summary.
pub fn account(account: &Account) -> Value {
    json!({
        "account_id": account.id,
        "name": account.name,
        "seats_bought": account.seats_bought,
        "seats_used": account.seats_used,
        "seats_reserved": account.seats_reserved,
        "seats_free": account.seats_free(),
        "invites_restricted_to_admins": account.invites_restricted_to_admins,
    })
}

/// A member as the settings view lists it.
pub fn member(member: &Member, now: DateTime<Utc>) -> Value {
    let (trial_ends_at, trial_days_left) = match member.seat {
        Seat::Trial { ends_at } => {
            let left = (ends_at - now).num_seconds().max(0);
            (Some(ends_at), Some((left + 86_399) / 86_400))
        }
        Seat::TrialExpired { ended_at } => (Some(ended_at), Some(0)),
        Seat::Paid | Seat::Seatless => (None, None),
    };
    json!({
        "member_id": member.id,
        "email": member.email,
        "role": role(member.role),
        "seat": member.seat.label(now),
        "trial_ends_at": trial_ends_at.map(at),
        "trial_days_left": trial_days_left,
        "export_data": member.permissions.export_data,
        "google_sync": member.permissions.google_sync,
        "manages_seats": member.manages_seats,
        "joined_at": at(member.joined_at),
    })
}

/// An invitation as the settings view lists it.
pub fn invitation(invitation: &Invitation, now: DateTime<Utc>) -> Value {
    json!({
        "invitation_id": invitation.id,
        "email": invitation.email,
        "status": invitation_status(invitation.status_at(now)),
        "role": role(invitation.role),
        "seat": seat_kind(invitation.seat),
        "export_data": invitation.permissions.export_data,
        "google_sync": invitation.permissions.google_sync,
        "invited_by": invitation.invited_by,
        "invited_by_email": invitation.inviter_email,
        "sent_at": at(invitation.sent_at),
        "expires_at": at(invitation.expires_at),
        "email_delivery": match invitation.delivery {
            Delivery::Sent => "sent",
            Delivery::Failed => "failed",
        },
    })
}

/// One address's outcome of an invite.
pub fn invite_result(result: &InviteResult) -> Value {
    let status = match result.status {
        InviteStatus::Invited => "invited",
        InviteStatus::AlreadyMember => "already_member",
        InviteStatus::AlreadyInvited => "already_invited",
    };
    let mut value = json!({
        "email": result.email,
        "status": status,
        "invitation_id": result.invitation_id,
    });
    if let Some(sent) = result.email_sent {
        value["email_sent"] = json!(sent);
    }
    value
}

/// What a daily run did as of `now`: the answer of the daily function and of the local
/// runner's `/local/daily`.
pub fn daily_summary(now: DateTime<Utc>, summary: &DailySummary) -> Value {
    json!({
        "now": at(now),
        "trials_expired": summary.trials_expired,
        "invitations_expired": summary.invitations_expired,
        "items_seen": summary.items_seen,
        "pages_read": summary.pages_read,
        "more_remaining": summary.more_remaining,
    })
}
