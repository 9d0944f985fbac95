use tantivy::tokenizer::{TokenStream, Tokenizer};

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

/// The analyzer as it was before it streamed (a `String` per word, a list of words per
/// text, the Unicode case tables for every character): the streamed tokens, [`words`] and
/// [`fold`] must stay exactly what it gives.
mod reference {
    use super::{GermanStemmer, MAX_WORD_BYTES, MIN_SUFFIX_CHARS, Mode, Word};

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
        let bounds = case_parts(raw);
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

    pub fn fold(word: &str) -> String {
        let mut out = String::new();
        let mut vowel = false;
        for c in word.chars().flat_map(char::to_lowercase) {
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
                    vowel = false;
                    continue;
                }
                'e' if vowel => {
                    vowel = false;
                    continue;
                }
                c => c,
            };
            vowel = match folded {
                'a' | 'o' => true,
                'u' => !out.ends_with('q'),
                _ => false,
            };
            out.push(folded);
        }
        out
    }

    /// Every token of `text`: whole words, each followed by its parts at the same
    /// position, stemmed, plain, or cut into their suffixes.
    pub fn tokens(
        mode: Mode,
        text: &str,
        stemmer: &mut GermanStemmer,
    ) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        for (position, word) in words(text).into_iter().enumerate() {
            for w in std::iter::once(&word).chain(&word.parts) {
                match mode {
                    Mode::Stemmed => out.push((stemmer.stem(&w.folded), position, w.from, w.to)),
                    Mode::Plain => out.push((w.folded.clone(), position, w.from, w.to)),
                    Mode::Suffixes => {
                        let starts: Vec<usize> = w.folded.char_indices().map(|(i, _)| i).collect();
                        let count = starts.len().saturating_sub(MIN_SUFFIX_CHARS - 1);
                        for &i in &starts[..count] {
                            out.push((w.folded[i..].to_owned(), position, w.from, w.to));
                        }
                    }
                }
            }
        }
        out
    }
}

/// Texts that reach every path: ASCII and not, camel case (`dMessenger`, `XMLParser`),
/// umlauts and their spellings, `ß`, `que`, letters whose lower case is longer or not a
/// letter (`İ`), title case (`ǅ`), words around [`MAX_WORD_BYTES`], a camel-case word
/// at the very end of a text (its parts must not leak into the next text).
fn corpus() -> Vec<String> {
    let mut texts: Vec<String> = [
        "",
        "  --  ",
        "Grünfläche dMessenger",
        "Gruenflaechen Grunflachen GRÜNFLÄCHEN",
        "XMLParser PostgreSQL iOS eAkte DIPAS S3 x",
        "Straße STRASSE Quelle QUELLE Poesie Gebäudeerkennung",
        "Fernsignaturdienst sign-me, „S3“!",
        "Übersicht ÄrzteÖffnungszeiten naïve Café İstanbul ǅemal ẞ Kelvin",
        "aeoeue AEOEUE aEoE uE qUE queUe Aee",
        "Σίσυφος ΣΊΣΥΦΟΣ 東京 مرحبا",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvw",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx",
        "äbcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstu",
        "Messenger dMessenger",
        "Ende",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Pseudo-random texts over an alphabet of the characters the rules care about.
    let alphabet: Vec<char> = "aeouqxmlpAEOUQXMLPäöüÄÖÜßẞéÉİǅΣς1 -.„“\u{301}"
        .chars()
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % n as u64).unwrap_or(0)
    };
    for _ in 0..2000 {
        let len = next(70);
        texts.push((0..len).map(|_| alphabet[next(alphabet.len())]).collect());
    }
    texts
}

#[test]
fn words_and_folds_are_those_of_the_reference() {
    for text in corpus() {
        assert_eq!(words(&text), reference::words(&text), "{text:?}");
        for word in text.split(' ') {
            assert_eq!(fold(word), reference::fold(word), "{word:?}");
        }
    }
}

#[test]
fn streamed_tokens_are_those_of_the_reference() {
    let mut stemmer = GermanStemmer::default();
    for mode in [Mode::Stemmed, Mode::Plain, Mode::Suffixes] {
        // One tokenizer for all texts, as tantivy uses it: nothing may carry over.
        let mut tokenizer = GermanTokenizer::new(mode);
        for text in corpus() {
            let mut stream = tokenizer.token_stream(&text);
            let mut all = Vec::new();
            while stream.advance() {
                let t = stream.token();
                assert_eq!(t.position_length, 1);
                all.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
            }
            let expected = reference::tokens(mode, &text, &mut stemmer);
            assert_eq!(all, expected, "{mode:?} {text:?}");
        }
    }
}

#[test]
fn clones_stem_alike_from_their_own_and_the_shared_stems() {
    let mut first = GermanTokenizer::new(Mode::Stemmed);
    let mut clone = first.clone();
    let mut stemmer = GermanStemmer::default();
    let text = "Signaturen der Signatur, Grünflächen und dMessenger";
    let expected = reference::tokens(Mode::Stemmed, text, &mut stemmer);
    // The first fills its own and the shared stems; the clone finds them in the shared
    // ones, then in its own.
    for round in 0..3 {
        let tokenizer = if round == 0 { &mut first } else { &mut clone };
        let mut stream = tokenizer.token_stream(text);
        let mut all = Vec::new();
        while stream.advance() {
            let t = stream.token();
            all.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        assert_eq!(all, expected);
    }
}
