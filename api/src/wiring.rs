//! Building the application once per process: configuration, store, mailer, clock.

use std::sync::Arc;

use teamseats::clock::{Clock, SystemClock};
use teamseats::config::{Config, ConfigError, MailTransport};
use teamseats::entropy::OsEntropy;
use teamseats::mail::outbox::Outbox;
use teamseats::ports::{Mailer, Store, StoreError};
use teamseats::service::Teamseats;
use teamseats::store::embedded::Embedded;

/// The file of the embedded store inside `DATA_DIR`.
pub const EMBEDDED_FILE: &str = "teamseats.redb";

/// The application: the use cases wired to their adapters.
#[derive(Clone)]
pub struct App {
    service: Teamseats,
}

/// Why the application could not be built at start-up.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The environment is not usable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store could not be opened.
    #[error("opening the store")]
    Store(#[source] StoreError),
    /// The outbox folder could not be created.
    #[error("creating the outbox folder")]
    Outbox(#[source] std::io::Error),
    /// The configuration asks for an adapter this build does not have.
    #[error("{0}")]
    Unsupported(&'static str),
}

impl App {
    /// Wraps already-built use cases; tests use this to inject a clock.
    pub fn new(service: Teamseats) -> Self {
        Self { service }
    }

    /// Reads the environment and builds the application with the system clock.
    pub async fn from_env() -> Result<Self, BuildError> {
        let config = Config::from_env()?;
        Self::from_config(&config, Arc::new(SystemClock), false).await
    }

    /// Builds the application from `config`. With `print_links`, the outbox also prints
    /// each accept link on standard output (for the local runner).
    pub async fn from_config(
        config: &Config,
        clock: Arc<dyn Clock>,
        print_links: bool,
    ) -> Result<Self, BuildError> {
        let store: Arc<dyn Store> = match &config.table_name {
            None => Arc::new(
                Embedded::open(&config.data_dir.join(EMBEDDED_FILE)).map_err(BuildError::Store)?,
            ),
            Some(_) => {
                return Err(BuildError::Unsupported(
                    "TABLE_NAME is set, but this build has no DynamoDB adapter; unset it to use \
                     the embedded store",
                ));
            }
        };
        let mailer: Arc<dyn Mailer> = match config.mail_transport {
            MailTransport::Outbox => {
                let outbox = Outbox::new(config.data_dir.join("outbox"), &config.sender_address)
                    .map_err(BuildError::Outbox)?;
                Arc::new(if print_links {
                    outbox.printing_links()
                } else {
                    outbox
                })
            }
            MailTransport::Ses => {
                return Err(BuildError::Unsupported(
                    "MAIL_TRANSPORT=ses, but this build has no SES adapter; use \"outbox\"",
                ));
            }
        };

        let service = Teamseats::new(
            store,
            mailer,
            clock,
            Arc::new(OsEntropy),
            config.policy.clone(),
            config.links.clone(),
        );
        Ok(Self { service })
    }

    /// The use cases.
    pub fn service(&self) -> &Teamseats {
        &self.service
    }
}
