//! Rendering HTML pages with Tera: one small context per page.
//!
//! Tera converts every inserted value into a JSON tree, so handing it the whole catalog for
//! each page would cost more than the rendering itself. Pages get a borrowed view model of
//! just what they show; tiles are rendered once per offering and reused by every listing.

use std::path::Path;

use catalog::{ContractModel, CustomerScope, ServiceType};
use pulldown_cmark::HeadingLevel;
use serde::Serialize;
use tera::{Context, Tera};

use super::BuildError;
use super::markdown;
use super::site::{self, Listing, MATURITY_BANDS, PER_PAGE, Site};
use super::views;

/// One page of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Home,
    Listing { listing: usize, page: usize },
    Offering(usize),
    Order(usize),
    Providers,
    Compare,
    Watchlist,
    Help,
    Faq(usize),
    Maturity,
    InfoPage(usize),
    OpenData,
    Register,
    SignIn,
    Need,
    NotFound,
}

/// What the layout needs: title, description, canonical path, the active navigation entry.
#[derive(Serialize)]
pub struct PageMeta<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub path: &'a str,
    pub section: &'static str,
    pub feed: Option<&'a str>,
    /// Pages that should not be indexed (forms, 404).
    pub noindex: bool,
}

#[derive(Serialize)]
struct SiteMeta<'a> {
    base_url: &'a str,
    asset_version: &'a str,
}

#[derive(Serialize)]
struct FacetItem {
    value: String,
    label: String,
    url: String,
    count: usize,
    sub: bool,
}

#[derive(Serialize)]
struct FacetGroup {
    name: &'static str,
    legend: &'static str,
    items: Vec<FacetItem>,
}

#[derive(Serialize)]
struct PageLink {
    number: usize,
    /// Pages were left out before this one (shown as "…").
    gap_before: bool,
    url: String,
    current: bool,
}

#[derive(Serialize)]
struct Pagination {
    current: usize,
    total: usize,
    prev: Option<String>,
    next: Option<String>,
    pages: Vec<PageLink>,
    first_item: usize,
    last_item: usize,
}

pub struct Renderer<'s, 'c> {
    pub site: &'s Site<'c>,
    tera: Tera,
    asset_version: String,
    /// Pre-rendered tile per offering, in display order.
    tiles: Vec<String>,
    facets: Vec<FacetGroup>,
}

fn template_error(template: &str, error: &tera::Error) -> BuildError {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    BuildError::Template {
        template: template.to_owned(),
        message,
    }
}

impl<'s, 'c> Renderer<'s, 'c> {
    pub fn new(
        site: &'s Site<'c>,
        theme: &Path,
        asset_version: String,
    ) -> Result<Renderer<'s, 'c>, BuildError> {
        let dir = theme.join("templates");
        if !dir.is_dir() {
            return Err(BuildError::Template {
                template: dir.display().to_string(),
                message: "Der Ordner mit den Vorlagen fehlt. Prüfen Sie `--theme`.".into(),
            });
        }
        let tera = load_templates(&dir)?;
        let mut renderer = Renderer {
            site,
            tera,
            asset_version,
            tiles: Vec::new(),
            facets: Vec::new(),
        };
        renderer.tiles = renderer.render_tiles()?;
        renderer.facets = renderer.build_facets();
        Ok(renderer)
    }

    fn render_tiles(&self) -> Result<Vec<String>, BuildError> {
        use rayon::prelude::*;
        self.site
            .offerings
            .par_iter()
            .map(|info| {
                let mut context = Context::new();
                context.insert("tile", &info.tile());
                self.tera
                    .render("partials/tile.html", &context)
                    .map_err(|e| template_error("partials/tile.html", &e))
            })
            .collect()
    }

