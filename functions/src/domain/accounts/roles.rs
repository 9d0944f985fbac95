//! Rights and named roles ("Ihr Konto › Rollen").
//!
//! A right is one of a closed set ([`Right`]). The Hauptadmin and the Organisationsadmins
//! hold every right; a Mitarbeiter/in holds the rights of the named role an administrator
//! gave them, or none. Every route asks [`require`] for the one right it needs, on the
//! session's person and role as the store has them at this request. Ordering and reporting
//! a Bedarf are open to every person of the organisation: they are no right.
//!
//! Only administrators define, edit and delete roles: a person who manages members through
//! a role could otherwise widen that role and so their own rights. A role holder with
//! "Mitarbeitende verwalten" gives only roles whose rights they hold themselves, never the
//! Organisationsadmin, and does not act on administrators.
//!
//! The last person who can manage members: the Hauptadmin holds every right, can be
//! neither deactivated, deleted nor demoted by the organisation, and the operator hands
//! the Hauptadmin only to an active person. So an organisation always keeps a person who
//! manages members, whatever happens to roles; role holders are never needed for it and do
//! not count (editing or deleting a role with "Mitarbeitende verwalten" is always allowed).
//!
//! A role that is still given to somebody cannot be deleted (the administrator first gives
//! those people another role); the stores refuse it too, so a role given at the same moment
//! as it is deleted never leaves a person with a role that no longer exists.

use catalog::forms::role as role_form;

use super::input::{AccountField, AccountProblems, RoleField, RoleInput};
use super::{AccountError, Accounts, SessionInfo};
use crate::domain::model::{AuditAction, AuditEntry, MemberRole, Right, Role, Standing, User};
use crate::domain::ports::StoreError;
use crate::domain::tokens::new_id;

/// What a person may do in their organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rights {
    /// The Hauptadmin or an Organisationsadmin: every right, and roles to define.
    administrator: bool,
    granted: Vec<Right>,
}

impl Rights {
    /// The rights of `user` in the session's organisation, `role` being the named role
    /// they hold (if any, as read at this request).
    pub fn of(standing: Standing, role: Option<&Role>) -> Rights {
        if standing.administers() {
            Rights {
                administrator: true,
                granted: Right::ALL.to_vec(),
            }
        } else {
            Rights {
                administrator: false,
                granted: role.map(|r| r.rights.clone()).unwrap_or_default(),
            }
        }
    }

    pub fn has(&self, right: Right) -> bool {
        self.granted.contains(&right)
    }

    /// The Hauptadmin or an Organisationsadmin.
    pub fn administrator(&self) -> bool {
        self.administrator
    }

    /// Whether every right of `rights` is one of these.
    pub fn covers(&self, rights: &[Right]) -> bool {
        rights.iter().all(|r| self.has(*r))
    }

    /// The rights held, in the order of [`Right::ALL`].
    pub fn list(&self) -> Vec<Right> {
        Right::ALL.into_iter().filter(|r| self.has(*r)).collect()
    }
}

/// The role a person is given: Mitarbeiter/in without further rights, Organisationsadmin,
/// or a named role of the organisation (a Mitarbeiter/in with its rights).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    Member,
    Admin,
    Named(String),
}

/// The prefix of a named role's value in the role selects (`rolle:<id>`).
const NAMED: &str = "rolle:";

impl Assignment {
    /// The value a role select submits.
    pub fn parse(value: &str) -> Option<Self> {
        if let Some(id) = value.strip_prefix(NAMED) {
            return (!id.is_empty()).then(|| Assignment::Named(id.to_owned()));
        }
        match MemberRole::parse(value)? {
            MemberRole::Member => Some(Assignment::Member),
            MemberRole::Admin => Some(Assignment::Admin),
        }
    }

    /// The inverse of [`Assignment::parse`].
    pub fn value(&self) -> String {
        match self {
            Assignment::Member => MemberRole::Member.as_str().to_owned(),
            Assignment::Admin => MemberRole::Admin.as_str().to_owned(),
            Assignment::Named(id) => format!("{NAMED}{id}"),
        }
    }

