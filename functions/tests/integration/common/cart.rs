//! The Warenkorb: store conformance checks and the domain's rules, run on every store
//! through `conformance_tests!`.

use std::sync::Arc;

use catalog::model::ContractModel;
use functions::domain::accounts::SessionInfo;
use functions::domain::model::*;
use functions::domain::orders::cart::{CartLine, SeenOffering};
use functions::domain::orders::ports::PortalStore;
use functions::domain::orders::{ConfiguredOption, OrderError, Orders};
use functions::domain::ports::StoreError;
use functions::domain::tokens::new_id;
use functions::domain::validation::FormInput;
use functions::web::inputs;
use rust_decimal::Decimal;

use super::*;

fn line(user_id: &str, quantity: u32) -> CartLine {
    CartLine {
        id: new_id(),
        user_id: user_id.to_owned(),
        offering_id: "dmessenger".to_owned(),
        plan_id: "standard".to_owned(),
        contract_model: ContractModel::Direktvertrag,
        options: vec![ConfiguredOption {
            id: "nutzer".to_owned(),
            label: "Anzahl Nutzer".to_owned(),
            value: "250".to_owned(),
        }],
        quantity,
        added_at: START,
        position: 0,
        seen: SeenOffering {
            name: "dMessenger".to_owned(),
            provider_id: "dataport".to_owned(),
            provider_name: "Dataport".to_owned(),
            contract_models: vec![ContractModel::Direktvertrag],
            plans: Vec::new(),
            options: Vec::new(),
        },
    }
}

