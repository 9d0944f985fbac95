//! The internal-link check: every `href`, `src` and `action` between generated files must
//! point at a file the build wrote. Links are collected from each page while it is rendered
//! (before minifying, when every attribute is still double-quoted) and checked at the end.

use std::borrow::Cow;
use std::collections::HashSet;

use rustc_hash::FxHashMap;

/// Where links point (normalised URL paths) and the first page that links there.
///
/// FxHash: every link of every page is looked up here (about a million lookups for a large
/// catalog), and the keys are our own paths, not input an attacker could choose to collide.
#[derive(Default)]
pub struct LinkIndex {
    pub targets: FxHashMap<String, String>,
}

impl LinkIndex {
    pub fn merge(mut self, other: LinkIndex) -> LinkIndex {
        if self.targets.len() < other.targets.len() {
            return other.merge(self);
        }
        for (target, source) in other.targets {
            self.targets.entry(target).or_insert(source);
        }
        self
    }

    /// Adds the internal links of one page. Most targets (header, footer, tiles) were already
    /// seen on other pages: those cost a lookup, no allocation. The page is taken as bytes:
    /// only link values are checked for UTF-8, not the whole page again.
    pub fn add_page(&mut self, page_path: &str, html: &[u8]) {
        for_each_link(page_path, html, |target| {
            if !self.targets.contains_key(target.as_ref()) {
                self.targets
                    .insert(target.into_owned(), page_path.to_owned());
            }
        });
    }

    /// Links whose target the build did not write, as (target, linking page), sorted.
    pub fn broken(&self, files: &HashSet<String>) -> Vec<(String, String)> {
        let mut broken: Vec<(String, String)> = self
            .targets
            .iter()
            .filter(|(target, _)| !exists(files, target))
            .map(|(t, s)| (t.clone(), s.clone()))
            .collect();
        broken.sort();
        broken
    }
}

/// Does a URL path resolve to a written file? `/a/` is `/a/index.html`.
fn exists(files: &HashSet<String>, target: &str) -> bool {
    if target.ends_with('/') {
        files.contains(&format!("{target}index.html"))
    } else {
        files.contains(target) || files.contains(&format!("{target}/index.html"))
    }
}

/// Internal link targets of a page as URL paths without query or fragment. Links to the
/// function (`/api/…`) are not files of the site and are skipped.
pub fn internal_links(page_path: &str, html: &str) -> HashSet<String> {
    let mut found = HashSet::new();
    for_each_link(page_path, html.as_bytes(), |target| {
        found.insert(target.into_owned());
    });
    found
}