    /// What `user` has now.
    pub fn of(user: &User) -> Assignment {
        match (user.role, &user.role_id) {
            (MemberRole::Admin, _) => Assignment::Admin,
            (MemberRole::Member, Some(id)) => Assignment::Named(id.clone()),
            (MemberRole::Member, None) => Assignment::Member,
        }
    }
}

/// The message for a role choice that is not one of the organisation's.
fn unknown_role(field: AccountField) -> AccountError {
    let mut errors = AccountProblems::default();
    errors.add(field, "Bitte wählen Sie eine Rolle aus.");
    AccountError::Problems(errors)
}

/// The German label of a role an administrator gives.
pub fn role_label(role: MemberRole) -> &'static str {
    match role {
        MemberRole::Member => Standing::Mitarbeiter.label(),
        MemberRole::Admin => Standing::Organisationsadmin.label(),
    }
}

/// The refusal for a person who may not define roles.
const ADMINS_ONLY: &str = "Diese Seite ist der Administration Ihrer Organisation vorbehalten.";
const ONLY_ADMINS_MAKE_ADMINS: &str =
    "Organisationsadmins ernennen nur die Hauptadministration und Organisationsadmins.";
pub(super) const NOT_BEYOND_OWN: &str =
    "Sie können nur Rollen vergeben, deren Rechte Sie selbst haben.";

/// The refusal for a person without `right`.
fn refusal(right: Right) -> &'static str {
    match right {
        Right::ManageMembers => {
            "Diese Seite ist Personen mit dem Recht „Mitarbeitende verwalten“ vorbehalten."
        }
        Right::ManageAddresses => {
            "Diese Seite ist Personen mit dem Recht „Adressen verwalten“ vorbehalten."
        }
        Right::EditOrganisation => {
            "Die Angaben zur Organisation ändern nur Personen mit dem Recht „Organisationsprofil bearbeiten“."
        }
        Right::SeeAllOrders => {
            "Diese Bestellung ist nur für die Person, die sie aufgegeben hat, und für Personen mit dem Recht „Alle Bestellungen der Organisation sehen“."
        }
    }
}

/// The one check every route makes: the session's person holds `right`, else 403.
pub fn require(session: &SessionInfo, right: Right) -> Result<(), AccountError> {
    if session.rights().has(right) {
        Ok(())
    } else {
        Err(AccountError::Forbidden(refusal(right)))
    }
}

/// Defining roles is for administrators only (see the module's documentation).
pub fn require_administrator(session: &SessionInfo) -> Result<(), AccountError> {
    if session.rights().administrator() {
        Ok(())
    } else {
        Err(AccountError::Forbidden(ADMINS_ONLY))
    }
}

/// A role with the people who hold it.
#[derive(Debug, Clone)]
pub struct RoleInUse {
    pub role: Role,
    pub holders: Vec<User>,
}

/// The name and rights of a role form, checked (the rights in the order of [`Right::ALL`]).
fn read_role_form(input: &RoleInput) -> Result<(String, Vec<Right>), AccountError> {
    let mut errors = AccountProblems::default();
    let field = AccountField::Role(RoleField::Name);
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        errors.add(field, "Bitte geben Sie der Rolle einen Namen.");
    } else if name.chars().count() > role_form::NAME.max_len {
        errors.add(
            field,
            format!(
                "Bitte kürzen Sie den Namen auf höchstens {} Zeichen.",
                role_form::NAME.max_len
            ),
        );
    } else if name.chars().any(char::is_control) {
        errors.add(field, "Die Angabe enthält unzulässige Steuerzeichen.");
    }
    let rights: Vec<Right> = Right::ALL
        .into_iter()
        .filter(|right| input.rights.contains(right))
        .collect();
    if rights.is_empty() {
        errors.add(
            AccountField::Role(RoleField::Rights),
            "Bitte wählen Sie mindestens ein Recht aus.",
        );
    }
    if errors.is_empty() {
        Ok((name, rights))
    } else {
        Err(AccountError::Problems(errors))
    }
}

