//! The portal's forms, specified once: every field's name, element id, label, hint, type,
//! limits and choices.
//!
//! The theme's templates render the fields from this specification (the static pages with
//! [`FormView::empty`], the function's pages with what was entered and the messages); the
//! function validates against the same limits and documents the same fields in its OpenAPI
//! document, so the markup, the checks and the documentation cannot drift apart.

use std::collections::BTreeMap;

use serde::Serialize;

pub mod interest;
pub mod operator;
pub mod second_factor;

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    Email,
    Tel,
    Password,
    Number,
    Date,
    Textarea,
    Select,
    Checkbox,
    Radio,
    Hidden,
}

/// A choice of a select or a radio group: submitted value and visible label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    /// The element id of a radio button (radio groups only).
    pub id: &'static str,
}

/// A link inside a checkbox's label ("Ich akzeptiere die <a>CSP-AGB</a>.").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LabelLink {
    /// The part of the label that is the link's text.
    pub text: &'static str,
    pub href: &'static str,
}

/// One field of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The name the form submits it under.
    pub name: &'static str,
    /// The element id, the same on the static page and the function's page.
    pub id: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// At most this many characters.
    pub max_len: usize,
    pub autocomplete: &'static str,
    pub pattern: &'static str,
    pub inputmode: &'static str,
    /// The lowest number (number fields).
    pub min: Option<i64>,
    /// Selects and radio groups: the choices. Selects whose choices come from the catalog
    /// (categories) leave this empty and the template lists them.
    pub choices: &'static [Choice],
    /// The first entry of a select, with an empty value ("Bitte wählen").
    pub placeholder: &'static str,
    pub link: Option<LabelLink>,
    /// Textareas: visible lines.
    pub rows: u8,
}

impl Field {
    pub(crate) const fn new(name: &'static str, id: &'static str, label: &'static str) -> Field {
        Field {
            name,
            id,
            label,
            hint: "",
            kind: FieldKind::Text,
            required: true,
            max_len: 200,
            autocomplete: "",
            pattern: "",
            inputmode: "",
            min: None,
            choices: &[],
            placeholder: "",
            link: None,
            rows: 0,
        }
    }

    pub(crate) const fn hidden(name: &'static str, label: &'static str, max_len: usize) -> Field {
        Field {
            kind: FieldKind::Hidden,
            max_len,
            ..Field::new(name, name, label)
        }
    }
}

/// Legal forms offered on the registration form (Rechtsformen).
pub const LEGAL_FORMS: &[&str] = &[
    "Gebietskörperschaft",
    "Körperschaft des öffentlichen Rechts",
    "Anstalt des öffentlichen Rechts",
    "Stiftung des öffentlichen Rechts",
    "Oberste Bundes- oder Landesbehörde",
    "Zweckverband",
    "Eigenbetrieb",
    "GmbH in öffentlicher Hand",
    "AöR / Kommunalunternehmen",
    "Sonstige",
];

/// The Verwaltungsebenen an organisation registers with, as shown and submitted; each
/// stands for a Kundenkreis ([`crate::CustomerScope`]).
pub const ADMINISTRATIVE_LEVELS: &[&str] = &["Bund", "Land", "Kommune"];

const fn plain(value: &'static str) -> Choice {
    Choice {
        value,
        label: value,
        id: "",
    }
}

const LEGAL_FORM_CHOICES: &[Choice] = &[
    plain(LEGAL_FORMS[0]),
    plain(LEGAL_FORMS[1]),
    plain(LEGAL_FORMS[2]),
    plain(LEGAL_FORMS[3]),
    plain(LEGAL_FORMS[4]),
    plain(LEGAL_FORMS[5]),
    plain(LEGAL_FORMS[6]),
    plain(LEGAL_FORMS[7]),
    plain(LEGAL_FORMS[8]),
    plain(LEGAL_FORMS[9]),
];

const LEVEL_CHOICES: &[Choice] = &[
    plain(ADMINISTRATIVE_LEVELS[0]),
    plain(ADMINISTRATIVE_LEVELS[1]),
    plain(ADMINISTRATIVE_LEVELS[2]),
];

/// The CSRF token of the session, a hidden field of every form that changes something (API
/// clients may send it as the `X-CSRF-Token` header instead).
pub const CSRF: Field = Field {
    required: false,
    hint: "oder in der Kopfzeile X-CSRF-Token",
    ..Field::hidden("csrf", "CSRF-Token der Sitzung", 64)
};

/// The registration form (the human check has its own fields: [`registration::HUMAN_CHECK`]).
pub mod registration {
    use super::*;

