//! What the theme's layout (`base.html`) reads on every page, static or rendered by the
//! function: the page's title and place in the site, and the site's address and asset version.

use serde::{Deserialize, Serialize};

/// Title, description, canonical path and the active navigation entry of one page.
#[derive(Debug, Clone, Serialize)]
pub struct PageMeta<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// The canonical path; empty for pages that have none (the function's pages).
    pub path: &'a str,
    /// The navigation entry shown as current (`katalog`, `konto`, …).
    pub section: &'static str,
    pub feed: Option<&'a str>,
    /// Pages that should not be indexed (forms, notices, 404).
    pub noindex: bool,
}

/// The site as a whole: its public address and the version its stylesheet and script are
/// linked with. `csp build` writes it to `function-data/site.json` for the function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteMeta {
    pub base_url: String,
    pub asset_version: String,
}

/// The person signed in, as the header shows them.
#[derive(Debug, Clone, Serialize)]
pub struct SessionMeta<'a> {
    pub name: &'a str,
}
