//! Filters and facet counts over the rows in RAM, with every filter value turned into a
//! small integer once at opening, so a pass over 10,000 hits costs microseconds.

use catalog::{ContractModel, ServiceType};
use serde::Serialize;

use crate::request::SearchRequest;
use crate::schema::Row;

/// Not a known value: matches nothing.
const UNKNOWN: u16 = u16::MAX;

/// The filter values of the index, in display order.
#[derive(Debug, Default)]
pub(crate) struct Vocabulary {
    /// Top-level categories in portfolio order: (id, name).
    tops: Vec<(String, String)>,
    /// Sub-categories in portfolio order: (`top/sub`, name, index of the top).
    subs: Vec<(String, String, u16)>,
    /// Providers by name: (id, name).
    providers: Vec<(String, String)>,
}

/// A row's filter values as indices into the [`Vocabulary`].
#[derive(Debug, Clone)]
pub(crate) struct Attributes {
    typ: u8,
    provider: u16,
    /// Bit `i` set: offers `ContractModel::ALL[i]`.
    contracts: u8,
    /// Distinct, sorted.
    tops: Vec<u16>,
    /// Distinct, sorted.
    subs: Vec<u16>,
}

impl Vocabulary {
    /// The vocabulary of `rows` and each row's attributes.
    pub fn of(rows: &[Row]) -> (Vocabulary, Vec<Attributes>) {
        let mut tops: Vec<(u16, String, String)> = Vec::new();
        let mut subs: Vec<((u16, u16), String, String, String)> = Vec::new();
        let mut providers: Vec<(String, String)> = Vec::new();
        for row in rows {
            for c in &row.categories {
                tops.push((c.order.0, c.top.clone(), c.top_name.clone()));
                subs.push((
                    c.order,
                    format!("{}/{}", c.top, c.sub),
                    c.sub_name.clone(),
                    c.top.clone(),
                ));
            }
            providers.push((row.provider_id.clone(), row.provider_name.clone()));
        }
        tops.sort();
        tops.dedup_by(|a, b| a.1 == b.1);
        subs.sort();
        subs.dedup_by(|a, b| a.1 == b.1);
        providers.sort_by_cached_key(|(id, name)| (sort_key(name), id.clone()));
        providers.dedup_by(|a, b| a.0 == b.0);
        let vocabulary = Vocabulary {
            subs: subs
                .into_iter()
                .map(|(_, id, name, top)| {
                    let top = index_of(tops.iter().map(|t| &t.1), &top);
                    (id, name, top)
                })
                .collect(),
            tops: tops.into_iter().map(|(_, id, name)| (id, name)).collect(),
            providers,
        };
        let attributes = rows.iter().map(|row| vocabulary.attributes(row)).collect();
        (vocabulary, attributes)
    }

    fn attributes(&self, row: &Row) -> Attributes {
        let mut tops: Vec<u16> = row.categories.iter().map(|c| self.top(&c.top)).collect();
        tops.sort_unstable();
        tops.dedup();
        let mut subs: Vec<u16> = row
            .categories
            .iter()
            .map(|c| self.sub(&format!("{}/{}", c.top, c.sub)))
            .collect();
        subs.sort_unstable();
        subs.dedup();
        let mut contracts = 0;
        for (i, m) in ContractModel::ALL.iter().enumerate() {
            if row.contract_models.iter().any(|c| c == m.as_str()) {
                contracts |= 1 << i;
            }
        }
        Attributes {
            typ: type_index(&row.service_type),
            provider: index_of(self.providers.iter().map(|p| &p.0), &row.provider_id),
            contracts,
            tops,
            subs,
        }
    }

    fn top(&self, id: &str) -> u16 {
        index_of(self.tops.iter().map(|t| &t.0), id)
    }

    fn sub(&self, id: &str) -> u16 {
        index_of(self.subs.iter().map(|s| &s.0), id)
    }
}

fn index_of<'a>(mut values: impl Iterator<Item = &'a String>, wanted: &str) -> u16 {
    values
        .position(|v| v == wanted)
        .and_then(|i| u16::try_from(i).ok())
        .unwrap_or(UNKNOWN)
}

