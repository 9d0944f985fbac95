//! `csp build`: renders the static site into `--out` and the function's data into
//! `--data-out`.
//!
//! The flow is one way: load and validate the catalog, derive the [`site::Site`] model
//! (published offerings only), render every page in parallel into a staging folder beside
//! the target (the output before the previous one, reused: see [`output`]), write exports
//! and assets, and meanwhile, on a thread of its own, the function's data; then check every
//! internal link, remove files the site no longer has, and only then swap the staging
//! folders in. Any error on the way leaves the previous `public/` and `function-data/`
//! exactly as they were.
//!
//! - [`site`]: the model all pages render from; listings and pagination.
//! - [`render`]: Tera, one small context per page.
//! - [`templates`]: loading the theme's templates, and which build on which.
//! - [`facets`]: the overview's filter facets.
//! - [`views`]: per-page view models, formatted in German.
//! - [`markdown`]: Markdown to sanitised HTML (provider content is untrusted).
//! - [`exports`]: JSON, CSV, Atom, sitemap, robots and the data files for the JavaScript.
//! - [`links`]: the internal-link check.
//! - [`assets`]: the theme's stylesheet, script and images, minified.
//! - [`output`]: staging folders and the reserve, minifying, writing.
//! - [`function_data`]: `catalog.json`, the templates and `site.json`, the search index.

pub mod assets;
pub mod exports;
pub mod facets;
pub mod fragments;
pub mod function_data;
pub mod links;
pub mod manifest;
pub mod markdown;
pub mod output;
pub mod render;
pub mod site;
pub mod templates;
pub mod views;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use links::LinkIndex;

/// The allocator of the whole `csp` binary (it is declared here because the build is why).
/// A build of 10,000 offerings renders 25,000 pages through Tera, whose contexts and
/// expressions are millions of small strings and JSON values: glibc's `malloc`, `free` and
/// `realloc` were a fifth of the build's instructions. jemalloc took 10-20 % less CPU time
/// with less peak memory; mimalloc was as fast but used 70 MB more.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
use output::Staging;
use render::{Job, Renderer};
use site::Site;

/// Where `csp build` reads from and writes to.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub content: PathBuf,
    pub theme: PathBuf,
    pub out: PathBuf,
    pub data_out: PathBuf,
}

/// The environment variable with the site's public address (canonical links, sitemap,
/// feeds); the function reads the same one.
pub const PUBLIC_URL_VAR: &str = "CSP_PUBLIC_URL";
pub const DEFAULT_PUBLIC_URL: &str = "http://localhost:8080";

/// Time per page step (render, links, write) summed over the threads, with
/// `CSP_BUILD_TIMINGS`.
static STEP_NANOS: [std::sync::atomic::AtomicU64; 3] =
    [const { std::sync::atomic::AtomicU64::new(0) }; 3];

/// Rendering time and page count per kind of page (see [`kind_index`]), with
/// `CSP_BUILD_TIMINGS`.
static KIND_NANOS: [std::sync::atomic::AtomicU64; 4] =
    [const { std::sync::atomic::AtomicU64::new(0) }; 4];
static KIND_PAGES: [std::sync::atomic::AtomicU64; 4] =
    [const { std::sync::atomic::AtomicU64::new(0) }; 4];
const KIND_NAMES: [&str; 4] = ["detail", "order", "listing", "other"];

fn kind_index(job: Job) -> usize {
    match job {
        Job::Offering(_) => 0,
        Job::Order(_) => 1,
        Job::Listing { .. } => 2,
        _ => 3,
    }
}

/// What a successful build wrote.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    /// Cache-busting version of the theme's assets, as the pages reference them.
    pub asset_version: String,
    pub pages: usize,
    pub files: usize,
    pub bytes: u64,
    pub offerings: usize,
    pub seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("Die Inhalte sind nicht gültig; es wurde nichts geschrieben.\n{0}")]
    Content(String),
    #[error("Vorlage `{template}`: {message}")]
    Template { template: String, message: String },
    #[error("{} defekte interne Links; es wurde nichts geschrieben:\n{}", .0.len(), broken_list(.0))]
    BrokenLinks(Vec<(String, String)>),
    /// The message names the I/O error itself, so it is not also given as `source`: the CLI
    /// prints an error's whole chain, which showed the reason twice.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("Daten konnten nicht geschrieben werden: {0}")]
    Data(String),
    #[error("Skript {}: {message}", .path.display())]
    Script { path: PathBuf, message: String },
}

