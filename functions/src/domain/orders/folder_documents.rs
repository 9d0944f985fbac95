//! The contract folder document by document, each from the order's snapshot and never from
//! the current catalog: what the account's folder page offers for download one by one and
//! together as one ZIP file.
//!
//! Texts the provider or the operator wrote in Markdown (product description, conditions,
//! CSP-AGB) are handed out as their Markdown source, exactly as agreed; the portal's own
//! facts as plain text; the summary as the tagged PDF.

use std::fmt::Write as _;
use std::io::Write as _;

use super::documents::{
    Facts, billing_facts, customer_facts, flow_text, german_datetime, maturity_lines, option_facts,
    order_facts,
};
use super::model::Order;

/// A document of the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentKind {
    /// The last part of its address, e.g. `agb.md`; also its name inside the ZIP file.
    pub file: &'static str,
    /// What the folder page calls it.
    pub title: &'static str,
    pub content_type: &'static str,
}

const TEXT: &str = "text/plain; charset=utf-8";
const MARKDOWN: &str = "text/markdown; charset=utf-8";

/// Every document of a folder, in the folder's order.
pub const DOCUMENTS: [DocumentKind; 9] = [
    DocumentKind {
        file: "stammdaten.txt",
        title: "Stammdaten",
        content_type: TEXT,
    },
    DocumentKind {
        file: "produktbeschreibung.md",
        title: "Produktbeschreibung",
        content_type: MARKDOWN,
    },
    DocumentKind {
        file: "preis.txt",
        title: "Gewählter Preis",
        content_type: TEXT,
    },
    DocumentKind {
        file: "eigenschaften.txt",
        title: "Konfigurierte Eigenschaften",
        content_type: TEXT,
    },
    DocumentKind {
        file: "agb.md",
        title: "CSP-AGB",
        content_type: MARKDOWN,
    },
    DocumentKind {
        file: "reifegrad.txt",
        title: "Reifegrad",
        content_type: TEXT,
    },
    DocumentKind {
        file: "bedingungen.md",
        title: "Servicespezifische Bedingungen",
        content_type: MARKDOWN,
    },
    DocumentKind {
        file: "anbieterdokumente.txt",
        title: "Dokumente des Anbieters",
        content_type: TEXT,
    },
    DocumentKind {
        file: "bestelluebersicht.pdf",
        title: "Bestellübersicht (PDF)",
        content_type: "application/pdf",
    },
];

/// The document named `file`, if there is one.
pub fn kind(file: &str) -> Option<DocumentKind> {
    DOCUMENTS.into_iter().find(|d| d.file == file)
}

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the summary PDF: {0}")]
    Pdf(String),
    #[error("the ZIP file: {0}")]
    Zip(String),
}

fn header(order: &Order, title: &str) -> String {
    format!(
        "{title}\nVertragsmappe der Bestellung {} vom {} (Stand bei der Bestellung)\n\n",
        order.folder.number,
        german_datetime(order.folder.ordered_at)
    )
}

fn facts(out: &mut String, title: &str, facts: &Facts) {
    let _ = writeln!(out, "{title}\n{}", "-".repeat(title.chars().count()));
    for (label, value) in facts {
        let _ = writeln!(out, "{label}: {value}");
    }
    out.push('\n');
}

/// The document's bytes.
pub fn render(order: &Order, kind: DocumentKind) -> Result<Vec<u8>, DocumentError> {
    let f = &order.folder;
    let mut out = if kind.content_type == TEXT {
        header(order, kind.title)
    } else {
        String::new()
    };
    match kind.file {
        "stammdaten.txt" => {
            facts(&mut out, "Bestellung", &order_facts(order));
            let _ = writeln!(out, "{}\n", flow_text(f.contract_model));
            facts(&mut out, "Kunde", &customer_facts(f));
            facts(&mut out, "Rechnung", &billing_facts(f));
        }
        "produktbeschreibung.md" => {
            let _ = write!(
                out,
                "# {}\n\n{}\n\n{}\n",
                f.offering.name, f.offering.summary, f.offering.description
            );
        }
        "preis.txt" => {
            let plan = vec![
                ("Preismodell".to_owned(), f.plan.name.clone()),
                ("Preis".to_owned(), f.plan.price_text()),
            ];
            facts(&mut out, "Gewählter Preis", &plan);
        }
        "eigenschaften.txt" => {
            let mut properties = vec![
                (
                    "Vertragsmodell".to_owned(),
                    f.contract_model.label().to_owned(),
                ),
                (
                    "Bereitstellungszeit".to_owned(),
                    f.offering.provisioning_time.clone(),
                ),
            ];
            properties.extend(option_facts(f));
            facts(&mut out, "Konfigurierte Eigenschaften", &properties);
        }
        "agb.md" => {
            if f.agb_text.is_empty() {
                let _ = writeln!(
                    out,
                    "# CSP-AGB, Fassung {}\n\nDer Kunde hat dieser Fassung zugestimmt. Ihr Wortlaut wurde bei Bestellungen dieses Alters noch nicht in der Vertragsmappe gespeichert.",
                    f.agb_version
                );
            } else {
                let _ = write!(
                    out,
                    "# CSP-AGB, Fassung {}\n\n{}\n",
                    f.agb_version, f.agb_text
                );
            }
        }
        "reifegrad.txt" => {
            let (intro, lines) = maturity_lines(f);
            let _ = writeln!(out, "{intro}\n");
            for line in lines {
                let _ = writeln!(out, "- {line}");
            }
        }
        "bedingungen.md" => {
            let _ = write!(
                out,
                "# Servicespezifische Bedingungen: {}\n\n{}\n",
                f.offering.name, f.offering.conditions
            );
        }
        "anbieterdokumente.txt" => {
            if f.offering.documents.is_empty() {
                out.push_str("Das Angebot nannte bei der Bestellung keine Dokumente.\n");
            }
            for document in &f.offering.documents {
                let _ = writeln!(out, "{}\n{}\n", document.title, document.url);
            }
        }
        "bestelluebersicht.pdf" => {
            return super::summary::summary_pdf(order)
                .map_err(|e| DocumentError::Pdf(e.to_string()));
        }
        other => unreachable!("a document without content: {other}"),
    }
    Ok(out.into_bytes())
}

/// Every document in one ZIP file, in a folder named after the order.
pub fn zip(order: &Order) -> Result<Vec<u8>, DocumentError> {
    let zip_error = |e: zip::result::ZipError| DocumentError::Zip(e.to_string());
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // Stored: the texts are small and the PDF is compressed already.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let folder = format!("Vertragsmappe-{}", order.folder.number);
    for kind in DOCUMENTS {
        writer
            .start_file(format!("{folder}/{}", kind.file), options)
            .map_err(zip_error)?;
        writer
            .write_all(&render(order, kind)?)
            .map_err(|e| DocumentError::Zip(e.to_string()))?;
    }
    Ok(writer.finish().map_err(zip_error)?.into_inner())
}
