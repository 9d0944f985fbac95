//! The operator console's long lists in pages: "Gemeldete Bedarfe" (by the store, through a
//! filter) and the search of "Organisationen". Every entry appears exactly once across the
//! pages, in the list's order; the page links keep the filter, mark the current page and
//! lead past the end to the last page; the CSV export holds the whole filtered list.

use std::sync::Arc;

use functions::domain::orders::Need;
use functions::domain::orders::operator::{NEEDS_PAGE_SIZE, NeedFilter};
use functions::domain::orders::operator_orgs::ORGS_PAGE_SIZE;
use functions::domain::orders::ports::PortalStore;
use functions::domain::tokens::new_id;

use super::operator_console::signed_in_operator;
use super::*;

const NEEDS: &str = "/api/betrieb/bedarfe";
const ORGS: &str = "/api/betrieb/organisationen";

/// `count` needs, two at each moment (ties are ordered by id), every third without a
/// category, the others in "fachverfahren" (some in a sub-category) or "infrastruktur".
async fn stored_needs(store: &Arc<dyn PortalStore>, count: usize) -> Vec<Need> {
    let mut needs = Vec::new();
    for i in 0..count {
        let category = match i % 3 {
            0 => None,
            1 => Some("fachverfahren/bauen-wohnen".to_owned()),
            _ if i % 2 == 0 => Some("fachverfahren".to_owned()),
            _ => Some("infrastruktur".to_owned()),
        };
        let need = Need {
            id: new_id(),
            org_id: "org-seiten".into(),
            org_name: "Stadt Seiten".into(),
            user_id: "user-seiten".into(),
            user_name: "Paula Seiten".into(),
            user_email: "paula@seiten.de".into(),
            title: format!("Bedarf {i:03}"),
            description: "Beschreibung".into(),
            category_name: category.clone(),
            category,
            expected_users: None,
            wished_date: None,
            contact_preference: "email".into(),
            created_at: START + i64::try_from(i / 2).expect("small") * 60,
            handled: None,
        };
        store
            .create_need(&need, &super::members::mail("betrieb@portal.example"))
            .await
            .expect("need");
        needs.push(need);
    }
    needs
}

/// The needs `filter` matches, newest first, ties by id descending.
fn expected(needs: &[Need], filter: &NeedFilter) -> Vec<String> {
    let mut found: Vec<&Need> = needs.iter().filter(|n| filter.matches(n)).collect();
    found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    found.into_iter().map(|n| n.id.clone()).collect()
}

