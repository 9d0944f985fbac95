//! `function-data/`: what the function reads at start-up and what is never published.
//!
//! - `catalog.json`: the order snapshot ([`catalog::snapshot::OrderCatalog`], including
//!   providers' `order_email`) the order route validates against and copies from.
//! - `templates/`: the theme's templates, which the function renders its pages with (forms
//!   shown again with their messages, account, orders, search results), and `site.json`
//!   (the site's address and asset version, for the layout).
//! - `search-index/`: the full-text index (written by the `search-index` crate).

use std::path::Path;

use catalog::Catalog;

use catalog::layout::SiteMeta;

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

/// Writes everything the function needs into `dir` (a staging folder): the snapshot, the
/// theme's templates and the site's address and asset version, the search index.
pub fn write_function_data(
    catalog: &Catalog,
    pages: &FunctionPages,
    dir: &Path,
) -> Result<(), BuildError> {
    write_snapshot(catalog, &dir.join("catalog.json"))?;
    write_pages(pages, dir)?;
    write_search_index(catalog, dir)
}

/// What the function renders its pages from: the theme's templates (minified, as the build
/// loaded them) and the site's address and asset version.
pub struct FunctionPages {
    pub templates: Vec<(String, String)>,
    pub site: SiteMeta,
}

/// `templates/` and `site.json` in `dir`.
pub fn write_pages(pages: &FunctionPages, dir: &Path) -> Result<(), BuildError> {
    for (name, source) in &pages.templates {
        output::write(dir, &format!("/templates/{name}"), source.as_bytes())
            .map_err(|e| io_error(dir, e))?;
    }
    let site = serde_json::to_vec_pretty(&pages.site)
        .map_err(|e| BuildError::Data(format!("site.json: {e}")))?;
    output::write(dir, "/site.json", &site).map_err(|e| io_error(dir, e))?;
    Ok(())
}

/// `function-data/search-index/`: the function's full-text index, built from the same
/// validated catalog as the pages, so the same content always gives the same results.
fn write_search_index(catalog: &Catalog, dir: &Path) -> Result<(), BuildError> {
    search_index::build_index(catalog, &dir.join("search-index"))
        .map(|_| ())
        .map_err(|e| BuildError::Data(format!("Suchindex: {e}")))
}
