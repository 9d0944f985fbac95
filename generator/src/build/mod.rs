//! `csp build`: renders the static site into `--out` and the function's data into
//! `--data-out`.
//!
//! The flow is one way: load and validate the catalog, derive the [`site::Site`] model
//! (published offerings only), render every page in parallel into a fresh staging folder
//! beside the target, write exports and assets, check every internal link, write the
//! function's data, and only then swap the staging folders in. Any error on the way leaves
//! the previous `public/` and `function-data/` exactly as they were.
//!
//! - [`site`]: the model all pages render from; listings and pagination.
//! - [`render`]: Tera, one small context per page.
//! - [`views`]: per-page view models, formatted in German.
//! - [`markdown`]: Markdown to sanitised HTML (provider content is untrusted).
//! - [`exports`]: JSON, CSV, Atom, sitemap, robots and the data files for the JavaScript.
//! - [`links`]: the internal-link check.
//! - [`output`]: staging folders, minifying, writing.
//! - [`function_data`]: `catalog.json`, `shell.html`, the search index.

pub mod exports;
pub mod function_data;
pub mod links;
pub mod markdown;
pub mod output;
pub mod render;
pub mod site;
pub mod views;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use links::LinkIndex;
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

/// CPU time per page step (render, links, minify, write), with `CSP_BUILD_TIMINGS`.
static STEP_NANOS: [std::sync::atomic::AtomicU64; 4] =
    [const { std::sync::atomic::AtomicU64::new(0) }; 4];

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
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Daten konnten nicht geschrieben werden: {0}")]
    Data(String),
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
        source,
    }
}

/// The `csp build` command.
pub fn run(options: &BuildOptions) -> anyhow::Result<()> {
    let report = build(options)?;
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

    let public = Staging::new(&options.out).map_err(|e| io_error(&options.out, e))?;
    let data = Staging::new(&options.data_out).map_err(|e| io_error(&options.data_out, e))?;
    let root = public.dir.clone();

    let (asset_version, mut files) = write_assets(&options.theme, &root)?;
    let renderer = Renderer::new(&site, &options.theme, asset_version.clone())?;

    phase("tiles and assets");
    let jobs = renderer.jobs();
    let (links, page_files, bytes) = jobs
        .par_iter()
        .map(|&job| {
            let path = renderer.path(job);
            let t0 = Instant::now();
            let html = renderer.render(job, &path)?;
            let t1 = Instant::now();
            let mut links = LinkIndex::default();
            // The header is the same on every page: its links are checked on the start page.
            let scanned = match (job, html.find("<main")) {
                (Job::Home, _) | (_, None) => html.as_str(),
                (_, Some(main)) => &html[main..],
            };
            links.add_page(&path, scanned);
            let t2 = Instant::now();
            // The templates were minified once when they were loaded (see `render`).
            let minified = html.into_bytes();
            let t3 = Instant::now();
            let key = output::write(&root, &path, &minified).map_err(|e| io_error(&root, e))?;
            let t4 = Instant::now();
            if timings {
                use std::sync::atomic::Ordering::Relaxed;
                STEP_NANOS[0].fetch_add((t1 - t0).as_nanos() as u64, Relaxed);
                STEP_NANOS[1].fetch_add((t2 - t1).as_nanos() as u64, Relaxed);
                STEP_NANOS[2].fetch_add((t3 - t2).as_nanos() as u64, Relaxed);
                STEP_NANOS[3].fetch_add((t4 - t3).as_nanos() as u64, Relaxed);
            }
            Ok((links, vec![key], minified.len() as u64))
        })
        .try_reduce(
            || (LinkIndex::default(), Vec::new(), 0),
            |a, b| {
                let mut keys = a.1;
                keys.extend(b.1);
                Ok((a.0.merge(b.0), keys, a.2 + b.2))
            },
        )?;
    let pages = page_files.len();
    phase("pages rendered and written");
    if timings {
        for (name, nanos) in ["render", "links", "minify", "write"]
            .iter()
            .zip(&STEP_NANOS)
        {
            let seconds = nanos.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e9;
            eprintln!("          {name}: {seconds:.3} s CPU");
        }
    }
    files.extend(page_files);

    let mut bytes = bytes;
    let sitemap_paths = sitemap_paths(&renderer);
    bytes += write_exports(&site, &sitemap_paths, &root, &mut files)?;

    phase("exports written");
    let broken = links.broken(&files);
    if !broken.is_empty() {
        return Err(BuildError::BrokenLinks(broken));
    }

    phase("links checked");
    function_data::write_function_data(catalog, &renderer, &data.dir)?;
    phase("function data written");

    public.commit().map_err(|e| io_error(&options.out, e))?;
    data.commit().map_err(|e| io_error(&options.data_out, e))?;
    phase("swapped in");
    Ok(BuildReport {
        asset_version,
        pages,
        files: files.len(),
        bytes,
        offerings: site.offerings.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

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
pub(crate) fn write_exports(
    site: &Site<'_>,
    sitemap_paths: &[String],
    root: &Path,
    files: &mut HashSet<String>,
) -> Result<u64, BuildError> {
    let data = |e: &dyn std::fmt::Display| BuildError::Data(e.to_string());
    let mut bytes = 0;
    let mut emit = |path: &str, content: &[u8]| -> Result<(), BuildError> {
        bytes += content.len() as u64;
        files.insert(output::write(root, path, content).map_err(|e| io_error(root, e))?);
        Ok(())
    };
    emit(
        "/cloud-services/katalog.json",
        exports::catalog_json(site)
            .map_err(|e| data(&e))?
            .as_bytes(),
    )?;
    emit(
        "/cloud-services/katalog.schema.json",
        exports::EXPORT_SCHEMA.as_bytes(),
    )?;
    emit(
        "/cloud-services/katalog.csv",
        &exports::catalog_csv(site).map_err(|e| data(&e))?,
    )?;
    emit(
        "/cloud-services/filter-data.json",
        exports::filter_data(site).map_err(|e| data(&e))?.as_bytes(),
    )?;
    emit(
        "/vergleich/daten.json",
        exports::compare_data(site)
            .map_err(|e| data(&e))?
            .as_bytes(),
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

/// Copies the theme's `static/` files to `/assets/`, minifying CSS and JavaScript; returns a
/// version string for cache busting and the written file keys.
fn write_assets(theme: &Path, root: &Path) -> Result<(String, HashSet<String>), BuildError> {
    let dir = theme.join("static");
    let mut entries: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| io_error(&dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .collect();
    entries.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut files = HashSet::new();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let raw = fs::read(&path).map_err(|e| io_error(&path, e))?;
        let content = match path.extension().and_then(|e| e.to_str()) {
            Some("css") => {
                output::minify_asset(&String::from_utf8_lossy(&raw), "style").into_bytes()
            }
            Some("js") => {
                output::minify_asset(&String::from_utf8_lossy(&raw), "script").into_bytes()
            }
            _ => raw,
        };
        for byte in &content {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
        files.insert(
            output::write(root, &format!("/assets/{name}"), &content)
                .map_err(|e| io_error(root, e))?,
        );
    }
    Ok((format!("{:08x}", hash as u32), files))
}
