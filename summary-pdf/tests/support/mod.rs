//! Reads produced PDFs back with lopdf, an independent parser, the way a viewer would.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Encoding, Object, ObjectId};
use summary_pdf::{Block, render};

/// The right edge of the text area: A4 width minus the 20 mm right margin.
pub const RIGHT_EDGE: f32 = 595.276 - 56.693;

/// An order summary as the function would build it, with German typography.
pub fn order_summary() -> summary_pdf::Document {
    summary_pdf::Document {
        title: "Vertragsmappe VM-2025-0042 – Bestellübersicht".into(),
        author: "Cloud-Service-Portal".into(),
        subject: "Übersicht der bestellten Leistungen".into(),
        language: "de-DE".into(),
        blocks: vec![
            Block::Heading {
                level: 2,
                text: "Bestellte Leistungen".into(),
            },
            Block::Paragraph(
                "Die Behörde bestellt „Objektspeicher“ für die Straßenverkehrsbehörde.\n\n\
                 Der Preis beträgt 1.200,00 € pro Monat – zzgl. Umsatzsteuer…"
                    .into(),
            ),
            Block::Facts(vec![
                ("Leistung".into(), "Objektspeicher (S3-kompatibel)".into()),
                ("Größe".into(), "10 TB".into()),
                ("Preis".into(), "1.200,00 € pro Monat".into()),
            ]),
            Block::Heading {
                level: 3,
                text: "Hinweise".into(),
            },
            Block::List(vec![
                "Kündigung zum Monatsende möglich".into(),
                "Daten liegen ausschließlich in Rechenzentren in Deutschland".into(),
            ]),
        ],
    }
}

pub fn render_ok(document: &summary_pdf::Document) -> Vec<u8> {
    render(document).expect("the document renders")
}

pub fn parse(bytes: &[u8]) -> Document {
    Document::load_mem(bytes).expect("lopdf reads the PDF")
}

/// A line of text as drawn: the marked-content tag around it, its font and position, and its
/// text decoded with lopdf's own WinAnsi table.
#[derive(Debug, Clone)]
pub struct Line {
    pub tag: String,
    pub mcid: Option<i64>,
    pub artifact_type: Option<String>,
    pub font: String,
    pub size: f32,
    pub x: f32,
    pub y: f32,
    pub bytes: Vec<u8>,
    pub text: String,
}

/// The object ids of the pages in order.
pub fn page_ids(doc: &Document) -> Vec<ObjectId> {
    doc.get_pages().into_values().collect()
}

/// All text lines of a page in content-stream order.
pub fn lines(doc: &Document, page: ObjectId) -> Vec<Line> {
    let fonts = doc.get_page_fonts(page).expect("page fonts");
    let content = Content::decode(&doc.get_page_content(page)).expect("content stream parses");
    let winansi = Encoding::SimpleEncoding(b"WinAnsiEncoding");
    let mut marks: Vec<(String, Option<i64>, Option<String>)> = Vec::new();
    let mut font = String::new();
    let mut size = 0.0;
    let mut position = (0.0, 0.0);
    let mut lines = Vec::new();
    for operation in &content.operations {
        let operands = &operation.operands;
        match operation.operator.as_str() {
            "BDC" | "BMC" => {
                let tag = name(&operands[0]);
                let properties = operands.get(1).and_then(|p| p.as_dict().ok());
                let mcid = properties
                    .and_then(|p| p.get(b"MCID").ok())
                    .and_then(|m| m.as_i64().ok());
                let kind = properties.and_then(|p| p.get(b"Type").ok()).map(name);
                marks.push((tag, mcid, kind));
            }
            "EMC" => {
                marks.pop().expect("EMC closes a BDC");
            }
            "Tf" => {
                let resource = operands[0].as_name().expect("font name");
                let dict = fonts.get(resource).expect("font in resources");
                font = name(dict.get(b"BaseFont").expect("BaseFont"));
                let encoding = name(dict.get(b"Encoding").expect("Encoding"));
                assert_eq!(encoding, "WinAnsiEncoding");
                size = operands[1].as_float().expect("font size");
            }
            "Tm" => {
                position = (
                    operands[4].as_float().expect("x"),
                    operands[5].as_float().expect("y"),
                );
            }
            "Tj" => {
                let bytes = operands[0].as_str().expect("string").to_vec();
                let text = winansi.bytes_to_string(&bytes).expect("WinAnsi decodes");
                let (tag, mcid, artifact_type) = marks.last().cloned().unwrap_or_default();
                lines.push(Line {
                    tag,
                    mcid,
                    artifact_type,
                    font: font.clone(),
                    size,
                    x: position.0,
                    y: position.1,
                    bytes,
                    text,
                });
            }
            "TJ" | "'" | "\"" | "Td" | "TD" | "T*" => {
                panic!("unexpected operator {}", operation.operator)
            }
            _ => {}
        }
    }
    assert!(marks.is_empty(), "every BDC is closed on its page");
    lines
}

/// The text of all lines on a page that are real content (not artifacts), joined as they
/// are, the way a screen reader following the tags reads them: the spaces between words at
/// line ends must be in the text itself.
pub fn content_text(doc: &Document, page: ObjectId) -> String {
    lines(doc, page)
        .into_iter()
        .filter(|line| line.tag != "Artifact")
        .map(|line| line.text)
        .collect()
}

pub fn name(object: &Object) -> String {
    String::from_utf8_lossy(object.as_name().expect("a name")).into_owned()
}

/// Follows a reference, or returns the object itself.
pub fn resolve<'a>(doc: &'a Document, object: &'a Object) -> &'a Object {
    match object {
        Object::Reference(id) => doc.get_object(*id).expect("reference resolves"),
        other => other,
    }
}

pub fn dict<'a>(doc: &'a Document, object: &'a Object) -> &'a Dictionary {
    resolve(doc, object).as_dict().expect("a dictionary")
}

pub fn text_string(doc: &Document, object: &Object) -> String {
    lopdf::decode_text_string(resolve(doc, object)).expect("a text string")
}

/// Width of a line in Helvetica measured with a few glyph widths from the AFM files, enough
/// for the texts these tests use; panics on any other glyph so a test cannot pass by accident.
pub fn helvetica_width(line: &Line) -> f32 {
    // A space at the end of a wrapped line is invisible and may reach into the margin.
    let units: u32 = line
        .text
        .trim_end_matches(' ')
        .chars()
        .map(|c| match (line.font.as_str(), c) {
            (_, 'W') => 944,
            (_, ' ') => 278,
            (_, '•') => 350,
            ("Helvetica", 'a') => 556,
            ("Helvetica", 'l') => 222,
            ("Helvetica-Bold", 'a') => 556,
            ("Helvetica-Bold", 'l') => 278,
            (font, c) => panic!("no test width for {c:?} in {font}"),
        })
        .sum();
    units as f32 * line.size / 1000.0
}