/// Calls `found` with the target of every internal link of a page (see [`internal_links`]),
/// once per occurrence.
///
/// One pass over the page's `=` signs: each is checked for a link attribute's name before it
/// (three `memmem` passes, one per name, cost four times as much on a large build).
fn for_each_link(page_path: &str, bytes: &[u8], mut found: impl FnMut(Cow<'_, str>)) {
    for equals in memchr::memchr_iter(b'=', bytes) {
        let before = &bytes[..equals];
        let name = if before.ends_with(b"href") {
            4
        } else if before.ends_with(b"src") {
            3
        } else if before.ends_with(b"action") {
            6
        } else {
            continue;
        };
        let start = equals - name;
        // Only whole attribute names: preceded by whitespace or a closing quote.
        if start == 0 || !matches!(bytes[start - 1], b' ' | b'\n' | b'\t' | b'"' | b'\'') {
            continue;
        }
        let mut value_start = equals + 1;
        let end = match bytes.get(value_start) {
            Some(&q @ (b'"' | b'\'')) => {
                value_start += 1;
                memchr::memchr(q, &bytes[value_start..]).map(|l| value_start + l)
            }
            Some(_) => Some(
                bytes[value_start..]
                    .iter()
                    .position(|&c| c == b'>' || c.is_ascii_whitespace())
                    .map_or(bytes.len(), |l| value_start + l),
            ),
            None => None,
        };
        let Some(end) = end else { continue };
        // Tera writes pages from strings, so a value is UTF-8; were it not, it is still
        // checked (and reported), never skipped.
        let value = match String::from_utf8_lossy(&bytes[value_start..end]) {
            Cow::Borrowed(value) => decode_amp(value),
            Cow::Owned(value) => Cow::Owned(decode_amp(&value).into_owned()),
        };
        let target = match value {
            Cow::Borrowed(value) => resolve_cow(page_path, value),
            Cow::Owned(value) => resolve_cow(page_path, &value).map(|t| Cow::Owned(t.into_owned())),
        };
        if let Some(target) = target {
            found(target);
        }
    }
}

fn decode_amp(value: &str) -> Cow<'_, str> {
    if value.contains('&') {
        Cow::Owned(value.replace("&amp;", "&").replace("&#x2F;", "/"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Resolves a link against the page it is on; `None` for external links, fragments on the
/// same page, other schemes and the function's routes.
pub fn resolve(page_path: &str, href: &str) -> Option<String> {
    resolve_cow(page_path, href).map(Cow::into_owned)
}

/// [`resolve`], borrowing from `href` when it is already an absolute, normalised path (as
/// almost every link of the generated pages is).
fn resolve_cow<'h>(page_path: &str, href: &'h str) -> Option<Cow<'h, str>> {
    let href = href.trim();
    let end = memchr::memchr2(b'?', b'#', href.as_bytes()).unwrap_or(href.len());
    let path = &href[..end];
    if path.is_empty() || path.starts_with("//") {
        return None;
    }
    if let Some(colon) = path.find(':') {
        // A scheme ("https:", "mailto:") comes before any slash.
        if !path[..colon].contains('/') {
            return None;
        }
    }
    let normalised = if path.starts_with('/') && is_normalised(path) {
        Cow::Borrowed(path)
    } else if path.starts_with('/') {
        Cow::Owned(normalise(path))
    } else {
        let base = &page_path[..page_path.rfind('/').map_or(0, |i| i + 1)];
        Cow::Owned(normalise(&format!("{base}{path}")))
    };
    if normalised == "/api" || normalised.starts_with("/api/") {
        return None;
    }
    Some(normalised)
}

/// Is an absolute path free of empty, `.` and `..` segments (what [`normalise`] removes)?
/// One pass over the bytes: this runs for every link of every page.
fn is_normalised(path: &str) -> bool {
    let bytes = path.as_bytes();
    // The start of the current segment, just after its `/`.
    let mut segment = 1;
    for (i, &byte) in bytes.iter().enumerate().skip(1) {
        if byte == b'/' {
            if matches!(&bytes[segment..i], b"" | b"." | b"..") {
                return false;
            }
            segment = i + 1;
        }
    }
    !matches!(&bytes[segment.min(bytes.len())..], b"." | b"..")
}

/// Removes `.` and `..` segments; keeps a trailing slash.
fn normalise(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(&segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_and_absolute_links() {
        assert_eq!(resolve("/a/b/", "c/").as_deref(), Some("/a/b/c/"));
        assert_eq!(resolve("/a/b/", "../x.json").as_deref(), Some("/a/x.json"));
        assert_eq!(
            resolve("/a/", "/kontakt/#form").as_deref(),
            Some("/kontakt/")
        );
        assert_eq!(resolve("/a/", "https://example.org/"), None);
        assert_eq!(resolve("/a/", "mailto:x@y.de"), None);
        assert_eq!(resolve("/a/", "#top"), None);
        assert_eq!(resolve("/a/", "/api/suche?q=x"), None);
        assert_eq!(resolve("/a/", "//cdn.example.org/x.js"), None);
        assert_eq!(
            resolve("/a/", "/b//c/./d/../e/").as_deref(),
            Some("/b/c/e/")
        );
        assert_eq!(resolve("/a/", "/api/../x/").as_deref(), Some("/x/"));
        assert_eq!(resolve("/a/", "/").as_deref(), Some("/"));
        assert_eq!(resolve("/a/", "/x.json?v=1").as_deref(), Some("/x.json"));
        assert_eq!(resolve("/a/", "/b/.").as_deref(), Some("/b"));
        assert_eq!(resolve("/a/", "/b/..").as_deref(), Some("/"));
        assert_eq!(resolve("/a/", "/b/.x/..y/").as_deref(), Some("/b/.x/..y/"));
        assert_eq!(resolve("/a/", "/b/c#x?y").as_deref(), Some("/b/c"));
    }

    #[test]
    fn normalised_paths_are_recognised() {
        for path in ["/", "/a", "/a/", "/a/b.json", "/.x/", "/a/..b/c", "/a/b./"] {
            assert!(is_normalised(path), "{path}");
            assert_eq!(normalise(path), path, "{path}");
        }
        for path in [
            "//", "/a//b", "/./", "/a/./b", "/a/../b", "/a/.", "/a/..", "/..",
        ] {
            assert!(!is_normalised(path), "{path}");
        }
    }

    #[test]
    fn reads_quoted_and_unquoted_attributes() {
        let links = internal_links(
            "/a/",
            r#"<a href=/b/>b</a><a class=x href="/c/?q=1">c</a><form action=/d/ method=post><a data-href=/e/>"#,
        );
        let mut links: Vec<_> = links.into_iter().collect();
        links.sort();
        assert_eq!(links, ["/b/", "/c/", "/d/"]);
    }

    #[test]
    fn a_link_that_is_not_utf8_is_reported_not_skipped() {
        let mut index = LinkIndex::default();
        index.add_page("/a/", b"<a href=\"/b\xff/\">b</a>");
        let broken = index.broken(&HashSet::new());
        assert_eq!(broken, vec![("/b\u{FFFD}/".to_owned(), "/a/".to_owned())]);
    }

    #[test]
    fn finds_broken_links() {
        let mut index = LinkIndex::default();
        index.add_page(
            "/a/",
            br#"<a href="/b/">b</a> <a href="/c/">c</a> <img src="/x.svg">"#,
        );
        let files: HashSet<String> = ["/b/index.html".to_owned(), "/x.svg".to_owned()].into();
        assert_eq!(
            index.broken(&files),
            vec![("/c/".to_owned(), "/a/".to_owned())]
        );
    }
}
