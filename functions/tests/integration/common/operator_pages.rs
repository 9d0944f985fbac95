//! The operator console beyond the registrations: reported Bedarfe (filters, marked as
//! handled once, CSV), and the orders at their deadline with the party whose turn it is;
//! over HTTP as an operator would use them, and the store's new queries on their own.

use std::sync::Arc;

use functions::domain::Clock;
use functions::domain::clock::german_day;
use functions::domain::model::OrgKind;
use functions::domain::orders::model::NeedHandled;
use functions::domain::orders::ports::PortalStore;
use functions::domain::orders::{DAY, Order, OrderStatus};
use functions::domain::ports::StoreError;
use functions::domain::tokens::new_id;

use super::console::party_member;
use super::operator_console::signed_in_operator;
use super::orders::{bearer, dataport, dmessenger_order, member, place};
use super::*;

const NEEDS: &str = "/api/betrieb/bedarfe";
const DEADLINES: &str = "/api/betrieb/bestellungen/ueberfaellig";

async fn report(app: &TestApp, cookie: &str, title: &str, category: &str) {
    let reported = app
        .post_form(
            "/api/bedarf",
            &[
                ("title", title),
                ("description", "Wir suchen einen Dienst; Details folgen."),
                ("category", category),
            ],
            Opts::html()
                .cookie(cookie)
                .csrf(&app.csrf_token(cookie).await),
        )
        .await;
    assert_eq!(reported.status, 303, "{}", reported.body);
}

fn titles(html: &str) -> Vec<String> {
    markup::texts(html, "main section.need h3")
}

/// The id of the need titled `title`, from its "Als erledigt markieren" form.
fn mark_action(html: &str, title: &str) -> String {
    let at = titles(html)
        .iter()
        .position(|t| t == title)
        .expect("listed");
    let ids = markup::attrs(html, "main section.need h3", "id");
    let id = ids[at].trim_start_matches("bedarf-");
    format!("{NEEDS}/{id}/erledigt")
}

