//! A newsletter issue as the operator writes it: a Markdown file whose first heading is the
//! subject. It is sent as plain text with an HTML alternative; raw HTML in the file is shown
//! as text, never passed on, so the file cannot smuggle markup into the mail.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::domain::tokens::sha256_hex;

/// One issue, ready to be addressed to each subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub subject: String,
    /// The text after the subject heading, as plain text.
    pub text: String,
    /// The same as an HTML fragment (paragraphs, headings, lists, links, emphasis).
    pub html: String,
    /// SHA-256 of the file: the same file is the same issue (sent once per address).
    pub hash: String,
}

/// Why a file is not a newsletter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    #[error(
        "the file has no heading: start it with the subject as a heading, e.g. `# Neues im Cloud-Service-Portal`"
    )]
    NoSubject,
    #[error("the subject (the first heading) is longer than 200 characters")]
    SubjectTooLong,
    #[error("the file has nothing below its first heading")]
    Empty,
}

/// Reads an issue from its Markdown.
pub fn parse(markdown: &str) -> Result<Campaign, CampaignError> {
    let events: Vec<Event<'_>> = Parser::new(markdown).collect();
    let start = events
        .iter()
        .position(|e| matches!(e, Event::Start(Tag::Heading { .. })))
        .ok_or(CampaignError::NoSubject)?;
    let end = events[start..]
        .iter()
        .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
        .map(|offset| start + offset)
        .ok_or(CampaignError::NoSubject)?;
    let subject = plain_inline(&events[start + 1..end]);
    if subject.is_empty() {
        return Err(CampaignError::NoSubject);
    }
    if subject.chars().count() > 200 {
        return Err(CampaignError::SubjectTooLong);
    }
    let body: Vec<Event<'_>> = events[..start]
        .iter()
        .chain(&events[end + 1..])
        .cloned()
        .collect();
    let text = plain_text(&body);
    if text.trim().is_empty() {
        return Err(CampaignError::Empty);
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, body.into_iter().map(no_raw_html));
    Ok(Campaign {
        subject,
        text,
        html,
        hash: sha256_hex(markdown),
    })
}

/// Raw HTML becomes text (escaped by the HTML writer).
fn no_raw_html(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        other => other,
    }
}

/// The text of inline events, on one line.
fn plain_inline(events: &[Event<'_>]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain text: paragraphs separated by a blank line, headings underlined, list items with a
/// dash, links as their text followed by the address in brackets.
fn plain_text(events: &[Event<'_>]) -> String {
    let mut out = String::new();
    let mut line = String::new();
    let mut links: Vec<CowStr<'_>> = Vec::new();
    let mut heading: Option<HeadingLevel> = None;
    let mut list_depth = 0usize;
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                line.push_str(t);
            }
            Event::SoftBreak => line.push(' '),
            Event::HardBreak => {
                flush(&mut out, &mut line);
            }
            Event::Start(Tag::Heading { level, .. }) => heading = Some(*level),
            Event::End(TagEnd::Heading(_)) => {
                let title = line.split_whitespace().collect::<Vec<_>>().join(" ");
                line.clear();
                if !title.is_empty() {
                    let mark =
                        if heading == Some(HeadingLevel::H1) || heading == Some(HeadingLevel::H2) {
                            '='
                        } else {
                            '-'
                        };
                    out.push_str(&title);
                    out.push('\n');
                    out.push_str(&mark.to_string().repeat(title.chars().count()));
                    out.push_str("\n\n");
                }
                heading = None;
            }
            Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.clone()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = links.pop()
                    && !line.trim_end().ends_with(url.as_ref())
                {
                    line.push_str(" (");
                    line.push_str(&url);
                    line.push(')');
                }
            }
            Event::Start(Tag::List(_)) => {
                flush(&mut out, &mut line);
                list_depth += 1;
            }
            Event::End(TagEnd::List(_)) => {
                flush(&mut out, &mut line);
                list_depth = list_depth.saturating_sub(1);
                if list_depth == 0 {
                    out.push('\n');
                }
            }
            Event::Start(Tag::Item) => {
                flush(&mut out, &mut line);
                line.push_str(&"  ".repeat(list_depth.saturating_sub(1)));
                line.push_str("- ");
            }
            Event::End(TagEnd::Item) => {
                let indent = "  ".repeat(list_depth.saturating_sub(1));
                let joined = line.split_whitespace().collect::<Vec<_>>().join(" ");
                line.clear();
                if joined != "-" && !joined.is_empty() {
                    out.push_str(&indent);
                    out.push_str(&joined);
                    out.push('\n');
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::BlockQuote(_) | TagEnd::CodeBlock)
                if list_depth == 0 && flush(&mut out, &mut line) =>
            {
                out.push('\n');
            }
            Event::Rule => out.push_str("----\n\n"),
            _ => {}
        }
    }
    flush(&mut out, &mut line);
    out.trim_end().to_owned()
}

/// Writes the collected words of `line` as one line of `out`; whether there were any.
fn flush(out: &mut String, line: &mut String) -> bool {
    let joined = line.split_whitespace().collect::<Vec<_>>().join(" ");
    line.clear();
    if joined.is_empty() {
        return false;
    }
    out.push_str(&joined);
    out.push('\n');
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUE: &str = "# Neues im Portal\n\nZwei neue **Angebote** sind da.\n\n\
## Termine\n\n- Sprechstunde am 12. März\n- [Webinar](https://portal.example/webinar)\n\n\
<script>alert(1)</script>\n";

    #[test]
    fn the_first_heading_is_the_subject_and_not_part_of_the_text() {
        let campaign = parse(ISSUE).expect("valid");
        assert_eq!(campaign.subject, "Neues im Portal");
        assert!(
            campaign.text.starts_with("Zwei neue Angebote sind da."),
            "{}",
            campaign.text
        );
        assert!(!campaign.text.contains("Neues im Portal"));
        assert!(
            campaign.text.contains("Termine\n=======\n"),
            "{}",
            campaign.text
        );
        assert!(campaign.text.contains("- Sprechstunde am 12. März\n"));
        assert!(
            campaign
                .text
                .contains("- Webinar (https://portal.example/webinar)"),
            "{}",
            campaign.text
        );
        assert!(campaign.html.contains("<strong>Angebote</strong>"));
        assert!(
            campaign
                .html
                .contains("<a href=\"https://portal.example/webinar\">Webinar</a>")
        );
    }

    #[test]
    fn raw_html_is_shown_as_text_never_passed_on() {
        let campaign = parse(ISSUE).expect("valid");
        assert!(!campaign.html.contains("<script>"), "{}", campaign.html);
        assert!(
            campaign.html.contains("&lt;script&gt;"),
            "{}",
            campaign.html
        );
    }

    #[test]
    fn a_file_without_heading_or_text_is_refused() {
        assert_eq!(parse("Nur Text."), Err(CampaignError::NoSubject));
        assert_eq!(parse("# Betreff\n"), Err(CampaignError::Empty));
    }

    #[test]
    fn the_same_file_is_the_same_issue() {
        assert_eq!(parse(ISSUE).map(|c| c.hash), parse(ISSUE).map(|c| c.hash));
        assert_ne!(
            parse(ISSUE).map(|c| c.hash),
            parse(&format!("{ISSUE}\nNachtrag.")).map(|c| c.hash)
        );
    }
}
