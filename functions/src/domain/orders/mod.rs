//! Orders and needs: submit an order exactly once, decide it through the state machine, and
//! report a need; in plain Rust over the store, without HTTP.

pub mod cart;
pub mod checkout;
pub mod console;
pub mod documents;
pub mod figures;
pub mod folder_documents;
pub mod input;
pub mod interest;
pub mod links;
pub mod mails;
pub mod model;
pub mod operator;
pub mod operator_accounts;
pub mod operator_orgs;
pub mod party_orgs;
pub mod ports;
pub mod status;
pub mod summary;
pub mod text;
pub mod validate;

use std::path::Path;
use std::sync::{Arc, RwLock};

use catalog::snapshot::OrderCatalog;

pub use links::{ApiParty, LinkClaims};
pub use model::{
    BillingAddress, ConfiguredOption, ContractFolder, DAY, DECISION_DAYS, EXPIRY_REASON,
    FolderCustomer, HistoryEntry, Need, Order, REMINDER_DAYS, newest_first, number_sequence,
};
pub use status::{Action, OrderStatus, Party, TransitionError, expiry, transition, whose_turn};

use super::accounts::{SessionInfo, Settings};
use super::clock::Clock;
use super::model::{Address, OutgoingMail};
use super::tokens::{Secret, new_id, sha256_hex};
use crate::domain::ports::StoreError;
use input::{NeedInput, NeedProblems, OrderInput, OrderProblems};
use ports::{CreatedOrder, PortalStore, UsedLink};

/// Why an order operation did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// Input to correct, one German message per field of the order form (or Warenkorb).
    #[error("invalid input")]
    Invalid(OrderProblems),
    /// A Bedarf form to correct, one German message per field.
    #[error("invalid need")]
    InvalidNeed(NeedProblems),
    /// The offering does not exist or cannot be ordered (any more).
    #[error("offering not orderable")]
    NotOrderable,
    /// No such order, or not visible to the caller.
    #[error("not found")]
    NotFound,
    /// A decision link that is forged or used.
    #[error("invalid link")]
    InvalidLink,
    /// The 30-day decision period has ended: the link expired with it, or the order was
    /// closed without a decision.
    #[error("the decision period has ended")]
    PeriodEnded,
    /// The action is not allowed in the order's status, or someone else decided first.
    #[error("not allowed now: {0}")]
    NotAllowed(String),
    /// There is no catalog snapshot (the site has not been built).
    #[error("no catalog snapshot")]
    NoCatalog,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The order flows over a store and the catalog snapshot.
pub struct Orders {
    store: Arc<dyn PortalStore>,
    clock: Arc<dyn Clock>,
    settings: Settings,
    secret: Secret,
    catalog: RwLock<Snapshot>,
}

impl std::fmt::Debug for Orders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orders").finish_non_exhaustive()
    }
}

/// What [`Orders::enforce_deadlines`] did in one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeadlineWork {
    /// Reminders queued (each one once per order and reminder day).
    pub reminded: usize,
    /// Orders closed because their deadline passed.
    pub expired: usize,
    /// Orders that could not be handled (logged; the next run tries again).
    pub failed: usize,
}

/// Why [`Orders::place`] did not place an order.
#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    #[error(transparent)]
    Order(#[from] OrderError),
    /// The organisation already has an order under this idempotency key, placed with other
    /// fields: nothing was written (answer 409 and say that the form must be reloaded).
    #[error("the idempotency key was used for another order ({existing_number})")]
    IdempotencyKeyReused { existing_number: String },
}

impl From<StoreError> for PlaceError {
    fn from(e: StoreError) -> Self {
        PlaceError::Order(OrderError::Store(e))
    }
}

/// The fingerprint of an order form: what it orders, without its idempotency key.
pub(crate) fn input_hash(input: &OrderInput) -> String {
    // JSON keeps the fields apart whatever they contain (the key is not serialised).
    sha256_hex(&serde_json::to_string(input).unwrap_or_default())
}

/// The same order again, or the key reused for another one.
fn same_order(existing: Order, input_hash: &str) -> Result<Order, PlaceError> {
    if existing.input_hash.is_empty() || existing.input_hash == input_hash {
        Ok(existing)
    } else {
        Err(PlaceError::IdempotencyKeyReused {
            existing_number: existing.number,
        })
    }
}

