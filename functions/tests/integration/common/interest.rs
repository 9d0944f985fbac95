//! "Interesse bekunden" over HTTP (the customer's form and list, the provider's list, the
//! mail, the refusals) and the store's invariants under concurrency, run against every
//! store through [`interest_tests!`].

use std::sync::Arc;

use functions::domain::model::{OrgKind, OutgoingMail};
use functions::domain::orders::interest::{Interest, PER_PERSON};
use functions::domain::orders::ports::PortalStore;
use functions::domain::ports::StoreError;

use super::console::party_member;
use super::orders::{PROVIDER_MAIL, member};
use super::*;

const MINE: &str = "/api/konto/interessen";
const INCOMING: &str = "/api/konto/eingegangene-interessen";
const FORM: &str = "/api/interesse/dmessenger";

fn provider(id: &str) -> OrgKind {
    OrgKind::Provider {
        provider_id: id.into(),
    }
}

/// Posts the form as the browser does (HTML, with the token the page carries).
async fn express(app: &TestApp, cookie: &str, offering: &str, message: &str) -> Reply {
    let page = app
        .get(
            &format!("/api/interesse/{offering}"),
            Opts::html().cookie(cookie),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = markup::attrs(&page.body, "main form input[name=csrf]", "value");
    let csrf = csrf.first().map(String::as_str).unwrap_or_default();
    app.post_form(
        &format!("/api/interesse/{offering}"),
        &[("csrf", csrf), ("nachricht", message)],
        Opts::html().cookie(cookie),
    )
    .await
}

/// The withdraw forms' actions on the customer's list.
async fn withdraw_actions(app: &TestApp, cookie: &str) -> Vec<String> {
    let page = app.get(MINE, Opts::html().cookie(cookie)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    markup::attrs(&page.body, "main form", "action")
}

async fn withdraw(app: &TestApp, cookie: &str, action: &str) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    app.post_form(action, &[("csrf", &csrf)], Opts::html().cookie(cookie))
        .await
}

fn interest_mails(app: &TestApp, to: &str) -> Vec<OutgoingMail> {
    app.mails
        .sent()
        .into_iter()
        .filter(|m| m.to == to && m.subject.starts_with("Interesse an"))
        .collect()
}

pub async fn customer_expresses_provider_sees_it_and_gets_the_mail(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let customer = member(&app, "Stadt Köln", "einkauf@koeln.de", true).await;
    let dataport = party_member(
        &app,
        provider("dataport"),
        "Dataport AöR",
        "konsole@dataport.example",
    )
    .await;
    let itzbund = party_member(
        &app,
        provider("itzbund"),
        "ITZBund",
        "konsole@itzbund.example",
    )
    .await;

    // The form: the offering, the optional message from the form's specification.
    let page = app.get(FORM, Opts::html().cookie(&customer)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        markup::texts(&page.body, "main h1"),
        ["Interesse an dMessenger bekunden"]
    );
    assert_eq!(
        markup::attrs(&page.body, "main textarea", "name"),
        [catalog::forms::interest::express::MESSAGE.name]
    );
    assert_eq!(
        markup::attrs(&page.body, "main textarea", "maxlength"),
        [catalog::forms::interest::express::MESSAGE_MAX.to_string()]
    );

    let sent = express(
        &app,
        &customer,
        "dmessenger",
        "Wir planen die Einführung\nim Frühjahr 2027.",
    )
    .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        sent.location.as_deref(),
        Some("/api/konto/interessen?hinweis=bekundet")
    );

    // The provider's mail, to the address that gets its orders, says who, how to reach
    // them, what, when and the message.
    let mails = interest_mails(&app, PROVIDER_MAIL);
    assert_eq!(mails.len(), 1, "{:#?}", app.mails.sent());
    let body = &mails[0].body;
    for part in [
        "Organisation: Stadt Köln",
        "Ansprechperson: Erika Mustermann",
        "E-Mail: einkauf@koeln.de",
        "Telefon: 030 1234567",
        "Angebot: dMessenger (dmessenger)",
        "Bekundet am: ",
        "Wir planen die Einführung\nim Frühjahr 2027.",
    ] {
        assert!(body.contains(part), "{part:?} missing in {body}");
    }
    assert!(interest_mails(&app, "bestellungen@itzbund.example").is_empty());

    // The provider opens the link of the mail as mailed and sees it in its console.
    let link = app.link_in_mail(PROVIDER_MAIL, "Interesse an dMessenger");
    assert_eq!(path_of(&link), INCOMING);
    let console = app
        .get(&path_of(&link), Opts::html().cookie(&dataport))
        .await;
    assert_eq!(console.status, 200, "{}", console.body);
    assert_eq!(
        markup::texts(&console.body, "main .interest h2"),
        ["Stadt Köln: dMessenger"]
    );
    let facts = markup::texts(&console.body, "main .interest dd");
    for fact in [
        "Stadt Köln",
        "Erika Mustermann",
        "einkauf@koeln.de",
        "030 1234567",
        "dMessenger",
        "Offen",
        "Wir planen die Einführung im Frühjahr 2027.",
    ] {
        assert!(
            facts.contains(&fact.to_owned()),
            "{fact:?} not in {facts:?}"
        );
    }
    assert_eq!(
        markup::attrs(&console.body, "main .interest a[href^=mailto]", "href"),
        ["mailto:einkauf@koeln.de"]
    );
    // Reachable from the console's navigation in "Ihr Konto".
    let account = app.get("/api/konto", Opts::html().cookie(&dataport)).await;
    assert!(markup::attrs(&account.body, "main a", "href").contains(&INCOMING.to_owned()));

    // Another provider does not see it; a customer does not get the provider's list.
    let other = app.get(INCOMING, Opts::json().cookie(&itzbund)).await;
    assert_eq!(other.status, 200, "{}", other.body);
    assert_eq!(other.json()["interessen"], serde_json::json!([]));
    let refused = app.get(INCOMING, Opts::html().cookie(&customer)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    // The customer's list, reachable from "Ihr Konto", with the withdraw button.
    let account = app.get("/api/konto", Opts::html().cookie(&customer)).await;
    assert!(markup::attrs(&account.body, "main a", "href").contains(&MINE.to_owned()));
    let mine = app
        .get(
            sent.location.as_deref().unwrap_or(MINE),
            Opts::html().cookie(&customer),
        )
        .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert!(
        markup::texts(&mine.body, "main .notice")
            .iter()
            .any(|t| t.contains("beim Anbieter angekommen"))
    );
    assert_eq!(
        markup::texts(&mine.body, "main .interest h2"),
        ["dMessenger"]
    );
    assert_eq!(
        markup::texts(&mine.body, "main .interest button"),
        ["Zurückziehen: Interesse an dMessenger"]
    );
}

pub async fn withdrawing_twice_is_harmless(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let customer = member(&app, "Kreis Lippe", "it@lippe.de", true).await;
    let dataport = party_member(
        &app,
        provider("dataport"),
        "Dataport AöR",
        "konsole@dataport.example",
    )
    .await;
    assert_eq!(express(&app, &customer, "dmessenger", "").await.status, 303);

    let actions = withdraw_actions(&app, &customer).await;
    assert_eq!(actions.len(), 1);
    let first = withdraw(&app, &customer, &actions[0]).await;
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(
        first.location.as_deref(),
        Some("/api/konto/interessen?hinweis=zurueckgezogen")
    );
    let again = withdraw(&app, &customer, &actions[0]).await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(
        again.location.as_deref(),
        Some("/api/konto/interessen?hinweis=bereits-zurueckgezogen")
    );
    let mine = app.get(MINE, Opts::html().cookie(&customer)).await;
    assert!(
        markup::texts(&mine.body, "main form").is_empty(),
        "no button once withdrawn"
    );
    assert!(
        markup::texts(&mine.body, "main .interest .status-card")[0].starts_with("Zurückgezogen am")
    );
    // The provider sees it as withdrawn.
    let console = app.get(INCOMING, Opts::html().cookie(&dataport)).await;
    assert!(
        markup::texts(&console.body, "main .interest .status-card")[0]
            .starts_with("Zurückgezogen am")
    );
    // Withdrawn, the organisation may express interest again: a new, open expression.
    app.clock.advance(60);
    assert_eq!(
        express(&app, &customer, "dmessenger", "Doch noch.")
            .await
            .status,
        303
    );
    let listed = app
        .get(INCOMING, Opts::json().cookie(&dataport))
        .await
        .json();
    let list = listed["interessen"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["nachricht"], "Doch noch.", "newest first");
    assert!(list[0]["zurueckgezogen_am"].is_null());
    assert!(list[1]["zurueckgezogen_am"].is_i64());
    assert_eq!(interest_mails(&app, PROVIDER_MAIL).len(), 2);
}

pub async fn not_signed_in_is_sent_to_sign_in_and_back(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let reply = app.get(FORM, Opts::html()).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(
        reply.location.as_deref(),
        Some("/anmelden/?weiter=/api/interesse/dmessenger")
    );
    // Scripts get 401; an unknown offering is 404 for everyone.
    assert_eq!(app.get(FORM, Opts::json()).await.status, 401);
    assert_eq!(
        app.get("/api/interesse/gibt-es-nicht", Opts::html())
            .await
            .status,
        404
    );
    // Posting without a session stores nothing and sends nothing.
    let posted = app
        .post_form(FORM, &[("nachricht", "Hallo")], Opts::html())
        .await;
    assert_eq!(posted.status, 401, "{}", posted.body);
    assert!(
        store
            .list_provider_interests("dataport")
            .await
            .expect("list")
            .is_empty()
    );
    assert!(interest_mails(&app, PROVIDER_MAIL).is_empty());
}

pub async fn refusals_change_nothing(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let customer = member(&app, "Gemeinde Au", "info@au.de", true).await;
    let dataport = party_member(
        &app,
        provider("dataport"),
        "Dataport AöR",
        "konsole@dataport.example",
    )
    .await;
    let intermediary = party_member(
        &app,
        OrgKind::Intermediary,
        "govdigital eG",
        "konsole@govdigital.example",
    )
    .await;

    // Provider and intermediary staff cannot express interest.
    for cookie in [&dataport, &intermediary] {
        assert_eq!(app.get(FORM, Opts::html().cookie(cookie)).await.status, 403);
        let csrf = app.csrf_token(cookie).await;
        let posted = app
            .post_form(
                FORM,
                &[("csrf", &csrf), ("nachricht", "x")],
                Opts::html().cookie(cookie),
            )
            .await;
        assert_eq!(posted.status, 403, "{}", posted.body);
        assert_eq!(app.get(MINE, Opts::html().cookie(cookie)).await.status, 403);
    }
    // The intermediary has no list of expressions of interest.
    assert_eq!(
        app.get(INCOMING, Opts::html().cookie(&intermediary))
            .await
            .status,
        403
    );

    // A message over the limit: the form again with the error summary leading to it.
    let long = "x".repeat(catalog::forms::interest::express::MESSAGE_MAX + 1);
    let too_long = express(&app, &customer, "dmessenger", &long).await;
    assert_eq!(too_long.status, 422, "{}", too_long.body);
    assert_eq!(
        markup::attrs(&too_long.body, ".error-summary a", "href"),
        ["#interesse-nachricht"]
    );
    assert_eq!(
        markup::texts(&too_long.body, "main textarea")[0].len(),
        long.len(),
        "kept as typed"
    );
    // No token, or a foreign origin: refused.
    let no_token = app
        .post_form(FORM, &[("nachricht", "x")], Opts::html().cookie(&customer))
        .await;
    assert_eq!(no_token.status, 403, "{}", no_token.body);
    let csrf = app.csrf_token(&customer).await;
    let foreign = app
        .post_form(
            FORM,
            &[("csrf", &csrf), ("nachricht", "x")],
            Opts::html()
                .cookie(&customer)
                .origin("https://evil.example"),
        )
        .await;
    assert_eq!(foreign.status, 403, "{}", foreign.body);
    // An offering that is not in the catalog.
    let unknown = app
        .post_form(
            "/api/interesse/gibt-es-nicht",
            &[("csrf", &csrf), ("nachricht", "x")],
            Opts::html().cookie(&customer),
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert!(
        store
            .list_provider_interests("dataport")
            .await
            .expect("list")
            .is_empty()
    );
    assert!(interest_mails(&app, PROVIDER_MAIL).is_empty());

    // The second expression of the organisation for the same offering: 409, it says so,
    // nothing new is stored or mailed.
    assert_eq!(
        express(&app, &customer, "dmessenger", "Erste").await.status,
        303
    );
    let colleague_page = app.get(FORM, Opts::html().cookie(&customer)).await;
    assert!(
        markup::texts(&colleague_page.body, "main form").is_empty(),
        "no second form"
    );
    assert!(markup::texts(&colleague_page.body, "main .notice")[0].contains("bereits Interesse"));
    let second = app
        .post_form(
            FORM,
            &[("csrf", &csrf), ("nachricht", "Zweite")],
            Opts::html().cookie(&customer),
        )
        .await;
    assert_eq!(second.status, 409, "{}", second.body);
    assert!(markup::texts(&second.body, "main .notice")[0].contains("bereits Interesse"));
    assert_eq!(
        store
            .list_provider_interests("dataport")
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(interest_mails(&app, PROVIDER_MAIL).len(), 1);

    // Another organisation can neither see nor withdraw it.
    let other = member(&app, "Stadt Bonn", "it@bonn.de", true).await;
    let actions = withdraw_actions(&app, &customer).await;
    assert_eq!(
        app.get(MINE, Opts::json().cookie(&other)).await.json()["interessen"],
        serde_json::json!([])
    );
    let foreign_withdraw = withdraw(&app, &other, &actions[0]).await;
    assert_eq!(foreign_withdraw.status, 404, "{}", foreign_withdraw.body);
    let list = store
        .list_provider_interests("dataport")
        .await
        .expect("list");
    assert!(list[0].is_open(), "unchanged");
}

pub async fn expressions_are_rate_limited(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let customer = member(&app, "Stadt Eifrig", "eifrig@stadt.de", true).await;
    let csrf = app.csrf_token(&customer).await;
    let offerings: Vec<String> = sample_order_catalog()
        .offerings
        .iter()
        .map(|o| o.id.clone())
        .collect();
    let allowed = usize::try_from(PER_PERSON.max).expect("small");
    assert!(
        offerings.len() > allowed,
        "enough offerings to reach the limit"
    );
    for id in offerings.iter().take(allowed) {
        let reply = app
            .post_form(
                &format!("/api/interesse/{id}"),
                &[("csrf", &csrf)],
                Opts::json().cookie(&customer),
            )
            .await;
        assert_eq!(reply.status, 200, "{id}: {}", reply.body);
    }
    let limited = app
        .post_form(
            &format!("/api/interesse/{}", offerings[allowed]),
            &[("csrf", &csrf)],
            Opts::html().cookie(&customer),
        )
        .await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.headers.get("retry-after").is_some());
    let mine = app.get(MINE, Opts::json().cookie(&customer)).await.json();
    assert_eq!(mine["interessen"].as_array().map(Vec::len), Some(allowed));
}

/// Many submissions of the same form at once: one expression, one mail; the others are
/// told it exists.
pub async fn double_submit_stores_one(store: Arc<dyn PortalStore>) {
    let app = Arc::new(spawn(store.clone()).await);
    let customer = member(&app, "Stadt Doppelt", "doppelt@stadt.de", true).await;
    let csrf = app.csrf_token(&customer).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (app, customer, csrf) = (app.clone(), customer.clone(), csrf.clone());
        tasks.push(tokio::spawn(async move {
            app.post_form(
                FORM,
                &[("csrf", &csrf), ("nachricht", "Hallo")],
                Opts::json().cookie(&customer),
            )
            .await
            .status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    statuses.sort_unstable();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 409)),
        "{statuses:?}"
    );
    assert_eq!(
        store
            .list_provider_interests("dataport")
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(interest_mails(&app, PROVIDER_MAIL).len(), 1);
}

// ---- the store ----------------------------------------------------------------------------

fn record(id: &str, org: &str, offering: &str, provider: &str, at: i64) -> Interest {
    Interest {
        id: id.into(),
        org_id: org.into(),
        org_name: format!("Organisation {org}"),
        user_id: format!("user-{org}"),
        user_name: "Erika Mustermann".into(),
        user_email: "erika@example.org".into(),
        user_phone: String::new(),
        offering_id: offering.into(),
        offering_name: offering.into(),
        provider_id: provider.into(),
        message: String::new(),
        created_at: at,
        withdrawn_at: None,
    }
}

fn mail_for(id: &str) -> OutgoingMail {
    OutgoingMail {
        id: format!("mail-{id}"),
        to: "bestellungen@dataport.example".into(),
        subject: format!("Interesse {id}"),
        body: String::new(),
        created_at: START,
        ..OutgoingMail::default()
    }
}

async fn queued(store: &Arc<dyn PortalStore>) -> Vec<String> {
    let mut subjects: Vec<String> = store
        .claim_mails(START + 10, START + 20, 100)
        .await
        .expect("claim")
        .into_iter()
        .map(|m| m.subject)
        .collect();
    subjects.sort();
    subjects
}

pub async fn store_conformance(store: Arc<dyn PortalStore>) {
    let a = record("a", "org-1", "dmessenger", "dataport", START);
    let b = record("b", "org-1", "terminfinder", "dataport", START + 5);
    let c = record("c", "org-2", "dmessenger", "dataport", START + 3);
    let d = record("d", "org-1", "virtuelle-maschinen", "itzbund", START + 4);
    for i in [&a, &b, &c, &d] {
        store
            .create_interest(i, &mail_for(&i.id))
            .await
            .expect("create");
    }
    assert_eq!(store.get_interest("a").await.expect("get"), Some(a.clone()));
    assert_eq!(store.get_interest("zz").await.expect("get"), None);
    let ids = |list: Vec<Interest>| list.into_iter().map(|i| i.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_org_interests("org-1").await.expect("org")),
        ["b", "d", "a"]
    );
    assert_eq!(
        ids(store.list_org_interests("org-3").await.expect("org")),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(store
            .list_provider_interests("dataport")
            .await
            .expect("provider")),
        ["b", "c", "a"]
    );
    assert_eq!(
        ids(store
            .list_provider_interests("itzbund")
            .await
            .expect("provider")),
        ["d"]
    );
    assert_eq!(
        store
            .open_interest("org-1", "dmessenger")
            .await
            .expect("open"),
        Some(a.clone())
    );
    assert_eq!(
        store
            .open_interest("org-3", "dmessenger")
            .await
            .expect("open"),
        None
    );
    // The mails were queued with them.
    assert_eq!(
        queued(&store).await,
        ["Interesse a", "Interesse b", "Interesse c", "Interesse d"]
    );

    // A second open one of the organisation for the offering: refused, nothing written.
    let twin = record("a2", "org-1", "dmessenger", "dataport", START + 9);
    assert!(matches!(
        store.create_interest(&twin, &mail_for("a2")).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.get_interest("a2").await.expect("get"), None);
    assert!(
        queued(&store).await.is_empty(),
        "no mail for the refused one"
    );
    assert_eq!(
        store
            .list_provider_interests("dataport")
            .await
            .expect("provider")
            .len(),
        3
    );

    // Withdrawing: once; a second time is a conflict; an unknown one is not found.
    store
        .withdraw_interest(&a, START + 20)
        .await
        .expect("withdraw");
    let withdrawn = store.get_interest("a").await.expect("get").expect("kept");
    assert_eq!(withdrawn.withdrawn_at, Some(START + 20));
    assert!(matches!(
        store.withdraw_interest(&a, START + 21).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store
            .get_interest("a")
            .await
            .expect("get")
            .and_then(|i| i.withdrawn_at),
        Some(START + 20),
        "the first withdrawal's time stays"
    );
    assert!(matches!(
        store
            .withdraw_interest(&record("zz", "org-1", "x", "dataport", START), START)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .open_interest("org-1", "dmessenger")
            .await
            .expect("open"),
        None
    );
    // Withdrawn, the organisation may express interest again.
    store
        .create_interest(&twin, &mail_for("a2"))
        .await
        .expect("again");
    assert_eq!(
        store
            .open_interest("org-1", "dmessenger")
            .await
            .expect("open")
            .map(|i| i.id),
        Some("a2".into())
    );
    let listed = store.list_org_interests("org-1").await.expect("org");
    assert_eq!(ids(listed.clone()), ["a2", "b", "d", "a"]);
    assert_eq!(
        listed[3].withdrawn_at,
        Some(START + 20),
        "lists show the withdrawal"
    );
}

pub async fn one_open_expression_under_concurrency(store: Arc<dyn PortalStore>) {
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let id = format!("race-{n}");
            store
                .create_interest(
                    &record(&id, "org-race", "dmessenger", "dataport", START),
                    &mail_for(&id),
                )
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(()) => won += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(won, 1, "exactly one open expression");
    assert_eq!(
        store
            .list_org_interests("org-race")
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(queued(&store).await.len(), 1, "exactly one mail");
}

pub async fn concurrent_withdrawals_one_wins(store: Arc<dyn PortalStore>) {
    let interest = record("w", "org-w", "dmessenger", "dataport", START);
    store
        .create_interest(&interest, &mail_for("w"))
        .await
        .expect("create");
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (store, interest) = (store.clone(), interest.clone());
        tasks.push(tokio::spawn(async move {
            store.withdraw_interest(&interest, START + 100 + n).await
        }));
    }
    let mut won = Vec::new();
    for (n, task) in tasks.into_iter().enumerate() {
        match task.await.expect("task") {
            Ok(()) => won.push(START + 100 + i64::try_from(n).expect("small")),
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one withdrawal");
    let stored = store.get_interest("w").await.expect("get").expect("kept");
    assert_eq!(stored.withdrawn_at, Some(won[0]));
    // The organisation can express interest again afterwards.
    store
        .create_interest(
            &record("w2", "org-w", "dmessenger", "dataport", START + 200),
            &mail_for("w2"),
        )
        .await
        .expect("again");
}

/// The tests of this file, one `#[test]` per check, for a store made by `$make`.
#[macro_export]
macro_rules! interest_tests {
    ($make:expr) => {
        mod interest {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn interest_store_conformance() {
                common::interest::store_conformance($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn interest_one_open_expression_under_concurrency() {
                common::interest::one_open_expression_under_concurrency($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn interest_concurrent_withdrawals_one_wins() {
                common::interest::concurrent_withdrawals_one_wins($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn interest_customer_expresses_provider_sees_it_and_gets_the_mail() {
                common::interest::customer_expresses_provider_sees_it_and_gets_the_mail(
                    $make.await,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn interest_withdrawing_twice_is_harmless() {
                common::interest::withdrawing_twice_is_harmless($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn interest_not_signed_in_is_sent_to_sign_in_and_back() {
                common::interest::not_signed_in_is_sent_to_sign_in_and_back($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn interest_refusals_change_nothing() {
                common::interest::refusals_change_nothing($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn interest_expressions_are_rate_limited() {
                common::interest::expressions_are_rate_limited($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn interest_double_submit_stores_one() {
                common::interest::double_submit_stores_one($make.await).await;
            }
        }
    };
}
