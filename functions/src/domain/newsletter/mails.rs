//! The newsletter's mails: the confirmation link, the notice to an address that is already
//! subscribed, and each issue with its unsubscribe link and `List-Unsubscribe` headers.

use super::campaign::Campaign;
use crate::domain::mails::mail;
use crate::domain::model::{MailHeader, OutgoingMail};

/// Asks to confirm a subscription (double opt-in).
pub fn confirm_subscription(to: &str, link: &str, hours: i64, now: i64) -> OutgoingMail {
    mail(
        to,
        "Bitte bestätigen Sie Ihr Newsletter-Abonnement",
        format!(
            "Guten Tag,\n\nmit dieser E-Mail-Adresse wurde der Newsletter des Cloud-Service-Portals \
bestellt. Bitte bestätigen Sie das Abonnement innerhalb von {hours} Stunden über diesen Link:\n\n\
{link}\n\nErst nach der Bestätigung erhalten Sie den Newsletter. Bestätigen Sie nicht, löschen \
wir Ihre Adresse, sobald der Link abgelaufen ist. Wenn Sie den Newsletter nicht bestellt haben, \
können Sie diese Nachricht ignorieren."
        ),
        now,
    )
}

/// Tells a subscriber that the address was entered again (the form answers the same as for
/// a new address, so nobody learns who is subscribed).
pub fn already_subscribed(to: &str, unsubscribe_link: &str, now: i64) -> OutgoingMail {
    mail(
        to,
        "Sie erhalten den Newsletter bereits",
        format!(
            "Guten Tag,\n\nsoeben wurde Ihre E-Mail-Adresse erneut für den Newsletter des \
Cloud-Service-Portals eingetragen. Sie erhalten den Newsletter bereits; es wurde nichts \
geändert.\n\nWenn Sie den Newsletter nicht mehr erhalten möchten, melden Sie sich hier ab:\n\n\
{unsubscribe_link}"
        ),
        now,
    )
}

/// One issue for one subscriber: the issue's text and HTML with the subscriber's unsubscribe
/// link, and the headers of RFC 2369 and RFC 8058 that let a mail program offer to
/// unsubscribe with one click. Not sent before `not_before` (the throttle).
pub fn issue(
    id: String,
    to: &str,
    campaign: &Campaign,
    unsubscribe_link: &str,
    not_before: i64,
) -> OutgoingMail {
    let footer = "Sie erhalten diesen Newsletter, weil Sie ihn im Cloud-Service-Portal abonniert \
und Ihre Adresse bestätigt haben.";
    let body = format!(
        "{}\n\n-- \n{footer}\nNewsletter abbestellen: {unsubscribe_link}\n",
        campaign.text
    );
    let link = catalog::format::escape_html(unsubscribe_link);
    let title = catalog::format::escape_html(&campaign.subject);
    let html = format!(
        "<!doctype html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n{}<hr>\n<p>{footer} <a href=\"{link}\">Newsletter abbestellen</a></p>\n</body>\n</html>\n",
        campaign.html
    );
    OutgoingMail {
        id,
        to: to.to_owned(),
        subject: campaign.subject.clone(),
        body,
        created_at: not_before,
        html: Some(html),
        headers: vec![
            MailHeader {
                name: "List-Unsubscribe".to_owned(),
                value: format!("<{unsubscribe_link}>"),
            },
            MailHeader {
                name: "List-Unsubscribe-Post".to_owned(),
                value: "List-Unsubscribe=One-Click".to_owned(),
            },
        ],
        not_before,
    }
}
