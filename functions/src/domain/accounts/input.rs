//! The typed input of the registration, the human check, signing in, "Passwort vergessen",
//! setting and changing a password and the newsletter's form, and the fields their problems
//! are reported at (the pattern: [`crate::domain::input`]; the web edge reads these structs
//! and names the fields in `crate::web::inputs`).

pub use crate::domain::input::{Problem, Problems};

/// A field of one of the account forms. Each form has its own enum, so a field is named by
/// its own form's specification even where two forms use the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountField {
    Registration(RegistrationField),
    /// The human check of the registration and the newsletter (the same fields on both).
    HumanCheck(HumanCheckField),
    SignIn(SignInField),
    /// The address of "Passwort vergessen".
    ResetEmail,
    /// A new password and its repetition (setting it from a link, or changing it).
    NewPassword(NewPasswordField),
    /// The current password of "Passwort ändern".
    CurrentPassword,
    /// The address of the newsletter's form.
    NewsletterEmail,
    /// "Persönliches Profil".
    Profile(ProfileField),
    /// "Ergänzende Angaben zur Organisation".
    OrganisationDetails(DetailsField),
    /// An address of the organisation ("Adresse hinzufügen", "Adresse bearbeiten").
    Address(AddressField),
    /// "Rolle anlegen", "Rolle bearbeiten" and "Rolle löschen".
    Role(RoleField),
    /// "Konto hinzufügen".
    Invite(InviteField),
    /// The new role of a person in the list ("Rolle ändern").
    MemberRole,
    /// The Zwei-Faktor-Anmeldung's forms.
    SecondFactor(SecondFactorField),
    /// The operator's reason for rejecting a registration.
    RejectionReason,
    /// The address of the person the operator makes an organisation's Hauptadmin.
    HauptadminEmail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorField {
    /// The code asked for after the password.
    SignInCode,
    /// The first code that switches it on.
    SetupCode,
    /// Switching it off: the password and a code.
    OffPassword,
    OffCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteField {
    Name,
    Email,
    Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleField {
    Name,
    /// The rights as a whole (at least one).
    Rights,
    /// Deleting the role (refused while people hold it).
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressField {
    Kind,
    Label,
    Recipient,
    Street,
    Postcode,
    City,
    Phone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    Name,
    Phone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailsField {
    LeitwegId,
    CentralPhone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationField {
    Organisation,
    LegalForm,
    Street,
    Postcode,
    City,
    Level,
    Name,
    Email,
    Phone,
    Agb,
    Privacy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HumanCheckField {
    /// The proof of work (with JavaScript).
    ProofOfWork,
    /// The answer to the arithmetic question (without JavaScript).
    Answer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInField {
    Email,
    Password,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewPasswordField {
    Password,
    Repeat,
}

/// The account forms' problems.
pub type AccountProblems = Problems<AccountField>;

impl From<RegistrationField> for AccountField {
    fn from(field: RegistrationField) -> Self {
        AccountField::Registration(field)
    }
}

/// The human check as a form sends it: the proof of work (set by the script), or the
/// question's token and the answer typed in; and the honeypot, which only robots fill in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HumanCheckInput {
    pub proof_of_work: String,
    pub question_token: String,
    pub answer: String,
    pub honeypot: String,
}

/// The registration form, values as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationInput {
    pub organisation: String,
    pub legal_form: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    /// The Verwaltungsebene as chosen (`Bund`, `Land`, `Kommune`).
    pub level: String,
    pub in_house_capable: bool,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub agb: bool,
    pub privacy: bool,
    pub human: HumanCheckInput,
}

/// Signing in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInInput {
    pub email: String,
    pub password: String,
}

/// A new password and its repetition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewPasswordInput {
    pub password: String,
    pub repeat: String,
}

/// Setting a password through an invitation or reset link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetPasswordInput {
    /// The link's token.
    pub token: String,
    pub new: NewPasswordInput,
}

/// "Passwort ändern".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangePasswordInput {
    pub current: String,
    pub new: NewPasswordInput,
}

/// "Persönliches Profil": a person's own name and phone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileInput {
    pub name: String,
    pub phone: String,
}

/// "Ergänzende Angaben zur Organisation".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganisationDetailsInput {
    pub in_house_capable: bool,
    /// As entered (normalised by the domain).
    pub leitweg_id: String,
    pub central_phone: String,
}

/// An address of the organisation, values as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressInput {
    /// `rechnungsadresse` or `standort`.
    pub kind: String,
    pub label: String,
    pub recipient: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub phone: String,
}

/// A named role: its name as entered and the rights ticked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleInput {
    pub name: String,
    pub rights: Vec<crate::domain::model::Right>,
}

/// "Konto hinzufügen", values as entered; the role as chosen (`mitarbeiter`,
/// `organisationsadmin`, `rolle:<id>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InviteInput {
    pub name: String,
    pub email: String,
    pub role: String,
}

/// The newsletter's form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewsletterInput {
    pub email: String,
    pub human: HumanCheckInput,
}
