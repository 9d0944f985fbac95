//! What the templates of orders and decisions read: the orders list (`konto/orders.html`),
//! one order (`konto/order.html`), the printable contract folder (`konto/folder.html`), the
//! decision pages (`decision.html`, `decision-done.html`). Dates, prices and status texts are
//! put into words here; the templates only lay them out.

use serde::Serialize;

use crate::domain::orders::documents::{
    Facts, billing_facts, customer_facts, flow_text, german_datetime, german_day, maturity_lines,
    option_facts, order_facts,
};
use crate::domain::orders::text::{self, TextBlock};
use crate::domain::orders::{ContractFolder, Order, Party};

/// A row of "Ihre Bestellungen".
#[derive(Debug, Serialize)]
pub struct OrderRow<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub offering: &'a str,
    pub ordered_on: String,
    pub status: &'static str,
    /// Undecided after its deadline.
    pub overdue: bool,
    pub deadline: String,
}

impl<'a> OrderRow<'a> {
    pub fn of(order: &'a Order, now: i64) -> OrderRow<'a> {
        OrderRow {
            id: &order.id,
            number: &order.number,
            offering: &order.folder.offering.name,
            ordered_on: german_day(order.created_at),
            status: order.status.label(),
            overdue: order.is_overdue(now),
            deadline: german_day(order.deadline),
        }
    }
}

/// One step of an order's history.
#[derive(Debug, Serialize)]
pub struct HistoryStep<'a> {
    pub status: &'static str,
    pub at: String,
    pub by: &'static str,
    pub reason: Option<&'a str>,
}

/// One order with its status and history (the contract folder comes separately).
#[derive(Debug, Serialize)]
pub struct OrderView<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub status: &'static str,
    pub overdue: bool,
    /// The reason of a rejection, if the order was rejected.
    pub rejection_reason: Option<&'a str>,
    /// By when the provider decides; `None` once the order is decided.
    pub deadline: Option<String>,
    pub history: Vec<HistoryStep<'a>>,
}

impl<'a> OrderView<'a> {
    pub fn of(order: &'a Order, now: i64) -> OrderView<'a> {
        OrderView {
            id: &order.id,
            number: &order.number,
            status: order.status.label(),
            overdue: order.is_overdue(now),
            rejection_reason: order
                .rejection_reason()
                .filter(|_| order.status.is_rejection()),
            deadline: (!order.status.is_final()).then(|| german_day(order.deadline)),
            history: order
                .history
                .iter()
                .map(|h| HistoryStep {
                    status: h.to.label(),
                    at: german_datetime(h.at),
                    by: h.by.label(),
                    reason: h.reason.as_deref(),
                })
                .collect(),
        }
    }
}

/// A block of text in the folder: a provider's Markdown reduced to its text, or our own.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Block {
    Heading { text: String },
    Paragraph { text: String },
    List { items: Vec<String> },
}

impl Block {
    fn paragraph(text: impl Into<String>) -> Block {
        Block::Paragraph { text: text.into() }
    }

    /// The blocks of a provider's Markdown: its text only, never its markup.
    fn of_markdown(markdown: &str) -> impl Iterator<Item = Block> {
        text::blocks(markdown).into_iter().map(|block| match block {
            TextBlock::Heading(text) => Block::Heading { text },
            TextBlock::Paragraph(text) => Block::Paragraph { text },
            TextBlock::List(items) => Block::List { items },
        })
    }
}

/// A section of the contract folder: a heading, label/value rows, then text.
#[derive(Debug, Serialize)]
pub struct FolderSection {
    pub title: &'static str,
    pub facts: Facts,
    pub blocks: Vec<Block>,
}

/// The contract folder as the order page, the printable folder and the decision page show
/// it.
#[derive(Debug, Serialize)]
pub struct FolderView {
    /// The level of the sections' headings (2 or 3); the providers' own headings are one
    /// below.
    pub level: u8,
    pub sections: Vec<FolderSection>,
}

