//! Server-rendered HTML: the forms (again, with an error summary and a message at each
//! field, when input was wrong) and short result pages. Plain, accessible markup that links
//! the site's stylesheet; the site's theme may later replace the frame.

use std::fmt::Write as _;

use crate::domain::validation::{FieldErrors, FormInput, LEGAL_FORMS, LEVELS};

/// How a field is rendered and documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Email,
    Tel,
    Password,
    Checkbox,
    Select(&'static [&'static str]),
    Hidden,
}

/// One form field.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub autocomplete: &'static str,
    pub required: bool,
    pub max_len: usize,
    pub hint: &'static str,
}

const fn field(
    name: &'static str,
    label: &'static str,
    kind: FieldKind,
    autocomplete: &'static str,
    max_len: usize,
) -> Field {
    Field {
        name,
        label,
        kind,
        autocomplete,
        required: true,
        max_len,
        hint: "",
    }
}

/// The registration form (besides the human check and the honeypot).
pub const REGISTRATION: &[Field] = &[
    field(
        "organisation",
        "Name der Organisation",
        FieldKind::Text,
        "organization",
        200,
    ),
    field(
        "rechtsform",
        "Rechtsform",
        FieldKind::Select(LEGAL_FORMS),
        "off",
        100,
    ),
    field(
        "strasse",
        "Straße und Hausnummer",
        FieldKind::Text,
        "street-address",
        200,
    ),
    field("plz", "Postleitzahl", FieldKind::Text, "postal-code", 5),
    field("ort", "Ort", FieldKind::Text, "address-level2", 100),
    Field {
        hint: "Bestimmt, welche Angebote Ihre Organisation bestellen kann (Kundenkreis).",
        ..field(
            "ebene",
            "Verwaltungsebene",
            FieldKind::Select(LEVELS),
            "off",
            20,
        )
    },
    Field {
        required: false,
        hint: "Ihre Organisation ist inhousefähig gegenüber der govdigital eG; Voraussetzung für Bestellungen im Umklappvertrag.",
        ..field(
            "inhouse",
            "Inhousefähig (Umklappvertrag)",
            FieldKind::Checkbox,
            "off",
            3,
        )
    },
    field(
        "name",
        "Ihr Vor- und Nachname",
        FieldKind::Text,
        "name",
        200,
    ),
    field(
        "email",
        "Ihre dienstliche E-Mail-Adresse",
        FieldKind::Email,
        "email",
        254,
    ),
    field("telefon", "Ihre Telefonnummer", FieldKind::Tel, "tel", 40),
    field(
        "agb",
        "Ich stimme den Allgemeinen Geschäftsbedingungen des Cloud-Service-Portals (CSP-AGB) zu.",
        FieldKind::Checkbox,
        "off",
        3,
    ),
    field(
        "datenschutz",
        "Ich habe die Datenschutzhinweise gelesen.",
        FieldKind::Checkbox,
        "off",
        3,
    ),
];

/// The fields of the human check, documented with the registration form.
pub const HUMAN_CHECK: &[Field] = &[
    Field {
        required: false,
        hint: "ALTCHA-Lösung (base64), von altcha.js gesetzt",
        ..field(
            "altcha",
            "Sicherheitsprüfung",
            FieldKind::Hidden,
            "off",
            2048,
        )
    },
    Field {
        required: false,
        hint: "Ohne JavaScript: Token der Rechenfrage",
        ..field(
            "frage_token",
            "Token der Sicherheitsfrage",
            FieldKind::Hidden,
            "off",
            200,
        )
    },
    Field {
        required: false,
        hint: "Ohne JavaScript: Antwort auf die Rechenfrage",
        ..field(
            "frage_antwort",
            "Sicherheitsfrage",
            FieldKind::Text,
            "off",
            3,
        )
    },
    Field {
        required: false,
        hint: "Honeypot: muss leer bleiben",
        ..field(
            "website",
            "Website (bitte leer lassen)",
            FieldKind::Text,
            "off",
            200,
        )
    },
];

pub const SIGN_IN: &[Field] = &[
    field("email", "E-Mail-Adresse", FieldKind::Email, "username", 254),
    field(
        "passwort",
        "Passwort",
        FieldKind::Password,
        "current-password",
        256,
    ),
];

