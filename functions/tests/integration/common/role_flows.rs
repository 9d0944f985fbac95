//! Named roles over HTTP (through `store_tests!`): rights checked on every route, roles
//! given only as far as the giver's own rights reach, no role of another organisation, no
//! role deleted while held.

use std::sync::Arc;

use functions::domain::orders::ports::PortalStore;

use super::flows::{register_confirm_approve, set_password_and_sign_in};
use super::members::{act, invite, live, member_id, org_id};
use super::*;

/// Creates a role through the roles page's form; returns its id.
async fn create_role(app: &TestApp, cookie: &str, name: &str, rights: &[&str]) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    let mut fields = vec![("csrf", csrf.as_str()), ("name", name)];
    for right in rights {
        fields.push((right, "ja"));
    }
    app.post_form("/api/konto/rollen", &fields, Opts::html().cookie(cookie))
        .await
}

/// The id of the organisation's role `name`, as the JSON list has it.
async fn role_id(app: &TestApp, cookie: &str, name: &str) -> String {
    let list = app
        .get("/api/konto/rollen", Opts::json().cookie(cookie))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.json()["rollen"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed: {}", list.body))["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn post(app: &TestApp, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, &all, Opts::html().cookie(cookie)).await
}

/// The ids of the orders the person sees.
async fn listed_orders(app: &TestApp, cookie: &str) -> Vec<String> {
    let mut ids: Vec<String> = app
        .get("/api/konto/bestellungen", Opts::json().cookie(cookie))
        .await
        .json()["bestellungen"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// An administrator defines a role with two rights and invites a person with it; she can
/// do what the role allows and is refused the rest (403, nothing changes), as is a member
/// without a role; the orders list shows all orders only with the right; the role is
/// edited (her rights change at once), not deleted while she holds it, then deleted; each
/// step is in the audit trail and she is told of her role by mail.
pub async fn roles_are_defined_given_and_checked(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let link = register_confirm_approve(&app, "Stadt Rollenheim", "erika@rollenheim.de").await;
    let erika = set_password_and_sign_in(&app, &link, "erika@rollenheim.de").await;

    // The roles page, empty, with its form and the note on ordering.
    let page = app
        .get("/api/konto/rollen", Opts::html().cookie(&erika))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(markup::texts(&page.body, "main h1"), ["Rollen"]);
    assert!(
        markup::texts(&page.body, "main .notice p")
            .iter()
            .any(|t| t.contains("Bedarf melden") && t.contains("nicht einschränken"))
    );
    assert_eq!(
        markup::attrs(&page.body, "main form input[type=checkbox]", "name"),
        [
            "mitarbeitende_verwalten",
            "adressen_verwalten",
            "organisationsprofil_bearbeiten",
            "alle_bestellungen_sehen"
        ]
    );

    // Without a name and a right: both messages, nothing created.
    let wrong = create_role(&app, &erika, "", &[]).await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(markup::texts(&wrong.body, ".error-summary li").len(), 2);
    let made = create_role(
        &app,
        &erika,
        "Beschaffung",
        &["mitarbeitende_verwalten", "alle_bestellungen_sehen"],
    )
    .await;
    assert_eq!(
        (made.status, made.location.as_deref()),
        (303, Some("/api/konto/rollen?hinweis=angelegt")),
        "{}",
        made.body
    );
    let again = create_role(&app, &erika, "beschaffung", &["adressen_verwalten"]).await;
    assert_eq!(again.status, 422, "a name is used once: {}", again.body);
    let buying = role_id(&app, &erika, "Beschaffung").await;
    assert_eq!(
        create_role(
            &app,
            &erika,
            "Profilpflege",
            &["organisationsprofil_bearbeiten"]
        )
        .await
        .status,
        303
    );
    let profile_role = role_id(&app, &erika, "Profilpflege").await;

    // "Konto hinzufügen" offers the roles.
    let members = app
        .get("/api/konto/mitarbeitende", Opts::html().cookie(&erika))
        .await;
    let offered = markup::texts(&members.body, "#einladung-rolle option");
    assert!(
        offered.contains(&"Rolle „Beschaffung“".to_owned()),
        "{offered:?}"
    );
    let paula_role = format!("rolle:{buying}");
    assert_eq!(
        invite(
            &app,
            &erika,
            "Paula Plan",
            "paula@rollenheim.de",
            &paula_role
        )
        .await
        .status,
        303
    );
    assert!(
        app.mails
            .sent()
            .iter()
            .any(|m| m.to == "paula@rollenheim.de" && m.body.contains("Beschaffung")),
        "the invitation names the role"
    );
    let paula = set_password_and_sign_in(
        &app,
        &app.link_in_mail("paula@rollenheim.de", "Einladung"),
        "paula@rollenheim.de",
    )
    .await;
    assert_eq!(
        invite(
            &app,
            &erika,
            "Otto Ohne",
            "otto@rollenheim.de",
            "mitarbeiter"
        )
        .await
        .status,
        303
    );
    let otto = set_password_and_sign_in(
        &app,
        &app.link_in_mail("otto@rollenheim.de", "Einladung"),
        "otto@rollenheim.de",
    )
    .await;
    let account = app
        .get("/api/konto", Opts::json().cookie(&paula))
        .await
        .json();
    assert_eq!(account["person"]["benannte_rolle"], "Beschaffung");
    assert_eq!(
        account["person"]["rechte"],
        serde_json::json!(["mitarbeitende_verwalten", "alle_bestellungen_sehen"])
    );

    // Orders: everybody orders; all of them only with the right.
    let by_erika = orders::place(
        &app,
        &erika,
        &orders::dmessenger_order("e-1", "direktvertrag"),
    )
    .await;
    let by_otto = orders::place(
        &app,
        &otto,
        &orders::dmessenger_order("o-1", "direktvertrag"),
    )
    .await;
    let by_paula = orders::place(
        &app,
        &paula,
        &orders::dmessenger_order("p-1", "direktvertrag"),
    )
    .await;
    let all = sorted(vec![by_erika.clone(), by_otto.clone(), by_paula.clone()]);
    assert_eq!(
        listed_orders(&app, &erika).await,
        all,
        "the Hauptadmin sees all"
    );
    assert_eq!(listed_orders(&app, &paula).await, all, "the role's right");
    assert_eq!(
        listed_orders(&app, &otto).await,
        vec![by_otto.clone()],
        "only his own"
    );
    for other in [&by_erika, &by_paula] {
        let refused = app
            .get(
                &format!("/api/konto/bestellungen/{other}"),
                Opts::html().cookie(&otto),
            )
            .await;
        assert_eq!(refused.status, 404, "{}", refused.body);
    }
    assert_eq!(
        app.get(
            &format!("/api/konto/bestellungen/{by_otto}"),
            Opts::html().cookie(&paula)
        )
        .await
        .status,
        200
    );

    // What the role allows: the members page, inviting a Mitarbeiter/in.
    assert_eq!(
        app.get("/api/konto/mitarbeitende", Opts::html().cookie(&paula))
            .await
            .status,
        200
    );
    assert_eq!(
        invite(
            &app,
            &paula,
            "Quirin",
            "quirin@rollenheim.de",
            "mitarbeiter"
        )
        .await
        .status,
        303
    );
    let quirin = member_id(&app, &paula, "quirin@rollenheim.de").await;
    assert_eq!(
        act(&app, &paula, &quirin, &[("aktion", "deaktivieren")])
            .await
            .status,
        303
    );

    // An Organisationsadmin, and a person whose role has a right Paula lacks.
    for (name, email, role) in [
        (
            "Anna Admin",
            "anna@rollenheim.de",
            "organisationsadmin".to_owned(),
        ),
        (
            "Rita Profil",
            "rita@rollenheim.de",
            format!("rolle:{profile_role}"),
        ),
    ] {
        assert_eq!(invite(&app, &erika, name, email, &role).await.status, 303);
    }
    let anna_id = member_id(&app, &erika, "anna@rollenheim.de").await;
    let rita_id = member_id(&app, &erika, "rita@rollenheim.de").await;

    // What it does not allow: 403, and nothing changes.
    let org = app
        .get("/api/konto", Opts::json().cookie(&erika))
        .await
        .json();
    let trail_before = app
        .get("/api/konto/mitarbeitende", Opts::json().cookie(&erika))
        .await
        .json()["protokoll"]
        .clone();
    let erika_id = member_id(&app, &erika, "erika@rollenheim.de").await;
    let refusals = [
        (
            "details",
            post(
                &app,
                &paula,
                "/api/konto/organisation",
                &[("leitweg_id", "04011000-1234512345-06")],
            )
            .await,
        ),
        (
            "make an admin",
            invite(
                &app,
                &paula,
                "Ada",
                "ada@rollenheim.de",
                "organisationsadmin",
            )
            .await,
        ),
        (
            "a role beyond hers",
            invite(
                &app,
                &paula,
                "Ben",
                "ben@rollenheim.de",
                &format!("rolle:{profile_role}"),
            )
            .await,
        ),
        (
            "promote",
            act(
                &app,
                &paula,
                &quirin,
                &[("aktion", "rolle-aendern"), ("rolle", "organisationsadmin")],
            )
            .await,
        ),
        (
            "the Hauptadmin",
            act(&app, &paula, &erika_id, &[("aktion", "deaktivieren")]).await,
        ),
        (
            "an Organisationsadmin",
            act(&app, &paula, &anna_id, &[("aktion", "deaktivieren")]).await,
        ),
        (
            "demote an Organisationsadmin",
            act(
                &app,
                &paula,
                &anna_id,
                &[("aktion", "rolle-aendern"), ("rolle", "mitarbeiter")],
            )
            .await,
        ),
        (
            "take a role beyond hers",
            act(
                &app,
                &paula,
                &rita_id,
                &[("aktion", "rolle-aendern"), ("rolle", "mitarbeiter")],
            )
            .await,
        ),
        (
            "create a role",
            create_role(&app, &paula, "Alles", &["organisationsprofil_bearbeiten"]).await,
        ),
        (
            "edit her role",
            post(
                &app,
                &paula,
                &format!("/api/konto/rollen/{buying}"),
                &[
                    ("name", "Beschaffung"),
                    ("organisationsprofil_bearbeiten", "ja"),
                ],
            )
            .await,
        ),
        (
            "delete a role",
            post(
                &app,
                &paula,
                &format!("/api/konto/rollen/{profile_role}/loeschen"),
                &[],
            )
            .await,
        ),
    ];
    for (what, reply) in refusals {
        assert_eq!(reply.status, 403, "{what}: {}", reply.body);
    }
    for path in [
        "/api/konto/rollen".to_owned(),
        format!("/api/konto/rollen/{buying}"),
    ] {
        assert_eq!(
            app.get(&path, Opts::html().cookie(&paula)).await.status,
            403,
            "{path}"
        );
    }
    assert_eq!(
        app.mails_to("ada@rollenheim.de") + app.mails_to("ben@rollenheim.de"),
        0
    );
    assert!(live(&app, &erika).await);

    // A member without a role: every protected route 403, nothing changes.
    let otto_refusals = [
        (
            "members",
            app.get("/api/konto/mitarbeitende", Opts::html().cookie(&otto))
                .await,
        ),
        (
            "invite",
            invite(&app, &otto, "Eve", "eve@rollenheim.de", "mitarbeiter").await,
        ),
        (
            "act",
            act(&app, &otto, &quirin, &[("aktion", "aktivieren")]).await,
        ),
        (
            "details",
            post(
                &app,
                &otto,
                "/api/konto/organisation",
                &[("zentrale_telefon", "030 1234567")],
            )
            .await,
        ),
        (
            "roles",
            app.get("/api/konto/rollen", Opts::html().cookie(&otto))
                .await,
        ),
        (
            "role",
            app.get(
                &format!("/api/konto/rollen/{buying}"),
                Opts::html().cookie(&otto),
            )
            .await,
        ),
        (
            "create",
            create_role(&app, &otto, "Otto", &["adressen_verwalten"]).await,
        ),
        (
            "edit",
            post(
                &app,
                &otto,
                &format!("/api/konto/rollen/{buying}"),
                &[("name", "X"), ("adressen_verwalten", "ja")],
            )
            .await,
        ),
        (
            "delete",
            post(
                &app,
                &otto,
                &format!("/api/konto/rollen/{profile_role}/loeschen"),
                &[],
            )
            .await,
        ),
    ];
    for (what, reply) in otto_refusals {
        assert_eq!(reply.status, 403, "{what}: {}", reply.body);
    }
    assert_eq!(app.mails_to("eve@rollenheim.de"), 0);
    let after = app
        .get("/api/konto", Opts::json().cookie(&erika))
        .await
        .json();
    assert_eq!(
        after["organisation"], org["organisation"],
        "the details are unchanged"
    );
    let trail_after = app
        .get("/api/konto/mitarbeitende", Opts::json().cookie(&erika))
        .await
        .json()["protokoll"]
        .clone();
    assert_eq!(
        trail_after, trail_before,
        "no refused step is in the audit trail"
    );
    assert_eq!(
        role_id(&app, &erika, "Beschaffung").await,
        buying,
        "the roles are unchanged"
    );

    // Edited: she loses "alle Bestellungen sehen" at her next request.
    let edited = post(
        &app,
        &erika,
        &format!("/api/konto/rollen/{buying}"),
        &[("name", "Beschaffung"), ("mitarbeitende_verwalten", "ja")],
    )
    .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    assert_eq!(listed_orders(&app, &paula).await, vec![by_paula.clone()]);
    assert!(
        app.mails
            .sent()
            .iter()
            .any(|m| m.to == "paula@rollenheim.de"
                && m.subject.contains("Rechte Ihrer Rolle")
                && m.body.contains("Rechte: Mitarbeitende verwalten.")),
        "the holder is told of her role's new rights"
    );

    // Not deleted while she holds it: 409, the role stays.
    let held = post(
        &app,
        &erika,
        &format!("/api/konto/rollen/{buying}/loeschen"),
        &[],
    )
    .await;
    assert_eq!(held.status, 409, "{}", held.body);
    assert!(markup::texts(&held.body, ".error-summary h2")[0].contains("Paula Plan"));
    assert_eq!(role_id(&app, &erika, "Beschaffung").await, buying);

    // Another role for her: mailed; then the role can go.
    let paula_id = member_id(&app, &erika, "paula@rollenheim.de").await;
    let mails_before = app.mails_to("paula@rollenheim.de");
    let changed = act(
        &app,
        &erika,
        &paula_id,
        &[
            ("aktion", "rolle-aendern"),
            ("rolle", &format!("rolle:{profile_role}")),
        ],
    )
    .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(app.mails_to("paula@rollenheim.de"), mails_before + 1);
    assert!(
        app.mails
            .sent()
            .iter()
            .any(|m| m.to == "paula@rollenheim.de"
                && m.subject.contains("Rolle")
                && m.body.contains("Profilpflege"))
    );
    assert_eq!(
        app.get("/api/konto/mitarbeitende", Opts::html().cookie(&paula))
            .await
            .status,
        403,
        "no longer manages members"
    );
    // The last person who can manage members: role holders do not count, since the
    // Hauptadmin holds every right and stays; with Paula's right gone, Erika still manages.
    assert_eq!(
        app.get("/api/konto/mitarbeitende", Opts::html().cookie(&erika))
            .await
            .status,
        200
    );
    assert_eq!(
        post(
            &app,
            &paula,
            "/api/konto/organisation",
            &[("zentrale_telefon", "030 7654321")]
        )
        .await
        .status,
        303,
        "now edits the organisation's details"
    );
    let gone = post(
        &app,
        &erika,
        &format!("/api/konto/rollen/{buying}/loeschen"),
        &[],
    )
    .await;
    assert_eq!(
        (gone.status, gone.location.as_deref()),
        (303, Some("/api/konto/rollen?hinweis=geloescht")),
        "{}",
        gone.body
    );

    // The audit trail: each role step, by whom.
    let trail: Vec<String> = app
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
        .collect();
    for expected in [
        "Erika Mustermann Rolle gelöscht Rolle „Beschaffung“",
        "Erika Mustermann Rolle geändert Paula Plan <paula@rollenheim.de>",
        "Erika Mustermann Rolle bearbeitet Rolle „Beschaffung“",
        "Erika Mustermann Rolle angelegt Rolle „Profilpflege“",
        "Erika Mustermann Rolle angelegt Rolle „Beschaffung“",
        "Paula Plan Eingeladen Quirin <quirin@rollenheim.de>",
    ] {
        assert!(
            trail.contains(&expected.to_owned()),
            "{expected} in {trail:#?}"
        );
    }
    assert_eq!(
        trail[0],
        "Erika Mustermann Rolle gelöscht Rolle „Beschaffung“"
    );
}

/// Organisation B neither sees, edits, deletes nor gives A's roles by id.
pub async fn roles_are_isolated_between_organisations(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let a = register_confirm_approve(&app, "Amt A", "a@rollen-a.de").await;
    let a = set_password_and_sign_in(&app, &a, "a@rollen-a.de").await;
    let b = register_confirm_approve(&app, "Amt B", "b@rollen-b.de").await;
    let b = set_password_and_sign_in(&app, &b, "b@rollen-b.de").await;
    assert_ne!(org_id(&app, &a).await, org_id(&app, &b).await);
    assert_eq!(
        create_role(&app, &a, "Geheim", &["alle_bestellungen_sehen"])
            .await
            .status,
        303
    );
    let secret = role_id(&app, &a, "Geheim").await;

    let list_b = app.get("/api/konto/rollen", Opts::json().cookie(&b)).await;
    assert_eq!(list_b.status, 200);
    assert!(!list_b.body.contains("Geheim") && !list_b.body.contains(&secret));
    let seen = app
        .get(
            &format!("/api/konto/rollen/{secret}"),
            Opts::html().cookie(&b),
        )
        .await;
    assert_eq!(seen.status, 404);
    assert!(!seen.body.contains("Geheim"));
    let edit = post(
        &app,
        &b,
        &format!("/api/konto/rollen/{secret}"),
        &[("name", "Übernommen"), ("mitarbeitende_verwalten", "ja")],
    )
    .await;
    assert_eq!(edit.status, 404, "{}", edit.body);
    let delete = post(
        &app,
        &b,
        &format!("/api/konto/rollen/{secret}/loeschen"),
        &[],
    )
    .await;
    assert_eq!(delete.status, 404, "{}", delete.body);

    // Giving A's role: refused as an unknown role, nobody invited, nobody changed.
    let given = invite(
        &app,
        &b,
        "Bert",
        "bert@rollen-b.de",
        &format!("rolle:{secret}"),
    )
    .await;
    assert_eq!(given.status, 422, "{}", given.body);
    assert_eq!(app.mails_to("bert@rollen-b.de"), 0);
    assert_eq!(
        invite(&app, &b, "Carla", "carla@rollen-b.de", "mitarbeiter")
            .await
            .status,
        303
    );
    let carla = member_id(&app, &b, "carla@rollen-b.de").await;
    let changed = act(
        &app,
        &b,
        &carla,
        &[
            ("aktion", "rolle-aendern"),
            ("rolle", &format!("rolle:{secret}")),
        ],
    )
    .await;
    assert_eq!(changed.status, 422, "{}", changed.body);
    let role_of_carla = app
        .get("/api/konto/mitarbeitende", Opts::json().cookie(&b))
        .await
        .json()["mitarbeitende"]
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["email"] == "carla@rollen-b.de")
        .expect("carla")["role"]
        .clone();
    assert_eq!(role_of_carla, "mitarbeiter");
    // A's role is as it was.
    let kept = app
        .get(
            &format!("/api/konto/rollen/{secret}"),
            Opts::json().cookie(&a),
        )
        .await
        .json();
    assert_eq!(kept["name"], "Geheim");
    assert_eq!(
        kept["rechte"],
        serde_json::json!(["alle_bestellungen_sehen"])
    );
}
