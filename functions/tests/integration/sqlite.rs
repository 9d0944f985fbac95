//! The conformance suite and the HTTP flows against the SQLite store.
use crate::common;

use std::sync::Arc;

use functions::domain::orders::ports::PortalStore;
use functions::store::SqliteStore;

async fn sqlite() -> Arc<dyn PortalStore> {
    // A file (not :memory:) so WAL mode is really used; the folder is leaked on purpose
    // until the process ends (tempfile removes it on drop otherwise).
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("test.sqlite3")).expect("open");
    std::mem::forget(dir);
    Arc::new(store)
}

crate::store_tests!(sqlite());
crate::interest_tests!(sqlite());

#[tokio::test]
async fn database_file_is_in_wal_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("wal.sqlite3");
    let _store = SqliteStore::open(&path).expect("open");
    let conn = rusqlite::Connection::open(&path).expect("open again");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("pragma");
    assert_eq!(mode, "wal");
}

/// A database file written by the release before schema migrations (a customer with a
/// password and a placed dMessenger order) opens with today's code: the customer signs in
/// with the password set then, finds the order, and orders again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_of_the_previous_release_opens_and_keeps_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("function.sqlite3");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/store-before-migrations.sqlite3"),
        &path,
    )
    .expect("copy the fixture");
    let store = Arc::new(SqliteStore::open(&path).expect("the old file opens"));
    let app = common::spawn(store).await;
    let signed_in = common::flows::sign_in(&app, "alt@stadt-altbestand.de", common::PASSWORD).await;
    let cookie = signed_in
        .session_cookie()
        .expect("signed in with the old password");
    let orders = app
        .get(
            "/api/konto/bestellungen",
            common::Opts::json().cookie(&cookie),
        )
        .await;
    assert_eq!(orders.status, 200, "{}", orders.body);
    let listed = orders.json()["bestellungen"]
        .as_array()
        .cloned()
        .expect("orders");
    assert_eq!(listed.len(), 1, "the order placed before the update");
    assert_eq!(listed[0]["angebot"]["id"], "dmessenger");
    common::orders::place(
        &app,
        &cookie,
        &common::orders::dmessenger_order("after-update", "direktvertrag"),
    )
    .await;
    let orders = app
        .get(
            "/api/konto/bestellungen",
            common::Opts::json().cookie(&cookie),
        )
        .await;
    assert_eq!(
        orders.json()["bestellungen"].as_array().map(Vec::len),
        Some(2)
    );
    // The person who registered is the Hauptadmin: invites, and sees the change in the
    // audit trail (a table the migration added).
    let account = app
        .get("/api/konto", common::Opts::json().cookie(&cookie))
        .await
        .json();
    assert_eq!(account["person"]["rolle"], "hauptadmin");
    let csrf = app.csrf_token(&cookie).await;
    let invited = app
        .post_form(
            "/api/konto/mitarbeitende",
            &[
                ("csrf", csrf.as_str()),
                ("name", "Neu Person"),
                ("email", "neu@stadt-altbestand.de"),
                ("rolle", "mitarbeiter"),
            ],
            common::Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    let members = app
        .get(
            "/api/konto/mitarbeitende",
            common::Opts::json().cookie(&cookie),
        )
        .await
        .json();
    assert_eq!(members["mitarbeitende"].as_array().map(Vec::len), Some(2));
    assert_eq!(members["protokoll"].as_array().map(Vec::len), Some(1));
    // The organisation of the previous release gets its registration address as the
    // Standardadresse when its addresses are first read (a table the migration added),
    // and the order form offers it.
    let addresses = app
        .get("/api/konto/adressen", common::Opts::json().cookie(&cookie))
        .await;
    assert_eq!(addresses.status, 200, "{}", addresses.body);
    let addresses = addresses.json()["adressen"]
        .as_array()
        .cloned()
        .expect("list");
    assert_eq!(addresses.len(), 1, "{addresses:?}");
    assert_eq!(addresses[0]["standard"], true);
    let org = account["organisation"].clone();
    for field in ["strasse", "plz", "ort"] {
        assert!(
            org[field].as_str().is_some_and(|v| !v.is_empty()) && addresses[0][field] == org[field],
            "{field}: {addresses:?} {org}"
        );
    }
    let form = app
        .get(
            "/api/bestellen/dmessenger",
            common::Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(
        common::markup::attrs(
            &form.body,
            "select#billing-address option[selected]",
            "value"
        ),
        [addresses[0]["id"].as_str().expect("id").to_owned()]
    );
    // Named roles (a table of a later migration) work on it too.
    let role = app
        .post_form(
            "/api/konto/rollen",
            &[
                ("csrf", csrf.as_str()),
                ("name", "Beschaffung"),
                ("alle_bestellungen_sehen", "ja"),
            ],
            common::Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(role.status, 303, "{}", role.body);
    let roles = app
        .get("/api/konto/rollen", common::Opts::json().cookie(&cookie))
        .await
        .json();
    assert_eq!(roles["rollen"][0]["name"], "Beschaffung");
    // Opening it again applies nothing twice.
    drop(app);
    SqliteStore::open(&path).expect("opens again");
}

/// The release with the consoles on a store of the previous release: the customer stays a
/// customer (no console), and the order placed before appears in its provider's console,
/// found by its customer's name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_of_the_previous_release_keeps_customers_and_lists_old_orders_for_providers() {
    use functions::domain::model::OrgKind;
    use functions::domain::orders::ApiParty;
    use functions::domain::orders::console::OrderFilter;
    use functions::domain::orders::ports::ConsoleStore;
    use functions::domain::ports::Store;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("function.sqlite3");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/store-before-migrations.sqlite3"),
        &path,
    )
    .expect("copy the fixture");
    let store = Arc::new(SqliteStore::open(&path).expect("the old file opens"));
    let user = store
        .find_user_by_email("alt@stadt-altbestand.de")
        .await
        .expect("find")
        .expect("the old customer");
    let org = store
        .get_org(&user.org_id)
        .await
        .expect("get")
        .expect("its organisation");
    assert_eq!(org.kind, OrgKind::Customer);
    let app = common::spawn(store.clone()).await;
    let cookie = common::flows::sign_in(&app, "alt@stadt-altbestand.de", common::PASSWORD)
        .await
        .session_cookie()
        .expect("signed in");
    let console = app
        .get(
            "/api/konto/eingegangene-bestellungen",
            common::Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(console.status, 403, "a customer has no console");
    let listed = store
        .list_inbox(
            &ApiParty::Provider("dataport".into()),
            &OrderFilter {
                search: org.name.to_lowercase(),
                ..OrderFilter::default()
            },
        )
        .await
        .expect("inbox");
    assert_eq!(listed.total, 1, "the order placed before the update");
    assert_eq!(listed.rows[0].offering_id, "dmessenger");
    assert!(listed.rows[0].number.starts_with("CSP-"));
    assert!(!listed.rows[0].plan_name.is_empty());
}
