//! The site model: everything pages need, computed once from the catalog.
//!
//! Only published offerings enter this model, so drafts and retired offerings cannot reach any
//! page, export, feed or sitemap by accident. Offerings are kept in display order (German
//! alphabetical, ties broken by id); every listing is a list of indices into that order.

use std::collections::{BTreeMap, BTreeSet};

use catalog::format::maturity_percent;
use catalog::{Catalog, ContractModel, CustomerScope, Offering, Plan, Provider, ServiceType};
use rust_decimal::Decimal;
use serde::Serialize;

/// Tiles per listing page.
pub const PER_PAGE: usize = 24;

/// Minimum maturity bands offered as a filter: `/cloud-services/reifegrad/ab-<n>/`.
pub const MATURITY_BANDS: &[u8] = &[25, 50, 75];

/// One published offering with the values derived from it.
pub struct OfferingInfo<'a> {
    pub offering: &'a Offering,
    pub provider: &'a Provider,
    pub url: String,
    pub maturity: u8,
    pub lowest_price: Option<Decimal>,
    /// "ab 4,20 €", "kostenfrei", "kostenfrei oder ab 7,90 €" (`catalog::format::price_from`). Net
    /// prices are the ones with "€" in them.
    pub price_from: String,
    /// The unit of the plan named in `price_from`.
    pub price_unit: Option<&'a str>,
}

/// A list of offerings with its own pages: overview, category, type, provider, filter value.
pub struct Listing {
    /// URL path of the first page, with trailing slash.
    pub path: String,
    pub title: String,
    /// The listing this one belongs to, named in the page title too: a sub-category may
    /// share its name with an offering ("Log-Management").
    pub parent: Option<String>,
    pub description: String,
    /// Plain introduction under the heading.
    pub intro: Option<String>,
    /// Indices into [`Site::offerings`], in display order.
    pub members: Vec<usize>,
    /// (label, url) trail above the heading, excluding the page itself.
    pub breadcrumbs: Vec<(String, String)>,
    /// Sub-listings shown as links (sub-categories of a top category).
    pub children: Vec<(String, String, usize)>,
    /// Atom feed of this listing, if it has one.
    pub feed: Option<String>,
    /// The catalog overview gets the filter form and the facet links.
    pub is_overview: bool,
    /// The overview's query that selects the same offerings (`kundenkreis=land`), for the
    /// link to refine this listing further there; `None` for the overview itself.
    pub refine: Option<String>,
    /// The provider page shows the provider's profile above the tiles.
    pub provider: Option<usize>,
}

impl Listing {
    pub fn page_count(&self) -> usize {
        self.members.len().div_ceil(PER_PAGE).max(1)
    }

    /// URL path of page `n` (1-based).
    pub fn page_path(&self, n: usize) -> String {
        if n <= 1 {
            self.path.clone()
        } else {
            format!("{}seite/{n}/", self.path)
        }
    }
}

/// The model the whole build renders from.
pub struct Site<'a> {
    pub catalog: &'a Catalog,
    /// Absolute origin without trailing slash, for canonical links, sitemap and feeds.
    pub base_url: String,
    /// Published offerings in display order.
    pub offerings: Vec<OfferingInfo<'a>>,
    /// Providers (by id) with the indices of their published offerings.
    pub providers: Vec<(&'a Provider, Vec<usize>)>,
    pub listings: Vec<Listing>,
}

