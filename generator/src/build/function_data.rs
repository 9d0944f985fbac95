//! `function-data/`: what the function reads at start-up and what is never published.
//!
//! - `catalog.json`: the order snapshot ([`catalog::snapshot::OrderCatalog`], including
//!   providers' `order_email`) the order route validates against and copies from.
//! - `shell.html`: the site's layout with the markers `<!--csp:title-->`,
//!   `<!--csp:description-->` and `<!--csp:main-->`, so pages the function renders look like
//!   the static ones without the function needing Tera.
//! - `search-index/`: the full-text index (written by the `search-index` crate).

use std::path::Path;

use catalog::Catalog;

use super::render::Renderer;
use super::{BuildError, io_error, output};

/// Writes the order snapshot of `catalog` to `path`, streamed: for 10,000 offerings it is
/// 30 MB of JSON.
pub fn write_snapshot(catalog: &Catalog, path: &Path) -> Result<(), BuildError> {
    let file = std::fs::File::create(path).map_err(|e| io_error(path, e))?;
    let mut writer = std::io::BufWriter::with_capacity(256 * 1024, file);
    catalog::snapshot::OrderCatalog::write_catalog_json(catalog, &mut writer)
        .map_err(|e| BuildError::Data(e.to_string()))?;
    writer
        .into_inner()
        .map_err(|e| io_error(path, e.into_error()))?;
    Ok(())
}

pub const TITLE_MARKER: &str = "<!--csp:title-->";
pub const DESCRIPTION_MARKER: &str = "<!--csp:description-->";
pub const MAIN_MARKER: &str = "<!--csp:main-->";

// Plain tokens survive Tera's escaping and minifying; they become the markers afterwards.
const TITLE_TOKEN: &str = "CSPSHELLTITLETOKEN";
const DESCRIPTION_TOKEN: &str = "CSPSHELLDESCRIPTIONTOKEN";
const MAIN_TOKEN: &str = "CSPSHELLMAINTOKEN";

/// Writes everything the function needs into `dir` (a staging folder).
/// `shell` comes from [`shell_html`].
pub fn write_function_data(catalog: &Catalog, shell: &str, dir: &Path) -> Result<(), BuildError> {
    write_snapshot(catalog, &dir.join("catalog.json"))?;
    output::write(dir, "/shell.html", shell.as_bytes()).map_err(|e| io_error(dir, e))?;

    write_search_index(catalog, dir)
}

/// The layout with the three markers.
pub fn shell_html(renderer: &Renderer<'_, '_>) -> Result<String, BuildError> {
    // Not minified: the minifier would unquote the description attribute around its marker.
    let html = renderer.render_shell(TITLE_TOKEN, DESCRIPTION_TOKEN, MAIN_TOKEN)?;
    Ok(html
        .replace(TITLE_TOKEN, TITLE_MARKER)
        .replace(DESCRIPTION_TOKEN, DESCRIPTION_MARKER)
        .replace(MAIN_TOKEN, MAIN_MARKER))
}

/// `function-data/search-index/`: the function's full-text index, built from the same
/// validated catalog as the pages, so the same content always gives the same results.
fn write_search_index(catalog: &Catalog, dir: &Path) -> Result<(), BuildError> {
    search_index::build_index(catalog, &dir.join("search-index"))
        .map(|_| ())
        .map_err(|e| BuildError::Data(format!("Suchindex: {e}")))
}
