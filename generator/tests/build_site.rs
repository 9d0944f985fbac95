//! `csp build` on the real sample content: the pages, URLs and contents a visitor relies on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod build_support;

use build_support::{attributes_of, escaped, has_attr, sample, sample_content, tile_names};
use generator::build::site::collation_key;

const PUBLISHED_SAMPLE: usize = 34;

#[test]
fn every_page_type_exists_at_its_contract_url() {
    let site = sample();
    for url in [
        "/",
        "/cloud-services/",
        "/cloud-services/seite/2/",
        "/cloud-services/ddatabox/",
        "/cloud-services/kategorie/infrastruktur/",
        "/cloud-services/kategorie/infrastruktur/hosting-und-compute/",
        "/cloud-services/typ/saas/",
        "/cloud-services/typ/paas/",
        "/cloud-services/typ/iaas/",
        "/anbieter/",
        "/anbieter/dataport/",
        "/vergleich/",
        "/merkliste/",
        "/hilfe/",
        "/hilfe/kunden/",
        "/hilfe/anbieter/",
        "/reifegradmodell/",
        "/ueber/",
        "/kontakt/",
        "/impressum/",
        "/datenschutz/",
        "/barrierefreiheit/",
        "/agb/",
        "/404.html",
        "/registrieren/",
        "/anmelden/",
        "/bedarf-melden/",
        "/bestellen/ddatabox/",
        "/cloud-services/katalog.json",
        "/cloud-services/katalog.csv",
        "/cloud-services/filter-data.json",
        "/feed.xml",
        "/cloud-services/kategorie/infrastruktur/feed.xml",
        "/sitemap.xml",
        "/robots.txt",
        "/assets/portal.css",
        "/assets/portal.js",
    ] {
        assert!(site.exists(url), "{url} is missing");
    }
}

#[test]
fn every_portfolio_category_has_its_page() {
    let site = sample();
    let catalog = catalog::load_catalog(&sample_content()).unwrap();
    for top in &catalog.portfolio.categories {
        assert!(site.exists(&format!("/cloud-services/kategorie/{}/", top.id)));
        for sub in &top.subcategories {
            let url = format!("/cloud-services/kategorie/{}/{}/", top.id, sub.id);
            assert!(site.exists(&url), "{url} is missing");
        }
    }
    for offering in catalog.published() {
        assert!(site.exists(&format!("/cloud-services/{}/", offering.id)));
        assert!(site.exists(&format!("/bestellen/{}/", offering.id)));
    }
}

#[test]
fn every_html_page_has_the_accessible_frame() {
    let site = sample();
    for (path, bytes) in site.all_files() {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        let page = scraper::Html::parse_document(&html);
        let count = |selector: &str| {
            page.select(&scraper::Selector::parse(selector).expect("selector"))
                .count()
        };
        let text_of = |selector: &str| -> Vec<String> {
            page.select(&scraper::Selector::parse(selector).expect("selector"))
                .map(|e| e.text().collect::<String>().trim().to_owned())
                .collect()
        };
        assert_eq!(count("html[lang=de]"), 1, "{path}: lang");
        assert_eq!(count("h1"), 1, "{path}: exactly one h1");
        assert!(
            text_of("head > title").iter().any(|t| !t.is_empty()),
            "{path}: title"
        );
        assert_eq!(
            count("meta[name=description][content]"),
            1,
            "{path}: description"
        );
        assert!(
            text_of("a[href='#inhalt']").contains(&"Zum Inhalt springen".to_owned()),
            "{path}: skip link"
        );
        assert_eq!(count("main#inhalt"), 1, "{path}: main");
        assert!(
            count("header") >= 1 && count("footer") >= 1 && count("nav") >= 1,
            "{path}: landmarks"
        );
        assert_eq!(
            count(
                "[role=search] form[action='/api/suche'], form[role=search][action='/api/suche']"
            ),
            1,
            "{path}: search"
        );
        assert_eq!(
            count("label[for=suche-q]") + count("input#suche-q[name=q]"),
            2,
            "{path}: labelled search field"
        );
        let links = text_of("header a");
        for label in ["Merkliste", "Anmelden", "Registrieren"] {
            assert!(
                links.iter().any(|l| l.starts_with(label)),
                "{path}: header link {label} in {links:?}"
            );
        }
        if path != "404.html" {
            assert_eq!(count("link[rel=canonical][href]"), 1, "{path}: canonical");
        }
        assert_eq!(
            count("script[src^='http:'], script[src^='https:'], script[src^='//']"),
            0,
            "{path}: no third-party script"
        );
    }
}