impl<'a> Site<'a> {
    pub fn new(catalog: &'a Catalog, base_url: &str) -> Site<'a> {
        let mut offerings: Vec<OfferingInfo<'a>> = catalog
            .published()
            .filter_map(|offering| {
                let provider = catalog.provider(&offering.provider)?;
                Some(offering_info(catalog, offering, provider))
            })
            .collect();
        offerings.sort_by_cached_key(|info| {
            (collation_key(&info.offering.name), info.offering.id.clone())
        });

        let providers = catalog
            .providers
            .iter()
            .map(|provider| {
                let members = indices(&offerings, |o| o.provider.id == provider.id);
                (provider, members)
            })
            .collect();
        let mut site = Site {
            catalog,
            base_url: base_url.trim_end_matches('/').to_owned(),
            offerings,
            providers,
            listings: Vec::new(),
        };
        site.listings = site.build_listings();
        site
    }

    /// Only the published offerings among `ids`, without providers' lists or listings: what
    /// these offerings' own pages need (`csp serve` writes them first, before the listings).
    pub fn partial(catalog: &'a Catalog, base_url: &str, ids: &BTreeSet<String>) -> Site<'a> {
        Site {
            catalog,
            base_url: base_url.trim_end_matches('/').to_owned(),
            offerings: catalog
                .published()
                .filter(|offering| ids.contains(&offering.id))
                .filter_map(|offering| {
                    let provider = catalog.provider(&offering.provider)?;
                    Some(offering_info(catalog, offering, provider))
                })
                .collect(),
            providers: Vec::new(),
            listings: Vec::new(),
        }
    }

    /// Index of the provider in [`Site::providers`].
    pub fn provider_index(&self, id: &str) -> Option<usize> {
        self.providers.iter().position(|(p, _)| p.id == id)
    }

    fn build_listings(&self) -> Vec<Listing> {
        let all: Vec<usize> = (0..self.offerings.len()).collect();
        let catalog_crumb = vec![("Cloud-Services".to_owned(), "/cloud-services/".to_owned())];
        let mut listings = vec![Listing {
            path: "/cloud-services/".into(),
            title: "Cloud-Services".into(),
            parent: None,
            description: "Alle Cloud-Services für die öffentliche Verwaltung: nach Kategorie, Serviceart, Anbieter, Vertragsmodell, Kundenkreis und Reifegrad filtern und vergleichen.".into(),
            intro: Some("Finden Sie Cloud-Services öffentlicher IT-Dienstleister für Ihre Behörde. Filtern Sie nach Ihren Anforderungen, setzen Sie interessante Angebote auf die Merkliste und vergleichen Sie bis zu drei Services.".into()),
            members: all,
            breadcrumbs: Vec::new(),
            children: Vec::new(),
            feed: Some("/feed.xml".into()),
            is_overview: true,
            refine: None,
            provider: None,
        }];
        for category in &self.catalog.portfolio.categories {
            let top_path = format!("/cloud-services/kategorie/{}/", category.id);
            let members = indices(&self.offerings, |o| {
                o.offering.categories.iter().any(|c| c.top == category.id)
            });
            let children = category
                .subcategories
                .iter()
                .map(|sub| {
                    let count = self
                        .offerings
                        .iter()
                        .filter(|o| in_sub(o, &category.id, &sub.id))
                        .count();
                    (sub.name.clone(), format!("{top_path}{}/", sub.id), count)
                })
                .collect();
            listings.push(Listing {
                path: top_path.clone(),
                title: category.name.clone(),
                parent: None,
                description: category.description.clone().unwrap_or_else(|| {
                    format!(
                        "Cloud-Services der Kategorie {} für die öffentliche Verwaltung.",
                        category.name
                    )
                }),
                intro: category.description.clone(),
                members,
                breadcrumbs: catalog_crumb.clone(),
                children,
                feed: Some(format!("{top_path}feed.xml")),
                is_overview: false,
                refine: Some(format!("kategorie={}", category.id)),
                provider: None,
            });
            for sub in &category.subcategories {
                let mut crumbs = catalog_crumb.clone();
                crumbs.push((category.name.clone(), top_path.clone()));
                listings.push(Listing {
                    path: format!("{top_path}{}/", sub.id),
                    title: sub.name.clone(),
                    parent: Some(category.name.clone()),
                    description: sub.description.clone().unwrap_or_else(|| {
                        format!(
                            "Cloud-Services der Kategorie {} ({}).",
                            sub.name, category.name
                        )
                    }),
                    intro: sub.description.clone(),
                    members: indices(&self.offerings, |o| in_sub(o, &category.id, &sub.id)),
                    breadcrumbs: crumbs,
                    children: Vec::new(),
                    feed: None,
                    is_overview: false,
                    refine: Some(format!("kategorie={}/{}", category.id, sub.id)),
                    provider: None,
                });
            }
        }
        for &service_type in ServiceType::ALL {
            listings.push(Listing {
                path: format!("/cloud-services/typ/{}/", service_type.as_str()),
                title: format!("{}-Angebote", service_type.label()),
                parent: None,
                description: format!(
                    "Alle Cloud-Services der Serviceart {} ({}).",
                    service_type.label(),
                    service_type_explained(service_type)
                ),
                intro: Some(format!(
                    "{}: {}.",
                    service_type.label(),
                    service_type_explained(service_type)
                )),
                members: indices(&self.offerings, |o| o.offering.service_type == service_type),
                breadcrumbs: catalog_crumb.clone(),
                children: Vec::new(),
                feed: None,
                is_overview: false,
                refine: Some(format!("typ={}", service_type.as_str())),
                provider: None,
            });
        }
        for &model in ContractModel::ALL {
            listings.push(Listing {
                path: format!("/cloud-services/vertragsmodell/{}/", model.as_str()),
                title: format!("Bestellbar im {}", model.label()),
                parent: None,
                description: format!(
                    "Cloud-Services, die Sie im {} bestellen können.",
                    model.label()
                ),
                intro: Some(contract_model_explained(model).to_owned()),
                members: indices(&self.offerings, |o| o.offering.offers(model)),
                breadcrumbs: catalog_crumb.clone(),
                children: Vec::new(),
                feed: None,
                is_overview: false,
                refine: Some(format!("vertragsmodell={}", model.as_str())),
                provider: None,
            });
        }
        for &scope in CustomerScope::ALL {
            listings.push(Listing {
                path: format!("/cloud-services/kundenkreis/{}/", scope.as_str()),
                title: format!("Für {}", scope_dative(scope)),
                parent: None,
                description: format!(
                    "Cloud-Services, die {} bestellen können.",
                    scope_nominative(scope)
                ),
                intro: None,
                members: indices(&self.offerings, |o| {
                    o.offering.customer_scope.contains(&scope)
                }),
                breadcrumbs: catalog_crumb.clone(),
                children: Vec::new(),
                feed: None,
                is_overview: false,
                refine: Some(format!("kundenkreis={}", scope.as_str())),
                provider: None,
            });
        }
        for &band in MATURITY_BANDS {
            listings.push(Listing {
                path: format!("/cloud-services/reifegrad/ab-{band}/"),
                title: format!("Reifegrad ab {band} %"),
                parent: None,
                description: format!("Cloud-Services mit einem selbst bewerteten Reifegrad von mindestens {band} %."),
                intro: Some("Der Reifegrad ist eine Selbstauskunft der Anbieter nach dem Stufenmodell des Reifegradmodells.".into()),
                members: indices(&self.offerings, |o| o.maturity >= band),
                breadcrumbs: catalog_crumb.clone(),
                children: Vec::new(),
                feed: None,
                is_overview: false,
                refine: Some(format!("reifegrad=ab-{band}")),
                provider: None,
            });
        }
        for (index, (provider, members)) in self.providers.iter().enumerate() {
            listings.push(Listing {
                path: format!("/anbieter/{}/", provider.id),
                title: provider.name.clone(),
                parent: None,
                description: format!(
                    "{}: Profil und Cloud-Services im Cloud-Service-Portal.",
                    provider.name
                ),
                intro: None,
                members: members.clone(),
                breadcrumbs: vec![("Anbieter".into(), "/anbieter/".into())],
                children: Vec::new(),
                feed: None,
                is_overview: false,
                refine: Some(format!("anbieter={}", provider.id)),
                provider: Some(index),
            });
        }
        listings
    }
}

fn offering_info<'a>(
    catalog: &Catalog,
    offering: &'a Offering,
    provider: &'a Provider,
) -> OfferingInfo<'a> {
    let lowest: Option<&Plan> = offering.lowest_price();
    let (price_from, price_unit) = catalog::format::price_from(offering);
    OfferingInfo {
        offering,
        provider,
        url: format!("/cloud-services/{}/", offering.id),
        maturity: maturity_percent(offering, &catalog.maturity_model),
        lowest_price: lowest.map(|p| p.price),
        price_from,
        price_unit,
    }
}

