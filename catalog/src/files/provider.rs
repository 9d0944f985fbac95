//! `content/providers/<id>.yaml`.

use crate::decode::{Ctx, FieldPath};
use crate::files::offering::{file_id, format_version};
use crate::model::{HvBenchmark, Provider, ProviderKind};
use crate::yaml::Node;

pub(crate) const PROVIDER_FIELDS: &[&str] = &[
    "format",
    "id",
    "name",
    "kind",
    "website",
    "description",
    "order_email",
    "hv_benchmark",
];
pub(crate) const HV_BENCHMARK_FIELDS: &[&str] = &["level", "assessed"];

pub(crate) fn decode_provider(ctx: &mut Ctx, node: &Node, stem: &str) -> Option<Provider> {
    let f = ctx.fields(node, &FieldPath::Root, PROVIDER_FIELDS)?;
    let format = format_version(ctx, &f);
    let id = file_id(ctx, &f, stem);
    let name = ctx
        .required(&f, "name")
        .and_then(|(n, p)| ctx.text(n, &p, 120));
    let kind = ctx
        .required(&f, "kind")
        .and_then(|(n, p)| ctx.keyword(n, &p, ProviderKind::parse, ProviderKind::KEYWORDS));
    let website = ctx.optional_or(&f, "website", None, |ctx, n, p| ctx.url(n, p).map(Some));
    let description = ctx
        .required(&f, "description")
        .and_then(|(n, p)| ctx.markdown(n, &p));
    let order_email = ctx
        .required(&f, "order_email")
        .and_then(|(n, p)| ctx.email(n, &p));
    let hv_benchmark = match ctx.optional(&f, "hv_benchmark") {
        None => Some(None),
        Some((n, p)) => (|| {
            let hv = ctx.fields(n, &p, HV_BENCHMARK_FIELDS)?;
            let level = ctx
                .required(&hv, "level")
                .and_then(|(n, p)| ctx.integer(n, &p, 1, 5));
            let assessed = ctx
                .required(&hv, "assessed")
                .and_then(|(n, p)| ctx.date(n, &p));
            Some(Some(HvBenchmark {
                level: u8::try_from(level?).ok()?,
                assessed: assessed?,
            }))
        })(),
    };
    Some(Provider {
        format: format?,
        id: id?,
        name: name?,
        kind: kind?,
        website: website?,
        description: description?,
        order_email: order_email?,
        hv_benchmark: hv_benchmark?,
    })
}
