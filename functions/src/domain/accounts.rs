//! The account flows: register, confirm, review, set password, sign in, session, sign out;
//! the people of an organisation in [`members`].

pub mod addresses;
pub mod input;
pub mod members;
pub mod profile;
pub mod roles;
pub mod second_factor;
pub mod validate;

use std::sync::Arc;

use super::clock::Clock;
use super::human_check::{self, HumanCheckError};
use super::mails;
use super::model::{
    Decision, MemberRole, NewRegistration, OrgStatus, Organisation, Session, TokenKind,
    TokenRecord, User,
};
use super::password;
use super::tokens::{Secret, is_well_formed_token, new_id, new_secret_token, sha256_hex};
use super::validation::{self, FieldErrors};
use crate::domain::ports::{Store, StoreError};
use input::{
    AccountField, AccountProblems, HumanCheckField, HumanCheckInput, RegistrationInput,
    SetPasswordInput, SignInField, SignInInput,
};

/// At most `max` events per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u64,
    pub window_secs: i64,
}

/// Rate limits; counted in the store, so they hold across Lambda instances.
///
/// Sign-in (OWASP ASVS 2.2.1: slow an attacker down without locking the owner out):
/// - per address and client pair, exponential back-off: after `sign_in_free_failures`
///   wrong passwords each further one makes the pair wait before its next try, twice as long
///   each time (1 s, 2 s, 4 s … up to `sign_in_max_delay_secs`); a successful sign-in clears the pair's count. An
///   attacker's failures never delay the owner's own client.
/// - per client, `sign_in_per_client` wrong passwords (any address) per window, then that
///   client is refused until the window ends: one machine cannot spray many accounts.
/// - per address, `sign_in_per_account` wrong passwords (all clients) per window, then only
///   clients that have signed in to this address before may still try (the owner's), each
///   with its own back-off: a distributed guess gets at most this many tries per window.
///
/// Only wrong passwords count; a successful sign-in never does.
///
/// Password reset: a client may ask `reset_per_client` times per window (then 429); an
/// address gets at most `reset_per_account.max` mails per `reset_per_account.window_secs`;
/// further requests answer the same but send nothing, so the owner always has the newest
/// link in the mailbox (an earlier one is void once a newer one is issued).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub registration_per_client: RateLimit,
    pub sign_in_per_account: RateLimit,
    pub sign_in_per_client: RateLimit,
    pub sign_in_free_failures: u64,
    pub sign_in_max_delay_secs: i64,
    pub reset_per_account: RateLimit,
    pub reset_per_client: RateLimit,
    /// Invitation mails (new and sent again) per organisation.
    pub invitations_per_org: RateLimit,
    /// "Einladung erneut senden" by the operator to the first Hauptadministration of one
    /// provider's or the intermediary's organisation.
    pub party_invitations_per_org: RateLimit,
    /// Newsletter form submissions per client (then 429).
    pub newsletter_per_client: RateLimit,
    /// Mails the newsletter form sends to one address (confirmation links, notices); further
    /// submissions answer the same and send nothing, so the form cannot flood a mailbox.
    pub newsletter_mails_per_address: RateLimit,
    /// Second factors one operator resets from the console (then 429).
    pub factor_resets_per_operator: RateLimit,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            registration_per_client: RateLimit {
                max: 10,
                window_secs: 3600,
            },
            sign_in_per_account: RateLimit {
                max: 100,
                window_secs: 3600,
            },
            sign_in_per_client: RateLimit {
                max: 100,
                window_secs: 3600,
            },
            sign_in_free_failures: 5,
            sign_in_max_delay_secs: 15 * 60,
            reset_per_account: RateLimit {
                max: 1,
                window_secs: 5 * 60,
            },
            reset_per_client: RateLimit {
                max: 20,
                window_secs: 3600,
            },
            invitations_per_org: RateLimit {
                max: 30,
                window_secs: 3600,
            },
            party_invitations_per_org: RateLimit {
                max: 5,
                window_secs: 3600,
            },
            newsletter_per_client: RateLimit {
                max: 20,
                window_secs: 3600,
            },
            newsletter_mails_per_address: RateLimit {
                max: 3,
                window_secs: 24 * 3600,
            },
            factor_resets_per_operator: RateLimit {
                max: 10,
                window_secs: 3600,
            },
        }
    }
}

