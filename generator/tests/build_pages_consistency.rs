//! Things a careful visitor notices across the sample site: prices that say what they cost,
//! forms that offer only what the offering allows, anchors and titles that are unique, and
//! a navigation that tells a screen reader where they are.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod build_support;

use std::collections::BTreeMap;

use build_support::{has_attr, sample, texts};

/// Every `id` attribute value of a (minified) page, quoted or not.
fn element_ids(html: &str) -> Vec<&str> {
    html.match_indices(" id=")
        .map(|(at, _)| {
            let rest = &html[at + 4..];
            match rest.strip_prefix('"') {
                Some(quoted) => &quoted[..quoted.find('"').unwrap()],
                None => &rest[..rest.find([' ', '>']).unwrap()],
            }
        })
        .collect()
}

#[test]
fn no_page_repeats_an_element_id() {
    for (path, bytes) in sample().all_files() {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        let mut seen = BTreeMap::new();
        for id in element_ids(&html) {
            *seen.entry(id).or_insert(0) += 1;
        }
        let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(repeated.is_empty(), "{path}: ids used twice: {repeated:?}");
    }
}

#[test]
fn every_faq_question_link_leads_to_the_question_itself() {
    // "bestellstatus" is both a topic of the customer FAQ and the id of one of its questions.
    let html = sample().page("/hilfe/kunden/");
    assert!(
        has_attr(&html, "id", "thema-bestellstatus"),
        "topic section"
    );
    let anchors: Vec<&str> = html
        .match_indices("id=\"bestellstatus\"")
        .map(|(at, _)| &html[html[..at].rfind('<').unwrap()..at])
        .collect();
    assert_eq!(anchors.len(), 1, "one element with id bestellstatus");
    assert!(
        anchors[0].starts_with("<article"),
        "#bestellstatus is {}",
        anchors[0]
    );
}

#[test]
fn no_two_pages_share_a_title() {
    let mut titles: BTreeMap<String, String> = BTreeMap::new();
    for (path, bytes) in sample().all_files() {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        let start = html.find("<title>").unwrap() + "<title>".len();
        let title = html[start..start + html[start..].find("</title>").unwrap()].to_owned();
        if let Some(other) = titles.insert(title.clone(), path.clone()) {
            panic!("{path} and {other} are both titled „{title}“");
        }
    }
    assert_eq!(
        titles
            .iter()
            .find(|(_, p)| p.as_str()
                == "cloud-services/kategorie/infrastruktur/log-management/index.html")
            .map(|(t, _)| t.as_str()),
        Some("Log-Management – Infrastruktur – Cloud-Service-Portal"),
        "a sub-category's title names its parent"
    );
}

#[test]
fn a_free_plan_beside_paid_ones_shows_the_paid_price_too() {
    let site = sample();
    // Conceptboard: a free 30-day demo and 7,90 € per person and month.
    let detail = site.page("/cloud-services/conceptboard/");
    assert!(
        detail.contains(
            "<strong>kostenfrei oder 7,90 €</strong> je Person und Monat <span>netto</span>"
        ),
        "detail price"
    );
    let overview = site.page("/cloud-services/");
    assert!(
        texts(&overview, ":has(> strong)")
            .iter()
            .any(|t| t == "kostenfrei oder 7,90 € je Person und Monat netto"),
        "tile price"
    );
    // Nothing free is called "netto", and a free plan's billing does not repeat "kostenfrei".
    for (path, bytes) in site.all_files() {
        if path.ends_with(".html") {
            let html = String::from_utf8(bytes).unwrap();
            for price in texts(&html, ":has(> strong)") {
                assert!(
                    !price.starts_with("kostenfrei je") && !price.starts_with("kostenfrei netto"),
                    "{path}: free price with a suffix: {price}"
                );
                assert!(
                    !price.contains("kostenfrei, kostenfrei"),
                    "{path}: kostenfrei twice: {price}"
                );
            }
        }
    }
}

#[test]
fn the_price_at_the_top_of_a_detail_page_has_its_unit() {
    let html = sample().page("/cloud-services/dreservierung/");
    assert!(
        texts(&html, ":has(> strong)")
            .iter()
            .any(|t| t == "0,95 € je buchbarer Ressource und Monat netto"),
        "unit beside the leading price"
    );
}

#[test]
fn the_order_form_explains_the_umklappvertrag_only_where_it_can_be_chosen() {
    let site = sample();
    let note = "Für den Umklappvertrag brauchen";
    let direct_only = site.page("/bestellen/ausweisident-online/");
    assert!(!direct_only.contains("umklappvertrag") && !direct_only.contains(note));
    let both = site.page("/bestellen/conceptboard/");
    assert!(has_attr(&both, "value", "umklappvertrag") && both.contains(note));
}

