//! The Lambda function for the daily schedule: ends due trials and invitations (R11).
//!
//! Each invocation works until nothing is due or its deadline is near, and answers with a
//! summary; a summary with `more_remaining` means the next invocation continues.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    teamseats_api::lambda::serve_daily().await
}
