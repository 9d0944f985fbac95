//! The Warenkorb's checkout: all or none, exactly once per checkout key, one winner among
//! concurrent checkouts, and the cap of lines per checkout; run on every store through
//! `conformance_tests!`.

use std::sync::Arc;

use functions::domain::accounts::SessionInfo;
use functions::domain::model::*;
use functions::domain::orders::checkout::MAX_CHECKOUT_LINES;
use functions::domain::orders::input::CheckoutInput;
use functions::domain::orders::ports::PortalStore;
use functions::domain::orders::{Order, OrderError, Orders};
use functions::domain::tokens::new_id;
use functions::domain::validation::FormInput;
use functions::web::inputs;

use super::*;

fn session(org: &Organisation, user_id: &str) -> SessionInfo {
    SessionInfo {
        id_hash: new_id(),
        user: User {
            id: user_id.to_owned(),
            org_id: org.id.clone(),
            name: "Erika".to_owned(),
            email: format!("{user_id}@stadt.example"),
            phone: "030 123456".to_owned(),
            password_hash: None,
            created_at: START,
            role: MemberRole::Member,
            deactivated: false,
            second_factor: None,
            role_id: None,
        },
        org: org.clone(),
        csrf_token: String::new(),
        role: None,
    }
}

/// An in-house capable organisation with a Rechnungsadresse (its id returned).
async fn organisation(store: &Arc<dyn PortalStore>) -> (Organisation, String) {
    let id = new_id();
    let org = Organisation {
        id: id.clone(),
        name: "Stadt Beispiel".to_owned(),
        legal_form: "Gebietskörperschaft".to_owned(),
        street: "Weg 1".to_owned(),
        postcode: "12345".to_owned(),
        city: "Ort".to_owned(),
        in_house_capable: true,
        level: Some(catalog::model::CustomerScope::Kommune),
        status: OrgStatus::Approved,
        admin_user_id: new_id(),
        agb_version: "1".to_owned(),
        privacy_version: "1".to_owned(),
        created_at: START,
        decided_at: None,
        reject_reason: None,
        leitweg_id: String::new(),
        central_phone: String::new(),
        kind: Default::default(),
    };
    let address = Address {
        id: new_id(),
        org_id: id,
        kind: AddressKind::Rechnungsadresse,
        label: "Kämmerei".to_owned(),
        recipient: "Stadt Beispiel, Kämmerei".to_owned(),
        street: "Markt 2".to_owned(),
        postcode: "12345".to_owned(),
        city: "Ort".to_owned(),
        phone: String::new(),
        created_at: START,
        is_default: true,
    };
    store.add_address(&address, None).await.expect("address");
    (org, address.id)
}

const MESSENGER: &[(&str, &str)] = &[
    ("offering", "dmessenger"),
    ("plan", "standard"),
    ("contract_model", "umklappvertrag"),
    ("option_nutzer", "250"),
    ("option_rechenzentrum", "Hamburg"),
    ("option_foederation", "ja"),
    ("menge", "250"),
];

const AUSWEIS: &[(&str, &str)] = &[
    ("offering", "ausweisident-online"),
    ("plan", "einrichtung"),
    ("contract_model", "direktvertrag"),
];

async fn add(orders: &Orders, who: &SessionInfo, fields: &[(&str, &str)], times: usize) {
    let form = FormInput::from_pairs(fields.iter().copied());
    for _ in 0..times {
        orders
            .add_to_cart(who, form.get("offering"), &inputs::line_input(&form))
            .await
            .expect("added");
    }
}

fn checkout(address: &str, key: &str) -> CheckoutInput {
    inputs::checkout_input(&FormInput::from_pairs([
        ("billing_address", address),
        ("consent_agb", "ja"),
        ("consent_conditions", "ja"),
        ("idempotency_key", key),
    ]))
}

fn messages(result: Result<Vec<Order>, OrderError>) -> Vec<(String, String)> {
    match result {
        Err(OrderError::Invalid(problems)) => inputs::order_errors(&problems).0,
        other => panic!("expected messages, got {other:?}"),
    }
}

async fn delivered_to(app: &TestApp, who: &SessionInfo) -> usize {
    app.state.outbox.deliver_all().await;
    app.mails_to(&who.user.email)
}

