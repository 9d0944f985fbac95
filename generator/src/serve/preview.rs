//! The preview's build state: the last good catalog, what each listing page shows, and the
//! rebuild that a batch of changes needs.
//!
//! A full build writes the site exactly as `csp build` does. After that, a change to one
//! offering file re-renders only that offering's pages, the listing pages whose tiles it
//! touches, and the pages and exports that summarise the whole catalog. Listing pages are
//! tracked by the ids they show, so a page is re-rendered only if its list changed or it
//! shows a changed offering. An invalid file never replaces the last good site.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::build::render::{Job, Renderer};
use crate::build::site::{PER_PAGE, Site};
use crate::build::{self, BuildError, BuildOptions, output};
use crate::check::{ReportFormat, render as render_problems};

use super::watch::ChangeKind;

/// What the last rebuild did; served at `/__csp/status` and printed in the terminal.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RebuildReport {
    /// Increases with every successful rebuild.
    pub generation: u64,
    /// `full`, `offering`, `asset` or `failed`.
    pub kind: String,
    pub changed: Vec<String>,
    /// URL paths of the pages rendered by this rebuild.
    pub rendered: Vec<String>,
    /// From the start of the rebuild until the changed offerings' detail pages were written.
    pub detail_ms: Option<f64>,
    pub total_ms: f64,
}

pub struct Preview {
    pub options: BuildOptions,
    catalog: Option<catalog::Catalog>,
    asset_version: String,
    /// For every listing path, the offering ids on each of its pages.
    listing_pages: BTreeMap<String, Vec<Vec<String>>>,
    pub report: RebuildReport,
    /// The current problems as the terminal shows them; `None` when everything is valid.
    pub error: Option<String>,
}

impl Preview {
    pub fn new(options: BuildOptions) -> Preview {
        Preview {
            options,
            catalog: None,
            asset_version: String::new(),
            listing_pages: BTreeMap::new(),
            report: RebuildReport::default(),
            error: None,
        }
    }

    /// Applies a batch of changes. On failure the previous site stays and `error` is set.
    pub fn apply(&mut self, changes: &[ChangeKind]) {
        let started = Instant::now();
        let only_offerings = !changes.is_empty()
            && self.catalog.is_some()
            && changes
                .iter()
                .all(|c| matches!(c, ChangeKind::Offering(p) if p.is_file()));
        let only_assets =
            !changes.is_empty() && changes.iter().all(|c| matches!(c, ChangeKind::Asset(_)));
        let changed: Vec<String> = changes
            .iter()
            .map(|c| display_change(c, &self.options))
            .collect();
        let result = if only_assets && self.catalog.is_some() {
            self.copy_assets(changes)
                .map(|rendered| ("asset", rendered, None))
        } else if only_offerings {
            let paths: Vec<PathBuf> = changes
                .iter()
                .filter_map(|c| match c {
                    ChangeKind::Offering(p) => Some(p.clone()),
                    _ => None,
                })
                .collect();
            self.rebuild_offerings(&paths, started)
                .map(|(rendered, detail)| ("offering", rendered, Some(detail)))
        } else {
            self.full_build().map(|rendered| ("full", rendered, None))
        };
        match result {
            Ok((kind, rendered, detail_ms)) => {
                self.error = None;
                self.report = RebuildReport {
                    generation: self.report.generation + 1,
                    kind: kind.to_string(),
                    changed,
                    rendered,
                    detail_ms,
                    total_ms: started.elapsed().as_secs_f64() * 1000.0,
                };
            }
            Err(message) => {
                self.error = Some(message);
                self.report.kind = "failed".into();
                self.report.changed = changed;
            }
        }
    }

    fn site_dir(&self) -> &Path {
        &self.options.out
    }