    fn build_facets(&self) -> Vec<FacetGroup> {
        let listing_count = |path: &str| {
            self.site
                .listings
                .iter()
                .find(|l| l.path == path)
                .map_or(0, |l| l.members.len())
        };
        let mut category = Vec::new();
        for top in &self.site.catalog.portfolio.categories {
            let url = format!("/cloud-services/kategorie/{}/", top.id);
            category.push(FacetItem {
                value: top.id.clone(),
                label: top.name.clone(),
                count: listing_count(&url),
                url: url.clone(),
                sub: false,
            });
            for sub in &top.subcategories {
                let sub_url = format!("{url}{}/", sub.id);
                category.push(FacetItem {
                    value: format!("{}/{}", top.id, sub.id),
                    label: sub.name.clone(),
                    count: listing_count(&sub_url),
                    url: sub_url,
                    sub: true,
                });
            }
        }
        let simple = |path: String, value: &str, label: &str| FacetItem {
            value: value.to_owned(),
            label: label.to_owned(),
            count: listing_count(&path),
            url: path,
            sub: false,
        };
        vec![
            FacetGroup {
                name: "kategorie",
                legend: "Kategorie",
                items: category,
            },
            FacetGroup {
                name: "typ",
                legend: "Serviceart",
                items: ServiceType::ALL
                    .iter()
                    .map(|t| {
                        simple(
                            format!("/cloud-services/typ/{}/", t.as_str()),
                            t.as_str(),
                            t.label(),
                        )
                    })
                    .collect(),
            },
            FacetGroup {
                name: "anbieter",
                legend: "Anbieter",
                items: self
                    .site
                    .providers
                    .iter()
                    .map(|(p, members)| FacetItem {
                        value: p.id.clone(),
                        label: p.name.clone(),
                        url: format!("/anbieter/{}/", p.id),
                        count: members.len(),
                        sub: false,
                    })
                    .collect(),
            },
            FacetGroup {
                name: "vertragsmodell",
                legend: "Vertragsmodell",
                items: ContractModel::ALL
                    .iter()
                    .map(|m| {
                        simple(
                            format!("/cloud-services/vertragsmodell/{}/", m.as_str()),
                            m.as_str(),
                            m.label(),
                        )
                    })
                    .collect(),
            },
            FacetGroup {
                name: "kundenkreis",
                legend: "Kundenkreis",
                items: CustomerScope::ALL
                    .iter()
                    .map(|s| {
                        simple(
                            format!("/cloud-services/kundenkreis/{}/", s.as_str()),
                            s.as_str(),
                            s.label(),
                        )
                    })
                    .collect(),
            },
            FacetGroup {
                name: "reifegrad",
                legend: "Reifegrad",
                items: MATURITY_BANDS
                    .iter()
                    .map(|b| {
                        simple(
                            format!("/cloud-services/reifegrad/ab-{b}/"),
                            &format!("ab-{b}"),
                            &format!("ab {b} %"),
                        )
                    })
                    .collect(),
            },
        ]
    }

