//! `content/offerings/<id>.yaml`: decoding and every rule of the format document.

use crate::decode::{Ctx, FieldPath, Fields};
use crate::diagnostic::nearest;
use crate::files::Refs;
use crate::model::{
    Billing, CategoryRef, Contact, ContractModel, CustomerScope, Document, FORMAT_VERSION,
    Offering, OfferingOption, OptionType, Plan, ServiceType, Status,
};
use crate::yaml::Node;

mod assessment;

pub(crate) const OFFERING_FIELDS: &[&str] = &[
    "format",
    "id",
    "name",
    "provider",
    "service_type",
    "categories",
    "summary",
    "description",
    "tags",
    "featured",
    "provisioning_time",
    "customer_scope",
    "contract_models",
    "plans",
    "options",
    "documents",
    "conditions",
    "maturity",
    "contact",
    "status",
    "updated",
];
pub(crate) const PLAN_FIELDS: &[&str] = &[
    "id",
    "name",
    "price",
    "unit",
    "billing",
    "minimum_term_months",
    "description",
];
pub(crate) const OPTION_FIELDS: &[&str] = &[
    "id", "label", "type", "min", "max", "choices", "required", "help",
];
pub(crate) const DOCUMENT_FIELDS: &[&str] = &["title", "url"];
pub(crate) const MATURITY_FIELDS: &[&str] = &["assessed", "minimal_criteria", "levels"];
pub(crate) const CONTACT_FIELDS: &[&str] = &["email", "url", "phone"];

pub(crate) fn format_version(ctx: &mut Ctx, fields: &Fields) -> Option<i64> {
    let (node, path) = ctx.required(fields, "format")?;
    ctx.integer(node, &path, FORMAT_VERSION, FORMAT_VERSION)
}

/// The id field, which must equal the file name.
pub(crate) fn file_id(ctx: &mut Ctx, fields: &Fields, stem: &str) -> Option<String> {
    let (node, path) = ctx.required(fields, "id")?;
    let id = ctx.slug(node, &path)?;
    if id != stem {
        let d = ctx
            .error(node.at, &path, "the id differs from the file name")
            .expected(format!("`{stem}` (the file name without .yaml)"))
            .found(format!("`{id}`"))
            .suggestion(format!(
                "write `id: {stem}` or rename the file to `{id}.yaml`"
            ));
        ctx.report(d);
        return None;
    }
    Some(id)
}

