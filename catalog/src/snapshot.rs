//! The order snapshot: what the function needs to validate an order and to fill a contract
//! folder, taken from the validated catalog by `csp build` and written next to the search
//! index (never under `public/`: it holds the providers' `order_email`).
//!
//! It is a separate, small, versioned format instead of the whole [`Catalog`] so that the
//! function deserialises only what it uses, and so that an order taken today keeps working
//! with the snapshot format of today even when the catalog model grows.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::format::{euro, german_date};
use crate::model::{
    Billing, Catalog, ContractModel, CustomerScope, Offering, OptionType, Plan, Provider,
    ServiceType,
};

/// Bumped when a reader of an older version could misread a newer file.
/// Version 2 stores each maturity level's texts once for all offerings (see [`SnapshotFile`]).
pub const SNAPSHOT_VERSION: u32 = 2;

/// Everything an order is checked against and copied from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderCatalog {
    pub version: u32,
    /// `version` of `content/pages/agb.md`: recorded with every order's consent.
    pub agb_version: String,
    /// The Markdown text of that version (`content/agb/<version>.md`), copied into every
    /// order's contract folder; empty for content without versioned AGB.
    #[serde(default)]
    pub agb_text: String,
    /// The portfolio, for the Bedarf form's category choice.
    pub categories: Vec<SnapshotCategory>,
    /// Published offerings only, sorted by id.
    pub offerings: Vec<OrderableOffering>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotCategory {
    pub id: String,
    pub name: String,
    /// `(id, name)` of each sub-category; the reference is `<top>/<sub>`.
    pub subcategories: Vec<(String, String)>,
}

/// An offering as it can be ordered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderableOffering {
    pub id: String,
    pub name: String,
    /// The detail page, e.g. `/cloud-services/dmessenger/`.
    pub url: String,
    pub summary: String,
    /// Markdown source of the description.
    pub description: String,
    pub service_type: ServiceType,
    pub provider: SnapshotProvider,
    pub provisioning_time: String,
    pub customer_scope: Vec<CustomerScope>,
    pub contract_models: Vec<ContractModel>,
    pub plans: Vec<SnapshotPlan>,
    pub options: Vec<SnapshotOption>,
    /// Markdown source of the servicespezifische Bedingungen.
    pub conditions: String,
    pub maturity: SnapshotMaturity,
    /// The provider's documents (Leistungsbeschreibung …), title and address; empty in
    /// snapshots and orders from before they were listed.
    #[serde(default)]
    pub documents: Vec<SnapshotDocument>,
}

/// A document of the provider, as the offering lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotDocument {
    pub title: String,
    pub url: String,
}

impl OrderableOffering {
    pub fn plan(&self, id: &str) -> Option<&SnapshotPlan> {
        self.plans.iter().find(|p| p.id == id)
    }

    pub fn offers(&self, model: ContractModel) -> bool {
        self.contract_models.contains(&model)
    }
}

/// The provider, with the address orders go to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotProvider {
    pub id: String,
    pub name: String,
    pub order_email: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotPlan {
    pub id: String,
    pub name: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    pub unit: Option<String>,
    pub billing: Billing,
    pub minimum_term_months: Option<i64>,
}

impl SnapshotPlan {
    /// `1.249,50 € je Nutzer und Monat, monatlich` – how the price reads on every document.
    pub fn price_text(&self) -> String {
        let mut text = if self.price.is_zero() {
            "kostenfrei".to_owned()
        } else {
            format!("{} netto", euro(self.price))
        };
        if let Some(unit) = &self.unit {
            text.push(' ');
            text.push_str(unit);
        }
        if self.billing != Billing::Free {
            text.push_str(", ");
            text.push_str(self.billing.label());
        }
        if let Some(months) = self.minimum_term_months {
            text.push_str(&format!(", Mindestlaufzeit {months} Monate"));
        }
        text
    }
}

/// An option's definition, as the order form and the function check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotOption {
    pub id: String,
    pub label: String,
    pub option_type: OptionType,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub choices: Vec<String>,
    pub required: bool,
    pub help: Option<String>,
}

/// The provider's self-assessment, in words, as it stood when the site was built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotMaturity {
    /// German date of the assessment, e.g. `15.03.2026`.
    pub assessed: String,
    /// Names of the minimal criteria (all are met: `csp check` refuses anything else).
    pub minimal_criteria: Vec<String>,
    /// Empty only inside a snapshot file, which keeps them apart (see [`SnapshotFile`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<SnapshotLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SnapshotLevel {
    pub dimension: String,
    pub criterion: String,
    pub level: u8,
    pub max_level: u8,
    pub description: String,
}