/// The message for a name another role of the organisation has.
fn name_taken() -> AccountError {
    let mut errors = AccountProblems::default();
    errors.add(
        AccountField::Role(RoleField::Name),
        "Eine Rolle mit diesem Namen gibt es in Ihrer Organisation schon. Bitte wählen Sie einen anderen Namen.",
    );
    AccountError::Problems(errors)
}

/// "Rechte: a, b", how the audit trail describes a role's rights.
pub fn rights_text(rights: &[Right]) -> String {
    let labels: Vec<&str> = rights.iter().map(|r| r.label()).collect();
    format!("Rechte: {}", labels.join(", "))
}

impl Accounts {
    /// Refuses a person who may not manage the organisation's people.
    pub(super) fn require_members_right(
        &self,
        session: &SessionInfo,
    ) -> Result<Rights, AccountError> {
        require(session, Right::ManageMembers)?;
        Ok(session.rights())
    }

    /// The role `assignment` names, checked against what the session's person may give:
    /// the Organisationsadmin only by an administrator, a named role of the organisation
    /// only with rights the giver holds. Returns the role record and its label.
    pub(super) async fn resolve_assignment(
        &self,
        session: &SessionInfo,
        rights: &Rights,
        assignment: &Assignment,
        field: AccountField,
    ) -> Result<(Option<Role>, String), AccountError> {
        match assignment {
            Assignment::Member => Ok((None, role_label(MemberRole::Member).to_owned())),
            Assignment::Admin if rights.administrator() => {
                Ok((None, role_label(MemberRole::Admin).to_owned()))
            }
            Assignment::Admin => Err(AccountError::Forbidden(ONLY_ADMINS_MAKE_ADMINS)),
            Assignment::Named(id) => {
                let role = self
                    .store
                    .get_role(id)
                    .await?
                    .filter(|role| role.org_id == session.org.id)
                    .ok_or_else(|| unknown_role(field))?;
                if !rights.covers(&role.rights) {
                    return Err(AccountError::Forbidden(NOT_BEYOND_OWN));
                }
                let label = format!("Rolle „{}“", role.name);
                Ok((Some(role), label))
            }
        }
    }

    /// The roles the session's person may give, as (value, label) for the role selects.
    pub async fn assignable_roles(
        &self,
        session: &SessionInfo,
    ) -> Result<Vec<(String, String)>, AccountError> {
        let rights = self.require_members_right(session)?;
        let mut choices = vec![(
            Assignment::Member.value(),
            role_label(MemberRole::Member).to_owned(),
        )];
        if rights.administrator() {
            choices.push((
                Assignment::Admin.value(),
                role_label(MemberRole::Admin).to_owned(),
            ));
        }
        let mut named = self.store.list_roles(&session.org.id).await?;
        named.retain(|role| role.org_id == session.org.id && rights.covers(&role.rights));
        named.sort_by_key(|role| role.name.to_lowercase());
        choices.extend(named.into_iter().map(|role| {
            (
                Assignment::Named(role.id).value(),
                format!("Rolle „{}“", role.name),
            )
        }));
        Ok(choices)
    }

    fn role_audit(
        &self,
        session: &SessionInfo,
        action: AuditAction,
        role: &Role,
        detail: String,
    ) -> AuditEntry {
        AuditEntry {
            id: new_id(),
            org_id: session.org.id.clone(),
            at: self.now(),
            actor: session.user.name.clone(),
            action,
            subject: format!("Rolle „{}“", role.name),
            detail,
        }
    }

    /// The organisation's roles by name, each with the people who hold it; for
    /// administrators and for people who manage members (they give roles).
    pub async fn roles(&self, session: &SessionInfo) -> Result<Vec<RoleInUse>, AccountError> {
        if !session.rights().administrator() {
            require(session, Right::ManageMembers)?;
        }
        let org = &session.org;
        let users = self.store.list_org_users(&org.id).await?;
        let mut roles: Vec<RoleInUse> = self
            .store
            .list_roles(&org.id)
            .await?
            .into_iter()
            .filter(|role| role.org_id == org.id)
            .map(|role| RoleInUse {
                holders: users
                    .iter()
                    .filter(|u| {
                        u.org_id == org.id
                            && u.role_id.as_deref() == Some(role.id.as_str())
                            && Standing::of(org, u) == Standing::Mitarbeiter
                    })
                    .cloned()
                    .collect(),
                role,
            })
            .collect();
        roles.sort_by_key(|r| r.role.name.to_lowercase());
        Ok(roles)
    }

