//! The sample catalog, indexed once per test binary.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use search_index::{SearchIndex, SearchRequest, SearchResponse, build_index};

pub fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")
}

pub fn catalog() -> &'static catalog::Catalog {
    static CATALOG: OnceLock<catalog::Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| match catalog::load_catalog(&content_dir()) {
        Ok(c) => c,
        Err(problems) => panic!("sample content is invalid: {problems:?}"),
    })
}

/// The sample index, built into a temporary folder (kept for the life of the process) and
/// opened like the function opens it.
pub fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<(tempfile::TempDir, SearchIndex)> = OnceLock::new();
    &INDEX
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("search-index");
            build_index(catalog(), &path).expect("index builds");
            let index = SearchIndex::open(&path).expect("index opens");
            (dir, index)
        })
        .1
}

pub fn search(request: &SearchRequest) -> SearchResponse {
    index().search(request).expect("search answers")
}

pub fn ids(response: &SearchResponse) -> Vec<&str> {
    response.hits.iter().map(|h| h.id.as_str()).collect()
}
