//! One or more tests for each rule of the product brief, R1 to R14, through HTTP.

use chrono::Duration;
use serde_json::{Value, json};
use teamseats_tests::{TestApp, find_member};

const OWNER: &str = "olive@acme.test";
const ADMIN: &str = "adam@acme.test";
const USER: &str = "ursula@acme.test";

/// An account with an admin and a regular user on paid seats, and `free` seats left.
async fn account_with_team(app: &TestApp, free: u32) -> String {
    let account = app.create_account(OWNER, 3 + free).await;
    app.join(
        &account,
        OWNER,
        ADMIN,
        json!({ "role": "admin", "seat": "paid" }),
    )
    .await;
    app.join(&account, OWNER, USER, json!({ "seat": "paid" }))
        .await;
    account
}

fn statuses(response: &Value) -> Vec<(String, String)> {
    response["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| {
                    (
                        r["email"].as_str().unwrap_or_default().to_owned(),
                        r["status"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

// R1

#[tokio::test]
async fn r1_any_active_member_may_invite() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 0).await;
    let trial = "tess@acme.test";
    app.join(&account, USER, trial, json!({})).await;

    let response = app
        .invite(&account, trial, &["newcomer@acme.test"], json!({}))
        .await;

    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["results"][0]["status"], "invited");
}

#[tokio::test]
async fn r1_when_invites_are_restricted_only_owners_and_admins_may_invite() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 0).await;
    let settings = format!("/accounts/{account}/settings");
    let on = app
        .request(
            "PATCH",
            &settings,
            Some(ADMIN),
            Some(json!({ "invites_restricted_to_admins": true })),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.text());

    let by_user = app
        .invite(&account, USER, &["a@acme.test"], json!({}))
        .await;
    let by_admin = app
        .invite(&account, ADMIN, &["b@acme.test"], json!({}))
        .await;

    assert_eq!(
        (by_user.status, by_user.code().as_str()),
        (403, "invites_restricted")
    );
    assert_eq!(by_admin.status, 200, "{}", by_admin.text());
}

#[tokio::test]
async fn r1_only_owners_and_admins_may_change_the_invite_policy() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 0).await;
    let settings = format!("/accounts/{account}/settings");
    let body = json!({ "invites_restricted_to_admins": true });

    let by_user = app
        .request("PATCH", &settings, Some(USER), Some(body.clone()))
        .await;
    assert_eq!(
        (by_user.status, by_user.code().as_str()),
        (403, "not_admin")
    );
    assert_eq!(
        app.account(&account, OWNER).await["invites_restricted_to_admins"],
        false
    );

    let by_owner = app
        .request("PATCH", &settings, Some(OWNER), Some(body))
        .await;
    assert_eq!(by_owner.status, 200);
    assert_eq!(
        app.account(&account, OWNER).await["invites_restricted_to_admins"],
        true
    );
}

// R2

#[tokio::test]
async fn r2_addresses_are_trimmed_compared_without_case_and_deduplicated() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;

    let response = app
        .invite(
            &account,
            OWNER,
            &[" Bob@Acme.test ", "bob@acme.TEST", "carol@acme.test"],
            json!({}),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        statuses(&response.json()),
        [
            ("bob@acme.test".into(), "invited".into()),
            ("carol@acme.test".into(), "invited".into())
        ]
    );
    assert_eq!(
        app.emails_to("bob@acme.test").len(),
        1,
        "one email per person"
    );
}

#[tokio::test]
async fn r2_options_default_to_a_regular_user_with_both_permissions() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;

    app.invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;
    app.invite(
        &account,
        OWNER,
        &["carol@acme.test"],
        json!({ "export_data": false, "google_sync": false, "role": "admin" }),
    )
    .await;

    let invitations = app.invitations(&account, OWNER).await;
    let bob = invitations
        .iter()
        .find(|i| i["email"] == "bob@acme.test")
        .expect("bob's invitation");
    let carol = invitations
        .iter()
        .find(|i| i["email"] == "carol@acme.test")
        .expect("carol's invitation");
    assert_eq!(
        (
            &bob["role"],
            &bob["export_data"],
            &bob["google_sync"],
            &bob["seat"]
        ),
        (&json!("user"), &json!(true), &json!(true), &json!("trial"))
    );
    assert_eq!(
        (&carol["role"], &carol["export_data"], &carol["google_sync"]),
        (&json!("admin"), &json!(false), &json!(false))
    );

    let token = app.last_email_to("carol@acme.test").token;
    let member = app.accept(&token).await.json();
    assert_eq!(
        (
            &member["role"],
            &member["export_data"],
            &member["google_sync"]
        ),
        (&json!("admin"), &json!(false), &json!(false))
    );
}

#[tokio::test]
async fn r2_one_request_takes_one_to_twenty_five_addresses() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    let addresses: Vec<String> = (0..26).map(|i| format!("person{i}@acme.test")).collect();
    let refs: Vec<&str> = addresses.iter().map(String::as_str).collect();

    let too_many = app.invite(&account, OWNER, &refs, json!({})).await;
    let none = app.invite(&account, OWNER, &[], json!({})).await;
    let most = app.invite(&account, OWNER, &refs[..25], json!({})).await;

    assert_eq!(
        (too_many.status, too_many.json()["field"].as_str()),
        (422, Some("emails"))
    );
    assert_eq!(
        (none.status, none.json()["field"].as_str()),
        (422, Some("emails"))
    );
    assert_eq!(most.status, 200);
    assert_eq!(
        statuses(&most.json())
            .iter()
            .filter(|(_, s)| s == "invited")
            .count(),
        25
    );
}

// R3

#[tokio::test]
async fn r3_a_regular_user_can_invite_only_regular_users_on_a_trial() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 5).await;

    let admin = app
        .invite(&account, USER, &["a@acme.test"], json!({ "role": "admin" }))
        .await;
    let paid = app
        .invite(&account, USER, &["b@acme.test"], json!({ "seat": "paid" }))
        .await;
    let plain = app
        .invite(
            &account,
            USER,
            &["c@acme.test"],
            json!({ "role": "user", "seat": "trial" }),
        )
        .await;

    assert_eq!(
        (admin.status, admin.code().as_str()),
        (403, "role_not_allowed")
    );
    assert_eq!(
        (paid.status, paid.code().as_str()),
        (403, "seat_not_allowed")
    );
    assert_eq!(plain.status, 200);
    assert_eq!(
        app.invitations(&account, OWNER).await.len(),
        3,
        "two for the team, one for c"
    );
}

