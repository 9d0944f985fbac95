//! Markdown to safe HTML.
//!
//! Provider files are untrusted: their Markdown may carry raw HTML, event handlers or
//! `javascript:` links. Everything goes through pulldown-cmark and then ammonia, which keeps
//! only a small set of harmless tags and `http`, `https`, `mailto` and `tel` URLs. Images are
//! removed too: an image from another host would be a third-party request on our pages.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .rm_tags(["img"])
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// Renders Markdown to sanitised HTML. Headings are lowered to at least `min_heading`, so
/// a provider's `# Title` never competes with the page's own `h1` and section headings.
pub fn to_html(markdown: &str, min_heading: HeadingLevel) -> String {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .map(|event| match event {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: level.max(min_heading),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(level.max(min_heading))),
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    SANITIZER.clean(&html).to_string()
}

/// The first paragraph's text of a Markdown document, without markup (for descriptions).
pub fn plain_text(markdown: &str, max_chars: usize) -> String {
    let mut text = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(TagEnd::Paragraph) if !text.is_empty() => break,
            _ => {}
        }
    }
    shorten(&text, max_chars)
}

/// Cuts a text at a word boundary and adds an ellipsis when it is longer than `max_chars`.
pub fn shorten(text: &str, max_chars: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut} …")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_scripts_handlers_and_javascript_links() {
        let html = to_html(
            "Hallo <script>alert(1)</script> <img src=x onerror=alert(2)> [klick](javascript:alert(3)) <iframe src=\"https://evil.example\"></iframe> <a href=\"javascript:alert(4)\" onclick=\"x()\">a</a>",
            HeadingLevel::H3,
        );
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "<iframe",
            "onclick",
            "<img",
        ] {
            assert!(!html.contains(bad), "{bad} survived in {html}");
        }
        assert!(html.contains("Hallo"));
    }

    #[test]
    fn lowers_headings_below_the_page_structure() {
        let html = to_html("# Titel\n\n### Abschnitt", HeadingLevel::H3);
        assert!(html.contains("<h3>Titel</h3>"), "{html}");
        assert!(html.contains("<h3>Abschnitt</h3>"), "{html}");
    }

    #[test]
    fn keeps_safe_links_with_rel() {
        let html = to_html("[Doku](https://example.org/a)", HeadingLevel::H3);
        assert!(html.contains("href=\"https://example.org/a\""), "{html}");
        assert!(html.contains("noopener"), "{html}");
    }

    #[test]
    fn shortens_at_word_boundary() {
        assert_eq!(shorten("eins zwei drei", 9), "eins …");
        assert_eq!(shorten("kurz", 9), "kurz");
    }
}
