//! German presentation of catalog values, shared by the site, the exports and the function's
//! order documents so that a price reads the same everywhere.

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::model::{MaturityModel, Offering, Plan};

/// `1249.5` → `1.249,50 €`: thousands separated by dots, a decimal comma, at least two
/// decimal places (more only if the price has them).
pub fn euro(price: Decimal) -> String {
    format!("{} €", german_decimal(price))
}

/// `1249.5` → `1.249,50`.
pub fn german_decimal(price: Decimal) -> String {
    let mut value = price.normalize();
    if value.scale() < 2 {
        value.rescale(2);
    }
    let text = value.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    let sign = if value.is_sign_negative() && !value.is_zero() {
        "-"
    } else {
        ""
    };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{fraction}")
    }
}

/// The price an offering is shown with (tiles, detail pages, search results), and the unit
/// it is in. A free plan beside paid ones (a trial, a small edition) is named together with
/// the cheapest paid plan: "ab" the free plan alone would hide what the service usually costs.
pub fn price_from(offering: &Offering) -> (String, Option<&str>) {
    let paid: Vec<&Plan> = offering.plans.iter().filter(|p| !p.is_free()).collect();
    let cheapest_paid = paid.iter().min_by(|a, b| a.price.cmp(&b.price));
    let from = |plan: &Plan, count: usize| {
        if count == 1 {
            euro(plan.price)
        } else {
            format!("ab {}", euro(plan.price))
        }
    };
    match cheapest_paid {
        None if offering.plans.is_empty() => ("Preis auf Anfrage".to_owned(), None),
        None => ("kostenfrei".to_owned(), None),
        Some(plan) if paid.len() < offering.plans.len() => (
            format!("kostenfrei oder {}", from(plan, paid.len())),
            plan.unit.as_deref(),
        ),
        Some(plan) => (from(plan, paid.len()), plan.unit.as_deref()),
    }
}

/// [`price_from`] as one line of plain text, for feeds, spreadsheets and search results:
/// "kostenfrei oder 7,90 € je Person und Monat, netto". "netto" only beside a euro amount.
pub fn price_line(offering: &Offering) -> String {
    let (mut line, unit) = price_from(offering);
    if let Some(unit) = unit {
        line.push(' ');
        line.push_str(unit);
    }
    if line.contains('€') {
        line.push_str(", netto");
    }
    line
}

/// `["Bund", "Länder", "Kommunen"]` → `Bund, Länder und Kommunen`.
pub fn german_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} und {last}", init.join(", ")),
    }
}

/// The order form's first words on who may order: the offering's Kundenkreis, so nobody
/// fills in a whole form for a service their organisation cannot order.
pub fn who_may_order(scope: &[crate::model::CustomerScope]) -> String {
    let labels: Vec<&str> = scope.iter().map(|s| s.label()).collect();
    format!(
        "Der Service ist für {} bestimmt. Bestellen können angemeldete Beschäftigte einer \
         registrierten Organisation aus diesem Kundenkreis.",
        german_list(&labels)
    )
}

/// The order form's submit button. A paid order's button says that the order costs money,
/// as online shops must; on an offering whose plans are all free that would be untrue.
pub fn order_button(every_plan_free: bool) -> &'static str {
    if every_plan_free {
        "Kostenfrei bestellen"
    } else {
        "Zahlungspflichtig bestellen"
    }
}

/// `2026-03-15` → `15.03.2026`.
pub fn german_date(date: Date) -> String {
    format!("{:02}.{:02}.{:04}", date.day(), date.month(), date.year())
}

/// Levels reached and levels possible in the Stufenmodell, summed over every criterion the
/// offering was assessed on: "78 von 97 Stufen", what a reader can add up from the levels
/// shown on the detail page.
pub fn maturity_levels(offering: &Offering, model: &MaturityModel) -> (u32, u32) {
    let (mut reached, mut possible) = (0u32, 0u32);
    for (id, level) in &offering.maturity.levels {
        if let Some(criterion) = model.criterion(id) {
            reached += u32::from(*level);
            possible += u32::from(criterion.max_level());
        }
    }
    (reached, possible)
}

/// [`maturity_levels`] as a rounded percentage: one number for badges, filters and sorting
/// that a reader can check against the levels on the detail page.
pub fn maturity_percent(offering: &Offering, model: &MaturityModel) -> u8 {
    let (reached, possible) = maturity_levels(offering, model);
    if possible == 0 {
        return 0;
    }
    ((reached * 100 + possible / 2) / possible).min(100) as u8
}

/// Escapes `&`, `<`, `>`, `"` and `'`: safe in element content and in quoted attributes.
/// A plan's price as forms and detail pages show it: "1.249,50 €" or "kostenfrei".
pub fn plan_price(price: Decimal) -> String {
    if price.is_zero() {
        "kostenfrei".into()
    } else {
        euro(price)
    }
}

/// A minimum term: "1 Monat", "12 Monate".
pub fn minimum_term(months: i64) -> String {
    if months == 1 {
        "1 Monat".into()
    } else {
        format!("{months} Monate")
    }
}

/// The one HTML escape of the project: the site, the search highlights and the function's
/// pages all use it.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_html_into(text, &mut out);
    out
}

/// [`escape_html`] appending to `out`, for callers that assemble HTML piece by piece.
pub fn escape_html_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// [`escape_html`] as a template engine's escape function: writes `text` to `out`, escaped
/// where needed. Most values (names, addresses, numbers) have nothing to escape and are
/// written as they are.
pub fn escape_html_to(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let special = |b: &u8| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'');
    if !text.as_bytes().iter().any(special) {
        return out.write_all(text.as_bytes());
    }
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            _ => continue,
        };
        out.write_all(&text.as_bytes()[start..i])?;
        out.write_all(entity)?;
        start = i + 1;
    }
    out.write_all(&text.as_bytes()[start..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).expect("test decimal")
    }

    #[test]
    fn formats_prices_the_german_way() {
        assert_eq!(euro(d("1249.5")), "1.249,50 €");
        assert_eq!(euro(d("3.50")), "3,50 €");
        assert_eq!(euro(d("0")), "0,00 €");
        assert_eq!(euro(d("1234567")), "1.234.567,00 €");
        assert_eq!(euro(d("0.0125")), "0,0125 €");
        assert_eq!(euro(d("999")), "999,00 €");
    }

    #[test]
    fn escapes_every_html_special_character() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
    }

    #[test]
    fn formats_dates_the_german_way() {
        assert_eq!(german_date(Date::constant(2026, 3, 5)), "05.03.2026");
    }

    #[test]
    fn lists_the_german_way() {
        assert_eq!(german_list(&[]), "");
        assert_eq!(german_list(&["Kommunen"]), "Kommunen");
        assert_eq!(german_list(&["Bund", "Länder"]), "Bund und Länder");
        assert_eq!(
            german_list(&["Bund", "Länder", "Kommunen"]),
            "Bund, Länder und Kommunen"
        );
    }
}
