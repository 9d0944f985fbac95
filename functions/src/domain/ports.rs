//! The store's ports: what the domain needs from persistence, in the domain's words.
//!
//! Each method is one atomic unit: a method that writes several records (a registration
//! with its e-mail marker, token and outbox mail; a decision with its invitation and mail)
//! writes all or nothing, and every status change is conditional on the expected status, so
//! two concurrent requests cannot both win. Methods are named after what the domain needs,
//! not after tables, so the DynamoDB single-table layout and the SQLite schema stay private
//! to their adapters in `crate::store`, which depend on these traits, never the reverse.
//!
//! Orders have their own port beside them, [`crate::domain::orders::ports`], in the same
//! style.

use async_trait::async_trait;

use crate::domain::model::{
    Address, AuditEntry, Decision, NewRegistration, OrgStatus, Organisation, OutgoingMail, Role,
    Session, TokenRecord, User,
};

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A registration for an address that already has an account.
    #[error("the e-mail address is already registered")]
    EmailTaken,
    /// Another record of the organisation has this name (a role's name).
    #[error("the name is already taken")]
    NameTaken,
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// A condition failed: a token already used or expired, a status other than expected.
    #[error("the record is not in the expected state")]
    Conflict,
    /// The database failed (I/O, network, throttling, a bug).
    #[error("store backend: {0}")]
    Backend(String),
    /// The database file cannot be written (found when the store is opened).
    #[error(
        "Die Datenbank {path} kann nicht geschrieben werden: {cause}. Prüfen Sie die Rechte der Datei und ihres Ordners. (The database file cannot be written.)"
    )]
    NotWritable {
        path: std::path::PathBuf,
        cause: String,
    },
}

/// The function's persistent state.
#[async_trait]
pub trait Store: Send + Sync {
    /// Writes organisation, user, e-mail marker, confirmation token and mail atomically;
    /// [`StoreError::EmailTaken`] if the address exists (then nothing is written).
    async fn create_registration(&self, registration: &NewRegistration) -> Result<(), StoreError>;

    async fn get_org(&self, org_id: &str) -> Result<Option<Organisation>, StoreError>;

    /// Organisations with `status`, oldest first.
    async fn list_orgs_by_status(&self, status: OrgStatus)
    -> Result<Vec<Organisation>, StoreError>;

    async fn get_user(&self, user_id: &str) -> Result<Option<User>, StoreError>;

    /// The user with this normalised address.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;

    async fn get_token(&self, token_hash: &str) -> Result<Option<TokenRecord>, StoreError>;