    /// Every page of the site, in a stable order.
    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs = vec![
            Job::Home,
            Job::Providers,
            Job::Compare,
            Job::Watchlist,
            Job::Help,
            Job::Maturity,
            Job::OpenData,
            Job::Register,
            Job::SignIn,
            Job::Need,
            Job::NotFound,
        ];
        for (listing, l) in self.site.listings.iter().enumerate() {
            jobs.extend((1..=l.page_count()).map(|page| Job::Listing { listing, page }));
        }
        jobs.extend((0..self.site.offerings.len()).map(Job::Offering));
        jobs.extend((0..self.site.offerings.len()).map(Job::Order));
        jobs.extend((0..self.site.catalog.faq.len()).map(Job::Faq));
        for (i, page) in self.site.catalog.pages.iter().enumerate() {
            if page.id != "reifegradmodell" {
                jobs.push(Job::InfoPage(i));
            }
        }
        jobs
    }

    /// The URL path of a page.
    pub fn path(&self, job: Job) -> String {
        let site = self.site;
        match job {
            Job::Home => "/".into(),
            Job::Listing { listing, page } => site.listings[listing].page_path(page),
            Job::Offering(i) => site.offerings[i].url.clone(),
            Job::Order(i) => format!("/bestellen/{}/", site.offerings[i].offering.id),
            Job::Providers => "/anbieter/".into(),
            Job::Compare => "/vergleich/".into(),
            Job::Watchlist => "/merkliste/".into(),
            Job::Help => "/hilfe/".into(),
            Job::Faq(i) => format!("/hilfe/{}/", site.catalog.faq[i].id),
            Job::Maturity => "/reifegradmodell/".into(),
            Job::InfoPage(i) => format!("/{}/", site.catalog.pages[i].id),
            Job::OpenData => "/offene-daten/".into(),
            Job::Register => "/registrieren/".into(),
            Job::SignIn => "/anmelden/".into(),
            Job::Need => "/bedarf-melden/".into(),
            Job::NotFound => "/404.html".into(),
        }
    }

    /// Renders one page; returns its HTML (not yet minified).
    pub fn render(&self, job: Job, path: &str) -> Result<String, BuildError> {
        let mut html = Vec::new();
        self.render_into(job, path, &mut html)?;
        String::from_utf8(html).map_err(|e| BuildError::Template {
            template: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// Renders one page into `out` (emptied first), so that a thread renders all its pages
    /// into one buffer instead of growing a new one for each page.
    pub fn render_into(&self, job: Job, path: &str, out: &mut Vec<u8>) -> Result<(), BuildError> {
        let site = self.site;
        let mut context = Context::new();
        context.insert(
            "site",
            &SiteMeta {
                base_url: &site.base_url,
                asset_version: &self.asset_version,
            },
        );
        let (template, title, description, section, feed, noindex): (&str, String, String, &str, Option<&str>, bool) = match job {
            Job::Home => {
                self.home_context(&mut context);
                ("home.html", "Startseite".into(), "Cloud-Services öffentlicher IT-Dienstleister für Bund, Länder und Kommunen: finden, vergleichen und online bestellen.".into(), "start", Some("/feed.xml"), false)
            }
            Job::Listing { listing, page } => {
                let l = &site.listings[listing];
                self.listing_context(&mut context, l, page);
                let title = if page > 1 { format!("{} – Seite {page}", l.title) } else { l.title.clone() };
                let section = if l.provider.is_some() { "anbieter" } else { "katalog" };
                ("listing.html", title, l.description.clone(), section, l.feed.as_deref(), false)
            }
            Job::Offering(i) => {
                let info = &site.offerings[i];
                context.insert("o", &views::detail(site, info));
                ("offering.html", info.offering.name.clone(), format!("{} von {}: {}", info.offering.name, info.provider.name, markdown::shorten(&info.offering.summary, 120)), "katalog", None, false)
            }
            Job::Order(i) => {
                let info = &site.offerings[i];
                context.insert("o", &views::order(info));
                ("order.html", format!("{} bestellen", info.offering.name), format!("Bestellformular für {} von {}.", info.offering.name, info.provider.name), "katalog", None, true)
            }
            Job::Providers => {
                let providers: Vec<_> = site
                    .providers
                    .iter()
                    .map(|(p, members)| (p.name.as_str(), format!("/anbieter/{}/", p.id), members.len(), p.kind.label()))
                    .collect();
                context.insert("providers", &providers);
                ("providers.html", "Anbieter".into(), "Die öffentlichen IT-Dienstleister, die im Cloud-Service-Portal Cloud-Services anbieten.".into(), "anbieter", None, false)
            }
            Job::Compare => ("compare.html", "Vergleich".into(), "Bis zu drei Cloud-Services nebeneinander vergleichen: Preise, Eigenschaften und Reifegrad.".into(), "katalog", None, false),
            Job::Watchlist => ("watchlist.html", "Merkliste".into(), "Ihre Merkliste: Cloud-Services, die Sie sich in diesem Browser gemerkt haben.".into(), "merkliste", None, false),
            Job::Help => {
                let audiences: Vec<_> = site.catalog.faq.iter().map(|a| (a.title.as_str(), format!("/hilfe/{}/", a.id), a.description.as_str())).collect();
                context.insert("audiences", &audiences);
                ("help.html", "Hilfe".into(), "Hilfe und Antworten auf häufige Fragen für Kunden und Anbieter des Cloud-Service-Portals.".into(), "hilfe", None, false)
            }
            Job::Faq(i) => {
                let audience = &site.catalog.faq[i];
                context.insert("sections", &views::faq_sections(audience));
                context.insert("intro", &audience.description);
                let others: Vec<_> = site.catalog.faq.iter().filter(|a| a.id != audience.id).map(|a| (a.title.as_str(), format!("/hilfe/{}/", a.id))).collect();
                context.insert("others", &others);
                ("faq.html", audience.title.clone(), audience.description.clone(), "hilfe", None, false)
            }
            Job::Maturity => {
                let model = &site.catalog.maturity_model;
                let page = site.catalog.page("reifegradmodell");
                context.insert("body_html", &page.map(|p| markdown::to_html(&p.body, HeadingLevel::H2)));
                context.insert("elements", &model.elements);
                context.insert("minimal", &model.minimal_criteria);
                context.insert("dimensions", &views::model_dimensions(model));
                let title = page.map_or("Das Reifegradmodell".to_owned(), |p| p.title.clone());
                let description = page.map_or("Das Reifegradmodell der Deutschen Verwaltungscloud.".to_owned(), |p| p.description.clone());
                ("maturity.html", title, description, "reifegrad", None, false)
            }
            Job::InfoPage(i) => {
                let page = &site.catalog.pages[i];
                context.insert("body_html", &markdown::to_html(&page.body, HeadingLevel::H2));
                context.insert("version", &page.version);
                ("page.html", page.title.clone(), page.description.clone(), "info", None, false)
            }
            Job::OpenData => ("open_data.html", "Offene Daten".into(), "Der Katalog als JSON, CSV und Atom-Feed: Aufbau der Exporte und Felder.".into(), "katalog", None, false),
            Job::Register => {
                // The function validates against the same list, so the two cannot drift apart.
                context.insert(
                    "legal_forms",
                    functions::domain::validation::LEGAL_FORMS,
                );
                ("forms/register.html", "Organisation registrieren".into(), "Registrieren Sie Ihre Organisation im Cloud-Service-Portal, um Cloud-Services zu bestellen.".into(), "konto", None, true)
            }
            Job::SignIn => ("forms/signin.html", "Anmelden".into(), "Melden Sie sich im Cloud-Service-Portal an.".into(), "konto", None, true),
            Job::Need => {
                context.insert("categories", &views::category_choices(site.catalog));
                ("forms/need.html", "Bedarf melden".into(), "Fehlt ein Cloud-Service? Melden Sie Ihren Bedarf dem Betreiberteam des Portals.".into(), "katalog", None, true)
            }
            Job::NotFound => ("404.html", "Seite nicht gefunden".into(), "Diese Seite gibt es nicht (mehr).".into(), "", None, true),
        };
        context.insert(
            "page",
            &PageMeta {
                title: &title,
                description: &description,
                path,
                section,
                feed,
                noindex,
            },
        );
        out.clear();
        self.tera
            .render_to(template, &context, &mut *out)
            .map_err(|e| template_error(template, &e))
    }

    /// The layout with marker tokens where the function puts its own title, description and
    /// main content (see `function_data`).
    pub fn render_shell(
        &self,
        title: &str,
        description: &str,
        main: &str,
    ) -> Result<String, BuildError> {
        let mut context = Context::new();
        context.insert(
            "site",
            &SiteMeta {
                base_url: &self.site.base_url,
                asset_version: &self.asset_version,
            },
        );
        context.insert(
            "page",
            &PageMeta {
                title,
                description,
                path: "",
                section: "",
                feed: None,
                noindex: true,
            },
        );
        context.insert("shell_main", main);
        self.tera
            .render("shell.html", &context)
            .map_err(|e| template_error("shell.html", &e))
    }

    fn home_context(&self, context: &mut Context) {
        let site = self.site;
        let featured: Vec<&str> = site
            .offerings
            .iter()
            .enumerate()
            .filter(|(_, o)| o.offering.featured)
            .take(6)
            .map(|(i, _)| self.tiles[i].as_str())
            .collect();
        let mut newest: Vec<usize> = (0..site.offerings.len()).collect();
        newest.sort_by(|&a, &b| {
            let (a, b) = (site.offerings[a].offering, site.offerings[b].offering);
            b.updated.cmp(&a.updated).then_with(|| a.id.cmp(&b.id))
        });
        let newest: Vec<&str> = newest
            .iter()
            .take(6)
            .map(|&i| self.tiles[i].as_str())
            .collect();
        let counts = site::category_counts(site);
        let categories: Vec<_> = site
            .catalog
            .portfolio
            .categories
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    format!("/cloud-services/kategorie/{}/", c.id),
                    counts.get(&c.id).copied().unwrap_or(0),
                    c.description.as_deref().map(|d| markdown::shorten(d, 110)),
                )
            })
            .collect();
        context.insert("featured", &featured);
        context.insert("newest", &newest);
        context.insert("categories", &categories);
        context.insert("offering_count", &site.offerings.len());
        context.insert(
            "provider_count",
            &site.providers.iter().filter(|(_, m)| !m.is_empty()).count(),
        );
    }

    fn listing_context(&self, context: &mut Context, listing: &Listing, page: usize) {
        let total = listing.page_count();
        let start = (page - 1) * PER_PAGE;
        let members = &listing.members
            [start.min(listing.members.len())..(start + PER_PAGE).min(listing.members.len())];
        let tiles: Vec<&str> = members.iter().map(|&i| self.tiles[i].as_str()).collect();
        context.insert("tiles", &tiles);
        context.insert("title", &listing.title);
        context.insert("intro", &listing.intro);
        context.insert("count", &listing.members.len());
        context.insert("breadcrumbs", &listing.breadcrumbs);
        context.insert("children", &listing.children);
        context.insert("feed", &listing.feed);
        // The filters sit on the first overview page only; the following pages link back.
        context.insert("is_overview", &(listing.is_overview && page == 1));
        if listing.is_overview && page == 1 {
            context.insert("facets", &self.facets);
        }
        if let Some(index) = listing.provider {
            context.insert("provider", &views::provider(self.site.providers[index].0));
        }
        let window = |n: usize| n == 1 || n == total || n.abs_diff(page) <= 2;
        context.insert(
            "pagination",
            &Pagination {
                current: page,
                total,
                prev: (page > 1).then(|| listing.page_path(page - 1)),
                next: (page < total).then(|| listing.page_path(page + 1)),
                pages: (1..=total)
                    .filter(|&n| window(n))
                    .map(|n| PageLink {
                        number: n,
                        gap_before: n > 1 && !window(n - 1),
                        url: listing.page_path(n),
                        current: n == page,
                    })
                    .collect(),
                first_item: if members.is_empty() { 0 } else { start + 1 },
                last_item: start + members.len(),
            },
        );
    }
}

