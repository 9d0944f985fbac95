//! Opening the index (read-only, into RAM) and answering search requests.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::directory::{Directory, RamDirectory};
use tantivy::query::Query;
use tantivy::schema::Value;
use tantivy::{DocId, Index, ReloadPolicy, Score, SegmentOrdinal, SegmentReader, TantivyDocument};

use crate::analyzer::{GermanStemmer, register_tokenizers};
use crate::error::SearchError;
use crate::highlight::highlight_html;
use crate::query::{self, QueryWord};
use crate::request::{PER_PAGE, SearchRequest, Sort};
use crate::schema::{Fields, Row};

/// How many offerings a search without hits suggests.
pub const SUGGESTIONS: usize = 3;

/// An opened index: everything in RAM, nothing written, meant to be opened once per
/// process and shared (it is `Send + Sync`; searching takes `&self`).
pub struct SearchIndex {
    searcher: tantivy::Searcher,
    fields: Fields,
    /// Sorted by id: a row's index is its place in the tie order.
    rows: Vec<Row>,
    /// Segment ordinal → document id → row.
    rows_of_segment: Vec<Vec<u32>>,
    /// Row → place in name order.
    name_rank: Vec<u32>,
    labels: Labels,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.rows.len())
            .finish_non_exhaustive()
    }
}

/// Names of facet values, in portfolio order for categories.
#[derive(Debug, Default)]
struct Labels {
    /// Top-level category id → (portfolio position, name).
    tops: BTreeMap<String, (u16, String)>,
    /// `top/sub` → (portfolio positions, name).
    subs: BTreeMap<String, ((u16, u16), String)>,
    providers: BTreeMap<String, String>,
}

/// The answer to a search, ready to be sent as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SearchResponse {
    /// The search words as used (cut to the maximum length).
    pub q: String,
    /// Hits over all pages.
    pub total: usize,
    /// This page, 1-based.
    pub page: u32,
    /// Number of pages (0 when there are no hits).
    pub pages: u32,
    pub sort: Sort,
    pub hits: Vec<Hit>,
    /// Counts for every filter value: each facet counts the hits of all *other* filters, so
    /// the numbers say what choosing that value would give.
    pub facets: Facets,
    /// When nothing matched: the offerings nearest to the words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<Suggestion>,
    /// When nothing matched: the "Bedarf melden" page, with the words as title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bedarf_melden: Option<String>,
    /// Time spent answering, in microseconds.
    pub took_us: u64,
}

/// One hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Hit {
    pub id: String,
    /// `/cloud-services/<id>/`
    pub url: String,
    pub name: String,
    pub provider: String,
    /// SaaS, PaaS or IaaS.
    pub typ: String,
    /// The summary as HTML: matched words in `<mark>`, everything else escaped.
    pub summary_html: String,
    /// Lowest plan price, e.g. `2,90 €`. For the HTML page; not in the JSON, which stays
    /// small for search as you type.
    #[serde(skip)]
    pub price_from: String,
    /// Maturity percentage. For the HTML page; not in the JSON.
    #[serde(skip)]
    pub maturity: u8,
}

/// An offering suggested when nothing matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Suggestion {
    pub id: String,
    pub url: String,
    pub name: String,
    pub provider: String,
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