#[tokio::test]
async fn r3_nobody_can_be_invited_as_owner() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 1).await;

    for inviter in [OWNER, ADMIN, USER] {
        let response = app
            .invite(
                &account,
                inviter,
                &["o2@acme.test"],
                json!({ "role": "owner" }),
            )
            .await;
        assert_eq!(
            (response.status, response.code().as_str()),
            (403, "role_not_allowed"),
            "inviter {inviter}"
        );
    }
}

// R4

#[tokio::test]
async fn r4_a_paid_invitation_reserves_a_seat_and_revoking_releases_it() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 2).await;

    let invited = app
        .invite(
            &account,
            OWNER,
            &["bob@acme.test"],
            json!({ "seat": "paid" }),
        )
        .await;
    let invitation = invited.json()["results"][0]["invitation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let reserved = app.account(&account, OWNER).await;
    assert_eq!(
        (&reserved["seats_reserved"], &reserved["seats_free"]),
        (&json!(1), &json!(0))
    );

    let revoke = app
        .request(
            "DELETE",
            &format!("/accounts/{account}/invitations/{invitation}"),
            Some(OWNER),
            None,
        )
        .await;
    assert_eq!(revoke.status, 200, "{}", revoke.text());
    let released = app.account(&account, OWNER).await;
    assert_eq!(
        (&released["seats_reserved"], &released["seats_free"]),
        (&json!(0), &json!(1))
    );
}

#[tokio::test]
async fn r4_a_paid_invitation_that_expires_releases_its_seat() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 2).await;
    app.invite(
        &account,
        OWNER,
        &["bob@acme.test"],
        json!({ "seat": "paid" }),
    )
    .await;

    app.advance(Duration::days(7));
    app.daily().await;

    let account_now = app.account(&account, OWNER).await;
    assert_eq!(
        (&account_now["seats_reserved"], &account_now["seats_free"]),
        (&json!(0), &json!(1))
    );
}

#[tokio::test]
async fn r4_paid_invitations_need_a_free_seat_for_every_address_in_the_request() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 2).await;
    let before = app.state(&account, OWNER).await;

    let response = app
        .invite(
            &account,
            OWNER,
            &["a@acme.test", "b@acme.test"],
            json!({ "seat": "paid" }),
        )
        .await;

    assert_eq!(
        (response.status, response.code().as_str()),
        (409, "seats_exhausted")
    );
    let problem = response.json();
    assert_eq!(
        (&problem["seats_bought"], &problem["seats_used"]),
        (&json!(2), &json!(1))
    );
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("2 bought")
            && detail.contains("1 in use")
            && detail.contains("owner can buy more"),
        "{detail}"
    );
    assert_eq!(
        app.state(&account, OWNER).await,
        before,
        "nothing is written"
    );
}

#[tokio::test]
async fn r4_a_regular_users_trial_invitations_take_no_seat() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 0).await;

    let response = app
        .invite(&account, USER, &["a@acme.test", "b@acme.test"], json!({}))
        .await;

    assert_eq!(response.status, 200);
    assert_eq!(app.account(&account, OWNER).await["seats_reserved"], 0);
}

// R5

#[tokio::test]
async fn r5_members_and_pending_invitees_are_not_invited_again() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 0).await;
    let first = app
        .invite(&account, OWNER, &["pending@acme.test"], json!({}))
        .await;
    let pending_id = first.json()["results"][0]["invitation_id"].clone();

    let response = app
        .invite(
            &account,
            ADMIN,
            &["PENDING@acme.test", USER, "new@acme.test"],
            json!({}),
        )
        .await;

    assert_eq!(response.status, 200);
    let results = response.json()["results"].clone();
    assert_eq!(
        statuses(&response.json()),
        [
            ("pending@acme.test".into(), "already_invited".into()),
            (USER.into(), "already_member".into()),
            ("new@acme.test".into(), "invited".into())
        ]
    );
    assert_eq!(
        results[0]["invitation_id"], pending_id,
        "names the pending invitation"
    );
    assert_eq!(
        app.emails_to("pending@acme.test").len(),
        1,
        "no second email"
    );
}

#[tokio::test]
async fn r5_an_address_can_be_invited_again_once_its_invitation_is_revoked() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    let first = app
        .invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;
    let id = first.json()["results"][0]["invitation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.request(
        "DELETE",
        &format!("/accounts/{account}/invitations/{id}"),
        Some(OWNER),
        None,
    )
    .await;

    let again = app
        .invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;

    assert_eq!(again.json()["results"][0]["status"], "invited");
}

// R6

#[tokio::test]
async fn r6_the_email_names_account_and_inviter_in_text_and_html_with_an_accept_link() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;

    app.invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;

    let email = app.last_email_to("bob@acme.test");
    assert!(
        email.subject.contains("Acme") && email.subject.contains(OWNER),
        "{}",
        email.subject
    );
    for (part, body) in [("text", &email.text), ("html", &email.html)] {
        assert!(body.contains("Acme"), "{part} names the account");
        assert!(body.contains(OWNER), "{part} names the inviter");
        assert!(
            body.contains("https://teamseats.test/invitations/accept?token="),
            "{part} links to accept"
        );
        assert!(
            body.contains("14 January 2030"),
            "{part} says when it expires"
        );
    }
}

#[tokio::test]
async fn r6_the_token_carries_at_least_128_random_bits_and_only_its_hash_is_stored() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.invite(
        &account,
        OWNER,
        &["bob@acme.test", "carol@acme.test"],
        json!({}),
    )
    .await;

    let bob = app.last_email_to("bob@acme.test").token;
    let carol = app.last_email_to("carol@acme.test").token;
    let secret = bob.rsplit('.').next().unwrap_or_default().to_owned();
    assert!(
        secret.len() * 6 >= 128,
        "{} base64url characters",
        secret.len()
    );
    assert_ne!(secret, carol.rsplit('.').next().unwrap_or_default());

    let stored = app.stored_bytes().await;
    assert!(!stored.is_empty(), "the store holds the invitations");
    let found = stored.windows(secret.len()).any(|w| w == secret.as_bytes());
    assert!(!found, "the secret must not be stored");
}