pub const FORGOT: &[Field] = &[field(
    "email",
    "E-Mail-Adresse",
    FieldKind::Email,
    "email",
    254,
)];

pub const SET_PASSWORD: &[Field] = &[
    field("token", "Link-Token", FieldKind::Hidden, "off", 64),
    Field {
        hint: "Mindestens 25 Zeichen, ohne weitere Regeln: Ein Satz, den Sie sich merken können, eignet sich gut.",
        ..field(
            "passwort",
            "Neues Passwort",
            FieldKind::Password,
            "new-password",
            256,
        )
    },
    field(
        "passwort_wiederholung",
        "Neues Passwort wiederholen",
        FieldKind::Password,
        "new-password",
        256,
    ),
];

pub const CONFIRM: &[Field] = &[field("token", "Link-Token", FieldKind::Hidden, "off", 64)];

pub const REJECT: &[Field] = &[field(
    "grund",
    "Begründung der Ablehnung",
    FieldKind::Text,
    "off",
    2000,
)];

/// The order form (besides `option_<id>` per configurable option of the offering).
pub const ORDER: &[Field] = &[
    field(
        "offering",
        "Kennung des Angebots",
        FieldKind::Hidden,
        "off",
        80,
    ),
    field("plan", "Preismodell", FieldKind::Text, "off", 80),
    field(
        "contract_model",
        "Vertragsmodell (direktvertrag oder umklappvertrag)",
        FieldKind::Text,
        "off",
        20,
    ),
    field(
        "billing_org",
        "Rechnungsempfänger",
        FieldKind::Text,
        "organization",
        200,
    ),
    field(
        "billing_street",
        "Straße und Hausnummer",
        FieldKind::Text,
        "street-address",
        200,
    ),
    field(
        "billing_postcode",
        "Postleitzahl",
        FieldKind::Text,
        "postal-code",
        5,
    ),
    field(
        "billing_city",
        "Ort",
        FieldKind::Text,
        "address-level2",
        100,
    ),
    Field {
        required: false,
        ..field("reference", "Ihr Zeichen", FieldKind::Text, "off", 100)
    },
    Field {
        required: false,
        ..field("note", "Anmerkung", FieldKind::Text, "off", 2000)
    },
    field(
        "consent_agb",
        "Zustimmung zu den CSP-AGB",
        FieldKind::Checkbox,
        "off",
        3,
    ),
    field(
        "consent_conditions",
        "Zustimmung zu den servicespezifischen Bedingungen",
        FieldKind::Checkbox,
        "off",
        3,
    ),
    field(
        "idempotency_key",
        "Kennung dieses Formulars: dieselbe Kennung ergibt höchstens eine Bestellung",
        FieldKind::Hidden,
        "off",
        100,
    ),
    Field {
        required: false,
        ..field(
            "csrf",
            "CSRF-Token der Sitzung",
            FieldKind::Hidden,
            "off",
            64,
        )
    },
];

/// The Bedarf form.
pub const NEED: &[Field] = &[
    field(
        "title",
        "Was brauchen Sie? (kurz)",
        FieldKind::Text,
        "off",
        150,
    ),
    field("description", "Beschreibung", FieldKind::Text, "off", 2000),
    Field {
        required: false,
        ..field(
            "category",
            "Kategorie (<oberkategorie>/<unterkategorie>)",
            FieldKind::Text,
            "off",
            100,
        )
    },
    Field {
        required: false,
        ..field(
            "expected_users",
            "Erwartete Zahl der Nutzenden",
            FieldKind::Text,
            "off",
            10,
        )
    },
    Field {
        required: false,
        ..field(
            "wished_date",
            "Gewünschter Starttermin (JJJJ-MM-TT)",
            FieldKind::Text,
            "off",
            10,
        )
    },
    Field {
        required: false,
        ..field(
            "contact_preference",
            "Kontakt per email oder telefon",
            FieldKind::Text,
            "off",
            10,
        )
    },
    Field {
        required: false,
        ..field(
            "csrf",
            "CSRF-Token der Sitzung",
            FieldKind::Hidden,
            "off",
            64,
        )
    },
];