impl RateLimit {
    /// The counter key of the fixed window `now` falls in for `subject` under `name` (the
    /// subject hashed: no personal data in keys), and when that window ends. Count with
    /// the store's `increment_counter(key, now, end)`; over `max` is refused.
    pub(crate) fn window_key(self, name: &str, subject: &str, now: i64) -> (String, i64) {
        let window = self.window_secs.max(1);
        let start = now.div_euclid(window);
        (
            format!("{}:{start}", Accounts::counter_key(name, subject)),
            (start + 1) * window,
        )
    }
}

/// How long the pair waits after its `failures`-th wrong password: nothing for the first
/// `free`, then 1 s, 2 s, 4 s … up to `max_delay`.
fn back_off(failures: u64, free: u64, max_delay: i64) -> i64 {
    if failures <= free {
        return 0;
    }
    let exponent = u32::try_from(failures - free - 1)
        .unwrap_or(u32::MAX)
        .min(40);
    (1_i64 << exponent).min(max_delay.max(1))
}

/// What the account flows are configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where people reach the portal, without trailing slash (`https://portal.example`);
    /// links in e-mails start with it and its origin is the only one allowed to post.
    pub public_base_url: String,
    /// Further origins allowed to post (e.g. a preview host).
    pub extra_origins: Vec<String>,
    /// Who reviews registrations and receives reported needs.
    pub operator_email: String,
    /// The intermediary of the Umklappvertrag (govdigital eG): decides such orders first.
    pub intermediary_email: String,
    /// Versions recorded with the consent at registration.
    pub agb_version: String,
    pub privacy_version: String,
    /// Session timeouts in seconds.
    pub session_idle_secs: i64,
    pub session_absolute_secs: i64,
    /// Token lifetimes in seconds.
    pub confirm_ttl_secs: i64,
    pub invite_ttl_secs: i64,
    pub reset_ttl_secs: i64,
    /// How long a member's invitation link is valid.
    pub member_invite_ttl_secs: i64,
    pub limits: Limits,
    /// Proof-of-work difficulty (the browser tries on average half of this).
    pub altcha_max_number: u64,
    /// Where to send people after signing in.
    pub after_sign_in: String,
}

impl Settings {
    /// Defaults for a portal at `public_base_url`.
    pub fn new(public_base_url: &str) -> Self {
        Self {
            public_base_url: public_base_url.trim_end_matches('/').to_owned(),
            extra_origins: Vec::new(),
            operator_email: "betrieb@cloud-service-portal.invalid".to_owned(),
            intermediary_email: "intermediaer@govdigital.invalid".to_owned(),
            agb_version: "2025-01".to_owned(),
            privacy_version: "2025-01".to_owned(),
            session_idle_secs: 60 * 60,
            session_absolute_secs: 12 * 60 * 60,
            confirm_ttl_secs: 24 * 60 * 60,
            invite_ttl_secs: 72 * 60 * 60,
            reset_ttl_secs: 60 * 60,
            member_invite_ttl_secs: 7 * 24 * 60 * 60,
            limits: Limits::default(),
            altcha_max_number: 50_000,
            after_sign_in: "/api/konto".to_owned(),
        }
    }

    /// Origins allowed to send state-changing requests.
    pub fn allowed_origins(&self) -> Vec<String> {
        let mut origins = vec![super::csrf::origin_of(&self.public_base_url)];
        origins.extend(self.extra_origins.iter().cloned());
        origins
    }
}

/// Why an account operation did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Input to correct, one German message per field (the forms that still hand their
    /// fields by name).
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// Typed input to correct, one German message per field ([`input::AccountField`]).
    #[error("invalid input")]
    Problems(AccountProblems),
    /// Too many attempts; retry after this many seconds.
    #[error("rate limited")]
    RateLimited { retry_after: i64 },
    /// Wrong address or password, or an account that may not sign in (never says which).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// A link token that is unknown, used or expired (never says which).
    #[error("invalid link")]
    InvalidLink,
    #[error("not found")]
    NotFound,
    /// The record is not in the state the operation needs (e.g. already decided).
    #[error("conflict")]
    Conflict,
    /// The person may not do this (403); the message says why.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Store(StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AccountError::NotFound,
            StoreError::Conflict => AccountError::Conflict,
            other => AccountError::Store(other),
        }
    }
}

/// A passed human check.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HumanPassed {
    /// The question's token is already recorded as answered.
    QuestionAnswered,
    /// A solved challenge, with the key that records it as used.
    ProofOfWork(String),
}

