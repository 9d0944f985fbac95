//! Marking the matched words of a text, as safe HTML.

use crate::analyzer::{GermanStemmer, MIN_SUFFIX_CHARS, distance_within, words};
use crate::query::{MIN_PREFIX_CHARS, QueryWord, typos};
use crate::typo::Typos;

/// Texts longer than this (in characters) are cut to a snippet of about this length around
/// the first marked word, so that ten hits stay a few KB.
pub const SNIPPET_CHARS: usize = 180;

/// `text` as HTML with every word the query matched in `<mark>`…`</mark>` and everything
/// else escaped, cut to [`SNIPPET_CHARS`] around the first match (with `…` where cut). A
/// word is marked by the same rules that made it match: same stem, prefix of the word being
/// typed, compound part, one typo; of a camel-case word only the matching part is marked
/// when the whole does not match.
pub(crate) fn highlight_html(
    text: &str,
    query: &[QueryWord],
    stemmer: &mut GermanStemmer,
) -> String {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    if !query.is_empty() {
        let inside: Vec<Option<Typos>> = query.iter().map(typos_inside).collect();
        for word in words(text) {
            if matches(&word.folded, query, &inside, stemmer) {
                ranges.push((word.from, word.to));
            } else {
                for part in &word.parts {
                    if matches(&part.folded, query, &inside, stemmer) {
                        ranges.push((part.from, part.to));
                    }
                }
            }
        }
    }
    let (start, end) = snippet(text, ranges.first().map_or(0, |r| r.0));
    let mut html = String::with_capacity(end - start + ranges.len() * 13 + 8);
    if start > 0 {
        html.push('…');
    }
    let mut at = start;
    for (from, to) in ranges {
        if from < start || to > end {
            continue;
        }
        escape_into(&text[at..from], &mut html);
        html.push_str("<mark>");
        escape_into(&text[from..to], &mut html);
        html.push_str("</mark>");
        at = to;
    }
    escape_into(&text[at..end], &mut html);
    if end < text.len() {
        html.push('…');
    }
    html
}

/// The byte range of at most [`SNIPPET_CHARS`] characters of `text` to show: all of it if
/// short enough, else a window that starts at a word boundary shortly before `focus` and ends
/// at a word boundary.
fn snippet(text: &str, focus: usize) -> (usize, usize) {
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    if boundaries.len() <= SNIPPET_CHARS + 1 {
        return (0, text.len());
    }
    // Character index of the focus, then start up to 40 characters before it.
    let focus_char = boundaries.partition_point(|&b| b < focus);
    let max_start = boundaries.len() - 1 - SNIPPET_CHARS;
    let mut start_char = focus_char.saturating_sub(40).min(max_start);
    if start_char > 0 {
        // Move forward to the start of a word.
        while start_char < focus_char && !text[..boundaries[start_char]].ends_with(' ') {
            start_char += 1;
        }
    }
    let start = boundaries[start_char];
    let mut end = boundaries[(start_char + SNIPPET_CHARS).min(boundaries.len() - 1)];
    if end < text.len()
        && let Some(space) = text[start..end].rfind(' ')
    {
        end = start + space;
    }
    (start, end)
}

fn matches(
    folded: &str,
    query: &[QueryWord],
    inside: &[Option<Typos>],
    stemmer: &mut GermanStemmer,
) -> bool {
    let stem = stemmer.stem(folded);
    query.iter().zip(inside).any(|(q, inside)| {
        let n = q.folded.chars().count();
        stem == q.stem
            || q.parts
                .iter()
                .any(|(_, s)| s.chars().count() >= 3 && *s == stem)
            || (q.prefix && n >= MIN_PREFIX_CHARS && folded.starts_with(&q.folded))
            || (!q.stop && q.stem.chars().count() >= MIN_SUFFIX_CHARS && folded.contains(&q.stem))
            || (typos(n) > 0 && distance_within(folded, &q.folded, usize::from(typos(n))).is_some())
            || inside.as_ref().is_some_and(|a| typo_inside(folded, a))
    })
}

/// The automaton of the query's compound typo clause for `q`, if it has one.
fn typos_inside(q: &QueryWord) -> Option<Typos> {
    let allowed = typos(q.stem.chars().count());
    (allowed > 0 && !q.stop).then(|| Typos::new(&q.stem, allowed, true, 1))
}

/// Whether a suffix of `folded` begins with what `automaton` accepts, as the query's
/// compound typo clause matches it.
fn typo_inside(folded: &str, automaton: &Typos) -> bool {
    folded
        .char_indices()
        .map(|(i, _)| &folded[i..])
        .take_while(|rest| rest.chars().count() >= MIN_SUFFIX_CHARS)
        .any(|rest| automaton.accepts(rest))
}

pub use catalog::format::escape_html;
use catalog::format::escape_html_into as escape_into;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::analyze;

    fn mark(text: &str, q: &str) -> String {
        let mut s = GermanStemmer::default();
        let words = analyze(q, &mut s);
        highlight_html(text, &words, &mut s)
    }

    #[test]
    fn marks_stems_parts_prefixes_and_typos() {
        assert_eq!(
            mark("Sicherer Messenger für Behörden", "messengern "),
            "Sicherer <mark>Messenger</mark> für Behörden"
        );
        assert_eq!(mark("dMessenger", "messenger "), "<mark>dMessenger</mark>");
        assert_eq!(mark("dMessenger", "d "), "<mark>d</mark>Messenger");
        assert_eq!(
            mark("Das Grünflächenkataster", "gruenfl"),
            "Das <mark>Grünflächenkataster</mark>"
        );
        assert_eq!(
            mark("Qualifizierte Signaturen", "Signatuer "),
            "Qualifizierte <mark>Signaturen</mark>"
        );
        // A typo inside a compound.
        assert_eq!(
            mark("Das Grünflächenkataster und mehr", "katster "),
            "Das <mark>Grünflächenkataster</mark> und mehr"
        );
    }

    #[test]
    fn cuts_long_texts_around_the_first_match() {
        let text = format!(
            "{} Messenger {}",
            "Vorwort ".repeat(30),
            "Nachwort ".repeat(30)
        );
        let html = mark(&text, "messenger ");
        assert!(html.starts_with("…Vorwort"), "{html}");
        assert!(html.ends_with("Nachwort…"), "{html}");
        assert!(html.contains("<mark>Messenger</mark>"));
        assert!(html.chars().count() <= SNIPPET_CHARS + 2 + 13);
        let short = "Kurzer Text";
        assert_eq!(mark(short, "nichts "), short);
    }

    #[test]
    fn escapes_everything_it_does_not_mark() {
        assert_eq!(
            mark("<b>Chat</b> & \"Räume\"", "chat "),
            "&lt;b&gt;<mark>Chat</mark>&lt;/b&gt; &amp; &quot;Räume&quot;"
        );
        assert_eq!(
            mark("a <script>", "<script>"),
            "a &lt;<mark>script</mark>&gt;"
        );
    }
}
