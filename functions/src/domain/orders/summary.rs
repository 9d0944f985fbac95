//! The order summary as an accessible PDF (the contract folder's facts, tagged).

use summary_pdf::{Block, Document, PdfError};

use super::documents::{
    billing_facts, customer_facts, flow_text, maturity_lines, option_facts, order_facts,
};
use super::model::Order;
use super::text::TextBlock;

/// The summary document of an order's contract folder.
pub fn summary_document(order: &Order) -> Document {
    let f = &order.folder;
    let heading = |text: &str| Block::Heading {
        level: 2,
        text: text.to_owned(),
    };
    let mut blocks = vec![
        Block::Paragraph(format!(
            "Zusammenfassung der Bestellung {} im Cloud-Service-Portal. Stand bei der Bestellung; die Vertragsmappe ändert sich danach nicht mehr.",
            f.number
        )),
        heading("Bestellung"),
        Block::Facts(order_facts(order)),
        Block::Paragraph(flow_text(f.contract_model).to_owned()),
        heading("Kunde"),
        Block::Facts(customer_facts(f)),
        heading("Rechnung"),
        Block::Facts(billing_facts(f)),
    ];
    if !f.options.is_empty() {
        blocks.push(heading("Konfigurierte Optionen"));
        blocks.push(Block::Facts(option_facts(f)));
    }
    blocks.push(heading("Produktbeschreibung"));
    blocks.push(Block::Paragraph(f.offering.summary.clone()));
    markdown_blocks(&mut blocks, &f.offering.description);
    blocks.push(heading("Servicespezifische Bedingungen"));
    markdown_blocks(&mut blocks, &f.offering.conditions);
    blocks.push(heading("Reifegrad (Selbstauskunft des Anbieters)"));
    let (intro, lines) = maturity_lines(f);
    blocks.push(Block::Paragraph(intro));
    blocks.push(Block::List(lines));
    Document {
        title: format!("Vertragsmappe {}", f.number),
        author: "Cloud-Service-Portal".to_owned(),
        subject: format!("{} – {}", f.offering.name, f.customer.organisation),
        language: "de-DE".to_owned(),
        blocks,
    }
}

/// A provider's Markdown as headings (H3), paragraphs and lists.
fn markdown_blocks(blocks: &mut Vec<Block>, markdown: &str) {
    for block in super::text::blocks(markdown) {
        blocks.push(match block {
            TextBlock::Heading(text) => Block::Heading { level: 3, text },
            TextBlock::Paragraph(text) => Block::Paragraph(text),
            TextBlock::List(items) => Block::List(items),
        });
    }
}

/// The PDF bytes of the summary.
pub fn summary_pdf(order: &Order) -> Result<Vec<u8>, PdfError> {
    summary_pdf::render(&summary_document(order))
}
