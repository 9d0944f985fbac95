//! The conformance suite and the HTTP flows against DynamoDB Local.
//!
//! `scripts/test` starts DynamoDB Local and sets `CSP_TEST_DYNAMODB_ENDPOINT`; without it
//! these tests fail (they never skip), so a missing server cannot pass unnoticed.
//! By hand: `eval "$(scripts/dynamodb-local.sh)"; cargo test -p functions --test integration dynamodb::`.
use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use functions::domain::orders::ports::PortalStore;
use functions::store::{DynamoConfig, DynamoStore};

/// A fresh table per test, so tests run in parallel without seeing each other's records.
/// A client of DynamoDB Local without the store, to write items as an older release did.
fn raw_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-central-1"))
            .credentials_provider(Credentials::new("local", "local", None, None, "test"))
            .endpoint_url(endpoint)
            .build(),
    )
}

async fn dynamodb() -> Arc<dyn PortalStore> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let endpoint = std::env::var("CSP_TEST_DYNAMODB_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "CSP_TEST_DYNAMODB_ENDPOINT is not set: run the tests through scripts/test, or start DynamoDB Local with \
             `eval \"$(scripts/dynamodb-local.sh)\"` first"
        )
    });
    let table = format!(
        "csp-test-{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        functions::domain::tokens::new_id()
    );
    let store = DynamoStore::new(&DynamoConfig::local(&endpoint, &table));
    store
        .create_table()
        .await
        .unwrap_or_else(|e| panic!("cannot create table {table} at {endpoint}: {e}"));
    Arc::new(store)
}

crate::store_tests!(dynamodb());
crate::interest_tests!(dynamodb());

/// Orders stored before the intermediary's console and the operator's figures (no
/// `UVORDER` marker, no month entry on the idempotency marker) are found by neither; the
/// backfill writes both once, and a second run writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_adds_the_markers_of_older_orders_once() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use functions::domain::orders::ApiParty;
    use functions::domain::orders::console::OrderFilter;
    use functions::domain::orders::ports::{ConsoleStore, FiguresStore, OrderStore};
    use functions::domain::ports::Store;
    use functions::domain::tokens::sha256_hex;

    let endpoint = std::env::var("CSP_TEST_DYNAMODB_ENDPOINT").expect("DynamoDB Local");
    let table = format!("csp-test-backfill-{}", functions::domain::tokens::new_id());
    let store = DynamoStore::new(&DynamoConfig::local(&endpoint, &table));
    store.create_table().await.expect("table");
    let store = Arc::new(store);
    let app = common::spawn(store.clone()).await;
    let customer = common::orders::member(&app, "Stadt Alt", "einkauf@alt.de", true).await;
    common::orders::place(
        &app,
        &customer,
        &common::orders::dmessenger_order("a-1", "umklappvertrag"),
    )
    .await;
    common::orders::place(
        &app,
        &customer,
        &common::orders::dmessenger_order("a-2", "direktvertrag"),
    )
    .await;
    let now = app.state.orders.now();
    let since = now - 86_400;
    let intermediary_rows = |store: Arc<DynamoStore>| async move {
        store
            .list_inbox(&ApiParty::Intermediary, &OrderFilter::default())
            .await
            .expect("inbox")
            .total
    };
    assert_eq!(intermediary_rows(store.clone()).await, 1);
    assert_eq!(
        store
            .order_times_since(since, now)
            .await
            .expect("times")
            .len(),
        2
    );

    // Make them look like orders of the release before: markers and month entries gone.
    let client = raw_client(&endpoint);
    let user = store
        .find_user_by_email("einkauf@alt.de")
        .await
        .expect("read")
        .expect("user");
    for order in store.list_org_orders(&user.org_id).await.expect("orders") {
        client
            .delete_item()
            .table_name(&table)
            .key("PK", AttributeValue::S(format!("UVORDER#{}", order.id)))
            .key("SK", AttributeValue::S("UVORDER".into()))
            .send()
            .await
            .expect("delete marker");
        client
            .update_item()
            .table_name(&table)
            .key(
                "PK",
                AttributeValue::S(format!(
                    "ORDERKEY#{}#{}",
                    order.org_id,
                    sha256_hex(&order.idempotency_key)
                )),
            )
            .key("SK", AttributeValue::S("ORDERKEY".into()))
            .update_expression("REMOVE GSI2PK, GSI2SK")
            .send()
            .await
            .expect("remove month entry");
    }
    assert_eq!(intermediary_rows(store.clone()).await, 0);
    assert!(
        store
            .order_times_since(since, now)
            .await
            .expect("times")
            .is_empty()
    );

    let done = store.backfill_order_markers().await.expect("backfill");
    assert_eq!(
        (done.orders, done.intermediary_markers, done.month_entries),
        (2, 1, 2)
    );
    assert_eq!(intermediary_rows(store.clone()).await, 1);
    assert_eq!(
        store
            .order_times_since(since, now)
            .await
            .expect("times")
            .len(),
        2
    );
    let again = store.backfill_order_markers().await.expect("backfill");
    assert_eq!(
        (
            again.orders,
            again.intermediary_markers,
            again.month_entries
        ),
        (2, 0, 0)
    );
}