impl OrderCatalog {
    /// The snapshot of a validated catalog.
    pub fn from_catalog(catalog: &Catalog) -> Self {
        let parts = Parts::new(catalog);
        let offerings = parts
            .orderable()
            .map(|(offering, provider)| {
                let mut orderable = parts.offering(offering, provider);
                orderable.maturity.levels =
                    parts.levels(offering).map(LevelRef::to_owned).collect();
                orderable
            })
            .collect();
        OrderCatalog {
            version: SNAPSHOT_VERSION,
            agb_version: parts.agb_version(),
            agb_text: parts.agb_text(),
            categories: parts.categories(),
            offerings,
        }
    }

    /// One offering as the snapshot holds it (without its maturity levels), for the static
    /// order page: the same data the function's order form is built from.
    pub fn orderable_offering(
        catalog: &Catalog,
        offering: &Offering,
        provider: &Provider,
    ) -> OrderableOffering {
        Parts::new(catalog).offering(offering, provider)
    }

    /// A published offering by id.
    pub fn offering(&self, id: &str) -> Option<&OrderableOffering> {
        self.offerings
            .binary_search_by(|o| o.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.offerings[i])
    }

    /// The name of a category reference `<top>` or `<top>/<sub>`, if it exists.
    pub fn category_name(&self, reference: &str) -> Option<String> {
        let (top, sub) = match reference.split_once('/') {
            Some((top, sub)) => (top, Some(sub)),
            None => (reference, None),
        };
        let category = self.categories.iter().find(|c| c.id == top)?;
        match sub {
            None => Some(category.name.clone()),
            Some(sub) => category
                .subcategories
                .iter()
                .find(|(id, _)| id == sub)
                .map(|(_, name)| format!("{} › {name}", category.name)),
        }
    }
}

/// Why a snapshot file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a catalog snapshot: {0}")]
    Json(#[from] serde_json::Error),
    #[error("snapshot version {found} (expected {SNAPSHOT_VERSION}); rebuild the site")]
    Version { found: u32 },
    #[error("the snapshot refers to maturity level {index}, which it does not hold")]
    MissingLevel { index: usize },
    #[error("the snapshot has {lists} lists of maturity levels for {offerings} offerings")]
    LevelLists { offerings: usize, lists: usize },
}

/// `catalog.json` as written: every distinct maturity level (dimension, criterion and the
/// level's description, the same words for every offering at that level) is stored once,
/// and each offering lists the indexes of its levels. Repeated per offering they were two
/// thirds of the file (90 MB for 10,000 offerings), of its writing and of its reading.
///
/// Generic so that the build can write the levels borrowed from the catalog and the
/// offerings one at a time ([`OrderCatalog::write_catalog_json`]); it reads the defaults.
#[derive(Serialize, Deserialize)]
#[serde(bound(deserialize = "L: Deserialize<'de>, O: Deserialize<'de> + Default"))]
struct SnapshotFile<L = SnapshotLevel, O = Vec<OrderableOffering>> {
    version: u32,
    #[serde(default)]
    agb_version: String,
    #[serde(default)]
    agb_text: String,
    #[serde(default)]
    categories: Vec<SnapshotCategory>,
    #[serde(default)]
    level_texts: Vec<L>,
    /// Their maturity levels are in `levels`.
    #[serde(default)]
    offerings: O,
    /// For each offering, in the same order, the indexes of its levels in `level_texts`.
    #[serde(default)]
    levels: Vec<Vec<u32>>,
}

/// A maturity level's words, borrowed; serialised exactly like [`SnapshotLevel`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize)]
struct LevelRef<'a> {
    dimension: &'a str,
    criterion: &'a str,
    level: u8,
    max_level: u8,
    description: &'a str,
}

impl<'a> LevelRef<'a> {
    fn of(level: &'a SnapshotLevel) -> Self {
        LevelRef {
            dimension: &level.dimension,
            criterion: &level.criterion,
            level: level.level,
            max_level: level.max_level,
            description: &level.description,
        }
    }

    fn to_owned(self) -> SnapshotLevel {
        SnapshotLevel {
            dimension: self.dimension.to_owned(),
            criterion: self.criterion.to_owned(),
            level: self.level,
            max_level: self.max_level,
            description: self.description.to_owned(),
        }
    }
}