/// A person's lines are read, changed and removed only under that person: another
/// person's id finds nothing and changes nothing; a change needs the line as read; an id
/// is added once.
pub async fn cart_lines_belong_to_their_person(store: Arc<dyn PortalStore>) {
    let (erika, max) = (new_id(), new_id());
    let first = line(&erika, 250);
    let second = CartLine {
        added_at: START + 5,
        ..line(&erika, 3)
    };
    store.add_cart_line(&second, 30).await.expect("add second");
    store.add_cart_line(&first, 30).await.expect("add first");
    assert!(matches!(
        store.add_cart_line(&first, 30).await,
        Err(StoreError::Conflict)
    ));
    let listed = store.list_cart(&erika).await.expect("list");
    assert_eq!(
        listed,
        [first.clone(), second.clone()],
        "in the order added"
    );
    assert!(store.list_cart(&max).await.expect("list").is_empty());

    // Max cannot read, change or remove Erika's line by its id.
    assert_eq!(
        store.get_cart_line(&max, &first.id).await.expect("get"),
        None
    );
    let as_max = CartLine {
        user_id: max.clone(),
        ..first.clone()
    };
    let forged = CartLine {
        quantity: 1,
        ..as_max.clone()
    };
    assert!(matches!(
        store.replace_cart_line(&as_max, &forged).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.remove_cart_line(&max, &first.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.list_cart(&erika).await.expect("list"),
        [first.clone(), second.clone()],
        "nothing changed"
    );

    // Erika changes her line; a change from a stale read is refused.
    let changed = CartLine {
        quantity: 300,
        ..first.clone()
    };
    store
        .replace_cart_line(&first, &changed)
        .await
        .expect("change");
    assert!(matches!(
        store
            .replace_cart_line(
                &first,
                &CartLine {
                    quantity: 7,
                    ..first.clone()
                }
            )
            .await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.get_cart_line(&erika, &first.id).await.expect("get"),
        Some(changed.clone())
    );
    store
        .remove_cart_line(&erika, &first.id)
        .await
        .expect("remove");
    assert!(matches!(
        store.remove_cart_line(&erika, &first.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.list_cart(&erika).await.expect("list"), [second]);
}

/// Two changes of the same line read at once: exactly one is stored.
pub async fn concurrent_changes_of_a_line_leave_one(store: Arc<dyn PortalStore>) {
    let erika = new_id();
    let first = line(&erika, 10);
    store.add_cart_line(&first, 30).await.expect("add");
    let tasks: Vec<_> = (0..8u32)
        .map(|i| {
            let store = store.clone();
            let before = first.clone();
            tokio::spawn(async move {
                let after = CartLine {
                    quantity: 100 + i,
                    ..before.clone()
                };
                store.replace_cart_line(&before, &after).await.map(|()| i)
            })
        })
        .collect();
    let mut won = Vec::new();
    for task in tasks {
        match task.await.expect("join") {
            Ok(i) => won.push(i),
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(won.len(), 1, "{won:?}");
    let stored = store
        .get_cart_line(&erika, &first.id)
        .await
        .expect("get")
        .expect("line");
    assert_eq!(stored.quantity, 100 + won[0]);
}

/// The cap of a person's lines holds under concurrency: of concurrent adds to a cart one
/// line short of the cap exactly one succeeds; removing a line or checking lines out makes
/// room again.
pub async fn the_cart_cap_holds_under_concurrency(store: Arc<dyn PortalStore>) {
    const CAP: usize = 30;
    let erika = new_id();
    for _ in 0..CAP - 1 {
        store
            .add_cart_line(&line(&erika, 1), CAP)
            .await
            .expect("add");
    }
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            let erika = erika.clone();
            tokio::spawn(async move { store.add_cart_line(&line(&erika, 1), CAP).await })
        })
        .collect();
    let mut added = 0;
    for task in tasks {
        match task.await.expect("join") {
            Ok(()) => added += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(added, 1, "exactly one add fits");
    let lines = store.list_cart(&erika).await.expect("list");
    assert_eq!(lines.len(), CAP);
    assert!(matches!(
        store.add_cart_line(&line(&erika, 1), CAP).await,
        Err(StoreError::Conflict)
    ));
    // Another person's cart is not affected.
    store
        .add_cart_line(&line(&new_id(), 1), CAP)
        .await
        .expect("another person adds");

    // Removing one line makes room for one.
    store
        .remove_cart_line(&erika, &lines[0].id)
        .await
        .expect("remove");
    store
        .add_cart_line(&line(&erika, 1), CAP)
        .await
        .expect("room after removing");
    assert!(matches!(
        store.add_cart_line(&line(&erika, 1), CAP).await,
        Err(StoreError::Conflict)
    ));
    // Checking two lines out makes room for two.
    let lines = store.list_cart(&erika).await.expect("list");
    store
        .check_out_cart(&lines[..2], &[])
        .await
        .expect("check out two lines");
    for _ in 0..2 {
        store
            .add_cart_line(&line(&erika, 1), CAP)
            .await
            .expect("room after the checkout");
    }
    assert!(matches!(
        store.add_cart_line(&line(&erika, 1), CAP).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.list_cart(&erika).await.expect("list").len(), CAP);
}

fn session(in_house: bool) -> SessionInfo {
    let org_id = new_id();
    let user_id = new_id();
    SessionInfo {
        id_hash: new_id(),
        user: User {
            id: user_id.clone(),
            org_id: org_id.clone(),
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
        org: Organisation {
            id: org_id,
            name: "Stadt Beispiel".to_owned(),
            legal_form: "Gebietskörperschaft".to_owned(),
            street: "Weg 1".to_owned(),
            postcode: "12345".to_owned(),
            city: "Ort".to_owned(),
            in_house_capable: in_house,
            level: Some(catalog::model::CustomerScope::Kommune),
            status: OrgStatus::Approved,
            admin_user_id: user_id,
            agb_version: "1".to_owned(),
            privacy_version: "1".to_owned(),
            created_at: START,
            decided_at: None,
            reject_reason: None,
            leitweg_id: String::new(),
            central_phone: String::new(),
            kind: Default::default(),
        },
        csrf_token: String::new(),
        role: None,
    }
}

fn input(pairs: &[(&str, &str)]) -> FormInput {
    FormInput::from_pairs(pairs.iter().copied())
}

/// The Warenkorb's domain calls with a posted form, read as the web edge reads it.
trait PostedToCart {
    async fn add_form(&self, who: &SessionInfo, form: &FormInput) -> Result<CartLine, OrderError>;
    async fn change_form(
        &self,
        who: &SessionInfo,
        line_id: &str,
        form: &FormInput,
    ) -> Result<CartLine, OrderError>;
}

impl PostedToCart for Orders {
    async fn add_form(&self, who: &SessionInfo, form: &FormInput) -> Result<CartLine, OrderError> {
        self.add_to_cart(who, form.get("offering"), &inputs::line_input(form))
            .await
    }

    async fn change_form(
        &self,
        who: &SessionInfo,
        line_id: &str,
        form: &FormInput,
    ) -> Result<CartLine, OrderError> {
        self.change_cart_line(who, line_id, &inputs::line_input(form))
            .await
    }
}

const DMESSENGER: &[(&str, &str)] = &[
    ("offering", "dmessenger"),
    ("plan", "standard"),
    ("contract_model", "direktvertrag"),
    ("option_nutzer", "250"),
    ("option_rechenzentrum", "Hamburg"),
    ("option_foederation", "ja"),
    ("menge", "250"),
];

fn with(
    base: &[(&'static str, &'static str)],
    name: &'static str,
    value: &'static str,
) -> Vec<(&'static str, &'static str)> {
    let mut pairs: Vec<_> = base.iter().copied().filter(|(n, _)| *n != name).collect();
    pairs.push((name, value));
    pairs
}

fn invalid_at(result: Result<CartLine, OrderError>) -> Vec<String> {
    match result {
        Err(OrderError::Invalid(problems)) => inputs::order_errors(&problems)
            .0
            .into_iter()
            .map(|(field, _)| field)
            .collect(),
        other => panic!("expected messages, got {other:?}"),
    }
}

/// Lines are checked exactly as orders are and priced from the current catalog only: bad
/// input gets a message at its field and stores nothing, a forged price is ignored, the
/// totals add up per billing period, another person's line cannot be touched, and a price
/// change in the catalog shows at the line.
pub async fn cart_lines_are_checked_and_priced_from_the_catalog(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let orders = app.state.orders.clone();
    let erika = session(false);
    let max = session(true);

    // Mistakes: each gets its message at the field; nothing is stored.
    assert!(matches!(
        orders
            .add_form(
                &erika,
                &input(&with(DMESSENGER, "offering", "gibt-es-nicht"))
            )
            .await,
        Err(OrderError::NotOrderable)
    ));
    assert_eq!(
        invalid_at(
            orders
                .add_form(&erika, &input(&with(DMESSENGER, "plan", "gold")))
                .await
        ),
        ["plan"]
    );
    assert_eq!(
        invalid_at(
            orders
                .add_form(&erika, &input(&with(DMESSENGER, "option_nutzer", "5")))
                .await
        ),
        ["option_nutzer"]
    );
    assert_eq!(
        invalid_at(
            orders
                .add_form(
                    &erika,
                    &input(&with(DMESSENGER, "option_rechenzentrum", "Berlin"))
                )
                .await
        ),
        ["option_rechenzentrum"]
    );
    assert_eq!(
        invalid_at(
            orders
                .add_form(&erika, &input(&with(DMESSENGER, "menge", "0")))
                .await
        ),
        ["menge"]
    );
    assert_eq!(
        invalid_at(
            orders
                .add_form(
                    &erika,
                    &input(&with(DMESSENGER, "contract_model", "umklappvertrag"))
                )
                .await
        ),
        ["contract_model"],
        "the Umklappvertrag needs an organisation that is inhousefähig"
    );
    assert!(
        store
            .list_cart(&erika.user.id)
            .await
            .expect("list")
            .is_empty()
    );

    // A forged price in the form changes nothing: the catalog's price counts.
    let forged = with(DMESSENGER, "price", "0.01");
    let messenger = orders
        .add_form(&erika, &input(&forged))
        .await
        .expect("added");
    app.clock.advance(60);
    let setup = orders
        .add_form(
            &erika,
            &input(&[
                ("offering", "ausweisident-online"),
                ("plan", "einrichtung"),
                ("contract_model", "direktvertrag"),
            ]),
        )
        .await
        .expect("added");
    assert_eq!(setup.quantity, 1, "no quantity given: one");
    let cart = orders.cart(&erika).await.expect("cart");
    assert_eq!(cart.lines.len(), 2);
    assert_eq!(
        cart.lines[0].line_price,
        Some(Decimal::new(87_500, 2)),
        "3,50 € × 250"
    );
    assert_eq!(cart.totals.monthly, Decimal::new(87_500, 2));
    assert_eq!(cart.totals.once, Decimal::new(1500, 0));
    assert_eq!(cart.totals.yearly, Decimal::ZERO);
    assert!(cart.lines.iter().all(|l| l.is_ready()), "{cart:?}");
    assert_eq!(orders.cart_count(&erika).await.expect("count"), 2);

    // Max sees none of it and can neither change nor remove Erika's lines.
    assert!(orders.cart(&max).await.expect("cart").lines.is_empty());
    assert!(matches!(
        orders
            .change_form(&max, &messenger.id, &input(&with(DMESSENGER, "menge", "1")))
            .await,
        Err(OrderError::NotFound)
    ));
    assert!(matches!(
        orders.remove_cart_line(&max, &messenger.id).await,
        Err(OrderError::NotFound)
    ));

    // Erika changes the quantity (a wrong one first); the offering stays the line's.
    assert_eq!(
        invalid_at(
            orders
                .change_form(
                    &erika,
                    &messenger.id,
                    &input(&with(DMESSENGER, "menge", "viele"))
                )
                .await
        ),
        ["menge"]
    );
    let changed = orders
        .change_form(
            &erika,
            &messenger.id,
            &input(&with(
                &with(DMESSENGER, "menge", "300"),
                "offering",
                "ausweisident-online",
            )),
        )
        .await
        .expect("changed");
    assert_eq!(
        (changed.offering_id.as_str(), changed.quantity),
        ("dmessenger", 300)
    );
    assert_eq!(
        orders.cart(&erika).await.expect("cart").totals.monthly,
        Decimal::new(105_000, 2)
    );

    // The catalog changes the plan's price: the cart prices with the new one and says so.
    let mut catalog = sample_order_catalog().clone();
    for offering in &mut catalog.offerings {
        if offering.id == "dmessenger" {
            for plan in &mut offering.plans {
                if plan.id == "standard" {
                    plan.price = Decimal::new(400, 2);
                }
            }
        }
    }
    catalog.offerings.retain(|o| o.id != "ausweisident-online");
    orders.set_catalog(catalog);
    let cart = orders.cart(&erika).await.expect("cart");
    assert_eq!(
        cart.lines[0].changes.len(),
        1,
        "{:?}",
        cart.lines[0].changes
    );
    assert!(
        cart.lines[0].changes[0].contains("3,50 €") && cart.lines[0].changes[0].contains("4,00 €")
    );
    assert_eq!(
        cart.totals.monthly,
        Decimal::new(120_000, 2),
        "the new price counts"
    );
    assert!(
        !cart.lines[1].problems.is_empty(),
        "the withdrawn offering is marked"
    );
    assert_eq!(
        cart.totals.once,
        Decimal::ZERO,
        "a withdrawn offering has no price"
    );

    // Changing the line again confirms the offering as it is now.
    orders
        .change_form(
            &erika,
            &messenger.id,
            &input(&with(DMESSENGER, "menge", "300")),
        )
        .await
        .expect("confirmed");
    assert!(orders.cart(&erika).await.expect("cart").lines[0].is_ready());

    orders
        .remove_cart_line(&erika, &setup.id)
        .await
        .expect("removed");
    assert_eq!(orders.cart_count(&erika).await.expect("count"), 1);
}

async fn post(app: &TestApp, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, &all, Opts::html().cookie(cookie)).await
}

/// The fields the form posting to `action` sends as it stands (hidden and filled in).
fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let page = scraper::Html::parse_document(html);
    let form = scraper::Selector::parse(&format!("form[action='{action}']:not(.inline)"))
        .expect("selector");
    let inputs = scraper::Selector::parse("input[name]").expect("selector");
    let form = page
        .select(&form)
        .next()
        .unwrap_or_else(|| panic!("no form {action}"));
    form.select(&inputs)
        .map(|i| {
            let value = i.value().attr("value").unwrap_or("");
            (
                i.value().attr("name").unwrap_or("").to_owned(),
                value.to_owned(),
            )
        })
        .collect()
}

async fn cart_count(app: &TestApp, cookie: &str) -> u64 {
    let reply = app.get("/api/warenkorb", Opts::json().cookie(cookie)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["anzahl"].as_u64().expect("anzahl")
}

/// The Warenkorb as a person uses it over HTTP without JavaScript: "In den Warenkorb" from
/// the order form (mistakes shown on the order form), the cart page with prices and net
/// totals, a quantity changed with the line's own form, a line of another person out of
/// reach, and a line removed.
pub async fn the_cart_over_http(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let erika = super::orders::member(&app, "Stadt Korbhausen", "erika@korbhausen.de", false).await;
    let max = super::orders::member(&app, "Stadt Andernorts", "max@andernorts.de", false).await;

    let form = app
        .get("/api/bestellen/dmessenger", Opts::html().cookie(&erika))
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(
        markup::texts(
            &form.body,
            "main form button[formaction='/api/warenkorb'][formnovalidate]"
        ),
        ["In den Warenkorb"]
    );
    let empty = app.get("/api/warenkorb", Opts::html().cookie(&erika)).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(markup::texts(&empty.body, "main h1"), ["Warenkorb"]);
    assert!(markup::texts(&empty.body, "section.cart-line").is_empty());

    // A mistake shows the order form again with its message; nothing is added.
    let wrong = post(
        &app,
        &erika,
        "/api/warenkorb",
        &with(DMESSENGER, "option_nutzer", "5"),
    )
    .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(
        markup::texts(&wrong.body, "main h1"),
        ["dMessenger bestellen"]
    );
    assert_eq!(
        markup::texts(&wrong.body, ".error-summary li"),
        ["„Anzahl Nutzer“: bitte mindestens 10 angeben."]
    );
    assert_eq!(cart_count(&app, &erika).await, 0);

    // The order form's fields without billing address and consents, and without a quantity.
    let without_quantity: Vec<_> = DMESSENGER
        .iter()
        .copied()
        .filter(|(n, _)| *n != "menge")
        .collect();
    let added = post(&app, &erika, "/api/warenkorb", &without_quantity).await;
    assert_eq!(
        (added.status, added.location.as_deref()),
        (303, Some("/api/warenkorb?hinweis=hinzugefuegt")),
        "{}",
        added.body
    );
    let added = post(
        &app,
        &erika,
        "/api/warenkorb",
        &[
            ("offering", "ausweisident-online"),
            ("plan", "einrichtung"),
            ("contract_model", "direktvertrag"),
            ("price", "1"),
        ],
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.body);

    let page = app
        .get(
            "/api/warenkorb?hinweis=hinzugefuegt",
            Opts::html().cookie(&erika),
        )
        .await;
    assert_eq!(
        markup::texts(&page.body, "section.cart-line h2"),
        ["dMessenger", "AusweisIDent Online"]
    );
    assert_eq!(
        markup::texts(&page.body, "main [role=status]"),
        ["Das Angebot liegt jetzt in Ihrem Warenkorb."]
    );
    assert_eq!(
        markup::texts(&page.body, "dl.totals dt"),
        ["monatlich", "einmalig"]
    );
    assert_eq!(
        markup::texts(&page.body, "dl.totals dd"),
        ["3,50 € netto", "1.500,00 € netto"],
        "the catalog's prices, not the form's"
    );
    let actions = markup::attrs(&page.body, "section.cart-line form:not(.inline)", "action");
    assert_eq!(actions.len(), 2);

    // The header learns the count from the session route, as static pages do.
    let session = app.get("/api/sitzung", Opts::json().cookie(&erika)).await;
    assert_eq!(session.json()["warenkorb"], 2, "{}", session.body);
    assert_eq!(
        markup::attrs(
            &page.body,
            "section.cart-line a[href^='/api/bestellen/']",
            "href"
        ),
        [
            "/api/bestellen/dmessenger",
            "/api/bestellen/ausweisident-online"
        ],
        "each line leads to its order form"
    );

    // Max cannot remove Erika's line.
    let foreign = post(&app, &max, &actions[1], &[("aktion", "entfernen")]).await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    assert_eq!(cart_count(&app, &erika).await, 2);
    assert_eq!(cart_count(&app, &max).await, 0);

    // Erika changes the quantity with the line's form, as the page sends it.
    let send = |quantity: &'static str| {
        let mut fields = form_fields(&page.body, &actions[0]);
        for (name, value) in &mut fields {
            if name == "menge" {
                *value = quantity.to_owned();
            }
        }
        fields
    };
    let fields = send("0");
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let refused = app
        .post_form(&actions[0], &pairs, Opts::html().cookie(&erika))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(markup::texts(&refused.body, "main h1"), ["Warenkorb"]);
    assert_eq!(
        markup::texts(&refused.body, "section.cart-line .field-error"),
        ["Bitte geben Sie als Menge eine ganze Zahl von 1 bis 100000 an."]
    );
    let fields = send("250");
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let changed = app
        .post_form(&actions[0], &pairs, Opts::html().cookie(&erika))
        .await;
    assert_eq!(
        (changed.status, changed.location.as_deref()),
        (303, Some("/api/warenkorb?hinweis=geaendert")),
        "{}",
        changed.body
    );
    let page = app.get("/api/warenkorb", Opts::html().cookie(&erika)).await;
    assert_eq!(
        markup::texts(&page.body, "dl.totals dd"),
        ["875,00 € netto", "1.500,00 € netto"]
    );

    let removed = post(&app, &erika, &actions[1], &[("aktion", "entfernen")]).await;
    assert_eq!(
        (removed.status, removed.location.as_deref()),
        (303, Some("/api/warenkorb?hinweis=entfernt"))
    );
    assert_eq!(cart_count(&app, &erika).await, 1);
}
