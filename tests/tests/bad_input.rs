//! Bad input on every route that takes any: each row is one request that must be refused
//! with a problem naming the field at fault, and must leave the account as it was.
//!
//! 400 `malformed_request` is for a body that is not the route's JSON shape (syntax,
//! types, unknown or missing fields); 422 `invalid_field` is for a well-formed value that
//! is not acceptable (an address, a count, an id, a page size); 413 `body_too_large` is
//! for a body over 16 KiB.

use serde_json::{Value, json};
use teamseats_tests::TestApp;

const OWNER: &str = "owner@acme.test";
const MEMBER: &str = "trial@acme.test";
const INVITEE: &str = "invitee@acme.test";
const JSON: Option<&str> = Some("application/json");

/// One bad request and how it must be refused. `{account}`, `{member}` and `{invitation}`
/// in the path and body stand for a real account, member and pending invitation.
struct Row {
    what: &'static str,
    method: &'static str,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    field: Option<&'static str>,
}

fn row(
    what: &'static str,
    method: &'static str,
    path: &str,
    body: impl Into<Vec<u8>>,
    status: u16,
    field: &'static str,
) -> Row {
    Row {
        what,
        method,
        path: path.to_owned(),
        content_type: JSON,
        body: body.into(),
        status,
        field: Some(field),
    }
}

