//! Opening the index (read-only, into RAM) and answering search requests.

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
use crate::facets::{Attributes, Counts, Facets, Filter, Vocabulary, sort_key};
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
    /// Row → its filter values as indices.
    attributes: Vec<Attributes>,
    vocabulary: Vocabulary,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.rows.len())
            .finish_non_exhaustive()
    }
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
    /// The price as on the site's tiles, e.g. `ab 2,90 € je Nutzer und Monat, netto`. For the HTML
    /// page; not in the JSON, which stays small for search as you type.
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
        for (i, (row, segment_ord, doc_id)) in loaded.into_iter().enumerate() {
            rows_of_segment[segment_ord as usize][doc_id as usize] =
                u32::try_from(i).unwrap_or(u32::MAX);
            rows.push(row);
        }
        let (vocabulary, attributes) = Vocabulary::of(&rows);

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
            attributes,
            vocabulary,
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
        let matches = if words.is_empty() {
            // No words: every offering, no need to ask tantivy.
            (0..u32::try_from(self.rows.len()).unwrap_or(u32::MAX))
                .map(|row| (row, 0.0))
                .collect()
        } else {
            self.matches(query::build(&words, &self.fields).as_ref(), scored)?
        };

        let filter = Filter::new(request, &self.vocabulary);
        let mut counts = Counts::new(&self.vocabulary);
        let mut kept: Vec<(u32, Score)> = Vec::with_capacity(matches.len());
        for (row_index, score) in matches {
            let attributes = &self.attributes[row_index as usize];
            let pass = filter.check(attributes);
            counts.add(attributes, pass);
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
            facets: counts.into_facets(&self.vocabulary, &filter),
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
            .filter(|(i, _)| filter.passes(&self.attributes[*i as usize]))
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
