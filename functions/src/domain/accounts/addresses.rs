//! "Ihr Konto › Adressen" (Adressverwaltung): the organisation's locations and billing
//! addresses, each with a phone number. Exactly one is the Standardadresse; it cannot be
//! deleted, and another becomes the default in one conditional write. The address given at
//! registration is the first default: it is added the first time anyone of the
//! organisation reads its addresses (so organisations registered before addresses existed
//! get it too, in both stores, without a data migration).
//!
//! Who may change addresses is decided by [`can_manage_addresses`] alone; everyone of the
//! organisation reads them, to choose one when ordering. An address of another
//! organisation does not exist (`NotFound`, as an unknown id).

use catalog::forms::address;

use super::input::{AccountField, AccountProblems, AddressField, AddressInput};
use super::{AccountError, Accounts, SessionInfo};
use crate::domain::model::{Address, AddressKind, AuditAction, AuditEntry, Organisation, Right};
use crate::domain::ports::StoreError;
use crate::domain::tokens::new_id;
use crate::domain::validation;

/// Whether the session's person may create, edit and delete the organisation's addresses
/// and choose its Standardadresse: the administration, and named roles with the right
/// "Adressen verwalten".
pub fn can_manage_addresses(session: &SessionInfo) -> bool {
    session.rights().has(Right::ManageAddresses)
}

const MANAGERS_ONLY: &str =
    "Die Adressen Ihrer Organisation verwaltet die Administration Ihrer Organisation.";
const NOT_THE_DEFAULT: &str = "Die Standardadresse kann nicht gelöscht werden. Machen Sie zuerst eine andere Adresse zur Standardadresse.";

/// What an administrator does with one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressAction {
    /// Saves the edited fields.
    Save,
    /// Makes it the Standardadresse.
    MakeDefault,
    Delete,
}

/// The fields of an address as entered and checked.
struct AddressFields {
    kind: AddressKind,
    label: String,
    recipient: String,
    street: String,
    postcode: String,
    city: String,
    phone: String,
}

/// A text field of the address; `spec` gives whether it is required and its limit.
fn text(
    value: &str,
    errors: &mut AccountProblems,
    field: AddressField,
    spec: catalog::forms::Field,
    missing: &str,
) -> String {
    let field = AccountField::Address(field);
    let value = value.trim().to_owned();
    if value.is_empty() {
        if spec.required {
            errors.add(field, missing);
        }
    } else if value.chars().count() > spec.max_len {
        errors.add(
            field,
            format!(
                "Bitte kürzen Sie die Angabe auf höchstens {} Zeichen.",
                spec.max_len
            ),
        );
    } else if value.chars().any(char::is_control) {
        errors.add(field, "Die Angabe enthält unzulässige Steuerzeichen.");
    }
    value
}

fn checked_fields(input: &AddressInput) -> Result<AddressFields, AccountError> {
    let mut errors = AccountProblems::default();
    let kind = AddressKind::parse(&input.kind);
    if kind.is_none() {
        errors.add(
            AccountField::Address(AddressField::Kind),
            "Bitte wählen Sie, ob es ein Standort oder eine Rechnungsadresse ist.",
        );
    }
    let label = text(
        &input.label,
        &mut errors,
        AddressField::Label,
        address::LABEL,
        "Bitte geben Sie eine Bezeichnung an.",
    );
    let recipient = text(
        &input.recipient,
        &mut errors,
        AddressField::Recipient,
        address::RECIPIENT,
        "Bitte geben Sie die Organisation oder Dienststelle an.",
    );
    let street = text(
        &input.street,
        &mut errors,
        AddressField::Street,
        address::STREET,
        "Bitte geben Sie Straße und Hausnummer an.",
    );
    let postcode = input.postcode.trim().to_owned();
    let postcode_field = AccountField::Address(AddressField::Postcode);
    if postcode.is_empty() {
        errors.add(postcode_field, "Bitte geben Sie die Postleitzahl an.");
    } else if !validation::is_valid_postcode(&postcode) {
        errors.add(
            postcode_field,
            "Bitte geben Sie eine Postleitzahl mit fünf Ziffern an, zum Beispiel 10117.",
        );
    }
    let city = text(
        &input.city,
        &mut errors,
        AddressField::City,
        address::CITY,
        "Bitte geben Sie den Ort an.",
    );
    let phone = input.phone.trim().to_owned();
    if !phone.is_empty() && !validation::is_valid_phone(&phone) {
        errors.add(
            AccountField::Address(AddressField::Phone),
            "Bitte geben Sie eine Telefonnummer mit mindestens sechs Ziffern an, zum Beispiel 030 1234567.",
        );
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok(AddressFields {
            kind,
            label,
            recipient,
            street,
            postcode,
            city,
            phone,
        }),
        _ => Err(AccountError::Problems(errors)),
    }
}

