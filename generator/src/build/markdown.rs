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
///
/// Sanitising costs far more than the Markdown itself (an HTML parse and serialisation), so
/// it is skipped when the Markdown cannot produce unsafe HTML: no raw HTML, no images and only
/// links with a safe scheme. pulldown-cmark escapes all text and attribute values, so that
/// output contains nothing but its own tags. Everything else goes through ammonia.
pub fn to_html(markdown: &str, min_heading: HeadingLevel) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options())
        .map(|event| lower_heading(event, min_heading))
        .collect();
    let needs_sanitising = events.iter().any(|event| match event {
        Event::Html(_) | Event::InlineHtml(_) | Event::Start(Tag::Image { .. }) => true,
        Event::Start(Tag::Link { dest_url, .. }) => !is_safe_url(dest_url),
        _ => false,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    if needs_sanitising {
        SANITIZER.clean(&html).to_string()
    } else {
        html
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Relative links and `http`, `https`, `mailto`, `tel` (case-insensitive); anything with
/// another scheme, or with something that could hide one, is not.
fn is_safe_url(url: &str) -> bool {
    let end = url.find(['/', '?', '#']).unwrap_or(url.len());
    match url[..end].find(':') {
        None => !url.chars().any(|c| c.is_control() || c.is_whitespace()),
        Some(colon) => {
            let scheme = url[..colon].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto" | "tel")
        }
    }
}

fn lower_heading(event: Event<'_>, min_heading: HeadingLevel) -> Event<'_> {
    match event {
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
    }
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
    fn unsafe_link_schemes_in_plain_markdown_are_sanitised_too() {
        for markdown in [
            "[a](javascript:alert(1))",
            "[a](JaVaScRiPt:alert(1))",
            "[a](javascript&#58;alert(1))",
            "<javascript:alert(1)>",
            "[a](data:text/html;base64,PHNjcmlwdD4=)",
            "[a](vbscript:msgbox(1))",
        ] {
            let html = to_html(markdown, HeadingLevel::H3);
            let lower = html.to_ascii_lowercase();
            // The text may stay visible; no link may carry the scheme.
            for bad in ["href=\"javascript", "href=\"data:", "href=\"vbscript"] {
                assert!(!lower.contains(bad), "{markdown} gave {html}");
            }
        }
    }

    #[test]
    fn plain_markdown_skips_the_sanitiser_and_stays_escaped() {
        let html = to_html(
            "Preis < 5 & \"gut\" [Link](https://example.org/?a=1&b=\"x\") [rel](/kontakt/)",
            HeadingLevel::H3,
        );
        assert!(html.contains("Preis &lt; 5 &amp; \"gut\""), "{html}");
        assert!(
            !html.contains("\"x\""),
            "quotes in URLs are escaped: {html}"
        );
        assert!(html.contains("href=\"/kontakt/\""), "{html}");
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
    }

    #[test]
    fn shortens_at_word_boundary() {
        assert_eq!(shorten("eins zwei drei", 9), "eins …");
        assert_eq!(shorten("kurz", 9), "kurz");
    }
}
