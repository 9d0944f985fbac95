//! Rendering HTML pages with Tera: one small context per page.
//!
//! Tera converts every inserted value into a JSON tree, so handing it the whole catalog for
//! each page would cost more than the rendering itself. Pages get a borrowed view model of
//! just what they show; tiles are rendered once per offering and reused by every listing.

use std::path::Path;
use std::sync::Arc;

use catalog::forms::{self, FormView};
use catalog::order_form::OrderOffering;
use catalog::snapshot::OrderCatalog;
use pulldown_cmark::HeadingLevel;
use serde::Serialize;
use tera::{Context, Tera};

use super::BuildError;
use super::facets;
use super::fragments::{self, MaturityRows};
use super::markdown;
use super::site::{self, Listing, PER_PAGE, Site};
use super::templates;
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

/// The template of every tile (see [`Renderer::render_tile`]).
pub const TILE_TEMPLATE: &str = "partials/tile.html";

/// The template a page is rendered with.
pub fn template_of(job: Job) -> &'static str {
    match job {
        Job::Home => "home.html",
        Job::Listing { .. } => "listing.html",
        Job::Offering(_) => "offering.html",
        Job::Order(_) => "order.html",
        Job::Providers => "providers.html",
        Job::Compare => "compare.html",
        Job::Watchlist => "watchlist.html",
        Job::Help => "help.html",
        Job::Faq(_) => "faq.html",
        Job::Maturity => "maturity.html",
        Job::InfoPage(_) => "page.html",
        Job::OpenData => "open_data.html",
        Job::Register => "forms/register.html",
        Job::SignIn => "forms/signin.html",
        Job::Need => "forms/need.html",
        Job::NotFound => "404.html",
    }
}

/// The partial templates whose pre-rendered output the page shows besides its own template
/// ([`template_of`]): a change to one of them re-renders the page.
pub fn fragment_templates(job: Job) -> &'static [&'static str] {
    match job {
        Job::Home | Job::Listing { .. } => &[TILE_TEMPLATE],
        Job::Offering(_) => &[fragments::CRITERION_TEMPLATE, fragments::MINIMAL_TEMPLATE],
        _ => &[],
    }
}

pub use catalog::layout::PageMeta;

#[derive(Serialize)]
struct SiteMeta<'a> {
    base_url: &'a str,
    asset_version: &'a str,
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
    tera: Arc<Tera>,
    asset_version: String,
    /// Pre-rendered tile per offering, in display order.
    tiles: Vec<String>,
    facets: Vec<facets::FacetGroup>,
    /// The maturity section's rows, rendered once for all detail pages.
    maturity_rows: MaturityRows,
    /// The static forms, empty: the same for every build.
    forms: StaticForms,
    shared: SharedParts,
}

/// The forms of the static pages, as their templates read them (see `catalog::forms`).
struct StaticForms {
    registration: FormView,
    human_check: FormView,
    sign_in: FormView,
    need: FormView,
    /// The same for every order page (what differs is the offering, `o`), converted once.
    order: tera::Value,
    cart: tera::Value,
}

/// Parts of pages that read the same on every static page that shows them, rendered once per
/// build: the order form's billing, reference and note fields and its Warenkorb block, and the
/// newsletter form in the footer of every page. The function's pages include the same
/// partials with a person's values. Each is a Tera string, shared (not copied) by every page.
struct SharedParts {
    order_customer: tera::Value,
    order_cart: tera::Value,
    footer_newsletter: tera::Value,
}

const ORDER_CUSTOMER_TEMPLATE: &str = "partials/order-customer.html";
const ORDER_CART_TEMPLATE: &str = "partials/order-cart.html";
const FOOTER_NEWSLETTER_TEMPLATE: &str = "partials/footer-newsletter.html";

impl SharedParts {
    fn render(tera: &Tera, forms: &StaticForms) -> Result<SharedParts, BuildError> {
        let mut context = Context::new();
        context.insert_value("form", forms.order.clone());
        context.insert_value("cart_form", forms.cart.clone());
        // The organisation's saved addresses: only the function's form knows them.
        context.insert("addresses", &Vec::<(String, String)>::new());
        let render = |template: &str| {
            tera.render(template, &context)
                .map(|html| tera::Value::safe_string(&html))
                .map_err(|e| template_error(template, &e))
        };
        Ok(SharedParts {
            order_customer: render(ORDER_CUSTOMER_TEMPLATE)?,
            order_cart: render(ORDER_CART_TEMPLATE)?,
            footer_newsletter: render(FOOTER_NEWSLETTER_TEMPLATE)?,
        })
    }
}

