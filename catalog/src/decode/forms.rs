//! The written forms of values: ids, e-mail addresses, prices, and what a German writer
//! most likely meant when a price or date is written the German way.

use jiff::civil::Date;

pub(crate) fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

pub(crate) fn list_words(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    quoted.join(", ")
}

pub(crate) fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
        && !domain.contains('@')
}

pub(super) fn is_price_text(text: &str) -> bool {
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let whole_ok = !whole.is_empty()
        && whole.len() <= 9
        && whole.bytes().all(|b| b.is_ascii_digit())
        && (whole == "0" || !whole.starts_with('0'));
    let fraction_ok = fraction
        .is_none_or(|f| (1..=4).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()));
    whole_ok && fraction_ok
}

/// "1.249,50 €" → "1249.50": what a German writer most likely meant.
pub(super) fn fix_price(text: &str) -> Option<String> {
    let cleaned: String = text
        .trim_end_matches('€')
        .trim()
        .trim_end_matches("EUR")
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let candidate = if cleaned.contains(',') {
        cleaned.replace('.', "").replace(',', ".")
    } else {
        cleaned
    };
    is_price_text(&candidate).then_some(candidate)
}

/// "15.03.2026" → "2026-03-15".
pub(super) fn german_date(text: &str) -> Option<String> {
    let mut parts = text.split('.');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    let date = Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()?;
    Some(date.to_string())
}

/// Whether `text` is an `http(s)://` address that `url::Url::parse` certainly accepts with a
/// host: a lower-case host of plain labels (`a-z`, `0-9`, `-`, no `xn--`), whose last label
/// starts with a letter (so the URL standard does not read the host as an IPv4 number), no
/// port or user, and a path of visible ASCII characters (the parser never refuses a path).
/// Parsing a URL cost about 4,000 instructions; this check is a small fraction of that. When it
/// says no, the address still goes to the parser, which decides.
pub(super) fn is_plain_web_address(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let plain_labels = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with("xn--")
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    let last_label_is_a_word = host
        .rsplit('.')
        .next()
        .and_then(|label| label.bytes().next())
        .is_some_and(|b| b.is_ascii_lowercase());
    plain_labels && last_label_is_a_word && path.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_text_rules() {
        for ok in ["0", "3.50", "1249.50", "12", "0.0125"] {
            assert!(is_price_text(ok), "{ok}");
        }
        for bad in [
            "", "3,50", "03.50", "1.", ".5", "1e3", "-1", "3.50001", "1 000",
        ] {
            assert!(!is_price_text(bad), "{bad}");
        }
        assert_eq!(fix_price("1.249,50 €").as_deref(), Some("1249.50"));
        assert_eq!(german_date("15.03.2026").as_deref(), Some("2026-03-15"));
    }

    #[test]
    fn slugs() {
        assert!(is_slug("dmessenger"));
        assert!(is_slug("km-personal-e-recruiting"));
        assert!(!is_slug("dMessenger"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug("-a"));
    }

    fn parser_accepts(text: &str) -> bool {
        url::Url::parse(text)
            .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
    }

    #[test]
    fn plain_web_addresses_are_ones_the_url_parser_accepts() {
        for plain in [
            "https://example.org",
            "https://example.org/",
            "http://a.b-c.de/x/y.pdf?q=1#top",
            "https://123.example.org/%zz/@x:y\\z",
            "https://-x-.y--z.org",
        ] {
            assert!(is_plain_web_address(plain), "{plain}");
            assert!(parser_accepts(plain), "{plain}");
        }
        // Left to the parser: it accepts some and refuses others.
        for other in [
            "https://xn--zz.org",
            "https://example.123",
            "https://1.2.3.4",
            "https://example.0x1f",
            "https://Example.org",
            "https://example.org:8080/",
            "https://user@example.org",
            "https://example..org",
            "https://example.org.",
            "https://",
            "https:///x",
            "ftp://example.org",
            "www.example.org",
            "https://exämple.org",
            "https://example.org/ä",
            "https://example.org/a b",
        ] {
            assert!(!is_plain_web_address(other), "{other}");
        }
    }

    proptest::proptest! {
        #[test]
        fn every_plain_web_address_is_accepted_by_the_url_parser(
            scheme in proptest::sample::select(vec!["https://", "http://"]),
            host in "((xn--|0x|[0-9]|[a-z]|-|[A-Z])[a-z0-9-]{0,3}[.]?){0,4}",
            path in "(/[!-~]{0,8}){0,3}",
        ) {
            let text = format!("{scheme}{host}{path}");
            if is_plain_web_address(&text) {
                proptest::prop_assert!(parser_accepts(&text), "{}", text);
            }
        }
    }
}