/// A checkout creates one order per line, each with its own number, the chosen address,
/// the quantity and its mails, and empties the cart; the same checkout key again gives the
/// same orders and creates nothing; bad input is refused at its place with nothing stored.
pub async fn checkout_creates_one_order_per_line_once(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let orders = app.state.orders.clone();
    let (org, address) = organisation(&store).await;
    let erika = session(&org, &new_id());
    add(&orders, &erika, MESSENGER, 1).await;
    add(&orders, &erika, AUSWEIS, 1).await;

    // Without the consents and with another organisation's address: messages, nothing stored.
    let wrong = inputs::checkout_input(&FormInput::from_pairs([
        ("billing_address", "fremd"),
        ("idempotency_key", "k1"),
    ]));
    let fields: Vec<String> = messages(orders.check_out(&erika, &wrong).await)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    for field in ["billing_address", "consent_agb", "consent_conditions"] {
        assert!(fields.iter().any(|f| f == field), "{fields:?}");
    }
    assert!(
        store
            .list_org_orders(&org.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(orders.cart_count(&erika).await.expect("count"), 2);

    let placed = orders
        .check_out(&erika, &checkout(&address, "k1"))
        .await
        .expect("checked out");
    assert_eq!(placed.len(), 2);
    assert_ne!(placed[0].number, placed[1].number);
    assert_ne!(
        placed[0].provider_id, placed[1].provider_id,
        "two providers"
    );
    for order in &placed {
        assert_eq!(
            order.folder.billing.organisation,
            "Stadt Beispiel, Kämmerei"
        );
        assert_eq!(order.user_id, erika.user.id);
    }
    let messenger = placed
        .iter()
        .find(|o| o.offering_id == "dmessenger")
        .expect("messenger order");
    assert_eq!(messenger.folder.quantity, Some(250));
    let facts = functions::domain::orders::documents::order_facts(messenger);
    assert_eq!(
        facts.get(5..7),
        Some(
            &[
                ("Preis".to_owned(), messenger.folder.plan.price_text()),
                ("Menge".to_owned(), "250".to_owned()),
            ][..]
        ),
        "the folder names the quantity after the price"
    );
    assert_eq!(
        orders.cart_count(&erika).await.expect("count"),
        0,
        "emptied"
    );
    assert_eq!(
        delivered_to(&app, &erika).await,
        2,
        "one mail per order to Erika"
    );

    // The same checkout again (double click, retry): the same orders, nothing new.
    let again = orders
        .check_out(&erika, &checkout(&address, "k1"))
        .await
        .expect("same checkout");
    let ids = |o: &[Order]| {
        let mut ids: Vec<String> = o.iter().map(|o| o.id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&again), ids(&placed));
    assert_eq!(store.list_org_orders(&org.id).await.expect("list").len(), 2);
    assert_eq!(delivered_to(&app, &erika).await, 2, "no more mails");

    // An empty cart under a new key: refused.
    assert_eq!(
        messages(orders.check_out(&erika, &checkout(&address, "k2")).await)[0].0,
        "warenkorb"
    );
}

/// A failure on the last line's write leaves no order, no mail and the cart as it was;
/// a line whose offering changed refuses the checkout with a message at the line.
pub async fn a_failed_checkout_stores_nothing(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let orders = app.state.orders.clone();
    let (org, address) = organisation(&store).await;
    let erika = session(&org, &new_id());
    add(&orders, &erika, MESSENGER, 2).await;
    add(&orders, &erika, AUSWEIS, 1).await;
    let lines = store.list_cart(&erika.user.id).await.expect("list");

    // Another member of the organisation already has an order under the key the last
    // line's order will get: its write fails inside the transaction.
    let max = session(&org, &new_id());
    add(&orders, &max, AUSWEIS, 1).await;
    let other = orders
        .check_out(&max, &checkout(&address, "m"))
        .await
        .expect("max")
        .remove(0);
    let blocker = Order {
        id: new_id(),
        idempotency_key: format!("k#{}", lines[2].id),
        ..other
    };
    store.create_order(&blocker, &[]).await.expect("blocker");
    let before = store.list_org_orders(&org.id).await.expect("list").len();

    let refused = messages(orders.check_out(&erika, &checkout(&address, "k")).await);
    assert_eq!(refused[0].0, "warenkorb", "{refused:?}");
    assert_eq!(
        store.list_org_orders(&org.id).await.expect("list").len(),
        before,
        "no order of the first lines was stored"
    );
    assert_eq!(delivered_to(&app, &erika).await, 0, "no mail");
    assert_eq!(
        store.list_cart(&erika.user.id).await.expect("list"),
        lines,
        "unchanged"
    );

    // The price of an offering changes: the checkout is refused at that line.
    let mut catalog = sample_order_catalog().clone();
    for offering in &mut catalog.offerings {
        if offering.id == "ausweisident-online" {
            for plan in &mut offering.plans {
                plan.price += rust_decimal::Decimal::ONE;
            }
        }
    }
    orders.set_catalog(catalog);
    let refused = messages(orders.check_out(&erika, &checkout(&address, "k3")).await);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, format!("line-{}", lines[2].id));
    assert!(refused[0].1.contains("Preis"), "{refused:?}");
    assert_eq!(store.list_cart(&erika.user.id).await.expect("list"), lines);
}

/// Checkouts of the same cart at once: under different keys exactly one succeeds; under
/// the same key (a double submit) both get the same orders, stored once.
pub async fn concurrent_checkouts_of_a_cart_order_once(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let orders = app.state.orders.clone();
    let (org, address) = organisation(&store).await;
    let erika = session(&org, &new_id());
    for same_key in [false, true] {
        add(&orders, &erika, MESSENGER, 1).await;
        add(&orders, &erika, AUSWEIS, 1).await;
        let before = store.list_org_orders(&org.id).await.expect("list").len();
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let (orders, erika) = (orders.clone(), erika.clone());
                let key = if same_key {
                    "same".to_owned()
                } else {
                    format!("tab-{i}")
                };
                let input = checkout(&address, &key);
                tokio::spawn(async move { orders.check_out(&erika, &input).await })
            })
            .collect();
        let mut won = Vec::new();
        for task in tasks {
            match task.await.expect("join") {
                Ok(placed) => {
                    let mut ids: Vec<String> = placed.iter().map(|o| o.id.clone()).collect();
                    ids.sort();
                    won.push(ids);
                }
                Err(OrderError::Invalid(errors)) if !same_key => {
                    let errors = inputs::order_errors(&errors);
                    assert_eq!(errors.0[0].0, "warenkorb", "{errors:?}");
                }
                Err(e) => panic!("unexpected: {e:?}"),
            }
        }
        if same_key {
            assert_eq!(won.len(), 4);
            assert!(won.iter().all(|ids| *ids == won[0]), "{won:?}");
        } else {
            assert_eq!(won.len(), 1, "{won:?}");
        }
        assert_eq!(
            store.list_org_orders(&org.id).await.expect("list").len(),
            before + 2
        );
        assert_eq!(orders.cart_count(&erika).await.expect("count"), 0);
    }
}

