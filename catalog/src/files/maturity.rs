//! `content/maturity-model.yaml`: elements, minimal criteria, dimensions, criteria and scales.

use crate::decode::{Ctx, FieldPath};
use crate::files::offering::format_version;
use crate::files::portfolio::{named_id, unique_named_ids};
use crate::model::{
    Criterion, Dimension, Level, MaturityElement, MaturityModel, MinimalCriterion, ServiceType,
};
use crate::yaml::Node;

pub(crate) const MODEL_FIELDS: &[&str] = &["format", "elements", "minimal_criteria", "dimensions"];
pub(crate) const ENTRY_FIELDS: &[&str] = &["id", "name", "description"];
pub(crate) const DIMENSION_FIELDS: &[&str] = &["id", "name", "description", "criteria"];
pub(crate) const CRITERION_FIELDS: &[&str] = &["id", "name", "description", "applies_to", "levels"];
pub(crate) const LEVEL_FIELDS: &[&str] = &["level", "description"];

pub(crate) fn decode_maturity_model(ctx: &mut Ctx, node: &Node) -> Option<MaturityModel> {
    let f = ctx.fields(node, &FieldPath::Root, MODEL_FIELDS)?;
    let format = format_version(ctx, &f);
    let elements = entries(ctx, &f, "elements", |id, name, description| {
        MaturityElement {
            id,
            name,
            description,
        }
    });
    let minimal_criteria = entries(ctx, &f, "minimal_criteria", |id, name, description| {
        MinimalCriterion {
            id,
            name,
            description,
        }
    });
    let dimensions = ctx.required(&f, "dimensions").and_then(|(n, p)| {
        let items = ctx.list(n, &p, 1)?;
        let dimensions = ctx.each(items, &p, decode_dimension)?;
        unique_named_ids(ctx, items, &p, dimensions.iter().map(|d| d.id.as_str()))?;
        let all: Vec<&str> = dimensions
            .iter()
            .flat_map(|d| d.criteria.iter().map(|c| c.id.as_str()))
            .collect();
        for (i, id) in all.iter().enumerate() {
            if all[..i].contains(id) {
                let d = ctx
                    .error(
                        n.at,
                        &p,
                        format!("the criterion id `{id}` is used in two dimensions"),
                    )
                    .expected("each criterion in one dimension")
                    .found(format!("`{id}` twice"));
                ctx.report(d);
                return None;
            }
        }
        Some(dimensions)
    });
    Some(MaturityModel {
        format: format?,
        elements: elements?,
        minimal_criteria: minimal_criteria?,
        dimensions: dimensions?,
    })
}

fn entries<T>(
    ctx: &mut Ctx,
    f: &crate::decode::Fields,
    key: &str,
    make: fn(String, String, String) -> T,
) -> Option<Vec<T>> {
    let (n, p) = ctx.required(f, key)?;
    let items = ctx.list(n, &p, 1)?;
    let mut ids = Vec::new();
    let values = ctx.each(items, &p, |ctx, item, path| {
        let f = ctx.fields(item, path, ENTRY_FIELDS)?;
        let (id, name) = named_id(ctx, &f);
        let description = ctx
            .required(&f, "description")
            .and_then(|(n, p)| ctx.text(n, &p, 1000));
        ids.push(id.clone().unwrap_or_default());
        Some(make(id?, name?, description?))
    })?;
    unique_named_ids(ctx, items, &p, ids.iter().map(String::as_str))?;
    Some(values)
}

fn decode_dimension(ctx: &mut Ctx, node: &Node, path: &FieldPath) -> Option<Dimension> {
    let f = ctx.fields(node, path, DIMENSION_FIELDS)?;
    let (id, name) = named_id(ctx, &f);
    let description = ctx
        .required(&f, "description")
        .and_then(|(n, p)| ctx.text(n, &p, 1000));
    let criteria = ctx.required(&f, "criteria").and_then(|(n, p)| {
        let items = ctx.list(n, &p, 1)?;
        ctx.each(items, &p, decode_criterion)
    });
    Some(Dimension {
        id: id?,
        name: name?,
        description: description?,
        criteria: criteria?,
    })
}

fn decode_criterion(ctx: &mut Ctx, node: &Node, path: &FieldPath) -> Option<Criterion> {
    let f = ctx.fields(node, path, CRITERION_FIELDS)?;
    let (id, name) = named_id(ctx, &f);
    let description = ctx
        .required(&f, "description")
        .and_then(|(n, p)| ctx.text(n, &p, 1000));
    let applies_to = ctx
        .required(&f, "applies_to")
        .and_then(|(n, p)| ctx.keyword_list(n, &p, ServiceType::parse, ServiceType::KEYWORDS));
    let levels = ctx.required(&f, "levels").and_then(|(n, p)| {
        let items = ctx.list(n, &p, 2)?;
        let levels = ctx.each(items, &p, |ctx, item, path| {
            let f = ctx.fields(item, path, LEVEL_FIELDS)?;
            let level = ctx
                .required(&f, "level")
                .and_then(|(n, p)| ctx.integer(n, &p, 0, 10));
            let description = ctx
                .required(&f, "description")
                .and_then(|(n, p)| ctx.text(n, &p, 1000));
            Some(Level {
                level: u8::try_from(level?).ok()?,
                description: description?,
            })
        })?;
        for (i, pair) in levels.windows(2).enumerate() {
            if pair[1].level != pair[0].level + 1 {
                let d = ctx
                    .error(
                        items[i + 1].at,
                        &p.index(i + 1).key("level"),
                        "the levels of a scale must count up by one",
                    )
                    .expected(format!("level {}", pair[0].level + 1))
                    .found(format!("level {}", pair[1].level));
                ctx.report(d);
                return None;
            }
        }
        Some(levels)
    });
    Some(Criterion {
        id: id?,
        name: name?,
        description: description?,
        applies_to: applies_to?,
        levels: levels?,
    })
}
