//! The function's pages, rendered from the theme's templates with Tera, like the static
//! site: `csp build` ships the templates (minified) to `function-data/templates/` and the
//! site's address and asset version to `function-data/site.json`. A form shown again with
//! its messages is the very template of the static form, filled in.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalog::layout::{PageMeta, SessionMeta, SiteMeta};
use serde::Serialize;
use tera::{Context, Tera};

/// Where the templates are looked for when `CSP_TEMPLATES` is not set.
pub const DEFAULT_TEMPLATES_DIR: &str = "function-data/templates";

/// Why the pages cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PagesError {
    #[error("cannot read the templates in {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the templates in {path} do not load: {message}")]
    Template { path: PathBuf, message: String },
    #[error("{path} is not the site's description: {source}")]
    Site {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// The loaded templates and the site they belong to, shared by all requests.
pub struct Pages {
    tera: Option<Tera>,
    /// Why there are no templates, for the log and the 503 answer.
    problem: Option<String>,
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("problem", &self.problem)
            .finish_non_exhaustive()
    }
}

/// A page to render: its template, what the layout shows of it, and its own values.
pub struct Page<'a> {
    pub template: &'static str,
    pub title: &'a str,
    /// The navigation entry shown as current.
    pub section: &'static str,
    pub status: StatusCode,
    pub context: Context,
}

impl<'a> Page<'a> {
    pub fn new(template: &'static str, title: &'a str) -> Page<'a> {
        Page {
            template,
            title,
            section: "konto",
            status: StatusCode::OK,
            context: Context::new(),
        }
    }

    pub fn status(mut self, status: StatusCode) -> Page<'a> {
        self.status = status;
        self
    }

    pub fn section(mut self, section: &'static str) -> Page<'a> {
        self.section = section;
        self
    }

    /// Adds a value the template reads under `key`.
    pub fn with(mut self, key: &'static str, value: &impl Serialize) -> Page<'a> {
        self.context.insert(key, value);
        self
    }
}

impl Pages {
    /// No templates: every page answers 503 (the site has not been built).
    pub fn unavailable(problem: &str) -> Pages {
        Pages {
            tera: None,
            problem: Some(problem.to_owned()),
        }
    }

    /// [`Pages::open`], or unavailable with the reason logged.
    pub fn open_or_unavailable(dir: &Path) -> Pages {
        match Pages::open(dir) {
            Ok(pages) => pages,
            Err(e) => {
                tracing::warn!(error = %e, "the function's pages are unavailable");
                Pages::unavailable(&e.to_string())
            }
        }
    }

    /// The templates in `dir` and `site.json` in its parent folder (as `csp build` writes
    /// them); without `site.json`, the site is described by defaults.
    pub fn open(dir: &Path) -> Result<Pages, PagesError> {
        let site_path = dir.parent().unwrap_or(Path::new(".")).join("site.json");
        let site = match std::fs::read(&site_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| PagesError::Site {
                path: site_path.clone(),
                source,
            })?,
            Err(_) => SiteMeta::default(),
        };
        Pages::load(dir, site)
    }

    /// The templates in `dir` (and its sub-folders), for `site`.
    pub fn load(dir: &Path, site: SiteMeta) -> Result<Pages, PagesError> {
        let sources = catalog::layout::read_templates(dir).map_err(|e| PagesError::Read {
            path: e.path,
            source: e.source,
        })?;
        let mut tera = Tera::new();
        tera.set_escape_fn(catalog::format::escape_html_to);
        tera.global_context().insert("site", &site);
        // The newsletter field in the footer, as on the static pages.
        tera.global_context().insert(
            "footer_newsletter",
            &catalog::forms::FormView::empty(catalog::forms::newsletter::FOOTER),
        );
        tera.add_raw_templates(sources)
            .map_err(|e| PagesError::Template {
                path: dir.to_owned(),
                message: e.to_string(),
            })?;
        Ok(Pages {
            tera: Some(tera),
            problem: None,
        })
    }

    /// Renders `page` in the site's layout, with the header of `session` (the person signed
    /// in, if the handler knows one).
    pub fn render(&self, page: Page<'_>, session: Option<&str>) -> Response {
        let Some(tera) = &self.tera else {
            tracing::error!(problem = ?self.problem, template = page.template, "no templates to render a page with");
            return unavailable();
        };
        let mut context = page.context;
        context.insert(
            "page",
            &PageMeta {
                title: page.title,
                description: "Cloud-Service-Portal der öffentlichen Verwaltung",
                path: "",
                section: page.section,
                feed: None,
                noindex: true,
            },
        );
        context.insert("session", &session.map(|name| SessionMeta { name }));
        let mut body = Vec::with_capacity(16 * 1024);
        match tera.render_to(page.template, &context, &mut body) {
            Ok(()) => (
                page.status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(template = page.template, error = %e, "a page could not be rendered");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "Die Seite konnte nicht dargestellt werden. Bitte versuchen Sie es später erneut.",
                )
                    .into_response()
            }
        }
    }
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Die Seiten des Portals sind gerade nicht verfügbar. Bitte versuchen Sie es später erneut.",
    )
        .into_response()
}

/// The pages in use, replaced as a whole when the live preview (`csp serve`) has new
/// templates.
#[derive(Debug)]
pub struct PagesSlot(RwLock<Arc<Pages>>);

impl PagesSlot {
    pub fn new(pages: Pages) -> Self {
        Self(RwLock::new(Arc::new(pages)))
    }

    /// The current pages (requests keep the ones they started with).
    pub fn get(&self) -> Arc<Pages> {
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, pages: Pages) {
        match self.0.write() {
            Ok(mut guard) => *guard = Arc::new(pages),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(pages),
        }
    }
}

/// What a notice page shows: its paragraphs and the ways on.
#[derive(Debug, Serialize)]
pub struct Notice<'a> {
    pub paragraphs: Vec<&'a str>,
    pub links: Vec<NoticeLink<'a>>,
}

#[derive(Debug, Serialize)]
pub struct NoticeLink<'a> {
    pub href: &'a str,
    pub label: &'a str,
}

/// A short page (`notice.html`): a title, one paragraph and links.
pub fn notice<'a>(title: &'a str, text: &'a str, links: &[(&'a str, &'a str)]) -> Page<'a> {
    Page::new("notice.html", title).with(
        "notice",
        &Notice {
            paragraphs: vec![text],
            links: links
                .iter()
                .map(|(href, label)| NoticeLink { href, label })
                .collect(),
        },
    )
}