fn type_index(text: &str) -> u8 {
    ServiceType::ALL
        .iter()
        .position(|t| t.as_str() == text)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

/// The four filters of a request, resolved to indices.
pub(crate) struct Filter<'a> {
    request: &'a SearchRequest,
    /// (top, sub) indices; `UNKNOWN` for a value the index does not know.
    kategorie: Option<(u16, Option<u16>)>,
    typ: Option<u8>,
    anbieter: Option<u16>,
    vertragsmodell: Option<u8>,
}

const KATEGORIE: usize = 0;
const TYP: usize = 1;
const ANBIETER: usize = 2;
const VERTRAGSMODELL: usize = 3;

impl<'a> Filter<'a> {
    pub fn new(request: &'a SearchRequest, vocabulary: &Vocabulary) -> Self {
        Filter {
            request,
            kategorie: request
                .kategorie
                .as_deref()
                .map(|k| match k.split_once('/') {
                    Some((top, _)) => (vocabulary.top(top), Some(vocabulary.sub(k))),
                    None => (vocabulary.top(k), None),
                }),
            typ: request.typ.map(|t| type_index(t.as_str())),
            anbieter: request
                .anbieter
                .as_deref()
                .map(|a| index_of(vocabulary.providers.iter().map(|p| &p.0), a)),
            vertragsmodell: request.vertragsmodell.map(|m| {
                let i = ContractModel::ALL.iter().position(|c| *c == m).unwrap_or(0);
                1 << i
            }),
        }
    }

    /// Which of the four filters the row passes.
    pub fn check(&self, a: &Attributes) -> [bool; 4] {
        [
            self.kategorie.is_none_or(|(top, sub)| match sub {
                Some(sub) => a.subs.contains(&sub),
                None => a.tops.contains(&top),
            }),
            self.typ.is_none_or(|t| a.typ == t),
            self.anbieter.is_none_or(|p| a.provider == p),
            self.vertragsmodell.is_none_or(|m| a.contracts & m != 0),
        ]
    }

    pub fn passes(&self, a: &Attributes) -> bool {
        self.check(a).iter().all(|p| *p)
    }
}

/// Facet counting: a row counts for facet `f` if it passes every filter but `f`.
pub(crate) struct Counts {
    tops: Vec<usize>,
    subs: Vec<usize>,
    typ: [usize; 3],
    providers: Vec<usize>,
    contracts: [usize; 2],
}

impl Counts {
    pub fn new(vocabulary: &Vocabulary) -> Self {
        Counts {
            tops: vec![0; vocabulary.tops.len()],
            subs: vec![0; vocabulary.subs.len()],
            typ: [0; 3],
            providers: vec![0; vocabulary.providers.len()],
            contracts: [0; 2],
        }
    }

    pub fn add(&mut self, a: &Attributes, pass: [bool; 4]) {
        let failed = pass.iter().filter(|p| !**p).count();
        if failed > 1 {
            return;
        }
        let all_but = |f: usize| failed == 0 || !pass[f];
        if all_but(KATEGORIE) {
            for &t in &a.tops {
                self.tops[usize::from(t)] += 1;
            }
            for &s in &a.subs {
                self.subs[usize::from(s)] += 1;
            }
        }
        if all_but(TYP)
            && let Some(n) = self.typ.get_mut(usize::from(a.typ))
        {
            *n += 1;
        }
        if all_but(ANBIETER)
            && let Some(n) = self.providers.get_mut(usize::from(a.provider))
        {
            *n += 1;
        }
        if all_but(VERTRAGSMODELL) {
            for (i, n) in self.contracts.iter_mut().enumerate() {
                if a.contracts & (1 << i) != 0 {
                    *n += 1;
                }
            }
        }
    }

