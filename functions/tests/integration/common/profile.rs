//! A person's own profile and the organisation's "Ergänzende Angaben": store conformance
//! checks and HTTP flows, on every store.

use std::sync::Arc;

use functions::domain::model::*;
use functions::domain::orders::ports::PortalStore;
use functions::domain::ports::StoreError;
use functions::domain::tokens::new_id;

use super::flows::{
    register_confirm_approve, register_confirm_approve_fields, set_password_and_sign_in, sign_in,
};
use super::*;

fn details_audit(org: &Organisation) -> AuditEntry {
    AuditEntry {
        id: new_id(),
        org_id: org.id.clone(),
        at: START,
        actor: "Erika".to_owned(),
        action: AuditAction::DetailsChanged,
        subject: org.name.clone(),
        detail: "Inhousefähig: ja".to_owned(),
    }
}

pub async fn own_records_change_only_as_read(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let link = register_confirm_approve(&app, "Amt Eigen", "eigen@amt.de").await;
    set_password_and_sign_in(&app, &link, "eigen@amt.de").await;
    let user = store
        .find_user_by_email("eigen@amt.de")
        .await
        .expect("read")
        .expect("user");
    let org = store
        .get_org(&user.org_id)
        .await
        .expect("read")
        .expect("org");

    let renamed = User {
        name: "Erika Neu".to_owned(),
        ..user.clone()
    };
    store.update_user(&user, &renamed).await.expect("update");
    assert_eq!(
        store.get_user(&user.id).await.expect("read"),
        Some(renamed.clone())
    );
    assert!(
        matches!(
            store.update_user(&user, &renamed).await,
            Err(StoreError::Conflict)
        ),
        "a stale reading"
    );
    let other_address = User {
        email: "anders@amt.de".to_owned(),
        ..renamed.clone()
    };
    assert!(matches!(
        store.update_user(&renamed, &other_address).await,
        Err(StoreError::Conflict)
    ));

    let detailed = Organisation {
        in_house_capable: !org.in_house_capable,
        leitweg_id: "04011000-1234512345-06".to_owned(),
        ..org.clone()
    };
    let audit = details_audit(&org);
    store
        .update_organisation(&org, &detailed, &audit)
        .await
        .expect("details");
    assert_eq!(
        store.get_org(&org.id).await.expect("read"),
        Some(detailed.clone())
    );
    assert_eq!(store.list_audit(&org.id).await.expect("audit"), [audit]);
    assert!(matches!(
        store
            .update_organisation(&org, &detailed, &details_audit(&org))
            .await,
        Err(StoreError::Conflict)
    ));
    // Status and Hauptadmin are not changed this way.
    for changed in [
        Organisation {
            status: OrgStatus::Rejected,
            ..detailed.clone()
        },
        Organisation {
            admin_user_id: new_id(),
            ..detailed.clone()
        },
    ] {
        assert!(matches!(
            store
                .update_organisation(&detailed, &changed, &details_audit(&org))
                .await,
            Err(StoreError::Conflict)
        ));
    }
    assert_eq!(store.get_org(&org.id).await.expect("read"), Some(detailed));
    assert_eq!(store.list_audit(&org.id).await.expect("audit").len(), 1);
}

async fn post(app: &TestApp, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, &all, Opts::html().cookie(cookie)).await
}

async fn live(app: &TestApp, cookie: &str) -> bool {
    app.get("/api/sitzung", Opts::json().cookie(cookie))
        .await
        .json()["angemeldet"]
        == true
}

const NEW_PASSWORD: &str = "ein anderes sehr langes Passwort für später";

