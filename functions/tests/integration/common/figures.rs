//! "Kennzahlen": the figures of providers, the intermediary and the operator over HTTP, on
//! every store: each party sees only its own numbers, the tables' numbers are the orders
//! stored, and everyone else is refused.

use std::sync::Arc;

use functions::domain::model::OrgKind;
use functions::domain::orders::ports::PortalStore;

use super::console::party_member;
use super::flows::sign_in;
use super::operator_console::signed_in_operator;
use super::orders::{dmessenger_order, member, place};
use super::*;

const FIGURES: &str = "/api/konto/kennzahlen";
const OPERATOR_FIGURES: &str = "/api/betrieb/kennzahlen";
const DAY: i64 = 86_400;

/// The numbers of a chart's table (`id` is the chart's), as written.
fn table(body: &str, id: &str) -> Vec<(String, String)> {
    let labels = markup::texts(body, &format!("#{id} table tbody th"));
    let values = markup::texts(body, &format!("#{id} table tbody td:nth-of-type(1)"));
    assert_eq!(labels.len(), values.len(), "{id}: {labels:?} {values:?}");
    labels.into_iter().zip(values).collect()
}

fn sum(rows: &[(String, String)]) -> u64 {
    rows.iter()
        .map(|(_, v)| v.parse::<u64>().unwrap_or_else(|_| panic!("a count: {v}")))
        .sum()
}

/// Signs `email` in again (sessions end after an hour without use).
async fn again(app: &TestApp, email: &str) -> String {
    sign_in(app, email, PASSWORD)
        .await
        .session_cookie()
        .expect("signed in again")
}

