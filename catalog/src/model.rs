//! The typed catalog: what content files mean once they are valid.
//!
//! These types mirror the file format of `offering-format.md` field by field; the JSON Schema
//! under `schema/` is generated from them, so editors and `csp check` cannot drift apart.
//! Everything after loading (pages, search index, exports, the function's snapshot) reads only
//! these types.

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version of the file format; bumped only for incompatible changes.
pub const FORMAT_VERSION: i64 = 1;

macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal => $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The words of [`Self::ALL`], in the same order.
            pub const KEYWORDS: &'static [&'static str] = &[$($text),+];

            /// The word used in files and URLs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The German label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            pub fn keywords() -> impl Iterator<Item = &'static str> {
                Self::ALL.iter().map(|v| v.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keyword_enum!(
    /// SaaS, PaaS or IaaS.
    ServiceType { Saas = "saas" => "SaaS", Paas = "paas" => "PaaS", Iaas = "iaas" => "IaaS" }
);
keyword_enum!(
    /// Kundenkreis: which level of administration may order.
    CustomerScope { Bund = "bund" => "Bund", Land = "land" => "Länder", Kommune = "kommune" => "Kommunen" }
);
keyword_enum!(
    /// Direktvertrag with the provider, or Umklappvertrag through the intermediary.
    ContractModel {
        Direktvertrag = "direktvertrag" => "Direktvertrag",
        Umklappvertrag = "umklappvertrag" => "Umklappvertrag",
    }
);
keyword_enum!(
    Billing {
        Monthly = "monthly" => "monatlich",
        Yearly = "yearly" => "jährlich",
        Once = "once" => "einmalig",
        Free = "free" => "kostenfrei",
    }
);
keyword_enum!(
    /// Only published offerings appear anywhere; drafts and retired ones are kept in the repo.
    Status { Published = "published" => "veröffentlicht", Draft = "draft" => "Entwurf", Retired = "retired" => "eingestellt" }
);
keyword_enum!(
    OptionType {
        Integer = "integer" => "Ganzzahl",
        Choice = "choice" => "Auswahl",
        Text = "text" => "Text",
        Boolean = "boolean" => "Ja/Nein",
    }
);
keyword_enum!(
    ProviderKind {
        Verwaltungsintern = "verwaltungsintern" => "verwaltungsintern",
        Verwaltungsextern = "verwaltungsextern" => "verwaltungsextern",
    }
);

/// One cloud service, `content/offerings/<id>.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(title = "Angebot (Cloud-Service)", deny_unknown_fields)]
pub struct Offering {
    /// Version of the file format; always 1.
    #[schemars(range(min = 1, max = 1))]
    pub format: i64,
    /// Kennung: lower-case words joined by hyphens; equals the file name without `.yaml`.
    #[schemars(regex(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"), length(max = 80))]
    pub id: String,
    /// Name of the service, 1 to 80 characters.
    #[schemars(length(min = 1, max = 80))]
    pub name: String,
    /// Kennung of the provider, a file in `content/providers/`.
    pub provider: String,
    pub service_type: ServiceType,
    /// Portfolio categories as `<top>/<sub>` ids from `content/portfolio.yaml`.
    #[schemars(length(min = 1))]
    pub categories: Vec<CategoryRef>,
    /// Plain text for tiles and search results, 1 to 300 characters.
    #[schemars(length(min = 1, max = 300))]
    pub summary: String,
    /// Markdown: the body of the detail page.
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Shown among the featured offerings on the start page.
    #[serde(default)]
    pub featured: bool,
    /// Bereitstellungszeit, e.g. "5 Werktage".
    pub provisioning_time: String,
    /// Kundenkreis.
    #[schemars(length(min = 1))]
    pub customer_scope: Vec<CustomerScope>,
    #[schemars(length(min = 1))]
    pub contract_models: Vec<ContractModel>,
    /// Price plans; at least one.
    #[schemars(length(min = 1))]
    pub plans: Vec<Plan>,
    /// What the customer configures when ordering.
    #[serde(default)]
    pub options: Vec<OfferingOption>,
    #[serde(default)]
    pub documents: Vec<Document>,
    /// Markdown: servicespezifische Bedingungen.
    pub conditions: String,
    pub maturity: Maturity,
    pub contact: Contact,
    pub status: Status,
    /// Date of the last change (YYYY-MM-DD).
    pub updated: Date,
}

impl Offering {
    pub fn is_published(&self) -> bool {
        self.status == Status::Published
    }

    /// The cheapest plan's price: what tiles show as "ab …".
    pub fn lowest_price(&self) -> Option<&Plan> {
        self.plans.iter().min_by(|a, b| a.price.cmp(&b.price))
    }

    pub fn offers(&self, model: ContractModel) -> bool {
        self.contract_models.contains(&model)
    }
}

/// A `<top>/<sub>` reference into the portfolio.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CategoryRef {
    pub top: String,
    pub sub: String,
}