/// Loads every template below `dir`, minified once here instead of every page afterwards.
///
/// Minifying 25,000 rendered pages one by one would take most of the build's time budget, so
/// minify-html runs over each template's source with its template-syntax mode, which passes
/// `{{ … }}` and `{% … %}` through untouched. That mode cannot handle template syntax
/// between a start tag's attributes (`<input{% if x %} required{% endif %}>`): such
/// templates are loaded as written (see [`has_syntax_between_attributes`]).
fn load_templates(dir: &Path) -> Result<Tera, BuildError> {
    let mut cfg = minify_html::Cfg::new();
    cfg.preserve_brace_template_syntax = true;
    cfg.keep_html_and_head_opening_tags = true;
    cfg.keep_closing_tags = true;
    let mut sources = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| super::io_error(&folder, e))?;
        for entry in entries {
            let path = entry.map_err(|e| super::io_error(&folder, e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let name = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                let source =
                    std::fs::read_to_string(&path).map_err(|e| super::io_error(&path, e))?;
                let source = if has_syntax_between_attributes(&source) {
                    source
                } else {
                    String::from_utf8_lossy(&minify_html::minify(source.as_bytes(), &cfg))
                        .into_owned()
                };
                sources.push((name, source));
            }
        }
    }
    sources.sort();
    let mut tera = Tera::default();
    tera.set_escape_fn(escape_html);
    tera.add_raw_templates(sources)
        .map_err(|e| template_error(&dir.display().to_string(), &e))?;
    Ok(tera)
}