/// The file's `level_texts`: each distinct level once, in the order they first appear.
#[derive(Default)]
struct LevelTable<'a> {
    texts: Vec<LevelRef<'a>>,
    index_of: HashMap<LevelRef<'a>, u32>,
}

impl<'a> LevelTable<'a> {
    fn index(&mut self, level: LevelRef<'a>) -> u32 {
        *self.index_of.entry(level).or_insert_with(|| {
            self.texts.push(level);
            (self.texts.len() - 1) as u32
        })
    }
}

impl OrderCatalog {
    /// Writes the snapshot file (`function-data/catalog.json`).
    pub fn write_json(mut self, writer: impl std::io::Write) -> serde_json::Result<()> {
        let mut table = LevelTable::default();
        let levels = self
            .offerings
            .iter()
            .map(|o| {
                o.maturity
                    .levels
                    .iter()
                    .map(|level| table.index(LevelRef::of(level)))
                    .collect()
            })
            .collect();
        let level_texts: Vec<SnapshotLevel> =
            table.texts.into_iter().map(LevelRef::to_owned).collect();
        for offering in &mut self.offerings {
            offering.maturity.levels.clear();
        }
        serde_json::to_writer(
            writer,
            &SnapshotFile {
                version: self.version,
                agb_version: self.agb_version,
                agb_text: self.agb_text,
                categories: self.categories,
                level_texts,
                offerings: self.offerings,
                levels,
            },
        )
    }

    /// Writes the snapshot file of `catalog`, the same bytes as
    /// `OrderCatalog::from_catalog(catalog).write_json(writer)`, without the snapshot in
    /// memory: the offerings are made and written one at a time (for 10,000 offerings the
    /// whole snapshot took 100 MB, a third of a build's peak memory).
    pub fn write_catalog_json(
        catalog: &Catalog,
        writer: impl std::io::Write,
    ) -> serde_json::Result<()> {
        let parts = Parts::new(catalog);
        // Listed once, so that `offerings` and `levels` are sure to be the same offerings.
        let orderable: Vec<(&Offering, &Provider)> = parts.orderable().collect();
        let mut table = LevelTable::default();
        let levels = orderable
            .iter()
            .map(|(offering, _)| {
                parts
                    .levels(offering)
                    .map(|level| table.index(level))
                    .collect()
            })
            .collect();
        serde_json::to_writer(
            writer,
            &SnapshotFile {
                version: SNAPSHOT_VERSION,
                agb_version: parts.agb_version(),
                agb_text: parts.agb_text(),
                categories: parts.categories(),
                level_texts: table.texts,
                offerings: OfferingStream {
                    parts: &parts,
                    orderable: &orderable,
                },
                levels,
            },
        )
    }

    /// Reads a snapshot file written by [`OrderCatalog::write_json`] or
    /// [`OrderCatalog::write_catalog_json`].
    pub fn read_json(bytes: &[u8]) -> Result<OrderCatalog, SnapshotError> {
        let file: SnapshotFile = serde_json::from_slice(bytes)?;
        if file.version != SNAPSHOT_VERSION {
            return Err(SnapshotError::Version {
                found: file.version,
            });
        }
        let mut offerings = file.offerings;
        if offerings.len() != file.levels.len() {
            return Err(SnapshotError::LevelLists {
                offerings: offerings.len(),
                lists: file.levels.len(),
            });
        }
        for (offering, indexes) in offerings.iter_mut().zip(&file.levels) {
            offering.maturity.levels = indexes
                .iter()
                .map(|&i| {
                    file.level_texts
                        .get(i as usize)
                        .cloned()
                        .ok_or(SnapshotError::MissingLevel { index: i as usize })
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(OrderCatalog {
            version: file.version,
            agb_version: file.agb_version,
            agb_text: file.agb_text,
            categories: file.categories,
            offerings,
        })
    }
}

/// What the snapshot of every offering draws on: the catalog, and the names of the minimal
/// criteria by id.
struct Parts<'c> {
    catalog: &'c Catalog,
    minimal_names: BTreeMap<&'c str, &'c str>,
}

impl<'c> Parts<'c> {
    fn new(catalog: &'c Catalog) -> Self {
        let minimal_names = catalog
            .maturity_model
            .minimal_criteria
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str()))
            .collect();
        Parts {
            catalog,
            minimal_names,
        }
    }

