//! The routes of the HTTP contract and the steps each one takes.
//!
//! Every route reads its input, calls one use case and renders the outcome; none holds a
//! rule. A route that needs a caller asks [`identity::caller`] first, so a request
//! without a verified identity gets 401 before anything else is looked at.

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;
use teamseats::Error;
use teamseats::error::TokenProblem;
use teamseats::service::Teamseats;

use crate::identity;
use crate::input::{self, AcceptBody, AssignSeatBody, BuySeatsBody, CreateAccountBody, InviteBody};
use crate::input::{MemberPatchBody, SettingsBody};
use crate::output::{self, json, problem};
use crate::pages;

/// A route of the contract, with its raw path segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'p> {
    CreateAccount,
    Account(&'p str),
    Invite(&'p str),
    ListInvitations(&'p str),
    Resend(&'p str, &'p str),
    Revoke(&'p str, &'p str),
    AcceptPage,
    Accept,
    ListMembers(&'p str),
    UpdateMember(&'p str, &'p str),
    AssignSeat(&'p str, &'p str),
    Settings(&'p str),
    BuySeats(&'p str),
}

/// What matching a path found.
enum Match<'p> {
    Found(Route<'p>),
    WrongMethod(&'static str),
    Nothing,
}

fn route<'p>(method: &Method, path: &'p str) -> Match<'p> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let m = method.as_str();
    let (allowed, found) = match segments.as_slice() {
        ["accounts"] => ("POST", (m == "POST").then_some(Route::CreateAccount)),
        ["accounts", a] => ("GET", (m == "GET").then_some(Route::Account(a))),
        ["accounts", a, "invitations"] => (
            "GET, POST",
            match m {
                "POST" => Some(Route::Invite(a)),
                "GET" => Some(Route::ListInvitations(a)),
                _ => None,
            },
        ),
        ["accounts", a, "invitations", i] => {
            ("DELETE", (m == "DELETE").then_some(Route::Revoke(a, i)))
        }
        ["accounts", a, "invitations", i, "resend"] => {
            ("POST", (m == "POST").then_some(Route::Resend(a, i)))
        }
        ["accounts", a, "members"] => ("GET", (m == "GET").then_some(Route::ListMembers(a))),
        ["accounts", a, "members", b] => {
            ("PATCH", (m == "PATCH").then_some(Route::UpdateMember(a, b)))
        }
        ["accounts", a, "members", b, "seat"] => {
            ("PUT", (m == "PUT").then_some(Route::AssignSeat(a, b)))
        }
        ["accounts", a, "settings"] => ("PATCH", (m == "PATCH").then_some(Route::Settings(a))),
        ["accounts", a, "seats"] => ("POST", (m == "POST").then_some(Route::BuySeats(a))),
        ["invitations", "accept"] => (
            "GET, HEAD, POST",
            match m {
                "GET" | "HEAD" => Some(Route::AcceptPage),
                "POST" => Some(Route::Accept),
                _ => None,
            },
        ),
        _ => return Match::Nothing,
    };
    found.map_or(Match::WrongMethod(allowed), Match::Found)
}

/// Routes one request and answers it.
pub async fn dispatch(service: &Teamseats, request: Request) -> Response<Body> {
    let path = request.raw_http_path().to_owned();
    let path = if path.is_empty() {
        request.uri().path().to_owned()
    } else {
        path
    };

    match route(request.method(), &path) {
        Match::Found(Route::AcceptPage) => accept_page(service, &request).await,
        Match::Found(Route::Accept) => accept(service, &request).await,
        Match::Found(route) => api(service, route, &request)
            .await
            .unwrap_or_else(|e| problem(&e)),
        Match::WrongMethod(allowed) => {
            let mut response = problem(&Error::MethodNotAllowed { allowed });
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allowed));
            response
        }
        Match::Nothing => problem(&Error::NotFound { what: "route" }),
    }
}

/// The JSON routes.
async fn api(
    service: &Teamseats,
    route: Route<'_>,
    request: &Request,
) -> Result<Response<Body>, Error> {
    let now = service.now();
    if route == Route::CreateAccount {
        let command = input::json::<CreateAccountBody>(request)?.command()?;
        let created = service.create_account(command).await?;
        let mut body = output::account(&created.account);
        body["owner_member_id"] = json!(created.owner.id);
        return Ok(json(StatusCode::CREATED, &body));
    }

    let caller = identity::caller(request)?;
    match route {
        Route::Account(a) => {
            let account = service.account(&caller, &input::account_id(a)?).await?;
            Ok(json(StatusCode::OK, &output::account(&account)))
        }
        Route::Invite(a) => {
            let account = input::account_id(a)?;
            let command = input::json::<InviteBody>(request)?.command()?;
            let results = service.invite(&caller, &account, command).await?;
            let results: Vec<_> = results.iter().map(output::invite_result).collect();
            Ok(json(StatusCode::OK, &json!({ "results": results })))
        }
        Route::ListInvitations(a) => {
            let account = input::account_id(a)?;
            let (cursor, limit) = input::page(request)?;
            let page = service
                .list_invitations(&caller, &account, cursor.as_deref(), limit)
                .await?;
            let items: Vec<_> = page
                .items
                .iter()
                .map(|i| output::invitation(i, now))
                .collect();
            Ok(json(
                StatusCode::OK,
                &json!({ "invitations": items, "next_cursor": page.next_cursor }),
            ))
        }
        Route::Resend(a, i) => {
            let (account, invitation) = (input::account_id(a)?, input::invitation_id(i)?);
            let resent = service.resend(&caller, &account, &invitation).await?;
            let mut body = output::invitation(&resent.invitation, now);
            body["email_sent"] = json!(resent.email_sent);
            Ok(json(StatusCode::OK, &body))
        }
        Route::Revoke(a, i) => {
            let (account, invitation) = (input::account_id(a)?, input::invitation_id(i)?);
            let revoked = service.revoke(&caller, &account, &invitation).await?;
            Ok(json(StatusCode::OK, &output::invitation(&revoked, now)))
        }
        Route::ListMembers(a) => {
            let account = input::account_id(a)?;
            let (cursor, limit) = input::page(request)?;
            let page = service
                .list_members(&caller, &account, cursor.as_deref(), limit)
                .await?;
            let items: Vec<_> = page.items.iter().map(|m| output::member(m, now)).collect();
            Ok(json(
                StatusCode::OK,
                &json!({ "members": items, "next_cursor": page.next_cursor }),
            ))
        }
        Route::UpdateMember(a, m) => {
            let (account, member) = (input::account_id(a)?, input::member_id(m, "member_id")?);
            let body = input::json::<MemberPatchBody>(request)?;
            let updated = service
                .set_seat_manager(&caller, &account, &member, body.manages_seats)
                .await?;
            Ok(json(StatusCode::OK, &output::member(&updated, now)))
        }
        Route::AssignSeat(a, m) => {
            let (account, member) = (input::account_id(a)?, input::member_id(m, "member_id")?);
            let body = if input::body_bytes(request)?
                .iter()
                .all(u8::is_ascii_whitespace)
            {
                AssignSeatBody::default()
            } else {
                input::json::<AssignSeatBody>(request)?
            };
            let from = body
                .from_member_id
                .as_deref()
                .map(|f| input::member_id(f, "from_member_id"))
                .transpose()?;
            let member = service
                .assign_seat(&caller, &account, &member, from.as_ref())
                .await?;
            Ok(json(StatusCode::OK, &output::member(&member, now)))
        }
        Route::Settings(a) => {
            let account = input::account_id(a)?;
            let body = input::json::<SettingsBody>(request)?;
            let account = service
                .set_invite_policy(&caller, &account, body.invites_restricted_to_admins)
                .await?;
            Ok(json(StatusCode::OK, &output::account(&account)))
        }
        Route::BuySeats(a) => {
            let account = input::account_id(a)?;
            let add = input::json::<BuySeatsBody>(request)?.add()?;
            let account = service.buy_seats(&caller, &account, add).await?;
            Ok(json(StatusCode::OK, &output::account(&account)))
        }
        Route::CreateAccount | Route::AcceptPage | Route::Accept => {
            Err(Error::NotFound { what: "route" })
        }
    }
}

/// `GET /invitations/accept?token=...`: shows the invitation and changes nothing.
async fn accept_page(service: &Teamseats, request: &Request) -> Response<Body> {
    let app_url = &service.links().app_url;
    let Some(token) = input::query_param(request, "token") else {
        return pages::failure(&Error::Token(TokenProblem::Unknown), app_url);
    };
    match service.view_invitation(&token).await {
        Ok(view) => pages::invitation(&view, &token),
        Err(error) => pages::failure(&error, app_url),
    }
}

/// `POST /invitations/accept`: a form post gets a page, a JSON post gets JSON.
async fn accept(service: &Teamseats, request: &Request) -> Response<Body> {
    let wants_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });

    if wants_json {
        let outcome = async {
            let body = input::json::<AcceptBody>(request)?;
            service.accept(&body.token).await
        };
        return match outcome.await {
            Ok(accepted) => {
                let now = service.now();
                let mut body = output::member(&accepted.member, now);
                body["account_id"] = json!(accepted.member.account_id);
                json(StatusCode::OK, &body)
            }
            Err(error) => problem(&error),
        };
    }

    let token = input::body_bytes(request).ok().and_then(|bytes| {
        form_urlencoded::parse(bytes)
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    });
    let app_url = &service.links().app_url;
    let Some(token) = token else {
        return pages::failure(&Error::Token(TokenProblem::Unknown), app_url);
    };
    match service.accept(&token).await {
        Ok(accepted) => pages::accepted(&accepted, app_url),
        Err(error) => pages::failure(&error, app_url),
    }
}
