//! Providers write descriptions and conditions in Markdown. The contract folder shows them as
//! plain blocks (headings, paragraphs, lists) in its page, its PDF and its mails: the text of
//! the Markdown, never its markup and never raw HTML, so nothing needs sanitising.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// One block of a Markdown text, as plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextBlock {
    Heading(String),
    Paragraph(String),
    List(Vec<String>),
}

/// The blocks of `markdown`: headings, paragraphs and (flattened) list items; links keep their
/// text, code its content, images their alternative text; raw HTML is dropped.
pub fn blocks(markdown: &str) -> Vec<TextBlock> {
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut items: Vec<String> = Vec::new();
    let mut list_depth = 0usize;
    let flush_text = |text: &mut String| {
        let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
        text.clear();
        joined
    };
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::Start(Tag::List(_)) => {
                if list_depth == 0 {
                    let pending = flush_text(&mut text);
                    if !pending.is_empty() {
                        blocks.push(TextBlock::Paragraph(pending));
                    }
                }
                list_depth += 1;
            }
            Event::Start(Tag::Item) => {
                let pending = flush_text(&mut text);
                if !pending.is_empty() {
                    items.push(pending);
                }
            }
            Event::End(TagEnd::Item) => {
                let item = flush_text(&mut text);
                if !item.is_empty() {
                    items.push(item);
                }
            }
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                if list_depth == 0 && !items.is_empty() {
                    blocks.push(TextBlock::List(std::mem::take(&mut items)));
                }
            }
            Event::End(TagEnd::Heading(_)) if list_depth == 0 => {
                let heading = flush_text(&mut text);
                if !heading.is_empty() {
                    blocks.push(TextBlock::Heading(heading));
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::BlockQuote(_) | TagEnd::CodeBlock)
                if list_depth == 0 =>
            {
                let paragraph = flush_text(&mut text);
                if !paragraph.is_empty() {
                    blocks.push(TextBlock::Paragraph(paragraph));
                }
            }
            Event::End(TagEnd::TableCell) => text.push_str(" | "),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => text.push('\n'),
            _ => {}
        }
    }
    let rest = flush_text(&mut text);
    if !rest.is_empty() {
        blocks.push(TextBlock::Paragraph(rest));
    }
    blocks
}

/// The blocks as plain text for e-mails: headings underlined, list items with dashes.
pub fn plain(markdown: &str) -> String {
    let mut out = Vec::new();
    for block in blocks(markdown) {
        match block {
            TextBlock::Heading(h) => out.push(format!("{h}:")),
            TextBlock::Paragraph(p) => out.push(p),
            TextBlock::List(items) => out.push(
                items
                    .iter()
                    .map(|i| format!("- {i}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        }
    }
    out.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_plain_blocks_without_markup_or_html() {
        let md = "Erster **wichtiger** Absatz mit [Link](https://x.example).\n\n### Funktionen\n\n- Ende-zu-Ende\n- `Gruppen`\n\n<script>alert(1)</script>\n\nLetzter Absatz.";
        assert_eq!(
            blocks(md),
            [
                TextBlock::Paragraph("Erster wichtiger Absatz mit Link.".into()),
                TextBlock::Heading("Funktionen".into()),
                TextBlock::List(vec!["Ende-zu-Ende".into(), "Gruppen".into()]),
                TextBlock::Paragraph("Letzter Absatz.".into()),
            ]
        );
        assert_eq!(plain("## Titel\n\n- a\n- b"), "Titel:\n\n- a\n- b");
    }
}
