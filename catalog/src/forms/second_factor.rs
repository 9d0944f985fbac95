//! The forms of the second sign-in factor (TOTP): the code asked for after the password,
//! switching it on with a first code, and switching it off.

use super::{CSRF, Field, FieldKind};

/// What the code field says about the two kinds of code it takes.
const CODE_HINT: &str = "Die sechsstellige Zahl, die Ihre Authenticator-App gerade anzeigt, oder einer Ihrer Wiederherstellungscodes.";

/// The second step of signing in.
pub mod sign_in {
    use super::*;

    pub const CODE: Field = Field {
        autocomplete: "one-time-code",
        hint: CODE_HINT,
        max_len: 32,
        ..Field::new("code", "code", "Bestätigungscode")
    };
    pub const FIELDS: &[Field] = &[CODE, super::super::sign_in::RETURN_TO, CSRF];
}

/// Switching the second factor on: the secret the page shows travels signed in a hidden
/// field until the first code confirms that the app has it.
pub mod setup {
    use super::*;

    pub const SETUP: Field = Field::hidden("einrichtung", "Einrichtungsnachweis (signiert)", 300);
    pub const CODE: Field = Field {
        autocomplete: "one-time-code",
        inputmode: "numeric",
        pattern: "[0-9]{6}",
        hint: "Die sechsstellige Zahl, die die App nach dem Einrichten anzeigt, ohne Leerzeichen.",
        max_len: 6,
        ..Field::new("code", "einrichtung-code", "Bestätigungscode aus der App")
    };
    pub const FIELDS: &[Field] = &[SETUP, CODE, CSRF];
}

/// Switching the second factor off: the password and a current code (or a recovery code).
pub mod off {
    use super::*;

    pub const PASSWORD: Field = Field {
        kind: FieldKind::Password,
        autocomplete: "current-password",
        max_len: 256,
        ..Field::new("passwort", "aus-passwort", "Ihr Passwort")
    };
    pub const CODE: Field = Field {
        autocomplete: "one-time-code",
        hint: CODE_HINT,
        max_len: 32,
        ..Field::new("code", "aus-code", "Bestätigungscode")
    };
    pub const FIELDS: &[Field] = &[PASSWORD, CODE, CSRF];
}
