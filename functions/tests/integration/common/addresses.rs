//! The addresses of an organisation (Adressverwaltung): store conformance checks (run on
//! every store through `conformance_tests!`) and HTTP flows (through `store_tests!`).

use std::sync::Arc;

use functions::domain::model::*;
use functions::domain::orders::ports::PortalStore;
use functions::domain::ports::StoreError;
use functions::domain::tokens::new_id;

use super::flows::set_password_and_sign_in;
use super::orders::{customer_view, dmessenger_order, member, place};
use super::*;

const NOW: i64 = 1_800_000_000;

fn address(org_id: &str, label: &str, is_default: bool) -> Address {
    Address {
        id: new_id(),
        org_id: org_id.to_owned(),
        kind: AddressKind::Rechnungsadresse,
        label: label.to_owned(),
        recipient: "Stadt Beispiel".to_owned(),
        street: "Weg 1".to_owned(),
        postcode: "12345".to_owned(),
        city: "Ort".to_owned(),
        phone: "030 1234567".to_owned(),
        created_at: NOW,
        is_default,
    }
}

fn audit(org_id: &str, action: AuditAction) -> AuditEntry {
    AuditEntry {
        id: new_id(),
        org_id: org_id.to_owned(),
        at: NOW,
        actor: "Erika".to_owned(),
        action,
        subject: "Adresse".to_owned(),
        detail: String::new(),
    }
}

async fn defaults(store: &dyn PortalStore, org_id: &str) -> Vec<String> {
    store
        .list_addresses(org_id)
        .await
        .expect("list")
        .into_iter()
        .filter(|a| a.is_default)
        .map(|a| a.id)
        .collect()
}