/// "Bezeichnung: Straße, PLZ Ort", how the audit trail names an address.
pub fn describe(address: &Address) -> String {
    format!(
        "{}: {}, {} {}",
        address.label, address.street, address.postcode, address.city
    )
}

/// The address given at registration, as the organisation's first Standardadresse. Its id
/// is derived from the organisation's, so two first reads at once add it once.
fn registration_address(org: &Organisation, now: i64) -> Address {
    Address {
        id: format!("{}-registrierung", org.id),
        org_id: org.id.clone(),
        kind: AddressKind::Standort,
        label: "Anschrift bei der Registrierung".to_owned(),
        recipient: org.name.clone(),
        street: org.street.clone(),
        postcode: org.postcode.clone(),
        city: org.city.clone(),
        phone: org.central_phone.clone(),
        created_at: now,
        is_default: true,
    }
}

impl Accounts {
    fn require_address_manager(&self, session: &SessionInfo) -> Result<(), AccountError> {
        if can_manage_addresses(session) {
            Ok(())
        } else {
            Err(AccountError::Forbidden(MANAGERS_ONLY))
        }
    }

    fn address_audit(
        &self,
        session: &SessionInfo,
        action: AuditAction,
        address: &Address,
        detail: String,
    ) -> AuditEntry {
        AuditEntry {
            id: new_id(),
            org_id: session.org.id.clone(),
            at: self.now(),
            actor: session.user.name.clone(),
            action,
            subject: describe(address),
            detail,
        }
    }

    /// The organisation's addresses, the Standardadresse first, then by name; for everyone
    /// of the organisation (to choose one when ordering). The first read adds the address
    /// given at registration as the Standardadresse.
    pub async fn addresses(&self, session: &SessionInfo) -> Result<Vec<Address>, AccountError> {
        let org = &session.org;
        let mut addresses = self.store.list_addresses(&org.id).await?;
        if addresses.is_empty() {
            let first = registration_address(org, self.now());
            match self.store.add_address(&first, None).await {
                // Another request added it meanwhile: read what it wrote.
                Ok(()) | Err(StoreError::Conflict) => {}
                Err(other) => return Err(other.into()),
            }
            addresses = self.store.list_addresses(&org.id).await?;
        }
        addresses.retain(|a| a.org_id == org.id);
        addresses.sort_by(|a, b| {
            (!a.is_default, a.label.to_lowercase(), &a.id).cmp(&(
                !b.is_default,
                b.label.to_lowercase(),
                &b.id,
            ))
        });
        Ok(addresses)
    }

    /// The addresses for the administration's page; [`can_manage_addresses`] only.
    pub async fn managed_addresses(
        &self,
        session: &SessionInfo,
    ) -> Result<Vec<Address>, AccountError> {
        self.require_address_manager(session)?;
        self.addresses(session).await
    }

    /// One address of the organisation, to edit it.
    pub async fn managed_address(
        &self,
        session: &SessionInfo,
        id: &str,
    ) -> Result<Address, AccountError> {
        self.require_address_manager(session)?;
        // The registration address is added on the first read.
        self.addresses(session)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(AccountError::NotFound)
    }

    /// "Adresse hinzufügen".
    pub async fn add_address(
        &self,
        session: &SessionInfo,
        input: &AddressInput,
    ) -> Result<Address, AccountError> {
        self.require_address_manager(session)?;
        let fields = checked_fields(input)?;
        // The organisation has its Standardadresse before it has a second address.
        self.addresses(session).await?;
        let address = Address {
            id: new_id(),
            org_id: session.org.id.clone(),
            kind: fields.kind,
            label: fields.label,
            recipient: fields.recipient,
            street: fields.street,
            postcode: fields.postcode,
            city: fields.city,
            phone: fields.phone,
            created_at: self.now(),
            is_default: false,
        };
        let audit = self.address_audit(
            session,
            AuditAction::AddressAdded,
            &address,
            address.kind.label().to_owned(),
        );
        self.store.add_address(&address, Some(&audit)).await?;
        tracing::info!(event = "address_added", org = %session.org.id, address = %address.id);
        Ok(address)
    }

