//! Remembered stems: stemming is the costliest step of indexing a word, and a catalog's
//! vocabulary repeats.
//!
//! Tantivy clones an analyzer for each field of each indexing thread. Each clone keeps the
//! stems it has seen ([`LocalStems`], no lock); a word new to it is looked up in the
//! [`SharedStems`] of all clones under a lock, and only a word new to all of them is
//! stemmed. Both are bounded and cleared when full.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, PoisonError};

use super::GermanStemmer;

const STEM_CACHE_ENTRIES: usize = 100_000;

type Words = HashMap<String, String, BuildHasherDefault<WordHasher>>;

/// The stems one analyzer clone has looked up.
#[derive(Default)]
pub(super) struct LocalStems {
    /// Folded word → stem.
    folded: Words,
    /// Raw word, as written in the text, → the stem of its fold, for words without
    /// camel-case parts: a word seen before (nearly every word of a long text) is neither
    /// folded nor looked up twice. The token of a raw word depends on that word alone.
    raw: Words,
}

impl LocalStems {
    /// The stem of the raw word `raw` if it was [remembered](LocalStems::remember_raw).
    pub fn raw_stem(&self, raw: &str) -> Option<&str> {
        self.raw.get(raw).map(String::as_str)
    }

    /// Remembers that the raw word `raw`, which has no camel-case parts, stems to `stem`.
    pub fn remember_raw(&mut self, raw: &str, stem: &str) {
        if self.raw.len() >= STEM_CACHE_ENTRIES {
            self.raw.clear();
        }
        self.raw.insert(raw.to_owned(), stem.to_owned());
    }

    /// Appends the stem of `folded` to `out`.
    pub fn stem_into(&mut self, folded: &str, shared: &Mutex<SharedStems>, out: &mut String) {
        if let Some(stem) = self.folded.get(folded) {
            out.push_str(stem);
            return;
        }
        let stem = shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stem(folded);
        out.push_str(&stem);
        if self.folded.len() >= STEM_CACHE_ENTRIES {
            self.folded.clear();
        }
        self.folded.insert(folded.to_owned(), stem);
    }
}

/// The stems all clones of one analyzer have looked up.
#[derive(Default)]
pub(super) struct SharedStems {
    stemmer: GermanStemmer,
    stems: HashMap<String, String, BuildHasherDefault<WordHasher>>,
}

impl SharedStems {
    fn stem(&mut self, folded: &str) -> String {
        if let Some(stem) = self.stems.get(folded) {
            return stem.clone();
        }
        let stem = self.stemmer.stem(folded);
        if self.stems.len() >= STEM_CACHE_ENTRIES {
            self.stems.clear();
        }
        self.stems.insert(folded.to_owned(), stem.clone());
        stem
    }
}

/// The hash of the stem maps: FxHash (rustc's own), a rotate, xor and multiply per eight
/// bytes, where the standard SipHash cost about 4 % of an indexing thread's instructions.
/// It does not resist chosen collisions, which is fine for keys that come from the
/// catalog's reviewed content (never from a search request) in a bounded map.
#[derive(Default, Clone, Copy)]
pub(super) struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        // The multiply leaves its best bits at the top; the table picks buckets with the
        // low bits.
        self.0.rotate_left(26)
    }
}
