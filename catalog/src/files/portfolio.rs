//! `content/portfolio.yaml`: the two-level category tree.

use crate::decode::{Ctx, FieldPath};
use crate::files::offering::format_version;
use crate::model::{Category, Portfolio, Subcategory};
use crate::slug::slugify;
use crate::yaml::Node;

pub(crate) const PORTFOLIO_FIELDS: &[&str] = &["format", "categories"];
pub(crate) const CATEGORY_FIELDS: &[&str] = &["id", "name", "description", "subcategories"];
pub(crate) const SUBCATEGORY_FIELDS: &[&str] = &["id", "name", "description"];

pub(crate) fn decode_portfolio(ctx: &mut Ctx, node: &Node) -> Option<Portfolio> {
    let f = ctx.fields(node, &FieldPath::Root, PORTFOLIO_FIELDS)?;
    let format = format_version(ctx, &f);
    let categories = ctx.required(&f, "categories").and_then(|(n, p)| {
        let items = ctx.list(n, &p, 1)?;
        let categories = ctx.each(items, &p, decode_category)?;
        unique_named_ids(ctx, items, &p, categories.iter().map(|c| c.id.as_str()))?;
        Some(categories)
    });
    Some(Portfolio {
        format: format?,
        categories: categories?,
    })
}

fn decode_category(ctx: &mut Ctx, node: &Node, path: &FieldPath) -> Option<Category> {
    let f = ctx.fields(node, path, CATEGORY_FIELDS)?;
    let (id, name) = named_id(ctx, &f);
    let description = optional_text(ctx, &f, "description", 300);
    let subcategories = ctx.required(&f, "subcategories").and_then(|(n, p)| {
        let items = ctx.list(n, &p, 1)?;
        let subs = ctx.each(items, &p, |ctx, item, path| {
            let f = ctx.fields(item, path, SUBCATEGORY_FIELDS)?;
            let (id, name) = named_id(ctx, &f);
            let description = optional_text(ctx, &f, "description", 300);
            Some(Subcategory {
                id: id?,
                name: name?,
                description: description?,
            })
        })?;
        unique_named_ids(ctx, items, &p, subs.iter().map(|s| s.id.as_str()))?;
        Some(subs)
    });
    Some(Category {
        id: id?,
        name: name?,
        description: description?,
        subcategories: subcategories?,
    })
}

/// `id` and `name` of a model entry; the id must be the transliterated name.
pub(crate) fn named_id(
    ctx: &mut Ctx,
    f: &crate::decode::Fields,
) -> (Option<String>, Option<String>) {
    let id_node = ctx.required(f, "id");
    let id = id_node.and_then(|(n, p)| ctx.slug(n, &p));
    let name = ctx
        .required(f, "name")
        .and_then(|(n, p)| ctx.text(n, &p, 120));
    if let (Some(id_text), Some(name_text), Some((n, p))) = (&id, &name, id_node) {
        let expected = slugify(name_text);
        if *id_text != expected {
            let d = ctx
                .error(n.at, &p, "the id does not match the name")
                .expected(format!("`{expected}` (the name transliterated: ä→ae, ö→oe, ü→ue, ß→ss, lower case, hyphens)"))
                .found(format!("`{id_text}`"))
                .suggestion(format!("write `id: {expected}`"));
            ctx.report(d);
            return (None, name);
        }
    }
    (id, name)
}

pub(crate) fn optional_text(
    ctx: &mut Ctx,
    f: &crate::decode::Fields,
    key: &str,
    max: usize,
) -> Option<Option<String>> {
    ctx.optional_or(f, key, None, |ctx, n, p| ctx.text(n, p, max).map(Some))
}

pub(crate) fn unique_named_ids<'a>(
    ctx: &mut Ctx,
    items: &[Node],
    path: &FieldPath,
    ids: impl Iterator<Item = &'a str>,
) -> Option<()> {
    let ids: Vec<&str> = ids.collect();
    let mut ok = true;
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            let d = ctx
                .error(
                    items[i].at,
                    &path.index(i).key("id"),
                    format!("the id `{id}` is used twice"),
                )
                .expected("unique ids")
                .found(format!("`{id}` again"));
            ctx.report(d);
            ok = false;
        }
    }
    ok.then_some(())
}