    /// One role of the session's organisation (`NotFound` for another's or an unknown id).
    pub async fn role(&self, session: &SessionInfo, role_id: &str) -> Result<Role, AccountError> {
        require_administrator(session)?;
        self.store
            .get_role(role_id)
            .await?
            .filter(|role| role.org_id == session.org.id)
            .ok_or(AccountError::NotFound)
    }

    /// "Rolle anlegen": a name unique within the organisation and at least one right.
    pub async fn create_role(
        &self,
        session: &SessionInfo,
        input: &RoleInput,
    ) -> Result<Role, AccountError> {
        require_administrator(session)?;
        let (name, rights) = read_role_form(input)?;
        let role = Role {
            id: new_id(),
            org_id: session.org.id.clone(),
            name,
            rights,
            created_at: self.now(),
        };
        let audit = self.role_audit(
            session,
            AuditAction::RoleCreated,
            &role,
            rights_text(&role.rights),
        );
        match self.store.create_role(&role, &audit).await {
            Ok(()) => {
                tracing::info!(event = "role_created", org = %role.org_id, role = %role.id);
                Ok(role)
            }
            Err(StoreError::NameTaken) => Err(name_taken()),
            Err(other) => Err(other.into()),
        }
    }

    /// "Rolle bearbeiten": a new name or other rights; the holders have the new rights at
    /// their next request.
    pub async fn edit_role(
        &self,
        session: &SessionInfo,
        role_id: &str,
        input: &RoleInput,
    ) -> Result<Role, AccountError> {
        let before = self.role(session, role_id).await?;
        let (name, rights) = read_role_form(input)?;
        let after = Role {
            name,
            rights,
            ..before.clone()
        };
        if after == before {
            return Ok(after);
        }
        let detail = if after.name == before.name {
            rights_text(&after.rights)
        } else {
            format!(
                "Neuer Name „{}“; {}",
                after.name,
                rights_text(&after.rights)
            )
        };
        let audit = self.role_audit(session, AuditAction::RoleEdited, &before, detail);
        // Its holders are told (the store writes the mails with the change).
        let now = self.now();
        let mails: Vec<_> = self
            .store
            .list_org_users(&session.org.id)
            .await?
            .into_iter()
            .filter(|u| {
                u.role_id.as_deref() == Some(before.id.as_str())
                    && Standing::of(&session.org, u) == Standing::Mitarbeiter
            })
            .map(|u| {
                crate::domain::mails::role_rights_changed(
                    &u.email,
                    &u.name,
                    &session.org.name,
                    &after.name,
                    &rights_text(&after.rights),
                    now,
                )
            })
            .collect();
        match self
            .store
            .update_role(&before, &after, &mails, &audit)
            .await
        {
            Ok(()) => {
                tracing::info!(event = "role_edited", org = %after.org_id, role = %after.id);
                Ok(after)
            }
            Err(StoreError::NameTaken) => Err(name_taken()),
            Err(other) => Err(other.into()),
        }
    }

    /// "Rolle löschen": only a role nobody holds; otherwise the answer names the holders.
    pub async fn delete_role(
        &self,
        session: &SessionInfo,
        role_id: &str,
    ) -> Result<Role, AccountError> {
        let role = self.role(session, role_id).await?;
        let holders: Vec<String> = self
            .store
            .list_org_users(&session.org.id)
            .await?
            .into_iter()
            .filter(|u| u.role_id.as_deref() == Some(role.id.as_str()))
            .map(|u| u.name)
            .collect();
        if !holders.is_empty() {
            return Err(still_held(&role, &holders));
        }
        let audit = self.role_audit(
            session,
            AuditAction::RoleDeleted,
            &role,
            rights_text(&role.rights),
        );
        match self.store.delete_role(&role, &audit).await {
            Ok(()) => {
                tracing::info!(event = "role_deleted", org = %role.org_id, role = %role.id);
                Ok(role)
            }
            // Given to somebody meanwhile.
            Err(StoreError::Conflict) => Err(still_held(&role, &[])),
            Err(other) => Err(other.into()),
        }
    }
}