    /// The whole site, as `csp build` writes it.
    pub fn full_build(&mut self) -> Result<Vec<String>, String> {
        let catalog = catalog::load_catalog(&self.options.content)
            .map_err(|problems| render_problems(&problems.into_sorted(), ReportFormat::Human))?;
        let report = build::build_catalog(&self.options, &catalog).map_err(|e| e.to_string())?;
        self.asset_version = report.asset_version;
        let site = Site::new(&catalog, &base_url());
        self.listing_pages = listing_pages(&site);
        drop(site);
        self.catalog = Some(catalog);
        Ok(vec![format!("{} Seiten", report.pages)])
    }

    fn rebuild_offerings(
        &mut self,
        paths: &[PathBuf],
        started: Instant,
    ) -> Result<(Vec<String>, f64), String> {
        let Some(mut catalog) = self.catalog.take() else {
            return self.full_build().map(|r| (r, 0.0));
        };
        // Validate every changed file against the last good catalog before touching anything.
        let mut updated = Vec::new();
        let mut problems = catalog::Diagnostics::new();
        for path in paths {
            match catalog::load_offering(path, &catalog) {
                Ok(offering) => updated.push(offering),
                Err(p) => problems.extend(p),
            }
        }
        if !problems.is_empty() {
            self.catalog = Some(catalog);
            return Err(render_problems(
                &problems.into_sorted(),
                ReportFormat::Human,
            ));
        }
        let mut changed_ids = BTreeSet::new();
        for offering in updated {
            changed_ids.insert(offering.id.clone());
            match catalog
                .offerings
                .binary_search_by(|o| o.id.cmp(&offering.id))
            {
                Ok(i) => catalog.offerings[i] = offering,
                Err(i) => catalog.offerings.insert(i, offering),
            }
        }
        let result = self.render_changed(&catalog, &changed_ids, started);
        self.catalog = Some(catalog);
        result
    }

    fn render_changed(
        &mut self,
        catalog: &catalog::Catalog,
        changed_ids: &BTreeSet<String>,
        started: Instant,
    ) -> Result<(Vec<String>, f64), String> {
        let site = Site::new(catalog, &base_url());
        let renderer = Renderer::new(&site, &self.options.theme, self.asset_version.clone())
            .map_err(|e| e.to_string())?;
        let new_listing_pages = listing_pages(&site);
        let same_listings = new_listing_pages.keys().eq(self.listing_pages.keys());

        // First what the provider is looking at: the changed offerings' own pages.
        let mut first = Vec::new();
        for (i, info) in site.offerings.iter().enumerate() {
            if changed_ids.contains(&info.offering.id) {
                first.push(Job::Offering(i));
                first.push(Job::Order(i));
            }
        }
        let mut rendered = render_jobs(&renderer, &first, self.site_dir())?;
        let detail_ms = started.elapsed().as_secs_f64() * 1000.0;

        // An offering that is no longer published loses its pages.
        for id in changed_ids {
            if !site.offerings.iter().any(|o| &o.offering.id == id) {
                for path in [
                    format!("/cloud-services/{id}/"),
                    format!("/bestellen/{id}/"),
                ] {
                    let _ = std::fs::remove_dir_all(self.site_dir().join(path.trim_matches('/')));
                    rendered.push(format!("{path} (entfernt)"));
                }
            }
        }

        // Then every page that lists or summarises offerings and whose content changed.
        let mut rest = vec![Job::Home, Job::Providers, Job::Compare];
        if same_listings {
            for (listing, l) in site.listings.iter().enumerate() {
                let old = &self.listing_pages[&l.path];
                let new = &new_listing_pages[&l.path];
                for (page, ids) in new.iter().enumerate() {
                    let moved = old.get(page) != Some(ids);
                    let shows_changed = ids.iter().any(|id| changed_ids.contains(id));
                    if moved || shows_changed || old.len() != new.len() {
                        rest.push(Job::Listing {
                            listing,
                            page: page + 1,
                        });
                    }
                }
            }
        } else {
            rest.extend(
                renderer
                    .jobs()
                    .into_iter()
                    .filter(|j| matches!(j, Job::Listing { .. })),
            );
        }
        rendered.extend(render_jobs(&renderer, &rest, self.site_dir())?);
        let mut files = std::collections::HashSet::new();
        let sitemap = build::sitemap_paths(&renderer);
        build::write_exports(&site, &sitemap, self.site_dir(), &mut files)
            .map_err(|e| e.to_string())?;
        rendered.push(format!("{} Exporte und Feeds", files.len()));
        // The order snapshot, so orders in the preview see the changed offering at once.
        let snapshot = serde_json::to_vec(&catalog::snapshot::OrderCatalog::from_catalog(catalog))
            .map_err(|e| e.to_string())?;
        let data_dir = &self.options.data_out;
        let temporary = data_dir.join(".catalog.json.tmp");
        std::fs::write(&temporary, snapshot)
            .and_then(|()| std::fs::rename(&temporary, data_dir.join("catalog.json")))
            .map_err(|e| format!("{}: {e}", data_dir.display()))?;
        rendered.push("Bestelldaten".to_owned());
        // The search index: the changed offerings' documents replaced in place.
        let ids: Vec<&str> = changed_ids.iter().map(String::as_str).collect();
        let index_dir = data_dir.join("search-index");
        if let Err(e) = search_index::update_index(catalog, &index_dir, &ids) {
            search_index::build_index(catalog, &index_dir)
                .map_err(|full| format!("Suchindex: {e}; Neuaufbau: {full}"))?;
        }
        rendered.push("Suchindex".to_owned());
        self.listing_pages = new_listing_pages;
        Ok((rendered, detail_ms))
    }