/// A decision on an order (link form and API).
pub const DECISION: &[Field] = &[
    field(
        "aktion",
        "bestaetigen, pruefen oder ablehnen",
        FieldKind::Text,
        "off",
        20,
    ),
    Field {
        required: false,
        ..field(
            "begruendung",
            "Begründung (bei ablehnen Pflicht)",
            FieldKind::Text,
            "off",
            2000,
        )
    },
];

/// The token of a decision link (besides [`DECISION`]).
pub const DECISION_LINK: &[Field] = &[field(
    "token",
    "Token aus dem Link der E-Mail",
    FieldKind::Hidden,
    "off",
    300,
)];

pub const SIGN_OUT: &[Field] = &[field("csrf", "CSRF-Token", FieldKind::Hidden, "off", 64)];

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    search_index::escape_html(text)
}

/// What starts a page that still needs the site's frame; [`super::frame_pages`] puts it
/// into `shell.html` (header, navigation, footer of the static site) on the way out, so
/// every page of the function looks like the site without each handler knowing the layout.
pub const FRAME_MARKER: &str = "<!--csp:frame ";

/// A whole page: the title (escaped) in the frame marker, then the main content.
pub fn page(title: &str, main: &str) -> String {
    let title = escape(title);
    format!("{FRAME_MARKER}{title}-->\n<div class=\"narrow\">\n<h1>{title}</h1>\n{main}</div>\n")
}

/// A page whose main content brings its own heading and container.
pub fn bare_page(title: &str, main: &str) -> String {
    format!("{FRAME_MARKER}{}-->\n{main}", escape(title))
}

/// The layout's header for a signed-in person: the "in" entries shown, the "out" entries
/// hidden (what the site's script does with `/api/sitzung` when JavaScript runs).
pub fn signed_in_header(page: &str, name: &str) -> String {
    page.replace(
        r#"<li data-session="in" hidden>"#,
        r#"<li data-session="in">"#,
    )
    .replace(
        r#"<li data-session="out">"#,
        r#"<li data-session="out" hidden>"#,
    )
    .replacen(
        "<span class=\"visually-hidden\" data-session-name></span>",
        &format!(
            "<span class=\"visually-hidden\" data-session-name> ({})</span>",
            escape(name)
        ),
        1,
    )
}

/// Splits a framed page into its escaped title and main content.
pub fn unframe(body: &str) -> Option<(&str, &str)> {
    let rest = body.strip_prefix(FRAME_MARKER)?;
    let (title, main) = rest.split_once("-->")?;
    Some((title, main.strip_prefix('\n').unwrap_or(main)))
}

fn field_id(name: &str) -> String {
    format!("feld-{name}")
}

