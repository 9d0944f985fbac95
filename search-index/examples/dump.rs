//! Prints the JSON answer for a query on the sample content (a debugging aid).
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let q = std::env::args().nth(1).unwrap_or_default();
    let catalog = catalog::load_catalog(Path::new("content")).map_err(|e| format!("{e:?}"))?;
    let dir = std::env::temp_dir().join("csp-search-dump");
    search_index::build_index(&catalog, &dir)?;
    let index = search_index::SearchIndex::open(&dir)?;
    let response = index.search(&search_index::SearchRequest::new(&q))?;
    println!("{}", serde_json::to_string_pretty(&response)?);
    Ok(())
}