/// Provider organisations created before the operator's "Anbieterorganisationen" have a
/// party marker without the GSI1 entry that page reads, so they are missing from it; the
/// backfill adds the entry once (a second run writes nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_lists_provider_orgs_of_older_party_markers() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use common::{Opts, markup};
    use functions::domain::model::OrgKind;
    use functions::domain::ports::Store;

    let endpoint = std::env::var("CSP_TEST_DYNAMODB_ENDPOINT").expect("DynamoDB Local");
    let table = format!(
        "csp-test-backfill-party-{}",
        functions::domain::tokens::new_id()
    );
    let store = DynamoStore::new(&DynamoConfig::local(&endpoint, &table));
    store.create_table().await.expect("table");
    let store = Arc::new(store);
    let app = common::spawn(store.clone()).await;
    let operator =
        common::operator_console::signed_in_operator(&app, "nachtrag@betrieb.example").await;
    for (kind, name, email) in [
        (
            OrgKind::Provider {
                provider_id: "dataport".into(),
            },
            "Dataport AöR",
            "dana@dataport-nachtrag.example",
        ),
        (
            OrgKind::Intermediary,
            "Intermediär eG",
            "ida@intermediaer-nachtrag.example",
        ),
    ] {
        app.state
            .orders
            .create_party_org(kind, name, "Erste Admin", email)
            .await
            .expect("created");
    }
    let org_of = |email: &'static str| {
        let store = store.clone();
        async move {
            store
                .find_user_by_email(email)
                .await
                .expect("read")
                .expect("user")
                .org_id
        }
    };
    let dataport = org_of("dana@dataport-nachtrag.example").await;
    let intermediary = org_of("ida@intermediaer-nachtrag.example").await;
    let listed = || async {
        let page = app
            .get("/api/betrieb/anbieter", Opts::html().cookie(&operator))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        markup::texts(&page.body, "main tbody th")
    };
    assert_eq!(listed().await, ["Dataport AöR", "Intermediär eG"]);

    // Write both party markers as the release before did: no GSI1 entry.
    let client = raw_client(&endpoint);
    for (party, org_id) in [
        ("provider:dataport", dataport.as_str()),
        ("intermediary", intermediary.as_str()),
    ] {
        client
            .put_item()
            .table_name(&table)
            .item("PK", AttributeValue::S(format!("PARTYORG#{party}")))
            .item("SK", AttributeValue::S("PARTYORG".into()))
            .item("org_id", AttributeValue::S(org_id.to_owned()))
            .send()
            .await
            .expect("old marker");
    }
    assert!(listed().await.is_empty(), "older markers are not listed");

    let done = store.backfill_order_markers().await.expect("backfill");
    assert_eq!((done.parties, done.party_entries), (3, 2), "{done:?}");
    assert!(done.wrote_anything());
    assert_eq!(listed().await, ["Dataport AöR", "Intermediär eG"]);
    let again = store.backfill_order_markers().await.expect("backfill");
    assert_eq!((again.parties, again.party_entries), (3, 0), "{again:?}");
    assert!(!again.wrote_anything());
    assert_eq!(listed().await, ["Dataport AöR", "Intermediär eG"]);
}

