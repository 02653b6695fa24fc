//! The Lambda function for `POST /accounts/{account_id}/invitations` (R1-R6, R14).
//!
//! The application is built once at cold start; each request then goes through the same
//! handler the local runner uses.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    teamseats_api::lambda::serve_http().await
}
