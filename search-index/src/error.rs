use std::path::{Path, PathBuf};

/// Everything that can go wrong building, opening or querying the index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// The request cannot be answered as asked; the message is German and meant for the
    /// person who searched (HTTP 400).
    #[error("{0}")]
    BadRequest(String),
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{0} is neither empty nor a search index; refusing to replace it (pick another folder or empty it)"
    )]
    NotAnIndex(PathBuf),
    #[error(
        "the search index at {0} was built by another version of the portal; rebuild it with `csp build`"
    )]
    WrongVersion(PathBuf),
    #[error("the search index is damaged: {0}; rebuild it with `csp build`")]
    Corrupt(String),
    #[error("search engine: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl SearchError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        SearchError::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn bad(message: impl Into<String>) -> Self {
        SearchError::BadRequest(message.into())
    }

    /// Whether the fault lies with the request (answer 400) rather than the index (500).
    pub fn is_bad_request(&self) -> bool {
        matches!(self, SearchError::BadRequest(_))
    }
}