impl fmt::Display for CategoryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.top, self.sub)
    }
}

impl JsonSchema for CategoryRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CategoryRef".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "`<top>/<sub>` id of a portfolio category",
            "pattern": "^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*$"
        })
    }
}

impl Serialize for CategoryRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Plan {
    #[schemars(regex(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: String,
    pub name: String,
    /// Net price in EUR as a quoted decimal string with a dot: "3.50", "1249.50", "0".
    #[schemars(
        with = "String",
        regex(pattern = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,4})?$")
    )]
    pub price: Decimal,
    /// What the price is per, e.g. "je Nutzer und Monat"; required unless the price is "0".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub billing: Billing,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 120))]
    pub minimum_term_months: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Plan {
    pub fn is_free(&self) -> bool {
        self.price.is_zero()
    }
}

/// An option the customer sets in the order form.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct OfferingOption {
    #[schemars(regex(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub option_type: OptionType,
    /// Smallest allowed value (type integer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// Largest allowed value (type integer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// The values to choose from (type choice only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(default)]
    pub required: bool,
    /// A short hint shown below the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Document {
    pub title: String,
    /// An absolute https:// (or http://) address.
    #[schemars(url)]
    pub url: String,
}

/// The provider's self-assessment of this service.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Maturity {
    /// Date of the self-assessment.
    pub assessed: Date,
    /// Every minimal criterion of `content/maturity-model.yaml`, each `true`.
    pub minimal_criteria: BTreeMap<String, bool>,
    /// Stufenmodell: criterion id -> level on that criterion's scale.
    pub levels: BTreeMap<String, u8>,
}

/// At least one way to reach the service's support.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(email)]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(url)]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A public IT service provider, `content/providers/<id>.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(title = "Anbieter", deny_unknown_fields)]
pub struct Provider {
    #[schemars(range(min = 1, max = 1))]
    pub format: i64,
    #[schemars(regex(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: String,
    pub name: String,
    pub kind: ProviderKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(url)]
    pub website: Option<String>,
    /// Markdown.
    pub description: String,
    /// Where order notifications go. Never shown on the site or in its exports.
    #[schemars(email)]
    pub order_email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hv_benchmark: Option<HvBenchmark>,
}

/// Result of the BSI HV-Benchmark self-assessment of the provider organisation.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct HvBenchmark {
    #[schemars(range(min = 1, max = 5))]
    pub level: u8,
    pub assessed: Date,
}

/// The category tree, `content/portfolio.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(title = "Portfolio", deny_unknown_fields)]
pub struct Portfolio {
    pub format: i64,
    pub categories: Vec<Category>,
}

impl Portfolio {
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn resolve(&self, reference: &CategoryRef) -> Option<(&Category, &Subcategory)> {
        let top = self.category(&reference.top)?;
        let sub = top.subcategories.iter().find(|s| s.id == reference.sub)?;
        Some((top, sub))
    }