    pub const ORGANISATION: Field = Field {
        autocomplete: "organization",
        ..Field::new("organisation", "org-name", "Name der Organisation")
    };
    pub const LEGAL_FORM: Field = Field {
        kind: FieldKind::Select,
        choices: LEGAL_FORM_CHOICES,
        placeholder: "Bitte wählen",
        max_len: 100,
        ..Field::new("rechtsform", "org-legal-form", "Rechtsform")
    };
    pub const STREET: Field = Field {
        autocomplete: "street-address",
        ..Field::new("strasse", "org-street", "Straße und Hausnummer")
    };
    pub const POSTCODE: Field = Field {
        autocomplete: "postal-code",
        pattern: "[0-9]{5}",
        inputmode: "numeric",
        hint: "Fünf Ziffern, zum Beispiel 10117.",
        max_len: 5,
        ..Field::new("plz", "org-postcode", "Postleitzahl")
    };
    pub const CITY: Field = Field {
        autocomplete: "address-level2",
        max_len: 100,
        ..Field::new("ort", "org-city", "Ort")
    };
    pub const LEVEL: Field = Field {
        kind: FieldKind::Select,
        choices: LEVEL_CHOICES,
        placeholder: "Bitte wählen",
        hint: "Bestimmt, welche Angebote Ihre Organisation bestellen kann (Kundenkreis).",
        max_len: 20,
        ..Field::new("ebene", "org-level", "Verwaltungsebene")
    };
    pub const IN_HOUSE: Field = Field {
        kind: FieldKind::Checkbox,
        required: false,
        max_len: 3,
        ..Field::new(
            "inhouse",
            "inhouse-capable",
            "Unsere Organisation ist inhousefähig gegenüber der govdigital eG (für den Umklappvertrag).",
        )
    };
    pub const NAME: Field = Field {
        autocomplete: "name",
        ..Field::new("name", "admin-name", "Vor- und Nachname")
    };
    pub const EMAIL: Field = Field {
        kind: FieldKind::Email,
        autocomplete: "email",
        hint: "An diese Adresse senden wir den Link zur Bestätigung.",
        max_len: 254,
        ..Field::new("email", "admin-email", "Dienstliche E-Mail-Adresse")
    };
    pub const PHONE: Field = Field {
        kind: FieldKind::Tel,
        autocomplete: "tel",
        max_len: 40,
        ..Field::new("telefon", "admin-phone", "Telefonnummer")
    };
    pub const AGB: Field = Field {
        kind: FieldKind::Checkbox,
        max_len: 3,
        link: Some(LabelLink {
            text: "Nutzungsbedingungen (CSP-AGB)",
            href: "/agb/",
        }),
        ..Field::new(
            "agb",
            "consent-agb",
            "Ich akzeptiere die Nutzungsbedingungen (CSP-AGB).",
        )
    };
    pub const PRIVACY: Field = Field {
        kind: FieldKind::Checkbox,
        max_len: 3,
        link: Some(LabelLink {
            text: "Datenschutzerklärung",
            href: "/datenschutz/",
        }),
        ..Field::new(
            "datenschutz",
            "consent-privacy",
            "Ich habe die Datenschutzerklärung gelesen.",
        )
    };

    /// The proof of work, set by the browser's script.
    pub const ALTCHA: Field = Field {
        required: false,
        hint: "ALTCHA-Lösung (base64), von altcha.js gesetzt",
        ..Field::hidden("altcha", "Sicherheitsprüfung", 2048)
    };
    /// Without JavaScript: which arithmetic question was asked.
    pub const QUESTION_TOKEN: Field = Field {
        required: false,
        hint: "Ohne JavaScript: Token der Rechenfrage",
        ..Field::hidden("frage_token", "Token der Sicherheitsfrage", 200)
    };
    /// Without JavaScript: the answer to the arithmetic question.
    pub const QUESTION_ANSWER: Field = Field {
        required: false,
        inputmode: "numeric",
        autocomplete: "off",
        hint: "Ohne JavaScript: Antwort auf die Rechenfrage",
        max_len: 3,
        ..Field::new("frage_antwort", "frage-antwort", "Sicherheitsfrage")
    };
    /// Must stay empty: only robots fill it in.
    pub const HONEYPOT: Field = Field {
        required: false,
        autocomplete: "off",
        hint: "Honeypot: muss leer bleiben",
        ..Field::new("website", "website", "Website (bitte leer lassen)")
    };

    pub const FIELDS: &[Field] = &[
        ORGANISATION,
        LEGAL_FORM,
        STREET,
        POSTCODE,
        CITY,
        LEVEL,
        IN_HOUSE,
        NAME,
        EMAIL,
        PHONE,
        AGB,
        PRIVACY,
        CSRF,
    ];
    pub const HUMAN_CHECK: &[Field] = &[ALTCHA, QUESTION_TOKEN, QUESTION_ANSWER, HONEYPOT];
}

/// Signing in.
pub mod sign_in {
    use super::*;

    pub const EMAIL: Field = Field {
        kind: FieldKind::Email,
        autocomplete: "username",
        max_len: 254,
        ..Field::new("email", "email", "E-Mail-Adresse")
    };
    pub const PASSWORD: Field = Field {
        kind: FieldKind::Password,
        autocomplete: "current-password",
        max_len: 256,
        ..Field::new("passwort", "password", "Passwort")
    };
    /// Where to go after signing in: a local path of the portal with its query (taken from
    /// the page's `?weiter=`); anything else is ignored and the account page follows.
    pub const RETURN_TO: Field = Field {
        required: false,
        hint: "Seite des Portals (Pfad mit Abfrage, beginnend mit /), zu der es nach der Anmeldung weitergeht",
        ..Field::hidden("weiter", "Nach der Anmeldung weiter zu", 512)
    };
    pub const FIELDS: &[Field] = &[EMAIL, PASSWORD, RETURN_TO, CSRF];
}

/// Asking for a link to set a new password.
pub mod forgot_password {
    use super::*;

    pub const EMAIL: Field = Field {
        kind: FieldKind::Email,
        autocomplete: "email",
        hint: "Ist die Adresse bei uns bekannt, senden wir Ihnen einen Link, mit dem Sie ein neues Passwort festlegen.",
        max_len: 254,
        ..Field::new("email", "email", "E-Mail-Adresse")
    };
    pub const FIELDS: &[Field] = &[EMAIL, CSRF];
}

/// Setting a password from an invitation or a reset link.
pub mod set_password {
    use super::*;

