//! Who is calling: taken only from the claims API Gateway's JWT authorizer verified.
//!
//! Headers and bodies are never consulted. The `email` claim counts only when the token
//! also carries `email_verified` as true; API Gateway passes claims as strings, so both
//! `"true"` and a JSON `true` rendered as text are accepted.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use teamseats::Error;
use teamseats::commands::Identity;
use teamseats::email::EmailAddress;

/// The caller's verified identity, or 401.
pub fn caller(request: &Request) -> Result<Identity, Error> {
    let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
        return Err(Error::Unauthenticated);
    };
    let claims = context
        .authorizer
        .as_ref()
        .and_then(|authorizer| authorizer.jwt.as_ref())
        .map(|jwt| &jwt.claims)
        .ok_or(Error::Unauthenticated)?;

    let verified = claims
        .get("email_verified")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let email = claims.get("email").ok_or(Error::Unauthenticated)?;
    if !verified {
        return Err(Error::Unauthenticated);
    }
    let email = EmailAddress::parse(email).map_err(|_| Error::Unauthenticated)?;
    Ok(Identity { email })
}