    /// Saves, makes the default or deletes the address `id` of the session's organisation.
    pub async fn act_on_address(
        &self,
        session: &SessionInfo,
        id: &str,
        action: AddressAction,
        input: &AddressInput,
    ) -> Result<(), AccountError> {
        self.require_address_manager(session)?;
        let addresses = self.addresses(session).await?;
        let before = addresses
            .iter()
            .find(|a| a.id == id)
            .cloned()
            .ok_or(AccountError::NotFound)?;
        match action {
            AddressAction::Save => {
                let fields = checked_fields(input)?;
                let after = Address {
                    kind: fields.kind,
                    label: fields.label,
                    recipient: fields.recipient,
                    street: fields.street,
                    postcode: fields.postcode,
                    city: fields.city,
                    phone: fields.phone,
                    ..before.clone()
                };
                if after == before {
                    return Ok(());
                }
                let audit = self.address_audit(
                    session,
                    AuditAction::AddressChanged,
                    &after,
                    format!("vorher: {}", describe(&before)),
                );
                self.store.update_address(&before, &after, &audit).await?;
            }
            AddressAction::MakeDefault => {
                if before.is_default {
                    return Ok(());
                }
                let current = addresses
                    .iter()
                    .find(|a| a.is_default)
                    .ok_or(AccountError::Conflict)?;
                let audit = self.address_audit(
                    session,
                    AuditAction::DefaultAddressChanged,
                    &before,
                    format!("vorher: {}", describe(current)),
                );
                self.store
                    .set_default_address(current, &before, &audit)
                    .await?;
            }
            AddressAction::Delete => {
                if before.is_default {
                    return Err(AccountError::Forbidden(NOT_THE_DEFAULT));
                }
                let audit = self.address_audit(
                    session,
                    AuditAction::AddressDeleted,
                    &before,
                    before.kind.label().to_owned(),
                );
                self.store.delete_address(&before, &audit).await?;
            }
        }
        tracing::info!(event = "address_changed", org = %session.org.id, address = %id, action = ?action);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{MemberRole, OrgStatus, Role, User};

    fn org_and_user(role: MemberRole, hauptadmin: bool) -> (Organisation, User) {
        let user = User {
            id: "u".into(),
            org_id: "o".into(),
            name: "N".into(),
            email: "n@x.de".into(),
            phone: String::new(),
            password_hash: None,
            created_at: 0,
            role,
            deactivated: false,
            second_factor: None,
            role_id: None,
        };
        let org = Organisation {
            id: "o".into(),
            name: "Org".into(),
            legal_form: "Zweckverband".into(),
            street: "Weg 1".into(),
            postcode: "12345".into(),
            city: "Ort".into(),
            in_house_capable: false,
            level: None,
            status: OrgStatus::Approved,
            admin_user_id: if hauptadmin { "u".into() } else { "h".into() },
            agb_version: String::new(),
            privacy_version: String::new(),
            created_at: 0,
            decided_at: None,
            reject_reason: None,
            leitweg_id: String::new(),
            central_phone: String::new(),
            kind: Default::default(),
        };
        (org, user)
    }

    fn session(org: Organisation, user: User, role: Option<Role>) -> SessionInfo {
        SessionInfo {
            id_hash: String::new(),
            user,
            org,
            role,
            csrf_token: String::new(),
        }
    }

    fn role_with(rights: Vec<Right>) -> Role {
        Role {
            id: "r".into(),
            org_id: "o".into(),
            name: "Rolle".into(),
            rights,
            created_at: 0,
        }
    }

    #[test]
    fn administrators_and_holders_of_the_right_manage_addresses() {
        let (org, user) = org_and_user(MemberRole::Member, true);
        assert!(
            can_manage_addresses(&session(org, user, None)),
            "the Hauptadmin"
        );
        let (org, user) = org_and_user(MemberRole::Admin, false);
        assert!(
            can_manage_addresses(&session(org, user, None)),
            "an Organisationsadmin"
        );
        let (org, user) = org_and_user(MemberRole::Member, false);
        assert!(
            !can_manage_addresses(&session(org, user, None)),
            "a Mitarbeiter/in"
        );
        let (org, user) = org_and_user(MemberRole::Member, false);
        let holder = session(org, user, Some(role_with(vec![Right::ManageAddresses])));
        assert!(can_manage_addresses(&holder), "a role with the right");
        let (org, user) = org_and_user(MemberRole::Member, false);
        let other = session(org, user, Some(role_with(vec![Right::ManageMembers])));
        assert!(!can_manage_addresses(&other), "a role without it");
    }

    #[test]
    fn address_fields_are_checked_with_a_message_each() {
        let input = AddressInput {
            kind: "irgendwas".into(),
            postcode: "123".into(),
            phone: "12".into(),
            ..AddressInput::default()
        };
        let Err(AccountError::Problems(errors)) = checked_fields(&input) else {
            panic!("refused");
        };
        let fields: Vec<AccountField> = errors.0.iter().map(|p| p.field).collect();
        let expected: Vec<AccountField> = [
            AddressField::Kind,
            AddressField::Label,
            AddressField::Recipient,
            AddressField::Street,
            AddressField::Postcode,
            AddressField::City,
            AddressField::Phone,
        ]
        .map(AccountField::Address)
        .to_vec();
        assert_eq!(fields, expected);
    }
}
