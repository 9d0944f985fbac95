//! The machine-readable exports as their consumers read them: the CSV as German Excel does,
//! the JSON against its published schema, the feeds as Atom, the sitemap and robots.txt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod build_support;

use std::str::FromStr;

use build_support::sample;
use generator::build::exports::{CSV_HEADER, EXPORT_SCHEMA};

const PUBLISHED_SAMPLE: usize = 34;

#[test]
fn csv_opens_in_german_excel() {
    let bytes = std::fs::read(sample().file("/cloud-services/katalog.csv")).unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "UTF-8 byte order mark"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.contains("\r\n"), "CRLF line ends");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, CSV_HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), PUBLISHED_SAMPLE);
    let ddatabox = rows.iter().find(|r| &r[0] == "ddatabox").unwrap();
    assert_eq!(&ddatabox[1], "dDatabox");
    assert_eq!(&ddatabox[2], "Dataport AöR");
    assert_eq!(&ddatabox[6], "0,08", "decimal comma");
    assert_eq!(&ddatabox[12], "16.02.2026", "German date");
    assert!(ddatabox[13].ends_with("/cloud-services/ddatabox/"));
    // A free demo beside paid plans: "Preis ab" is the demo, the Preisangabe says both.
    let conceptboard = rows.iter().find(|r| &r[0] == "conceptboard").unwrap();
    assert_eq!(&conceptboard[6], "0,00");
    assert_eq!(
        &conceptboard[14],
        "kostenfrei oder 7,90 € je Person und Monat, netto"
    );
    let terminfinder = rows.iter().find(|r| &r[0] == "terminfinder").unwrap();
    assert_eq!(
        &terminfinder[14], "kostenfrei",
        "no \"netto\" without an amount"
    );
    let mut ids: Vec<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    let sorted = {
        let mut s = ids.clone();
        s.sort();
        s
    };
    assert_eq!(ids, sorted, "rows sorted by id");
    ids.dedup();
    assert_eq!(ids.len(), PUBLISHED_SAMPLE);
}

#[test]
fn json_export_matches_its_published_schema() {
    let site = sample();
    let schema: serde_json::Value = serde_json::from_str(EXPORT_SCHEMA).unwrap();
    let published: serde_json::Value = serde_json::from_slice(
        &std::fs::read(site.file("/cloud-services/katalog.schema.json")).unwrap(),
    )
    .unwrap();
    let mut with_site_id = schema.clone();
    with_site_id["$id"] = published["$id"].clone();
    assert_eq!(
        with_site_id, published,
        "the schema is published beside the export"
    );
    let export: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.file("/cloud-services/katalog.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&export)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(export["count"], PUBLISHED_SAMPLE);
    assert_eq!(
        published["$id"], export["$schema"],
        "the export names the schema by its published address"
    );
    let first = &export["offerings"][0];
    assert_eq!(first["id"], "api-management");
    assert!(first["provider_name"].is_string());

    // The schema really constrains: a draft or a leaked field is rejected.
    let mut bad = export.clone();
    bad["offerings"][0]["status"] = "draft".into();
    assert!(!validator.is_valid(&bad));
    bad["offerings"][0]["status"] = "published".into();
    bad["offerings"][0]["order_email"] = "x@y.de".into();
    assert!(!validator.is_valid(&bad));
}

#[test]
fn feeds_are_valid_atom_with_the_newest_offerings_first() {
    let site = sample();
    let text = std::fs::read_to_string(site.file("/feed.xml")).unwrap();
    let feed = atom_syndication::Feed::from_str(&text).unwrap();
    assert!(!feed.entries().is_empty());
    assert!(feed.entries().len() <= 50);
    let dates: Vec<_> = feed.entries().iter().map(|e| *e.updated()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");
    for entry in feed.entries() {
        let link = &entry.links()[0];
        assert!(link.href().starts_with("http") && link.href().contains("/cloud-services/"));
    }
    assert_eq!(feed.entries().len(), PUBLISHED_SAMPLE.min(50));
    // Prices read as on the tiles: with their unit, "netto" beside an amount only.
    let summary_of = |id: &str| {
        let entry = feed
            .entries()
            .iter()
            .find(|e| {
                e.links()[0]
                    .href()
                    .ends_with(&format!("/cloud-services/{id}/"))
            })
            .unwrap();
        entry.summary().unwrap().value.clone()
    };
    assert!(
        summary_of("code-plattform")
            .ends_with("(PaaS, ab 8,50 € je aktiver Person und Monat, netto)"),
        "{}",
        summary_of("code-plattform")
    );
    assert!(
        summary_of("terminfinder").ends_with("(SaaS, kostenfrei)"),
        "{}",
        summary_of("terminfinder")
    );

    let catalog = catalog::load_catalog(&build_support::sample_content()).unwrap();
    for top in &catalog.portfolio.categories {
        let url = format!("/cloud-services/kategorie/{}/feed.xml", top.id);
        let text = std::fs::read_to_string(site.file(&url)).unwrap();
        let feed = atom_syndication::Feed::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}"));
        let expected = catalog
            .published()
            .filter(|o| o.categories.iter().any(|c| c.top == top.id))
            .count();
        assert_eq!(feed.entries().len(), expected.min(50), "{url}");
        assert!(
            site.page(&format!("/cloud-services/kategorie/{}/", top.id))
                .contains(&url),
            "feed linked from its page"
        );
    }
}

#[test]
fn sitemap_and_robots_point_at_the_public_pages() {
    let site = sample();
    let sitemap = std::fs::read_to_string(site.file("/sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>http://localhost:8080/cloud-services/ddatabox/</loc>"));
    assert!(sitemap.contains("<loc>http://localhost:8080/</loc>"));
    assert!(!sitemap.contains("404.html"));
    assert!(!sitemap.contains("/bestellen/"));
    let robots = std::fs::read_to_string(site.file("/robots.txt")).unwrap();
    assert!(robots.contains("Sitemap: http://localhost:8080/sitemap.xml"));
    assert!(robots.contains("Disallow: /api/"));
}

#[test]
fn filter_data_lists_every_published_offering_in_display_order() {
    let data: serde_json::Value = serde_json::from_slice(
        &std::fs::read(sample().file("/cloud-services/filter-data.json")).unwrap(),
    )
    .unwrap();
    let offerings = data["o"].as_array().unwrap();
    assert_eq!(offerings.len(), PUBLISHED_SAMPLE);
    let ddatabox = offerings.iter().find(|o| o["i"] == "ddatabox").unwrap();
    assert_eq!(ddatabox["pt"], "ab 0,08 €");
    assert_eq!(ddatabox["t"], "saas");
    let compare: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sample().file("/vergleich/daten.json")).unwrap())
            .unwrap();
    assert_eq!(compare["o"].as_object().unwrap().len(), PUBLISHED_SAMPLE);
    assert_eq!(
        compare["kriterien"].as_array().unwrap().len(),
        compare["o"]["ddatabox"]["l"].as_array().unwrap().len()
    );
}