/// The key of a form sent without one (the static order page without JavaScript): the same
/// person sending the same form again within the same ten minutes gets the same order, so a
/// double click or a reload after a lost answer cannot order twice.
fn fallback_key(input: &OrderInput, user_id: &str, now: i64) -> String {
    let text = format!(
        "{user_id}|{}|{}",
        now.div_euclid(600),
        serde_json::to_string(input).unwrap_or_default()
    );
    format!("auto-{}", sha256_hex(&text))
}

/// The catalog snapshot, read when an order first needs it: a start-up (a Lambda cold start)
/// that answers other requests first never waits for reading it.
#[derive(Debug)]
enum Snapshot {
    Missing,
    Pending(std::path::PathBuf),
    Loaded(Arc<OrderCatalog>),
}

/// Reads a snapshot written by `csp build` (`function-data/catalog.json`).
pub fn read_snapshot(path: &Path) -> Result<OrderCatalog, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    OrderCatalog::read_json(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Which of the organisation's orders a person sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderScope {
    /// Every order of the organisation (administrators, and roles with the right
    /// "Alle Bestellungen der Organisation sehen").
    Organisation,
    /// Only the orders the person placed.
    Own,
}

impl OrderScope {
    /// The scope of the session's person, from their rights at this request.
    pub fn of(session: &SessionInfo) -> OrderScope {
        if session
            .rights()
            .has(crate::domain::model::Right::SeeAllOrders)
        {
            OrderScope::Organisation
        } else {
            OrderScope::Own
        }
    }

    /// Whether `order` is in this scope for the session's person.
    pub fn sees(self, session: &SessionInfo, order: &Order) -> bool {
        order.org_id == session.org.id
            && (self == OrderScope::Organisation || order.user_id == session.user.id)
    }
}

impl Orders {
    pub fn new(
        store: Arc<dyn PortalStore>,
        clock: Arc<dyn Clock>,
        settings: Settings,
        secret: Secret,
    ) -> Self {
        Self {
            store,
            clock,
            settings,
            secret,
            catalog: RwLock::new(Snapshot::Missing),
        }
    }

