//! A mail transport through Amazon SES v2 `SendEmail`.
//!
//! Each message goes as a simple message with a text and an HTML part, from the
//! configured sender, optionally through a configuration set, tagged with the invitation
//! id so that delivery events can be traced back to it.

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::DisplayErrorContext;
use aws_sdk_sesv2::types::{
    Body, Content, Destination, EmailContent, Message as SesMessage, MessageTag,
};

use crate::error::BoxError;
use crate::ports::{Mailer, Message};

/// The tag that carries the invitation id on every email.
pub const INVITATION_TAG: &str = "invitation_id";

/// Sends through SES v2.
#[derive(Debug, Clone)]
pub struct Ses {
    client: Client,
    sender: String,
    configuration_set: Option<String>,
}

impl Ses {
    /// A transport sending as `sender`, through `configuration_set` when given.
    pub fn new(
        client: Client,
        sender: impl Into<String>,
        configuration_set: Option<String>,
    ) -> Self {
        Self {
            client,
            sender: sender.into(),
            configuration_set,
        }
    }
}

fn utf8(data: &str) -> Result<Content, BoxError> {
    Ok(Content::builder().data(data).charset("UTF-8").build()?)
}

#[async_trait]
impl Mailer for Ses {
    async fn send(&self, message: &Message) -> Result<(), BoxError> {
        let body = Body::builder()
            .text(utf8(&message.text)?)
            .html(utf8(&message.html)?)
            .build();
        let content = EmailContent::builder()
            .simple(
                SesMessage::builder()
                    .subject(utf8(&message.subject)?)
                    .body(body)
                    .build(),
            )
            .build();
        let tag = MessageTag::builder()
            .name(INVITATION_TAG)
            .value(message.invitation.as_str())
            .build()?;

        let sent = self
            .client
            .send_email()
            .from_email_address(&self.sender)
            .destination(
                Destination::builder()
                    .to_addresses(message.to.as_str())
                    .build(),
            )
            .content(content)
            .email_tags(tag)
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| format!("SendEmail: {}", DisplayErrorContext(&e)))?;

        tracing::info!(
            invitation_id = %message.invitation,
            message_id = sent.message_id().unwrap_or_default(),
            "invitation email handed to SES"
        );
        Ok(())
    }
}
