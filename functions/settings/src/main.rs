//! The Lambda function for the settings routes: accounts, listings, revoke, policy, seat purchase (R10, R12).
//!
//! The application is built once at cold start; each request then goes through the same
//! handler the local runner uses.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    teamseats_api::lambda::serve_http().await
}
