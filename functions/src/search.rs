//! The search service: the catalog's tantivy index, opened once and shared by every request
//! (`GET /api/suche` in [`crate::web`] searches it), replaced as a whole when the live
//! preview rebuilt it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use search_index::SearchIndex;

/// Where the index is looked for when `CSP_SEARCH_INDEX` is not set.
pub const DEFAULT_INDEX_DIR: &str = "function-data/search-index";

/// The opened index, shared by all requests.
pub struct Search {
    index: Option<SearchIndex>,
    /// Why there is no index, for the log and the 503 page.
    pub problem: Option<String>,
    /// Where the index is, when it is opened on the first search.
    pending: Option<PathBuf>,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search")
            .field("index", &self.index)
            .field("problem", &self.problem)
            .finish_non_exhaustive()
    }
}

impl Search {
    /// No index: the route answers 503 (tests of other routes, a function without a site).
    pub fn unavailable() -> Search {
        Search {
            index: None,
            problem: Some("no search index configured".to_owned()),
            pending: None,
        }
    }

    /// The index in `index_dir`, opened by the first search that needs it: a start-up (a
    /// Lambda cold start) whose first request is not a search never waits for it.
    pub fn open_on_first_use(index_dir: &Path) -> Search {
        Search {
            index: None,
            problem: None,
            pending: Some(index_dir.to_owned()),
        }
    }

    /// Opens the index in `index_dir`.
    pub fn open(index_dir: &Path) -> Search {
        match SearchIndex::open(index_dir) {
            Ok(index) => {
                tracing::info!(path = %index_dir.display(), offerings = index.len(), "search index opened");
                Search {
                    index: Some(index),
                    problem: None,
                    pending: None,
                }
            }
            Err(e) => {
                tracing::warn!(path = %index_dir.display(), error = %e, "search is unavailable");
                Search {
                    index: None,
                    problem: Some(e.to_string()),
                    pending: None,
                }
            }
        }
    }

    /// The opened index, if any.
    pub fn index(&self) -> Option<&SearchIndex> {
        self.index.as_ref()
    }
}

/// The search in use: opened once and shared by every request, and replaced as a whole
/// when the live preview (`csp serve`) has rebuilt the index or the layout.
#[derive(Debug)]
pub struct SearchSlot(RwLock<Arc<Search>>);

impl SearchSlot {
    pub fn new(search: Search) -> Self {
        Self(RwLock::new(Arc::new(search)))
    }

    /// The current search (requests keep the one they started with), opened now if it
    /// waits for its first use.
    pub fn get(&self) -> Arc<Search> {
        let current = match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if current.pending.is_none() {
            return current;
        }
        let mut guard = match self.0.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(dir) = guard.pending.clone() {
            *guard = Arc::new(Search::open(&dir));
        }
        guard.clone()
    }

    pub fn replace(&self, search: Search) {
        match self.0.write() {
            Ok(mut guard) => *guard = Arc::new(search),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(search),
        }
    }
}
