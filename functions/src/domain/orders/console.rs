//! The console of the deciding parties ("Eingegangene Bestellungen"): provider and
//! intermediary organisations, their list of incoming orders with filters and CSV export,
//! and the decision in the browser, which goes through the same [`Orders::decide`] as the
//! mailed links and the partner API.

use catalog::model::ContractModel;
use serde::Serialize;

use super::links::{self, ApiParty};
use super::model::{DAY, Order};
use super::status::{Action, OrderStatus};
use super::{OrderError, Orders};
use crate::domain::input::Problems;
use crate::domain::mails;
use crate::domain::model::{
    AuditAction, AuditEntry, MemberRole, OrgKind, OrgStatus, Organisation, TokenKind, TokenRecord,
    User,
};
use crate::domain::ports::StoreError;
use crate::domain::tokens::{new_id, new_secret_token, sha256_hex};
use crate::domain::validation;

/// Rows per page of the console's list.
pub const PAGE_SIZE: usize = 25;

/// Which of a party's orders to list: every field narrows the list; `limit` 0 means all
/// (the CSV export).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub offering_id: Option<String>,
    /// Ordered at or after (Unix seconds).
    pub from: Option<i64>,
    /// Ordered before (Unix seconds).
    pub until: Option<i64>,
    /// Lower case; matched inside the order number or the customer's name.
    pub search: String,
    pub offset: usize,
    pub limit: usize,
}

/// One order as the console's list shows it (and as the stores return it without reading
/// the whole contract folder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderSummary {
    pub id: String,
    pub number: String,
    pub created_at: i64,
    pub deadline: i64,
    pub customer: String,
    pub offering_id: String,
    pub offering_name: String,
    pub plan_name: String,
    pub contract_model: ContractModel,
    pub status: OrderStatus,
}

impl OrderSummary {
    pub fn of(order: &Order) -> OrderSummary {
        OrderSummary {
            id: order.id.clone(),
            number: order.number.clone(),
            created_at: order.created_at,
            deadline: order.deadline,
            customer: order.folder.customer.organisation.clone(),
            offering_id: order.offering_id.clone(),
            offering_name: order.folder.offering.name.clone(),
            plan_name: order.folder.plan.name.clone(),
            contract_model: order.contract_model,
            status: order.status,
        }
    }

    /// The text the search looks in: order number and customer, in lower case.
    pub fn search_text(number: &str, customer: &str) -> String {
        format!("{number} {customer}").to_lowercase()
    }

    /// Whole days left of the decision period at `now` (rounded up); `None` once decided.
    pub fn days_left(&self, now: i64) -> Option<i64> {
        (!self.status.is_final()).then(|| ((self.deadline - now).max(0) + DAY - 1) / DAY)
    }
}

impl OrderFilter {
    /// Whether `row` is in the filtered list (what the SQL of the SQLite store says too).
    pub fn matches(&self, row: &OrderSummary) -> bool {
        self.status.is_none_or(|s| s == row.status)
            && self
                .offering_id
                .as_deref()
                .is_none_or(|o| o == row.offering_id)
            && self.from.is_none_or(|from| row.created_at >= from)
            && self.until.is_none_or(|until| row.created_at < until)
            && (self.search.is_empty()
                || OrderSummary::search_text(&row.number, &row.customer).contains(&self.search))
    }

    /// Filters, sorts (newest first) and cuts out the page: for stores that read the
    /// party's orders by key and filter in memory.
    pub fn page_of(&self, mut rows: Vec<OrderSummary>) -> OrderPage {
        rows.retain(|row| self.matches(row));
        rows.sort_by(|a, b| {
            super::model::newest_first(
                (a.created_at, &a.number, &a.id),
                (b.created_at, &b.number, &b.id),
            )
        });
        let (rows, total) = crate::domain::paging::cut(rows, self.offset, self.limit);
        OrderPage { rows, total }
    }
}

/// One page of a party's orders and how many the filter found in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderPage {
    pub rows: Vec<OrderSummary>,
    pub total: usize,
}