impl FolderView {
    pub fn of(order: &Order, level: u8) -> FolderView {
        let f = &order.folder;
        let section = |title, facts, blocks| FolderSection {
            title,
            facts,
            blocks,
        };
        let mut sections = vec![
            section(
                "Bestellung",
                order_facts(order),
                vec![Block::paragraph(flow_text(f.contract_model))],
            ),
            section("Kunde", customer_facts(f), Vec::new()),
            section("Rechnung", billing_facts(f), Vec::new()),
        ];
        if !f.options.is_empty() {
            sections.push(section(
                "Konfigurierte Optionen",
                option_facts(f),
                Vec::new(),
            ));
        }
        sections.push(section(
            "Produktbeschreibung",
            Vec::new(),
            std::iter::once(Block::paragraph(f.offering.summary.as_str()))
                .chain(Block::of_markdown(&f.offering.description))
                .collect(),
        ));
        sections.push(section(
            "Servicespezifische Bedingungen",
            Vec::new(),
            Block::of_markdown(&f.offering.conditions).collect(),
        ));
        let (intro, lines) = maturity_lines(f);
        sections.push(section(
            "Reifegrad (Selbstauskunft des Anbieters)",
            Vec::new(),
            vec![Block::paragraph(intro), Block::List { items: lines }],
        ));
        sections.push(section(
            "Dokumente des Anbieters",
            Vec::new(),
            vec![provider_documents(f)],
        ));
        sections.push(section(
            "CSP-AGB",
            vec![("Fassung".into(), f.agb_version.clone())],
            agb_blocks(f),
        ));
        FolderView { level, sections }
    }
}

/// A document of the contract folder to download (`partials/order-folder.html`).
#[derive(Debug, Serialize)]
pub struct FolderDownload {
    pub file: &'static str,
    pub title: &'static str,
}

/// Every document of a contract folder, in the folder's order.
pub fn folder_documents() -> Vec<FolderDownload> {
    crate::domain::orders::folder_documents::DOCUMENTS
        .iter()
        .map(|d| FolderDownload {
            file: d.file,
            title: d.title,
        })
        .collect()
}

/// The provider's documents as the offering listed them when the order was placed.
fn provider_documents(folder: &ContractFolder) -> Block {
    if folder.offering.documents.is_empty() {
        return Block::paragraph("Das Angebot nannte bei der Bestellung keine Dokumente.");
    }
    Block::List {
        items: folder
            .offering
            .documents
            .iter()
            .map(|d| format!("{}: {}", d.title, d.url))
            .collect(),
    }
}

/// The CSP-AGB as agreed, word for word.
fn agb_blocks(folder: &ContractFolder) -> Vec<Block> {
    if folder.agb_text.is_empty() {
        return vec![Block::paragraph(format!(
            "Der Kunde hat der Fassung {} zugestimmt. Ihr Wortlaut wurde bei Bestellungen dieses Alters noch nicht in der Vertragsmappe gespeichert.",
            folder.agb_version
        ))];
    }
    Block::of_markdown(&folder.agb_text).collect()
}

/// The order behind a decision link, and who decides.
#[derive(Debug, Serialize)]
pub struct DecisionView<'a> {
    pub number: &'a str,
    /// "Anbieter" or "Intermediär".
    pub who: &'static str,
    pub status: &'static str,
    pub deadline: String,
    /// The link's token, sent again with the decision.
    pub token: &'a str,
    /// The form to reject (with its reason) rather than the buttons to decide.
    pub reject: bool,
}

impl<'a> DecisionView<'a> {
    pub fn of(order: &'a Order, party: Party, token: &'a str, reject: bool) -> DecisionView<'a> {
        DecisionView {
            number: &order.number,
            who: if party == Party::Intermediary {
                "Intermediär"
            } else {
                "Anbieter"
            },
            status: order.status.label(),
            deadline: german_day(order.deadline),
            token,
            reject,
        }
    }
}

/// An order after a decision.
#[derive(Debug, Serialize)]
pub struct DecidedView<'a> {
    pub number: &'a str,
    pub status: &'static str,
}

impl<'a> DecidedView<'a> {
    pub fn of(order: &'a Order) -> DecidedView<'a> {
        DecidedView {
            number: &order.number,
            status: order.status.label(),
        }
    }
}