pub async fn operator_works_through_reported_needs(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let customer = member(&app, "Stadt Bedarfe", "bedarfe@stadt-konsole.de", true).await;
    report(
        &app,
        &customer,
        "Terminvergabe online",
        "fachverfahren/bauen-wohnen",
    )
    .await;
    app.clock.advance(60);
    report(&app, &customer, "Ratsinformationssystem", "").await;
    let operator = signed_in_operator(&app, "bedarfe@betrieb.example").await;

    // The list, newest first, with the console's navigation.
    let list = app.get(NEEDS, Opts::html().cookie(&operator)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(markup::texts(&list.body, "main h1"), ["Gemeldete Bedarfe"]);
    assert_eq!(
        titles(&list.body),
        ["Ratsinformationssystem", "Terminvergabe online"]
    );
    assert_eq!(
        markup::attrs(
            &list.body,
            "nav[aria-label=Betriebskonsole] a[aria-current=page]",
            "href"
        ),
        [NEEDS]
    );
    let action = mark_action(&list.body, "Terminvergabe online");

    // Filters: a category of the portfolio, and needs without one.
    let fach = app
        .get(
            &format!("{NEEDS}?kategorie=fachverfahren"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(titles(&fach.body), ["Terminvergabe online"]);
    let none = app
        .get(
            &format!("{NEEDS}?kategorie=ohne"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(titles(&none.body), ["Ratsinformationssystem"]);
    let wrong = app
        .get(
            &format!("{NEEDS}?von=gestern"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(
        markup::attrs(&wrong.body, "main #filter-von", "aria-invalid"),
        ["true"]
    );

    // Customers and providers are refused and change nothing.
    let provider = party_member(
        &app,
        OrgKind::Provider {
            provider_id: "dataport".into(),
        },
        "Dataport",
        "anbieter@dataport-bedarfe.example",
    )
    .await;
    for cookie in [&customer, &provider] {
        for path in [NEEDS.to_owned(), format!("{NEEDS}.csv")] {
            let refused = app.get(&path, Opts::html().cookie(cookie)).await;
            assert_eq!(refused.status, 403, "{path}: {}", refused.body);
        }
        let csrf = app.csrf_token(cookie).await;
        let mark = app
            .post_form(&action, &[("csrf", &csrf)], Opts::html().cookie(cookie))
            .await;
        assert_eq!(mark.status, 403, "{}", mark.body);
    }
    assert_eq!(app.get(NEEDS, Opts::html()).await.status, 401);
    // Without the CSRF token, or from another site, nothing changes either.
    let forged = app
        .post_form(&action, &[], Opts::html().cookie(&operator))
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    let csrf = app.csrf_token(&operator).await;
    let elsewhere = app
        .post_form(
            &action,
            &[("csrf", &csrf)],
            Opts::html()
                .cookie(&operator)
                .origin("https://elsewhere.example"),
        )
        .await;
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.body);
    let open = app
        .get(
            &format!("{NEEDS}?stand=offen"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(titles(&open.body).len(), 2, "both still open");

    // Mark one as handled, from the filtered list: back to that list, with a notice.
    let marked = app
        .post_form(
            &action,
            &[("csrf", &csrf), ("kategorie", "fachverfahren")],
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(marked.status, 303, "{}", marked.body);
    let back = marked.location.clone().expect("location");
    assert!(
        back.starts_with(&format!(
            "{NEEDS}?kategorie=fachverfahren&hinweis=erledigt&bedarf="
        )),
        "{back}"
    );
    let page = app.get(&back, Opts::html().cookie(&operator)).await;
    assert_eq!(
        markup::texts(&page.body, "main .notice"),
        ["Der Bedarf „Terminvergabe online“ ist als erledigt markiert."]
    );
    let today = german_day(app.clock.now());
    assert!(
        markup::texts(&page.body, "main section.need dd")
            .contains(&format!("Erledigt am {today} von Olga Betrieb")),
        "{}",
        page.body
    );
    assert!(
        markup::attrs(&page.body, "main section.need form", "action").is_empty(),
        "a handled need has no button"
    );
    let handled = app
        .get(
            &format!("{NEEDS}?stand=erledigt"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(titles(&handled.body), ["Terminvergabe online"]);
    let open = app
        .get(
            &format!("{NEEDS}?stand=offen"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(titles(&open.body), ["Ratsinformationssystem"]);

    // A second mark (a second tab) says who marked it and when, and changes nothing.
    let again = app
        .post_form(&action, &[("csrf", &csrf)], Opts::html().cookie(&operator))
        .await;
    let again_at = again.location.clone().expect("location");
    assert!(again_at.contains("hinweis=bereits"), "{again_at}");
    let page = app.get(&again_at, Opts::html().cookie(&operator)).await;
    assert_eq!(
        markup::texts(&page.body, "main .notice"),
        [format!(
            "Der Bedarf „Terminvergabe online“ war bereits erledigt: am {today} markiert von Olga Betrieb. Es wurde nichts geändert."
        )]
    );

    // The CSV of the filtered list: German Excel's UTF-8 with byte order mark and `;`.
    let (status, headers, bytes) = app
        .get_bytes(
            &format!("{NEEDS}.csv?stand=erledigt"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "byte order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("Gemeldet am;Titel;Kategorie;"),
        "{}",
        lines[0]
    );
    let fields: Vec<&str> = lines[1].split(';').collect();
    assert_eq!(fields[1], "Terminvergabe online");
    assert_eq!(fields[3], "Stadt Bedarfe");
    assert!(
        lines[1].ends_with(&format!(";erledigt;{today};Olga Betrieb")),
        "{}",
        lines[1]
    );

    // The bearer-token API is unchanged: every need as JSON.
    let api = app.get(NEEDS, Opts::operator()).await;
    assert_eq!(api.status, 200, "{}", api.body);
    assert_eq!(api.json()["bedarfe"].as_array().map(Vec::len), Some(2));
}

pub async fn operator_sees_orders_at_their_deadline(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let customer = member(&app, "Stadt Fristen", "fristen@stadt-konsole.de", true).await;
    let late = place(
        &app,
        &customer,
        &dmessenger_order("frist-a", "direktvertrag"),
    )
    .await;
    let decided = place(
        &app,
        &customer,
        &dmessenger_order("frist-c", "direktvertrag"),
    )
    .await;
    let confirmed = app
        .post_form(
            &format!("/api/partner/bestellungen/{decided}/entscheidung"),
            &[("aktion", "bestaetigen")],
            bearer(&app, dataport()),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    app.clock.advance(10 * DAY);
    let customer = super::flows::sign_in(&app, "fristen@stadt-konsole.de", PASSWORD)
        .await
        .session_cookie()
        .expect("signed in again");
    place(
        &app,
        &customer,
        &dmessenger_order("frist-b", "umklappvertrag"),
    )
    .await;
    // Day 30 and a minute for the first order, day 20 for the second.
    app.clock.advance(20 * DAY + 60);
    let operator = signed_in_operator(&app, "fristen@betrieb.example").await;

    let page = app.get(DEADLINES, Opts::html().cookie(&operator)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        markup::texts(&page.body, "main h1"),
        ["Fristen der Bestellungen"]
    );
    let rows = markup::texts(&page.body, "main table.deadlines tbody tr");
    assert_eq!(
        rows.len(),
        2,
        "the undecided ones near their deadline: {rows:?}"
    );
    let late_number = store
        .get_order(&late)
        .await
        .expect("read")
        .expect("order")
        .number;
    let cells = |row: usize| {
        let html = scraper::Html::parse_document(&page.body);
        let selector = scraper::Selector::parse("main table.deadlines tbody tr").expect("selector");
        let cell = scraper::Selector::parse("th, td").expect("selector");
        html.select(&selector)
            .nth(row)
            .expect("row")
            .select(&cell)
            .map(|c| c.text().collect::<String>().trim().to_owned())
            .collect::<Vec<_>>()
    };
    let first = cells(0);
    assert_eq!(first[0], late_number, "earliest deadline first");
    assert_eq!(first[5], "Direktvertrag");
    assert_eq!(first[7], "Anbieter", "the provider's turn");
    assert_eq!(first[9], "Frist abgelaufen");
    let second = cells(1);
    assert_eq!(second[5], "Umklappvertrag");
    assert_eq!(second[7], "Intermediär", "the intermediary's turn");
    assert_eq!(second[9], "10 Tage");
    assert_eq!(
        markup::attrs(
            &page.body,
            "nav[aria-label=Betriebskonsole] a[aria-current=page]",
            "href"
        ),
        [DEADLINES]
    );

    // The portal closes the overdue one at its next run: then only the other is left.
    let work = app.state.run_due_work().await;
    assert_eq!(work.failed, 0, "{work:?}");
    assert!(
        markup::texts(&page.body, "main table.closed").is_empty(),
        "nothing closed yet"
    );
    assert!(
        markup::texts(&page.body, "main p")
            .iter()
            .any(|p| p.contains("hat das Portal keine Bestellung an der Frist geschlossen")),
        "the empty section says so"
    );
    let page = app.get(DEADLINES, Opts::html().cookie(&operator)).await;
    assert_eq!(
        markup::texts(&page.body, "main table.deadlines tbody tr").len(),
        1
    );
    // … and lists the closed one under "Vom Portal geschlossen", whose turn it was.
    assert_eq!(
        markup::texts(&page.body, "main h2"),
        ["An der Frist", "Vom Portal geschlossen"]
    );
    let closed = {
        let html = scraper::Html::parse_document(&page.body);
        let row = scraper::Selector::parse("main table.closed tbody tr").expect("selector");
        let cell = scraper::Selector::parse("th, td").expect("selector");
        html.select(&row)
            .map(|r| {
                r.select(&cell)
                    .map(|c| c.text().collect::<String>().trim().to_owned())
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert_eq!(closed[0][0], late_number);
    assert_eq!(closed[0][1], "Stadt Fristen");
    assert_eq!(closed[0][2], "dMessenger");
    assert_eq!(
        closed[0][4],
        functions::domain::clock::german_day(app.state.orders.now())
    );
    assert_eq!(closed[0][5], "Anbieter", "the provider's decision was due");
    let json = app.get(DEADLINES, Opts::json().cookie(&operator)).await;
    assert_eq!(json.status, 200, "{}", json.body);
    assert_eq!(
        json.json()["vom_portal_geschlossen"][0]["nummer"],
        late_number.as_str()
    );
    assert_eq!(
        json.json()["vom_portal_geschlossen"][0]["am_zug"],
        "provider"
    );

    // Refused for anyone else; the bearer-token API unchanged.
    let provider = party_member(
        &app,
        OrgKind::Provider {
            provider_id: "dataport".into(),
        },
        "Dataport",
        "anbieter@dataport-fristen.example",
    )
    .await;
    assert_eq!(
        app.get(DEADLINES, Opts::html().cookie(&provider))
            .await
            .status,
        403
    );
    let api = app.get(DEADLINES, Opts::operator()).await;
    assert_eq!(api.status, 200, "{}", api.body);
    assert!(api.json()["bestellungen"].is_array());
}

/// A need is marked as handled once: of concurrent marks exactly one wins and the others
/// find it handled; an unknown need is not found.
pub async fn needs_are_marked_handled_once(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let customer = member(&app, "Stadt Einmal", "einmal@stadt-konsole.de", true).await;
    report(&app, &customer, "Einmal erledigt", "").await;
    let need = store.list_needs().await.expect("list").remove(0);
    assert_eq!(need.handled, None);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = Arc::clone(&store);
        let mut next = need.clone();
        next.handled = Some(NeedHandled {
            at: START + i,
            by_user_id: format!("user-{i}"),
            by_name: format!("Person {i}"),
        });
        tasks.push(tokio::spawn(async move {
            (i, store.mark_need_handled(&next).await)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            (i, Ok(())) => winners.push(i),
            (_, Err(StoreError::Conflict)) => {}
            (_, Err(e)) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one mark wins");
    let stored = store.get_need(&need.id).await.expect("read").expect("need");
    assert_eq!(
        stored.handled.map(|h| h.by_name),
        Some(format!("Person {}", winners[0]))
    );
    let mut unknown = need.clone();
    unknown.id = new_id();
    unknown.handled = stored_handled();
    assert!(matches!(
        store.mark_need_handled(&unknown).await,
        Err(StoreError::NotFound)
    ));
    assert!(store.get_need(&unknown.id).await.expect("read").is_none());
}

fn stored_handled() -> Option<NeedHandled> {
    Some(NeedHandled {
        at: START,
        by_user_id: "x".into(),
        by_name: "X".into(),
    })
}

/// Undecided orders are read by deadline (index or key condition, see the adapters): those
/// before the bound, earliest first; decided ones and later ones are left out.
pub async fn undecided_orders_are_read_by_deadline(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let customer = member(&app, "Stadt Index", "index@stadt-konsole.de", true).await;
    let id = place(
        &app,
        &customer,
        &dmessenger_order("index-1", "direktvertrag"),
    )
    .await;
    let template: Order = store.get_order(&id).await.expect("read").expect("order");
    let make = |offset: i64, status: OrderStatus| {
        let mut order = template.clone();
        order.id = new_id();
        order.idempotency_key = new_id();
        order.deadline = START + offset;
        order.status = status;
        order
    };
    let early = make(10, OrderStatus::Offen);
    let middle = make(20, OrderStatus::PruefungAnbieterDv);
    let at_bound = make(30, OrderStatus::Offen);
    let late = make(40, OrderStatus::Offen);
    for order in [&late, &at_bound, &middle, &early] {
        store.create_order(order, &[]).await.expect("create");
    }
    let found: Vec<String> = store
        .list_undecided_due_before(START + 30)
        .await
        .expect("list")
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(found, [early.id.clone(), middle.id.clone()]);

    // Decided: out of the list.
    let mut decided = middle.clone();
    decided.status = OrderStatus::AbgelehntAnbieterDv;
    store
        .update_order_status(&decided, OrderStatus::PruefungAnbieterDv, None, &[])
        .await
        .expect("decide");
    let found: Vec<String> = store
        .list_undecided_due_before(START + 41)
        .await
        .expect("list")
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(found, [early.id, at_bound.id, late.id]);
}

/// The operator's last resort for a lost authenticator app (`admin reset-second-factor`):
/// the factor is gone, the person's sessions end, a mail tells them and the audit trail
/// records it; an operator is led to set up a new factor at the next sign-in. A second
/// reset, and an unknown address, change nothing.
pub async fn a_lost_second_factor_is_reset(store: Arc<dyn PortalStore>) {
    use functions::domain::model::AuditAction;
    use functions::domain::orders::operator_accounts::ResetFactorError;
    let app = spawn(Arc::clone(&store)).await;
    let email = "verloren@betrieb.example";
    let operator = signed_in_operator(&app, email).await;
    assert_eq!(
        app.get(NEEDS, Opts::html().cookie(&operator)).await.status,
        200
    );
    let mails_before = app.mails_to(email);

    let user = app
        .state
        .orders
        .reset_second_factor("Verloren@Betrieb.example", "Betreiberteam")
        .await
        .expect("reset");
    app.state.outbox.mail_queued().await;
    let stored = store
        .find_user_by_email(email)
        .await
        .expect("read")
        .expect("user");
    assert!(stored.second_factor.is_none(), "the factor is gone");
    assert_eq!(
        app.get(NEEDS, Opts::html().cookie(&operator)).await.status,
        401,
        "the open session ended"
    );
    assert_eq!(app.mails_to(email), mails_before + 1, "the person is told");
    let audit = store.list_audit(&user.org_id).await.expect("audit");
    let resets: Vec<_> = audit
        .iter()
        .filter(|a| a.action == AuditAction::SecondFactorReset)
        .collect();
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].actor, "Betreiberteam");
    assert!(resets[0].subject.contains(email), "{}", resets[0].subject);

    // Again, and for an unknown address: refused, nothing written.
    assert!(matches!(
        app.state
            .orders
            .reset_second_factor(email, "Betreiberteam")
            .await,
        Err(ResetFactorError::NoFactor)
    ));
    assert!(matches!(
        app.state
            .orders
            .reset_second_factor("niemand@betrieb.example", "Betreiberteam")
            .await,
        Err(ResetFactorError::NoSuchPerson)
    ));
    assert_eq!(
        store.list_audit(&user.org_id).await.expect("audit").len(),
        audit.len()
    );

    // The password alone signs in, and leads to setting up a new factor first.
    let signed_in = super::flows::sign_in(&app, email, PASSWORD).await;
    assert_eq!(
        (signed_in.status, signed_in.location.as_deref()),
        (303, Some("/api/konto/zwei-faktor")),
        "{}",
        signed_in.body
    );
    let cookie = signed_in.session_cookie().expect("session");
    let console = app.get(NEEDS, Opts::html().cookie(&cookie)).await;
    assert_eq!(
        (console.status, console.location.as_deref()),
        (303, Some("/api/konto/zwei-faktor")),
        "the console waits for the new factor"
    );
}

/// The person's record changed between reading and resetting (e.g. a recovery code was
/// used meanwhile): the reset is refused as a whole, without mail or audit entry.
pub async fn a_reset_needs_the_record_as_read(store: Arc<dyn PortalStore>) {
    let app = spawn(Arc::clone(&store)).await;
    let email = "gelesen@betrieb.example";
    signed_in_operator(&app, email).await;
    let before = store
        .find_user_by_email(email)
        .await
        .expect("read")
        .expect("user");
    let mut changed = before.clone();
    changed.name = "Anders Geschrieben".into();
    store.update_user(&before, &changed).await.expect("change");
    let after = functions::domain::model::User {
        second_factor: None,
        ..before.clone()
    };
    let audit = functions::domain::model::AuditEntry {
        id: new_id(),
        org_id: before.org_id.clone(),
        at: START,
        actor: "Betreiberteam".into(),
        action: functions::domain::model::AuditAction::SecondFactorReset,
        subject: email.into(),
        detail: String::new(),
    };
    let audit_before = store.list_audit(&before.org_id).await.expect("audit").len();
    assert!(matches!(
        store
            .reset_second_factor(&before, &after, &super::members::mail(email), &audit)
            .await,
        Err(StoreError::Conflict)
    ));
    let now = store
        .find_user_by_email(email)
        .await
        .expect("read")
        .expect("user");
    assert!(now.second_factor.is_some(), "unchanged");
    assert_eq!(
        store.list_audit(&before.org_id).await.expect("audit").len(),
        audit_before
    );
}
