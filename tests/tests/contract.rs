//! `openapi.yaml` is the HTTP contract, and these tests keep it true.
//!
//! Every answer of a flow that walks each route through success and each refusal is
//! checked against the document: its status must be declared for the operation, its
//! content type must be one declared for that status, its required headers must be there,
//! and a JSON body must match the declared schema, whose `$ref`s resolve within the
//! document. Paths that name no route and methods a path does not take are checked
//! against the document's `RouteNotFound` and `MethodNotAllowed` responses. The one
//! status the flow cannot provoke is 500, which needs a failing store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use chrono::Duration;
use serde_json::{Value, json};
use teamseats_tests::{TestApp, TestResponse};

const OWNER: &str = "olivia@acme.test";
const ADMIN: &str = "adam@acme.test";
const USER: &str = "ursula@acme.test";
const STRANGER: &str = "stranger@elsewhere.test";
const JSON: Option<&str> = Some("application/json");
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

/// The methods a path can be called with.
const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
/// Ids of the right shape that name nothing.
const NO_ACCOUNT: &str = "acc_00000000000000000000000000000000";
const NO_MEMBER: &str = "mem_00000000000000000000000000000000";
const NO_INVITATION: &str = "inv_00000000000000000000000000000000";

/// The OpenAPI document, and which answers the checks have seen.
struct Contract {
    doc: Value,
    seen: Mutex<BTreeMap<(String, String), BTreeSet<u16>>>,
}