fn in_sub(info: &OfferingInfo<'_>, top: &str, sub: &str) -> bool {
    info.offering
        .categories
        .iter()
        .any(|c| c.top == top && c.sub == sub)
}

fn indices(offerings: &[OfferingInfo<'_>], keep: impl Fn(&OfferingInfo<'_>) -> bool) -> Vec<usize> {
    offerings
        .iter()
        .enumerate()
        .filter(|(_, o)| keep(o))
        .map(|(i, _)| i)
        .collect()
}

/// Sort key for German alphabetical order (DIN 5007 variant 1): case-insensitive, umlauts
/// sorted with their base letter, ß as ss.
pub fn collation_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => key.push('a'),
            'ö' => key.push('o'),
            'ü' => key.push('u'),
            'ß' => key.push_str("ss"),
            'é' | 'è' => key.push('e'),
            c => key.push(c),
        }
    }
    key
}

pub fn service_type_explained(service_type: ServiceType) -> &'static str {
    match service_type {
        ServiceType::Saas => "fertige Anwendungen, die Sie direkt im Browser oder per App nutzen",
        ServiceType::Paas => {
            "Plattformen, auf denen Sie eigene Anwendungen betreiben und entwickeln"
        }
        ServiceType::Iaas => "Infrastruktur wie Rechenleistung, Speicher und Netze",
    }
}

