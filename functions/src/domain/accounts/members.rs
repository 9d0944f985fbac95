//! The people of an organisation ("Ihr Konto › Mitarbeitende"): invitations, roles,
//! deactivation and deletion, the audit trail, and the operator's change of the Hauptadmin.
//!
//! Permissions are checked here, on the session's person as the store has them now: people
//! with the right "Mitarbeitende verwalten" manage people (administrators hold it, a named
//! role may give it; see [`super::roles`] for what a role holder may not do); nobody changes
//! the Hauptadmin or their own account here; people of another organisation do not exist
//! (`NotFound`, the same answer as for an unknown id). Since the Hauptadmin can be neither
//! deactivated, deleted nor demoted, an organisation always keeps one person who can
//! administer it.

use catalog::forms::invite_member;

use super::input::{AccountField, AccountProblems, InviteField, InviteInput};
pub use super::roles::{Assignment, role_label};
use super::roles::{NOT_BEYOND_OWN, Rights};
use super::{AccountError, Accounts, SessionInfo};
use crate::domain::mails;
use crate::domain::model::{
    AuditAction, AuditEntry, MemberRole, Organisation, Role, Standing, TokenKind, TokenRecord, User,
};
use crate::domain::ports::StoreError;
use crate::domain::tokens::{new_id, new_secret_token, sha256_hex};
use crate::domain::validation;

/// What an administrator does with one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberAction {
    /// "Einladung erneut senden": a new link; the earlier one no longer works.
    ResendInvitation,
    ChangeRole(Assignment),
    Deactivate,
    Reactivate,
    /// Irreversible; the person's orders stay with the organisation.
    Delete,
}

/// One person as the list shows them.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: User,
    pub standing: Standing,
    /// Invited, password not yet set.
    pub pending: bool,
    /// The named role they hold (a Mitarbeiter/in only).
    pub role: Option<Role>,
    /// Whether the session's person may act on them (not the Hauptadmin, not oneself, and
    /// for a role holder not an administrator).
    pub actionable: bool,
}

/// "Name <address>", how the audit trail names a person.
fn described(user: &User) -> String {
    format!("{} <{}>", user.name, user.email)
}

const ADMINS_BY_ADMINS: &str =
    "Konten der Administration ändern nur die Hauptadministration und Organisationsadmins.";
const NOT_THE_HAUPTADMIN: &str = "Die Hauptadministration kann hier niemand ändern, deaktivieren oder löschen. Eine Übertragung nimmt das Betreiberteam auf Anfrage vor.";
const NOT_YOURSELF: &str = "Ihr eigenes Konto können Sie hier nicht ändern. Bitten Sie eine andere Administratorin oder einen anderen Administrator.";

/// Whether a person with `rights` may act on `member`.
fn may_act_on(rights: &Rights, org: &Organisation, member: &User, myself: &User) -> bool {
    let standing = Standing::of(org, member);
    standing != Standing::Hauptadmin
        && member.id != myself.id
        && (rights.administrator() || standing == Standing::Mitarbeiter)
}

