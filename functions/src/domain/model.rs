//! The records the account flows read and write.

use catalog::model::CustomerScope;
use serde::{Deserialize, Serialize};

/// Where a registered organisation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgStatus {
    /// Registered; the administrator has not yet clicked the confirmation link.
    AwaitingConfirmation,
    /// E-mail confirmed; waiting for the operator's review.
    AwaitingReview,
    /// Approved by the operator; its members may sign in.
    Approved,
    /// Rejected by the operator (with a reason).
    Rejected,
    /// Deactivated by the operator after approval: its people cannot sign in, their open
    /// sessions are refused; the operator can reactivate it (back to `Approved`).
    Deactivated,
}

impl OrgStatus {
    /// Every status, for parsing and listing.
    pub const ALL: [OrgStatus; 5] = [
        OrgStatus::AwaitingConfirmation,
        OrgStatus::AwaitingReview,
        OrgStatus::Approved,
        OrgStatus::Rejected,
        OrgStatus::Deactivated,
    ];

    /// The stable name stored in the databases.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgStatus::AwaitingConfirmation => "awaiting_confirmation",
            OrgStatus::AwaitingReview => "awaiting_review",
            OrgStatus::Approved => "approved",
            OrgStatus::Rejected => "rejected",
            OrgStatus::Deactivated => "deactivated",
        }
    }

    /// The inverse of [`OrgStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// The German label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            OrgStatus::AwaitingConfirmation => "E-Mail-Bestätigung ausstehend",
            OrgStatus::AwaitingReview => "Prüfung durch den Betreiber",
            OrgStatus::Approved => "Freigegeben",
            OrgStatus::Rejected => "Abgelehnt",
            OrgStatus::Deactivated => "Deaktiviert",
        }
    }
}

/// A customer organisation, registered by its first person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub legal_form: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    /// In-house capable towards the intermediary (a condition for the Umklappvertrag).
    pub in_house_capable: bool,
    /// Verwaltungsebene (Bund, Land, Kommune): the Kundenkreis the organisation belongs to;
    /// `None` for organisations registered before it was asked.
    #[serde(default)]
    pub level: Option<CustomerScope>,
    pub status: OrgStatus,
    /// The person who registered the organisation.
    pub admin_user_id: String,
    /// Versions of the CSP-AGB and the privacy notice consented to at registration.
    pub agb_version: String,
    pub privacy_version: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub reject_reason: Option<String>,
    /// Leitweg-ID for e-invoices (XRechnung BT-10), normalised; empty if none was given.
    #[serde(default)]
    pub leitweg_id: String,
    /// The organisation's central phone number; empty if none was given.
    #[serde(default)]
    pub central_phone: String,
    /// Customer, provider or the intermediary; records of earlier releases are customers.
    #[serde(default)]
    pub kind: OrgKind,
}

/// What an organisation is to the portal: a customer that orders, or a party that decides
/// orders (a provider of the catalog, or the intermediary of the Umklappvertrag).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrgKind {
    #[default]
    Customer,
    /// Anbieter: the id of its file in `content/providers/`.
    Provider { provider_id: String },
    /// Intermediär (govdigital) for the Umklappvertrag.
    Intermediary,
    /// Betreiber: the team that runs the portal (one organisation per portal, created by
    /// `csp-function admin create-operator`); its people must sign in with a second factor.
    Operator,
}

impl OrgKind {
    /// The key that makes a deciding party's organisation unique (`provider:<id>`,
    /// `intermediary`); `None` for customers.
    pub fn party_key(&self) -> Option<String> {
        match self {
            OrgKind::Customer => None,
            OrgKind::Provider { provider_id } => Some(format!("provider:{provider_id}")),
            OrgKind::Intermediary => Some("intermediary".to_owned()),
            OrgKind::Operator => Some("operator".to_owned()),
        }
    }

    /// Whether the organisation is the portal's operator.
    pub fn is_operator(&self) -> bool {
        matches!(self, OrgKind::Operator)
    }

    /// The German label.
    pub fn label(&self) -> &'static str {
        match self {
            OrgKind::Customer => "Kunde",
            OrgKind::Provider { .. } => "Anbieter",
            OrgKind::Intermediary => "Intermediär",
            OrgKind::Operator => "Betreiber",
        }
    }
}

/// A person of an organisation who can sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// Normalised (NFC, trimmed, lower case): the unique key.
    pub email: String,
    pub phone: String,
    /// PHC string of an argon2id hash; `None` until the invitation is used.
    pub password_hash: Option<String>,
    pub created_at: i64,
    /// The role given by an administrator; the Hauptadmin is the organisation's
    /// `admin_user_id`, whatever this says (so records of the previous release, which have
    /// no role, make the registering person the Hauptadmin and everyone else a member).
    #[serde(default)]
    pub role: MemberRole,
    /// Deactivated by an administrator: may not sign in, has no sessions.
    #[serde(default)]
    pub deactivated: bool,
    /// The second sign-in factor, if the person switched it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_factor: Option<SecondFactor>,
    /// A named role of the organisation ([`Role`]) a Mitarbeiter/in holds; `None` for
    /// administrators and for people without one (and in records of earlier releases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
}

