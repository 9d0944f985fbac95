//! Small, borrowed view models for single pages. Each is built right before its page is
//! rendered and holds only what that template shows, already formatted in German.

use catalog::format::{german_date, german_decimal};
use catalog::{
    Catalog, FaqAudience, MaturityModel, OfferingOption, OptionType, Plan, Provider, ServiceType,
};
use pulldown_cmark::HeadingLevel;
use serde::Serialize;

use super::fragments::MaturitySection;
use super::markdown;
use super::site::{OfferingInfo, Site};

#[derive(Serialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

#[derive(Serialize)]
pub struct PlanView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// "1.249,50 €" or "kostenfrei".
    pub price: String,
    pub unit: Option<&'a str>,
    pub billing: &'static str,
    /// A free plan's billing ("kostenfrei") repeats its price, so forms leave it out.
    pub free: bool,
    pub minimum_term: Option<String>,
    pub description: Option<&'a str>,
}

impl<'a> PlanView<'a> {
    pub fn new(plan: &'a Plan) -> PlanView<'a> {
        PlanView {
            id: &plan.id,
            name: &plan.name,
            price: catalog::format::plan_price(plan.price),
            unit: plan.unit.as_deref(),
            billing: plan.billing.label(),
            free: plan.is_free(),
            minimum_term: plan.minimum_term_months.map(catalog::format::minimum_term),
            description: plan.description.as_deref(),
        }
    }
}

#[derive(Serialize)]
pub struct OptionView<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub kind: &'static str,
    pub type_label: &'static str,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// "5 bis 10.000", "mindestens 5".
    pub range: Option<String>,
    pub choices: &'a [String],
    pub required: bool,
    pub help: Option<&'a str>,
}

impl<'a> OptionView<'a> {
    pub fn new(option: &'a OfferingOption) -> OptionView<'a> {
        let number = |n: i64| german_decimal(n.into()).trim_end_matches(",00").to_owned();
        let range = match (option.min, option.max) {
            (Some(min), Some(max)) => Some(format!("{} bis {}", number(min), number(max))),
            (Some(min), None) => Some(format!("mindestens {}", number(min))),
            (None, Some(max)) => Some(format!("höchstens {}", number(max))),
            (None, None) => None,
        };
        OptionView {
            id: &option.id,
            label: &option.label,
            kind: option.option_type.as_str(),
            type_label: option.option_type.label(),
            min: option
                .min
                .filter(|_| option.option_type == OptionType::Integer),
            max: option
                .max
                .filter(|_| option.option_type == OptionType::Integer),
            range,
            choices: &option.choices,
            required: option.required,
            help: option.help.as_deref(),
        }
    }
}

#[derive(Serialize)]
pub struct DimensionView<'a> {
    pub name: &'a str,
    /// The rows of its criteria, pre-rendered ([`MaturityRows`](super::fragments::MaturityRows)).
    pub rows_html: String,
}

#[derive(Serialize)]
pub struct MaturityView<'a> {
    pub assessed: String,
    pub percent: u8,
    /// Levels reached and possible, so the percentage can be checked.
    pub levels_reached: u32,
    pub levels_possible: u32,
    pub all_minimal_met: bool,
    pub minimal_count: usize,
    /// The minimal criteria's list items, pre-rendered.
    pub minimal_html: String,
    pub dimensions: Vec<DimensionView<'a>>,
}

#[derive(Serialize)]
pub struct DetailView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub url: &'a str,
    pub summary: &'a str,
    pub provider: Link,
    pub service_type: &'static str,
    pub service_type_url: String,
    pub categories: Vec<Link>,
    pub tags: &'a [String],
    pub price_from: &'a str,
    pub price_unit: Option<&'a str>,
    pub plans: Vec<PlanView<'a>>,
    pub provisioning_time: &'a str,
    pub customer_scope: Vec<&'static str>,
    pub contract_models: Vec<&'static str>,
    pub options: Vec<OptionView<'a>>,
    pub documents: Vec<Link>,
    pub description_html: String,
    pub conditions_html: String,
    pub maturity: MaturityView<'a>,
    pub contact_email: Option<&'a str>,
    pub contact_url: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub updated: String,
}

