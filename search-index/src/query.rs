//! Turning search words into a tantivy query, programmatically: user text never reaches
//! tantivy's query parser, so no input can be a syntax error.
//!
//! Each word must match (stop words excepted) in one of these ways, best first:
//!
//! | match | field | boost |
//! | --- | --- | --- |
//! | same stem in the name | `name` | 6 |
//! | same stem in tags / provider / summary / body | … | 2.5 / 2 / 1.5 / 1 |
//! | same stem as a camel-case part (`dMessenger` ← `messenger`) | `name` | 3 |
//! | the last word as a prefix (search as you type) | `name_plain` / `plain` | 2 / 0.8 |
//! | the stem inside a compound (`signatur` → `Fernsignaturdienst`) | `suffixes` | 1 |
//! | the whole word with typos (`Grünflächenkatster`) | `name_plain` / `plain` | 0.6 / 0.3 |
//! | the stem with typos inside a compound (`katster` → `Grünflächenkataster`, `Zertifkat` → `Personenzertifikaten`) | `suffixes` | 0.4 |
//!
//! Typos: one for words of [`MIN_FUZZY_CHARS`] letters or more, two from
//! [`MIN_TWO_TYPO_CHARS`] (see [`typos`]); a typo is a letter inserted, dropped, replaced, or
//! two neighbours swapped. Inside a compound the typed stem must match the beginning of one
//! of the compound's suffixes (every part and every run of parts up to the word's end) with
//! that many typos, so a typo reaches every part of a compound, not only the whole word.
//! Over the large dictionaries (`plain`, `suffixes`) the first letter must be right: it keeps
//! the walk through the terms short (a query stays well under a millisecond at 10,000
//! offerings), and the first letter is the rarest place for a typo; names, a small
//! dictionary, forgive that one too.
//!
//! Term matches are scored with BM25; prefix, compound and typo matches score a constant
//! (their boost), well below a term match, so exact matches rank above typo matches, and a
//! word with one typo in the name ranks above one found only with typos inside a compound.

use std::sync::Arc;

use tantivy::Term;
use tantivy::query::{
    AllQuery, AutomatonWeight, BooleanQuery, BoostQuery, EnableScoring, Occur, Query, TermQuery,
    Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy_fst::Automaton;

use crate::analyzer::{GermanStemmer, MIN_SUFFIX_CHARS, words};
use crate::request::MAX_QUERY_WORDS;
use crate::schema::Fields;
use crate::typo::Typos;

/// Shortest word (in characters) that gets typo tolerance: one typo.
pub const MIN_FUZZY_CHARS: usize = 5;
/// Shortest word (in characters) that may have two typos.
pub const MIN_TWO_TYPO_CHARS: usize = 9;
/// Shortest last word that is also matched as a prefix.
pub const MIN_PREFIX_CHARS: usize = 2;

/// Words that a query does not need to match ("Messenger für Behörden").
const STOP_WORDS: &[&str] = &[
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen",
    "und", "oder", "fur", "mit", "von", "vom", "im", "in", "am", "an", "auf", "aus", "bei", "zu",
    "zum", "zur", "nach", "uber", "ist", "sind", "als", "wie", "fuer",
];

/// One search word, analyzed like the indexed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryWord {
    pub folded: String,
    pub stem: String,
    /// Camel-case parts: (folded, stem).
    pub parts: Vec<(String, String)>,
    /// Matched as a prefix too: the last word, while the person may still be typing it.
    pub prefix: bool,
    pub stop: bool,
}

/// Analyzes the search words with the index's German analyzer. At most
/// [`MAX_QUERY_WORDS`] distinct words; the last one counts as a prefix unless the query
/// ends in a space or punctuation (the word is complete).
pub(crate) fn analyze(q: &str, stemmer: &mut GermanStemmer) -> Vec<QueryWord> {
    let mut out: Vec<QueryWord> = Vec::new();
    for word in words(q) {
        if out.len() == MAX_QUERY_WORDS {
            break;
        }
        if out.iter().any(|w| w.folded == word.folded) {
            continue;
        }
        let stem = stemmer.stem(&word.folded);
        let parts = word
            .parts
            .iter()
            .map(|p| (p.folded.clone(), stemmer.stem(&p.folded)))
            .collect();
        out.push(QueryWord {
            stop: STOP_WORDS.contains(&word.folded.as_str()),
            folded: word.folded,
            stem,
            parts,
            prefix: false,
        });
    }
    let open_end = q.chars().last().is_some_and(char::is_alphanumeric);
    if let Some(last) = out.last_mut() {
        last.prefix = open_end;
    }
    // A query of nothing but stop words searches for them after all.
    if out.iter().all(|w| w.stop) {
        for w in &mut out {
            w.stop = false;
        }
    }
    out
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// How many typos a word of `chars` characters may have: none below [`MIN_FUZZY_CHARS`],
/// one, or two from [`MIN_TWO_TYPO_CHARS`] (long German compounds, where two slips are
/// common and two edits still leave the word recognisable).
pub(crate) fn typos(chars: usize) -> u8 {
    match chars {
        n if n >= MIN_TWO_TYPO_CHARS => 2,
        n if n >= MIN_FUZZY_CHARS => 1,
        _ => 0,
    }
}

fn boosted(query: impl Query, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(query), boost))
}

