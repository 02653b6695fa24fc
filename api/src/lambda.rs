//! Running under the Lambda Runtime API.
//!
//! Each function binary calls one of these from `main`. At cold start it installs the
//! runtime's tracing subscriber, which follows the function's log level and log format
//! settings (`AWS_LAMBDA_LOG_LEVEL`, `AWS_LAMBDA_LOG_FORMAT`), then builds the
//! application once: configuration with deployed defaults, one AWS SDK configuration,
//! one client per service. If that fails, the reason goes to the log and to the Runtime
//! API's init error endpoint, so an invocation reports it, and the process exits.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lambda_http::http::{Method, Uri};
use lambda_http::lambda_runtime::{self, Diagnostic, LambdaEvent};
use lambda_http::{Error, service_fn};
use lambda_runtime_api_client::body::Body;
use serde_json::Value;

use teamseats::service::{Budget, error_chain};

use crate::{App, BuildError, output};

/// How long before the invocation's deadline the daily run stops taking new pages.
pub const DAILY_SAFETY_MARGIN: Duration = Duration::from_secs(20);

/// The `errorType` a failed start reports to the Runtime API.
pub const START_ERROR_TYPE: &str = "Runtime.StartError";

/// Serves API Gateway requests: builds the application once at cold start, then answers
/// every request through [`App::handle`].
pub async fn serve_http() -> ExitCode {
    lambda_http::tracing::init_default_subscriber();
    let Some(app) = start().await else {
        return ExitCode::FAILURE;
    };

    let served = lambda_http::run(service_fn(move |request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Error>(app.handle(request).await) }
    }))
    .await;
    finish(served)
}

/// Serves the daily schedule: each invocation runs the daily job until it is done or the
/// invocation's deadline is near, and answers with a summary: trials and invitations
/// expired, index pages read, and whether work remains for the next run.
pub async fn serve_daily() -> ExitCode {
    lambda_http::tracing::init_default_subscriber();
    let Some(app) = start().await else {
        return ExitCode::FAILURE;
    };

    let served = lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<Value>| {
            let app = Arc::clone(&app);
            async move {
                let budget = Budget {
                    deadline: local_deadline(event.context.deadline),
                    max_pages: None,
                };
                let service = app.service();
                let now = service.now();
                let summary = service.run_daily(now, budget).await?;
                Ok::<_, Error>(output::daily_summary(now, &summary))
            }
        },
    ))
    .await;
    finish(served)
}

/// Builds the application, or reports why it cannot be built.
async fn start() -> Option<Arc<App>> {
    match App::from_env().await {
        Ok(app) => Some(Arc::new(app)),
        Err(error) => {
            let reason = error_chain(&error);
            tracing::error!(error = %reason, "teamseats could not start");
            report_start_error(&error, reason).await;
            None
        }
    }
}

/// Tells the Runtime API why initialization failed, so that Lambda answers the waiting
/// invocation with the reason instead of a bare exit code.
async fn report_start_error(error: &BuildError, reason: String) {
    let Ok(address) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        return;
    };
    let Ok(endpoint) = address.parse::<Uri>() else {
        tracing::error!(address, "AWS_LAMBDA_RUNTIME_API is not an address");
        return;
    };
    let diagnostic = Diagnostic {
        error_type: match error {
            BuildError::Config(_) => "Runtime.ConfigError".into(),
            _ => START_ERROR_TYPE.into(),
        },
        error_message: reason,
    };
    let request = serde_json::to_vec(&diagnostic)
        .map_err(Error::from)
        .and_then(|body| {
            lambda_runtime_api_client::build_request()
                .method(Method::POST)
                .uri("/2018-06-01/runtime/init/error")
                .header("lambda-runtime-function-error-type", &diagnostic.error_type)
                .body(Body::from(body))
                .map_err(Error::from)
        });
    let client = lambda_runtime_api_client::PooledClient::builder()
        .with_endpoint(endpoint)
        .build();
    let sent = match request {
        Ok(request) => client.call(request).await,
        Err(error) => Err(error),
    };
    if let Err(error) = sent {
        tracing::error!(error = %error_chain(error.as_ref()), "could not report the failed start");
    }
}

/// The exit code once the runtime loop ends, which happens only when the Runtime API
/// cannot be reached.
fn finish(served: Result<(), Error>) -> ExitCode {
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error_chain(error.as_ref()), "the Lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}

/// The instant to stop taking pages at, given the invocation deadline in Unix
/// milliseconds: [`DAILY_SAFETY_MARGIN`] before it, and at once if that has passed.
fn local_deadline(deadline_ms: u64) -> Option<Instant> {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_millis();
    let left_ms = u128::from(deadline_ms).saturating_sub(now_ms);
    let left = Duration::from_millis(u64::try_from(left_ms).unwrap_or(u64::MAX));
    Instant::now().checked_add(left.saturating_sub(DAILY_SAFETY_MARGIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix_ms_from_now(offset: Duration) -> u64 {
        let at = SystemTime::now() + offset;
        let ms = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        u64::try_from(ms).unwrap_or(u64::MAX)
    }

    #[test]
    fn the_daily_run_stops_taking_pages_twenty_seconds_before_the_deadline() {
        let stop = local_deadline(unix_ms_from_now(Duration::from_secs(60))).unwrap();

        let left = stop.saturating_duration_since(Instant::now());
        assert!(
            left > Duration::from_secs(38) && left <= Duration::from_secs(40),
            "{left:?}"
        );
    }

    #[test]
    fn a_deadline_closer_than_the_margin_or_past_means_stop_at_once() {
        for offset in [Duration::from_secs(5), Duration::ZERO] {
            let stop = local_deadline(unix_ms_from_now(offset)).unwrap();
            assert!(stop <= Instant::now(), "{offset:?}");
        }
        assert!(local_deadline(0).is_some_and(|stop| stop <= Instant::now()));
    }

    #[test]
    fn a_deadline_far_away_means_no_stop_soon_and_no_overflow() {
        let stop = local_deadline(u64::MAX);

        let a_day_on = Instant::now() + Duration::from_secs(86_400);
        assert!(stop.is_none_or(|stop| stop > a_day_on), "{stop:?}");
    }
}
