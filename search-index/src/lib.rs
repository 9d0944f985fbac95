//! Full-text search over the catalog: the tantivy index, its German analyzer, building the
//! index from the typed [`catalog::Catalog`] and answering typed search requests.
//!
//! ```no_run
//! use std::path::Path;
//! use search_index::{SearchIndex, SearchRequest, build_index};
//!
//! let catalog = catalog::load_catalog(Path::new("content")).expect("valid content");
//! // `csp build` does this, next to the site:
//! build_index(&catalog, Path::new("function-data/search-index"))?;
//! // The function does this once per process (read-only file system, no lock files):
//! let index = SearchIndex::open(Path::new("function-data/search-index"))?;
//! let response = index.search(&SearchRequest::new("messenger"))?;
//! println!("{}", serde_json::to_string(&response).expect("serialisable"));
//! # Ok::<(), search_index::SearchError>(())
//! ```
//!
//! How words match is described in [`analyzer`] (folding, case parts, stemming, compound
//! parts) and in the query module (prefix, typo tolerance, boosts).

pub mod analyzer;
mod build;
mod error;
mod facets;
mod highlight;
mod query;
mod request;
mod schema;
mod search;
mod typo;

pub use build::{IndexStats, build_index, update_index};
pub use error::SearchError;
pub use facets::{FacetCount, Facets};
pub use highlight::escape_html;
pub use request::{
    MAX_PAGE, MAX_QUERY_CHARS, MAX_QUERY_WORDS, PER_PAGE, SearchParams, SearchRequest, Sort,
};
pub use schema::SCHEMA_VERSION;
pub use search::{
    Hit, SUGGESTIONS, SearchIndex, SearchResponse, Suggestion, bedarf_link, offering_url,
};
