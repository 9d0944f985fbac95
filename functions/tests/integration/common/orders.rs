//! Orders, decisions and needs end to end over HTTP, and the order store's conformance,
//! run against every store.

use std::collections::HashSet;
use std::sync::Arc;

use functions::domain::orders::ports::{CreatedOrder, PortalStore, UsedLink};
use functions::domain::orders::{ApiParty, Order, OrderStatus};
use functions::domain::ports::StoreError;
use scraper::{ElementRef, Html, Selector};

use super::flows::{register_confirm_approve_fields, set_password_and_sign_in};
use super::*;

pub const PROVIDER_MAIL: &str = "bestellungen@dataport.example";
pub const INTERMEDIARY_MAIL: &str = "intermediaer@govdigital.invalid";

/// A signed-in member of a new, approved organisation (Kommune).
pub async fn member(app: &TestApp, org: &str, email: &str, in_house: bool) -> String {
    let mut fields = registration(org, email);
    if !in_house {
        fields.retain(|(name, _)| *name != "inhouse");
    }
    let link = register_confirm_approve_fields(app, org, email, fields).await;
    set_password_and_sign_in(app, &link, email).await
}

/// A complete dMessenger order form.
pub fn dmessenger_order(key: &str, contract_model: &str) -> Vec<(&'static str, String)> {
    vec![
        ("offering", "dmessenger".to_owned()),
        ("plan", "standard".to_owned()),
        ("contract_model", contract_model.to_owned()),
        ("option_nutzer", "250".to_owned()),
        ("option_rechenzentrum", "Hamburg".to_owned()),
        ("option_foederation", "ja".to_owned()),
        ("billing_org", "Stadt Musterstadt, Kämmerei".to_owned()),
        ("billing_street", "Rathausplatz 1".to_owned()),
        ("billing_postcode", "12345".to_owned()),
        ("billing_city", "Musterstadt".to_owned()),
        ("reference", "AZ 10-2026/7".to_owned()),
        ("note", "Bitte Rechnung jährlich.".to_owned()),
        ("consent_agb", "ja".to_owned()),
        ("consent_conditions", "ja".to_owned()),
        ("idempotency_key", key.to_owned()),
    ]
}

/// Places an order as JSON; returns the order's id.
pub async fn place(app: &TestApp, cookie: &str, fields: &[(&'static str, String)]) -> String {
    let reply = app
        .post_form(
            "/api/bestellungen",
            &as_pairs(fields),
            Opts::json()
                .cookie(cookie)
                .csrf(&app.csrf_token(cookie).await),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["bestellung"]["id"]
        .as_str()
        .expect("order id")
        .to_owned()
}

/// The order as its customer sees it (JSON).
pub async fn customer_view(app: &TestApp, cookie: &str, id: &str) -> serde_json::Value {
    let reply = app
        .get(
            &format!("/api/konto/bestellungen/{id}"),
            Opts::json().cookie(cookie),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn statuses(order: &serde_json::Value) -> Vec<String> {
    order["verlauf"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["status"].as_str().expect("status").to_owned())
        .collect()
}

/// The decision link in the newest order mail to `to`.
pub fn decision_link(app: &TestApp, to: &str) -> String {
    let mail = app
        .mails
        .sent()
        .into_iter()
        .rev()
        .find(|m| m.to == to && m.subject.starts_with("Neue Bestellung"))
        .unwrap_or_else(|| panic!("no order mail to {to}: {:#?}", app.mails.sent()));
    let link = mail
        .body
        .lines()
        .map(str::trim)
        .find(|l| l.contains("/api/entscheidung?token="))
        .unwrap_or_else(|| panic!("no decision link in {}", mail.body));
    let path = path_of(link);
    path.split('&').next().expect("path").to_owned()
}

/// A page as a browser parses it.
fn parse(reply: &Reply) -> Html {
    Html::parse_document(&reply.body)
}

/// Every element matching `css`.
fn all<'a>(page: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e}"));
    page.select(&selector).collect()
}

/// Every element matching `css` inside `element`.
fn within<'a>(element: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e}"));
    element.select(&selector).collect()
}

/// The one element matching `css`.
fn one<'a>(page: &'a Html, css: &str) -> ElementRef<'a> {
    let found = all(page, css);
    assert_eq!(found.len(), 1, "expected one {css}: {}", page.html());
    found[0]
}

/// An element's text as a reader sees it: whitespace collapsed.
fn text(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The texts of every element matching `css`.
fn texts(page: &Html, css: &str) -> Vec<String> {
    all(page, css).into_iter().map(text).collect()
}

fn attr<'a>(element: ElementRef<'a>, name: &str) -> &'a str {
    element.value().attr(name).unwrap_or_default()
}

/// Where the error summary's links lead.
fn summary_targets(page: &Html) -> Vec<String> {
    all(page, ".error-summary a")
        .into_iter()
        .map(|a| attr(a, "href").to_owned())
        .collect()
}

/// The label/value rows of the contract folder (`<dl class="facts">`).
fn facts(page: &Html) -> Vec<(String, String)> {
    all(page, "dl.facts")
        .into_iter()
        .flat_map(|dl| {
            let terms = dl.children().filter_map(ElementRef::wrap);
            let mut rows = Vec::new();
            let mut label = None;
            for element in terms {
                match element.value().name() {
                    "dt" => label = Some(text(element)),
                    "dd" => rows.push((label.take().unwrap_or_default(), text(element))),
                    _ => {}
                }
            }
            rows
        })
        .collect()
}

fn fact(page: &Html, label: &str) -> String {
    facts(page)
        .into_iter()
        .find(|(l, _)| l == label)
        .map(|(_, value)| value)
        .unwrap_or_else(|| panic!("no {label} in the folder: {:?}", facts(page)))
}

fn token_in(path: &str) -> String {
    path.split("token=").nth(1).expect("token").to_owned()
}

pub(super) fn bearer(app: &TestApp, party: ApiParty) -> Opts {
    Opts {
        json: true,
        bearer: Some(app.state.orders.api_token(&party)),
        ..Opts::default()
    }
}

pub(super) fn dataport() -> ApiParty {
    ApiParty::Provider("dataport".to_owned())
}

