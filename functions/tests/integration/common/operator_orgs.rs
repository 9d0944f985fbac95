//! "Organisationen" in the operator console: search, change name or Rechtsform, hand the
//! Hauptadmin over, deactivate (its people cannot sign in, open sessions are refused) and
//! reactivate; customers and providers are refused; the status change is conditional.

use std::sync::Arc;

use functions::domain::model::{AuditAction, OrgKind, OrgStatus};
use functions::domain::orders::ports::PortalStore;
use functions::domain::ports::StoreError;
use functions::domain::tokens::new_id;

use super::console::party_member;
use super::flows::{set_password_and_sign_in, sign_in};
use super::operator_console::signed_in_operator;
use super::orders::member;
use super::*;

const LIST: &str = "/api/betrieb/organisationen";

async fn org_of(
    store: &Arc<dyn PortalStore>,
    email: &str,
) -> functions::domain::model::Organisation {
    let user = store
        .find_user_by_email(email)
        .await
        .expect("read")
        .expect("user");
    store
        .get_org(&user.org_id)
        .await
        .expect("read")
        .expect("org")
}

pub async fn operator_manages_organisations(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let customer = member(&app, "Stadt Umbenannt", "chefin@stadt-umbenannt.de", true).await;
    member(&app, "Gemeinde Andere", "andere@gemeinde-andere.de", true).await;
    let org = org_of(&store, "chefin@stadt-umbenannt.de").await;
    let page_path = format!("{LIST}/{}", org.id);
    // A second person of the organisation who accepted the invitation.
    let csrf = app.csrf_token(&customer).await;
    let invited = app
        .post_form(
            "/api/konto/mitarbeitende",
            &[
                ("csrf", csrf.as_str()),
                ("name", "Zweite Person"),
                ("email", "zweite@stadt-umbenannt.de"),
                ("rolle", "mitarbeiter"),
            ],
            Opts::html().cookie(&customer),
        )
        .await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    app.state.outbox.mail_queued().await;
    let link = app.link_in_mail("zweite@stadt-umbenannt.de", "Einladung");
    let second = set_password_and_sign_in(&app, &link, "zweite@stadt-umbenannt.de").await;
    let operator = signed_in_operator(&app, "orgs@betrieb.example").await;

    // Search by name: kind, people and orders.
    let found = app
        .get(
            &format!("{LIST}?q=umbenannt"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(
        markup::texts(&found.body, "main tbody th a"),
        ["Stadt Umbenannt"]
    );
    let cells = markup::texts(&found.body, "main tbody td");
    assert_eq!(cells[0], "Kunde");
    assert_eq!(cells[3], "2", "two people: {cells:?}");
    assert_eq!(cells[4], "0", "no orders: {cells:?}");
    let all = app.get(LIST, Opts::html().cookie(&operator)).await;
    assert!(markup::texts(&all.body, "main tbody th a").len() >= 3);

    // Refused for customers and providers, and nothing changes.
    let provider = party_member(
        &app,
        OrgKind::Provider {
            provider_id: "dataport".into(),
        },
        "Dataport",
        "anbieter@dataport-orgs.example",
    )
    .await;
    for cookie in [&customer, &provider] {
        for path in [LIST.to_owned(), page_path.clone()] {
            assert_eq!(
                app.get(&path, Opts::html().cookie(cookie)).await.status,
                403,
                "{path}"
            );
        }
        let csrf = app.csrf_token(cookie).await;
        let refused = app
            .post_form(
                &format!("{page_path}/deaktivieren"),
                &[("csrf", &csrf)],
                Opts::html().cookie(cookie),
            )
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    assert_eq!(
        org_of(&store, "chefin@stadt-umbenannt.de").await.status,
        OrgStatus::Approved
    );
    let csrf = app.csrf_token(&operator).await;
    let forged = app
        .post_form(
            &format!("{page_path}/name"),
            &[("name", "Gefälscht")],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);

    // Name and Rechtsform: an empty name is refused at its field; then saved with an audit entry.
    let empty = app
        .post_form(
            &format!("{page_path}/name"),
            &[("csrf", &csrf), ("name", " "), ("rechtsform", "AöR")],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert_eq!(
        markup::attrs(&empty.body, "main input[name=name]", "aria-invalid"),
        ["true"]
    );
    let renamed = app
        .post_form(
            &format!("{page_path}/name"),
            &[
                ("csrf", &csrf),
                ("name", "Stadt Neuer Name"),
                ("rechtsform", "Gebietskörperschaft"),
            ],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        (renamed.status, renamed.location.as_deref()),
        (303, Some(format!("{page_path}?hinweis=geaendert").as_str()))
    );
    let org_now = org_of(&store, "chefin@stadt-umbenannt.de").await;
    assert_eq!(
        (org_now.name.as_str(), org_now.legal_form.as_str()),
        ("Stadt Neuer Name", "Gebietskörperschaft")
    );
    let audit = store.list_audit(&org.id).await.expect("audit");
    let entry = audit
        .iter()
        .find(|a| a.action == AuditAction::OrganisationChanged)
        .expect("an audit entry");
    assert_eq!(entry.actor, "Olga Betrieb");
    assert!(
        entry.detail.contains("Stadt Neuer Name"),
        "{}",
        entry.detail
    );

    // The Hauptadmin goes to the second person.
    let page = app.get(&page_path, Opts::html().cookie(&operator)).await;
    assert_eq!(
        markup::attrs(&page.body, "main select[name=email] option", "value"),
        ["", "zweite@stadt-umbenannt.de"]
    );
    let handed = app
        .post_form(
            &format!("{page_path}/hauptadmin"),
            &[("csrf", &csrf), ("email", "zweite@stadt-umbenannt.de")],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        handed.location.as_deref(),
        Some(format!("{page_path}?hinweis=hauptadmin").as_str())
    );
    let second_user = store
        .find_user_by_email("zweite@stadt-umbenannt.de")
        .await
        .expect("read")
        .expect("user");
    assert_eq!(
        org_of(&store, "chefin@stadt-umbenannt.de")
            .await
            .admin_user_id,
        second_user.id
    );

    // Deactivate: open sessions are refused, signing in too; a second deactivation says so.
    let deactivated = app
        .post_form(
            &format!("{page_path}/deaktivieren"),
            &[("csrf", &csrf)],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        deactivated.location.as_deref(),
        Some(format!("{page_path}?hinweis=deaktiviert").as_str())
    );
    assert_eq!(
        org_of(&store, "chefin@stadt-umbenannt.de").await.status,
        OrgStatus::Deactivated
    );
    for cookie in [&customer, &second] {
        assert_eq!(
            app.get("/api/konto", Opts::json().cookie(cookie))
                .await
                .status,
            401,
            "the open session is refused"
        );
    }
    assert!(
        sign_in(&app, "chefin@stadt-umbenannt.de", PASSWORD)
            .await
            .session_cookie()
            .is_none(),
        "no sign-in"
    );
    let twice = app
        .post_form(
            &format!("{page_path}/deaktivieren"),
            &[("csrf", &csrf)],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        twice.location.as_deref(),
        Some(format!("{page_path}?hinweis=unveraendert").as_str())
    );
    let page = app
        .get(
            &format!("{page_path}?hinweis=unveraendert"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert!(markup::texts(&page.body, "main .notice")[0].contains("nichts geändert"));

    // Reactivate: signing in works again.
    let reactivated = app
        .post_form(
            &format!("{page_path}/reaktivieren"),
            &[("csrf", &csrf)],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        reactivated.location.as_deref(),
        Some(format!("{page_path}?hinweis=reaktiviert").as_str())
    );
    assert!(
        sign_in(&app, "chefin@stadt-umbenannt.de", PASSWORD)
            .await
            .session_cookie()
            .is_some()
    );
    let actions: Vec<AuditAction> = store
        .list_audit(&org.id)
        .await
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(actions.contains(&AuditAction::OrganisationDeactivated));
    assert!(actions.contains(&AuditAction::OrganisationReactivated));

    // A session opened while the organisation was active is refused once it is
    // deactivated, even if nothing ended it (the status change alone, at the store).
    let later = sign_in(&app, "chefin@stadt-umbenannt.de", PASSWORD)
        .await
        .session_cookie()
        .expect("signed in");
    assert_eq!(
        app.get("/api/konto", Opts::json().cookie(&later))
            .await
            .status,
        200
    );
    let active = org_of(&store, "chefin@stadt-umbenannt.de").await;
    let off = functions::domain::model::Organisation {
        status: OrgStatus::Deactivated,
        ..active.clone()
    };
    let audit = functions::domain::model::AuditEntry {
        id: new_id(),
        org_id: active.id.clone(),
        at: START,
        actor: "Test".into(),
        action: AuditAction::OrganisationDeactivated,
        subject: active.name.clone(),
        detail: String::new(),
    };
    store
        .change_org_status_with_audit(&off, OrgStatus::Approved, &audit)
        .await
        .expect("deactivate");
    assert_eq!(
        app.get("/api/konto", Opts::json().cookie(&later))
            .await
            .status,
        401
    );

    // The operator's own organisation cannot be deactivated.
    let own = org_of(&store, "orgs@betrieb.example").await;
    let refused = app
        .post_form(
            &format!("{LIST}/{}/deaktivieren", own.id),
            &[("csrf", &csrf)],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        refused.location,
        Some(format!("{LIST}/{}?hinweis=nicht-erlaubt", own.id))
    );
}

/// An organisation's status changes only from the expected one: of concurrent
/// deactivations exactly one is written (with its audit entry).
pub async fn org_status_changes_once(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    member(&app, "Stadt Einmal Aus", "aus@stadt-einmal.de", true).await;
    let org = org_of(&store, "aus@stadt-einmal.de").await;
    let audit_before = store.list_audit(&org.id).await.expect("audit").len();
    let mut tasks = Vec::new();
    for i in 0..6 {
        let store = Arc::clone(&store);
        let mut after = org.clone();
        after.status = OrgStatus::Deactivated;
        let audit = functions::domain::model::AuditEntry {
            id: new_id(),
            org_id: org.id.clone(),
            at: START + i,
            actor: format!("Person {i}"),
            action: AuditAction::OrganisationDeactivated,
            subject: org.name.clone(),
            detail: String::new(),
        };
        tasks.push(tokio::spawn(async move {
            store
                .change_org_status_with_audit(&after, OrgStatus::Approved, &audit)
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(()) => won += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(
        store.list_audit(&org.id).await.expect("audit").len(),
        audit_before + 1
    );
    assert_eq!(
        store
            .list_orgs_by_status(OrgStatus::Deactivated)
            .await
            .expect("list")
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        [org.id.as_str()],
        "found under its new status"
    );
    let mut missing = org.clone();
    missing.id = new_id();
    missing.status = OrgStatus::Deactivated;
    let audit = functions::domain::model::AuditEntry {
        id: new_id(),
        org_id: missing.id.clone(),
        at: START,
        actor: "X".into(),
        action: AuditAction::OrganisationDeactivated,
        subject: String::new(),
        detail: String::new(),
    };
    assert!(matches!(
        store
            .change_org_status_with_audit(&missing, OrgStatus::Approved, &audit)
            .await,
        Err(StoreError::NotFound)
    ));
}
