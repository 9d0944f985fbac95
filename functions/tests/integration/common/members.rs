//! The people of an organisation: store conformance checks (run on every store through
//! `conformance_tests!`) and HTTP flows (through `store_tests!`).

use std::sync::Arc;

use functions::domain::model::*;
use functions::domain::orders::ports::PortalStore;
use functions::domain::ports::StoreError;
use functions::domain::tokens::{new_id, sha256_hex};

use super::flows::{register_confirm_approve, set_password_and_sign_in, sign_in};
use super::*;

pub(super) const NOW: i64 = 1_800_000_000;

pub(super) fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        id: new_id(),
        to: to.to_owned(),
        subject: "Betreff".to_owned(),
        body: "Text".to_owned(),
        created_at: NOW,
        ..Default::default()
    }
}

/// Audit entries a second apart, in the order they are made (the trail is sorted by time).
pub(super) fn audit(org: &Organisation, action: AuditAction, subject: &str) -> AuditEntry {
    static TICK: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    AuditEntry {
        id: new_id(),
        org_id: org.id.clone(),
        at: NOW + TICK.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
        actor: "Erika".to_owned(),
        action,
        subject: subject.to_owned(),
        detail: String::new(),
    }
}

/// An approved organisation with its Hauptadmin (password set), as the store has them.
pub(super) async fn approved_org(store: &dyn PortalStore, email: &str) -> (Organisation, User) {
    let org_id = new_id();
    let user_id = new_id();
    let org = Organisation {
        id: org_id.clone(),
        name: format!("Org {email}"),
        legal_form: "Zweckverband".to_owned(),
        street: "Weg 1".to_owned(),
        postcode: "12345".to_owned(),
        city: "Ort".to_owned(),
        in_house_capable: false,
        level: Some(catalog::model::CustomerScope::Kommune),
        status: OrgStatus::AwaitingConfirmation,
        admin_user_id: user_id.clone(),
        agb_version: "1".to_owned(),
        privacy_version: "1".to_owned(),
        created_at: NOW,
        decided_at: None,
        reject_reason: None,
        leitweg_id: String::new(),
        central_phone: String::new(),
        kind: Default::default(),
    };
    let user = User {
        id: user_id.clone(),
        org_id: org_id.clone(),
        name: "Erika".to_owned(),
        email: email.to_owned(),
        phone: "030 1".to_owned(),
        password_hash: None,
        created_at: NOW,
        role: MemberRole::Member,
        deactivated: false,
        second_factor: None,
        role_id: None,
    };
    let confirm = TokenRecord {
        hash: sha256_hex(&new_id()),
        kind: TokenKind::Confirm,
        user_id: user_id.clone(),
        org_id: org_id.clone(),
        expires_at: NOW + 3600,
        used: false,
    };
    store
        .create_registration(&NewRegistration {
            org,
            user,
            confirm_token: confirm.clone(),
            mail: mail(email),
        })
        .await
        .expect("register");
    store
        .confirm_email(&confirm.hash, &org_id, NOW, &mail("op@x.de"))
        .await
        .expect("confirm");
    let invite = TokenRecord {
        hash: sha256_hex(&new_id()),
        kind: TokenKind::Invite,
        ..confirm
    };
    store
        .decide_registration(
            &org_id,
            &Decision::Approve,
            NOW,
            Some(&invite),
            &mail(email),
        )
        .await
        .expect("approve");
    store
        .set_password(&invite.hash, &user_id, "$argon2id$h", NOW)
        .await
        .expect("password");
    (
        store.get_org(&org_id).await.expect("org").expect("org"),
        store.get_user(&user_id).await.expect("user").expect("user"),
    )
}