/// The deciding party an organisation is, if it is one.
pub fn party_of(org: &Organisation) -> Option<ApiParty> {
    match &org.kind {
        OrgKind::Customer | OrgKind::Operator => None,
        OrgKind::Provider { provider_id } => Some(ApiParty::Provider(provider_id.clone())),
        OrgKind::Intermediary => Some(ApiParty::Intermediary),
    }
}

/// Why a provider or intermediary organisation could not be created.
#[derive(Debug, thiserror::Error)]
pub enum PartyOrgError {
    #[error("{}", described(.0))]
    Invalid(PartyOrgProblems),
    #[error("the provider {0} is not in the catalog")]
    UnknownProvider(String),
    #[error("an organisation for this party exists already")]
    Exists,
    #[error("the e-mail address has an account already")]
    EmailTaken,
    #[error(transparent)]
    Order(#[from] OrderError),
}

/// The form "Anbieterorganisation anlegen", as typed (the pattern:
/// [`crate::domain::input`]); `party` is a provider's id or [`INTERMEDIARY`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartyOrgInput {
    pub party: String,
    pub name: String,
    pub admin_name: String,
    pub admin_email: String,
}

/// The value of [`PartyOrgInput::party`] that means the intermediary.
pub const INTERMEDIARY: &str = "intermediaer";

/// The fields of [`PartyOrgInput`] a problem can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyOrgField {
    Party,
    Name,
    AdminName,
    AdminEmail,
}

/// The messages about a [`PartyOrgInput`].
pub type PartyOrgProblems = Problems<PartyOrgField>;

/// The organisation's name, the Hauptadmin's name and address, trimmed (the address
/// normalised), with a message in `problems` for each that is missing or wrong.
fn checked(
    name: &str,
    admin_name: &str,
    admin_email: &str,
    problems: &mut PartyOrgProblems,
) -> (String, String, String) {
    let name = name.trim();
    let admin_name = admin_name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        problems.add(
            PartyOrgField::Name,
            "Bitte den Namen der Organisation angeben (höchstens 200 Zeichen).",
        );
    }
    if admin_name.is_empty() || admin_name.chars().count() > 200 {
        problems.add(
            PartyOrgField::AdminName,
            "Bitte den Namen der ersten Hauptadministration angeben (höchstens 200 Zeichen).",
        );
    }
    let email = match validation::normalize_email(admin_email) {
        Ok(email) => email,
        Err(message) => {
            problems.add(PartyOrgField::AdminEmail, message.to_string());
            String::new()
        }
    };
    (name.to_owned(), admin_name.to_owned(), email)
}