    fn copy_assets(&mut self, changes: &[ChangeKind]) -> Result<Vec<String>, String> {
        let mut written = Vec::new();
        for change in changes {
            let ChangeKind::Asset(path) = change else {
                continue;
            };
            let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            let raw = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let content = match path.extension().and_then(|e| e.to_str()) {
                Some("css") => {
                    output::minify_asset(&String::from_utf8_lossy(&raw), "style").into_bytes()
                }
                Some("js") => {
                    output::minify_asset(&String::from_utf8_lossy(&raw), "script").into_bytes()
                }
                _ => raw,
            };
            let url = format!("/assets/{name}");
            output::write(self.site_dir(), &url, &content).map_err(|e| format!("{url}: {e}"))?;
            written.push(url);
        }
        Ok(written)
    }
}

fn render_jobs(
    renderer: &Renderer<'_, '_>,
    jobs: &[Job],
    root: &Path,
) -> Result<Vec<String>, String> {
    jobs.par_iter()
        .map(|&job| {
            let path = renderer.path(job);
            let html = renderer.render(job, &path)?;
            output::write(root, &path, &output::minify(&html))
                .map_err(|e| build::io_error(root, e))?;
            Ok(path)
        })
        .collect::<Result<Vec<String>, BuildError>>()
        .map_err(|e| e.to_string())
}

/// Listing path → the ids on each of its pages, in display order.
fn listing_pages(site: &Site<'_>) -> BTreeMap<String, Vec<Vec<String>>> {
    site.listings
        .iter()
        .map(|l| {
            let ids: Vec<String> = l
                .members
                .iter()
                .map(|&i| site.offerings[i].offering.id.clone())
                .collect();
            let pages = (1..=l.page_count())
                .map(|page| {
                    let start = (page - 1) * PER_PAGE;
                    ids[start.min(ids.len())..(start + PER_PAGE).min(ids.len())].to_vec()
                })
                .collect();
            (l.path.clone(), pages)
        })
        .collect()
}

fn base_url() -> String {
    std::env::var(build::PUBLIC_URL_VAR)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| build::DEFAULT_PUBLIC_URL.to_owned())
}

fn display_change(change: &ChangeKind, options: &BuildOptions) -> String {
    let path = match change {
        ChangeKind::Offering(p)
        | ChangeKind::Asset(p)
        | ChangeKind::Template(p)
        | ChangeKind::Content(p) => p,
    };
    let relative = std::fs::canonicalize(&options.content)
        .ok()
        .and_then(|root| {
            path.strip_prefix(root.parent().unwrap_or(&root))
                .ok()
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| path.clone());
    relative.display().to_string()
}