/// The error summary at the top: one link per field message.
/// The error summary at the top: a heading and one link per field message; `id_of` names the
/// element each field's link goes to. Focused on arrival (`autofocus`), also without
/// JavaScript.
pub fn error_summary(
    out: &mut String,
    errors: &FieldErrors,
    message: Option<&str>,
    id_of: &dyn Fn(&str) -> String,
) {
    if errors.is_empty() && message.is_none() {
        return;
    }
    out.push_str(
        r#"<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="fehler-titel" autofocus>"#,
    );
    let _ = write!(
        out,
        r#"<h2 id="fehler-titel">{}</h2>"#,
        escape(message.unwrap_or("Bitte korrigieren Sie die folgenden Angaben."))
    );
    if !errors.is_empty() {
        out.push_str("<ul>");
        for (field, text) in &errors.0 {
            let _ = write!(
                out,
                r##"<li><a href="#{}">{}</a></li>"##,
                id_of(field),
                escape(text)
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</div>\n");
}

fn render_field(out: &mut String, field: &Field, input: &FormInput, errors: &FieldErrors) {
    let id = field_id(field.name);
    let value = input.get(field.name);
    if field.kind == FieldKind::Hidden {
        let _ = writeln!(
            out,
            r#"<input type="hidden" id="{id}" name="{}" value="{}">"#,
            field.name,
            escape(value)
        );
        return;
    }
    let error = errors.get(field.name);
    let mut described = Vec::new();
    if !field.hint.is_empty() {
        described.push(format!("{id}-hinweis"));
    }
    if error.is_some() {
        described.push(format!("{id}-fehler"));
    }
    let aria = if described.is_empty() {
        String::new()
    } else {
        format!(r#" aria-describedby="{}""#, described.join(" "))
    };
    let invalid = if error.is_some() {
        r#" aria-invalid="true""#
    } else {
        ""
    };
    let required = if field.required { " required" } else { "" };
    let class = if error.is_some() {
        "field field-error"
    } else {
        "field"
    };
    let _ = write!(out, r#"<div class="{class}">"#);
    let hint = if field.hint.is_empty() {
        String::new()
    } else {
        format!(
            r#"<p class="hint" id="{id}-hinweis">{}</p>"#,
            escape(field.hint)
        )
    };
    let error_html = error
        .map(|e| format!(r#"<p class="error-message" id="{id}-fehler"><span class="visually-hidden">Fehler: </span>{}</p>"#, escape(e)))
        .unwrap_or_default();
    match field.kind {
        FieldKind::Checkbox => {
            let checked = if input.checked(field.name) {
                " checked"
            } else {
                ""
            };
            let _ = write!(
                out,
                r#"{error_html}<input type="checkbox" id="{id}" name="{name}" value="ja"{checked}{required}{aria}{invalid}> <label for="{id}">{label}</label>{hint}"#,
                name = field.name,
                label = escape(field.label),
            );
        }
        FieldKind::Select(options) => {
            let _ = write!(
                out,
                r#"<label for="{id}">{}</label>{hint}{error_html}"#,
                escape(field.label)
            );
            let _ = write!(
                out,
                r#"<select id="{id}" name="{}"{required}{aria}{invalid}><option value="">Bitte wählen</option>"#,
                field.name
            );
            for option in options {
                let selected = if *option == value { " selected" } else { "" };
                let _ = write!(out, r#"<option{selected}>{}</option>"#, escape(option));
            }
            out.push_str("</select>");
        }
        _ => {
            let kind = match field.kind {
                FieldKind::Email => "email",
                FieldKind::Tel => "tel",
                FieldKind::Password => "password",
                _ => "text",
            };
            // Passwords are never echoed back into the page.
            let value = if field.kind == FieldKind::Password {
                ""
            } else {
                value
            };
            let _ = write!(
                out,
                r#"<label for="{id}">{label}</label>{hint}{error_html}<input type="{kind}" id="{id}" name="{name}" value="{value}" autocomplete="{ac}" maxlength="{max}"{required}{aria}{invalid}>"#,
                label = escape(field.label),
                name = field.name,
                value = escape(value),
                ac = field.autocomplete,
                max = field.max_len,
            );
        }
    }
    out.push_str("</div>\n");
}

/// What a form page shows besides its fields.
#[derive(Debug, Default)]
pub struct FormPage<'a> {
    pub title: &'a str,
    pub intro: &'a str,
    pub action: &'a str,
    pub submit: &'a str,
    /// A message for the whole form (e.g. wrong credentials).
    pub message: Option<&'a str>,
    /// Raw HTML inserted before the submit button (human check).
    pub extra: String,
    /// Raw HTML after the form (links).
    pub after: &'a str,
}

/// A form, filled with what was entered, with the error summary and per-field messages.
pub fn form(
    spec: &FormPage<'_>,
    fields: &[Field],
    input: &FormInput,
    errors: &FieldErrors,
) -> String {
    let mut main = String::new();
    error_summary(&mut main, errors, spec.message, &field_id);
    if !spec.intro.is_empty() {
        let _ = writeln!(main, "<p>{}</p>", escape(spec.intro));
    }
    let _ = writeln!(
        main,
        r#"<form method="post" action="{}" novalidate>"#,
        escape(spec.action)
    );
    for field in fields {
        render_field(&mut main, field, input, errors);
    }
    main.push_str(&spec.extra);
    let _ = writeln!(
        main,
        r#"<button type="submit">{}</button>"#,
        escape(spec.submit)
    );
    main.push_str("</form>\n");
    main.push_str(spec.after);
    page(spec.title, &main)
}

/// The human check block of the registration form: honeypot, proof of work for browsers
/// with JavaScript, and the arithmetic question (inside `<noscript>`, or visible when the
/// previous attempt came without a proof of work).
pub fn human_check(
    question_text: &str,
    question_token: &str,
    errors: &FieldErrors,
    show_question: bool,
) -> String {
    let mut out = String::new();
    out.push_str(
        r#"<div class="honeypot" aria-hidden="true"><label for="feld-website">Website (bitte leer lassen)</label><input type="text" id="feld-website" name="website" tabindex="-1" autocomplete="off"></div>
<input type="hidden" id="feld-altcha" name="altcha" data-altcha="/api/altcha" value="">
<p class="altcha-status" data-altcha-status aria-live="polite"></p>
<script src="/api/altcha.js" defer></script>
"#,
    );
    let error = errors.get("frage_antwort");
    let mut question = String::new();
    let _ = write!(
        question,
        r#"<div class="field{}"><input type="hidden" name="frage_token" value="{}"><label for="feld-frage_antwort">Sicherheitsfrage: {}</label>"#,
        if error.is_some() { " field-error" } else { "" },
        escape(question_token),
        escape(question_text),
    );
    if let Some(error) = error {
        let _ = write!(
            question,
            r#"<p class="error-message" id="feld-frage_antwort-fehler">{}</p>"#,
            escape(error)
        );
    }
    let _ = write!(
        question,
        r#"<input type="text" inputmode="numeric" id="feld-frage_antwort" name="frage_antwort" maxlength="3" autocomplete="off"{}></div>"#,
        if error.is_some() {
            r#" aria-describedby="feld-frage_antwort-fehler" aria-invalid="true""#
        } else {
            ""
        }
    );
    if show_question {
        out.push_str(&question);
    } else {
        let _ = write!(out, "<noscript>{question}</noscript>");
    }
    if let Some(error) = errors.get("altcha") {
        let _ = write!(
            out,
            r#"<p class="error-message" id="feld-altcha-fehler">{}</p>"#,
            escape(error)
        );
    }
    out
}

/// A short result page with a paragraph and links.
pub fn notice(title: &str, text: &str, links: &[(&str, &str)]) -> String {
    let mut main = format!("<p>{}</p>\n", escape(text));
    if !links.is_empty() {
        main.push_str("<ul class=\"links\">");
        for (href, label) in links {
            let _ = write!(
                main,
                r#"<li><a href="{}">{}</a></li>"#,
                escape(href),
                escape(label)
            );
        }
        main.push_str("</ul>\n");
    }
    page(title, &main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_shows_the_signed_in_state_without_javascript() {
        let layout = r#"<ul><li data-session="out"><a href="/anmelden/">Anmelden</a></li><li data-session="in" hidden><a href="/api/konto">Ihr Konto<span class="visually-hidden" data-session-name></span></a></li></ul>"#;
        let page = signed_in_header(layout, "Erika <M>");
        assert!(page.contains(r#"<li data-session="out" hidden><a href="/anmelden/">"#));
        assert!(page.contains(r#"<li data-session="in"><a href="/api/konto">"#));
        assert!(page.contains("data-session-name> (Erika &lt;M&gt;)</span>"));
    }

    #[test]
    fn errors_link_from_the_summary_to_the_described_field() {
        let mut errors = FieldErrors::default();
        errors.add("email", "Bitte geben Sie Ihre E-Mail-Adresse an.");
        let html = form(
            &FormPage {
                title: "Anmelden",
                action: "/api/anmeldung",
                submit: "Anmelden",
                ..Default::default()
            },
            SIGN_IN,
            &FormInput::from_pairs([("email", "<x>")]),
            &errors,
        );
        let (title, main) = unframe(&html).expect("a page for the site's frame");
        assert_eq!(title, "Anmelden");
        assert!(main.contains("<h1>Anmelden</h1>"));
        assert!(html.contains(r##"<a href="#feld-email">"##));
        assert!(html.contains(r#"aria-describedby="feld-email-fehler""#));
        assert!(html.contains(r#"value="&lt;x&gt;""#), "escaped");
    }
}
