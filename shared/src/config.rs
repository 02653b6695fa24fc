//! Configuration, read from the environment once at start-up.
//!
//! The same variables apply locally and in Lambda. Locally every one has a default suited
//! to a laptop. A deployed function has no default for what only its deployment knows:
//! the table, the sender address and the two public URLs (see [`Defaults::Deployed`]).
//! Either way, start-up stops with one message naming every variable that is missing or
//! malformed.

use std::env;
use std::fmt;
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

/// Which defaults stand in for the variables left unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defaults {
    /// On a laptop or in tests: every variable has a default, the store is the embedded
    /// one and mail goes to the outbox.
    Local,
    /// A deployed function: what only the deployment can know has no default.
    /// `TABLE_NAME` (or, to try a function without AWS, `DATA_DIR`), `SENDER_ADDRESS`,
    /// `PUBLIC_BASE_URL` and `APP_URL` must be set, and mail goes through SES unless
    /// `MAIL_TRANSPORT` says otherwise.
    Deployed,
}

/// The environment cannot be used: every variable that is missing or malformed, so that
/// one failed start names them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    missing: Vec<&'static str>,
    malformed: Vec<(&'static str, String)>,
}

impl ConfigError {
    /// The variables at fault, missing ones first.
    pub fn names(&self) -> Vec<&'static str> {
        let malformed = self.malformed.iter().map(|(name, _)| *name);
        self.missing.iter().copied().chain(malformed).collect()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut clauses = Vec::new();
        match self.missing.as_slice() {
            [] => {}
            [one] => clauses.push(format!("environment variable {one} is not set")),
            [first @ .., last] => clauses.push(format!(
                "environment variables {} and {last} are not set",
                first.join(", ")
            )),
        }
        for (name, expected) in &self.malformed {
            clauses.push(format!("environment variable {name} must be {expected}"));
        }
        f.write_str(&clauses.join("; "))
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment, with local defaults.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::read(Defaults::Local, |name| env::var(name).ok())
    }

    /// Reads the process environment as a deployed function must find it.
    pub fn deployed_from_env() -> Result<Self, ConfigError> {
        Self::read(Defaults::Deployed, |name| env::var(name).ok())
    }

    /// Reads configuration through `get` with local defaults, so tests need not touch the
    /// process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::read(Defaults::Local, get)
    }

    /// Reads configuration through `get`, with `defaults` for what is unset. An empty
    /// value counts as unset.
    pub fn read(
        defaults: Defaults,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut env = Reader {
            get: |name: &str| get(name).filter(|value| !value.trim().is_empty()),
            error: ConfigError {
                missing: Vec::new(),
                malformed: Vec::new(),
            },
        };
        let deployed = defaults == Defaults::Deployed;
        let fallback = Policy::default();

        let policy = Policy {
            invitation_ttl: env
                .number("INVITATION_TTL_DAYS", 1, 365)
                .map_or(fallback.invitation_ttl, |d| Duration::days(d.into())),
            trial_length: env
                .number("TRIAL_DAYS", 1, 365)
                .map_or(fallback.trial_length, |d| Duration::days(d.into())),
            daily_invite_limit: env
                .number("DAILY_INVITE_LIMIT", 1, 1_000_000)
                .unwrap_or(fallback.daily_invite_limit),
            resend_cooldown: env
                .number("RESEND_COOLDOWN_SECONDS", 0, 86_400)
                .map_or(fallback.resend_cooldown, |s| Duration::seconds(s.into())),
            resend_daily_cap: env
                .number("RESEND_DAILY_CAP", 1, 1_000)
                .unwrap_or(fallback.resend_daily_cap),
        };

        let data_dir = env.text("DATA_DIR");
        let table_name = env.required("TABLE_NAME", deployed && data_dir.is_none());
        let sender_address = env
            .required("SENDER_ADDRESS", deployed)
            .unwrap_or_else(|| "teamseats@example.com".into());
        let port = env.text("PORT").unwrap_or_else(|| "3000".into());
        let public_base_url = env
            .url("PUBLIC_BASE_URL", deployed)
            .unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
        let app_url = env
            .url("APP_URL", deployed)
            .unwrap_or_else(|| "http://127.0.0.1:8080".into());
        let mail_transport = match env.text("MAIL_TRANSPORT").as_deref() {
            None if deployed => MailTransport::Ses,
            None | Some("outbox") => MailTransport::Outbox,
            Some("ses") => MailTransport::Ses,
            Some(other) => {
                env.malformed(
                    "MAIL_TRANSPORT",
                    format!("\"outbox\" or \"ses\", not {other:?}"),
                );
                MailTransport::Outbox
            }
        };
        let ses_configuration_set = env.text("SES_CONFIGURATION_SET");

        let error = env.error;
        if !error.missing.is_empty() || !error.malformed.is_empty() {
            return Err(error);
        }
        Ok(Self {
            policy,
            links: Links {
                public_base_url,
                app_url,
            },
            sender_address,
            table_name,
            data_dir: data_dir.map_or_else(|| PathBuf::from(".teamseats"), PathBuf::from),
            mail_transport,
            ses_configuration_set,
        })
    }
}

