//! JSON Schemas of the content files, generated from the model types so that the schema
//! editors use and the rules `csp check` applies cannot drift apart.

use schemars::{JsonSchema, generate::SchemaSettings};

use crate::model::{MaturityModel, Offering, Portfolio, Provider};

/// (file name under `schema/`, schema JSON) for every content file kind.
pub fn all_schemas() -> Vec<(&'static str, String)> {
    vec![
        ("offering.schema.json", schema_json::<Offering>("offering")),
        ("provider.schema.json", schema_json::<Provider>("provider")),
        (
            "portfolio.schema.json",
            schema_json::<Portfolio>("portfolio"),
        ),
        (
            "maturity-model.schema.json",
            schema_json::<MaturityModel>("maturity-model"),
        ),
    ]
}

fn schema_json<T: JsonSchema>(name: &str) -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<T>();
    schema.insert(
        "$id".to_string(),
        format!("https://cloud-service-portal.example/schema/{name}.schema.json").into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