/// A signed-in person, as a session check sees them.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id_hash: String,
    pub user: User,
    pub org: Organisation,
    /// The token state-changing requests in this session must carry.
    pub csrf_token: String,
    /// The named role the person holds, as read at this request (only for a
    /// Mitarbeiter/in: administrators hold every right anyway).
    pub role: Option<super::model::Role>,
}

impl SessionInfo {
    /// What the person may do: see [`roles::require`], the check every route makes.
    pub fn rights(&self) -> roles::Rights {
        roles::Rights::of(
            super::model::Standing::of(&self.org, &self.user),
            self.role.as_ref(),
        )
    }
}

/// The result of a successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The new cookie value (the session id; the store knows only its hash).
    pub session_id: String,
    pub info: SessionInfo,
}

/// Where a right password leads.
#[derive(Debug, Clone)]
pub enum SignInStep {
    /// Signed in.
    Done(Box<SignedIn>),
    /// The person has a second factor: the code is asked for next, with this pending
    /// sign-in (signed, valid for minutes, usable once).
    SecondFactor { pending: String },
}

/// The account flows over a store.
pub struct Accounts {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: Settings,
    secret: Secret,
}

impl Accounts {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: Settings,
        secret: Secret,
    ) -> Self {
        Self {
            store,
            clock,
            settings,
            secret,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.settings.public_base_url)
    }

    /// The counter key for `subject` (hashed: no personal data in keys) under `name`.
    fn counter_key(name: &str, subject: &str) -> String {
        let digest = sha256_hex(subject);
        format!("rate:{name}:{}", &digest[..32])
    }

    /// The key of the fixed window `limit` is counted in now, and when that window ends.
    fn window_key(&self, name: &str, subject: &str, limit: RateLimit) -> (String, i64) {
        limit.window_key(name, subject, self.now())
    }

    /// Counts one event against `limit` for `subject`.
    async fn rate_limit(
        &self,
        name: &str,
        subject: &str,
        limit: RateLimit,
    ) -> Result<(), AccountError> {
        let now = self.now();
        let (key, end) = self.window_key(name, subject, limit);
        let count = self.store.increment_counter(&key, now, end).await?;
        if count > limit.max {
            Err(AccountError::RateLimited {
                retry_after: end - now,
            })
        } else {
            Ok(())
        }
    }

    /// Whether `limit` is used up for `subject` (counts nothing).
    async fn limit_reached(
        &self,
        name: &str,
        subject: &str,
        limit: RateLimit,
    ) -> Result<Option<i64>, AccountError> {
        let now = self.now();
        let (key, end) = self.window_key(name, subject, limit);
        let count = self
            .store
            .read_counter(&key, now)
            .await?
            .map_or(0, |c| c.count);
        Ok((count >= limit.max).then_some(end - now))
    }

    /// Refuses a sign-in attempt the policy on [`Limits`] does not allow now.
    async fn sign_in_allowed(&self, email: &str, client: &str) -> Result<(), AccountError> {
        let limits = &self.settings.limits;
        let now = self.now();
        if let Some(retry_after) = self
            .limit_reached("sign-in-client", client, limits.sign_in_per_client)
            .await?
        {
            return Err(AccountError::RateLimited { retry_after });
        }
        let pair = format!("{email}\n{client}");
        if let Some(wait) = self
            .store
            .read_counter(&Self::counter_key("sign-in-wait", &pair), now)
            .await?
        {
            return Err(AccountError::RateLimited {
                retry_after: (wait.expires_at - now).max(1),
            });
        }
        if let Some(retry_after) = self
            .limit_reached("sign-in-account", email, limits.sign_in_per_account)
            .await?
        {
            let known = self
                .store
                .read_counter(&Self::counter_key("sign-in-known", &pair), now)
                .await?
                .is_some();
            if !known {
                return Err(AccountError::RateLimited { retry_after });
            }
        }
        Ok(())
    }

    /// Counts a wrong password for the client, the address and their pair, and starts the
    /// pair's wait once its free failures are used up.
    async fn sign_in_failed(&self, email: &str, client: &str) -> Result<(), AccountError> {
        let limits = &self.settings.limits;
        let now = self.now();
        for (name, subject, limit) in [
            ("sign-in-client", client, limits.sign_in_per_client),
            ("sign-in-account", email, limits.sign_in_per_account),
        ] {
            let (key, end) = self.window_key(name, subject, limit);
            self.store.increment_counter(&key, now, end).await?;
        }
        let pair = format!("{email}\n{client}");
        let failures = self
            .store
            .increment_counter(
                &Self::counter_key("sign-in-failures", &pair),
                now,
                now + 24 * 60 * 60,
            )
            .await?;
        let delay = back_off(
            failures,
            limits.sign_in_free_failures,
            limits.sign_in_max_delay_secs,
        );
        if delay > 0 {
            self.store
                .increment_counter(&Self::counter_key("sign-in-wait", &pair), now, now + delay)
                .await?;
        }
        Ok(())
    }

    /// After a successful sign-in: the pair's failures are forgotten and the client is known
    /// to the address (it may still try while the address is under a distributed attack).
    async fn sign_in_succeeded(&self, email: &str, client: &str) -> Result<(), AccountError> {
        let now = self.now();
        let pair = format!("{email}\n{client}");
        self.store
            .delete_counter(&Self::counter_key("sign-in-failures", &pair))
            .await?;
        self.store
            .delete_counter(&Self::counter_key("sign-in-wait", &pair))
            .await?;
        let known = Self::counter_key("sign-in-known", &pair);
        self.store.delete_counter(&known).await?;
        self.store
            .increment_counter(&known, now, now + 90 * 24 * 60 * 60)
            .await?;
        Ok(())
    }

    /// A new proof-of-work challenge.
    pub fn altcha_challenge(&self) -> human_check::Challenge {
        human_check::create_challenge(
            &self.secret,
            self.now(),
            self.settings.altcha_max_number,
            20 * 60,
        )
    }

    /// A new fallback question for browsers without JavaScript.
    pub fn fallback_question(&self) -> human_check::Question {
        human_check::create_question(&self.secret, self.now(), 60 * 60)
    }

    /// Verifies the human check of a form. A question token is recorded as answered before
    /// its answer is looked at, so one token allows exactly one answer (a wrong one gets a new
    /// question); on success returns the proof of work's replay key, still to be recorded.
    async fn check_human(
        &self,
        input: &HumanCheckInput,
        errors: &mut AccountProblems,
    ) -> Result<Option<HumanPassed>, AccountError> {
        let now = self.now();
        let payload = input.proof_of_work.as_str();
        let (field, result) = if payload.is_empty() {
            let answer = input.answer.as_str();
            let result = if answer.is_empty() {
                Err(HumanCheckError::Missing)
            } else {
                match human_check::open_question(&self.secret, &input.question_token, now) {
                    Ok(question) => {
                        let answers = self
                            .store
                            .increment_counter(&question.used_key, now, question.expires + 60)
                            .await?;
                        if answers > 1 {
                            Err(HumanCheckError::Replayed)
                        } else {
                            question
                                .check(&self.secret, answer)
                                .map(|()| HumanPassed::QuestionAnswered)
                        }
                    }
                    Err(e) => Err(e),
                }
            };
            (HumanCheckField::Answer, result)
        } else {
            (
                HumanCheckField::ProofOfWork,
                human_check::verify_solution(&self.secret, payload, now)
                    .map(HumanPassed::ProofOfWork),
            )
        };
        Ok(match result {
            Ok(passed) => Some(passed),
            Err(error) => {
                let message = match error {
                    HumanCheckError::Missing => "Bitte beantworten Sie die Sicherheitsfrage.",
                    HumanCheckError::Expired => {
                        "Die Sicherheitsprüfung ist abgelaufen. Bitte beantworten Sie die neue Frage."
                    }
                    HumanCheckError::Replayed => {
                        "Diese Sicherheitsfrage wurde bereits beantwortet. Bitte beantworten Sie die neue Frage."
                    }
                    _ => {
                        "Die Antwort auf die Sicherheitsfrage stimmt nicht. Bitte beantworten Sie die neue Frage."
                    }
                };
                errors.add(AccountField::HumanCheck(field), message);
                None
            }
        })
    }

    /// The human check of a form other than the registration (the newsletter), with the
    /// same fields and rules: on success a proof of work is recorded as used at once.
    /// `Ok(false)` with the message in `errors` when it did not pass.
    pub(crate) async fn pass_human_check(
        &self,
        input: &HumanCheckInput,
        errors: &mut AccountProblems,
    ) -> Result<bool, AccountError> {
        let Some(passed) = self.check_human(input, errors).await? else {
            return Ok(false);
        };
        let now = self.now();
        if let HumanPassed::ProofOfWork(replay_key) = &passed
            && self
                .store
                .increment_counter(replay_key, now, now + 2 * 60 * 60)
                .await?
                > 1
        {
            errors.add(
                AccountField::HumanCheck(HumanCheckField::ProofOfWork),
                "Diese Sicherheitsprüfung wurde bereits verwendet. Bitte beantworten Sie die neue Frage.",
            );
            return Ok(false);
        }
        Ok(true)
    }

    /// Counts one event against `limit` for `subject` under `name` (a newsletter's limits).
    pub(crate) async fn count_against(
        &self,
        name: &str,
        subject: &str,
        limit: RateLimit,
    ) -> Result<(), AccountError> {
        self.rate_limit(name, subject, limit).await
    }

    /// Registers an organisation and its administrator, and sends the confirmation link.
    ///
    /// Answers the same whether or not the address already has an account (the owner of
    /// an existing address gets a notice instead), and pretends success for a filled
    /// honeypot without storing anything.
    pub async fn register(
        &self,
        input: &RegistrationInput,
        client: &str,
    ) -> Result<(), AccountError> {
        if !input.human.honeypot.is_empty() {
            tracing::info!(event = "honeypot", "registration dropped");
            return Ok(());
        }
        let (registration, mut errors) = match validate::validate_registration(input) {
            Ok(reg) => (Some(reg), AccountProblems::default()),
            Err(errors) => (None, errors),
        };
        let passed = self.check_human(&input.human, &mut errors).await?;
        let (Some(reg), Some(passed)) = (registration, passed) else {
            return Err(AccountError::Problems(errors));
        };
        self.rate_limit(
            "register",
            client,
            self.settings.limits.registration_per_client,
        )
        .await?;
        let now = self.now();
        if let HumanPassed::ProofOfWork(replay_key) = &passed
            && self
                .store
                .increment_counter(replay_key, now, now + 2 * 60 * 60)
                .await?
                > 1
        {
            let mut errors = AccountProblems::default();
            let field = if input.human.proof_of_work.is_empty() {
                HumanCheckField::Answer
            } else {
                HumanCheckField::ProofOfWork
            };
            errors.add(
                AccountField::HumanCheck(field),
                "Diese Sicherheitsprüfung wurde bereits verwendet. Bitte beantworten Sie die neue Frage.",
            );
            return Err(AccountError::Problems(errors));
        }

        let org_id = new_id();
        let user_id = new_id();
        let token = new_secret_token();
        let link = self.link(&format!("/api/bestaetigen?token={token}"));
        let registration = NewRegistration {
            org: Organisation {
                id: org_id.clone(),
                name: reg.org_name.clone(),
                legal_form: reg.legal_form,
                street: reg.street,
                postcode: reg.postcode,
                city: reg.city,
                in_house_capable: reg.in_house_capable,
                level: Some(reg.level),
                status: OrgStatus::AwaitingConfirmation,
                admin_user_id: user_id.clone(),
                agb_version: self.settings.agb_version.clone(),
                privacy_version: self.settings.privacy_version.clone(),
                created_at: now,
                decided_at: None,
                reject_reason: None,
                leitweg_id: String::new(),
                central_phone: String::new(),
                kind: Default::default(),
            },
            user: User {
                id: user_id.clone(),
                org_id: org_id.clone(),
                name: reg.admin_name.clone(),
                email: reg.email.clone(),
                phone: reg.phone,
                password_hash: None,
                created_at: now,
                role: MemberRole::Member,
                deactivated: false,
                second_factor: None,
                role_id: None,
            },
            confirm_token: TokenRecord {
                hash: sha256_hex(&token),
                kind: TokenKind::Confirm,
                user_id,
                org_id,
                expires_at: now + self.settings.confirm_ttl_secs,
                used: false,
            },
            mail: mails::confirm_address(&reg.email, &reg.admin_name, &reg.org_name, &link, now),
        };
        match self.store.create_registration(&registration).await {
            Ok(()) => {
                tracing::info!(event = "registered", org = %registration.org.id);
                Ok(())
            }
            Err(StoreError::EmailTaken) => {
                let reset = self.link("/api/passwort-vergessen");
                self.store
                    .enqueue_mail(&mails::already_registered(&reg.email, &reset, now))
                    .await?;
                tracing::info!(event = "registration_for_existing_address");
                Ok(())
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Reads a link token of one of `kinds`, unused and unexpired.
    async fn usable_token(
        &self,
        token: &str,
        kinds: &[TokenKind],
    ) -> Result<TokenRecord, AccountError> {
        if !is_well_formed_token(token) {
            return Err(AccountError::InvalidLink);
        }
        match self.store.get_token(&sha256_hex(token)).await? {
            Some(record)
                if kinds.contains(&record.kind)
                    && !record.used
                    && record.expires_at > self.now() =>
            {
                Ok(record)
            }
            _ => Err(AccountError::InvalidLink),
        }
    }

    /// Confirms the address of a registration (the link from the first e-mail).
    pub async fn confirm(&self, token: &str) -> Result<(), AccountError> {
        let record = self.usable_token(token, &[TokenKind::Confirm]).await?;
        let org = self
            .store
            .get_org(&record.org_id)
            .await?
            .ok_or(AccountError::InvalidLink)?;
        let now = self.now();
        let mail = mails::review_requested(&self.settings.operator_email, &org.name, &org.id, now);
        match self
            .store
            .confirm_email(&record.hash, &org.id, now, &mail)
            .await
        {
            Ok(()) => {
                tracing::info!(event = "confirmed", org = %org.id);
                Ok(())
            }
            Err(StoreError::Conflict | StoreError::NotFound) => Err(AccountError::InvalidLink),
            Err(other) => Err(other.into()),
        }
    }

    /// Registrations waiting for the operator, oldest first.
    pub async fn pending_registrations(&self) -> Result<Vec<Organisation>, AccountError> {
        Ok(self
            .store
            .list_orgs_by_status(OrgStatus::AwaitingReview)
            .await?)
    }

    /// The operator approves or rejects a confirmed registration.
    pub async fn decide(
        &self,
        org_id: &str,
        decision: Decision,
    ) -> Result<Organisation, AccountError> {
        if let Decision::Reject { reason } = &decision {
            let length = reason.trim().chars().count();
            if length == 0 || length > catalog::forms::reject_registration::REASON.max_len {
                let mut problems = AccountProblems::default();
                problems.add(
                    AccountField::RejectionReason,
                    format!(
                        "Bitte geben Sie eine Begründung an (höchstens {} Zeichen).",
                        catalog::forms::reject_registration::REASON.max_len
                    ),
                );
                return Err(AccountError::Problems(problems));
            }
        }
        let org = self
            .store
            .get_org(org_id)
            .await?
            .ok_or(AccountError::NotFound)?;
        if org.status != OrgStatus::AwaitingReview {
            return Err(AccountError::Conflict);
        }
        let admin = self
            .store
            .get_user(&org.admin_user_id)
            .await?
            .ok_or(AccountError::NotFound)?;
        let now = self.now();
        let (invite, mail) = match &decision {
            Decision::Approve => {
                let token = new_secret_token();
                let link = self.link(&format!("/api/passwort-setzen?token={token}"));
                let record = TokenRecord {
                    hash: sha256_hex(&token),
                    kind: TokenKind::Invite,
                    user_id: admin.id.clone(),
                    org_id: org.id.clone(),
                    expires_at: now + self.settings.invite_ttl_secs,
                    used: false,
                };
                (
                    Some(record),
                    mails::approved(&admin.email, &admin.name, &org.name, &link, now),
                )
            }
            Decision::Reject { reason } => (
                None,
                mails::rejected(&admin.email, &admin.name, &org.name, reason.trim(), now),
            ),
        };
        self.store
            .decide_registration(org_id, &decision, now, invite.as_ref(), &mail)
            .await?;
        tracing::info!(event = "decided", org = %org_id, approved = matches!(decision, Decision::Approve));
        self.store
            .get_org(org_id)
            .await?
            .ok_or(AccountError::NotFound)
    }

    /// "Passwort vergessen": sends a reset link if the address belongs to an approved
    /// organisation's member; answers the same in every case.
    pub async fn request_reset(&self, email: &str, client: &str) -> Result<(), AccountError> {
        let email = match validation::normalize_email(email) {
            Ok(email) => email,
            Err(message) => {
                let mut errors = AccountProblems::default();
                errors.add(AccountField::ResetEmail, message);
                return Err(AccountError::Problems(errors));
            }
        };
        self.rate_limit(
            "reset-client",
            client,
            self.settings.limits.reset_per_client,
        )
        .await?;
        let Some(user) = self
            .store
            .find_user_by_email(&email)
            .await?
            .filter(|user| !user.deactivated)
        else {
            return Ok(());
        };
        let approved = self
            .store
            .get_org(&user.org_id)
            .await?
            .is_some_and(|org| org.status == OrgStatus::Approved);
        if !approved {
            return Ok(());
        }
        let now = self.now();
        let limit = self.settings.limits.reset_per_account;
        let mails = self
            .store
            .increment_counter(
                &Self::counter_key("reset-mail", &user.id),
                now,
                now + limit.window_secs.max(1),
            )
            .await?;
        if mails > limit.max {
            // The owner has a recent link already; this request sends nothing.
            tracing::info!(event = "reset_mail_skipped", user = %user.id);
            return Ok(());
        }
        let token = new_secret_token();
        let link = self.link(&format!("/api/passwort-setzen?token={token}"));
        let record = TokenRecord {
            hash: sha256_hex(&token),
            kind: TokenKind::Reset,
            user_id: user.id.clone(),
            org_id: user.org_id.clone(),
            expires_at: now + self.settings.reset_ttl_secs,
            used: false,
        };
        self.store
            .issue_token(
                &record,
                &mails::reset_password(&user.email, &user.name, &link, now),
            )
            .await?;
        Ok(())
    }

    /// Whether a confirmation link can still be used (read only: the page shows a button,
    /// because mail scanners follow links).
    pub async fn check_confirm_link(&self, token: &str) -> Result<(), AccountError> {
        self.usable_token(token, &[TokenKind::Confirm])
            .await
            .map(|_| ())
    }

    /// Whether a password link can still be used (to show the form or the "link invalid" page).
    pub async fn check_password_link(&self, token: &str) -> Result<(), AccountError> {
        self.usable_token(token, &[TokenKind::Invite, TokenKind::Reset])
            .await
            .map(|_| ())
    }

    /// Sets a password through an invitation or reset link; ends every session of the user.
    pub async fn set_password(&self, input: &SetPasswordInput) -> Result<(), AccountError> {
        let record = self
            .usable_token(&input.token, &[TokenKind::Invite, TokenKind::Reset])
            .await?;
        let password =
            validate::validate_new_password(&input.new).map_err(AccountError::Problems)?;
        let active = self
            .store
            .get_user(&record.user_id)
            .await?
            .is_some_and(|user| !user.deactivated);
        if !active {
            return Err(AccountError::InvalidLink);
        }
        let phc = password::run_bounded(move || password::hash(&password))
            .await
            .and_then(|hashed| hashed)
            .map_err(|e| AccountError::Internal(e.to_string()))?;
        match self
            .store
            .set_password(&record.hash, &record.user_id, &phc, self.now())
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict | StoreError::NotFound) => {
                return Err(AccountError::InvalidLink);
            }
            Err(other) => return Err(other.into()),
        }
        self.store.delete_user_sessions(&record.user_id).await?;
        tracing::info!(event = "password_set", user = %record.user_id);
        Ok(())
    }

    /// Signs in with address and password; always a fresh session id, and the session the
    /// browser had before (if any) ends.
    pub async fn sign_in(
        &self,
        input: &SignInInput,
        client: &str,
        previous_session: Option<&str>,
    ) -> Result<SignInStep, AccountError> {
        let raw_email = input.email.as_str();
        let password = input.password.clone();
        let mut errors = AccountProblems::default();
        if raw_email.is_empty() {
            errors.add(
                AccountField::SignIn(SignInField::Email),
                "Bitte geben Sie Ihre E-Mail-Adresse an.",
            );
        }
        if password.is_empty() {
            errors.add(
                AccountField::SignIn(SignInField::Password),
                "Bitte geben Sie Ihr Passwort ein.",
            );
        }
        if !errors.is_empty() {
            return Err(AccountError::Problems(errors));
        }
        if password.chars().count() > password::MAX_CHARS {
            return Err(AccountError::InvalidCredentials);
        }
        let email = validation::normalize_email(raw_email).unwrap_or_default();
        self.sign_in_allowed(&email, client).await?;

        let user = if email.is_empty() {
            None
        } else {
            self.store.find_user_by_email(&email).await?
        };
        let phc = user.as_ref().and_then(|u| u.password_hash.clone());
        let matches = password::run_bounded(move || match phc {
            Some(phc) => password::verify(&password, &phc),
            None => {
                password::verify_dummy(&password);
                false
            }
        })
        .await
        .map_err(|e| AccountError::Internal(e.to_string()))?;
        let Some(user) = user.filter(|_| matches) else {
            tracing::info!(event = "sign_in_failed");
            self.sign_in_failed(&email, client).await?;
            return Err(AccountError::InvalidCredentials);
        };
        self.sign_in_succeeded(&email, client).await?;
        if user.deactivated {
            // The right password, but the administration has deactivated the account: the
            // same answer as a wrong one.
            tracing::info!(event = "sign_in_deactivated", user = %user.id);
            return Err(AccountError::InvalidCredentials);
        }
        let org = self
            .store
            .get_org(&user.org_id)
            .await?
            .ok_or(AccountError::InvalidCredentials)?;
        if org.status != OrgStatus::Approved {
            return Err(AccountError::InvalidCredentials);
        }
        if user.second_factor.is_some() {
            tracing::info!(event = "second_factor_asked", user = %user.id);
            return Ok(SignInStep::SecondFactor {
                pending: self.pending_sign_in(&user),
            });
        }
        if let Some(previous) = previous_session {
            self.store.delete_session(&sha256_hex(previous)).await?;
        }
        let signed_in = self.start_session(user, org).await?;
        tracing::info!(event = "signed_in", user = %signed_in.info.user.id);
        Ok(SignInStep::Done(Box::new(signed_in)))
    }

    /// A new session for `user` of `org`: a fresh id, only its hash stored.
    async fn start_session(&self, user: User, org: Organisation) -> Result<SignedIn, AccountError> {
        let now = self.now();
        let session_id = new_secret_token();
        let id_hash = sha256_hex(&session_id);
        self.store
            .create_session(&Session {
                id_hash: id_hash.clone(),
                user_id: user.id.clone(),
                org_id: org.id.clone(),
                created_at: now,
                last_seen: now,
                expires_at: now
                    + self
                        .settings
                        .session_idle_secs
                        .min(self.settings.session_absolute_secs),
            })
            .await?;
        let csrf_token = super::csrf::session_token(&self.secret, &id_hash);
        let role = self.role_of(&org, &user).await?;
        Ok(SignedIn {
            session_id,
            info: SessionInfo {
                id_hash,
                user,
                org,
                csrf_token,
                role,
            },
        })
    }

    /// The session behind a cookie value, if it exists and has not timed out.
    pub async fn session(&self, session_id: &str) -> Result<Option<SessionInfo>, AccountError> {
        if !is_well_formed_token(session_id) {
            return Ok(None);
        }
        let id_hash = sha256_hex(session_id);
        let Some(session) = self.store.get_session(&id_hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        let idle_expired = now - session.last_seen > self.settings.session_idle_secs;
        let absolute_expired = now - session.created_at > self.settings.session_absolute_secs;
        if idle_expired || absolute_expired {
            self.store.delete_session(&id_hash).await?;
            return Ok(None);
        }
        // Write activity at most once a minute: session checks run on every page view.
        if now - session.last_seen >= 60 {
            let expires = (now + self.settings.session_idle_secs)
                .min(session.created_at + self.settings.session_absolute_secs);
            self.store.touch_session(&id_hash, now, expires).await?;
        }
        let Some(user) = self.store.get_user(&session.user_id).await? else {
            return Ok(None);
        };
        if user.deactivated {
            self.store.delete_session(&id_hash).await?;
            return Ok(None);
        }
        let Some(org) = self.store.get_org(&session.org_id).await? else {
            return Ok(None);
        };
        if org.status == OrgStatus::Deactivated {
            // The operator deactivated the organisation: its open sessions end.
            self.store.delete_session(&id_hash).await?;
            return Ok(None);
        }
        let csrf_token = super::csrf::session_token(&self.secret, &id_hash);
        let role = self.role_of(&org, &user).await?;
        Ok(Some(SessionInfo {
            id_hash,
            user,
            org,
            csrf_token,
            role,
        }))
    }

    /// The named role `user` holds in `org`, if they are a Mitarbeiter/in with one.
    async fn role_of(
        &self,
        org: &Organisation,
        user: &User,
    ) -> Result<Option<super::model::Role>, AccountError> {
        if super::model::Standing::of(org, user) != super::model::Standing::Mitarbeiter {
            return Ok(None);
        }
        let Some(role_id) = user.role_id.as_deref() else {
            return Ok(None);
        };
        Ok(self
            .store
            .get_role(role_id)
            .await?
            .filter(|role| role.org_id == org.id))
    }

    /// Ends a session.
    pub async fn sign_out(&self, session: &SessionInfo) -> Result<(), AccountError> {
        self.store.delete_session(&session.id_hash).await?;
        tracing::info!(event = "signed_out", user = %session.user.id);
        Ok(())
    }

    /// An organisation as seen from a session: only the session's own.
    pub fn organisation_for<'a>(
        &self,
        session: &'a SessionInfo,
        org_id: &str,
    ) -> Result<&'a Organisation, AccountError> {
        if session.org.id == org_id {
            Ok(&session.org)
        } else {
            Err(AccountError::NotFound)
        }
    }
}
