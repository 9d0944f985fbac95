//! Reading typed values out of the located YAML tree, collecting every problem.
//!
//! Decoding never stops at the first error: each field is read on its own and reports what
//! was expected and what was found at that field's position, so `csp check` shows a provider
//! every mistake of a file in one run.

use std::cell::Cell;
use std::path::Path;
use std::str::FromStr;

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::diagnostic::{Diagnostic, Location, nearest};
use crate::yaml::{Key, Node, NodeKind};

mod field;
mod forms;
pub(crate) use field::FieldPath;
use forms::{fix_price, german_date, is_plain_web_address, is_price_text};
pub(crate) use forms::{is_email, is_slug, list_words};

/// Decoding state for one file: where we are and what went wrong so far.
pub(crate) struct Ctx<'a> {
    pub path: &'a Path,
    pub problems: Vec<Diagnostic>,
}

/// The entries of one mapping, with the list of keys the format allows there.
pub(crate) struct Fields<'n, 'p> {
    at: Location,
    path: FieldPath<'p>,
    entries: &'n [(Key, Node)],
    /// The keys the format allows here; `None` for mappings whose keys are data.
    known: Option<&'p [&'p str]>,
    /// Where the last key looked up was found; the next lookup starts after it.
    next: Cell<usize>,
}

/// The position of the first item that `matches`, searching from `start` to the end and then
/// from the beginning. Files mostly list their keys in the order the format (and the decoder)
/// has them, so starting after the previous hit usually finds the next one at once. With unique
/// items (keys of one mapping, ids of the model) the hit is the same as a search from the start.
pub(crate) fn find_from<T>(
    items: &[T],
    start: usize,
    matches: impl Fn(&T) -> bool,
) -> Option<usize> {
    let start = start.min(items.len());
    let (before, after) = items.split_at(start);
    after
        .iter()
        .position(&matches)
        .map(|i| start + i)
        .or_else(|| before.iter().position(matches))
}

impl<'a> Ctx<'a> {
    pub fn new(path: &'a Path) -> Self {
        Ctx {
            path,
            problems: Vec::new(),
        }
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.problems.push(diagnostic);
    }

    pub fn error(
        &self,
        at: Location,
        field: &FieldPath<'_>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(self.path, at, &field.to_string(), message)
    }