impl Accounts {
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
    /// (newest first); for people who manage members.
    pub async fn members(
        &self,
        session: &SessionInfo,
    ) -> Result<(Vec<Member>, Vec<AuditEntry>), AccountError> {
        let rights = self.require_members_right(session)?;
        let org = &session.org;
        let roles = self.store.list_roles(&org.id).await?;
        let mut members: Vec<Member> = self
            .store
            .list_org_users(&org.id)
            .await?
            .into_iter()
            .filter(|user| user.org_id == org.id)
            .map(|user| {
                let standing = Standing::of(org, &user);
                Member {
                    standing,
                    pending: user.password_hash.is_none(),
                    role: user
                        .role_id
                        .as_deref()
                        .filter(|_| standing == Standing::Mitarbeiter)
                        .and_then(|id| roles.iter().find(|r| r.id == id && r.org_id == org.id))
                        .cloned(),
                    actionable: may_act_on(&rights, org, &user, &session.user),
                    user,
                }
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
        input: &InviteInput,
    ) -> Result<(), AccountError> {
        let rights = self.require_members_right(session)?;
        let mut errors = AccountProblems::default();
        let name_field = AccountField::Invite(InviteField::Name);
        let name = input.name.trim().to_owned();
        if name.is_empty() {
            errors.add(name_field, "Bitte geben Sie den Namen an.");
        } else if name.chars().count() > invite_member::NAME.max_len {
            errors.add(
                name_field,
                format!(
                    "Bitte kürzen Sie den Namen auf höchstens {} Zeichen.",
                    invite_member::NAME.max_len
                ),
            );
        } else if name.chars().any(char::is_control) {
            errors.add(name_field, "Die Angabe enthält unzulässige Steuerzeichen.");
        }
        let email = match validation::normalize_email(&input.email) {
            Ok(email) => email,
            Err(message) => {
                errors.add(AccountField::Invite(InviteField::Email), message);
                String::new()
            }
        };
        let role_field = AccountField::Invite(InviteField::Role);
        let assignment = Assignment::parse(&input.role);
        if assignment.is_none() {
            errors.add(role_field, "Bitte wählen Sie die Rolle aus.");
        }
        let Some(assignment) = assignment.filter(|_| errors.is_empty()) else {
            return Err(AccountError::Problems(errors));
        };
        let (named, label) = self
            .resolve_assignment(session, &rights, &assignment, role_field)
            .await?;
        let role = if assignment == Assignment::Admin {
            MemberRole::Admin
        } else {
            MemberRole::Member
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
            role_id: named.map(|r| r.id),
        };
        let (link, token) = self.invitation(&user);
        let mail = mails::member_invited(
            &user.email,
            &user.name,
            &org.name,
            &session.user.name,
            &label,
            &link,
            now,
        );
        let audit = self.audit(org, &session.user.name, AuditAction::Invited, &user, &label);
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
        let rights = self.require_members_right(session)?;
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
        if !may_act_on(&rights, org, &member, &session.user) {
            return Err(AccountError::Forbidden(ADMINS_BY_ADMINS));
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
                let label = self.current_label(org, &member).await?;
                let mail = mails::member_invited(
                    &member.email,
                    &member.name,
                    &org.name,
                    actor,
                    &label,
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
            MemberAction::ChangeRole(ref assignment) => {
                if Assignment::of(&member) == *assignment {
                    return Ok(());
                }
                // A role holder never takes away a role with rights they do not hold.
                if let Assignment::Named(current) = Assignment::of(&member)
                    && !rights.administrator()
                    && let Some(role) = self.store.get_role(&current).await?
                    && !rights.covers(&role.rights)
                {
                    return Err(AccountError::Forbidden(NOT_BEYOND_OWN));
                }
                let (named, label) = self
                    .resolve_assignment(session, &rights, assignment, AccountField::MemberRole)
                    .await?;
                after.role = if *assignment == Assignment::Admin {
                    MemberRole::Admin
                } else {
                    MemberRole::Member
                };
                after.role_id = named.map(|r| r.id);
                (
                    self.audit(org, actor, AuditAction::RoleChanged, &member, &label),
                    vec![mails::role_changed(
                        &member.email,
                        &member.name,
                        &org.name,
                        &label,
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

    /// The label of the role `member` has now (for a mail sent again).
    async fn current_label(
        &self,
        org: &Organisation,
        member: &User,
    ) -> Result<String, AccountError> {
        Ok(match Assignment::of(member) {
            Assignment::Named(id) => match self.store.get_role(&id).await? {
                Some(role) if role.org_id == org.id => format!("Rolle „{}“", role.name),
                _ => role_label(MemberRole::Member).to_owned(),
            },
            _ => role_label(member.role).to_owned(),
        })
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
            let mut problems = AccountProblems::default();
            problems.add(AccountField::HauptadminEmail, message);
            AccountError::Problems(problems)
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
