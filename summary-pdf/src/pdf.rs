//! Writes the laid-out pages as PDF objects: catalog, info, pages with their content streams,
//! fonts, and the structure tree with its parent tree.

use pdf_writer::types::{ArtifactSubtype, ArtifactType, TabOrder};
use pdf_writer::writers::StructTreeRoot;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::Document;
use crate::layout::{
    FOOTER_BASELINE, FOOTER_SIZE, Item, MARGIN_RIGHT, PAGE_HEIGHT, PAGE_WIDTH, Page, TextLine,
};
use crate::tags::{NodeId, StructTree};
use crate::winansi::{self, Font};

/// Written as the PDF's Producer; includes the version so a bad file can be traced.
const PRODUCER: &str = concat!(
    "Cloud-Service-Portal summary-pdf ",
    env!("CARGO_PKG_VERSION")
);

/// Hands out object numbers in order, so the same input always gets the same numbers.
struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// Serialises `pages`; links each marked-content sequence to its element in `tree`.
pub(crate) fn write(document: &Document, pages: &[Page], tree: &mut StructTree) -> Vec<u8> {
    let mut refs = Refs(0);
    let catalog_id = refs.next();
    let info_id = refs.next();
    let page_tree_id = refs.next();
    let struct_root_id = refs.next();
    let fonts = [(Font::Regular, refs.next()), (Font::Bold, refs.next())];
    let page_ids: Vec<Ref> = pages.iter().map(|_| refs.next()).collect();
    let node_ids: Vec<Ref> = (0..tree.len()).map(|_| refs.next()).collect();

    let mut pdf = Pdf::new();
    pdf.set_file_id(file_id(document));

    let mut catalog = pdf.catalog(catalog_id);
    catalog.pages(page_tree_id);
    catalog.pair(Name(b"StructTreeRoot"), struct_root_id);
    catalog.mark_info().marked(true);
    catalog.lang(TextStr(&document.language));
    catalog.viewer_preferences().display_doc_title(true);
    catalog.finish();

    let mut info = pdf.document_info(info_id);
    info.title(TextStr(&document.title));
    if !document.author.trim().is_empty() {
        info.author(TextStr(&document.author));
    }
    if !document.subject.trim().is_empty() {
        info.subject(TextStr(&document.subject));
    }
    info.producer(TextStr(PRODUCER));
    info.finish();

    // `render` caps the page count far below i32::MAX.
    let page_count = page_ids.len() as i32;
    pdf.pages(page_tree_id)
        .kids(page_ids.iter().copied())
        .count(page_count);

    // parent_tree[page][mcid] is the element that marked content belongs to.
    let mut parent_tree: Vec<Vec<NodeId>> = Vec::with_capacity(pages.len());
    for (index, (page, &page_id)) in pages.iter().zip(&page_ids).enumerate() {
        let mut marked = Vec::new();
        let content = page_content(page, index, pages.len(), tree, &mut marked);
        parent_tree.push(marked);

        let content_id = refs.next();
        pdf.stream(content_id, &content);
        let mut page_writer = pdf.page(page_id);
        page_writer
            .parent(page_tree_id)
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .contents(content_id)
            .struct_parents(index as i32)
            .tab_order(TabOrder::StructureOrder);
        let mut resources = page_writer.resources();
        let mut font_resources = resources.fonts();
        for (font, id) in fonts {
            font_resources.pair(Name(font.resource_name()), id);
        }
        font_resources.finish();
        resources.finish();
        page_writer.finish();
    }

    for (font, id) in fonts {
        pdf.type1_font(id)
            .base_font(Name(font.base_font()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }

    let parent_tree_ids: Vec<Ref> = parent_tree
        .iter()
        .map(|marked| {
            let id = refs.next();
            pdf.indirect(id)
                .array()
                .items(marked.iter().map(|&node| node_ids[node]));
            id
        })
        .collect();

    let mut root = pdf.indirect(struct_root_id).start::<StructTreeRoot>();
    root.child(node_ids[StructTree::ROOT]);
    let mut number_tree = root.parent_tree();
    let mut entries = number_tree.nums();
    for (index, &id) in parent_tree_ids.iter().enumerate() {
        entries.insert(index as i32, id);
    }
    entries.finish();
    number_tree.finish();
    root.parent_tree_next_key(page_count);
    root.finish();

    tree.write(&mut pdf, &node_ids, struct_root_id, &page_ids);
    pdf.finish()
}

/// The content stream of one page: its lines grouped into one marked-content sequence per
/// run of the same element, rules and the footer as artifacts. Pushes the element of each
/// MCID to `marked`.
fn page_content(
    page: &Page,
    index: usize,
    page_count: usize,
    tree: &mut StructTree,
    marked: &mut Vec<NodeId>,
) -> Vec<u8> {
    let mut content = Content::new();
    let mut items = page.items.iter().peekable();
    while let Some(item) = items.next() {
        match item {
            Item::Text(first) => {
                // Marked content per page stays far below i32::MAX (a page holds ~50 lines).
                let mcid = marked.len() as i32;
                marked.push(first.node);
                tree.add_content(first.node, index, mcid);
                content
                    .begin_marked_content_with_properties(tree.role(first.node).tag())
                    .properties()
                    .identify(mcid);
                content.begin_text();
                let mut font = None;
                show_line(&mut content, first, &mut font);
                while let Some(Item::Text(line)) = items.peek() {
                    if line.node != first.node {
                        break;
                    }
                    show_line(&mut content, line, &mut font);
                    items.next();
                }
                content.end_text();
                content.end_marked_content();
            }
            Item::Rule { x1, x2, y } => {
                content
                    .begin_marked_content_with_properties(Name(b"Artifact"))
                    .properties()
                    .artifact()
                    .kind(ArtifactType::Layout);
                content.save_state();
                content.set_stroke_gray(0.7);
                content.set_line_width(0.5);
                content.move_to(*x1, *y);
                content.line_to(*x2, *y);
                content.stroke();
                content.restore_state();
                content.end_marked_content();
            }
        }
    }
    footer(&mut content, index + 1, page_count);
    content.finish().into_vec()
}

fn show_line(content: &mut Content, line: &TextLine, font: &mut Option<(Font, f32)>) {
    if *font != Some((line.font, line.size)) {
        content.set_font(Name(line.font.resource_name()), line.size);
        *font = Some((line.font, line.size));
    }
    content.set_text_matrix([1.0, 0.0, 0.0, 1.0, line.x, line.y]);
    content.show(Str(&line.bytes));
}

/// "Seite N von M", right-aligned under the text: a pagination artifact, so screen readers
/// skip it.
fn footer(content: &mut Content, number: usize, count: usize) {
    let text = winansi::encode(&format!("Seite {number} von {count}")).bytes;
    let x = PAGE_WIDTH - MARGIN_RIGHT - winansi::text_width(Font::Regular, &text, FOOTER_SIZE);
    content
        .begin_marked_content_with_properties(Name(b"Artifact"))
        .properties()
        .artifact()
        .kind(ArtifactType::Pagination)
        .subtype(ArtifactSubtype::Footer);
    content.save_state();
    content.set_fill_gray(0.35);
    content.begin_text();
    content.set_font(Name(Font::Regular.resource_name()), FOOTER_SIZE);
    content.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, FOOTER_BASELINE]);
    content.show(Str(&text));
    content.end_text();
    content.restore_state();
    content.end_marked_content();
}

/// A file identifier derived from the input (FNV-1a), so identical documents get identical
/// bytes while different ones are told apart; no clock, no randomness.
fn file_id(document: &Document) -> (Vec<u8>, Vec<u8>) {
    let input = format!("{document:?}");
    let hash = |seed: u64| {
        input.bytes().fold(seed, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let mut id = hash(0xcbf2_9ce4_8422_2325).to_be_bytes().to_vec();
    id.extend_from_slice(&hash(0x8422_2325_cbf2_9ce4).to_be_bytes());
    (id.clone(), id)
}