fn json_body(value: Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

fn invite_of(emails: Vec<String>) -> Vec<u8> {
    json_body(json!({ "emails": emails }))
}

/// A valid `POST /accounts` body with one field set to `value`.
fn account_with(field: &str, value: Value) -> Vec<u8> {
    let mut body = json!({ "name": "Initech", "owner_email": "boss@initech.test", "seats": 3 });
    body[field] = value;
    json_body(body)
}

fn new_account(seats: Value) -> Vec<u8> {
    account_with("seats", seats)
}

fn named(name: &str) -> Vec<u8> {
    account_with("name", json!(name))
}

fn owned_by(owner_email: &str) -> Vec<u8> {
    account_with("owner_email", json!(owner_email))
}

fn with_query(path: &str, query: &str) -> String {
    format!("{path}?{query}")
}

const ACCOUNTS: &str = "/accounts";
const SEAT: &str = "/accounts/{account}/members/{member}/seat";
const SEATS: &str = "/accounts/{account}/seats";
const SETTINGS: &str = "/accounts/{account}/settings";
const MEMBER_PATCH: &str = "/accounts/{account}/members/{member}";
const MEMBERS: &str = "/accounts/{account}/members";
const INVITE: &str = "/accounts/{account}/invitations";
const ACCEPT: &str = "/invitations/accept";

/// The table: what, method, path, body, status, field. Every row sends JSON unless it
/// says otherwise.
#[rustfmt::skip]
fn rows() -> Vec<Row> {
    let addresses: Vec<String> = (0..26).map(|i| format!("p{i}@acme.test")).collect();
    let long_address = format!("{}@acme.test", "a".repeat(290));
    let crlf_address = "a@acme.test\r\nBcc: x@evil.test".to_owned();
    let oversized = format!(r#"{{"emails": ["{}@acme.test"]}}"#, "a".repeat(17 * 1024));
    let not_utf8 = b"{\"emails\": [\"\xff\xfe@acme.test\"]}".to_vec();
    let form = Some("application/x-www-form-urlencoded");
    // An invite of one valid address with one more option.
    let opt = |x: &str| format!(r#"{{"emails": ["a@acme.test"], {x}}}"#);

    vec![
        // POST /accounts
        row("not JSON at all", "POST", ACCOUNTS, "name=Acme&seats=3", 400, "body"),
        row("malformed JSON in a value", "POST", ACCOUNTS, r#"{"name": Acme}"#, 400, "body"),
        row("an empty body", "POST", ACCOUNTS, "", 400, "body"),
        row("seats as a string", "POST", ACCOUNTS, new_account(json!("5")), 400, "seats"),
        row("seats as a fraction", "POST", ACCOUNTS, new_account(json!(2.5)), 400, "seats"),
        row("seats past i64", "POST", ACCOUNTS, new_account(json!(1e30)), 400, "seats"),
        row("zero seats", "POST", ACCOUNTS, new_account(json!(0)), 422, "seats"),
        row("negative seats", "POST", ACCOUNTS, new_account(json!(-3)), 422, "seats"),
        row("seats past the cap", "POST", ACCOUNTS, new_account(json!(100_001)), 422, "seats"),
        row("seats past u32", "POST", ACCOUNTS, new_account(json!(1u64 << 32)), 422, "seats"),
        row("an unknown field", "POST", ACCOUNTS, account_with("plan", json!("gold")), 400, "plan"),
        row("a name with a line break", "POST", ACCOUNTS, named("Acme\r\nBcc: x"), 422, "name"),
        row("an empty name", "POST", ACCOUNTS, named(""), 422, "name"),
        row("a blank name", "POST", ACCOUNTS, named("   "), 422, "name"),
        row("a 101-character name", "POST", ACCOUNTS, named(&"n".repeat(101)), 422, "name"),
        row("an invalid owner address", "POST", ACCOUNTS, owned_by("boss"), 422, "owner_email"),
        row("an owner address with CR/LF", "POST", ACCOUNTS, owned_by(&crlf_address), 422,
            "owner_email"),

        // POST /accounts/{account}/invitations
        row("malformed JSON in a value", "POST", INVITE, r#"{"emails": ["a@acme.test""#, 400,
            "body"),
        row("a byte-order mark", "POST", INVITE, "\u{feff}{\"emails\": []}", 400, "body"),
        row("trailing data", "POST", INVITE, r#"{"emails": ["a@acme.test"]} {}"#, 400, "body"),
        row("null", "POST", INVITE, "null", 400, "body"),
        Row { content_type: form, ..row("a form", "POST", INVITE, "emails=a%40b.co", 400, "body") },
        row("emails as a string", "POST", INVITE, r#"{"emails": "a@acme.test"}"#, 400, "emails"),
        row("an address as a number", "POST", INVITE, r#"{"emails": [42]}"#, 400, "emails[0]"),
        row("emails as an object", "POST", INVITE, r#"{"emails": {"a": 1}}"#, 400, "emails"),
        row("role as a number", "POST", INVITE, opt(r#""role": 1"#), 400, "role"),
        row("export_data as \"yes\"", "POST", INVITE, opt(r#""export_data": "yes""#), 400,
            "export_data"),
        row("google_sync as 1", "POST", INVITE, opt(r#""google_sync": 1"#), 400, "google_sync"),
        row("an unknown field", "POST", INVITE, opt(r#""roles": "admin""#), 400, "roles"),
        row("an empty email list", "POST", INVITE, invite_of(vec![]), 422, "emails"),
        row("26 addresses", "POST", INVITE, invite_of(addresses), 422, "emails"),
        row("an invalid address", "POST", INVITE, invite_of(vec!["a@acme.test".into(),
            "not an address".into()]), 422, "emails[1]"),
        row("a 300-character address", "POST", INVITE, invite_of(vec![long_address]), 422,
            "emails[0]"),
        row("an address with CR/LF", "POST", INVITE, invite_of(vec![crlf_address]), 422,
            "emails[0]"),
        row("an unknown role", "POST", INVITE, opt(r#""role": "superuser""#), 422, "role"),
        row("an unknown seat kind", "POST", INVITE, opt(r#""seat": "free""#), 422, "seat"),
        row("non-UTF-8 bytes", "POST", INVITE, not_utf8, 400, "body"),
        Row { field: None, ..row("a body over 16 KiB", "POST", INVITE, oversized, 413, "") },

        // Ids in the path.
        row("a malformed account id", "POST", "/accounts/acc_123/invitations",
            r#"{"emails": ["a@acme.test"]}"#, 422, "account_id"),
        row("an account id in capitals", "GET", "/accounts/ACC_0123456789ABCDEF0123456789ABCDEF",
            "", 422, "account_id"),
        row("a member id for an account", "GET", "/accounts/{member}/members", "", 422,
            "account_id"),
        row("an account id too long", "GET", "/accounts/{account}0/invitations", "", 422,
            "account_id"),
        row("a malformed account id", "PATCH", "/accounts/acme/settings",
            r#"{"invites_restricted_to_admins": true}"#, 422, "account_id"),
        row("a malformed account id", "POST", "/accounts/acme/seats", r#"{"add": 1}"#, 422,
            "account_id"),
        row("a malformed member id", "PUT", "/accounts/{account}/members/mem_zz/seat", "", 422,
            "member_id"),
        row("an invitation id for a member", "PATCH", "/accounts/{account}/members/{invitation}",
            r#"{"manages_seats": true}"#, 422, "member_id"),
        row("a malformed invitation id", "POST", "/accounts/{account}/invitations/inv_1/resend",
            "", 422, "invitation_id"),
        row("a member id for an invitation", "DELETE", "/accounts/{account}/invitations/{member}",
            "", 422, "invitation_id"),

        // PUT /accounts/{account}/members/{member}/seat
        row("a malformed from_member_id", "PUT", SEAT, r#"{"from_member_id": "mem_nope"}"#, 422,
            "from_member_id"),
        row("from_member_id as a number", "PUT", SEAT, r#"{"from_member_id": 7}"#, 400,
            "from_member_id"),
        row("from_member_id naming the target", "PUT", SEAT, r#"{"from_member_id": "{member}"}"#,
            422, "from_member_id"),
        row("an unknown field", "PUT", SEAT, r#"{"from": "{member}"}"#, 400, "from"),
        row("malformed JSON in a value", "PUT", SEAT, r#"{"from_member_id": "#, 400,
            "body"),

        // Listings.
        row("limit 0", "GET", &with_query(MEMBERS, "limit=0"), "", 422, "limit"),
        row("limit 101", "GET", &with_query(MEMBERS, "limit=101"), "", 422, "limit"),
        row("limit abc", "GET", &with_query(MEMBERS, "limit=abc"), "", 422, "limit"),
        row("limit -1", "GET", &with_query(MEMBERS, "limit=-1"), "", 422, "limit"),
        row("limit 0", "GET", &with_query(INVITE, "limit=0"), "", 422, "limit"),
        row("limit 101", "GET", &with_query(INVITE, "limit=101"), "", 422, "limit"),
        row("limit abc", "GET", &with_query(INVITE, "limit=abc"), "", 422, "limit"),
        row("an empty limit", "GET", &with_query(INVITE, "limit="), "", 422, "limit"),
        row("a made-up cursor", "GET", &with_query(MEMBERS, "cursor=zzz"), "", 422, "cursor"),

        // POST /accounts/{account}/seats
        row("add 0", "POST", SEATS, r#"{"add": 0}"#, 422, "add"),
        row("add -2", "POST", SEATS, r#"{"add": -2}"#, 422, "add"),
        row("add past the cap", "POST", SEATS, r#"{"add": 100000}"#, 422, "add"),
        row("add past u32", "POST", SEATS, r#"{"add": 4294967296}"#, 422, "add"),
        row("add as a string", "POST", SEATS, r#"{"add": "1"}"#, 400, "add"),
        row("the same field twice", "POST", SEATS, r#"{"add": 1, "add": 2}"#, 400, "add"),
        row("an unknown field", "POST", SEATS, r#"{"add": 1, "price": 0}"#, 400, "price"),

        // PATCH settings and members.
        row("the policy as a string", "PATCH", SETTINGS,
            r#"{"invites_restricted_to_admins": "true"}"#, 400, "invites_restricted_to_admins"),
        row("manages_seats as \"yes\"", "PATCH", MEMBER_PATCH, r#"{"manages_seats": "yes"}"#,
            400, "manages_seats"),
        row("an empty body", "PATCH", MEMBER_PATCH, "", 400, "body"),

        // POST /invitations/accept from a JSON client
        row("a token as a number", "POST", ACCEPT, r#"{"token": 5}"#, 400, "token"),
    ]
}

/// Bodies that are JSON but not an object of the route's shape: arrays, which serde would
/// otherwise read by position, and objects missing a required field.
#[rustfmt::skip]
fn rows_not_objects_or_missing_fields() -> Vec<Row> {
    vec![
        // A syntax error between fields is reported with the field "?".
        row("an unfinished object", "POST", ACCOUNTS, r#"{"name": "Acme","#, 400, "body"),
        row("a trailing comma", "POST", INVITE, r#"{"emails": ["a@acme.test"],}"#, 400, "body"),
        row("an unquoted key", "POST", INVITE, r#"{emails: ["a@acme.test"]}"#, 400, "body"),

        // serde reads a struct from a JSON array by position, so arrays are taken as bodies.
        row("an array", "POST", INVITE, r#"["a@acme.test"]"#, 400, "body"),
        row("an array read by position", "POST", INVITE,
            r#"[["a@acme.test"], null, null, null, null]"#, 400, "body"),
        row("an array read by position", "POST", ACCOUNTS,
            r#"["Initech", "boss@initech.test", 3]"#, 400, "body"),
        row("an array read by position", "POST", SEATS, "[1]", 400, "body"),
        row("an array read by position", "PATCH", SETTINGS, "[true]", 400, "body"),
        row("an array read by position", "PATCH", MEMBER_PATCH, "[true]", 400, "body"),

        // A missing field is reported as the field "body"; only the detail names it.
        row("seats missing", "POST", ACCOUNTS,
            r#"{"name": "Initech", "owner_email": "boss@initech.test"}"#, 400, "seats"),
        row("emails missing", "POST", INVITE, r#"{"role": "user"}"#, 400, "emails"),
        row("add missing", "POST", SEATS, "{}", 400, "add"),
        row("the policy missing", "PATCH", SETTINGS, "{}", 400, "invites_restricted_to_admins"),
        row("manages_seats missing", "PATCH", MEMBER_PATCH, "{}", 400, "manages_seats"),
        row("the token missing", "POST", ACCEPT, "{}", 400, "token"),
    ]
}

/// The application with an account, a member on a trial and a pending invitation.
struct Setup {
    app: TestApp,
    account: String,
    member: String,
    invitation: String,
}

impl Setup {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let account = app.create_account(OWNER, 5).await;
        let member = app.join(&account, OWNER, MEMBER, json!({})).await;
        let invited = app.invite(&account, OWNER, &[INVITEE], json!({})).await;
        let invitation = invited.json()["results"][0]["invitation_id"]
            .as_str()
            .expect("an invitation id")
            .to_owned();
        Self {
            app,
            account,
            member,
            invitation,
        }
    }

    /// Sends the row's request as the owner, then checks the answer and that the account
    /// is as it was; the error names the row and every way it went wrong.
    async fn check(&self, row: &Row) -> Result<(), String> {
        let app = &self.app;
        let before = app.state(&self.account, OWNER).await;

        let path = self.fill(&row.path);
        let body = self.fill_body(&row.body);
        let response = app
            .raw(row.method, &path, Some(OWNER), row.content_type, body)
            .await;

        let problem = response.json();
        let detail = problem["detail"].as_str().unwrap_or_default();
        let mut why = Vec::new();
        if response.status != row.status {
            why.push(format!(
                "status {} instead of {}",
                response.status, row.status
            ));
        }
        if response.code() != code_for(row.status) {
            why.push(format!("code {:?}", response.code()));
        }
        let content_type = response.header("content-type");
        if content_type != "application/problem+json" {
            why.push(format!("content type {content_type:?}"));
        }
        if let Some(field) = row.field {
            if problem["field"] != field {
                why.push(format!("field {} instead of {field:?}", problem["field"]));
            }
            if !detail.contains(field) {
                why.push(format!("detail {detail:?} does not name {field:?}"));
            }
        }
        if app.state(&self.account, OWNER).await != before {
            why.push("the account changed".into());
        }

        if why.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{} ({} {}): {}; answer {}",
            row.what,
            row.method,
            row.path,
            why.join(", "),
            response.text()
        ))
    }

    fn fill(&self, template: &str) -> String {
        template
            .replace("{account}", &self.account)
            .replace("{member}", &self.member)
            .replace("{invitation}", &self.invitation)
    }

    fn fill_body(&self, body: &[u8]) -> Vec<u8> {
        match std::str::from_utf8(body) {
            Ok(text) => self.fill(text).into_bytes(),
            Err(_) => body.to_vec(),
        }
    }
}

fn code_for(status: u16) -> &'static str {
    match status {
        400 => "malformed_request",
        413 => "body_too_large",
        422 => "invalid_field",
        _ => "",
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named_and_nothing_written() {
    let setup = Setup::new().await;
    let mut wrong = Vec::new();
    for row in rows() {
        if let Err(why) = setup.check(&row).await {
            wrong.push(why);
        }
    }
    assert!(wrong.is_empty(), "rows that failed:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn bodies_that_are_not_objects_or_lack_a_field_are_refused_naming_the_field() {
    let setup = Setup::new().await;
    let mut wrong = Vec::new();
    for row in rows_not_objects_or_missing_fields() {
        if let Err(why) = setup.check(&row).await {
            wrong.push(why);
        }
    }
    assert!(wrong.is_empty(), "rows that failed:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn tokens_of_the_wrong_length_or_alphabet_are_refused_naming_the_token() {
    let app = TestApp::spawn().await;
    let account = app.create_account("olive@acme.test", 1).await;
    app.invite(&account, "olive@acme.test", &["bob@acme.test"], json!({}))
        .await;
    let good = app.last_email_to("bob@acme.test").token;
    let (ids, secret) = good.rsplit_once('.').expect("a token with a secret");
    let before = app.state(&account, "olive@acme.test").await;

    let cases = [
        ("one character short", format!("{ids}.{}", &secret[1..])),
        ("one character long", format!("{good}A")),
        ("outside base64url", format!("{ids}.{}*", &secret[1..])),
        ("padding", format!("{ids}.{}=", &secret[1..])),
        ("no ids", secret.to_owned()),
        ("a foreign id shape", format!("acc_x.inv_y.{secret}")),
        ("empty", String::new()),
        ("very long", "a".repeat(5_000)),
    ];
    for (case, token) in cases {
        let response = app.accept(&token).await;
        assert_eq!(
            (response.status, response.code().as_str()),
            (404, "invitation_unknown"),
            "{case}"
        );
        assert_eq!(response.json()["field"], "token", "{case}");
    }
    assert_eq!(
        app.state(&account, "olive@acme.test").await,
        before,
        "nothing was written"
    );
}
