//! "Persönliches Profil" (each person's own name, phone and password) and the
//! "Ergänzende Angaben zur Organisation" (Inhousefähigkeit, Leitweg-ID, central phone),
//! which only people with the right "Organisationsprofil bearbeiten" change. Name and Rechtsform of the organisation are not
//! changed here: the operator does it on request.

use catalog::forms::profile;

use super::input::{
    AccountField, AccountProblems, ChangePasswordInput, DetailsField, OrganisationDetailsInput,
    ProfileField, ProfileInput,
};
use super::{AccountError, Accounts, SessionInfo, SignedIn};
use crate::domain::model::{AuditAction, Organisation, Right, User};
use crate::domain::password;
use crate::domain::tokens::new_id;
use crate::domain::validation;

/// A required single-line text of at most `max` characters.
fn required_text(
    value: &str,
    errors: &mut AccountProblems,
    field: AccountField,
    missing: &str,
    max: usize,
) -> String {
    let value = value.trim().to_owned();
    if value.is_empty() {
        errors.add(field, missing);
    } else if value.chars().count() > max {
        errors.add(
            field,
            format!("Bitte kürzen Sie die Angabe auf höchstens {max} Zeichen."),
        );
    } else if value.chars().any(char::is_control) {
        errors.add(field, "Die Angabe enthält unzulässige Steuerzeichen.");
    }
    value
}

fn yes_no(value: bool) -> &'static str {
    if value { "ja" } else { "nein" }
}

impl Accounts {
    /// Whether `given` is `user`'s current password (asked before a sensitive change).
    /// Guessing it this way is as limited as signing in: a wrong one counts as a failed
    /// sign-in of the person's address and the client.
    pub(super) async fn current_password_matches(
        &self,
        user: &User,
        given: &str,
        client: &str,
    ) -> Result<bool, AccountError> {
        self.sign_in_allowed(&user.email, client).await?;
        let phc = user.password_hash.clone();
        let given = given.to_owned();
        let matches = password::run_bounded(move || match phc {
            Some(phc) if given.chars().count() <= password::MAX_CHARS => {
                password::verify(&given, &phc)
            }
            _ => false,
        })
        .await
        .map_err(|e| AccountError::Internal(e.to_string()))?;
        if !matches {
            self.sign_in_failed(&user.email, client).await?;
        }
        Ok(matches)
    }

    /// Changes the session's person's own name and phone; returns the changed record.
    pub async fn update_profile(
        &self,
        session: &SessionInfo,
        input: &ProfileInput,
    ) -> Result<User, AccountError> {
        let mut errors = AccountProblems::default();
        let name = required_text(
            &input.name,
            &mut errors,
            AccountField::Profile(ProfileField::Name),
            "Bitte geben Sie Ihren Namen an.",
            profile::NAME.max_len,
        );
        let phone = input.phone.trim().to_owned();
        let phone_field = AccountField::Profile(ProfileField::Phone);
        if phone.is_empty() {
            errors.add(phone_field, "Bitte geben Sie Ihre Telefonnummer an.");
        } else if !validation::is_valid_phone(&phone) {
            errors.add(
                phone_field,
                "Bitte geben Sie eine Telefonnummer mit mindestens sechs Ziffern an, zum Beispiel 030 1234567.",
            );
        }
        if !errors.is_empty() {
            return Err(AccountError::Problems(errors));
        }
        let before = &session.user;
        let after = User {
            name,
            phone,
            ..before.clone()
        };
        if after != *before {
            self.store.update_user(before, &after).await?;
            tracing::info!(event = "profile_changed", user = %before.id);
        }
        Ok(after)
    }

