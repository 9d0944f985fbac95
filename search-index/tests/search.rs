//! Search over the sample content: relevance per matching rule, filters and facets, sorting,
//! paging, bad queries, read-only opening and determinism.

mod common;

use catalog::{ContractModel, ServiceType};
use common::{ids, search};
use search_index::{SearchIndex, SearchParams, SearchRequest, Sort, build_index};

/// Asserts that `expected` is among the first three hits of `q`.
#[track_caller]
fn assert_top3(q: &str, expected: &str) {
    let response = search(&SearchRequest::new(q));
    let top: Vec<&str> = ids(&response).into_iter().take(3).collect();
    assert!(
        top.contains(&expected),
        "query {q:?}: expected {expected} in the top three, got {top:?} (of {})",
        response.total
    );
}

#[track_caller]
fn assert_first(q: &str, expected: &str) {
    let response = search(&SearchRequest::new(q));
    assert_eq!(
        ids(&response).first().copied(),
        Some(expected),
        "query {q:?}: {:?}",
        ids(&response)
    );
}

// ---- matching rules -------------------------------------------------------------------

#[test]
fn exact_names_come_first() {
    assert_first("dMessenger", "dmessenger");
    assert_first("Terminfinder", "terminfinder");
    assert_first("Masterportal ", "masterportal");
    assert_first("Managed Kubernetes", "managed-kubernetes");
}

#[test]
fn german_stemming_finds_plurals_and_inflections() {
    assert_top3("Datenbanken", "postgresql-as-a-service");
    assert_top3("Zertifikat", "certificate-service-manager");
    assert_top3("Signaturen ", "fernsignaturdienst-sign-me");
    assert_top3("Sporthalle ", "hallenbuchungsplan");
    assert_top3("Veranstaltung ", "devent");
}

#[test]
fn umlauts_match_however_they_are_typed() {
    for q in ["Grünflächen", "Gruenflaechen", "Grunflachen", "GRÜNFLÄCHEN"] {
        assert_top3(q, "gruenflaechenkataster");
    }
    assert_top3("Gebaeudeerkennung", "ki-gebaeudeerkennung");
    assert_top3("Gebaudeerkennung", "ki-gebaeudeerkennung");
    assert_top3("Auslaender", "km-auslaender");
    assert_top3("Bürgerbeteiligung", "dipas");
    assert_top3("Buergerbeteiligung", "dipas");
}

#[test]
fn camel_case_product_names_are_found_by_their_parts() {
    assert_first("messenger ", "dmessenger");
    assert_top3("databox ", "ddatabox");
    // The retired test access is never found.
    assert!(!ids(&search(&SearchRequest::new("Testzugang"))).contains(&"ddatabox-testzugang"));
    assert_top3("reservierung ", "dreservierung");
    assert_top3("AusweisIDent", "ausweisident-online");
    assert_top3("Ident ", "ausweisident-online");
}

#[test]
fn parts_of_compound_words_are_found() {
    assert_top3("signatur ", "fernsignaturdienst-sign-me");
    assert_top3("kataster ", "gruenflaechenkataster");
    assert_top3("sammler ", "feedbacksammler");
    assert_top3("buchungsplan ", "hallenbuchungsplan");
    assert_top3("Objektspeicher", "s3-objektspeicher");
    assert_top3("Grünflächen Kataster ", "gruenflaechenkataster");
}

#[test]
fn the_word_being_typed_matches_as_a_prefix() {
    assert_top3("Grünfl", "gruenflaechenkataster");
    assert_top3("kube", "managed-kubernetes");
    assert_top3("Termin", "terminfinder");
    assert_top3("sicherer mess", "dmessenger");
    assert_top3("postg", "postgresql-as-a-service");
}

#[test]
fn one_typo_in_a_longer_word_is_forgiven() {
    assert_top3("Kubernets ", "managed-kubernetes");
    assert_top3("Mesenger ", "dmessenger");
    assert_top3("Objecktspeicher ", "s3-objektspeicher");
    assert_top3("Fernsingaturdienst ", "fernsignaturdienst-sign-me");
    assert_top3("Terminfidner ", "terminfinder");
}

#[test]
fn typos_reach_into_the_parts_of_compound_words() {
    assert_top3("Grünflächenkatster", "gruenflaechenkataster");
    assert_top3("Grünflächenkatster ", "gruenflaechenkataster");
    assert_top3("Grünflächen Katster ", "gruenflaechenkataster");
    assert_top3("Flächenkatster ", "gruenflaechenkataster");
    assert_top3("Buchungsplna ", "hallenbuchungsplan");
    assert_top3("Signaturdeinst ", "fernsignaturdienst-sign-me");
    assert_top3("Zertifkat ", "certificate-service-manager");
    // Two typos in a long word.
    assert_top3("Grünflächenkatsetr ", "gruenflaechenkataster");
}