pub async fn needs_come_in_pages(store: Arc<dyn PortalStore>) {
    let needs = stored_needs(&store, 2 * NEEDS_PAGE_SIZE + 7).await;
    for filter in [
        NeedFilter::default(),
        NeedFilter {
            category: Some("fachverfahren".into()),
            ..NeedFilter::default()
        },
        NeedFilter {
            category: Some("ohne".into()),
            from: Some(START + 60),
            until: Some(START + 20 * 60),
            ..NeedFilter::default()
        },
    ] {
        let want = expected(&needs, &filter);
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = store
                .list_needs_page(&NeedFilter {
                    offset,
                    limit: NEEDS_PAGE_SIZE,
                    ..filter.clone()
                })
                .await
                .expect("page");
            assert_eq!(page.total, want.len(), "{filter:?}");
            assert!(page.rows.len() <= NEEDS_PAGE_SIZE);
            if page.rows.is_empty() {
                break;
            }
            seen.extend(page.rows.into_iter().map(|n| n.id));
            offset += NEEDS_PAGE_SIZE;
        }
        assert_eq!(seen, want, "each once, in order: {filter:?}");
        let all = store
            .list_needs_page(&filter)
            .await
            .expect("all")
            .rows
            .into_iter()
            .map(|n| n.id)
            .collect::<Vec<_>>();
        assert_eq!(all, want, "limit 0 is the whole list");
    }
    // Handled and open split the list.
    store
        .mark_need_handled(&Need {
            handled: Some(functions::domain::orders::model::NeedHandled {
                at: START,
                by_user_id: "op".into(),
                by_name: "Olga".into(),
            }),
            ..needs[5].clone()
        })
        .await
        .expect("mark");
    let open = NeedFilter {
        handled: Some(false),
        ..NeedFilter::default()
    };
    let handled = NeedFilter {
        handled: Some(true),
        ..NeedFilter::default()
    };
    assert_eq!(
        store.list_needs_page(&open).await.expect("open").total,
        needs.len() - 1
    );
    let done = store.list_needs_page(&handled).await.expect("handled");
    assert_eq!(
        (done.total, done.rows[0].id.as_str()),
        (1, needs[5].id.as_str())
    );

    // Over HTTP, as the operator pages through the filtered list.
    let app = spawn(Arc::clone(&store)).await;
    let operator = signed_in_operator(&app, "seiten@betrieb.example").await;
    let fach = NeedFilter {
        category: Some("fachverfahren".into()),
        ..NeedFilter::default()
    };
    let want = expected(&needs, &fach);
    let titles_of = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .map(|id| {
                needs
                    .iter()
                    .find(|n| &n.id == id)
                    .expect("need")
                    .title
                    .clone()
            })
            .collect()
    };
    let pages = want.len().div_ceil(NEEDS_PAGE_SIZE);
    assert!(pages >= 2, "more than one page");
    let mut listed = Vec::new();
    let mut url = format!("{NEEDS}?kategorie=fachverfahren");
    for number in 1..=pages {
        let page = app.get(&url, Opts::html().cookie(&operator)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(
            markup::texts(&page.body, "main h2#liste")[0],
            format!(
                "{} Bedarfe (gefiltert), Seite {number} von {pages}",
                want.len()
            )
        );
        let nav = "main nav.pagination[aria-label=Seiten]";
        assert_eq!(
            markup::texts(&page.body, &format!("{nav} a[aria-current=page]")),
            [format!("Seite {number}")]
        );
        for href in markup::attrs(&page.body, &format!("{nav} a"), "href") {
            assert!(
                href.starts_with(&format!("{NEEDS}?kategorie=fachverfahren")),
                "the links keep the filter: {href}"
            );
        }
        // The mark form returns to this page with its filter.
        let hidden = markup::attrs(
            &page.body,
            "main section.need form input[name=seite]",
            "value",
        );
        if number > 1 {
            assert!(
                hidden.iter().all(|v| *v == number.to_string()),
                "{hidden:?}"
            );
        } else {
            assert!(hidden.is_empty());
        }
        listed.extend(markup::texts(&page.body, "main section.need h3"));
        let next = markup::attrs(&page.body, &format!("{nav} a[rel=next]"), "href");
        if number < pages {
            url = next[0].clone();
        } else {
            assert!(next.is_empty(), "no next page after the last");
        }
    }
    assert_eq!(listed, titles_of(&want), "each once, in order, over HTTP");

    // A page past the end leads to the last; a page that is no number is the first.
    let past = app
        .get(
            &format!("{NEEDS}?kategorie=fachverfahren&seite=99"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        (past.status, past.location.as_deref()),
        (
            303,
            Some(format!("{NEEDS}?kategorie=fachverfahren&seite={pages}").as_str())
        )
    );
    let word = app
        .get(
            &format!("{NEEDS}?kategorie=fachverfahren&seite=zwei"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(word.status, 200);
    assert_eq!(
        markup::texts(&word.body, "main nav.pagination a[aria-current=page]"),
        ["Seite 1"]
    );

    // The CSV export holds the whole filtered list, whichever page links to it.
    let csv_link = markup::attrs(&word.body, "main a[download]", "href");
    let csv = app.get(&csv_link[0], Opts::html().cookie(&operator)).await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.body.lines().count(),
        want.len() + 1,
        "header and every filtered need"
    );
}

pub async fn organisations_come_in_pages(store: Arc<dyn PortalStore>) {
    let count = ORGS_PAGE_SIZE + 6;
    for i in 0..count {
        // Names in a scrambled order, so the pages show the sort and not the insertion.
        let n = (i * 7) % count;
        let reg = super::conformance::registration(&format!("seite-{n:02}@paging.de"), START);
        store.create_registration(&reg).await.expect("org");
    }
    let app = spawn(Arc::clone(&store)).await;
    let want: Vec<String> = (0..count)
        .map(|n| format!("Org seite-{n:02}@paging.de"))
        .collect();

    // The domain's search, page by page.
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = app
            .state
            .orders
            .search_orgs("PAGING.de", offset, ORGS_PAGE_SIZE)
            .await
            .expect("search");
        assert_eq!(page.total, count);
        if page.rows.is_empty() {
            break;
        }
        seen.extend(page.rows.into_iter().map(|r| r.org.name));
        offset += ORGS_PAGE_SIZE;
    }
    assert_eq!(seen, want, "each once, by name");

    // Over HTTP.
    let operator = signed_in_operator(&app, "orgseiten@betrieb.example").await;
    let first = app
        .get(
            &format!("{ORGS}?q=paging.de"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        markup::texts(&first.body, "main h2#anzahl"),
        [format!("{count} Organisationen gefunden, Seite 1 von 2")]
    );
    let nav = "main nav.pagination[aria-label=Seiten]";
    assert_eq!(
        markup::attrs(&first.body, &format!("{nav} a"), "href"),
        [
            format!("{ORGS}?q=paging.de"),
            format!("{ORGS}?q=paging.de&seite=2"),
            format!("{ORGS}?q=paging.de&seite=2"),
        ],
        "page 1 (current), page 2 and next keep the search"
    );
    let second = app
        .get(
            &format!("{ORGS}?q=paging.de&seite=2"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        markup::texts(&second.body, &format!("{nav} a[aria-current=page]")),
        ["Seite 2"]
    );
    let mut listed = markup::texts(&first.body, "main table.organisations tbody th");
    listed.extend(markup::texts(
        &second.body,
        "main table.organisations tbody th",
    ));
    assert_eq!(listed, want, "each once, by name, over HTTP");
    let past = app
        .get(
            &format!("{ORGS}?q=paging.de&seite=7"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        (past.status, past.location.as_deref()),
        (303, Some(format!("{ORGS}?q=paging.de&seite=2").as_str()))
    );
    // Nothing found: no page links, and no redirect loop for page 1.
    let none = app
        .get(
            &format!("{ORGS}?q=gibt-es-nicht&seite=3"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(
        (none.status, none.location.as_deref()),
        (303, Some(format!("{ORGS}?q=gibt-es-nicht").as_str()))
    );
    let none = app
        .get(
            &format!("{ORGS}?q=gibt-es-nicht"),
            Opts::html().cookie(&operator),
        )
        .await;
    assert_eq!(none.status, 200);
    assert!(markup::texts(&none.body, nav).is_empty());
}
