//! The e-mails of orders and needs (German, plain text).

use super::documents::{folder_text, german_day};
use super::model::{Need, Order};
use super::status::Party;
use crate::domain::mails::mail;
use crate::domain::model::OutgoingMail;

/// Confirms receipt to the person who ordered.
pub fn order_received(order: &Order, account_link: &str, now: i64) -> OutgoingMail {
    let f = &order.folder;
    mail(
        &f.customer.orderer_email,
        &format!("Ihre Bestellung {} ist eingegangen", f.number),
        format!(
            "Guten Tag {},\n\nvielen Dank für Ihre Bestellung von „{}“ ({}, {}). Sie ist unter der Nummer {} eingegangen und hat den Status „{}“.\n\n\
Verbindlich wird die Bestellung erst, wenn der Anbieter sie bestätigt. Er entscheidet spätestens bis zum {}.\n\n\
Status und Vertragsmappe finden Sie in Ihrem Konto:\n{account_link}",
            f.customer.orderer_name,
            f.offering.name,
            f.plan.name,
            f.contract_model.label(),
            f.number,
            order.status.label(),
            german_day(order.deadline),
        ),
        now,
    )
}

/// Asks the provider or the intermediary to decide, with the whole contract folder.
pub fn decision_requested(
    order: &Order,
    party: Party,
    to: &str,
    decision_link: &str,
    now: i64,
) -> OutgoingMail {
    let f = &order.folder;
    let who = match party {
        Party::Intermediary => "als Intermediär im Umklappvertrag",
        _ => "als Anbieter",
    };
    mail(
        to,
        &format!(
            "Neue Bestellung {}: {} für {}",
            f.number, f.offering.name, f.customer.organisation
        ),
        format!(
            "Guten Tag,\n\nüber das Cloud-Service-Portal ist eine Bestellung eingegangen, über die Sie {who} entscheiden. \
Bitte bestätigen Sie sie oder lehnen Sie sie mit Begründung ab, spätestens bis zum {}.\n\n\
Bestätigen:\n{decision_link}&aktion=bestaetigen\n\nAblehnen (mit Begründung):\n{decision_link}&aktion=ablehnen\n\n\
Die Links sind bis zum {} gültig und können nur für eine Entscheidung verwendet werden. \
Über die Seite hinter dem Link können Sie die Bestellung auch zunächst als „in Prüfung“ markieren.\n\n\
=== Vertragsmappe ===\n{}",
            german_day(order.deadline),
            german_day(order.deadline),
            folder_text(order)
        ),
        now,
    )
}

/// Tells the person who ordered about a new status.
pub fn status_changed(order: &Order, account_link: &str, now: i64) -> OutgoingMail {
    let f = &order.folder;
    let reason = order
        .rejection_reason()
        .filter(|_| order.status.is_rejection())
        .map(|r| format!("\n\nBegründung: {r}"))
        .unwrap_or_default();
    let meaning = if order.status == super::OrderStatus::Bestellt {
        "\n\nDie Bestellung ist damit verbindlich. Der Anbieter stellt den Service in der angegebenen Bereitstellungszeit bereit."
    } else if order.status.is_rejection() {
        "\n\nDie Bestellung kommt nicht zustande."
    } else {
        ""
    };
    mail(
        &f.customer.orderer_email,
        &format!("Bestellung {}: {}", f.number, order.status.label()),
        format!(
            "Guten Tag {},\n\nIhre Bestellung {} („{}“) hat einen neuen Status: {}.{reason}{meaning}\n\n\
Verlauf und Vertragsmappe:\n{account_link}",
            f.customer.orderer_name,
            f.number,
            f.offering.name,
            order.status.label()
        ),
        now,
    )
}

