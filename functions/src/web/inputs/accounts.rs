//! The registration with its human check, signing in, "Passwort vergessen", setting and
//! changing a password, and the newsletter's form (the domain's structs:
//! [`crate::domain::accounts::input`]).

use catalog::forms;

use crate::domain::accounts::AccountError;
use crate::domain::accounts::input::{
    AccountField, AccountProblems, ChangePasswordInput, HumanCheckField, HumanCheckInput,
    NewPasswordField, NewPasswordInput, NewsletterInput, RegistrationField, RegistrationInput,
    SetPasswordInput, SignInField, SignInInput,
};
use crate::domain::validation::{FieldErrors, FormInput};

/// The human check's fields (the registration's; the newsletter sends the same names).
pub fn human_check_input(form: &FormInput) -> HumanCheckInput {
    use forms::registration::*;
    HumanCheckInput {
        proof_of_work: form.get(ALTCHA.name).to_owned(),
        question_token: form.get(QUESTION_TOKEN.name).to_owned(),
        answer: form.get(QUESTION_ANSWER.name).to_owned(),
        honeypot: form.get(HONEYPOT.name).to_owned(),
    }
}

/// The registration form.
pub fn registration_input(form: &FormInput) -> RegistrationInput {
    use forms::registration::*;
    RegistrationInput {
        organisation: form.get(ORGANISATION.name).to_owned(),
        legal_form: form.get(LEGAL_FORM.name).to_owned(),
        street: form.get(STREET.name).to_owned(),
        postcode: form.get(POSTCODE.name).to_owned(),
        city: form.get(CITY.name).to_owned(),
        level: form.get(LEVEL.name).to_owned(),
        in_house_capable: form.checked(IN_HOUSE.name),
        name: form.get(NAME.name).to_owned(),
        email: form.get(EMAIL.name).to_owned(),
        phone: form.get(PHONE.name).to_owned(),
        agb: form.checked(AGB.name),
        privacy: form.checked(PRIVACY.name),
        human: human_check_input(form),
    }
}

/// The sign-in form.
pub fn sign_in_input(form: &FormInput) -> SignInInput {
    SignInInput {
        email: form.get(forms::sign_in::EMAIL.name).to_owned(),
        password: form.get(forms::sign_in::PASSWORD.name).to_owned(),
    }
}

/// The address of "Passwort vergessen".
pub fn reset_email(form: &FormInput) -> &str {
    form.get(forms::forgot_password::EMAIL.name)
}

fn new_password_input(form: &FormInput) -> NewPasswordInput {
    NewPasswordInput {
        password: form.get(forms::set_password::PASSWORD.name).to_owned(),
        repeat: form.get(forms::set_password::REPEAT.name).to_owned(),
    }
}

/// Setting a password through a link.
pub fn set_password_input(form: &FormInput) -> SetPasswordInput {
    SetPasswordInput {
        token: form.get(forms::set_password::TOKEN.name).to_owned(),
        new: new_password_input(form),
    }
}

/// "Passwort ändern" (its new password under the names of [`forms::set_password`], as
/// [`forms::change_password::FIELDS`] lists them).
pub fn change_password_input(form: &FormInput) -> ChangePasswordInput {
    ChangePasswordInput {
        current: form.get(forms::change_password::CURRENT.name).to_owned(),
        new: new_password_input(form),
    }
}

/// The newsletter's form.
pub fn newsletter_input(form: &FormInput) -> NewsletterInput {
    NewsletterInput {
        email: form.get(forms::newsletter::EMAIL.name).to_owned(),
        human: human_check_input(form),
    }
}

/// The name an account problem is shown and reported under.
pub fn account_field_name(field: &AccountField) -> String {
    match field {
        AccountField::Registration(field) => registration_field(*field).name,
        AccountField::HumanCheck(HumanCheckField::ProofOfWork) => forms::registration::ALTCHA.name,
        AccountField::HumanCheck(HumanCheckField::Answer) => {
            forms::registration::QUESTION_ANSWER.name
        }
        AccountField::SignIn(SignInField::Email) => forms::sign_in::EMAIL.name,
        AccountField::SignIn(SignInField::Password) => forms::sign_in::PASSWORD.name,
        AccountField::ResetEmail => forms::forgot_password::EMAIL.name,
        AccountField::NewPassword(NewPasswordField::Password) => forms::set_password::PASSWORD.name,
        AccountField::NewPassword(NewPasswordField::Repeat) => forms::set_password::REPEAT.name,
        AccountField::CurrentPassword => forms::change_password::CURRENT.name,
        AccountField::NewsletterEmail => forms::newsletter::EMAIL.name,
    }
    .to_owned()
}

fn registration_field(field: RegistrationField) -> forms::Field {
    use forms::registration::*;
    match field {
        RegistrationField::Organisation => ORGANISATION,
        RegistrationField::LegalForm => LEGAL_FORM,
        RegistrationField::Street => STREET,
        RegistrationField::Postcode => POSTCODE,
        RegistrationField::City => CITY,
        RegistrationField::Level => LEVEL,
        RegistrationField::Name => NAME,
        RegistrationField::Email => EMAIL,
        RegistrationField::Phone => PHONE,
        RegistrationField::Agb => AGB,
        RegistrationField::Privacy => PRIVACY,
    }
}

/// An account form's problems under the form's field names.
pub fn account_errors(problems: &AccountProblems) -> FieldErrors {
    problems.named(account_field_name)
}

/// The error with typed problems named after the form's fields, as the handlers of the
/// forms not yet converted receive them ([`AccountError::Invalid`]).
pub fn named(error: AccountError) -> AccountError {
    match error {
        AccountError::Problems(problems) => AccountError::Invalid(account_errors(&problems)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registration_field_is_read_and_named_by_its_specification() {
        let fields = [
            RegistrationField::Organisation,
            RegistrationField::LegalForm,
            RegistrationField::Street,
            RegistrationField::Postcode,
            RegistrationField::City,
            RegistrationField::Level,
            RegistrationField::Name,
            RegistrationField::Email,
            RegistrationField::Phone,
            RegistrationField::Agb,
            RegistrationField::Privacy,
        ];
        // Every field of the form that the validation checks has its enum value, in the
        // form's order (the in-house checkbox is optional and the token is the edge's).
        let named: Vec<&str> = fields.iter().map(|f| registration_field(*f).name).collect();
        let specified: Vec<&str> = forms::registration::FIELDS
            .iter()
            .map(|f| f.name)
            .filter(|n| ![forms::registration::IN_HOUSE.name, forms::CSRF.name].contains(n))
            .collect();
        assert_eq!(named, specified);

        let form = FormInput::from_pairs([
            ("organisation", "Stadt Musterstadt"),
            ("inhouse", "on"),
            ("agb", "on"),
            ("frage_antwort", "7"),
            ("website", "spam"),
        ]);
        let input = registration_input(&form);
        assert_eq!(input.organisation, "Stadt Musterstadt");
        assert!(input.in_house_capable && input.agb && !input.privacy);
        assert_eq!(input.human.answer, "7");
        assert_eq!(input.human.honeypot, "spam");
    }
}
