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
//! | one typo, for words of 5 letters or more | `name_plain` / `plain` | 0.6 / 0.3 |
//!
//! Term matches are scored with BM25; prefix, compound and typo matches score a constant
//! (their boost), well below a term match, so exact matches rank above typo matches.

use tantivy::Term;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::analyzer::{GermanStemmer, MIN_SUFFIX_CHARS, words};
use crate::request::MAX_QUERY_WORDS;
use crate::schema::Fields;

/// Shortest word (in characters) that gets typo tolerance.
pub const MIN_FUZZY_CHARS: usize = 5;
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

fn prefix(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    // A Levenshtein prefix automaton of distance 0 is a plain prefix match over the term
    // dictionary, without compiling a regular expression per request.
    boosted(
        FuzzyTermQuery::new_prefix(Term::from_field_text(field, text), 0, true),
        boost,
    )
}

fn fuzzy(field: Field, text: &str, distance: u8, boost: f32) -> Box<dyn Query> {
    boosted(
        FuzzyTermQuery::new(Term::from_field_text(field, text), distance, true),
        boost,
    )
}

/// The query for these words: every word must match (see the module documentation); no
/// words at all matches every offering.
pub(crate) fn build(words: &[QueryWord], f: &Fields) -> Box<dyn Query> {
    if words.is_empty() {
        return Box::new(AllQuery);
    }
    let clauses = words
        .iter()
        .map(|w| {
            let occur = if w.stop { Occur::Should } else { Occur::Must };
            (occur, word_query(w, f))
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

fn word_query(w: &QueryWord, f: &Fields) -> Box<dyn Query> {
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
        alternatives.push(prefix(f.name_plain, &w.folded, 2.0));
        alternatives.push(prefix(f.plain, &w.folded, 0.8));
    }
    if chars(&w.stem) >= MIN_SUFFIX_CHARS && !w.stop {
        alternatives.push(prefix(f.suffixes, &w.stem, 1.0));
    }
    if chars(&w.folded) >= MIN_FUZZY_CHARS {
        alternatives.push(fuzzy(f.name_plain, &w.folded, 1, 0.6));
        alternatives.push(fuzzy(f.plain, &w.folded, 1, 0.3));
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
    let mut alternatives = Vec::new();
    for w in words.iter().filter(|w| !w.stop) {
        let n = chars(&w.folded);
        alternatives.push(term(f.name, &w.stem, 3.0));
        alternatives.push(term(f.body, &w.stem, 1.0));
        if n >= 3 {
            alternatives.push(prefix(f.name_plain, &w.folded, 2.0));
            alternatives.push(prefix(f.suffixes, &w.folded, 1.0));
        }
        if n >= 4 {
            alternatives.push(fuzzy(f.name_plain, &w.folded, 2, 1.5));
            alternatives.push(fuzzy(f.plain, &w.folded, 2, 0.5));
        }
        if n >= 7 {
            // A compound of which only a part is known: its first and last five letters.
            let head: String = w.folded.chars().take(5).collect();
            let tail: String = w.folded.chars().skip(n - 5).collect();
            alternatives.push(prefix(f.suffixes, &head, 0.5));
            alternatives.push(prefix(f.suffixes, &tail, 0.5));
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
