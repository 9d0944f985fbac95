//! Machine-readable files: the catalog as JSON and CSV, Atom feeds, sitemap, robots.txt and
//! the compact data files the site's JavaScript filters and compares with.
//!
//! All of them are built from [`Site`], which holds published offerings only.

use catalog::Offering;
use catalog::format::{german_date, german_decimal};
use serde::Serialize;

use super::site::{OfferingInfo, Site};
use super::views::PlanView;

/// The JSON Schema of `katalog.json`, published beside it.
pub const EXPORT_SCHEMA: &str = include_str!("katalog.schema.json");

/// The `$id` in [`EXPORT_SCHEMA`], replaced by the address the site publishes it at.
const EXPORT_SCHEMA_ID: &str =
    "https://cloud-service-portal.example/cloud-services/katalog.schema.json";

/// The schema as published: its `$id` is its address on this site, the one `katalog.json`'s
/// `$schema` names.
pub fn export_schema(base_url: &str) -> String {
    EXPORT_SCHEMA.replacen(
        EXPORT_SCHEMA_ID,
        &format!("{base_url}/cloud-services/katalog.schema.json"),
        1,
    )
}

/// Entries per Atom feed: the most recently updated offerings.
const FEED_ENTRIES: usize = 50;

#[derive(Serialize)]
struct ExportOffering<'a> {
    #[serde(flatten)]
    offering: &'a Offering,
    provider_name: &'a str,
    url: String,
    maturity_percent: u8,
}

#[derive(Serialize)]
struct Export<'a> {
    #[serde(rename = "$schema")]
    schema: String,
    format: u32,
    count: usize,
    offerings: Vec<ExportOffering<'a>>,
}

/// `/cloud-services/katalog.json`: every published offering as in its file, plus the
/// provider's name, the page address and the maturity percentage.
pub fn catalog_json(site: &Site<'_>) -> Result<Vec<u8>, serde_json::Error> {
    let mut offerings: Vec<&OfferingInfo<'_>> = site.offerings.iter().collect();
    offerings.sort_by(|a, b| a.offering.id.cmp(&b.offering.id));
    let export = Export {
        schema: format!("{}/cloud-services/katalog.schema.json", site.base_url),
        format: 1,
        count: offerings.len(),
        offerings: offerings
            .into_iter()
            .map(|info| ExportOffering {
                offering: info.offering,
                provider_name: &info.provider.name,
                url: format!("{}{}", site.base_url, info.url),
                maturity_percent: info.maturity,
            })
            .collect(),
    };
    json_bytes(&export, site.offerings.len() * 4096)
}

/// `value` as JSON, written into a buffer of about its size: growing a buffer of tens of
/// megabytes by doubling copies it over and over.
fn json_bytes(value: &impl Serialize, capacity: usize) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut out, value)?;
    Ok(out)
}

/// Columns of `katalog.csv`.
pub const CSV_HEADER: &[&str] = &[
    "Kennung",
    "Name",
    "Anbieter",
    "Serviceart",
    "Kategorien",
    "Kurzbeschreibung",
    "Preis ab (EUR netto)",
    "Preiseinheit",
    "Vertragsmodelle",
    "Kundenkreis",
    "Bereitstellungszeit",
    "Reifegrad (%)",
    "Aktualisiert",
    "Adresse",
    // The price as tiles and detail pages give it; the two price columns are the cheapest
    // plan alone, which may be a free trial beside paid plans.
    "Preisangabe",
];

