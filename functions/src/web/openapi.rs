//! The OpenAPI 3 document, generated from the route table ([`super::routes`]) and the form
//! field definitions ([`super::html`]) that the handlers and pages use.

use serde_json::{Map, Value, json};

use catalog::forms::{Field, FieldKind};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Anyone (state-changing requests still need the portal's origin).
    Public,
    /// A signed-in session (cookie).
    Session,
    /// The operator's bearer token.
    Operator,
    /// A provider's or the intermediary's bearer token (`csp-function admin api-token`).
    Partner,
}

/// The documentation of one route.
#[derive(Debug, Clone)]
pub struct RouteDoc {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// Form fields of the request body (POST).
    pub form: Option<&'static [&'static [Field]]>,
    pub query: &'static [&'static str],
    pub path_params: Vec<&'static str>,
    pub auth: Auth,
}

impl RouteDoc {
    pub fn get(path: &'static str, summary: &'static str) -> Self {
        Self {
            method: "get",
            path,
            summary,
            form: None,
            query: &[],
            path_params: Vec::new(),
            auth: Auth::Public,
        }
    }

    pub fn post(
        path: &'static str,
        summary: &'static str,
        form: &'static [&'static [Field]],
    ) -> Self {
        Self {
            method: "post",
            form: Some(form),
            ..Self::get(path, summary)
        }
    }

    pub fn query(mut self, names: &'static [&'static str]) -> Self {
        self.query = names;
        self
    }

    pub fn path_param(mut self, name: &'static str) -> Self {
        self.path_params.push(name);
        self
    }

    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }
}

fn field_schema(field: &Field) -> Value {
    let mut schema = match field.kind {
        FieldKind::Checkbox => {
            json!({"type": "string", "description": "angekreuzt: ein beliebiger nicht leerer Wert (z. B. \"ja\"); in JSON auch true"})
        }
        FieldKind::Select | FieldKind::Radio if !field.choices.is_empty() => {
            let values: Vec<&str> = field.choices.iter().map(|c| c.value).collect();
            json!({"type": "string", "enum": values})
        }
        FieldKind::Email => {
            json!({"type": "string", "format": "email", "maxLength": field.max_len})
        }
        FieldKind::Password => {
            json!({"type": "string", "format": "password", "maxLength": field.max_len})
        }
        _ => json!({"type": "string", "maxLength": field.max_len}),
    };
    if let Some(object) = schema.as_object_mut() {
        let description = if field.hint.is_empty() {
            field.label.to_owned()
        } else {
            format!("{} – {}", field.label, field.hint)
        };
        object
            .entry("description")
            .or_insert(Value::String(description));
    }
    schema
}

fn form_schema(groups: &[&[Field]]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in groups.iter().flat_map(|g| g.iter()) {
        properties.insert(field.name.to_owned(), field_schema(field));
        if field.required {
            required.push(Value::String(field.name.to_owned()));
        }
    }
    json!({"type": "object", "properties": properties, "required": required})
}

fn operation(doc: &RouteDoc) -> Value {
    let mut op = Map::new();
    op.insert("summary".into(), json!(doc.summary));
    op.insert(
        "operationId".into(),
        json!(format!(
            "{}{}",
            doc.method,
            doc.path.replace(['/', '{', '}', '.', '-'], "_")
        )),
    );
    let mut parameters: Vec<Value> = doc
        .path_params
        .iter()
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    parameters.extend(doc.query.iter().map(
        |name| json!({"name": name, "in": "query", "required": true, "schema": {"type": "string"}}),
    ));
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    let mut responses = Map::new();
    if let Some(groups) = doc.form {
        let schema = form_schema(groups);
        op.insert(
            "requestBody".into(),
            json!({"required": !groups.is_empty(), "content": {
                "application/x-www-form-urlencoded": {"schema": schema},
                "application/json": {"schema": schema},
            }}),
        );
        responses.insert("200".into(), json!({"description": "Erfolg (mit Accept: application/json)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ergebnis"}}}}));
        responses.insert(
            "303".into(),
            json!({"description": "Erfolg ohne JavaScript: Weiterleitung zur Ergebnisseite"}),
        );
        responses.insert(
            "403".into(),
            json!({"description": "Fremde Herkunft (CSRF-Schutz) oder fehlendes CSRF-Token"}),
        );
        responses.insert("413".into(), json!({"description": "Anfrage zu groß"}));
        responses.insert(
            "415".into(),
            json!({"description": "Falscher Content-Type"}),
        );
        responses.insert("422".into(), json!({"description": "Eingaben korrigieren: Meldung je Feld (JSON) oder das Formular erneut mit Fehlerliste (HTML)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ergebnis"}}}}));
        responses.insert(
            "429".into(),
            json!({"description": "Zu viele Versuche (Retry-After)"}),
        );
    } else {
        responses.insert("200".into(), json!({"description": "Erfolg"}));
    }
    match doc.auth {
        Auth::Public => {}
        Auth::Session => {
            op.insert("security".into(), json!([{"sitzung": []}]));
            responses.insert("401".into(), json!({"description": "Nicht angemeldet"}));
        }
        Auth::Operator => {
            op.insert("security".into(), json!([{"betrieb": []}]));
            responses.insert(
                "401".into(),
                json!({"description": "Betreiber-Token fehlt oder ist falsch"}),
            );
        }
        Auth::Partner => {
            op.insert("security".into(), json!([{"partner": []}]));
            responses.insert(
                "401".into(),
                json!({"description": "API-Token des Anbieters oder Intermediärs fehlt oder ist falsch"}),
            );
        }
    }
    if !doc.path_params.is_empty() {
        responses.insert(
            "404".into(),
            json!({"description": "Nicht gefunden (auch: Organisation einer anderen Sitzung)"}),
        );
    }
    op.insert("responses".into(), Value::Object(responses));
    Value::Object(op)
}

/// The OpenAPI 3.1 document of every route.
pub fn openapi_document() -> Value {
    let mut paths = Map::new();
    for route in super::routes() {
        let entry = paths
            .entry(route.doc.path.to_owned())
            .or_insert_with(|| json!({}));
        if let Some(object) = entry.as_object_mut() {
            object.insert(route.doc.method.to_owned(), operation(&route.doc));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Cloud-Service-Portal: Funktion",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Registrierung, Anmeldung, Sitzungen, Bestellungen, Entscheidungen von Anbieter und Intermediär, Bedarfsmeldungen und Suche. Formulare werden als application/x-www-form-urlencoded (ohne JavaScript: Antwort 303 oder HTML) oder mit Accept: application/json (Antwort JSON) gesendet."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "sitzung": {"type": "apiKey", "in": "cookie", "name": super::request::SESSION_COOKIE},
                "betrieb": {"type": "http", "scheme": "bearer"},
                "partner": {"type": "http", "scheme": "bearer", "description": "anbieter.<id>.<signatur> oder intermediaer.<signatur>"}
            },
            "schemas": {
                "Ergebnis": {
                    "type": "object",
                    "properties": {
                        "ok": {"type": "boolean"},
                        "weiter": {"type": "string", "description": "Ergebnisseite"},
                        "meldung": {"type": "string"},
                        "fehler": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Meldung je Feld"}
                    },
                    "required": ["ok"]
                }
            }
        }
    })
}
