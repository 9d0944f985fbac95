//! The contract folder in words: as plain text for the e-mails, and the facts every other
//! rendering (HTML page, PDF) lays out.

use std::fmt::Write as _;

use catalog::model::ContractModel;

use super::model::{ContractFolder, Order};
pub use crate::domain::clock::{german_datetime, german_day, iso_day};

/// Label/value rows of a section of the folder.
pub type Facts = Vec<(String, String)>;

fn yes_no(value: bool) -> &'static str {
    if value { "ja" } else { "nein" }
}

/// The order's key facts: number, date, offering, plan, quantity (an order from the
/// Warenkorb), contract model, deadline.
pub fn order_facts(order: &Order) -> Facts {
    let f = &order.folder;
    let mut facts: Facts = vec![
        ("Bestellnummer".into(), f.number.clone()),
        ("Bestellt am".into(), german_datetime(f.ordered_at)),
        ("Cloud-Service".into(), f.offering.name.clone()),
        ("Anbieter".into(), f.offering.provider.name.clone()),
        ("Preismodell".into(), f.plan.name.clone()),
        ("Preis".into(), f.plan.price_text()),
        ("Vertragsmodell".into(), f.contract_model.label().to_owned()),
        (
            "Bereitstellungszeit".into(),
            f.offering.provisioning_time.clone(),
        ),
        (
            "Entscheidung des Anbieters bis".into(),
            german_day(order.deadline),
        ),
        ("CSP-AGB (Fassung)".into(), f.agb_version.clone()),
    ];
    if let Some(quantity) = f.quantity {
        // After the price: the units of its price unit ordered.
        facts.insert(6, ("Menge".into(), quantity.to_string()));
    }
    facts
}

pub fn customer_facts(folder: &ContractFolder) -> Facts {
    let c = &folder.customer;
    vec![
        ("Organisation".into(), c.organisation.clone()),
        ("Rechtsform".into(), c.legal_form.clone()),
        ("Verwaltungsebene".into(), c.level.clone()),
        (
            "Anschrift".into(),
            format!("{}, {} {}", c.street, c.postcode, c.city),
        ),
        (
            "Inhousefähig (Umklappvertrag)".into(),
            yes_no(c.in_house_capable).into(),
        ),
        (
            "Leitweg-ID".into(),
            if c.leitweg_id.is_empty() {
                "keine angegeben".to_owned()
            } else {
                c.leitweg_id.clone()
            },
        ),
        ("Besteller/in".into(), c.orderer_name.clone()),
        ("E-Mail".into(), c.orderer_email.clone()),
        ("Telefon".into(), c.orderer_phone.clone()),
    ]
}

pub fn billing_facts(folder: &ContractFolder) -> Facts {
    let b = &folder.billing;
    let mut facts = Vec::new();
    if !b.label.is_empty() {
        facts.push(("Gewählte Adresse".into(), b.label.clone()));
    }
    facts.push(("Rechnungsempfänger".into(), b.organisation.clone()));
    facts.push((
        "Rechnungsanschrift".into(),
        format!("{}, {} {}", b.street, b.postcode, b.city),
    ));
    if !b.phone.is_empty() {
        facts.push(("Telefon (Rechnungsadresse)".into(), b.phone.clone()));
    }
    if let Some(reference) = &folder.reference {
        facts.push(("Ihr Zeichen".into(), reference.clone()));
    }
    if let Some(note) = &folder.note {
        facts.push(("Anmerkung".into(), note.clone()));
    }
    facts
}

pub fn option_facts(folder: &ContractFolder) -> Facts {
    folder
        .options
        .iter()
        .map(|o| (o.label.clone(), o.value.clone()))
        .collect()
}

/// Minimal criteria and levels, as lines.
pub fn maturity_lines(folder: &ContractFolder) -> (String, Vec<String>) {
    let m = &folder.offering.maturity;
    let intro = format!(
        "Selbstauskunft des Anbieters vom {}. Alle {} Mindestkriterien sind erfüllt.",
        m.assessed,
        m.minimal_criteria.len()
    );
    let lines = m
        .levels
        .iter()
        .map(|l| {
            format!(
                "{} – {}: Stufe {} von {}. {}",
                l.dimension, l.criterion, l.level, l.max_level, l.description
            )
        })
        .collect();
    (intro, lines)
}

/// Who decides in this contract model, in words.
pub fn flow_text(model: ContractModel) -> &'static str {
    match model {
        ContractModel::Direktvertrag => {
            "Direktvertrag: Der Vertrag kommt direkt mit dem Anbieter zustande, sobald er die Bestellung bestätigt."
        }
        ContractModel::Umklappvertrag => {
            "Umklappvertrag: Zuerst prüft und bestätigt die govdigital eG als Intermediär, danach der Anbieter. Verbindlich wird die Bestellung mit der Bestätigung des Anbieters."
        }
    }
}

fn section(out: &mut String, title: &str, facts: &Facts) {
    let _ = writeln!(out, "\n{title}\n{}", "-".repeat(title.chars().count()));
    for (label, value) in facts {
        let _ = writeln!(out, "{label}: {value}");
    }
}

/// The whole folder as plain text: what the provider's and intermediary's notification
/// carries.
pub fn folder_text(order: &Order) -> String {
    let f = &order.folder;
    let mut out = String::new();
    section(&mut out, "Bestellung", &order_facts(order));
    let _ = writeln!(out, "{}", flow_text(f.contract_model));
    section(&mut out, "Kunde", &customer_facts(f));
    section(&mut out, "Rechnung", &billing_facts(f));
    if !f.options.is_empty() {
        section(&mut out, "Konfigurierte Optionen", &option_facts(f));
    }
    let _ = writeln!(
        out,
        "\nProduktbeschreibung\n-------------------\n{}\n\n{}",
        f.offering.summary,
        super::text::plain(&f.offering.description)
    );
    let _ = writeln!(
        out,
        "\nServicespezifische Bedingungen\n------------------------------\n{}",
        super::text::plain(&f.offering.conditions)
    );
    let (intro, lines) = maturity_lines(f);
    let _ = writeln!(out, "\nReifegrad\n---------\n{intro}");
    for line in lines {
        let _ = writeln!(out, "- {line}");
    }
    out
}
