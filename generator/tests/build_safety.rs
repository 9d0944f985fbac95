//! What must never happen: unsafe provider HTML on our pages, drafts or order e-mail addresses
//! in public, broken internal links, and a failed build that damages the previous site.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod build_support;

use std::fs;

use build_support::{build_content, build_into, fixture_content, offering_yaml, sample, snapshot};
use generator::build::BuildError;

const HOSTILE: &str = r#"Harmloser Einstieg.

<script>alert("xss-1")</script>

<img src="x" onerror="alert('xss-2')">

[Klick mich](javascript:alert('xss-3'))

<a href="javascript:alert('xss-4')" onclick="alert('xss-5')">Link</a>

<iframe src="https://evil.example/"></iframe>

<p onmouseover="alert('xss-6')" style="background:url(https://evil.example/t.png)">Text</p>

<svg onload="alert('xss-7')"></svg><object data="https://evil.example/x"></object>

<form action="https://evil.example/"><input name="pw"></form>

[Daten](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
"#;

#[test]
fn hostile_provider_markdown_never_reaches_a_page() {
    let content = fixture_content(
        &["ddatabox"],
        &[(
            "boese",
            offering_yaml("boese", "Böser Dienst", HOSTILE, HOSTILE, "published"),
        )],
    );
    let site = build_content(content.path());
    let detail = site.page("/cloud-services/boese/");
    assert!(
        detail.contains("Harmloser Einstieg"),
        "the harmless text stays"
    );
    assert!(
        detail.contains("Klick mich"),
        "link text stays, the link goes"
    );
    for (path, bytes) in site.all_files() {
        if !path.ends_with(".html") {
            continue; // the JSON and CSV exports carry the provider's Markdown source as data
        }
        let html = String::from_utf8(bytes).unwrap();
        for needle in [
            "xss-",
            "javascript:",
            "<iframe",
            "onerror",
            "onclick",
            "onmouseover",
            "onload",
            "<object",
            "evil.example",
            "data:text",
            "<svg",
        ] {
            assert!(!html.contains(needle), "{path} contains {needle}");
        }
        // Only our own scripts, from our own origin: no inline or foreign script.
        for tag in html.split("<script").skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            let own = ["src=\"/", "src=/"].iter().any(|src| tag.contains(src));
            assert!(own, "{path} has a foreign or inline script: <script{tag}>");
        }
    }
}

#[test]
fn drafts_and_retired_offerings_are_never_published() {
    let site = sample();
    // The sample's draft and retired offerings.
    for id in ["serverless-functions", "ddatabox-testzugang"] {
        assert!(!site.exists(&format!("/cloud-services/{id}/")));
        assert!(!site.exists(&format!("/bestellen/{id}/")));
        for (path, bytes) in site.all_files() {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(id), "{path} mentions {id}");
        }
    }
    let content = fixture_content(
        &["ddatabox"],
        &[
            (
                "geheimer-entwurf",
                offering_yaml(
                    "geheimer-entwurf",
                    "Streng geheimer Entwurf",
                    "Noch nicht fertig.",
                    "Keine.",
                    "draft",
                ),
            ),
            (
                "alter-dienst",
                offering_yaml(
                    "alter-dienst",
                    "Längst eingestellter Dienst",
                    "Vorbei.",
                    "Keine.",
                    "retired",
                ),
            ),
        ],
    );
    let built = build_content(content.path());
    for (path, bytes) in built.all_files() {
        let text = String::from_utf8_lossy(&bytes);
        for needle in [
            "geheimer-entwurf",
            "Streng geheimer Entwurf",
            "alter-dienst",
            "Längst eingestellter",
        ] {
            assert!(!text.contains(needle), "{path} mentions {needle}");
        }
    }
}

#[test]
fn order_email_never_appears_under_public() {
    let site = sample();
    let catalog = catalog::load_catalog(&build_support::sample_content()).unwrap();
    for (path, bytes) in site.all_files() {
        let text = String::from_utf8_lossy(&bytes);
        if path.ends_with(".json") || path.ends_with(".csv") {
            assert!(!text.contains("order_email"), "{path} has the field");
        }
        for provider in &catalog.providers {
            assert!(
                !text.contains(&provider.order_email),
                "{path} shows {}",
                provider.order_email
            );
        }
    }
    // The function's snapshot has it, outside public/.
    let snapshot = fs::read_to_string(site.data().join("catalog.json")).unwrap();
    let ordered = catalog.published().next().unwrap();
    let provider = catalog.provider(&ordered.provider).unwrap();
    assert!(snapshot.contains(&provider.order_email));
}