    pub const TOKEN: Field = Field::hidden("token", "Link-Token", 64);
    pub const PASSWORD: Field = Field {
        kind: FieldKind::Password,
        autocomplete: "new-password",
        hint: "Mindestens 25 Zeichen, ohne weitere Regeln: Ein Satz, den Sie sich merken können, eignet sich gut.",
        max_len: 256,
        ..Field::new("passwort", "new-password", "Neues Passwort")
    };
    pub const REPEAT: Field = Field {
        kind: FieldKind::Password,
        autocomplete: "new-password",
        max_len: 256,
        ..Field::new(
            "passwort_wiederholung",
            "new-password-repeat",
            "Neues Passwort wiederholen",
        )
    };
    pub const FIELDS: &[Field] = &[TOKEN, PASSWORD, REPEAT, CSRF];
}

/// Confirming the e-mail address (the button behind the first mail's link).
pub mod confirm {
    use super::*;

    pub const TOKEN: Field = Field::hidden("token", "Link-Token", 64);
    pub const FIELDS: &[Field] = &[TOKEN, CSRF];
}

/// Signing out.
pub mod sign_out {
    use super::*;

    pub const FIELDS: &[Field] = &[CSRF];
}

/// The operator rejects a registration.
pub mod reject_registration {
    use super::*;

    pub const REASON: Field = Field {
        kind: FieldKind::Textarea,
        max_len: 2000,
        rows: 4,
        ..Field::new("grund", "grund", "Begründung der Ablehnung")
    };
    pub const FIELDS: &[Field] = &[REASON];
}

/// Bedarf melden.
pub mod need {
    use super::*;

    pub const TITLE: Field = Field {
        hint: "Zum Beispiel: Terminvergabe für Bürgerbüros",
        max_len: 150,
        ..Field::new("title", "title", "Was brauchen Sie? (kurz)")
    };
    pub const DESCRIPTION: Field = Field {
        kind: FieldKind::Textarea,
        hint: "Wofür wird der Service gebraucht, welche Anforderungen sind wichtig?",
        max_len: 2000,
        rows: 6,
        ..Field::new("description", "description", "Beschreibung")
    };
    /// `<oberkategorie>/<unterkategorie>`; the choices come from the catalog's portfolio.
    pub const CATEGORY: Field = Field {
        kind: FieldKind::Select,
        required: false,
        placeholder: "Keine Angabe",
        max_len: 100,
        ..Field::new("category", "category", "Kategorie")
    };
    pub const EXPECTED_USERS: Field = Field {
        kind: FieldKind::Number,
        required: false,
        inputmode: "numeric",
        min: Some(1),
        max_len: 10,
        ..Field::new(
            "expected_users",
            "expected-users",
            "Erwartete Zahl der Nutzenden",
        )
    };
    pub const WISHED_DATE: Field = Field {
        kind: FieldKind::Date,
        required: false,
        max_len: 10,
        ..Field::new("wished_date", "wished-date", "Gewünschter Starttermin")
    };
    pub const CONTACT_PREFERENCE: Field = Field {
        kind: FieldKind::Radio,
        required: false,
        max_len: 10,
        choices: &[
            Choice {
                value: "email",
                label: "Per E-Mail",
                id: "contact-email",
            },
            Choice {
                value: "telefon",
                label: "Per Telefon",
                id: "contact-phone",
            },
        ],
        ..Field::new(
            "contact_preference",
            "contact-email",
            "Wie dürfen wir Sie kontaktieren?",
        )
    };
    pub const FIELDS: &[Field] = &[
        TITLE,
        DESCRIPTION,
        CATEGORY,
        EXPECTED_USERS,
        WISHED_DATE,
        CONTACT_PREFERENCE,
        CSRF,
    ];
}

/// Ordering one offering. Its plans, contract models and options come from the offering:
/// plans and contract models are radio groups whose buttons the template lists, each
/// configurable option is a field `option_<id>` with the id `option-<id>`.
pub mod order {
    use super::*;

