//! Time as seconds since the Unix epoch, behind a trait so tests can move it forward.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the domain gets "now" from.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
}

// ---- times as the portal shows them (German, in Berlin) --------------------------------

/// German time in Berlin, e.g. `22.11.2026, 14:05 Uhr`.
pub fn german_datetime(ts: i64) -> String {
    match berlin(ts) {
        Some(z) => format!(
            "{:02}.{:02}.{:04}, {:02}:{:02} Uhr",
            z.day(),
            z.month(),
            z.year(),
            z.hour(),
            z.minute()
        ),
        None => ts.to_string(),
    }
}

/// German date in Berlin, e.g. `22.11.2026`.
pub fn german_day(ts: i64) -> String {
    match berlin(ts) {
        Some(z) => format!("{:02}.{:02}.{:04}", z.day(), z.month(), z.year()),
        None => ts.to_string(),
    }
}

/// ISO date in Berlin (`2026-11-22`), for comparing with form dates.
pub fn iso_day(ts: i64) -> String {
    berlin(ts).map_or_else(String::new, |z| z.date().to_string())
}

fn berlin(ts: i64) -> Option<jiff::Zoned> {
    let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_second(ts)
        .ok()
        .map(|t| t.to_zoned(tz))
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to (tests of expiry and timeouts).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// Starts at `now`.
    pub fn new(now: i64) -> Self {
        Self(AtomicI64::new(now))
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
