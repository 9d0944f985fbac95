//! The CSP-AGB as versioned content: a published version's text never changes, every
//! version is recorded as published, and the `agb` page shows the version in force.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the repository's content to change.
fn content() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../content"),
        dir.path(),
    );
    dir
}

fn problems(content: &Path) -> Vec<String> {
    match catalog::load_catalog(content) {
        Ok(_) => Vec::new(),
        Err(problems) => problems
            .into_sorted()
            .iter()
            .map(|d| d.render_human(None))
            .collect(),
    }
}

#[test]
fn the_agb_page_shows_the_version_in_force() {
    let dir = content();
    let catalog = catalog::load_catalog(dir.path()).unwrap();
    let current = catalog.current_agb().expect("a current version");
    assert_eq!(current.version, "2026-01");
    let page = catalog.page("agb").unwrap();
    assert!(page.body.ends_with(&current.text), "{}", page.body);
    let snapshot = catalog::snapshot::OrderCatalog::from_catalog(&catalog);
    assert_eq!(snapshot.agb_version, "2026-01");
    assert_eq!(snapshot.agb_text, current.text);
}

#[test]
fn a_changed_published_version_is_refused_with_the_way_out() {
    let dir = content();
    let file = dir.path().join("agb/2026-01.md");
    let text = fs::read_to_string(&file).unwrap();
    fs::write(&file, text.replace("30 Tagen", "60 Tagen")).unwrap();
    let problems = problems(dir.path());
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("the text of the published CSP-AGB version 2026-01 was changed"),
        "{}",
        problems[0]
    );
    assert!(problems[0].contains("new version"), "{}", problems[0]);
}

#[test]
fn a_new_version_is_published_by_its_line_and_then_named_by_the_page() {
    let dir = content();
    let agb = dir.path().join("agb");
    fs::write(agb.join("2027-01.md"), "## Neu\n\nGeänderte Bedingungen.\n").unwrap();
    let problems_now = problems(dir.path());
    assert_eq!(problems_now.len(), 1, "{problems_now:#?}");
    assert!(
        problems_now[0].contains("2027-01 is not recorded as published"),
        "{}",
        problems_now[0]
    );
    // The message names the line to add.
    let line = problems_now[0]
        .split('`')
        .find(|part| part.ends_with("  2027-01.md"))
        .expect("the line to add")
        .to_owned();
    let mut published = fs::read_to_string(agb.join("published.sha256")).unwrap();
    published.push_str(&line);
    published.push('\n');
    fs::write(agb.join("published.sha256"), published).unwrap();
    assert_eq!(problems(dir.path()), Vec::<String>::new());

    let page = dir.path().join("pages/agb.md");
    let text = fs::read_to_string(&page).unwrap();
    fs::write(
        &page,
        text.replace("version: \"2026-01\"", "version: \"2027-01\""),
    )
    .unwrap();
    let catalog = catalog::load_catalog(dir.path()).unwrap();
    assert_eq!(catalog.current_agb().unwrap().version, "2027-01");
    assert!(
        catalog
            .page("agb")
            .unwrap()
            .body
            .ends_with("Geänderte Bedingungen.")
    );
    assert_eq!(catalog.agb.len(), 2, "the old version is kept");
}

#[test]
fn a_deleted_version_or_an_unknown_page_version_is_refused() {
    let dir = content();
    fs::remove_file(dir.path().join("agb/2026-01.md")).unwrap();
    fs::write(dir.path().join("agb/2027-01.md"), "Text\n").unwrap();
    let problems = problems(dir.path());
    let all = problems.join("\n");
    assert!(all.contains("2026-01.md was deleted"), "{all}");
    assert!(
        all.contains("does not exist"),
        "the page names a missing version: {all}"
    );
}