pub(crate) fn decode_offering(
    ctx: &mut Ctx,
    node: &Node,
    stem: &str,
    refs: &Refs,
) -> Option<Offering> {
    let f = ctx.fields(node, &FieldPath::Root, OFFERING_FIELDS)?;
    let format = format_version(ctx, &f);
    let id = file_id(ctx, &f, stem);
    let name = ctx
        .required(&f, "name")
        .and_then(|(n, p)| ctx.text(n, &p, 80));
    let provider = ctx.required(&f, "provider").and_then(|(n, p)| {
        let id = ctx.slug(n, &p)?;
        refs.check_provider(ctx, n, &p, &id).then_some(id)
    });
    let service_type = ctx
        .required(&f, "service_type")
        .and_then(|(n, p)| ctx.keyword(n, &p, ServiceType::parse, ServiceType::KEYWORDS));
    let categories = ctx.required(&f, "categories").and_then(|(n, p)| {
        let items = ctx.list(n, &p, 1)?;
        ctx.each(items, &p, |ctx, item, path| {
            category_ref(ctx, item, path, refs)
        })
    });
    let summary = ctx
        .required(&f, "summary")
        .and_then(|(n, p)| ctx.text(n, &p, 300));
    let description = ctx
        .required(&f, "description")
        .and_then(|(n, p)| ctx.markdown(n, &p));
    let tags = ctx.optional_or(&f, "tags", Vec::new(), |ctx, n, p| {
        let items = ctx.list(n, p, 0)?;
        ctx.each(items, p, |ctx, item, path| ctx.text(item, path, 40))
    });
    let featured = ctx.optional_or(&f, "featured", false, |ctx, n, p| ctx.boolean(n, p));
    let provisioning_time = ctx
        .required(&f, "provisioning_time")
        .and_then(|(n, p)| ctx.text(n, &p, 80));
    let customer_scope = ctx
        .required(&f, "customer_scope")
        .and_then(|(n, p)| ctx.keyword_list(n, &p, CustomerScope::parse, CustomerScope::KEYWORDS));
    let contract_models = ctx
        .required(&f, "contract_models")
        .and_then(|(n, p)| ctx.keyword_list(n, &p, ContractModel::parse, ContractModel::KEYWORDS));
    let plans = ctx.required(&f, "plans").and_then(|(n, p)| {
        let items = ctx.list(n, &p, 1)?;
        let plans = ctx.each(items, &p, decode_plan)?;
        unique_ids(
            ctx,
            items,
            &p,
            plans.iter().map(|plan| plan.id.as_str()),
            "plan",
        )?;
        Some(plans)
    });
    let options = ctx.optional_or(&f, "options", Vec::new(), |ctx, n, p| {
        let items = ctx.list(n, p, 0)?;
        let options = ctx.each(items, p, decode_option)?;
        unique_ids(
            ctx,
            items,
            p,
            options.iter().map(|o| o.id.as_str()),
            "option",
        )?;
        Some(options)
    });
    let documents = ctx.optional_or(&f, "documents", Vec::new(), |ctx, n, p| {
        let items = ctx.list(n, p, 0)?;
        ctx.each(items, p, decode_document)
    });
    let conditions = ctx
        .required(&f, "conditions")
        .and_then(|(n, p)| ctx.markdown(n, &p));
    let maturity = ctx
        .required(&f, "maturity")
        .and_then(|(n, p)| assessment::decode_maturity(ctx, n, &p, service_type, refs));
    let contact = ctx
        .required(&f, "contact")
        .and_then(|(n, p)| decode_contact(ctx, n, &p));
    let status = ctx
        .required(&f, "status")
        .and_then(|(n, p)| ctx.keyword(n, &p, Status::parse, Status::KEYWORDS));
    let updated = ctx
        .required(&f, "updated")
        .and_then(|(n, p)| ctx.date(n, &p));

    Some(Offering {
        format: format?,
        id: id?,
        name: name?,
        provider: provider?,
        service_type: service_type?,
        categories: categories?,
        summary: summary?,
        description: description?,
        tags: tags?,
        featured: featured?,
        provisioning_time: provisioning_time?,
        customer_scope: customer_scope?,
        contract_models: contract_models?,
        plans: plans?,
        options: options?,
        documents: documents?,
        conditions: conditions?,
        maturity: maturity?,
        contact: contact?,
        status: status?,
        updated: updated?,
    })
}

fn category_ref(ctx: &mut Ctx, node: &Node, path: &FieldPath, refs: &Refs) -> Option<CategoryRef> {
    let text = ctx.text(node, path, 160)?;
    let parsed = text
        .split_once('/')
        .filter(|(top, sub)| crate::decode::is_slug(top) && crate::decode::is_slug(sub));
    let Some((top, sub)) = parsed else {
        let mut d = ctx
            .error(node.at, path, "not a category reference")
            .expected("`<top>/<sub>`, e.g. `it-arbeitsplatz-kollaboration/kommunikationsloesungen`")
            .found(node.describe());
        if let Some(all) = refs.category_refs()
            && let Some(close) = nearest(&text, all.iter().map(String::as_str))
        {
            d = d.suggestion(format!("did you mean `{close}`?"));
        }
        ctx.report(d);
        return None;
    };
    let reference = CategoryRef {
        top: top.to_string(),
        sub: sub.to_string(),
    };
    refs.check_category(ctx, node, path, &reference)
        .then_some(reference)
}

