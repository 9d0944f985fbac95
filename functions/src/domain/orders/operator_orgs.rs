//! The operator's work on organisations: search by name (with kind, members and orders),
//! change name or Rechtsform on request, deactivate and reactivate. Every change is a
//! conditional write with its audit entry; a deactivated organisation's people cannot sign
//! in, and their open sessions are refused (`Accounts::session`) and ended.
//!
//! Access patterns: organisations are read per status (SQLite `orgs.status`, DynamoDB the
//! GSI1 partitions `ORGSTATUS#<status>`), their people by `ORGUSERS#<org>` and their orders
//! by `ORGORDERS#<org>` (SQLite indexes `users.org_id`, `orders_by_org`). The search reads
//! every status's organisations that way, filters and sorts them by name in memory (the name
//! is no key) and counts people and orders only for the page it shows.

use super::{OrderError, Orders};
use crate::domain::input::Problems;
use crate::domain::model::{AuditAction, AuditEntry, OrgStatus, Organisation, User};
use crate::domain::ports::StoreError;
use crate::domain::tokens::new_id;

/// How many organisations one page of the search shows.
pub const ORGS_PAGE_SIZE: usize = 25;

/// One page of the organisations a search found, and how many it found in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgSearch {
    pub rows: Vec<OrgRow>,
    pub total: usize,
}

/// One organisation as the search lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgRow {
    pub org: Organisation,
    pub members: usize,
    pub orders: usize,
}

/// One organisation with its people, its orders counted and its audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgOverview {
    pub org: Organisation,
    pub members: Vec<User>,
    pub orders: usize,
    pub audit: Vec<AuditEntry>,
}

/// Why a change of an organisation was refused.
#[derive(Debug, thiserror::Error)]
pub enum OrgChangeError {
    #[error("invalid input")]
    Invalid(Problems<OrgNameField>),
    #[error("no such organisation")]
    NotFound,
    /// Not in the status the change needs (e.g. deactivated already), or changed meanwhile.
    #[error("the organisation is not in the expected state")]
    Conflict,
    /// The operator's own organisation cannot be deactivated.
    #[error("not allowed")]
    NotAllowed,
    #[error(transparent)]
    Order(#[from] OrderError),
}

impl From<StoreError> for OrgChangeError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => OrgChangeError::Conflict,
            StoreError::NotFound => OrgChangeError::NotFound,
            e => OrgChangeError::Order(OrderError::Store(e)),
        }
    }
}

/// The fields of the operator's form that changes name and Rechtsform (the pattern:
/// [`crate::domain::input`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgNameField {
    Name,
    LegalForm,
}

impl Orders {
    /// Organisations whose name contains `query` (case-insensitive; all if empty), by name
    /// (ties by id): `limit` of them (0: all) after the first `offset`, with their people and
    /// orders counted, and how many the search found in all.
    pub async fn search_orgs(
        &self,
        query: &str,
        offset: usize,
        limit: usize,
    ) -> Result<OrgSearch, OrderError> {
        let wanted = query.trim().to_lowercase();
        let mut orgs = Vec::new();
        for status in OrgStatus::ALL {
            orgs.extend(self.store.list_orgs_by_status(status).await?);
        }
        orgs.retain(|o| wanted.is_empty() || o.name.to_lowercase().contains(&wanted));
        orgs.sort_by_cached_key(|o| (o.name.to_lowercase(), o.id.clone()));
        let (page, total) = crate::domain::paging::cut(orgs, offset, limit);
        let mut rows = Vec::new();
        for org in page {
            let members = self.store.list_org_users(&org.id).await?.len();
            let orders = self.store.list_org_orders(&org.id).await?.len();
            rows.push(OrgRow {
                org,
                members,
                orders,
            });
        }
        Ok(OrgSearch { rows, total })
    }

