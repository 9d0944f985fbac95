//! The pages of orders and needs, in the site's layout: the order and Bedarf forms (again,
//! with every error at its field), "Ihr Konto" with orders, an order with its history and
//! contract folder, the printable folder, and the decision pages of providers and the
//! intermediary.

use std::fmt::Write as _;

use catalog::model::OptionType;
use catalog::snapshot::{OrderCatalog, OrderableOffering};

use super::html::error_summary;
use crate::domain::model::Organisation;
use crate::domain::orders::documents::{
    Facts, billing_facts, customer_facts, flow_text, german_datetime, german_day, maturity_lines,
    option_facts, order_facts,
};
use crate::domain::orders::text::{self, TextBlock};
use crate::domain::orders::{Order, Party};
use crate::domain::validation::{FieldErrors, FormInput};

fn e(text: &str) -> String {
    catalog::format::escape_html(text)
}

/// `aria-describedby`/`aria-invalid` attributes and the message paragraph of a field.
fn error_parts(id: &str, hint: bool, error: Option<&str>) -> (String, String) {
    let mut described = Vec::new();
    if hint {
        described.push(format!("{id}-hinweis"));
    }
    if error.is_some() {
        described.push(format!("{id}-fehler"));
    }
    let mut attrs = String::new();
    if !described.is_empty() {
        let _ = write!(attrs, r#" aria-describedby="{}""#, described.join(" "));
    }
    if error.is_some() {
        attrs.push_str(r#" aria-invalid="true""#);
    }
    let message = error
        .map(|m| format!(r#"<p class="field-error" id="{id}-fehler">{}</p>"#, e(m)))
        .unwrap_or_default();
    (attrs, message)
}

fn marker(required: bool) -> &'static str {
    if required {
        r#" <span class="required">(Pflichtfeld)</span>"#
    } else {
        r#" <span class="optional">(freiwillig)</span>"#
    }
}

struct Text<'a> {
    id: &'a str,
    name: &'a str,
    label: &'a str,
    required: bool,
    hint: &'a str,
    kind: &'a str,
    extra: &'a str,
}

fn text_field(out: &mut String, t: &Text<'_>, input: &FormInput, errors: &FieldErrors) {
    let (attrs, message) = error_parts(t.id, !t.hint.is_empty(), errors.get(t.name));
    let _ = write!(
        out,
        r#"<div class="field"><label for="{}">{}{}</label>"#,
        t.id,
        e(t.label),
        marker(t.required)
    );
    if !t.hint.is_empty() {
        let _ = write!(
            out,
            r#"<p class="hint" id="{}-hinweis">{}</p>"#,
            t.id,
            e(t.hint)
        );
    }
    out.push_str(&message);
    let _ = writeln!(
        out,
        r#"<input id="{id}" name="{name}" type="{kind}" value="{value}"{req}{extra}{attrs}></div>"#,
        id = t.id,
        name = t.name,
        kind = t.kind,
        value = e(input.get(t.name)),
        req = if t.required { " required" } else { "" },
        extra = t.extra,
    );
}

fn checkbox(
    out: &mut String,
    id: &str,
    name: &str,
    label_html: &str,
    input: &FormInput,
    errors: &FieldErrors,
) {
    let (attrs, message) = error_parts(id, false, errors.get(name));
    let checked = if input.checked(name) { " checked" } else { "" };
    let _ = writeln!(
        out,
        r#"<div class="choice"><input id="{id}" name="{name}" type="checkbox" value="ja" required{checked}{attrs}><label for="{id}">{label_html}</label></div>{message}"#
    );
}

/// The id of an order form field, for the error summary's links.
pub fn order_field_id(offering: &OrderableOffering, field: &str) -> String {
    match field {
        "plan" => format!(
            "plan-{}",
            offering.plans.first().map_or("", |p| p.id.as_str())
        ),
        "contract_model" => format!(
            "vertrag-{}",
            offering.contract_models.first().map_or("", |c| c.as_str())
        ),
        "kundenkreis" => "kundenkreis".to_owned(),
        "idempotency_key" => "bestellformular".to_owned(),
        other => match other.strip_prefix("option_") {
            Some(id) => format!("option-{id}"),
            None => other.replace('_', "-"),
        },
    }
}

/// The order form of the function: filled with what was sent, errors at their fields.
pub fn order_form(
    offering: &OrderableOffering,
    org: &Organisation,
    input: &FormInput,
    errors: &FieldErrors,
    csrf: &str,
    idempotency_key: &str,
    message: Option<&str>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<div class="narrow"><h1>{} bestellen</h1>"#,
        e(&offering.name)
    );
    let _ = writeln!(
        out,
        r#"<p class="lead">Anbieter: {}. Verbindlich wird die Bestellung erst, wenn der Anbieter sie bestätigt.</p>"#,
        e(&offering.provider.name)
    );
    let _ = writeln!(
        out,
        "<p>{}</p>",
        e(&catalog::format::who_may_order(&offering.customer_scope))
    );
    error_summary(&mut out, errors, message, &|f| order_field_id(offering, f));
    if let Some(text) = errors.get("kundenkreis") {
        let _ = writeln!(
            out,
            r#"<p class="field-error" id="kundenkreis" tabindex="-1">{}</p>"#,
            e(text)
        );
    }
    let _ = writeln!(
        out,
        r#"<form class="form" id="bestellformular" action="/api/bestellungen" method="post" novalidate>
<input type="hidden" name="offering" value="{}"><input type="hidden" name="idempotency_key" value="{}"><input type="hidden" name="csrf" value="{}">"#,
        e(&offering.id),
        e(idempotency_key),
        e(csrf)
    );
    // Plans.
    let chosen_plan = match input.get("plan") {
        "" => offering.plans.first().map_or("", |p| p.id.as_str()),
        plan => plan,
    };
    let (attrs, message_html) = error_parts("plan", false, errors.get("plan"));
    let _ = write!(
        out,
        r#"<fieldset class="field"><legend>Preismodell{}</legend>{message_html}"#,
        marker(true)
    );
    for plan in &offering.plans {
        let checked = if plan.id == chosen_plan {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<div class="choice"><input type="radio" id="plan-{id}" name="plan" value="{id}" required{checked}{attrs}><label for="plan-{id}">{name}: <strong>{price}</strong></label></div>"#,
            id = e(&plan.id),
            name = e(&plan.name),
            price = e(&plan.price_text()),
        );
    }
    out.push_str("</fieldset>\n");
    // Contract model.
    let chosen_model = match input.get("contract_model") {
        "" => offering.contract_models.first().map_or("", |c| c.as_str()),
        model => model,
    };
    let (attrs, message_html) = error_parts("contract_model", true, errors.get("contract_model"));
    let _ = write!(
        out,
        r#"<fieldset class="field"><legend>Vertragsmodell{}</legend><p class="hint" id="contract_model-hinweis">Für den Umklappvertrag braucht Ihre Organisation eine Inhouse-Beziehung zur govdigital eG{}.</p>{message_html}"#,
        marker(true),
        if org.in_house_capable {
            " (bei Ihrer Organisation hinterlegt)"
        } else {
            " (bei Ihrer Organisation nicht hinterlegt)"
        }
    );
    for model in &offering.contract_models {
        let checked = if model.as_str() == chosen_model {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<div class="choice"><input type="radio" id="vertrag-{v}" name="contract_model" value="{v}" required{checked}{attrs}><label for="vertrag-{v}">{l}</label></div>"#,
            v = model.as_str(),
            l = model.label()
        );
    }
    out.push_str("</fieldset>\n");
    // Options.
    if !offering.options.is_empty() {
        out.push_str("<fieldset class=\"group\"><legend>Optionen</legend>\n");
        for option in &offering.options {
            let id = format!("option-{}", option.id);
            let name = format!("option_{}", option.id);
            let mut hint = option.help.clone().unwrap_or_default();
            match (option.min, option.max) {
                (Some(min), Some(max)) => hint.push_str(&format!(" Erlaubt: {min} bis {max}.")),
                (Some(min), None) => hint.push_str(&format!(" Erlaubt: ab {min}.")),
                (None, Some(max)) => hint.push_str(&format!(" Erlaubt: bis {max}.")),
                (None, None) => {}
            }
            let hint = hint.trim().to_owned();
            if option.option_type == OptionType::Boolean {
                let (attrs, message_html) = error_parts(&id, !hint.is_empty(), errors.get(&name));
                let checked = if input.checked(&name) { " checked" } else { "" };
                let _ = write!(
                    out,
                    r#"<div class="field"><div class="choice"><input type="checkbox" id="{id}" name="{name}" value="ja"{req}{checked}{attrs}><label for="{id}">{label}{mark}</label></div>"#,
                    req = if option.required { " required" } else { "" },
                    label = e(&option.label),
                    mark = marker(option.required)
                );
                if !hint.is_empty() {
                    let _ = write!(out, r#"<p class="hint" id="{id}-hinweis">{}</p>"#, e(&hint));
                }
                let _ = writeln!(out, "{message_html}</div>");
                continue;
            }
            if option.option_type == OptionType::Choice {
                let (attrs, message_html) = error_parts(&id, !hint.is_empty(), errors.get(&name));
                let _ = write!(
                    out,
                    r#"<div class="field"><label for="{id}">{}{}</label>"#,
                    e(&option.label),
                    marker(option.required)
                );
                if !hint.is_empty() {
                    let _ = write!(out, r#"<p class="hint" id="{id}-hinweis">{}</p>"#, e(&hint));
                }
                let _ = write!(
                    out,
                    r#"{message_html}<select id="{id}" name="{name}"{}{attrs}><option value="">Bitte wählen</option>"#,
                    if option.required { " required" } else { "" }
                );
                for choice in &option.choices {
                    let selected = if input.get(&name) == choice {
                        " selected"
                    } else {
                        ""
                    };
                    let _ = write!(out, "<option{selected}>{}</option>", e(choice));
                }
                out.push_str("</select></div>\n");
                continue;
            }
            let mut extra = String::new();
            if option.option_type == OptionType::Integer {
                extra.push_str(r#" inputmode="numeric" step="1""#);
                if let Some(min) = option.min {
                    let _ = write!(extra, r#" min="{min}""#);
                }
                if let Some(max) = option.max {
                    let _ = write!(extra, r#" max="{max}""#);
                }
            }
            text_field(
                &mut out,
                &Text {
                    id: &id,
                    name: &name,
                    label: &option.label,
                    required: option.required,
                    hint: &hint,
                    kind: if option.option_type == OptionType::Integer {
                        "number"
                    } else {
                        "text"
                    },
                    extra: &extra,
                },
                input,
                errors,
            );
        }
        out.push_str("</fieldset>\n");
    }
    // Billing.
    out.push_str("<fieldset class=\"group\"><legend>Rechnungsadresse</legend>\n");
    let billing_defaults = [
        ("billing_org", org.name.as_str()),
        ("billing_street", org.street.as_str()),
        ("billing_postcode", org.postcode.as_str()),
        ("billing_city", org.city.as_str()),
    ];
    let mut filled: Vec<(String, String)> = input
        .values()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !input.values().contains_key("billing_org") {
        filled.extend(
            billing_defaults
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
    }
    let billing_input = FormInput::from_pairs(filled);
    for (name, label, extra, hint) in [
        (
            "billing_org",
            "Organisation",
            r#" autocomplete="organization""#,
            "",
        ),
        (
            "billing_street",
            "Straße und Hausnummer",
            r#" autocomplete="street-address""#,
            "",
        ),
        (
            "billing_postcode",
            "Postleitzahl",
            r#" autocomplete="postal-code" inputmode="numeric" pattern="[0-9]{5}""#,
            "Fünf Ziffern, zum Beispiel 10117.",
        ),
        (
            "billing_city",
            "Ort",
            r#" autocomplete="address-level2""#,
            "",
        ),
    ] {
        let id = name.replace('_', "-");
        text_field(
            &mut out,
            &Text {
                id: &id,
                name,
                label,
                required: true,
                hint,
                kind: "text",
                extra,
            },
            &billing_input,
            errors,
        );
    }
    out.push_str("</fieldset>\n");
    text_field(
        &mut out,
        &Text {
            id: "reference",
            name: "reference",
            label: "Ihr Zeichen oder Bestellnummer",
            required: false,
            hint: "Erscheint auf der Rechnung.",
            kind: "text",
            extra: r#" maxlength="100""#,
        },
        input,
        errors,
    );
    let (attrs, message_html) = error_parts("note", false, errors.get("note"));
    let _ = writeln!(
        out,
        r#"<div class="field"><label for="note">Anmerkung{}</label>{message_html}<textarea id="note" name="note" rows="4" maxlength="2000"{attrs}>{}</textarea></div>"#,
        marker(false),
        e(input.get("note"))
    );
    let _ = write!(
        out,
        r#"<fieldset class="field"><legend>Zustimmung{}</legend>"#,
        marker(true)
    );
    checkbox(
        &mut out,
        "consent-agb",
        "consent_agb",
        r#"Ich akzeptiere die <a href="/agb/">Nutzungsbedingungen des Portals (CSP-AGB)</a>."#,
        input,
        errors,
    );
    checkbox(
        &mut out,
        "consent-conditions",
        "consent_conditions",
        &format!(
            r#"Ich akzeptiere die <a href="{}#bedingungen">servicespezifischen Bedingungen</a> von {}."#,
            e(&offering.url),
            e(&offering.name)
        ),
        input,
        errors,
    );
    let every_plan_free = offering.plans.iter().all(|p| p.price.is_zero());
    let _ = writeln!(
        out,
        "</fieldset>\n<p><button type=\"submit\" class=\"btn\">{}</button></p>\n</form></div>",
        catalog::format::order_button(every_plan_free)
    );
    out
}

/// The Bedarf form of the function.
pub fn need_form(
    catalog: &OrderCatalog,
    input: &FormInput,
    errors: &FieldErrors,
    csrf: &str,
    message: Option<&str>,
) -> String {
    let mut out = String::from(
        r#"<div class="narrow"><h1>Bedarf melden</h1>
<p class="lead">Ihnen fehlt ein Cloud-Service? Beschreiben Sie, was Sie brauchen. Das Betreiberteam sammelt die Meldungen und spricht passende Anbieter an.</p>
"#,
    );
    error_summary(&mut out, errors, message, &|f| f.replace('_', "-"));
    let _ = writeln!(
        out,
        r#"<form class="form" action="/api/bedarf" method="post" novalidate><input type="hidden" name="csrf" value="{}">"#,
        e(csrf)
    );
    text_field(
        &mut out,
        &Text {
            id: "title",
            name: "title",
            label: "Was brauchen Sie? (kurz)",
            required: true,
            hint: "Zum Beispiel: Terminvergabe für Bürgerbüros",
            kind: "text",
            extra: r#" maxlength="150""#,
        },
        input,
        errors,
    );
    let (attrs, message_html) = error_parts("description", true, errors.get("description"));
    let _ = writeln!(
        out,
        r#"<div class="field"><label for="description">Beschreibung{}</label><p class="hint" id="description-hinweis">Wofür wird der Service gebraucht, welche Anforderungen sind wichtig?</p>{message_html}<textarea id="description" name="description" rows="6" required maxlength="2000"{attrs}>{}</textarea></div>"#,
        marker(true),
        e(input.get("description"))
    );
    let (attrs, message_html) = error_parts("category", false, errors.get("category"));
    let _ = write!(
        out,
        r#"<div class="field"><label for="category">Kategorie{}</label>{message_html}<select id="category" name="category"{attrs}><option value="">Keine Angabe</option>"#,
        marker(false)
    );
    for category in &catalog.categories {
        let _ = write!(out, r#"<optgroup label="{}">"#, e(&category.name));
        for (id, name) in &category.subcategories {
            let value = format!("{}/{id}", category.id);
            let selected = if input.get("category") == value {
                " selected"
            } else {
                ""
            };
            let _ = write!(
                out,
                r#"<option value="{}"{selected}>{}</option>"#,
                e(&value),
                e(name)
            );
        }
        out.push_str("</optgroup>");
    }
    out.push_str("</select></div>\n");
    text_field(
        &mut out,
        &Text {
            id: "expected-users",
            name: "expected_users",
            label: "Erwartete Zahl der Nutzenden",
            required: false,
            hint: "",
            kind: "number",
            extra: r#" inputmode="numeric" min="1""#,
        },
        input,
        errors,
    );
    text_field(
        &mut out,
        &Text {
            id: "wished-date",
            name: "wished_date",
            label: "Gewünschter Starttermin",
            required: false,
            hint: "",
            kind: "date",
            extra: "",
        },
        input,
        errors,
    );
    let phone = input.get("contact_preference") == "telefon";
    let (attrs, message_html) = error_parts(
        "contact-preference",
        false,
        errors.get("contact_preference"),
    );
    let _ = writeln!(
        out,
        r#"<fieldset class="field"><legend>Wie dürfen wir Sie kontaktieren?{}</legend>{message_html}<div class="choice"><input type="radio" id="contact-preference" name="contact_preference" value="email"{}{attrs}><label for="contact-preference">Per E-Mail</label></div><div class="choice"><input type="radio" id="contact-phone" name="contact_preference" value="telefon"{}><label for="contact-phone">Per Telefon</label></div></fieldset>"#,
        marker(false),
        if phone { "" } else { " checked" },
        if phone { " checked" } else { "" },
    );
    out.push_str(
        "<p><button type=\"submit\" class=\"btn\">Bedarf senden</button></p></form></div>\n",
    );
    out
}

fn facts_list(out: &mut String, facts: &Facts) {
    out.push_str("<dl class=\"facts\">");
    for (label, value) in facts {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", e(label), e(value));
    }
    out.push_str("</dl>\n");
}

fn status_text(order: &Order, now: i64) -> String {
    let mut text = e(order.status.label());
    if order.is_overdue(now) {
        text.push_str(" <strong class=\"overdue\">(Frist überschritten)</strong>");
    }
    text
}

/// "Ihre Bestellungen": newest first.
pub fn orders_list(orders: &[Order], now: i64) -> String {
    let mut out = String::from(
        "<div><h1>Ihre Bestellungen</h1>\n<p><a href=\"/api/konto\">Zurück zu Ihrem Konto</a></p>\n",
    );
    if orders.is_empty() {
        out.push_str("<p>Ihre Organisation hat noch nichts bestellt. <a href=\"/cloud-services/\">Zum Katalog</a></p></div>\n");
        return out;
    }
    out.push_str("<div class=\"table-scroll\" role=\"region\" aria-label=\"Bestellungen (seitlich scrollbar)\" tabindex=\"0\"><table class=\"orders\"><caption>Bestellungen Ihrer Organisation, neueste zuerst</caption><thead><tr><th scope=\"col\">Bestellnummer</th><th scope=\"col\">Cloud-Service</th><th scope=\"col\">Bestellt am</th><th scope=\"col\">Status</th><th scope=\"col\">Entscheidung bis</th></tr></thead><tbody>\n");
    for order in orders {
        let _ = writeln!(
            out,
            r#"<tr><th scope="row"><a href="/api/konto/bestellungen/{}">{}</a></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            e(&order.id),
            e(&order.number),
            e(&order.folder.offering.name),
            german_day(order.created_at),
            status_text(order, now),
            german_day(order.deadline),
        );
    }
    out.push_str("</tbody></table></div></div>\n");
    out
}

fn history(out: &mut String, order: &Order) {
    out.push_str("<h2>Verlauf</h2><ol class=\"history\">");
    for entry in &order.history {
        let _ = write!(
            out,
            "<li><strong>{}</strong> – {} ({})",
            e(entry.to.label()),
            german_datetime(entry.at),
            e(entry.by.label())
        );
        if let Some(reason) = &entry.reason {
            let _ = write!(out, "<br>Begründung: {}", e(reason));
        }
        out.push_str("</li>");
    }
    out.push_str("</ol>\n");
}

/// The contract folder's sections (shared by the order page and the printable folder).
fn folder_sections(out: &mut String, order: &Order, level: u8) {
    let f = &order.folder;
    let h = |out: &mut String, text: &str| {
        let _ = write!(out, "<h{level}>{}</h{level}>", e(text));
    };
    h(out, "Bestellung");
    facts_list(out, &order_facts(order));
    let _ = writeln!(out, "<p>{}</p>", e(flow_text(f.contract_model)));
    h(out, "Kunde");
    facts_list(out, &customer_facts(f));
    h(out, "Rechnung");
    facts_list(out, &billing_facts(f));
    if !f.options.is_empty() {
        h(out, "Konfigurierte Optionen");
        facts_list(out, &option_facts(f));
    }
    h(out, "Produktbeschreibung");
    let _ = writeln!(out, "<p>{}</p>", e(&f.offering.summary));
    paragraphs(out, &f.offering.description, level);
    h(out, "Servicespezifische Bedingungen");
    paragraphs(out, &f.offering.conditions, level);
    h(out, "Reifegrad (Selbstauskunft des Anbieters)");
    let (intro, lines) = maturity_lines(f);
    let _ = write!(out, "<p>{}</p><ul>", e(&intro));
    for line in lines {
        let _ = write!(out, "<li>{}</li>", e(&line));
    }
    out.push_str("</ul>\n");
}

/// A provider's Markdown as headings one level below `level`, paragraphs and lists; only
/// the text, escaped, inside our own tags.
fn paragraphs(out: &mut String, markdown: &str, level: u8) {
    let sub = (level + 1).min(6);
    for block in text::blocks(markdown) {
        match block {
            TextBlock::Heading(h) => {
                let _ = writeln!(out, "<h{sub}>{}</h{sub}>", e(&h));
            }
            TextBlock::Paragraph(p) => {
                let _ = writeln!(out, "<p>{}</p>", e(&p));
            }
            TextBlock::List(items) => {
                out.push_str("<ul>");
                for item in items {
                    let _ = write!(out, "<li>{}</li>", e(&item));
                }
                out.push_str("</ul>\n");
            }
        }
    }
}

/// One order: status, history and the contract folder.
pub fn order_detail(order: &Order, now: i64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<div class=\"narrow\"><h1>Bestellung {}</h1>",
        e(&order.number)
    );
    let _ = writeln!(
        out,
        "<p><a href=\"/api/konto/bestellungen\">Alle Bestellungen</a></p>"
    );
    let _ = writeln!(
        out,
        "<p class=\"order-status\">Status: <strong>{}</strong></p>",
        status_text(order, now)
    );
    if let Some(reason) = order
        .rejection_reason()
        .filter(|_| order.status.is_rejection())
    {
        let _ = writeln!(out, "<p>Begründung der Ablehnung: {}</p>", e(reason));
    }
    if !order.status.is_final() {
        let _ = writeln!(
            out,
            "<p>Der Anbieter entscheidet spätestens bis zum {}.</p>",
            german_day(order.deadline)
        );
    }
    let _ = writeln!(
        out,
        r#"<p><a class="btn" href="/api/konto/bestellungen/{id}/vertragsmappe.pdf" download>Zusammenfassung als PDF herunterladen</a> <a href="/api/konto/bestellungen/{id}/vertragsmappe">Vertragsmappe zum Drucken</a></p>"#,
        id = e(&order.id)
    );
    history(&mut out, order);
    out.push_str("<h2>Vertragsmappe</h2>\n<p>Stand bei der Bestellung; sie ändert sich danach nicht mehr.</p>\n");
    folder_sections(&mut out, order, 3);
    out.push_str("</div>\n");
    out
}

/// The printable contract folder.
pub fn folder_page(order: &Order) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<div class=\"narrow folder\"><h1>Vertragsmappe {}</h1>",
        e(&order.number)
    );
    let _ = writeln!(
        out,
        "<p class=\"no-print\"><a href=\"/api/konto/bestellungen/{}\">Zurück zur Bestellung</a></p>",
        e(&order.id)
    );
    folder_sections(&mut out, order, 2);
    out.push_str("</div>\n");
    out
}

/// The page behind a decision link: the order and the chosen action's form.
pub fn decision_page(
    order: &Order,
    party: Party,
    token: &str,
    action: &str,
    errors: &FieldErrors,
) -> String {
    let mut out = String::new();
    let who = if party == Party::Intermediary {
        "Intermediär"
    } else {
        "Anbieter"
    };
    let _ = writeln!(
        out,
        "<div class=\"narrow\"><h1>Bestellung {} entscheiden</h1>",
        e(&order.number)
    );
    let _ = writeln!(
        out,
        "<p>Sie entscheiden als {who}. Aktueller Status: <strong>{}</strong>. Frist: {}.</p>",
        e(order.status.label()),
        german_day(order.deadline)
    );
    error_summary(&mut out, errors, None, &|f| f.to_owned());
    let hidden = format!(r#"<input type="hidden" name="token" value="{}">"#, e(token));
    if action == "ablehnen" {
        let (attrs, message_html) = error_parts("begruendung", true, errors.get("begruendung"));
        let _ = writeln!(
            out,
            r#"<form class="form" method="post" action="/api/entscheidung" novalidate>{hidden}<input type="hidden" name="aktion" value="ablehnen"><div class="field"><label for="begruendung">Begründung der Ablehnung <span class="required">(Pflichtfeld)</span></label><p class="hint" id="begruendung-hinweis">Der Kunde erhält die Begründung.</p>{message_html}<textarea id="begruendung" name="begruendung" rows="4" required maxlength="2000"{attrs}></textarea></div><p><button type="submit" class="btn">Bestellung ablehnen</button></p></form>"#
        );
    } else {
        let _ = writeln!(
            out,
            r#"<form class="form" method="post" action="/api/entscheidung">{hidden}<input type="hidden" name="aktion" value="bestaetigen"><p><button type="submit" class="btn">Bestellung verbindlich bestätigen</button></p></form>
<form class="form" method="post" action="/api/entscheidung">{hidden}<input type="hidden" name="aktion" value="pruefen"><p><button type="submit" class="btn btn-secondary">Als „in Prüfung“ markieren</button></p></form>
<p><a href="/api/entscheidung?token={t}&amp;aktion=ablehnen">Stattdessen ablehnen</a></p>"#,
            t = e(token)
        );
    }
    out.push_str("<h2>Vertragsmappe</h2>\n");
    folder_sections(&mut out, order, 3);
    out.push_str("</div>\n");
    out
}

/// After a decision.
pub fn decision_done(order: &Order) -> String {
    format!(
        "<div class=\"narrow\"><h1>Entscheidung gespeichert</h1><p>Die Bestellung {} hat jetzt den Status <strong>{}</strong>. Der Kunde wurde per E-Mail informiert.</p></div>\n",
        e(&order.number),
        e(order.status.label())
    )
}
