//! "Eingegangene Bestellungen": provider and intermediary organisations, their console over
//! HTTP, the decision in the browser beside the mailed links, the refusals, and the
//! store's inbox queries, run against every store.

use std::sync::Arc;

use functions::domain::model::OrgKind;
use functions::domain::orders::console::{OrderFilter, PartyOrgError};
use functions::domain::orders::ports::PortalStore;
use functions::domain::orders::{ApiParty, Order, OrderStatus};

use super::flows::set_password_and_sign_in;
use super::orders::{PROVIDER_MAIL, customer_view, decision_link, dmessenger_order, member, place};
use super::*;

const CONSOLE: &str = "/api/konto/eingegangene-bestellungen";

/// Creates the organisation of `kind` as the operator's command does; its Hauptadmin
/// accepts the mailed invitation and signs in. Returns the session cookie.
pub async fn party_member(app: &TestApp, kind: OrgKind, org: &str, email: &str) -> String {
    app.state
        .orders
        .create_party_org(kind, org, "Paula Anbieter", email)
        .await
        .expect("created");
    app.state.outbox.mail_queued().await;
    let link = app.link_in_mail(email, "Einladung");
    set_password_and_sign_in(app, &link, email).await
}

fn dataport() -> OrgKind {
    OrgKind::Provider {
        provider_id: "dataport".into(),
    }
}