fn broken_list(broken: &[(String, String)]) -> String {
    broken
        .iter()
        .take(50)
        .map(|(target, source)| {
            format!("  {source} verlinkt {target}, aber diese Seite gibt es nicht")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> BuildError {
    BuildError::Io {
        path: path.to_owned(),
        error: source,
    }
}

/// The `csp build` command.
pub fn run(options: &BuildOptions) -> anyhow::Result<()> {
    let report = build(options)?;
    if std::env::var_os(PUBLIC_URL_VAR).is_none() {
        // Right for a local preview, wrong for a published site: the canonical links, the
        // sitemap, the feeds and the CSV would all point at this machine.
        eprintln!(
            "Hinweis: {PUBLIC_URL_VAR} ist nicht gesetzt. Kanonische Links, Sitemap, Feeds und \
             CSV zeigen auf {DEFAULT_PUBLIC_URL}. Zum Veröffentlichen: \
             {PUBLIC_URL_VAR}=https://portal.example csp build"
        );
    }
    println!(
        "Portal gebaut: {} Angebote, {} Seiten, {} Dateien ({:.1} MB) in {:.2} s → {}",
        report.offerings,
        report.pages,
        report.files,
        report.bytes as f64 / 1_000_000.0,
        report.seconds,
        options.out.display()
    );
    Ok(())
}

/// Builds the site and the function's data; see the module documentation.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let catalog = catalog::load_catalog(&options.content).map_err(|problems| {
        let problems = problems.into_sorted();
        BuildError::Content(crate::check::render(
            &problems,
            crate::check::ReportFormat::Human,
        ))
    })?;
    build_loaded(options, &catalog, started)
}

/// Builds from a catalog the caller has already loaded and validated (`csp serve` keeps it).
pub fn build_catalog(
    options: &BuildOptions,
    catalog: &catalog::Catalog,
) -> Result<BuildReport, BuildError> {
    build_loaded(options, catalog, Instant::now())
}