#[tokio::test]
async fn r6_an_invitation_is_valid_for_seven_days() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;

    let invitation = &app.invitations(&account, OWNER).await[0];
    assert_eq!(invitation["sent_at"], "2030-01-07T09:00:00Z");
    assert_eq!(invitation["expires_at"], "2030-01-14T09:00:00Z");
}

#[tokio::test]
async fn r6_the_validity_period_is_configurable() {
    let app = TestApp::spawn_with(|policy| policy.invitation_ttl = Duration::days(2)).await;
    let account = app.create_account(OWNER, 1).await;
    app.invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;

    assert_eq!(
        app.invitations(&account, OWNER).await[0]["expires_at"],
        "2030-01-09T09:00:00Z"
    );
}

#[tokio::test]
async fn r6_markup_in_account_and_inviter_names_shows_as_text_in_the_email_and_on_the_page() {
    let app = TestApp::spawn().await;
    let name = "<script>alert(1)</script> & Co";
    let inviter = "o'hara&sons@acme.test";
    let account = app.create_account_named(name, inviter, 1).await;

    app.invite(&account, inviter, &["bob@acme.test"], json!({}))
        .await;

    let email = app.last_email_to("bob@acme.test");
    let token = &email.token;
    let page = app
        .request(
            "GET",
            &format!("/invitations/accept?token={token}"),
            None,
            None,
        )
        .await
        .text();
    for (part, html) in [("the HTML email", &email.html), ("the page", &page)] {
        assert!(!html.contains("<script"), "{part} holds no script element");
        assert!(!html.contains(" & "), "{part} holds no bare ampersand");
        let text = unescape(html);
        assert!(
            text.contains(&format!("Join {name}")),
            "{part} names the account"
        );
        assert!(
            text.contains(&format!("{inviter} invited you to join {name}")),
            "{part} names the inviter"
        );
        assert!(
            text.contains("14 January 2030"),
            "{part} says when it expires"
        );
    }
    assert!(
        email
            .text
            .contains(&format!("{inviter} invited you to join {name}")),
        "the text part names both as they are"
    );
    assert!(
        email.text.contains("14 January 2030"),
        "the text part says when it expires"
    );
    assert!(
        email.text.lines().any(|line| line == email.link),
        "the text part has the plain link on a line of its own"
    );
    assert!(
        email.html.contains(&format!("<a href=\"{}\"", email.link)),
        "the HTML part's button leads to the same link"
    );
}

/// HTML as a reader sees it: tags dropped, character references decoded.
fn unescape(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(at) = rest.find(['<', '&']) {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = if rest.starts_with('<') { '>' } else { ';' };
        let Some(close) = rest.find(end) else { break };
        let reference = &rest[1..close];
        if end == ';' {
            let decoded = match reference {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => reference
                    .strip_prefix('#')
                    .and_then(|n| n.parse().ok())
                    .and_then(char::from_u32),
            };
            text.push(decoded.unwrap_or('\u{fffd}'));
        }
        rest = &rest[close + 1..];
    }
    text.push_str(rest);
    text
}

// R7

#[tokio::test]
async fn r7_opening_the_link_shows_the_invitation_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;
    let token = app.last_email_to("bob@acme.test").token;
    let before = app.state(&account, OWNER).await;

    let first = app
        .request(
            "GET",
            &format!("/invitations/accept?token={token}"),
            None,
            None,
        )
        .await;
    let second = app
        .request(
            "GET",
            &format!("/invitations/accept?token={token}"),
            None,
            None,
        )
        .await;

    assert_eq!(first.status, 200);
    assert!(first.header("content-type").starts_with("text/html"));
    let page = first.text();
    for (fact, words) in [
        (
            "names inviter and account",
            "<strong>olive@acme.test</strong> invited you to join",
        ),
        ("names the invitee", "<dd>bob@acme.test</dd>"),
        ("names the role", "<dd>a member</dd>"),
        (
            "says how the invitee starts",
            "<dd>a free trial of 7 days</dd>",
        ),
        (
            "says when the link expires",
            "<dd>14 January 2030, 09:00 UTC</dd>",
        ),
        ("has a title", "<title>Invitation to join Acme</title>"),
        ("has a language", "<html lang=\"en\">"),
        (
            "fits a phone",
            "<meta name=\"viewport\" content=\"width=device-width",
        ),
    ] {
        assert!(page.contains(words), "the page {fact}: {words:?}");
    }
    assert_eq!(
        page.matches("<form method=\"post\"").count(),
        1,
        "one form, which posts"
    );
    assert!(
        page.contains(
            "<button type=\"submit\" aria-describedby=\"note\">Accept invitation</button>"
        ),
        "one Accept button, described by the note below it"
    );
    assert_eq!(second.status, 200, "opening twice still works");
    assert_eq!(app.state(&account, OWNER).await, before, "nothing changed");
}

#[tokio::test]
async fn r7_accepting_creates_the_member_on_a_seven_day_trial() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;
    let token = app.last_email_to("bob@acme.test").token;
    app.advance(Duration::hours(5));

    let form = app
        .raw(
            "POST",
            "/invitations/accept",
            None,
            Some("application/x-www-form-urlencoded"),
            format!("token={token}").into_bytes(),
        )
        .await;

    assert_eq!(form.status, 200, "{}", form.text());
    assert!(
        form.text().contains("https://app.teamseats.test/"),
        "links on to the product"
    );
    let members = app.members(&account, OWNER).await;
    let bob = find_member(&members, "bob@acme.test");
    assert_eq!(
        (&bob["seat"], &bob["trial_ends_at"]),
        (&json!("trial"), &json!("2030-01-14T14:00:00Z"))
    );
    assert_eq!(
        app.invitations(&account, OWNER).await[0]["status"],
        "accepted"
    );
}