#[test]
fn typo_matches_rank_below_exact_matches() {
    // One offering has the word exactly in its summary, another one typo away in its name:
    // the exact match wins although the name is boosted.
    let mut catalog = common::catalog().clone();
    for offering in &mut catalog.offerings {
        match offering.id.as_str() {
            "terminfinder" => offering.summary.push_str(" Mit Zeiterfassung."),
            "dmessenger" => offering.name = "Zeiterfasung Pro".to_owned(),
            _ => {}
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    build_index(&catalog, dir.path()).expect("builds");
    let index = SearchIndex::open(dir.path()).expect("opens");
    let top = |q: &str| {
        let r = index.search(&SearchRequest::new(q)).expect("search");
        r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(top("Zeiterfassung "), ["terminfinder", "dmessenger"]);
    assert_eq!(top("Zeiterfasung "), ["dmessenger", "terminfinder"]);
    // Without the typo rule only the exact ones would be found.
    assert_eq!(
        top("Datenbnak ").first().map(String::as_str),
        Some("postgresql-as-a-service")
    );
}

#[test]
fn multi_word_queries_need_every_word_but_stop_words() {
    assert_first("sicherer Messenger", "dmessenger");
    assert_first("Messenger für Behörden", "dmessenger");
    let response = search(&SearchRequest::new("Messenger Kubernetes "));
    assert_eq!(response.total, 0, "{:?}", ids(&response));
}

#[test]
fn ties_are_broken_by_id_and_results_are_deterministic() {
    let a = search(&SearchRequest::new("open source "));
    let b = search(&SearchRequest::new("open source "));
    assert_eq!(ids(&a), ids(&b));
    assert!(a.total >= 4);
    // A fresh build of the same content answers the same.
    let dir = tempfile::tempdir().expect("temp dir");
    build_index(common::catalog(), dir.path()).expect("builds");
    let again = SearchIndex::open(dir.path()).expect("opens");
    for q in ["open source ", "signatur", "Grunflachen", "daten", ""] {
        let request = SearchRequest::new(q);
        let (x, y) = (
            common::index().search(&request).expect("search"),
            again.search(&request).expect("search"),
        );
        assert_eq!(ids(&x), ids(&y), "{q:?}");
        assert_eq!(x.total, y.total);
    }
}

#[test]
fn matched_words_are_highlighted_in_the_summary() {
    let response = search(&SearchRequest::new("messenger "));
    let hit = &response.hits[0];
    assert_eq!(hit.url, "/cloud-services/dmessenger/");
    assert_eq!(hit.provider, "Dataport AöR");
    assert!(
        hit.summary_html.contains("<mark>Messenger</mark>"),
        "{}",
        hit.summary_html
    );
    let response = search(&SearchRequest::new("Grunflachen"));
    let hit = response
        .hits
        .iter()
        .find(|h| h.id == "gruenflaechenkataster")
        .expect("hit");
    assert!(hit.summary_html.contains("<mark>"), "{}", hit.summary_html);
}

// ---- filters, facets, sorting, paging ---------------------------------------------------

#[test]
fn no_words_lists_every_offering_by_name() {
    let response = search(&SearchRequest::new(""));
    assert_eq!(response.total, common::catalog().published().count());
    let names: Vec<&str> = response.hits.iter().map(|h| h.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
    assert!(response.suggestions.is_empty() && response.bedarf_melden.is_none());
}

#[test]
fn filters_narrow_the_hits() {
    let all = search(&SearchRequest::new(""));
    let saas = search(&SearchRequest::new("").typ(ServiceType::Saas));
    assert!(saas.total > 0 && saas.total < all.total);
    let dataport = search(&SearchRequest::new("").anbieter("dataport"));
    let expected = common::catalog()
        .published()
        .filter(|o| o.provider == "dataport")
        .count();
    assert_eq!(dataport.total, expected);
    let infra = search(&SearchRequest::new("").kategorie("infrastruktur"));
    let hosting = search(&SearchRequest::new("").kategorie("infrastruktur/hosting-und-compute"));
    assert!(hosting.total > 0 && hosting.total < infra.total);
    let mut hosting_ids = ids(&hosting);
    hosting_ids.sort_unstable();
    assert_eq!(hosting_ids, ["managed-kubernetes", "virtuelle-maschinen"]);
    let uv = search(&SearchRequest::new("").vertragsmodell(ContractModel::Umklappvertrag));
    let expected = common::catalog()
        .published()
        .filter(|o| o.offers(ContractModel::Umklappvertrag))
        .count();
    assert_eq!(uv.total, expected);
    let unknown = search(&SearchRequest::new("").anbieter("niemand"));
    assert_eq!(unknown.total, 0);
}

#[test]
fn facet_counts_ignore_their_own_filter_but_honour_the_others() {
    let catalog = common::catalog();
    let response = search(&SearchRequest::new("").typ(ServiceType::Saas));
    // The type facet still shows every type, with what choosing it would give.
    for facet in &response.facets.typ {
        let t = ServiceType::parse(&facet.value).expect("type");
        let expected = catalog.published().filter(|o| o.service_type == t).count();
        assert_eq!(facet.count, expected, "{}", facet.value);
        assert_eq!(facet.selected, t == ServiceType::Saas);
    }
    assert_eq!(response.facets.typ.len(), 3);
    // The provider facet counts SaaS offerings only.
    let dataport = response
        .facets
        .anbieter
        .iter()
        .find(|f| f.value == "dataport")
        .expect("dataport");
    let expected = catalog
        .published()
        .filter(|o| o.provider == "dataport" && o.service_type == ServiceType::Saas)
        .count();
    assert_eq!(dataport.count, expected);
    assert_eq!(dataport.label, "Dataport AöR");
    // Contract-model counts sum to at least the hits (an offering may allow both).
    let sum: usize = response.facets.vertragsmodell.iter().map(|f| f.count).sum();
    assert!(sum >= response.total);
}

#[test]
fn choosing_a_category_lists_its_sub_categories() {
    let response = search(&SearchRequest::new("").kategorie("infrastruktur"));
    let values: Vec<&str> = response
        .facets
        .kategorie
        .iter()
        .map(|f| f.value.as_str())
        .collect();
    let at = values
        .iter()
        .position(|v| *v == "infrastruktur")
        .expect("top");
    assert!(response.facets.kategorie[at].selected);
    assert!(values[at + 1].starts_with("infrastruktur/"), "{values:?}");
    let hosting = response
        .facets
        .kategorie
        .iter()
        .find(|f| f.value == "infrastruktur/hosting-und-compute")
        .expect("sub");
    assert_eq!(hosting.count, 2);
    assert_eq!(hosting.label, "Hosting und Compute");
    // Other top-level categories keep their counts (the category filter is ignored for them).
    assert!(
        response
            .facets
            .kategorie
            .iter()
            .any(|f| f.value == "fachverfahren" && f.count > 0)
    );
}

#[test]
fn sorts_by_name_date_price_and_maturity_with_ties_by_id() {
    let catalog = common::catalog();
    let get = |id: &str| catalog.offering(id).expect("offering");
    let all = |sort: Sort| {
        let mut out = Vec::new();
        for page in 1..=4 {
            let r = search(&SearchRequest::new("").sortierung(sort).seite(page));
            out.extend(r.hits.iter().map(|h| h.id.clone()));
        }
        out
    };
    let newest = all(Sort::Neueste);
    assert_eq!(newest.len(), catalog.published().count());
    for pair in newest.windows(2) {
        let (a, b) = (get(&pair[0]), get(&pair[1]));
        assert!(a.updated > b.updated || (a.updated == b.updated && a.id < b.id));
    }
    let cheapest = all(Sort::Preis);
    for pair in cheapest.windows(2) {
        let (a, b) = (get(&pair[0]), get(&pair[1]));
        let (pa, pb) = (
            a.lowest_price().expect("plan").price,
            b.lowest_price().expect("plan").price,
        );
        assert!(pa < pb || (pa == pb && a.id < b.id), "{} {}", a.id, b.id);
    }
    let model = &catalog.maturity_model;
    let mature = all(Sort::Reifegrad);
    for pair in mature.windows(2) {
        let (a, b) = (get(&pair[0]), get(&pair[1]));
        let (ma, mb) = (
            catalog::format::maturity_percent(a, model),
            catalog::format::maturity_percent(b, model),
        );
        assert!(ma > mb || (ma == mb && a.id < b.id));
    }
    // A search sorted by price keeps its hits and only changes their order.
    let relevance = search(&SearchRequest::new("open source "));
    let by_price = search(&SearchRequest::new("open source ").sortierung(Sort::Preis));
    assert_eq!(relevance.total, by_price.total);
}

#[test]
fn pages_hold_ten_hits_and_cover_everything_once() {
    let first = search(&SearchRequest::new(""));
    let total = first.total;
    assert_eq!(first.hits.len(), 10);
    assert_eq!(first.pages as usize, total.div_ceil(10));
    let mut seen = Vec::new();
    for page in 1..=first.pages {
        let r = search(&SearchRequest::new("").seite(page));
        assert_eq!(r.page, page);
        seen.extend(r.hits.iter().map(|h| h.id.clone()));
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), total);
    assert_eq!(unique.len(), total);
    let beyond = search(&SearchRequest::new("").seite(first.pages + 1));
    assert!(beyond.hits.is_empty());
    assert_eq!(beyond.total, total);
}

// ---- no hits, bad queries ----------------------------------------------------------------

#[test]
fn no_hits_offers_bedarf_melden_and_the_nearest_offerings() {
    let response = search(&SearchRequest::new("Kubernetis Cluster Hamburg"));
    assert_eq!(response.total, 0);
    assert_eq!(
        response.bedarf_melden.as_deref(),
        Some("/bedarf-melden/?titel=Kubernetis+Cluster+Hamburg")
    );
    let suggested: Vec<&str> = response.suggestions.iter().map(|s| s.id.as_str()).collect();
    assert!(suggested.contains(&"managed-kubernetes"), "{suggested:?}");
    let nothing = search(&SearchRequest::new("Xylophonunterricht"));
    assert_eq!(nothing.total, 0);
    assert!(nothing.bedarf_melden.is_some());
}

#[test]
fn bad_queries_get_a_sensible_answer() {
    let long = "Messenger ".repeat(1000);
    let nested = "((((".repeat(2500);
    for q in [
        "",
        "   ",
        "!!!???...",
        "\"unbalanced quote",
        "name:x AND (",
        "*",
        "-",
        "a OR b NOT c",
        "ünïcödé 日本語 🙂",
        "\u{0}\u{1}\u{7f}",
        long.as_str(),
        nested.as_str(),
        "a",
        "Grünflächen~2",
        "title:[a TO z]",
    ] {
        let params = SearchParams {
            q: Some(q.to_owned()),
            ..SearchParams::default()
        };
        let request = SearchRequest::from_params(&params).expect("words are never rejected");
        let response = common::index().search(&request).expect("answers");
        assert!(response.hits.len() <= 10, "{q:?}");
        serde_json::to_string(&response).expect("serialises");
    }
    // The long query still finds what its words say.
    let response = search(&SearchRequest::new(&long));
    assert_eq!(ids(&response).first(), Some(&"dmessenger"));
    // Query syntax is just words: `name:x AND (` searches for "name", "x" and "and".
    let syntax = search(&SearchRequest::new("Messenger AND ("));
    assert!(syntax.total <= 1);
}

#[test]
fn responses_are_small() {
    let response = search(&SearchRequest::new("daten"));
    let json = serde_json::to_string(&response).expect("json");
    assert!(json.len() <= 4096, "{} bytes", json.len());
}

// ---- opening ----------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn opens_from_a_read_only_folder_without_writing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("index");
    build_index(common::catalog(), &path).expect("builds");
    let before: Vec<_> = std::fs::read_dir(&path)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    for entry in std::fs::read_dir(&path).expect("list") {
        let entry = entry.expect("entry");
        std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o444))
            .expect("chmod file");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o555)).expect("chmod dir");

    let index = SearchIndex::open(&path).expect("opens read-only");
    let response = index
        .search(&SearchRequest::new("messenger "))
        .expect("searches");
    assert_eq!(ids(&response).first(), Some(&"dmessenger"));
    let after: Vec<_> = std::fs::read_dir(&path)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        before.len(),
        after.len(),
        "no lock or other file was created"
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
}

#[test]
fn opening_a_folder_without_an_index_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = SearchIndex::open(dir.path()).expect_err("no index");
    assert!(err.to_string().contains("csp build"), "{err}");
    let err = SearchIndex::open(&dir.path().join("missing")).expect_err("no folder");
    assert!(!err.is_bad_request());
}

#[test]
fn building_refuses_to_replace_a_folder_that_is_not_an_index() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("notes.txt"), "keep me").expect("write");
    let err = build_index(common::catalog(), dir.path()).expect_err("refuses");
    assert!(err.to_string().contains("refusing"), "{err}");
    assert!(dir.path().join("notes.txt").exists());
    // Rebuilding over an index is fine.
    let path = dir.path().join("index");
    build_index(common::catalog(), &path).expect("first build");
    let stats = build_index(common::catalog(), &path).expect("rebuild");
    assert_eq!(stats.documents, common::catalog().published().count());
    assert!(stats.bytes > 0);
}