fn term(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    boosted(
        TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        ),
        boost,
    )
}

/// Matches the terms of one field that an automaton accepts, every match scoring its boost:
/// tantivy's `FuzzyTermQuery`, with our own automata ([`Prefix`], [`Typos`]) shared by the
/// fields that use the same one.
struct AutomatonQuery<A> {
    field: Field,
    automaton: Arc<A>,
}

impl<A> Clone for AutomatonQuery<A> {
    fn clone(&self) -> Self {
        AutomatonQuery {
            field: self.field,
            automaton: Arc::clone(&self.automaton),
        }
    }
}

impl<A> std::fmt::Debug for AutomatonQuery<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutomatonQuery")
            .field("field", &self.field)
            .finish_non_exhaustive()
    }
}

impl<A> Query for AutomatonQuery<A>
where
    A: Automaton + Send + Sync + 'static,
    A::State: Clone,
{
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(AutomatonWeight::<A>::new(
            self.field,
            Arc::clone(&self.automaton),
        )))
    }
}

/// Accepts the terms that begin with these bytes.
struct Prefix(Vec<u8>);

impl Automaton for Prefix {
    /// How many bytes of the prefix have been seen; `None` once a byte differed.
    type State = Option<usize>;

    fn start(&self) -> Option<usize> {
        Some(0)
    }

    fn is_match(&self, state: &Option<usize>) -> bool {
        *state == Some(self.0.len())
    }

    fn can_match(&self, state: &Option<usize>) -> bool {
        state.is_some()
    }

    fn will_always_match(&self, state: &Option<usize>) -> bool {
        self.is_match(state)
    }

    fn accept(&self, state: &Option<usize>, byte: u8) -> Option<usize> {
        let seen = (*state)?;
        match self.0.get(seen) {
            None => Some(seen),
            Some(&b) if b == byte => Some(seen + 1),
            Some(_) => None,
        }
    }
}

/// A typo automaton's word, typos, prefix flag and fixed head.
type TypoKey = (String, u8, bool, usize);

/// Builds the clauses of one query, making each typo automaton once however many fields
/// use it.
#[derive(Default)]
struct Clauses {
    typo_automata: Vec<(TypoKey, Arc<Typos>)>,
}

impl Clauses {
    /// Terms of `field` that begin with `text`.
    fn prefix(&mut self, field: Field, text: &str, boost: f32) -> Box<dyn Query> {
        boosted(
            AutomatonQuery {
                field,
                automaton: Arc::new(Prefix(text.as_bytes().to_vec())),
            },
            boost,
        )
    }

    /// Terms of `field` within `distance` typos of `text` (`prefix`: of the beginning of a
    /// term) that begin with the first `head` bytes of `text`.
    fn typo(
        &mut self,
        field: Field,
        text: &str,
        (distance, prefix, head): (u8, bool, usize),
        boost: f32,
    ) -> Box<dyn Query> {
        let key = (text.to_owned(), distance, prefix, head);
        let known = self
            .typo_automata
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, a)| Arc::clone(a));
        let automaton = known.unwrap_or_else(|| {
            let built = Arc::new(Typos::new(text, distance, prefix, head));
            self.typo_automata.push((key, Arc::clone(&built)));
            built
        });
        boosted(AutomatonQuery { field, automaton }, boost)
    }
}

/// The query for these words: every word must match (see the module documentation); no
/// words at all matches every offering.
pub(crate) fn build(words: &[QueryWord], f: &Fields) -> Box<dyn Query> {
    if words.is_empty() {
        return Box::new(AllQuery);
    }
    let mut clauses = Clauses::default();
    let all = words
        .iter()
        .map(|w| {
            let occur = if w.stop { Occur::Should } else { Occur::Must };
            (occur, word_query(w, f, &mut clauses))
        })
        .collect();
    Box::new(BooleanQuery::new(all))
}

