//! Line breaking and pagination: turns the blocks into positioned lines on A4 pages.
//!
//! Blocks first become rows (a line of text, a table row, a bullet with its first line), each
//! with a height and the structure elements its text belongs to; rows are then placed on pages
//! top to bottom. A row never splits; a heading keeps with the row after it, and a paragraph
//! leaves no single line alone at the top or bottom of a page.

use crate::tags::{NodeId, Role, StructTree};
use crate::winansi::{self, BULLET, Font};
use crate::wrap::wrap;
use crate::{Block, Document};

/// A4 portrait in points.
pub(crate) const PAGE_WIDTH: f32 = 595.276;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
/// 25 mm on the left as in DIN 5008 (room for a punch), 20 mm on the right.
pub(crate) const MARGIN_LEFT: f32 = 70.866;
pub(crate) const MARGIN_RIGHT: f32 = 56.693;
const MARGIN_TOP: f32 = 56.693;
/// 25 mm at the bottom, leaving room for the footer below the text.
const MARGIN_BOTTOM: f32 = 70.866;
/// Baseline of the footer, about 12 mm above the bottom edge.
pub(crate) const FOOTER_BASELINE: f32 = 34.0;
pub(crate) const FOOTER_SIZE: f32 = 8.5;

const CONTENT_WIDTH: f32 = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
const CONTENT_HEIGHT: f32 = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;

/// Font, size and line height of one kind of text.
#[derive(Clone, Copy, Debug)]
struct Style {
    font: Font,
    size: f32,
    line_height: f32,
}

impl Style {
    /// Offset of the baseline from the top of a line box: centres the glyphs (cap height
    /// about 0.72, descender about 0.21 of the size) in the line.
    fn baseline(self) -> f32 {
        self.line_height / 2.0 + self.size * 0.255
    }
}

const BODY: Style = Style {
    font: Font::Regular,
    size: 10.5,
    line_height: 14.5,
};
const LABEL: Style = Style {
    font: Font::Bold,
    ..BODY
};
const TITLE: Style = Style {
    font: Font::Bold,
    size: 18.0,
    line_height: 23.0,
};
const HEADING_2: Style = Style {
    font: Font::Bold,
    size: 14.0,
    line_height: 18.5,
};
const HEADING_3: Style = Style {
    font: Font::Bold,
    size: 11.5,
    line_height: 15.5,
};

const PARAGRAPH_GAP: f32 = 6.0;
const BLOCK_GAP: f32 = 8.0;
const HEADING_2_GAP: f32 = 16.0;
const HEADING_3_GAP: f32 = 12.0;
const LIST_ITEM_GAP: f32 = 3.0;
const LIST_INDENT: f32 = 14.0;
/// Share of the content width taken by the label column of a facts table.
const LABEL_SHARE: f32 = 0.36;
const COLUMN_GAP: f32 = 12.0;
const CELL_PADDING: f32 = 3.0;

/// One laid-out page.
#[derive(Debug, Default)]
pub(crate) struct Page {
    /// Drawing order is reading order.
    pub(crate) items: Vec<Item>,
}

/// Something drawn on a page.
#[derive(Debug)]
pub(crate) enum Item {
    /// One line of text, content of a structure element.
    Text(TextLine),
    /// A thin horizontal rule: decoration, drawn as an artifact.
    Rule { x1: f32, x2: f32, y: f32 },
}

/// A line of encoded text at its baseline position in PDF coordinates (origin bottom left).
#[derive(Debug)]
pub(crate) struct TextLine {
    pub(crate) node: NodeId,
    pub(crate) font: Font,
    pub(crate) size: f32,
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) bytes: Vec<u8>,
}

/// A unit of vertical layout that is never split across pages.
#[derive(Debug, Default)]
struct Row {
    height: f32,
    /// Space above the row, dropped at the top of a page.
    space_before: f32,
    /// Move to the next page together with the following row (headings).
    keep_with_next: bool,
    items: Vec<RowItem>,
}

