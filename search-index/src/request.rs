//! The typed search request and how it is read from the route's query parameters.

use catalog::{ContractModel, ServiceType};
use serde::{Deserialize, Serialize};

use crate::error::SearchError;

/// Hits per page.
pub const PER_PAGE: usize = 10;
/// Longer queries are cut here (at a character boundary): nobody types more, and it bounds
/// the work per request.
pub const MAX_QUERY_CHARS: usize = 200;
/// At most this many words of a query are used.
pub const MAX_QUERY_WORDS: usize = 12;
/// The last page one may ask for; deeper paging is a crawler, not a person.
pub const MAX_PAGE: u32 = 1000;

/// The order of the hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first; by name when there are no search words.
    #[default]
    Relevanz,
    /// A–Z.
    Name,
    /// Most recently changed first (`neu`).
    #[serde(rename = "neu")]
    Neueste,
    /// Lowest "ab" price first.
    Preis,
    /// Highest maturity first.
    Reifegrad,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Sort::Relevanz,
        Sort::Name,
        Sort::Neueste,
        Sort::Preis,
        Sort::Reifegrad,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Relevanz => "relevanz",
            Sort::Name => "name",
            Sort::Neueste => "neu",
            Sort::Preis => "preis",
            Sort::Reifegrad => "reifegrad",
        }
    }

    /// German label for the sort menu.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Relevanz => "Relevanz",
            Sort::Name => "Name (A–Z)",
            Sort::Neueste => "Neueste zuerst",
            Sort::Preis => "Preis (aufsteigend)",
            Sort::Reifegrad => "Reifegrad (absteigend)",
        }
    }

    /// Reads the parameter value; `neueste` is accepted for `neu`.
    pub fn parse(text: &str) -> Option<Sort> {
        match text {
            "neueste" => Some(Sort::Neueste),
            _ => Sort::ALL.into_iter().find(|s| s.as_str() == text),
        }
    }
}

/// The query parameters exactly as they arrive (`GET /api/suche?q=…`); every one optional,
/// empty values count as absent (an HTML form sends `typ=` for "alle").
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct SearchParams {
    pub q: Option<String>,
    pub kategorie: Option<String>,
    pub typ: Option<String>,
    pub anbieter: Option<String>,
    pub vertragsmodell: Option<String>,
    pub sortierung: Option<String>,
    pub seite: Option<String>,
}

/// A validated search request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchRequest {
    /// The search words as typed (already cut to [`MAX_QUERY_CHARS`]).
    pub q: String,
    /// A top-level category id, or `top/sub`.
    pub kategorie: Option<String>,
    pub typ: Option<ServiceType>,
    /// A provider id.
    pub anbieter: Option<String>,
    pub vertragsmodell: Option<ContractModel>,
    pub sortierung: Sort,
    /// 1-based.
    pub seite: u32,
}

impl SearchRequest {
    /// A request for these words, everything else default.
    pub fn new(q: &str) -> Self {
        SearchRequest {
            q: cut(q),
            seite: 1,
            ..SearchRequest::default()
        }
    }

    pub fn kategorie(mut self, value: &str) -> Self {
        self.kategorie = Some(value.to_owned());
        self
    }

    pub fn typ(mut self, value: ServiceType) -> Self {
        self.typ = Some(value);
        self
    }

    pub fn anbieter(mut self, value: &str) -> Self {
        self.anbieter = Some(value.to_owned());
        self
    }

    pub fn vertragsmodell(mut self, value: ContractModel) -> Self {
        self.vertragsmodell = Some(value);
        self
    }

    pub fn sortierung(mut self, value: Sort) -> Self {
        self.sortierung = value;
        self
    }

    pub fn seite(mut self, value: u32) -> Self {
        self.seite = value;
        self
    }