fn build_loaded(
    options: &BuildOptions,
    catalog: &catalog::Catalog,
    started: Instant,
) -> Result<BuildReport, BuildError> {
    // `CSP_BUILD_TIMINGS=1` prints how long each phase took (for the benchmark).
    let timings = std::env::var_os("CSP_BUILD_TIMINGS").is_some();
    let phase = |name: &str| {
        if timings {
            eprintln!("{:>8.3} s  {name}", started.elapsed().as_secs_f64());
        }
    };
    let base_url = std::env::var(PUBLIC_URL_VAR)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned());
    phase("catalog loaded");
    let site = Site::new(catalog, &base_url);
    phase("site model");

    let public = Staging::reusing(&options.out).map_err(|e| io_error(&options.out, e))?;
    let data = Staging::new(&options.data_out).map_err(|e| io_error(&options.data_out, e))?;
    let root = public.dir.clone();

    let (asset_version, mut files) = assets::write_assets(&options.theme, &public)?;
    let theme = templates::load_theme(&options.theme)?;
    let renderer = Renderer::with_templates(
        &site,
        std::sync::Arc::new(theme.tera),
        asset_version.clone(),
        None,
    )?;
    let function_pages = function_data::FunctionPages {
        templates: theme.minified,
        site: catalog::layout::SiteMeta {
            base_url: base_url.clone(),
            asset_version: asset_version.clone(),
        },
    };
    phase("tiles and assets");

    // The function's data (order snapshot, search index) needs nothing of the pages: it is
    // written on a thread of its own (tantivy's writer runs its own threads) while the
    // pages and exports are rendered and written on rayon's.
    let (pages, exports, data_written, existing) = std::thread::scope(|scope| {
        // A reused staging folder: what it holds, to remove what the site no longer has.
        let existing = scope.spawn(|| public.existing_files());
        let data_thread = scope.spawn(|| {
            let t0 = Instant::now();
            let result = function_data::write_function_data(catalog, &function_pages, &data.dir);
            (result, t0.elapsed())
        });
        let (pages, exports) = rayon::join(
            || render_pages(&renderer, &public, timings),
            || {
                let mut files = HashSet::new();
                let t0 = Instant::now();
                let sitemap_paths = sitemap_paths(&renderer);
                let bytes = write_exports(
                    &site,
                    &sitemap_paths,
                    &root,
                    &mut files,
                    &|_, path, content| public.write(path, content),
                );
                (bytes.map(|b| (b, files)), t0.elapsed())
            },
        );
        phase("pages and exports written");
        let data_written = data_thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let existing = existing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (pages, exports, data_written, existing)
    });
    let pages = pages?;
    let (export_bytes, export_files) = exports.0?;
    data_written.0?;
    phase("function data written");
    if timings {
        for (name, nanos) in ["render", "links", "write"].iter().zip(&STEP_NANOS) {
            let seconds = nanos.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e9;
            eprintln!("          pages, {name}: {seconds:.3} s (summed over threads)");
        }
        for (i, name) in KIND_NAMES.iter().enumerate() {
            use std::sync::atomic::Ordering::Relaxed;
            let seconds = KIND_NANOS[i].load(Relaxed) as f64 / 1e9;
            let pages = KIND_PAGES[i].load(Relaxed);
            eprintln!(
                "            render {name}: {pages} pages, {seconds:.3} s, {:.0} µs per page",
                seconds * 1e6 / pages.max(1) as f64
            );
        }
        eprintln!("          exports: {:.3} s", exports.1.as_secs_f64());
        eprintln!(
            "          function data (snapshot, search index): {:.3} s",
            data_written.1.as_secs_f64()
        );
    }
    files.extend(pages.files);
    files.extend(export_files);
    let page_count = pages.count;

    let broken = pages.links.broken(&files);
    if !broken.is_empty() {
        return Err(BuildError::BrokenLinks(broken));
    }
    phase("links checked");

    let existing = existing.map_err(|e| io_error(&public.dir, e))?;
    let stale = public
        .remove_stale(&existing, &files)
        .map_err(|e| io_error(&public.dir, e))?;
    if timings {
        let (vouched, compared) = public.kept();
        eprintln!(
            "          staging folder: {}, {} files there before, {stale} of them removed",
            if public.reused() { "reused" } else { "new" },
            existing.len()
        );
        eprintln!(
            "          unchanged files: {vouched} vouched for by the manifest, {compared} compared by content"
        );
    }
    phase("stale files removed");

    public.commit().map_err(|e| io_error(&options.out, e))?;
    data.commit().map_err(|e| io_error(&options.data_out, e))?;
    phase("swapped in");
    Ok(BuildReport {
        asset_version,
        pages: page_count,
        files: files.len(),
        bytes: pages.bytes + export_bytes,
        offerings: site.offerings.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What rendering the pages gave: their links, file keys, count and bytes.
#[derive(Default)]
struct PagesWritten {
    links: LinkIndex,
    files: Vec<String>,
    count: usize,
    bytes: u64,
    /// The page being rendered (one buffer per thread).
    html: Vec<u8>,
}

impl PagesWritten {
    fn merge(mut self, other: PagesWritten) -> PagesWritten {
        self.links = self.links.merge(other.links);
        self.files.extend(other.files);
        self.count += other.count;
        self.bytes += other.bytes;
        self
    }
}

/// The links of the tiles that listing pages show, each tile read once and its links
/// attributed to the first listing page that shows it; and which tiles the listing pages'
/// check may skip (those without relative links, whose targets are the same on every page).
fn tile_links(renderer: &Renderer<'_, '_>) -> (LinkIndex, Vec<bool>) {
    let tiles = renderer.tiles();
    let mut index = LinkIndex::default();
    let mut skippable = vec![false; tiles.len()];
    let mut seen = vec![false; tiles.len()];
    for listing in &renderer.site.listings {
        for (position, &i) in listing.members.iter().enumerate() {
            if i < tiles.len() && !seen[i] {
                seen[i] = true;
                skippable[i] = links::links_are_absolute(&tiles[i]);
                index.add_page(
                    &listing.page_path(position / site::PER_PAGE + 1),
                    tiles[i].as_bytes(),
                );
            }
        }
    }
    (index, skippable)
}

/// Renders every page, collects its internal links and writes it, in parallel. The tiles
/// of listing pages are not read again: `tile_links` read them once.
fn render_pages(
    renderer: &Renderer<'_, '_>,
    staging: &Staging,
    timings: bool,
) -> Result<PagesWritten, BuildError> {
    let (tile_links, skippable) = tile_links(renderer);
    let written = renderer
        .jobs()
        .par_iter()
        .try_fold(PagesWritten::default, |mut done, &job| {
            let path = renderer.path(job);
            let t0 = Instant::now();
            // The templates were minified once when they were loaded (see `render`).
            let mut html = std::mem::take(&mut done.html);
            let without_links = renderer.render_into(job, &path, &mut html)?;
            let t1 = Instant::now();
            // Header and footer are the same on every page (`base.html` writes them from
            // constants): their links are checked on the start page, the others' `<main>`.
            let scanned = match (job, memchr::memmem::find(&html, b"<main")) {
                (Job::Home, _) | (_, None) => &html[..],
                (_, Some(main)) => {
                    let end = memchr::memmem::rfind(&html[main..], b"</main>")
                        .map_or(html.len(), |end| main + end);
                    &html[main..end]
                }
            };
            match job {
                Job::Listing { listing, page } => {
                    let members =
                        renderer.listing_page_members(&renderer.site.listings[listing], page);
                    let checked: Vec<&str> = members
                        .iter()
                        .filter(|&&i| skippable.get(i).copied().unwrap_or(false))
                        .map(|&i| renderer.tiles()[i].as_str())
                        .collect();
                    done.links.add_page_skipping(&path, scanned, &checked);
                }
                _ => {
                    let checked: Vec<&str> = without_links.iter().map(String::as_str).collect();
                    done.links.add_page_skipping(&path, scanned, &checked);
                }
            }
            let t2 = Instant::now();
            let key = staging
                .write(&path, &html)
                .map_err(|e| io_error(&staging.dir, e))?;
            let t3 = Instant::now();
            if timings {
                use std::sync::atomic::Ordering::Relaxed;
                STEP_NANOS[0].fetch_add((t1 - t0).as_nanos() as u64, Relaxed);
                STEP_NANOS[1].fetch_add((t2 - t1).as_nanos() as u64, Relaxed);
                STEP_NANOS[2].fetch_add((t3 - t2).as_nanos() as u64, Relaxed);
                KIND_NANOS[kind_index(job)].fetch_add((t1 - t0).as_nanos() as u64, Relaxed);
                KIND_PAGES[kind_index(job)].fetch_add(1, Relaxed);
            }
            done.files.push(key);
            done.count += 1;
            done.bytes += html.len() as u64;
            done.html = html;
            Ok(done)
        })
        .try_reduce(PagesWritten::default, |a, b| Ok(a.merge(b)))?;
    Ok(PagesWritten {
        links: written.links.merge(tile_links),
        ..written
    })
}

/// Writes one file of the site below a folder (the first argument); returns its key.
pub(crate) type WriteFile<'a> = dyn Fn(&Path, &str, &[u8]) -> std::io::Result<String> + Sync + 'a;

/// The pages listed in the sitemap: everything but forms and the 404 page.
pub(crate) fn sitemap_paths(renderer: &Renderer<'_, '_>) -> Vec<String> {
    renderer
        .jobs()
        .into_iter()
        .filter(|job| {
            !matches!(
                job,
                Job::NotFound | Job::Order(_) | Job::Register | Job::SignIn | Job::Need
            )
        })
        .map(|job| renderer.path(job))
        .collect()
}

/// Writes every non-HTML file of the site, one at a time (the catalog exports of a large
/// catalog are tens of megabytes each); returns the bytes written.
/// `write` is [`Staging::write`] for a staging folder and [`output::replace_if_changed`]
/// for the folder `csp serve` is serving.
pub(crate) fn write_exports(
    site: &Site<'_>,
    sitemap_paths: &[String],
    root: &Path,
    files: &mut HashSet<String>,
    write: &WriteFile<'_>,
) -> Result<u64, BuildError> {
    let data = |e: &dyn std::fmt::Display| BuildError::Data(e.to_string());
    let mut bytes = 0;
    let mut emit = |path: &str, content: &[u8]| -> Result<(), BuildError> {
        bytes += content.len() as u64;
        files.insert(write(root, path, content).map_err(|e| io_error(root, e))?);
        Ok(())
    };
    emit(
        "/cloud-services/katalog.json",
        &exports::catalog_json(site).map_err(|e| data(&e))?,
    )?;
    emit(
        "/cloud-services/katalog.schema.json",
        exports::export_schema(&site.base_url).as_bytes(),
    )?;
    emit(
        "/cloud-services/katalog.csv",
        &exports::catalog_csv(site).map_err(|e| data(&e))?,
    )?;
    emit(
        "/cloud-services/filter-data.json",
        &exports::filter_data(site).map_err(|e| data(&e))?,
    )?;
    emit(
        "/vergleich/daten.json",
        &exports::compare_data(site).map_err(|e| data(&e))?,
    )?;
    emit(
        "/sitemap.xml",
        exports::sitemap(site, sitemap_paths).as_bytes(),
    )?;
    emit("/robots.txt", exports::robots(site).as_bytes())?;
    let all: Vec<usize> = (0..site.offerings.len()).collect();
    emit(
        "/feed.xml",
        exports::atom_feed(
            site,
            &all,
            "Cloud-Service-Portal: neue und geänderte Cloud-Services",
            "/feed.xml",
            "/cloud-services/",
        )
        .as_bytes(),
    )?;
    for listing in &site.listings {
        if let Some(feed) = listing.feed.as_deref().filter(|f| *f != "/feed.xml") {
            let title = format!("Cloud-Service-Portal: {}", listing.title);
            emit(
                feed,
                exports::atom_feed(site, &listing.members, &title, feed, &listing.path).as_bytes(),
            )?;
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeMap;
    use std::fs;

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn copy_dir(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                copy_dir(&entry.path(), &to.join(entry.file_name()));
            } else {
                fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
    }

    fn snapshot(dir: &Path, prefix: &str, files: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let key = format!("{prefix}/{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                snapshot(&entry.path(), &key, files);
            } else {
                files.insert(key, fs::read(entry.path()).unwrap());
            }
        }
    }

    fn site(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        snapshot(dir, "", &mut files);
        files
    }

    fn options(content: &Path, out: &Path) -> BuildOptions {
        BuildOptions {
            content: content.to_owned(),
            theme: repo().join("themes/default"),
            out: out.join("public"),
            data_out: out.join("function-data"),
        }
    }

    /// A site built over a reused, older output is byte for byte the site built into an
    /// empty folder: changed pages rewritten, pages of a removed offering gone.
    #[test]
    fn rebuilding_over_the_reserve_gives_the_same_site_as_a_new_build() {
        let content = tempfile::tempdir().unwrap();
        copy_dir(&repo().join("content"), content.path());
        let out = tempfile::tempdir().unwrap();
        let options = options(content.path(), out.path());
        build(&options).unwrap();
        build(&options).unwrap();
        // The third build reuses the first one's output.
        let offering = content.path().join("offerings/ddatabox.yaml");
        fs::remove_file(&offering).unwrap();
        let report = build(&options).unwrap();
        let rebuilt = site(&options.out);
        assert!(!rebuilt.contains_key("/cloud-services/ddatabox/index.html"));

        let fresh = tempfile::tempdir().unwrap();
        let fresh_options = BuildOptions {
            out: fresh.path().join("public"),
            data_out: fresh.path().join("function-data"),
            ..options.clone()
        };
        build(&fresh_options).unwrap();
        let fresh_site = site(&fresh_options.out);
        assert_eq!(
            rebuilt.keys().collect::<Vec<_>>(),
            fresh_site.keys().collect::<Vec<_>>()
        );
        for (key, bytes) in &fresh_site {
            assert!(rebuilt[key] == *bytes, "{key} differs");
        }
        assert_eq!(report.files, fresh_site.len());
        // No folder of the removed offering is left behind either.
        assert!(!options.out.join("cloud-services/ddatabox").exists());
        assert!(!options.out.join("bestellen/ddatabox").exists());
    }
}
