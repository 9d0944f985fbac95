//! The people of an organisation ("Ihr Konto › Mitarbeitende"): invitations, roles,
//! deactivation and deletion, the audit trail, and the operator's change of the Hauptadmin.
//!
//! Permissions are checked here, on the session's person as the store has them now: only
//! administrators (the Hauptadmin and Organisationsadmins) manage people; nobody changes
//! the Hauptadmin or their own account here; people of another organisation do not exist
//! (`NotFound`, the same answer as for an unknown id). Since the Hauptadmin can be neither
//! deactivated, deleted nor demoted, an organisation always keeps one person who can
//! administer it.

use catalog::forms::{invite_member, member_action};

use super::{AccountError, Accounts, SessionInfo};
use crate::domain::mails;
use crate::domain::model::{
    AuditAction, AuditEntry, MemberRole, Organisation, Standing, TokenKind, TokenRecord, User,
};
use crate::domain::ports::StoreError;
use crate::domain::tokens::{new_id, new_secret_token, sha256_hex};
use crate::domain::validation::{self, FieldErrors, FormInput};

/// What an administrator does with one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberAction {
    /// "Einladung erneut senden": a new link; the earlier one no longer works.
    ResendInvitation,
    ChangeRole(MemberRole),
    Deactivate,
    Reactivate,
    /// Irreversible; the person's orders stay with the organisation.
    Delete,
}

impl MemberAction {
    /// The action a form submitted (`aktion`, and `rolle` for a role change).
    pub fn from_input(input: &FormInput) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let action = match input.get(member_action::ACTION.name) {
            member_action::RESEND => MemberAction::ResendInvitation,
            member_action::DEACTIVATE => MemberAction::Deactivate,
            member_action::REACTIVATE => MemberAction::Reactivate,
            member_action::DELETE => MemberAction::Delete,
            member_action::CHANGE_ROLE => {
                match MemberRole::parse(input.get(member_action::ROLE.name)) {
                    Some(role) => MemberAction::ChangeRole(role),
                    None => {
                        errors.add(member_action::ROLE.name, "Bitte wählen Sie eine Rolle aus.");
                        return Err(errors);
                    }
                }
            }
            _ => {
                errors.add(member_action::ACTION.name, "Unbekannte Aktion.");
                return Err(errors);
            }
        };
        Ok(action)
    }
}

/// One person as the list shows them.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: User,
    pub standing: Standing,
    /// Invited, password not yet set.
    pub pending: bool,
}

/// The German label of a role an administrator gives.
pub fn role_label(role: MemberRole) -> &'static str {
    match role {
        MemberRole::Member => Standing::Mitarbeiter.label(),
        MemberRole::Admin => Standing::Organisationsadmin.label(),
    }
}

/// "Name <address>", how the audit trail names a person.
fn described(user: &User) -> String {
    format!("{} <{}>", user.name, user.email)
}

/// The refusal for a person who may not manage people.
const ADMINS_ONLY: &str = "Diese Seite ist der Administration Ihrer Organisation vorbehalten.";
const NOT_THE_HAUPTADMIN: &str = "Die Hauptadministration kann hier niemand ändern, deaktivieren oder löschen. Eine Übertragung nimmt das Betreiberteam auf Anfrage vor.";
const NOT_YOURSELF: &str = "Ihr eigenes Konto können Sie hier nicht ändern. Bitten Sie eine andere Administratorin oder einen anderen Administrator.";

impl Accounts {
    /// Refuses a person who may not manage the organisation's people.
    fn require_admin(&self, session: &SessionInfo) -> Result<Standing, AccountError> {
        let standing = Standing::of(&session.org, &session.user);
        if standing.administers() {
            Ok(standing)
        } else {
            Err(AccountError::Forbidden(ADMINS_ONLY))
        }
    }

    fn audit(
        &self,
        org: &Organisation,
        actor: &str,
        action: AuditAction,
        subject: &User,
        detail: &str,
    ) -> AuditEntry {
        AuditEntry {
            id: new_id(),
            org_id: org.id.clone(),
            at: self.now(),
            actor: actor.to_owned(),
            action,
            subject: described(subject),
            detail: detail.to_owned(),
        }
    }