    pub const OFFERING: Field = Field::hidden("offering", "Kennung des Angebots", 80);
    pub const PLAN: Field = Field {
        kind: FieldKind::Radio,
        max_len: 80,
        ..Field::new("plan", "plan", "Preismodell")
    };
    pub const CONTRACT_MODEL: Field = Field {
        kind: FieldKind::Radio,
        max_len: 20,
        ..Field::new("contract_model", "vertrag", "Vertragsmodell")
    };
    /// One of the organisation's saved addresses (its id); the function's form lists
    /// them with the Standardadresse chosen. Empty: the address typed in below is used.
    pub const BILLING_ADDRESS: Field = Field {
        kind: FieldKind::Select,
        required: false,
        max_len: 80,
        placeholder: "Andere Rechnungsadresse (unten eingeben)",
        hint: "Die Adressen Ihrer Organisation aus „Ihr Konto › Adressen“. Die Bestellung behält eine Kopie der gewählten Adresse.",
        ..Field::new("billing_address", "billing-address", "Gespeicherte Adresse")
    };
    pub const BILLING_ORG: Field = Field {
        autocomplete: "organization",
        ..Field::new("billing_org", "billing-org", "Organisation")
    };
    pub const BILLING_STREET: Field = Field {
        autocomplete: "street-address",
        ..Field::new("billing_street", "billing-street", "Straße und Hausnummer")
    };
    pub const BILLING_POSTCODE: Field = Field {
        autocomplete: "postal-code",
        pattern: "[0-9]{5}",
        inputmode: "numeric",
        hint: "Fünf Ziffern, zum Beispiel 10117.",
        max_len: 5,
        ..Field::new("billing_postcode", "billing-postcode", "Postleitzahl")
    };
    pub const BILLING_CITY: Field = Field {
        autocomplete: "address-level2",
        max_len: 100,
        ..Field::new("billing_city", "billing-city", "Ort")
    };
    pub const REFERENCE: Field = Field {
        required: false,
        hint: "Erscheint auf der Rechnung.",
        max_len: 100,
        ..Field::new("reference", "reference", "Ihr Zeichen oder Bestellnummer")
    };
    pub const NOTE: Field = Field {
        kind: FieldKind::Textarea,
        required: false,
        max_len: 2000,
        rows: 4,
        ..Field::new("note", "note", "Anmerkung")
    };
    pub const CONSENT_AGB: Field = Field {
        kind: FieldKind::Checkbox,
        max_len: 3,
        link: Some(LabelLink {
            text: "Nutzungsbedingungen des Portals (CSP-AGB)",
            href: "/agb/",
        }),
        ..Field::new(
            "consent_agb",
            "consent-agb",
            "Ich akzeptiere die Nutzungsbedingungen des Portals (CSP-AGB).",
        )
    };
    /// Its label names the offering and links its conditions: see
    /// [`crate::order_form::OrderOffering::consent`].
    pub const CONSENT_CONDITIONS: Field = Field {
        kind: FieldKind::Checkbox,
        max_len: 3,
        link: Some(LabelLink {
            text: "servicespezifischen Bedingungen",
            href: "#bedingungen",
        }),
        ..Field::new(
            "consent_conditions",
            "consent-conditions",
            "Ich akzeptiere die servicespezifischen Bedingungen.",
        )
    };
    pub const IDEMPOTENCY_KEY: Field = Field::hidden(
        "idempotency_key",
        "Kennung dieses Formulars: dieselbe Kennung ergibt höchstens eine Bestellung",
        100,
    );

    /// The fields every order form has (options come on top).
    pub const FIELDS: &[Field] = &[
        OFFERING,
        PLAN,
        CONTRACT_MODEL,
        BILLING_ADDRESS,
        BILLING_ORG,
        BILLING_STREET,
        BILLING_POSTCODE,
        BILLING_CITY,
        REFERENCE,
        NOTE,
        CONSENT_AGB,
        CONSENT_CONDITIONS,
        IDEMPOTENCY_KEY,
        CSRF,
    ];

    /// The submitted name of a configurable option.
    pub fn option_name(option_id: &str) -> String {
        format!("option_{option_id}")
    }

    /// The element id of a configurable option.
    pub fn option_id(option_id: &str) -> String {
        format!("option-{option_id}")
    }
}

/// A Warenkorb line: the order form's plan, contract model and options
/// ([`order::PLAN`], [`order::CONTRACT_MODEL`], `option_<id>`), and the quantity.
/// The checkout of the Warenkorb: one billing address and the consents for all lines, and
/// the checkout key (same key, same orders once).
pub mod checkout {
    use super::*;

    /// One of the organisation's saved addresses (its id), copied into every order.
    pub const BILLING_ADDRESS: Field = Field {
        kind: FieldKind::Select,
        required: true,
        max_len: 80,
        placeholder: "",
        hint: "Die Adressen Ihrer Organisation aus „Ihr Konto › Adressen“. Jede Bestellung behält eine Kopie der gewählten Adresse.",
        ..Field::new("billing_address", "billing-address", "Rechnungsadresse")
    };
    /// The service conditions of every line's offering, agreed once.
    pub const CONSENT_CONDITIONS: Field = Field {
        kind: FieldKind::Checkbox,
        max_len: 3,
        ..Field::new(
            "consent_conditions",
            "consent-conditions",
            "Ich akzeptiere die servicespezifischen Bedingungen der Angebote aller Positionen.",
        )
    };
    pub const FIELDS: &[Field] = &[
        order::IDEMPOTENCY_KEY,
        BILLING_ADDRESS,
        order::CONSENT_AGB,
        CONSENT_CONDITIONS,
        CSRF,
    ];
}

pub mod cart {
    use super::*;

    /// The largest quantity of a line.
    pub const MAX_QUANTITY: i64 = 100_000;

    /// How many units of the plan's price unit ("je Nutzer und Monat": users) the line
    /// orders; the price per period is the plan's price times the quantity.
    pub const QUANTITY: Field = Field {
        kind: FieldKind::Number,
        required: false,
        inputmode: "numeric",
        min: Some(1),
        max_len: 6,
        hint: "Wie viele Einheiten des Preises (zum Beispiel Nutzer, TB oder Instanzen); ohne Angabe 1.",
        ..Field::new("menge", "menge", "Menge")
    };
    /// What the form of a line does: `aendern` (with the line's fields) or `entfernen`.
    pub const ACTION: Field = Field {
        kind: FieldKind::Hidden,
        max_len: 20,
        choices: &[
            Choice {
                value: "aendern",
                label: "Ändern",
                id: "aktion-aendern",
            },
            Choice {
                value: "entfernen",
                label: "Entfernen",
                id: "aktion-entfernen",
            },
        ],
        ..Field::new("aktion", "aktion", "Aktion")
    };
    /// Added to the order form's fields by "In den Warenkorb".
    pub const FIELDS: &[Field] = &[QUANTITY];
    /// The form of one line.
    pub const LINE_FIELDS: &[Field] = &[ACTION, QUANTITY];
}

/// A decision on an order (behind a mailed link, or through the API).
pub mod decision {
    use super::*;

