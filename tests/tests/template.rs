//! `template.yaml` against the code and the sample events: every route the router serves
//! reaches a function, with the authorization the product needs, each function may do
//! only what its routes do, and `events/` holds an event for every route in the shape
//! API Gateway sends.
//!
//! The linters (`cfn-lint`, `sam validate --lint`) and `sam build` run in `scripts/test`;
//! these tests check what the linters cannot know.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use serde_norway::Value;
use teamseats::config::{Config, Defaults};
use teamseats::token::InvitationToken;
use teamseats_tests::lambda::{REQUIRED, event};
use teamseats_tests::sample;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template() -> Value {
    let text = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
    serde_norway::from_str(&text).expect("template.yaml is YAML")
}

/// The functions of the template by logical id, with the folder under `functions/`.
fn functions(template: &Value) -> BTreeMap<String, (String, Value)> {
    template["Resources"]
        .as_mapping()
        .expect("resources")
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(id, r)| {
            let code = r["Properties"]["CodeUri"].as_str().unwrap_or_default();
            let folder = code.strip_prefix("functions/").unwrap_or(code).to_owned();
            (
                id.as_str().unwrap_or_default().to_owned(),
                (folder, r["Properties"].clone()),
            )
        })
        .collect()
}

/// Every HTTP route of the template: route key to (function folder, authorizer).
fn routes(template: &Value) -> BTreeMap<String, (String, String)> {
    let mut routes = BTreeMap::new();
    for (folder, properties) in functions(template).into_values() {
        let events = properties["Events"]
            .as_mapping()
            .cloned()
            .unwrap_or_default();
        for event in events.values().filter(|e| e["Type"] == "HttpApi") {
            let p = &event["Properties"];
            let key = format!(
                "{} {}",
                p["Method"].as_str().unwrap_or_default(),
                p["Path"].as_str().unwrap_or_default()
            );
            let auth = p["Auth"]["Authorizer"]
                .as_str()
                .unwrap_or("default")
                .to_owned();
            routes.insert(key, (folder.clone(), auth));
        }
    }
    routes
}

/// Every file under `events/`, as `(folder, file name, event)`.
fn sample_events() -> Vec<(String, String, Json)> {
    let mut found = Vec::new();
    let folders = std::fs::read_dir(root().join("events")).expect("events/");
    for folder in folders.flatten().filter(|e| e.path().is_dir()) {
        let name = folder.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(folder.path())
            .expect("a folder")
            .flatten()
        {
            let file = file.file_name().to_string_lossy().into_owned();
            if file.ends_with(".json") {
                found.push((name.clone(), file.clone(), event(&format!("{name}/{file}"))));
            }
        }
    }
    found.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    found
}