/// Reads variables one by one, noting every problem instead of stopping at the first.
struct Reader<G> {
    get: G,
    error: ConfigError,
}

impl<G: Fn(&str) -> Option<String>> Reader<G> {
    /// A variable's value, if set.
    fn text(&self, name: &str) -> Option<String> {
        (self.get)(name)
    }

    /// A variable's value; when `needed` and unset, it is noted as missing.
    fn required(&mut self, name: &'static str, needed: bool) -> Option<String> {
        let value = self.text(name);
        if value.is_none() && needed {
            self.error.missing.push(name);
        }
        value
    }

    fn malformed(&mut self, name: &'static str, expected: String) {
        self.error.malformed.push((name, expected));
    }

    /// A whole number from `min` to `max`, if set and valid.
    fn number(&mut self, name: &'static str, min: u32, max: u32) -> Option<u32> {
        let raw = self.text(name)?;
        match raw.trim().parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.malformed(name, format!("a whole number from {min} to {max}"));
                None
            }
        }
    }

    /// An `http://` or `https://` URL without its trailing slash, if set and valid.
    fn url(&mut self, name: &'static str, needed: bool) -> Option<String> {
        let raw = self.required(name, needed)?;
        if raw.starts_with("https://") || raw.starts_with("http://") {
            Some(raw.trim_end_matches('/').to_owned())
        } else {
            self.malformed(name, "an http:// or https:// URL".into());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        read(Defaults::Local, vars)
    }

    fn deployed(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        read(Defaults::Deployed, vars)
    }

    fn read(defaults: Defaults, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::read(defaults, |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    const DEPLOYED: [(&str, &str); 4] = [
        ("TABLE_NAME", "teamseats-Table-1X2Y3Z"),
        ("SENDER_ADDRESS", "invites@example.com"),
        ("PUBLIC_BASE_URL", "https://join.example.com/"),
        ("APP_URL", "https://app.example.com"),
    ];

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

    #[test]
    fn several_malformed_variables_are_all_named_in_one_error() {
        let error = config(&[("TRIAL_DAYS", "seven"), ("APP_URL", "app.example.com")]).unwrap_err();

        assert_eq!(error.names(), ["TRIAL_DAYS", "APP_URL"]);
        assert_eq!(
            error.to_string(),
            "environment variable TRIAL_DAYS must be a whole number from 1 to 365; \
             environment variable APP_URL must be an http:// or https:// URL"
        );
    }

    #[test]
    fn a_deployed_function_names_every_variable_it_lacks() {
        let error = deployed(&[("TRIAL_DAYS", "0")]).unwrap_err();

        assert_eq!(
            error.names(),
            [
                "TABLE_NAME",
                "SENDER_ADDRESS",
                "PUBLIC_BASE_URL",
                "APP_URL",
                "TRIAL_DAYS"
            ]
        );
        assert_eq!(
            error.to_string(),
            "environment variables TABLE_NAME, SENDER_ADDRESS, PUBLIC_BASE_URL and APP_URL \
             are not set; environment variable TRIAL_DAYS must be a whole number from 1 to 365"
        );
    }

    #[test]
    fn a_deployed_function_with_its_variables_uses_dynamodb_and_ses() {
        let config = deployed(&DEPLOYED).unwrap();

        assert_eq!(config.table_name.as_deref(), Some("teamseats-Table-1X2Y3Z"));
        assert_eq!(config.mail_transport, MailTransport::Ses);
        assert_eq!(config.sender_address, "invites@example.com");
        assert_eq!(config.links.public_base_url, "https://join.example.com");
        assert_eq!(config.policy.trial_length, Duration::days(7));
    }

    #[test]
    fn a_deployed_function_may_use_the_embedded_store_and_outbox_when_told_to() {
        let mut vars = DEPLOYED[1..].to_vec();
        vars.extend([("DATA_DIR", "/tmp/teamseats"), ("MAIL_TRANSPORT", "outbox")]);

        let config = deployed(&vars).unwrap();

        assert!(config.table_name.is_none());
        assert_eq!(config.data_dir, PathBuf::from("/tmp/teamseats"));
        assert_eq!(config.mail_transport, MailTransport::Outbox);
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        let mut vars = DEPLOYED.to_vec();
        vars[1] = ("SENDER_ADDRESS", "  ");

        let error = deployed(&vars).unwrap_err();

        assert_eq!(error.names(), ["SENDER_ADDRESS"]);
    }
}