    pub fn store(&self) -> &Arc<dyn PortalStore> {
        &self.store
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Replaces the catalog snapshot (at start-up, and after each rebuild in `csp serve`).
    pub fn set_catalog(&self, catalog: OrderCatalog) {
        if let Ok(mut slot) = self.catalog.write() {
            *slot = Snapshot::Loaded(Arc::new(catalog));
        }
    }

    /// Uses the snapshot at `path` from now on, read when it is first needed.
    pub fn set_catalog_file(&self, path: &Path) {
        if let Ok(mut slot) = self.catalog.write() {
            *slot = Snapshot::Pending(path.to_owned());
        }
    }

    /// The current snapshot (read now if it has not been yet).
    pub fn catalog(&self) -> Result<Arc<OrderCatalog>, OrderError> {
        if let Ok(slot) = self.catalog.read() {
            match &*slot {
                Snapshot::Loaded(catalog) => return Ok(catalog.clone()),
                Snapshot::Missing => return Err(OrderError::NoCatalog),
                Snapshot::Pending(_) => {}
            }
        }
        let mut slot = self.catalog.write().map_err(|_| OrderError::NoCatalog)?;
        if let Snapshot::Pending(path) = &*slot {
            *slot = match read_snapshot(path) {
                Ok(catalog) => {
                    tracing::info!(path = %path.display(), offerings = catalog.offerings.len(), "order catalog loaded");
                    Snapshot::Loaded(Arc::new(catalog))
                }
                Err(e) => {
                    tracing::warn!(error = %e, "orders are unavailable: no catalog snapshot");
                    Snapshot::Missing
                }
            };
        }
        match &*slot {
            Snapshot::Loaded(catalog) => Ok(catalog.clone()),
            _ => Err(OrderError::NoCatalog),
        }
    }

    fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.settings.public_base_url)
    }

    fn account_link(&self, order: &Order) -> String {
        self.link(&format!("/api/konto/bestellungen/{}", order.id))
    }

    /// The decision link for `party` (without the `aktion` parameter).
    pub fn decision_link(&self, order: &Order, party: Party) -> String {
        let token = links::decision_token(&self.secret, &order.id, party, order.deadline);
        self.link(&format!("/api/entscheidung?token={token}"))
    }

    /// The bearer token of a provider or the intermediary.
    pub fn api_token(&self, party: &ApiParty) -> String {
        links::api_token(&self.secret, party)
    }

    /// The party of a bearer token.
    pub fn api_party(&self, token: &str) -> Option<ApiParty> {
        links::verify_api_token(&self.secret, token)
    }

    /// Where the party's mails go.
    fn address_of(&self, order: &Order, party: Party) -> Result<String, OrderError> {
        match party {
            Party::Intermediary => Ok(self.settings.intermediary_email.clone()),
            Party::Provider => {
                // The folder never holds the order address; the current snapshot does.
                let catalog = self.catalog()?;
                catalog
                    .offerings
                    .iter()
                    .find(|o| o.provider.id == order.provider_id)
                    .map(|o| o.provider.order_email.clone())
                    .ok_or_else(|| {
                        OrderError::NotAllowed(format!(
                            "provider {} is not in the catalog",
                            order.provider_id
                        ))
                    })
            }
            _ => Err(OrderError::NotAllowed("no address".into())),
        }
    }

    /// Places an order for the session's organisation, exactly once per idempotency key:
    /// a repeated or racing submission of the same form returns the first order and creates
    /// nothing; the key sent with other fields is refused with
    /// [`PlaceError::IdempotencyKeyReused`].
    pub async fn place(
        &self,
        session: &SessionInfo,
        input: &OrderInput,
    ) -> Result<Order, PlaceError> {
        let catalog = self.catalog()?;
        let input_hash = input_hash(input);
        let addresses = self.chosen_address(session, &input.billing_address).await?;
        let valid = match validate::validate_order(input, &catalog, &session.org, &addresses) {
            Ok(valid) => valid,
            Err(None) => return Err(OrderError::NotOrderable.into()),
            Err(Some(errors)) => return Err(OrderError::Invalid(errors).into()),
        };
        let mut valid = valid;
        if valid.idempotency_key.is_empty() {
            valid.idempotency_key = fallback_key(input, &session.user.id, self.now());
        }
        if let Some(existing) = self
            .store
            .find_order_by_key(&session.org.id, &valid.idempotency_key)
            .await?
        {
            return same_order(existing, &input_hash);
        }
        let (order, mails) = self
            .new_order(session, valid, &input_hash, None, &catalog)
            .await?;
        match self.store.create_order(&order, &mails).await? {
            CreatedOrder::New => {
                tracing::info!(event = "order_placed", order = %order.id, number = %order.number);
                Ok(order)
            }
            CreatedOrder::Existing(existing) => same_order(*existing, &input_hash),
        }
    }

    /// A new order of `valid` for the session's organisation, numbered from the counter,
    /// with its mails (to the customer, and to whoever decides first); nothing stored yet.
    pub(crate) async fn new_order(
        &self,
        session: &SessionInfo,
        valid: validate::ValidOrder<'_>,
        input_hash: &str,
        quantity: Option<u32>,
        catalog: &OrderCatalog,
    ) -> Result<(Order, Vec<OutgoingMail>), OrderError> {
        let now = self.now();
        let year = documents::iso_day(now)
            .get(..4)
            .unwrap_or("0000")
            .to_owned();
        let count = self
            .store
            .increment_counter(
                &format!("order-number:{year}"),
                now,
                now + 100 * 365 * 86_400,
            )
            .await?;
        let number = format!("CSP-{year}-{count:06}");
        let mut offering = valid.offering.clone();
        offering.provider.order_email = String::new();
        let org = &session.org;
        let order = Order {
            id: new_id(),
            number: number.clone(),
            org_id: org.id.clone(),
            user_id: session.user.id.clone(),
            idempotency_key: valid.idempotency_key.clone(),
            input_hash: input_hash.to_owned(),
            offering_id: offering.id.clone(),
            provider_id: offering.provider.id.clone(),
            contract_model: valid.contract_model,
            status: OrderStatus::Offen,
            created_at: now,
            deadline: now + DECISION_DAYS * 86_400,
            history: vec![HistoryEntry {
                at: now,
                by: Party::Customer,
                from: None,
                to: OrderStatus::Offen,
                reason: None,
            }],
            folder: ContractFolder {
                number,
                ordered_at: now,
                customer: FolderCustomer {
                    organisation: org.name.clone(),
                    legal_form: org.legal_form.clone(),
                    level: org
                        .level
                        .map_or("–", crate::domain::validation::level_name)
                        .to_owned(),
                    street: org.street.clone(),
                    postcode: org.postcode.clone(),
                    city: org.city.clone(),
                    in_house_capable: org.in_house_capable,
                    leitweg_id: org.leitweg_id.clone(),
                    orderer_name: session.user.name.clone(),
                    orderer_email: session.user.email.clone(),
                    orderer_phone: session.user.phone.clone(),
                },
                billing: valid.billing,
                reference: valid.reference,
                note: valid.note,
                offering,
                plan: valid.plan.clone(),
                contract_model: valid.contract_model,
                options: valid.options,
                quantity,
                agb_version: catalog.agb_version.clone(),
                agb_text: catalog.agb_text.clone(),
            },
        };
        let first = whose_turn(order.status, order.contract_model).unwrap_or(Party::Provider);
        let mails = vec![
            mails::order_received(&order, &self.account_link(&order), now),
            mails::decision_requested(
                &order,
                first,
                &self.address_of(&order, first)?,
                &self.decision_link(&order, first),
                now,
            ),
        ];
        Ok((order, mails))
    }

    /// The orders the session's person sees, newest first: all of the organisation's with
    /// the right "Alle Bestellungen der Organisation sehen", else their own.
    pub async fn orders_of(&self, session: &SessionInfo) -> Result<Vec<Order>, OrderError> {
        let scope = OrderScope::of(session);
        let mut orders = self.store.list_org_orders(&session.org.id).await?;
        orders.retain(|order| scope.sees(session, order));
        Ok(orders)
    }

    /// One order, if the session's person sees it ([`OrderScope`]); `NotFound` otherwise,
    /// the same answer as for an unknown id.
    pub async fn order_for(&self, session: &SessionInfo, id: &str) -> Result<Order, OrderError> {
        match self.store.get_order(id).await? {
            Some(order) if OrderScope::of(session).sees(session, &order) => Ok(order),
            _ => Err(OrderError::NotFound),
        }
    }

    /// The order and party behind a decision link, if it is valid and unused.
    pub async fn open_link(&self, token: &str) -> Result<(Order, LinkClaims), OrderError> {
        let claims =
            links::read_decision_token(&self.secret, token).ok_or(OrderError::InvalidLink)?;
        // Links expire with the decision period.
        if claims.expires_at <= self.now() {
            return Err(OrderError::PeriodEnded);
        }
        if self.store.is_link_used(&sha256_hex(token)).await? {
            return Err(OrderError::InvalidLink);
        }
        let order = self
            .store
            .get_order(&claims.order_id)
            .await?
            .ok_or(OrderError::InvalidLink)?;
        if order.expired_undecided() {
            return Err(OrderError::PeriodEnded);
        }
        Ok((order, claims))
    }

    /// Decides through a link from a mail; a confirmation or rejection uses the link up.
    pub async fn decide_by_link(&self, token: &str, action: Action) -> Result<Order, OrderError> {
        let (order, claims) = self.open_link(token).await?;
        let used = (!matches!(action, Action::Review)).then(|| UsedLink {
            hash: sha256_hex(token),
            expires_at: claims.expires_at,
        });
        self.decide(order, claims.party, action, used.as_ref())
            .await
    }

    /// Decides through the API with a bearer token's party.
    pub async fn decide_by_api(
        &self,
        party: &ApiParty,
        order_id: &str,
        action: Action,
    ) -> Result<Order, OrderError> {
        let order = self.order_for_party(party, order_id).await?;
        self.decide(order, party.party(), action, None).await
    }

    /// One order as a provider (its own) or the intermediary (Umklappvertrag) sees it.
    pub async fn order_for_party(&self, party: &ApiParty, id: &str) -> Result<Order, OrderError> {
        let order = self
            .store
            .get_order(id)
            .await?
            .ok_or(OrderError::NotFound)?;
        let visible = match party {
            ApiParty::Provider(provider) => &order.provider_id == provider,
            ApiParty::Intermediary => {
                order.contract_model == catalog::model::ContractModel::Umklappvertrag
            }
        };
        if visible {
            Ok(order)
        } else {
            Err(OrderError::NotFound)
        }
    }

    /// A party's orders, newest first.
    pub async fn orders_for_party(&self, party: &ApiParty) -> Result<Vec<Order>, OrderError> {
        Ok(match party {
            ApiParty::Provider(provider) => self.store.list_provider_orders(provider).await?,
            ApiParty::Intermediary => {
                let mut orders: Vec<Order> = self
                    .store
                    .list_undecided_orders()
                    .await?
                    .into_iter()
                    .filter(|o| o.contract_model == catalog::model::ContractModel::Umklappvertrag)
                    .collect();
                orders.sort_by(|a, b| newest_first(a.newest_key(), b.newest_key()));
                orders
            }
        })
    }

    /// Applies `action` by `party` through the state machine and writes it conditionally on
    /// the status it was decided from.
    async fn decide(
        &self,
        order: Order,
        party: Party,
        action: Action,
        link: Option<&UsedLink>,
    ) -> Result<Order, OrderError> {
        let now = self.now();
        if order.expired_undecided() || (!order.status.is_final() && now >= order.deadline) {
            return Err(OrderError::PeriodEnded);
        }
        let steps = transition(order.status, order.contract_model, party, &action)
            .map_err(|e| OrderError::NotAllowed(e.to_string()))?;
        let expected = order.status;
        let mut next = order;
        let reason = match &action {
            Action::Reject { reason } => Some(reason.trim().to_owned()),
            _ => None,
        };
        for step in &steps {
            next.history.push(HistoryEntry {
                at: now,
                by: step.by,
                from: Some(next.status),
                to: step.to,
                reason: if step.to.is_rejection() {
                    reason.clone()
                } else {
                    None
                },
            });
            next.status = step.to;
        }
        let mut mails: Vec<OutgoingMail> =
            vec![mails::status_changed(&next, &self.account_link(&next), now)];
        if next.status == OrderStatus::BestaetigtIntermediaer {
            mails.push(mails::decision_requested(
                &next,
                Party::Provider,
                &self.address_of(&next, Party::Provider)?,
                &self.decision_link(&next, Party::Provider),
                now,
            ));
        }
        if next.status == OrderStatus::AbgelehntAnbieterUv {
            mails.push(mails::provider_rejected_for_intermediary(
                &next,
                &self.settings.intermediary_email,
                now,
            ));
        }
        match self
            .store
            .update_order_status(&next, expected, link, &mails)
            .await
        {
            Ok(()) => {
                tracing::info!(event = "order_status", order = %next.id, from = expected.as_str(), to = next.status.as_str(), by = party.as_str());
                Ok(next)
            }
            Err(StoreError::Conflict) if link.is_some() => {
                // Either the link was used or someone decided meanwhile: both refuse the link.
                Err(OrderError::InvalidLink)
            }
            Err(StoreError::Conflict) => Err(OrderError::NotAllowed(
                "the order was changed meanwhile".into(),
            )),
            Err(StoreError::NotFound) => Err(OrderError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Undecided orders past their deadline, earliest first (the operator's list).
    pub async fn overdue(&self) -> Result<Vec<Order>, OrderError> {
        let now = self.now();
        Ok(self
            .store
            .list_undecided_orders()
            .await?
            .into_iter()
            .filter(|o| o.is_overdue(now))
            .collect())
    }

    /// Reminds the parties whose decision is due (on [`REMINDER_DAYS`]) and closes orders
    /// whose deadline passed without a decision. Each reminder and each closing happens once,
    /// also when two runs overlap: the reminder's single-use marker and the closing's
    /// condition on the status are written with the mails in one transaction.
    pub async fn enforce_deadlines(&self) -> Result<DeadlineWork, OrderError> {
        let mut work = DeadlineWork::default();
        for order in self.store.list_undecided_orders().await? {
            let now = self.now();
            let (id, number) = (order.id.clone(), order.number.clone());
            let done = if now >= order.deadline {
                self.close_at_deadline(order, now).await.map(|closed| {
                    work.expired += usize::from(closed);
                })
            } else if let Some(day) = order.due_reminder(now) {
                self.remind(&order, day, now).await.map(|queued| {
                    work.reminded += usize::from(queued);
                })
            } else {
                Ok(())
            };
            if let Err(e) = done {
                tracing::warn!(order = %id, %number, error = %e, "deadline work failed; the next run tries again");
                work.failed += 1;
            }
        }
        Ok(work)
    }

    /// Queues day `day`'s reminder to the party whose decision is due; `false` if it was
    /// queued before or the order moved on meanwhile.
    async fn remind(&self, order: &Order, day: i64, now: i64) -> Result<bool, OrderError> {
        let Some(party) = whose_turn(order.status, order.contract_model) else {
            return Ok(false);
        };
        let marker = UsedLink {
            hash: sha256_hex(&format!("deadline-reminder:v1:{}:{day}", order.id)),
            expires_at: order.deadline,
        };
        let mail = mails::decision_reminder(
            order,
            party,
            &self.address_of(order, party)?,
            &self.decision_link(order, party),
            now,
        );
        match self
            .store
            .queue_reminder(&order.id, order.status, &marker, &[mail])
            .await
        {
            Ok(()) => {
                tracing::info!(event = "order_reminder", order = %order.id, day, party = party.as_str());
                Ok(true)
            }
            Err(StoreError::Conflict | StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Closes an order whose deadline passed as rejected in the name of the party whose
    /// decision was due, telling the customer, the intermediary (Umklappvertrag) and the
    /// operator; `false` if it was decided or closed meanwhile.
    async fn close_at_deadline(&self, order: Order, now: i64) -> Result<bool, OrderError> {
        let Some(step) = expiry(order.status, order.contract_model) else {
            return Ok(false);
        };
        let expected = order.status;
        let mut next = order;
        next.history.push(HistoryEntry {
            at: now,
            by: step.by,
            from: Some(expected),
            to: step.to,
            reason: Some(EXPIRY_REASON.to_owned()),
        });
        next.status = step.to;
        let mut mails = vec![
            mails::status_changed(&next, &self.account_link(&next), now),
            mails::closed_at_deadline(&next, &self.settings.operator_email, now),
        ];
        if next.contract_model == catalog::model::ContractModel::Umklappvertrag {
            mails.push(mails::closed_at_deadline(
                &next,
                &self.settings.intermediary_email,
                now,
            ));
        }
        match self
            .store
            .update_order_status(&next, expected, None, &mails)
            .await
        {
            Ok(()) => {
                tracing::info!(event = "order_expired", order = %next.id, from = expected.as_str(), to = next.status.as_str());
                Ok(true)
            }
            Err(StoreError::Conflict | StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The saved address `id` the form chose for the bill (read under the session's
    /// organisation: an id of another organisation finds nothing), or none.
    pub(crate) async fn chosen_address(
        &self,
        session: &SessionInfo,
        id: &str,
    ) -> Result<Vec<Address>, OrderError> {
        if id.is_empty() || id.len() > catalog::forms::order::BILLING_ADDRESS.max_len {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .get_address(&session.org.id, id)
            .await?
            .into_iter()
            .collect())
    }

    /// The checks of [`Orders::place`] alone, storing nothing: for a form that must be sent
    /// again (it came without its CSRF token) but whose mistakes can be shown at once.
    pub async fn check_order(
        &self,
        session: &SessionInfo,
        input: &OrderInput,
    ) -> Result<(), OrderError> {
        let catalog = self.catalog()?;
        let addresses = self.chosen_address(session, &input.billing_address).await?;
        match validate::validate_order(input, &catalog, &session.org, &addresses) {
            Ok(_) => Ok(()),
            Err(None) => Err(OrderError::NotOrderable),
            Err(Some(errors)) => Err(OrderError::Invalid(errors)),
        }
    }

    /// The checks of [`Orders::report_need`] alone, storing nothing (see
    /// [`Orders::check_order`]).
    pub fn check_need(&self, input: &NeedInput) -> Result<(), OrderError> {
        let catalog = self.catalog()?;
        validate::validate_need(input, &catalog, &documents::iso_day(self.now()))
            .map(|_| ())
            .map_err(OrderError::InvalidNeed)
    }

    /// Stores a need and tells the operator.
    pub async fn report_need(
        &self,
        session: &SessionInfo,
        input: &NeedInput,
    ) -> Result<Need, OrderError> {
        let catalog = self.catalog()?;
        let now = self.now();
        let valid = validate::validate_need(input, &catalog, &documents::iso_day(now))
            .map_err(OrderError::InvalidNeed)?;
        let need = Need {
            id: new_id(),
            org_id: session.org.id.clone(),
            org_name: session.org.name.clone(),
            user_id: session.user.id.clone(),
            user_name: session.user.name.clone(),
            user_email: session.user.email.clone(),
            title: valid.title,
            description: valid.description,
            category: valid.category,
            category_name: valid.category_name,
            expected_users: valid.expected_users,
            wished_date: valid.wished_date,
            contact_preference: valid.contact_preference,
            created_at: now,
            handled: None,
        };
        let mail = mails::need_reported(&self.settings.operator_email, &need, now);
        self.store.create_need(&need, &mail).await?;
        tracing::info!(event = "need_reported", need = %need.id);
        Ok(need)
    }

    /// Every need, newest first.
    pub async fn needs(&self) -> Result<Vec<Need>, OrderError> {
        Ok(self.store.list_needs().await?)
    }
}
