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

use tantivy::Index;
use tantivy::tokenizer::{
    Language, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

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

/// One word of a text with its byte range, and its camel-case parts if it has several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub folded: String,
    pub from: usize,
    pub to: usize,
    /// The parts of a camel-case word (`dMessenger` → `d`, `messenger`); empty otherwise.
    pub parts: Vec<Word>,
}

/// Cuts `text` into folded words with their camel-case parts. Words that fold to more than
/// [`MAX_WORD_BYTES`] are dropped.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            push_word(text, s, i, &mut out);
        }
    }
    if let Some(s) = start {
        push_word(text, s, text.len(), &mut out);
    }
    out
}

fn push_word(text: &str, from: usize, to: usize, out: &mut Vec<Word>) {
    let raw = &text[from..to];
    let folded = fold(raw);
    if folded.is_empty() || folded.len() > MAX_WORD_BYTES {
        return;
    }
    // Most words have no capital after their first letter and so no parts; they skip the
    // list of their characters (two allocations per word of every description).
    let bounds = if raw.chars().skip(1).any(char::is_uppercase) {
        case_parts(raw)
    } else {
        Vec::new()
    };
    let parts = if bounds.len() > 1 {
        bounds
            .into_iter()
            .map(|(a, b)| Word {
                folded: fold(&raw[a..b]),
                from: from + a,
                to: from + b,
                parts: Vec::new(),
            })
            .filter(|w| !w.folded.is_empty())
            .collect()
    } else {
        Vec::new()
    };
    out.push(Word {
        folded,
        from,
        to,
        parts,
    });
}

/// Byte ranges of the camel-case parts of one word: a split before an upper-case letter that
/// follows a lower-case one (`dMessenger`), and before the last capital of a run of capitals
/// that is followed by a lower-case letter (`XMLParser` → `XML`, `Parser`).
fn case_parts(word: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut bounds = Vec::new();
    let mut start = 0;
    for k in 1..chars.len() {
        let (i, c) = chars[k];
        let prev = chars[k - 1].1;
        let next_lower = chars.get(k + 1).is_some_and(|(_, n)| n.is_lowercase());
        let split = c.is_uppercase()
            && (prev.is_lowercase() || (prev.is_uppercase() && next_lower && k >= 2));
        if split {
            bounds.push((start, i));
            start = i;
        }
    }
    bounds.push((start, word.len()));
    bounds
}

/// Lower-cases and folds one word: umlauts and their `ae`/`oe`/`ue` spellings to plain
/// vowels, `ß` to `ss`, accents stripped.
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    // Whether the last character pushed was an `a`, `o` or `u` that an `e` may follow as
    // the second letter of an umlaut spelling (`ue` after `q` is no umlaut: Quelle).
    let mut vowel = false;
    for upper in word.chars() {
        // ASCII letters, nearly all of a text, skip the Unicode case tables.
        if upper.is_ascii() {
            push_folded(upper.to_ascii_lowercase(), &mut out, &mut vowel);
        } else {
            for c in upper.to_lowercase() {
                push_folded(c, &mut out, &mut vowel);
            }
        }
    }
    out
}

/// Appends one lower-case character of [`fold`].
#[inline]
fn push_folded(c: char, out: &mut String, vowel: &mut bool) {
    let folded = match c {
        'ä' | 'à' | 'á' | 'â' | 'ã' | 'å' | 'æ' => 'a',
        'ö' | 'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'œ' => 'o',
        'ü' | 'ù' | 'ú' | 'û' => 'u',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ç' => 'c',
        'ñ' => 'n',
        'ý' | 'ÿ' => 'y',
        'ß' => {
            out.push_str("ss");
            *vowel = false;
            return;
        }
        'e' if *vowel => {
            *vowel = false;
            return;
        }
        c => c,
    };
    *vowel = match folded {
        'a' | 'o' => true,
        'u' => !out.ends_with('q'),
        _ => false,
    };
    out.push(folded);
}

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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Stemmed,
    Plain,
    Suffixes,
}

/// The tantivy side of [`words`]: whole words and their parts at the same position, stemmed
/// or not, or the suffixes of each of them.
#[derive(Clone)]
pub struct GermanTokenizer {
    mode: Mode,
    stemmer: std::sync::Arc<std::sync::Mutex<StemCache>>,
}