/// Orders stored before the number's tie-break carry `<created>#<id>` sort keys: mixed with
/// new ones in one second, the lists (and the console's pages) still come in number order;
/// the backfill rewrites the old keys once, after which the index itself is in that order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_sort_keys_mix_with_new_ones_and_the_backfill_rewrites_them() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use functions::domain::orders::ApiParty;
    use functions::domain::orders::console::OrderFilter;
    use functions::domain::orders::ports::{ConsoleStore, OrderStore};
    use functions::domain::ports::Store;

    let endpoint = std::env::var("CSP_TEST_DYNAMODB_ENDPOINT").expect("DynamoDB Local");
    let table = format!("csp-test-sortkeys-{}", functions::domain::tokens::new_id());
    let store = DynamoStore::new(&DynamoConfig::local(&endpoint, &table));
    store.create_table().await.expect("table");
    let store = Arc::new(store);
    let (_app, _customer, expected) = common::order_lists::same_second_orders(store.clone()).await;
    let client = raw_client(&endpoint);
    let user = store
        .find_user_by_email("einkauf@gleichzeit.de")
        .await
        .expect("read")
        .expect("user");
    let orders = store.list_org_orders(&user.org_id).await.expect("orders");
    // Every other order (and its intermediary's marker) as the release before wrote it.
    for order in orders.iter().step_by(2) {
        let old = AttributeValue::S(format!("{:020}#{}", order.created_at, order.id));
        client
            .update_item()
            .table_name(&table)
            .key("PK", AttributeValue::S(format!("ORDER#{}", order.id)))
            .key("SK", AttributeValue::S("ORDER".into()))
            .update_expression("SET GSI1SK = :old, GSI2SK = :old")
            .expression_attribute_values(":old", old.clone())
            .send()
            .await
            .expect("old order keys");
        client
            .update_item()
            .table_name(&table)
            .key("PK", AttributeValue::S(format!("UVORDER#{}", order.id)))
            .key("SK", AttributeValue::S("UVORDER".into()))
            .update_expression("SET GSI2SK = :old")
            .expression_attribute_values(":old", old)
            .send()
            .await
            .expect("old marker key");
    }
    let numbers = |orders: Vec<functions::domain::orders::Order>| {
        orders.into_iter().map(|o| o.number).collect::<Vec<_>>()
    };
    let pages = |party: ApiParty| {
        let store = store.clone();
        async move {
            let mut all = Vec::new();
            for offset in [0, 25] {
                let page = store
                    .list_inbox(
                        &party,
                        &OrderFilter {
                            offset,
                            limit: 25,
                            ..OrderFilter::default()
                        },
                    )
                    .await
                    .expect("page");
                all.extend(page.rows.into_iter().map(|r| r.number));
            }
            all
        }
    };
    let dataport = ApiParty::Provider("dataport".into());
    assert_eq!(
        numbers(store.list_org_orders(&user.org_id).await.expect("orders")),
        expected
    );
    assert_eq!(
        numbers(
            store
                .list_provider_orders("dataport")
                .await
                .expect("orders")
        ),
        expected
    );
    assert_eq!(
        pages(dataport.clone()).await,
        expected,
        "no skip, no repeat"
    );
    assert_eq!(pages(ApiParty::Intermediary).await, expected);

    let done = store.backfill_order_markers().await.expect("backfill");
    assert_eq!((done.orders, done.sort_keys), (31, 16));
    let again = store.backfill_order_markers().await.expect("backfill");
    assert_eq!(again.sort_keys, 0, "once");
    // The index itself is in number order now.
    let out = client
        .query()
        .table_name(&table)
        .index_name("GSI2")
        .key_condition_expression("GSI2PK = :pk")
        .expression_attribute_values(":pk", AttributeValue::S("PROVIDERORDERS#dataport".into()))
        .scan_index_forward(false)
        .send()
        .await
        .expect("query");
    let in_index: Vec<String> = out
        .items
        .unwrap_or_default()
        .iter()
        .map(|item| {
            let doc = item.get("doc").and_then(|d| d.as_s().ok()).expect("doc");
            serde_json::from_str::<functions::domain::orders::Order>(doc)
                .expect("order")
                .number
        })
        .collect();
    assert_eq!(in_index, expected);
    assert_eq!(pages(dataport).await, expected);
}
