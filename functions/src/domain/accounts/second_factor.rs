//! The second sign-in factor: a time-based one-time password (TOTP, RFC 6238) from an
//! authenticator app, and single-use recovery codes for a lost app. Anyone can switch it on
//! under "Profil und Angaben".
//!
//! With it, signing in takes two steps: the password gives a short-lived, signed pending
//! sign-in instead of a session, and the code turns that into a session. A code is accepted
//! once (RFC 6238, section 5.2: the store's counter per person and time step), a recovery
//! code once (a conditional write of the person's record), and wrong codes count against
//! the same limits as wrong passwords.

use serde::Serialize;
use totp_rs::{Builder, Secret as TotpSecret, Totp};

use super::input::{AccountField, AccountProblems, SecondFactorField};
use super::{AccountError, Accounts, SessionInfo, SignedIn};
use crate::domain::model::{OrgStatus, SecondFactor, User};
use crate::domain::tokens::{random_bytes, sha256_hex};

/// RFC 6238's recommended time step; apps assume it.
const STEP_SECS: u64 = 30;
/// How long the code may be entered after the password.
const PENDING_SECS: i64 = 5 * 60;
/// How long the setup page's secret stays valid.
const SETUP_SECS: i64 = 15 * 60;
const RECOVERY_CODES: usize = 10;
/// What the authenticator app shows as the account's issuer.
const ISSUER: &str = "Cloud-Service-Portal";
/// Recovery codes: ten characters without look-alikes (0/O, 1/l/I), shown as 5-5.
const RECOVERY_ALPHABET: &[u8; 31] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// The QR code of the setup link, as modules for the template to draw.
#[derive(Debug, Clone, Serialize)]
pub struct QrModules {
    /// Modules per side, without the quiet zone.
    pub size: usize,
    /// `(x, y)` of each dark module.
    pub dark: Vec<(usize, usize)>,
}

/// What the setup page shows: the secret (as a QR code and as text) and the signed proof
/// that this page offered it, for the confirming form.
#[derive(Debug, Clone)]
pub struct SetupOffer {
    /// Base32, in groups of four for typing it into an app.
    pub secret_grouped: String,
    /// The `otpauth://` link the QR code holds.
    pub uri: String,
    pub qr: QrModules,
    pub setup_token: String,
}

/// How a code was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeAccepted {
    Totp,
    /// A recovery code, now used up; this many are left.
    Recovery {
        left: usize,
    },
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodeRefused {
    Wrong,
    /// Right, but already used in this time step.
    Replayed,
}

fn totp_for(secret_base32: &str, account: &str) -> Result<Totp, AccountError> {
    let secret = TotpSecret::try_from_base32(secret_base32)
        .map_err(|e| AccountError::Internal(format!("stored TOTP secret: {e}")))?;
    Builder::new()
        .with_secret(secret)
        .with_step_duration(STEP_SECS)
        .with_skew(1)
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', ""))
        .build()
        .map_err(|e| AccountError::Internal(format!("TOTP: {e}")))
}

/// A code as typed: without spaces and dashes, lower case.
fn normalise_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

fn new_recovery_code() -> String {
    let bytes = random_bytes::<10>();
    let chars: String = bytes
        .iter()
        .map(|b| char::from(RECOVERY_ALPHABET[usize::from(*b) % RECOVERY_ALPHABET.len()]))
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn qr_modules(text: &str) -> Result<QrModules, AccountError> {
    let qr = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium)
        .map_err(|e| AccountError::Internal(format!("QR code: {e:?}")))?;
    let size = usize::try_from(qr.size()).unwrap_or(0);
    let mut dark = Vec::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                dark.push((
                    usize::try_from(x).unwrap_or(0),
                    usize::try_from(y).unwrap_or(0),
                ));
            }
        }
    }
    Ok(QrModules { size, dark })
}

fn code_error(field: SecondFactorField, message: &str) -> AccountError {
    let mut errors = AccountProblems::default();
    errors.add(AccountField::SecondFactor(field), message);
    AccountError::Problems(errors)
}

const WRONG_CODE: &str = "Der Code stimmt nicht. Bitte geben Sie die Zahl ein, die Ihre App jetzt anzeigt, oder einen unbenutzten Wiederherstellungscode.";
const REPLAYED_CODE: &str =
    "Dieser Code wurde bereits verwendet. Bitte warten Sie, bis Ihre App eine neue Zahl anzeigt.";

