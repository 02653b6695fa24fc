//! Running under the Lambda Runtime API.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::{Error, service_fn};
use serde_json::{Value, json};

use teamseats::service::Budget;

use crate::App;

/// How long before the invocation's deadline the daily run stops taking new pages.
pub const DAILY_SAFETY_MARGIN: Duration = Duration::from_secs(20);

/// Serves API Gateway requests: builds the application once at cold start, then answers
/// every request through [`App::handle`].
pub async fn serve_http() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let app = Arc::new(App::from_env().await?);

    lambda_http::run(service_fn(move |request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Error>(app.handle(request).await) }
    }))
    .await
}

/// Serves the daily schedule: each invocation runs the daily job until it is done or the
/// invocation's deadline is near, and answers with a summary.
pub async fn serve_daily() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let app = Arc::new(App::from_env().await?);

    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<Value>| {
            let app = Arc::clone(&app);
            async move {
                let budget = Budget {
                    deadline: local_deadline(event.context.deadline),
                    max_pages: None,
                };
                let service = app.service();
                let summary = service.run_daily(service.now(), budget).await?;
                Ok::<_, Error>(json!({
                    "trials_expired": summary.trials_expired,
                    "invitations_expired": summary.invitations_expired,
                    "items_seen": summary.items_seen,
                    "pages_read": summary.pages_read,
                    "more_remaining": summary.more_remaining,
                }))
            }
        },
    ))
    .await
}

/// The instant to stop at, given the invocation deadline in Unix milliseconds.
fn local_deadline(deadline_ms: u64) -> Option<Instant> {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_millis();
    let left = u64::try_from(u128::from(deadline_ms).checked_sub(now_ms)?).ok()?;
    Some(Instant::now() + Duration::from_millis(left).saturating_sub(DAILY_SAFETY_MARGIN))
}