/// Each person edits their own name and phone and changes their password (the current one
/// is asked for; other sessions end); administrators edit the organisation's details (the
/// Leitweg-ID checked in its published format), members may not; the Inhousefähigkeit set
/// later opens the Umklappvertrag.
pub async fn profile_and_details_are_edited(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let mut fields = registration("Gemeinde Nachtrag", "chefin@nachtrag.de");
    fields.retain(|(name, _)| *name != "inhouse");
    let link =
        register_confirm_approve_fields(&app, "Gemeinde Nachtrag", "chefin@nachtrag.de", fields)
            .await;
    let chefin = set_password_and_sign_in(&app, &link, "chefin@nachtrag.de").await;
    let elsewhere = sign_in(&app, "chefin@nachtrag.de", PASSWORD)
        .await
        .session_cookie()
        .expect("a second session");

    let page = app
        .get("/api/konto/profil", Opts::html().cookie(&chefin))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(markup::texts(&page.body, "main h1"), ["Profil und Angaben"]);
    assert_eq!(
        markup::attrs(&page.body, "#details-leitweg-id", "name"),
        ["leitweg_id"],
        "the Hauptadmin sees the organisation's details"
    );

    // Own name and phone.
    let bad = post(
        &app,
        &chefin,
        "/api/konto/profil",
        &[("name", ""), ("telefon", "12")],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(markup::texts(&bad.body, ".error-summary li").len(), 2);
    let saved = post(
        &app,
        &chefin,
        "/api/konto/profil",
        &[("name", "Erika Nachname"), ("telefon", "040 987654")],
    )
    .await;
    assert_eq!(
        saved.location.as_deref(),
        Some("/api/konto/profil?hinweis=profil")
    );
    let me = app
        .get("/api/konto", Opts::json().cookie(&chefin))
        .await
        .json();
    assert_eq!(
        (
            me["person"]["name"].as_str(),
            me["person"]["telefon"].as_str()
        ),
        (Some("Erika Nachname"), Some("040 987654"))
    );

    // The organisation's details: the Leitweg-ID in its published format.
    for wrong in ["04011000-1234512345-07", "4011000-06", "abc"] {
        let refused = post(
            &app,
            &chefin,
            "/api/konto/organisation",
            &[("inhouse", "ja"), ("leitweg_id", wrong)],
        )
        .await;
        assert_eq!(refused.status, 422, "{wrong}");
        assert!(refused.body.contains("Prüfziffern"), "{wrong}");
    }
    let org = app
        .get("/api/konto", Opts::json().cookie(&chefin))
        .await
        .json()["organisation"]
        .clone();
    assert_eq!(
        (org["inhousefaehig"].as_bool(), org["leitweg_id"].as_str()),
        (Some(false), Some(""))
    );
    let umklapp = app
        .post_form(
            "/api/bestellungen",
            &as_pairs(&orders::dmessenger_order("vorher", "umklappvertrag")),
            Opts::json()
                .cookie(&chefin)
                .csrf(&app.csrf_token(&chefin).await),
        )
        .await;
    assert_eq!(
        umklapp.status, 422,
        "not in-house capable yet: {}",
        umklapp.body
    );
    let details = post(
        &app,
        &chefin,
        "/api/konto/organisation",
        &[
            ("inhouse", "ja"),
            ("leitweg_id", "09564000-nue0001-49"),
            ("zentrale_telefon", "0911 123456"),
        ],
    )
    .await;
    assert_eq!(
        details.location.as_deref(),
        Some("/api/konto/profil?hinweis=organisation"),
        "{}",
        details.body
    );
    let org = app
        .get("/api/konto", Opts::json().cookie(&chefin))
        .await
        .json()["organisation"]
        .clone();
    assert_eq!(
        (
            org["inhousefaehig"].as_bool(),
            org["leitweg_id"].as_str(),
            org["zentrale_telefon"].as_str()
        ),
        (Some(true), Some("09564000-NUE0001-49"), Some("0911 123456"))
    );
    let account = app.get("/api/konto", Opts::html().cookie(&chefin)).await;
    let facts = markup::texts(&account.body, "main dd");
    assert!(
        facts.iter().any(|f| f == "09564000-NUE0001-49")
            && facts.iter().any(|f| f == "0911 123456"),
        "{facts:?}"
    );
    orders::place(
        &app,
        &chefin,
        &orders::dmessenger_order("nachher", "umklappvertrag"),
    )
    .await;
    let trail = app
        .get("/api/konto/mitarbeitende", Opts::json().cookie(&chefin))
        .await
        .json();
    assert_eq!(
        trail["protokoll"][0]["action"],
        "Ergänzende Angaben geändert"
    );

    // A member changes her own profile, not the organisation's details.
    assert_eq!(
        post(
            &app,
            &chefin,
            "/api/konto/mitarbeitende",
            &[
                ("name", "Max"),
                ("email", "max@nachtrag.de"),
                ("rolle", "mitarbeiter")
            ]
        )
        .await
        .status,
        303
    );
    let max = set_password_and_sign_in(
        &app,
        &app.link_in_mail("max@nachtrag.de", "Einladung"),
        "max@nachtrag.de",
    )
    .await;
    let page = app
        .get("/api/konto/profil", Opts::html().cookie(&max))
        .await;
    assert!(markup::attrs(&page.body, "#details-leitweg-id", "name").is_empty());
    let forbidden = post(
        &app,
        &max,
        "/api/konto/organisation",
        &[("leitweg_id", "992-90009-96")],
    )
    .await;
    assert_eq!(forbidden.status, 403);
    let org = app
        .get("/api/konto", Opts::json().cookie(&chefin))
        .await
        .json()["organisation"]
        .clone();
    assert_eq!(org["leitweg_id"], "09564000-NUE0001-49", "nothing changed");
    assert_eq!(
        post(
            &app,
            &max,
            "/api/konto/profil",
            &[("name", "Max Muster"), ("telefon", "030 111222")]
        )
        .await
        .status,
        303
    );
    // Without the session's token: 403.
    let no_token = app
        .post_form(
            "/api/konto/profil",
            &[("name", "X"), ("telefon", "030 111222")],
            Opts::html().cookie(&max),
        )
        .await;
    assert_eq!(no_token.status, 403);

    // The password: the current one is asked for; afterwards only this browser is signed in.
    let wrong = post(
        &app,
        &chefin,
        "/api/konto/passwort",
        &[
            ("aktuelles_passwort", "falsch falsch falsch falsch falsch"),
            ("passwort", NEW_PASSWORD),
            ("passwort_wiederholung", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong
            .body
            .contains("Das aktuelle Passwort ist nicht richtig")
    );
    assert!(live(&app, &elsewhere).await, "nothing changed");
    let changed = post(
        &app,
        &chefin,
        "/api/konto/passwort",
        &[
            ("aktuelles_passwort", PASSWORD),
            ("passwort", NEW_PASSWORD),
            ("passwort_wiederholung", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(
        changed.location.as_deref(),
        Some("/api/konto/profil?hinweis=passwort"),
        "{}",
        changed.body
    );
    let fresh = changed
        .session_cookie()
        .expect("a new session for this browser");
    assert!(live(&app, &fresh).await);
    assert!(
        !live(&app, &chefin).await && !live(&app, &elsewhere).await,
        "the other sessions ended"
    );
    assert_eq!(
        sign_in(&app, "chefin@nachtrag.de", PASSWORD).await.status,
        401
    );
    assert_eq!(
        sign_in(&app, "chefin@nachtrag.de", NEW_PASSWORD)
            .await
            .status,
        303
    );
}
