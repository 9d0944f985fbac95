//! Cutting a text into folded words and their camel-case parts: the part of the analyzer
//! that indexing, querying and highlighting share.
//!
//! The tokenizer walks the words with a [`WordCursor`], one at a time into reused buffers;
//! [`words`] collects the same words for the query and the highlighting, which need them
//! all. Pure-ASCII words (nearly all of a text) are folded byte by byte, without the
//! Unicode case tables.

use super::MAX_WORD_BYTES;

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
    let mut cursor = WordCursor::new(text);
    let mut folded = String::new();
    let mut bounds = Vec::new();
    while let Some(found) = cursor.next(&mut folded, &mut bounds) {
        let parts = bounds
            .windows(2)
            .filter_map(|pair| {
                let (a, b) = (found.from + pair[0], found.from + pair[1]);
                let mut part = String::new();
                fold_into(text.get(a..b)?, found.ascii, &mut part, usize::MAX);
                (!part.is_empty()).then_some(Word {
                    folded: part,
                    from: a,
                    to: b,
                    parts: Vec::new(),
                })
            })
            .collect();
        out.push(Word {
            folded: folded.clone(),
            from: found.from,
            to: found.to,
            parts,
        });
    }
    out
}

/// Lower-cases and folds one word: umlauts and their `ae`/`oe`/`ue` spellings to plain
/// vowels, `ß` to `ss`, accents stripped.
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    fold_into(word, word.is_ascii(), &mut out, usize::MAX);
    out
}

/// A word [`WordCursor::next`] found: its byte range in the text and whether it is ASCII.
#[derive(Debug, Clone, Copy)]
pub(super) struct Found {
    pub from: usize,
    pub to: usize,
    pub ascii: bool,
}

/// The words of one text, one at a time.
pub(super) struct WordCursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> WordCursor<'a> {
    pub fn new(text: &'a str) -> Self {
        WordCursor { text, at: 0 }
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Moves to the next word that is kept (it folds to at most [`MAX_WORD_BYTES`]): puts
    /// its fold into `folded` and, if it has several camel-case parts, their boundaries
    /// into `bounds` (byte offsets in the word: 0, the start of each further part, the
    /// word's length); `bounds` is empty for a word of one part.
    pub fn next(&mut self, folded: &mut String, bounds: &mut Vec<usize>) -> Option<Found> {
        while let Some(found) = self.next_raw() {
            if self.fold(found, folded, bounds) {
                return Some(found);
            }
        }
        None
    }

    /// Moves to the next run of letters and digits, kept or not, without folding it: what
    /// a tokenizer that remembers what it made of a raw word looks at first.
    pub fn next_raw(&mut self) -> Option<Found> {
        let (from, to, ascii) = next_run(self.text, self.at)?;
        self.at = to;
        Some(Found { from, to, ascii })
    }

    /// Folds the word `found` (from [`WordCursor::next_raw`]) into `folded` and its part
    /// boundaries into `bounds`, as [`WordCursor::next`] does; false if it is not kept.
    pub fn fold(&self, found: Found, folded: &mut String, bounds: &mut Vec<usize>) -> bool {
        let Some(raw) = self.text.get(found.from..found.to) else {
            return false;
        };
        folded.clear();
        let camel = fold_into(raw, found.ascii, folded, MAX_WORD_BYTES);
        if folded.is_empty() || folded.len() > MAX_WORD_BYTES {
            return false;
        }
        bounds.clear();
        if camel {
            case_bounds(raw, bounds);
        }
        true
    }
}

/// The next run of letters and digits in `text` at or after byte `at`: its byte range and
/// whether it is all ASCII.
fn next_run(text: &str, mut at: usize) -> Option<(usize, usize, bool)> {
    let bytes = text.as_bytes();
    let from = loop {
        let b = *bytes.get(at)?;
        if b.is_ascii() {
            if b.is_ascii_alphanumeric() {
                break at;
            }
            at += 1;
        } else {
            let c = char_at(text, at)?;
            if c.is_alphanumeric() {
                break at;
            }
            at += c.len_utf8();
        }
    };
    let mut ascii = true;
    while let Some(&b) = bytes.get(at) {
        if b.is_ascii() {
            if !b.is_ascii_alphanumeric() {
                break;
            }
            at += 1;
        } else {
            match char_at(text, at) {
                Some(c) if c.is_alphanumeric() => {
                    ascii = false;
                    at += c.len_utf8();
                }
                _ => break,
            }
        }
    }
    Some((from, at, ascii))
}

fn char_at(text: &str, at: usize) -> Option<char> {
    text.get(at..)?.chars().next()
}