    pub const TOKEN: Field = Field::hidden("token", "Token aus dem Link der E-Mail", 300);
    pub const ACTION: Field = Field {
        kind: FieldKind::Radio,
        max_len: 20,
        ..Field::new("aktion", "aktion", "bestaetigen, pruefen oder ablehnen")
    };
    pub const REASON: Field = Field {
        kind: FieldKind::Textarea,
        required: false,
        hint: "Bei einer Ablehnung Pflicht; der Kunde erhält sie mit der Nachricht.",
        max_len: 2000,
        rows: 4,
        ..Field::new("begruendung", "begruendung", "Begründung")
    };
    pub const FIELDS: &[Field] = &[ACTION, REASON];
}

/// The filters of "Eingegangene Bestellungen" (a GET form: status, offering, period,
/// search); the status and offering choices come from the function.
pub mod incoming_filter {
    use super::*;

    pub const STATUS: Field = Field {
        kind: FieldKind::Select,
        required: false,
        max_len: 40,
        placeholder: "Alle Status",
        ..Field::new("status", "filter-status", "Status")
    };
    pub const OFFERING: Field = Field {
        kind: FieldKind::Select,
        required: false,
        max_len: 100,
        placeholder: "Alle Cloud-Services",
        ..Field::new("angebot", "filter-angebot", "Cloud-Service")
    };
    pub const FROM: Field = Field {
        kind: FieldKind::Date,
        required: false,
        max_len: 10,
        hint: "JJJJ-MM-TT",
        ..Field::new("von", "filter-von", "Bestellt ab")
    };
    pub const UNTIL: Field = Field {
        kind: FieldKind::Date,
        required: false,
        max_len: 10,
        hint: "JJJJ-MM-TT",
        ..Field::new("bis", "filter-bis", "Bestellt bis")
    };
    pub const SEARCH: Field = Field {
        required: false,
        max_len: 100,
        ..Field::new("q", "filter-q", "Bestellnummer oder Kunde")
    };
    pub const FIELDS: &[Field] = &[STATUS, OFFERING, FROM, UNTIL, SEARCH];
}

/// The roles an administrator gives people ("Konto hinzufügen", "Rolle ändern"); the
/// Hauptadmin is not among them (only the operator changes it).
pub const MEMBER_ROLE_CHOICES: &[Choice] = &[
    Choice {
        value: "mitarbeiter",
        label: "Mitarbeiter/in",
        id: "",
    },
    Choice {
        value: "organisationsadmin",
        label: "Organisationsadmin",
        id: "",
    },
];

/// "Konto hinzufügen": an administrator invites a person into the organisation's account.
pub mod invite_member {
    use super::*;

    pub const NAME: Field = Field {
        max_len: 100,
        autocomplete: "off",
        ..Field::new("name", "einladung-name", "Name")
    };
    pub const EMAIL: Field = Field {
        kind: FieldKind::Email,
        max_len: 254,
        autocomplete: "off",
        hint: "Die dienstliche Adresse der Person; sie erhält einen Link, der 7 Tage gilt.",
        ..Field::new("email", "einladung-email", "E-Mail-Adresse")
    };
    /// `mitarbeiter`, `organisationsadmin` or `rolle:<id>` for one of the organisation's
    /// named roles (the page lists them).
    pub const ROLE: Field = Field {
        kind: FieldKind::Select,
        max_len: 60,
        choices: MEMBER_ROLE_CHOICES,
        placeholder: "Bitte wählen",
        ..Field::new("rolle", "einladung-rolle", "Rolle")
    };
    pub const FIELDS: &[Field] = &[NAME, EMAIL, ROLE, CSRF];
}

/// What an administrator does with one person of the list (each a button of its own).
pub mod member_action {
    use super::*;

    /// The actions, as the buttons submit them.
    pub const RESEND: &str = "einladung-erneut-senden";
    pub const CHANGE_ROLE: &str = "rolle-aendern";
    pub const DEACTIVATE: &str = "deaktivieren";
    pub const REACTIVATE: &str = "aktivieren";
    pub const DELETE: &str = "loeschen";

    pub const ACTION: Field = Field {
        kind: FieldKind::Hidden,
        max_len: 30,
        hint: "einladung-erneut-senden, rolle-aendern, deaktivieren, aktivieren oder loeschen",
        ..Field::new("aktion", "aktion", "Aktion")
    };
    /// The new role (only for `rolle-aendern`); one select per person, `rolle-<id>`:
    /// `mitarbeiter`, `organisationsadmin` or `rolle:<id>` for a named role.
    pub const ROLE: Field = Field {
        kind: FieldKind::Select,
        required: false,
        max_len: 60,
        choices: MEMBER_ROLE_CHOICES,
        ..Field::new("rolle", "rolle", "Rolle")
    };
    /// Deleting asks once more: `ja` confirms.
    pub const CONFIRM: Field = Field {
        required: false,
        ..Field::hidden("bestaetigt", "Löschen bestätigt (ja)", 2)
    };
    pub const FIELDS: &[Field] = &[ACTION, ROLE, CONFIRM, CSRF];
}

/// "Rolle anlegen" and "Rolle bearbeiten": a named role with its rights (administrators
/// only). Each right is a checkbox named after the right's value in the function's domain
/// (`Right::as_str`).
pub mod role {
    use super::*;

