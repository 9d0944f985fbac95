//! The operator console's work on orders and needs: reported Bedarfe with filters, marked as
//! handled once, and their CSV export; the orders whose decision period ends soon or has
//! ended, with the party whose turn it is.
//!
//! Access patterns (no scan of all records):
//! - needs, one page through a filter: SQLite index `needs_by_created (created_at)` with the
//!   period as its range (`INDEXED BY`), category and state as conditions on the documents it
//!   finds, `LIMIT`/`OFFSET` for the page and `count(*)` for the total; DynamoDB the `NEEDS`
//!   partition of GSI1 with the period as a key condition on `<created>#<id>`, read through
//!   (all of its pages), then category and state filtered and the page cut out in memory
//!   ([`NeedFilter::page_of`]). A need is read and marked by its key.
//! - deadlines: SQLite index `orders_undecided (final, deadline)` with `final = 0 AND
//!   deadline < ?`; DynamoDB GSI1 partition `UNDECIDED` with `GSI1SK < <deadline>` (a key
//!   condition on the sort key `<deadline>#<id>`), then each order by its key.
//! - orders the portal closed at their deadline: SQLite partial index
//!   `orders_closed_by_portal (closed_by_portal_at, seq)`; DynamoDB GSI1 partition
//!   `EXPIREDORDERS` with `GSI1SK >= <since>` on the markers `EXPIRED#<id>` written in the
//!   closing's transaction (sort key `<closed>#<seq>#<id>`), then each order by its key.

use async_trait::async_trait;

use super::console::csv_field;
use super::model::{DAY, Need, NeedHandled, Order};
use super::status::{Party, whose_turn};
use super::{OrderError, Orders};
use crate::domain::clock::german_day;
use crate::domain::model::{AuditEntry, OrgStatus, Organisation, OutgoingMail, User};
use crate::domain::ports::StoreError;

/// How many days before its deadline an undecided order appears on the operator's list:
/// from the first reminder (day 20 of 30) on.
pub const WATCH_DAYS: i64 = 10;

/// The operator's reads and writes of needs and deadlines.
#[async_trait]
pub trait OperatorStore: Send + Sync {
    /// One need by its id.
    async fn get_need(&self, id: &str) -> Result<Option<Need>, StoreError>;

    /// The needs through `filter`, newest first (ties by id, descending): the page
    /// `filter.offset`/`filter.limit` (limit 0: all) and how many match in all.
    async fn list_needs_page(&self, filter: &NeedFilter) -> Result<NeedPage, StoreError>;

    /// Replaces the need by `need` (which carries `handled`) if it is not handled yet:
    /// [`StoreError::Conflict`] if it was (then nothing is written), [`StoreError::NotFound`]
    /// if there is no such need.
    async fn mark_need_handled(&self, need: &Need) -> Result<(), StoreError>;

    /// Undecided orders whose deadline is before `until`, earliest deadline first.
    async fn list_undecided_due_before(&self, until: i64) -> Result<Vec<Order>, StoreError>;

    /// Orders the portal closed at their deadline at or after `since`, the latest closing
    /// first (of one moment, the higher number first).
    async fn list_closed_by_portal_since(&self, since: i64) -> Result<Vec<Order>, StoreError>;

    /// Replaces the person `before` by `after` (without the second factor) if the record is
    /// still `before`, with `mail` and the `audit` entry, all or nothing:
    /// [`StoreError::Conflict`] if it changed meanwhile, [`StoreError::NotFound`] if gone.
    async fn reset_second_factor(
        &self,
        before: &User,
        after: &User,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Replaces the organisation by `after` (its new status) if its status is still `from`,
    /// with the `audit` entry, all or nothing: [`StoreError::Conflict`] otherwise,
    /// [`StoreError::NotFound`] if there is none.
    async fn change_org_status_with_audit(
        &self,
        after: &Organisation,
        from: OrgStatus,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
}

/// How many days back the operator's list of orders the portal closed at their deadline
/// reaches.
pub const CLOSED_DAYS: i64 = 90;

/// Which needs the operator's list shows; every field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeedFilter {
    /// A top category id, or [`NO_CATEGORY`] for needs without one.
    pub category: Option<String>,
    /// `Some(true)` handled only, `Some(false)` open only.
    pub handled: Option<bool>,
    /// Reported at or after (Unix seconds).
    pub from: Option<i64>,
    /// Reported before (Unix seconds).
    pub until: Option<i64>,
    /// How many matching needs (newest first) come before the page.
    pub offset: usize,
    /// The page's size; 0 for all (the CSV export).
    pub limit: usize,
}

/// How many needs one page of the operator's list shows.
pub const NEEDS_PAGE_SIZE: usize = 20;

/// One page of the needs through a filter, and how many the filter found in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NeedPage {
    pub rows: Vec<Need>,
    pub total: usize,
}

/// The category filter's value for needs reported without a category.
pub const NO_CATEGORY: &str = "ohne";

impl NeedFilter {
    pub fn matches(&self, need: &Need) -> bool {
        let top = need
            .category
            .as_deref()
            .map(|c| c.split('/').next().unwrap_or(c));
        self.category.as_deref().is_none_or(|wanted| match top {
            Some(top) => top == wanted,
            None => wanted == NO_CATEGORY,
        }) && self
            .handled
            .is_none_or(|handled| need.handled.is_some() == handled)
            && self.from.is_none_or(|from| need.created_at >= from)
            && self.until.is_none_or(|until| need.created_at < until)
    }