/// The console's list as JSON.
async fn inbox(app: &TestApp, cookie: &str, query: &str) -> serde_json::Value {
    let reply = app
        .get(&format!("{CONSOLE}{query}"), Opts::json().cookie(cookie))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// Posts a decision from the console's order page, as the browser does (HTML form).
async fn decide(app: &TestApp, cookie: &str, id: &str, fields: &[(&str, &str)]) -> Reply {
    let csrf = app.csrf_token(cookie).await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(
        &format!("{CONSOLE}/{id}"),
        &all,
        Opts::html().cookie(cookie),
    )
    .await
}

pub async fn provider_decides_in_the_console(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let provider = party_member(&app, dataport(), "Dataport AöR", "konsole@dataport.example").await;

    // Empty at first, and it says so.
    let empty = app.get(CONSOLE, Opts::html().cookie(&provider)).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(
        markup::texts(&empty.body, "main h1"),
        ["Eingegangene Bestellungen"]
    );
    assert!(markup::texts(&empty.body, "main table").is_empty());
    let account = app.get("/api/konto", Opts::html().cookie(&provider)).await;
    assert!(
        markup::attrs(&account.body, "main a", "href").contains(&CONSOLE.to_owned()),
        "Ihr Konto links to the console"
    );

    let customer = member(&app, "Stadt Köln", "einkauf@koeln.de", true).await;
    let first = place(&app, &customer, &dmessenger_order("k-1", "direktvertrag")).await;
    app.clock.advance(60);
    let second = place(&app, &customer, &dmessenger_order("k-2", "direktvertrag")).await;
    let first_number = customer_view(&app, &customer, &first).await["nummer"]
        .as_str()
        .expect("number")
        .to_owned();

    // The list: newest first, the status in words on a card, the days left.
    let page = app.get(CONSOLE, Opts::html().cookie(&provider)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let numbers = markup::texts(&page.body, "main table tbody th");
    assert_eq!(numbers.len(), 2);
    assert_eq!(numbers[1], first_number, "newest first");
    assert_eq!(
        markup::texts(&page.body, "main table tbody .status-card"),
        ["Offen", "Offen"]
    );
    assert!(markup::texts(&page.body, "main table tbody td").contains(&"30 Tage".to_owned()));
    assert!(markup::texts(&page.body, "main table tbody td").contains(&"Stadt Köln".to_owned()));

    // Search by customer (case and umlauts folded) and by number; a filter by status.
    assert_eq!(inbox(&app, &provider, "?q=K%C3%96LN").await["gesamt"], 2);
    let found = inbox(&app, &provider, &format!("?q={first_number}")).await;
    assert_eq!(found["gesamt"], 1);
    assert_eq!(found["bestellungen"][0]["id"], first.as_str());
    assert_eq!(
        inbox(&app, &provider, "?status=bestellt").await["gesamt"],
        0
    );
    // A period that ends before the orders.
    assert_eq!(inbox(&app, &provider, "?bis=2020-01-01").await["gesamt"], 0);
    // A wrong date: the page again with an error summary, nothing listed.
    let wrong = app
        .get(
            &format!("{CONSOLE}?von=gestern"),
            Opts::html().cookie(&provider),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(
        markup::attrs(&wrong.body, ".error-summary a", "href"),
        ["#filter-von"]
    );

    // CSV of the filtered list: BOM, semicolons, one row per order.
    let csv = app
        .get_bytes(
            &format!("{CONSOLE}.csv?q={first_number}"),
            Opts::html().cookie(&provider),
        )
        .await;
    assert_eq!(csv.0, 200);
    assert!(
        csv.1
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/csv"))
    );
    let text = String::from_utf8(csv.2.clone()).expect("utf-8");
    assert!(text.starts_with('\u{feff}'), "BOM for German Excel");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("Bestellnummer;Bestellt am;Kunde"));
    assert!(
        lines[1].starts_with(&format!("{first_number};")),
        "{}",
        lines[1]
    );

    // The order page: folder, history, the decision forms.
    let order_page = app
        .get(
            &format!("{CONSOLE}/{first}"),
            Opts::html().cookie(&provider),
        )
        .await;
    assert_eq!(order_page.status, 200, "{}", order_page.body);
    assert!(markup::texts(&order_page.body, "main h2").contains(&"Vertragsmappe".to_owned()));
    assert!(
        markup::texts(&order_page.body, "main button")
            .contains(&"Bestellung verbindlich bestätigen".to_owned())
    );

    // Reject without a reason: refused with the error summary, nothing changes.
    let empty_reason = decide(
        &app,
        &provider,
        &second,
        &[("aktion", "ablehnen"), ("begruendung", "  ")],
    )
    .await;
    assert_eq!(empty_reason.status, 422, "{}", empty_reason.body);
    assert_eq!(
        markup::attrs(&empty_reason.body, ".error-summary a", "href"),
        ["#begruendung"]
    );
    assert_eq!(
        customer_view(&app, &customer, &second).await["status"],
        "offen"
    );

    // Confirm in the browser: the customer sees Bestellt and gets the mail.
    let mails_before = app.mails_to("einkauf@koeln.de");
    let confirmed = decide(&app, &provider, &first, &[("aktion", "bestaetigen")]).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let after = app
        .get(
            confirmed.location.as_deref().expect("back to the order"),
            Opts::html().cookie(&provider),
        )
        .await;
    assert!(
        markup::texts(&after.body, "main .notice")
            .iter()
            .any(|t| t.contains("Bestellt"))
    );
    assert_eq!(
        customer_view(&app, &customer, &first).await["status"],
        "bestellt"
    );
    assert_eq!(
        app.mails_to("einkauf@koeln.de"),
        mails_before + 1,
        "the status mail"
    );

    // The mailed link afterwards: what happened, not an error page; nothing changes.
    let link = decision_link(&app, PROVIDER_MAIL);
    // The newest order mail is the second order's; the first order's link is the older one.
    let first_link = app
        .mails
        .sent()
        .into_iter()
        .filter(|m| m.to == PROVIDER_MAIL && m.subject.contains(&first_number))
        .find_map(|m| {
            m.body
                .lines()
                .map(str::trim)
                .find(|l| l.contains("/api/entscheidung?token="))
                .map(|l| path_of(l).split('&').next().expect("path").to_owned())
        })
        .expect("the first order's link");
    assert_ne!(link, first_link);
    let opened = app.get(&first_link, Opts::html()).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(
        markup::texts(&opened.body, "main h1"),
        ["Bestellung bereits entschieden"]
    );
    assert!(markup::texts(&opened.body, "main strong").contains(&"Bestellt".to_owned()));
    let token = token_of(&format!("{}{first_link}", app.base));
    let late = app
        .post_form(
            "/api/entscheidung",
            &[
                ("token", &token),
                ("aktion", "ablehnen"),
                ("begruendung", "zu spät"),
            ],
            Opts::html(),
        )
        .await;
    assert_eq!(late.status, 409, "{}", late.body);
    assert_eq!(
        markup::texts(&late.body, "main h1"),
        ["Bestellung bereits entschieden"]
    );
    assert_eq!(
        customer_view(&app, &customer, &first).await["status"],
        "bestellt"
    );

    // The second order rejected in the console with a reason.
    let rejected = decide(
        &app,
        &provider,
        &second,
        &[
            ("aktion", "ablehnen"),
            ("begruendung", "Kapazität erschöpft"),
        ],
    )
    .await;
    assert_eq!(rejected.status, 303, "{}", rejected.body);
    let view = customer_view(&app, &customer, &second).await;
    assert_eq!(view["status"], "abgelehnt_anbieter_dv");
    assert_eq!(view["verlauf"][1]["begruendung"], "Kapazität erschöpft");
    // Deciding again in the console: says what happened (409), changes nothing.
    let again = decide(&app, &provider, &second, &[("aktion", "bestaetigen")]).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(
        markup::texts(&again.body, "main .notice")
            .iter()
            .any(|t| t.contains("schon entschieden") && t.contains("Abgelehnt durch Anbieter (DV)")),
        "{}",
        again.body
    );
    assert_eq!(
        customer_view(&app, &customer, &second).await["status"],
        "abgelehnt_anbieter_dv"
    );
    assert_eq!(
        inbox(&app, &provider, "?status=bestellt").await["gesamt"],
        1
    );
}

pub async fn console_refusals_change_nothing(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let dataport = party_member(&app, dataport(), "Dataport AöR", "konsole@dataport.example").await;
    let ekom = party_member(
        &app,
        OrgKind::Provider {
            provider_id: "ekom21".into(),
        },
        "ekom21",
        "konsole@ekom21.example",
    )
    .await;
    let intermediary = party_member(
        &app,
        OrgKind::Intermediary,
        "govdigital eG",
        "konsole@govdigital.example",
    )
    .await;
    let customer = member(&app, "Stadt Bonn", "einkauf@bonn.de", true).await;
    let direct = place(&app, &customer, &dmessenger_order("r-1", "direktvertrag")).await;
    let through = place(&app, &customer, &dmessenger_order("r-2", "umklappvertrag")).await;

    // Another provider's order by URL: 403, and deciding it changes nothing.
    let seen = app
        .get(&format!("{CONSOLE}/{direct}"), Opts::html().cookie(&ekom))
        .await;
    assert_eq!(seen.status, 403, "{}", seen.body);
    let decided = decide(&app, &ekom, &direct, &[("aktion", "bestaetigen")]).await;
    assert_eq!(decided.status, 403, "{}", decided.body);
    assert_eq!(
        customer_view(&app, &customer, &direct).await["status"],
        "offen"
    );
    assert_eq!(
        inbox(&app, &ekom, "").await["gesamt"],
        0,
        "ekom21's list is empty"
    );

    // The intermediary sees only the Umklappvertrag; the Direktvertrag is 403.
    let listed = inbox(&app, &intermediary, "").await;
    assert_eq!(listed["gesamt"], 1);
    assert_eq!(listed["bestellungen"][0]["id"], through.as_str());
    let direct_for_intermediary = app
        .get(
            &format!("{CONSOLE}/{direct}"),
            Opts::html().cookie(&intermediary),
        )
        .await;
    assert_eq!(direct_for_intermediary.status, 403);
    // The provider sees both, and in the Umklappvertrag it is not its turn yet.
    assert_eq!(inbox(&app, &dataport, "").await["gesamt"], 2);
    let early = decide(&app, &dataport, &through, &[("aktion", "bestaetigen")]).await;
    assert_eq!(early.status, 409, "{}", early.body);
    assert_eq!(
        customer_view(&app, &customer, &through).await["status"],
        "offen"
    );
    // The intermediary confirms in its console; then it is the provider's turn.
    let confirmed = decide(&app, &intermediary, &through, &[("aktion", "bestaetigen")]).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    assert_eq!(
        customer_view(&app, &customer, &through).await["status"],
        "bestaetigt_intermediaer"
    );
    // Now the provider decides it in its console.
    let provider_confirms = decide(&app, &dataport, &through, &[("aktion", "bestaetigen")]).await;
    assert_eq!(provider_confirms.status, 303, "{}", provider_confirms.body);
    assert_eq!(
        customer_view(&app, &customer, &through).await["status"],
        "bestellt"
    );

    // A customer on the console's routes: 403 everywhere.
    for path in [
        CONSOLE.to_owned(),
        format!("{CONSOLE}.csv"),
        format!("{CONSOLE}/{direct}"),
    ] {
        let reply = app.get(&path, Opts::html().cookie(&customer)).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
    }
    let by_customer = decide(&app, &customer, &direct, &[("aktion", "bestaetigen")]).await;
    assert_eq!(by_customer.status, 403);
    // Not signed in: 401.
    assert_eq!(app.get(CONSOLE, Opts::html()).await.status, 401);
    // A wrong CSRF token: 403, nothing changes.
    let forged = app
        .post_form(
            &format!("{CONSOLE}/{direct}"),
            &[("csrf", "falsch"), ("aktion", "bestaetigen")],
            Opts::html().cookie(&dataport),
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert_eq!(
        customer_view(&app, &customer, &direct).await["status"],
        "offen"
    );
}

pub async fn party_orgs_are_unique(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let orders = &app.state.orders;
    orders
        .create_party_org(
            dataport(),
            "Dataport AöR",
            "Paula",
            "erste@dataport.example",
        )
        .await
        .expect("first");
    assert!(matches!(
        orders
            .create_party_org(dataport(), "Dataport 2", "Peter", "zweite@dataport.example")
            .await,
        Err(PartyOrgError::Exists)
    ));
    assert!(matches!(
        orders
            .create_party_org(
                OrgKind::Intermediary,
                "govdigital",
                "Gerd",
                "erste@dataport.example"
            )
            .await,
        Err(PartyOrgError::EmailTaken)
    ));
    assert!(matches!(
        orders
            .create_party_org(
                OrgKind::Provider {
                    provider_id: "gibt-es-nicht".into()
                },
                "X",
                "Y",
                "x@example.org"
            )
            .await,
        Err(PartyOrgError::UnknownProvider(_))
    ));
    // Nothing of the refused ones was written: their addresses are free.
    for email in ["zweite@dataport.example", "x@example.org"] {
        assert!(
            store
                .find_user_by_email(email)
                .await
                .expect("find")
                .is_none()
        );
    }
    assert_eq!(app.mails_to("zweite@dataport.example"), 0);
    // The intermediary once too.
    orders
        .create_party_org(
            OrgKind::Intermediary,
            "govdigital eG",
            "Gerd",
            "gerd@govdigital.example",
        )
        .await
        .expect("intermediary");
    assert!(matches!(
        orders
            .create_party_org(
                OrgKind::Intermediary,
                "govdigital 2",
                "Gerda",
                "gerda@govdigital.example"
            )
            .await,
        Err(PartyOrgError::Exists)
    ));
}

/// The store's inbox queries: by provider (and status, offering, period, search, page) and
/// by intermediary, with totals, on orders written straight to the store.
pub async fn inbox_conformance(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let customer = member(&app, "Landkreis Lippe", "einkauf@lippe.de", true).await;
    let template_id = place(&app, &customer, &dmessenger_order("t-1", "direktvertrag")).await;
    let template: Order = store
        .get_order(&template_id)
        .await
        .expect("get")
        .expect("order");
    // 12 more orders: dataport and ekom21, both contract models, one an hour apart.
    for i in 0..12_i64 {
        let mut order = template.clone();
        order.id = format!("inbox-{i:02}");
        order.number = format!("CSP-2026-9{i:05}");
        order.idempotency_key = format!("inbox-{i}");
        order.created_at = START + 3600 * (i + 1);
        order.provider_id = if i % 3 == 0 {
            "ekom21".into()
        } else {
            "dataport".into()
        };
        order.contract_model = if i % 2 == 0 {
            catalog::model::ContractModel::Umklappvertrag
        } else {
            catalog::model::ContractModel::Direktvertrag
        };
        if i == 4 {
            order.folder.customer.organisation = "Gemeinde Öhringen".into();
        }
        store.create_order(&order, &[]).await.expect("create");
        if i == 5 {
            let mut next = order.clone();
            next.status = OrderStatus::PruefungAnbieterDv;
            store
                .update_order_status(&next, OrderStatus::Offen, None, &[])
                .await
                .expect("status");
        }
    }
    let dataport = ApiParty::Provider("dataport".into());
    let all = store
        .list_inbox(&dataport, &OrderFilter::default())
        .await
        .expect("list");
    // The template order and i in {1,2,4,5,7,8,10,11}.
    assert_eq!(all.total, 9);
    assert_eq!(all.rows.len(), 9);
    assert_eq!(all.rows[0].id, "inbox-11", "newest first");
    assert_eq!(all.rows[8].id, template_id);
    assert!(all.rows.iter().all(|r| r.offering_id == "dmessenger"));

    let page = store
        .list_inbox(
            &dataport,
            &OrderFilter {
                offset: 2,
                limit: 3,
                ..OrderFilter::default()
            },
        )
        .await
        .expect("page");
    assert_eq!(page.total, 9);
    let ids: Vec<&str> = page.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["inbox-08", "inbox-07", "inbox-05"]);

    let in_review = store
        .list_inbox(
            &dataport,
            &OrderFilter {
                status: Some(OrderStatus::PruefungAnbieterDv),
                ..OrderFilter::default()
            },
        )
        .await
        .expect("status");
    assert_eq!(in_review.total, 1);
    assert_eq!(in_review.rows[0].id, "inbox-05");
    assert_eq!(in_review.rows[0].status, OrderStatus::PruefungAnbieterDv);

    let period = store
        .list_inbox(
            &dataport,
            &OrderFilter {
                from: Some(START + 3600 * 2),
                until: Some(START + 3600 * 6),
                ..OrderFilter::default()
            },
        )
        .await
        .expect("period");
    let ids: Vec<&str> = period.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["inbox-04", "inbox-02", "inbox-01"],
        "from inclusive, until exclusive"
    );

    let search = store
        .list_inbox(
            &dataport,
            &OrderFilter {
                search: "öhringen".into(),
                ..OrderFilter::default()
            },
        )
        .await
        .expect("search");
    assert_eq!(search.total, 1);
    assert_eq!(search.rows[0].customer, "Gemeinde Öhringen");
    let by_number = store
        .list_inbox(
            &dataport,
            &OrderFilter {
                search: "csp-2026-900007".into(),
                ..OrderFilter::default()
            },
        )
        .await
        .expect("number");
    assert_eq!(by_number.rows.len(), 1);
    let other_offering = store
        .list_inbox(
            &dataport,
            &OrderFilter {
                offering_id: Some("terminfinder".into()),
                ..OrderFilter::default()
            },
        )
        .await
        .expect("offering");
    assert_eq!(other_offering.total, 0);

    // The intermediary: every Umklappvertrag, whoever the provider.
    let uv = store
        .list_inbox(&ApiParty::Intermediary, &OrderFilter::default())
        .await
        .expect("intermediary");
    let ids: Vec<&str> = uv.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "inbox-10", "inbox-08", "inbox-06", "inbox-04", "inbox-02", "inbox-00"
        ]
    );
    let ekom = store
        .list_inbox(
            &ApiParty::Provider("ekom21".into()),
            &OrderFilter::default(),
        )
        .await
        .expect("ekom21");
    assert_eq!(ekom.total, 4);
}