    pub const NAME: Field = Field {
        max_len: 60,
        autocomplete: "off",
        hint: "Zum Beispiel „Beschaffung“ oder „Empfang“. Jeder Name kommt in Ihrer Organisation einmal vor.",
        ..Field::new("name", "rolle-name", "Name der Rolle")
    };
    const fn right(name: &'static str, id: &'static str, label: &'static str) -> Field {
        Field {
            kind: FieldKind::Checkbox,
            required: false,
            max_len: 3,
            ..Field::new(name, id, label)
        }
    }
    pub const MANAGE_MEMBERS: Field = right(
        "mitarbeitende_verwalten",
        "recht-mitarbeitende",
        "Mitarbeitende verwalten (einladen, deaktivieren, löschen, Rollen vergeben)",
    );
    pub const MANAGE_ADDRESSES: Field =
        right("adressen_verwalten", "recht-adressen", "Adressen verwalten");
    pub const EDIT_ORGANISATION: Field = right(
        "organisationsprofil_bearbeiten",
        "recht-organisationsprofil",
        "Organisationsprofil bearbeiten (ergänzende Angaben zur Organisation)",
    );
    pub const SEE_ALL_ORDERS: Field = right(
        "alle_bestellungen_sehen",
        "recht-alle-bestellungen",
        "Alle Bestellungen der Organisation sehen",
    );
    /// The rights, in the order the form lists them.
    pub const RIGHTS: &[Field] = &[
        MANAGE_MEMBERS,
        MANAGE_ADDRESSES,
        EDIT_ORGANISATION,
        SEE_ALL_ORDERS,
    ];
    /// Where a message about the rights as a whole goes (the first checkbox).
    pub const RIGHTS_GROUP: &str = MANAGE_MEMBERS.name;
    /// Where the refusal to delete a role still given to people goes.
    pub const DELETE: &str = "loeschen";
    /// "Rolle löschen" sends only the token.
    pub const DELETE_FIELDS: &[Field] = &[CSRF];
    pub const FIELDS: &[Field] = &[
        NAME,
        MANAGE_MEMBERS,
        MANAGE_ADDRESSES,
        EDIT_ORGANISATION,
        SEE_ALL_ORDERS,
        CSRF,
    ];
}

/// "Persönliches Profil": a person's own name and phone.
pub mod profile {
    use super::*;

    pub const NAME: Field = Field {
        autocomplete: "name",
        max_len: 100,
        ..Field::new("name", "profil-name", "Vor- und Nachname")
    };
    pub const PHONE: Field = Field {
        kind: FieldKind::Tel,
        autocomplete: "tel",
        max_len: 40,
        ..Field::new("telefon", "profil-telefon", "Telefonnummer")
    };
    pub const FIELDS: &[Field] = &[NAME, PHONE, CSRF];
}

/// "Passwort ändern": the current password and a new one; the person's other sessions end.
pub mod change_password {
    use super::*;

    pub const CURRENT: Field = Field {
        kind: FieldKind::Password,
        autocomplete: "current-password",
        max_len: 256,
        ..Field::new(
            "aktuelles_passwort",
            "aktuelles-passwort",
            "Aktuelles Passwort",
        )
    };
    pub const FIELDS: &[Field] = &[
        CURRENT,
        super::set_password::PASSWORD,
        super::set_password::REPEAT,
        CSRF,
    ];
}

/// "Ergänzende Angaben zur Organisation", edited by its administrators.
pub mod organisation_details {
    use super::*;

    pub const IN_HOUSE: Field = Field {
        kind: FieldKind::Checkbox,
        required: false,
        max_len: 3,
        ..Field::new(
            "inhouse",
            "details-inhouse",
            "Unsere Organisation ist inhousefähig gegenüber der govdigital eG (für den Umklappvertrag).",
        )
    };
    pub const LEITWEG_ID: Field = Field {
        required: false,
        max_len: 46,
        hint: "Für elektronische Rechnungen (XRechnung), zum Beispiel 04011000-1234512345-06: Grobadressierung, wahlweise Feinadressierung, zwei Prüfziffern.",
        ..Field::new("leitweg_id", "details-leitweg-id", "Leitweg-ID")
    };
    pub const CENTRAL_PHONE: Field = Field {
        kind: FieldKind::Tel,
        required: false,
        max_len: 40,
        ..Field::new(
            "zentrale_telefon",
            "details-telefon",
            "Zentrale Telefonnummer",
        )
    };
    pub const FIELDS: &[Field] = &[IN_HOUSE, LEITWEG_ID, CENTRAL_PHONE, CSRF];
}

/// The kinds of address an organisation keeps ("Adressverwaltung").
pub const ADDRESS_KIND_CHOICES: &[Choice] = &[
    Choice {
        value: "rechnungsadresse",
        label: "Rechnungsadresse",
        id: "",
    },
    Choice {
        value: "standort",
        label: "Standort",
        id: "",
    },
];

/// "Adresse hinzufügen" and "Adresse bearbeiten": an address of the organisation, kept
/// by its administrators.
pub mod address {
    use super::*;