#[tokio::test]
async fn r7_accepting_a_paid_invitation_uses_the_reserved_seat() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 2).await;
    app.invite(
        &account,
        OWNER,
        &["bob@acme.test"],
        json!({ "seat": "paid" }),
    )
    .await;

    let accepted = app.accept(&app.last_email_to("bob@acme.test").token).await;

    assert_eq!(accepted.json()["seat"], "paid");
    let seats = app.account(&account, OWNER).await;
    assert_eq!(
        (
            &seats["seats_used"],
            &seats["seats_reserved"],
            &seats["seats_free"]
        ),
        (&json!(2), &json!(0), &json!(0))
    );
}

#[tokio::test]
async fn r7_the_page_and_its_outcome_say_whether_the_invitee_starts_on_a_trial_or_a_paid_seat() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 2).await;
    let cases = [
        (
            "trial@acme.test",
            json!({}),
            "<dd>a free trial of 7 days</dd>",
            "as a member, on a free trial that runs until 14 January 2030, 09:00 UTC.",
        ),
        (
            "paid@acme.test",
            json!({ "seat": "paid", "role": "admin" }),
            "<dd>a paid seat</dd>",
            "as an admin, on a paid seat.",
        ),
    ];

    for (email, options, offered, joined) in cases {
        app.invite(&account, OWNER, &[email], options).await;
        let token = app.last_email_to(email).token;
        let page = app
            .request(
                "GET",
                &format!("/invitations/accept?token={token}"),
                None,
                None,
            )
            .await;
        let accepted = app
            .raw(
                "POST",
                "/invitations/accept",
                None,
                Some("application/x-www-form-urlencoded"),
                format!("token={token}").into_bytes(),
            )
            .await;

        assert!(
            page.text().contains(offered),
            "{email}'s page offers {offered:?}"
        );
        assert_eq!(accepted.status, 200, "{email}: {}", accepted.text());
        assert!(
            accepted
                .text()
                .contains(&format!("You joined Acme {joined}")),
            "{email}'s outcome says {joined:?}"
        );
    }
}

#[tokio::test]
async fn r7_a_token_works_once() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;
    let token = app.last_email_to("bob@acme.test").token;

    let first = app.accept(&token).await;
    let again = app.accept(&token).await;
    let page = app
        .request(
            "GET",
            &format!("/invitations/accept?token={token}"),
            None,
            None,
        )
        .await;

    assert_eq!(first.status, 200);
    assert_eq!(
        (again.status, again.code().as_str()),
        (409, "invitation_already_accepted")
    );
    assert_eq!(page.status, 409);
    assert!(page.text().contains("Already accepted"));
    assert!(
        page.text().contains("href=\"https://app.teamseats.test/\""),
        "the page leads on to the product"
    );
    assert_eq!(app.members(&account, OWNER).await.len(), 2);
}

#[tokio::test]
async fn r7_expired_revoked_and_unknown_tokens_get_clear_pages_that_reveal_nothing() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.invite(
        &account,
        OWNER,
        &["expired@acme.test", "revoked@acme.test"],
        json!({}),
    )
    .await;
    let expired = app.last_email_to("expired@acme.test").token;
    let revoked = app.last_email_to("revoked@acme.test").token;
    let revoked_id = app
        .invitations(&account, OWNER)
        .await
        .iter()
        .find(|i| i["email"] == "revoked@acme.test")
        .map(|i| i["invitation_id"].clone())
        .unwrap_or_default();
    app.request(
        "DELETE",
        &format!(
            "/accounts/{account}/invitations/{}",
            revoked_id.as_str().unwrap_or_default()
        ),
        Some(OWNER),
        None,
    )
    .await;
    app.advance(Duration::days(8));
    let forged = format!("{}AAAA", &expired[..expired.len() - 4]);

    let cases = [
        (
            expired.as_str(),
            410,
            "expired",
            "Ask the person who invited you to send it again.",
            "invitation_expired",
        ),
        (
            revoked.as_str(),
            410,
            "withdrawn",
            "ask the person who invited you.",
            "invitation_revoked",
        ),
        (
            forged.as_str(),
            404,
            "This link doesn",
            "newest invitation email",
            "invitation_unknown",
        ),
        (
            "garbage",
            404,
            "This link doesn",
            "newest invitation email",
            "invitation_unknown",
        ),
    ];
    for (token, status, words, advice, code) in cases {
        let page = app
            .request(
                "GET",
                &format!("/invitations/accept?token={token}"),
                None,
                None,
            )
            .await;
        assert_eq!(page.status, status, "page for {code}");
        assert!(
            page.text().contains(words),
            "page for {code} says {words:?}"
        );
        assert!(
            page.text().contains(advice),
            "page for {code} advises {advice:?}"
        );
        assert!(
            !page.text().contains("Acme") && !page.text().contains(OWNER),
            "page for {code} reveals nothing"
        );

        let post = app.accept(token).await;
        assert_eq!((post.status, post.code().as_str()), (status, code));
    }
}

#[tokio::test]
async fn r7_every_html_answer_forbids_framing_referrers_caching_and_anything_external() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;
    let token = app.last_email_to("bob@acme.test").token;
    let form = |body: String| {
        app.raw(
            "POST",
            "/invitations/accept",
            None,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
    };

    let answers = [
        (
            "the page",
            app.request(
                "GET",
                &format!("/invitations/accept?token={token}"),
                None,
                None,
            )
            .await,
        ),
        (
            "an unknown link",
            app.request("GET", "/invitations/accept?token=nope", None, None)
                .await,
        ),
        (
            "a link without a token",
            app.request("GET", "/invitations/accept", None, None).await,
        ),
        ("a success", form(format!("token={token}")).await),
        ("a failure", form(format!("token={token}")).await),
        ("a form without a token", form(String::new()).await),
    ];

    let statuses: Vec<u16> = answers.iter().map(|(_, answer)| answer.status).collect();
    assert_eq!(statuses, [200, 404, 404, 200, 409, 404]);
    for (case, answer) in &answers {
        let policy = answer.header("content-security-policy");
        for directive in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ] {
            assert!(
                policy.contains(directive),
                "{case}: {directive} in {policy:?}"
            );
        }
        for (header, value) in [
            ("content-type", "text/html; charset=utf-8"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("cache-control", "no-store"),
            ("x-content-type-options", "nosniff"),
        ] {
            assert_eq!(answer.header(header), value, "{case}: {header}");
        }
        let page = answer.text();
        for external in [
            "<script",
            "src=",
            "<link rel=\"stylesheet\"",
            "@import",
            "url(",
        ] {
            assert!(
                !page.contains(external),
                "{case}: nothing loaded, but {external:?}"
            );
        }
    }
}