/// A checkout of the most lines allowed succeeds in one transaction (Umklappverträge, the
/// most writes per line); one line more is refused with a message, nothing stored.
pub async fn a_checkout_at_the_cap(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let orders = app.state.orders.clone();
    let (org, address) = organisation(&store).await;
    let erika = session(&org, &new_id());
    add(&orders, &erika, MESSENGER, MAX_CHECKOUT_LINES + 1).await;
    let refused = messages(orders.check_out(&erika, &checkout(&address, "k")).await);
    assert_eq!(refused[0].0, "warenkorb");
    assert!(
        refused[0]
            .1
            .contains(&format!("höchstens {MAX_CHECKOUT_LINES}")),
        "{refused:?}"
    );
    assert!(
        store
            .list_org_orders(&org.id)
            .await
            .expect("list")
            .is_empty()
    );

    let first = store
        .list_cart(&erika.user.id)
        .await
        .expect("list")
        .remove(0);
    orders
        .remove_cart_line(&erika, &first.id)
        .await
        .expect("removed");
    let placed = orders
        .check_out(&erika, &checkout(&address, "k"))
        .await
        .expect("at the cap");
    assert_eq!(placed.len(), MAX_CHECKOUT_LINES);
    assert_eq!(
        store.list_org_orders(&org.id).await.expect("list").len(),
        MAX_CHECKOUT_LINES
    );
    assert_eq!(orders.cart_count(&erika).await.expect("count"), 0);
}