    /// Opens a mapping and reports every key that `known` does not list, with the nearest
    /// known key as suggestion.
    pub fn fields<'n, 'p>(
        &mut self,
        node: &'n Node,
        field: &FieldPath<'p>,
        known: &'p [&'p str],
    ) -> Option<Fields<'n, 'p>> {
        let NodeKind::Map(entries) = &node.kind else {
            let d = self
                .error(node.at, field, "wrong kind of value")
                .expected(format!("a mapping with the keys {}", list_words(known)))
                .found(node.describe());
            self.report(d);
            return None;
        };
        let mut next = 0;
        for (key, _) in entries {
            if let Some(i) = find_from(known, next, |k| *k == key.text) {
                next = i + 1;
            } else {
                let path = field.key(&key.text);
                let mut d = self
                    .error(key.at, &path, format!("unknown field `{}`", key.text))
                    .expected(format!("one of {}", list_words(known)))
                    .found(format!("`{}`", key.text));
                if let Some(close) = nearest(&key.text, known.iter().copied()) {
                    d = d.suggestion(format!("did you mean `{close}`?"));
                }
                self.report(d);
            }
        }
        Some(Fields {
            at: node.at,
            path: *field,
            entries,
            known: Some(known),
            next: Cell::new(0),
        })
    }

    /// Opens a mapping whose keys are data, not field names.
    pub fn fields_open<'n, 'p>(
        &mut self,
        node: &'n Node,
        field: &FieldPath<'p>,
    ) -> Option<Fields<'n, 'p>> {
        match &node.kind {
            NodeKind::Map(entries) => Some(Fields {
                at: node.at,
                path: *field,
                entries,
                known: None,
                next: Cell::new(0),
            }),
            _ => {
                let d = self
                    .error(node.at, field, "wrong kind of value")
                    .expected("a mapping (key: value pairs)")
                    .found(node.describe());
                self.report(d);
                None
            }
        }
    }

    /// A required field: reports it missing (or empty) at the mapping's position.
    pub fn required<'n, 'f>(
        &mut self,
        fields: &'f Fields<'n, '_>,
        key: &'f str,
    ) -> Option<(&'n Node, FieldPath<'f>)> {
        let path = fields.path.key(key);
        match fields.get(key) {
            Some(node) if !node.is_null() => Some((node, path)),
            Some(node) => {
                let d = self
                    .error(
                        node.at,
                        &path,
                        format!("the required field `{key}` is empty"),
                    )
                    .expected("a value")
                    .found(node.describe());
                self.report(d);
                None
            }
            None => {
                // A misspelt key (`provisoning_time`) was already reported with this field as
                // its suggestion; saying "missing" as well would only repeat it.
                let misspelt = fields.entries.iter().any(|(k, _)| {
                    k.text != key
                        && nearest(&k.text, [key]).is_some()
                        && !fields.known_contains(&k.text)
                });
                if misspelt {
                    return None;
                }
                let where_ = if fields.path.is_empty() {
                    "the file".to_string()
                } else {
                    format!("`{}`", fields.path)
                };
                let d = self
                    .error(
                        fields.at,
                        &path,
                        format!("the required field `{key}` is missing in {where_}"),
                    )
                    .expected(format!("a line `{key}: …`"))
                    .found("no such field");
                self.report(d);
                None
            }
        }
    }

    /// An optional field: absent and empty (`key:` or `key: ~`) both mean "not given".
    pub fn optional<'n, 'f>(
        &mut self,
        fields: &'f Fields<'n, '_>,
        key: &'f str,
    ) -> Option<(&'n Node, FieldPath<'f>)> {
        fields
            .get(key)
            .filter(|n| !n.is_null())
            .map(|n| (n, fields.path.key(key)))
    }

    /// An optional field read with `decode`: `Some(default)` when absent or empty, `None`
    /// when given but invalid (the problem is reported).
    pub fn optional_or<'n, T>(
        &mut self,
        fields: &Fields<'n, '_>,
        key: &str,
        default: T,
        decode: impl FnOnce(&mut Self, &'n Node, &FieldPath<'_>) -> Option<T>,
    ) -> Option<T> {
        match self.optional(fields, key) {
            None => Some(default),
            Some((node, path)) => decode(self, node, &path),
        }
    }

    pub fn text(&mut self, node: &Node, field: &FieldPath<'_>, max_chars: usize) -> Option<String> {
        self.checked_text(node, field, max_chars)
            .map(str::to_string)
    }

    /// The checks of [`Self::text`]; the trimmed text stays borrowed from the tree.
    fn checked_text<'n>(
        &mut self,
        node: &'n Node,
        field: &FieldPath<'_>,
        max_chars: usize,
    ) -> Option<&'n str> {
        let NodeKind::Scalar { text, .. } = &node.kind else {
            let d = self
                .error(node.at, field, "wrong kind of value")
                .expected("text")
                .found(node.describe());
            self.report(d);
            return None;
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            let d = self
                .error(node.at, field, "this text is empty")
                .expected("at least one character")
                .found("an empty text");
            self.report(d);
            return None;
        }
        if trimmed.starts_with("TODO") {
            let d = self
                .error(node.at, field, "this placeholder has not been filled in")
                .expected("your own text")
                .found(node.describe())
                .suggestion("replace the text that starts with `TODO`");
            self.report(d);
            return None;
        }
        // A text has at most as many characters as bytes: only longer ones need counting.
        if trimmed.len() > max_chars {
            let count = trimmed.chars().count();
            if count > max_chars {
                let d = self
                    .error(node.at, field, "this text is too long")
                    .expected(format!("at most {max_chars} characters"))
                    .found(format!("{count} characters"));
                self.report(d);
                return None;
            }
        }
        Some(trimmed)
    }

    /// Markdown keeps its inner whitespace: indentation is meaningful there.
    pub fn markdown(&mut self, node: &Node, field: &FieldPath<'_>) -> Option<String> {
        self.checked_text(node, field, 50_000)?;
        match &node.kind {
            NodeKind::Scalar { text, .. } => Some(text.trim_end().to_string()),
            _ => None,
        }
    }

    pub fn slug(&mut self, node: &Node, field: &FieldPath<'_>) -> Option<String> {
        let text = self.text(node, field, 80)?;
        if !is_slug(&text) {
            let d = self
                .error(node.at, field, "not a valid id")
                .expected("lower-case letters a–z and digits, words joined by single hyphens (e.g. `d-messenger-2`)")
                .found(format!("\"{text}\""))
                .suggestion(format!("use `{}`", crate::slug::slugify(&text)));
            self.report(d);
            return None;
        }
        Some(text)
    }

    pub fn integer(
        &mut self,
        node: &Node,
        field: &FieldPath<'_>,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        let parsed = match &node.kind {
            NodeKind::Scalar { text, plain: true } => text.parse::<i64>().ok(),
            _ => None,
        };
        let Some(value) = parsed else {
            let mut d = self
                .error(node.at, field, "not a whole number")
                .expected(format!("a whole number from {min} to {max}"))
                .found(node.describe());
            if let NodeKind::Scalar { text, plain: false } = &node.kind
                && text.trim().parse::<i64>().is_ok()
            {
                d = d.suggestion(format!("remove the quotes: `{}`", text.trim()));
            }
            self.report(d);
            return None;
        };
        if value < min || value > max {
            let d = self
                .error(node.at, field, "number out of range")
                .expected(format!("a whole number from {min} to {max}"))
                .found(value.to_string());
            self.report(d);
            return None;
        }
        Some(value)
    }

    pub fn boolean(&mut self, node: &Node, field: &FieldPath<'_>) -> Option<bool> {
        match &node.kind {
            NodeKind::Scalar { text, plain: true } if text == "true" => Some(true),
            NodeKind::Scalar { text, plain: true } if text == "false" => Some(false),
            _ => {
                let mut d = self
                    .error(node.at, field, "not a boolean")
                    .expected("`true` or `false`")
                    .found(node.describe());
                if let NodeKind::Scalar { text, .. } = &node.kind {
                    match text.to_lowercase().as_str() {
                        "true" | "yes" | "ja" | "on" => d = d.suggestion("write `true`"),
                        "false" | "no" | "nein" | "off" => d = d.suggestion("write `false`"),
                        _ => {}
                    }
                }
                self.report(d);
                None
            }
        }
    }

    pub fn date(&mut self, node: &Node, field: &FieldPath<'_>) -> Option<Date> {
        let text = match &node.kind {
            NodeKind::Scalar { text, .. } => text.trim(),
            _ => "",
        };
        let well_formed = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if well_formed && let Ok(date) = Date::from_str(text) {
            return Some(date);
        }
        let mut d = self
            .error(
                node.at,
                field,
                if well_formed {
                    "not a real date"
                } else {
                    "not a date"
                },
            )
            .expected("a date as YYYY-MM-DD, e.g. 2026-03-15")
            .found(node.describe());
        if let Some(suggested) = german_date(text) {
            d = d.suggestion(format!("write `{suggested}`"));
        }
        self.report(d);
        None
    }

    /// A price: a quoted decimal string with a dot, never a float.
    pub fn price(&mut self, node: &Node, field: &FieldPath<'_>) -> Option<Decimal> {
        let (text, plain) = match &node.kind {
            NodeKind::Scalar { text, plain } => (text.trim(), *plain),
            _ => ("", false),
        };
        let valid = is_price_text(text);
        if valid && !plain {
            return Decimal::from_str_exact(text).ok();
        }
        let mut d = self
            .error(node.at, field, "not a price")
            .expected("a quoted decimal string with a dot and at most 4 decimal places, e.g. \"3.50\" or \"0\"")
            .found(node.describe());
        if valid && plain {
            d = d
                .suggestion(format!("put the price in quotes, `\"{text}\"`, so that no tool reads it as an inexact floating-point number"));
        } else if let Some(fixed) = fix_price(text) {
            d = d.suggestion(format!("write `\"{fixed}\"`"));
        }
        self.report(d);
        None
    }

    /// One of a fixed set of keywords, with a suggestion for near misses.
    pub fn keyword<T: Copy>(
        &mut self,
        node: &Node,
        field: &FieldPath<'_>,
        parse: fn(&str) -> Option<T>,
        keywords: &[&str],
    ) -> Option<T> {
        let text = match &node.kind {
            NodeKind::Scalar { text, .. } => text.trim(),
            _ => "",
        };
        if let Some(value) = parse(text) {
            return Some(value);
        }
        let mut d = self
            .error(node.at, field, "unknown value")
            .expected(format!("one of {}", list_words(keywords)))
            .found(node.describe());
        if let Some(close) = nearest(text, keywords.iter().copied()) {
            d = d.suggestion(format!("did you mean `{close}`?"));
        }
        self.report(d);
        None
    }

    pub fn list<'n>(
        &mut self,
        node: &'n Node,
        field: &FieldPath<'_>,
        min_items: usize,
    ) -> Option<&'n [Node]> {
        let NodeKind::Seq(items) = &node.kind else {
            let d = self
                .error(node.at, field, "wrong kind of value")
                .expected("a list (lines starting with `- ` or `[a, b]`)")
                .found(node.describe());
            self.report(d);
            return None;
        };
        if items.len() < min_items {
            let d = self
                .error(node.at, field, "this list is empty")
                .expected(format!("at least {min_items} entry"))
                .found("an empty list");
            self.report(d);
            return None;
        }
        Some(items)
    }

    /// Decodes every item; returns `None` if any item was invalid (all are still checked).
    pub fn each<'n, T>(
        &mut self,
        items: &'n [Node],
        field: &FieldPath<'_>,
        mut decode: impl FnMut(&mut Self, &'n Node, &FieldPath<'_>) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match decode(self, item, &field.index(i)) {
                Some(value) => out.push(value),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A list of keywords without repeats.
    pub fn keyword_list<T: Copy + PartialEq>(
        &mut self,
        node: &Node,
        field: &FieldPath<'_>,
        parse: fn(&str) -> Option<T>,
        keywords: &[&str],
    ) -> Option<Vec<T>> {
        let items = self.list(node, field, 1)?;
        let values = self.each(items, field, |ctx, item, path| {
            ctx.keyword(item, path, parse, keywords)
        })?;
        for (i, value) in values.iter().enumerate() {
            if values[..i].contains(value) {
                let d = self
                    .error(items[i].at, &field.index(i), "this value is listed twice")
                    .expected("each value once")
                    .found(items[i].describe());
                self.report(d);
                return None;
            }
        }
        Some(values)
    }

    pub fn url(&mut self, node: &Node, field: &FieldPath<'_>) -> Option<String> {
        let text = self.text(node, field, 2000)?;
        if is_plain_web_address(&text) {
            return Some(text);
        }
        match url::Url::parse(&text) {
            Ok(parsed)
                if matches!(parsed.scheme(), "https" | "http") && parsed.host().is_some() =>
            {
                Some(text)
            }
            _ => {
                let mut d = self
                    .error(node.at, field, "not a web address")
                    .expected("an absolute address starting with https://")
                    .found(node.describe());
                if text.starts_with("www.") {
                    d = d.suggestion(format!("write `https://{text}`"));
                }
                self.report(d);
                None
            }
        }
    }

    pub fn email(&mut self, node: &Node, field: &FieldPath<'_>) -> Option<String> {
        let text = self.text(node, field, 254)?;
        if is_email(&text) {
            return Some(text);
        }
        let d = self
            .error(node.at, field, "not an e-mail address")
            .expected("an address like name@example.org")
            .found(node.describe());
        self.report(d);
        None
    }
}

impl<'n> Fields<'n, '_> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        let i = find_from(self.entries, self.next.get(), |(k, _)| k.text == key)?;
        self.next.set(i + 1);
        self.entries.get(i).map(|(_, v)| v)
    }

    fn known_contains(&self, key: &str) -> bool {
        self.known.is_none_or(|known| known.contains(&key))
    }

    pub fn at(&self) -> Location {
        self.at
    }

    /// The entries in file order, for mappings whose keys are data (criterion ids).
    pub fn entries(&self) -> &'n [(Key, Node)] {
        self.entries
    }
}
