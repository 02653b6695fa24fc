//! The HTTP face of teamseats: one handler for every route, shared by the Lambda
//! functions and the local runner.
//!
//! Requests arrive as `lambda_http` requests, in the shape API Gateway's HTTP API
//! (payload format 2.0) gives them. [`App::handle`] routes each one, turns its path, query
//! and body into domain commands, runs the use case and renders the outcome: JSON for
//! the API, `application/problem+json` for every error, HTML for the accept page.
//!
//! # Components
//!
//! - [`routes`] matches method and path to a route and runs it.
//! - [`identity`] takes the caller from the JWT authorizer's verified claims.
//! - [`input`] reads bodies and queries into typed values, naming the field at fault.
//! - [`output`] renders JSON views, problems and HTML with their security headers.
//! - [`pages`] renders the accept page and its outcomes.
//! - [`wiring`] builds the application from configuration, once per process.
//! - [`lambda`] runs it under the Lambda Runtime API.

pub mod identity;
pub mod input;
pub mod lambda;
pub mod output;
pub mod pages;
pub mod routes;
pub mod wiring;

use lambda_http::{Body, Request, Response};
use teamseats::service::Teamseats;

pub use wiring::{App, BuildError};

impl App {
    /// Answers one request. Never fails: every error becomes a problem response.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        routes::dispatch(self.service(), request).await
    }
}

/// The use cases behind the handlers.
pub fn service(app: &App) -> &Teamseats {
    app.service()
}
