//! Shared helpers of the `build_*` tests: build a content folder into a temporary directory
//! and read what a visitor would get.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use generator::build::{BuildError, BuildOptions, BuildReport, build};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn sample_content() -> PathBuf {
    repo().join("content")
}

pub fn theme() -> PathBuf {
    repo().join("themes/default")
}

/// A finished build in a temporary directory.
pub struct Built {
    pub dir: tempfile::TempDir,
    pub report: BuildReport,
}

impl Built {
    pub fn public(&self) -> PathBuf {
        self.dir.path().join("public")
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("function-data")
    }

    /// The file served for a URL path (`/a/` → `a/index.html`).
    pub fn file(&self, url: &str) -> PathBuf {
        let rel = url.trim_start_matches('/');
        if url.ends_with('/') {
            self.public().join(rel).join("index.html")
        } else {
            self.public().join(rel)
        }
    }

    pub fn exists(&self, url: &str) -> bool {
        self.file(url).is_file()
    }

    pub fn page(&self, url: &str) -> String {
        fs::read_to_string(self.file(url)).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    /// Every file of the site: URL-ish relative path → content.
    pub fn all_files(&self) -> BTreeMap<String, Vec<u8>> {
        snapshot(&self.public())
    }
}

pub fn options(content: &Path, out_dir: &Path) -> BuildOptions {
    BuildOptions {
        content: content.to_owned(),
        theme: theme(),
        out: out_dir.join("public"),
        data_out: out_dir.join("function-data"),
    }
}

pub fn build_into(content: &Path, out_dir: &Path) -> Result<BuildReport, BuildError> {
    build(&options(content, out_dir))
}

pub fn build_content(content: &Path) -> Built {
    let dir = tempfile::tempdir().unwrap();
    let report = build_into(content, dir.path()).unwrap_or_else(|e| panic!("build failed: {e}"));
    Built { dir, report }
}

/// The sample content, built once per test binary.
pub fn sample() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| build_content(&sample_content()))
}

/// Every file below `root` with its bytes, by relative path.
pub fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// A copy of the sample content with only the given offerings (plus extra offering files).
pub fn fixture_content(keep: &[&str], extra: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&sample_content(), dir.path());
    let offerings = dir.path().join("offerings");
    for entry in fs::read_dir(&offerings).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !keep.contains(&stem.as_str()) {
            fs::remove_file(path).unwrap();
        }
    }
    for (id, text) in extra {
        fs::write(offerings.join(format!("{id}.yaml")), text).unwrap();
    }
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

/// A valid offering file derived from the sample `ddatabox`, with another id, name,
/// description, conditions and status.
pub fn offering_yaml(
    id: &str,
    name: &str,
    description: &str,
    conditions: &str,
    status: &str,
) -> String {
    let base = fs::read_to_string(sample_content().join("offerings/ddatabox.yaml")).unwrap();
    let mut out = String::new();
    let mut skipping = false;
    for line in base.lines() {
        if skipping {
            if line.starts_with(' ') || line.is_empty() {
                continue;
            }
            skipping = false;
        }
        if line.starts_with("id: ") {
            out.push_str(&format!("id: {id}\n"));
        } else if line.starts_with("name: ") {
            out.push_str(&format!("name: {name}\n"));
        } else if line.starts_with("status: ") {
            out.push_str(&format!("status: {status}\n"));
        } else if line.starts_with("featured: ") {
            out.push_str("featured: false\n");
        } else if line.starts_with("description: |") {
            out.push_str(&block("description", description));
            skipping = true;
        } else if line.starts_with("conditions: |") {
            out.push_str(&block("conditions", conditions));
            skipping = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn block(key: &str, text: &str) -> String {
    let mut out = format!("{key}: |\n");
    for line in text.lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Text as it appears in the HTML source.
pub fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Does an element of the page carry `attr="value"`? Read through an HTML parser, so text
/// that merely looks like an attribute never counts.
pub fn has_attr(html: &str, attr: &str, value: &str) -> bool {
    scraper::Html::parse_document(html)
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
        .any(|element| element.value().attr(attr) == Some(value))
}

/// The elements of `html` that match the CSS `selector`, as the parser sees them.
pub fn select(html: &str, selector: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(selector).expect("a valid selector");
    document.select(&selector).map(|e| e.html()).collect()
}

/// The text of each element matching `selector`, with white space collapsed.
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(selector).expect("a valid selector");
    document
        .select(&selector)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The attributes of the one element matching `selector` (panics unless exactly one does).
pub fn attributes_of(html: &str, selector: &str) -> BTreeMap<String, String> {
    let document = scraper::Html::parse_document(html);
    let parsed = scraper::Selector::parse(selector).expect("a valid selector");
    let found: Vec<_> = document.select(&parsed).collect();
    assert_eq!(found.len(), 1, "exactly one element matches {selector}");
    found[0]
        .value()
        .attrs()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The visible text of the tiles' headings on a listing page, in page order.
pub fn tile_names(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("[id^=kachel-] a").expect("selector");
    let mut names = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for link in document.select(&selector) {
        // The first link of each tile is its heading.
        let tile = link
            .ancestors()
            .filter_map(scraper::ElementRef::wrap)
            .find(|e| e.value().id().is_some_and(|id| id.starts_with("kachel-")))
            .and_then(|e| e.value().id().map(str::to_owned));
        if tile.is_some_and(|id| seen.insert(id)) {
            names.push(link.text().collect());
        }
    }
    names
}