impl SearchIndex {
    /// Opens the index that [`crate::build_index`] wrote to `dir`.
    ///
    /// Reads every file into RAM and never writes: works on a read-only file system (AWS
    /// Lambda's code folder) and takes no lock. Costs the index's size in memory and a few
    /// milliseconds per thousand offerings; do it once per process.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        let entries = std::fs::read_dir(dir).map_err(|e| SearchError::io(dir, e))?;
        let ram = RamDirectory::create();
        let mut has_meta = false;
        for entry in entries {
            let entry = entry.map_err(|e| SearchError::io(dir, e))?;
            let path = entry.path();
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.ends_with(".lock") || !path.is_file() {
                continue;
            }
            has_meta |= name == "meta.json";
            let bytes = std::fs::read(&path).map_err(|e| SearchError::io(&path, e))?;
            ram.atomic_write(Path::new(name), &bytes)
                .map_err(|e| SearchError::io(&path, e))?;
        }
        if !has_meta {
            return Err(SearchError::io(
                &dir.join("meta.json"),
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no search index here; `csp build` writes it",
                ),
            ));
        }
        let index = Index::open(ram)?;
        let fields =
            Fields::of(&index.schema()).ok_or_else(|| SearchError::WrongVersion(dir.to_owned()))?;
        SearchIndex::from_index(&index, fields)
    }

    fn from_index(index: &Index, fields: Fields) -> Result<SearchIndex, SearchError> {
        register_tokenizers(index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();

        // Load every row, remembering where its document lives.
        let mut loaded: Vec<(Row, u32, DocId)> = Vec::new();
        for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
            let store = segment
                .get_store_reader(8)
                .map_err(|e| SearchError::Corrupt(format!("document store: {e}")))?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                let bytes = doc
                    .get_first(fields.row)
                    .and_then(|v| v.as_bytes())
                    .ok_or_else(|| SearchError::Corrupt(format!("document {doc_id} has no row")))?;
                let row: Row = serde_json::from_slice(bytes)
                    .map_err(|e| SearchError::Corrupt(format!("document {doc_id}: {e}")))?;
                let segment_ord = u32::try_from(segment_ord).unwrap_or(u32::MAX);
                loaded.push((row, segment_ord, doc_id));
            }
        }
        loaded.sort_by(|a, b| a.0.id.cmp(&b.0.id));

        let mut rows_of_segment: Vec<Vec<u32>> = searcher
            .segment_readers()
            .iter()
            .map(|s| vec![u32::MAX; s.max_doc() as usize])
            .collect();
        let mut rows = Vec::with_capacity(loaded.len());
        let mut labels = Labels::default();
        for (i, (row, segment_ord, doc_id)) in loaded.into_iter().enumerate() {
            rows_of_segment[segment_ord as usize][doc_id as usize] =
                u32::try_from(i).unwrap_or(u32::MAX);
            for c in &row.categories {
                labels
                    .tops
                    .entry(c.top.clone())
                    .or_insert_with(|| (c.order.0, c.top_name.clone()));
                labels
                    .subs
                    .entry(format!("{}/{}", c.top, c.sub))
                    .or_insert_with(|| (c.order, c.sub_name.clone()));
            }
            labels
                .providers
                .entry(row.provider_id.clone())
                .or_insert_with(|| row.provider_name.clone());
            rows.push(row);
        }

        let mut by_name: Vec<u32> = (0..u32::try_from(rows.len()).unwrap_or(u32::MAX)).collect();
        by_name.sort_by_cached_key(|&i| sort_key(&rows[i as usize].name));
        let mut name_rank = vec![0; rows.len()];
        for (rank, &i) in by_name.iter().enumerate() {
            name_rank[i as usize] = u32::try_from(rank).unwrap_or(u32::MAX);
        }

        Ok(SearchIndex {
            searcher,
            fields,
            rows,
            rows_of_segment,
            name_rank,
            labels,
        })
    }

    /// Number of indexed offerings.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Answers a search: hits of the requested page, facet counts for every filter, and
    /// suggestions plus a "Bedarf melden" link when nothing matched.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        let started = Instant::now();
        let mut stemmer = GermanStemmer::default();
        let words = query::analyze(&request.q, &mut stemmer);
        let scored = !words.is_empty() && request.sortierung == Sort::Relevanz;
        let matches = self.matches(query::build(&words, &self.fields).as_ref(), scored)?;

        let filter = Filter::new(request);
        let mut counts = Counts::default();
        let mut kept: Vec<(u32, Score)> = Vec::new();
        for (row_index, score) in matches {
            let row = &self.rows[row_index as usize];
            let pass = filter.check(row);
            counts.add(row, &pass, &filter);
            if pass.iter().all(|p| *p) {
                kept.push((row_index, score));
            }
        }
        self.sort(&mut kept, request.sortierung, scored);

        let total = kept.len();
        let pages = total.div_ceil(PER_PAGE);
        let start = (request.seite as usize - 1).saturating_mul(PER_PAGE);
        let hits = kept
            .iter()
            .skip(start)
            .take(PER_PAGE)
            .map(|&(i, _)| self.hit(&self.rows[i as usize], &words, &mut stemmer))
            .collect();
        let (suggestions, bedarf_melden) = if total == 0 && !request.q.trim().is_empty() {
            (
                self.suggestions(&words, &filter)?,
                Some(bedarf_link(&request.q)),
            )
        } else {
            (Vec::new(), None)
        };
        Ok(SearchResponse {
            q: request.q.clone(),
            total,
            page: request.seite,
            pages: u32::try_from(pages).unwrap_or(u32::MAX),
            sort: request.sortierung,
            hits,
            facets: counts.into_facets(&self.labels, &filter),
            suggestions,
            bedarf_melden,
            took_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        })
    }

    /// Every matching row with its score.
    fn matches(&self, query: &dyn Query, scored: bool) -> Result<Vec<(u32, Score)>, SearchError> {
        let found = self.searcher.search(query, &AllMatches { scored })?;
        Ok(found
            .into_iter()
            .filter_map(|(segment, doc, score)| {
                let row = *self
                    .rows_of_segment
                    .get(segment as usize)?
                    .get(doc as usize)?;
                (row != u32::MAX).then_some((row, score))
            })
            .collect())
    }

    fn sort(&self, kept: &mut [(u32, Score)], sort: Sort, scored: bool) {
        let rows = &self.rows;
        match sort {
            Sort::Relevanz if scored => {
                kept.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            }
            Sort::Relevanz | Sort::Name => {
                kept.sort_by_key(|&(i, _)| self.name_rank[i as usize]);
            }
            Sort::Neueste => kept.sort_by(|a, b| {
                rows[b.0 as usize]
                    .updated
                    .cmp(&rows[a.0 as usize].updated)
                    .then(a.0.cmp(&b.0))
            }),
            Sort::Preis => kept.sort_by(|a, b| {
                rows[a.0 as usize]
                    .price
                    .total_cmp(&rows[b.0 as usize].price)
                    .then(a.0.cmp(&b.0))
            }),
            Sort::Reifegrad => kept.sort_by(|a, b| {
                rows[b.0 as usize]
                    .maturity
                    .cmp(&rows[a.0 as usize].maturity)
                    .then(a.0.cmp(&b.0))
            }),
        }
    }

    fn hit(&self, row: &Row, words: &[QueryWord], stemmer: &mut GermanStemmer) -> Hit {
        Hit {
            id: row.id.clone(),
            url: offering_url(&row.id),
            name: row.name.clone(),
            provider: row.provider_name.clone(),
            typ: catalog::ServiceType::parse(&row.service_type)
                .map_or_else(|| row.service_type.clone(), |t| t.label().to_owned()),
            summary_html: highlight_html(&row.summary, words, stemmer),
            price_from: row.price_label.clone(),
            maturity: row.maturity,
        }
    }

    /// The offerings nearest to words that matched nothing: a looser query (any word, two
    /// typos, shorter compound parts), within the chosen filters if that gives any.
    fn suggestions(
        &self,
        words: &[QueryWord],
        filter: &Filter,
    ) -> Result<Vec<Suggestion>, SearchError> {
        let Some(query) = query::relaxed(words, &self.fields) else {
            return Ok(Vec::new());
        };
        let mut found = self.matches(query.as_ref(), true)?;
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let within: Vec<u32> = found
            .iter()
            .filter(|(i, _)| filter.check(&self.rows[*i as usize]).iter().all(|p| *p))
            .map(|(i, _)| *i)
            .take(SUGGESTIONS)
            .collect();
        let chosen: Vec<u32> = if within.is_empty() {
            found.iter().map(|(i, _)| *i).take(SUGGESTIONS).collect()
        } else {
            within
        };
        Ok(chosen
            .into_iter()
            .map(|i| {
                let row = &self.rows[i as usize];
                Suggestion {
                    id: row.id.clone(),
                    url: offering_url(&row.id),
                    name: row.name.clone(),
                    provider: row.provider_name.clone(),
                }
            })
            .collect())
    }
}