/// Posts a decision from the console's order page, as the browser does.
async fn decide(app: &TestApp, cookie: &str, id: &str, action: &str) {
    let csrf = app.csrf_token(cookie).await;
    let reply = app
        .post_form(
            &format!("/api/konto/eingegangene-bestellungen/{id}"),
            &[("csrf", csrf.as_str()), ("aktion", action)],
            Opts::html().cookie(cookie),
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
}

pub async fn figures_show_each_party_its_own_numbers(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    party_member(
        &app,
        OrgKind::Provider {
            provider_id: "dataport".into(),
        },
        "Dataport AöR",
        "zahlen@dataport.example",
    )
    .await;
    party_member(
        &app,
        OrgKind::Provider {
            provider_id: "ekom21".into(),
        },
        "ekom21",
        "zahlen@ekom21.example",
    )
    .await;
    party_member(
        &app,
        OrgKind::Intermediary,
        "govdigital eG",
        "zahlen@govdigital.example",
    )
    .await;
    let customer = member(&app, "Stadt Zahlen", "einkauf@zahlen.de", true).await;

    // One order now; confirmed two days later. Forty days on, two more (one Umklappvertrag).
    let first = place(&app, &customer, &dmessenger_order("z-1", "direktvertrag")).await;
    app.clock.advance(2 * DAY);
    let dataport = again(&app, "zahlen@dataport.example").await;
    decide(&app, &dataport, &first, "bestaetigen").await;
    app.clock.advance(38 * DAY);
    let customer = again(&app, "einkauf@zahlen.de").await;
    place(&app, &customer, &dmessenger_order("z-2", "direktvertrag")).await;
    place(&app, &customer, &dmessenger_order("z-3", "umklappvertrag")).await;

    let (dataport, ekom, intermediary) = (
        again(&app, "zahlen@dataport.example").await,
        again(&app, "zahlen@ekom21.example").await,
        again(&app, "zahlen@govdigital.example").await,
    );
    // Empty before: a provider without orders sees zeros everywhere, and the pictures.
    let page = app.get(FIGURES, Opts::html().cookie(&ekom)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(markup::texts(&page.body, "main h1"), ["Kennzahlen"]);
    assert_eq!(
        sum(&table(&page.body, "bestellungen-monat")),
        0,
        "ekom21 has no orders"
    );
    assert_eq!(sum(&table(&page.body, "offen-resttage")), 0);
    assert_eq!(
        markup::attrs(&page.body, "main svg", "role"),
        ["img", "img", "img"]
    );
    assert_eq!(
        markup::texts(&page.body, "main svg > title"),
        [
            "Eingegangene Bestellungen je Monat",
            "Median der Tage bis zur Entscheidung je Monat",
            "Offene Bestellungen nach Resttagen der Entscheidungsfrist"
        ]
    );
    assert!(markup::texts(&page.body, "main script").is_empty());

    // Dataport: the table's numbers are its orders as stored, month by month.
    let stored = store.list_provider_orders("dataport").await.expect("read");
    assert_eq!(stored.len(), 3);
    let page = app.get(FIGURES, Opts::html().cookie(&dataport)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let months = table(&page.body, "bestellungen-monat");
    assert_eq!(months.len(), 12);
    assert_eq!(sum(&months), stored.len() as u64);
    // START is 15 January 2027; forty days later is 24 February.
    assert_eq!(months[10], ("Januar 2027".to_owned(), "1".to_owned()));
    assert_eq!(months[11], ("Februar 2027".to_owned(), "2".to_owned()));
    let median = table(&page.body, "entscheidungsdauer");
    assert_eq!(median[10].1, "2", "confirmed after two days");
    assert_eq!(median[11].1, "–", "no decision on February's orders yet");
    // Open for Dataport: the February Direktvertrag (the Umklappvertrag waits for the
    // intermediary), with 30 days left.
    let open = table(&page.body, "offen-resttage");
    assert_eq!(sum(&open), 1);
    assert_eq!(open[4], ("21 bis 30 Tage".to_owned(), "1".to_owned()));
    let json = app.get(FIGURES, Opts::json().cookie(&dataport)).await;
    assert_eq!(json.status, 200, "{}", json.body);
    assert_eq!(json.json()["median_tage"], 2.0);
    assert_eq!(json.json()["offen"], 1);

    // The intermediary: only the Umklappvertrag, waiting for it.
    let page = app.get(FIGURES, Opts::html().cookie(&intermediary)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(sum(&table(&page.body, "bestellungen-monat")), 1);
    assert_eq!(sum(&table(&page.body, "offen-resttage")), 1);

    // A customer and the operator's console are refused.
    let refused = app.get(FIGURES, Opts::html().cookie(&customer)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let refused = app
        .get(OPERATOR_FIGURES, Opts::html().cookie(&dataport))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let anonymous = app.get(FIGURES, Opts::html()).await;
    assert_eq!(anonymous.status, 401);
}

pub async fn operator_figures_count_registrations_orders_and_needs(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let customer = member(&app, "Stadt Woche", "einkauf@woche.de", true).await;
    place(&app, &customer, &dmessenger_order("w-1", "direktvertrag")).await;
    place(&app, &customer, &dmessenger_order("w-2", "umklappvertrag")).await;
    let category = &sample_order_catalog().categories[0];
    let need = app
        .post_form(
            "/api/bedarf",
            &[
                ("title", "Videokonferenz für Räte"),
                ("description", "Für öffentliche Sitzungen mit Aufzeichnung."),
                ("category", category.id.as_str()),
                ("contact_preference", "email"),
            ],
            Opts::html()
                .cookie(&customer)
                .csrf(&app.csrf_token(&customer).await),
        )
        .await;
    assert_eq!(need.status, 303, "{}", need.body);
    // Provider organisations and the operator's own are no registrations.
    party_member(
        &app,
        OrgKind::Provider {
            provider_id: "dataport".into(),
        },
        "Dataport",
        "woche@dataport.example",
    )
    .await;
    let operator = signed_in_operator(&app, "zahlen@betrieb.example").await;

    let page = app
        .get(OPERATOR_FIGURES, Opts::html().cookie(&operator))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        markup::texts(&page.body, "main h1"),
        ["Kennzahlen des Portals"]
    );
    let registrations = table(&page.body, "registrierungen-woche");
    assert_eq!(registrations.len(), 12);
    assert_eq!(sum(&registrations), 1, "{registrations:?}");
    assert_eq!(registrations[11].1, "1", "this week");
    assert_eq!(sum(&table(&page.body, "bestellungen-woche")), 2);
    let needs = table(&page.body, "bedarfe-kategorie");
    assert_eq!(needs[0], (category.name.clone(), "1".to_owned()));
    assert_eq!(sum(&needs), 1);

    let json = app
        .get(OPERATOR_FIGURES, Opts::json().cookie(&operator))
        .await;
    assert_eq!(json.status, 200, "{}", json.body);
    let weekly: Vec<u64> = json.json()["bestellungen_je_woche"]
        .as_array()
        .expect("array")
        .iter()
        .map(|f| f["count"].as_u64().expect("count"))
        .collect();
    assert_eq!(weekly.iter().sum::<u64>(), 2);

    // Thirteen weeks on, all of it lies before the figures' twelve weeks.
    app.clock.advance(13 * 7 * DAY);
    let later = app.state.orders.operator_figures().await.expect("figures");
    assert_eq!((later.registrations, later.orders, later.needs), (0, 0, 0));
}

/// The provider downloads the documents of an order's contract folder from its console,
/// one by one and as ZIP, as the customer does; another provider gets 403.
pub async fn console_downloads_the_folder_documents(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let dataport = party_member(
        &app,
        OrgKind::Provider {
            provider_id: "dataport".into(),
        },
        "Dataport AöR",
        "mappe@dataport.example",
    )
    .await;
    let ekom = party_member(
        &app,
        OrgKind::Provider {
            provider_id: "ekom21".into(),
        },
        "ekom21",
        "mappe@ekom21.example",
    )
    .await;
    let customer = member(&app, "Stadt Mappe", "einkauf@mappe.de", true).await;
    let order = place(&app, &customer, &dmessenger_order("m-1", "direktvertrag")).await;
    let base = format!("/api/konto/eingegangene-bestellungen/{order}");

    let page = app.get(&base, Opts::html().cookie(&dataport)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let links = markup::attrs(&page.body, "main ul.folder-documents a", "href");
    assert_eq!(links.len(), 9, "{links:?}");
    assert!(
        links.contains(&format!("{base}/vertragsmappe/stammdaten.txt")),
        "{links:?}"
    );

    let (status, _, body) = app
        .get_bytes(
            &format!("{base}/vertragsmappe/stammdaten.txt"),
            Opts::html().cookie(&dataport),
        )
        .await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).expect("utf-8");
    assert!(text.contains("Stadt Mappe"), "{text}");
    let (status, headers, body) = app
        .get_bytes(
            &format!("{base}/vertragsmappe.zip"),
            Opts::html().cookie(&dataport),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/zip")
    );
    assert!(body.starts_with(b"PK"), "a ZIP file");
    let (status, _, _) = app
        .get_bytes(
            &format!("{base}/vertragsmappe/gibt-es-nicht.txt"),
            Opts::html().cookie(&dataport),
        )
        .await;
    assert_eq!(status, 404);

    // Another provider: 403 for the documents and the ZIP.
    for path in [
        format!("{base}/vertragsmappe/stammdaten.txt"),
        format!("{base}/vertragsmappe.zip"),
    ] {
        let (status, _, _) = app.get_bytes(&path, Opts::html().cookie(&ekom)).await;
        assert_eq!(status, 403, "{path}");
    }
}