fn decode_plan(ctx: &mut Ctx, node: &Node, path: &FieldPath) -> Option<Plan> {
    let f = ctx.fields(node, path, PLAN_FIELDS)?;
    let id = ctx.required(&f, "id").and_then(|(n, p)| ctx.slug(n, &p));
    let name = ctx
        .required(&f, "name")
        .and_then(|(n, p)| ctx.text(n, &p, 80));
    let price_node = ctx.required(&f, "price");
    let price = price_node.and_then(|(n, p)| ctx.price(n, &p));
    let unit = ctx.optional_or(&f, "unit", None, |ctx, n, p| ctx.text(n, p, 80).map(Some));
    let billing = ctx
        .required(&f, "billing")
        .and_then(|(n, p)| ctx.keyword(n, &p, Billing::parse, Billing::KEYWORDS));
    let minimum_term_months = ctx.optional_or(&f, "minimum_term_months", None, |ctx, n, p| {
        ctx.integer(n, p, 1, 120).map(Some)
    });
    let description = ctx.optional_or(&f, "description", None, |ctx, n, p| {
        ctx.text(n, p, 300).map(Some)
    });
    let (price, unit, billing) = (price?, unit?, billing?);
    let free = price.is_zero();
    let mut ok = true;
    if !free && unit.is_none() {
        let d = ctx
            .error(
                f.at(),
                &path.key("unit"),
                "a plan with a price needs a unit",
            )
            .expected("a line such as `unit: je Nutzer und Monat`")
            .found("no `unit`");
        ctx.report(d);
        ok = false;
    }
    if free != (billing == Billing::Free) {
        let (n, p) = price_node?;
        let d = if free {
            ctx.error(
                n.at,
                &path.key("billing"),
                "a plan with price \"0\" is billed as `free`",
            )
            .expected("`billing: free`")
            .found(format!("`billing: {billing}`"))
        } else {
            ctx.error(
                n.at,
                &p,
                "a plan billed as `free` must have the price \"0\"",
            )
            .expected("`price: \"0\"`")
            .found(format!("\"{price}\""))
        };
        ctx.report(d);
        ok = false;
    }
    ok.then_some(())?;
    Some(Plan {
        id: id?,
        name: name?,
        price,
        unit,
        billing,
        minimum_term_months: minimum_term_months?,
        description: description?,
    })
}

fn decode_option(ctx: &mut Ctx, node: &Node, path: &FieldPath) -> Option<OfferingOption> {
    let f = ctx.fields(node, path, OPTION_FIELDS)?;
    let id = ctx.required(&f, "id").and_then(|(n, p)| ctx.slug(n, &p));
    let label = ctx
        .required(&f, "label")
        .and_then(|(n, p)| ctx.text(n, &p, 80));
    let option_type = ctx
        .required(&f, "type")
        .and_then(|(n, p)| ctx.keyword(n, &p, OptionType::parse, OptionType::KEYWORDS));
    let min_node = ctx.optional(&f, "min");
    let max_node = ctx.optional(&f, "max");
    let choices_node = ctx.optional(&f, "choices");
    let min = match min_node {
        None => Some(None),
        Some((n, p)) => ctx.integer(n, &p, -1_000_000_000, 1_000_000_000).map(Some),
    };
    let max = match max_node {
        None => Some(None),
        Some((n, p)) => ctx.integer(n, &p, -1_000_000_000, 1_000_000_000).map(Some),
    };
    let choices = match choices_node {
        None => Some(Vec::new()),
        Some((n, p)) => ctx.list(n, &p, 1).and_then(|items| {
            let choices = ctx.each(items, &p, |ctx, item, path| ctx.text(item, path, 80))?;
            for (i, choice) in choices.iter().enumerate() {
                if choices[..i].contains(choice) {
                    let d = ctx
                        .error(items[i].at, &p.index(i), "this choice is listed twice")
                        .expected("each choice once")
                        .found(format!("\"{choice}\""));
                    ctx.report(d);
                    return None;
                }
            }
            Some(choices)
        }),
    };
    let required = ctx.optional_or(&f, "required", false, |ctx, n, p| ctx.boolean(n, p));
    let help = ctx.optional_or(&f, "help", None, |ctx, n, p| ctx.text(n, p, 300).map(Some));
    let (option_type, min, max, choices) = (option_type?, min?, max?, choices?);
    let mut ok = true;
    if let (Some(low), Some(high), Some((n, p))) = (min, max, max_node)
        && low > high
    {
        let d = ctx
            .error(n.at, &p, "`max` is smaller than `min`")
            .expected(format!("a number ≥ {low} (the `min`)"))
            .found(high.to_string());
        ctx.report(d);
        ok = false;
    }
    if option_type != OptionType::Integer {
        for (node, key) in [(min_node, "min"), (max_node, "max")] {
            if let Some((n, p)) = node {
                let d = ctx
                    .error(
                        n.at,
                        &p,
                        format!("`{key}` only applies to options of type `integer`"),
                    )
                    .expected(format!("no `{key}` for type `{option_type}`"))
                    .found(format!("`{key}`"));
                ctx.report(d);
                ok = false;
            }
        }
    }
    match (option_type == OptionType::Choice, choices_node) {
        (true, None) => {
            let d = ctx
                .error(
                    f.at(),
                    &path.key("choices"),
                    "an option of type `choice` needs choices",
                )
                .expected("`choices: [A, B]` with at least one entry")
                .found("no `choices`");
            ctx.report(d);
            ok = false;
        }
        (false, Some((n, p))) => {
            let d = ctx
                .error(
                    n.at,
                    &p,
                    "`choices` only applies to options of type `choice`",
                )
                .expected(format!("no `choices` for type `{option_type}`"))
                .found("`choices`");
            ctx.report(d);
            ok = false;
        }
        _ => {}
    }
    ok.then_some(())?;
    Some(OfferingOption {
        id: id?,
        label: label?,
        option_type,
        min,
        max,
        choices,
        required: required?,
        help: help?,
    })
}

