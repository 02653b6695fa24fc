//! A mail transport that writes each message as an `.eml` file, for local runs and tests.
//!
//! Files are named `<unix nanos>-<invitation id>.eml`, so they sort by sending time, and
//! appear whole: each is written beside its final name and then renamed. When asked to,
//! the transport prints the accept link on standard output, so that a developer can
//! follow it without opening the file; it never goes to the log.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use chrono::Utc;
use data_encoding::BASE64;

use crate::error::BoxError;
use crate::ports::{Mailer, Message};

/// Writes messages to a folder.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
    sender: String,
    print_links: bool,
}

impl Outbox {
    /// An outbox in `dir`, created if missing, sending as `sender`.
    pub fn new(dir: impl Into<PathBuf>, sender: impl Into<String>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            sender: sender.into(),
            print_links: false,
        })
    }

    /// Also print each accept link on standard output.
    pub fn printing_links(mut self) -> Self {
        self.print_links = true;
        self
    }

    /// The folder written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, message: &Message) -> Result<(), BoxError> {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        let name = format!("{nanos:024}-{}.eml", message.invitation);
        let path = self.dir.join(&name);
        let partial = self.dir.join(format!(".{name}.partial"));

        tokio::fs::write(&partial, render(&self.sender, message)).await?;
        tokio::fs::rename(&partial, &path).await?;

        tracing::info!(invitation_id = %message.invitation, file = %name, "invitation email written to the outbox");
        if self.print_links {
            println!(
                "accept link for {}: {}",
                message.invitation, message.accept_url
            );
        }
        Ok(())
    }
}

/// The message as RFC 5322 text with a multipart/alternative body in 8-bit UTF-8.
fn render(sender: &str, message: &Message) -> String {
    let boundary = format!("teamseats-{}", message.invitation);
    let date = Utc::now().to_rfc2822();
    let subject = encode_header(&message.subject);
    format!(
        "From: {sender}\r\n\
         To: {to}\r\n\
         Subject: {subject}\r\n\
         Date: {date}\r\n\
         Message-ID: <{id}@teamseats.local>\r\n\
         X-Teamseats-Invitation: {id}\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         {text}\r\n\
         --{boundary}\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         {html}\r\n\
         --{boundary}--\r\n",
        to = message.to,
        id = message.invitation,
        text = crlf(&message.text),
        html = crlf(&message.html),
    )
}

/// RFC 2047 encoding for a header that is not plain ASCII.
fn encode_header(value: &str) -> String {
    if value.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        value.to_owned()
    } else {
        format!("=?utf-8?B?{}?=", BASE64.encode(value.as_bytes()))
    }
}

fn crlf(body: &str) -> String {
    body.lines().collect::<Vec<_>>().join("\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_with_control_characters_or_non_ascii_are_encoded() {
        assert_eq!(encode_header("Join Acme"), "Join Acme");
        assert!(encode_header("Join Acme\r\nBcc: eve@example.com").starts_with("=?utf-8?B?"));
        assert!(encode_header("Rejoins Société").starts_with("=?utf-8?B?"));
    }
}