// R8

#[tokio::test]
async fn r8_a_resend_rotates_the_token_renews_validity_and_sends_a_new_email() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 0).await;
    let invited = app
        .invite(&account, USER, &["bob@acme.test"], json!({}))
        .await;
    let id = invited.json()["results"][0]["invitation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let old = app.last_email_to("bob@acme.test").token;
    app.advance(Duration::days(2));

    let resent = app
        .request(
            "POST",
            &format!("/accounts/{account}/invitations/{id}/resend"),
            Some(USER),
            None,
        )
        .await;

    assert_eq!(resent.status, 200, "{}", resent.text());
    assert_eq!(resent.json()["expires_at"], "2030-01-16T09:00:00Z");
    let emails = app.emails_to("bob@acme.test");
    assert_eq!(emails.len(), 2);
    let new = &emails[1].token;
    assert_ne!(&old, new);
    assert_eq!(
        app.accept(&old).await.code(),
        "invitation_unknown",
        "the old link stops working"
    );
    assert_eq!(app.accept(new).await.status, 200);
}

#[tokio::test]
async fn r8_the_inviter_an_admin_or_the_owner_may_resend_but_not_another_user() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 1).await;
    let other = "otto@acme.test";
    app.join(&account, OWNER, other, json!({ "seat": "paid" }))
        .await;
    let invited = app
        .invite(&account, USER, &["bob@acme.test"], json!({}))
        .await;
    let path = format!(
        "/accounts/{account}/invitations/{}/resend",
        invited.json()["results"][0]["invitation_id"]
            .as_str()
            .unwrap_or_default()
    );

    let by_other = app.request("POST", &path, Some(other), None).await;
    assert_eq!(
        (by_other.status, by_other.code().as_str()),
        (403, "not_inviter")
    );
    for caller in [USER, ADMIN, OWNER] {
        app.advance(Duration::hours(1));
        let response = app.request("POST", &path, Some(caller), None).await;
        assert_eq!(response.status, 200, "{caller}: {}", response.text());
    }
}

#[tokio::test]
async fn r8_resends_have_a_cooldown_and_a_daily_cap_and_say_when_to_retry() {
    let app = TestApp::spawn_with(|policy| {
        policy.resend_cooldown = Duration::minutes(5);
        policy.resend_daily_cap = 2;
    })
    .await;
    let account = app.create_account(OWNER, 1).await;
    let invited = app
        .invite(&account, OWNER, &["bob@acme.test"], json!({}))
        .await;
    let path = format!(
        "/accounts/{account}/invitations/{}/resend",
        invited.json()["results"][0]["invitation_id"]
            .as_str()
            .unwrap_or_default()
    );

    let too_soon = app.request("POST", &path, Some(OWNER), None).await;
    assert_eq!(
        (too_soon.status, too_soon.code().as_str()),
        (429, "resend_cooldown")
    );
    assert_eq!(too_soon.header("retry-after"), "300");

    for _ in 0..2 {
        app.advance(Duration::minutes(5));
        assert_eq!(
            app.request("POST", &path, Some(OWNER), None).await.status,
            200
        );
    }
    app.advance(Duration::minutes(5));
    let capped = app.request("POST", &path, Some(OWNER), None).await;
    assert_eq!(
        (capped.status, capped.code().as_str()),
        (429, "resend_daily_cap")
    );
    let retry: u64 = capped.header("retry-after").parse().unwrap_or_default();
    assert_eq!(retry, (24 - 9) * 3600 - 15 * 60, "until midnight UTC");

    app.advance(Duration::seconds(i64::try_from(retry).unwrap_or_default()));
    assert_eq!(
        app.request("POST", &path, Some(OWNER), None).await.status,
        200,
        "a new day"
    );
}

#[tokio::test]
async fn r8_an_expired_invitation_can_be_resent_and_takes_its_seat_again() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 2).await;
    let invited = app
        .invite(
            &account,
            OWNER,
            &["bob@acme.test"],
            json!({ "seat": "paid" }),
        )
        .await;
    let id = invited.json()["results"][0]["invitation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.advance(Duration::days(8));
    app.daily().await;
    assert_eq!(
        app.invitations(&account, OWNER).await[0]["status"],
        "expired"
    );
    assert_eq!(app.account(&account, OWNER).await["seats_reserved"], 0);

    let resent = app
        .request(
            "POST",
            &format!("/accounts/{account}/invitations/{id}/resend"),
            Some(OWNER),
            None,
        )
        .await;

    assert_eq!(resent.status, 200, "{}", resent.text());
    assert_eq!(
        app.invitations(&account, OWNER).await[0]["status"],
        "pending"
    );
    assert_eq!(app.account(&account, OWNER).await["seats_reserved"], 1);
    assert_eq!(
        app.accept(&app.last_email_to("bob@acme.test").token)
            .await
            .json()["seat"],
        "paid"
    );
}

#[tokio::test]
async fn r8_accepted_and_revoked_invitations_cannot_be_resent() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.join(&account, OWNER, "bob@acme.test", json!({})).await;
    let id = app.invitations(&account, OWNER).await[0]["invitation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.advance(Duration::hours(1));

    let response = app
        .request(
            "POST",
            &format!("/accounts/{account}/invitations/{id}/resend"),
            Some(OWNER),
            None,
        )
        .await;

    assert_eq!(
        (response.status, response.code().as_str()),
        (409, "invitation_not_resendable")
    );
}

// R9