/// The first address is the default and only the first; the default cannot be deleted;
/// another becomes the default only from the default as read; changes need the address as
/// read; an address is found only under its own organisation; each change writes its
/// audit entry.
pub async fn addresses_keep_exactly_one_default(store: Arc<dyn PortalStore>) {
    let org = new_id();
    let other_org = new_id();
    let first = address(&org, "Sitz", true);
    let second = address(&org, "Kämmerei", false);

    assert!(
        matches!(
            store
                .add_address(&second, Some(&audit(&org, AuditAction::AddressAdded)))
                .await,
            Err(StoreError::Conflict)
        ),
        "no second address before the first, the default"
    );
    assert!(store.list_addresses(&org).await.expect("list").is_empty());
    store.add_address(&first, None).await.expect("the first");
    let another_first = address(&org, "Noch ein Sitz", true);
    assert!(matches!(
        store.add_address(&another_first, None).await,
        Err(StoreError::Conflict)
    ));
    store
        .add_address(&second, Some(&audit(&org, AuditAction::AddressAdded)))
        .await
        .expect("the second");
    assert!(
        matches!(
            store.add_address(&second, None).await,
            Err(StoreError::Conflict)
        ),
        "the same id twice"
    );
    assert_eq!(defaults(&*store, &org).await, [first.id.as_str()]);
    assert_eq!(store.list_addresses(&org).await.expect("list").len(), 2);
    assert_eq!(store.list_audit(&org).await.expect("audit").len(), 1);

    // Another organisation does not find them by id, and cannot change them.
    assert!(
        store
            .list_addresses(&other_org)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        store
            .get_address(&other_org, &second.id)
            .await
            .expect("get"),
        None
    );
    assert_eq!(
        store.get_address(&org, &second.id).await.expect("get"),
        Some(second.clone())
    );
    let mut foreign = second.clone();
    foreign.org_id = other_org.clone();
    let mut foreign_after = foreign.clone();
    foreign_after.label = "Übernommen".to_owned();
    assert!(matches!(
        store
            .update_address(
                &foreign,
                &foreign_after,
                &audit(&other_org, AuditAction::AddressChanged)
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .delete_address(&foreign, &audit(&other_org, AuditAction::AddressDeleted))
            .await
            .is_err()
    );
    assert!(
        store
            .list_audit(&other_org)
            .await
            .expect("audit")
            .is_empty()
    );

    // The default cannot be deleted.
    assert!(matches!(
        store
            .delete_address(&first, &audit(&org, AuditAction::AddressDeleted))
            .await,
        Err(StoreError::Conflict)
    ));
    let mut not_default = first.clone();
    not_default.is_default = false;
    assert!(
        store
            .delete_address(&not_default, &audit(&org, AuditAction::AddressDeleted))
            .await
            .is_err(),
        "not even when the caller claims it is not the default"
    );
    assert_eq!(store.list_addresses(&org).await.expect("list").len(), 2);

    // Changes need the address as read.
    let mut edited = second.clone();
    edited.street = "Neuer Weg 2".to_owned();
    store
        .update_address(&second, &edited, &audit(&org, AuditAction::AddressChanged))
        .await
        .expect("edit");
    let mut stale = second.clone();
    stale.street = "Alter Weg 3".to_owned();
    assert!(matches!(
        store
            .update_address(&second, &stale, &audit(&org, AuditAction::AddressChanged))
            .await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.get_address(&org, &second.id).await.expect("get"),
        Some(edited.clone())
    );

    // Another becomes the default only from the default as read.
    assert!(matches!(
        store
            .set_default_address(
                &edited,
                &first,
                &audit(&org, AuditAction::DefaultAddressChanged)
            )
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(
        matches!(
            store
                .set_default_address(
                    &first,
                    &second,
                    &audit(&org, AuditAction::DefaultAddressChanged)
                )
                .await,
            Err(StoreError::Conflict)
        ),
        "the second as read before its edit"
    );
    store
        .set_default_address(
            &first,
            &edited,
            &audit(&org, AuditAction::DefaultAddressChanged),
        )
        .await
        .expect("make the second the default");
    assert_eq!(defaults(&*store, &org).await, [edited.id.clone()]);
    assert!(
        matches!(
            store
                .set_default_address(
                    &first,
                    &edited,
                    &audit(&org, AuditAction::DefaultAddressChanged)
                )
                .await,
            Err(StoreError::Conflict)
        ),
        "the first is no longer the default"
    );

    // Now the first is an ordinary address and can go.
    let mut first_now = first.clone();
    first_now.is_default = false;
    store
        .delete_address(&first_now, &audit(&org, AuditAction::AddressDeleted))
        .await
        .expect("delete the former default");
    assert!(matches!(
        store
            .delete_address(&first_now, &audit(&org, AuditAction::AddressDeleted))
            .await,
        Err(StoreError::NotFound)
    ));
    let mut default_now = edited.clone();
    default_now.is_default = true;
    assert_eq!(
        store.list_addresses(&org).await.expect("list"),
        [default_now]
    );
    assert_eq!(store.list_audit(&org).await.expect("audit").len(), 4);
}

/// Racing changes of the default leave exactly one default; racing first addresses add
/// one.
pub async fn concurrent_default_changes_leave_one(store: Arc<dyn PortalStore>) {
    let org = new_id();
    let firsts: Vec<Address> = (0..4)
        .map(|i| address(&org, &format!("Sitz {i}"), true))
        .collect();
    let tasks: Vec<_> = firsts
        .into_iter()
        .map(|a| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.add_address(&a, None).await })
        })
        .collect();
    let mut added = Vec::new();
    for task in tasks {
        added.push(task.await.expect("join"));
    }
    assert_eq!(added.iter().filter(|r| r.is_ok()).count(), 1, "{added:?}");
    let default = store
        .list_addresses(&org)
        .await
        .expect("list")
        .into_iter()
        .find(|a| a.is_default)
        .expect("a default");
    let others: Vec<Address> = (0..4)
        .map(|i| address(&org, &format!("Rechnung {i}"), false))
        .collect();
    for other in &others {
        store.add_address(other, None).await.expect("add");
    }
    let tasks: Vec<_> = others
        .into_iter()
        .map(|to| {
            let (store, default, org) = (Arc::clone(&store), default.clone(), org.clone());
            tokio::spawn(async move {
                store
                    .set_default_address(
                        &default,
                        &to,
                        &audit(&org, AuditAction::DefaultAddressChanged),
                    )
                    .await
            })
        })
        .collect();
    let mut moved = Vec::new();
    for task in tasks {
        moved.push(task.await.expect("join"));
    }
    assert_eq!(moved.iter().filter(|r| r.is_ok()).count(), 1, "{moved:?}");
    assert_eq!(defaults(&*store, &org).await.len(), 1);
    assert_eq!(store.list_audit(&org).await.expect("audit").len(), 1);
    // Deleting the old default while it is made the default again: never none.
    let new_default = store
        .list_addresses(&org)
        .await
        .expect("list")
        .into_iter()
        .find(|a| a.is_default)
        .expect("a default");
    let mut old = default.clone();
    old.is_default = false;
    let (delete_audit, default_audit) = (
        audit(&org, AuditAction::AddressDeleted),
        audit(&org, AuditAction::DefaultAddressChanged),
    );
    let (deleted, back) = tokio::join!(
        store.delete_address(&old, &delete_audit),
        store.set_default_address(&new_default, &old, &default_audit),
    );
    assert!(deleted.is_ok() != back.is_ok(), "{deleted:?} {back:?}");
    assert_eq!(defaults(&*store, &org).await.len(), 1);
}

// ---- HTTP flows --------------------------------------------------------------------------

/// One form post of a signed-in person, as their browser sends it (with the session's
/// CSRF token).
async fn post(app: &TestApp, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, &all, Opts::html().cookie(cookie)).await
}

async fn listed(app: &TestApp, cookie: &str) -> Vec<serde_json::Value> {
    let reply = app
        .get("/api/konto/adressen", Opts::json().cookie(cookie))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["adressen"].as_array().cloned().expect("list")
}

const KAEMMEREI: &[(&str, &str)] = &[
    ("art", "rechnungsadresse"),
    ("bezeichnung", "Kämmerei"),
    ("empfaenger", "Stadt Adressfeld, Kämmerei"),
    ("strasse", "Kassenweg 7"),
    ("plz", "54321"),
    ("ort", "Adressfeld"),
    ("telefon", "0421 555-0"),
];

/// An administrator adds a billing address, makes it the default and orders with it; the
/// order keeps a copy (with the Leitweg-ID of the time) when the address is edited and
/// the old default deleted; a member gets 403 on every address route and changes nothing;
/// another organisation finds none of the addresses by id.
pub async fn addresses_are_managed_and_copied_into_orders(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let admin = member(&app, "Stadt Adressfeld", "erika@adressfeld.de", false).await;

    // The registration address is the first Standardadresse.
    let first = listed(&app, &admin).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["standard"], true);
    assert_eq!(first[0]["empfaenger"], "Stadt Adressfeld");
    let registration_id = first[0]["id"].as_str().expect("id").to_owned();
    let account = app.get("/api/konto", Opts::html().cookie(&admin)).await;
    assert_eq!(
        markup::attrs(&account.body, "main a[href='/api/konto/adressen']", "href").len(),
        1,
        "administrators find the addresses"
    );

    // A mistake shows the form again with a message at each field; nothing is added.
    let wrong = post(&app, &admin, "/api/konto/adressen", &[("plz", "12")]).await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(markup::texts(&wrong.body, "main h1"), ["Adressen"]);
    assert_eq!(
        markup::texts(&wrong.body, ".error-summary li").len(),
        6,
        "{}",
        wrong.body
    );
    assert_eq!(
        markup::attrs(&wrong.body, "#adresse-plz", "value"),
        ["12"],
        "what was entered is kept"
    );
    assert_eq!(listed(&app, &admin).await.len(), 1);

    let added = post(&app, &admin, "/api/konto/adressen", KAEMMEREI).await;
    assert_eq!(
        (added.status, added.location.as_deref()),
        (303, Some("/api/konto/adressen?hinweis=angelegt")),
        "{}",
        added.body
    );
    let kaemmerei_id = listed(&app, &admin)
        .await
        .iter()
        .find(|a| a["bezeichnung"] == "Kämmerei")
        .expect("listed")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let page = app
        .get("/api/konto/adressen", Opts::html().cookie(&admin))
        .await;
    assert_eq!(
        markup::texts(&page.body, "table.addresses tbody th"),
        [
            "Anschrift bei der Registrierung (Standardadresse)",
            "Kämmerei"
        ]
    );

    // The default cannot be deleted: a clear answer, and nothing changes.
    let refused = post(
        &app,
        &admin,
        &format!("/api/konto/adressen/{registration_id}"),
        &[("aktion", "loeschen")],
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("Standardadresse kann nicht gelöscht werden")
    );
    assert_eq!(listed(&app, &admin).await.len(), 2);

    // Make the Kämmerei the default.
    let made = post(
        &app,
        &admin,
        &format!("/api/konto/adressen/{kaemmerei_id}"),
        &[("aktion", "standard")],
    )
    .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let now = listed(&app, &admin).await;
    assert_eq!(now[0]["id"], kaemmerei_id.as_str(), "the default first");
    assert_eq!(now[0]["standard"], true);
    assert_eq!(now[1]["standard"], false);

    // The Leitweg-ID the order copies.
    let details = post(
        &app,
        &admin,
        "/api/konto/organisation",
        &[("leitweg_id", "04011000-1234512345-06")],
    )
    .await;
    assert_eq!(details.status, 303, "{}", details.body);

    // The order form offers the addresses, the default chosen.
    let form = app
        .get("/api/bestellen/dmessenger", Opts::html().cookie(&admin))
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(
        markup::attrs(
            &form.body,
            "select#billing-address option[selected]",
            "value"
        ),
        [kaemmerei_id.as_str()]
    );
    assert_eq!(
        markup::attrs(&form.body, "select#billing-address option", "value").len(),
        3,
        "both addresses and the choice of another"
    );

    // Ordering with the chosen address: the typed fields are not needed.
    let mut fields = dmessenger_order("mit-adresse", "direktvertrag");
    fields.retain(|(name, _)| !name.starts_with("billing_"));
    fields.push(("billing_address", kaemmerei_id.clone()));
    let order_id = place(&app, &admin, &fields).await;
    let billing = |view: &serde_json::Value| view["vertragsmappe"]["billing"].clone();
    let before = customer_view(&app, &admin, &order_id).await;
    assert_eq!(
        billing(&before)["organisation"],
        "Stadt Adressfeld, Kämmerei"
    );
    assert_eq!(billing(&before)["street"], "Kassenweg 7");
    assert_eq!(billing(&before)["phone"], "0421 555-0");
    assert_eq!(
        before["vertragsmappe"]["customer"]["leitweg_id"],
        "04011000-1234512345-06"
    );

    // Later edits and deletions change no placed order.
    let mut edit: Vec<(&str, &str)> = KAEMMEREI.to_vec();
    edit.retain(|(name, _)| *name != "strasse");
    edit.push(("strasse", "Umzugstraße 9"));
    edit.push(("aktion", "speichern"));
    let saved = post(
        &app,
        &admin,
        &format!("/api/konto/adressen/{kaemmerei_id}"),
        &edit,
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(listed(&app, &admin).await[0]["strasse"], "Umzugstraße 9");
    let gone = post(
        &app,
        &admin,
        &format!("/api/konto/adressen/{registration_id}"),
        &[("aktion", "loeschen")],
    )
    .await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    assert_eq!(listed(&app, &admin).await.len(), 1);
    let cleared = post(
        &app,
        &admin,
        "/api/konto/organisation",
        &[("leitweg_id", "")],
    )
    .await;
    assert_eq!(cleared.status, 303, "{}", cleared.body);
    let after = customer_view(&app, &admin, &order_id).await;
    assert_eq!(billing(&after), billing(&before));
    assert_eq!(
        after["vertragsmappe"]["customer"]["leitweg_id"],
        "04011000-1234512345-06"
    );
    let stammdaten = app
        .get(
            &format!("/api/konto/bestellungen/{order_id}/vertragsmappe/stammdaten.txt"),
            Opts::html().cookie(&admin),
        )
        .await;
    assert_eq!(stammdaten.status, 200, "{}", stammdaten.body);
    for expected in [
        "Kassenweg 7, 54321 Adressfeld",
        "04011000-1234512345-06",
        "Kämmerei",
    ] {
        assert!(
            stammdaten.body.contains(expected),
            "{expected}: {}",
            stammdaten.body
        );
    }
    assert!(!stammdaten.body.contains("Umzugstraße"));

    // The audit trail has each change.
    let audit = app
        .get("/api/konto/mitarbeitende", Opts::json().cookie(&admin))
        .await
        .json();
    let actions: Vec<String> = audit["protokoll"]
        .as_array()
        .expect("audit")
        .iter()
        .map(|a| a["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    for action in [
        "Adresse angelegt",
        "Standardadresse geändert",
        "Adresse geändert",
        "Adresse gelöscht",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }

    // A member on the address routes: 403, and nothing changes; her order form offers
    // the addresses all the same.
    let invited = post(
        &app,
        &admin,
        "/api/konto/mitarbeitende",
        &[
            ("name", "Bea Beispiel"),
            ("email", "bea@adressfeld.de"),
            ("rolle", "mitarbeiter"),
        ],
    )
    .await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    let bea = set_password_and_sign_in(
        &app,
        &app.link_in_mail("bea@adressfeld.de", "Einladung"),
        "bea@adressfeld.de",
    )
    .await;
    let before_member = listed(&app, &admin).await;
    let audit_before = app
        .get("/api/konto/mitarbeitende", Opts::json().cookie(&admin))
        .await
        .json()["protokoll"]
        .clone();
    let account = app.get("/api/konto", Opts::html().cookie(&bea)).await;
    assert!(
        markup::attrs(&account.body, "main a[href='/api/konto/adressen']", "href").is_empty(),
        "members are not led to the addresses"
    );
    assert_eq!(
        app.get("/api/konto/adressen", Opts::html().cookie(&bea))
            .await
            .status,
        403
    );
    assert_eq!(
        app.get(
            &format!("/api/konto/adressen/{kaemmerei_id}"),
            Opts::json().cookie(&bea)
        )
        .await
        .status,
        403
    );
    assert_eq!(
        post(&app, &bea, "/api/konto/adressen", KAEMMEREI)
            .await
            .status,
        403
    );
    for action in ["speichern", "standard", "loeschen"] {
        let mut fields: Vec<(&str, &str)> = KAEMMEREI.to_vec();
        fields.push(("aktion", action));
        let reply = post(
            &app,
            &bea,
            &format!("/api/konto/adressen/{kaemmerei_id}"),
            &fields,
        )
        .await;
        assert_eq!(reply.status, 403, "{action}: {}", reply.body);
    }
    assert_eq!(listed(&app, &admin).await, before_member);
    assert_eq!(
        app.get("/api/konto/mitarbeitende", Opts::json().cookie(&admin))
            .await
            .json()["protokoll"],
        audit_before
    );
    let bea_form = app
        .get("/api/bestellen/dmessenger", Opts::html().cookie(&bea))
        .await;
    assert_eq!(
        markup::attrs(
            &bea_form.body,
            "select#billing-address option[selected]",
            "value"
        ),
        [kaemmerei_id.as_str()]
    );

    // Another organisation finds none of them by id, in URLs or in the order form.
    let other = member(&app, "Gemeinde Nebenan", "max@nebenan.de", false).await;
    assert_eq!(
        app.get(
            &format!("/api/konto/adressen/{kaemmerei_id}"),
            Opts::html().cookie(&other)
        )
        .await
        .status,
        404
    );
    for action in ["speichern", "standard", "loeschen"] {
        let mut fields: Vec<(&str, &str)> = KAEMMEREI.to_vec();
        fields.push(("aktion", action));
        fields.retain(|(name, _)| *name != "bezeichnung");
        fields.push(("bezeichnung", "Übernommen"));
        let reply = post(
            &app,
            &other,
            &format!("/api/konto/adressen/{kaemmerei_id}"),
            &fields,
        )
        .await;
        assert_eq!(reply.status, 404, "{action}: {}", reply.body);
    }
    assert_eq!(listed(&app, &admin).await, before_member);
    let mut foreign = dmessenger_order("fremde-adresse", "direktvertrag");
    foreign.retain(|(name, _)| !name.starts_with("billing_"));
    foreign.push(("billing_address", kaemmerei_id.clone()));
    let reply = app
        .post_form(
            "/api/bestellungen",
            &as_pairs(&foreign),
            Opts::json()
                .cookie(&other)
                .csrf(&app.csrf_token(&other).await),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    let orders = app
        .get("/api/konto/bestellungen", Opts::json().cookie(&other))
        .await
        .json();
    assert_eq!(orders["bestellungen"].as_array().map(Vec::len), Some(0));
}
