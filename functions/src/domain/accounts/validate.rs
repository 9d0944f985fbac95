//! Checks of the account forms' typed input (registration, new passwords), with the German
//! message at each field ([`super::input::AccountField`]).

use catalog::forms::{LEGAL_FORMS, registration as reg};
use catalog::model::CustomerScope;

use super::input::{
    AccountField, AccountProblems, NewPasswordField, NewPasswordInput, RegistrationField as Reg,
    RegistrationInput,
};
use crate::domain::password;
use crate::domain::validation::{is_valid_phone, is_valid_postcode, normalize_email, parse_level};

/// Checks a required single-line text field.
fn text(value: &str, errors: &mut AccountProblems, field: Reg, label: &str, max: usize) -> String {
    let field = AccountField::Registration(field);
    if value.is_empty() {
        errors.add(field, format!("Bitte geben Sie {label} an."));
    } else if value.chars().count() > max {
        errors.add(
            field,
            format!("Bitte kürzen Sie die Angabe auf höchstens {max} Zeichen."),
        );
    } else if value.chars().any(char::is_control) {
        errors.add(field, "Die Angabe enthält unzulässige Steuerzeichen.");
    }
    value.to_owned()
}

/// Checks a new password and its repetition; returns the password.
pub fn validate_new_password(input: &NewPasswordInput) -> Result<String, AccountProblems> {
    let mut errors = AccountProblems::default();
    // Like every field, passwords arrive NFC-normalised and trimmed (leading or trailing
    // spaces are a copy-paste accident); sign-in applies the same normalisation.
    let field = AccountField::NewPassword(NewPasswordField::Password);
    let password = input.password.as_str();
    let chars = password.chars().count();
    if chars == 0 {
        errors.add(field, "Bitte geben Sie ein Passwort ein.");
    } else if chars < password::MIN_CHARS {
        errors.add(
            field,
            format!(
                "Das Passwort muss mindestens {} Zeichen lang sein (jetzt: {chars}). Ein Satz, den Sie sich merken können, eignet sich gut.",
                password::MIN_CHARS
            ),
        );
    } else if chars > password::MAX_CHARS {
        errors.add(
            field,
            format!(
                "Das Passwort darf höchstens {} Zeichen lang sein.",
                password::MAX_CHARS
            ),
        );
    }
    if errors.is_empty() && input.repeat != password {
        errors.add(
            AccountField::NewPassword(NewPasswordField::Repeat),
            "Die Wiederholung stimmt nicht mit dem Passwort überein.",
        );
    }
    errors.into_result(password.to_owned())
}

/// A validated registration (the human check is verified separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRegistration {
    pub org_name: String,
    pub legal_form: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub in_house_capable: bool,
    /// Verwaltungsebene: decides which offerings' Kundenkreis the organisation is in.
    pub level: CustomerScope,
    pub admin_name: String,
    pub email: String,
    pub phone: String,
}