/// Tells the intermediary that the provider rejected an Umklappvertrag order.
pub fn provider_rejected_for_intermediary(order: &Order, to: &str, now: i64) -> OutgoingMail {
    let f = &order.folder;
    mail(
        to,
        &format!("Bestellung {} vom Anbieter abgelehnt", f.number),
        format!(
            "Guten Tag,\n\nder Anbieter {} hat die Bestellung {} („{}“ für {}) abgelehnt.\n\nBegründung: {}",
            f.offering.provider.name,
            f.number,
            f.offering.name,
            f.customer.organisation,
            order.rejection_reason().unwrap_or("–")
        ),
        now,
    )
}

/// Tells the operator about a reported need.
pub fn need_reported(to: &str, need: &Need, now: i64) -> OutgoingMail {
    let optional = |v: Option<String>| v.unwrap_or_else(|| "keine Angabe".to_owned());
    mail(
        to,
        &format!("Neuer Bedarf: {}", need.title),
        format!(
            "Guten Tag,\n\n{} ({}) hat einen Bedarf gemeldet.\n\nTitel: {}\nKategorie: {}\nErwartete Nutzende: {}\nGewünschter Start: {}\n\
Kontakt: {} ({}, bevorzugt per {})\n\nBeschreibung:\n{}\n\nAlle Meldungen: csp-function admin needs",
            need.user_name,
            need.org_name,
            need.title,
            optional(need.category_name.clone()),
            optional(need.expected_users.map(|n| n.to_string())),
            optional(need.wished_date.clone()),
            need.user_name,
            need.user_email,
            if need.contact_preference == "telefon" {
                "Telefon"
            } else {
                "E-Mail"
            },
            need.description
        ),
        now,
    )
}

/// Reminds the party whose decision is due, with the decision links.
pub fn decision_reminder(
    order: &Order,
    party: Party,
    to: &str,
    decision_link: &str,
    now: i64,
) -> OutgoingMail {
    let f = &order.folder;
    let who = match party {
        Party::Intermediary => "als Intermediär im Umklappvertrag",
        _ => "als Anbieter",
    };
    let days_left = (order.deadline - now).div_euclid(super::model::DAY).max(0) + 1;
    mail(
        to,
        &format!(
            "Erinnerung: Bestellung {} wartet auf Ihre Entscheidung (Frist bis {})",
            f.number,
            german_day(order.deadline)
        ),
        format!(
            "Guten Tag,\n\ndie Bestellung {} („{}“, {}, für {}) wartet noch auf Ihre Entscheidung {who}. \
Die Frist endet am {} (noch höchstens {days_left} Tage).\n\n\
Ohne Entscheidung bis dahin schließt das Portal die Bestellung als abgelehnt mit der Begründung „{}“ und benachrichtigt den Kunden.\n\n\
Bestätigen:\n{decision_link}&aktion=bestaetigen\n\nAblehnen (mit Begründung):\n{decision_link}&aktion=ablehnen\n\n\
Die Links können nur für eine Entscheidung verwendet werden.",
            f.number,
            f.offering.name,
            f.plan.name,
            f.customer.organisation,
            german_day(order.deadline),
            super::model::EXPIRY_REASON,
        ),
        now,
    )
}

/// Tells the operator or the intermediary that an order was closed at its deadline.
pub fn closed_at_deadline(order: &Order, to: &str, now: i64) -> OutgoingMail {
    let f = &order.folder;
    mail(
        to,
        &format!("Bestellung {} ohne Entscheidung geschlossen", f.number),
        format!(
            "Guten Tag,\n\ndie Bestellung {} („{}“ bei {} für {}, {}) wurde innerhalb der Frist bis zum {} nicht entschieden. \
Das Portal hat sie geschlossen: {}.\n\nBegründung: {}\n\nDer Kunde wurde benachrichtigt.",
            f.number,
            f.offering.name,
            f.offering.provider.name,
            f.customer.organisation,
            f.contract_model.label(),
            german_day(order.deadline),
            order.status.label(),
            super::model::EXPIRY_REASON,
        ),
        now,
    )
}