/// `/cloud-services/katalog.csv` for German spreadsheet programs: UTF-8 with BOM, `;` as
/// separator, decimal comma, CRLF line ends. Cells that a spreadsheet would run as a formula
/// get a leading apostrophe (CSV injection).
pub fn catalog_csv(site: &Site<'_>) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::with_capacity(site.offerings.len() * 400);
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(CSV_HEADER)?;
    let mut offerings: Vec<&OfferingInfo<'_>> = site.offerings.iter().collect();
    offerings.sort_by(|a, b| a.offering.id.cmp(&b.offering.id));
    for info in offerings {
        let o = info.offering;
        let categories = o
            .categories
            .iter()
            .filter_map(|c| site.catalog.portfolio.resolve(c))
            .map(|(top, sub)| format!("{} › {}", top.name, sub.name))
            .collect::<Vec<_>>()
            .join(", ");
        let join = |labels: Vec<&str>| labels.join(", ");
        let record = [
            o.id.clone(),
            o.name.clone(),
            info.provider.name.clone(),
            o.service_type.label().to_owned(),
            categories,
            o.summary.clone(),
            info.lowest_price.map(german_decimal).unwrap_or_default(),
            // The unit of the plan the "Preis ab" column gives (a free plan has none).
            o.lowest_price()
                .and_then(|plan| plan.unit.as_deref())
                .unwrap_or_default()
                .to_owned(),
            join(o.contract_models.iter().map(|m| m.label()).collect()),
            join(o.customer_scope.iter().map(|s| s.label()).collect()),
            o.provisioning_time.clone(),
            info.maturity.to_string(),
            german_date(o.updated),
            format!("{}{}", site.base_url, info.url),
            catalog::format::price_line(o),
        ];
        writer.write_record(record.iter().map(|cell| defuse_formula(cell)))?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

fn defuse_formula(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// An Atom feed of the most recently updated offerings among `members`.
pub fn atom_feed(
    site: &Site<'_>,
    members: &[usize],
    title: &str,
    feed_path: &str,
    page_path: &str,
) -> String {
    let mut entries: Vec<&OfferingInfo<'_>> = members.iter().map(|&i| &site.offerings[i]).collect();
    entries.sort_by(|a, b| {
        b.offering
            .updated
            .cmp(&a.offering.updated)
            .then_with(|| a.offering.id.cmp(&b.offering.id))
    });
    entries.truncate(FEED_ENTRIES);
    let base = &site.base_url;
    let updated = entries.first().map_or_else(
        || "2026-01-01T00:00:00Z".to_owned(),
        |e| rfc3339(e.offering),
    );
    let mut xml = String::with_capacity(1024 + entries.len() * 600);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\">\n");
    xml.push_str(&format!(
        "<title>{}</title>\n<subtitle>Neue und geänderte Cloud-Services im Cloud-Service-Portal</subtitle>\n<id>{base}{feed_path}</id>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"{base}{feed_path}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{base}{page_path}\"/>\n<updated>{updated}</updated>\n<author><name>Cloud-Service-Portal</name></author>\n",
        escape_xml(title)
    ));
    for info in entries {
        let o = info.offering;
        xml.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>{base}{url}</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"{base}{url}\"/>\n<updated>{}</updated>\n<author><name>{}</name></author>\n",
            escape_xml(&o.name),
            rfc3339(o),
            escape_xml(&info.provider.name),
            url = info.url,
        ));
        for category in &o.categories {
            if let Some((top, sub)) = site.catalog.portfolio.resolve(category) {
                xml.push_str(&format!(
                    "<category term=\"{}\" label=\"{}\"/>\n",
                    escape_xml(&category.to_string()),
                    escape_xml(&format!("{} › {}", top.name, sub.name))
                ));
            }
        }
        xml.push_str(&format!(
            "<summary>{} ({}, {})</summary>\n</entry>\n",
            escape_xml(&o.summary),
            o.service_type.label(),
            escape_xml(&catalog::format::price_line(o))
        ));
    }
    xml.push_str("</feed>\n");
    xml
}

fn rfc3339(offering: &Offering) -> String {
    format!("{}T00:00:00Z", offering.updated)
}

pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