#[tokio::test]
async fn r9_a_trial_member_can_be_put_on_a_free_seat_during_or_after_the_trial() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 3).await;
    let running = app
        .join(&account, OWNER, "running@acme.test", json!({}))
        .await;
    let ended = app
        .join(&account, OWNER, "ended@acme.test", json!({}))
        .await;
    app.request(
        "PUT",
        &format!("/accounts/{account}/members/{running}/seat"),
        Some(OWNER),
        None,
    )
    .await;
    app.advance(Duration::days(8));
    app.daily().await;
    assert_eq!(
        find_member(&app.members(&account, OWNER).await, "ended@acme.test")["seat"],
        "trial_expired"
    );

    let response = app
        .request(
            "PUT",
            &format!("/accounts/{account}/members/{ended}/seat"),
            Some(OWNER),
            None,
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text());
    let members = app.members(&account, OWNER).await;
    assert_eq!(find_member(&members, "running@acme.test")["seat"], "paid");
    assert_eq!(find_member(&members, "ended@acme.test")["seat"], "paid");
    assert_eq!(app.account(&account, OWNER).await["seats_used"], 3);
}

#[tokio::test]
async fn r9_a_seat_can_be_moved_leaving_the_old_member_seatless_who_can_get_one_back() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 3).await;
    let paid = app
        .join(&account, OWNER, "paid@acme.test", json!({ "seat": "paid" }))
        .await;
    let trial = app
        .join(&account, OWNER, "trial@acme.test", json!({}))
        .await;

    let moved = app
        .request(
            "PUT",
            &format!("/accounts/{account}/members/{trial}/seat"),
            Some(OWNER),
            Some(json!({ "from_member_id": paid })),
        )
        .await;

    assert_eq!(moved.status, 200, "{}", moved.text());
    let members = app.members(&account, OWNER).await;
    assert_eq!(find_member(&members, "paid@acme.test")["seat"], "seatless");
    assert_eq!(find_member(&members, "trial@acme.test")["seat"], "paid");
    assert_eq!(
        app.account(&account, OWNER).await["seats_used"],
        2,
        "a move uses no new seat"
    );
    let locked_out = app
        .invite(&account, "paid@acme.test", &["x@acme.test"], json!({}))
        .await;
    assert_eq!(locked_out.code(), "membership_inactive");

    let back = app
        .request(
            "PUT",
            &format!("/accounts/{account}/members/{paid}/seat"),
            Some(OWNER),
            None,
        )
        .await;
    assert_eq!(back.status, 200);
    assert_eq!(app.account(&account, OWNER).await["seats_used"], 3);
}

#[tokio::test]
async fn r9_seats_in_use_never_exceed_seats_bought() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 2).await;
    let first = app
        .join(&account, OWNER, "first@acme.test", json!({}))
        .await;
    let second = app
        .join(&account, OWNER, "second@acme.test", json!({}))
        .await;
    app.request(
        "PUT",
        &format!("/accounts/{account}/members/{first}/seat"),
        Some(OWNER),
        None,
    )
    .await;

    let response = app
        .request(
            "PUT",
            &format!("/accounts/{account}/members/{second}/seat"),
            Some(OWNER),
            None,
        )
        .await;

    assert_eq!(
        (response.status, response.code().as_str()),
        (409, "seats_exhausted")
    );
    assert_eq!(app.account(&account, OWNER).await["seats_used"], 2);
}

#[tokio::test]
async fn r9_the_owners_seat_cannot_be_moved_and_a_paid_member_cannot_be_assigned_again() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 2).await;
    let trial = app
        .join(&account, OWNER, "trial@acme.test", json!({}))
        .await;
    let owner_id = find_member(&app.members(&account, OWNER).await, OWNER)["member_id"].clone();

    let from_owner = app
        .request(
            "PUT",
            &format!("/accounts/{account}/members/{trial}/seat"),
            Some(OWNER),
            Some(json!({ "from_member_id": owner_id })),
        )
        .await;
    let owner_again = app
        .request(
            "PUT",
            &format!(
                "/accounts/{account}/members/{}/seat",
                owner_id.as_str().unwrap_or_default()
            ),
            Some(OWNER),
            None,
        )
        .await;

    assert_eq!(
        (from_owner.status, from_owner.code().as_str()),
        (409, "owner_keeps_seat")
    );
    assert_eq!(
        (owner_again.status, owner_again.code().as_str()),
        (409, "already_paid")
    );
}

#[tokio::test]
async fn r9_a_member_authorized_to_manage_seats_may_assign_them() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 1).await;
    let trial = app
        .join(&account, OWNER, "trial@acme.test", json!({}))
        .await;
    let user_id = find_member(&app.members(&account, OWNER).await, USER)["member_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/accounts/{account}/members/{trial}/seat");

    let before = app.request("PUT", &path, Some(USER), None).await;
    assert_eq!(
        (before.status, before.code().as_str()),
        (403, "cannot_assign_seats")
    );
    let grant = app
        .request(
            "PATCH",
            &format!("/accounts/{account}/members/{user_id}"),
            Some(ADMIN),
            Some(json!({ "manages_seats": true })),
        )
        .await;
    assert_eq!(grant.status, 200, "{}", grant.text());
    let after = app.request("PUT", &path, Some(USER), None).await;

    assert_eq!(after.status, 200, "{}", after.text());
}

// R10

#[tokio::test]
async fn r10_only_the_owner_may_buy_seats() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 0).await;
    let path = format!("/accounts/{account}/seats");

    for caller in [ADMIN, USER] {
        let response = app
            .request("POST", &path, Some(caller), Some(json!({ "add": 5 })))
            .await;
        assert_eq!(
            (response.status, response.code().as_str()),
            (403, "not_owner"),
            "{caller}"
        );
    }
    let bought = app
        .request("POST", &path, Some(OWNER), Some(json!({ "add": 5 })))
        .await;

    assert_eq!(bought.status, 200);
    assert_eq!(
        (&bought.json()["seats_bought"], &bought.json()["seats_free"]),
        (&json!(8), &json!(5))
    );
}

// R11

