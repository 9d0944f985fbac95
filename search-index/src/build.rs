//! Building the index from the typed catalog.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use catalog::{Catalog, Offering};
use tantivy::indexer::NoMergePolicy;
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

use crate::analyzer::register_tokenizers;
use crate::error::SearchError;
use crate::schema::{Fields, Row, RowCategory};

/// What [`build_index`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct IndexStats {
    /// Indexed (published) offerings.
    pub documents: usize,
    /// Size of the index files on disk.
    pub bytes: u64,
    /// Time spent building, writing included.
    #[serde(serialize_with = "micros")]
    pub took: Duration,
}

fn micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// The writer's memory budget: enough for 10,000 offerings in one segment.
const WRITER_MEMORY: usize = 200_000_000;

/// Indexes every published offering of `catalog` into `dir`, replacing what was there.
///
/// The index is written to a sibling folder first and moved into place only when complete,
/// so a failed build leaves the previous index untouched. The same catalog always gives an
/// index that answers every query the same way (scores from index-wide statistics, ties
/// broken by id), though the files and segments differ from build to build.
pub fn build_index(catalog: &Catalog, dir: &Path) -> Result<IndexStats, SearchError> {
    let started = Instant::now();
    let staging = sibling(dir, "building");
    remove_if_index(&staging)?;
    std::fs::create_dir_all(&staging).map_err(|e| SearchError::io(&staging, e))?;

    let (schema, fields) = Fields::schema();
    let index = Index::create_in_dir(&staging, schema)?;
    register_tokenizers(&index);
    let mut documents = 0;
    {
        // Two threads: documents land in two segments in no fixed order. They are not merged
        // (that took a third of the build): results do not depend on the segments, because
        // BM25 uses index-wide statistics, ties are broken by id and rows are ordered by id
        // when the index is opened.
        let mut writer: IndexWriter = index.writer_with_num_threads(2, WRITER_MEMORY)?;
        writer.set_merge_policy(Box::new(NoMergePolicy));
        for offering in catalog.published() {
            writer.add_document(document(catalog, offering, &fields)?)?;
            documents += 1;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
    }
    drop(index);
    tidy(&staging)?;

    let bytes = folder_size(&staging)?;
    remove_if_index(dir)?;
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| SearchError::io(parent, e))?;
    }
    std::fs::rename(&staging, dir).map_err(|e| SearchError::io(dir, e))?;
    Ok(IndexStats {
        documents,
        bytes,
        took: started.elapsed(),
    })
}

/// Replaces the documents of the offerings `ids` in the index in `dir` with their state in
/// `catalog` (removing those that are gone or no longer published), in place: what the live
/// preview does after one offering changed, instead of a full [`build_index`]. An index of
/// another schema version is refused ([`SearchError::WrongVersion`]); build it anew then.
///
/// The result answers like a full build for matching and filtering; scores may differ
/// slightly until the next full build, because deleted documents count in the statistics
/// until their segment is merged away.
pub fn update_index(
    catalog: &Catalog,
    dir: &Path,
    ids: &[&str],
) -> Result<IndexStats, SearchError> {
    let started = Instant::now();
    let index = Index::open_in_dir(dir)?;
    let fields =
        Fields::of(&index.schema()).ok_or_else(|| SearchError::WrongVersion(dir.to_owned()))?;
    register_tokenizers(&index);
    let mut documents = 0;
    {
        let mut writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY / 4)?;
        for id in ids {
            writer.delete_term(Term::from_field_text(fields.id, id));
            if let Some(offering) = catalog.offering(id).filter(|o| o.is_published()) {
                writer.add_document(document(catalog, offering, &fields)?)?;
                documents += 1;
            }
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
    }
    drop(index);
    tidy(dir)?;
    Ok(IndexStats {
        documents,
        bytes: folder_size(dir)?,
        took: started.elapsed(),
    })
}