fn strings(value: &Value) -> BTreeSet<String> {
    match value {
        Value::String(s) => BTreeSet::from([s.clone()]),
        Value::Sequence(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => BTreeSet::new(),
    }
}

#[test]
fn every_route_has_a_sample_event_in_its_functions_folder_and_every_event_a_route() {
    let routes = routes(&template());
    let events = sample_events();

    for (key, (folder, _)) in &routes {
        assert!(
            events
                .iter()
                .any(|(f, _, e)| f == folder && e["routeKey"] == key.as_str()),
            "no event in events/{folder}/ for {key}"
        );
    }
    for (folder, file, event) in events.iter().filter(|(_, _, e)| e["version"] == "2.0") {
        let key = event["routeKey"].as_str().unwrap_or_default();
        assert_eq!(
            routes.get(key).map(|(f, _)| f),
            Some(folder),
            "events/{folder}/{file} is for {key}, which the template sends elsewhere"
        );
    }
}

#[test]
fn only_the_accept_link_is_public_and_only_account_creation_takes_iam_signatures() {
    let template = template();
    let auth = &template["Resources"]["HttpApi"]["Properties"]["Auth"];

    assert_eq!(auth["DefaultAuthorizer"], "WebAppJwt");
    let jwt = &auth["Authorizers"]["WebAppJwt"]["JwtConfiguration"];
    assert!(matches!(&jwt["issuer"], Value::Tagged(t) if t.value == "JwtIssuer"));
    assert!(matches!(&jwt["audience"], Value::Tagged(t) if t.value == "JwtAudience"));
    for (key, (_, authorizer)) in routes(&template) {
        let expected = match key.as_str() {
            "GET /invitations/accept" | "HEAD /invitations/accept" | "POST /invitations/accept" => {
                "NONE"
            }
            "POST /accounts" => "AWS_IAM",
            _ => "default",
        };
        assert_eq!(authorizer, expected, "{key}");
    }
}

#[test]
fn each_function_may_send_only_the_dynamodb_actions_its_routes_use() {
    // From the store: a lookup is a BatchGetItem; each transaction's writes are
    // authorized as PutItem, UpdateItem, DeleteItem and ConditionCheckItem; listings are
    // a Query of the table; the daily run reads its watermark with GetItem and PutItem,
    // queries the `due` index and reads each invitation with GetItem.
    let expected: BTreeMap<&str, (&[&str], &[&str])> = BTreeMap::from([
        (
            "invite",
            (
                &[
                    "BatchGetItem",
                    "ConditionCheckItem",
                    "GetItem",
                    "PutItem",
                    "UpdateItem",
                ][..],
                &[][..],
            ),
        ),
        (
            "resend",
            (
                &[
                    "BatchGetItem",
                    "ConditionCheckItem",
                    "GetItem",
                    "PutItem",
                    "UpdateItem",
                ][..],
                &[][..],
            ),
        ),
        (
            "accept",
            (
                &["BatchGetItem", "DeleteItem", "PutItem", "UpdateItem"][..],
                &[][..],
            ),
        ),
        (
            "assign-seat",
            (&["BatchGetItem", "PutItem", "UpdateItem"][..], &[][..]),
        ),
        (
            "settings",
            (
                &[
                    "BatchGetItem",
                    "DeleteItem",
                    "PutItem",
                    "Query",
                    "UpdateItem",
                ][..],
                &[][..],
            ),
        ),
        (
            "trial-expiry",
            (
                &["DeleteItem", "GetItem", "PutItem", "UpdateItem"][..],
                &["Query"][..],
            ),
        ),
    ]);

    let template = template();
    let functions = functions(&template);
    assert_eq!(functions.len(), expected.len());
    for (folder, properties) in functions.into_values() {
        let (on_table, on_index) = expected[folder.as_str()];
        let mut table = BTreeSet::new();
        let mut index = BTreeSet::new();
        let mut ses = 0;
        for statement in properties["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
            .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
        {
            assert_eq!(statement["Effect"], "Allow");
            let actions = strings(&statement["Action"]);
            let Value::Tagged(resource) = &statement["Resource"] else {
                ses += 1;
                assert_eq!(actions, BTreeSet::from(["ses:SendEmail".to_owned()]));
                let from = &statement["Condition"]["StringEquals"]["ses:FromAddress"];
                assert!(matches!(from, Value::Tagged(t) if t.value == "SenderAddress"));
                continue;
            };
            let names: BTreeSet<String> = actions
                .iter()
                .map(|a| {
                    a.strip_prefix("dynamodb:")
                        .expect("a DynamoDB action")
                        .to_owned()
                })
                .collect();
            match (resource.tag.to_string().as_str(), &resource.value) {
                ("!GetAtt", v) if v == "Table.Arn" => table.extend(names),
                ("!Sub", v) if v == "${Table.Arn}/index/due" => index.extend(names),
                other => panic!("{folder} may act on {other:?}"),
            }
        }

        let wanted = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        assert_eq!(table, wanted(on_table), "{folder} on the table");
        assert_eq!(index, wanted(on_index), "{folder} on the index");
        let sends_mail = matches!(folder.as_str(), "invite" | "resend");
        assert_eq!(ses, usize::from(sends_mail), "{folder} and SES");
    }
}

#[test]
fn the_template_gives_the_functions_every_variable_a_deployed_function_needs() {
    let template = template();
    let variables = &template["Globals"]["Function"]["Environment"]["Variables"];
    let names: BTreeSet<String> = variables
        .as_mapping()
        .expect("variables")
        .keys()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();

    for name in REQUIRED {
        assert!(names.contains(name), "{name} is not set");
    }
    assert_eq!(variables["MAIL_TRANSPORT"], "ses");
    // Parameters stand in for what CloudFormation fills in; literal values are used as is.
    let config = Config::read(Defaults::Deployed, |name| {
        let literal = match &variables[name] {
            Value::String(value) => Some(value.clone()),
            _ => None,
        };
        literal.or_else(|| {
            names.contains(name).then(|| match name {
                "PUBLIC_BASE_URL" | "APP_URL" => "https://example.com".to_owned(),
                "INVITATION_TTL_DAYS" | "TRIAL_DAYS" | "DAILY_INVITE_LIMIT" => "7".to_owned(),
                _ => "from-the-template".to_owned(),
            })
        })
    })
    .expect("a deployed configuration");
    assert!(config.table_name.is_some());
}

#[test]
fn every_http_event_is_an_api_gateway_v2_event_on_the_default_stage() {
    for (folder, file, event) in sample_events() {
        let name = format!("events/{folder}/{file}");
        if folder == "trial-expiry" {
            assert_eq!(event["detail-type"], "Scheduled Event", "{name}");
            continue;
        }
        assert_eq!(event["version"], "2.0", "{name}");
        let context = &event["requestContext"];
        assert_eq!(context["stage"], "$default", "{name}");
        assert_eq!(context["routeKey"], event["routeKey"], "{name}");
        let key = event["routeKey"].as_str().unwrap_or_default();
        let (method, pattern) = key.split_once(' ').expect("a route key");
        assert_eq!(context["http"]["method"], method, "{name}");
        assert_eq!(context["http"]["path"], event["rawPath"], "{name}");

        let mut path = pattern.to_owned();
        for (param, value) in event["pathParameters"].as_object().into_iter().flatten() {
            path = path.replace(&format!("{{{param}}}"), value.as_str().unwrap_or_default());
        }
        assert_eq!(event["rawPath"], path.as_str(), "{name}");

        let claims = &context["authorizer"]["jwt"]["claims"];
        if let Some(claims) = claims.as_object() {
            assert!(
                claims.values().all(Json::is_string),
                "{name}: API Gateway passes every claim as a string"
            );
            assert_eq!(claims["email"], sample::OWNER, "{name}");
        }
    }
}

#[test]
fn the_sample_events_name_the_ids_teamseats_derives() {
    assert_eq!(sample::member_id(sample::TOM).as_str(), sample::TOM_ID);
    assert_eq!(sample::member_id(sample::PIA).as_str(), sample::PIA_ID);
    let token = InvitationToken::parse(sample::SAM_TOKEN).expect("the sample token");
    assert_eq!(token.account().as_str(), sample::ACCOUNT);
    assert_eq!(token.invitation().as_str(), sample::SAM_INVITATION);

    let page = event("accept/page.json");
    assert_eq!(page["queryStringParameters"]["token"], sample::SAM_TOKEN);
    let assign = event("assign-seat/assign.json");
    assert_eq!(assign["pathParameters"]["member_id"], sample::TOM_ID);
    assert_eq!(
        event("assign-seat/move.json")["body"],
        format!("{{\"from_member_id\": \"{}\"}}", sample::PIA_ID)
    );
}
