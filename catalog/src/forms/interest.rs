//! "Interesse bekunden": a customer tells a provider that the organisation is interested in
//! an offering, with an optional message; and withdrawing it again.

use super::{CSRF, Field, FieldKind};

/// Expressing interest in one offering (`/api/interesse/<offering>`).
pub mod express {
    use super::*;

    /// At most this many characters in the message.
    pub const MESSAGE_MAX: usize = 1000;

    pub const MESSAGE: Field = Field {
        kind: FieldKind::Textarea,
        required: false,
        hint: "Optional: Was möchten Sie vom Anbieter wissen, wofür käme der Service in Frage? Höchstens 1000 Zeichen.",
        max_len: MESSAGE_MAX,
        rows: 5,
        ..Field::new(
            "nachricht",
            "interesse-nachricht",
            "Ihre Nachricht an den Anbieter",
        )
    };
    pub const FIELDS: &[Field] = &[MESSAGE, CSRF];
}

/// Withdrawing one's expression of interest (`/api/konto/interessen/<id>/zurueckziehen`).
pub mod withdraw {
    use super::*;

    pub const FIELDS: &[Field] = &[CSRF];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_optional_and_bounded_by_its_own_limit() {
        let field = express::MESSAGE;
        assert!(!field.required);
        assert_eq!(field.max_len, express::MESSAGE_MAX);
        assert!(
            express::MESSAGE
                .hint
                .contains(&express::MESSAGE_MAX.to_string())
        );
    }
}
