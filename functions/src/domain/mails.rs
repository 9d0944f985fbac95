//! The texts of the e-mails the account flows send (German, plain text).

use super::model::OutgoingMail;
use super::tokens::new_id;

const SIGNATURE: &str = "\n\nMit freundlichen Grüßen\nIhr Team des Cloud-Service-Portals\n\n\
Diese Nachricht wurde automatisch erstellt. Bitte antworten Sie nicht darauf.\n";

pub(crate) fn mail(to: &str, subject: &str, body: String, now: i64) -> OutgoingMail {
    OutgoingMail {
        id: new_id(),
        to: to.to_owned(),
        subject: subject.to_owned(),
        body: format!("{body}{SIGNATURE}"),
        created_at: now,
        ..OutgoingMail::default()
    }
}

/// Asks the administrator to confirm the address.
pub fn confirm_address(to: &str, name: &str, org: &str, link: &str, now: i64) -> OutgoingMail {
    mail(
        to,
        "Bitte bestätigen Sie Ihre E-Mail-Adresse",
        format!(
            "Guten Tag {name},\n\nSie haben die Organisation „{org}“ im Cloud-Service-Portal registriert. \
Bitte bestätigen Sie Ihre E-Mail-Adresse innerhalb von 24 Stunden über diesen Link:\n\n{link}\n\n\
Danach prüft das Betreiberteam Ihre Registrierung. Wenn Sie sich nicht registriert haben, \
können Sie diese Nachricht ignorieren."
        ),
        now,
    )
}

/// Tells the owner of an existing address that someone tried to register it again
/// (the web answer is the same as for a new address: no account enumeration).
pub fn already_registered(to: &str, reset_link: &str, now: i64) -> OutgoingMail {
    mail(
        to,
        "Erneuter Registrierungsversuch mit Ihrer E-Mail-Adresse",
        format!(
            "Guten Tag,\n\nsoeben wurde versucht, mit Ihrer E-Mail-Adresse eine Organisation im \
Cloud-Service-Portal zu registrieren. Ihre Adresse ist bereits registriert.\n\n\
Falls Sie Ihr Passwort vergessen haben, können Sie hier ein neues festlegen:\n\n{reset_link}\n\n\
Wenn Sie das nicht waren, müssen Sie nichts tun."
        ),
        now,
    )
}

/// Tells the operator that a registration awaits review.
pub fn review_requested(to: &str, org: &str, org_id: &str, now: i64) -> OutgoingMail {
    mail(
        to,
        "Neue Registrierung zur Prüfung",
        format!(
            "Guten Tag,\n\ndie Organisation „{org}“ hat ihre Registrierung bestätigt und wartet auf die Prüfung.\n\n\
Kennung: {org_id}\n\nFreigeben:  csp-function admin approve {org_id}\n\
Ablehnen:   csp-function admin reject {org_id} --reason \"…\""
        ),
        now,
    )
}

/// Invites the administrator to set a password after approval.
pub fn approved(to: &str, name: &str, org: &str, link: &str, now: i64) -> OutgoingMail {
    mail(
        to,
        "Ihre Registrierung wurde freigegeben",
        format!(
            "Guten Tag {name},\n\ndie Registrierung der Organisation „{org}“ im Cloud-Service-Portal wurde freigegeben. \
Bitte legen Sie innerhalb von 72 Stunden Ihr Passwort fest:\n\n{link}\n\n\
Ist der Link abgelaufen, fordern Sie über „Passwort vergessen“ einen neuen an."
        ),
        now,
    )
}

/// Tells the administrator that the registration was rejected, with the reason.
pub fn rejected(to: &str, name: &str, org: &str, reason: &str, now: i64) -> OutgoingMail {
    mail(
        to,
        "Ihre Registrierung wurde abgelehnt",
        format!(
            "Guten Tag {name},\n\ndie Registrierung der Organisation „{org}“ im Cloud-Service-Portal wurde abgelehnt.\n\n\
Begründung: {reason}\n\nBei Fragen wenden Sie sich bitte an das Betreiberteam."
        ),
        now,
    )
}