/// Stems of recently seen words: a text's vocabulary repeats, and stemming is the costliest
/// step of indexing. Bounded; cleared when full.
#[derive(Default)]
struct StemCache {
    stemmer: GermanStemmer,
    stems: std::collections::HashMap<String, String>,
}

const STEM_CACHE_ENTRIES: usize = 100_000;

impl StemCache {
    fn stem(&mut self, folded: &str) -> &str {
        if !self.stems.contains_key(folded) {
            let stem = self.stemmer.stem(folded);
            if self.stems.len() >= STEM_CACHE_ENTRIES {
                self.stems.clear();
            }
            self.stems.insert(folded.to_owned(), stem);
        }
        self.stems.get(folded).map_or("", String::as_str)
    }
}

impl GermanTokenizer {
    fn new(mode: Mode) -> Self {
        GermanTokenizer {
            mode,
            stemmer: Default::default(),
        }
    }
}

/// The tokens of one text, produced one at a time into one reused [`Token`]: tantivy copies
/// each token's text into its own term buffer, so a new `String` per token (a tenth of the
/// index build) bought nothing.
pub struct GermanTokenStream<'a> {
    mode: Mode,
    /// Whole words, each followed by its camel-case parts, with their positions.
    words: Vec<(Word, usize)>,
    /// The word the next token comes from.
    next_word: usize,
    /// For suffixes: where in that word the next suffix starts, and its length in chars.
    suffix_from: usize,
    suffix_chars: Option<usize>,
    cache: std::sync::MutexGuard<'a, StemCache>,
    token: Token,
}

impl GermanTokenStream<'_> {
    fn emit(&mut self, word: usize, from_byte: usize) {
        let (w, position) = &self.words[word];
        self.token.offset_from = w.from;
        self.token.offset_to = w.to;
        self.token.position = *position;
        self.token.position_length = 1;
        self.token.text.clear();
        match self.mode {
            Mode::Stemmed => self.token.text.push_str(self.cache.stem(&w.folded)),
            Mode::Plain | Mode::Suffixes => self.token.text.push_str(&w.folded[from_byte..]),
        }
    }
}