#[test]
fn detail_page_shows_prices_in_german_and_the_maturity_self_assessment() {
    let html = sample().page("/cloud-services/ddatabox/");
    assert!(html.contains("4,20 €"), "German price of the standard plan");
    assert!(html.contains("0,08 €"), "German price of the storage plan");
    assert!(html.contains("je Nutzer und Monat"));
    assert!(html.contains("netto"));
    assert!(html.contains("Zur Bestellung") && has_attr(&html, "href", "/bestellen/ddatabox/"));
    assert!(
        html.contains("Interesse bekunden") && has_attr(&html, "href", "/api/interesse/ddatabox"),
        "Interesse bekunden beside Zur Bestellung"
    );
    assert!(html.contains("Auf die Merkliste"));
    assert!(html.contains("Bereitstellungszeit") && html.contains("3 Werktage"));
    assert!(html.contains("Kundenkreis") && html.contains("Kommunen"));
    assert!(html.contains("Direktvertrag, Umklappvertrag"));
    assert!(html.contains("Anzahl Nutzer"), "configurable option");
    assert!(html.contains("Leistungsbeschreibung"), "document");
    assert!(html.contains("Servicespezifische Bedingungen"));
    assert!(html.contains("Selbstauskunft des Anbieters"));
    assert!(html.contains("08.12.2025"), "assessment date in German");
    assert!(html.contains("Alle 11 Minimalkriterien sind erfüllt"));
    assert!(
        html.contains("Digitale Souveränität"),
        "criteria grouped by dimension"
    );
    assert!(html.contains("Stufe 4 von 4"));
}

#[test]
fn pages_stay_within_their_size_budgets() {
    let site = sample();
    for (path, bytes) in site.all_files() {
        if path.starts_with("cloud-services/")
            && path.ends_with("/index.html")
            && path.matches('/').count() == 2
        {
            assert!(bytes.len() <= 30 * 1024, "{path}: {} bytes", bytes.len());
        }
    }
    let css = std::fs::metadata(site.file("/assets/portal.css"))
        .unwrap()
        .len();
    let js = std::fs::metadata(site.file("/assets/portal.js"))
        .unwrap()
        .len();
    assert!(css <= 25 * 1024, "CSS {css} bytes");
    assert!(js <= 15 * 1024, "JS {js} bytes");
}

#[test]
fn overview_paginates_in_a_stable_german_alphabetical_order() {
    let site = sample();
    let first = site.page("/cloud-services/");
    let second = site.page("/cloud-services/seite/2/");
    let mut names = tile_names(&first);
    assert_eq!(names.len(), 24);
    names.extend(tile_names(&second));
    assert_eq!(names.len(), PUBLISHED_SAMPLE);
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| collation_key(n));
    assert_eq!(names, sorted);
    assert!(first.contains(&format!("{PUBLISHED_SAMPLE} Cloud-Services")));
    assert!(has_attr(&second, "rel", "prev") && has_attr(&first, "rel", "next"));
    assert!(!site.exists("/cloud-services/seite/3/"));
    // Building again gives the same order.
    let again = build_support::build_content(&sample_content());
    assert_eq!(again.page("/cloud-services/"), first);
}

#[test]
fn overview_offers_every_filter_value_as_a_link_and_the_instant_filter_form() {
    let html = sample().page("/cloud-services/");
    for url in [
        "/cloud-services/kategorie/infrastruktur/",
        "/cloud-services/typ/iaas/",
        "/anbieter/dataport/",
        "/cloud-services/vertragsmodell/umklappvertrag/",
        "/cloud-services/kundenkreis/kommune/",
        "/cloud-services/reifegrad/ab-75/",
    ] {
        assert!(has_attr(&html, "href", url), "facet link {url}");
    }
    for name in [
        "kategorie",
        "typ",
        "anbieter",
        "vertragsmodell",
        "kundenkreis",
        "reifegrad",
        "sortierung",
    ] {
        assert!(has_attr(&html, "name", name), "filter field {name}");
    }
}