/// The detail page's view; `maturity` is the offering's section from [`MaturityRows`].
///
/// [`MaturityRows`]: super::fragments::MaturityRows
pub fn detail<'a>(
    site: &'a Site<'_>,
    info: &'a OfferingInfo<'_>,
    maturity_section: MaturitySection<'a>,
) -> DetailView<'a> {
    let offering = info.offering;
    let catalog = site.catalog;
    DetailView {
        id: &offering.id,
        name: &offering.name,
        url: &info.url,
        summary: &offering.summary,
        provider: Link {
            label: info.provider.name.clone(),
            url: format!("/anbieter/{}/", info.provider.id),
        },
        service_type: offering.service_type.label(),
        service_type_url: format!("/cloud-services/typ/{}/", offering.service_type.as_str()),
        categories: offering
            .categories
            .iter()
            .filter_map(|c| {
                let (top, sub) = catalog.portfolio.resolve(c)?;
                Some(Link {
                    label: format!("{} › {}", top.name, sub.name),
                    url: format!("/cloud-services/kategorie/{}/{}/", top.id, sub.id),
                })
            })
            .collect(),
        tags: &offering.tags,
        price_from: &info.price_from,
        price_unit: info.price_unit,
        plans: offering.plans.iter().map(PlanView::new).collect(),
        provisioning_time: &offering.provisioning_time,
        customer_scope: offering.customer_scope.iter().map(|s| s.label()).collect(),
        contract_models: offering.contract_models.iter().map(|m| m.label()).collect(),
        options: offering.options.iter().map(OptionView::new).collect(),
        documents: offering
            .documents
            .iter()
            .map(|d| Link {
                label: d.title.clone(),
                url: d.url.clone(),
            })
            .collect(),
        description_html: markdown::to_html(&offering.description, HeadingLevel::H3),
        conditions_html: markdown::to_html(&offering.conditions, HeadingLevel::H3),
        maturity: maturity(&catalog.maturity_model, info, maturity_section),
        contact_email: offering.contact.email.as_deref(),
        contact_url: offering.contact.url.as_deref(),
        contact_phone: offering.contact.phone.as_deref(),
        updated: german_date(offering.updated),
    }
}

fn maturity<'a>(
    model: &'a MaturityModel,
    info: &'a OfferingInfo<'_>,
    section: MaturitySection<'a>,
) -> MaturityView<'a> {
    let (levels_reached, levels_possible) = catalog::format::maturity_levels(info.offering, model);
    MaturityView {
        assessed: german_date(info.offering.maturity.assessed),
        percent: info.maturity,
        levels_reached,
        levels_possible,
        all_minimal_met: section.all_minimal_met,
        minimal_count: model.minimal_criteria.len(),
        minimal_html: section.minimal_html,
        dimensions: section
            .dimensions
            .into_iter()
            .map(|(name, rows_html)| DimensionView { name, rows_html })
            .collect(),
    }
}

#[derive(Serialize)]
pub struct ProviderView<'a> {
    pub name: &'a str,
    pub kind: &'static str,
    pub website: Option<&'a str>,
    pub description_html: String,
    pub hv_level: Option<u8>,
    pub hv_assessed: Option<String>,
}

/// The public part of a provider: never its `order_email`.
pub fn provider(provider: &Provider) -> ProviderView<'_> {
    ProviderView {
        name: &provider.name,
        kind: provider.kind.label(),
        website: provider.website.as_deref(),
        description_html: markdown::to_html(&provider.description, HeadingLevel::H2),
        hv_level: provider.hv_benchmark.as_ref().map(|h| h.level),
        hv_assessed: provider
            .hv_benchmark
            .as_ref()
            .map(|h| german_date(h.assessed)),
    }
}

#[derive(Serialize)]
pub struct QuestionView<'a> {
    pub id: &'a str,
    pub question: &'a str,
    pub answer_html: String,
}

#[derive(Serialize)]
pub struct SectionView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub questions: Vec<QuestionView<'a>>,
}

pub fn faq_sections(audience: &FaqAudience) -> Vec<SectionView<'_>> {
    audience
        .sections
        .iter()
        .map(|s| SectionView {
            id: &s.id,
            title: &s.title,
            questions: s
                .questions
                .iter()
                .map(|q| QuestionView {
                    id: &q.id,
                    question: &q.question,
                    answer_html: markdown::to_html(&q.answer, HeadingLevel::H4),
                })
                .collect(),
        })
        .collect()
}

#[derive(Serialize)]
pub struct ModelCriterionView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub applies_to: String,
    pub levels: Vec<(u8, &'a str)>,
}

#[derive(Serialize)]
pub struct ModelDimensionView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub criteria: Vec<ModelCriterionView<'a>>,
}

pub fn model_dimensions(model: &MaturityModel) -> Vec<ModelDimensionView<'_>> {
    model
        .dimensions
        .iter()
        .map(|d| ModelDimensionView {
            id: &d.id,
            name: &d.name,
            description: &d.description,
            criteria: d
                .criteria
                .iter()
                .map(|c| ModelCriterionView {
                    id: &c.id,
                    name: &c.name,
                    description: &c.description,
                    applies_to: if c.applies_to.len() == ServiceType::ALL.len() {
                        "alle Servicearten".into()
                    } else {
                        c.applies_to
                            .iter()
                            .map(|t| t.label())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                    levels: c
                        .levels
                        .iter()
                        .map(|l| (l.level, l.description.as_str()))
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// Sub-categories for the "Bedarf melden" form: (value `top/sub`, label) grouped by top.
pub fn category_choices(catalog: &Catalog) -> Vec<(String, Vec<(String, String)>)> {
    catalog
        .portfolio
        .categories
        .iter()
        .map(|top| {
            (
                top.name.clone(),
                top.subcategories
                    .iter()
                    .map(|s| (format!("{}/{}", top.id, s.id), s.name.clone()))
                    .collect(),
            )
        })
        .collect()
}
