//! Configuration, read from the environment once at start-up.
//!
//! The same variables apply locally and in Lambda. Every one has a default suited to a
//! laptop; a variable that is set but malformed stops start-up with a message naming it.

use std::env;
use std::path::PathBuf;

use chrono::Duration;

/// How long things last and how much may be sent; the knobs of the rules.
#[derive(Debug, Clone)]
pub struct Policy {
    /// How long an invitation link works (R6).
    pub invitation_ttl: Duration,
    /// How long a trial lasts (R7).
    pub trial_length: Duration,
    /// Invitation emails an account may send per UTC day (R14).
    pub daily_invite_limit: u32,
    /// Least time between two sends of one invitation (R8).
    pub resend_cooldown: Duration,
    /// Resends of one invitation per UTC day (R8).
    pub resend_daily_cap: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            invitation_ttl: Duration::days(7),
            trial_length: Duration::days(7),
            daily_invite_limit: 200,
            resend_cooldown: Duration::minutes(5),
            resend_daily_cap: 5,
        }
    }
}

/// Where links in emails and pages point.
#[derive(Debug, Clone)]
pub struct Links {
    /// The public base URL of the API, where the accept link points.
    pub public_base_url: String,
    /// Where an invitee goes after accepting.
    pub app_url: String,
}

impl Links {
    /// The accept link for a token.
    pub fn accept_url(&self, token: &str) -> String {
        format!(
            "{}/invitations/accept?token={token}",
            self.public_base_url.trim_end_matches('/')
        )
    }
}

/// Which mail transport to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailTransport {
    /// `.eml` files in `DATA_DIR/outbox`.
    Outbox,
    /// Amazon SES v2.
    Ses,
}

/// Everything read from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// The rules' knobs.
    pub policy: Policy,
    /// Link targets.
    pub links: Links,
    /// The address invitation emails come from.
    pub sender_address: String,
    /// The DynamoDB table; when unset the embedded store is used.
    pub table_name: Option<String>,
    /// Where the embedded store and the outbox live.
    pub data_dir: PathBuf,
    /// How mail is sent.
    pub mail_transport: MailTransport,
    /// The SES configuration set to send through, if any.
    pub ses_configuration_set: Option<String>,
}

/// A variable that is set but cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}: {reason}")]
pub struct ConfigError {
    name: &'static str,
    reason: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| env::var(name).ok())
    }

    /// Reads configuration through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| get(name).filter(|value| !value.trim().is_empty());
        let defaults = Policy::default();

        let days = |name: &'static str, default: Duration| -> Result<Duration, ConfigError> {
            number(name, get(name), 1, 365).map(|n| n.map_or(default, |d| Duration::days(d.into())))
        };
        let policy = Policy {
            invitation_ttl: days("INVITATION_TTL_DAYS", defaults.invitation_ttl)?,
            trial_length: days("TRIAL_DAYS", defaults.trial_length)?,
            daily_invite_limit: number(
                "DAILY_INVITE_LIMIT",
                get("DAILY_INVITE_LIMIT"),
                1,
                1_000_000,
            )?
            .unwrap_or(defaults.daily_invite_limit),
            resend_cooldown: number(
                "RESEND_COOLDOWN_SECONDS",
                get("RESEND_COOLDOWN_SECONDS"),
                0,
                86_400,
            )?
            .map_or(defaults.resend_cooldown, |s| Duration::seconds(s.into())),
            resend_daily_cap: number("RESEND_DAILY_CAP", get("RESEND_DAILY_CAP"), 1, 1_000)?
                .unwrap_or(defaults.resend_daily_cap),
        };

        let port = get("PORT").unwrap_or_else(|| "3000".into());
        let public_base_url = url("PUBLIC_BASE_URL", get("PUBLIC_BASE_URL"))?
            .unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
        let app_url =
            url("APP_URL", get("APP_URL"))?.unwrap_or_else(|| "http://127.0.0.1:8080".into());

        let mail_transport = match get("MAIL_TRANSPORT").as_deref() {
            None | Some("outbox") => MailTransport::Outbox,
            Some("ses") => MailTransport::Ses,
            Some(other) => {
                return Err(ConfigError {
                    name: "MAIL_TRANSPORT",
                    reason: format!("{other:?} is not one of \"outbox\" or \"ses\""),
                });
            }
        };

        Ok(Self {
            policy,
            links: Links {
                public_base_url,
                app_url,
            },
            sender_address: get("SENDER_ADDRESS").unwrap_or_else(|| "teamseats@example.com".into()),
            table_name: get("TABLE_NAME"),
            data_dir: get("DATA_DIR").map_or_else(|| PathBuf::from(".teamseats"), PathBuf::from),
            mail_transport,
            ses_configuration_set: get("SES_CONFIGURATION_SET"),
        })
    }
}

fn number(
    name: &'static str,
    raw: Option<String>,
    min: u32,
    max: u32,
) -> Result<Option<u32>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    match raw.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(ConfigError {
            name,
            reason: format!("expected a whole number from {min} to {max}"),
        }),
    }
}

fn url(name: &'static str, raw: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.starts_with("https://") || raw.starts_with("http://") {
        Ok(Some(raw.trim_end_matches('/').to_owned()))
    } else {
        Err(ConfigError {
            name,
            reason: "expected an http:// or https:// URL".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn an_empty_environment_gives_local_defaults() {
        let config = config(&[]).unwrap();
        assert_eq!(config.policy.invitation_ttl, Duration::days(7));
        assert_eq!(config.policy.trial_length, Duration::days(7));
        assert_eq!(config.links.public_base_url, "http://127.0.0.1:3000");
        assert_eq!(config.mail_transport, MailTransport::Outbox);
        assert!(config.table_name.is_none());
    }

    #[test]
    fn a_malformed_variable_is_named_in_the_error() {
        for (name, value) in [
            ("TRIAL_DAYS", "seven"),
            ("INVITATION_TTL_DAYS", "0"),
            ("DAILY_INVITE_LIMIT", "-3"),
            ("PUBLIC_BASE_URL", "example.com"),
            ("MAIL_TRANSPORT", "pigeon"),
        ] {
            let error = config(&[(name, value)]).unwrap_err().to_string();
            assert!(error.contains(name), "{name}={value} gave {error}");
        }
    }
}
