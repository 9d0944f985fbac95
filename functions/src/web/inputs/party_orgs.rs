//! The operator console's form "Anbieterorganisation anlegen".

use catalog::forms::operator::party_org;

use crate::domain::orders::console::{PartyOrgField, PartyOrgInput};
use crate::domain::validation::FormInput;

/// The form "Anbieterorganisation anlegen".
pub fn party_org_input(form: &FormInput) -> PartyOrgInput {
    PartyOrgInput {
        party: form.get(party_org::PARTY.name).to_owned(),
        name: form.get(party_org::NAME.name).to_owned(),
        admin_name: form.get(party_org::ADMIN_NAME.name).to_owned(),
        admin_email: form.get(party_org::ADMIN_EMAIL.name).to_owned(),
    }
}

/// The form's name of a [`PartyOrgField`].
pub fn party_org_field_name(field: &PartyOrgField) -> String {
    match field {
        PartyOrgField::Party => party_org::PARTY.name,
        PartyOrgField::Name => party_org::NAME.name,
        PartyOrgField::AdminName => party_org::ADMIN_NAME.name,
        PartyOrgField::AdminEmail => party_org::ADMIN_EMAIL.name,
    }
    .to_owned()
}
