//! Who may do what (R1, R3, R4, R8, R9, R10, R12, R13), as one table of actor, action and
//! answer, plus the invite policy and tenancy cases the table cannot show on its own.
//!
//! Every row gets a fresh application with the same cast: an owner, an admin, a regular
//! user authorized to manage seats, a regular user, a member whose trial ended, the owner
//! of a second account, a verified caller who belongs to no account, and a caller with no
//! identity. The actors other than the lapsed
//! member sit on paid seats, so that they stay active while the clock moves past a trial.

use chrono::Duration;
use serde_json::{Value, json};
use teamseats_tests::{TestApp, TestResponse, find_member};

const OWNER: &str = "owner@acme.test";
const ADMIN: &str = "admin@acme.test";
const SEAT_MANAGER: &str = "seats@acme.test";
const USER: &str = "user@acme.test";
const LAPSED: &str = "lapsed@acme.test";
const GIVER: &str = "giver@acme.test";
const TRIALIST: &str = "trialist@acme.test";
const INVITEE: &str = "invitee@acme.test";
const NEWCOMER: &str = "newcomer@acme.test";
const OUTSIDER: &str = "owner@globex.test";
const STRANGER: &str = "nobody@initech.test";

/// A well-formed account id that no account has.
const MADE_UP_ACCOUNT: &str = "acc_00000000000000000000000000000000";

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Owner,
    Admin,
    SeatManager,
    User,
    TrialExpired,
    OtherAccount,
    Stranger,
    Anonymous,
}

impl Actor {
    /// The verified address the caller presents, if any.
    fn email(self) -> Option<&'static str> {
        match self {
            Actor::Owner => Some(OWNER),
            Actor::Admin => Some(ADMIN),
            Actor::SeatManager => Some(SEAT_MANAGER),
            Actor::User => Some(USER),
            Actor::TrialExpired => Some(LAPSED),
            Actor::OtherAccount => Some(OUTSIDER),
            Actor::Stranger => Some(STRANGER),
            Actor::Anonymous => None,
        }
    }
}

/// What the caller attempts: every route of the contract that needs an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    InviteTrialUser,
    InvitePaidSeat,
    InviteAdmin,
    InviteOwner,
    ListInvitations,
    Resend,
    Revoke,
    ListMembers,
    AssignSeat,
    MoveSeat,
    GrantSeatManagement,
    ChangeSettings,
    BuySeats,
    ReadAccount,
}

impl Action {
    /// Whether a success changes what the owner sees; reads must change nothing.
    fn writes(self) -> bool {
        !matches!(
            self,
            Action::ListInvitations | Action::ListMembers | Action::ReadAccount
        )
    }
}

const ACTIONS: [Action; 14] = [
    Action::InviteTrialUser,
    Action::InvitePaidSeat,
    Action::InviteAdmin,
    Action::InviteOwner,
    Action::ListInvitations,
    Action::Resend,
    Action::Revoke,
    Action::ListMembers,
    Action::AssignSeat,
    Action::MoveSeat,
    Action::GrantSeatManagement,
    Action::ChangeSettings,
    Action::BuySeats,
    Action::ReadAccount,
];

/// A success; the code of a success is empty.
const OK: (u16, &str) = (200, "");
const UNAUTHENTICATED: (u16, &str) = (401, "unauthenticated");
const NOT_A_MEMBER: (u16, &str) = (403, "not_a_member");
const INACTIVE: (u16, &str) = (403, "membership_inactive");
const NOT_ADMIN: (u16, &str) = (403, "not_admin");
const NOT_OWNER: (u16, &str) = (403, "not_owner");
const NOT_INVITER: (u16, &str) = (403, "not_inviter");
const ROLE_NOT_ALLOWED: (u16, &str) = (403, "role_not_allowed");
const SEAT_NOT_ALLOWED: (u16, &str) = (403, "seat_not_allowed");
const CANNOT_ASSIGN: (u16, &str) = (403, "cannot_assign_seats");

