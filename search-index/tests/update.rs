//! Updating the index in place after one offering changed (the live preview of `csp serve`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
mod common;

use search_index::{SearchIndex, SearchRequest, build_index, update_index};

fn ids(index: &SearchIndex, q: &str) -> Vec<String> {
    index
        .search(&SearchRequest::new(q))
        .expect("search")
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[test]
fn a_changed_offering_is_found_by_its_new_words_and_no_longer_by_its_old_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("search-index");
    let mut catalog = common::catalog().clone();
    build_index(&catalog, &path).expect("build");
    let before = SearchIndex::open(&path).expect("open");
    assert!(ids(&before, "messenger").contains(&"dmessenger".to_owned()));
    let total = before.len();

    let i = catalog
        .offerings
        .iter()
        .position(|o| o.id == "dmessenger")
        .expect("dmessenger");
    catalog.offerings[i].name = "Quasselkiste".to_owned();
    catalog.offerings[i].summary = "Ein Chat für Behörden.".to_owned();
    let stats = update_index(&catalog, &path, &["dmessenger"]).expect("update");
    assert_eq!(stats.documents, 1);
    let after = SearchIndex::open(&path).expect("open");
    assert_eq!(after.len(), total, "replaced, not added");
    assert_eq!(ids(&after, "quasselkiste"), ["dmessenger"]);

    // Unpublished: gone from the index.
    catalog.offerings[i].status = catalog::Status::Draft;
    update_index(&catalog, &path, &["dmessenger"]).expect("update");
    let gone = SearchIndex::open(&path).expect("open");
    assert_eq!(gone.len(), total - 1);
    assert!(ids(&gone, "quasselkiste").is_empty());
}

#[test]
fn two_builds_of_the_same_content_answer_every_query_the_same_way() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalog = common::catalog();
    let answers = |name: &str| {
        let path = dir.path().join(name);
        build_index(catalog, &path).expect("build");
        let index = SearchIndex::open(&path).expect("open");
        [
            "messenger",
            "cloud",
            "signatur",
            "Gruenflaechen",
            "speicher daten",
            "",
            "kubernets",
        ]
        .iter()
        .map(|q| {
            let mut response = index.search(&SearchRequest::new(q)).expect("search");
            response.took_us = 0;
            serde_json::to_string(&response).expect("json")
        })
        .collect::<Vec<_>>()
    };
    assert_eq!(answers("first"), answers("second"));
}