fn decode_document(ctx: &mut Ctx, node: &Node, path: &FieldPath) -> Option<Document> {
    let f = ctx.fields(node, path, DOCUMENT_FIELDS)?;
    let title = ctx
        .required(&f, "title")
        .and_then(|(n, p)| ctx.text(n, &p, 120));
    let url = ctx.required(&f, "url").and_then(|(n, p)| ctx.url(n, &p));
    Some(Document {
        title: title?,
        url: url?,
    })
}

fn decode_contact(ctx: &mut Ctx, node: &Node, path: &FieldPath) -> Option<Contact> {
    let f = ctx.fields(node, path, CONTACT_FIELDS)?;
    let email = ctx.optional(&f, "email").map(|(n, p)| ctx.email(n, &p));
    let url = ctx.optional(&f, "url").map(|(n, p)| ctx.url(n, &p));
    let phone = ctx.optional(&f, "phone").map(|(n, p)| ctx.text(n, &p, 40));
    if email.is_none() && url.is_none() && phone.is_none() {
        let d = ctx
            .error(
                f.at(),
                path,
                "the contact needs at least one way to reach support",
            )
            .expected("at least one of `email`, `url`, `phone`")
            .found("none");
        ctx.report(d);
        return None;
    }
    // Some(None) means the field was given but invalid.
    let flatten = |v: Option<Option<String>>| match v {
        None => Some(None),
        Some(Some(s)) => Some(Some(s)),
        Some(None) => None,
    };
    Some(Contact {
        email: flatten(email)?,
        url: flatten(url)?,
        phone: flatten(phone)?,
    })
}

fn unique_ids<'a>(
    ctx: &mut Ctx,
    items: &[Node],
    path: &FieldPath,
    ids: impl Iterator<Item = &'a str>,
    what: &str,
) -> Option<()> {
    let ids: Vec<&str> = ids.collect();
    let mut ok = true;
    for (i, id) in ids.iter().enumerate() {
        if let Some(first) = ids[..i].iter().position(|other| other == id) {
            let d = ctx
                .error(
                    items[i].at,
                    &path.index(i).key("id"),
                    format!("the {what} id `{id}` is used twice"),
                )
                .expected(format!("a {what} id unique within this file"))
                .found(format!("`{id}` again (first at {})", path.index(first)));
            ctx.report(d);
            ok = false;
        }
    }
    ok.then_some(())
}