async fn post_as(app: &TestApp, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, &all, Opts::html().cookie(cookie)).await
}

/// The checkout as a person without JavaScript goes through it: the cart links the Kasse,
/// which lists every line with the totals and preselects the Standardadresse; a missing
/// consent shows the form again with its message; the order button gives a confirmation
/// with one order number per line, linked to the order, and sent again the same orders.
pub async fn the_checkout_over_http(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let erika = super::orders::member(&app, "Stadt Kassel-Kasse", "erika@kasse.de", true).await;
    for fields in [MESSENGER, AUSWEIS] {
        let added = post_as(&app, &erika, "/api/warenkorb", fields).await;
        assert_eq!(added.status, 303, "{}", added.body);
    }
    let cart = app.get("/api/warenkorb", Opts::html().cookie(&erika)).await;
    assert_eq!(
        markup::attrs(&cart.body, "main a.btn", "href"),
        ["/api/warenkorb/kasse"]
    );
    let page = app
        .get("/api/warenkorb/kasse", Opts::html().cookie(&erika))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(markup::texts(&page.body, "main h1"), ["Kasse"]);
    assert_eq!(
        markup::texts(&page.body, "main section.cart-line h3"),
        ["dMessenger", "AusweisIDent Online"]
    );
    assert_eq!(
        markup::texts(&page.body, "main dl.totals dd"),
        ["875,00 € netto", "1.500,00 € netto"]
    );
    let preselected = markup::attrs(
        &page.body,
        "main select[name='billing_address'] option[selected]",
        "value",
    );
    assert_eq!(preselected.len(), 1, "{}", page.body);
    let key = markup::attrs(&page.body, "main input[name='idempotency_key']", "value")
        .pop()
        .expect("key");

    let without_consent = post_as(
        &app,
        &erika,
        "/api/warenkorb/kasse",
        &[
            ("idempotency_key", &key),
            ("billing_address", &preselected[0]),
            ("consent_agb", "ja"),
        ],
    )
    .await;
    assert_eq!(without_consent.status, 422, "{}", without_consent.body);
    assert_eq!(
        markup::attrs(&without_consent.body, ".error-summary li a", "href"),
        ["#consent-conditions"]
    );

    let fields = [
        ("idempotency_key", key.as_str()),
        ("billing_address", preselected[0].as_str()),
        ("consent_agb", "ja"),
        ("consent_conditions", "ja"),
    ];
    let placed = post_as(&app, &erika, "/api/warenkorb/kasse", &fields).await;
    let done = format!("/api/warenkorb/kasse/{key}");
    assert_eq!(
        (placed.status, placed.location.as_deref()),
        (303, Some(done.as_str())),
        "{}",
        placed.body
    );
    let confirmation = app.get(&done, Opts::html().cookie(&erika)).await;
    assert_eq!(confirmation.status, 200, "{}", confirmation.body);
    let links = markup::attrs(&confirmation.body, "main li a", "href");
    assert_eq!(links.len(), 2, "{}", confirmation.body);
    for link in &links {
        let order = app.get(link, Opts::html().cookie(&erika)).await;
        assert_eq!(order.status, 200, "{link}");
    }
    // Sent again (a reload after a lost answer): the same orders, nothing new.
    let again = post_as(&app, &erika, "/api/warenkorb/kasse", &fields).await;
    assert_eq!(again.location.as_deref(), Some(done.as_str()));
    let listed = app
        .get("/api/konto/bestellungen", Opts::json().cookie(&erika))
        .await;
    assert_eq!(listed.status, 200);
    // The cart is empty: the Kasse says so and offers nothing to order.
    let empty = app
        .get("/api/warenkorb/kasse", Opts::html().cookie(&erika))
        .await;
    assert_eq!(empty.status, 200);
    assert!(markup::texts(&empty.body, "main form[action='/api/warenkorb/kasse']").is_empty());
    assert!(
        markup::texts(&empty.body, "main p")
            .iter()
            .any(|p| p.contains("Ihr Warenkorb ist leer"))
    );
}