impl Accounts {
    /// The pending sign-in after a right password, for a person with a second factor.
    pub(super) fn pending_sign_in(&self, user: &User) -> String {
        let expires = self.now() + PENDING_SECS;
        let nonce = crate::domain::tokens::hex(&random_bytes::<16>());
        let message = format!("zweiter-faktor|{}|{expires}|{nonce}", user.id);
        format!(
            "{}.{expires}.{nonce}.{}",
            user.id,
            self.secret.sign(&message)
        )
    }

    /// The person of a pending sign-in that is signed by us and not expired, and its nonce.
    fn open_pending(&self, pending: &str) -> Option<(String, String)> {
        let mut parts = pending.splitn(4, '.');
        let (user_id, expires, nonce, signature) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let message = format!("zweiter-faktor|{user_id}|{expires}|{nonce}");
        if !self.secret.verify(&message, signature) {
            return None;
        }
        let expires: i64 = expires.parse().ok()?;
        (expires >= self.now()).then(|| (user_id.to_owned(), nonce.to_owned()))
    }

    /// Whether a pending sign-in can still be completed (the code page shows the form).
    pub fn pending_sign_in_open(&self, pending: &str) -> bool {
        self.open_pending(pending).is_some()
    }

    /// Checks a code against the person's second factor; a recovery code is used up.
    async fn accept_code(
        &self,
        user: &User,
        factor: &SecondFactor,
        raw: &str,
    ) -> Result<Result<CodeAccepted, CodeRefused>, AccountError> {
        let code = normalise_code(raw);
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            let totp = totp_for(&factor.secret, &user.email)?;
            let now = u64::try_from(self.now()).unwrap_or(0);
            let Some(step) = totp.check(&code, now) else {
                return Ok(Err(CodeRefused::Wrong));
            };
            // One acceptance per person and time step, also across instances.
            let expires = i64::try_from((step + 3) * STEP_SECS).unwrap_or(i64::MAX);
            let uses = self
                .store
                .increment_counter(
                    &format!("totp-step:{}:{step}", user.id),
                    self.now(),
                    expires,
                )
                .await?;
            return Ok(if uses > 1 {
                Err(CodeRefused::Replayed)
            } else {
                Ok(CodeAccepted::Totp)
            });
        }
        if code.len() != 10 {
            return Ok(Err(CodeRefused::Wrong));
        }
        let hash = sha256_hex(&code);
        if !factor.recovery_codes.contains(&hash) {
            return Ok(Err(CodeRefused::Wrong));
        }
        let mut after = user.clone();
        if let Some(f) = after.second_factor.as_mut() {
            f.recovery_codes.retain(|h| *h != hash);
        }
        let left = after
            .second_factor
            .as_ref()
            .map_or(0, |f| f.recovery_codes.len());
        // Conditional on the record as read: of two uses of one code, one wins.
        match self.store.update_user(user, &after).await {
            Ok(()) => {
                tracing::info!(event = "recovery_code_used", user = %user.id, left);
                Ok(Ok(CodeAccepted::Recovery { left }))
            }
            Err(crate::domain::ports::StoreError::Conflict) => Ok(Err(CodeRefused::Wrong)),
            Err(e) => Err(e.into()),
        }
    }

    /// The second step of signing in: the code for a pending sign-in. Wrong codes count
    /// against the sign-in limits of the person's address and the client.
    pub async fn sign_in_with_code(
        &self,
        pending: &str,
        code: &str,
        client: &str,
        previous_session: Option<&str>,
    ) -> Result<(SignedIn, CodeAccepted), AccountError> {
        let Some((user_id, nonce)) = self.open_pending(pending) else {
            return Err(AccountError::InvalidLink);
        };
        if code.trim().is_empty() {
            return Err(code_error(
                SecondFactorField::SignInCode,
                "Bitte geben Sie den Bestätigungscode ein.",
            ));
        }
        let user = self
            .store
            .get_user(&user_id)
            .await?
            .ok_or(AccountError::InvalidLink)?;
        self.sign_in_allowed(&user.email, client).await?;
        let Some(factor) = user.second_factor.clone() else {
            return Err(AccountError::InvalidLink);
        };
        let accepted = match self.accept_code(&user, &factor, code).await? {
            Ok(accepted) => accepted,
            Err(refused) => {
                tracing::info!(event = "second_factor_failed", user = %user.id);
                self.sign_in_failed(&user.email, client).await?;
                let message = if refused == CodeRefused::Replayed {
                    REPLAYED_CODE
                } else {
                    WRONG_CODE
                };
                return Err(code_error(SecondFactorField::SignInCode, message));
            }
        };
        // The pending sign-in is used once, whichever code completed it.
        let uses = self
            .store
            .increment_counter(
                &format!("pending-sign-in:{nonce}"),
                self.now(),
                self.now() + PENDING_SECS + 60,
            )
            .await?;
        if uses > 1 {
            return Err(AccountError::InvalidLink);
        }
        if user.deactivated {
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
        self.sign_in_succeeded(&user.email, client).await?;
        if let Some(previous) = previous_session {
            self.store.delete_session(&sha256_hex(previous)).await?;
        }
        let user = match accepted {
            // The record changed (one recovery code fewer): the session carries the new one.
            CodeAccepted::Recovery { .. } => self
                .store
                .get_user(&user.id)
                .await?
                .ok_or(AccountError::InvalidCredentials)?,
            CodeAccepted::Totp => user,
        };
        let signed_in = self.start_session(user, org).await?;
        tracing::info!(event = "signed_in", user = %signed_in.info.user.id, second_factor = true);
        Ok((signed_in, accepted))
    }

    fn setup_signature(&self, user_id: &str, expires: i64, secret: &str) -> String {
        self.secret
            .sign(&format!("einrichtung|{user_id}|{expires}|{secret}"))
    }

    fn offer_for(
        &self,
        session: &SessionInfo,
        secret: &str,
        expires: i64,
    ) -> Result<SetupOffer, AccountError> {
        let totp = totp_for(secret, &session.user.email)?;
        let uri = totp
            .to_url()
            .map_err(|e| AccountError::Internal(format!("otpauth link: {e}")))?;
        Ok(SetupOffer {
            secret_grouped: grouped(secret),
            qr: qr_modules(&uri)?,
            uri,
            setup_token: format!(
                "{expires}.{secret}.{}",
                self.setup_signature(&session.user.id, expires, secret)
            ),
        })
    }

    /// A new secret to set up, for a person without a second factor.
    pub fn second_factor_offer(&self, session: &SessionInfo) -> Result<SetupOffer, AccountError> {
        if session.user.second_factor.is_some() {
            return Err(AccountError::Conflict);
        }
        let secret = TotpSecret::from(random_bytes::<20>()).to_base32();
        self.offer_for(session, &secret, self.now() + SETUP_SECS)
    }

    /// The secret of a setup page this person was shown and that has not expired.
    fn open_setup(&self, session: &SessionInfo, token: &str) -> Option<(String, i64)> {
        let mut parts = token.splitn(3, '.');
        let (expires, secret, signature) = (parts.next()?, parts.next()?, parts.next()?);
        let expires_at: i64 = expires.parse().ok()?;
        let expected = self.setup_signature(&session.user.id, expires_at, secret);
        let valid =
            crate::domain::tokens::constant_time_eq(expected.as_bytes(), signature.as_bytes());
        (valid && expires_at >= self.now()).then(|| (secret.to_owned(), expires_at))
    }

    /// The same offer again (the setup page shown with a message), or a fresh one when the
    /// old one expired or was not ours.
    pub fn second_factor_offer_again(
        &self,
        session: &SessionInfo,
        setup_token: &str,
    ) -> Result<SetupOffer, AccountError> {
        match self.open_setup(session, setup_token) {
            Some((secret, expires)) => self.offer_for(session, &secret, expires),
            None => self.second_factor_offer(session),
        }
    }

    /// Switches the second factor on once the app's first code matches; returns the
    /// recovery codes, shown this once (the store keeps only their hashes).
    pub async fn enable_second_factor(
        &self,
        session: &SessionInfo,
        setup_token: &str,
        code: &str,
    ) -> Result<Vec<String>, AccountError> {
        if session.user.second_factor.is_some() {
            return Err(AccountError::Conflict);
        }
        let Some((secret, _)) = self.open_setup(session, setup_token) else {
            return Err(code_error(
                SecondFactorField::SetupCode,
                "Die Einrichtung ist abgelaufen. Bitte richten Sie die App mit dem neuen Code auf dieser Seite ein.",
            ));
        };
        let code = normalise_code(code);
        let totp = totp_for(&secret, &session.user.email)?;
        let now = u64::try_from(self.now()).unwrap_or(0);
        if code.is_empty() {
            return Err(code_error(
                SecondFactorField::SetupCode,
                "Bitte geben Sie die Zahl ein, die Ihre App anzeigt.",
            ));
        }
        let Some(step) = totp.check(&code, now) else {
            return Err(code_error(
                SecondFactorField::SetupCode,
                "Der Code stimmt nicht. Prüfen Sie, ob die Uhrzeit Ihres Geräts stimmt, und geben Sie die Zahl ein, die die App jetzt anzeigt.",
            ));
        };
        // The code that switched it on does not also sign in.
        self.store
            .increment_counter(
                &format!("totp-step:{}:{step}", session.user.id),
                self.now(),
                i64::try_from((step + 3) * STEP_SECS).unwrap_or(i64::MAX),
            )
            .await?;
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let after = User {
            second_factor: Some(SecondFactor {
                secret,
                recovery_codes: codes
                    .iter()
                    .map(|c| sha256_hex(&normalise_code(c)))
                    .collect(),
                since: self.now(),
            }),
            ..session.user.clone()
        };
        self.store.update_user(&session.user, &after).await?;
        tracing::info!(event = "second_factor_on", user = %session.user.id);
        Ok(codes)
    }

    /// Switches the second factor off; asks for the password and a code.
    pub async fn disable_second_factor(
        &self,
        session: &SessionInfo,
        current_password: &str,
        code: &str,
        client: &str,
    ) -> Result<(), AccountError> {
        if session.org.kind.is_operator() {
            return Err(AccountError::Forbidden(
                "Für Betreiberkonten ist die Zwei-Faktor-Anmeldung vorgeschrieben; sie lässt sich nicht ausschalten.",
            ));
        }
        let Some(factor) = session.user.second_factor.clone() else {
            return Ok(());
        };
        let mut errors = AccountProblems::default();
        if current_password.is_empty() {
            errors.add(
                AccountField::SecondFactor(SecondFactorField::OffPassword),
                "Bitte geben Sie Ihr Passwort ein.",
            );
        }
        if code.trim().is_empty() {
            errors.add(
                AccountField::SecondFactor(SecondFactorField::OffCode),
                "Bitte geben Sie den Bestätigungscode ein.",
            );
        }
        if !errors.is_empty() {
            return Err(AccountError::Problems(errors));
        }
        if !self
            .current_password_matches(&session.user, current_password, client)
            .await?
        {
            return Err(code_error(
                SecondFactorField::OffPassword,
                "Das Passwort ist nicht richtig.",
            ));
        }
        let before = match self.accept_code(&session.user, &factor, code).await? {
            Ok(CodeAccepted::Totp) => session.user.clone(),
            // The recovery code was used up: the record changed.
            Ok(CodeAccepted::Recovery { .. }) => self
                .store
                .get_user(&session.user.id)
                .await?
                .ok_or(AccountError::NotFound)?,
            Err(refused) => {
                self.sign_in_failed(&session.user.email, client).await?;
                return Err(code_error(
                    SecondFactorField::OffCode,
                    if refused == CodeRefused::Replayed {
                        REPLAYED_CODE
                    } else {
                        WRONG_CODE
                    },
                ));
            }
        };
        let after = User {
            second_factor: None,
            ..before.clone()
        };
        self.store.update_user(&before, &after).await?;
        tracing::info!(event = "second_factor_off", user = %session.user.id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_unambiguous_characters_in_two_groups() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        let plain = normalise_code(&code);
        assert_eq!(plain.len(), 10);
        assert!(plain.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)));
        assert!(!plain.contains(['0', 'o', '1', 'l', 'i']));
        assert_ne!(new_recovery_code(), new_recovery_code());
    }

    #[test]
    fn typed_codes_ignore_spaces_dashes_and_case() {
        assert_eq!(normalise_code(" 123 456 "), "123456");
        assert_eq!(normalise_code("ABCDE-fghjk"), "abcdefghjk");
    }

    /// RFC 6238, appendix B: the SHA-1 test vectors (8 digits there; the last six here).
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = TotpSecret::from(b"12345678901234567890".to_vec()).to_base32();
        let totp = totp_for(&secret, "test@example.org").expect("totp");
        for (time, eight) in [
            (59_u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(totp.generate(time).to_string(), eight[2..], "time {time}");
            assert!(totp.check(&eight[2..], time).is_some());
        }
        assert!(totp.check("000000", 59).is_none());
    }

    #[test]
    fn the_qr_code_holds_the_otpauth_link() {
        let modules =
            qr_modules("otpauth://totp/Cloud-Service-Portal:a%40b.de?secret=ABC").expect("qr");
        assert!(modules.size >= 21);
        assert!(!modules.dark.is_empty());
        assert!(
            modules
                .dark
                .iter()
                .all(|&(x, y)| x < modules.size && y < modules.size)
        );
    }
}