#[test]
fn the_main_navigation_marks_the_page_or_the_section_it_is_in() {
    let site = sample();
    let current = |url: &str, link: &str| {
        let html = site.page(url);
        let link = build_support::attributes_of(
            &html,
            &format!("nav[aria-label=Hauptnavigation] a[href='{link}']"),
        );
        match link.get("aria-current").map(String::as_str) {
            Some("page") => "page",
            Some("true") => "true",
            _ => "none",
        }
    };
    assert_eq!(current("/cloud-services/", "/cloud-services/"), "page");
    assert_eq!(
        current("/cloud-services/ddatabox/", "/cloud-services/"),
        "true"
    );
    assert_eq!(current("/cloud-services/ddatabox/", "/anbieter/"), "none");
    assert_eq!(current("/hilfe/", "/hilfe/"), "page");
    assert_eq!(current("/hilfe/kunden/", "/hilfe/"), "true");
}

#[test]
fn a_featured_offering_is_not_repeated_under_the_newest() {
    let html = sample().page("/");
    let (featured, newest) = html.split_at(html.find("id=neu").unwrap());
    for name in build_support::tile_names(featured) {
        assert!(
            !build_support::tile_names(newest).contains(&name),
            "{name} twice on the start page"
        );
    }
}

#[test]
fn the_maturity_model_page_names_each_section_once() {
    let html = sample().page("/reifegradmodell/");
    for heading in ["Die drei Elemente", "Die Minimalkriterien"] {
        assert_eq!(
            html.matches(&format!(">{heading}</h2>")).count(),
            1,
            "„{heading}“"
        );
    }
}

/// The number after "Stufe " and the one after " von " in every "Stufe N von M" of `html`.
fn levels_shown(html: &str) -> Vec<(u32, u32)> {
    let number = |text: &str| -> u32 {
        let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap()
    };
    html.match_indices("Stufe ")
        .filter_map(|(at, _)| {
            let rest = &html[at + 6..];
            let level = rest.chars().next().filter(char::is_ascii_digit)?;
            let of = rest.find(" von ")?;
            (of <= 3).then(|| (level.to_digit(10).unwrap(), number(&rest[of + 5..])))
        })
        .collect()
}

/// A provider or buyer adding up the levels on a detail page arrives at the overall figure
/// printed above them, and the catalog's tile and export give the same number.
#[test]
fn the_overall_maturity_adds_up_from_the_levels_shown() {
    let site = sample();
    let catalog: serde_json::Value =
        serde_json::from_str(&site.page("/cloud-services/katalog.json")).unwrap();
    let offerings = catalog["offerings"].as_array().unwrap();
    assert!(offerings.len() > 30);
    for offering in offerings {
        let id = offering["id"].as_str().unwrap();
        let html = site.page(&format!("/cloud-services/{id}/"));
        let section = &html[html.find("id=reifegrad-titel").unwrap()..];
        let levels = levels_shown(section);
        assert!(levels.len() >= 10, "{id}: {levels:?}");
        let reached: u32 = levels.iter().map(|l| l.0).sum();
        let possible: u32 = levels.iter().map(|l| l.1).sum();
        let percent = (reached * 100 + possible / 2) / possible;
        assert!(
            section.contains(&format!("Gesamt: <strong>{percent} %</strong>"))
                && section.contains(&format!("({reached} von {possible} Stufen")),
            "{id}: {reached} of {possible} levels shown"
        );
        assert_eq!(
            offering["maturity_percent"], percent,
            "{id} in katalog.json"
        );
    }
}

/// "Zahlungspflichtig bestellen" only where an order can cost money.
#[test]
fn the_order_button_says_free_only_where_every_plan_is_free() {
    let site = sample();
    let free = site.page("/bestellen/terminfinder/");
    assert!(
        texts(&free, "button").contains(&"Kostenfrei bestellen".to_owned())
            && !free.contains("Zahlungspflichtig")
    );
    // A free demo beside paid plans: the order may cost money.
    for id in ["conceptboard", "managed-kubernetes"] {
        let paid = site.page(&format!("/bestellen/{id}/"));
        assert!(
            texts(&paid, "button").contains(&"Zahlungspflichtig bestellen".to_owned()),
            "{id}"
        );
    }
}

/// A buyer learns on the order form, before filling it in, whether their kind of
/// organisation may order the service.
#[test]
fn the_order_form_names_the_customers_the_service_is_for() {
    let site = sample();
    for (id, scope) in [
        ("citko-outdoor", "für Kommunen bestimmt"),
        ("zesi", "für Bund und Länder bestimmt"),
        ("dmessenger", "für Bund, Länder und Kommunen bestimmt"),
    ] {
        let html = site.page(&format!("/bestellen/{id}/"));
        assert!(html.contains(scope), "{id}: {scope}");
    }
}

/// Page 2 of a listing keeps the ways on that page 1 offers: refining the selection in the
/// overview, and from the overview to open data and Bedarf melden.
#[test]
fn later_pages_of_a_listing_keep_the_ways_to_refine() {
    let site = sample();
    let second = site.page("/cloud-services/kundenkreis/land/seite/2/");
    assert!(has_attr(
        &second,
        "href",
        "/cloud-services/?kundenkreis=land"
    ));
    let first = site.page("/cloud-services/kundenkreis/land/");
    assert!(has_attr(
        &first,
        "href",
        "/cloud-services/?kundenkreis=land"
    ));
    let overview = site.page("/cloud-services/seite/2/");
    assert!(
        has_attr(&overview, "href", "/bedarf-melden/")
            && has_attr(&overview, "href", "/offene-daten/")
    );
}
