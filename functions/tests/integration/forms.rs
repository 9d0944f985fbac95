//! Every form looks the same whether the static site shows it or the function shows it
//! again: the same fields, ids, names, labels and hints, and where the function found
//! mistakes, the error summary and each field's message in the theme's markup.
//!
//! The static pages come from a real `csp build` of the sample content; the function
//! renders with the templates that build shipped to `function-data/templates/`.
use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use common::flows::{register_confirm_approve, set_password_and_sign_in};
use common::*;
use functions::store::SqliteStore;
use scraper::{ElementRef, Html, Selector};

/// The sample site, built once for all tests of this file.
fn built() -> &'static Path {
    static BUILT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &BUILT
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            generator::build::build(&generator::build::BuildOptions {
                content: repo.join("content"),
                theme: repo.join("themes/default"),
                out: dir.path().join("public"),
                data_out: dir.path().join("function-data"),
            })
            .unwrap_or_else(|e| panic!("csp build of the sample content: {e}"));
            let path = dir.path().to_owned();
            (dir, path)
        })
        .1
}

fn static_page(url: &str) -> Html {
    let file = built()
        .join("public")
        .join(url.trim_start_matches('/'))
        .join("index.html");
    Html::parse_document(&std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{url}: {e}")))
}

/// The function over a fresh SQLite store, rendering with the build's shipped templates.
async fn app() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("f.sqlite3")).expect("store");
    let app = spawn(Arc::new(store)).await;
    let pages = functions::pages::Pages::open(&built().join("function-data/templates"))
        .expect("the shipped templates load");
    app.state.replace_pages(pages);
    (app, dir)
}

async fn signed_in(app: &TestApp, email: &str) -> String {
    let link = register_confirm_approve(app, "Stadt Formvergleich", email).await;
    set_password_and_sign_in(app, &link, email).await
}

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("{css}: {e:?}"))
}

/// A control of the form: what a person and the form's submission see of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Control {
    tag: String,
    id: String,
    name: String,
    kind: String,
    required: bool,
    /// The visible label (or the group's legend for radio buttons), spaces folded.
    label: String,
    /// The texts of the hints it is described by.
    hints: Vec<String>,
}