/// The privilege matrix: actor, action, and the expected status and problem code.
#[rustfmt::skip]
const MATRIX: &[(Actor, Action, (u16, &str))] = &[
    (Actor::Owner, Action::InviteTrialUser, OK),
    (Actor::Admin, Action::InviteTrialUser, OK),
    (Actor::SeatManager, Action::InviteTrialUser, OK),
    (Actor::User, Action::InviteTrialUser, OK),
    (Actor::TrialExpired, Action::InviteTrialUser, INACTIVE),
    (Actor::OtherAccount, Action::InviteTrialUser, NOT_A_MEMBER),
    (Actor::Stranger, Action::InviteTrialUser, NOT_A_MEMBER),
    (Actor::Anonymous, Action::InviteTrialUser, UNAUTHENTICATED),

    (Actor::Owner, Action::InvitePaidSeat, OK),
    (Actor::Admin, Action::InvitePaidSeat, OK),
    (Actor::SeatManager, Action::InvitePaidSeat, SEAT_NOT_ALLOWED),
    (Actor::User, Action::InvitePaidSeat, SEAT_NOT_ALLOWED),
    (Actor::TrialExpired, Action::InvitePaidSeat, INACTIVE),
    (Actor::OtherAccount, Action::InvitePaidSeat, NOT_A_MEMBER),
    (Actor::Stranger, Action::InvitePaidSeat, NOT_A_MEMBER),
    (Actor::Anonymous, Action::InvitePaidSeat, UNAUTHENTICATED),

    (Actor::Owner, Action::InviteAdmin, OK),
    (Actor::Admin, Action::InviteAdmin, OK),
    (Actor::SeatManager, Action::InviteAdmin, ROLE_NOT_ALLOWED),
    (Actor::User, Action::InviteAdmin, ROLE_NOT_ALLOWED),
    (Actor::TrialExpired, Action::InviteAdmin, INACTIVE),
    (Actor::OtherAccount, Action::InviteAdmin, NOT_A_MEMBER),
    (Actor::Stranger, Action::InviteAdmin, NOT_A_MEMBER),
    (Actor::Anonymous, Action::InviteAdmin, UNAUTHENTICATED),

    (Actor::Owner, Action::InviteOwner, ROLE_NOT_ALLOWED),
    (Actor::Admin, Action::InviteOwner, ROLE_NOT_ALLOWED),
    (Actor::SeatManager, Action::InviteOwner, ROLE_NOT_ALLOWED),
    (Actor::User, Action::InviteOwner, ROLE_NOT_ALLOWED),
    (Actor::TrialExpired, Action::InviteOwner, INACTIVE),
    (Actor::OtherAccount, Action::InviteOwner, NOT_A_MEMBER),
    (Actor::Stranger, Action::InviteOwner, NOT_A_MEMBER),
    (Actor::Anonymous, Action::InviteOwner, UNAUTHENTICATED),

    (Actor::Owner, Action::ListInvitations, OK),
    (Actor::Admin, Action::ListInvitations, OK),
    (Actor::SeatManager, Action::ListInvitations, NOT_ADMIN),
    (Actor::User, Action::ListInvitations, NOT_ADMIN),
    (Actor::TrialExpired, Action::ListInvitations, INACTIVE),
    (Actor::OtherAccount, Action::ListInvitations, NOT_A_MEMBER),
    (Actor::Stranger, Action::ListInvitations, NOT_A_MEMBER),
    (Actor::Anonymous, Action::ListInvitations, UNAUTHENTICATED),

    // The invitation was sent by the owner, so regular users are not its inviter.
    (Actor::Owner, Action::Resend, OK),
    (Actor::Admin, Action::Resend, OK),
    (Actor::SeatManager, Action::Resend, NOT_INVITER),
    (Actor::User, Action::Resend, NOT_INVITER),
    (Actor::TrialExpired, Action::Resend, INACTIVE),
    (Actor::OtherAccount, Action::Resend, NOT_A_MEMBER),
    (Actor::Stranger, Action::Resend, NOT_A_MEMBER),
    (Actor::Anonymous, Action::Resend, UNAUTHENTICATED),

    (Actor::Owner, Action::Revoke, OK),
    (Actor::Admin, Action::Revoke, OK),
    (Actor::SeatManager, Action::Revoke, NOT_ADMIN),
    (Actor::User, Action::Revoke, NOT_ADMIN),
    (Actor::TrialExpired, Action::Revoke, INACTIVE),
    (Actor::OtherAccount, Action::Revoke, NOT_A_MEMBER),
    (Actor::Stranger, Action::Revoke, NOT_A_MEMBER),
    (Actor::Anonymous, Action::Revoke, UNAUTHENTICATED),

    (Actor::Owner, Action::ListMembers, OK),
    (Actor::Admin, Action::ListMembers, OK),
    (Actor::SeatManager, Action::ListMembers, NOT_ADMIN),
    (Actor::User, Action::ListMembers, NOT_ADMIN),
    (Actor::TrialExpired, Action::ListMembers, INACTIVE),
    (Actor::OtherAccount, Action::ListMembers, NOT_A_MEMBER),
    (Actor::Stranger, Action::ListMembers, NOT_A_MEMBER),
    (Actor::Anonymous, Action::ListMembers, UNAUTHENTICATED),

    (Actor::Owner, Action::AssignSeat, OK),
    (Actor::Admin, Action::AssignSeat, OK),
    (Actor::SeatManager, Action::AssignSeat, OK),
    (Actor::User, Action::AssignSeat, CANNOT_ASSIGN),
    (Actor::TrialExpired, Action::AssignSeat, INACTIVE),
    (Actor::OtherAccount, Action::AssignSeat, NOT_A_MEMBER),
    (Actor::Stranger, Action::AssignSeat, NOT_A_MEMBER),
    (Actor::Anonymous, Action::AssignSeat, UNAUTHENTICATED),

    (Actor::Owner, Action::MoveSeat, OK),
    (Actor::Admin, Action::MoveSeat, OK),
    (Actor::SeatManager, Action::MoveSeat, OK),
    (Actor::User, Action::MoveSeat, CANNOT_ASSIGN),
    (Actor::TrialExpired, Action::MoveSeat, INACTIVE),
    (Actor::OtherAccount, Action::MoveSeat, NOT_A_MEMBER),
    (Actor::Stranger, Action::MoveSeat, NOT_A_MEMBER),
    (Actor::Anonymous, Action::MoveSeat, UNAUTHENTICATED),

    (Actor::Owner, Action::GrantSeatManagement, OK),
    (Actor::Admin, Action::GrantSeatManagement, OK),
    (Actor::SeatManager, Action::GrantSeatManagement, NOT_ADMIN),
    (Actor::User, Action::GrantSeatManagement, NOT_ADMIN),
    (Actor::TrialExpired, Action::GrantSeatManagement, INACTIVE),
    (Actor::OtherAccount, Action::GrantSeatManagement, NOT_A_MEMBER),
    (Actor::Stranger, Action::GrantSeatManagement, NOT_A_MEMBER),
    (Actor::Anonymous, Action::GrantSeatManagement, UNAUTHENTICATED),

    (Actor::Owner, Action::ChangeSettings, OK),
    (Actor::Admin, Action::ChangeSettings, OK),
    (Actor::SeatManager, Action::ChangeSettings, NOT_ADMIN),
    (Actor::User, Action::ChangeSettings, NOT_ADMIN),
    (Actor::TrialExpired, Action::ChangeSettings, INACTIVE),
    (Actor::OtherAccount, Action::ChangeSettings, NOT_A_MEMBER),
    (Actor::Stranger, Action::ChangeSettings, NOT_A_MEMBER),
    (Actor::Anonymous, Action::ChangeSettings, UNAUTHENTICATED),

    (Actor::Owner, Action::BuySeats, OK),
    (Actor::Admin, Action::BuySeats, NOT_OWNER),
    (Actor::SeatManager, Action::BuySeats, NOT_OWNER),
    (Actor::User, Action::BuySeats, NOT_OWNER),
    (Actor::TrialExpired, Action::BuySeats, INACTIVE),
    (Actor::OtherAccount, Action::BuySeats, NOT_A_MEMBER),
    (Actor::Stranger, Action::BuySeats, NOT_A_MEMBER),
    (Actor::Anonymous, Action::BuySeats, UNAUTHENTICATED),

    (Actor::Owner, Action::ReadAccount, OK),
    (Actor::Admin, Action::ReadAccount, OK),
    (Actor::SeatManager, Action::ReadAccount, OK),
    (Actor::User, Action::ReadAccount, OK),
    (Actor::TrialExpired, Action::ReadAccount, INACTIVE),
    (Actor::OtherAccount, Action::ReadAccount, NOT_A_MEMBER),
    (Actor::Stranger, Action::ReadAccount, NOT_A_MEMBER),
    (Actor::Anonymous, Action::ReadAccount, UNAUTHENTICATED),
];