/// Adds an invited person; returns them and their invitation.
pub(super) async fn invited(
    store: &dyn PortalStore,
    org: &Organisation,
    email: &str,
    role: MemberRole,
) -> (User, TokenRecord) {
    let user = User {
        id: new_id(),
        org_id: org.id.clone(),
        name: format!("Person {email}"),
        email: email.to_owned(),
        phone: String::new(),
        password_hash: None,
        created_at: NOW,
        role,
        deactivated: false,
        second_factor: None,
        role_id: None,
    };
    let token = TokenRecord {
        hash: sha256_hex(&new_id()),
        kind: TokenKind::Invite,
        user_id: user.id.clone(),
        org_id: org.id.clone(),
        expires_at: NOW + 7 * 86_400,
        used: false,
    };
    store
        .add_member(
            &user,
            &token,
            &mail(email),
            &audit(org, AuditAction::Invited, email),
        )
        .await
        .expect("invite");
    (user, token)
}

pub async fn members_are_added_once_per_address(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    let (org, admin) = approved_org(store, "haupt@a.de").await;
    let (other_org, _) = approved_org(store, "haupt@b.de").await;
    let (anna, token) = invited(store, &org, "anna@a.de", MemberRole::Admin).await;

    // An address that has an account (here: of another organisation) is refused and
    // nothing is written.
    for taken in ["anna@a.de", "haupt@b.de"] {
        let twin = User {
            id: new_id(),
            email: taken.to_owned(),
            ..anna.clone()
        };
        let twin_token = TokenRecord {
            hash: sha256_hex(&new_id()),
            user_id: twin.id.clone(),
            ..token.clone()
        };
        let refused = store
            .add_member(
                &twin,
                &twin_token,
                &mail(taken),
                &audit(&org, AuditAction::Invited, taken),
            )
            .await;
        assert!(
            matches!(refused, Err(StoreError::EmailTaken)),
            "{refused:?}"
        );
        assert!(store.get_user(&twin.id).await.expect("read").is_none());
        assert!(
            store
                .get_token(&twin_token.hash)
                .await
                .expect("read")
                .is_none()
        );
    }
    let mut people = store.list_org_users(&org.id).await.expect("list");
    people.sort_by(|a, b| a.email.cmp(&b.email));
    assert_eq!(
        people.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
        ["anna@a.de", "haupt@a.de"]
    );
    assert_eq!(people[1], admin);
    assert_eq!(
        store
            .list_org_users(&other_org.id)
            .await
            .expect("list")
            .len(),
        1
    );
    let trail = store.list_audit(&org.id).await.expect("audit");
    assert_eq!(
        trail.len(),
        1,
        "only the invitation that was written: {trail:?}"
    );
    assert!(
        store
            .list_audit(&other_org.id)
            .await
            .expect("audit")
            .is_empty()
    );

    // The invitation is used once.
    store
        .set_password(&token.hash, &anna.id, "$argon2id$a", NOW + 1)
        .await
        .expect("accept");
    assert!(matches!(
        store
            .set_password(&token.hash, &anna.id, "$argon2id$b", NOW + 2)
            .await,
        Err(StoreError::Conflict)
    ));
}