#[tokio::test]
async fn r11_the_daily_run_ends_due_trials_and_invitations_and_nothing_else() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 2).await;
    app.join(&account, OWNER, "early@acme.test", json!({}))
        .await;
    app.invite(
        &account,
        OWNER,
        &["waiting@acme.test"],
        json!({ "seat": "paid" }),
    )
    .await;
    app.advance(Duration::days(3));
    app.join(&account, OWNER, "late@acme.test", json!({})).await;
    app.advance(Duration::days(4));

    let summary = app.daily().await;

    assert_eq!(
        (&summary["trials_expired"], &summary["invitations_expired"]),
        (&json!(1), &json!(1)),
        "{summary}"
    );
    let members = app.members(&account, OWNER).await;
    assert_eq!(
        find_member(&members, "early@acme.test")["seat"],
        "trial_expired"
    );
    assert_eq!(find_member(&members, "late@acme.test")["seat"], "trial");
    assert_eq!(find_member(&members, OWNER)["seat"], "paid");
    let waiting = app
        .invitations(&account, OWNER)
        .await
        .into_iter()
        .find(|i| i["email"] == "waiting@acme.test");
    assert_eq!(waiting.map(|i| i["status"].clone()), Some(json!("expired")));
    assert_eq!(
        app.account(&account, OWNER).await["seats_used"],
        1,
        "an ended trial takes no seat"
    );
}

#[tokio::test]
async fn r11_running_the_daily_job_again_changes_nothing_more() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    app.join(&account, OWNER, "bob@acme.test", json!({})).await;
    app.advance(Duration::days(8));

    let first = app.daily().await;
    let state = app.state(&account, OWNER).await;
    let second = app.daily().await;

    assert_eq!(first["trials_expired"], 1);
    assert_eq!(
        (
            &second["trials_expired"],
            &second["invitations_expired"],
            &second["items_seen"]
        ),
        (&json!(0), &json!(0), &json!(0))
    );
    assert_eq!(app.state(&account, OWNER).await, state);
}

#[tokio::test]
async fn r11_the_daily_run_reads_only_due_items_not_the_whole_table() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 40).await;
    let addresses: Vec<String> = (0..20).map(|i| format!("paid{i}@acme.test")).collect();
    let refs: Vec<&str> = addresses.iter().map(String::as_str).collect();
    app.invite(&account, OWNER, &refs, json!({ "seat": "paid" }))
        .await;
    for address in &addresses {
        app.accept(&app.last_email_to(address).token).await;
    }
    app.join(&account, OWNER, "due@acme.test", json!({})).await;
    app.advance(Duration::days(8));

    let summary = app.daily().await;

    assert_eq!(
        (&summary["items_seen"], &summary["trials_expired"]),
        (&json!(1), &json!(1)),
        "{summary}"
    );
}

// R12

#[tokio::test]
async fn r12_owners_and_admins_list_members_with_role_seat_and_trial_days_left() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 0).await;
    app.join(&account, ADMIN, "trial@acme.test", json!({}))
        .await;
    app.advance(Duration::days(2) + Duration::hours(1));

    let members = app.members(&account, ADMIN).await;

    assert_eq!(members.len(), 4);
    let trial = find_member(&members, "trial@acme.test");
    assert_eq!(
        (&trial["role"], &trial["seat"], &trial["trial_days_left"]),
        (&json!("user"), &json!("trial"), &json!(5))
    );
    let admin = find_member(&members, ADMIN);
    assert_eq!(
        (&admin["role"], &admin["seat"], &admin["trial_days_left"]),
        (&json!("admin"), &json!("paid"), &Value::Null)
    );
    let user_view = app
        .request(
            "GET",
            &format!("/accounts/{account}/members"),
            Some(USER),
            None,
        )
        .await;
    assert_eq!(
        (user_view.status, user_view.code().as_str()),
        (403, "not_admin")
    );
}

#[tokio::test]
async fn r12_invitations_list_their_state_who_invited_and_when() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 0).await;
    app.advance(Duration::hours(2));
    app.invite(&account, USER, &["bob@acme.test"], json!({}))
        .await;

    let invitations = app.invitations(&account, OWNER).await;

    let bob = invitations
        .iter()
        .find(|i| i["email"] == "bob@acme.test")
        .expect("bob's invitation");
    let user_id = find_member(&app.members(&account, OWNER).await, USER)["member_id"].clone();
    assert_eq!(
        (&bob["status"], &bob["invited_by"], &bob["invited_by_email"]),
        (&json!("pending"), &user_id, &json!(USER))
    );
    assert_eq!(bob["sent_at"], "2030-01-07T11:00:00Z");
    let accepted = invitations
        .iter()
        .filter(|i| i["status"] == "accepted")
        .count();
    assert_eq!(accepted, 2, "the team's own invitations");
}

#[tokio::test]
async fn r12_listings_come_in_pages() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    let addresses: Vec<String> = (0..7).map(|i| format!("p{i}@acme.test")).collect();
    let refs: Vec<&str> = addresses.iter().map(String::as_str).collect();
    app.invite(&account, OWNER, &refs, json!({})).await;

    let first = app
        .request(
            "GET",
            &format!("/accounts/{account}/invitations?limit=5"),
            Some(OWNER),
            None,
        )
        .await
        .json();
    let cursor = first["next_cursor"].as_str().unwrap_or_default().to_owned();
    let second = app
        .request(
            "GET",
            &format!("/accounts/{account}/invitations?limit=5&cursor={cursor}"),
            Some(OWNER),
            None,
        )
        .await
        .json();

    assert_eq!(first["invitations"].as_array().map(Vec::len), Some(5));
    assert_eq!(second["invitations"].as_array().map(Vec::len), Some(2));
    assert_eq!(second["next_cursor"], Value::Null);
}

#[tokio::test]
async fn r12_only_a_pending_invitation_can_be_revoked_by_owners_and_admins() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 0).await;
    let invited = app
        .invite(&account, USER, &["bob@acme.test"], json!({}))
        .await;
    let path = format!(
        "/accounts/{account}/invitations/{}",
        invited.json()["results"][0]["invitation_id"]
            .as_str()
            .unwrap_or_default()
    );

    let by_user = app.request("DELETE", &path, Some(USER), None).await;
    let by_admin = app.request("DELETE", &path, Some(ADMIN), None).await;
    let again = app.request("DELETE", &path, Some(ADMIN), None).await;

    assert_eq!(
        (by_user.status, by_user.code().as_str()),
        (403, "not_admin")
    );
    assert_eq!(
        (by_admin.status, by_admin.json()["status"].as_str()),
        (200, Some("revoked"))
    );
    assert_eq!(
        (again.status, again.code().as_str()),
        (409, "invitation_not_pending")
    );
}