/// An application with the cast in place.
struct World {
    app: TestApp,
    account: String,
    other_account: String,
    /// A member on a running trial: the one a seat is assigned to.
    trialist: String,
    /// A regular member on a paid seat: the one a seat is moved from, and the one
    /// granted seat management.
    giver: String,
    /// A pending invitation the owner sent, past the resend cooldown.
    invitation: String,
}

impl World {
    async fn new() -> Self {
        Self::with(TestApp::spawn().await).await
    }

    async fn with(app: TestApp) -> Self {
        let paid = json!({ "seat": "paid" });
        let account = app.create_account(OWNER, 10).await;
        app.join(
            &account,
            OWNER,
            ADMIN,
            json!({ "role": "admin", "seat": "paid" }),
        )
        .await;
        let manager = app.join(&account, OWNER, SEAT_MANAGER, paid.clone()).await;
        let granted = app
            .request(
                "PATCH",
                &format!("/accounts/{account}/members/{manager}"),
                Some(OWNER),
                Some(json!({ "manages_seats": true })),
            )
            .await;
        assert_eq!(
            granted.status,
            200,
            "granting seat management: {}",
            granted.text()
        );
        app.join(&account, OWNER, USER, paid.clone()).await;
        let giver = app.join(&account, OWNER, GIVER, paid).await;

        // The lapsed member's trial runs out while everyone else holds a paid seat.
        app.join(&account, OWNER, LAPSED, json!({})).await;
        app.advance(Duration::days(8));
        app.daily().await;
        let members = app.members(&account, OWNER).await;
        assert_eq!(find_member(&members, LAPSED)["seat"], "trial_expired");

        let trialist = app.join(&account, OWNER, TRIALIST, json!({})).await;
        let other_account = app.create_account(OUTSIDER, 2).await;
        let invited = app.invite(&account, OWNER, &[INVITEE], json!({})).await;
        let invitation = invited.json()["results"][0]["invitation_id"]
            .as_str()
            .expect("an invitation id")
            .to_owned();
        app.advance(Duration::minutes(10));

        Self {
            app,
            account,
            other_account,
            trialist,
            giver,
            invitation,
        }
    }