fn text(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The form posting to `action` on `page`: its controls, without the values the function
/// fills in (tokens).
fn controls(page: &Html, action: &str) -> BTreeSet<Control> {
    let form = page
        .select(&sel(&format!("main form[action='{action}']")))
        .next()
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let label_for = |id: &str| {
        page.select(&sel(&format!("label[for='{id}']")))
            .next()
            .map(text)
            .unwrap_or_default()
    };
    form.select(&sel("input, select, textarea"))
        .map(|c| {
            let attr = |name: &str| c.value().attr(name).unwrap_or_default().to_owned();
            let id = attr("id");
            let hints = attr("aria-describedby")
                .split_whitespace()
                .filter(|d| d.ends_with("-hinweis"))
                .map(|d| {
                    page.select(&sel(&format!("[id='{d}']")))
                        .next()
                        .map(text)
                        .unwrap_or_else(|| format!("missing #{d}"))
                })
                .collect();
            Control {
                tag: c.value().name().to_owned(),
                label: if id.is_empty() {
                    String::new()
                } else {
                    label_for(&id)
                },
                name: attr("name"),
                kind: attr("type"),
                required: c.value().attr("required").is_some(),
                hints,
                id,
            }
        })
        .collect()
}

/// What the error markup says: each field's message and what points at it.
#[derive(Debug)]
struct Mistakes {
    /// Summary entries: link target → message.
    summary: Vec<(String, String)>,
    /// Field messages: the message element's id → text.
    messages: Vec<(String, String)>,
}

fn mistakes(page: &Html) -> Mistakes {
    let summary = page
        .select(&sel("main .error-summary[data-error-summary] li a"))
        .map(|a| {
            (
                a.value()
                    .attr("href")
                    .unwrap_or_default()
                    .trim_start_matches('#')
                    .to_owned(),
                text(a),
            )
        })
        .collect();
    let messages = page
        .select(&sel("main form p.field-error"))
        .map(|p| (p.value().attr("id").unwrap_or_default().to_owned(), text(p)))
        .collect();
    Mistakes { summary, messages }
}

/// The function's page with mistakes: every summary entry leads to an element of the page
/// that has the message, is marked invalid and described by it, and every message is in the
/// summary.
fn assert_errors_marked(page: &Html, form: &str) {
    let found = mistakes(page);
    assert!(!found.summary.is_empty(), "{form}: no error summary");
    let summary = page
        .select(&sel("main .error-summary"))
        .next()
        .expect("summary");
    assert!(
        summary.value().attr("hidden").is_none() && summary.value().attr("autofocus").is_some(),
        "{form}: the summary is shown and takes the focus"
    );
    for (target, message) in &found.summary {
        let control = page
            .select(&sel(&format!("[id='{target}']")))
            .next()
            .unwrap_or_else(|| panic!("{form}: the summary links to #{target}, which is missing"));
        let described = control.value().attr("aria-describedby").unwrap_or_default();
        let error_id = described
            .split_whitespace()
            .find(|d| d.ends_with("-fehler"))
            .unwrap_or_else(|| panic!("{form}: #{target} is not described by its message"));
        assert_eq!(
            control.value().attr("aria-invalid"),
            Some("true"),
            "{form}: #{target}"
        );
        let shown = found
            .messages
            .iter()
            .find(|(id, _)| id == error_id)
            .unwrap_or_else(|| panic!("{form}: no message #{error_id}"));
        assert_eq!(&shown.1, message, "{form}: #{target}");
    }
    assert_eq!(
        found.messages.len(),
        found.summary.len(),
        "{form}: a message for each summary entry: {found:?}"
    );
}

async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> Html {
    let opts = cookie.map_or_else(Opts::html, |c| Opts::html().cookie(c));
    let reply = app.get(path, opts).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    Html::parse_document(&reply.body)
}

async fn posted(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    cookie: Option<&str>,
    csrf: Option<&str>,
) -> Html {
    let mut opts = cookie.map_or_else(Opts::html, |c| Opts::html().cookie(c));
    if let Some(token) = csrf {
        opts = opts.csrf(token);
    }
    let reply = app.post_form(path, fields, opts).await;
    assert!(
        reply.status == 422 || reply.status == 401,
        "{path}: {} {}",
        reply.status,
        reply.body
    );
    Html::parse_document(&reply.body)
}

fn assert_same_controls(expected: &Html, actual: &Html, action: &str, what: &str) {
    let (expected, actual) = (controls(expected, action), controls(actual, action));
    assert_same_control_sets(&expected, &actual, what);
}

fn assert_same_control_sets(expected: &BTreeSet<Control>, actual: &BTreeSet<Control>, what: &str) {
    assert!(!expected.is_empty(), "{what}: no controls");
    let missing: Vec<_> = expected.difference(actual).collect();
    let extra: Vec<_> = actual.difference(expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: only on the static page {missing:#?}\nonly on the function's {extra:#?}"
    );
}

#[tokio::test]
async fn sign_in_form_is_the_same_static_and_with_mistakes() {
    let (app, _dir) = app().await;
    let fixed = static_page("/anmelden/");
    let empty = page(&app, "/api/anmeldung", None).await;
    assert_same_controls(&fixed, &empty, "/api/anmeldung", "sign-in, empty");
    let wrong = posted(
        &app,
        "/api/anmeldung",
        &[("email", "kein-at-zeichen")],
        None,
        None,
    )
    .await;
    assert_same_controls(&fixed, &wrong, "/api/anmeldung", "sign-in, with mistakes");
    assert_errors_marked(&wrong, "sign-in");
}

#[tokio::test]
async fn registration_form_is_the_same_static_and_with_mistakes() {
    let (app, _dir) = app().await;
    let fixed = static_page("/registrieren/");
    let empty = page(&app, "/api/registrierung", None).await;
    assert_same_controls(&fixed, &empty, "/api/registrierung", "registration, empty");
    let wrong = posted(
        &app,
        "/api/registrierung",
        &[
            ("plz", "12"),
            ("email", "x@"),
            ("telefon", "abc"),
            ("rechtsform", "Verein"),
        ],
        None,
        None,
    )
    .await;
    // Without JavaScript the function asks its arithmetic question (outside <noscript> once
    // the proof of work is missing); everything else is the static form.
    let question: BTreeSet<_> = controls(&wrong, "/api/registrierung")
        .difference(&controls(&fixed, "/api/registrierung"))
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(
        question,
        BTreeSet::from(["frage_antwort".to_owned(), "frage_token".to_owned()])
    );
    let mistakes = mistakes(&wrong);
    for field in [
        "org-name",
        "org-legal-form",
        "org-postcode",
        "admin-email",
        "admin-phone",
        "consent-agb",
        "consent-privacy",
    ] {
        assert!(
            mistakes.summary.iter().any(|(target, _)| target == field),
            "registration: no message for #{field}: {mistakes:?}"
        );
    }
    assert_errors_marked(&wrong, "registration");
}

#[tokio::test]
async fn password_forms_keep_their_fields_with_mistakes() {
    let (app, _dir) = app().await;
    let empty = page(&app, "/api/passwort-vergessen", None).await;
    let wrong = posted(
        &app,
        "/api/passwort-vergessen",
        &[("email", "nicht gültig")],
        None,
        None,
    )
    .await;
    assert_same_controls(
        &empty,
        &wrong,
        "/api/passwort-vergessen",
        "password forgotten",
    );
    assert_errors_marked(&wrong, "password forgotten");

    let link = register_confirm_approve(&app, "Amt Passwortform", "pw@amt.example").await;
    let empty = page(&app, &path_of(&link), None).await;
    let token = token_of(&link);
    let wrong = posted(
        &app,
        "/api/passwort-setzen",
        &[
            ("token", &token),
            ("passwort", "zu kurz"),
            ("passwort_wiederholung", ""),
        ],
        None,
        None,
    )
    .await;
    assert_same_controls(&empty, &wrong, "/api/passwort-setzen", "set password");
    assert_errors_marked(&wrong, "set password");
}

#[tokio::test]
async fn need_form_is_the_same_static_and_with_mistakes() {
    let (app, _dir) = app().await;
    let cookie = signed_in(&app, "bedarf@amt.example").await;
    let fixed = static_page("/bedarf-melden/");
    let empty = page(&app, "/api/bedarf", Some(&cookie)).await;
    assert_same_controls(&fixed, &empty, "/api/bedarf", "Bedarf, empty");
    let session = app
        .get("/api/sitzung", Opts::json().cookie(&cookie))
        .await
        .json();
    let csrf = session["csrf"].as_str().expect("csrf").to_owned();
    let wrong = posted(
        &app,
        "/api/bedarf",
        &[("expected_users", "-3"), ("wished_date", "2001-01-01")],
        Some(&cookie),
        Some(&csrf),
    )
    .await;
    assert_same_controls(&fixed, &wrong, "/api/bedarf", "Bedarf, with mistakes");
    assert_errors_marked(&wrong, "Bedarf");
    let found = mistakes(&wrong);
    let targets: Vec<&str> = found.summary.iter().map(|(t, _)| t.as_str()).collect();
    for field in ["title", "description", "expected-users", "wished-date"] {
        assert!(
            targets.contains(&field),
            "Bedarf: no message for #{field}: {targets:?}"
        );
    }
}

#[tokio::test]
async fn order_forms_are_the_same_static_and_with_mistakes() {
    let (app, _dir) = app().await;
    let cookie = signed_in(&app, "bestellung@amt.example").await;
    let session = app
        .get("/api/sitzung", Opts::json().cookie(&cookie))
        .await
        .json();
    let csrf = session["csrf"].as_str().expect("csrf").to_owned();
    // A sample: with options of every kind, with the Umklappvertrag, free of charge.
    let offerings: Vec<&str> = sample_order_catalog()
        .offerings
        .iter()
        .map(|o| o.id.as_str())
        .step_by(5)
        .chain(["dmessenger"])
        .collect();
    for id in offerings {
        let fixed = static_page(&format!("/bestellen/{id}/"));
        // The function's form is the static one plus the organisation's saved addresses,
        // which make the typed address optional (it is needed only for another address).
        let expected: BTreeSet<Control> = controls(&fixed, "/api/bestellungen")
            .into_iter()
            .map(|mut c| {
                if c.name.starts_with("billing_") {
                    c.required = false;
                    c.label = c.label.replace("(Pflichtfeld)", "(freiwillig)");
                }
                c
            })
            .collect();
        let function_form = |page: &Html| {
            let mut found = controls(page, "/api/bestellungen");
            let saved: Vec<Control> = found
                .iter()
                .filter(|c| c.name == "billing_address")
                .cloned()
                .collect();
            assert_eq!(saved.len(), 1, "{id}: one select of the saved addresses");
            assert_eq!(saved[0].tag, "select");
            assert!(
                saved[0].label.starts_with("Gespeicherte Adresse"),
                "{saved:?}"
            );
            found.remove(&saved[0]);
            found
        };
        let empty = page(&app, &format!("/api/bestellen/{id}"), Some(&cookie)).await;
        assert_same_control_sets(&expected, &function_form(&empty), id);
        let wrong = posted(
            &app,
            "/api/bestellungen",
            &[
                ("offering", id),
                ("billing_address", ""),
                ("billing_postcode", "1"),
            ],
            Some(&cookie),
            Some(&csrf),
        )
        .await;
        assert_same_control_sets(&expected, &function_form(&wrong), id);
        assert_errors_marked(&wrong, id);
    }
}
