//! An offering's `maturity:` block: the minimal criteria it meets and its level per criterion.

use std::collections::BTreeMap;

use crate::decode::{Ctx, FieldPath, find_from};
use crate::files::Refs;
use crate::files::offering::MATURITY_FIELDS;
use crate::model::{Maturity, ServiceType};
use crate::yaml::Node;

pub(super) fn decode_maturity(
    ctx: &mut Ctx,
    node: &Node,
    path: &FieldPath,
    service_type: Option<ServiceType>,
    refs: &Refs,
) -> Option<Maturity> {
    let f = ctx.fields(node, path, MATURITY_FIELDS)?;
    let assessed = ctx
        .required(&f, "assessed")
        .and_then(|(n, p)| ctx.date(n, &p));
    let minimal_criteria = ctx
        .required(&f, "minimal_criteria")
        .and_then(|(n, p)| minimal_criteria(ctx, n, &p, refs));
    let levels = ctx
        .required(&f, "levels")
        .and_then(|(n, p)| levels(ctx, n, &p, service_type, refs));
    Some(Maturity {
        assessed: assessed?,
        minimal_criteria: minimal_criteria?,
        levels: levels?,
    })
}

fn minimal_criteria(
    ctx: &mut Ctx,
    n: &Node,
    p: &FieldPath,
    refs: &Refs,
) -> Option<BTreeMap<String, bool>> {
    let known = refs.minimal_criteria_ids();
    let map = match known {
        Some(known) => ctx.fields(n, p, known)?,
        None => ctx.fields_open(n, p)?,
    };
    // Keys are unique (the parser drops repeats), so building the map from a list at the end
    // gives the same map as inserting one by one, with less work.
    let mut values = Vec::with_capacity(map.entries().len());
    let mut ok = true;
    for (key, value) in map.entries() {
        let field = p.key(&key.text);
        match ctx.boolean(value, &field) {
            Some(true) => values.push((key.text.clone(), true)),
            Some(false) => {
                let d = ctx
                    .error(
                        value.at,
                        &field,
                        format!("the minimal criterion `{}` is not met", key.text),
                    )
                    .expected("`true`: an offering is listed only if it meets all minimal criteria")
                    .found("`false`");
                ctx.report(d);
                ok = false;
            }
            None => ok = false,
        }
    }
    if let Some(known) = known {
        let mut next = 0;
        for id in known {
            if let Some(i) = find_from(map.entries(), next, |(k, _)| k.text == *id) {
                next = i + 1;
            } else {
                let d = ctx
                    .error(
                        map.at(),
                        &p.key(id),
                        format!("the minimal criterion `{id}` is missing"),
                    )
                    .expected(format!("`{id}: true`"))
                    .found("no such line");
                ctx.report(d);
                ok = false;
            }
        }
    }
    ok.then(|| values.into_iter().collect())
}

fn levels(
    ctx: &mut Ctx,
    n: &Node,
    p: &FieldPath,
    service_type: Option<ServiceType>,
    refs: &Refs,
) -> Option<BTreeMap<String, u8>> {
    let known = refs.criterion_ids();
    let map = match known {
        Some(known) => ctx.fields(n, p, known)?,
        None => ctx.fields_open(n, p)?,
    };
    // Which criteria (by their position in the model) have a line here.
    let mut given = vec![false; known.map_or(0, <[&str]>::len)];
    let mut values = Vec::with_capacity(map.entries().len());
    let mut ok = true;
    let mut next = 0;
    for (key, value) in map.entries() {
        let field = p.key(&key.text);
        let criterion = refs.criterion_index(&key.text, next);
        if let Some(i) = criterion {
            given[i] = true;
            next = i + 1;
        }
        match criterion.and_then(|i| refs.criterion_scale(i)) {
            Some((lowest, highest)) => {
                match ctx.integer(value, &field, lowest.into(), highest.into()) {
                    Some(level) => values.push((key.text.clone(), level as u8)),
                    None => ok = false,
                }
            }
            // Unknown ids were reported by `fields`; without a model nothing can be checked.
            None => ok = false,
        }
    }
    if let (Some(model), Some(service_type)) = (refs.maturity_model, service_type) {
        for (i, (_, criterion)) in model.criteria().enumerate() {
            if criterion.applies_to(service_type) && !given[i] {
                let d = ctx
                    .error(
                        map.at(),
                        &p.key(&criterion.id),
                        format!(
                            "no level for the criterion `{}` ({})",
                            criterion.id, criterion.name
                        ),
                    )
                    .expected(format!(
                        "`{}: <level {}–{}>`",
                        criterion.id,
                        criterion.levels.first().map_or(0, |l| l.level),
                        criterion.max_level()
                    ))
                    .found("no such line");
                ctx.report(d);
                ok = false;
            }
        }
    }
    ok.then(|| values.into_iter().collect())
}