    /// The organisation's people (the Hauptadmin first, then by name) and its audit trail
    /// (newest first); for administrators only.
    pub async fn members(
        &self,
        session: &SessionInfo,
    ) -> Result<(Vec<Member>, Vec<AuditEntry>), AccountError> {
        self.require_admin(session)?;
        let org = &session.org;
        let mut members: Vec<Member> = self
            .store
            .list_org_users(&org.id)
            .await?
            .into_iter()
            .filter(|user| user.org_id == org.id)
            .map(|user| Member {
                standing: Standing::of(org, &user),
                pending: user.password_hash.is_none(),
                user,
            })
            .collect();
        members.sort_by(|a, b| {
            (
                a.standing != Standing::Hauptadmin,
                a.user.name.to_lowercase(),
            )
                .cmp(&(
                    b.standing != Standing::Hauptadmin,
                    b.user.name.to_lowercase(),
                ))
        });
        let audit = self.store.list_audit(&org.id).await?;
        Ok((members, audit))
    }

    /// A new password link for `user` (valid 7 days) and its record.
    fn invitation(&self, user: &User) -> (String, TokenRecord) {
        let token = new_secret_token();
        let link = self.link(&format!("/api/passwort-setzen?token={token}"));
        let record = TokenRecord {
            hash: sha256_hex(&token),
            kind: TokenKind::Invite,
            user_id: user.id.clone(),
            org_id: user.org_id.clone(),
            expires_at: self.now() + self.settings.member_invite_ttl_secs,
            used: false,
        };
        (link, record)
    }

    /// Counts one invitation mail against the organisation's hourly limit.
    async fn count_invitation(&self, org: &Organisation) -> Result<(), AccountError> {
        self.rate_limit(
            "invitations-org",
            &org.id,
            self.settings.limits.invitations_per_org,
        )
        .await
    }