    /// Performs `action` as `actor` on the account `account`, naming this world's
    /// members and invitation in the path and body.
    async fn perform(&self, actor: Actor, action: Action, account: &str) -> TestResponse {
        let (method, path, body) = self.request_for(action, account);
        self.app.request(method, &path, actor.email(), body).await
    }

    fn request_for(&self, action: Action, a: &str) -> (&'static str, String, Option<Value>) {
        let (trialist, giver, invitation) = (&self.trialist, &self.giver, &self.invitation);
        let invite = |options: Value| {
            let mut body = json!({ "emails": [NEWCOMER] });
            if let (Some(body), Some(options)) = (body.as_object_mut(), options.as_object()) {
                body.extend(options.clone());
            }
            ("POST", format!("/accounts/{a}/invitations"), Some(body))
        };
        match action {
            Action::InviteTrialUser => invite(json!({})),
            Action::InvitePaidSeat => invite(json!({ "seat": "paid" })),
            Action::InviteAdmin => invite(json!({ "role": "admin" })),
            Action::InviteOwner => invite(json!({ "role": "owner" })),
            Action::ListInvitations => ("GET", format!("/accounts/{a}/invitations"), None),
            Action::Resend => (
                "POST",
                format!("/accounts/{a}/invitations/{invitation}/resend"),
                None,
            ),
            Action::Revoke => (
                "DELETE",
                format!("/accounts/{a}/invitations/{invitation}"),
                None,
            ),
            Action::ListMembers => ("GET", format!("/accounts/{a}/members"), None),
            Action::AssignSeat => (
                "PUT",
                format!("/accounts/{a}/members/{trialist}/seat"),
                None,
            ),
            Action::MoveSeat => (
                "PUT",
                format!("/accounts/{a}/members/{trialist}/seat"),
                Some(json!({ "from_member_id": giver })),
            ),
            Action::GrantSeatManagement => (
                "PATCH",
                format!("/accounts/{a}/members/{giver}"),
                Some(json!({ "manages_seats": true })),
            ),
            Action::ChangeSettings => (
                "PATCH",
                format!("/accounts/{a}/settings"),
                Some(json!({ "invites_restricted_to_admins": true })),
            ),
            Action::BuySeats => (
                "POST",
                format!("/accounts/{a}/seats"),
                Some(json!({ "add": 1 })),
            ),
            Action::ReadAccount => ("GET", format!("/accounts/{a}"), None),
        }
    }

