//! The accept page and its outcomes, rendered through an auto-escaping template engine.
//!
//! Opening the link (GET) only shows the invitation: mail scanners open links before
//! people do, so nothing may change until the person presses the button, which POSTs.
//! Every outcome, good or bad, is its own page saying what happened and what to do.

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
    next: Option<(&'a str, &'a str)>,
}

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

/// The page after a successful accept.
pub fn accepted(accepted: &Accepted, app_url: &str) -> Response<Body> {
    let message = match accepted.member.seat {
        Seat::Trial { ends_at } => format!(
            "You joined {} on a free trial that runs until {}.",
            accepted.account_name,
            human_time(ends_at)
        ),
        _ => format!("You joined {} on a paid seat.", accepted.account_name),
    };
    let page = OutcomePage {
        heading: "You're in",
        message: &message,
        next: Some((app_url, "Continue")),
    };
    render(StatusCode::OK, &page)
}

/// The page for any failure: its own words for each token problem, the problem's detail
/// for anything else.
pub fn failure(error: &Error) -> Response<Body> {
    let problem = error.problem();
    let heading = match error {
        Error::Token(TokenProblem::Unknown) => "This link doesn't work",
        Error::Token(TokenProblem::Expired) => "This invitation has expired",
        Error::Token(TokenProblem::Revoked) => "This invitation was withdrawn",
        Error::Token(TokenProblem::AlreadyAccepted) => "Already accepted",
        _ => problem.title,
    };
    log(error);
    let page = OutcomePage {
        heading,
        message: &problem.detail,
        next: None,
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
