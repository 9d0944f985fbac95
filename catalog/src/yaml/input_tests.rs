//! The vendored bulk reads must not change what the parser sees: every event, every span and
//! every error of a text is the same with them (`TextInput<true>`) as with upstream's steps
//! (`TextInput<false>`).

use proptest::prelude::*;
use saphyr_parser::{Parser, StrInput};

use super::TextInput;

/// Every event with its span, up to and including the first error.
fn events<const BULK: bool>(text: &str) -> Vec<String> {
    let mut parser = Parser::new(TextInput::<BULK>(StrInput::new(text)));
    let mut seen = Vec::new();
    while let Some(result) = parser.next_event() {
        let failed = result.is_err();
        seen.push(format!("{result:?}"));
        if failed || seen.len() > 10_000 {
            break;
        }
    }
    seen
}

fn assert_same_events(text: &str) {
    assert_eq!(
        events::<true>(text),
        events::<false>(text),
        "text: {text:?}"
    );
}

/// Every YAML file of the sample content, as providers write them.
#[test]
fn sample_content_parses_the_same() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let mut count = 0;
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("content folder") {
            let path = entry.expect("content entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "md") {
                let text = std::fs::read_to_string(&path).expect("UTF-8 content file");
                assert_same_events(&text);
                count += 1;
            }
        }
    }
    assert!(count > 40, "only {count} content files found");
}

#[test]
fn scalar_edge_cases_parse_the_same() {
    for text in [
        "a: b",
        "a:b: c",
        "key: value # comment\nnext: 1",
        "url: https://example.org/a:b?x=1#frag",
        "text: ein Wort:\n  weiter",
        "mehr: Straße, Größe € ÄÖÜ\n",
        "bom: a\u{FEFF}b",
        "\u{FEFF}a: b",
        "flow: [a, b:c, {d: e}, f:]",
        "flow: {a: [1,2], b:c}",
        "- a\n- b: c\n  d: e\n- 'x': \"y\"",
        "nul: a\0b",
        "cr: a\r\nb: c\r\n",
        "lit: |\n  Zeile eins\n  Zeile zwei: ä\n\n  drei\n",
        "fold: >-\n  eins\n  zwei\u{FEFF}drei\n",
        "lit: |2\n   eingerückt\n  normal\n",
        "lit: |\n  Zeile\0mit NUL\n",
        "multi: eins\n  zwei\n\n  drei",
        "tab: a\tb",
        "a: b\n\tc: d",
        "- -a\n- -\n- --- x",
        "---\na: 1\n...\n---\nb: 2",
        "x: 𝄞 notes: here",
    ] {
        assert_same_events(text);
    }
}

/// Characters that mean something to YAML, with letters and multi-byte characters between.
fn yaml_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a", "b", "key", "Wert", "ä", "€", "𝄞", " ", "  ", "\n", "\r\n", "\t", ":", ": ", "#",
        " #", "-", "- ", ",", "[", "]", "{", "}", "|", ">", "|-", ">+", "'", "\"", "?", "&a", "*a",
        "!", "%", "@", "`", "\u{FEFF}", "\0", "---", "...", "\\", "1.5",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|pieces| pieces.concat())
}

/// An offering-like document with random characters put in and taken out.
fn mutated_document() -> impl Strategy<Value = String> {
    const BASE: &str = "id: beispiel\nname: \"Beispiel: Dienst\"\nsummary: Kurz, knapp: gut\n\
        description: |\n  Erste Zeile mit Größe.\n\n  Zweite: Zeile\nplans:\n  - id: basis\n    \
        price: 1249.50\n    unit: je Monat # netto\ntags: [a, b, c]\n";
    let edits = prop::collection::vec(
        (
            0..BASE.len(),
            prop::sample::select(vec!["", ":", " ", "\n", "#", "[", "]", "|", "ä", "\t", "-"]),
        ),
        0..6,
    );
    edits.prop_map(|edits| {
        let mut text = BASE.to_owned();
        for (at, piece) in edits {
            let mut at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            if piece.is_empty() {
                if let Some(c) = text[at..].chars().next() {
                    text.replace_range(at..at + c.len_utf8(), "");
                }
            } else {
                text.insert_str(at, piece);
            }
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn random_texts_parse_the_same(text in yaml_like()) {
        assert_same_events(&text);
    }

    #[test]
    fn mutated_documents_parse_the_same(text in mutated_document()) {
        assert_same_events(&text);
    }
}
