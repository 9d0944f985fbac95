//! The order form of one offering as its template reads it (`o` in `order.html`): its
//! plans, contract models and options from the catalog snapshot, with what was chosen and
//! each message. The static order page and the function's page build it the same way.

use serde::Serialize;

use crate::format::{german_decimal, minimum_term, order_button, plan_price, who_may_order};
use crate::forms::{self, FormView};
use crate::model::{ContractModel, OptionType};
use crate::snapshot::OrderableOffering;

#[derive(Debug, Clone, Serialize)]
pub struct PlanChoice<'a> {
    pub id: &'a str,
    /// The radio button's element id.
    pub input_id: String,
    pub name: &'a str,
    /// "1.249,50 €" or "kostenfrei".
    pub price: String,
    pub unit: Option<&'a str>,
    pub billing: &'static str,
    /// A free plan's billing ("kostenfrei") repeats its price, so the form leaves it out.
    pub free: bool,
    pub minimum_term: Option<String>,
    pub checked: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContractChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub input_id: String,
    pub checked: bool,
}

/// A configurable option of the offering, as a field.
#[derive(Debug, Clone, Serialize)]
pub struct OptionField<'a> {
    /// The submitted name, `option_<id>`.
    pub name: String,
    /// The element id, `option-<id>`.
    pub id: String,
    pub label: &'a str,
    /// `boolean`, `integer`, `choice` or `text`.
    pub kind: &'static str,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// "5 bis 10.000", "mindestens 5".
    pub range: Option<String>,
    pub choices: &'a [String],
    pub required: bool,
    pub help: Option<&'a str>,
    pub value: String,
    pub checked: bool,
    pub error: String,
    /// The ids of its hint and message, for `aria-describedby`.
    pub described_by: String,
}

/// What `order.html` shows of the offering, and the state of its choices.
#[derive(Debug, Clone, Serialize)]
pub struct OrderOffering<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub url: &'a str,
    pub provider: &'a str,
    pub who_may_order: String,
    pub submit_label: &'static str,
    pub plans: Vec<PlanChoice<'a>>,
    pub contract_models: Vec<ContractChoice>,
    /// Whether the Umklappvertrag is among the contract models (its hint is shown then).
    pub umklapp: bool,
    pub options: Vec<OptionField<'a>>,
    /// The consent to the offering's conditions names it and links them: what the
    /// template lays over the field of the specification.
    pub consent: ConsentLabel,
}

/// A checkbox's label around its link, for one offering.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentLabel {
    pub label_before: String,
    pub label_after: String,
    pub link_href: String,
}