    /// Filters, sorts (newest first, ties by id descending) and cuts out the page: for
    /// stores that read the needs by key and filter in memory.
    pub fn page_of(&self, mut needs: Vec<Need>) -> NeedPage {
        needs.retain(|n| self.matches(n));
        needs.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let (rows, total) = crate::domain::paging::cut(needs, self.offset, self.limit);
        NeedPage { rows, total }
    }
}

/// What marking a need as handled did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeedMarked {
    /// Marked now, by the caller.
    Now(Need),
    /// It was handled already: by whom and when it says.
    Already(Need),
}

/// The CSV export of the operator's list of needs: UTF-8 with byte order mark, `;`, CRLF.
pub fn needs_csv(needs: &[Need]) -> Vec<u8> {
    let mut text = String::from('\u{feff}');
    text.push_str("Gemeldet am;Titel;Kategorie;Organisation;Person;E-Mail-Adresse;Kontakt bevorzugt;Erwartete Nutzer;Gewünscht bis;Beschreibung;Stand;Erledigt am;Erledigt von\r\n");
    for need in needs {
        let fields = [
            german_day(need.created_at),
            need.title.clone(),
            need.category_name.clone().unwrap_or_default(),
            need.org_name.clone(),
            need.user_name.clone(),
            need.user_email.clone(),
            if need.contact_preference == "telefon" {
                "Telefon".to_owned()
            } else {
                "E-Mail".to_owned()
            },
            need.expected_users
                .map_or_else(String::new, |n| n.to_string()),
            need.wished_date.clone().unwrap_or_default(),
            need.description.clone(),
            if need.handled.is_some() {
                "erledigt".to_owned()
            } else {
                "offen".to_owned()
            },
            need.handled
                .as_ref()
                .map_or_else(String::new, |h| german_day(h.at)),
            need.handled
                .as_ref()
                .map_or_else(String::new, |h| h.by_name.clone()),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        text.push_str(&line.join(";"));
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// An undecided order on the operator's deadline list.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadlineRow {
    pub order: Order,
    /// Whose decision is due (provider or intermediary).
    pub turn: Option<Party>,
    /// Whole days left (rounded up); 0 once the deadline has passed.
    pub days_left: i64,
    /// The deadline has passed and the portal has not closed the order yet.
    pub overdue: bool,
}

/// An order the portal closed because its decision period ended without a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedRow {
    pub order: Order,
    /// When the portal closed it.
    pub closed_at: i64,
    /// Whose decision it had been (provider or intermediary).
    pub turn: Option<Party>,
}

impl ClosedRow {
    /// The row of `order`, if the portal closed it at its deadline.
    pub fn of(order: Order) -> Option<ClosedRow> {
        let closed_at = order.closed_by_portal_at()?;
        let turn = order
            .history
            .last()
            .and_then(|h| h.from)
            .and_then(|from| whose_turn(from, order.contract_model));
        Some(ClosedRow {
            order,
            closed_at,
            turn,
        })
    }
}

impl Orders {
    /// One need by its id.
    pub async fn need(&self, id: &str) -> Result<Option<Need>, OrderError> {
        Ok(self.store.get_need(id).await?)
    }

    /// The needs through `filter`, newest first: its page and how many match in all.
    pub async fn filtered_needs(&self, filter: &NeedFilter) -> Result<NeedPage, OrderError> {
        Ok(self.store.list_needs_page(filter).await?)
    }

    /// Marks a need as handled by `by`, once: a second mark (also a concurrent one) answers
    /// who marked it and when, and writes nothing.
    pub async fn mark_need_handled(&self, id: &str, by: &User) -> Result<NeedMarked, OrderError> {
        let Some(need) = self.store.get_need(id).await? else {
            return Err(OrderError::NotFound);
        };
        if need.handled.is_some() {
            return Ok(NeedMarked::Already(need));
        }
        let mut next = need;
        next.handled = Some(NeedHandled {
            at: self.now(),
            by_user_id: by.id.clone(),
            by_name: by.name.clone(),
        });
        match self.store.mark_need_handled(&next).await {
            Ok(()) => {
                tracing::info!(event = "need_handled", need = %next.id);
                Ok(NeedMarked::Now(next))
            }
            Err(StoreError::Conflict) => match self.store.get_need(id).await? {
                Some(latest) => Ok(NeedMarked::Already(latest)),
                None => Err(OrderError::NotFound),
            },
            Err(StoreError::NotFound) => Err(OrderError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Orders the portal closed at their deadline in the last [`CLOSED_DAYS`] days, the
    /// latest closing first.
    pub async fn closed_by_portal(&self) -> Result<Vec<ClosedRow>, OrderError> {
        let since = self.now() - CLOSED_DAYS * DAY;
        Ok(self
            .store
            .list_closed_by_portal_since(since)
            .await?
            .into_iter()
            .filter_map(ClosedRow::of)
            .collect())
    }

    /// Undecided orders whose deadline ends within [`WATCH_DAYS`] or has passed (the
    /// scheduled work closes those within minutes), earliest deadline first.
    pub async fn deadline_watch(&self) -> Result<Vec<DeadlineRow>, OrderError> {
        let now = self.now();
        let mut orders = self
            .store
            .list_undecided_due_before(now + WATCH_DAYS * DAY)
            .await?;
        // Orders of one second share their deadline: the earlier number first.
        orders.sort_by(|a, b| {
            (a.deadline, a.sequence(), &a.id).cmp(&(b.deadline, b.sequence(), &b.id))
        });
        Ok(orders
            .into_iter()
            .map(|order| DeadlineRow {
                turn: whose_turn(order.status, order.contract_model),
                days_left: ((order.deadline - now).max(0) + DAY - 1) / DAY,
                overdue: order.is_overdue(now),
                order,
            })
            .collect())
    }
}