pub fn sitemap(site: &Site<'_>, paths: &[String]) -> String {
    let mut xml = String::with_capacity(100 + paths.len() * 90);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for path in paths {
        xml.push_str("<url><loc>");
        xml.push_str(&escape_xml(&format!("{}{path}", site.base_url)));
        xml.push_str("</loc></url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

pub fn robots(site: &Site<'_>) -> String {
    format!(
        "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /bestellen/\n\nSitemap: {}/sitemap.xml\n",
        site.base_url
    )
}

/// `/cloud-services/filter-data.json`: what the overview's instant filters, the Merkliste
/// and the header need, with short keys (it is downloaded by browsers).
#[derive(Serialize)]
struct FilterOffering<'a> {
    /// id
    i: &'a str,
    /// name
    n: &'a str,
    /// provider id
    a: &'a str,
    /// service type
    t: &'static str,
    /// categories `top/sub`
    k: Vec<String>,
    /// summary
    s: &'a str,
    /// lowest price as a number (for sorting)
    p: Option<f64>,
    /// "ab 4,20 €"
    pt: &'a str,
    /// price unit
    pu: Option<&'a str>,
    /// maturity percent
    r: u8,
    /// updated, ISO date
    u: String,
    /// contract models
    v: Vec<&'static str>,
    /// customer scope
    c: Vec<&'static str>,
}

#[derive(Serialize)]
struct FilterData<'a> {
    anbieter: Vec<(&'a str, &'a str)>,
    typen: Vec<(&'static str, &'static str)>,
    o: Vec<FilterOffering<'a>>,
}

pub fn filter_data(site: &Site<'_>) -> Result<Vec<u8>, serde_json::Error> {
    use rust_decimal::prelude::ToPrimitive;
    let data = FilterData {
        anbieter: site
            .providers
            .iter()
            .map(|(p, _)| (p.id.as_str(), p.name.as_str()))
            .collect(),
        typen: catalog::ServiceType::ALL
            .iter()
            .map(|t| (t.as_str(), t.label()))
            .collect(),
        o: site
            .offerings
            .iter()
            .map(|info| {
                let o = info.offering;
                FilterOffering {
                    i: &o.id,
                    n: &o.name,
                    a: &o.provider,
                    t: o.service_type.as_str(),
                    k: o.categories.iter().map(ToString::to_string).collect(),
                    s: &o.summary,
                    p: info.lowest_price.and_then(|p| p.to_f64()),
                    pt: &info.price_from,
                    pu: info.price_unit,
                    r: info.maturity,
                    u: o.updated.to_string(),
                    v: o.contract_models.iter().map(|m| m.as_str()).collect(),
                    c: o.customer_scope.iter().map(|s| s.as_str()).collect(),
                }
            })
            .collect(),
    };
    json_bytes(&data, site.offerings.len() * 512)
}

#[derive(Serialize)]
struct CompareCriterion<'a> {
    d: &'a str,
    n: &'a str,
    m: u8,
}

#[derive(Serialize)]
struct CompareOffering<'a> {
    n: &'a str,
    a: &'a str,
    t: &'static str,
    pt: &'a str,
    plans: Vec<String>,
    bt: &'a str,
    v: Vec<&'static str>,
    c: Vec<&'static str>,
    r: u8,
    ma: String,
    /// Level per criterion, in the order of `kriterien`; null where not assessed.
    l: Vec<Option<u8>>,
}

#[derive(Serialize)]
struct CompareData<'a> {
    kriterien: Vec<CompareCriterion<'a>>,
    o: std::collections::BTreeMap<&'a str, CompareOffering<'a>>,
}

/// `/vergleich/daten.json`: what the comparison table shows.
pub fn compare_data(site: &Site<'_>) -> Result<Vec<u8>, serde_json::Error> {
    let model = &site.catalog.maturity_model;
    let criteria: Vec<_> = model.criteria().collect();
    let data = CompareData {
        kriterien: criteria
            .iter()
            .map(|(d, c)| CompareCriterion {
                d: &d.name,
                n: &c.name,
                m: c.max_level(),
            })
            .collect(),
        o: site
            .offerings
            .iter()
            .map(|info| {
                let o = info.offering;
                let plans = o
                    .plans
                    .iter()
                    .map(|plan| {
                        let view = PlanView::new(plan);
                        let mut text = format!("{}: {}", view.name, view.price);
                        if let Some(unit) = view.unit {
                            text.push(' ');
                            text.push_str(unit);
                        }
                        text
                    })
                    .collect();
                (
                    o.id.as_str(),
                    CompareOffering {
                        n: &o.name,
                        a: &info.provider.name,
                        t: o.service_type.label(),
                        pt: &info.price_from,
                        plans,
                        bt: &o.provisioning_time,
                        v: o.contract_models.iter().map(|m| m.label()).collect(),
                        c: o.customer_scope.iter().map(|s| s.label()).collect(),
                        r: info.maturity,
                        ma: german_date(o.maturity.assessed),
                        l: criteria
                            .iter()
                            .map(|(_, c)| o.maturity.levels.get(&c.id).copied())
                            .collect(),
                    },
                )
            })
            .collect(),
    };
    json_bytes(&data, site.offerings.len() * 512)
}
