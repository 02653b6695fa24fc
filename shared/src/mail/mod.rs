//! The invitation email, and the transports that carry it.
//!
//! Both parts come from templates: the HTML part through an auto-escaping engine, so an
//! account or inviter name holding markup shows as text; the text part is plain.

pub mod outbox;
pub mod ses;

use std::sync::Arc;

use async_trait::async_trait;

use askama::Template;
use chrono::{DateTime, Utc};

use crate::config::Links;
use crate::error::BoxError;
use crate::error::Error;
use crate::model::{Account, Invitation, Role, SeatKind};
use crate::ports::{Mailer, Message};
use crate::token::InvitationToken;

/// What both parts of the email say.
struct Facts<'a> {
    account_name: &'a str,
    inviter: &'a str,
    role: &'static str,
    start: String,
    expires: String,
    accept_url: &'a str,
}

#[derive(Template)]
#[template(path = "invitation.txt")]
struct TextPart<'a> {
    facts: &'a Facts<'a>,
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct HtmlPart<'a> {
    facts: &'a Facts<'a>,
}

/// How a role reads in a sentence.
pub fn role_phrase(role: Role) -> &'static str {
    match role {
        Role::Owner => "the owner",
        Role::Admin => "an admin",
        Role::User => "a member",
    }
}

/// How a start reads in a sentence, given the trial length in days.
pub fn start_phrase(seat: SeatKind, trial_days: i64) -> String {
    match seat {
        SeatKind::Trial => format!("a free trial of {trial_days} days"),
        SeatKind::Paid => "a paid seat".to_owned(),
    }
}

/// A time as people read it in an email: UTC, to the minute.
pub fn human_time(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// Builds the email for an invitation and the token it carries.
pub fn invitation_message(
    account: &Account,
    invitation: &Invitation,
    token: &InvitationToken,
    links: &Links,
    trial_days: i64,
) -> Result<Message, Error> {
    let accept_url = links.accept_url(&token.expose());
    let facts = Facts {
        account_name: &account.name,
        inviter: invitation.inviter_email.as_str(),
        role: role_phrase(invitation.role),
        start: start_phrase(invitation.seat, trial_days),
        expires: human_time(invitation.expires_at),
        accept_url: &accept_url,
    };

    let text = TextPart { facts: &facts }
        .render()
        .map_err(|e| Error::internal("rendering the text part of an invitation", e))?;
    let html = HtmlPart { facts: &facts }
        .render()
        .map_err(|e| Error::internal("rendering the HTML part of an invitation", e))?;

    Ok(Message {
        to: invitation.email.clone(),
        subject: format!("{} invited you to join {}", facts.inviter, account.name),
        text,
        html,
        invitation: invitation.id.clone(),
        accept_url,
    })
}

/// Sends through one transport and, once that succeeded, keeps a copy through another.
/// The local runner uses it so that mail sent through an SES server also lands in the
/// outbox, where the walk-through reads it.
pub struct Tee {
    send: Arc<dyn Mailer>,
    copy: Arc<dyn Mailer>,
}

impl Tee {
    /// Sends through `send`, then copies through `copy`.
    pub fn new(send: Arc<dyn Mailer>, copy: Arc<dyn Mailer>) -> Self {
        Self { send, copy }
    }
}

#[async_trait]
impl Mailer for Tee {
    async fn send(&self, message: &Message) -> Result<(), BoxError> {
        self.send.send(message).await?;
        if let Err(error) = self.copy.send(message).await {
            tracing::warn!(invitation_id = %message.invitation, %error, "could not keep a copy of an email");
        }
        Ok(())
    }
}