    /// Changes the session's person's password (the current one is asked for); every other
    /// session of the person ends, and this browser gets a new session.
    pub async fn change_password(
        &self,
        session: &SessionInfo,
        input: &ChangePasswordInput,
        client: &str,
    ) -> Result<SignedIn, AccountError> {
        let current = input.current.clone();
        let (new_password, mut errors) = match super::validate::validate_new_password(&input.new) {
            Ok(password) => (password, Default::default()),
            Err(errors) => (String::new(), errors),
        };
        if current.is_empty() {
            errors.add(
                AccountField::CurrentPassword,
                "Bitte geben Sie Ihr aktuelles Passwort ein.",
            );
        }
        if !errors.is_empty() {
            return Err(AccountError::Problems(errors));
        }
        if !self
            .current_password_matches(&session.user, &current, client)
            .await?
        {
            let mut errors = super::input::AccountProblems::default();
            errors.add(
                AccountField::CurrentPassword,
                "Das aktuelle Passwort ist nicht richtig.",
            );
            return Err(AccountError::Problems(errors));
        }
        let phc = password::run_bounded(move || password::hash(&new_password))
            .await
            .and_then(|hashed| hashed)
            .map_err(|e| AccountError::Internal(e.to_string()))?;
        let before = &session.user;
        let after = User {
            password_hash: Some(phc),
            ..before.clone()
        };
        self.store.update_user(before, &after).await?;
        self.store.delete_user_sessions(&before.id).await?;
        tracing::info!(event = "password_changed", user = %before.id);
        self.start_session(after, session.org.clone()).await
    }

    /// Changes the "Ergänzende Angaben zur Organisation"; for people with the right
    /// "Organisationsprofil bearbeiten". Recorded in the audit trail.
    pub async fn update_organisation_details(
        &self,
        session: &SessionInfo,
        input: &OrganisationDetailsInput,
    ) -> Result<Organisation, AccountError> {
        super::roles::require(session, Right::EditOrganisation)?;
        let mut errors = AccountProblems::default();
        let leitweg_id = validation::normalize_leitweg_id(&input.leitweg_id);
        if !leitweg_id.is_empty() && !validation::is_valid_leitweg_id(&leitweg_id) {
            errors.add(
                AccountField::OrganisationDetails(DetailsField::LeitwegId),
                "Die Leitweg-ID hat nicht das veröffentlichte Format oder ihre Prüfziffern stimmen nicht. Sie besteht aus der Grobadressierung (Ziffern), wahlweise der Feinadressierung (Buchstaben und Ziffern) und zwei Prüfziffern, getrennt durch Bindestriche, zum Beispiel 04011000-1234512345-06.",
            );
        }
        let central_phone = input.central_phone.trim().to_owned();
        if !central_phone.is_empty() && !validation::is_valid_phone(&central_phone) {
            errors.add(
                AccountField::OrganisationDetails(DetailsField::CentralPhone),
                "Bitte geben Sie eine Telefonnummer mit mindestens sechs Ziffern an, zum Beispiel 030 1234567.",
            );
        }
        if !errors.is_empty() {
            return Err(AccountError::Problems(errors));
        }
        let before = &session.org;
        let after = Organisation {
            in_house_capable: input.in_house_capable,
            leitweg_id,
            central_phone,
            ..before.clone()
        };
        if after == *before {
            return Ok(after);
        }
        let detail = format!(
            "Inhousefähig: {}; Leitweg-ID: {}; Zentrale Telefonnummer: {}",
            yes_no(after.in_house_capable),
            if after.leitweg_id.is_empty() {
                "–"
            } else {
                &after.leitweg_id
            },
            if after.central_phone.is_empty() {
                "–"
            } else {
                &after.central_phone
            },
        );
        let audit = crate::domain::model::AuditEntry {
            id: new_id(),
            org_id: before.id.clone(),
            at: self.now(),
            actor: session.user.name.clone(),
            action: AuditAction::DetailsChanged,
            subject: before.name.clone(),
            detail,
        };
        self.store
            .update_organisation(before, &after, &audit)
            .await?;
        tracing::info!(event = "organisation_details_changed", org = %before.id);
        Ok(after)
    }
}