/// A time-based one-time password (TOTP, RFC 6238) as the second sign-in factor, with the
/// recovery codes for a lost authenticator app.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactor {
    /// The secret shared with the authenticator app, base32 as the app was given it.
    pub secret: String,
    /// SHA-256 (hex) of each recovery code not used yet; a used one is removed.
    pub recovery_codes: Vec<String>,
    /// When it was switched on (Unix seconds).
    pub since: i64,
}

/// The secret never appears in logs.
impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactor")
            .field("recovery_codes_left", &self.recovery_codes.len())
            .field("since", &self.since)
            .finish_non_exhaustive()
    }
}

/// A right a named role gives (a closed set). Administrators have every one; ordering and
/// reporting a Bedarf are open to every person and are no right one can withhold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Right {
    /// "Mitarbeitende verwalten": invite people, resend, deactivate, reactivate, delete, and
    /// give the roles whose rights one has oneself.
    ManageMembers,
    /// "Adressen verwalten": the organisation's addresses.
    ManageAddresses,
    /// "Organisationsprofil bearbeiten": the Ergänzende Angaben zur Organisation.
    EditOrganisation,
    /// "Alle Bestellungen der Organisation sehen" (without it, a person sees their own).
    SeeAllOrders,
}

impl Right {
    /// Every right, in the order forms list them.
    pub const ALL: [Right; 4] = [
        Right::ManageMembers,
        Right::ManageAddresses,
        Right::EditOrganisation,
        Right::SeeAllOrders,
    ];

    /// The value forms submit.
    pub fn as_str(self) -> &'static str {
        match self {
            Right::ManageMembers => "mitarbeitende_verwalten",
            Right::ManageAddresses => "adressen_verwalten",
            Right::EditOrganisation => "organisationsprofil_bearbeiten",
            Right::SeeAllOrders => "alle_bestellungen_sehen",
        }
    }

    /// The inverse of [`Right::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|right| right.as_str() == s)
    }

    /// The German label.
    pub fn label(self) -> &'static str {
        match self {
            Right::ManageMembers => "Mitarbeitende verwalten",
            Right::ManageAddresses => "Adressen verwalten",
            Right::EditOrganisation => "Organisationsprofil bearbeiten",
            Right::SeeAllOrders => "Alle Bestellungen der Organisation sehen",
        }
    }
}

/// A named role an organisation's administrators define: a name and a set of rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// Sorted, without duplicates.
    pub rights: Vec<Right>,
    pub created_at: i64,
}

impl Role {
    /// The key that keeps names unique within an organisation (case-insensitive).
    pub fn name_key(&self) -> String {
        self.name.trim().to_lowercase()
    }
}

/// The role an administrator gives a person (the Hauptadmin is not a role one can give).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// Mitarbeiterin or Mitarbeiter: searches, orders, reports needs, sees the orders.
    #[default]
    Member,
    /// Organisationsadmin: also manages the people of the organisation.
    Admin,
}

impl MemberRole {
    /// The value forms submit.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Member => "mitarbeiter",
            MemberRole::Admin => "organisationsadmin",
        }
    }

    /// The inverse of [`MemberRole::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [MemberRole::Member, MemberRole::Admin]
            .into_iter()
            .find(|role| role.as_str() == s)
    }
}

/// What a person is in an organisation, as shown and as permissions are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The person who registered the organisation (or whom the operator made it).
    Hauptadmin,
    Organisationsadmin,
    Mitarbeiter,
}

impl Standing {
    /// What `user` is in `org`.
    pub fn of(org: &Organisation, user: &User) -> Standing {
        if org.admin_user_id == user.id {
            Standing::Hauptadmin
        } else if user.role == MemberRole::Admin {
            Standing::Organisationsadmin
        } else {
            Standing::Mitarbeiter
        }
    }

    /// Whether the person may manage the organisation's people.
    pub fn administers(self) -> bool {
        matches!(self, Standing::Hauptadmin | Standing::Organisationsadmin)
    }

    /// The German label.
    pub fn label(self) -> &'static str {
        match self {
            Standing::Hauptadmin => "Hauptadministration",
            Standing::Organisationsadmin => "Organisationsadmin",
            Standing::Mitarbeiter => "Mitarbeiter/in",
        }
    }
}

/// What an administrative change did, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Invited,
    InvitationResent,
    RoleChanged,
    Deactivated,
    Reactivated,
    Deleted,
    HauptadminChanged,
    /// The "Ergänzende Angaben zur Organisation" (Inhousefähigkeit, Leitweg-ID, phone).
    DetailsChanged,
    AddressAdded,
    AddressChanged,
    AddressDeleted,
    /// Another address became the Standardadresse.
    DefaultAddressChanged,
    /// A named role was defined, changed or deleted (the subject is the role).
    RoleCreated,
    RoleEdited,
    RoleDeleted,
    /// The operator removed a person's second factor (a lost authenticator app).
    SecondFactorReset,
    /// The operator changed name or Rechtsform on the organisation's request.
    OrganisationChanged,
    /// The operator deactivated the organisation, or reactivated it.
    OrganisationDeactivated,
    OrganisationReactivated,
}

