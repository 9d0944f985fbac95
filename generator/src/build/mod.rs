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

/// What a successful build wrote.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
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
    let base_url = std::env::var(PUBLIC_URL_VAR)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned());
    let site = Site::new(&catalog, &base_url);

    let public = Staging::new(&options.out).map_err(|e| io_error(&options.out, e))?;
    let data = Staging::new(&options.data_out).map_err(|e| io_error(&options.data_out, e))?;
    let root = public.dir.clone();

    let (asset_version, mut files) = write_assets(&options.theme, &root)?;
    let renderer = Renderer::new(&site, &options.theme, asset_version)?;

    let jobs = renderer.jobs();
    let (links, page_files, bytes) = jobs
        .par_iter()
        .map(|&job| {
            let path = renderer.path(job);
            let html = renderer.render(job, &path)?;
            let mut links = LinkIndex::default();
            links.add_page(&path, &html);
            let minified = output::minify(&html);
            let key = output::write(&root, &path, &minified).map_err(|e| io_error(&root, e))?;
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
    files.extend(page_files);

    let mut bytes = bytes;
    let sitemap_paths: Vec<String> = jobs
        .iter()
        .filter(|job| {
            !matches!(
                job,
                Job::NotFound | Job::Order(_) | Job::Register | Job::SignIn | Job::Need
            )
        })
        .map(|&job| renderer.path(job))
        .collect();
    for (path, content) in exports_of(&site, &sitemap_paths)? {
        bytes += content.len() as u64;
        files.insert(output::write(&root, &path, &content).map_err(|e| io_error(&root, e))?);
    }

    let broken = links.broken(&files);
    if !broken.is_empty() {
        return Err(BuildError::BrokenLinks(broken));
    }

    function_data::write_function_data(&catalog, &renderer, &data.dir)?;

    public.commit().map_err(|e| io_error(&options.out, e))?;
    data.commit().map_err(|e| io_error(&options.data_out, e))?;
    Ok(BuildReport {
        pages,
        files: files.len(),
        bytes,
        offerings: site.offerings.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Every non-HTML file of the site: (URL path, content).
fn exports_of(
    site: &Site<'_>,
    sitemap_paths: &[String],
) -> Result<Vec<(String, Vec<u8>)>, BuildError> {
    let data = |e: &dyn std::fmt::Display| BuildError::Data(e.to_string());
    let mut files = vec![
        (
            "/cloud-services/katalog.json".to_owned(),
            exports::catalog_json(site)
                .map_err(|e| data(&e))?
                .into_bytes(),
        ),
        (
            "/cloud-services/katalog.schema.json".to_owned(),
            exports::EXPORT_SCHEMA.as_bytes().to_vec(),
        ),
        (
            "/cloud-services/katalog.csv".to_owned(),
            exports::catalog_csv(site).map_err(|e| data(&e))?,
        ),
        (
            "/cloud-services/filter-data.json".to_owned(),
            exports::filter_data(site)
                .map_err(|e| data(&e))?
                .into_bytes(),
        ),
        (
            "/vergleich/daten.json".to_owned(),
            exports::compare_data(site)
                .map_err(|e| data(&e))?
                .into_bytes(),
        ),
        (
            "/sitemap.xml".to_owned(),
            exports::sitemap(site, sitemap_paths).into_bytes(),
        ),
        ("/robots.txt".to_owned(), exports::robots(site).into_bytes()),
    ];
    let all: Vec<usize> = (0..site.offerings.len()).collect();
    files.push((
        "/feed.xml".to_owned(),
        exports::atom_feed(
            site,
            &all,
            "Cloud-Service-Portal: neue und geänderte Cloud-Services",
            "/feed.xml",
            "/cloud-services/",
        )
        .into_bytes(),
    ));
    for listing in &site.listings {
        if let Some(feed) = listing.feed.as_deref().filter(|f| *f != "/feed.xml") {
            files.push((
                feed.to_owned(),
                exports::atom_feed(
                    site,
                    &listing.members,
                    &format!("Cloud-Service-Portal: {}", listing.title),
                    feed,
                    &listing.path,
                )
                .into_bytes(),
            ));
        }
    }
    Ok(files)
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
