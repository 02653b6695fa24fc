//! The accept page and its outcomes, rendered through an auto-escaping template engine.
//!
//! Opening the link (GET) only shows the invitation: mail scanners open links before
//! people do, so nothing may change until the person presses the button, which POSTs.
//! Every outcome, good or bad, is its own page saying what happened and what to do.
//! A failure page names nothing of the invitation, so a guessed or stale link learns
//! nothing. Every page is self-contained: no scripts, no external assets.

use askama::Template;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use teamseats::Error;
use teamseats::error::TokenProblem;
use teamseats::mail::{human_time, role_phrase, start_phrase};
use teamseats::model::Seat;
use teamseats::service::{Accepted, InvitationView};

use crate::output::{html, log, problem};

#[derive(Template)]
#[template(path = "accept.html")]
struct AcceptPage<'a> {
    token: &'a str,
    account_name: &'a str,
    inviter: &'a str,
    invitee: &'a str,
    role: &'static str,
    start: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "outcome.html")]
struct OutcomePage<'a> {
    heading: &'a str,
    message: &'a str,
    hint: Option<&'a str>,
    next: Option<(&'a str, &'a str)>,
}

/// The words of the link that leads on to the product.
const CONTINUE: &str = "Continue to the app";

/// The page behind the link for a valid invitation.
pub fn invitation(view: &InvitationView, token: &str) -> Response<Body> {
    let start = start_phrase(view.seat, view.trial_days);
    let page = AcceptPage {
        token,
        account_name: &view.account_name,
        inviter: view.inviter_email.as_str(),
        invitee: view.invitee_email.as_str(),
        role: role_phrase(view.role),
        start,
        expires: human_time(view.expires_at),
    };
    render(StatusCode::OK, &page)
}

/// The page after a successful accept: what was joined, how, and the way on.
pub fn accepted(accepted: &Accepted, app_url: &str) -> Response<Body> {
    let (account, role) = (&accepted.account_name, role_phrase(accepted.member.role));
    let message = match accepted.member.seat {
        Seat::Trial { ends_at } => format!(
            "You joined {account} as {role}, on a free trial that runs until {}.",
            human_time(ends_at)
        ),
        _ => format!("You joined {account} as {role}, on a paid seat."),
    };
    let page = OutcomePage {
        heading: "You're in",
        message: &message,
        hint: None,
        next: Some((app_url, CONTINUE)),
    };
    render(StatusCode::OK, &page)
}

/// The page for any failure: its own heading and advice for each token problem, the
/// problem's title and detail for anything else. Only an already accepted invitation
/// leads on to the product, where its new member signs in.
pub fn failure(error: &Error, app_url: &str) -> Response<Body> {
    let problem = error.problem();
    let (heading, hint) = match error {
        Error::Token(TokenProblem::Unknown) => (
            "This link doesn't work",
            Some(
                "Use the link in the newest invitation email you received, or ask the \
                 person who invited you to send it again.",
            ),
        ),
        Error::Token(TokenProblem::Expired) => ("This invitation has expired", None),
        Error::Token(TokenProblem::Revoked) => (
            "This invitation was withdrawn",
            Some("If you still expect to join, ask the person who invited you."),
        ),
        Error::Token(TokenProblem::AlreadyAccepted) => ("Already accepted", None),
        _ => (problem.title, None),
    };
    let next =
        matches!(error, Error::Token(TokenProblem::AlreadyAccepted)).then_some((app_url, CONTINUE));
    log(error);

    let page = OutcomePage {
        heading,
        message: &problem.detail,
        hint,
        next,
    };
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    render(status, &page)
}

fn render(status: StatusCode, page: &impl Template) -> Response<Body> {
    match page.render() {
        Ok(text) => html(status, text),
        Err(e) => problem(&Error::internal("rendering a page", e)),
    }
}