impl<'a> OrderOffering<'a> {
    /// The offering's order form with `value` giving what was entered by field name and
    /// `errors` the messages (empty for the static page: the first plan and contract model
    /// are chosen).
    pub fn new(
        offering: &'a OrderableOffering,
        value: &dyn Fn(&str) -> String,
        errors: &[(String, String)],
    ) -> OrderOffering<'a> {
        let chosen_plan = value(forms::order::PLAN.name);
        let chosen_model = value(forms::order::CONTRACT_MODEL.name);
        let plan_known = offering.plans.iter().any(|p| p.id == chosen_plan);
        let model_known = offering
            .contract_models
            .iter()
            .any(|m| m.as_str() == chosen_model);
        let error_of = |name: &str| {
            errors
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, m)| m.clone())
                .unwrap_or_default()
        };
        let number = |n: i64| german_decimal(n.into()).trim_end_matches(",00").to_owned();
        let spec = forms::order::CONSENT_CONDITIONS;
        let before = spec
            .link
            .and_then(|l| spec.label.split_once(l.text))
            .map_or(spec.label, |(before, _)| before);
        OrderOffering {
            consent: ConsentLabel {
                label_before: before.to_owned(),
                label_after: format!(" von {}.", offering.name),
                link_href: format!("{}#{}", offering.url, link_anchor()),
            },
            id: &offering.id,
            name: &offering.name,
            url: &offering.url,
            provider: &offering.provider.name,
            who_may_order: who_may_order(&offering.customer_scope),
            submit_label: order_button(offering.plans.iter().all(|p| p.price.is_zero())),
            plans: offering
                .plans
                .iter()
                .enumerate()
                .map(|(i, p)| PlanChoice {
                    id: &p.id,
                    input_id: plan_input_id(&p.id),
                    name: &p.name,
                    price: plan_price(p.price),
                    unit: p.unit.as_deref(),
                    billing: p.billing.label(),
                    free: p.price.is_zero(),
                    minimum_term: p.minimum_term_months.map(minimum_term),
                    checked: if plan_known {
                        p.id == chosen_plan
                    } else {
                        i == 0
                    },
                })
                .collect(),
            contract_models: offering
                .contract_models
                .iter()
                .enumerate()
                .map(|(i, m)| ContractChoice {
                    value: m.as_str(),
                    label: m.label(),
                    input_id: contract_input_id(m.as_str()),
                    checked: if model_known {
                        m.as_str() == chosen_model
                    } else {
                        i == 0
                    },
                })
                .collect(),
            umklapp: offering.offers(ContractModel::Umklappvertrag),
            options: offering
                .options
                .iter()
                .map(|op| {
                    let name = forms::order::option_name(&op.id);
                    let id = forms::order::option_id(&op.id);
                    let range = match (op.min, op.max) {
                        (Some(min), Some(max)) => {
                            Some(format!("{} bis {}", number(min), number(max)))
                        }
                        (Some(min), None) => Some(format!("mindestens {}", number(min))),
                        (None, Some(max)) => Some(format!("höchstens {}", number(max))),
                        (None, None) => None,
                    };
                    let entered = value(&name);
                    let error = error_of(&name);
                    let hint = op.help.is_some() || range.is_some();
                    let described_by = [
                        hint.then(|| format!("{id}-hinweis")),
                        (!error.is_empty()).then(|| format!("{id}-fehler")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                    let integer = op.option_type == OptionType::Integer;
                    OptionField {
                        checked: !matches!(entered.as_str(), "" | "false" | "0" | "off"),
                        value: entered,
                        label: &op.label,
                        kind: op.option_type.as_str(),
                        min: op.min.filter(|_| integer),
                        max: op.max.filter(|_| integer),
                        range,
                        choices: &op.choices,
                        required: op.required,
                        help: op.help.as_deref(),
                        error,
                        described_by,
                        name,
                        id,
                    }
                })
                .collect(),
        }
    }
}

/// The anchor of an offering's conditions on its detail page.
fn link_anchor() -> &'static str {
    forms::order::CONSENT_CONDITIONS
        .link
        .map_or("bedingungen", |l| l.href.trim_start_matches('#'))
}

/// The element id of a plan's radio button.
pub fn plan_input_id(plan_id: &str) -> String {
    format!("plan-{plan_id}")
}

/// The element id of a contract model's radio button.
pub fn contract_input_id(model: &str) -> String {
    format!("vertrag-{model}")
}

/// The form's fixed fields (billing address, reference, note, consents) for `offering`;
/// the summary leads to the first plan and contract model. (The conditions' consent names
/// the offering: [`OrderOffering::consent`].)
pub fn order_fields(
    offering: &OrderableOffering,
    value: &dyn Fn(&str) -> String,
    errors: &[(String, String)],
    message: &str,
) -> FormView {
    let mut view = FormView::filled(forms::order::FIELDS, value, errors, message);
    if let Some(plan) = offering.plans.first() {
        view = view.with_target(forms::order::PLAN.name, &plan_input_id(&plan.id));
    }
    if let Some(model) = offering.contract_models.first() {
        view = view.with_target(
            forms::order::CONTRACT_MODEL.name,
            &contract_input_id(model.as_str()),
        );
    }
    view
}