// R13

#[tokio::test]
async fn r13_a_member_of_another_account_can_neither_read_nor_change_it() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 1).await;
    let stranger = "sam@other.test";
    app.create_account(stranger, 1).await;
    let before = app.state(&account, OWNER).await;

    let read = app
        .request(
            "GET",
            &format!("/accounts/{account}/members"),
            Some(stranger),
            None,
        )
        .await;
    let invite = app
        .invite(&account, stranger, &["x@acme.test"], json!({}))
        .await;
    let buy = app
        .request(
            "POST",
            &format!("/accounts/{account}/seats"),
            Some(stranger),
            Some(json!({ "add": 1 })),
        )
        .await;

    for response in [read, invite, buy] {
        assert_eq!(
            (response.status, response.code().as_str()),
            (403, "not_a_member")
        );
    }
    assert_eq!(app.state(&account, OWNER).await, before);
}

#[tokio::test]
async fn r13_identity_comes_only_from_verified_claims() {
    let app = TestApp::spawn().await;
    let account = app.create_account(OWNER, 1).await;
    let path = format!("/accounts/{account}/members");
    let event = |claims: Value, headers: Value| {
        json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": "",
            "headers": headers,
            "requestContext": {
                "http": { "method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "test" },
                "stage": "$default",
                "requestId": "r",
                "authorizer": { "jwt": { "claims": claims, "scopes": null } }
            },
            "isBase64Encoded": false
        })
    };
    let cases = [
        (
            "verified claim",
            json!({ "email": OWNER, "email_verified": "true" }),
            json!({}),
            200,
        ),
        (
            "unverified email claim",
            json!({ "email": OWNER, "email_verified": "false" }),
            json!({}),
            401,
        ),
        (
            "no verification claim",
            json!({ "email": OWNER }),
            json!({}),
            401,
        ),
        (
            "identity in headers only",
            json!({ "sub": "x" }),
            json!({ "x-local-user": OWNER, "x-email": OWNER }),
            401,
        ),
    ];

    for (case, claims, headers, status) in cases {
        let request =
            lambda_http::request::from_str(&event(claims, headers).to_string()).expect("an event");
        let response = app.app.handle(request).await;
        assert_eq!(response.status().as_u16(), status, "{case}");
    }
}

// R14

#[tokio::test]
async fn r14_an_account_sends_a_bounded_number_of_invitation_emails_a_day() {
    let app = TestApp::spawn_with(|policy| policy.daily_invite_limit = 3).await;
    let account = app.create_account(OWNER, 1).await;
    assert_eq!(
        app.invite(&account, OWNER, &["a@acme.test", "b@acme.test"], json!({}))
            .await
            .status,
        200
    );
    let before = app.state(&account, OWNER).await;

    let over = app
        .invite(&account, OWNER, &["c@acme.test", "d@acme.test"], json!({}))
        .await;
    let at = app
        .invite(&account, OWNER, &["c@acme.test"], json!({}))
        .await;
    let past = app
        .invite(&account, OWNER, &["e@acme.test"], json!({}))
        .await;

    assert_eq!(
        (over.status, over.code().as_str()),
        (429, "daily_invite_limit")
    );
    assert_eq!(
        over.header("retry-after"),
        (15 * 3600).to_string(),
        "until midnight UTC"
    );
    assert!(
        over.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("1 are left")
    );
    assert_eq!(at.status, 200, "exactly at the limit");
    assert_eq!(
        (past.status, past.code().as_str()),
        (429, "daily_invite_limit")
    );
    assert_eq!(app.invitations(&account, OWNER).await.len(), 3);
    assert_ne!(app.state(&account, OWNER).await, before);

    app.advance(Duration::hours(15));
    assert_eq!(
        app.invite(&account, OWNER, &["e@acme.test"], json!({}))
            .await
            .status,
        200,
        "a new day"
    );
}

#[tokio::test]
async fn r14_resends_count_against_the_daily_limit() {
    let app = TestApp::spawn_with(|policy| policy.daily_invite_limit = 1).await;
    let account = app.create_account(OWNER, 1).await;
    let invited = app
        .invite(&account, OWNER, &["a@acme.test"], json!({}))
        .await;
    let id = invited.json()["results"][0]["invitation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.advance(Duration::hours(1));

    let resent = app
        .request(
            "POST",
            &format!("/accounts/{account}/invitations/{id}/resend"),
            Some(OWNER),
            None,
        )
        .await;

    assert_eq!(
        (resent.status, resent.code().as_str()),
        (429, "daily_invite_limit")
    );
    assert_eq!(app.emails_to("a@acme.test").len(), 1);
}

#[tokio::test]
async fn r9_a_seat_manager_cannot_move_an_admins_seat_but_an_admin_can() {
    let app = TestApp::spawn().await;
    let account = account_with_team(&app, 0).await;
    let trial = app
        .join(&account, OWNER, "trial@acme.test", json!({}))
        .await;
    let members = app.members(&account, OWNER).await;
    let (admin_id, user_id) = (
        find_member(&members, ADMIN)["member_id"].clone(),
        find_member(&members, USER)["member_id"].clone(),
    );
    let grant = format!(
        "/accounts/{account}/members/{}",
        user_id.as_str().unwrap_or_default()
    );
    app.request(
        "PATCH",
        &grant,
        Some(OWNER),
        Some(json!({ "manages_seats": true })),
    )
    .await;
    let path = format!("/accounts/{account}/members/{trial}/seat");
    let from_admin = json!({ "from_member_id": admin_id });

    let by_manager = app
        .request("PUT", &path, Some(USER), Some(from_admin.clone()))
        .await;
    let by_owner = app
        .request("PUT", &path, Some(OWNER), Some(from_admin))
        .await;

    assert_eq!(
        (by_manager.status, by_manager.code().as_str()),
        (403, "cannot_move_admin_seat")
    );
    assert_eq!(by_owner.status, 200, "{}", by_owner.text());
    assert_eq!(
        find_member(&app.members(&account, OWNER).await, ADMIN)["seat"],
        "seatless"
    );
}
