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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;
    use crate::files::maturity::{
        CRITERION_FIELDS, DIMENSION_FIELDS, ENTRY_FIELDS, LEVEL_FIELDS, MODEL_FIELDS,
    };
    use crate::files::offering::{
        CONTACT_FIELDS, DOCUMENT_FIELDS, MATURITY_FIELDS, OFFERING_FIELDS, OPTION_FIELDS,
        PLAN_FIELDS,
    };
    use crate::files::portfolio::{CATEGORY_FIELDS, PORTFOLIO_FIELDS, SUBCATEGORY_FIELDS};
    use crate::files::provider::{HV_BENCHMARK_FIELDS, PROVIDER_FIELDS};

    fn properties(schema: &Value, definition: Option<&str>) -> BTreeSet<String> {
        let object = match definition {
            None => schema,
            Some(name) => &schema["definitions"][name],
        };
        object["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn set(fields: &[&str]) -> BTreeSet<String> {
        fields.iter().map(|f| f.to_string()).collect()
    }

    fn parsed(name: &str) -> Value {
        let (_, text) = all_schemas()
            .into_iter()
            .find(|(file, _)| *file == name)
            .expect("schema exists");
        serde_json::from_str(&text).expect("schema is JSON")
    }

    /// The decoder and the schema editors use must accept exactly the same fields.
    #[test]
    fn schema_fields_match_the_decoder_fields() {
        let offering = parsed("offering.schema.json");
        assert_eq!(properties(&offering, None), set(OFFERING_FIELDS));
        assert_eq!(properties(&offering, Some("Plan")), set(PLAN_FIELDS));
        assert_eq!(
            properties(&offering, Some("OfferingOption")),
            set(OPTION_FIELDS)
        );
        assert_eq!(
            properties(&offering, Some("Document")),
            set(DOCUMENT_FIELDS)
        );
        assert_eq!(
            properties(&offering, Some("Maturity")),
            set(MATURITY_FIELDS)
        );
        assert_eq!(properties(&offering, Some("Contact")), set(CONTACT_FIELDS));
        let provider = parsed("provider.schema.json");
        assert_eq!(properties(&provider, None), set(PROVIDER_FIELDS));
        assert_eq!(
            properties(&provider, Some("HvBenchmark")),
            set(HV_BENCHMARK_FIELDS)
        );
        let portfolio = parsed("portfolio.schema.json");
        assert_eq!(properties(&portfolio, None), set(PORTFOLIO_FIELDS));
        assert_eq!(
            properties(&portfolio, Some("Category")),
            set(CATEGORY_FIELDS)
        );
        assert_eq!(
            properties(&portfolio, Some("Subcategory")),
            set(SUBCATEGORY_FIELDS)
        );
        let model = parsed("maturity-model.schema.json");
        assert_eq!(properties(&model, None), set(MODEL_FIELDS));
        assert_eq!(properties(&model, Some("Dimension")), set(DIMENSION_FIELDS));
        assert_eq!(properties(&model, Some("Criterion")), set(CRITERION_FIELDS));
        assert_eq!(properties(&model, Some("Level")), set(LEVEL_FIELDS));
        assert_eq!(
            properties(&model, Some("MinimalCriterion")),
            set(ENTRY_FIELDS)
        );
    }

    /// `schema/` is committed for editors; regenerate it with `csp schema` when this fails.
    #[test]
    fn committed_schemas_are_up_to_date() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema");
        for (name, json) in all_schemas() {
            let committed = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| {
                panic!("schema/{name} is missing ({e}); run `cargo run -p generator -- schema`")
            });
            assert!(
                committed == json,
                "schema/{name} is stale; run `cargo run -p generator -- schema` and commit the result"
            );
        }
    }
}