fn document(
    catalog: &Catalog,
    offering: &Offering,
    f: &Fields,
) -> Result<TantivyDocument, SearchError> {
    let provider_name = catalog
        .provider(&offering.provider)
        .map_or_else(|| offering.provider.clone(), |p| p.name.clone());
    let categories: Vec<RowCategory> = offering
        .categories
        .iter()
        .filter_map(|reference| {
            let (top, sub) = catalog.portfolio.resolve(reference)?;
            let top_pos = catalog
                .portfolio
                .categories
                .iter()
                .position(|c| c.id == top.id)?;
            let sub_pos = top.subcategories.iter().position(|s| s.id == sub.id)?;
            Some(RowCategory {
                top: top.id.clone(),
                top_name: top.name.clone(),
                sub: sub.id.clone(),
                sub_name: sub.name.clone(),
                order: (
                    u16::try_from(top_pos).unwrap_or(u16::MAX),
                    u16::try_from(sub_pos).unwrap_or(u16::MAX),
                ),
            })
        })
        .collect();
    let lowest = offering.lowest_price();
    let row = Row {
        id: offering.id.clone(),
        name: offering.name.clone(),
        provider_id: offering.provider.clone(),
        provider_name: provider_name.clone(),
        summary: offering.summary.clone(),
        service_type: offering.service_type.as_str().to_owned(),
        categories,
        contract_models: offering
            .contract_models
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect(),
        price: lowest.map_or(0.0, |p| p.price.to_string().parse().unwrap_or(0.0)),
        price_label: catalog::format::price_line(offering),
        maturity: catalog::format::maturity_percent(offering, &catalog.maturity_model),
        updated: offering.updated.to_string(),
    };

    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &offering.id);
    doc.add_text(f.name, &offering.name);
    doc.add_text(f.name_plain, &offering.name);
    doc.add_text(f.summary, &offering.summary);
    doc.add_text(f.provider, &provider_name);
    let category_names: Vec<&str> = row
        .categories
        .iter()
        .flat_map(|c| [c.top_name.as_str(), c.sub_name.as_str()])
        .collect();
    let mut body = vec![
        offering.description.as_str(),
        offering.service_type.label(),
        offering.provisioning_time.as_str(),
    ];
    body.extend(&category_names);
    body.extend(offering.customer_scope.iter().map(|s| s.label()));
    body.extend(offering.contract_models.iter().map(|m| m.label()));
    for plan in &offering.plans {
        body.push(plan.name.as_str());
        body.extend(plan.description.as_deref());
    }
    for text in &body {
        doc.add_text(f.body, text);
    }
    for tag in &offering.tags {
        doc.add_text(f.tags, tag);
        doc.add_text(f.suffixes, tag);
        doc.add_text(f.plain, tag);
    }
    for text in [offering.name.as_str(), offering.summary.as_str()] {
        doc.add_text(f.plain, text);
        doc.add_text(f.suffixes, text);
    }
    for text in std::iter::once(provider_name.as_str()).chain(category_names.iter().copied()) {
        doc.add_text(f.plain, text);
    }
    let json = serde_json::to_vec(&row).map_err(|e| SearchError::Corrupt(e.to_string()))?;
    doc.add_bytes(f.row, &json);
    Ok(doc)
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}"));
    dir.with_file_name(name)
}

/// Removes `dir` if it is empty or holds a tantivy index; refuses to delete anything else,
/// so a wrong path cannot wipe a folder of other files.
fn remove_if_index(dir: &Path) -> Result<(), SearchError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(SearchError::io(dir, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        names.push(entry.map_err(|e| SearchError::io(dir, e))?.file_name());
    }
    if !names.is_empty() && !names.iter().any(|n| n == "meta.json") {
        return Err(SearchError::NotAnIndex(dir.to_owned()));
    }
    std::fs::remove_dir_all(dir).map_err(|e| SearchError::io(dir, e))
}

/// Removes the empty lock files the writer leaves and makes every file readable by all (AWS
/// Lambda runs the function as a user that does not own the deployed files).
fn tidy(dir: &Path) -> Result<(), SearchError> {
    for entry in std::fs::read_dir(dir).map_err(|e| SearchError::io(dir, e))? {
        let path = entry.map_err(|e| SearchError::io(dir, e))?.path();
        if path.extension().is_some_and(|e| e == "lock") {
            std::fs::remove_file(&path).map_err(|e| SearchError::io(&path, e))?;
            continue;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
                .map_err(|e| SearchError::io(&path, e))?;
        }
    }
    Ok(())
}

pub(crate) fn folder_size(dir: &Path) -> Result<u64, SearchError> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| SearchError::io(dir, e))? {
        let entry = entry.map_err(|e| SearchError::io(dir, e))?;
        let meta = entry
            .metadata()
            .map_err(|e| SearchError::io(&entry.path(), e))?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}