    /// The offerings in the snapshot: the published ones whose provider exists.
    fn orderable(&self) -> impl Iterator<Item = (&'c Offering, &'c Provider)> + use<'c> {
        let catalog = self.catalog;
        catalog
            .published()
            .filter_map(move |o| Some((o, catalog.provider(&o.provider)?)))
    }

    /// The offering's assessed Stufenmodell levels in the model's order, in words.
    fn levels(&self, offering: &'c Offering) -> impl Iterator<Item = LevelRef<'c>> + use<'c> {
        self.catalog
            .maturity_model
            .dimensions
            .iter()
            .flat_map(move |dimension| {
                dimension.criteria.iter().filter_map(move |criterion| {
                    let level = *offering.maturity.levels.get(&criterion.id)?;
                    Some(LevelRef {
                        dimension: &dimension.name,
                        criterion: &criterion.name,
                        level,
                        max_level: criterion.max_level(),
                        description: criterion
                            .level(level)
                            .map_or("", |l| l.description.as_str()),
                    })
                })
            })
    }

    /// The offering as it can be ordered, without its maturity levels (see [`Parts::levels`]).
    fn offering(&self, o: &Offering, provider: &Provider) -> OrderableOffering {
        OrderableOffering {
            id: o.id.clone(),
            name: o.name.clone(),
            url: format!("/cloud-services/{}/", o.id),
            summary: o.summary.clone(),
            description: o.description.clone(),
            service_type: o.service_type,
            provider: SnapshotProvider {
                id: provider.id.clone(),
                name: provider.name.clone(),
                order_email: provider.order_email.clone(),
            },
            provisioning_time: o.provisioning_time.clone(),
            customer_scope: o.customer_scope.clone(),
            contract_models: o.contract_models.clone(),
            plans: o.plans.iter().map(snapshot_plan).collect(),
            options: o
                .options
                .iter()
                .map(|op| SnapshotOption {
                    id: op.id.clone(),
                    label: op.label.clone(),
                    option_type: op.option_type,
                    min: op.min,
                    max: op.max,
                    choices: op.choices.clone(),
                    required: op.required,
                    help: op.help.clone(),
                })
                .collect(),
            conditions: o.conditions.clone(),
            documents: o
                .documents
                .iter()
                .map(|d| SnapshotDocument {
                    title: d.title.clone(),
                    url: d.url.clone(),
                })
                .collect(),
            maturity: SnapshotMaturity {
                assessed: german_date(o.maturity.assessed),
                minimal_criteria: o
                    .maturity
                    .minimal_criteria
                    .iter()
                    .filter(|(_, met)| **met)
                    .map(|(id, _)| {
                        self.minimal_names
                            .get(id.as_str())
                            .map_or_else(|| id.clone(), |name| (*name).to_owned())
                    })
                    .collect(),
                levels: Vec::new(),
            },
        }
    }

    fn agb_text(&self) -> String {
        self.catalog
            .current_agb()
            .map(|agb| agb.text.clone())
            .unwrap_or_default()
    }

    fn agb_version(&self) -> String {
        self.catalog
            .page("agb")
            .and_then(|p| p.version.clone())
            .unwrap_or_else(|| "unbekannt".to_owned())
    }

    fn categories(&self) -> Vec<SnapshotCategory> {
        self.catalog
            .portfolio
            .categories
            .iter()
            .map(|c| SnapshotCategory {
                id: c.id.clone(),
                name: c.name.clone(),
                subcategories: c
                    .subcategories
                    .iter()
                    .map(|s| (s.id.clone(), s.name.clone()))
                    .collect(),
            })
            .collect()
    }
}

/// The file's `offerings`, made from the catalog while they are written.
struct OfferingStream<'p, 'c> {
    parts: &'p Parts<'c>,
    orderable: &'p [(&'c Offering, &'c Provider)],
}

impl Serialize for OfferingStream<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.orderable
                .iter()
                .map(|(offering, provider)| self.parts.offering(offering, provider)),
        )
    }
}

fn snapshot_plan(plan: &Plan) -> SnapshotPlan {
    SnapshotPlan {
        id: plan.id.clone(),
        name: plan.name.clone(),
        price: plan.price,
        unit: plan.unit.clone(),
        billing: plan.billing,
        minimum_term_months: plan.minimum_term_months,
    }
}
