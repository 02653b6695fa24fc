//! Building the application once per process: configuration, store, mailer, clock.

use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use teamseats::clock::{Clock, SystemClock};
use teamseats::config::{Config, ConfigError, MailTransport};
use teamseats::entropy::OsEntropy;
use teamseats::mail::Tee;
use teamseats::mail::outbox::Outbox;
use teamseats::mail::ses::Ses;
use teamseats::ports::{Mailer, Store, StoreError};
use teamseats::service::Teamseats;
use teamseats::store::dynamo::{Dynamo, RequestCounter};
use teamseats::store::embedded::Embedded;

/// The file of the embedded store inside `DATA_DIR`.
pub const EMBEDDED_FILE: &str = "teamseats.redb";

/// Where the application runs, which decides the few things that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// In Lambda: the template made the table; nothing is printed.
    Lambda,
    /// On a laptop or in tests: a missing table is created, the outbox prints links, and
    /// mail sent through SES is also copied to the outbox.
    Local,
}

/// The application: the use cases wired to their adapters.
#[derive(Clone)]
pub struct App {
    service: Teamseats,
    dynamodb_requests: Option<RequestCounter>,
}

/// Why the application could not be built at start-up.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The environment is not usable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store could not be opened or its table created.
    #[error("opening the store")]
    Store(#[source] StoreError),
    /// The outbox folder could not be created.
    #[error("creating the outbox folder")]
    Outbox(#[source] std::io::Error),
}

impl App {
    /// Wraps already-built use cases.
    pub fn new(service: Teamseats) -> Self {
        Self {
            service,
            dynamodb_requests: None,
        }
    }

    /// Reads the environment as a deployed function must find it (see
    /// [`Defaults::Deployed`](teamseats::config::Defaults::Deployed)) and builds the
    /// application for Lambda, with the system clock.
    pub async fn from_env() -> Result<Self, BuildError> {
        let config = Config::deployed_from_env()?;
        Self::from_config(&config, Arc::new(SystemClock), Host::Lambda).await
    }

    /// Builds the application from `config`: DynamoDB when `TABLE_NAME` is set, else the
    /// embedded store; SES or the outbox as `MAIL_TRANSPORT` says. The AWS SDK
    /// configuration is loaded once and only when an AWS adapter is used.
    pub async fn from_config(
        config: &Config,
        clock: Arc<dyn Clock>,
        host: Host,
    ) -> Result<Self, BuildError> {
        Self::from_config_with(config, clock, host, |mailer| mailer).await
    }

    /// Like [`App::from_config`], with the configured mailer passed through `wrap` first;
    /// tests use it to make mail fail on demand.
    pub async fn from_config_with(
        config: &Config,
        clock: Arc<dyn Clock>,
        host: Host,
        wrap: impl FnOnce(Arc<dyn Mailer>) -> Arc<dyn Mailer>,
    ) -> Result<Self, BuildError> {
        let needs_aws = config.table_name.is_some() || config.mail_transport == MailTransport::Ses;
        let sdk = if needs_aws {
            Some(load_aws_config().await)
        } else {
            None
        };

        let (store, dynamodb_requests) = store(config, sdk.as_ref(), host).await?;
        let mailer = wrap(mailer(config, sdk.as_ref(), host)?);
        let service = Teamseats::new(
            store,
            mailer,
            clock,
            Arc::new(OsEntropy),
            config.policy.clone(),
            config.links.clone(),
        );
        Ok(Self {
            service,
            dynamodb_requests,
        })
    }

    /// The use cases.
    pub fn service(&self) -> &Teamseats {
        &self.service
    }

    /// The DynamoDB requests sent so far, when the store is DynamoDB.
    pub fn dynamodb_requests(&self) -> Option<&RequestCounter> {
        self.dynamodb_requests.as_ref()
    }
}

/// Loads the AWS SDK configuration from the environment (region, credentials, endpoint
/// overrides such as `AWS_ENDPOINT_URL_DYNAMODB`), with [`https_client`].
pub async fn load_aws_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .load()
        .await
}

/// The HTTP client of every AWS client teamseats builds: hyper with rustls on ring,
/// trusting the system's root certificates, which the SDK reads once, when the first
/// client using it is built. The SDK crates are built without a default client of their
/// own, so a client given no HTTP client cannot send at all.
pub fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The mail transport `config` asks for. Locally, mail sent through SES is also copied to
/// the outbox.
fn mailer(
    config: &Config,
    sdk: Option<&SdkConfig>,
    host: Host,
) -> Result<Arc<dyn Mailer>, BuildError> {
    let outbox = || -> Result<Arc<dyn Mailer>, BuildError> {
        let outbox = Outbox::new(config.data_dir.join("outbox"), &config.sender_address)
            .map_err(BuildError::Outbox)?;
        Ok(Arc::new(if host == Host::Local {
            outbox.printing_links()
        } else {
            outbox
        }))
    };
    let (MailTransport::Ses, Some(sdk)) = (config.mail_transport, sdk) else {
        return outbox();
    };
    let ses: Arc<dyn Mailer> = Arc::new(Ses::new(
        aws_sdk_sesv2::Client::new(sdk),
        &config.sender_address,
        config.ses_configuration_set.clone(),
    ));
    match host {
        Host::Lambda => Ok(ses),
        Host::Local => Ok(Arc::new(Tee::new(ses, outbox()?))),
    }
}

/// The store `config` asks for, with its request counter when it is DynamoDB.
async fn store(
    config: &Config,
    sdk: Option<&SdkConfig>,
    host: Host,
) -> Result<(Arc<dyn Store>, Option<RequestCounter>), BuildError> {
    let (Some(table), Some(sdk)) = (&config.table_name, sdk) else {
        let embedded =
            Embedded::open(&config.data_dir.join(EMBEDDED_FILE)).map_err(BuildError::Store)?;
        return Ok((Arc::new(embedded), None));
    };
    let dynamo = Dynamo::new(&aws_sdk_dynamodb::config::Config::from(sdk), table);
    if host == Host::Local
        && dynamo
            .create_table_if_missing()
            .await
            .map_err(BuildError::Store)?
    {
        tracing::info!(table = %table, "created the table");
    }
    let requests = dynamo.requests().clone();
    Ok((Arc::new(dynamo), Some(requests)))
}