pub fn contract_model_explained(model: ContractModel) -> &'static str {
    match model {
        ContractModel::Direktvertrag => {
            "Im Direktvertrag schließen Sie den Vertrag unmittelbar mit dem Anbieter."
        }
        ContractModel::Umklappvertrag => {
            "Im Umklappvertrag bestellen Sie über den Intermediär govdigital eG. Dafür brauchen Sie und der Anbieter eine Inhouse-Beziehung zur govdigital."
        }
    }
}

pub fn scope_dative(scope: CustomerScope) -> &'static str {
    match scope {
        CustomerScope::Bund => "den Bund",
        CustomerScope::Land => "die Länder",
        CustomerScope::Kommune => "Kommunen",
    }
}

fn scope_nominative(scope: CustomerScope) -> &'static str {
    match scope {
        CustomerScope::Bund => "Behörden des Bundes",
        CustomerScope::Land => "Behörden der Länder",
        CustomerScope::Kommune => "Kommunen",
    }
}

/// Tile data shared by the pre-rendered tile fragment.
#[derive(Serialize)]
pub struct TileView<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub name: &'a str,
    pub provider: &'a str,
    pub service_type: &'static str,
    pub summary: &'a str,
    pub price_from: &'a str,
    pub price_unit: Option<&'a str>,
    pub maturity: u8,
    /// Maturity rounded to tens, for the meter's CSS class (no inline styles: CSP).
    pub maturity_band: u8,
}

impl<'a> OfferingInfo<'a> {
    pub fn tile(&self) -> TileView<'_> {
        TileView {
            id: &self.offering.id,
            url: &self.url,
            name: &self.offering.name,
            provider: &self.provider.name,
            service_type: self.offering.service_type.label(),
            summary: &self.offering.summary,
            price_from: &self.price_from,
            price_unit: self.price_unit,
            maturity: self.maturity,
            maturity_band: (self.maturity + 5) / 10 * 10,
        }
    }
}

/// Counts of published offerings per top-level category id, for the start page.
pub fn category_counts(site: &Site<'_>) -> BTreeMap<String, usize> {
    site.listings
        .iter()
        .filter_map(|l| {
            let rest = l.path.strip_prefix("/cloud-services/kategorie/")?;
            let top = rest.strip_suffix('/')?;
            (!top.contains('/')).then(|| (top.to_owned(), l.members.len()))
        })
        .collect()
}