pub async fn direktvertrag_confirmed_by_link(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let cookie = member(&app, "Stadt Musterstadt", "erika@musterstadt.de", true).await;

    // The function's own form carries the session's CSRF token and a fresh key.
    let form = app
        .get("/api/bestellen/dmessenger", Opts::html().cookie(&cookie))
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    let page = parse(&form);
    assert_eq!(text(one(&page, "h1")), "dMessenger bestellen");
    let csrf = attr(one(&page, "form input[type=hidden][name=csrf]"), "value");
    let key = attr(
        one(&page, "form input[type=hidden][name=idempotency_key]"),
        "value",
    );
    assert!(
        !csrf.is_empty() && !key.is_empty(),
        "the session's token and a fresh key"
    );
    assert!(
        text(one(&page, "label[for=option-nutzer]")).starts_with("Anzahl Nutzer"),
        "options are on the form"
    );
    let chosen = text(one(&page, "select#billing-address option[selected]"));
    assert!(
        chosen.contains("(Standardadresse)") && chosen.contains("Stadt Musterstadt"),
        "the organisation's registration address, its Standardadresse, is proposed for the bill: {chosen}"
    );
    assert_eq!(
        texts(&page, "main form button[type=submit]:not([formaction])"),
        ["Zahlungspflichtig bestellen"],
        "dMessenger's plans cost money"
    );
    assert!(
        texts(&page, "main p")
            .iter()
            .any(|p| p.starts_with("Der Service ist für Bund, Länder und Kommunen bestimmt.")),
        "the form says who may order"
    );
    let free = app
        .get("/api/bestellen/terminfinder", Opts::html().cookie(&cookie))
        .await;
    assert_eq!(free.status, 200, "{}", free.body);
    assert_eq!(
        texts(
            &parse(&free),
            "main form button[type=submit]:not([formaction])"
        ),
        ["Kostenfrei bestellen"],
        "every plan of the Terminfinder is free"
    );

    // A plain HTML post (no JavaScript, no token: the origin proves it came from the site).
    let fields = dmessenger_order("schluessel-1", "direktvertrag");
    let placed = app
        .post_form(
            "/api/bestellungen",
            &as_pairs(&fields),
            Opts::html()
                .cookie(&cookie)
                .csrf(&app.csrf_token(&cookie).await),
        )
        .await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    let location = placed.location.expect("redirect to the order");
    let id = location.rsplit('/').next().expect("id").to_owned();

    let reply = app.get(&location, Opts::html().cookie(&cookie)).await;
    assert_eq!(reply.status, 200);
    let page = parse(&reply);
    assert!(
        !all(&page, "html[lang=de]").is_empty()
            && all(&page, "link[rel=stylesheet]")
                .iter()
                .any(|l| attr(*l, "href").starts_with("/assets/portal.css")),
        "in the site's frame with its stylesheet"
    );
    assert!(
        texts(&page, "main h4").contains(&"Funktionen im Überblick".to_owned())
            && !text(one(&page, "main")).contains("###"),
        "the provider's Markdown shows as headings and text, not as markup"
    );
    assert!(text(one(&page, "h1")).starts_with("Bestellung CSP-20"));
    assert!(text(one(&page, ".order-status strong")).starts_with("Offen"));
    assert_eq!(fact(&page, "Cloud-Service"), "dMessenger");
    assert_eq!(fact(&page, "Anzahl Nutzer"), "250");
    assert_eq!(fact(&page, "Ihr Zeichen"), "AZ 10-2026/7");
    assert!(
        texts(&page, "main h3").contains(&"Reifegrad (Selbstauskunft des Anbieters)".to_owned()),
        "the folder has the provider's maturity"
    );
    let order = customer_view(&app, &cookie, &id).await;
    assert_eq!(order["status"], "offen");
    assert!(
        order["nummer"]
            .as_str()
            .expect("number")
            .ends_with("-000001"),
        "{}",
        order["nummer"]
    );
    assert_eq!(order["vertragsmappe"]["agb_version"], "2026-01");
    assert_eq!(
        order["vertragsmappe"]["offering"]["provider"]["order_email"], "",
        "the folder never shows the provider's order address"
    );

    // The customer's receipt and the provider's notification with the whole folder.
    assert!(
        app.mails
            .sent()
            .iter()
            .any(|m| m.to == "erika@musterstadt.de" && m.subject.contains("ist eingegangen")),
        "the customer gets a receipt"
    );
    let notification = app
        .mails
        .sent()
        .into_iter()
        .find(|m| m.to == PROVIDER_MAIL)
        .expect("provider notified");
    for expected in [
        "Stadt Musterstadt",
        "Anzahl Nutzer: 250",
        "Rechenzentrum: Hamburg",
        "Servicespezifische Bedingungen",
        "CSP-AGB (Fassung): 2026-01",
        "3,50 €",
    ] {
        assert!(
            notification.body.contains(expected),
            "notification lacks {expected}:\n{}",
            notification.body
        );
    }
    assert_eq!(
        app.mails_to(INTERMEDIARY_MAIL),
        0,
        "no intermediary in a Direktvertrag"
    );

    // The provider opens the link (a safe GET) and confirms.
    let link = decision_link(&app, PROVIDER_MAIL);
    let decision_page = app
        .get(&format!("{link}&aktion=bestaetigen"), Opts::html())
        .await;
    assert_eq!(decision_page.status, 200, "{}", decision_page.body);
    let page = parse(&decision_page);
    let confirm_form = all(&page, "form")
        .into_iter()
        .find(|f| !within(*f, "input[name=aktion][value=bestaetigen]").is_empty())
        .expect("a form to confirm");
    assert_eq!(
        text(confirm_form),
        "Bestellung verbindlich bestätigen",
        "one button that confirms"
    );
    assert!(
        all(&page, "form input[name=token]")
            .iter()
            .all(|i| attr(*i, "value") == token_in(&link)),
        "the forms carry the link's token"
    );
    assert_eq!(
        customer_view(&app, &cookie, &id).await["status"],
        "offen",
        "GET changes nothing"
    );
    let confirmed = app
        .post_form(
            "/api/entscheidung",
            &[("token", &token_in(&link)), ("aktion", "bestaetigen")],
            Opts::html(),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let page = parse(&confirmed);
    assert_eq!(text(one(&page, "h1")), "Entscheidung gespeichert");
    assert_eq!(
        text(one(&page, "main strong")),
        "Bestellt",
        "the new status"
    );

    let order = customer_view(&app, &cookie, &id).await;
    assert_eq!(order["status"], "bestellt");
    assert_eq!(
        statuses(&order),
        ["offen", "bestaetigt_anbieter_dv", "bestellt"]
    );
    assert!(
        app.mails
            .sent()
            .iter()
            .any(|m| m.to == "erika@musterstadt.de" && m.subject.contains("Bestellt")),
        "the customer is told"
    );

    // The link is single-use: a second decision is refused and changes nothing.
    let again = app
        .post_form(
            "/api/entscheidung",
            &[
                ("token", &token_in(&link)),
                ("aktion", "ablehnen"),
                ("begruendung", "doch nicht"),
            ],
            Opts::json(),
        )
        .await;
    assert_eq!(again.status, 410, "{}", again.body);
    assert_eq!(app.get(&link, Opts::html()).await.status, 410);
    assert_eq!(
        customer_view(&app, &cookie, &id).await["status"],
        "bestellt"
    );

    // A form without a key (the static page without JavaScript), sent twice: one order.
    let mut keyless = dmessenger_order("", "direktvertrag");
    keyless.retain(|(name, _)| *name != "idempotency_key");
    let first = place(&app, &cookie, &keyless).await;
    let second = place(&app, &cookie, &keyless).await;
    assert_eq!(
        first, second,
        "a double submission without a key is one order"
    );
    assert_ne!(first, id);

    // The list, the printable folder and the PDF.
    let list = app
        .get("/api/konto/bestellungen", Opts::html().cookie(&cookie))
        .await;
    let page = parse(&list);
    let row = all(&page, "table.orders tbody tr")
        .into_iter()
        .find(|tr| {
            within(*tr, "th a")
                .iter()
                .any(|a| attr(*a, "href") == format!("/api/konto/bestellungen/{id}"))
        })
        .expect("the order is listed with a link");
    let cells: Vec<String> = within(row, "td").into_iter().map(text).collect();
    assert_eq!(
        (cells[0].as_str(), cells[2].as_str()),
        ("dMessenger", "Bestellt")
    );
    let folder = app
        .get(
            &format!("/api/konto/bestellungen/{id}/vertragsmappe"),
            Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(folder.status, 200);
    let page = parse(&folder);
    assert!(text(one(&page, "h1")).starts_with("Vertragsmappe CSP-"));
    assert!(texts(&page, "main h2").contains(&"Servicespezifische Bedingungen".to_owned()));
    let pdf = app
        .http
        .get(format!(
            "{}/api/konto/bestellungen/{id}/vertragsmappe.pdf",
            app.base
        ))
        .header("cookie", format!("__Host-csp-sitzung={cookie}"))
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status(), 200);
    assert_eq!(
        pdf.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let bytes = pdf.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF file");
    assert!(bytes.len() > 2000, "with content");
}

pub async fn umklappvertrag_through_the_intermediary(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let cookie = member(&app, "Landkreis Umklapp", "uv@landkreis.de", true).await;
    let id = place(&app, &cookie, &dmessenger_order("uv-1", "umklappvertrag")).await;
    assert_eq!(
        app.mails_to(PROVIDER_MAIL),
        0,
        "the provider waits for the intermediary"
    );
    assert_eq!(app.mails_to(INTERMEDIARY_MAIL), 1);

    // Not the provider's turn yet.
    let early = app
        .post_form(
            &format!("/api/partner/bestellungen/{id}/entscheidung"),
            &[("aktion", "bestaetigen")],
            bearer(&app, dataport()),
        )
        .await;
    assert_eq!(early.status, 409, "{}", early.body);

    // The intermediary takes it into review, then confirms through its link.
    let link = decision_link(&app, INTERMEDIARY_MAIL);
    let token = token_in(&link);
    let review = app
        .post_form(
            "/api/entscheidung",
            &[("token", &token), ("aktion", "pruefen")],
            Opts::json(),
        )
        .await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert_eq!(
        customer_view(&app, &cookie, &id).await["status"],
        "pruefung_intermediaer"
    );
    let confirm = app
        .post_form(
            "/api/entscheidung",
            &[("token", &token), ("aktion", "bestaetigen")],
            Opts::json(),
        )
        .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert_eq!(
        customer_view(&app, &cookie, &id).await["status"],
        "bestaetigt_intermediaer"
    );
    assert_eq!(app.mails_to(PROVIDER_MAIL), 1, "now the provider is asked");

    // The provider rejects: a reason is required, and the rejection reaches everyone.
    let provider_link = decision_link(&app, PROVIDER_MAIL);
    let provider_token = token_in(&provider_link);
    let no_reason = app
        .post_form(
            "/api/entscheidung",
            &[
                ("token", &provider_token),
                ("aktion", "ablehnen"),
                ("begruendung", ""),
            ],
            Opts::html(),
        )
        .await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.body);
    let page = parse(&no_reason);
    assert_eq!(
        summary_targets(&page),
        ["#begruendung"],
        "error linked to its field"
    );
    let reason = one(&page, "textarea#begruendung");
    assert_eq!(attr(reason, "aria-invalid"), "true");
    assert!(attr(reason, "aria-describedby").contains("begruendung-fehler"));
    assert!(!text(one(&page, "p.field-error#begruendung-fehler")).is_empty());
    assert_eq!(
        customer_view(&app, &cookie, &id).await["status"],
        "bestaetigt_intermediaer"
    );
    let rejected = app
        .post_form(
            "/api/entscheidung",
            &[
                ("token", &provider_token),
                ("aktion", "ablehnen"),
                ("begruendung", "Rechenzentrum Hamburg ist ausgelastet."),
            ],
            Opts::json(),
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    let order = customer_view(&app, &cookie, &id).await;
    assert_eq!(order["status"], "abgelehnt_anbieter_uv");
    assert_eq!(
        statuses(&order),
        [
            "offen",
            "pruefung_intermediaer",
            "bestaetigt_intermediaer",
            "abgelehnt_anbieter_uv"
        ]
    );
    let last = order["verlauf"]
        .as_array()
        .expect("history")
        .last()
        .cloned()
        .expect("entry");
    assert_eq!(
        last["begruendung"],
        "Rechenzentrum Hamburg ist ausgelastet."
    );
    assert_eq!(last["von"], "provider");
    let page = app
        .get(
            &format!("/api/konto/bestellungen/{id}"),
            Opts::html().cookie(&cookie),
        )
        .await;
    let page = parse(&page);
    assert_eq!(
        text(one(&page, ".order-status strong")),
        "Abgelehnt durch Anbieter (UV)"
    );
    assert!(
        texts(&page, "main p").contains(
            &"Begründung der Ablehnung: Rechenzentrum Hamburg ist ausgelastet.".to_owned()
        ),
        "the customer sees the reason"
    );
    assert!(
        app.mails
            .sent()
            .iter()
            .any(|m| m.to == INTERMEDIARY_MAIL && m.subject.contains("abgelehnt")),
        "the intermediary learns of the provider's rejection"
    );
    assert!(
        app.mails
            .sent()
            .iter()
            .any(|m| m.to == "uv@landkreis.de" && m.body.contains("ausgelastet")),
        "the customer gets the reason"
    );
}

pub async fn errors_store_nothing(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let cookie = member(&app, "Gemeinde Ohneinhouse", "ohne@gemeinde.de", false).await;
    let mails_before = app.mails.sent().len();

    // Empty form: the page comes back with a summary linking to each field.
    let empty = app
        .post_form(
            "/api/bestellungen",
            &[("offering", "dmessenger")],
            Opts::html()
                .cookie(&cookie)
                .csrf(&app.csrf_token(&cookie).await),
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    let page = parse(&empty);
    let targets = summary_targets(&page);
    for anchor in [
        "#option-nutzer",
        "#billing-org",
        "#billing-street",
        "#billing-postcode",
        "#billing-city",
        "#consent-agb",
        "#consent-conditions",
    ] {
        assert!(
            targets.iter().any(|t| t == anchor),
            "summary lacks {anchor}"
        );
        let field = one(&page, anchor);
        assert_eq!(
            attr(field, "aria-invalid"),
            "true",
            "{anchor} is marked invalid"
        );
        let message = format!("{}-fehler", &anchor[1..]);
        assert!(
            attr(field, "aria-describedby").contains(&message),
            "{anchor} is described by its message"
        );
        assert!(
            !text(one(&page, &format!("p.field-error#{message}"))).is_empty(),
            "{anchor} has its message"
        );
    }

    // Wrong values, each at its field, in German.
    let mut wrong = dmessenger_order("falsch-1", "umklappvertrag");
    for (name, value) in wrong.iter_mut() {
        match *name {
            "option_nutzer" => *value = "5".to_owned(),
            "option_rechenzentrum" => *value = "Berlin".to_owned(),
            "billing_postcode" => *value = "1234".to_owned(),
            "plan" => *value = "gold".to_owned(),
            _ => {}
        }
    }
    let reply = app
        .post_form(
            "/api/bestellungen",
            &as_pairs(&wrong),
            Opts::json()
                .cookie(&cookie)
                .csrf(&app.csrf_token(&cookie).await),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    let errors = reply.json()["fehler"].clone();
    assert!(
        errors["option_nutzer"]
            .as_str()
            .expect("nutzer")
            .contains("mindestens 10")
    );
    assert!(
        errors["option_rechenzentrum"]
            .as_str()
            .expect("rz")
            .contains("Hamburg, Norderstedt")
    );
    assert!(
        errors["billing_postcode"]
            .as_str()
            .expect("plz")
            .contains("fünf Ziffern")
    );
    assert!(errors["plan"].is_string());
    assert!(
        errors["contract_model"]
            .as_str()
            .expect("uv")
            .contains("inhousefähig"),
        "Umklappvertrag only for in-house capable organisations: {errors}"
    );

    // Kundenkreis: this offering is for Bund and Länder only; the organisation is a Kommune.
    let mut scope = dmessenger_order("scope-1", "direktvertrag");
    scope.retain(|(name, _)| !name.starts_with("option_"));
    for (name, value) in scope.iter_mut() {
        if *name == "offering" {
            *value = "certificate-service-manager".to_owned();
        }
        if *name == "plan" {
            *value = "basis".to_owned();
        }
    }
    let reply = app
        .post_form(
            "/api/bestellungen",
            &as_pairs(&scope),
            Opts::json()
                .cookie(&cookie)
                .csrf(&app.csrf_token(&cookie).await),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(
        reply.json()["fehler"]["kundenkreis"]
            .as_str()
            .expect("scope")
            .contains("Kommune")
    );
    // Without JavaScript the form comes back saying so above the form.
    let reply = app
        .post_form(
            "/api/bestellungen",
            &as_pairs(&scope),
            Opts::html()
                .cookie(&cookie)
                .csrf(&app.csrf_token(&cookie).await),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(
        text(one(&parse(&reply), ".error-summary h2")).contains("Kommune"),
        "the summary says who may order the offering"
    );

    // Unknown, draft and retired offerings cannot be ordered; nobody signed in cannot order.
    for offering in [
        "gibt-es-nicht",
        "serverless-functions",
        "ddatabox-testzugang",
    ] {
        let mut fields = dmessenger_order("x", "direktvertrag");
        fields[0].1 = offering.to_owned();
        let reply = app
            .post_form(
                "/api/bestellungen",
                &as_pairs(&fields),
                Opts::json()
                    .cookie(&cookie)
                    .csrf(&app.csrf_token(&cookie).await),
            )
            .await;
        assert_eq!(reply.status, 404, "{offering}: {}", reply.body);
    }
    let anonymous = app
        .post_form(
            "/api/bestellungen",
            &as_pairs(&dmessenger_order("y", "direktvertrag")),
            Opts::json(),
        )
        .await;
    assert_eq!(anonymous.status, 401);
    // A cross-site post and a wrong CSRF token are refused.
    let cross = app
        .post_form(
            "/api/bestellungen",
            &as_pairs(&dmessenger_order("z", "direktvertrag")),
            Opts::json().cookie(&cookie).origin("https://evil.example"),
        )
        .await;
    assert_eq!(cross.status, 403);
    let bad_token = app
        .post_form(
            "/api/bestellungen",
            &as_pairs(&dmessenger_order("z", "direktvertrag")),
            Opts::json().cookie(&cookie).csrf("falsch"),
        )
        .await;
    assert_eq!(bad_token.status, 403);

    let session = app
        .get("/api/sitzung", Opts::json().cookie(&cookie))
        .await
        .json();
    let org_id = session["organisation"]["id"]
        .as_str()
        .expect("org")
        .to_owned();
    assert!(
        store
            .list_org_orders(&org_id)
            .await
            .expect("list")
            .is_empty(),
        "nothing stored"
    );
    assert_eq!(app.mails.sent().len(), mails_before, "no mail sent");
}

pub async fn orders_are_isolated(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let cookie_a = member(&app, "Amt A", "a@amt-a.de", true).await;
    let cookie_b = member(&app, "Amt B", "b@amt-b.de", true).await;
    let id = place(&app, &cookie_a, &dmessenger_order("iso-1", "direktvertrag")).await;
    let paths = [
        format!("/api/konto/bestellungen/{id}"),
        format!("/api/konto/bestellungen/{id}/vertragsmappe"),
        format!("/api/konto/bestellungen/{id}/vertragsmappe.pdf"),
    ];
    for path in &paths {
        let own = app.get(path, Opts::html().cookie(&cookie_a)).await;
        assert_eq!(own.status, 200, "{path}");
        let other = app.get(path, Opts::html().cookie(&cookie_b)).await;
        assert_eq!(other.status, 404, "{path} for another organisation");
        let page = parse(&other);
        assert!(
            !text(page.root_element()).contains("Amt A"),
            "{path} shows nothing of the other organisation"
        );
        let anonymous = app.get(path, Opts::json()).await;
        assert_eq!(anonymous.status, 401, "{path} without a session");
    }
    let list_b = app
        .get("/api/konto/bestellungen", Opts::json().cookie(&cookie_b))
        .await;
    assert_eq!(
        list_b.json()["bestellungen"]
            .as_array()
            .expect("list")
            .len(),
        0
    );
    assert_eq!(
        app.get("/api/konto/bestellungen", Opts::json())
            .await
            .status,
        401
    );

    // A new session of organisation A lists it: orders belong to the organisation's account.
    let again = super::flows::sign_in(&app, "a@amt-a.de", PASSWORD)
        .await
        .session_cookie()
        .expect("second session");
    let list_a = app
        .get("/api/konto/bestellungen", Opts::json().cookie(&again))
        .await;
    assert_eq!(list_a.json()["bestellungen"][0]["id"], id.as_str());
    // The forms that need an account send people without one to sign in: the order form
    // straight to the sign-in page, which comes back to it afterwards.
    let anonymous = app.get("/api/bestellen/dmessenger", Opts::html()).await;
    assert_eq!(
        (anonymous.status, anonymous.location.as_deref()),
        (
            303,
            Some("/anmelden/?weiter=%2Fapi%2Fbestellen%2Fdmessenger")
        )
    );
    for path in ["/api/bedarf"] {
        let anonymous = app.get(path, Opts::html()).await;
        assert_eq!(anonymous.status, 401, "{path}");
        let page = parse(&anonymous);
        assert_eq!(text(one(&page, "h1")), "Bitte melden Sie sich an");
        assert_eq!(
            text(one(&page, "main a[href='/api/anmeldung']")),
            "Anmelden",
            "{path} offers the sign-in"
        );
    }

    // Partners: the provider sees its own orders, another provider and the intermediary do
    // not see a Direktvertrag order; a forged token is refused.
    let path = format!("/api/partner/bestellungen/{id}");
    assert_eq!(app.get(&path, bearer(&app, dataport())).await.status, 200);
    assert_eq!(
        app.get(
            &path,
            bearer(&app, ApiParty::Provider("itzbund".to_owned()))
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.get(&path, bearer(&app, ApiParty::Intermediary))
            .await
            .status,
        404
    );
    let forged = Opts {
        json: true,
        bearer: Some("anbieter.dataport.0000".to_owned()),
        ..Opts::default()
    };
    assert_eq!(app.get(&path, forged).await.status, 401);
    let listed = app
        .get("/api/partner/bestellungen", bearer(&app, dataport()))
        .await;
    assert_eq!(listed.json()["bestellungen"][0]["id"], id.as_str());
}

pub async fn needs_are_reported(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let cookie = member(&app, "Stadt Bedarf", "bedarf@stadt.de", true).await;
    let form = app
        .get(
            "/api/bedarf?titel=Terminvergabe%20online",
            Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(form.status, 200);
    assert_eq!(
        attr(one(&parse(&form), "input#title"), "value"),
        "Terminvergabe online",
        "pre-filled from the search words"
    );

    let empty = app
        .post_form("/api/bedarf", &[], Opts::html().cookie(&cookie))
        .await;
    assert_eq!(empty.status, 422);
    let page = parse(&empty);
    assert_eq!(
        summary_targets(&page),
        ["#title", "#description"],
        "the summary leads to the missing fields"
    );
    for id in ["title", "description"] {
        assert_eq!(attr(one(&page, &format!("#{id}")), "aria-invalid"), "true");
    }
    let wrong = app
        .post_form(
            "/api/bedarf",
            &[
                ("title", "X"),
                ("description", "Y"),
                ("expected_users", "viele"),
                ("wished_date", "2020-01-01"),
                ("category", "gibt/es-nicht"),
            ],
            Opts::json()
                .cookie(&cookie)
                .csrf(&app.csrf_token(&cookie).await),
        )
        .await;
    assert_eq!(wrong.status, 422);
    let errors = wrong.json()["fehler"].clone();
    for field in ["expected_users", "wished_date", "category"] {
        assert!(errors[field].is_string(), "{field}: {errors}");
    }
    let operator_mails = app.mails_to("betrieb@portal.example");

    let reported = app
        .post_form(
            "/api/bedarf",
            &[
                ("title", "Terminvergabe online"),
                (
                    "description",
                    "Bürgerbüros brauchen eine Online-Terminvergabe mit Erinnerung per SMS.",
                ),
                ("category", "fachverfahren/bauen-wohnen"),
                ("expected_users", "40"),
                ("wished_date", "2099-03-01"),
                ("contact_preference", "telefon"),
            ],
            Opts::html()
                .cookie(&cookie)
                .csrf(&app.csrf_token(&cookie).await),
        )
        .await;
    assert_eq!(
        (reported.status, reported.location.as_deref()),
        (303, Some("/api/hinweis/bedarf-gemeldet")),
        "{}",
        reported.body
    );
    assert_eq!(
        app.get("/api/hinweis/bedarf-gemeldet", Opts::html())
            .await
            .status,
        200
    );
    assert_eq!(
        app.mails_to("betrieb@portal.example"),
        operator_mails + 1,
        "operator told"
    );
    let listed = app.get("/api/betrieb/bedarfe", Opts::operator()).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let need = listed.json()["bedarfe"][0].clone();
    assert_eq!(need["title"], "Terminvergabe online");
    assert_eq!(need["org_name"], "Stadt Bedarf");
    assert_eq!(need["expected_users"], 40);
    assert_eq!(
        app.get("/api/betrieb/bedarfe", Opts::json()).await.status,
        401
    );
    let anonymous = app
        .post_form(
            "/api/bedarf",
            &[("title", "T"), ("description", "D")],
            Opts::json(),
        )
        .await;
    assert_eq!(anonymous.status, 401);
}

/// 200 concurrent submissions, 50 of which repeat another's idempotency key: exactly 150
/// orders and 150 notifications.
pub async fn exactly_once_under_concurrency(store: Arc<dyn PortalStore>) {
    let app = Arc::new(spawn(store.clone()).await);
    let cookie = member(&app, "Stadt Ansturm", "ansturm@stadt.de", true).await;
    let provider_mails_before = app.mails_to(PROVIDER_MAIL);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let key = format!("key-{}", if i < 150 { i } else { i - 150 });
        let app = app.clone();
        let cookie = cookie.clone();
        tasks.push(tokio::spawn(async move {
            let fields = dmessenger_order(&key, "direktvertrag");
            let reply = app
                .post_form(
                    "/api/bestellungen",
                    &as_pairs(&fields),
                    Opts::json()
                        .cookie(&cookie)
                        .csrf(&app.csrf_token(&cookie).await),
                )
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            (
                key,
                reply.json()["bestellung"]["id"]
                    .as_str()
                    .expect("id")
                    .to_owned(),
            )
        }));
    }
    let mut by_key: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for task in tasks {
        let (key, id) = task.await.expect("task");
        if let Some(previous) = by_key.insert(key.clone(), id.clone()) {
            assert_eq!(previous, id, "{key} answered with two different orders");
        }
    }
    assert_eq!(by_key.len(), 150);
    let session = app
        .get("/api/sitzung", Opts::json().cookie(&cookie))
        .await
        .json();
    let org_id = session["organisation"]["id"]
        .as_str()
        .expect("org")
        .to_owned();
    let orders = store.list_org_orders(&org_id).await.expect("list");
    assert_eq!(orders.len(), 150, "exactly one order per key");
    let numbers: HashSet<&str> = orders.iter().map(|o| o.number.as_str()).collect();
    assert_eq!(numbers.len(), 150, "every order number is unique");
    assert_eq!(
        app.mails_to(PROVIDER_MAIL) - provider_mails_before,
        150,
        "one notification per order"
    );
}

/// Two parties' (or one party's repeated) concurrent decisions: exactly one wins.
pub async fn concurrent_decisions_leave_one(store: Arc<dyn PortalStore>) {
    let app = Arc::new(spawn(store).await);
    let cookie = member(&app, "Stadt Zugleich", "zugleich@stadt.de", true).await;
    let id = place(&app, &cookie, &dmessenger_order("race-1", "direktvertrag")).await;
    let link = decision_link(&app, PROVIDER_MAIL);
    let token = token_in(&link);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let app = app.clone();
        let id = id.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let reply = match i % 4 {
                0 => {
                    app.post_form(
                        "/api/entscheidung",
                        &[("token", token.as_str()), ("aktion", "bestaetigen")],
                        Opts::json(),
                    )
                    .await
                }
                1 => {
                    app.post_form(
                        "/api/entscheidung",
                        &[
                            ("token", token.as_str()),
                            ("aktion", "ablehnen"),
                            ("begruendung", "keine Kapazität"),
                        ],
                        Opts::json(),
                    )
                    .await
                }
                2 => {
                    app.post_form(
                        &format!("/api/partner/bestellungen/{id}/entscheidung"),
                        &[("aktion", "bestaetigen")],
                        bearer(&app, dataport()),
                    )
                    .await
                }
                _ => {
                    app.post_form(
                        &format!("/api/partner/bestellungen/{id}/entscheidung"),
                        &[("aktion", "ablehnen"), ("begruendung", "keine Kapazität")],
                        bearer(&app, dataport()),
                    )
                    .await
                }
            };
            reply.status
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.expect("task") {
            200 => won += 1,
            409 | 410 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(won, 1, "exactly one decision wins");
    let order = customer_view(&app, &cookie, &id).await;
    let history = statuses(&order);
    assert!(
        history == ["offen", "bestaetigt_anbieter_dv", "bestellt"]
            || history == ["offen", "abgelehnt_anbieter_dv"],
        "one decision in the history: {history:?}"
    );
}

pub async fn overdue_orders_are_listed(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let cookie = member(&app, "Stadt Frist", "frist@stadt.de", true).await;
    let waiting = place(&app, &cookie, &dmessenger_order("frist-1", "direktvertrag")).await;
    let decided = place(&app, &cookie, &dmessenger_order("frist-2", "direktvertrag")).await;
    let confirmed = app
        .post_form(
            &format!("/api/partner/bestellungen/{decided}/entscheidung"),
            &[("aktion", "bestaetigen")],
            bearer(&app, dataport()),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let link = decision_link(&app, PROVIDER_MAIL);

    let none = app
        .get("/api/betrieb/bestellungen/ueberfaellig", Opts::operator())
        .await;
    assert_eq!(
        none.json()["bestellungen"].as_array().expect("list").len(),
        0
    );

    app.clock.advance(31 * 86_400);
    let overdue = app
        .get("/api/betrieb/bestellungen/ueberfaellig", Opts::operator())
        .await;
    let list = overdue.json()["bestellungen"]
        .as_array()
        .cloned()
        .expect("list");
    assert_eq!(list.len(), 1, "only the undecided one: {list:?}");
    assert_eq!(list[0]["id"], waiting.as_str());
    assert_eq!(list[0]["ueberfaellig"], true);
    // The session timed out meanwhile: sign in again.
    let cookie = super::flows::sign_in(&app, "frist@stadt.de", PASSWORD)
        .await
        .session_cookie()
        .expect("signed in again");
    let page = app
        .get(
            &format!("/api/konto/bestellungen/{waiting}"),
            Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(
        text(one(&parse(&page), ".order-status .overdue")),
        "(Frist überschritten)",
        "flagged on the order"
    );
    // The decision link expired with the deadline.
    assert_eq!(app.get(&link, Opts::html()).await.status, 410);
}

/// The order store on its own: idempotent create, conditional status changes, single-use
/// links, the lists.
pub async fn store_conformance(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let cookie = member(&app, "Stadt Speicher", "speicher@stadt.de", true).await;
    let id = place(&app, &cookie, &dmessenger_order("conf-1", "direktvertrag")).await;
    let order: Order = store.get_order(&id).await.expect("get").expect("stored");
    assert_eq!(order.status, OrderStatus::Offen);

    // The same key again, directly at the store: the stored order comes back.
    let mut duplicate = order.clone();
    duplicate.id = "anderes-id".to_owned();
    match store.create_order(&duplicate, &[]).await.expect("create") {
        CreatedOrder::Existing(existing) => assert_eq!(existing.id, order.id),
        CreatedOrder::New => panic!("a second order with the same key was stored"),
    }
    assert!(store.get_order("anderes-id").await.expect("get").is_none());
    assert_eq!(
        store
            .find_order_by_key(&order.org_id, "conf-1")
            .await
            .expect("find")
            .map(|o| o.id),
        Some(order.id.clone())
    );

    // Conditional status change: only from the expected status.
    let mut next = order.clone();
    next.status = OrderStatus::PruefungAnbieterDv;
    assert!(matches!(
        store
            .update_order_status(&next, OrderStatus::Bestellt, None, &[])
            .await,
        Err(StoreError::Conflict)
    ));
    let mut missing = next.clone();
    missing.id = "gibt-es-nicht".to_owned();
    assert!(matches!(
        store
            .update_order_status(&missing, OrderStatus::Offen, None, &[])
            .await,
        Err(StoreError::NotFound)
    ));
    let link = UsedLink {
        hash: "a".repeat(64),
        expires_at: START + 1000,
    };
    store
        .update_order_status(&next, OrderStatus::Offen, Some(&link), &[])
        .await
        .expect("first change");
    assert!(store.is_link_used(&link.hash).await.expect("used"));
    let mut third = next.clone();
    third.status = OrderStatus::AbgelehntAnbieterDv;
    assert!(
        matches!(
            store
                .update_order_status(&third, OrderStatus::PruefungAnbieterDv, Some(&link), &[])
                .await,
            Err(StoreError::Conflict)
        ),
        "a used link cannot decide again"
    );
    assert_eq!(
        store
            .get_order(&id)
            .await
            .expect("get")
            .expect("order")
            .status,
        OrderStatus::PruefungAnbieterDv,
        "the refused change left nothing behind"
    );
    assert_eq!(
        store
            .list_undecided_orders()
            .await
            .expect("undecided")
            .len(),
        1
    );
    store
        .update_order_status(&third, OrderStatus::PruefungAnbieterDv, None, &[])
        .await
        .expect("final change");
    assert!(
        store
            .list_undecided_orders()
            .await
            .expect("undecided")
            .is_empty()
    );

    // Lists are newest first.
    app.clock.advance(10);
    let newer = place(&app, &cookie, &dmessenger_order("conf-2", "direktvertrag")).await;
    let listed: Vec<String> = store
        .list_org_orders(&order.org_id)
        .await
        .expect("list")
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(listed, [newer.clone(), id.clone()]);
    let provider: Vec<String> = store
        .list_provider_orders("dataport")
        .await
        .expect("list")
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(provider, [newer, id]);
    assert!(
        store
            .list_provider_orders("itzbund")
            .await
            .expect("list")
            .is_empty()
    );
}

const DAY: i64 = functions::domain::orders::DAY;

/// The mails to `to` whose subject starts with `subject`.
fn mails_about(
    app: &TestApp,
    to: &str,
    subject: &str,
) -> Vec<functions::domain::model::OutgoingMail> {
    app.mails
        .sent()
        .into_iter()
        .filter(|m| m.to == to && m.subject.starts_with(subject))
        .collect()
}

/// Moves the clock to `day` days after [`START`] (when the test's orders were placed).
fn to_day(app: &TestApp, day: i64) {
    let now = app.state.orders.now();
    app.clock.advance(START + day * DAY - now);
}

/// Reminders on day 20 and 27 to the party whose decision is due, each once; at day 30 the
/// undecided orders are closed in that party's name and everyone concerned is told; a
/// decision on day 29 ends it; links and the API answer after the end that the period ended.
pub async fn deadlines_remind_and_expire_once(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let cookie = member(&app, "Stadt Frist", "frist@stadt.de", true).await;
    let late = place(&app, &cookie, &dmessenger_order("late", "direktvertrag")).await;
    let decided = place(&app, &cookie, &dmessenger_order("decided", "direktvertrag")).await;
    let through = place(
        &app,
        &cookie,
        &dmessenger_order("through", "umklappvertrag"),
    )
    .await;
    let late_link = decision_link(&app, PROVIDER_MAIL);
    let number = |id: &str| {
        let store = store.clone();
        let id = id.to_owned();
        async move {
            store
                .get_order(&id)
                .await
                .expect("get")
                .expect("order")
                .number
        }
    };
    let late_number = number(&late).await;
    let through_number = number(&through).await;

    to_day(&app, 19);
    let work = app.state.run_due_work().await;
    assert_eq!((work.reminded, work.expired, work.failed), (0, 0, 0));

    to_day(&app, 20);
    let work = app.state.run_due_work().await;
    assert_eq!(
        (work.reminded, work.expired, work.failed),
        (3, 0, 0),
        "{work:?}"
    );
    assert_eq!(
        app.state.run_due_work().await.reminded,
        0,
        "each reminder once"
    );
    assert_eq!(mails_about(&app, PROVIDER_MAIL, "Erinnerung").len(), 2);
    let to_intermediary = mails_about(&app, INTERMEDIARY_MAIL, "Erinnerung");
    assert_eq!(to_intermediary.len(), 1, "the intermediary decides first");
    assert!(to_intermediary[0].subject.contains(&through_number));
    assert!(to_intermediary[0].body.contains("/api/entscheidung?token="));
    assert!(to_intermediary[0].body.contains("&aktion=bestaetigen"));

    to_day(&app, 21);
    let confirmed = app
        .post_form(
            &format!("/api/partner/bestellungen/{through}/entscheidung"),
            &[("aktion", "bestaetigen")],
            bearer(&app, ApiParty::Intermediary),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);

    to_day(&app, 27);
    let work = app.state.run_due_work().await;
    assert_eq!((work.reminded, work.expired), (3, 0), "{work:?}");
    assert_eq!(app.state.run_due_work().await.reminded, 0);
    let reminders = mails_about(&app, PROVIDER_MAIL, "Erinnerung");
    assert_eq!(reminders.len(), 5, "day 27: the provider of all three");
    assert!(
        reminders
            .iter()
            .any(|m| m.subject.contains(&through_number)),
        "the provider's turn after the intermediary's confirmation"
    );
    assert_eq!(mails_about(&app, INTERMEDIARY_MAIL, "Erinnerung").len(), 1);

    to_day(&app, 29);
    let on_time = app
        .post_form(
            &format!("/api/partner/bestellungen/{decided}/entscheidung"),
            &[("aktion", "bestaetigen")],
            bearer(&app, dataport()),
        )
        .await;
    assert_eq!(on_time.status, 200, "{}", on_time.body);

    to_day(&app, 30);
    let work = app.state.run_due_work().await;
    assert_eq!(
        (work.reminded, work.expired, work.failed),
        (0, 2, 0),
        "{work:?}"
    );
    assert_eq!(app.state.run_due_work().await.expired, 0, "closed once");

    let late_order = store.get_order(&late).await.expect("get").expect("order");
    assert_eq!(late_order.status, OrderStatus::AbgelehntAnbieterDv);
    assert_eq!(
        late_order.rejection_reason(),
        Some("Keine Entscheidung innerhalb von 30 Tagen")
    );
    let through_order = store
        .get_order(&through)
        .await
        .expect("get")
        .expect("order");
    assert_eq!(through_order.status, OrderStatus::AbgelehntAnbieterUv);
    let decided_order = store
        .get_order(&decided)
        .await
        .expect("get")
        .expect("order");
    assert_eq!(
        decided_order.status,
        OrderStatus::Bestellt,
        "decided on day 29"
    );

    let customer = mails_about(&app, "frist@stadt.de", "Bestellung CSP-");
    for number in [&late_number, &through_number] {
        let told: Vec<_> = customer
            .iter()
            .filter(|m| m.subject.contains(number.as_str()) && m.subject.contains("Abgelehnt"))
            .collect();
        assert_eq!(told.len(), 1, "the customer is told once about {number}");
        assert!(
            told[0]
                .body
                .contains("Keine Entscheidung innerhalb von 30 Tagen")
        );
    }
    let operator = mails_about(&app, "betrieb@portal.example", "Bestellung CSP-");
    assert_eq!(
        operator.len(),
        2,
        "the operator hears of both: {operator:#?}"
    );
    let intermediary = mails_about(&app, INTERMEDIARY_MAIL, "Bestellung CSP-");
    assert_eq!(
        intermediary.len(),
        1,
        "only the Umklappvertrag: {intermediary:#?}"
    );
    assert!(intermediary[0].subject.contains(&through_number));

    // The link from the first mail: the period has ended, whichever way it is used.
    let page = app.get(&late_link, Opts::html()).await;
    assert_eq!(page.status, 410, "{}", page.body);
    assert!(
        page.body.contains("Entscheidungsfrist abgelaufen"),
        "{}",
        page.body
    );
    let csrf_free = app
        .post_form(
            "/api/entscheidung",
            &[("token", &token_in(&late_link)), ("aktion", "bestaetigen")],
            Opts::json(),
        )
        .await;
    assert_eq!(csrf_free.status, 410, "{}", csrf_free.body);
    assert!(csrf_free.body.contains("Frist"), "{}", csrf_free.body);
    let api = app
        .post_form(
            &format!("/api/partner/bestellungen/{late}/entscheidung"),
            &[("aktion", "bestaetigen")],
            bearer(&app, dataport()),
        )
        .await;
    assert_eq!(api.status, 410, "{}", api.body);
    assert_eq!(
        store
            .get_order(&late)
            .await
            .expect("get")
            .expect("order")
            .status,
        OrderStatus::AbgelehntAnbieterDv,
        "nothing changed"
    );
}

/// Two runs at the same time send each reminder and close each order once.
pub async fn overlapping_runs_do_the_work_once(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let cookie = member(&app, "Stadt Parallel", "parallel@stadt.de", true).await;
    let mut ids = Vec::new();
    for key in ["p-1", "p-2", "p-3"] {
        ids.push(place(&app, &cookie, &dmessenger_order(key, "direktvertrag")).await);
    }
    let run = || {
        let state = app.state.clone();
        tokio::spawn(async move { state.run_due_work().await })
    };
    for (day, reminders) in [(20, 3), (27, 6)] {
        to_day(&app, day);
        let runs = [run(), run(), run(), run()];
        let mut reminded = 0;
        for handle in runs {
            reminded += handle.await.expect("run").reminded;
        }
        assert_eq!(reminded, 3, "day {day}: one reminder per order");
        assert_eq!(
            mails_about(&app, PROVIDER_MAIL, "Erinnerung").len(),
            reminders,
            "day {day}"
        );
    }
    to_day(&app, 30);
    let runs = [run(), run(), run(), run()];
    let mut expired = 0;
    for handle in runs {
        expired += handle.await.expect("run").expired;
    }
    assert_eq!(expired, 3, "each order closed once");
    assert_eq!(
        mails_about(&app, "betrieb@portal.example", "Bestellung CSP-").len(),
        3,
        "one notice per order"
    );
    for id in &ids {
        let order = store.get_order(id).await.expect("get").expect("order");
        assert_eq!(order.status, OrderStatus::AbgelehntAnbieterDv);
        assert_eq!(
            order.history.len(),
            2,
            "one closing step: {:?}",
            order.history
        );
    }
}

/// The reminder's store operation on its own: once per marker, only in the expected
/// status, all or nothing.
pub async fn reminders_are_queued_once_in_the_expected_status(store: Arc<dyn PortalStore>) {
    let app = spawn(store.clone()).await;
    let cookie = member(&app, "Stadt Marker", "marker@stadt.de", true).await;
    let id = place(
        &app,
        &cookie,
        &dmessenger_order("marker-1", "direktvertrag"),
    )
    .await;
    app.state.outbox.deliver_all().await;
    let reminder = |n: u8| functions::domain::model::OutgoingMail {
        id: functions::domain::tokens::new_id(),
        to: "erinnerung@test.example".to_owned(),
        subject: format!("Erinnerung {n}"),
        body: "Text".to_owned(),
        created_at: START,
        ..Default::default()
    };
    let marker = |name: &str| UsedLink {
        hash: functions::domain::tokens::sha256_hex(name),
        expires_at: START + 30 * DAY,
    };
    store
        .queue_reminder(&id, OrderStatus::Offen, &marker("day-20"), &[reminder(1)])
        .await
        .expect("first");
    assert!(matches!(
        store
            .queue_reminder(&id, OrderStatus::Offen, &marker("day-20"), &[reminder(2)])
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        store
            .queue_reminder(
                &id,
                OrderStatus::Bestellt,
                &marker("day-27"),
                &[reminder(3)]
            )
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(
        !store
            .is_link_used(&marker("day-27").hash)
            .await
            .expect("read"),
        "a refused reminder leaves no marker"
    );
    assert!(matches!(
        store
            .queue_reminder(
                "gibt-es-nicht",
                OrderStatus::Offen,
                &marker("x"),
                &[reminder(4)]
            )
            .await,
        Err(StoreError::NotFound)
    ));
    app.state.outbox.deliver_all().await;
    let sent: Vec<String> = app
        .mails
        .sent()
        .into_iter()
        .filter(|m| m.to == "erinnerung@test.example")
        .map(|m| m.subject)
        .collect();
    assert_eq!(sent, ["Erinnerung 1"], "only the first reminder's mail");
    store
        .queue_reminder(&id, OrderStatus::Offen, &marker("day-27"), &[])
        .await
        .expect("another day's marker");
}

/// The contract folder keeps the CSP-AGB text agreed to: after the operator publishes a new
/// version, an older order's folder still shows the old text, a new order the new one.
pub async fn folder_keeps_the_agreed_agb_text(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let cookie = member(&app, "Stadt Fassung", "fassung@stadt.de", true).await;
    let before = place(&app, &cookie, &dmessenger_order("agb-alt", "direktvertrag")).await;
    let old_text = &sample_order_catalog().agb_text;
    assert!(
        old_text.contains("Maßgeblich ist jeweils die Fassung"),
        "the sample content's AGB: {old_text}"
    );

    let mut next = sample_order_catalog().clone();
    next.agb_version = "2027-01".to_owned();
    next.agb_text = "## Neue Regeln\n\nAb 2027 gilt dieser geänderte Wortlaut.".to_owned();
    app.state.orders.set_catalog(next);
    let after = place(&app, &cookie, &dmessenger_order("agb-neu", "direktvertrag")).await;

    let folder = |id: String| {
        let (app, cookie) = (&app, &cookie);
        async move {
            let page = app
                .get(
                    &format!("/api/konto/bestellungen/{id}/vertragsmappe"),
                    Opts::html().cookie(cookie),
                )
                .await;
            assert_eq!(page.status, 200, "{}", page.body);
            text(one(&parse(&page), "main"))
        }
    };
    let old_folder = folder(before).await;
    assert!(
        old_folder.contains("Maßgeblich ist jeweils die Fassung"),
        "the old order keeps the old text: {old_folder}"
    );
    assert!(old_folder.contains("2026-01"));
    assert!(!old_folder.contains("Ab 2027 gilt"), "{old_folder}");
    let new_folder = folder(after).await;
    assert!(
        new_folder.contains("Ab 2027 gilt dieser geänderte Wortlaut."),
        "{new_folder}"
    );
    assert!(new_folder.contains("2027-01"));
    assert!(!new_folder.contains("Maßgeblich ist jeweils die Fassung"));
    // The provider's documents as listed at order time.
    assert!(
        old_folder.contains("https://example.org/dmessenger/leistungsbeschreibung.pdf"),
        "{old_folder}"
    );
}

/// Every document of the contract folder on its own, and all of them in one ZIP file; only
/// for the ordering organisation.
pub async fn folder_documents_download_one_by_one_and_as_zip(store: Arc<dyn PortalStore>) {
    use functions::domain::orders::folder_documents::DOCUMENTS;
    use std::io::Read as _;
    let app = spawn(store).await;
    let cookie = member(&app, "Stadt Mappe", "mappe@stadt.de", true).await;
    let other = member(&app, "Stadt Fremd", "fremd@stadt.de", true).await;
    let id = place(&app, &cookie, &dmessenger_order("mappe-1", "direktvertrag")).await;

    let page = app
        .get(
            &format!("/api/konto/bestellungen/{id}/vertragsmappe"),
            Opts::html().cookie(&cookie),
        )
        .await;
    let links: Vec<String> = all(&parse(&page), ".folder-documents a")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    assert_eq!(links.len(), DOCUMENTS.len(), "{links:?}");

    let mut single = std::collections::HashMap::new();
    for link in &links {
        let (status, headers, body) = app.get_bytes(link, Opts::html().cookie(&cookie)).await;
        assert_eq!(status, 200, "{link}");
        let disposition = headers["content-disposition"].to_str().expect("ascii");
        assert!(
            disposition.starts_with("attachment; filename=\"CSP-"),
            "{disposition}"
        );
        let file = link.rsplit('/').next().expect("file").to_owned();
        single.insert(file, body);
        let (status, _, _) = app.get_bytes(link, Opts::html().cookie(&other)).await;
        assert_eq!(status, 404, "{link} for another organisation");
    }
    let agb = String::from_utf8(single["agb.md"].clone()).expect("UTF-8");
    assert!(agb.contains("Fassung 2026-01"), "{agb}");
    assert!(
        agb.contains(&sample_order_catalog().agb_text),
        "the agreed text word for word"
    );
    let documents = String::from_utf8(single["anbieterdokumente.txt"].clone()).expect("UTF-8");
    assert!(documents.contains("https://example.org/dmessenger/leistungsbeschreibung.pdf"));
    let master = String::from_utf8(single["stammdaten.txt"].clone()).expect("UTF-8");
    assert!(
        master.contains("Stadt Mappe") && master.contains("Rechnungsanschrift"),
        "{master}"
    );
    assert!(single["bestelluebersicht.pdf"].starts_with(b"%PDF"));
    let unknown = app
        .get(
            &format!("/api/konto/bestellungen/{id}/vertragsmappe/geheim.txt"),
            Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(unknown.status, 404);

    let (status, headers, body) = app
        .get_bytes(
            &format!("/api/konto/bestellungen/{id}/vertragsmappe.zip"),
            Opts::html().cookie(&cookie),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body)).expect("a ZIP file");
    assert_eq!(archive.len(), DOCUMENTS.len());
    for (file, bytes) in &single {
        let name = archive
            .file_names()
            .find(|n| n.ends_with(&format!("/{file}")))
            .expect("in the ZIP")
            .to_owned();
        let mut content = Vec::new();
        archive
            .by_name(&name)
            .expect("entry")
            .read_to_end(&mut content)
            .expect("read");
        if file.ends_with(".pdf") {
            assert!(content.starts_with(b"%PDF"), "{name}");
        } else {
            assert_eq!(&content, bytes, "{name} as downloaded alone");
        }
    }
    let (status, _, _) = app
        .get_bytes(
            &format!("/api/konto/bestellungen/{id}/vertragsmappe.zip"),
            Opts::html().cookie(&other),
        )
        .await;
    assert_eq!(status, 404);
}