impl Contract {
    fn load() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
        let text = std::fs::read_to_string(path).expect("openapi.yaml is readable");
        let doc: Value = serde_norway::from_str(&text).expect("openapi.yaml is YAML");
        assert_eq!(doc["openapi"], "3.1.0", "the document is OpenAPI 3.1.0");
        Self {
            doc,
            seen: Mutex::new(BTreeMap::new()),
        }
    }

    /// Every operation as (method, path template).
    fn operations(&self) -> Vec<(String, String)> {
        let mut operations = Vec::new();
        for (template, item) in self.doc["paths"].as_object().into_iter().flatten() {
            for method in METHODS {
                if item.get(method.to_ascii_lowercase()).is_some() {
                    operations.push((method.to_owned(), template.clone()));
                }
            }
        }
        operations
    }

    /// The path template a concrete path falls under, if any.
    fn template_of(&self, path: &str) -> Option<String> {
        let path = path.split('?').next().unwrap_or_default();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.doc["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(template, _)| template)
            .find(|template| {
                let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
                parts.len() == segments.len()
                    && parts.iter().zip(&segments).all(|(part, segment)| {
                        part.starts_with('{') && !segment.is_empty() || part == segment
                    })
            })
            .cloned()
    }

    /// Follows a local `$ref`, once, to what it names.
    fn resolve<'d>(&'d self, value: &'d Value) -> &'d Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let pointer = reference.strip_prefix('#').unwrap_or(reference);
                self.doc
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("{reference} names nothing in the document"))
            }
            None => value,
        }
    }

    /// A validator for one schema of the document, its references resolved against the
    /// document's components.
    fn validator(&self, schema: &Value) -> jsonschema::Validator {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            "allOf": [schema],
        });
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("schema {schema} does not compile: {e}"))
    }

    /// What is wrong with `instance` under `schema`, one line per error.
    fn errors(&self, schema: &Value, instance: &Value) -> Vec<String> {
        self.validator(schema)
            .iter_errors(instance)
            .map(|e| format!("at {:?}: {e}", e.instance_path().to_string()))
            .collect()
    }

    /// Checks an answer to `method path` against the document, and notes it as seen.
    fn check(&self, method: &str, path: &str, response: &TestResponse) {
        let what = format!("{method} {path} answered {}", response.status);
        let Some(template) = self.template_of(path) else {
            assert_eq!(response.status, 404, "{what}, but no route has this path");
            self.check_against(&what, method == "HEAD", "RouteNotFound", response);
            self.note("*", "unknown path", response.status);
            return;
        };
        let operation = &self.doc["paths"][&template][method.to_ascii_lowercase()];
        if operation.is_null() {
            assert_eq!(
                response.status, 405,
                "{what}, but the document has no {method} {template}"
            );
            self.check_against(&what, method == "HEAD", "MethodNotAllowed", response);
            self.note("*", "method not allowed", response.status);
            return;
        }

        let declared = &operation["responses"][response.status.to_string()];
        assert!(
            !declared.is_null(),
            "{what}, which {method} {template} does not declare: {}",
            response.text()
        );
        self.check_response(&what, method == "HEAD", self.resolve(declared), response);
        self.note(method, &template, response.status);
    }

    /// Checks an answer against one of the document's reusable responses.
    fn check_against(&self, what: &str, head: bool, name: &str, response: &TestResponse) {
        let declared = &self.doc["components"]["responses"][name];
        assert!(!declared.is_null(), "the document declares {name}");
        self.check_response(what, head, declared, response);
    }

    fn check_response(&self, what: &str, head: bool, declared: &Value, response: &TestResponse) {
        for (name, header) in declared["headers"].as_object().into_iter().flatten() {
            let header = self.resolve(header);
            let value = response.header(name);
            if value.is_empty() {
                assert!(
                    header["required"] != true,
                    "{what} without its required {name} header"
                );
                continue;
            }
            let instance = value.parse::<i64>().map_or(json!(value), |n| json!(n));
            let errors = self.errors(&header["schema"], &instance);
            assert!(
                errors.is_empty(),
                "{what} with a {name} of {value:?}: {errors:?}"
            );
        }

        let content_type = response.header("content-type");
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        let content = &declared["content"][media_type];
        assert!(
            !content.is_null(),
            "{what} as {content_type:?}, which the document does not declare for it"
        );
        if head {
            return;
        }
        let instance = if media_type.ends_with("json") {
            serde_json::from_slice(&response.body)
                .unwrap_or_else(|e| panic!("{what} with a body that is not JSON: {e}"))
        } else {
            json!(response.text())
        };
        let errors = self.errors(&content["schema"], &instance);
        assert!(
            errors.is_empty(),
            "{what} with a body the document does not allow: {errors:#?}\n{instance:#}"
        );
    }

    fn note(&self, method: &str, template: &str, status: u16) {
        let mut seen = self.seen.lock().expect("the record of answers");
        seen.entry((method.to_owned(), template.to_owned()))
            .or_default()
            .insert(status);
    }

    /// Every status seen, over all operations.
    fn statuses_seen(&self) -> BTreeSet<u16> {
        let seen = self.seen.lock().expect("the record of answers");
        seen.values().flatten().copied().collect()
    }

    /// The statuses seen for one operation.
    fn seen_for(&self, method: &str, template: &str) -> BTreeSet<u16> {
        let seen = self.seen.lock().expect("the record of answers");
        seen.get(&(method.to_owned(), template.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// Every status any operation declares.
    fn statuses_declared(&self) -> BTreeSet<u16> {
        self.operations()
            .iter()
            .flat_map(|(method, template)| self.declared_for(method, template))
            .collect()
    }

    fn declared_for(&self, method: &str, template: &str) -> BTreeSet<u16> {
        self.doc["paths"][template][method.to_ascii_lowercase()]["responses"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(status, _)| status.parse().ok())
            .collect()
    }
}

/// An application whose every answer is checked against the contract.
struct Checked {
    app: TestApp,
    contract: Contract,
}

impl Checked {
    async fn spawn() -> Self {
        Self {
            app: TestApp::spawn().await,
            contract: Contract::load(),
        }
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        user: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<Vec<u8>>,
    ) -> TestResponse {
        let response = self
            .app
            .raw(method, path, user, content_type, body.into())
            .await;
        self.contract.check(method, path, &response);
        response
    }

    /// Sends a JSON body, or none, and checks the answer has `status`.
    async fn expect(
        &self,
        status: u16,
        method: &str,
        path: &str,
        user: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let response = match body {
            Some(body) => self.raw(method, path, user, JSON, body.to_string()).await,
            None => self.raw(method, path, user, None, Vec::new()).await,
        };
        assert_eq!(
            response.status,
            status,
            "{method} {path} as {user:?}: {}",
            response.text()
        );
        response
    }

    /// Invites one address and returns the invitation id.
    async fn invite(&self, account: &str, email: &str, options: Value) -> String {
        let mut body = json!({ "emails": [email] });
        if let (Some(body), Some(options)) = (body.as_object_mut(), options.as_object()) {
            body.extend(options.clone());
        }
        let path = format!("/accounts/{account}/invitations");
        let response = self
            .expect(200, "POST", &path, Some(OWNER), Some(body))
            .await;
        response.json()["results"][0]["invitation_id"]
            .as_str()
            .expect("an invitation id")
            .to_owned()
    }

    /// Accepts an email's invitation as a JSON client and returns the member id.
    async fn accept(&self, email: &str) -> String {
        let token = self.app.last_email_to(email).token;
        let response = self
            .expect(
                200,
                "POST",
                "/invitations/accept",
                None,
                Some(json!({ "token": token })),
            )
            .await;
        response.json()["member_id"]
            .as_str()
            .expect("a member id")
            .to_owned()
    }
}

#[tokio::test]
async fn a_count_written_with_a_zero_fraction_is_the_integer_the_contract_allows() {
    let checked = Checked::spawn().await;

    let body = json!({ "name": "Acme", "owner_email": OWNER, "seats": 3.0 });
    let created = checked
        .expect(201, "POST", "/accounts", None, Some(body))
        .await;
    let account = created.json()["account_id"]
        .as_str()
        .expect("an account id")
        .to_owned();
    let seats = format!("/accounts/{account}/seats");
    let bought = checked
        .expect(
            200,
            "POST",
            &seats,
            Some(OWNER),
            Some(json!({ "add": 2.0 })),
        )
        .await;

    assert_eq!(created.json()["seats_bought"], 3);
    assert_eq!(bought.json()["seats_bought"], 5);
}

#[test]
fn every_schema_in_the_document_compiles_with_its_references_resolved() {
    let contract = Contract::load();

    let schemas = contract.doc["components"]["schemas"]
        .as_object()
        .expect("component schemas");
    for name in schemas.keys() {
        contract.validator(&json!({ "$ref": format!("#/components/schemas/{name}") }));
    }

    let mut references = Vec::new();
    collect_references(&contract.doc, &mut references);
    for reference in references {
        let pointer = reference.strip_prefix('#').unwrap_or(&reference);
        assert!(
            contract.doc.pointer(pointer).is_some(),
            "{reference} names nothing in the document"
        );
    }
}

#[test]
fn every_operation_has_an_id_and_a_function_and_only_sign_up_and_accept_need_no_caller() {
    let contract = Contract::load();
    let open = [
        ("POST", "/accounts"),
        ("GET", "/invitations/accept"),
        ("HEAD", "/invitations/accept"),
        ("POST", "/invitations/accept"),
    ];

    for (method, template) in contract.operations() {
        let operation = &contract.doc["paths"][&template][method.to_ascii_lowercase()];
        assert!(operation["operationId"].is_string(), "{method} {template}");
        assert_eq!(
            operation["tags"].as_array().map(Vec::len),
            Some(1),
            "{method} {template} names the one function that serves it"
        );
        let without_identity = operation["security"] == json!([]);
        let expected = open.contains(&(method.as_str(), template.as_str()));
        assert_eq!(
            without_identity, expected,
            "{method} {template}: whether it asks for no identity"
        );
        if !expected {
            assert!(
                !operation["responses"]["401"].is_null(),
                "{method} {template} declares 401"
            );
        }
    }
}

#[tokio::test]
async fn the_document_names_exactly_the_methods_each_path_takes() {
    let checked = Checked::spawn().await;
    let contract = &checked.contract;

    let templates: Vec<String> = contract.doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    for template in templates {
        let path = template
            .replace("{account_id}", NO_ACCOUNT)
            .replace("{member_id}", NO_MEMBER)
            .replace("{invitation_id}", NO_INVITATION);
        let item = &contract.doc["paths"][&template];
        let declared: BTreeSet<&str> = METHODS
            .into_iter()
            .filter(|m| item.get(m.to_ascii_lowercase()).is_some())
            .collect();

        for method in METHODS {
            let response = checked.raw(method, &path, Some(OWNER), None, "").await;
            if declared.contains(method) {
                assert_ne!(response.status, 405, "{method} {template} is served");
                continue;
            }
            let allow = response.header("allow");
            let allowed: BTreeSet<&str> = allow.split(',').map(str::trim).collect();
            assert_eq!(
                allowed, declared,
                "the Allow header of {template} names the methods the document declares"
            );
        }
    }

    let unknown = checked.raw("GET", "/nowhere", Some(OWNER), None, "").await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn every_answer_of_a_full_flow_is_one_the_document_declares() {
    let checked = Checked::spawn().await;
    let c = &checked;

    // Accounts: created, read, and refused in each way.
    let path = "/accounts";
    c.expect(400, "POST", path, None, Some(json!({ "name": 1 })))
        .await;
    c.expect(
        422,
        "POST",
        path,
        None,
        Some(json!({ "name": "Acme", "owner_email": OWNER, "seats": 0 })),
    )
    .await;
    let huge = json!({ "name": "x".repeat(17 * 1024), "owner_email": OWNER, "seats": 3 });
    c.expect(413, "POST", path, None, Some(huge)).await;
    let created = c
        .expect(
            201,
            "POST",
            path,
            None,
            Some(json!({ "name": "Acme", "owner_email": OWNER, "seats": 3 })),
        )
        .await;
    let account = created.json()["account_id"]
        .as_str()
        .expect("an account id")
        .to_owned();
    let owner = created.json()["owner_member_id"]
        .as_str()
        .expect("the owner's member id")
        .to_owned();
    let home = format!("/accounts/{account}");
    c.expect(200, "GET", &home, Some(OWNER), None).await;
    c.expect(401, "GET", &home, None, None).await;
    c.expect(403, "GET", &home, Some(STRANGER), None).await;
    c.expect(422, "GET", "/accounts/acc_nope", Some(OWNER), None)
        .await;

    // Invitations: an admin and a user join on trials; bad invites are refused.
    let invitations = format!("/accounts/{account}/invitations");
    c.invite(&account, ADMIN, json!({ "role": "admin" })).await;
    c.invite(&account, USER, json!({})).await;
    let admin = c.accept(ADMIN).await;
    let user = c.accept(USER).await;
    let repeat = json!({ "emails": [ADMIN, "new@acme.test", "NEW@acme.test "] });
    c.expect(200, "POST", &invitations, Some(OWNER), Some(repeat))
        .await;
    let escalate = json!({ "emails": ["boss@acme.test"], "role": "admin" });
    c.expect(403, "POST", &invitations, Some(USER), Some(escalate))
        .await;
    let misspelt = json!({ "emails": ["a@acme.test"], "seats": "paid" });
    c.expect(400, "POST", &invitations, Some(OWNER), Some(misspelt))
        .await;
    let invalid = json!({ "emails": ["a@acme.test", "not an address"] });
    c.expect(422, "POST", &invitations, Some(OWNER), Some(invalid))
        .await;
    c.expect(
        401,
        "POST",
        &invitations,
        None,
        Some(json!({ "emails": [] })),
    )
    .await;

    // Listings, a page at a time.
    c.expect(200, "GET", &invitations, Some(ADMIN), None).await;
    let first = c
        .expect(
            200,
            "GET",
            &format!("{invitations}?limit=1"),
            Some(OWNER),
            None,
        )
        .await;
    let cursor = first.json()["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let next = format!("{invitations}?limit=1&cursor={cursor}");
    c.expect(200, "GET", &next, Some(OWNER), None).await;
    c.expect(403, "GET", &invitations, Some(USER), None).await;
    let too_many = format!("{invitations}?limit=101");
    c.expect(422, "GET", &too_many, Some(OWNER), None).await;
    let members = format!("/accounts/{account}/members");
    c.expect(200, "GET", &members, Some(OWNER), None).await;
    c.expect(200, "GET", &format!("{members}?limit=2"), Some(ADMIN), None)
        .await;
    c.expect(403, "GET", &members, Some(USER), None).await;
    c.expect(422, "GET", &format!("{members}?limit=0"), Some(OWNER), None)
        .await;
    c.expect(401, "GET", &members, None, None).await;

    // Seats: the admin gets one; the rest are refused for each reason.
    let seat = |member: &str| format!("/accounts/{account}/members/{member}/seat");
    c.expect(200, "PUT", &seat(&admin), Some(OWNER), None).await;
    c.expect(409, "PUT", &seat(&admin), Some(OWNER), None).await;
    let from_owner = json!({ "from_member_id": owner });
    c.expect(409, "PUT", &seat(&user), Some(ADMIN), Some(from_owner))
        .await;
    c.expect(403, "PUT", &seat(&user), Some(USER), None).await;
    c.expect(404, "PUT", &seat(NO_MEMBER), Some(OWNER), None)
        .await;
    c.expect(422, "PUT", &seat("mem_x"), Some(OWNER), None)
        .await;
    let from_nobody = json!({ "from_member_id": "nobody" });
    c.expect(422, "PUT", &seat(&user), Some(OWNER), Some(from_nobody))
        .await;
    c.expect(400, "PUT", &seat(&user), Some(OWNER), Some(json!([])))
        .await;
    let paid = c
        .invite(&account, "paid@acme.test", json!({ "seat": "paid" }))
        .await;
    c.expect(409, "PUT", &seat(&user), Some(OWNER), None).await;
    let no_seat_left = json!({ "emails": ["late@acme.test"], "seat": "paid" });
    c.expect(409, "POST", &invitations, Some(ADMIN), Some(no_seat_left))
        .await;

    // Seat managers and the invite policy.
    let member = |member: &str| format!("/accounts/{account}/members/{member}");
    let manages = json!({ "manages_seats": true });
    c.expect(
        200,
        "PATCH",
        &member(&user),
        Some(ADMIN),
        Some(manages.clone()),
    )
    .await;
    c.expect(
        403,
        "PATCH",
        &member(&admin),
        Some(USER),
        Some(manages.clone()),
    )
    .await;
    c.expect(404, "PATCH", &member(NO_MEMBER), Some(OWNER), Some(manages))
        .await;
    c.expect(400, "PATCH", &member(&user), Some(OWNER), Some(json!({})))
        .await;
    c.expect(422, "PATCH", &member("admin"), Some(OWNER), Some(json!({})))
        .await;
    let settings = format!("/accounts/{account}/settings");
    let restricted = json!({ "invites_restricted_to_admins": true });
    c.expect(
        200,
        "PATCH",
        &settings,
        Some(ADMIN),
        Some(restricted.clone()),
    )
    .await;
    c.expect(403, "PATCH", &settings, Some(USER), Some(restricted))
        .await;
    let wrong_type = json!({ "invites_restricted_to_admins": "yes" });
    c.expect(400, "PATCH", &settings, Some(OWNER), Some(wrong_type))
        .await;

    // Buying seats.
    let seats = format!("/accounts/{account}/seats");
    c.expect(200, "POST", &seats, Some(OWNER), Some(json!({ "add": 2 })))
        .await;
    c.expect(403, "POST", &seats, Some(ADMIN), Some(json!({ "add": 1 })))
        .await;
    c.expect(
        422,
        "POST",
        &seats,
        Some(OWNER),
        Some(json!({ "add": 100_000 })),
    )
    .await;
    c.expect(
        400,
        "POST",
        &seats,
        Some(OWNER),
        Some(json!({ "add": 1.5 })),
    )
    .await;

    // Resend and revoke.
    let resend = |id: &str| format!("/accounts/{account}/invitations/{id}/resend");
    let revoke = |id: &str| format!("/accounts/{account}/invitations/{id}");
    c.expect(429, "POST", &resend(&paid), Some(OWNER), None)
        .await;
    c.app.advance(Duration::minutes(10));
    c.expect(200, "POST", &resend(&paid), Some(ADMIN), None)
        .await;
    c.expect(403, "POST", &resend(&paid), Some(USER), None)
        .await;
    c.expect(404, "POST", &resend(NO_INVITATION), Some(OWNER), None)
        .await;
    c.expect(422, "POST", &resend("inv_1"), Some(OWNER), None)
        .await;
    let accepted = c.invite(&account, "joiner@acme.test", json!({})).await;
    let joiner_token = c.app.last_email_to("joiner@acme.test").token;
    let withdrawn = c.invite(&account, "withdrawn@acme.test", json!({})).await;
    let withdrawn_token = c.app.last_email_to("withdrawn@acme.test").token;
    c.expect(200, "DELETE", &revoke(&withdrawn), Some(ADMIN), None)
        .await;
    c.expect(409, "DELETE", &revoke(&withdrawn), Some(OWNER), None)
        .await;
    c.expect(403, "DELETE", &revoke(&paid), Some(USER), None)
        .await;
    c.expect(404, "DELETE", &revoke(NO_INVITATION), Some(OWNER), None)
        .await;
    c.expect(422, "DELETE", &revoke("x"), Some(OWNER), None)
        .await;

    // The accept link: the page, each outcome as a page and as JSON.
    let page = |token: &str| format!("/invitations/accept?token={token}");
    c.expect(200, "GET", &page(&joiner_token), None, None).await;
    c.expect(200, "HEAD", &page(&joiner_token), None, None)
        .await;
    let form = format!("token={joiner_token}");
    let welcome = c
        .raw("POST", "/invitations/accept", None, FORM, form.clone())
        .await;
    assert_eq!(welcome.status, 200, "{}", welcome.text());
    let again = c.raw("POST", "/invitations/accept", None, FORM, form).await;
    assert_eq!(again.status, 409, "{}", again.text());
    c.expect(409, "GET", &page(&joiner_token), None, None).await;
    c.expect(409, "HEAD", &page(&joiner_token), None, None)
        .await;
    let json_again = json!({ "token": joiner_token });
    c.expect(409, "POST", "/invitations/accept", None, Some(json_again))
        .await;
    c.expect(410, "GET", &page(&withdrawn_token), None, None)
        .await;
    c.expect(410, "HEAD", &page(&withdrawn_token), None, None)
        .await;
    let json_withdrawn = json!({ "token": withdrawn_token });
    c.expect(
        410,
        "POST",
        "/invitations/accept",
        None,
        Some(json_withdrawn),
    )
    .await;
    c.expect(404, "GET", &page("nonsense"), None, None).await;
    c.expect(404, "HEAD", "/invitations/accept", None, None)
        .await;
    let unknown = json!({ "token": "nonsense" });
    c.expect(404, "POST", "/invitations/accept", None, Some(unknown))
        .await;
    let not_found = c
        .raw("POST", "/invitations/accept", None, FORM, "token=nonsense")
        .await;
    assert_eq!(not_found.status, 404, "{}", not_found.text());
    let wrong_shape = json!({ "token": 7 });
    c.expect(400, "POST", "/invitations/accept", None, Some(wrong_shape))
        .await;
    let oversized = json!({ "token": "x".repeat(17 * 1024) });
    c.expect(413, "POST", "/invitations/accept", None, Some(oversized))
        .await;
    c.expect(409, "POST", &resend(&accepted), Some(OWNER), None)
        .await;

    // A week later: the user's trial is over and the paid invitation has expired.
    c.app.advance(Duration::days(8));
    c.app.daily().await;
    c.expect(403, "GET", &home, Some(USER), None).await;
    let expired = c.app.last_email_to("paid@acme.test").token;
    c.expect(410, "GET", &page(&expired), None, None).await;
    c.expect(200, "PUT", &seat(&user), Some(ADMIN), None).await;
    c.expect(200, "GET", &members, Some(OWNER), None).await;

    // Paths that name no route, and methods a path does not take.
    c.expect(404, "GET", "/accounts/x/nowhere", Some(OWNER), None)
        .await;
    c.expect(405, "DELETE", "/accounts", None, None).await;

    // Every operation answered with success, and every refusal the document declares
    // was seen somewhere.
    let contract = &c.contract;
    for (method, template) in contract.operations() {
        let seen = contract.seen_for(&method, &template);
        assert!(
            seen.iter().any(|s| (200..300).contains(s)),
            "{method} {template} was never answered with success; seen {seen:?}"
        );
    }
    let mut unseen = contract.statuses_declared();
    unseen.retain(|status| *status >= 400 && *status != 500);
    unseen.extend([404, 405]);
    let seen = contract.statuses_seen();
    unseen.retain(|status| !seen.contains(status));
    assert!(unseen.is_empty(), "statuses never seen: {unseen:?}");
}

fn collect_references(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                into.push(reference.clone());
            }
            map.values().for_each(|v| collect_references(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, into)),
        _ => {}
    }
}
