//! "Anbieterorganisationen" in the operator console: every provider and intermediary
//! organisation with its first Hauptadmin and the state of the invitation, and the providers
//! of the catalog that have no organisation yet.

use super::ports::PartyOrgEntry;
use super::{OrderError, Orders};
use crate::domain::model::OrgKind;

/// Where a Hauptadmin's invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    /// The link is valid and unused.
    Invited,
    /// No password set and no valid link.
    Expired,
    /// The password is set.
    Accepted,
}

impl InvitationState {
    pub fn label(self) -> &'static str {
        match self {
            InvitationState::Invited => "eingeladen",
            InvitationState::Expired => "Einladung abgelaufen",
            InvitationState::Accepted => "angenommen",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Invited => "invited",
            InvitationState::Expired => "expired",
            InvitationState::Accepted => "accepted",
        }
    }
}

/// One party organisation in the list.
#[derive(Debug, Clone)]
pub struct PartyOrgRow {
    pub entry: PartyOrgEntry,
    /// The provider's id (`None`: the intermediary).
    pub provider_id: Option<String>,
    pub state: InvitationState,
}

/// A provider of the catalog without an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProvider {
    pub id: String,
    pub name: String,
}

/// The operator's list: organisations by name, and the catalog's providers without one.
#[derive(Debug, Clone)]
pub struct PartyOrgOverview {
    pub orgs: Vec<PartyOrgRow>,
    pub without_org: Vec<CatalogProvider>,
    /// Whether the intermediary has its organisation.
    pub intermediary_exists: bool,
}

impl Orders {
    pub async fn party_orgs(&self) -> Result<PartyOrgOverview, OrderError> {
        let now = self.now();
        let mut orgs: Vec<PartyOrgRow> = self
            .store
            .list_party_orgs()
            .await?
            .into_iter()
            .filter_map(|entry| {
                let provider_id = match &entry.org.kind {
                    OrgKind::Provider { provider_id } => Some(provider_id.clone()),
                    OrgKind::Intermediary => None,
                    OrgKind::Customer | OrgKind::Operator => return None,
                };
                let state = match (&entry.admin, entry.invite_expires_at) {
                    (Some(admin), _) if admin.password_hash.is_some() => InvitationState::Accepted,
                    (_, Some(expires)) if expires > now => InvitationState::Invited,
                    _ => InvitationState::Expired,
                };
                Some(PartyOrgRow {
                    entry,
                    provider_id,
                    state,
                })
            })
            .collect();
        orgs.sort_by_key(|row| row.entry.org.name.to_lowercase());
        let intermediary_exists = orgs.iter().any(|row| row.provider_id.is_none());
        let catalog = self.catalog()?;
        let mut without_org: Vec<CatalogProvider> = Vec::new();
        for offering in &catalog.offerings {
            let provider = &offering.provider;
            let linked = orgs
                .iter()
                .any(|row| row.provider_id.as_deref() == Some(provider.id.as_str()));
            if !linked && !without_org.iter().any(|p| p.id == provider.id) {
                without_org.push(CatalogProvider {
                    id: provider.id.clone(),
                    name: provider.name.clone(),
                });
            }
        }
        without_org.sort_by_key(|p| p.name.to_lowercase());
        Ok(PartyOrgOverview {
            orgs,
            without_org,
            intermediary_exists,
        })
    }
}
