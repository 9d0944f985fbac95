//! The consoles of providers and the intermediary in the DynamoDB table.
//!
//! | record | PK | SK | GSI2PK / GSI2SK |
//! | --- | --- | --- | --- |
//! | party marker | `PARTYORG#<provider:id or intermediary>` | `PARTYORG` | (one organisation per party; GSI1 `PARTYORGS` / `<party>`) |
//! | Umklappvertrag marker | `UVORDER#<order>` | `UVORDER` | `INTERMEDIARYORDERS` / `<created>#<seq>#<order>` |
//!
//! | access pattern | key or index |
//! | --- | --- |
//! | a provider's orders, newest first, in a period | GSI2 `PROVIDERORDERS#<provider>`, `GSI2SK` between the period's bounds, status as filter; sorted and paged in memory (`OrderFilter::page_of`), so old and new sort keys mix without a skip or a repeat |
//! | the intermediary's orders (Umklappvertrag) | GSI2 `INTERMEDIARYORDERS`, then the orders by key |
//! | every party's organisation (operator's list) | GSI1 `PARTYORGS`, then the organisation, its Hauptadmin, the password-link pointer `PWLINK#<user>` and its token by key |
//!
//! The organisation, its first Hauptadmin (with the e-mail marker, invitation, password-link
//! pointer, mail and audit entry) and the party marker are one transaction. Orders placed
//! before this release have no Umklappvertrag marker, so the intermediary's list does not
//! show them (their decision links and the partner API still work).

use async_trait::async_trait;

use super::members::audit_item;
use super::{
    DynamoStore, Item, TransactError, doc_of, get_s, key, mail_item, org_item, s, sortable,
    token_item, user_item,
};
use crate::domain::model::TokenKind;
use crate::domain::model::{AuditEntry, Organisation, OutgoingMail, TokenRecord, User};
use crate::domain::orders::console::{OrderFilter, OrderPage, OrderSummary};
use crate::domain::orders::ports::{ConsoleStore, OrderStore, PartyOrgEntry};
use crate::domain::orders::{ApiParty, Order};
use crate::domain::ports::Store;
use crate::domain::ports::StoreError;

/// The marker that lists an Umklappvertrag for the intermediary (written with the order).
pub(super) fn intermediary_marker(order: &Order) -> Option<Item> {
    if order.contract_model != catalog::model::ContractModel::Umklappvertrag {
        return None;
    }
    let mut marker = key(format!("UVORDER#{}", order.id), "UVORDER");
    marker.insert("order_id".into(), s(&order.id));
    marker.insert("GSI2PK".into(), s("INTERMEDIARYORDERS"));
    marker.insert("GSI2SK".into(), s(super::orders::newest_sort_key(order)));
    Some(marker)
}

impl DynamoStore {
    /// Every item of GSI2 under `pk` whose sort key lies in the filter's period, newest
    /// first, with the status as a filter when one is asked for.
    async fn query_gsi2_period(
        &self,
        pk: String,
        filter: &OrderFilter,
        status_filter: bool,
    ) -> Result<Vec<Item>, StoreError> {
        let low = format!("{}#", sortable(filter.from.unwrap_or(0).max(0)));
        // `~` sorts after every id character.
        let high = match filter.until {
            Some(until) => format!("{}#", sortable(until.max(0))),
            None => format!("{}~", sortable(i64::MAX)),
        };
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI2")
            .key_condition_expression("GSI2PK = :pk AND GSI2SK BETWEEN :low AND :high")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high))
            .scan_index_forward(false);
        if let (true, Some(status)) = (status_filter, filter.status) {
            query = query
                .filter_expression("#status = :status")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":status", s(status.as_str()));
        }
        super::query_all(query).await
    }
}

/// The GSI1 partition of the party markers: the operator's list of provider organisations.
/// Markers written before it existed are not in it until `admin backfill-markers` ran.
pub(super) const PARTY_ORGS: &str = "PARTYORGS";

#[async_trait]
impl ConsoleStore for DynamoStore {
    async fn list_party_orgs(&self) -> Result<Vec<PartyOrgEntry>, StoreError> {
        let mut entries = Vec::new();
        for marker in self.query_gsi1(PARTY_ORGS.to_owned(), None).await? {
            let Some(org) = self.get_org(get_s(&marker, "org_id")?).await? else {
                continue;
            };
            let admin = self.get_user(&org.admin_user_id).await?;
            let mut invite_expires_at = None;
            if let Some(pointer) = self
                .get(format!("PWLINK#{}", org.admin_user_id), "PWLINK")
                .await?
                && let Some(token) = self.get_token(get_s(&pointer, "hash")?).await?
                && token.kind == TokenKind::Invite
                && !token.used
            {
                invite_expires_at = Some(token.expires_at);
            }
            entries.push(PartyOrgEntry {
                org,
                admin,
                invite_expires_at,
            });
        }
        Ok(entries)
    }

    async fn create_party_org(
        &self,
        org: &Organisation,
        admin: &User,
        invite: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let Some(party) = org.kind.party_key() else {
            return Err(StoreError::Backend(
                "a customer organisation is registered, not created".into(),
            ));
        };
        let mut email = key(format!("EMAIL#{}", admin.email), "EMAIL");
        email.insert("user_id".into(), s(&admin.id));
        let mut party_marker = key(format!("PARTYORG#{party}"), "PARTYORG");
        party_marker.insert("org_id".into(), s(&org.id));
        party_marker.insert("GSI1PK".into(), s(PARTY_ORGS));
        party_marker.insert("GSI1SK".into(), s(&party));
        let items = vec![
            self.put_new(email)?,
            self.put_new(party_marker)?,
            self.put_new(org_item(org)?)?,
            self.put_new(user_item(admin)?)?,
            self.put_new(token_item(invite))?,
            self.password_link_pointer(invite, None)?,
            self.put_new(mail_item(mail)?)?,
            self.put_new(audit_item(audit)?)?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(0)) => Err(StoreError::EmailTaken),
            Err(TransactError::ConditionFailed(1)) => Err(StoreError::Conflict),
            Err(e) => Err(e.into()),
        }
    }

    async fn list_inbox(
        &self,
        party: &ApiParty,
        filter: &OrderFilter,
    ) -> Result<OrderPage, StoreError> {
        let mut rows = Vec::new();
        match party {
            ApiParty::Provider(provider) => {
                for item in self
                    .query_gsi2_period(format!("PROVIDERORDERS#{provider}"), filter, true)
                    .await?
                {
                    let order: Order = doc_of(&item)?;
                    rows.push(OrderSummary::of(&order));
                }
            }
            ApiParty::Intermediary => {
                let markers = self
                    .query_gsi2_period("INTERMEDIARYORDERS".to_owned(), filter, false)
                    .await?;
                for marker in &markers {
                    if let Some(order) = self.get_order(get_s(marker, "order_id")?).await? {
                        rows.push(OrderSummary::of(&order));
                    }
                }
            }
        }
        Ok(filter.page_of(rows))
    }
}
