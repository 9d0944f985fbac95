//! The work that falls due with time rather than with a request: deadline reminders and
//! expiries of orders, the clean-up of expired records, unconfirmed registrations and
//! unconfirmed newsletter addresses, and
//! the delivery (and retry) of queued mails.
//!
//! One code path for every trigger: the EventBridge schedule on Lambda (see `main.rs`), a
//! timer in `csp serve` and `csp-function serve` ([`run_forever`]), and
//! `csp-function admin run-due-work` by hand. Each step is safe when two runs overlap: the
//! reminders and expiries are conditional writes (see [`crate::domain::orders::Orders::enforce_deadlines`]),
//! deleting a registration is conditional on its status, and mails are leased before sending.

use std::time::Duration;

use serde::Serialize;

use crate::domain::model::OrgStatus;
use crate::domain::ports::StoreError;
use crate::state::AppState;

/// How often the local servers run the due work (the SAM template's schedule says the same
/// for Lambda).
pub const PERIOD: Duration = Duration::from_secs(5 * 60);

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DueWork {
    /// Deadline reminders queued.
    pub reminded: usize,
    /// Orders closed at their deadline.
    pub expired: usize,
    /// Registrations whose address was never confirmed, deleted.
    pub registrations_removed: usize,
    /// Newsletter addresses whose confirmation link expired unused, deleted.
    pub subscriptions_removed: usize,
    /// Expired sessions, links, counters and old sent mails forgotten.
    pub records_removed: u64,
    /// Mails delivered.
    pub mails_sent: usize,
    /// Steps or records that failed (logged; the next run tries again).
    pub failed: usize,
}

impl AppState {
    /// Runs everything that is due now, once. Failures are logged and counted, and never
    /// stop the other steps.
    pub async fn run_due_work(&self) -> DueWork {
        let mut work = DueWork::default();
        match self.orders.enforce_deadlines().await {
            Ok(deadlines) => {
                work.reminded = deadlines.reminded;
                work.expired = deadlines.expired;
                work.failed += deadlines.failed;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not enforce the order deadlines");
                work.failed += 1;
            }
        }
        match self.remove_unconfirmed_registrations().await {
            Ok(removed) => work.registrations_removed = removed,
            Err(e) => {
                tracing::warn!(error = %e, "could not remove unconfirmed registrations");
                work.failed += 1;
            }
        }
        match self.newsletter.remove_unconfirmed().await {
            Ok(removed) => work.subscriptions_removed = removed,
            Err(e) => {
                tracing::warn!(error = %e, "could not remove unconfirmed newsletter addresses");
                work.failed += 1;
            }
        }
        match self
            .accounts
            .store()
            .remove_expired(self.accounts.now())
            .await
        {
            Ok(removed) => work.records_removed = removed,
            Err(e) => {
                tracing::warn!(error = %e, "could not remove expired records");
                work.failed += 1;
            }
        }
        // Last, so that the reminders and notices queued above leave in the same run.
        work.mails_sent = self.outbox.deliver_all().await;
        tracing::info!(
            event = "due_work",
            reminded = work.reminded,
            expired = work.expired,
            registrations_removed = work.registrations_removed,
            subscriptions_removed = work.subscriptions_removed,
            records_removed = work.records_removed,
            mails_sent = work.mails_sent,
            failed = work.failed
        );
        work
    }

    /// Deletes the registrations whose confirmation link expired unused, so the address can
    /// register again and no personal data is kept without purpose.
    async fn remove_unconfirmed_registrations(&self) -> Result<usize, StoreError> {
        let store = self.accounts.store();
        let now = self.accounts.now();
        let ttl = self.orders.settings().confirm_ttl_secs;
        let mut removed = 0;
        for org in store
            .list_orgs_by_status(OrgStatus::AwaitingConfirmation)
            .await?
        {
            if org.created_at + ttl > now {
                // Oldest first: the rest are younger still.
                break;
            }
            match store.delete_unconfirmed_registration(&org).await {
                Ok(()) => {
                    tracing::info!(event = "registration_removed", org = %org.id);
                    removed += 1;
                }
                // Confirmed or removed by another run meanwhile.
                Err(StoreError::Conflict | StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(removed)
    }
}

/// Runs the due work every `period` until the process ends (spawn it beside a local server).
pub async fn run_forever(state: AppState, period: Duration) {
    let mut timer = tokio::time::interval(period);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        timer.tick().await;
        state.run_due_work().await;
    }
}