    /// "Konto hinzufügen": invites a person by name, address and role. An address that
    /// already has an account gets a note instead, and the inviter the same answer.
    pub async fn invite(
        &self,
        session: &SessionInfo,
        input: &FormInput,
    ) -> Result<(), AccountError> {
        self.require_admin(session)?;
        let mut errors = FieldErrors::default();
        let name = input.get(invite_member::NAME.name).trim().to_owned();
        if name.is_empty() {
            errors.add(invite_member::NAME.name, "Bitte geben Sie den Namen an.");
        } else if name.chars().count() > invite_member::NAME.max_len {
            errors.add(
                invite_member::NAME.name,
                format!(
                    "Bitte kürzen Sie den Namen auf höchstens {} Zeichen.",
                    invite_member::NAME.max_len
                ),
            );
        } else if name.chars().any(char::is_control) {
            errors.add(
                invite_member::NAME.name,
                "Die Angabe enthält unzulässige Steuerzeichen.",
            );
        }
        let email = match validation::normalize_email(input.get(invite_member::EMAIL.name)) {
            Ok(email) => email,
            Err(message) => {
                errors.add(invite_member::EMAIL.name, message);
                String::new()
            }
        };
        let role = MemberRole::parse(input.get(invite_member::ROLE.name));
        if role.is_none() {
            errors.add(invite_member::ROLE.name, "Bitte wählen Sie die Rolle aus.");
        }
        let Some(role) = role.filter(|_| errors.is_empty()) else {
            return Err(AccountError::Invalid(errors));
        };
        let org = &session.org;
        self.count_invitation(org).await?;
        let now = self.now();
        let user = User {
            id: new_id(),
            org_id: org.id.clone(),
            name,
            email,
            phone: String::new(),
            password_hash: None,
            created_at: now,
            role,
            deactivated: false,
            second_factor: None,
        };
        let (link, token) = self.invitation(&user);
        let mail = mails::member_invited(
            &user.email,
            &user.name,
            &org.name,
            &session.user.name,
            role_label(role),
            &link,
            now,
        );
        let audit = self.audit(
            org,
            &session.user.name,
            AuditAction::Invited,
            &user,
            role_label(role),
        );
        match self.store.add_member(&user, &token, &mail, &audit).await {
            Ok(()) => {
                tracing::info!(event = "member_invited", org = %org.id, user = %user.id);
                Ok(())
            }
            Err(StoreError::EmailTaken) => {
                self.store
                    .enqueue_mail(&mails::invitation_for_existing_account(
                        &user.email,
                        &org.name,
                        now,
                    ))
                    .await?;
                tracing::info!(event = "invitation_for_existing_address", org = %org.id);
                Ok(())
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Carries out `action` on the person `member_id` of the session's organisation.
    pub async fn act_on_member(
        &self,
        session: &SessionInfo,
        member_id: &str,
        action: MemberAction,
    ) -> Result<(), AccountError> {
        self.require_admin(session)?;
        let org = &session.org;
        let member = self
            .store
            .get_user(member_id)
            .await?
            .filter(|user| user.org_id == org.id)
            .ok_or(AccountError::NotFound)?;
        if member.id == org.admin_user_id {
            return Err(AccountError::Forbidden(NOT_THE_HAUPTADMIN));
        }
        if member.id == session.user.id {
            return Err(AccountError::Forbidden(NOT_YOURSELF));
        }
        let now = self.now();
        let actor = session.user.name.as_str();
        let mut after = member.clone();
        let (audit, mails) = match action {
            MemberAction::ResendInvitation => {
                if member.password_hash.is_some() || member.deactivated {
                    return Err(AccountError::Conflict);
                }
                self.count_invitation(org).await?;
                let (link, token) = self.invitation(&member);
                let mail = mails::member_invited(
                    &member.email,
                    &member.name,
                    &org.name,
                    actor,
                    role_label(member.role),
                    &link,
                    now,
                );
                // The store voids the earlier link in the same write, and writes nothing
                // if the invitation was accepted meanwhile.
                let audit = self.audit(org, actor, AuditAction::InvitationResent, &member, "");
                self.store
                    .reissue_invitation(&member, &token, &mail, &audit)
                    .await?;
                return Ok(());
            }
            MemberAction::Delete => {
                let audit = self.audit(org, actor, AuditAction::Deleted, &member, "");
                self.store.delete_member(org, &member, &audit).await?;
                self.store.delete_user_sessions(&member.id).await?;
                tracing::info!(event = "member_deleted", org = %org.id, user = %member.id);
                return Ok(());
            }
            MemberAction::ChangeRole(role) => {
                if member.role == role {
                    return Ok(());
                }
                after.role = role;
                (
                    self.audit(
                        org,
                        actor,
                        AuditAction::RoleChanged,
                        &member,
                        role_label(role),
                    ),
                    vec![mails::role_changed(
                        &member.email,
                        &member.name,
                        &org.name,
                        role_label(role),
                        now,
                    )],
                )
            }
            MemberAction::Deactivate => {
                if member.deactivated {
                    return Ok(());
                }
                after.deactivated = true;
                (
                    self.audit(org, actor, AuditAction::Deactivated, &member, ""),
                    vec![mails::member_deactivated(
                        &member.email,
                        &member.name,
                        &org.name,
                        now,
                    )],
                )
            }
            MemberAction::Reactivate => {
                if !member.deactivated {
                    return Ok(());
                }
                after.deactivated = false;
                (
                    self.audit(org, actor, AuditAction::Reactivated, &member, ""),
                    vec![mails::member_reactivated(
                        &member.email,
                        &member.name,
                        &org.name,
                        now,
                    )],
                )
            }
        };
        self.store
            .update_member(org, &member, &after, &mails, &audit)
            .await?;
        if after.deactivated {
            // The session check refuses a deactivated person at once; this tidies up.
            self.store.delete_user_sessions(&member.id).await?;
        }
        tracing::info!(event = "member_changed", org = %org.id, user = %member.id, action = ?action);
        Ok(())
    }

    /// The operator makes the person with `email` (active, password set, of the
    /// organisation `org_id`) its Hauptadmin; the previous one stays an administrator.
    pub async fn change_hauptadmin(
        &self,
        org_id: &str,
        email: &str,
    ) -> Result<Organisation, AccountError> {
        let org = self
            .store
            .get_org(org_id)
            .await?
            .ok_or(AccountError::NotFound)?;
        let email = validation::normalize_email(email).map_err(|message| {
            let mut errors = FieldErrors::default();
            errors.add("email", message);
            AccountError::Invalid(errors)
        })?;
        let user = self
            .store
            .find_user_by_email(&email)
            .await?
            .filter(|user| user.org_id == org.id)
            .ok_or(AccountError::NotFound)?;
        if user.deactivated || user.password_hash.is_none() {
            return Err(AccountError::Conflict);
        }
        if user.id == org.admin_user_id {
            return Ok(org);
        }
        let audit = self.audit(
            &org,
            "Betreiberteam",
            AuditAction::HauptadminChanged,
            &user,
            "",
        );
        self.store.change_hauptadmin(&org, &user, &audit).await?;
        self.store
            .get_org(org_id)
            .await?
            .ok_or(AccountError::NotFound)
    }
}