fn described(problems: &PartyOrgProblems) -> String {
    problems
        .0
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

impl From<StoreError> for PartyOrgError {
    fn from(e: StoreError) -> Self {
        PartyOrgError::Order(OrderError::Store(e))
    }
}

/// A `;`-separated field for German Excel: quoted when needed, and never read as a formula.
pub(crate) fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The CSV export of a party's list: UTF-8 with byte order mark, `;`, CRLF, a header row.
pub fn csv(rows: &[OrderSummary], now: i64) -> Vec<u8> {
    use super::documents::german_day;
    let mut text = String::from('\u{feff}');
    text.push_str("Bestellnummer;Bestellt am;Kunde;Cloud-Service;Preismodell;Vertragsmodell;Status;Resttage Entscheidungsfrist\r\n");
    for row in rows {
        let fields = [
            row.number.clone(),
            german_day(row.created_at),
            row.customer.clone(),
            row.offering_name.clone(),
            row.plan_name.clone(),
            row.contract_model.label().to_owned(),
            row.status.label().to_owned(),
            row.days_left(now)
                .map_or_else(String::new, |d| d.to_string()),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        text.push_str(&line.join(";"));
        text.push_str("\r\n");
    }
    text.into_bytes()
}

impl Orders {
    /// The party's incoming orders through `filter` (newest first).
    pub async fn inbox(
        &self,
        party: &ApiParty,
        filter: &OrderFilter,
    ) -> Result<OrderPage, OrderError> {
        Ok(self.store.list_inbox(party, filter).await?)
    }

    /// The decision in the console: the same state machine, conditional write and mails as
    /// a decision link ([`Orders::decide_by_api`]); an order of another party is
    /// [`OrderError::NotFound`].
    pub async fn decide_in_console(
        &self,
        party: &ApiParty,
        order_id: &str,
        action: Action,
    ) -> Result<Order, OrderError> {
        self.decide_by_api(party, order_id, action).await
    }

    /// The order behind a decision link whose signature is right, whatever became of it
    /// since (used, decided in the console): to say what happened.
    pub async fn order_of_link(&self, token: &str) -> Result<Option<Order>, OrderError> {
        let Some(claims) = links::read_decision_token(&self.secret, token) else {
            return Ok(None);
        };
        Ok(self.store.get_order(&claims.order_id).await?)
    }

    /// The operator console's form "Anbieterorganisation anlegen": the party chosen (a
    /// provider of the catalog or the intermediary), then [`Orders::create_party_org`].
    pub async fn create_party_org_from(
        &self,
        input: &PartyOrgInput,
    ) -> Result<(Organisation, User), PartyOrgError> {
        let party = input.party.trim();
        let kind = match party {
            "" => {
                let mut problems = PartyOrgProblems::default();
                problems.add(
                    PartyOrgField::Party,
                    "Bitte den Anbieter oder den Intermediär auswählen.",
                );
                checked(
                    &input.name,
                    &input.admin_name,
                    &input.admin_email,
                    &mut problems,
                );
                return Err(PartyOrgError::Invalid(problems));
            }
            INTERMEDIARY => OrgKind::Intermediary,
            id => OrgKind::Provider {
                provider_id: id.to_owned(),
            },
        };
        self.create_party_org(kind, &input.name, &input.admin_name, &input.admin_email)
            .await
    }

    /// Creates the organisation of a provider (`kind` names its file's id), of the
    /// intermediary or of the operator, approved, with its first Hauptadmin invited by mail (a link valid
    /// 7 days, used once), all in one write; at most one organisation per party.
    pub async fn create_party_org(
        &self,
        kind: OrgKind,
        name: &str,
        admin_name: &str,
        admin_email: &str,
    ) -> Result<(Organisation, User), PartyOrgError> {
        let mut problems = PartyOrgProblems::default();
        let (name, admin_name, email) = checked(name, admin_name, admin_email, &mut problems);
        let (name, admin_name) = (name.as_str(), admin_name.as_str());
        if !problems.is_empty() {
            return Err(PartyOrgError::Invalid(problems));
        }
        if let OrgKind::Provider { provider_id } = &kind {
            let catalog = self.catalog()?;
            if !catalog
                .offerings
                .iter()
                .any(|o| &o.provider.id == provider_id)
            {
                return Err(PartyOrgError::UnknownProvider(provider_id.clone()));
            }
        }
        let now = self.now();
        let org_id = new_id();
        let user = User {
            id: new_id(),
            org_id: org_id.clone(),
            name: admin_name.to_owned(),
            email,
            phone: String::new(),
            password_hash: None,
            created_at: now,
            role: MemberRole::Admin,
            deactivated: false,
            second_factor: None,
            role_id: None,
        };
        let org = Organisation {
            id: org_id,
            name: name.to_owned(),
            legal_form: String::new(),
            street: String::new(),
            postcode: String::new(),
            city: String::new(),
            in_house_capable: false,
            level: None,
            status: OrgStatus::Approved,
            admin_user_id: user.id.clone(),
            agb_version: String::new(),
            privacy_version: String::new(),
            created_at: now,
            decided_at: Some(now),
            reject_reason: None,
            leitweg_id: String::new(),
            central_phone: String::new(),
            kind,
        };
        let token = new_secret_token();
        let invite = TokenRecord {
            hash: sha256_hex(&token),
            kind: TokenKind::Invite,
            user_id: user.id.clone(),
            org_id: org.id.clone(),
            expires_at: now + self.settings.member_invite_ttl_secs,
            used: false,
        };
        let mail = mails::member_invited(
            &user.email,
            &user.name,
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
            action: AuditAction::Invited,
            subject: format!("{} <{}>", user.name, user.email),
            detail: "Hauptadministration".into(),
        };
        match self
            .store
            .create_party_org(&org, &user, &invite, &mail, &audit)
            .await
        {
            Ok(()) => {
                tracing::info!(event = "party_org_created", org = %org.id);
                Ok((org, user))
            }
            Err(StoreError::EmailTaken) => Err(PartyOrgError::EmailTaken),
            Err(StoreError::Conflict) => Err(PartyOrgError::Exists),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(number: &str, customer: &str, created_at: i64, status: OrderStatus) -> OrderSummary {
        OrderSummary {
            id: number.to_owned(),
            number: number.to_owned(),
            created_at,
            deadline: created_at + 30 * DAY,
            customer: customer.to_owned(),
            offering_id: "dmessenger".into(),
            offering_name: "dMessenger".into(),
            plan_name: "Basis".into(),
            contract_model: ContractModel::Direktvertrag,
            status,
        }
    }

    #[test]
    fn days_left_round_up_and_end_with_the_decision() {
        let r = row("CSP-1", "Stadt", 0, OrderStatus::Offen);
        assert_eq!(r.days_left(0), Some(30));
        assert_eq!(r.days_left(1), Some(30));
        assert_eq!(r.days_left(29 * DAY + 1), Some(1));
        assert_eq!(r.days_left(31 * DAY), Some(0));
        let done = row("CSP-2", "Stadt", 0, OrderStatus::Bestellt);
        assert_eq!(done.days_left(0), None);
    }

    #[test]
    fn orders_of_one_second_page_by_number_not_by_id() {
        // Ids that sort against the numbers, and a seventh digit (compared as a number).
        let mut rows = Vec::new();
        for (id, number) in [
            ("z", "CSP-2026-999999"),
            ("a", "CSP-2026-1000000"),
            ("m", "CSP-2026-999998"),
        ] {
            let mut r = row(number, "Stadt", 50, OrderStatus::Offen);
            r.id = id.into();
            rows.push(r);
        }
        rows.push(row("CSP-2026-000001", "Stadt", 10, OrderStatus::Offen));
        let mut seen = Vec::new();
        for offset in 0..4 {
            let filter = OrderFilter {
                limit: 1,
                offset,
                ..OrderFilter::default()
            };
            seen.extend(
                filter
                    .page_of(rows.clone())
                    .rows
                    .into_iter()
                    .map(|r| r.number),
            );
        }
        assert_eq!(
            seen,
            [
                "CSP-2026-1000000",
                "CSP-2026-999999",
                "CSP-2026-999998",
                "CSP-2026-000001"
            ]
        );
    }

    #[test]
    fn filter_searches_number_and_customer_and_pages_newest_first() {
        let rows = vec![
            row("CSP-2026-000001", "Stadt Köln", 10, OrderStatus::Offen),
            row("CSP-2026-000002", "Kreis Lippe", 20, OrderStatus::Bestellt),
            row("CSP-2026-000003", "STADT KÖLN", 30, OrderStatus::Offen),
        ];
        let filter = OrderFilter {
            search: "köln".into(),
            limit: 1,
            ..OrderFilter::default()
        };
        let page = filter.page_of(rows.clone());
        assert_eq!(page.total, 2);
        assert_eq!(page.rows[0].number, "CSP-2026-000003");
        let filter = OrderFilter {
            status: Some(OrderStatus::Bestellt),
            ..OrderFilter::default()
        };
        assert_eq!(filter.page_of(rows).rows[0].customer, "Kreis Lippe");
    }

    #[test]
    fn csv_is_german_excel_and_never_a_formula() {
        let mut r = row("CSP-1", "=HYPERLINK(\"x\");Amt", 0, OrderStatus::Offen);
        r.plan_name = "Basis".into();
        let bytes = csv(&[r], 0);
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.starts_with('\u{feff}'));
        let line = text.lines().nth(1).expect("a row");
        assert!(line.contains("\"'=HYPERLINK(\"\"x\"\");Amt\""), "{line}");
        assert!(line.ends_with(";30"), "{line}");
    }
}
