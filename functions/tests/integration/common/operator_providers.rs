//! "Anbieterorganisationen" in the operator console: the provider and intermediary
//! organisations with their first Hauptadmin and the invitation's state, the catalog's
//! providers without one; customers and providers are refused.

use std::sync::Arc;

use functions::domain::model::OrgKind;
use functions::domain::orders::ports::PortalStore;

use super::console::party_member;
use super::operator_console::signed_in_operator;
use super::orders::member;
use super::*;

const PAGE: &str = "/api/betrieb/anbieter";

pub async fn operator_lists_provider_orgs(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let customer = member(
        &app,
        "Stadt Anbieterliste",
        "chefin@stadt-anbieterliste.de",
        true,
    )
    .await;
    let operator = signed_in_operator(&app, "anbieter@betrieb.example").await;

    // Before: Dataport is among the providers without an organisation.
    let before = app.get(PAGE, Opts::html().cookie(&operator)).await;
    assert_eq!(before.status, 200, "{}", before.body);
    assert!(markup::texts(&before.body, "main tbody th").is_empty());
    let without = markup::texts(&before.body, "main ul.without-org li");
    assert!(
        without.iter().any(|t| t.contains("(dataport)")),
        "{without:?}"
    );

    // The intermediary accepted its invitation; Dataport is invited, not yet accepted.
    let intermediary = party_member(
        &app,
        OrgKind::Intermediary,
        "Intermediär GmbH",
        "admin@intermediaer-liste.example",
    )
    .await;
    app.state
        .orders
        .create_party_org(
            OrgKind::Provider {
                provider_id: "dataport".into(),
            },
            "Dataport AöR",
            "Dana Daten",
            "dana@dataport-liste.example",
        )
        .await
        .expect("created");

    let page = app.get(PAGE, Opts::html().cookie(&operator)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        markup::texts(&page.body, "main tbody th"),
        ["Dataport AöR", "Intermediär GmbH"]
    );
    assert_eq!(
        markup::texts(&page.body, "main tbody td"),
        [
            "dataport",
            "Dana Daten",
            "dana@dataport-liste.example",
            "eingeladen",
            "Intermediär",
            "Paula Anbieter",
            "admin@intermediaer-liste.example",
            "angenommen",
        ]
    );
    let without = markup::texts(&page.body, "main ul.without-org li");
    assert!(
        !without.iter().any(|t| t.contains("(dataport)")),
        "{without:?}"
    );
    assert!(!without.is_empty(), "other providers have none yet");
    // The console's navigation leads here.
    assert!(
        markup::texts(&page.body, "nav.console-nav a[aria-current=page]")
            .contains(&"Anbieterorganisationen".to_owned())
    );

    // JSON for the same session.
    let json = app.get(PAGE, Opts::json().cookie(&operator)).await;
    assert_eq!(json.status, 200, "{}", json.body);
    let value = json.json();
    assert_eq!(value["organisationen"][0]["einladung"], "invited");
    assert_eq!(value["organisationen"][1]["einladung"], "accepted");

    // Customers and providers are refused.
    for cookie in [&customer, &intermediary] {
        assert_eq!(app.get(PAGE, Opts::html().cookie(cookie)).await.status, 403);
    }
    // Signed out: not shown.
    assert_ne!(app.get(PAGE, Opts::html()).await.status, 200);
}
