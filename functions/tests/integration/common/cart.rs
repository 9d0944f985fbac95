//! The Warenkorb: store conformance checks and the domain's rules, run on every store
//! through `conformance_tests!`.

use std::sync::Arc;

use catalog::model::ContractModel;
use functions::domain::accounts::SessionInfo;
use functions::domain::model::*;
use functions::domain::orders::cart::{CartLine, SeenOffering};
use functions::domain::orders::ports::PortalStore;
use functions::domain::orders::{ConfiguredOption, OrderError};
use functions::domain::ports::StoreError;
use functions::domain::tokens::new_id;
use functions::domain::validation::FormInput;
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
    store.add_cart_line(&second).await.expect("add second");
    store.add_cart_line(&first).await.expect("add first");
    assert!(matches!(
        store.add_cart_line(&first).await,
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
    store.add_cart_line(&first).await.expect("add");
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
        },
        csrf_token: String::new(),
    }
}

fn input(pairs: &[(&str, &str)]) -> FormInput {
    FormInput::from_pairs(pairs.iter().copied())
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
        Err(OrderError::Invalid(errors)) => errors.0.into_iter().map(|(field, _)| field).collect(),
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
            .add_to_cart(
                &erika,
                &input(&with(DMESSENGER, "offering", "gibt-es-nicht"))
            )
            .await,
        Err(OrderError::NotOrderable)
    ));
    assert_eq!(
        invalid_at(
            orders
                .add_to_cart(&erika, &input(&with(DMESSENGER, "plan", "gold")))
                .await
        ),
        ["plan"]
    );
    assert_eq!(
        invalid_at(
            orders
                .add_to_cart(&erika, &input(&with(DMESSENGER, "option_nutzer", "5")))
                .await
        ),
        ["option_nutzer"]
    );
    assert_eq!(
        invalid_at(
            orders
                .add_to_cart(
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
                .add_to_cart(&erika, &input(&with(DMESSENGER, "menge", "0")))
                .await
        ),
        ["menge"]
    );
    assert_eq!(
        invalid_at(
            orders
                .add_to_cart(
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
        .add_to_cart(&erika, &input(&forged))
        .await
        .expect("added");
    app.clock.advance(60);
    let setup = orders
        .add_to_cart(
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
            .change_cart_line(&max, &messenger.id, &input(&with(DMESSENGER, "menge", "1")))
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
                .change_cart_line(
                    &erika,
                    &messenger.id,
                    &input(&with(DMESSENGER, "menge", "viele"))
                )
                .await
        ),
        ["menge"]
    );
    let changed = orders
        .change_cart_line(
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
        .change_cart_line(
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
