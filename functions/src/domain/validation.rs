//! Input validation: Unicode normalisation, length limits, e-mail and postcode checks, and
//! the German message shown at each field.

use std::collections::HashMap;

use catalog::model::CustomerScope;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// Submitted form fields, normalised to NFC and trimmed on the way in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormInput(HashMap<String, String>);

impl FormInput {
    /// Builds the input from name/value pairs; later duplicates replace earlier ones.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| {
                    let value: String = v.as_ref().nfc().collect();
                    (k.as_ref().to_owned(), value.trim().to_owned())
                })
                .collect(),
        )
    }

    /// The value of a field, `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or("")
    }

    /// Whether a checkbox was ticked (any non-empty value but "false"/"0").
    pub fn checked(&self, name: &str) -> bool {
        !matches!(self.get(name), "" | "false" | "0" | "off")
    }

    /// The fields, for re-rendering a form.
    pub fn values(&self) -> &HashMap<String, String> {
        &self.0
    }
}

/// One message per field, in the order the fields appear on the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    /// Adds a message for `field` unless it already has one.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field.to_owned(), message.into()));
        }
    }

    /// The message for `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Whether there is no message.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` if there is no message.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// The Kundenkreis a Verwaltungsebene choice stands for.
pub fn parse_level(text: &str) -> Option<CustomerScope> {
    match text {
        "Bund" => Some(CustomerScope::Bund),
        "Land" => Some(CustomerScope::Land),
        "Kommune" => Some(CustomerScope::Kommune),
        _ => None,
    }
}

/// The name of a Verwaltungsebene for one organisation (`Kommune`, not the Kundenkreis
/// label `Kommunen`).
pub fn level_name(level: CustomerScope) -> &'static str {
    match level {
        CustomerScope::Bund => "Bund",
        CustomerScope::Land => "Land",
        CustomerScope::Kommune => "Kommune",
    }
}

/// Normalises an e-mail address (NFC, trimmed, lower case) and checks its form.
pub fn normalize_email(raw: &str) -> Result<String, &'static str> {
    let email: String = raw.nfc().collect::<String>().trim().to_lowercase();
    if email.is_empty() {
        return Err("Bitte geben Sie Ihre E-Mail-Adresse an.");
    }
    let invalid = "Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@behoerde.de.";
    if email.chars().count() > 254 {
        return Err("Die E-Mail-Adresse darf höchstens 254 Zeichen lang sein.");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(invalid);
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| {
            tld.chars().count() >= 2 && !tld.chars().all(|c| c.is_ascii_digit())
        });
    if local_ok && domain_ok {
        Ok(email)
    } else {
        Err(invalid)
    }
}

/// A German postcode: exactly five digits.
pub fn is_valid_postcode(postcode: &str) -> bool {
    postcode.len() == 5 && postcode.bytes().all(|b| b.is_ascii_digit())
}

/// A phone number: digits, spaces and `+ ( ) / -`, with at least six digits.
pub fn is_valid_phone(phone: &str) -> bool {
    phone.chars().count() <= 40
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +()/-".contains(c))
        && phone.chars().filter(char::is_ascii_digit).count() >= 6
}

/// A Leitweg-ID in the format the KoSIT publishes (Leitweg-ID-Formatspezifikation 2.0):
/// the Grobadressierung (2, 3, 5, 8, 9 or 12 digits: Land or Bund, Regierungsbezirk,
/// Landkreis, Gemeinde), optionally `-` and a Feinadressierung (up to 30 letters and
/// digits), then `-` and two check digits (ISO/IEC 7064 MOD 97-10 over both parts, letters
/// counted as 10 to 35, as for an IBAN). Expects the normalised form
/// ([`normalize_leitweg_id`]).
pub fn is_valid_leitweg_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    let (coarse, fine, check) = match parts.as_slice() {
        [coarse, check] => (*coarse, "", *check),
        [coarse, fine, check] if !fine.is_empty() => (*coarse, *fine, *check),
        _ => return false,
    };
    let coarse_ok =
        [2, 3, 5, 8, 9, 12].contains(&coarse.len()) && coarse.bytes().all(|b| b.is_ascii_digit());
    let fine_ok = fine.len() <= 30
        && fine
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    let check_ok = check.len() == 2 && check.bytes().all(|b| b.is_ascii_digit());
    if !(coarse_ok && fine_ok && check_ok) {
        return false;
    }
    let mut remainder: u32 = 0;
    for b in coarse.bytes().chain(fine.bytes()).chain(*b"00") {
        let value = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A') + 10
        };
        let factor = if value >= 10 { 100 } else { 10 };
        remainder = (remainder * factor + value) % 97;
    }
    check
        .parse::<u32>()
        .is_ok_and(|given| given == 98 - remainder)
}

/// A Leitweg-ID as entered, trimmed and in capitals (the Feinadressierung may be typed in
/// lower case).
pub fn normalize_leitweg_id(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_unicode_to_nfc() {
        // "Müller" with a combining diaeresis becomes the precomposed form.
        let input = FormInput::from_pairs([("name", "Mu\u{0308}ller")]);
        assert_eq!(input.get("name"), "Müller");
    }

    #[test]
    fn email_rules() {
        assert!(normalize_email("name@behörde.de").is_ok());
        for bad in [
            "", "a", "a@", "@b.de", "a b@c.de", "a@b..de", "a@-b.de", "a@b.1", ".a@b.de",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod leitweg_tests {
    use super::*;

    #[test]
    fn published_leitweg_ids_are_accepted() {
        // Examples from the KoSIT's test IDs and published IDs.
        for id in [
            "04011000-1234512345-06",
            "992-90009-96",
            "09564000-NUE0001-49",
            "04011000-900X999-08",
        ] {
            assert!(is_valid_leitweg_id(id), "{id}");
        }
    }

    #[test]
    fn malformed_or_miscounted_leitweg_ids_are_refused() {
        for id in [
            "",
            "04011000-1234512345-07",
            "04011000-1234512345",
            "0401100-1234512345-06",
            "04011000--06",
            "04011000-12345 12345-06",
            "040110001234512345-06",
            "04011000-1234512345-6",
            "04011000-nue-49",
        ] {
            assert!(!is_valid_leitweg_id(id), "{id}");
        }
        assert!(is_valid_leitweg_id(&normalize_leitweg_id(
            " 09564000-nue0001-49 "
        )));
    }
}
