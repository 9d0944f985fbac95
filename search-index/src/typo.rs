//! The typo automaton: which terms of the term dictionary are at most one or two typos away
//! from a search word, or begin with something that is.
//!
//! A typo is a byte inserted, dropped or replaced, or two neighbouring bytes swapped (the
//! optimal-string-alignment distance, as [`crate::analyzer::distance_within`] counts it for
//! folded words, which are ASCII but for rare foreign letters). The automaton runs the
//! bit-parallel simulation of the Levenshtein automaton (Wu and Manber; the swap as in
//! Hyyrö) while tantivy walks the term dictionary: nothing is built in advance, where
//! tantivy's own `FuzzyTermQuery` compiles a DFA per request that costs 20–500 µs for a long
//! word and two typos.

use tantivy_fst::Automaton;

/// The longest word the automaton takes, in bytes (one bit per prefix length, plus the
/// empty prefix, in a `u64`). Longer words are cut here, which only loosens the match.
const MAX_BYTES: usize = 63;
/// The most typos the automaton allows.
pub(crate) const MAX_TYPOS: usize = 2;

/// Accepts the terms within `typos` typos of a word, or (`prefix`) the terms that begin
/// with something within `typos` typos of it.
pub(crate) struct Typos {
    /// For each byte, the pattern positions it matches: bit `p + 1` if `word[p] == byte`.
    matches: Box<[u64; 256]>,
    /// Bit of the whole word matched.
    done: u64,
    typos: usize,
    prefix: bool,
    /// The first bytes of the word, which a term must begin with exactly.
    head: Vec<u8>,
}

/// Where the walk through a term stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct State {
    /// `now[j]`: bit `p` set if the term so far matches the first `p` bytes of the word with
    /// at most `j` typos.
    now: [u64; MAX_TYPOS + 1],
    /// The same before the last byte (for swapped neighbours), and that byte.
    before: [u64; MAX_TYPOS + 1],
    last: u8,
    /// A prefix match is complete: every continuation matches.
    accepted: bool,
    /// Bytes read, counted up to the length of the fixed head.
    read: u8,
}

impl Typos {
    /// `head`: how many first bytes of the word a term must begin with exactly. One is what
    /// makes a typo query over a large dictionary fast (the walk leaves all but one first
    /// letter alone) at the cost of typos in the first letter, the rarest place for one.
    pub(crate) fn new(word: &str, typos: u8, prefix: bool, head: usize) -> Typos {
        let bytes = &word.as_bytes()[..word.len().min(MAX_BYTES)];
        let mut matches = Box::new([0u64; 256]);
        for (p, &b) in bytes.iter().enumerate() {
            matches[usize::from(b)] |= 1 << (p + 1);
        }
        Typos {
            matches,
            done: 1 << bytes.len(),
            typos: usize::from(typos).min(MAX_TYPOS),
            prefix,
            head: bytes[..head.min(bytes.len()).min(usize::from(u8::MAX))].to_vec(),
        }
    }

    /// Makes the levels cumulative (`j` typos allow what fewer allow) and adds the bytes of
    /// the word that the typos may drop here.
    fn close(&self, levels: &mut [u64; MAX_TYPOS + 1]) {
        for j in 1..=self.typos {
            levels[j] |= levels[j - 1] | (levels[j - 1] << 1);
        }
        let all = (self.done << 1).wrapping_sub(1);
        for level in levels.iter_mut() {
            *level &= all;
        }
    }
}

impl Typos {
    /// Whether the automaton accepts `term` (for highlighting what it matched).
    pub(crate) fn accepts(&self, term: &str) -> bool {
        let mut state = self.start();
        for &b in term.as_bytes() {
            if !self.can_match(&state) {
                return false;
            }
            state = self.accept(&state, b);
        }
        self.is_match(&state)
    }
}

impl Automaton for Typos {
    type State = State;

