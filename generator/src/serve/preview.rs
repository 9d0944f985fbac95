//! The preview's build state: the last good catalog, templates and tiles, what each listing
//! page shows, and the rebuild that a batch of changes needs.
//!
//! A full build writes the site exactly as `csp build` does. After that:
//!
//! - A change to offering files writes those offerings' own pages first, from just what
//!   they need (the offering, its provider, the portfolio and maturity model), then the
//!   listing pages whose tiles it touches, and the pages and exports that summarise the whole
//!   catalog. Listing pages are tracked by the ids they show, so a page is re-rendered only
//!   if its list changed or it shows a changed offering; tiles are kept per offering.
//! - A change to templates reloads them and re-renders the pages whose template is one of
//!   them or builds on one (`{% extends %}`, `{% include %}`, components; see
//!   [`templates::Dependencies`]); a tile change re-renders the pages that show tiles; the
//!   function gets the new templates and renders its pages with them.
//!
//! An invalid file never replaces the last good site: nothing is written before the new
//! content or templates loaded, and the changes of a failed rebuild are redone with the next
//! batch, so fixing one file does not forget another one's change.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::build::render::{self, Job, Renderer};
use crate::build::site::{PER_PAGE, Site};
use crate::build::{self, BuildError, BuildOptions, assets, function_data, output, templates};
use crate::check::{ReportFormat, render as render_problems};

use super::watch::ChangeKind;

/// What the last rebuild did; served at `/__csp/status` and printed in the terminal.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RebuildReport {
    /// Increases with every successful rebuild.
    pub generation: u64,
    /// `full`, `offering`, `template`, `asset` or `failed`.
    pub kind: String,
    pub changed: Vec<String>,
    /// URL paths of the pages rendered by this rebuild.
    pub rendered: Vec<String>,
    /// From the first file event of the batch until the rebuild started (the watcher's
    /// debounce, and a rebuild still running).
    pub waited_ms: f64,
    /// From the start of the rebuild until the changed offerings' detail pages were written.
    pub detail_ms: Option<f64>,
    pub total_ms: f64,
}

/// Held for writing while a full build swaps the new site in, so that no request sees the
/// site folder half-swapped; incremental rebuilds replace files atomically and need no gate.
pub type SiteGate = Arc<tokio::sync::RwLock<()>>;

pub struct Preview {
    pub options: BuildOptions,
    catalog: Option<catalog::Catalog>,
    asset_version: String,
    /// For every listing path, the offering ids on each of its pages.
    listing_pages: BTreeMap<String, Vec<Vec<String>>>,
    /// The templates of the last good site.
    templates: Option<Arc<tera::Tera>>,
    /// Each published offering's rendered tile, by id.
    tiles: HashMap<String, String>,
    /// The changes of a failed rebuild, redone with the next batch.
    pending: Vec<ChangeKind>,
    pub gate: Option<SiteGate>,
    pub report: RebuildReport,
    /// The current problems as the terminal shows them; `None` when everything is valid.
    pub error: Option<String>,
}

