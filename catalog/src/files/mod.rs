//! One module per kind of content file: how it is decoded and which rules it must follow.

pub(crate) mod markdown;
pub(crate) mod maturity;
pub(crate) mod offering;
pub(crate) mod portfolio;
pub(crate) mod provider;

use std::collections::BTreeSet;

use crate::decode::{Ctx, FieldPath, find_from};
use crate::diagnostic::nearest;
use crate::model::{CategoryRef, MaturityModel, Portfolio};
use crate::yaml::Node;

/// What an offering may refer to. A part is `None` when its own file is broken; references
/// into it are then not checked (that file's errors are reported instead).
pub(crate) struct Refs<'a> {
    pub portfolio: Option<&'a Portfolio>,
    pub maturity_model: Option<&'a MaturityModel>,
    pub provider_ids: &'a BTreeSet<String>,
    // Worked out once for all offerings instead of once per offering.
    minimal_criteria_ids: Option<Vec<&'a str>>,
    /// The model's criteria in the order of `MaturityModel::criteria`.
    criterion_ids: Option<Vec<&'a str>>,
    /// Lowest and highest level of each criterion's scale (same order); `None` for an empty scale.
    criterion_scales: Vec<Option<(u8, u8)>>,
}

impl<'a> Refs<'a> {
    pub fn new(
        portfolio: Option<&'a Portfolio>,
        maturity_model: Option<&'a MaturityModel>,
        provider_ids: &'a BTreeSet<String>,
    ) -> Self {
        let minimal_criteria_ids =
            maturity_model.map(|m| m.minimal_criteria.iter().map(|c| c.id.as_str()).collect());
        let criterion_ids =
            maturity_model.map(|m| m.criteria().map(|(_, c)| c.id.as_str()).collect());
        let criterion_scales = maturity_model
            .map(|m| {
                m.criteria()
                    .map(|(_, c)| {
                        let lowest = c.levels.iter().map(|l| l.level).min()?;
                        Some((lowest, c.max_level()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Refs {
            portfolio,
            maturity_model,
            provider_ids,
            minimal_criteria_ids,
            criterion_ids,
            criterion_scales,
        }
    }

    pub fn minimal_criteria_ids(&self) -> Option<&[&'a str]> {
        self.minimal_criteria_ids.as_deref()
    }

    pub fn criterion_ids(&self) -> Option<&[&'a str]> {
        self.criterion_ids.as_deref()
    }

    /// The position of the criterion with this id in [`Self::criterion_ids`], looked for from
    /// `start` on first (the ids of a valid model are unique).
    pub fn criterion_index(&self, id: &str, start: usize) -> Option<usize> {
        find_from(self.criterion_ids.as_ref()?, start, |c| *c == id)
    }

    /// Lowest and highest level of the scale of the criterion at `index`.
    pub fn criterion_scale(&self, index: usize) -> Option<(u8, u8)> {
        self.criterion_scales.get(index).copied().flatten()
    }
}

impl Refs<'_> {
    pub fn category_refs(&self) -> Option<Vec<String>> {
        self.portfolio.map(Portfolio::all_refs)
    }

    pub fn check_provider(&self, ctx: &mut Ctx, node: &Node, path: &FieldPath, id: &str) -> bool {
        if self.provider_ids.contains(id) {
            return true;
        }
        let mut d = ctx
            .error(node.at, path, format!("there is no provider `{id}`"))
            .expected(format!(
                "the id of a file in content/providers/ ({})",
                crate::decode::list_words(
                    &self
                        .provider_ids
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                )
            ))
            .found(format!("`{id}`"));
        if let Some(close) = nearest(id, self.provider_ids.iter().map(String::as_str)) {
            d = d.suggestion(format!("did you mean `{close}`?"));
        } else {
            d = d.suggestion(format!("add content/providers/{id}.yaml first"));
        }
        ctx.report(d);
        false
    }

    pub fn check_category(
        &self,
        ctx: &mut Ctx,
        node: &Node,
        path: &FieldPath,
        reference: &CategoryRef,
    ) -> bool {
        let Some(portfolio) = self.portfolio else {
            return true;
        };
        if portfolio.resolve(reference).is_some() {
            return true;
        }
        let all = portfolio.all_refs();
        let mut d = ctx
            .error(
                node.at,
                path,
                format!("there is no portfolio category `{reference}`"),
            )
            .expected("a `<top>/<sub>` id from content/portfolio.yaml")
            .found(format!("`{reference}`"));
        if let Some(close) = nearest(&reference.to_string(), all.iter().map(String::as_str)) {
            d = d.suggestion(format!("did you mean `{close}`?"));
        } else if let Some(top) = portfolio.category(&reference.top) {
            let subs: Vec<&str> = top.subcategories.iter().map(|s| s.id.as_str()).collect();
            d = d.suggestion(format!(
                "sub-categories of `{}` are {}",
                top.id,
                crate::decode::list_words(&subs)
            ));
        }
        ctx.report(d);
        false
    }
}
