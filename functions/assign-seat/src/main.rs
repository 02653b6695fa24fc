//! The Lambda function for `PUT /accounts/{account_id}/members/{member_id}/seat` (R9).
//!
//! The application is built once at cold start; each request then goes through the same
//! handler the local runner uses.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    teamseats_api::lambda::serve_http().await
}