    /// Validates raw parameters. Search words are never rejected (anything typed is a
    /// search, at worst one without words); unknown filter keywords, sort orders and pages
    /// are, with a German message naming the allowed values.
    pub fn from_params(params: &SearchParams) -> Result<SearchRequest, SearchError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let kategorie = given(&params.kategorie);
        if let Some(k) = &kategorie {
            let mut parts = k.split('/');
            let valid = k.split('/').count() <= 2 && parts.all(is_slug);
            if !valid {
                return Err(SearchError::bad(format!(
                    "Unbekannte Kategorie „{}“: erwartet wird die Kennung einer Kategorie, z. B. „infrastruktur“ oder „infrastruktur/hosting-und-compute“.",
                    shorten(k)
                )));
            }
        }
        let anbieter = given(&params.anbieter);
        if let Some(a) = &anbieter
            && !is_slug(a)
        {
            return Err(SearchError::bad(format!(
                "Unbekannter Anbieter „{}“: erwartet wird die Kennung eines Anbieters, z. B. „dataport“.",
                shorten(a)
            )));
        }
        let typ = match given(&params.typ) {
            None => None,
            Some(t) => Some(ServiceType::parse(&t.to_lowercase()).ok_or_else(|| {
                SearchError::bad(format!(
                    "Unbekannter Servicetyp „{}“: erlaubt sind saas, paas und iaas.",
                    shorten(&t)
                ))
            })?),
        };
        let vertragsmodell = match given(&params.vertragsmodell) {
            None => None,
            Some(m) => Some(ContractModel::parse(&m.to_lowercase()).ok_or_else(|| {
                SearchError::bad(format!(
                    "Unbekanntes Vertragsmodell „{}“: erlaubt sind direktvertrag und umklappvertrag.",
                    shorten(&m)
                ))
            })?),
        };
        let sortierung = match given(&params.sortierung) {
            None => Sort::default(),
            Some(s) => Sort::parse(&s).ok_or_else(|| {
                SearchError::bad(format!(
                    "Unbekannte Sortierung „{}“: erlaubt sind relevanz, name, neu, preis und reifegrad.",
                    shorten(&s)
                ))
            })?,
        };
        let seite = match given(&params.seite) {
            None => 1,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| {
                    SearchError::bad(format!(
                        "Ungültige Seite „{}“: erwartet wird eine Zahl von 1 bis {MAX_PAGE}.",
                        shorten(&s)
                    ))
                })?,
        };
        Ok(SearchRequest {
            q: cut(params.q.as_deref().unwrap_or_default()),
            kategorie,
            typ,
            anbieter,
            vertragsmodell,
            sortierung,
            seite,
        })
    }

    /// The request as query parameters (for links to other pages, sorts and filters), in a
    /// fixed order, without defaults.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.q.trim().is_empty() {
            out.push(("q", self.q.clone()));
        }
        if let Some(k) = &self.kategorie {
            out.push(("kategorie", k.clone()));
        }
        if let Some(t) = self.typ {
            out.push(("typ", t.as_str().to_owned()));
        }
        if let Some(a) = &self.anbieter {
            out.push(("anbieter", a.clone()));
        }
        if let Some(m) = self.vertragsmodell {
            out.push(("vertragsmodell", m.as_str().to_owned()));
        }
        if self.sortierung != Sort::default() {
            out.push(("sortierung", self.sortierung.as_str().to_owned()));
        }
        if self.seite > 1 {
            out.push(("seite", self.seite.to_string()));
        }
        out
    }
}

fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 80
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Cuts a query to [`MAX_QUERY_CHARS`] characters.
fn cut(q: &str) -> String {
    match q.char_indices().nth(MAX_QUERY_CHARS) {
        Some((i, _)) => q[..i].to_owned(),
        None => q.to_owned(),
    }
}

/// A rejected value quoted in a message, cut so that the message stays readable.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> SearchParams {
        let mut p = SearchParams::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "q" => p.q = v,
                "kategorie" => p.kategorie = v,
                "typ" => p.typ = v,
                "anbieter" => p.anbieter = v,
                "vertragsmodell" => p.vertragsmodell = v,
                "sortierung" => p.sortierung = v,
                "seite" => p.seite = v,
                _ => unreachable!(),
            }
        }
        p
    }

    #[test]
    fn empty_form_fields_count_as_absent() {
        let r = SearchRequest::from_params(&params(&[
            ("q", "messenger"),
            ("typ", ""),
            ("seite", ""),
            ("sortierung", " "),
        ]))
        .expect("valid");
        assert_eq!(r.typ, None);
        assert_eq!(r.seite, 1);
        assert_eq!(r.sortierung, Sort::Relevanz);
    }

    #[test]
    fn rejects_unknown_keywords_with_the_allowed_values() {
        for (key, value, expected) in [
            ("typ", "xaas", "saas, paas und iaas"),
            ("sortierung", "beliebt", "relevanz, name"),
            ("seite", "0", "1 bis"),
            ("seite", "zwei", "1 bis"),
            ("vertragsmodell", "kauf", "direktvertrag"),
            ("kategorie", "a/b/c", "Kategorie"),
            ("anbieter", "<script>", "Anbieter"),
        ] {
            let err = SearchRequest::from_params(&params(&[(key, value)])).expect_err(key);
            assert!(err.is_bad_request());
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn cuts_overlong_queries_instead_of_rejecting_them() {
        let long = "ä".repeat(10_000);
        let r = SearchRequest::from_params(&params(&[("q", &long)])).expect("valid");
        assert_eq!(r.q.chars().count(), MAX_QUERY_CHARS);
    }

    #[test]
    fn round_trips_through_query_parameters() {
        let r = SearchRequest::new("dMessenger")
            .typ(ServiceType::Saas)
            .sortierung(Sort::Preis)
            .seite(2);
        let pairs = r.to_params();
        assert_eq!(
            pairs,
            [
                ("q", "dMessenger".to_owned()),
                ("typ", "saas".to_owned()),
                ("sortierung", "preis".to_owned()),
                ("seite", "2".to_owned())
            ]
        );
    }
}
