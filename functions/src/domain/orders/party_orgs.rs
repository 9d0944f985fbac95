//! "Anbieterorganisationen" in the operator console: every provider and intermediary
//! organisation with its first Hauptadmin and the state of the invitation, and the providers
//! of the catalog that have no organisation yet.

use super::ports::PartyOrgEntry;
use super::{OrderError, Orders};
use crate::domain::mails;
use crate::domain::model::{AuditAction, AuditEntry, OrgKind, TokenKind, TokenRecord};
use crate::domain::ports::StoreError;
use crate::domain::tokens::{new_id, new_secret_token, sha256_hex};

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

/// Why "Einladung erneut senden" sent nothing (and changed nothing).
#[derive(Debug, thiserror::Error)]
pub enum ResendError {
    /// No provider's or intermediary's organisation with this id.
    #[error("no such provider organisation")]
    NotFound,
    /// The Hauptadministration has set a password (or is deactivated), or did meanwhile.
    #[error("the invitation is accepted already")]
    Accepted,
    /// More than `Limits::party_invitations_per_org` this hour for the organisation.
    #[error("too many invitations sent again")]
    RateLimited { retry_after: i64 },
    #[error(transparent)]
    Order(#[from] OrderError),
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

impl Orders {
    /// "Einladung erneut senden" for the first Hauptadmin of a provider's or the
    /// intermediary's organisation who has not set a password: a new link (valid 7 days),
    /// the earlier ones void, the mail and the audit entry in one conditional write
    /// (`reissue_invitation`, as the members' resend). `Accepted` once accepted; at most
    /// `Limits::party_invitations_per_org` per organisation and hour, counted before
    /// anything is written (a refused resend sends and changes nothing).
    pub async fn resend_party_invitation(&self, org_id: &str) -> Result<(), ResendError> {
        let org = self
            .store
            .get_org(org_id)
            .await
            .map_err(OrderError::from)?
            .filter(|org| matches!(org.kind, OrgKind::Provider { .. } | OrgKind::Intermediary))
            .ok_or(ResendError::NotFound)?;
        let admin = self
            .store
            .get_user(&org.admin_user_id)
            .await
            .map_err(OrderError::from)?
            .ok_or(ResendError::NotFound)?;
        if admin.password_hash.is_some() || admin.deactivated {
            return Err(ResendError::Accepted);
        }
        let now = self.now();
        let limit = self.settings.limits.party_invitations_per_org;
        let (counter, end) = limit.window_key("party-invitations-org", &org.id, now);
        let count = self
            .store
            .increment_counter(&counter, now, end)
            .await
            .map_err(OrderError::from)?;
        if count > limit.max {
            return Err(ResendError::RateLimited {
                retry_after: end - now,
            });
        }
        let token = new_secret_token();
        let record = TokenRecord {
            hash: sha256_hex(&token),
            kind: TokenKind::Invite,
            user_id: admin.id.clone(),
            org_id: org.id.clone(),
            expires_at: now + self.settings.member_invite_ttl_secs,
            used: false,
        };
        let mail = mails::member_invited(
            &admin.email,
            &admin.name,
            &org.name,
            "Das Betreiberteam",
            "Hauptadministration",
            &self.link(&format!("/api/passwort-setzen?token={token}")),
            now,
        );
        let audit = AuditEntry {
            id: new_id(),
            org_id: org.id.clone(),
            at: now,
            actor: "Betreiberteam".into(),
            action: AuditAction::InvitationResent,
            subject: format!("{} <{}>", admin.name, admin.email),
            detail: "Hauptadministration".into(),
        };
        match self
            .store
            .reissue_invitation(&admin, &record, &mail, &audit)
            .await
        {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict | StoreError::NotFound) => Err(ResendError::Accepted),
            Err(e) => Err(ResendError::Order(e.into())),
        }
    }
}