/// HTML escaping for text and quoted attribute values. Tera's default also escapes `/`,
/// which turns every address into `&#x2F;cloud-services&#x2F;…` for no gain.
///
/// Tera calls this for every `{{ … }}` of every page; most values (names, addresses,
/// numbers) have nothing to escape and are copied as they are.
fn escape_html(text: &str) -> String {
    if text
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        catalog::format::escape_html(text)
    } else {
        text.to_owned()
    }
}

/// Does a template put `{{ … }}` or `{% … %}` between attributes of a start tag (outside a
/// quoted value)? minify-html would reorder such syntax with the attributes.
pub fn has_syntax_between_attributes(source: &str) -> bool {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'<' && bytes[i + 1].is_ascii_alphabetic() {
            let mut quote = None;
            let mut j = i + 1;
            while j < bytes.len() {
                let c = bytes[j];
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == b'"' || c == b'\'' => quote = Some(c),
                    None if c == b'>' => break,
                    None if c == b'{' && matches!(bytes.get(j + 1), Some(b'{' | b'%')) => {
                        return true;
                    }
                    None => {}
                }
                j += 1;
            }
            i = j;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_catalog() {
        for text in [
            "",
            "Cloud-Service-Portal",
            "/cloud-services/ddatabox/",
            "1.249,50 € – Größe",
            "a & b",
            "<script>alert('x')</script>",
            "\"zitiert\"",
            "ä<ö>ü&ß'",
        ] {
            assert_eq!(
                escape_html(text),
                catalog::format::escape_html(text),
                "{text}"
            );
        }
    }
}
