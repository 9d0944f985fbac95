//! Benchmark of "Eingegangene Bestellungen" on SQLite (run by `scripts/bench-console`):
//! stores N orders (default 100,000) of which M (default 5,000) are one provider's, then
//! times the console's inbox query as the list page asks it (page 1, a status filter, a
//! search, a period, and the CSV export of all the provider's orders) and prints p50/p99.
//!
//! Usage: bench_console [orders] [provider's orders] [runs per query]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use catalog::model::ContractModel;
use functions::domain::orders::console::{OrderFilter, PAGE_SIZE};
use functions::domain::orders::ports::{ConsoleStore, OrderStore};
use functions::domain::orders::{
    ApiParty, BillingAddress, ContractFolder, FolderCustomer, HistoryEntry, Order, OrderStatus,
    Party,
};
use functions::store::SqliteStore;

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let total = arg(1, 100_000);
    let mine = arg(2, 5_000);
    let runs = arg(3, 300);
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let catalog = catalog::load_catalog(&content).expect("sample content");
    let snapshot = catalog::snapshot::OrderCatalog::from_catalog(&catalog);
    let offering = snapshot
        .offerings
        .iter()
        .find(|o| o.id == "dmessenger")
        .expect("dmessenger")
        .clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(SqliteStore::open(&dir.path().join("bench.sqlite3")).expect("open"));
    let start = 1_800_000_000_i64;
    let every = (total / mine.max(1)).max(1);
    let loading = Instant::now();
    for i in 0..total {
        let provider = if i % every == 0 { "dataport" } else { "andere" };
        let status = OrderStatus::ALL[i % OrderStatus::ALL.len()];
        let created_at = start + i as i64 * 60;
        let number = format!("CSP-2027-{i:06}");
        let customer = format!("Kommune {}", i % 997);
        let order = Order {
            id: format!("{i:08}"),
            number: number.clone(),
            org_id: format!("org-{}", i % 997),
            user_id: "user".into(),
            idempotency_key: format!("key-{i}"),
            input_hash: String::new(),
            offering_id: offering.id.clone(),
            provider_id: provider.into(),
            contract_model: if i % 2 == 0 {
                ContractModel::Direktvertrag
            } else {
                ContractModel::Umklappvertrag
            },
            status,
            created_at,
            deadline: created_at + 30 * 86_400,
            history: vec![HistoryEntry {
                at: created_at,
                by: Party::Customer,
                from: None,
                to: status,
                reason: None,
            }],
            folder: ContractFolder {
                number,
                ordered_at: created_at,
                customer: FolderCustomer {
                    organisation: customer.clone(),
                    legal_form: "Gebietskörperschaft".into(),
                    level: "Kommune".into(),
                    street: "Marktplatz 1".into(),
                    postcode: "12345".into(),
                    city: "Musterstadt".into(),
                    in_house_capable: true,
                    orderer_name: "Erika Mustermann".into(),
                    orderer_email: "erika@example.org".into(),
                    orderer_phone: "030 123".into(),
                    leitweg_id: String::new(),
                },
                billing: BillingAddress {
                    organisation: customer,
                    street: "Marktplatz 1".into(),
                    postcode: "12345".into(),
                    city: "Musterstadt".into(),
                    phone: String::new(),
                    label: String::new(),
                },
                reference: None,
                note: None,
                offering: offering.clone(),
                plan: offering.plans[0].clone(),
                contract_model: ContractModel::Direktvertrag,
                options: Vec::new(),
                quantity: None,
                agb_version: "2026-01".into(),
                agb_text: "Allgemeine Geschäftsbedingungen (gekürzt für den Benchmark)".into(),
            },
        };
        store.create_order(&order, &[]).await.expect("create");
    }
    eprintln!(
        "{total} Bestellungen ({mine} von dataport) gespeichert in {:.1} s",
        loading.elapsed().as_secs_f64()
    );
    let party = ApiParty::Provider("dataport".into());
    let page = |filter: OrderFilter| OrderFilter {
        limit: PAGE_SIZE,
        ..filter
    };
    let cases: Vec<(&str, OrderFilter)> = vec![
        ("Seite 1, ohne Filter", page(OrderFilter::default())),
        (
            "Seite 100, ohne Filter",
            page(OrderFilter {
                offset: 99 * PAGE_SIZE,
                ..OrderFilter::default()
            }),
        ),
        (
            "Status „Offen“",
            page(OrderFilter {
                status: Some(OrderStatus::Offen),
                ..OrderFilter::default()
            }),
        ),
        (
            "Suche nach Kunde",
            page(OrderFilter {
                search: "kommune 42".into(),
                ..OrderFilter::default()
            }),
        ),
        (
            "Zeitraum 30 Tage",
            page(OrderFilter {
                from: Some(start + 30 * 86_400),
                until: Some(start + 60 * 86_400),
                ..OrderFilter::default()
            }),
        ),
        ("CSV: alle des Anbieters", OrderFilter::default()),
    ];
    println!(
        "| Abfrage (SQLite, {total} Bestellungen, {mine} des Anbieters) | Treffer | p50 ms | p99 ms |"
    );
    println!("| --- | ---: | ---: | ---: |");
    for (label, filter) in cases {
        let mut times = Vec::with_capacity(runs);
        let mut found = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let result = store.list_inbox(&party, &filter).await.expect("inbox");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            found = result.total;
        }
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        println!("| {label} | {found} | {:.2} | {:.2} |", at(0.50), at(0.99));
    }
}