/// Validates the registration form (without its human check).
pub fn validate_registration(
    input: &RegistrationInput,
) -> Result<ValidRegistration, AccountProblems> {
    let mut errors = AccountProblems::default();
    let org_name = text(
        &input.organisation,
        &mut errors,
        Reg::Organisation,
        "den Namen der Organisation",
        reg::ORGANISATION.max_len,
    );
    let legal_form = input.legal_form.clone();
    if legal_form.is_empty() {
        errors.add(
            Reg::LegalForm.into(),
            "Bitte wählen Sie die Rechtsform aus.",
        );
    } else if !LEGAL_FORMS.contains(&legal_form.as_str()) {
        errors.add(
            Reg::LegalForm.into(),
            "Bitte wählen Sie eine Rechtsform aus der Liste aus.",
        );
    }
    let street = text(
        &input.street,
        &mut errors,
        Reg::Street,
        "Straße und Hausnummer",
        reg::STREET.max_len,
    );
    let postcode = input.postcode.clone();
    if postcode.is_empty() {
        errors.add(Reg::Postcode.into(), "Bitte geben Sie die Postleitzahl an.");
    } else if !is_valid_postcode(&postcode) {
        errors.add(
            Reg::Postcode.into(),
            "Die Postleitzahl besteht aus fünf Ziffern, zum Beispiel 10117.",
        );
    }
    let city = text(
        &input.city,
        &mut errors,
        Reg::City,
        "den Ort",
        reg::CITY.max_len,
    );
    let level = match parse_level(&input.level) {
        Some(level) => level,
        None => {
            errors.add(
                Reg::Level.into(),
                "Bitte wählen Sie die Verwaltungsebene Ihrer Organisation: Bund, Land oder Kommune.",
            );
            CustomerScope::Kommune
        }
    };
    let admin_name = text(
        &input.name,
        &mut errors,
        Reg::Name,
        "Ihren Vor- und Nachnamen",
        reg::NAME.max_len,
    );
    let email = match normalize_email(&input.email) {
        Ok(email) => email,
        Err(message) => {
            errors.add(Reg::Email.into(), message);
            String::new()
        }
    };
    let phone = input.phone.clone();
    if phone.is_empty() {
        errors.add(Reg::Phone.into(), "Bitte geben Sie Ihre Telefonnummer an.");
    } else if !is_valid_phone(&phone) {
        errors.add(
            Reg::Phone.into(),
            "Bitte geben Sie eine Telefonnummer mit Vorwahl an, zum Beispiel 030 1234567.",
        );
    }
    if !input.agb {
        errors.add(
            Reg::Agb.into(),
            "Bitte stimmen Sie den Allgemeinen Geschäftsbedingungen (CSP-AGB) zu.",
        );
    }
    if !input.privacy {
        errors.add(
            Reg::Privacy.into(),
            "Bitte bestätigen Sie, dass Sie die Datenschutzhinweise gelesen haben.",
        );
    }
    errors.into_result(ValidRegistration {
        org_name,
        legal_form,
        street,
        postcode,
        city,
        in_house_capable: input.in_house_capable,
        level,
        admin_name,
        email,
        phone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> RegistrationInput {
        RegistrationInput {
            organisation: "Stadt Musterstadt".into(),
            legal_form: "Gebietskörperschaft".into(),
            street: "Rathausplatz 1".into(),
            postcode: "12345".into(),
            city: "Musterstadt".into(),
            level: "Kommune".into(),
            name: "Erika Mustermann".into(),
            email: "Erika.Mustermann@Musterstadt.DE".into(),
            phone: "+49 30 1234567".into(),
            agb: true,
            privacy: true,
            ..RegistrationInput::default()
        }
    }

    fn fields(problems: &AccountProblems) -> Vec<AccountField> {
        problems.0.iter().map(|p| p.field).collect()
    }

    #[test]
    fn accepts_a_complete_registration_and_normalises_the_address() {
        let reg = validate_registration(&valid()).expect("valid");
        assert_eq!(reg.email, "erika.mustermann@musterstadt.de");
        assert_eq!(reg.level, CustomerScope::Kommune);
        assert!(!reg.in_house_capable);
    }

    #[test]
    fn reports_every_missing_field_in_form_order() {
        let errors = validate_registration(&RegistrationInput::default()).expect_err("invalid");
        let expected: Vec<AccountField> = [
            Reg::Organisation,
            Reg::LegalForm,
            Reg::Street,
            Reg::Postcode,
            Reg::City,
            Reg::Level,
            Reg::Name,
            Reg::Email,
            Reg::Phone,
            Reg::Agb,
            Reg::Privacy,
        ]
        .into_iter()
        .map(AccountField::from)
        .collect();
        assert_eq!(fields(&errors), expected);
    }

    #[test]
    fn rejects_bad_postcode_email_phone_level_and_overlong_names() {
        let input = RegistrationInput {
            postcode: "1234".into(),
            email: "a@b".into(),
            phone: "abc".into(),
            organisation: "x".repeat(201),
            level: "Europa".into(),
            legal_form: "Verein".into(),
            ..valid()
        };
        let errors = validate_registration(&input).expect_err("invalid");
        assert_eq!(
            fields(&errors),
            [
                Reg::Organisation,
                Reg::LegalForm,
                Reg::Postcode,
                Reg::Level,
                Reg::Email,
                Reg::Phone
            ]
            .map(AccountField::from)
        );
        assert_eq!(
            errors.get(&Reg::Organisation.into()),
            Some("Bitte kürzen Sie die Angabe auf höchstens 200 Zeichen.")
        );
    }

    #[test]
    fn passwords_need_25_characters_and_a_matching_repetition() {
        let new = |password: &str, repeat: &str| NewPasswordInput {
            password: password.into(),
            repeat: repeat.into(),
        };
        let short = validate_new_password(&new("kurz", "kurz")).expect_err("short");
        assert_eq!(
            fields(&short),
            [AccountField::NewPassword(NewPasswordField::Password)]
        );
        let pw = "ein langer Satz mit vielen Wörtern";
        assert_eq!(validate_new_password(&new(pw, pw)).as_deref(), Ok(pw));
        let mismatch = validate_new_password(&new(pw, "x")).expect_err("mismatch");
        assert_eq!(
            fields(&mismatch),
            [AccountField::NewPassword(NewPasswordField::Repeat)]
        );
    }
}