type Rebuilt = (&'static str, Vec<String>, Option<f64>);

impl Preview {
    pub fn new(options: BuildOptions) -> Preview {
        Preview {
            options,
            catalog: None,
            asset_version: String::new(),
            listing_pages: BTreeMap::new(),
            templates: None,
            tiles: HashMap::new(),
            pending: Vec::new(),
            gate: None,
            report: RebuildReport::default(),
            error: None,
        }
    }

    /// Applies a batch of changes, whose first file event came at `noticed`. On failure the
    /// previous site stays and `error` is set.
    pub fn apply(&mut self, changes: &[ChangeKind], noticed: Instant) {
        let started = Instant::now();
        let waited_ms = started.saturating_duration_since(noticed).as_secs_f64() * 1000.0;
        let changed: Vec<String> = changes
            .iter()
            .map(|c| display_change(c, &self.options))
            .collect();
        let mut batch = std::mem::take(&mut self.pending);
        for change in changes {
            if !batch.contains(change) {
                batch.push(change.clone());
            }
        }
        match self.rebuild(&batch, started) {
            Ok((kind, rendered, detail_ms)) => {
                self.error = None;
                self.report = RebuildReport {
                    generation: self.report.generation + 1,
                    kind: kind.to_string(),
                    changed,
                    rendered,
                    waited_ms,
                    detail_ms,
                    total_ms: started.elapsed().as_secs_f64() * 1000.0,
                };
            }
            Err(message) => {
                self.error = Some(message);
                self.report.kind = "failed".into();
                self.report.changed = changed;
                self.pending = batch;
            }
        }
    }

    /// The cheapest rebuild that covers every change of the batch.
    fn rebuild(&mut self, batch: &[ChangeKind], started: Instant) -> Result<Rebuilt, String> {
        if self.catalog.is_none() || batch.is_empty() {
            return self.full_build().map(|r| ("full", r, None));
        }
        if batch.iter().all(|c| matches!(c, ChangeKind::Asset(_))) {
            return self.copy_assets(batch).map(|r| ("asset", r, None));
        }
        let offerings: Option<Vec<PathBuf>> = batch
            .iter()
            .map(|c| match c {
                ChangeKind::Offering(p) if p.is_file() => Some(p.clone()),
                _ => None,
            })
            .collect();
        if let Some(paths) = offerings {
            return self
                .rebuild_offerings(&paths, started)
                .map(|(r, detail)| ("offering", r, Some(detail)));
        }
        // A new or deleted template: a full build.
        let templates: Option<Vec<String>> = batch
            .iter()
            .map(|c| match c {
                ChangeKind::Template(p) if p.is_file() => self.known_template(p),
                _ => None,
            })
            .collect();
        if let Some(names) = templates {
            return self
                .rebuild_templates(&names)
                .map(|r| ("template", r, None));
        }
        self.full_build().map(|r| ("full", r, None))
    }

    fn site_dir(&self) -> &Path {
        &self.options.out
    }

    /// The whole site, as `csp build` writes it.
    pub fn full_build(&mut self) -> Result<Vec<String>, String> {
        let catalog = catalog::load_catalog(&self.options.content)
            .map_err(|problems| render_problems(&problems.into_sorted(), ReportFormat::Human))?;
        let report = {
            let gate = self.gate.clone();
            let _swapping = gate.as_ref().map(|g| g.blocking_write());
            build::build_catalog(&self.options, &catalog).map_err(|e| e.to_string())?
        };
        self.asset_version = report.asset_version;
        let site = Site::new(&catalog, &base_url());
        self.listing_pages = listing_pages(&site);
        // The templates and tiles the next incremental rebuilds start from.
        let renderer = Renderer::new(&site, &self.options.theme, self.asset_version.clone())
            .map_err(|e| e.to_string())?;
        self.keep(&site, renderer);
        drop(site);
        self.catalog = Some(catalog);
        Ok(vec![format!("{} Seiten", report.pages)])
    }

    /// Keeps a renderer's templates and tiles for the next rebuild.
    fn keep(&mut self, site: &Site<'_>, renderer: Renderer<'_, '_>) {
        let (tera, tiles) = renderer.into_parts();
        self.templates = Some(tera);
        self.tiles = site
            .offerings
            .iter()
            .map(|info| info.offering.id.clone())
            .zip(tiles)
            .collect();
    }

    /// The name of a template the last good site was rendered with; `None` for a new one.
    fn known_template(&self, path: &Path) -> Option<String> {
        let dir = std::fs::canonicalize(templates::dir(&self.options.theme)).ok()?;
        path.strip_prefix(&dir).ok()?;
        let name = templates::name(&dir, path);
        self.templates
            .as_ref()?
            .get_template_names()
            .any(|known| known == name)
            .then_some(name)
    }

    fn rebuild_templates(&mut self, changed: &[String]) -> Result<Vec<String>, String> {
        let Some(catalog) = self.catalog.take() else {
            return self.full_build();
        };
        let result = self.render_templates(&catalog, changed);
        self.catalog = Some(catalog);
        result
    }

    fn render_templates(
        &mut self,
        catalog: &catalog::Catalog,
        changed: &[String],
    ) -> Result<Vec<String>, String> {
        let theme = &self.options.theme;
        // A template that does not parse fails here, before anything is written.
        let templates::Theme {
            tera,
            dependencies,
            minified,
        } = templates::load_theme(theme).map_err(|e| e.to_string())?;
        let tera = Arc::new(tera);
        let affected = dependencies.affected(changed.iter().map(String::as_str));
        let site = Site::new(catalog, &base_url());
        let tiles = if affected.contains(render::TILE_TEMPLATE) {
            None
        } else {
            take_tiles(&mut self.tiles, &site)
        };
        let renderer = Renderer::with_templates(&site, tera, self.asset_version.clone(), tiles)
            .map_err(|e| e.to_string())?;
        let jobs: Vec<Job> = renderer
            .jobs()
            .into_iter()
            .filter(|&job| {
                affected.contains(render::template_of(job))
                    || render::fragment_templates(job)
                        .iter()
                        .any(|t| affected.contains(*t))
            })
            .collect();
        // One page of each template first, so that an error while rendering (an unknown
        // variable, say) is found before any page is replaced.
        let mut tried = BTreeSet::new();
        for &job in &jobs {
            if tried.insert(render::template_of(job)) {
                renderer
                    .render(job, &renderer.path(job))
                    .map_err(|e| e.to_string())?;
            }
        }
        let mut rendered = render_jobs(&renderer, &jobs, &self.options.out)?;
        // The function renders its pages from the same templates: it gets them all again
        // (a few kilobytes) and reloads them with the next catalog.
        let pages = function_data::FunctionPages {
            templates: minified,
            site: catalog::layout::SiteMeta {
                base_url: base_url(),
                asset_version: self.asset_version.clone(),
            },
        };
        function_data::write_pages(&pages, &self.options.data_out).map_err(|e| e.to_string())?;
        rendered.push("Vorlagen der Funktion".to_owned());
        self.keep(&site, renderer);
        Ok(rendered)
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
        let Some(tera) = self.templates.clone() else {
            return Err("Die Vorlagen sind nicht geladen.".to_owned());
        };
        let base_url = base_url();
        // `CSP_BUILD_TIMINGS=1` prints how long each step took (for scripts/bench-serve).
        let timings = std::env::var_os("CSP_BUILD_TIMINGS").is_some();
        let step = |name: &str| {
            if timings {
                eprintln!(
                    "{:>8.1} ms  {name}",
                    started.elapsed().as_secs_f64() * 1000.0
                );
            }
        };

        // First what the provider is looking at: the changed offerings' own pages, from just
        // what they need, without the rest of the catalog's 10,000 offerings.
        let own = Site::partial(catalog, &base_url, changed_ids);
        let renderer =
            Renderer::with_templates(&own, tera.clone(), self.asset_version.clone(), Some(vec![]))
                .map_err(|e| e.to_string())?;
        let first: Vec<Job> = (0..own.offerings.len())
            .flat_map(|i| [Job::Offering(i), Job::Order(i)])
            .collect();
        let mut rendered = render_jobs(&renderer, &first, &self.options.out)?;
        let detail_ms = started.elapsed().as_secs_f64() * 1000.0;
        step("detail and order pages");
        for info in &own.offerings {
            let tile = renderer.render_tile(info).map_err(|e| e.to_string())?;
            self.tiles.insert(info.offering.id.clone(), tile);
        }

        // An offering that is no longer published loses its pages.
        for id in changed_ids {
            if !own.offerings.iter().any(|o| &o.offering.id == id) {
                self.tiles.remove(id);
                for path in [
                    format!("/cloud-services/{id}/"),
                    format!("/bestellen/{id}/"),
                ] {
                    let _ = std::fs::remove_dir_all(self.site_dir().join(path.trim_matches('/')));
                    rendered.push(format!("{path} (entfernt)"));
                }
            }
        }
        drop(renderer);

        // Then every page that lists or summarises offerings and whose content changed.
        step("tiles");
        let site = Site::new(catalog, &base_url);
        let tiles = take_tiles(&mut self.tiles, &site);
        let renderer = Renderer::with_templates(&site, tera, self.asset_version.clone(), tiles)
            .map_err(|e| e.to_string())?;
        step("site model and renderer");
        let new_listing_pages = listing_pages(&site);
        let same_listings = new_listing_pages.keys().eq(self.listing_pages.keys());
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
        step("listing pages compared");
        rendered.extend(render_jobs(&renderer, &rest, self.site_dir())?);
        step("listing and summary pages");
        // The function's data needs nothing of the pages: the order snapshot (so orders in
        // the preview see the change at once) and the search index (the changed offerings'
        // documents replaced in place) are written on a thread of their own meanwhile.
        let data_dir = &self.options.data_out;
        let (exports, data) = std::thread::scope(|scope| {
            let data = scope.spawn(|| update_function_data(catalog, changed_ids, data_dir));
            let mut files = std::collections::HashSet::new();
            let sitemap = build::sitemap_paths(&renderer);
            let exports = build::write_exports(
                &site,
                &sitemap,
                self.site_dir(),
                &mut files,
                &output::replace_if_changed,
            )
            .map(|_| files.len())
            .map_err(|e| e.to_string());
            step("exports");
            let data = data
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (exports, data)
        });
        rendered.push(format!("{} Exporte und Feeds", exports?));
        data?;
        step("order snapshot and search index");
        rendered.push("Bestelldaten".to_owned());
        rendered.push("Suchindex".to_owned());
        self.listing_pages = new_listing_pages;
        self.keep(&site, renderer);
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
            let content = assets::publish_asset(path, raw).map_err(|e| e.to_string())?;
            let url = format!("/assets/{name}");
            write_atomically(self.site_dir(), &url, &content)?;
            written.push(url);
        }
        Ok(written)
    }
}

