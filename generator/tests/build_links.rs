//! The internal-link check reads links from elements' attributes only: a provider's text that
//! looks like an attribute never blocks the build, and a broken link in a template still does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod build_support;

use std::fs;

use build_support::{build_into, fixture_content, offering_yaml};
use generator::build::BuildError;
use scraper::{Html, Selector};

const NAME: &str = "Probe <img src=x onerror=alert(1)>";
const SUMMARY: &str = "Kurz: href=/nirgends und <a href=\"y\">hier</a> als Text.";
const DESCRIPTION: &str = "Text mit src=x, href=/nirgends und `<a href=\"y\">` als Code.\n\n\
    Und als Absatz: &lt;a href=\"/gar-nicht/\"&gt; sowie action=/weg/.";

/// An offering whose name, summary and description hold text that reads like attributes.
fn attribute_like_offering() -> String {
    let yaml = offering_yaml(
        "probe",
        // Quoted: the name holds no YAML syntax, but the quotes keep it one scalar for sure.
        &format!("'{NAME}'"),
        DESCRIPTION,
        "Keine.",
        "published",
    );
    let mut out = String::new();
    let mut in_summary = false;
    for line in yaml.lines() {
        if in_summary {
            if line.starts_with(' ') {
                continue;
            }
            in_summary = false;
        }
        if line.starts_with("summary:") {
            out.push_str(&format!("summary: '{SUMMARY}'\n"));
            in_summary = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn select<'a>(html: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(selector).unwrap()).collect()
}

#[test]
fn attribute_like_text_of_an_offering_is_escaped_and_not_read_as_links() {
    let content = fixture_content(&["ddatabox"], &[("probe", attribute_like_offering())]);
    let out = tempfile::tempdir().unwrap();
    build_into(content.path(), out.path()).unwrap_or_else(|e| panic!("build refused: {e}"));

    let public = out.path().join("public");
    let detail = Html::parse_document(
        &fs::read_to_string(public.join("cloud-services/probe/index.html")).unwrap(),
    );
    let heading = select(&detail, "main h1");
    assert_eq!(heading.len(), 1);
    assert_eq!(heading[0].text().collect::<String>().trim(), NAME);
    let main = &select(&detail, "main")[0];
    let text: String = main.text().collect();
    assert!(
        text.contains("href=/nirgends"),
        "the description's text is shown"
    );
    assert!(text.contains("<a href=\"y\">"), "the code is shown as text");
    // None of it became an element or an attribute.
    for element in main.descendants().filter_map(scraper::ElementRef::wrap) {
        let name = element.value().name();
        assert_ne!(name, "img", "an <img> from the offering's text");
        for (attribute, value) in element.value().attrs() {
            assert_ne!(attribute, "onerror");
            assert!(
                !["x", "y", "/nirgends", "/gar-nicht/", "/weg/"].contains(&value),
                "<{name} {attribute}={value:?}> from the offering's text"
            );
        }
    }

    // The tile on the overview shows the name and the summary as text.
    let overview = Html::parse_document(
        &fs::read_to_string(public.join("cloud-services/index.html")).unwrap(),
    );
    let tile_text: String = select(&overview, "main")[0].text().collect();
    assert!(tile_text.contains(NAME));
    assert!(tile_text.contains(SUMMARY.trim_end_matches(" als Text.")));
    assert!(select(&overview, "main img[onerror]").is_empty());
    assert!(select(&overview, "main a[href='y']").is_empty());
}

#[test]
fn a_broken_link_in_a_template_fails_the_build() {
    let content = fixture_content(&["ddatabox"], &[]);
    let theme = tempfile::tempdir().unwrap();
    build_support::copy_dir(&build_support::theme(), theme.path());
    let template = theme.path().join("templates/offering.html");
    let text = fs::read_to_string(&template).unwrap();
    let marker = "{% block main %}";
    assert!(text.contains(marker), "offering.html has a main block");
    fs::write(
        &template,
        text.replacen(
            marker,
            &format!("{marker}<a href=\"/gibt-es-nicht/\">Tot</a>"),
            1,
        ),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut options = build_support::options(content.path(), out.path());
    options.theme = theme.path().to_owned();
    match generator::build::build(&options) {
        Err(error @ BuildError::BrokenLinks(_)) => {
            let BuildError::BrokenLinks(broken) = &error else {
                unreachable!()
            };
            assert_eq!(
                broken,
                &vec![(
                    "/gibt-es-nicht/".to_owned(),
                    "/cloud-services/ddatabox/".to_owned()
                )]
            );
            let message = error.to_string();
            assert!(
                message.contains("/cloud-services/ddatabox/ verlinkt /gibt-es-nicht/"),
                "{message}"
            );
        }
        other => panic!("expected a broken-link error, got {other:?}"),
    }
    assert!(!out.path().join("public").exists(), "nothing was written");
}

/// Tiles are read once, not on every listing page that shows them: a broken link in a tile
/// that only listing pages show (not the start page) is still found, and named with a
/// listing page that shows it.
#[test]
fn a_broken_link_in_a_tile_on_listing_pages_only_fails_the_build() {
    // Thirteen offerings of the same date: the start page shows the first six by id, the
    // last one only the listings.
    let extra: Vec<(String, String)> = (1..=13)
        .map(|n| {
            let id = format!("dienst-{n:02}");
            let yaml = offering_yaml(&id, &format!("Dienst {n}"), "Text.", "Keine.", "published");
            (id, yaml)
        })
        .collect();
    let extra: Vec<(&str, String)> = extra
        .iter()
        .map(|(id, y)| (id.as_str(), y.clone()))
        .collect();
    let content = fixture_content(&[], &extra);
    let theme = tempfile::tempdir().unwrap();
    build_support::copy_dir(&build_support::theme(), theme.path());
    let template = theme.path().join("templates/partials/tile.html");
    let text = fs::read_to_string(&template).unwrap();
    fs::write(
        &template,
        format!(
            "{text}{{% if tile.id == \"dienst-13\" %}}<a href=\"/kachel-kaputt/\">Tot</a>{{% endif %}}"
        ),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut options = build_support::options(content.path(), out.path());
    options.theme = theme.path().to_owned();
    match generator::build::build(&options) {
        Err(BuildError::BrokenLinks(broken)) => {
            assert_eq!(broken.len(), 1, "{broken:?}");
            let (target, page) = &broken[0];
            assert_eq!(target, "/kachel-kaputt/");
            assert!(
                page.starts_with("/cloud-services/") || page.starts_with("/anbieter/"),
                "{page}"
            );
        }
        other => panic!("expected a broken-link error, got {other:?}"),
    }
}

/// The maturity section is skipped by the link check only while its rows hold no link: a
/// link in a row's template is read on the detail pages again.
#[test]
fn a_broken_link_in_a_maturity_row_fails_the_build() {
    let content = fixture_content(&["ddatabox"], &[]);
    let theme = tempfile::tempdir().unwrap();
    build_support::copy_dir(&build_support::theme(), theme.path());
    let template = theme.path().join("templates/partials/criterion-level.html");
    let text = fs::read_to_string(&template).unwrap();
    fs::write(
        &template,
        text.replacen("<dt>", "<dt><a href=\"/stufe-kaputt/\">?</a>", 1),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut options = build_support::options(content.path(), out.path());
    options.theme = theme.path().to_owned();
    match generator::build::build(&options) {
        Err(BuildError::BrokenLinks(broken)) => assert_eq!(
            broken,
            vec![(
                "/stufe-kaputt/".to_owned(),
                "/cloud-services/ddatabox/".to_owned()
            )]
        ),
        other => panic!("expected a broken-link error, got {other:?}"),
    }
}