    pub const KIND: Field = Field {
        kind: FieldKind::Select,
        max_len: 20,
        choices: ADDRESS_KIND_CHOICES,
        placeholder: "Bitte wählen",
        ..Field::new("art", "adresse-art", "Art der Adresse")
    };
    pub const LABEL: Field = Field {
        max_len: 100,
        hint: "Ein kurzer Name, an dem Sie die Adresse in der Bestellung erkennen, zum Beispiel „Kämmerei“.",
        ..Field::new("bezeichnung", "adresse-bezeichnung", "Bezeichnung")
    };
    pub const RECIPIENT: Field = Field {
        autocomplete: "organization",
        ..Field::new(
            "empfaenger",
            "adresse-empfaenger",
            "Organisation oder Dienststelle",
        )
    };
    pub const STREET: Field = Field {
        autocomplete: "street-address",
        ..Field::new("strasse", "adresse-strasse", "Straße und Hausnummer")
    };
    pub const POSTCODE: Field = Field {
        autocomplete: "postal-code",
        pattern: "[0-9]{5}",
        inputmode: "numeric",
        hint: "Fünf Ziffern, zum Beispiel 10117.",
        max_len: 5,
        ..Field::new("plz", "adresse-plz", "Postleitzahl")
    };
    pub const CITY: Field = Field {
        autocomplete: "address-level2",
        max_len: 100,
        ..Field::new("ort", "adresse-ort", "Ort")
    };
    pub const PHONE: Field = Field {
        kind: FieldKind::Tel,
        required: false,
        autocomplete: "tel",
        max_len: 40,
        ..Field::new("telefon", "adresse-telefon", "Telefonnummer")
    };
    pub const FIELDS: &[Field] = &[KIND, LABEL, RECIPIENT, STREET, POSTCODE, CITY, PHONE, CSRF];
}

/// What an administrator does with one address (each a button of its own).
pub mod address_action {
    use super::*;

    pub const SAVE: &str = "speichern";
    pub const MAKE_DEFAULT: &str = "standard";
    pub const DELETE: &str = "loeschen";

    pub const ACTION: Field = Field {
        kind: FieldKind::Hidden,
        max_len: 20,
        hint: "speichern (mit den Feldern der Adresse), standard oder loeschen",
        ..Field::new("aktion", "aktion", "Aktion")
    };
    const fn optional(field: Field) -> Field {
        Field {
            required: false,
            ..field
        }
    }

    /// The fields a change sends (`speichern` needs the address's fields too, as for
    /// [`address::FIELDS`]).
    pub const FIELDS: &[Field] = &[
        ACTION,
        optional(address::KIND),
        optional(address::LABEL),
        optional(address::RECIPIENT),
        optional(address::STREET),
        optional(address::POSTCODE),
        optional(address::CITY),
        address::PHONE,
        CSRF,
    ];
}

/// Subscribing to the newsletter: the e-mail field in the footer of every page, with the
/// human check of the registration under the same names (the footer's element ids are its
/// own, since the registration page shows both forms).
pub mod newsletter {
    use super::*;

    pub const EMAIL: Field = Field {
        kind: FieldKind::Email,
        autocomplete: "email",
        hint: "Sie erhalten zuerst eine E-Mail mit einem Bestätigungslink.",
        max_len: 254,
        ..Field::new("email", "newsletter-email", "Ihre E-Mail-Adresse")
    };
    pub const ALTCHA: Field = registration::ALTCHA;
    pub const QUESTION_TOKEN: Field = registration::QUESTION_TOKEN;
    pub const QUESTION_ANSWER: Field = Field {
        id: "newsletter-frage-antwort",
        ..registration::QUESTION_ANSWER
    };
    pub const HONEYPOT: Field = Field {
        id: "newsletter-website",
        ..registration::HONEYPOT
    };

    pub const FIELDS: &[Field] = &[EMAIL];
    pub const HUMAN_CHECK: &[Field] = &[ALTCHA, QUESTION_TOKEN, QUESTION_ANSWER, HONEYPOT];
    /// What the footer shows: the address, the proof of work (set by the script once the
    /// field is used) and the honeypot; without JavaScript the question follows on the
    /// newsletter's own page.
    pub const FOOTER: &[Field] = &[EMAIL, ALTCHA, HONEYPOT];
}

/// Confirming a subscription (the button behind the confirmation mail's link).
pub mod newsletter_confirm {
    use super::*;

    pub const TOKEN: Field = Field::hidden("token", "Link-Token", 200);
    pub const FIELDS: &[Field] = &[TOKEN];
}

/// Unsubscribing: the button behind a newsletter's link, and the one-click POST of a mail
/// program (RFC 8058), which sends `List-Unsubscribe=One-Click` with the link's token in
/// the address.
pub mod newsletter_unsubscribe {
    use super::*;

    pub const TOKEN: Field = Field {
        required: false,
        hint: "oder als Parameter token in der Adresse (Link aus dem Newsletter)",
        ..Field::hidden("token", "Link-Token", 200)
    };
    pub const ONE_CLICK: Field = Field {
        required: false,
        hint: "RFC 8058: List-Unsubscribe=One-Click",
        ..Field::hidden("List-Unsubscribe", "Ein-Klick-Abmeldung", 20)
    };
    pub const FIELDS: &[Field] = &[TOKEN, ONE_CLICK];
}

/// A field as a form shows it: the specification, what was entered and its message.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    #[serde(flatten)]
    pub spec: Field,
    /// Label text before the link, and after it (checkboxes with a link in their label).
    pub label_before: String,
    pub label_after: String,
    /// The link's address, if the label has one (may differ from the specification's, as
    /// for an offering's conditions).
    pub link_href: String,
    /// What was entered (never a password).
    pub value: String,
    pub checked: bool,
    /// The field's message, empty if there is none.
    pub error: String,
    /// The ids of its hint and message, for `aria-describedby`; empty if it has neither.
    pub described_by: String,
}

/// An entry of the error summary: the message and the element it leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryEntry {
    pub target: String,
    pub message: String,
}

/// A form as its template reads it: `form.fields.<name>`, the error summary, the message
/// for the whole form.
#[derive(Debug, Clone, Serialize)]
pub struct FormView {
    pub fields: BTreeMap<&'static str, FieldView>,
    pub summary: Vec<SummaryEntry>,
    /// A message about the whole form (wrong credentials, an expired link), empty if none.
    pub message: String,
}