    async fn state(&self) -> Value {
        self.app.state(&self.account, OWNER).await
    }
}

#[test]
fn the_matrix_has_one_row_for_every_actor_and_action() {
    let actors = [
        Actor::Owner,
        Actor::Admin,
        Actor::SeatManager,
        Actor::User,
        Actor::TrialExpired,
        Actor::OtherAccount,
        Actor::Stranger,
        Actor::Anonymous,
    ];
    for actor in actors {
        for action in ACTIONS {
            let rows = MATRIX
                .iter()
                .filter(|(a, b, _)| *a == actor && *b == action)
                .count();
            assert_eq!(rows, 1, "{actor:?} doing {action:?} has {rows} rows");
        }
    }
    assert_eq!(MATRIX.len(), actors.len() * ACTIONS.len());
}

#[tokio::test]
async fn each_actor_may_do_exactly_what_the_rules_allow() {
    let mut wrong = Vec::new();
    for &(actor, action, expected) in MATRIX {
        let world = World::new().await;
        let before = world.state().await;

        let response = world.perform(actor, action, &world.account).await;

        let cell = format!("{actor:?} doing {action:?}");
        let check = check_cell(&world, action, &response, expected, &before).await;
        if let Err(why) = check {
            wrong.push(format!("{cell}: {why}"));
        }
    }
    assert!(wrong.is_empty(), "cells that differ:\n{}", wrong.join("\n"));
}

/// Whether an answer is the expected one, and a refusal changed nothing.
async fn check_cell(
    world: &World,
    action: Action,
    response: &TestResponse,
    (status, code): (u16, &str),
    before: &Value,
) -> Result<(), String> {
    let got = (response.status, response.code());
    if got != (status, code.to_owned()) {
        return Err(format!(
            "expected {status} {code:?}, got {} {:?}: {}",
            got.0,
            got.1,
            response.text()
        ));
    }

    let content_type = response.header("content-type");
    if status == 200 {
        if content_type != "application/json" {
            return Err(format!("answered with {content_type}"));
        }
        let body = response.json();
        if let Some(results) = body["results"].as_array()
            && results[0]["status"] != "invited"
        {
            return Err(format!("the address was not invited: {results:?}"));
        }
        let changed = world.state().await != *before;
        return match (action.writes(), changed) {
            (true, false) => Err("the success changed nothing".into()),
            (false, true) => Err("a read changed the account".into()),
            _ => Ok(()),
        };
    }
    if content_type != "application/problem+json" {
        return Err(format!("refused with {content_type}"));
    }
    if world.state().await != *before {
        return Err("the refusal changed the account".into());
    }
    Ok(())
}