#[test]
fn broken_internal_link_is_refused() {
    let content = fixture_content(
        &["ddatabox"],
        &[(
            "verlinkt",
            offering_yaml(
                "verlinkt",
                "Dienst mit totem Link",
                "Siehe [hier](/cloud-services/gibt-es-nicht/).",
                "Keine.",
                "published",
            ),
        )],
    );
    let out = tempfile::tempdir().unwrap();
    match build_into(content.path(), out.path()) {
        Err(BuildError::BrokenLinks(broken)) => {
            assert_eq!(
                broken,
                vec![(
                    "/cloud-services/gibt-es-nicht/".to_owned(),
                    "/cloud-services/verlinkt/".to_owned()
                )]
            );
        }
        other => panic!("expected a broken-link error, got {other:?}"),
    }
    assert!(!out.path().join("public").exists(), "nothing was written");
}

#[test]
fn failed_build_leaves_previous_output_byte_identical() {
    let content = fixture_content(&["ddatabox", "dmessenger"], &[]);
    let out = tempfile::tempdir().unwrap();
    build_into(content.path(), out.path()).unwrap();
    let public_before = snapshot(&out.path().join("public"));
    let data_before = snapshot(&out.path().join("function-data"));
    assert!(public_before.contains_key("cloud-services/ddatabox/index.html"));

    let assert_unchanged = |why: &str| {
        assert_eq!(
            snapshot(&out.path().join("public")),
            public_before,
            "{why}: public/ changed"
        );
        assert_eq!(
            snapshot(&out.path().join("function-data")),
            data_before,
            "{why}: function-data/ changed"
        );
        let leftovers: Vec<_> = fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "public" && n != "function-data")
            .collect();
        assert!(
            leftovers.is_empty(),
            "{why}: staging folders left: {leftovers:?}"
        );
    };

    // 1. Invalid content.
    let broken = fixture_content(&["ddatabox"], &[]);
    fs::write(
        broken.path().join("offerings/ddatabox.yaml"),
        "format: 1\nid: ddatabox\nname: [kaputt\n",
    )
    .unwrap();
    assert!(matches!(
        build_into(broken.path(), out.path()),
        Err(BuildError::Content(_))
    ));
    assert_unchanged("invalid content");

    // 2. A template error.
    let theme = tempfile::tempdir().unwrap();
    build_support::copy_dir(&build_support::theme(), theme.path());
    fs::write(
        theme.path().join("templates/offering.html"),
        "{% extends \"base.html\" %}{% block main %}{{ o.gibtsnicht.feld }}{% endblock main %}",
    )
    .unwrap();
    let mut options = build_support::options(content.path(), out.path());
    options.theme = theme.path().to_owned();
    assert!(matches!(
        generator::build::build(&options),
        Err(BuildError::Template { .. })
    ));
    assert_unchanged("template error");

    // 3. A broken internal link.
    let linked = fixture_content(
        &["ddatabox"],
        &[(
            "tot",
            offering_yaml(
                "tot",
                "Toter Link",
                "[weg](/nirgendwo/)",
                "Keine.",
                "published",
            ),
        )],
    );
    assert!(matches!(
        build_into(linked.path(), out.path()),
        Err(BuildError::BrokenLinks(_))
    ));
    assert_unchanged("broken link");

    // A good build replaces the output completely.
    build_into(linked.path(), out.path()).unwrap_err();
    let only_one = fixture_content(&["dmessenger"], &[]);
    build_into(only_one.path(), out.path()).unwrap();
    let after = snapshot(&out.path().join("public"));
    assert!(
        !after.contains_key("cloud-services/ddatabox/index.html"),
        "old pages are gone after a good build"
    );
    assert!(after.contains_key("cloud-services/dmessenger/index.html"));
}