/// The detail page of an offering.
pub fn offering_url(id: &str) -> String {
    format!("/cloud-services/{id}/")
}

/// `/bedarf-melden/?titel=<words>`, the words percent-encoded.
pub fn bedarf_link(q: &str) -> String {
    let words = q.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::from("/bedarf-melden/?titel=");
    for b in words.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Name order: case and umlauts ignored (`Ä` sorts with `A`), then the name itself.
fn sort_key(name: &str) -> (String, String) {
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

/// The four filters of a request; `check` says which of them a row passes.
struct Filter<'a> {
    kategorie: Option<(&'a str, Option<&'a str>)>,
    typ: Option<&'static str>,
    anbieter: Option<&'a str>,
    vertragsmodell: Option<&'static str>,
}

const KATEGORIE: usize = 0;
const TYP: usize = 1;
const ANBIETER: usize = 2;
const VERTRAGSMODELL: usize = 3;

impl<'a> Filter<'a> {
    fn new(request: &'a SearchRequest) -> Self {
        Filter {
            kategorie: request
                .kategorie
                .as_deref()
                .map(|k| match k.split_once('/') {
                    Some((top, sub)) => (top, Some(sub)),
                    None => (k, None),
                }),
            typ: request.typ.map(|t| t.as_str()),
            anbieter: request.anbieter.as_deref(),
            vertragsmodell: request.vertragsmodell.map(|m| m.as_str()),
        }
    }

    fn check(&self, row: &Row) -> [bool; 4] {
        [
            self.kategorie.is_none_or(|(top, sub)| {
                row.categories
                    .iter()
                    .any(|c| c.top == top && sub.is_none_or(|s| c.sub == s))
            }),
            self.typ.is_none_or(|t| row.service_type == t),
            self.anbieter.is_none_or(|a| row.provider_id == a),
            self.vertragsmodell
                .is_none_or(|m| row.contract_models.iter().any(|c| c == m)),
        ]
    }
}

/// Facet counting: a row counts for facet `f` if it passes every filter but `f`.
#[derive(Default)]
struct Counts {
    tops: BTreeMap<String, usize>,
    subs: BTreeMap<String, usize>,
    typ: BTreeMap<String, usize>,
    anbieter: BTreeMap<String, usize>,
    vertragsmodell: BTreeMap<String, usize>,
}

impl Counts {
    fn add(&mut self, row: &Row, pass: &[bool; 4], filter: &Filter) {
        let all_but = |f: usize| pass.iter().enumerate().all(|(i, p)| i == f || *p);
        if all_but(KATEGORIE) {
            let mut tops: Vec<&str> = row.categories.iter().map(|c| c.top.as_str()).collect();
            tops.sort_unstable();
            tops.dedup();
            for top in tops {
                *self.tops.entry(top.to_owned()).or_default() += 1;
            }
            if let Some((chosen, _)) = filter.kategorie {
                let mut subs: Vec<String> = row
                    .categories
                    .iter()
                    .filter(|c| c.top == chosen)
                    .map(|c| format!("{}/{}", c.top, c.sub))
                    .collect();
                subs.sort_unstable();
                subs.dedup();
                for sub in subs {
                    *self.subs.entry(sub).or_default() += 1;
                }
            }
        }
        if all_but(TYP) {
            *self.typ.entry(row.service_type.clone()).or_default() += 1;
        }
        if all_but(ANBIETER) {
            *self.anbieter.entry(row.provider_id.clone()).or_default() += 1;
        }
        if all_but(VERTRAGSMODELL) {
            for m in &row.contract_models {
                *self.vertragsmodell.entry(m.clone()).or_default() += 1;
            }
        }
    }

    fn into_facets(self, labels: &Labels, filter: &Filter) -> Facets {
        let chosen_top = filter.kategorie.map(|(top, _)| top);
        let chosen_kategorie = filter
            .kategorie
            .map(|(top, sub)| sub.map_or_else(|| top.to_owned(), |s| format!("{top}/{s}")));

        // Categories in portfolio order, the chosen category's subs right after it.
        let mut tops: Vec<(u16, String)> = labels
            .tops
            .iter()
            .map(|(id, (order, _))| (*order, id.clone()))
            .collect();
        if let Some(top) = chosen_top
            && !labels.tops.contains_key(top)
        {
            tops.push((u16::MAX, top.to_owned()));
        }
        tops.sort();
        let mut kategorie = Vec::new();
        for (_, top) in tops {
            let count = self.tops.get(&top).copied().unwrap_or(0);
            let selected = chosen_kategorie.as_deref() == Some(top.as_str());
            if count > 0 || selected || chosen_top == Some(top.as_str()) {
                kategorie.push(FacetCount {
                    label: labels
                        .tops
                        .get(&top)
                        .map_or_else(|| top.clone(), |l| l.1.clone()),
                    value: top.clone(),
                    count,
                    selected,
                });
            }
            if chosen_top == Some(top.as_str()) {
                let mut subs: Vec<(&(u16, u16), &String, &String)> = labels
                    .subs
                    .iter()
                    .filter(|(id, _)| id.split_once('/').is_some_and(|(t, _)| t == top))
                    .map(|(id, (order, name))| (order, id, name))
                    .collect();
                subs.sort();
                for (_, id, name) in subs {
                    let count = self.subs.get(id).copied().unwrap_or(0);
                    let selected = chosen_kategorie.as_deref() == Some(id.as_str());
                    if count > 0 || selected {
                        kategorie.push(FacetCount {
                            value: id.clone(),
                            label: name.clone(),
                            count,
                            selected,
                        });
                    }
                }
            }
        }

        let typ = catalog::ServiceType::ALL
            .iter()
            .filter_map(|t| {
                let count = self.typ.get(t.as_str()).copied().unwrap_or(0);
                let selected = filter.typ == Some(t.as_str());
                (count > 0 || selected).then(|| FacetCount {
                    value: t.as_str().to_owned(),
                    label: t.label().to_owned(),
                    count,
                    selected,
                })
            })
            .collect();
        let vertragsmodell = catalog::ContractModel::ALL
            .iter()
            .filter_map(|m| {
                let count = self.vertragsmodell.get(m.as_str()).copied().unwrap_or(0);
                let selected = filter.vertragsmodell == Some(m.as_str());
                (count > 0 || selected).then(|| FacetCount {
                    value: m.as_str().to_owned(),
                    label: m.label().to_owned(),
                    count,
                    selected,
                })
            })
            .collect();
        let mut anbieter: Vec<FacetCount> = labels
            .providers
            .iter()
            .filter_map(|(id, name)| {
                let count = self.anbieter.get(id).copied().unwrap_or(0);
                let selected = filter.anbieter == Some(id.as_str());
                (count > 0 || selected).then(|| FacetCount {
                    value: id.clone(),
                    label: name.clone(),
                    count,
                    selected,
                })
            })
            .collect();
        if let Some(chosen) = filter.anbieter
            && !labels.providers.contains_key(chosen)
        {
            anbieter.push(FacetCount {
                value: chosen.to_owned(),
                label: chosen.to_owned(),
                count: 0,
                selected: true,
            });
        }
        anbieter.sort_by_cached_key(|f| (sort_key(&f.label), f.value.clone()));
        Facets {
            kategorie,
            typ,
            anbieter,
            vertragsmodell,
        }
    }
}

/// Collects every matching document with its score.
struct AllMatches {
    scored: bool,
}

struct SegmentMatches {
    segment: SegmentOrdinal,
    found: Vec<(SegmentOrdinal, DocId, Score)>,
}

impl Collector for AllMatches {
    type Fruit = Vec<(SegmentOrdinal, DocId, Score)>;
    type Child = SegmentMatches;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches {
            segment,
            found: Vec::with_capacity((reader.num_docs() as usize / 8).max(16)),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scored
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = Vec<(SegmentOrdinal, DocId, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.found.push((self.segment, doc, score));
    }

    fn harvest(self) -> Self::Fruit {
        self.found
    }
}