impl StaticForms {
    fn new() -> StaticForms {
        StaticForms {
            registration: FormView::empty(forms::registration::FIELDS),
            human_check: FormView::empty(forms::registration::HUMAN_CHECK),
            sign_in: FormView::empty(forms::sign_in::FIELDS),
            need: FormView::empty(forms::need::FIELDS),
            order: tera::Value::from_serializable(&FormView::empty(forms::order::FIELDS)),
            cart: tera::Value::from_serializable(&FormView::empty(forms::cart::FIELDS)),
        }
    }
}

pub(crate) fn template_error(template: &str, error: &tera::Error) -> BuildError {
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
    /// Loads the theme's templates and renders every tile.
    pub fn new(
        site: &'s Site<'c>,
        theme: &Path,
        asset_version: String,
    ) -> Result<Renderer<'s, 'c>, BuildError> {
        let tera = Arc::new(templates::load(theme)?);
        Renderer::with_templates(site, tera, asset_version, None)
    }

    /// A renderer with templates loaded before, and the tiles of `site.offerings` (in that
    /// order) if the caller kept them (`csp serve`); without, every tile is rendered.
    /// `Some(vec![])` is for rendering only pages that show no tiles (see [`fragment_templates`]).
    pub fn with_templates(
        site: &'s Site<'c>,
        tera: Arc<Tera>,
        asset_version: String,
        tiles: Option<Vec<String>>,
    ) -> Result<Renderer<'s, 'c>, BuildError> {
        let maturity_rows = MaturityRows::render(&tera, &site.catalog.maturity_model)?;
        let forms = StaticForms::new();
        let shared = SharedParts::render(&tera, &forms)?;
        let mut renderer = Renderer {
            site,
            tera,
            asset_version,
            tiles: Vec::new(),
            facets: Vec::new(),
            maturity_rows,
            forms,
            shared,
        };
        renderer.tiles = match tiles {
            Some(tiles) => tiles,
            None => renderer.render_tiles()?,
        };
        renderer.facets = facets::facets(site);
        Ok(renderer)
    }

    /// The tile of every offering, in the order of `site.offerings`.
    pub fn tiles(&self) -> &[String] {
        &self.tiles
    }

    /// The offerings whose tiles page `page` of a listing shows, in order.
    pub fn listing_page_members<'l>(&self, listing: &'l Listing, page: usize) -> &'l [usize] {
        let start = (page.max(1) - 1) * PER_PAGE;
        let members = &listing.members;
        &members[start.min(members.len())..(start + PER_PAGE).min(members.len())]
    }

    /// The templates and the tiles (in the order of `site.offerings`), for the next renderer.
    pub fn into_parts(self) -> (Arc<Tera>, Vec<String>) {
        (self.tera, self.tiles)
    }

    fn render_tiles(&self) -> Result<Vec<String>, BuildError> {
        use rayon::prelude::*;
        self.site
            .offerings
            .par_iter()
            .map(|info| self.render_tile(info))
            .collect()
    }

    /// The tile of one offering, as listings and the start page show it.
    pub fn render_tile(&self, info: &site::OfferingInfo<'_>) -> Result<String, BuildError> {
        let mut context = Context::new();
        context.insert("tile", &info.tile());
        self.tera
            .render(TILE_TEMPLATE, &context)
            .map_err(|e| template_error(TILE_TEMPLATE, &e))
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
    /// into one buffer instead of growing a new one for each page. Returns the fragments of
    /// the page, in page order, that hold no link and that the link check may skip (the
    /// maturity section of a detail page).
    pub fn render_into(
        &self,
        job: Job,
        path: &str,
        out: &mut Vec<u8>,
    ) -> Result<Vec<String>, BuildError> {
        let mut without_links = Vec::new();
        let site = self.site;
        let mut context = Context::new();
        context.insert(
            "site",
            &SiteMeta {
                base_url: &site.base_url,
                asset_version: &self.asset_version,
            },
        );
        context.insert_value(
            "shared_footer_newsletter",
            self.shared.footer_newsletter.clone(),
        );
        let template = template_of(job);
        let (title, description, section, feed, noindex): (String, String, &str, Option<&str>, bool) = match job {
            Job::Home => {
                self.home_context(&mut context);
                ("Startseite".into(), "Cloud-Services öffentlicher IT-Dienstleister für Bund, Länder und Kommunen: finden, vergleichen und online bestellen.".into(), "start", Some("/feed.xml"), false)
            }
            Job::Listing { listing, page } => {
                let l = &site.listings[listing];
                self.listing_context(&mut context, l, page);
                let name = match &l.parent {
                    Some(parent) => format!("{} – {parent}", l.title),
                    None => l.title.clone(),
                };
                let title = if page > 1 { format!("{name} – Seite {page}") } else { name };
                let section = if l.provider.is_some() { "anbieter" } else { "katalog" };
                (title, l.description.clone(), section, l.feed.as_deref(), false)
            }
            Job::Offering(i) => {
                let info = &site.offerings[i];
                let model = &site.catalog.maturity_model;
                let section = self.maturity_rows.section(&self.tera, model, info.offering)?;
                if section.without_links {
                    without_links.push(section.minimal_html.clone());
                    without_links.extend(section.dimensions.iter().map(|(_, rows)| rows.clone()));
                }
                context.insert("o", &views::detail(site, info, section));
                (info.offering.name.clone(), format!("{} von {}: {}", info.offering.name, info.provider.name, markdown::shorten(&info.offering.summary, 120)), "katalog", None, false)
            }
            Job::Order(i) => {
                let info = &site.offerings[i];
                let orderable = OrderCatalog::orderable_offering(site.catalog, info.offering, info.provider);
                let nothing = |_: &str| String::new();
                context.insert("o", &OrderOffering::new(&orderable, &nothing, &[]));
                context.insert_value("form", self.forms.order.clone());
                context.insert_value("shared_customer", self.shared.order_customer.clone());
                context.insert_value("shared_cart", self.shared.order_cart.clone());
                context.insert("csrf", "");
                context.insert("idempotency_key", "");
                context.insert("addresses", &Vec::<(String, String)>::new());
                (format!("{} bestellen", info.offering.name), format!("Bestellformular für {} von {}.", info.offering.name, info.provider.name), "katalog", None, true)
            }
            Job::Providers => {
                let providers: Vec<_> = site
                    .providers
                    .iter()
                    .map(|(p, members)| (p.name.as_str(), format!("/anbieter/{}/", p.id), members.len(), p.kind.label()))
                    .collect();
                context.insert("providers", &providers);
                ("Anbieter".into(), "Die öffentlichen IT-Dienstleister, die im Cloud-Service-Portal Cloud-Services anbieten.".into(), "anbieter", None, false)
            }
            Job::Compare => ("Vergleich".into(), "Bis zu drei Cloud-Services nebeneinander vergleichen: Preise, Eigenschaften und Reifegrad.".into(), "katalog", None, false),
            Job::Watchlist => ("Merkliste".into(), "Ihre Merkliste: Cloud-Services, die Sie sich in diesem Browser gemerkt haben.".into(), "merkliste", None, false),
            Job::Help => {
                let audiences: Vec<_> = site.catalog.faq.iter().map(|a| (a.title.as_str(), format!("/hilfe/{}/", a.id), a.description.as_str())).collect();
                context.insert("audiences", &audiences);
                ("Hilfe".into(), "Hilfe und Antworten auf häufige Fragen für Kunden und Anbieter des Cloud-Service-Portals.".into(), "hilfe", None, false)
            }
            Job::Faq(i) => {
                let audience = &site.catalog.faq[i];
                context.insert("sections", &views::faq_sections(audience));
                context.insert("intro", &audience.description);
                let others: Vec<_> = site.catalog.faq.iter().filter(|a| a.id != audience.id).map(|a| (a.title.as_str(), format!("/hilfe/{}/", a.id))).collect();
                context.insert("others", &others);
                (audience.title.clone(), audience.description.clone(), "hilfe", None, false)
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
                (title, description, "reifegrad", None, false)
            }
            Job::InfoPage(i) => {
                let page = &site.catalog.pages[i];
                context.insert("body_html", &markdown::to_html(&page.body, HeadingLevel::H2));
                context.insert("version", &page.version);
                (page.title.clone(), page.description.clone(), "info", None, false)
            }
            Job::OpenData => ("Offene Daten".into(), "Der Katalog als JSON, CSV und Atom-Feed: Aufbau der Exporte und Felder.".into(), "katalog", None, false),
            Job::Register => {
                context.insert("form", &self.forms.registration);
                context.insert("check", &self.forms.human_check);
                context.insert("question", &Option::<()>::None);
                context.insert("csrf", "");
                ("Organisation registrieren".into(), "Registrieren Sie Ihre Organisation im Cloud-Service-Portal, um Cloud-Services zu bestellen.".into(), "konto", None, true)
            }
            Job::SignIn => {
                context.insert("form", &self.forms.sign_in);
                context.insert("csrf", "");
                ("Anmelden".into(), "Melden Sie sich im Cloud-Service-Portal an.".into(), "konto", None, true)
            }
            Job::Need => {
                context.insert("form", &self.forms.need);
                context.insert("csrf", "");
                context.insert("categories", &views::category_choices(site.catalog));
                ("Bedarf melden".into(), "Fehlt ein Cloud-Service? Melden Sie Ihren Bedarf dem Betreiberteam des Portals.".into(), "katalog", None, true)
            }
            Job::NotFound => ("Seite nicht gefunden".into(), "Diese Seite gibt es nicht (mehr).".into(), "", None, true),
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
            .map_err(|e| template_error(template, &e))?;
        Ok(without_links)
    }

    fn home_context(&self, context: &mut Context) {
        let site = self.site;
        let featured: Vec<usize> = (0..site.offerings.len())
            .filter(|&i| site.offerings[i].offering.featured)
            .take(6)
            .collect();
        // A featured offering is not shown again under "Neu und aktualisiert": the same tile
        // twice on one page would repeat its heading and its element ids.
        let mut newest: Vec<usize> = (0..site.offerings.len())
            .filter(|i| !featured.contains(i))
            .collect();
        newest.sort_by(|&a, &b| {
            let (a, b) = (site.offerings[a].offering, site.offerings[b].offering);
            b.updated.cmp(&a.updated).then_with(|| a.id.cmp(&b.id))
        });
        let tiles = |list: &[usize]| -> Vec<&str> {
            list.iter()
                .take(6)
                .map(|&i| self.tiles[i].as_str())
                .collect()
        };
        let (featured, newest) = (tiles(&featured), tiles(&newest));
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
        let members = self.listing_page_members(listing, page);
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
        // Every page of the overview ends with the open data and Bedarf links; every page of
        // a filtered listing links to that filter in the overview.
        context.insert("is_catalog", &listing.is_overview);
        context.insert("refine", &listing.refine);
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The footer's newsletter form, rendered once per build, reads exactly as the partial the
    /// function's pages include: a page rendered with it and one through the include are the
    /// same, byte for byte.
    #[test]
    fn shared_footer_reads_as_the_partial_the_function_includes() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let catalog = catalog::load_catalog(&repo.join("content")).unwrap();
        let site = Site::new(&catalog, "https://portal.example");
        let theme = repo.join("themes/default");
        let mut renderer = Renderer::new(&site, &theme, "v".into()).unwrap();
        let jobs = [Job::NotFound, Job::Offering(0), Job::Order(0)];
        let shared: Vec<String> = jobs
            .iter()
            .map(|&job| renderer.render(job, &renderer.path(job)).unwrap())
            .collect();
        renderer.shared.footer_newsletter = tera::Value::none();
        for (&job, shared) in jobs.iter().zip(&shared) {
            let included = renderer.render(job, &renderer.path(job)).unwrap();
            assert_eq!(&included, shared, "{job:?}");
        }
        // The form is there at all.
        let count = |html: &str, selector: &str| {
            let selector = scraper::Selector::parse(selector).unwrap();
            scraper::Html::parse_document(html)
                .select(&selector)
                .count()
        };
        for html in &shared {
            assert_eq!(
                count(
                    html,
                    "footer form[action='/api/newsletter'] input[name=email]"
                ),
                1
            );
        }
    }
}