    /// Every `<top>/<sub>` id, for suggestions.
    pub fn all_refs(&self) -> Vec<String> {
        self.categories
            .iter()
            .flat_map(|c| {
                c.subcategories
                    .iter()
                    .map(move |s| format!("{}/{}", c.id, s.id))
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub subcategories: Vec<Subcategory>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Subcategory {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The DVC maturity model, `content/maturity-model.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(title = "Reifegradmodell", deny_unknown_fields)]
pub struct MaturityModel {
    pub format: i64,
    /// The three elements of the assessment.
    pub elements: Vec<MaturityElement>,
    pub minimal_criteria: Vec<MinimalCriterion>,
    pub dimensions: Vec<Dimension>,
}

impl MaturityModel {
    pub fn criteria(&self) -> impl Iterator<Item = (&Dimension, &Criterion)> {
        self.dimensions
            .iter()
            .flat_map(|d| d.criteria.iter().map(move |c| (d, c)))
    }

    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria().map(|(_, c)| c).find(|c| c.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MaturityElement {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MinimalCriterion {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Dimension {
    pub id: String,
    pub name: String,
    pub description: String,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Service types the criterion is assessed for.
    pub applies_to: Vec<ServiceType>,
    /// The scale, lowest level first.
    pub levels: Vec<Level>,
}

impl Criterion {
    pub fn applies_to(&self, service_type: ServiceType) -> bool {
        self.applies_to.contains(&service_type)
    }

    pub fn level(&self, level: u8) -> Option<&Level> {
        self.levels.iter().find(|l| l.level == level)
    }

    pub fn max_level(&self) -> u8 {
        self.levels.iter().map(|l| l.level).max().unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Level {
    pub level: u8,
    pub description: String,
}

/// The FAQ of one audience (`content/faq/kunden.yaml` plus `content/faq/kunden/*.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaqAudience {
    /// `kunden` or `anbieter`: the file stem.
    pub id: String,
    pub title: String,
    pub description: String,
    pub sections: Vec<FaqSection>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaqSection {
    pub id: String,
    pub title: String,
    /// Ordered by weight, then id.
    pub questions: Vec<FaqQuestion>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaqQuestion {
    /// The file stem, used as the question's anchor.
    pub id: String,
    pub question: String,
    pub weight: i64,
    /// Markdown.
    pub answer: String,
}

/// An information page, `content/pages/<id>.md`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Version of a legal text (e.g. the CSP-AGB), recorded with each order.
    pub version: Option<String>,
    /// Markdown.
    pub body: String,
}

/// A published version of the CSP-AGB, `content/agb/<version>.md`: never edited once
/// published (`content/agb/published.sha256` holds each version's fingerprint, and loading
/// refuses a text that no longer matches it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgbVersion {
    /// The file's stem, e.g. `2026-01`.
    pub version: String,
    /// Markdown, exactly as published.
    pub text: String,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: String,
}

/// The whole validated catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalog {
    pub portfolio: Portfolio,
    pub maturity_model: MaturityModel,
    /// Sorted by id.
    pub providers: Vec<Provider>,
    /// Every offering, whatever its status, sorted by id.
    pub offerings: Vec<Offering>,
    pub faq: Vec<FaqAudience>,
    /// Sorted by id.
    pub pages: Vec<Page>,
    /// Every published version of the CSP-AGB, sorted by version; empty for content without
    /// `agb/` (then the `agb` page is the only text).
    pub agb: Vec<AgbVersion>,
}

impl Catalog {
    /// The version of the CSP-AGB in force: the one the `agb` page names.
    pub fn current_agb(&self) -> Option<&AgbVersion> {
        let version = self.page("agb")?.version.as_deref()?;
        self.agb.iter().find(|a| a.version == version)
    }

    pub fn published(&self) -> impl Iterator<Item = &Offering> {
        self.offerings.iter().filter(|o| o.is_published())
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.providers[i])
    }

    pub fn offering(&self, id: &str) -> Option<&Offering> {
        self.offerings
            .binary_search_by(|o| o.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.offerings[i])
    }

    pub fn page(&self, id: &str) -> Option<&Page> {
        self.pages
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.pages[i])
    }
}