#[tokio::test]
async fn when_invites_are_restricted_only_the_owner_and_admins_may_invite() {
    let world = World::new().await;
    let (app, account) = (&world.app, &world.account);
    let settings = format!("/accounts/{account}/settings");
    let restrict = |on: bool| json!({ "invites_restricted_to_admins": on });

    let changed = app
        .request("PATCH", &settings, Some(OWNER), Some(restrict(true)))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json()["invites_restricted_to_admins"], true);

    for refused in [USER, SEAT_MANAGER] {
        let before = world.state().await;
        let response = app
            .invite(account, refused, &["a@acme.test"], json!({}))
            .await;
        assert_eq!(response.status, 403, "{refused}: {}", response.text());
        assert_eq!(response.code(), "invites_restricted", "{refused}");
        assert_eq!(world.state().await, before, "{refused} changed the account");
    }
    for allowed in [ADMIN, OWNER] {
        let invitee = format!("from-{}", allowed.replace('@', "-at-")) + "@acme.test";
        let response = app.invite(account, allowed, &[&invitee], json!({})).await;
        assert_eq!(response.status, 200, "{allowed}: {}", response.text());
        assert_eq!(
            response.json()["results"][0]["status"],
            "invited",
            "{allowed}"
        );
    }

    // Lifting the policy lets regular users invite again.
    let changed = app
        .request("PATCH", &settings, Some(ADMIN), Some(restrict(false)))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    let response = app.invite(account, USER, &["b@acme.test"], json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text());
}

#[tokio::test]
async fn a_foreign_account_answers_exactly_like_one_that_does_not_exist_and_so_does_a_stranger() {
    let world = World::new().await;
    let before = world.state().await;

    for action in ACTIONS {
        let foreign = world
            .perform(Actor::OtherAccount, action, &world.account)
            .await;
        let made_up = world
            .perform(Actor::OtherAccount, action, MADE_UP_ACCOUNT)
            .await;
        let stranger = world.perform(Actor::Stranger, action, &world.account).await;

        assert_eq!(foreign.status, 403, "{action:?}: {}", foreign.text());
        assert_eq!(foreign.code(), "not_a_member", "{action:?}");
        assert_eq!(
            (foreign.status, foreign.code(), &foreign.json()["detail"]),
            (made_up.status, made_up.code(), &made_up.json()["detail"]),
            "{action:?}: a foreign account and a made-up one must look alike"
        );
        assert_eq!(
            foreign.json(),
            made_up.json(),
            "{action:?}: the bodies differ"
        );
        assert_eq!(
            stranger.json(),
            made_up.json(),
            "{action:?}: a caller in no account must see the same"
        );
    }
    assert_eq!(
        world.state().await,
        before,
        "the foreign owner changed the account"
    );
}

#[tokio::test]
async fn an_owner_cannot_reach_another_accounts_members_through_their_own_account() {
    let world = World::new().await;
    let before = world.state().await;

    // The owner of the second account names the first account's member and invitation
    // ids under their own account: those ids are not in it.
    for action in [
        Action::Resend,
        Action::Revoke,
        Action::AssignSeat,
        Action::MoveSeat,
        Action::GrantSeatManagement,
    ] {
        let response = world
            .perform(Actor::OtherAccount, action, &world.other_account)
            .await;
        assert_eq!(response.status, 404, "{action:?}: {}", response.text());
        assert_eq!(response.code(), "not_found", "{action:?}");
    }
    assert_eq!(
        world.state().await,
        before,
        "the foreign owner changed the account"
    );
}