/// Byte boundaries of the camel-case parts of one word (see [`WordCursor::next`]): a split
/// before an upper-case letter that follows a lower-case one (`dMessenger`), and before the
/// last capital of a run of capitals that is followed by a lower-case letter (`XMLParser` →
/// `XML`, `Parser`). Leaves `bounds` empty if there is no split.
fn case_bounds(word: &str, bounds: &mut Vec<usize>) {
    let mut chars = word.char_indices().peekable();
    let Some((_, mut prev)) = chars.next() else {
        return;
    };
    let mut second = true;
    while let Some((i, c)) = chars.next() {
        let next_lower = chars.peek().is_some_and(|(_, n)| n.is_lowercase());
        let split = c.is_uppercase()
            && (prev.is_lowercase() || (prev.is_uppercase() && next_lower && !second));
        if split {
            if bounds.is_empty() {
                bounds.push(0);
            }
            bounds.push(i);
        }
        prev = c;
        second = false;
    }
    if !bounds.is_empty() {
        bounds.push(word.len());
    }
}

/// Appends the fold of `word` to `out`, which must be empty (the `ue` rule looks at what
/// was pushed); may stop early once `out` is longer than `limit`. `ascii` says whether
/// `word` is pure ASCII. Returns whether a character after the first is upper-case (the
/// word may have camel-case parts).
pub(super) fn fold_into(word: &str, ascii: bool, out: &mut String, limit: usize) -> bool {
    if ascii {
        fold_ascii(word, out, limit)
    } else {
        fold_chars(word, out, limit)
    }
}

/// [`fold_into`] of an ASCII word: lower-case, and the `e` of `ae`, `oe` and `ue` (not
/// after `q`) dropped, as [`push_folded`] does for ASCII letters. Most words need no more
/// than a copy, lower-cased if they have a capital; one look at the word tells.
fn fold_ascii(word: &str, out: &mut String, limit: usize) -> bool {
    let Some((&first, rest)) = word.as_bytes().split_first() else {
        return false;
    };
    // A word holds only letters and digits here, so `| 0x20` lower-cases it.
    let mut camel = false;
    let mut spelled = false;
    let mut vowel = matches!(first | 0x20, b'a' | b'o' | b'u');
    for &b in rest {
        camel |= b.is_ascii_uppercase();
        let c = b | 0x20;
        spelled |= vowel && c == b'e';
        vowel = matches!(c, b'a' | b'o' | b'u');
    }
    if spelled {
        fold_spelled(word.as_bytes(), out, limit);
    } else {
        out.push_str(word);
        if camel || first.is_ascii_uppercase() {
            out.make_ascii_lowercase();
        }
    }
    camel
}

/// [`fold_ascii`] of a word with an `e` after an `a`, `o` or `u`: which of them go depends
/// on what came before (`Quelle`, `Aee`).
fn fold_spelled(word: &[u8], out: &mut String, limit: usize) {
    let mut vowel = false;
    let mut last = 0u8;
    for &b in word {
        let c = b.to_ascii_lowercase();
        if c == b'e' && vowel {
            vowel = false;
            continue;
        }
        vowel = matches!(c, b'a' | b'o') || (c == b'u' && last != b'q');
        last = c;
        out.push(char::from(c));
        if out.len() > limit {
            break;
        }
    }
}

fn fold_chars(word: &str, out: &mut String, limit: usize) -> bool {
    let mut camel = false;
    let mut first = true;
    // Whether the last character pushed was an `a`, `o` or `u` that an `e` may follow as
    // the second letter of an umlaut spelling (`ue` after `q` is no umlaut: Quelle).
    let mut vowel = false;
    for upper in word.chars() {
        // ASCII letters, nearly all of a text, skip the Unicode case tables.
        if upper.is_ascii() {
            camel |= !first && upper.is_ascii_uppercase();
            push_folded(upper.to_ascii_lowercase(), out, &mut vowel);
        } else if let Some(plain) = german_letter(upper) {
            camel |= !first && matches!(upper, 'Ä' | 'Ö' | 'Ü');
            push_folded(plain, out, &mut vowel);
        } else {
            camel |= !first && upper.is_uppercase();
            for c in upper.to_lowercase() {
                push_folded(c, out, &mut vowel);
            }
        }
        first = false;
        if out.len() > limit {
            break;
        }
    }
    camel
}

/// The German letters, most of the other letters of a text, for [`push_folded`] without
/// the Unicode case tables: `ä` and `Ä` as `a` (the same fold), …, `ß` as itself.
fn german_letter(c: char) -> Option<char> {
    match c {
        'ä' | 'Ä' => Some('a'),
        'ö' | 'Ö' => Some('o'),
        'ü' | 'Ü' => Some('u'),
        'ß' => Some('ß'),
        _ => None,
    }
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