    fn start(&self) -> State {
        let mut now = [0; MAX_TYPOS + 1];
        now[0] = 1;
        self.close(&mut now);
        let accepted = self.prefix && now[self.typos] & self.done != 0;
        State {
            now,
            before: [0; MAX_TYPOS + 1],
            last: 0,
            accepted,
            read: 0,
        }
    }

    fn is_match(&self, state: &State) -> bool {
        state.accepted || state.now[self.typos] & self.done != 0
    }

    fn can_match(&self, state: &State) -> bool {
        state.accepted || state.now[self.typos] != 0
    }

    fn will_always_match(&self, state: &State) -> bool {
        state.accepted
    }

    fn accept(&self, state: &State, byte: u8) -> State {
        if state.accepted {
            return state.clone();
        }
        let read = usize::from(state.read);
        if read < self.head.len() && self.head[read] != byte {
            return State {
                now: [0; MAX_TYPOS + 1],
                before: [0; MAX_TYPOS + 1],
                last: byte,
                accepted: false,
                read: state.read,
            };
        }
        let here = self.matches[usize::from(byte)];
        let mut next = [0u64; MAX_TYPOS + 1];
        next[0] = (state.now[0] << 1) & here;
        #[allow(clippy::needless_range_loop)] // `j` indexes three arrays
        for j in 1..=self.typos {
            let fewer = state.now[j - 1];
            // The byte matches, is one too many, or replaces one of the word.
            let mut level = ((state.now[j] << 1) & here) | fewer | (fewer << 1);
            // The byte and the one before are the word's next two, swapped.
            level |=
                (((state.before[j - 1] << 1) & here) << 1) & self.matches[usize::from(state.last)];
            next[j] = level;
        }
        self.close(&mut next);
        let accepted = self.prefix && next[self.typos] & self.done != 0;
        State {
            now: next,
            before: state.now,
            last: byte,
            accepted,
            read: state.read.saturating_add(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::distance_within;

    fn accepts(a: &Typos, term: &str) -> bool {
        a.accepts(term)
    }

    /// Every string of up to `len` letters over a small alphabet.
    fn strings(len: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut layer = vec![String::new()];
        for _ in 0..len {
            layer = layer
                .iter()
                .flat_map(|s| ['a', 'b', 'c'].map(|c| format!("{s}{c}")))
                .collect();
            out.extend(layer.iter().cloned());
        }
        out
    }

    #[test]
    fn accepts_exactly_the_terms_within_the_typos() {
        let words = strings(4);
        let terms = strings(6);
        for typos in 0..=2u8 {
            for word in &words {
                let whole = Typos::new(word, typos, false, 0);
                let prefix = Typos::new(word, typos, true, 0);
                for term in &terms {
                    let max = usize::from(typos);
                    let expected = distance_within(term, word, max).is_some();
                    assert_eq!(accepts(&whole, term), expected, "{word} {term} {typos}");
                    let expected_prefix = (0..=term.len())
                        .any(|end| distance_within(&term[..end], word, max).is_some());
                    assert_eq!(
                        accepts(&prefix, term),
                        expected_prefix,
                        "prefix {word} {term} {typos}"
                    );
                }
            }
        }
    }

    #[test]
    fn finds_typos_in_german_compounds() {
        let a = Typos::new("grunflachenkatster", 1, false, 1);
        assert!(accepts(&a, "grunflachenkataster"));
        assert!(!accepts(&a, "grunflachenkatasters"));
        let a = Typos::new("zertifkat", 1, true, 1);
        assert!(accepts(&a, "zertifikaten"));
        assert!(accepts(&a, "zertfkat"));
        assert!(!accepts(&a, "zertifizierte"));
        let a = Typos::new("buchungsplna", 2, false, 0);
        assert!(accepts(&a, "buchungsplan"));
        // A fixed first letter.
        assert!(accepts(&Typos::new("katster", 1, true, 0), "latster"));
        assert!(!accepts(&Typos::new("katster", 1, true, 1), "latster"));
        assert!(accepts(&Typos::new("katster", 1, true, 1), "kataster"));
    }
}
