//! What the theme's layout (`base.html`) reads on every page, static or rendered by the
//! function: the page's title and place in the site, and the site's address and asset version.

use std::path::{Path, PathBuf};

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

/// A template file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct TemplateReadError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Every template (`*.html`) below `dir` as (name, source), sorted, each named by its path
/// below `dir` with `/` as Tera knows it: how the generator and the function read a theme.
pub fn read_templates(dir: &Path) -> Result<Vec<(String, String)>, TemplateReadError> {
    let error = |path: &Path| {
        let path = path.to_owned();
        move |source| TemplateReadError { path, source }
    };
    let mut sources = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).map_err(error(&folder))? {
            let path = entry.map_err(error(&folder))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let source = std::fs::read_to_string(&path).map_err(error(&path))?;
                sources.push((template_name(dir, &path), source));
            }
        }
    }
    sources.sort();
    Ok(sources)
}

/// The name Tera knows a template file by: its path below the templates folder.
pub fn template_name(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}