/// In a provider's organisation the console is for the administration and for roles with
/// the right to see all of the organisation's orders; a plain member gets 403 and the link
/// is not offered to her.
pub async fn the_console_needs_the_right_to_see_all_orders(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let admin = party_member(
        &app,
        dataport(),
        "Dataport Konsole",
        "paula@dataport.example",
    )
    .await;
    assert!(inbox(&app, &admin, "").await["gesamt"].is_number());
    let sent = super::members::invite(
        &app,
        &admin,
        "Moritz Mitarbeiter",
        "moritz@dataport.example",
        "mitarbeiter",
    )
    .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let moritz = set_password_and_sign_in(
        &app,
        &app.link_in_mail("moritz@dataport.example", "Einladung"),
        "moritz@dataport.example",
    )
    .await;
    let refused = app.get(CONSOLE, Opts::html().cookie(&moritz)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let csv = app
        .get(&format!("{CONSOLE}.csv"), Opts::html().cookie(&moritz))
        .await;
    assert_eq!(csv.status, 403);
    let account = app.get("/api/konto", Opts::html().cookie(&moritz)).await;
    assert!(
        markup::attrs(&account.body, &format!("main a[href='{CONSOLE}']"), "href").is_empty(),
        "no link to the console without the right"
    );

    // A role with the right opens it.
    let csrf = app.csrf_token(&admin).await;
    let role = app
        .post_form(
            "/api/konto/rollen",
            &[
                ("csrf", csrf.as_str()),
                ("name", "Auftragsannahme"),
                ("alle_bestellungen_sehen", "ja"),
            ],
            Opts::html().cookie(&admin),
        )
        .await;
    assert_eq!(role.status, 303, "{}", role.body);
    let roles = app
        .get("/api/konto/rollen", Opts::json().cookie(&admin))
        .await
        .json();
    let role_id = roles["rollen"][0]["id"]
        .as_str()
        .expect("role id")
        .to_owned();
    let moritz_id = super::members::member_id(&app, &admin, "moritz@dataport.example").await;
    let given = super::members::act(
        &app,
        &admin,
        &moritz_id,
        &[
            ("aktion", "rolle-aendern"),
            ("rolle", &format!("rolle:{role_id}")),
        ],
    )
    .await;
    assert_eq!(given.status, 303, "{}", given.body);
    let allowed = app.get(CONSOLE, Opts::html().cookie(&moritz)).await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    let account = app.get("/api/konto", Opts::html().cookie(&moritz)).await;
    assert_eq!(
        markup::attrs(&account.body, &format!("main a[href='{CONSOLE}']"), "href").len(),
        1
    );
}

/// `admin create-operator`: the operator's organisation exists once per portal, approved,
/// its first person invited by mail like a member; a second one and a taken address are
/// refused and write nothing.
pub async fn operator_org_is_one_per_portal(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let orders = &app.state.orders;
    let (org, user) = orders
        .create_party_org(
            OrgKind::Operator,
            "Betrieb des Portals",
            "Olga Betrieb",
            "olga@betrieb.example",
        )
        .await
        .expect("operator");
    let stored = store.get_org(&org.id).await.expect("get").expect("stored");
    assert_eq!(stored.kind, OrgKind::Operator);
    assert_eq!(stored.status, functions::domain::model::OrgStatus::Approved);
    assert_eq!(stored.admin_user_id, user.id);
    assert!(
        store
            .find_user_by_email("olga@betrieb.example")
            .await
            .expect("find")
            .is_some_and(|u| u.password_hash.is_none() && u.org_id == org.id)
    );
    app.state.outbox.mail_queued().await;
    let link = app.link_in_mail("olga@betrieb.example", "Einladung");
    assert!(link.contains("/api/passwort-setzen?token="), "{link}");

    assert!(matches!(
        orders
            .create_party_org(
                OrgKind::Operator,
                "Zweiter Betrieb",
                "Otto",
                "otto@betrieb.example"
            )
            .await,
        Err(PartyOrgError::Exists)
    ));
    assert!(
        store
            .find_user_by_email("otto@betrieb.example")
            .await
            .expect("find")
            .is_none()
    );
    assert_eq!(app.mails_to("otto@betrieb.example"), 0);
    // The operator is no deciding party: no inbox of its own.
    assert_eq!(functions::domain::orders::console::party_of(&stored), None);
}
