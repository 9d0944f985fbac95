//! The internal-link check: every `href`, `src` and `action` attribute between generated
//! files must point at a file the build wrote. Links are collected from each page while it
//! is rendered, by reading its HTML tokens (attributes of elements only, never text), and
//! checked at the end.

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
        self.add_page_skipping(page_path, html, &[]);
    }

    /// Adds the internal links of one page whose `checked` fragments (in the order the page
    /// shows them) were added before or hold no link: their bytes are skipped, the rest of
    /// the page is read. A listing page is mostly tiles, and each tile is on several
    /// listings: its links are read once (see [`links_are_absolute`]), not on every page
    /// that shows it. A fragment not found where the next tag starts is read with the rest.
    pub fn add_page_skipping(&mut self, page_path: &str, html: &[u8], checked: &[&str]) {
        for_each_link(page_path, html, checked, |target| {
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
    for_each_link(page_path, html.as_bytes(), &[], |target| {
        found.insert(target.into_owned());
    });
    found
}

/// Whether every link of a fragment of HTML is absolute (or external): then its targets are
/// the same on every page that shows it, and reading them once is enough.
pub fn links_are_absolute(html: &str) -> bool {
    let mut absolute = true;
    for_each_link_value(html.as_bytes(), &[], |raw| {
        let value = String::from_utf8_lossy(raw);
        let value = decode_references(&value).into_owned();
        let value = value.trim();
        let relative = !(value.starts_with('/')
            || value.starts_with('#')
            || value.is_empty()
            || resolve_cow("/", value).is_none());
        absolute &= !relative;
    });
    absolute
}

/// Whether a fragment of HTML holds a link (an `href`, `src` or `action` attribute).
pub fn has_links(html: &str) -> bool {
    let mut any = false;
    for_each_link_value(html.as_bytes(), &[], |_| any = true);
    any
}

/// Calls `found` with the target of every internal link of a page (see [`internal_links`]),
/// once per occurrence.
fn for_each_link(
    page_path: &str,
    bytes: &[u8],
    skip: &[&str],
    mut found: impl FnMut(Cow<'_, str>),
) {
    for_each_link_value(bytes, skip, |value| {
        if let Some(target) = link_target(page_path, value) {
            found(target);
        }
    });
}

/// Calls `found` with the raw value of every `href`, `src` and `action` attribute of a page.
///
/// The page is read as HTML tokens, the way a browser's tokenizer reads it: only the
/// `href`, `src` and `action` attributes of start tags are links. Text (where a provider's
/// `src=x` arrives escaped as `&lt;img src=x&gt;`), comments, end tags, doctypes and the
/// content of `script`, `style`, `textarea` and `title` are skipped.
///
/// The fragments in `skip` are passed over where a tag starts with the next of them (they
/// follow one another in the page in this order), without a search for them.
fn for_each_link_value(bytes: &[u8], skip: &[&str], mut found: impl FnMut(&[u8])) {
    let mut at = 0;
    let mut skip = skip.iter().map(|f| f.as_bytes()).peekable();
    while let Some(offset) = find_byte(b'<', &bytes[at..]) {
        let open = at + offset;
        if let Some(fragment) = skip.peek()
            && bytes[open..].starts_with(fragment)
        {
            at = open + fragment.len();
            skip.next();
            continue;
        }
        let rest = &bytes[open + 1..];
        at = match rest.first() {
            Some(c) if c.is_ascii_alphabetic() => {
                let tag = read_start_tag(bytes, open + 1, |name, value| {
                    if is_link_attribute(name) {
                        found(value);
                    }
                });
                match raw_text_end(bytes, &bytes[open + 1..tag.name_end], tag.end) {
                    Some(end) => end,
                    None => tag.end,
                }
            }
            // A comment ends at the first `-->` (a `<!-->` or `<!--->` at once).
            Some(b'!') if rest.starts_with(b"!--") => {
                let body = open + 4;
                if bytes[body..].starts_with(b">") {
                    body + 1
                } else if bytes[body..].starts_with(b"->") {
                    body + 2
                } else {
                    memchr::memmem::find(&bytes[body..], b"-->")
                        .map_or(bytes.len(), |i| body + i + 3)
                }
            }
            // A doctype, an end tag or a bogus comment (`<?…>`): up to the next `>`; an
            // end tag's attributes are no links.
            Some(b'!' | b'/' | b'?') => {
                find_byte(b'>', rest).map_or(bytes.len(), |i| open + 1 + i + 1)
            }
            // A `<` that opens no tag is text.
            _ => open + 1,
        };
    }
}

/// A start tag read by [`read_start_tag`]: where its name ends, and the offset after its `>`.
struct StartTag {
    name_end: usize,
    end: usize,
}

/// Reads the start tag whose name begins at `start` (just after its `<`), calling
/// `attribute` with the name and raw value of each attribute that has a value.
///
/// It goes from one `=` or `>` to the next: the bytes before an `=` end with the
/// attribute's name, and a value is skipped whole (to its closing quote), so that an `=` or
/// `>` inside a value is never taken for syntax. (Faster ways were measured, in
/// instructions for a build of 1,000 offerings: `memchr` calls cost more than they save
/// for spans this short, and so did one `memchr3` iterator over the page for `<`, `>` and
/// `=`, or eight bytes at a time compared in a 64-bit word.)
fn read_start_tag(bytes: &[u8], start: usize, mut attribute: impl FnMut(&[u8], &[u8])) -> StartTag {
    let len = bytes.len();
    let mut i = start;
    while i < len && !is_space(bytes[i]) && !matches!(bytes[i], b'/' | b'>') {
        i += 1;
    }
    let name_end = i;
    loop {
        let Some(offset) = bytes[i..].iter().position(|&b| b == b'=' || b == b'>') else {
            return StartTag { name_end, end: len };
        };
        let equals = i + offset;
        if bytes[equals] == b'>' {
            return StartTag {
                name_end,
                end: equals + 1,
            };
        }
        // The name: back over whitespace, then to the whitespace or slash before it (never
        // before the end of the previous attribute).
        let mut end = equals;
        while end > i && is_space(bytes[end - 1]) {
            end -= 1;
        }
        let mut begin = end;
        while begin > i && !is_space(bytes[begin - 1]) && bytes[begin - 1] != b'/' {
            begin -= 1;
        }
        let name = &bytes[begin..end];
        let mut v = equals + 1;
        while v < len && is_space(bytes[v]) {
            v += 1;
        }
        let value = match bytes.get(v) {
            Some(&quote @ (b'"' | b'\'')) => {
                let value_start = v + 1;
                let value_end =
                    find_byte(quote, &bytes[value_start..]).map_or(len, |l| value_start + l);
                i = (value_end + 1).min(len);
                &bytes[value_start..value_end]
            }
            _ => {
                let value_start = v;
                while v < len && !is_space(bytes[v]) && bytes[v] != b'>' {
                    v += 1;
                }
                i = v;
                &bytes[value_start..v]
            }
        };
        attribute(name, value);
    }
}

/// The first `byte` in `haystack`. Most spans of a page are short (the text between two
/// tags, a value): their first bytes are looked at in a loop, and `memchr` is set up only
/// for a longer one.
#[inline]
fn find_byte(byte: u8, haystack: &[u8]) -> Option<usize> {
    const SHORT: usize = 24;
    let head = &haystack[..haystack.len().min(SHORT)];
    match head.iter().position(|&b| b == byte) {
        Some(i) => Some(i),
        None if haystack.len() <= SHORT => None,
        None => memchr::memchr(byte, &haystack[SHORT..]).map(|i| SHORT + i),
    }
}

/// Whitespace between the parts of a tag, as HTML has it.
fn is_space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Where the content of a raw text or escapable raw text element ends (after its end tag),
/// for an element whose start tag `name` ended at `content`; `None` for other elements.
/// Nothing inside `script`, `style`, `textarea` or `title` is a tag.
fn raw_text_end(bytes: &[u8], name: &[u8], content: usize) -> Option<usize> {
    // Most tags are none of these: their first letter says so.
    let raw = matches!(name.first(), Some(b's' | b'S' | b't' | b'T'))
        && [b"script".as_slice(), b"style", b"textarea", b"title"]
            .into_iter()
            .any(|raw| name.eq_ignore_ascii_case(raw));
    if !raw {
        return None;
    }
    let mut at = content;
    while let Some(offset) = memchr::memmem::find(&bytes[at..], b"</") {
        let close = at + offset + 2;
        let after = close + name.len();
        if bytes.len() >= after
            && bytes[close..after].eq_ignore_ascii_case(name)
            && matches!(
                bytes.get(after),
                None | Some(b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>')
            )
        {
            return Some(
                memchr::memchr(b'>', &bytes[after..]).map_or(bytes.len(), |i| after + i + 1),
            );
        }
        at = close;
    }
    Some(bytes.len())
}

fn is_link_attribute(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"href")
        || name.eq_ignore_ascii_case(b"src")
        || name.eq_ignore_ascii_case(b"action")
}

/// The internal target of an attribute value, its character references decoded.
fn link_target<'v>(page_path: &str, raw: &'v [u8]) -> Option<Cow<'v, str>> {
    // Tera writes pages from strings, so a value is UTF-8; were it not, it is still
    // checked (and reported), never skipped.
    let value = match String::from_utf8_lossy(raw) {
        Cow::Borrowed(value) => decode_references(value),
        Cow::Owned(value) => Cow::Owned(decode_references(&value).into_owned()),
    };
    match value {
        Cow::Borrowed(value) => resolve_cow(page_path, value),
        Cow::Owned(value) => resolve_cow(page_path, &value).map(|t| Cow::Owned(t.into_owned())),
    }
}

/// Decodes the character references an escaped attribute value holds (`&amp;`, `&#x2F;`,
/// `&quot;`, any numeric one); an unknown named reference stays as it is.
fn decode_references(value: &str) -> Cow<'_, str> {
    if !value.contains('&') {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').and_then(|semi| {
            let reference = &rest[1..semi];
            let c = match reference {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let number = reference.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
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
    fn text_comments_and_raw_text_are_not_links() {
        let links = internal_links(
            "/a/",
            concat!(
                "<!doctype html><title>src=/t/ <a href=/t2/></title>",
                "<p>Probe &lt;img src=x onerror=alert(1)&gt; href=/nirgends ",
                "&lt;a href=&quot;y&quot;&gt; a <b class=\"c\" >",
                "</b></p><!-- <a href=\"/kommentar/\"> --><!--><a href=/b/>",
                "<script>let s = '<a href=/skript/>';</script >",
                "<style>a[href=\"/stil/\"] {}</style><textarea>&lt;a href=/t3/&gt;</textarea>",
                "<a\ttitle='x > y' data-x=\"href=/z/\"\nhref='/c/?a=1&amp;b=2'>",
                "</a href=/ende/><img alt=\"\" src=/d.svg><form ACTION=\"/e/\">",
                "<a href=\"&#x2F;f&#x2F;\"></a><a  class = x  href = \"/g/\" ><img/src=/h.svg>",
                "<p title=\"a=b > c\" data-q='src=/nein/'>",
            ),
        );
        let mut links: Vec<_> = links.into_iter().collect();
        links.sort();
        assert_eq!(
            links,
            ["/b/", "/c/", "/d.svg", "/e/", "/f/", "/g/", "/h.svg"]
        );
    }

    #[test]
    fn checked_fragments_are_skipped_and_the_rest_is_read() {
        let tile = r#"<li><a href="/kaputt/">T</a></li>"#;
        let other = r#"<li><a href="/auch-kaputt/">U</a></li>"#;
        let page = format!("<ul><a href=/a/>{tile}{tile}</ul><p><a href=/b/>{other}<a href=/c/>");
        let mut index = LinkIndex::default();
        index.add_page_skipping("/l/", page.as_bytes(), &[tile, tile, other]);
        let mut targets: Vec<_> = index.targets.keys().cloned().collect();
        targets.sort();
        assert_eq!(targets, ["/a/", "/b/", "/c/"]);
        // The second tile is not the next fragment expected: it is read.
        let mut index = LinkIndex::default();
        index.add_page_skipping("/l/", page.as_bytes(), &[tile, other, tile]);
        let mut targets: Vec<_> = index.targets.keys().cloned().collect();
        targets.sort();
        assert_eq!(targets, ["/a/", "/b/", "/c/", "/kaputt/"]);
    }

    #[test]
    fn relative_links_make_a_fragment_page_dependent() {
        assert!(links_are_absolute(
            r#"<a href="/a/">a</a><a href=https://x.example/>x</a><a href=#top>t</a><a href="mailto:a@b.de">m</a>"#
        ));
        assert!(!links_are_absolute(r#"<a href="/a/">a</a><img src=b.svg>"#));
        assert!(!links_are_absolute(r#"<a href="../a/">a</a>"#));
    }

    #[test]
    fn character_references_in_values_are_decoded() {
        assert_eq!(decode_references("/a/?x=1&amp;y=2"), "/a/?x=1&y=2");
        assert_eq!(decode_references("&#x2F;a&#47;&quot;&lt;&gt;"), "/a/\"<>");
        assert_eq!(
            decode_references("a&b&unknown;&#xZZ;"),
            "a&b&unknown;&#xZZ;"
        );
        assert_eq!(decode_references("&"), "&");
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