    pub fn into_facets(self, v: &Vocabulary, filter: &Filter) -> Facets {
        let request = filter.request;
        let chosen = request.kategorie.as_deref();
        let chosen_top = filter.kategorie.map(|(top, _)| top);
        let mut kategorie = Vec::new();
        for (i, (id, name)) in v.tops.iter().enumerate() {
            let i16 = u16::try_from(i).unwrap_or(UNKNOWN);
            let is_chosen_top = chosen_top == Some(i16);
            let count = self.tops[i];
            if count > 0 || is_chosen_top {
                kategorie.push(facet(id, name, count, chosen == Some(id.as_str())));
            }
            if is_chosen_top {
                for (j, (sub_id, sub_name, top)) in v.subs.iter().enumerate() {
                    let selected = chosen == Some(sub_id.as_str());
                    if *top == i16 && (self.subs[j] > 0 || selected) {
                        kategorie.push(facet(sub_id, sub_name, self.subs[j], selected));
                    }
                }
            }
        }
        if let Some(k) = chosen
            && !kategorie.iter().any(|f| f.value == k)
        {
            kategorie.push(facet(k, k, 0, true));
        }

        let typ = ServiceType::ALL
            .iter()
            .zip(self.typ)
            .filter(|(t, n)| *n > 0 || request.typ == Some(**t))
            .map(|(t, n)| facet(t.as_str(), t.label(), n, request.typ == Some(*t)))
            .collect();
        let vertragsmodell = ContractModel::ALL
            .iter()
            .zip(self.contracts)
            .filter(|(m, n)| *n > 0 || request.vertragsmodell == Some(**m))
            .map(|(m, n)| facet(m.as_str(), m.label(), n, request.vertragsmodell == Some(*m)))
            .collect();
        let chosen = request.anbieter.as_deref();
        let mut anbieter: Vec<FacetCount> = v
            .providers
            .iter()
            .zip(&self.providers)
            .filter(|((id, _), n)| **n > 0 || chosen == Some(id.as_str()))
            .map(|((id, name), n)| facet(id, name, *n, chosen == Some(id.as_str())))
            .collect();
        if let Some(a) = chosen
            && !anbieter.iter().any(|f| f.value == a)
        {
            anbieter.push(facet(a, a, 0, true));
        }
        Facets {
            kategorie,
            typ,
            anbieter,
            vertragsmodell,
        }
    }
}

fn facet(value: &str, label: &str, count: usize, selected: bool) -> FacetCount {
    FacetCount {
        value: value.to_owned(),
        label: label.to_owned(),
        count,
        selected,
    }
}

/// Facet counts, one list per filter parameter, in display order (categories in portfolio
/// order, providers by name).
///
/// In JSON each list is an object from parameter value to count,
/// `{"saas": 20, "paas": 3}`: the static pages already carry the labels, and the response
/// stays small. Labels and the chosen value are here for the HTML page.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[non_exhaustive]
pub struct Facets {
    /// Top-level categories; when one is chosen, its sub-categories (`top/sub`) follow it.
    #[serde(serialize_with = "value_counts")]
    pub kategorie: Vec<FacetCount>,
    #[serde(serialize_with = "value_counts")]
    pub typ: Vec<FacetCount>,
    #[serde(serialize_with = "value_counts")]
    pub anbieter: Vec<FacetCount>,
    #[serde(serialize_with = "value_counts")]
    pub vertragsmodell: Vec<FacetCount>,
}

fn value_counts<S: serde::Serializer>(values: &[FacetCount], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(values.len()))?;
    for v in values {
        map.serialize_entry(&v.value, &v.count)?;
    }
    map.end()
}

/// How many hits one filter value gives. Values without hits are left out unless chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FacetCount {
    /// The parameter value, e.g. `saas` or `infrastruktur/hosting-und-compute`.
    pub value: String,
    pub label: String,
    pub count: usize,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub selected: bool,
}

/// Name order: case and umlauts ignored (`Ä` sorts with `A`), then the name itself.
pub(crate) fn sort_key(name: &str) -> (String, String) {
    let mut key = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => key.push('a'),
            'ö' => key.push('o'),
            'ü' => key.push('u'),
            'ß' => key.push_str("ss"),
            c => key.push(c),
        }
    }
    (key, name.to_owned())
}