impl AuditAction {
    /// The German label.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Invited => "Eingeladen",
            AuditAction::InvitationResent => "Einladung erneut gesendet",
            AuditAction::RoleChanged => "Rolle geändert",
            AuditAction::Deactivated => "Deaktiviert",
            AuditAction::Reactivated => "Wieder aktiviert",
            AuditAction::Deleted => "Gelöscht",
            AuditAction::HauptadminChanged => "Hauptadministration übertragen",
            AuditAction::DetailsChanged => "Ergänzende Angaben geändert",
            AuditAction::AddressAdded => "Adresse angelegt",
            AuditAction::AddressChanged => "Adresse geändert",
            AuditAction::AddressDeleted => "Adresse gelöscht",
            AuditAction::DefaultAddressChanged => "Standardadresse geändert",
            AuditAction::RoleCreated => "Rolle angelegt",
            AuditAction::RoleEdited => "Rolle bearbeitet",
            AuditAction::RoleDeleted => "Rolle gelöscht",
            AuditAction::SecondFactorReset => "Zwei-Faktor-Anmeldung zurückgesetzt",
            AuditAction::OrganisationChanged => "Name oder Rechtsform geändert",
            AuditAction::OrganisationDeactivated => "Organisation deaktiviert",
            AuditAction::OrganisationReactivated => "Organisation wieder aktiviert",
        }
    }
}

/// One administrative change: who did what to whom, and when; written in the same
/// transaction as the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub org_id: String,
    pub at: i64,
    /// Who made the change (a person of the organisation, or "Betreiberteam").
    pub actor: String,
    pub action: AuditAction,
    /// Whom it concerned, as name and address at the time.
    pub subject: String,
    /// Further detail (the new role), may be empty.
    pub detail: String,
}

/// What an address of an organisation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    /// A location (Standort) of the organisation.
    Standort,
    /// An address bills are sent to.
    Rechnungsadresse,
}

impl AddressKind {
    /// The value forms submit.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressKind::Standort => "standort",
            AddressKind::Rechnungsadresse => "rechnungsadresse",
        }
    }

    /// The inverse of [`AddressKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [AddressKind::Standort, AddressKind::Rechnungsadresse]
            .into_iter()
            .find(|kind| kind.as_str() == s)
    }

    /// The German label.
    pub fn label(self) -> &'static str {
        match self {
            AddressKind::Standort => "Standort",
            AddressKind::Rechnungsadresse => "Rechnungsadresse",
        }
    }
}

/// An address of an organisation ("Adressverwaltung"). Exactly one of an organisation's
/// addresses is its Standardadresse; which one the store keeps apart from the address
/// (`is_default` is filled in when read), so making another the default changes no
/// address record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub id: String,
    pub org_id: String,
    pub kind: AddressKind,
    /// A short name the organisation gives it ("Hauptsitz", "Kämmerei").
    pub label: String,
    /// The first line: organisation or office the post goes to.
    pub recipient: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    /// Phone number at this address; empty if none was given.
    pub phone: String,
    pub created_at: i64,
    /// The Standardadresse (set by the store when read, never stored in the record).
    #[serde(skip)]
    pub is_default: bool,
}

/// What a link token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Confirms the e-mail address after registration.
    Confirm,
    /// Sets the first password after the operator's approval.
    Invite,
    /// Sets a new password after "Passwort vergessen".
    Reset,
}

impl TokenKind {
    /// The stable stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Confirm => "confirm",
            TokenKind::Invite => "invite",
            TokenKind::Reset => "reset",
        }
    }

    /// The inverse of [`TokenKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [TokenKind::Confirm, TokenKind::Invite, TokenKind::Reset]
            .into_iter()
            .find(|kind| kind.as_str() == s)
    }
}

/// A single-use link token; only its SHA-256 hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub hash: String,
    pub kind: TokenKind,
    pub user_id: String,
    pub org_id: String,
    pub expires_at: i64,
    pub used: bool,
}

/// A server-side session; the cookie holds the id, the store only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub user_id: String,
    pub org_id: String,
    pub created_at: i64,
    pub last_seen: i64,
    /// When the store may forget it (the earlier of the idle and the absolute timeout).
    pub expires_at: i64,
}

/// An e-mail in the outbox, written in the same transaction as the change that causes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub id: String,
    pub to: String,
    pub subject: String,
    /// The plain text (always sent).
    pub body: String,
    pub created_at: i64,
    /// An HTML alternative of `body` (newsletters), sent as `multipart/alternative`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Further header fields (`List-Unsubscribe` of newsletters), ASCII names and values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<MailHeader>,
    /// Not sent before this time (a throttled newsletter); 0 for at once.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_before: i64,
}

/// A header field of an outgoing mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailHeader {
    pub name: String,
    pub value: String,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(value: &i64) -> bool {
    *value == 0
}

/// Everything one registration writes, atomically.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub org: Organisation,
    pub user: User,
    pub confirm_token: TokenRecord,
    pub mail: OutgoingMail,
}

/// The operator's decision on a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject { reason: String },
}