#[derive(Clone, Debug)]
enum RowItem {
    /// `dy` is the baseline's distance from the top of the row.
    Text {
        node: NodeId,
        style: Style,
        x: f32,
        dy: f32,
        bytes: Vec<u8>,
    },
    Rule {
        x1: f32,
        x2: f32,
        dy: f32,
    },
}

/// Lays out the title and all blocks, adding their structure elements to `tree`.
pub(crate) fn layout(document: &Document, tree: &mut StructTree) -> Vec<Page> {
    let mut builder = Builder {
        tree,
        rows: Vec::new(),
    };
    builder.heading(Role::H1, TITLE, 0.0, &document.title);
    builder.rows.push(Row {
        height: 10.0,
        keep_with_next: true,
        items: vec![RowItem::Rule {
            x1: MARGIN_LEFT,
            x2: PAGE_WIDTH - MARGIN_RIGHT,
            dy: 4.0,
        }],
        ..Row::default()
    });
    for block in &document.blocks {
        match block {
            // Levels are validated before layout; anything else would be treated as H3.
            Block::Heading { level: 2, text } => {
                builder.heading(Role::H2, HEADING_2, HEADING_2_GAP, text)
            }
            Block::Heading { text, .. } => {
                builder.heading(Role::H3, HEADING_3, HEADING_3_GAP, text)
            }
            Block::Paragraph(text) => builder.paragraphs(text),
            Block::Facts(rows) => builder.facts(rows),
            Block::List(items) => builder.list(items),
        }
    }
    paginate(&builder.rows)
}

struct Builder<'a> {
    tree: &'a mut StructTree,
    rows: Vec<Row>,
}