impl FormView {
    /// A form as the static page shows it: nothing entered, no messages.
    pub fn empty(fields: &[Field]) -> FormView {
        FormView::filled(fields, |_| String::new(), &[], "")
    }

    /// A form shown again: `value` gives what was entered under a field's name, `errors`
    /// the messages by field name in the order of the form.
    pub fn filled(
        fields: &[Field],
        value: impl Fn(&str) -> String,
        errors: &[(String, String)],
        message: &str,
    ) -> FormView {
        let fields: BTreeMap<&'static str, FieldView> = fields
            .iter()
            .map(|spec| {
                let entered = value(spec.name);
                let checked = !matches!(entered.as_str(), "" | "false" | "0" | "off");
                let (label_before, label_after) = match spec.link {
                    Some(link) => match spec.label.split_once(link.text) {
                        Some((before, after)) => (before.to_owned(), after.to_owned()),
                        None => (spec.label.to_owned(), String::new()),
                    },
                    None => (spec.label.to_owned(), String::new()),
                };
                let error = errors
                    .iter()
                    .find(|(name, _)| name == spec.name)
                    .map(|(_, m)| m.clone())
                    .unwrap_or_default();
                let described_by = [
                    (!spec.hint.is_empty()).then(|| format!("{}-hinweis", spec.id)),
                    (!error.is_empty()).then(|| format!("{}-fehler", spec.id)),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
                let view = FieldView {
                    spec: *spec,
                    label_before,
                    label_after,
                    link_href: spec.link.map(|l| l.href.to_owned()).unwrap_or_default(),
                    // Passwords are never sent back into a page.
                    value: if spec.kind == FieldKind::Password {
                        String::new()
                    } else {
                        entered
                    },
                    checked,
                    error,
                    described_by,
                };
                (spec.name, view)
            })
            .collect();
        let summary = errors
            .iter()
            .map(|(name, message)| SummaryEntry {
                target: fields
                    .get(name.as_str())
                    // Fields outside the specification are an order's options: `option_<id>`
                    // has the element id `option-<id>`.
                    .map_or_else(|| name.replacen('_', "-", 1), |f| f.target().to_owned()),
                message: message.clone(),
            })
            .collect();
        FormView {
            fields,
            summary,
            message: message.to_owned(),
        }
    }

    /// Points the summary's entry of `name` at another element (a radio group's first
    /// button, whose id depends on the offering).
    pub fn with_target(mut self, name: &str, target: &str) -> FormView {
        let Some(spec_target) = self.fields.get(name).map(|f| f.target().to_owned()) else {
            return self;
        };
        for entry in &mut self.summary {
            if entry.target == spec_target {
                entry.target = target.to_owned();
            }
        }
        self
    }

    /// Whether the form has messages.
    pub fn has_errors(&self) -> bool {
        !self.summary.is_empty() || !self.message.is_empty()
    }
}

impl FieldView {
    /// The element the error summary leads to: the field, or a radio group's first button.
    fn target(&self) -> &str {
        match self.spec.choices.first() {
            Some(choice) if self.spec.kind == FieldKind::Radio && !choice.id.is_empty() => {
                choice.id
            }
            _ => self.spec.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_form() -> Vec<(&'static str, &'static [Field])> {
        vec![
            ("registration", registration::FIELDS),
            ("human check", registration::HUMAN_CHECK),
            ("sign in", sign_in::FIELDS),
            ("forgot", forgot_password::FIELDS),
            ("set password", set_password::FIELDS),
            ("need", need::FIELDS),
            ("order", order::FIELDS),
            ("decision", decision::FIELDS),
            ("newsletter", newsletter::FIELDS),
            ("newsletter human check", newsletter::HUMAN_CHECK),
            ("newsletter unsubscribe", newsletter_unsubscribe::FIELDS),
        ]
    }

    #[test]
    fn names_and_ids_are_unique_within_each_form() {
        for (form, fields) in every_form() {
            let mut names: Vec<&str> = fields.iter().map(|f| f.name).collect();
            let mut ids: Vec<&str> = fields.iter().map(|f| f.id).collect();
            names.sort_unstable();
            ids.sort_unstable();
            let (n, i) = (names.len(), ids.len());
            names.dedup();
            ids.dedup();
            assert_eq!(names.len(), n, "{form}: a name twice");
            assert_eq!(ids.len(), i, "{form}: an id twice");
        }
    }

    #[test]
    fn every_link_in_a_label_is_part_of_the_label() {
        for (form, fields) in every_form() {
            for field in fields {
                if let Some(link) = field.link {
                    assert!(field.label.contains(link.text), "{form}: {}", field.name);
                }
            }
        }
    }

    #[test]
    fn a_form_shown_again_keeps_values_but_never_a_password() {
        let view = FormView::filled(
            sign_in::FIELDS,
            |name| format!("{name}-wert"),
            &[("passwort".into(), "Falsch".into())],
            "",
        );
        assert_eq!(view.fields["email"].value, "email-wert");
        assert_eq!(view.fields["passwort"].value, "");
        assert_eq!(view.fields["passwort"].error, "Falsch");
        assert_eq!(
            view.summary,
            [SummaryEntry {
                target: "password".into(),
                message: "Falsch".into()
            }]
        );
    }

    #[test]
    fn the_summary_leads_to_the_first_button_of_a_radio_group() {
        let view = FormView::filled(
            need::FIELDS,
            |_| String::new(),
            &[("contact_preference".into(), "Bitte wählen".into())],
            "",
        );
        assert_eq!(view.summary[0].target, "contact-email");
    }
}
