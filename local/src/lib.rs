//! The local runner: every route of the HTTP contract on one port, through the same
//! handler the Lambda functions use.
//!
//! Each incoming request is rewritten into the API Gateway HTTP API event (payload
//! format 2.0) that AWS would deliver, then parsed by `lambda_http` exactly as in
//! Lambda. The one difference is identity: there is no JWT authorizer here, so the
//! `X-Local-User: <email>` header stands in for a verified `email` claim. Only this
//! runner honours that header; the Lambda functions never look at it.
//!
//! `POST /local/daily` runs the daily job at once, as of the `now` in its optional body.

use axum::Router;
use axum::body::{Body as AxumBody, to_bytes};
use axum::extract::{Request as AxumRequest, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response as AxumResponse};
use axum::routing::post;
use chrono::{DateTime, Utc};
use data_encoding::BASE64;
use lambda_http::Body;
use serde_json::{Map, Value, json};
use teamseats::service::Budget;
use teamseats_api::App;

/// The header that names the caller locally.
pub const LOCAL_USER_HEADER: &str = "x-local-user";
/// The largest body the runner reads; the handlers' own limit is far smaller.
pub const MAX_FORWARDED_BODY: usize = 1024 * 1024;

/// The runner's routes: `/local/daily`, and everything else through the handler.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/local/daily", post(daily))
        .fallback(forward)
        .with_state(app)
}

async fn forward(State(app): State<App>, request: AxumRequest) -> AxumResponse {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_FORWARDED_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };

    let event = api_gateway_event(&parts, &body);
    let request = match lambda_http::request::from_str(&event.to_string()) {
        Ok(request) => request,
        Err(error) => {
            tracing::warn!(%error, "request could not be expressed as an API Gateway event");
            return (StatusCode::BAD_REQUEST, "malformed request").into_response();
        }
    };

    to_axum(app.handle(request).await)
}

fn to_axum(response: lambda_http::Response<Body>) -> AxumResponse {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Vec::new(),
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    AxumResponse::from_parts(parts, AxumBody::from(bytes))
}

/// The event API Gateway would send for this request, with the local user as the
/// authorizer's verified claims.
pub fn api_gateway_event(parts: &axum::http::request::Parts, body: &[u8]) -> Value {
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        if name.as_str() == LOCAL_USER_HEADER {
            continue;
        }
        if let Ok(value) = value.to_str() {
            headers
                .entry(name.as_str().to_owned())
                .and_modify(|existing| {
                    if let Value::String(s) = existing {
                        s.push(',');
                        s.push_str(value);
                    }
                })
                .or_insert_with(|| json!(value));
        }
    }

    let mut context = json!({
        "accountId": "local",
        "apiId": "local",
        "domainName": "localhost",
        "requestId": "local",
        "routeKey": "$default",
        "stage": "$default",
        "time": Utc::now().format("%d/%b/%Y:%H:%M:%S %z").to_string(),
        "timeEpoch": Utc::now().timestamp_millis(),
        "http": {
            "method": parts.method.as_str(),
            "path": parts.uri.path(),
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "local",
        },
    });
    let user = parts
        .headers
        .get(LOCAL_USER_HEADER)
        .and_then(|v| v.to_str().ok());
    if let Some(user) = user {
        context["authorizer"] = json!({
            "jwt": {
                "claims": { "email": user.trim(), "email_verified": "true", "sub": "local" },
                "scopes": null,
            }
        });
    }

    let (body, encoded) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (BASE64.encode(body), true),
    };
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.uri.path(),
        "rawQueryString": parts.uri.query().unwrap_or(""),
        "headers": headers,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": encoded,
    })
}

async fn daily(State(app): State<App>, body: axum::body::Bytes) -> AxumResponse {
    let service = app.service();
    let outcome = match parse_now(&body) {
        Ok(now) => service
            .run_daily(now.unwrap_or_else(|| service.now()), Budget::default())
            .await
            .map(|s| (now, s)),
        Err(reason) => Err(teamseats::Error::invalid("now", reason)),
    };

    match outcome {
        Ok((now, summary)) => axum::Json(teamseats_api::output::daily_summary(
            now.unwrap_or_else(|| service.now()),
            &summary,
        ))
        .into_response(),
        Err(error) => to_axum(teamseats_api::output::problem(&error)),
    }
}

/// The `now` of a daily run request: absent when the body is empty or has none.
fn parse_now(body: &[u8]) -> Result<Option<DateTime<Utc>>, &'static str> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(body).map_err(|_| "the body is not a JSON object")?;
    match value.get("now") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| "must be an RFC 3339 time such as 2030-01-31T09:00:00Z"),
        Some(_) => Err("must be a string"),
    }
}