impl Builder<'_> {
    /// Wraps `text` for `node` and records the original text if glyphs had to be replaced.
    fn lines(&mut self, node: NodeId, text: &str, style: Style, width: f32) -> Vec<Vec<u8>> {
        let mut lossy = false;
        let mut lines: Vec<Vec<u8>> = Vec::new();
        // A single line break inside a text is kept as a forced break (addresses, lists of
        // values); blank lines are handled by the caller or ignored.
        for hard_line in text.lines() {
            let encoded = winansi::encode(hard_line);
            lossy |= encoded.lossy;
            // Like a break at a space, a forced break ends in a space so that readers joining
            // the lines of an element do not glue the words together.
            if let Some(last) = lines.last_mut()
                && last.last() != Some(&b' ')
            {
                last.push(b' ');
            }
            lines.extend(wrap(&encoded.bytes, style.font, style.size, width));
        }
        if lossy {
            self.tree.set_actual_text(node, text.trim());
        }
        lines
    }

    fn heading(&mut self, role: Role, style: Style, gap: f32, text: &str) {
        let node = self.tree.add(role, StructTree::ROOT);
        let lines = self.lines(node, text, style, CONTENT_WIDTH);
        self.text_rows(node, style, gap, true, lines);
    }

    /// One P per run of non-blank lines; blank lines separate paragraphs.
    fn paragraphs(&mut self, text: &str) {
        let mut paragraph = String::new();
        for line in text.lines().chain(std::iter::once("")) {
            if !line.trim().is_empty() {
                if !paragraph.is_empty() {
                    paragraph.push('\n');
                }
                paragraph.push_str(line.trim_end());
            } else if !paragraph.is_empty() {
                let node = self.tree.add(Role::P, StructTree::ROOT);
                let lines = self.lines(node, &paragraph, BODY, CONTENT_WIDTH);
                self.text_rows(node, BODY, PARAGRAPH_GAP, false, lines);
                paragraph.clear();
            }
        }
    }

    /// One row per line. `keep` glues every line to the next (headings); otherwise only the
    /// first and the second-to-last line are, so no page starts or ends with a lone line of
    /// a paragraph.
    fn text_rows(&mut self, node: NodeId, style: Style, gap: f32, keep: bool, lines: Vec<Vec<u8>>) {
        let count = lines.len();
        for (index, bytes) in lines.into_iter().enumerate() {
            let not_alone = count >= 2 && (index == 0 || index + 2 == count);
            self.rows.push(Row {
                height: style.line_height,
                space_before: if index == 0 { gap } else { 0.0 },
                keep_with_next: keep || not_alone,
                items: vec![RowItem::Text {
                    node,
                    style,
                    x: MARGIN_LEFT,
                    dy: style.baseline(),
                    bytes,
                }],
            });
        }
    }

    /// A two-column table: the label is the row's header cell (TH), the value its data cell.
    fn facts(&mut self, facts: &[(String, String)]) {
        if facts.is_empty() {
            return;
        }
        let table = self.tree.add(Role::Table, StructTree::ROOT);
        let label_width = CONTENT_WIDTH * LABEL_SHARE;
        let value_x = MARGIN_LEFT + label_width + COLUMN_GAP;
        let value_width = CONTENT_WIDTH - label_width - COLUMN_GAP;
        let right = PAGE_WIDTH - MARGIN_RIGHT;
        for (index, (label, value)) in facts.iter().enumerate() {
            let tr = self.tree.add(Role::TR, table);
            let th = self.tree.add(Role::TH, tr);
            let td = self.tree.add(Role::TD, tr);
            let labels = self.lines(th, label, LABEL, label_width);
            let values = self.lines(td, value, BODY, value_width);
            let count = labels.len().max(values.len()).max(1);
            let height = count as f32 * BODY.line_height + 2.0 * CELL_PADDING;
            let space_before = if index == 0 { BLOCK_GAP } else { 0.0 };
            let cell = |node: NodeId, style: Style, x: f32, line: usize, bytes: Vec<u8>| {
                let dy = CELL_PADDING + line as f32 * style.line_height + style.baseline();
                RowItem::Text {
                    node,
                    style,
                    x,
                    dy,
                    bytes,
                }
            };
            if height <= CONTENT_HEIGHT {
                // The usual case: the whole row on one page, the label read before the value.
                let mut items = Vec::new();
                if index == 0 {
                    items.push(RowItem::Rule {
                        x1: MARGIN_LEFT,
                        x2: right,
                        dy: 0.0,
                    });
                }
                items.extend(
                    labels
                        .into_iter()
                        .enumerate()
                        .map(|(i, b)| cell(th, LABEL, MARGIN_LEFT, i, b)),
                );
                items.extend(
                    values
                        .into_iter()
                        .enumerate()
                        .map(|(i, b)| cell(td, BODY, value_x, i, b)),
                );
                items.push(RowItem::Rule {
                    x1: MARGIN_LEFT,
                    x2: right,
                    dy: height,
                });
                self.rows.push(Row {
                    height,
                    space_before,
                    keep_with_next: false,
                    items,
                });
            } else {
                // A value longer than a page: one row per line, so it can break anywhere.
                let mut labels = labels.into_iter();
                let mut values = values.into_iter();
                for line in 0..count {
                    let (first, last) = (line == 0, line + 1 == count);
                    let top = if first { CELL_PADDING } else { 0.0 };
                    let mut items = Vec::new();
                    if first && index == 0 {
                        items.push(RowItem::Rule {
                            x1: MARGIN_LEFT,
                            x2: right,
                            dy: 0.0,
                        });
                    }
                    let mut text = |node: NodeId, style: Style, x: f32, bytes: Vec<u8>| {
                        let dy = top + style.baseline();
                        items.push(RowItem::Text {
                            node,
                            style,
                            x,
                            dy,
                            bytes,
                        });
                    };
                    if let Some(bytes) = labels.next() {
                        text(th, LABEL, MARGIN_LEFT, bytes);
                    }
                    if let Some(bytes) = values.next() {
                        text(td, BODY, value_x, bytes);
                    }
                    let mut height = top + BODY.line_height;
                    if last {
                        height += CELL_PADDING;
                        items.push(RowItem::Rule {
                            x1: MARGIN_LEFT,
                            x2: right,
                            dy: height,
                        });
                    }
                    let space_before = if first { space_before } else { 0.0 };
                    self.rows.push(Row {
                        height,
                        space_before,
                        keep_with_next: false,
                        items,
                    });
                }
            }
        }
    }

    /// A bulleted list: the bullet is the item's label (Lbl), the text its body (LBody).
    fn list(&mut self, items: &[String]) {
        let items: Vec<&String> = items
            .iter()
            .filter(|item| !item.trim().is_empty())
            .collect();
        if items.is_empty() {
            return;
        }
        let list = self.tree.add(Role::L, StructTree::ROOT);
        for (index, item) in items.into_iter().enumerate() {
            let li = self.tree.add(Role::LI, list);
            let label = self.tree.add(Role::Lbl, li);
            let body = self.tree.add(Role::LBody, li);
            let lines = self.lines(body, item, BODY, CONTENT_WIDTH - LIST_INDENT);
            for (line, bytes) in lines.into_iter().enumerate() {
                let mut row = Row {
                    height: BODY.line_height,
                    ..Row::default()
                };
                if line == 0 {
                    row.space_before = if index == 0 {
                        PARAGRAPH_GAP
                    } else {
                        LIST_ITEM_GAP
                    };
                    let (x, dy) = (MARGIN_LEFT + 2.0, BODY.baseline());
                    row.items.push(RowItem::Text {
                        node: label,
                        style: BODY,
                        x,
                        dy,
                        bytes: vec![BULLET],
                    });
                }
                let (x, dy) = (MARGIN_LEFT + LIST_INDENT, BODY.baseline());
                row.items.push(RowItem::Text {
                    node: body,
                    style: BODY,
                    x,
                    dy,
                    bytes,
                });
                self.rows.push(row);
            }
        }
    }
}