#[test]
fn faq_questions_have_their_own_anchors() {
    let html = sample().page("/hilfe/kunden/");
    let catalog = catalog::load_catalog(&sample_content()).unwrap();
    let kunden = catalog.faq.iter().find(|a| a.id == "kunden").unwrap();
    for question in kunden.sections.iter().flat_map(|s| &s.questions) {
        assert!(
            has_attr(&html, "id", &question.id),
            "anchor {}",
            question.id
        );
        assert!(has_attr(&html, "href", &format!("#{}", question.id)));
    }
}

#[test]
fn maturity_model_page_lists_every_criterion_and_level() {
    let html = sample().page("/reifegradmodell/");
    let catalog = catalog::load_catalog(&sample_content()).unwrap();
    for criterion in &catalog.maturity_model.minimal_criteria {
        assert!(
            html.contains(&escaped(&criterion.name)),
            "{}",
            criterion.name
        );
    }
    for (dimension, criterion) in catalog.maturity_model.criteria() {
        assert!(html.contains(&escaped(&dimension.name)));
        assert!(has_attr(
            &html,
            "id",
            &format!("kriterium-{}", criterion.id)
        ));
        for level in &criterion.levels {
            let start: String = level.description.chars().take(30).collect();
            assert!(
                html.contains(&start),
                "{}: level {}",
                criterion.id,
                level.level
            );
        }
    }
}

#[test]
fn forms_post_to_the_function_with_the_agreed_field_names() {
    let site = sample();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "/registrieren/",
            "/api/registrierung",
            &[
                "organisation",
                "rechtsform",
                "strasse",
                "plz",
                "ort",
                "name",
                "email",
                "telefon",
                "inhouse",
                "agb",
                "datenschutz",
                "website",
                "csrf",
            ],
        ),
        (
            "/anmelden/",
            "/api/anmeldung",
            &["email", "passwort", "csrf"],
        ),
        (
            "/bedarf-melden/",
            "/api/bedarf",
            &[
                "title",
                "description",
                "category",
                "expected_users",
                "wished_date",
                "contact_preference",
                "csrf",
            ],
        ),
        (
            "/bestellen/ddatabox/",
            "/api/bestellungen",
            &[
                "offering",
                "plan",
                "contract_model",
                "option_nutzer",
                "option_kontingent",
                "billing_org",
                "billing_street",
                "billing_postcode",
                "billing_city",
                "reference",
                "note",
                "consent_agb",
                "consent_conditions",
                "idempotency_key",
                "csrf",
            ],
        ),
    ];
    for (url, action, fields) in cases {
        let html = site.page(url);
        assert!(has_attr(&html, "action", action), "{url} posts to {action}");
        assert!(has_attr(&html, "method", "post"), "{url} uses post");
        for field in *fields {
            assert!(has_attr(&html, "name", field), "{url}: field {field}");
        }
        let notice = build_support::select(&html, "[data-service-notice][hidden]");
        assert!(
            notice.len() == 1
                && notice[0].contains("Der Dienst des Portals ist gerade nicht erreichbar"),
            "{url} has the notice for an unreachable service, shown only by the script"
        );
        assert!(!html.contains("csp serve"), "{url}: no developer hints");
        // The newsletter field in the footer, with its own honeypot and a proof of work that
        // starts only once the field is used.
        let newsletter = attributes_of(
            &html,
            "footer form[action='/api/newsletter'] input[type=email]",
        );
        assert_eq!(
            newsletter.get("name").map(String::as_str),
            Some(catalog::forms::newsletter::EMAIL.name),
            "{url}: newsletter field in the footer"
        );
        assert_eq!(
            build_support::select(
                &html,
                "footer form[action='/api/newsletter'] [data-altcha-on-use]"
            )
            .len(),
            1,
            "{url}: the footer's proof of work waits until the field is used"
        );
        assert_eq!(
            build_support::select(&html, "[data-error-summary]").len(),
            1,
            "{url}: error summary"
        );
    }
    let register = site.page("/registrieren/");
    assert_eq!(build_support::select(&register, "[data-altcha]").len(), 1);
    // The honeypot field itself: out of the tab order and never filled in by the browser.
    let honeypot = attributes_of(
        &register,
        &format!(
            "main input[name={}]",
            catalog::forms::registration::HONEYPOT.name
        ),
    );
    assert_eq!(
        honeypot.get("tabindex").map(String::as_str),
        Some("-1"),
        "honeypot out of the tab order"
    );
    assert_eq!(
        honeypot.get("autocomplete").map(String::as_str),
        Some("off"),
        "honeypot not autofilled"
    );
    let order = site.page("/bestellen/ddatabox/");
    assert!(
        has_attr(&order, "min", "5") && has_attr(&order, "max", "10000"),
        "integer option bounds"
    );
    assert!(order.contains("4,20 €"));
}

