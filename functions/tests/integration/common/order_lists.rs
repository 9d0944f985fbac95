//! "Newest first" for orders placed in the same second: every list a person sees puts them
//! in the order of their numbers (the counter compared as a number), across the console's
//! pages too, whatever their random ids say.

use std::sync::Arc;

use functions::domain::model::OrgKind;
use functions::domain::orders::ports::PortalStore;
use functions::domain::orders::{ApiParty, DAY, Order};

use super::console::party_member;
use super::orders::{bearer, dmessenger_order, member, place};
use super::*;

const CONSOLE: &str = "/api/konto/eingegangene-bestellungen";

/// 30 Umklappvertrag orders for dataport in one second (more than a console page), after
/// one placed a minute before. Their ids sort against their numbers and the counter crosses
/// into a seventh digit. Returns the app, the customer's cookie and the numbers newest first.
pub async fn same_second_orders(store: Arc<dyn PortalStore>) -> (TestApp, String, Vec<String>) {
    let app = spawn(store.clone()).await;
    let customer = member(&app, "Stadt Gleichzeit", "einkauf@gleichzeit.de", true).await;
    let first = place(&app, &customer, &dmessenger_order("s-0", "umklappvertrag")).await;
    let template: Order = store.get_order(&first).await.expect("get").expect("order");
    app.clock.advance(60);
    let now = app.state.orders.now();
    let mut numbers = Vec::new();
    for i in 0..30_i64 {
        let mut order = template.clone();
        order.id = format!("same-{:02}", 29 - i);
        order.number = format!("CSP-2026-{}", 999_985 + i);
        order.folder.number = order.number.clone();
        order.idempotency_key = format!("same-{i}");
        order.created_at = now;
        order.deadline = now + 30 * DAY;
        store.create_order(&order, &[]).await.expect("create");
        numbers.push(order.number);
    }
    numbers.reverse();
    numbers.push(template.number);
    (app, customer, numbers)
}

fn numbers_of(list: &serde_json::Value) -> Vec<String> {
    list["bestellungen"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|o| o["nummer"].as_str().expect("a number").to_owned())
        .collect()
}

/// The console's pages one after the other (25 a page), as one list.
async fn console_pages(app: &TestApp, cookie: &str, filter: &str) -> Vec<String> {
    let mut all = Vec::new();
    for page in 1..=2 {
        let reply = app
            .get(
                &format!("{CONSOLE}?seite={page}{filter}"),
                Opts::json().cookie(cookie),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let numbers = numbers_of(&reply.json());
        assert_eq!(numbers.len(), if page == 1 { 25 } else { 6 });
        all.extend(numbers);
    }
    all
}

pub async fn same_second_orders_list_in_number_order(store: Arc<dyn PortalStore>) {
    let (app, customer, expected) = same_second_orders(store).await;

    let own = app
        .get("/api/konto/bestellungen", Opts::json().cookie(&customer))
        .await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(numbers_of(&own.json()), expected, "the customer's orders");

    let partner = app
        .get(
            "/api/partner/bestellungen",
            bearer(&app, ApiParty::Provider("dataport".into())),
        )
        .await;
    assert_eq!(partner.status, 200, "{}", partner.body);
    assert_eq!(numbers_of(&partner.json()), expected, "the partner API");

    let provider = party_member(
        &app,
        OrgKind::Provider {
            provider_id: "dataport".into(),
        },
        "Dataport AöR",
        "liste@dataport.example",
    )
    .await;
    assert_eq!(
        console_pages(&app, &provider, "").await,
        expected,
        "the provider's console, page after page"
    );
    assert_eq!(
        console_pages(&app, &provider, "&status=offen").await,
        expected,
        "filtered by status (its own index)"
    );
    let csv = app
        .get(&format!("{CONSOLE}.csv"), Opts::html().cookie(&provider))
        .await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let in_csv: Vec<String> = csv
        .body
        .lines()
        .skip(1)
        .filter_map(|line| line.split(';').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(in_csv, expected, "the CSV export");

    let intermediary = party_member(
        &app,
        OrgKind::Intermediary,
        "govdigital eG",
        "liste@govdigital.example",
    )
    .await;
    assert_eq!(
        console_pages(&app, &intermediary, "").await,
        expected,
        "the intermediary's console"
    );
}

/// "Vom Portal geschlossen": the orders the portal closed at their deadline, the latest
/// closing first (two closed at the same moment: the higher number first), with the party
/// whose decision it had been; an undecided order is not in it, and after 90 days an order
/// leaves it.
/// The numbers of the orders on "Vom Portal geschlossen", in the list's order.
async fn closed_numbers(app: &TestApp) -> Vec<String> {
    app.state
        .orders
        .closed_by_portal()
        .await
        .expect("list")
        .into_iter()
        .map(|r| r.order.number)
        .collect()
}

pub async fn closed_by_portal_are_listed_latest_first(store: Arc<dyn PortalStore>) {
    use functions::domain::orders::Party;
    use functions::domain::orders::operator::CLOSED_DAYS;

    let app = spawn(store.clone()).await;
    let customer = member(&app, "Stadt Geschlossen", "einkauf@geschlossen.de", true).await;
    let direct = place(&app, &customer, &dmessenger_order("c-1", "direktvertrag")).await;
    let through = place(&app, &customer, &dmessenger_order("c-2", "umklappvertrag")).await;
    app.clock.advance(DAY);
    let customer = super::flows::sign_in(&app, "einkauf@geschlossen.de", PASSWORD)
        .await
        .session_cookie()
        .expect("signed in again");
    let later = place(&app, &customer, &dmessenger_order("c-3", "direktvertrag")).await;
    let number = |id: String| {
        let store = store.clone();
        async move {
            store
                .get_order(&id)
                .await
                .expect("get")
                .expect("order")
                .number
        }
    };
    let (direct, through, later) = (
        number(direct).await,
        number(through).await,
        number(later).await,
    );
    assert!(closed_numbers(&app).await.is_empty());

    // Past the first two deadlines: one run closes both at the same moment.
    app.clock.advance(29 * DAY + 60);
    let first_run = app.state.orders.now();
    assert_eq!(app.state.run_due_work().await.expired, 2);
    let rows = app.state.orders.closed_by_portal().await.expect("list");
    let listed: Vec<(&str, i64, Option<Party>)> = rows
        .iter()
        .map(|r| (r.order.number.as_str(), r.closed_at, r.turn))
        .collect();
    assert_eq!(
        listed,
        [
            (through.as_str(), first_run, Some(Party::Intermediary)),
            (direct.as_str(), first_run, Some(Party::Provider)),
        ],
        "closed at one moment: the higher number first"
    );

    app.clock.advance(DAY);
    let second_run = app.state.orders.now();
    assert_eq!(app.state.run_due_work().await.expired, 1);
    let numbers = closed_numbers(&app).await;
    assert_eq!(
        numbers,
        [later.clone(), through, direct],
        "latest closing first"
    );
    assert_eq!(
        store
            .list_closed_by_portal_since(second_run)
            .await
            .expect("since")
            .len(),
        1,
        "read from a moment on"
    );

    // 90 days after the first closing only the later one is left, then none.
    app.clock
        .advance(first_run + CLOSED_DAYS * DAY - app.state.orders.now() + 1);
    let numbers = closed_numbers(&app).await;
    assert_eq!(numbers, [later]);
    app.clock.advance(DAY);
    assert!(closed_numbers(&app).await.is_empty());
}