/// The function's order snapshot and search index after offerings changed.
fn update_function_data(
    catalog: &catalog::Catalog,
    changed_ids: &BTreeSet<String>,
    data_dir: &Path,
) -> Result<(), String> {
    // Written beside and renamed over the old one: the function may be reading it.
    let path = data_dir.join("catalog.json");
    let temporary = data_dir.join(".catalog.json.tmp");
    function_data::write_snapshot(catalog, &temporary).map_err(|e| e.to_string())?;
    std::fs::rename(&temporary, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    let ids: Vec<&str> = changed_ids.iter().map(String::as_str).collect();
    let index_dir = data_dir.join("search-index");
    if let Err(e) = search_index::update_index(catalog, &index_dir, &ids) {
        search_index::build_index(catalog, &index_dir)
            .map_err(|full| format!("Suchindex: {e}; Neuaufbau: {full}"))?;
    }
    Ok(())
}

/// The kept tiles in the order of `site.offerings`, taken out of `kept`; `None` (render them
/// all) if one is missing.
fn take_tiles(kept: &mut HashMap<String, String>, site: &Site<'_>) -> Option<Vec<String>> {
    if !site
        .offerings
        .iter()
        .all(|info| kept.contains_key(&info.offering.id))
    {
        return None;
    }
    site.offerings
        .iter()
        .map(|info| kept.remove(&info.offering.id))
        .collect()
}

/// Renders and writes pages in parallel; returns their URL paths.
fn render_jobs(
    renderer: &Renderer<'_, '_>,
    jobs: &[Job],
    root: &Path,
) -> Result<Vec<String>, String> {
    jobs.par_iter()
        .map(|&job| {
            let path = renderer.path(job);
            let html = renderer
                .render(job, &path)
                .map_err(|e: BuildError| e.to_string())?;
            write_atomically(root, &path, &output::minify(&html))?;
            Ok(path)
        })
        .collect()
}

/// Writes a file of the site or the function's data through a temporary file beside it, so
/// that the server, which keeps serving while the preview rebuilds, never sends half a page.
fn write_atomically(root: &Path, url_path: &str, bytes: &[u8]) -> Result<(), String> {
    output::replace_if_changed(root, url_path, bytes)
        .map(drop)
        .map_err(|e| format!("{}{url_path}: {e}", root.display()))
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