    /// Uses the confirmation token (unused, not expired at `now`) and moves the organisation
    /// from `AwaitingConfirmation` to `AwaitingReview`, queueing `mail`; else `Conflict`.
    async fn confirm_email(
        &self,
        token_hash: &str,
        org_id: &str,
        now: i64,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError>;

    /// Moves the organisation from `AwaitingReview` to `Approved` or `Rejected`, stores the
    /// invitation token (on approval) and queues `mail`; `Conflict` if not awaiting review,
    /// `NotFound` if there is no such organisation.
    async fn decide_registration(
        &self,
        org_id: &str,
        decision: &Decision,
        now: i64,
        invite: Option<&TokenRecord>,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError>;

    /// Stores a new token and queues its mail.
    async fn issue_token(&self, token: &TokenRecord, mail: &OutgoingMail)
    -> Result<(), StoreError>;

    /// Uses the token (unused, not expired at `now`) and sets the user's password hash;
    /// `Conflict` otherwise.
    async fn set_password(
        &self,
        token_hash: &str,
        user_id: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Stores a session; the id hash must be new.
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;

    async fn get_session(&self, id_hash: &str) -> Result<Option<Session>, StoreError>;

    /// Records activity; `expires_at` is when the store may forget it (TTL).
    async fn touch_session(
        &self,
        id_hash: &str,
        last_seen: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;

    /// Deletes a session (no error if it does not exist).
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError>;

    /// Deletes every session of a user (after a password change).
    async fn delete_user_sessions(&self, user_id: &str) -> Result<(), StoreError>;

    /// Queues a mail on its own.
    async fn enqueue_mail(&self, mail: &OutgoingMail) -> Result<(), StoreError>;

    /// Unsent mails not leased by another sender at `now`, leased until `lease_until`.
    async fn claim_mails(
        &self,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<OutgoingMail>, StoreError>;

    /// Marks a mail sent: it leaves the outbox.
    async fn mark_mail_sent(&self, mail_id: &str, now: i64) -> Result<(), StoreError>;

    /// Adds one to the counter `key` and returns the new count; the counter may be
    /// forgotten after `expires_at` and counts as absent from then on. Used for rate limits
    /// (the key names the window) and for single-use markers (first use returns 1).
    async fn increment_counter(
        &self,
        key: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError>;

    /// The counter `key` if it is live at `now` (a read; counts nothing).
    async fn read_counter(&self, key: &str, now: i64) -> Result<Option<Counter>, StoreError>;

    /// Forgets the counter `key` (no error if it does not exist).
    async fn delete_counter(&self, key: &str) -> Result<(), StoreError>;

    /// Deletes a registration whose address was never confirmed (the organisation, its
    /// administrator, the e-mail address's claim, the confirmation link), if the
    /// organisation is still `AwaitingConfirmation`: the address can register again.
    /// `Conflict` if it was confirmed meanwhile, `NotFound` if it is gone.
    async fn delete_unconfirmed_registration(&self, org: &Organisation) -> Result<(), StoreError>;

    /// Forgets the records that expired by `now` (sessions, link tokens, used decision
    /// links, counters, mails sent more than 30 days ago) where the database does not
    /// forget them by itself (DynamoDB does, through its TTL); returns how many.
    async fn remove_expired(&self, now: i64) -> Result<u64, StoreError>;

    // ---- the people of an organisation ----------------------------------------------------
    //
    // Every change of a person is conditional on the organisation and the person being
    // exactly as the domain read them (`org`, `before`), so two administrators acting at
    // once, or the operator changing the Hauptadmin meanwhile, cannot both win; and none
    // touches the organisation's Hauptadmin (`Conflict`). Each writes its audit entry (and
    // its mails) in the same transaction.

    /// The people of an organisation (invited, active and deactivated), in no set order.
    async fn list_org_users(&self, org_id: &str) -> Result<Vec<User>, StoreError>;

    /// Adds an invited person with their invitation link, its mail and the audit entry;
    /// [`StoreError::EmailTaken`] if the address has an account (then nothing is written).
    async fn add_member(
        &self,
        user: &User,
        invite: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Replaces `before` by `after` (role, deactivation) and queues `mails`.
    async fn update_member(
        &self,
        org: &Organisation,
        before: &User,
        after: &User,
        mails: &[OutgoingMail],
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Deletes the person (the address becomes free); sessions are ended separately.
    async fn delete_member(
        &self,
        org: &Organisation,
        before: &User,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Makes `before` (an active person of `org` with a password) the Hauptadmin; the
    /// previous one stays an Organisationsadmin. `Conflict` if either changed meanwhile.
    async fn change_hauptadmin(
        &self,
        org: &Organisation,
        before: &User,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// "Einladung erneut senden": a new invitation link for `member` (still invited: no
    /// password, not deactivated, unchanged since read) with its mail and the audit entry;
    /// every earlier password link of the person is void. `Conflict` if the person changed
    /// meanwhile (e.g. accepted the invitation).
    async fn reissue_invitation(
        &self,
        member: &User,
        token: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Replaces a person's own record (name, phone, password) if it is still `before`;
    /// `Conflict` otherwise, `NotFound` if it is gone.
    async fn update_user(&self, before: &User, after: &User) -> Result<(), StoreError>;

    /// Replaces the organisation's record (its "Ergänzende Angaben") if it is still
    /// `before`, with the audit entry; `Conflict` otherwise.
    async fn update_organisation(
        &self,
        before: &Organisation,
        after: &Organisation,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// The organisation's audit trail, newest first.
    async fn list_audit(&self, org_id: &str) -> Result<Vec<AuditEntry>, StoreError>;

    // ---- the addresses of an organisation ---------------------------------------------------
    //
    // Exactly one address of an organisation that has any is its Standardadresse: the
    // first address is added as the default (and only then), the default cannot be
    // deleted, and another becomes the default in one conditional write. Each change
    // writes its audit entry (if any) in the same transaction, and changes or deletes an
    // address only as the domain read it (`Conflict` otherwise, `NotFound` if gone).

    /// The organisation's addresses with `is_default` set, in no set order.
    async fn list_addresses(&self, org_id: &str) -> Result<Vec<Address>, StoreError>;

    /// The address `id` if it belongs to `org_id` (an address of another organisation is
    /// `None`, as an unknown one).
    async fn get_address(&self, org_id: &str, id: &str) -> Result<Option<Address>, StoreError>;

    /// Adds an address. With `address.is_default` it is the organisation's first address
    /// and its Standardadresse: `Conflict` if the organisation has a default already (or
    /// the id is taken). Without, the organisation must have a default already (`Conflict`).
    async fn add_address(
        &self,
        address: &Address,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError>;

    /// Replaces `before` by `after` (the same id and organisation; which one is the
    /// default does not change here).
    async fn update_address(
        &self,
        before: &Address,
        after: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Deletes the address as read; `Conflict` if it is the Standardadresse.
    async fn delete_address(&self, before: &Address, audit: &AuditEntry) -> Result<(), StoreError>;

    /// Makes `to` the Standardadresse instead of `from` (both of one organisation, `from`
    /// the default as read); `Conflict` if the default changed meanwhile or either address
    /// is gone or changed.
    async fn set_default_address(
        &self,
        from: &Address,
        to: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    // ---- named roles --------------------------------------------------------------------
    //
    // A person's `role_id` names a role of their own organisation that exists: the writes
    // above that give a person a role (`add_member`, `update_member`) are conditional on
    // the role existing in the person's organisation (`Conflict` if not), and a role is
    // deleted only while nobody holds it. Names are unique per organisation
    // (case-insensitive, [`Role::name_key`]).

    /// The organisation's roles, in no set order.
    async fn list_roles(&self, org_id: &str) -> Result<Vec<Role>, StoreError>;

    async fn get_role(&self, role_id: &str) -> Result<Option<Role>, StoreError>;

    /// Adds a role with its audit entry; [`StoreError::NameTaken`] if the organisation has
    /// a role of that name (then nothing is written).
    async fn create_role(&self, role: &Role, audit: &AuditEntry) -> Result<(), StoreError>;

    /// Replaces `before` (name, rights) if it is still as read, queueing `mails` (to its
    /// holders); `Conflict` otherwise, `NameTaken` if the new name belongs to another role.
    async fn update_role(
        &self,
        before: &Role,
        after: &Role,
        mails: &[OutgoingMail],
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Deletes the role if it is still as read and nobody holds it; `Conflict` otherwise.
    async fn delete_role(&self, role: &Role, audit: &AuditEntry) -> Result<(), StoreError>;
}

/// A live counter: its count and when it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub count: u64,
    pub expires_at: i64,
}
