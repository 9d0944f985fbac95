//! The account forms: the registration with its human check, signing in, "Passwort
//! vergessen", setting and changing a password, the newsletter, the profile and the
//! organisation's details, addresses, roles, members and the second factor (the domain's
//! structs: [`crate::domain::accounts::input`]).

use catalog::forms;

use crate::domain::accounts::AccountError;
use crate::domain::accounts::addresses::AddressAction;
use crate::domain::accounts::input::{
    AccountField, AccountProblems, AddressField, AddressInput, ChangePasswordInput, DetailsField,
    HumanCheckField, HumanCheckInput, InviteField, InviteInput, NewPasswordField, NewPasswordInput,
    NewsletterInput, OrganisationDetailsInput, ProfileField, ProfileInput, RegistrationField,
    RegistrationInput, RoleField, RoleInput, SecondFactorField, SetPasswordInput, SignInField,
    SignInInput,
};
use crate::domain::accounts::members::{Assignment, MemberAction};
use crate::domain::model::Right;
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

/// "Persönliches Profil".
pub fn profile_input(form: &FormInput) -> ProfileInput {
    ProfileInput {
        name: form.get(forms::profile::NAME.name).to_owned(),
        phone: form.get(forms::profile::PHONE.name).to_owned(),
    }
}

/// "Ergänzende Angaben zur Organisation".
pub fn organisation_details_input(form: &FormInput) -> OrganisationDetailsInput {
    use forms::organisation_details::*;
    OrganisationDetailsInput {
        in_house_capable: form.checked(IN_HOUSE.name),
        leitweg_id: form.get(LEITWEG_ID.name).to_owned(),
        central_phone: form.get(CENTRAL_PHONE.name).to_owned(),
    }
}

/// "Adresse hinzufügen" and "Adresse bearbeiten".
pub fn address_input(form: &FormInput) -> AddressInput {
    use forms::address::*;
    AddressInput {
        kind: form.get(KIND.name).to_owned(),
        label: form.get(LABEL.name).to_owned(),
        recipient: form.get(RECIPIENT.name).to_owned(),
        street: form.get(STREET.name).to_owned(),
        postcode: form.get(POSTCODE.name).to_owned(),
        city: form.get(CITY.name).to_owned(),
        phone: form.get(PHONE.name).to_owned(),
    }
}

/// What a change of one address does (`aktion`); an unknown action is refused at it.
pub fn address_action(form: &FormInput) -> Result<AddressAction, FieldErrors> {
    use forms::address_action::*;
    match form.get(ACTION.name) {
        SAVE => Ok(AddressAction::Save),
        MAKE_DEFAULT => Ok(AddressAction::MakeDefault),
        DELETE => Ok(AddressAction::Delete),
        _ => {
            let mut errors = FieldErrors::default();
            errors.add(ACTION.name, "Unbekannte Aktion.");
            Err(errors)
        }
    }
}

/// "Rolle anlegen" and "Rolle bearbeiten": the name, and each right whose checkbox (named
/// after the right's value, as [`forms::role::RIGHTS`] specifies) is ticked.
pub fn role_input(form: &FormInput) -> RoleInput {
    RoleInput {
        name: form.get(forms::role::NAME.name).to_owned(),
        rights: Right::ALL
            .into_iter()
            .filter(|right| form.checked(right.as_str()))
            .collect(),
    }
}

/// "Konto hinzufügen".
pub fn invite_input(form: &FormInput) -> InviteInput {
    use forms::invite_member::*;
    InviteInput {
        name: form.get(NAME.name).to_owned(),
        email: form.get(EMAIL.name).to_owned(),
        role: form.get(ROLE.name).to_owned(),
    }
}

/// What an administrator does with one person (`aktion`, and `rolle` for a role change);
/// an unknown action or role choice is refused at its field.
pub fn member_action(form: &FormInput) -> Result<MemberAction, FieldErrors> {
    use forms::member_action::*;
    let mut errors = FieldErrors::default();
    Ok(match form.get(ACTION.name) {
        RESEND => MemberAction::ResendInvitation,
        DEACTIVATE => MemberAction::Deactivate,
        REACTIVATE => MemberAction::Reactivate,
        DELETE => MemberAction::Delete,
        CHANGE_ROLE => match Assignment::parse(form.get(ROLE.name)) {
            Some(role) => MemberAction::ChangeRole(role),
            None => {
                errors.add(ROLE.name, "Bitte wählen Sie eine Rolle aus.");
                return Err(errors);
            }
        },
        _ => {
            errors.add(ACTION.name, "Unbekannte Aktion.");
            return Err(errors);
        }
    })
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
        AccountField::Profile(ProfileField::Name) => forms::profile::NAME.name,
        AccountField::Profile(ProfileField::Phone) => forms::profile::PHONE.name,
        AccountField::OrganisationDetails(DetailsField::LeitwegId) => {
            forms::organisation_details::LEITWEG_ID.name
        }
        AccountField::OrganisationDetails(DetailsField::CentralPhone) => {
            forms::organisation_details::CENTRAL_PHONE.name
        }
        AccountField::Address(field) => address_field(*field).name,
        AccountField::Role(RoleField::Name) => forms::role::NAME.name,
        AccountField::Role(RoleField::Rights) => forms::role::RIGHTS_GROUP,
        AccountField::Role(RoleField::Delete) => forms::role::DELETE,
        AccountField::Invite(InviteField::Name) => forms::invite_member::NAME.name,
        AccountField::Invite(InviteField::Email) => forms::invite_member::EMAIL.name,
        AccountField::Invite(InviteField::Role) => forms::invite_member::ROLE.name,
        AccountField::MemberRole => forms::member_action::ROLE.name,
        AccountField::RejectionReason => forms::reject_registration::REASON.name,
        AccountField::HauptadminEmail => forms::operator::org_hauptadmin::PERSON.name,
        AccountField::SecondFactor(field) => {
            use forms::second_factor::*;
            match field {
                SecondFactorField::SignInCode => sign_in::CODE.name,
                SecondFactorField::SetupCode => setup::CODE.name,
                SecondFactorField::OffPassword => off::PASSWORD.name,
                SecondFactorField::OffCode => off::CODE.name,
            }
        }
    }
    .to_owned()
}

fn address_field(field: AddressField) -> forms::Field {
    use forms::address::*;
    match field {
        AddressField::Kind => KIND,
        AddressField::Label => LABEL,
        AddressField::Recipient => RECIPIENT,
        AddressField::Street => STREET,
        AddressField::Postcode => POSTCODE,
        AddressField::City => CITY,
        AddressField::Phone => PHONE,
    }
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