pub async fn concurrent_invitations_of_one_address_add_one(store: Arc<dyn PortalStore>) {
    let (org, _) = approved_org(store.as_ref(), "haupt@c.de").await;
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let store = Arc::clone(&store);
            let org = org.clone();
            tokio::spawn(async move {
                let user = User {
                    id: new_id(),
                    org_id: org.id.clone(),
                    name: format!("Zwilling {i}"),
                    email: "zwilling@c.de".to_owned(),
                    phone: String::new(),
                    password_hash: None,
                    created_at: NOW,
                    role: MemberRole::Member,
                    deactivated: false,
                    second_factor: None,
                    role_id: None,
                };
                let token = TokenRecord {
                    hash: sha256_hex(&new_id()),
                    kind: TokenKind::Invite,
                    user_id: user.id.clone(),
                    org_id: org.id.clone(),
                    expires_at: NOW + 60,
                    used: false,
                };
                store
                    .add_member(
                        &user,
                        &token,
                        &mail("zwilling@c.de"),
                        &audit(&org, AuditAction::Invited, "z"),
                    )
                    .await
            })
        })
        .collect();
    let mut added = 0;
    for task in tasks {
        match task.await.expect("join") {
            Ok(()) => added += 1,
            Err(StoreError::EmailTaken) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(added, 1);
    assert_eq!(store.list_org_users(&org.id).await.expect("list").len(), 2);
}

pub async fn the_hauptadmin_is_out_of_the_organisations_reach(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    let (org, admin) = approved_org(store, "haupt@d.de").await;
    let demoted = User {
        deactivated: true,
        role_id: None,
        ..admin.clone()
    };
    let audit_entry = audit(&org, AuditAction::Deactivated, "haupt");
    assert!(matches!(
        store
            .update_member(&org, &admin, &demoted, &[], &audit_entry)
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        store.delete_member(&org, &admin, &audit_entry).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.get_user(&admin.id).await.expect("read"), Some(admin));
    assert!(store.list_audit(&org.id).await.expect("audit").is_empty());
}

pub async fn member_changes_need_the_state_as_read(store: Arc<dyn PortalStore>) {
    let (org, _) = approved_org(store.as_ref(), "haupt@e.de").await;
    let (bernd, _) = invited(store.as_ref(), &org, "bernd@e.de", MemberRole::Member).await;
    let (_, stranger_org_admin) = approved_org(store.as_ref(), "haupt@f.de").await;

    // A person of another organisation is not changed through this one.
    let foreign = User {
        deactivated: true,
        role_id: None,
        ..stranger_org_admin.clone()
    };
    assert!(
        store
            .update_member(
                &org,
                &stranger_org_admin,
                &foreign,
                &[],
                &audit(&org, AuditAction::Deactivated, "x")
            )
            .await
            .is_err()
    );

    // Of two changes made from the same reading, exactly one is written.
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let store = Arc::clone(&store);
            let (org, bernd) = (org.clone(), bernd.clone());
            tokio::spawn(async move {
                let after = User {
                    role: if i % 2 == 0 {
                        MemberRole::Admin
                    } else {
                        MemberRole::Member
                    },
                    deactivated: i % 2 == 1,
                    ..bernd.clone()
                };
                store
                    .update_member(
                        &org,
                        &bernd,
                        &after,
                        &[mail("bernd@e.de")],
                        &audit(&org, AuditAction::RoleChanged, "b"),
                    )
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.expect("join") {
            Ok(()) => wins += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(
        store.list_audit(&org.id).await.expect("audit").len(),
        2,
        "invitation and one change"
    );

    // A stale reading of the person is refused.
    let stale = store
        .update_member(
            &org,
            &bernd,
            &User {
                deactivated: true,
                role_id: None,
                ..bernd.clone()
            },
            &[],
            &audit(&org, AuditAction::Deactivated, "b"),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)));
    let current = store
        .get_user(&bernd.id)
        .await
        .expect("read")
        .expect("bernd");
    // A stale reading of the organisation too (the operator changed it meanwhile).
    let stale_org = Organisation {
        name: "Alter Name".to_owned(),
        ..org.clone()
    };
    assert!(matches!(
        store
            .update_member(
                &stale_org,
                &current,
                &User {
                    deactivated: !current.deactivated,
                    ..current.clone()
                },
                &[],
                &audit(&org, AuditAction::Deactivated, "b")
            )
            .await,
        Err(StoreError::Conflict)
    ));
}

pub async fn a_deleted_member_frees_the_address_and_voids_the_invitation(
    store: Arc<dyn PortalStore>,
) {
    let store = store.as_ref();
    let (org, _) = approved_org(store, "haupt@g.de").await;
    let (carla, token) = invited(store, &org, "carla@g.de", MemberRole::Member).await;
    store
        .delete_member(&org, &carla, &audit(&org, AuditAction::Deleted, "carla"))
        .await
        .expect("delete");
    assert!(store.get_user(&carla.id).await.expect("read").is_none());
    assert!(
        store
            .find_user_by_email("carla@g.de")
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        store
            .set_password(&token.hash, &carla.id, "$argon2id$c", NOW + 1)
            .await
            .is_err(),
        "the invitation of a deleted person sets nothing"
    );
    assert!(store.get_user(&carla.id).await.expect("read").is_none());
    // The address can be invited again.
    invited(store, &org, "carla@g.de", MemberRole::Member).await;
    let trail = store.list_audit(&org.id).await.expect("audit");
    assert_eq!(
        trail.iter().map(|a| a.action).collect::<Vec<_>>()[1..],
        [AuditAction::Deleted, AuditAction::Invited],
        "newest first: {trail:?}"
    );
}

pub async fn the_hauptadmin_changes_only_to_an_active_member_with_a_password(
    store: Arc<dyn PortalStore>,
) {
    let store = store.as_ref();
    let (org, erika) = approved_org(store, "haupt@h.de").await;
    let (dora, token) = invited(store, &org, "dora@h.de", MemberRole::Member).await;
    let change = audit(&org, AuditAction::HauptadminChanged, "dora");
    assert!(
        matches!(
            store.change_hauptadmin(&org, &dora, &change).await,
            Err(StoreError::Conflict)
        ),
        "an invitation not yet accepted"
    );
    store
        .set_password(&token.hash, &dora.id, "$argon2id$d", NOW + 1)
        .await
        .expect("accept");
    let dora = store.get_user(&dora.id).await.expect("read").expect("dora");
    store
        .change_hauptadmin(&org, &dora, &change)
        .await
        .expect("change");
    let org_now = store.get_org(&org.id).await.expect("read").expect("org");
    assert_eq!(org_now.admin_user_id, dora.id);
    for id in [&dora.id, &erika.id] {
        let user = store.get_user(id).await.expect("read").expect("user");
        assert_eq!(user.role, MemberRole::Admin, "{}", user.email);
    }
    assert_eq!(store.list_audit(&org.id).await.expect("audit")[0], change);
    // The reading before the change is stale now.
    assert!(matches!(
        store.change_hauptadmin(&org, &dora, &change).await,
        Err(StoreError::Conflict)
    ));
}

pub async fn reissued_invitations_void_the_earlier_and_need_a_pending_member(
    store: Arc<dyn PortalStore>,
) {
    let store = store.as_ref();
    let (org, _) = approved_org(store, "haupt@i.de").await;
    let (ines, first) = invited(store, &org, "ines@i.de", MemberRole::Member).await;
    let second = TokenRecord {
        hash: sha256_hex(&new_id()),
        ..first.clone()
    };
    store
        .reissue_invitation(
            &ines,
            &second,
            &mail("ines@i.de"),
            &audit(&org, AuditAction::InvitationResent, "ines"),
        )
        .await
        .expect("resend");
    assert!(
        matches!(
            store
                .set_password(&first.hash, &ines.id, "$argon2id$1", NOW + 1)
                .await,
            Err(StoreError::Conflict)
        ),
        "the earlier link is void"
    );
    store
        .set_password(&second.hash, &ines.id, "$argon2id$2", NOW + 1)
        .await
        .expect("the new link works");
    // Accepted meanwhile: a resend from the earlier reading writes nothing.
    let third = TokenRecord {
        hash: sha256_hex(&new_id()),
        ..first.clone()
    };
    assert!(matches!(
        store
            .reissue_invitation(
                &ines,
                &third,
                &mail("ines@i.de"),
                &audit(&org, AuditAction::InvitationResent, "ines")
            )
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(store.get_token(&third.hash).await.expect("read").is_none());
    let trail = store.list_audit(&org.id).await.expect("audit");
    assert_eq!(
        trail.iter().map(|a| a.action).collect::<Vec<_>>(),
        [AuditAction::InvitationResent, AuditAction::Invited]
    );
}

// ---- HTTP flows --------------------------------------------------------------------------

/// The session's organisation id.
pub(super) async fn org_id(app: &TestApp, cookie: &str) -> String {
    app.get("/api/sitzung", Opts::json().cookie(cookie))
        .await
        .json()["organisation"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Invites through the HTML form, as an administrator's browser does.
pub(crate) async fn invite(
    app: &TestApp,
    cookie: &str,
    name: &str,
    email: &str,
    role: &str,
) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    app.post_form(
        "/api/konto/mitarbeitende",
        &[
            ("csrf", &csrf),
            ("name", name),
            ("email", email),
            ("rolle", role),
        ],
        Opts::html().cookie(cookie),
    )
    .await
}

/// A person's id as the JSON list has it.
pub(super) async fn member_id(app: &TestApp, cookie: &str, email: &str) -> String {
    let list = app
        .get("/api/konto/mitarbeitende", Opts::json().cookie(cookie))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.json()["mitarbeitende"]
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["email"] == email)
        .unwrap_or_else(|| panic!("{email} not listed: {}", list.body))["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// One action on a person, through the list page's form.
pub(super) async fn act(app: &TestApp, cookie: &str, id: &str, fields: &[(&str, &str)]) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(
        &format!("/api/konto/mitarbeitende/{id}"),
        &all,
        Opts::html().cookie(cookie),
    )
    .await
}

/// Whether `cookie` is still a live session.
pub(super) async fn live(app: &TestApp, cookie: &str) -> bool {
    let session = app.get("/api/sitzung", Opts::json().cookie(cookie)).await;
    session.status == 200 && session.json()["angemeldet"] == true
}

/// The Hauptadmin invites two people, one an Organisationsadmin; both accept and sign in;
/// the Organisationsadmin deactivates the other (her session ends at once), reactivates
/// her, deletes her; the audit trail lists each step; every refusal changes nothing.
pub async fn members_are_invited_and_managed(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let link = register_confirm_approve(&app, "Stadt Musterstadt", "erika@musterstadt.de").await;
    let erika = set_password_and_sign_in(&app, &link, "erika@musterstadt.de").await;

    let account = app.get("/api/konto", Opts::html().cookie(&erika)).await;
    assert!(markup::texts(&account.body, "main dd").contains(&"Hauptadministration".to_owned()));
    assert_eq!(
        markup::attrs(
            &account.body,
            "main a[href='/api/konto/mitarbeitende']",
            "href"
        )
        .len(),
        1,
        "administrators find the members page"
    );
    let page = app
        .get("/api/konto/mitarbeitende", Opts::html().cookie(&erika))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(markup::texts(&page.body, "main h1"), ["Mitarbeitende"]);

    // Konto hinzufügen: a mistake shows the form again with its message.
    let wrong = invite(&app, &erika, "", "keine-adresse", "").await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(
        markup::texts(&wrong.body, ".error-summary li").len(),
        3,
        "{}",
        wrong.body
    );

    for (name, email, role) in [
        ("Anna Admin", "anna@musterstadt.de", "organisationsadmin"),
        ("Bea Beispiel", "bea@musterstadt.de", "mitarbeiter"),
    ] {
        let sent = invite(&app, &erika, name, email, role).await;
        assert_eq!(
            (sent.status, sent.location.as_deref()),
            (303, Some("/api/konto/mitarbeitende?hinweis=eingeladen")),
            "{}",
            sent.body
        );
    }
    let listed = app
        .get(
            "/api/konto/mitarbeitende?hinweis=eingeladen",
            Opts::html().cookie(&erika),
        )
        .await;
    assert!(listed.body.contains("Die Einladung ist unterwegs"));
    assert_eq!(
        markup::texts(&listed.body, "table.members tbody tr").len(),
        3
    );

    let anna = set_password_and_sign_in(
        &app,
        &app.link_in_mail("anna@musterstadt.de", "Einladung"),
        "anna@musterstadt.de",
    )
    .await;
    let bea = set_password_and_sign_in(
        &app,
        &app.link_in_mail("bea@musterstadt.de", "Einladung"),
        "bea@musterstadt.de",
    )
    .await;
    assert_eq!(
        app.get("/api/konto", Opts::json().cookie(&bea))
            .await
            .json()["person"]["rolle"],
        "mitarbeiter"
    );

    // A member on the administrators' routes: 403, and nothing changes.
    let bea_id = member_id(&app, &anna, "bea@musterstadt.de").await;
    let anna_id = member_id(&app, &erika, "anna@musterstadt.de").await;
    assert_eq!(
        app.get("/api/konto/mitarbeitende", Opts::html().cookie(&bea))
            .await
            .status,
        403
    );
    assert_eq!(
        invite(&app, &bea, "Eve", "eve@musterstadt.de", "mitarbeiter")
            .await
            .status,
        403
    );
    assert_eq!(
        act(&app, &bea, &anna_id, &[("aktion", "deaktivieren")])
            .await
            .status,
        403
    );
    assert_eq!(app.mails_to("eve@musterstadt.de"), 0);
    assert!(live(&app, &anna).await);
    // Without the CSRF token: 403.
    let no_token = app
        .post_form(
            &format!("/api/konto/mitarbeitende/{bea_id}"),
            &[("aktion", "deaktivieren")],
            Opts::html().cookie(&anna),
        )
        .await;
    assert_eq!(no_token.status, 403);
    assert!(live(&app, &bea).await);

    // Nobody changes the Hauptadmin, nor themselves.
    let erika_id = member_id(&app, &anna, "erika@musterstadt.de").await;
    for action in ["deaktivieren", "loeschen"] {
        let refused = act(
            &app,
            &anna,
            &erika_id,
            &[("aktion", action), ("bestaetigt", "ja")],
        )
        .await;
        assert_eq!(refused.status, 403, "{action}: {}", refused.body);
    }
    let demote = act(
        &app,
        &anna,
        &erika_id,
        &[("aktion", "rolle-aendern"), ("rolle", "mitarbeiter")],
    )
    .await;
    assert_eq!(demote.status, 403);
    assert_eq!(
        act(&app, &anna, &anna_id, &[("aktion", "deaktivieren")])
            .await
            .status,
        403
    );
    // The Hauptadmin is no role the organisation can give.
    let usurp = act(
        &app,
        &erika,
        &anna_id,
        &[("aktion", "rolle-aendern"), ("rolle", "hauptadmin")],
    )
    .await;
    assert_eq!(usurp.status, 422, "{}", usurp.body);
    assert!(live(&app, &erika).await && live(&app, &anna).await);
    assert_eq!(
        app.get("/api/konto", Opts::json().cookie(&anna))
            .await
            .json()["person"]["rolle"],
        "organisationsadmin"
    );

    // Deactivating ends the running session at once and refuses sign-in.
    let before = app.mails_to("bea@musterstadt.de");
    let off = act(&app, &anna, &bea_id, &[("aktion", "deaktivieren")]).await;
    assert_eq!(
        (off.status, off.location.as_deref()),
        (303, Some("/api/konto/mitarbeitende?hinweis=deaktiviert")),
        "{}",
        off.body
    );
    assert!(!live(&app, &bea).await, "her session ended");
    assert_eq!(
        sign_in(&app, "bea@musterstadt.de", PASSWORD).await.status,
        401
    );
    assert_eq!(
        app.mails_to("bea@musterstadt.de"),
        before + 1,
        "told by mail"
    );
    let on = act(&app, &anna, &bea_id, &[("aktion", "aktivieren")]).await;
    assert_eq!(on.status, 303, "{}", on.body);
    let bea = sign_in(&app, "bea@musterstadt.de", PASSWORD)
        .await
        .session_cookie()
        .expect("signed in again");

    // A role change is mailed and shown.
    let promoted = act(
        &app,
        &anna,
        &bea_id,
        &[("aktion", "rolle-aendern"), ("rolle", "organisationsadmin")],
    )
    .await;
    assert_eq!(promoted.status, 303, "{}", promoted.body);
    assert!(
        app.mails
            .sent()
            .iter()
            .any(|m| m.to == "bea@musterstadt.de" && m.subject.contains("Rolle")),
        "told by mail"
    );
    assert_eq!(
        app.get("/api/konto/mitarbeitende", Opts::html().cookie(&bea))
            .await
            .status,
        200,
        "now an administrator"
    );

    // Every member orders in the organisation's name.
    let ordered_by_bea = orders::place(
        &app,
        &bea,
        &orders::dmessenger_order("bea-1", "direktvertrag"),
    )
    .await;
    orders::place(
        &app,
        &anna,
        &orders::dmessenger_order("anna-1", "direktvertrag"),
    )
    .await;

    // Deleting asks once more, then deletes; the session ends.
    let ask = act(&app, &erika, &bea_id, &[("aktion", "loeschen")]).await;
    assert_eq!(ask.status, 200);
    assert_eq!(markup::texts(&ask.body, "main h1"), ["Konto löschen"]);
    assert!(live(&app, &bea).await, "nothing deleted yet");
    let gone = act(
        &app,
        &erika,
        &bea_id,
        &[("aktion", "loeschen"), ("bestaetigt", "ja")],
    )
    .await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    assert!(!live(&app, &bea).await);
    assert_eq!(
        sign_in(&app, "bea@musterstadt.de", PASSWORD).await.status,
        401
    );
    assert_eq!(
        act(&app, &erika, &bea_id, &[("aktion", "aktivieren")])
            .await
            .status,
        404
    );

    // Her order stays with the organisation, under the name recorded when she ordered.
    let listed = app
        .get("/api/konto/bestellungen", Opts::json().cookie(&erika))
        .await
        .json();
    let kept = listed["bestellungen"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["id"] == ordered_by_bea.as_str())
        .expect("the deleted person's order is still listed")
        .clone();
    assert_eq!(
        kept["vertragsmappe"]["customer"]["orderer_name"],
        "Bea Beispiel"
    );
    assert_eq!(listed["bestellungen"].as_array().map(Vec::len), Some(2));

    // The audit trail lists each step, newest first.
    let trail = app
        .get("/api/konto/mitarbeitende", Opts::json().cookie(&erika))
        .await
        .json()["protokoll"]
        .as_array()
        .expect("trail")
        .iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a["actor"].as_str().unwrap_or(""),
                a["action"].as_str().unwrap_or(""),
                a["subject"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>();
    assert_eq!(
        trail,
        [
            "Erika Mustermann Gelöscht Bea Beispiel <bea@musterstadt.de>",
            "Anna Admin Rolle geändert Bea Beispiel <bea@musterstadt.de>",
            "Anna Admin Wieder aktiviert Bea Beispiel <bea@musterstadt.de>",
            "Anna Admin Deaktiviert Bea Beispiel <bea@musterstadt.de>",
            "Erika Mustermann Eingeladen Bea Beispiel <bea@musterstadt.de>",
            "Erika Mustermann Eingeladen Anna Admin <anna@musterstadt.de>",
        ]
    );
}

/// Invitation links work once, expire after 7 days, and "Einladung erneut senden" voids the
/// earlier one; an address with an account gets a note, and the inviter the same answer.
pub async fn invitations_are_single_use_expire_and_do_not_enumerate(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let link = register_confirm_approve(&app, "Amt Einladung", "chef@amt.de").await;
    let chef = set_password_and_sign_in(&app, &link, "chef@amt.de").await;
    let other = register_confirm_approve(&app, "Amt Anders", "andere@anders.de").await;
    set_password_and_sign_in(&app, &other, "andere@anders.de").await;

    assert_eq!(
        invite(&app, &chef, "Fritz", "fritz@amt.de", "mitarbeiter")
            .await
            .status,
        303
    );
    let first = app.link_in_mail("fritz@amt.de", "Einladung");
    let fritz = member_id(&app, &chef, "fritz@amt.de").await;
    let resent = act(
        &app,
        &chef,
        &fritz,
        &[("aktion", "einladung-erneut-senden")],
    )
    .await;
    assert_eq!(
        resent.location.as_deref(),
        Some("/api/konto/mitarbeitende?hinweis=erneut-gesendet"),
        "{}",
        resent.body
    );
    let second = app.link_in_mail("fritz@amt.de", "Einladung");
    assert_ne!(first, second);
    assert_eq!(
        app.get(&path_of(&first), Opts::html())
            .await
            .location
            .as_deref(),
        Some("/api/hinweis/link-ungueltig"),
        "the earlier link is void"
    );
    set_password_and_sign_in(&app, &second, "fritz@amt.de").await;
    assert_eq!(
        app.get(&path_of(&second), Opts::html())
            .await
            .location
            .as_deref(),
        Some("/api/hinweis/link-ungueltig"),
        "used once"
    );
    assert_eq!(
        act(
            &app,
            &chef,
            &fritz,
            &[("aktion", "einladung-erneut-senden")]
        )
        .await
        .status,
        409,
        "an accepted invitation is not sent again"
    );

    // Seven days, then the link has expired.
    assert_eq!(
        invite(&app, &chef, "Greta", "greta@amt.de", "mitarbeiter")
            .await
            .status,
        303
    );
    let greta = app.link_in_mail("greta@amt.de", "Einladung");
    app.clock.advance(7 * 24 * 60 * 60 + 1);
    assert_eq!(
        app.get(&path_of(&greta), Opts::html())
            .await
            .location
            .as_deref(),
        Some("/api/hinweis/link-ungueltig")
    );

    // An address with an account: the same answer, a note to its owner, nobody added.
    let chef = sign_in(&app, "chef@amt.de", PASSWORD)
        .await
        .session_cookie()
        .expect("again");
    let mails_before = app.mails_to("andere@anders.de");
    let taken = invite(
        &app,
        &chef,
        "Andere",
        "Andere@Anders.de",
        "organisationsadmin",
    )
    .await;
    assert_eq!(
        taken.location.as_deref(),
        Some("/api/konto/mitarbeitende?hinweis=eingeladen")
    );
    assert_eq!(app.mails_to("andere@anders.de"), mails_before + 1);
    let list = app
        .get("/api/konto/mitarbeitende", Opts::json().cookie(&chef))
        .await
        .json();
    assert!(!list.to_string().contains("andere@anders.de"));
}

/// Another organisation's people are out of reach by id, and invitations are limited per
/// organisation and hour.
pub async fn members_are_isolated_and_invitations_limited(store: Arc<dyn PortalStore>) {
    let app = spawn_with(store, |settings| {
        settings.limits.invitations_per_org = functions::domain::RateLimit {
            max: 3,
            window_secs: 3600,
        };
    })
    .await;
    let a = register_confirm_approve(&app, "Amt A", "a@a.de").await;
    let a = set_password_and_sign_in(&app, &a, "a@a.de").await;
    let b = register_confirm_approve(&app, "Amt B", "b@b.de").await;
    let b = set_password_and_sign_in(&app, &b, "b@b.de").await;
    assert_ne!(org_id(&app, &a).await, org_id(&app, &b).await);

    assert_eq!(
        invite(&app, &a, "Hanna", "hanna@a.de", "mitarbeiter")
            .await
            .status,
        303
    );
    let hanna = member_id(&app, &a, "hanna@a.de").await;
    let b_admin = member_id(&app, &b, "b@b.de").await;
    for (action, confirm) in [
        ("deaktivieren", ""),
        ("loeschen", "ja"),
        ("einladung-erneut-senden", ""),
    ] {
        let refused = act(
            &app,
            &b,
            &hanna,
            &[("aktion", action), ("bestaetigt", confirm)],
        )
        .await;
        assert_eq!(refused.status, 404, "{action}: {}", refused.body);
        assert!(!refused.body.contains("hanna@a.de"));
    }
    assert_eq!(
        act(&app, &a, &b_admin, &[("aktion", "deaktivieren")])
            .await
            .status,
        404
    );
    let list_b = app
        .get("/api/konto/mitarbeitende", Opts::json().cookie(&b))
        .await
        .body;
    assert!(!list_b.contains("hanna@a.de") && !list_b.contains("a@a.de\""));
    assert_eq!(app.mails_to("hanna@a.de"), 1, "only the invitation");

    // Three invitation mails an hour (the resend counts), then 429; B is not affected.
    assert_eq!(
        act(&app, &a, &hanna, &[("aktion", "einladung-erneut-senden")])
            .await
            .status,
        303
    );
    assert_eq!(
        invite(&app, &a, "Ida", "ida@a.de", "mitarbeiter")
            .await
            .status,
        303
    );
    let limited = invite(&app, &a, "Jan", "jan@a.de", "mitarbeiter").await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(app.mails_to("jan@a.de"), 0);
    assert_eq!(
        invite(&app, &b, "Kai", "kai@b.de", "mitarbeiter")
            .await
            .status,
        303
    );
    app.clock.advance(3600);
    let a = sign_in(&app, "a@a.de", PASSWORD)
        .await
        .session_cookie()
        .expect("signed in");
    assert_eq!(
        invite(&app, &a, "Jan", "jan@a.de", "mitarbeiter")
            .await
            .status,
        303
    );
}
