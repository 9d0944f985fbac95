//! The forms of the operator console (`/api/betrieb/…`): the filters of the reported
//! Bedarfe (a GET form; the category choices come from the catalog's portfolio).

use super::{Choice, Field, FieldKind};

/// The filters of "Gemeldete Bedarfe": category, handled or open, period.
pub mod needs_filter {
    use super::*;

    pub const CATEGORY: Field = Field {
        kind: FieldKind::Select,
        required: false,
        max_len: 100,
        placeholder: "Alle Kategorien",
        ..Field::new("kategorie", "filter-kategorie", "Kategorie")
    };
    pub const STATE: Field = Field {
        kind: FieldKind::Select,
        required: false,
        max_len: 20,
        placeholder: "Offen und erledigt",
        choices: &[
            Choice {
                value: "offen",
                label: "Nur offene",
                id: "",
            },
            Choice {
                value: "erledigt",
                label: "Nur erledigte",
                id: "",
            },
        ],
        ..Field::new("stand", "filter-stand", "Stand")
    };
    pub const FROM: Field = Field {
        kind: FieldKind::Date,
        required: false,
        max_len: 10,
        hint: "JJJJ-MM-TT",
        ..Field::new("von", "filter-von", "Gemeldet ab")
    };
    pub const UNTIL: Field = Field {
        kind: FieldKind::Date,
        required: false,
        max_len: 10,
        hint: "JJJJ-MM-TT",
        ..Field::new("bis", "filter-bis", "Gemeldet bis")
    };
    pub const FIELDS: &[Field] = &[CATEGORY, STATE, FROM, UNTIL];
}

/// The search of "Organisationen" (a GET form).
pub mod org_search {
    use super::*;

    pub const QUERY: Field = Field {
        required: false,
        max_len: 100,
        ..Field::new("q", "org-suche", "Name der Organisation")
    };
    pub const FIELDS: &[Field] = &[QUERY];
}

/// Name and Rechtsform of an organisation, changed by the operator on request.
pub mod org_name {
    use super::*;

    pub const NAME: Field = Field {
        max_len: 200,
        autocomplete: "off",
        ..Field::new("name", "org-name", "Name der Organisation")
    };
    pub const LEGAL_FORM: Field = Field {
        required: false,
        max_len: 100,
        autocomplete: "off",
        ..Field::new("rechtsform", "org-rechtsform", "Rechtsform")
    };
    pub const FIELDS: &[Field] = &[NAME, LEGAL_FORM];
}

/// The new Hauptadmin of an organisation (the choices are its active people with a
/// password).
pub mod org_hauptadmin {
    use super::*;

    pub const PERSON: Field = Field {
        kind: FieldKind::Select,
        max_len: 254,
        placeholder: "Bitte wählen",
        ..Field::new("email", "org-hauptadmin", "Neue Hauptadministration")
    };
    pub const FIELDS: &[Field] = &[PERSON];
}

/// "Anbieterorganisation anlegen": the party (a provider of the catalog without an
/// organisation, or the intermediary; the choices come from the catalog), the
/// organisation's name and its first Hauptadministration, who is invited by mail.
pub mod party_org {
    use super::*;

    pub const PARTY: Field = Field {
        kind: FieldKind::Select,
        max_len: 100,
        placeholder: "Bitte auswählen",
        ..Field::new("partei", "partei", "Anbieter oder Intermediär")
    };
    pub const NAME: Field = Field {
        max_len: 200,
        autocomplete: "off",
        ..Field::new("name", "partei-org-name", "Name der Organisation")
    };
    pub const ADMIN_NAME: Field = Field {
        max_len: 200,
        autocomplete: "off",
        ..Field::new(
            "admin_name",
            "partei-admin-name",
            "Name der ersten Hauptadministration",
        )
    };
    pub const ADMIN_EMAIL: Field = Field {
        kind: FieldKind::Email,
        max_len: 254,
        autocomplete: "off",
        ..Field::new(
            "admin_email",
            "partei-admin-email",
            "E-Mail-Adresse der ersten Hauptadministration",
        )
    };
    pub const FIELDS: &[Field] = &[PARTY, NAME, ADMIN_NAME, ADMIN_EMAIL];
}

/// "Zweiten Faktor zurücksetzen": the address of the person whose authenticator app is lost,
/// and the answer of the confirmation step ("Wirklich zurücksetzen?").
pub mod factor_reset {
    use super::*;

    pub const EMAIL: Field = Field {
        kind: FieldKind::Email,
        max_len: 254,
        autocomplete: "off",
        hint: "Die Adresse, mit der sich die Person anmeldet.",
        ..Field::new("email", "zf-email", "E-Mail-Adresse der Person")
    };
    /// `ja` once the operator has confirmed; without it the form asks first.
    pub const CONFIRMED: Field = Field {
        kind: FieldKind::Hidden,
        required: false,
        max_len: 2,
        ..Field::new("bestaetigt", "zf-bestaetigt", "Bestätigt")
    };
    pub const FIELDS: &[Field] = &[EMAIL, CONFIRMED];
}