#[test]
fn header_and_footer_link_everything_a_visitor_needs() {
    let html = sample().page("/");
    for url in [
        "/cloud-services/",
        "/reifegradmodell/",
        "/hilfe/",
        "/merkliste/",
        "/anmelden/",
        "/registrieren/",
        "/ueber/",
        "/kontakt/",
        "/impressum/",
        "/datenschutz/",
        "/barrierefreiheit/",
    ] {
        assert!(has_attr(&html, "href", url), "{url}");
    }
    assert!(html.contains("Empfohlene Cloud-Services"));
    assert!(html.contains("Portfolio-Kategorien"));
}

#[test]
fn nothing_is_loaded_from_other_hosts() {
    for (path, bytes) in sample().all_files() {
        if !path.ends_with(".html") && !path.ends_with(".css") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        for needle in [
            "src=http",
            "src=\"http",
            "src=//",
            "src=\"//",
            "url(http",
            "@import",
        ] {
            assert!(!text.contains(needle), "{path} loads {needle}");
        }
    }
}

#[test]
fn function_data_holds_the_catalog_snapshot_and_the_templates() {
    let site = sample();
    // The function renders its pages from the theme's templates: every one is shipped, and
    // the site's address and asset version beside them.
    let theme =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../themes/default/templates");
    for name in [
        "base.html",
        "components.html",
        "forms/signin.html",
        "order.html",
        "search.html",
        "notice.html",
    ] {
        assert!(theme.join(name).is_file(), "the theme has {name}");
        let shipped = std::fs::read_to_string(site.data().join("templates").join(name))
            .unwrap_or_else(|e| panic!("function-data/templates/{name}: {e}"));
        assert!(!shipped.is_empty(), "{name}");
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.data().join("site.json")).unwrap()).unwrap();
    let css = site
        .page("/")
        .split("/assets/portal.css?v=")
        .nth(1)
        .map(|rest| rest.split('"').next().unwrap_or_default().to_owned());
    assert_eq!(
        meta["asset_version"].as_str(),
        css.as_deref(),
        "the layout links the same stylesheet"
    );
    let snapshot = catalog::snapshot::OrderCatalog::read_json(
        &std::fs::read(site.data().join("catalog.json")).unwrap(),
    )
    .unwrap();
    let catalog = catalog::load_catalog(&sample_content()).unwrap();
    let expected = catalog::snapshot::OrderCatalog::from_catalog(&catalog);
    assert!(
        expected
            .offerings
            .iter()
            .all(|o| !o.maturity.levels.is_empty()),
        "every sample offering has maturity levels"
    );
    assert_eq!(snapshot, expected);
}

/// A static host without the function answers the header search and every form with the
/// 404 page: it must say why and lead back to the catalog's filters.
#[test]
fn not_found_page_explains_search_and_forms_without_the_service() {
    let site = sample();
    let html = site.page("/404.html");
    assert!(html.contains("Suche, Anmeldung und Formulare brauchen den Dienst des Portals"));
    assert!(html.contains("Ihre Eingaben wurden nicht übermittelt"));
    assert!(has_attr(&html, "href", "/cloud-services/#filter-titel"));
    let overview = site.page("/cloud-services/");
    assert!(
        has_attr(&overview, "id", "filter-titel"),
        "the link's target exists"
    );
}
