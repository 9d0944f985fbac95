//! Renders a simple structured document to a small, tagged (accessible) PDF.
//!
//! Written for the order summary of a Vertragsmappe, which the function offers as a download:
//! a title, headings, paragraphs, label/value facts and bulleted lists on A4 pages. The PDF
//! uses the standard fonts Helvetica and Helvetica-Bold without embedding them, carries a
//! structure tree (H1–H3, P, Table, L) with every drawn line linked to its element, marks
//! footer and rules as artifacts, and is byte-for-byte the same for the same input.
//!
//! ```
//! use summary_pdf::{Block, Document, render};
//!
//! let document = Document {
//!     title: "Vertragsmappe VM-2025-0042".into(),
//!     author: "Cloud-Service-Portal".into(),
//!     subject: "Bestellübersicht".into(),
//!     language: "de-DE".into(),
//!     blocks: vec![
//!         Block::Heading { level: 2, text: "Bestellte Leistungen".into() },
//!         Block::Facts(vec![("Preis".into(), "1.200,00 € pro Monat".into())]),
//!         Block::List(vec!["„Objektspeicher“, 10 TB".into()]),
//!     ],
//! };
//! let pdf = render(&document)?;
//! assert!(pdf.starts_with(b"%PDF-1.7"));
//! # Ok::<(), summary_pdf::PdfError>(())
//! ```
//!
//! Text is limited to what WinAnsiEncoding can show: all of Latin-1 plus € „ “ ” ‚ ‘ ’ – — … •
//! and a few more. Other characters are drawn as `?` (or a look-alike), and the element
//! carries the original text as `/ActualText`, so screen readers still get it right.
//!
//! The output follows PDF/UA where it can but does not claim conformance: PDF/UA-1 requires
//! embedded fonts and an XMP metadata stream, which would make the crate and the file much
//! larger.

mod layout;
mod pdf;
mod tags;
mod winansi;
mod wrap;

/// More pages than any order summary has; guards the function against runaway input.
pub const MAX_PAGES: usize = 2_000;

/// A document to render: metadata plus the content below the title.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    /// The PDF's Title (shown in the viewer's window title) and the H1 on page 1.
    pub title: String,
    /// The PDF's Author, e.g. "Cloud-Service-Portal"; left out when empty.
    pub author: String,
    /// The PDF's Subject, e.g. "Bestellübersicht"; left out when empty.
    pub subject: String,
    /// The natural language as a BCP 47 tag (e.g. "de-DE"): the document's `/Lang`, which
    /// screen readers need to pick a voice.
    pub language: String,
    /// The content in reading order.
    pub blocks: Vec<Block>,
}

/// One piece of content. Each becomes its own structure element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A section heading of level 2 (H2) or 3 (H3); the title is the only H1.
    Heading {
        /// 2 or 3; anything else is rejected by [`render`].
        level: u8,
        /// The heading text.
        text: String,
    },
    /// Running text, wrapped to the page width. A blank line ("\n\n") starts a new paragraph
    /// (P); a single "\n" forces a line break within one.
    Paragraph(String),
    /// Label/value rows such as "Preis" / "1.200,00 €", shown as a two-column table whose
    /// labels are row headers (TH with /Scope /Row) and values data cells (TD).
    Facts(Vec<(String, String)>),
    /// A bulleted list (L with LI, Lbl, LBody); empty items are skipped.
    List(Vec<String>),
}

/// Why a document could not be rendered. These are mistakes of the calling code, not of the
/// user, so the messages name the field to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// The title is empty or only whitespace.
    #[error(
        "the document has no title; set `Document::title`: it is the PDF's title and its first heading"
    )]
    EmptyTitle,
    /// The language is not a BCP 47 tag.
    #[error("document language `{language}` is not a BCP 47 tag; use one like `de-DE` or `de`")]
    InvalidLanguage {
        /// The language as given.
        language: String,
    },
    /// A heading has a level other than 2 or 3.
    #[error("heading `{text}` has level {level}; use 2 (H2) or 3 (H3), the title is the only H1")]
    InvalidHeadingLevel {
        /// The level as given.
        level: u8,
        /// The heading's text, to find it.
        text: String,
    },
    /// The content needs more than [`MAX_PAGES`] pages.
    #[error(
        "the document needs {pages} pages, more than the limit of {limit}; shorten the content"
    )]
    TooManyPages {
        /// Pages the content would need.
        pages: usize,
        /// The limit, [`MAX_PAGES`].
        limit: usize,
    },
}

/// Renders `document` to the bytes of a PDF file.
///
/// # Errors
/// When the title is empty, the language no BCP 47 tag, a heading level not 2 or 3, or the
/// content longer than [`MAX_PAGES`] pages.
pub fn render(document: &Document) -> Result<Vec<u8>, PdfError> {
    validate(document)?;
    let mut tree = tags::StructTree::new();
    let pages = layout::layout(document, &mut tree);
    if pages.len() > MAX_PAGES {
        return Err(PdfError::TooManyPages {
            pages: pages.len(),
            limit: MAX_PAGES,
        });
    }
    Ok(pdf::write(document, &pages, &mut tree))
}

fn validate(document: &Document) -> Result<(), PdfError> {
    if document.title.trim().is_empty() {
        return Err(PdfError::EmptyTitle);
    }
    if !is_language_tag(&document.language) {
        return Err(PdfError::InvalidLanguage {
            language: document.language.clone(),
        });
    }
    for block in &document.blocks {
        if let Block::Heading { level, text } = block
            && !matches!(level, 2 | 3)
        {
            return Err(PdfError::InvalidHeadingLevel {
                level: *level,
                text: text.clone(),
            });
        }
    }
    Ok(())
}

/// A light check of BCP 47's shape: a 2–8 letter language, then subtags of 1–8 letters or
/// digits separated by hyphens. Catches empty values, underscores ("de_DE") and spaces.
fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let language_ok = subtags.next().is_some_and(|language| {
        (2..=8).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_alphabetic())
    });
    language_ok
        && subtags.all(|subtag| {
            (1..=8).contains(&subtag.len()) && subtag.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_language_tags() {
        for tag in ["de", "de-DE", "en-GB", "de-Latn-DE", "gsw-CH"] {
            assert!(is_language_tag(tag), "{tag}");
        }
        for tag in [
            "",
            "d",
            "de_DE",
            "de-",
            "-DE",
            "de DE",
            "deutsch-Deutschland1234",
        ] {
            assert!(!is_language_tag(tag), "{tag}");
        }
    }
}
