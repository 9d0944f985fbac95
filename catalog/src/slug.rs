//! Ids from German names: the one rule of `offering-format.md`.

/// "IT-Arbeitsplatz & Kollaboration" → `it-arbeitsplatz-kollaboration`: umlauts and ß
/// transliterated, lower-cased, every run of other characters one hyphen, trimmed.
pub fn slugify(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_hyphen = false;
    for c in name.chars() {
        let replacement: Option<&str> = match c {
            'ä' | 'Ä' => Some("ae"),
            'ö' | 'Ö' => Some("oe"),
            'ü' | 'Ü' => Some("ue"),
            'ß' | 'ẞ' => Some("ss"),
            _ => None,
        };
        let mut push = |piece: &str| {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            out.push_str(piece);
        };
        if let Some(piece) = replacement {
            push(piece);
        } else if c.is_ascii_alphanumeric() {
            push(&c.to_ascii_lowercase().to_string());
        } else {
            pending_hyphen = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn follows_the_format_documents_examples() {
        assert_eq!(
            slugify("IT-Arbeitsplatz & Kollaboration"),
            "it-arbeitsplatz-kollaboration"
        );
        assert_eq!(
            slugify("Dokumentation IaaS/PaaS"),
            "dokumentation-iaas-paas"
        );
        assert_eq!(
            slugify("Transport-Verschlüsselung"),
            "transport-verschluesselung"
        );
        assert_eq!(
            slugify("Unternehmensführung & -entwicklung"),
            "unternehmensfuehrung-entwicklung"
        );
        assert_eq!(
            slugify("Robotic Process Automation (RPA)"),
            "robotic-process-automation-rpa"
        );
        assert_eq!(slugify("  Straße  "), "strasse");
    }
}