fn word_query(w: &QueryWord, f: &Fields, c: &mut Clauses) -> Box<dyn Query> {
    let mut alternatives = vec![
        term(f.name, &w.stem, 6.0),
        term(f.tags, &w.stem, 2.5),
        term(f.provider, &w.stem, 2.0),
        term(f.summary, &w.stem, 1.5),
        term(f.body, &w.stem, 1.0),
    ];
    for (_, part_stem) in &w.parts {
        if chars(part_stem) >= 3 {
            alternatives.push(term(f.name, part_stem, 3.0));
            alternatives.push(term(f.summary, part_stem, 1.0));
        }
    }
    if w.prefix && chars(&w.folded) >= MIN_PREFIX_CHARS {
        alternatives.push(c.prefix(f.name_plain, &w.folded, 2.0));
        alternatives.push(c.prefix(f.plain, &w.folded, 0.8));
    }
    if chars(&w.stem) >= MIN_SUFFIX_CHARS && !w.stop {
        alternatives.push(c.prefix(f.suffixes, &w.stem, 1.0));
    }
    let whole = typos(chars(&w.folded));
    if whole > 0 {
        alternatives.push(c.typo(f.name_plain, &w.folded, (whole, false, 0), 0.6));
        alternatives.push(c.typo(f.plain, &w.folded, (whole, false, 1), 0.3));
    }
    // Inside a compound the first letter of the part must be right: every suffix of every
    // word is a large dictionary to walk.
    let inside = typos(chars(&w.stem));
    if inside > 0 && !w.stop {
        alternatives.push(c.typo(f.suffixes, &w.stem, (inside, true, 1), 0.4));
    }
    Box::new(BooleanQuery::new(
        alternatives
            .into_iter()
            .map(|q| (Occur::Should, q))
            .collect(),
    ))
}

/// A looser query for suggestions when nothing matched: any word, two typos, shorter
/// prefixes and compound parts.
pub(crate) fn relaxed(words: &[QueryWord], f: &Fields) -> Option<Box<dyn Query>> {
    let mut c = Clauses::default();
    let mut alternatives = Vec::new();
    for w in words.iter().filter(|w| !w.stop) {
        let n = chars(&w.folded);
        alternatives.push(term(f.name, &w.stem, 3.0));
        alternatives.push(term(f.body, &w.stem, 1.0));
        if n >= 3 {
            alternatives.push(c.prefix(f.name_plain, &w.folded, 2.0));
            alternatives.push(c.prefix(f.suffixes, &w.folded, 1.0));
        }
        if n >= 4 {
            alternatives.push(c.typo(f.name_plain, &w.folded, (2, false, 0), 1.5));
            alternatives.push(c.typo(f.plain, &w.folded, (2, false, 0), 0.5));
        }
        if n >= 7 {
            // A compound of which only a part is known: its first and last five letters.
            let head: String = w.folded.chars().take(5).collect();
            let tail: String = w.folded.chars().skip(n - 5).collect();
            alternatives.push(c.prefix(f.suffixes, &head, 0.5));
            alternatives.push(c.prefix(f.suffixes, &tail, 0.5));
        }
    }
    (!alternatives.is_empty()).then(|| {
        Box::new(BooleanQuery::new(
            alternatives
                .into_iter()
                .map(|q| (Occur::Should, q))
                .collect(),
        )) as Box<dyn Query>
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_word_is_a_prefix_only_while_it_is_being_typed() {
        let mut s = GermanStemmer::default();
        let typing = analyze("sicherer mess", &mut s);
        assert_eq!(
            typing.iter().map(|w| w.prefix).collect::<Vec<_>>(),
            [false, true]
        );
        let done = analyze("sicherer messenger ", &mut s);
        assert!(done.iter().all(|w| !w.prefix));
    }

    #[test]
    fn stop_words_are_optional_unless_they_are_all_there_is() {
        let mut s = GermanStemmer::default();
        let w = analyze("Messenger für Behörden", &mut s);
        assert_eq!(
            w.iter().map(|w| w.stop).collect::<Vec<_>>(),
            [false, true, false]
        );
        assert!(analyze("die", &mut s).iter().all(|w| !w.stop));
    }

    #[test]
    fn repeated_words_and_overlong_queries_are_bounded() {
        let mut s = GermanStemmer::default();
        assert_eq!(analyze("cloud Cloud CLOUD", &mut s).len(), 1);
        let many: String = (0..100).map(|i| format!("wort{i} ")).collect();
        assert_eq!(analyze(&many, &mut s).len(), MAX_QUERY_WORDS);
    }
}
