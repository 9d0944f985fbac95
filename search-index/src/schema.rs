//! The index schema: which parts of an offering go into which field, and the row each
//! document carries for results, filters, facets and sorting.

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    BytesOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analyzer::{PLAIN, STEMMED, SUFFIXES};

/// Bumped when the schema or [`Row`] changes incompatibly; an index of another version is
/// refused at opening with a message to rebuild it.
pub const SCHEMA_VERSION: u32 = 2;

/// The fields of the index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Stemmed name: the most important field.
    pub name: Field,
    /// Folded, unstemmed name: prefix and typo matches on the name.
    pub name_plain: Field,
    pub tags: Field,
    pub summary: Field,
    pub provider: Field,
    /// Description, category names, service type, customer scope, contract models, plan names
    /// and descriptions.
    pub body: Field,
    /// Name, tags, summary, provider and category names, folded and unstemmed: prefix and
    /// typo matches. (Not the description: typos and prefixes over long texts find noise and
    /// would double the indexing time.)
    pub plain: Field,
    /// Suffixes of the words of name, tags and summary: compound parts.
    pub suffixes: Field,
    /// The [`Row`] as JSON; read once when the index is opened.
    pub row: Field,
    /// The offering's id as one term: what an update deletes a document by.
    pub id: Field,
}

impl Fields {
    pub fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let text = |tokenizer: &str, record: IndexRecordOption| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(record),
            )
        };
        let scored = || text(STEMMED, IndexRecordOption::WithFreqs);
        let fields = Fields {
            name: builder.add_text_field("name", scored()),
            name_plain: builder.add_text_field("name_plain", text(PLAIN, IndexRecordOption::Basic)),
            tags: builder.add_text_field("tags", scored()),
            summary: builder.add_text_field("summary", scored()),
            provider: builder.add_text_field("provider", scored()),
            body: builder.add_text_field("body", scored()),
            plain: builder.add_text_field("plain", text(PLAIN, IndexRecordOption::Basic)),
            suffixes: builder.add_text_field("suffixes", text(SUFFIXES, IndexRecordOption::Basic)),
            row: builder.add_bytes_field("row", BytesOptions::default() | STORED),
            id: builder.add_text_field("id", STRING),
        };
        // Marks the index format: an index of another version has another schema and is
        // refused at opening (see `Fields::of`).
        builder.add_bytes_field(
            &format!("schema_v{SCHEMA_VERSION}"),
            BytesOptions::default(),
        );
        (builder.build(), fields)
    }

    /// The fields of an existing index, or `None` if it was built with another schema.
    pub fn of(schema: &Schema) -> Option<Fields> {
        let (expected, fields) = Fields::schema();
        (schema == &expected).then_some(fields)
    }
}

/// What a result, a filter, a facet and a sort key need of one offering, stored with its
/// document and kept in RAM while the index is open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Row {
    pub id: String,
    pub name: String,
    pub provider_id: String,
    pub provider_name: String,
    pub summary: String,
    /// `saas`, `paas` or `iaas`.
    pub service_type: String,
    pub categories: Vec<RowCategory>,
    /// `direktvertrag` and/or `umklappvertrag`.
    pub contract_models: Vec<String>,
    /// The lowest plan price in EUR, for sorting.
    pub price: f64,
    /// The price the site shows on tiles, as one line: `ab 2,90 € je Nutzer und Monat, netto`,
    /// `kostenfrei` (`catalog::format::price_line`).
    pub price_label: String,
    /// Maturity percentage (see `catalog::format::maturity_percent`).
    pub maturity: u8,
    /// Date of the last change, `YYYY-MM-DD`.
    pub updated: String,
}

/// One portfolio category of a row, with names and its place in the portfolio, so facets
/// list categories in portfolio order without the portfolio file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RowCategory {
    pub top: String,
    pub top_name: String,
    pub sub: String,
    pub sub_name: String,
    /// Positions of the category and the sub-category in the portfolio.
    pub order: (u16, u16),
}
