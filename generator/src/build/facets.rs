//! The overview's filter facets: every filter value with its listing page and count.

use catalog::{ContractModel, CustomerScope, ServiceType};
use serde::Serialize;

use super::site::{MATURITY_BANDS, Site};

#[derive(Serialize)]
pub struct FacetItem {
    value: String,
    label: String,
    url: String,
    count: usize,
    sub: bool,
}

#[derive(Serialize)]
pub struct FacetGroup {
    name: &'static str,
    legend: &'static str,
    items: Vec<FacetItem>,
}

/// The facet groups of the catalog overview's filter form, in the order it shows them.
pub fn facets(site: &Site<'_>) -> Vec<FacetGroup> {
    let listing_count = |path: &str| {
        site.listings
            .iter()
            .find(|l| l.path == path)
            .map_or(0, |l| l.members.len())
    };
    let mut category = Vec::new();
    for top in &site.catalog.portfolio.categories {
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
            items: site
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