impl TokenStream for GermanTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some((word, _)) = self.words.get(self.next_word) {
            if self.mode != Mode::Suffixes {
                self.emit(self.next_word, 0);
                self.next_word += 1;
                return true;
            }
            let chars = *self
                .suffix_chars
                .get_or_insert_with(|| word.folded.chars().count());
            if chars >= MIN_SUFFIX_CHARS {
                let from = self.suffix_from;
                let width = word.folded[from..].chars().next().map_or(1, char::len_utf8);
                self.suffix_from += width;
                self.suffix_chars = Some(chars - 1);
                self.emit(self.next_word, from);
                return true;
            }
            self.next_word += 1;
            self.suffix_from = 0;
            self.suffix_chars = None;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl Tokenizer for GermanTokenizer {
    type TokenStream<'a> = GermanTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GermanTokenStream<'a> {
        let mut flat = Vec::new();
        for (position, mut word) in words(text).into_iter().enumerate() {
            let parts = std::mem::take(&mut word.parts);
            flat.push((word, position));
            flat.extend(parts.into_iter().map(|part| (part, position)));
        }
        GermanTokenStream {
            mode: self.mode,
            words: flat,
            next_word: 0,
            suffix_from: 0,
            suffix_chars: None,
            // One tokenizer serves one indexing thread; the lock is never contended.
            cache: self
                .stemmer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            token: Token::default(),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.folded).collect()
    }

    #[test]
    fn folds_umlauts_and_their_spellings_alike() {
        assert_eq!(fold("Grünflächen"), "grunflachen");
        assert_eq!(fold("Gruenflaechen"), "grunflachen");
        assert_eq!(fold("Grunflachen"), "grunflachen");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Quelle"), "quelle");
        assert_eq!(fold("Gebäudeerkennung"), "gebaudeerkennung");
    }

    #[test]
    fn splits_camel_case_product_names_and_keeps_the_whole_word() {
        let w = words("dMessenger");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].folded, "dmessenger");
        let parts: Vec<_> = w[0].parts.iter().map(|p| p.folded.as_str()).collect();
        assert_eq!(parts, ["d", "messenger"]);
        let parts: Vec<_> = words("XMLParser")[0]
            .parts
            .iter()
            .map(|p| p.folded.clone())
            .collect();
        assert_eq!(parts, ["xml", "parser"]);
        assert!(words("Messenger")[0].parts.is_empty());
        assert!(words("DIPAS")[0].parts.is_empty());
    }

    #[test]
    fn cuts_at_punctuation_and_keeps_offsets() {
        let text = "Fernsignaturdienst sign-me, „S3“!";
        assert_eq!(folded(text), ["fernsignaturdienst", "sign", "me", "s3"]);
        let w = &words(text)[3];
        assert_eq!(&text[w.from..w.to], "S3");
    }

    #[test]
    fn stems_german_plurals_to_the_singular_stem() {
        let mut stemmer = GermanStemmer::default();
        assert_eq!(stemmer.stem("signaturen"), stemmer.stem("signatur"));
        assert_eq!(stemmer.stem("messengern"), stemmer.stem("messenger"));
        assert_eq!(stemmer.stem("grunflachen"), stemmer.stem("grunflache"));
    }

    #[test]
    fn suffix_tokens_cover_inner_compound_parts() {
        let mut tokenizer = GermanTokenizer::new(Mode::Suffixes);
        let mut stream = tokenizer.token_stream("Fernsignaturdienst");
        let mut all = Vec::new();
        while stream.advance() {
            all.push(stream.token().text.clone());
        }
        assert!(all.contains(&"signaturdienst".to_owned()));
        assert!(all.contains(&"dienst".to_owned()));
        assert!(all.contains(&"fernsignaturdienst".to_owned()));
        assert!(!all.contains(&"nst".to_owned()));
        assert!(all.iter().all(|s| s.chars().count() >= MIN_SUFFIX_CHARS));
    }

    fn tokens(mode: Mode, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut tokenizer = GermanTokenizer::new(mode);
        let mut stream = tokenizer.token_stream(text);
        let mut all = Vec::new();
        while stream.advance() {
            let t = stream.token();
            all.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        all
    }

    const DMESSENGER: [&str; 7] = [
        "dmessenger",
        "messenger",
        "essenger",
        "ssenger",
        "senger",
        "enger",
        "nger",
    ];

    #[test]
    fn streams_every_token_with_its_position_and_offsets() {
        let text = "Grünfläche dMessenger";
        let suffixes: Vec<_> = tokens(Mode::Suffixes, text)
            .into_iter()
            .map(|(t, p, f, e)| format!("{t}@{p}:{f}-{e}"))
            .collect();
        let expected: Vec<String> = [
            "grunflache",
            "runflache",
            "unflache",
            "nflache",
            "flache",
            "lache",
            "ache",
        ]
        .iter()
        .map(|s| format!("{s}@0:0-12"))
        // The whole word at 13..23, then its part `Messenger` (14..23): the same suffixes
        // without the first.
        .chain(DMESSENGER.iter().map(|s| format!("{s}@1:13-23")))
        .chain(DMESSENGER[1..].iter().map(|s| format!("{s}@1:14-23")))
        .collect();
        assert_eq!(suffixes, expected);
        let plain: Vec<_> = tokens(Mode::Plain, text)
            .into_iter()
            .map(|(t, p, ..)| format!("{t}@{p}"))
            .collect();
        assert_eq!(
            plain,
            ["grunflache@0", "dmessenger@1", "d@1", "messenger@1"]
        );
        let mut stemmer = GermanStemmer::default();
        let stemmed: Vec<_> = tokens(Mode::Stemmed, "Signaturen Signaturen")
            .into_iter()
            .map(|(t, p, ..)| (t, p))
            .collect();
        let stem = stemmer.stem("signaturen");
        assert_eq!(stemmed, [(stem.clone(), 0), (stem, 1)]);
    }

    #[test]
    fn counts_one_typo_like_the_fuzzy_query() {
        assert_eq!(distance_within("mesenger", "messenger", 1), Some(1));
        assert_eq!(distance_within("messegner", "messenger", 1), Some(1));
        assert_eq!(distance_within("mssngr", "messenger", 1), None);
    }
}
