//! The one German analyzer, used for indexing, for querying and for highlighting.
//!
//! A text is cut into words at everything that is not a letter or digit. Each word is
//! lower-cased and folded, and product names written in camel case (`dMessenger`,
//! `PostgreSQL`) also yield their parts, at the same position as the whole word:
//!
//! | step | `dMessenger`, `Grünflächen`, `Gruenflaechen` |
//! | --- | --- |
//! | words and case parts | `dMessenger` + `d`, `Messenger`; `Grünflächen`; `Gruenflaechen` |
//! | lower-case + fold | `dmessenger` + `d`, `messenger`; `grunflachen`; `grunflachen` |
//! | German stem (only the stemmed fields) | `dmesseng` + `d`, `messeng`; `grunflach`; `grunflach` |
//!
//! Folding maps `ä`/`ae` → `a`, `ö`/`oe` → `o`, `ü`/`ue` → `u` (not in `que`), `ß` → `ss`
//! and strips accents, so `Grünflächen`, `Gruenflaechen` and `Grunflachen` meet. It is the
//! "german2" variant of Snowball's umlaut rule, pushed one step further so that people who
//! type umlauts as plain vowels also find the word. The same folding runs on both sides, so
//! the rare collision it causes (`Poesie` and `Posie`) costs little.
//!
//! Three tantivy tokenizers are built from it (see [`register_tokenizers`]):
//! - [`STEMMED`]: folded words and parts, stemmed with Snowball German (tantivy's `Stemmer`);
//! - [`PLAIN`]: folded words and parts, not stemmed: the field for prefix and typo matches;
//! - [`SUFFIXES`]: every suffix (at least [`MIN_SUFFIX_CHARS`] long) of each folded word,
//!   the word itself included, so that a prefix query is a substring query: `signatur` finds
//!   `fernsignaturdienst` through its suffix `signaturdienst`, `grunflach` finds
//!   `grunflachenkataster` through the whole word. Compound parts without a dictionary.

mod stems;
mod stream;
#[cfg(test)]
mod tests;
mod words;

use tantivy::Index;
use tantivy::tokenizer::{Language, RawTokenizer, Stemmer, TextAnalyzer};

use stream::Mode;
pub use stream::{GermanTokenStream, GermanTokenizer};
pub use words::{Word, fold, words};

/// Name of the stemmed analyzer.
pub const STEMMED: &str = "de_stemmed";
/// Name of the folded, unstemmed analyzer.
pub const PLAIN: &str = "de_plain";
/// Name of the analyzer that emits the suffixes of each word.
pub const SUFFIXES: &str = "de_suffixes";

/// Words longer than this (in bytes, after folding) are not indexed: they are hashes, URLs
/// or garbage, and would only bloat the term dictionary.
pub const MAX_WORD_BYTES: usize = 48;
/// The shortest suffix the suffix field keeps; shorter ones match far too much.
pub const MIN_SUFFIX_CHARS: usize = 4;

/// Stems folded words with Snowball German (tantivy's `Stemmer` filter): the stemming of the
/// [`STEMMED`] analyzer and of the search words.
pub struct GermanStemmer(TextAnalyzer);

impl Default for GermanStemmer {
    fn default() -> Self {
        Self(
            TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::German))
                .build(),
        )
    }
}

impl GermanStemmer {
    pub fn stem(&mut self, folded: &str) -> String {
        let mut stream = self.0.token_stream(folded);
        let mut out = String::new();
        if stream.advance() {
            out.push_str(&stream.token().text);
        }
        out
    }
}

/// Registers the three analyzers on `index`. Call it for every index that is created or
/// opened: tantivy does not store analyzers in the index, only their names.
pub fn register_tokenizers(index: &Index) {
    let manager = index.tokenizers();
    manager.register(
        STEMMED,
        TextAnalyzer::builder(GermanTokenizer::new(Mode::Stemmed)).build(),
    );
    manager.register(
        PLAIN,
        TextAnalyzer::builder(GermanTokenizer::new(Mode::Plain)).build(),
    );
    manager.register(
        SUFFIXES,
        TextAnalyzer::builder(GermanTokenizer::new(Mode::Suffixes)).build(),
    );
}

/// Optimal-string-alignment distance of `a` and `b` if it is at most `max`, else `None`:
/// the same notion of one typo (insert, delete, replace, swap neighbours) as tantivy's
/// `FuzzyTermQuery` with transpositions, used for highlighting.
pub fn distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut rows = vec![vec![0usize; width]; a.len() + 1];
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i][0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    let d = rows[a.len()][b.len()];
    (d <= max).then_some(d)
}
