//! The tantivy side of the analyzer: a tokenizer that streams the words of a text, their
//! camel-case parts, their stems or their suffixes, without collecting them first.

use std::sync::{Arc, Mutex};

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::MIN_SUFFIX_CHARS;
use super::stems::{LocalStems, SharedStems};
use super::words::{Found, WordCursor, fold_into};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Mode {
    Stemmed,
    Plain,
    Suffixes,
}

/// The tantivy side of [`words`](super::words): whole words and their parts at the same
/// position, stemmed or not, or the suffixes of each of them.
pub struct GermanTokenizer {
    mode: Mode,
    buffers: Buffers,
    /// The stems of all clones (see [`super::stems`]).
    shared: Arc<Mutex<SharedStems>>,
}

/// What a stream writes into, kept from text to text: tantivy copies each token's text
/// into its own term buffer, so a new `String` per token or per text buys nothing.
#[derive(Default)]
struct Buffers {
    token: Token,
    /// The fold of the word or part being emitted.
    folded: String,
    /// Its camel-case part boundaries (see `WordCursor::next`).
    bounds: Vec<usize>,
    /// The stems this clone has looked up.
    stems: LocalStems,
}

impl GermanTokenizer {
    pub(super) fn new(mode: Mode) -> Self {
        GermanTokenizer {
            mode,
            buffers: Buffers::default(),
            shared: Arc::default(),
        }
    }
}

impl Clone for GermanTokenizer {
    /// A clone has its own buffers and stems and shares the others' stems: tantivy clones
    /// the analyzer for each field of each indexing thread.
    fn clone(&self) -> Self {
        GermanTokenizer {
            mode: self.mode,
            buffers: Buffers::default(),
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The tokens of one text, produced one at a time into one reused [`Token`].
pub struct GermanTokenStream<'a> {
    mode: Mode,
    words: WordCursor<'a>,
    buffers: &'a mut Buffers,
    shared: &'a Mutex<SharedStems>,
    /// Position of the current word; the next word's is one more.
    position: usize,
    next_position: usize,
    /// Start of the current word and whether it is ASCII.
    word_from: usize,
    ascii: bool,
    /// The camel-case part of the current word that comes next (index into its bounds).
    next_part: usize,
    /// Byte range of the word or part being emitted.
    item: (usize, usize),
    /// For suffixes: where in `folded` the next suffix starts, and how many are left.
    suffix_from: usize,
    suffixes_left: usize,
}

impl GermanTokenStream<'_> {
    /// Emits the first token of the word or part at `from..to` whose fold is in
    /// `buffers.folded`; false if it has none (a word too short for a suffix).
    fn start(&mut self, from: usize, to: usize) -> bool {
        self.item = (from, to);
        match self.mode {
            Mode::Plain => {
                self.set_token();
                let b = &mut *self.buffers;
                std::mem::swap(&mut b.token.text, &mut b.folded);
                true
            }
            Mode::Stemmed => {
                self.set_token();
                let b = &mut *self.buffers;
                b.token.text.clear();
                b.stems.stem_into(&b.folded, self.shared, &mut b.token.text);
                true
            }
            Mode::Suffixes => {
                let chars = self.buffers.folded.chars().count();
                if chars < MIN_SUFFIX_CHARS {
                    return false;
                }
                self.suffix_from = 0;
                self.suffixes_left = chars - MIN_SUFFIX_CHARS + 1;
                self.next_suffix();
                true
            }
        }
    }

    fn next_suffix(&mut self) {
        self.set_token();
        let b = &mut *self.buffers;
        let rest = b.folded.get(self.suffix_from..).unwrap_or_default();
        b.token.text.clear();
        b.token.text.push_str(rest);
        self.suffix_from += rest.chars().next().map_or(1, char::len_utf8);
        self.suffixes_left -= 1;
    }

    /// Makes `word` the current word, at the next position.
    fn next_word(&mut self, word: Found) {
        self.position = self.next_position;
        self.next_position += 1;
        self.word_from = word.from;
        self.ascii = word.ascii;
        self.next_part = 0;
    }

    fn set_token(&mut self) {
        let token = &mut self.buffers.token;
        token.offset_from = self.item.0;
        token.offset_to = self.item.1;
        token.position = self.position;
        token.position_length = 1;
    }
}

impl TokenStream for GermanTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if self.suffixes_left > 0 {
                self.next_suffix();
                return true;
            }
            // The next camel-case part of the current word, if any is left.
            let b = &mut *self.buffers;
            if let Some(&[a, z]) = b.bounds.get(self.next_part..self.next_part + 2) {
                self.next_part += 1;
                let (from, to) = (self.word_from + a, self.word_from + z);
                let Some(part) = self.words.text().get(from..to) else {
                    continue;
                };
                b.folded.clear();
                fold_into(part, self.ascii, &mut b.folded, usize::MAX);
                if !b.folded.is_empty() && self.start(from, to) {
                    return true;
                }
                continue;
            }
            let Some(word) = self.words.next_raw() else {
                return false;
            };
            let raw = self
                .words
                .text()
                .get(word.from..word.to)
                .unwrap_or_default();
            if self.mode == Mode::Stemmed
                && let Some(stem) = b.stems.raw_stem(raw)
            {
                // A word this clone has stemmed before: no folding, no parts.
                b.bounds.clear();
                b.token.text.clear();
                b.token.text.push_str(stem);
                self.next_word(word);
                self.item = (word.from, word.to);
                self.set_token();
                return true;
            }
            if !self.words.fold(word, &mut b.folded, &mut b.bounds) {
                continue;
            }
            self.next_word(word);
            if self.start(word.from, word.to) {
                let b = &mut *self.buffers;
                if self.mode == Mode::Stemmed && b.bounds.is_empty() {
                    b.stems.remember_raw(raw, &b.token.text);
                }
                return true;
            }
        }
    }

    fn token(&self) -> &Token {
        &self.buffers.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.buffers.token
    }
}

impl Tokenizer for GermanTokenizer {
    type TokenStream<'a> = GermanTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GermanTokenStream<'a> {
        // The parts of the last text's last word are not this text's.
        self.buffers.bounds.clear();
        GermanTokenStream {
            mode: self.mode,
            words: WordCursor::new(text),
            buffers: &mut self.buffers,
            shared: &self.shared,
            position: 0,
            next_position: 0,
            word_from: 0,
            ascii: true,
            next_part: 0,
            item: (0, 0),
            suffix_from: 0,
            suffixes_left: 0,
        }
    }
}