    /// One organisation with its people, orders counted and audit trail.
    pub async fn org_overview(&self, id: &str) -> Result<Option<OrgOverview>, OrderError> {
        let Some(org) = self.store.get_org(id).await? else {
            return Ok(None);
        };
        let mut members = self.store.list_org_users(&org.id).await?;
        members.sort_by(|a, b| {
            (a.id != org.admin_user_id)
                .cmp(&(b.id != org.admin_user_id))
                .then(a.name.cmp(&b.name))
        });
        let orders = self.store.list_org_orders(&org.id).await?.len();
        let audit = self.store.list_audit(&org.id).await?;
        Ok(Some(OrgOverview {
            org,
            members,
            orders,
            audit,
        }))
    }

    /// Changes name and Rechtsform (on the organisation's request), if the record is still
    /// as read, with an audit entry naming `actor`.
    pub async fn rename_org(
        &self,
        id: &str,
        name: &str,
        legal_form: &str,
        actor: &str,
    ) -> Result<Organisation, OrgChangeError> {
        let name = name.trim();
        let legal_form = legal_form.trim();
        let mut errors = Problems::default();
        if name.is_empty() {
            errors.add(
                OrgNameField::Name,
                "Bitte geben Sie den Namen der Organisation an.",
            );
        } else if name.chars().count() > 200 {
            errors.add(
                OrgNameField::Name,
                "Der Name darf höchstens 200 Zeichen lang sein.",
            );
        }
        if legal_form.chars().count() > 100 {
            errors.add(
                OrgNameField::LegalForm,
                "Die Rechtsform darf höchstens 100 Zeichen lang sein.",
            );
        }
        if !errors.is_empty() {
            return Err(OrgChangeError::Invalid(errors));
        }
        let before = self
            .store
            .get_org(id)
            .await?
            .ok_or(OrgChangeError::NotFound)?;
        if before.name == name && before.legal_form == legal_form {
            return Ok(before);
        }
        let mut changes = Vec::new();
        if before.name != name {
            changes.push(format!("Name: „{}“ → „{name}“", before.name));
        }
        if before.legal_form != legal_form {
            changes.push(format!(
                "Rechtsform: „{}“ → „{legal_form}“",
                before.legal_form
            ));
        }
        let after = Organisation {
            name: name.to_owned(),
            legal_form: legal_form.to_owned(),
            ..before.clone()
        };
        let audit = self.org_audit(
            &before,
            actor,
            AuditAction::OrganisationChanged,
            &changes.join("; "),
        );
        self.store
            .update_organisation(&before, &after, &audit)
            .await?;
        tracing::info!(event = "org_renamed", org = %after.id);
        Ok(after)
    }

    /// Deactivates an approved organisation (`active` false) or reactivates a deactivated
    /// one, conditional on its status, with an audit entry; a deactivation then ends the
    /// sessions of its people.
    pub async fn set_org_active(
        &self,
        id: &str,
        active: bool,
        actor: &str,
    ) -> Result<Organisation, OrgChangeError> {
        let before = self
            .store
            .get_org(id)
            .await?
            .ok_or(OrgChangeError::NotFound)?;
        if before.kind.is_operator() {
            return Err(OrgChangeError::NotAllowed);
        }
        let (from, to, action) = if active {
            (
                OrgStatus::Deactivated,
                OrgStatus::Approved,
                AuditAction::OrganisationReactivated,
            )
        } else {
            (
                OrgStatus::Approved,
                OrgStatus::Deactivated,
                AuditAction::OrganisationDeactivated,
            )
        };
        if before.status != from {
            return Err(OrgChangeError::Conflict);
        }
        let after = Organisation {
            status: to,
            ..before.clone()
        };
        let audit = self.org_audit(&before, actor, action, "");
        self.store
            .change_org_status_with_audit(&after, from, &audit)
            .await?;
        if !active {
            for user in self.store.list_org_users(&after.id).await? {
                self.store.delete_user_sessions(&user.id).await?;
            }
        }
        tracing::info!(event = "org_active", org = %after.id, active);
        Ok(after)
    }

    fn org_audit(
        &self,
        org: &Organisation,
        actor: &str,
        action: AuditAction,
        detail: &str,
    ) -> AuditEntry {
        AuditEntry {
            id: new_id(),
            org_id: org.id.clone(),
            at: self.now(),
            actor: actor.to_owned(),
            action,
            subject: org.name.clone(),
            detail: detail.to_owned(),
        }
    }
}