/// Height of `rows[0]` plus the rows it keeps with, stopping once more than a page.
fn chain_height(rows: &[Row]) -> f32 {
    let mut height = 0.0;
    for (index, row) in rows.iter().enumerate() {
        if index > 0 {
            height += row.space_before;
        }
        height += row.height;
        if !row.keep_with_next || height > CONTENT_HEIGHT {
            break;
        }
    }
    height
}

fn paginate(rows: &[Row]) -> Vec<Page> {
    let mut pages = vec![Page::default()];
    let mut used = 0.0;
    let mut empty = true;
    for (index, row) in rows.iter().enumerate() {
        if !empty {
            let chain = chain_height(&rows[index..]);
            let row_fits = used + row.space_before + row.height <= CONTENT_HEIGHT;
            // A chain taller than a page cannot be kept together; it breaks row by row.
            let chain_fits =
                used + row.space_before + chain <= CONTENT_HEIGHT || chain > CONTENT_HEIGHT;
            if !row_fits || !chain_fits {
                pages.push(Page::default());
                used = 0.0;
                empty = true;
            }
        }
        let top = if empty { 0.0 } else { used + row.space_before };
        let Some(page) = pages.last_mut() else { break };
        for item in &row.items {
            page.items.push(match item {
                RowItem::Text {
                    node,
                    style,
                    x,
                    dy,
                    bytes,
                } => Item::Text(TextLine {
                    node: *node,
                    font: style.font,
                    size: style.size,
                    x: *x,
                    y: PAGE_HEIGHT - MARGIN_TOP - top - dy,
                    bytes: bytes.clone(),
                }),
                RowItem::Rule { x1, x2, dy } => Item::Rule {
                    x1: *x1,
                    x2: *x2,
                    y: PAGE_HEIGHT - MARGIN_TOP - top - dy,
                },
            });
        }
        used = top + row.height;
        empty = false;
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_moves_to_the_next_page_with_its_first_line() {
        let rule = RowItem::Rule {
            x1: 0.0,
            x2: 1.0,
            dy: 0.0,
        };
        let row = |height: f32, keep: bool| Row {
            height,
            keep_with_next: keep,
            items: vec![rule.clone()],
            ..Row::default()
        };
        let filler = (CONTENT_HEIGHT / 20.0) - 0.01;
        let mut rows: Vec<Row> = (0..19).map(|_| row(filler, false)).collect();
        rows.push(row(filler, true));
        rows.push(row(filler, false));
        // 20 rows would fit on page 1, but the 20th keeps with the 21st: both move on.
        let pages = paginate(&rows);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].items.len(), 19);
        assert_eq!(pages[1].items.len(), 2);
    }
}