/// Sends the link to set a new password.
pub fn reset_password(to: &str, name: &str, link: &str, now: i64) -> OutgoingMail {
    mail(
        to,
        "Neues Passwort festlegen",
        format!(
            "Guten Tag {name},\n\nSie haben ein neues Passwort für das Cloud-Service-Portal angefordert. \
Der Link ist eine Stunde gültig:\n\n{link}\n\n\
Wenn Sie kein neues Passwort angefordert haben, können Sie diese Nachricht ignorieren; \
Ihr bisheriges Passwort bleibt gültig."
        ),
        now,
    )
}

/// Invites a person into the organisation's account: set a password within 7 days.
pub fn member_invited(
    to: &str,
    name: &str,
    org: &str,
    inviter: &str,
    role: &str,
    link: &str,
    now: i64,
) -> OutgoingMail {
    mail(
        to,
        "Einladung in das Cloud-Service-Portal",
        format!(
            "Guten Tag {name},\n\n{inviter} hat Sie in das Konto der Organisation „{org}“ im \
Cloud-Service-Portal eingeladen (Rolle: {role}). Bitte legen Sie innerhalb von 7 Tagen Ihr \
Passwort fest:\n\n{link}\n\nDer Link gilt einmal. Ist er abgelaufen, bitten Sie Ihre \
Administration, die Einladung erneut zu senden. Wenn Sie diese Einladung nicht erwartet \
haben, können Sie diese Nachricht ignorieren."
        ),
        now,
    )
}

/// Tells the owner of an existing address that someone tried to invite it (the inviter's
/// answer is the same as for a new address: no account enumeration).
pub fn invitation_for_existing_account(to: &str, org: &str, now: i64) -> OutgoingMail {
    mail(
        to,
        "Einladungsversuch mit Ihrer E-Mail-Adresse",
        format!(
            "Guten Tag,\n\nsoeben wurde versucht, Ihre E-Mail-Adresse in das Konto der \
Organisation „{org}“ im Cloud-Service-Portal einzuladen. Ihre Adresse gehört bereits zu einem \
Konto, und eine Adresse kann nur zu einem Konto gehören. Es wurde nichts geändert.\n\n\
Wenn Sie das Konto wechseln möchten, wenden Sie sich an die Administration Ihrer Organisation \
oder an das Betreiberteam."
        ),
        now,
    )
}

/// Tells a person their role changed.
pub fn role_changed(to: &str, name: &str, org: &str, role: &str, now: i64) -> OutgoingMail {
    mail(
        to,
        "Ihre Rolle im Cloud-Service-Portal wurde geändert",
        format!(
            "Guten Tag {name},\n\nIhre Rolle im Konto der Organisation „{org}“ im \
Cloud-Service-Portal ist jetzt: {role}."
        ),
        now,
    )
}

/// Tells a person the rights of their role were changed.
pub fn role_rights_changed(
    to: &str,
    name: &str,
    org: &str,
    role: &str,
    rights: &str,
    now: i64,
) -> OutgoingMail {
    mail(
        to,
        "Die Rechte Ihrer Rolle im Cloud-Service-Portal wurden geändert",
        format!(
            "Guten Tag {name},\n\ndie Administration der Organisation „{org}“ hat Ihre Rolle \
im Cloud-Service-Portal geändert. Sie heißt jetzt „{role}“. {rights}."
        ),
        now,
    )
}

/// Tells a person their account was deactivated.
pub fn member_deactivated(to: &str, name: &str, org: &str, now: i64) -> OutgoingMail {
    mail(
        to,
        "Ihr Zugang zum Cloud-Service-Portal wurde deaktiviert",
        format!(
            "Guten Tag {name},\n\ndie Administration der Organisation „{org}“ hat Ihren \
Zugang zum Cloud-Service-Portal deaktiviert. Sie können sich nicht mehr anmelden, bis Ihr \
Konto wieder aktiviert wird. Bei Fragen wenden Sie sich bitte an die Administration Ihrer \
Organisation."
        ),
        now,
    )
}

/// Tells a person their account was reactivated.
pub fn member_reactivated(to: &str, name: &str, org: &str, now: i64) -> OutgoingMail {
    mail(
        to,
        "Ihr Zugang zum Cloud-Service-Portal ist wieder aktiv",
        format!(
            "Guten Tag {name},\n\ndie Administration der Organisation „{org}“ hat Ihren \
Zugang zum Cloud-Service-Portal wieder aktiviert. Sie können sich wieder mit Ihrer \
E-Mail-Adresse und Ihrem Passwort anmelden."
        ),
        now,
    )
}