/// The refusal to delete a role somebody holds.
fn still_held(role: &Role, holders: &[String]) -> AccountError {
    let mut errors = AccountProblems::default();
    let who = if holders.is_empty() {
        String::new()
    } else {
        format!(" ({})", holders.join(", "))
    };
    errors.add(
        AccountField::Role(RoleField::Delete),
        format!(
            "Die Rolle „{}“ ist noch Personen zugewiesen{who}. Geben Sie diesen Personen unter „Mitarbeitende“ zuerst eine andere Rolle; dann können Sie die Rolle löschen.",
            role.name
        ),
    );
    AccountError::Problems(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(rights: &[Right]) -> Role {
        Role {
            id: "r".into(),
            org_id: "o".into(),
            name: "Einkauf".into(),
            rights: rights.to_vec(),
            created_at: 0,
        }
    }

    #[test]
    fn administrators_hold_every_right_whatever_role_they_have() {
        for standing in [Standing::Hauptadmin, Standing::Organisationsadmin] {
            let rights = Rights::of(standing, Some(&role(&[])));
            assert!(rights.administrator());
            assert_eq!(rights.list(), Right::ALL);
        }
    }

    #[test]
    fn a_member_holds_exactly_the_rights_of_their_role() {
        let none = Rights::of(Standing::Mitarbeiter, None);
        assert!(none.list().is_empty() && !none.administrator());
        let some = Rights::of(
            Standing::Mitarbeiter,
            Some(&role(&[Right::ManageMembers, Right::SeeAllOrders])),
        );
        assert!(some.has(Right::ManageMembers) && some.has(Right::SeeAllOrders));
        assert!(!some.has(Right::EditOrganisation) && !some.has(Right::ManageAddresses));
        assert!(some.covers(&[Right::SeeAllOrders]));
        assert!(!some.covers(&[Right::SeeAllOrders, Right::EditOrganisation]));
        assert!(!some.administrator());
    }

    #[test]
    fn the_role_form_has_one_checkbox_per_right_named_after_it() {
        let names: Vec<&str> = role_form::RIGHTS.iter().map(|f| f.name).collect();
        let rights: Vec<&str> = Right::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, rights);
    }

    #[test]
    fn a_role_needs_a_name_and_a_right_each_reported_at_its_field() {
        let Err(AccountError::Problems(problems)) = read_role_form(&RoleInput::default()) else {
            panic!("refused");
        };
        let fields: Vec<AccountField> = problems.0.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [RoleField::Name, RoleField::Rights].map(AccountField::Role)
        );
        let (name, rights) = read_role_form(&RoleInput {
            name: "  Beschaffung ".into(),
            rights: vec![Right::SeeAllOrders, Right::ManageMembers],
        })
        .expect("valid");
        assert_eq!(name, "Beschaffung");
        assert_eq!(
            rights,
            [Right::ManageMembers, Right::SeeAllOrders],
            "in the order of Right::ALL"
        );
    }

    #[test]
    fn rights_parse_from_their_form_values_only() {
        for right in Right::ALL {
            assert_eq!(Right::parse(right.as_str()), Some(right));
        }
        assert_eq!(Right::parse("bestellen"), None);
        assert_eq!(Right::parse(""), None);
    }

    #[test]
    fn role_choices_read_back_as_submitted() {
        for choice in [
            Assignment::Member,
            Assignment::Admin,
            Assignment::Named("abc123".to_owned()),
        ] {
            assert_eq!(Assignment::parse(&choice.value()), Some(choice));
        }
        // The Hauptadmin is no role one can give; an empty role id is no role.
        assert_eq!(Assignment::parse("hauptadmin"), None);
        assert_eq!(Assignment::parse("rolle:"), None);
        assert_eq!(Assignment::parse(""), None);
    }
}
