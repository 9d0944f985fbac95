//! The fast reader (`fast.rs`) must never change what a content file means: whenever it
//! accepts a text, its tree (every value, line and column) and its problems (duplicate keys)
//! are exactly those of saphyr-parser's events. And it must accept what providers write, or
//! `csp check` silently falls back to the slow path.

use std::path::Path;

use proptest::prelude::*;

use super::{Node, fast, parse_events};
use crate::diagnostic::Diagnostic;

/// Compares both readers on `text`; true when the fast one accepted it.
fn same_as_saphyr(text: &str) -> bool {
    let path = Path::new("t.yaml");
    let Some((node, problems)) = fast::parse(path, text) else {
        return false;
    };
    let mut expected_problems = Vec::new();
    let expected: Result<Node, Diagnostic> = parse_events(path, text, &mut expected_problems);
    assert_eq!(Ok(node), expected, "text: {text:?}");
    assert_eq!(problems, expected_problems, "text: {text:?}");
    true
}

#[track_caller]
fn accepted_and_same(text: &str) {
    assert!(same_as_saphyr(text), "the fast reader gave up on {text:?}");
}

/// Every YAML file of the sample content, and the front matter of every Markdown file, as
/// providers write them: read by the fast reader, with saphyr's result.
#[test]
fn sample_content_is_read_fast_and_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let mut count = 0;
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("content folder") {
            let path = entry.expect("content entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = match path.extension().and_then(|e| e.to_str()) {
                Some("yaml") => std::fs::read_to_string(&path).expect("UTF-8 content file"),
                Some("md") => {
                    let text = std::fs::read_to_string(&path).expect("UTF-8 content file");
                    // The front matter as `split_front_matter` hands it to the parser.
                    let Some(rest) = text.strip_prefix("---\n") else {
                        continue;
                    };
                    let front = rest.split("\n---\n").next().unwrap_or_default();
                    format!("\n{front}\n")
                }
                _ => continue,
            };
            assert!(
                same_as_saphyr(&text),
                "the fast reader gave up on {}",
                path.display()
            );
            count += 1;
        }
    }
    assert!(count > 40, "only {count} content files found");
}

#[test]
fn reads_what_offering_files_use() {
    for text in [
        "a: b\n",
        "# Kommentar\nformat: 1\nid: x # Kommentar\n",
        "leer:\nnext: x\nlast:\n",
        "a:   viele Leerzeichen   \n",
        "name: \"Beispiel: Dienst # kein Kommentar\"\nz: 'a \"b\"'\n",
        "url: https://example.org/a:b?x=1#frag\nc: C# und F#\n",
        "mehr: Straße, Größe € ÄÖÜ, [eckig] {geschweift}\n",
        "tags: [API, Grün, b c,  d  ]\nleer: []\nauch: [ ]\n",
        "flow: [Grün, Größe, 𝄞 x, y]\n",
        "choices: [\"16\", '17', \"a, b\" , c]\n",
        "lit: |\n  Zeile eins\n  Zeile zwei: ä\n\n  drei\n    eingerückt\n\n\nnext: 1\n",
        "lit: |-\n  a\n\n  b\n\n",
        "fold: >-\n  eins\n  zwei\n\n  drei\n\n\n  vier\n",
        "fold: >\n  eins\n  zwei\n",
        "lit: | # Kommentar\n  a # kein Kommentar\n  # auch keiner\n",
        "lit: |\n  a\n \n  b\n",
        "seq:\n  - id: a\n    n: b\n  - plain\n  - \"q\"\n  - [x, y]\n  -   id: c\n      d: |\n        text\n",
        "m:\n  k: v\n  n:\n    tief: ja\n  o: 1\n",
        "a:\n  # Kommentar\n  b: 1\n# Kommentar\nc: 2\n",
        "a: 1\n\n\nb: 2\n",
        "dup: 1\nx: 2\ndup: 3\n",
        "plans:\n  - id: a\n    id: b\n",
        "\nfront: matter\n",
        "a: b\n    # tiefer Kommentar\nc: d\n",
    ] {
        accepted_and_same(text);
    }
}

#[test]
fn leaves_everything_else_to_saphyr() {
    for text in [
        "a: b",
        "a: b\r\n",
        "a:\tb\n",
        "a: \u{FEFF}b\n",
        "a: x\u{85}y\n",
        "a:b: c\n",
        "a: b: c\n",
        "a: b:\n",
        "a: &x 1\nb: *x\n",
        "a: !tag x\n",
        "a: {b: c}\n",
        "a: [b, {c: d}]\n",
        "a: [b, c,]\n",
        "a: [b, 'c''d']\n",
        "a: [\"b\": c]\n",
        "a: [b\n",
        "a: \"b\\n\"\n",
        "a: 'it''s'\n",
        "a: \"offen\n",
        "a: mehr\n  Zeilen\n",
        "a: b\n c: d\n",
        "key:\n- indentless\n",
        "a:\n  -\n    b: c\n",
        "a:\n  - - b\n",
        "lit: |2\n   a\n",
        "lit: |+\n  a\n\n",
        "lit: |\n\n  leading blank\n",
        "lit: |\n  a\n   \n  b\n",
        "fold: >\n  a\n    more\n  b\n",
        "lit: |\nnothing\n",
        "---\na: 1\n",
        "a: 1\n---\nb: 2\n",
        "\"quoted\": key\n",
        "Größe: 1\n",
        "zwei worte: 1\n",
        "? komplex\n: wert\n",
        "a: -1\n",
        "a: %x\n",
        // A list at the top is not a content file.
        "- a\n",
    ] {
        assert!(!same_as_saphyr(text), "the fast reader accepted {text:?}");
    }
}

/// Characters that mean something to YAML, with letters and multi-byte characters between.
fn yaml_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a", "b", "key", "Wert", "ä", "€", "𝄞", " ", "  ", "\n", "\n", "\n  ", "\n    ", ":", ": ",
        "#", " #", "-", "- ", ",", "[", "]", "{", "}", "|", "|-", ">", ">-", "'", "\"", "1.5",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|pieces| pieces.concat() + "\n")
}

/// Lines an offering file is made of, at random indentations and in random order.
fn offering_like_lines() -> impl Strategy<Value = String> {
    let indent = prop::sample::select(vec!["", "", "", "  ", "  ", "    ", "   ", "      ", " "]);
    let line = prop::sample::select(vec![
        "id: basis",
        "name: Größe und Maß",
        "leer:",
        "tags: [API, Grün, b c]",
        "flow: []",
        "price: \"290\"",
        "q: 'x'",
        "url: https://example.org/a:b#c",
        "value: text # Kommentar",
        "- plain",
        "- id: a",
        "- [x, y]",
        "- \"q\"",
        "-",
        "- ",
        "description: |",
        "summary: >-",
        "lit: |-",
        "- |",
        "Zeile des Textes",
        "zweite: Zeile",
        "# Kommentar",
        "",
        "",
        "dup: 1",
        "a-b: 3",
        "key: a: b",
        "x: [a, b",
    ]);
    prop::collection::vec((indent, line), 1..25).prop_map(|lines| {
        lines
            .into_iter()
            .map(|(indent, line)| format!("{indent}{line}\n"))
            .collect()
    })
}

/// A YAML value of the kinds content files use, drawn from small pools of tricky texts.
#[derive(Debug, Clone)]
enum Value {
    Scalar(&'static str),
    Flow(Vec<&'static str>),
    /// Literal or folded, stripped or clipped, its lines.
    Block(bool, bool, Vec<&'static str>),
    Map(Vec<(&'static str, Value)>),
    Seq(Vec<Value>),
}

const KEYS: &[&str] = &["id", "name", "a-b", "x.y", "c_d", "1", "dup", "dup", "ab"];
const SCALARS: &[&str] = &[
    "1",
    "basis",
    "Größe und Maß",
    "a:b",
    "C# und F#",
    "wert # Kommentar",
    "\"290\"",
    "'q'",
    "\"a: b # c\"",
    "https://example.org/x?y=1#z",
    "true",
    "2025-01-01",
    "Straße, Weg",
    "x]",
    "{y",
    "~",
    "ä",
    "\"\"",
    "wert   ",
    "'a \"b\"'",
];
const FLOW_ITEMS: &[&str] = &[
    "a", "Grün", "b c", "\"16\"", "'x y'", "𝄞", "\"a, b\"", "a-b",
];
const FIRST_LINES: &[&str] = &["Zeile eins", "ä: b # c", "# kein Kommentar", "- Punkt"];
const LINES: &[&str] = &[
    "Zeile eins",
    "",
    "zweite: Zeile",
    "# kein Kommentar",
    "  eingerückt",
    "- Punkt",
    "ä ö ü",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        4 => prop::sample::select(SCALARS).prop_map(Value::Scalar),
        1 => prop::collection::vec(prop::sample::select(FLOW_ITEMS), 0..4).prop_map(Value::Flow),
        1 => (
            any::<bool>(),
            any::<bool>(),
            prop::sample::select(FIRST_LINES),
            prop::collection::vec(prop::sample::select(LINES), 0..4),
        )
            .prop_map(|(literal, strip, first, mut lines)| {
                lines.insert(0, first);
                Value::Block(literal, strip, lines)
            }),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec((prop::sample::select(KEYS), inner.clone()), 1..6)
                .prop_map(Value::Map),
            prop::collection::vec(inner, 1..4).prop_map(Value::Seq),
        ]
    })
}

/// A document: a mapping at the top, nested by `step` spaces.
fn structured_document() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((prop::sample::select(KEYS), value()), 1..8),
        1..5usize,
    )
        .prop_map(|(entries, step)| {
            let mut out = String::new();
            render_map(&entries, 0, step, &mut out);
            out
        })
}

fn render_map(entries: &[(&str, Value)], indent: usize, step: usize, out: &mut String) {
    for (key, value) in entries {
        out.push_str(&" ".repeat(indent));
        render_entry(key, value, indent, step, out);
    }
}

/// `key:` and its value, the key already indented.
fn render_entry(key: &str, value: &Value, indent: usize, step: usize, out: &mut String) {
    out.push_str(key);
    out.push(':');
    render_value(value, indent, step, out);
}

/// A value after `key:` or `-`, in a collection at `indent`.
fn render_value(value: &Value, indent: usize, step: usize, out: &mut String) {
    match value {
        Value::Scalar(text) => {
            out.push(' ');
            out.push_str(text);
            out.push('\n');
        }
        Value::Flow(items) => {
            out.push_str(" [");
            out.push_str(&items.join(", "));
            out.push_str("]\n");
        }
        Value::Block(literal, strip, lines) => {
            out.push_str(if *literal { " |" } else { " >" });
            out.push_str(if *strip { "-\n" } else { "\n" });
            // More-indented lines of folded text are left to saphyr-parser: only in literals.
            for line in lines
                .iter()
                .filter(|line| *literal || !line.starts_with(' '))
            {
                if !line.is_empty() {
                    out.push_str(&" ".repeat(indent + step));
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        Value::Map(entries) => {
            out.push('\n');
            render_map(entries, indent + step, step, out);
        }
        Value::Seq(items) => {
            out.push('\n');
            render_seq(items, indent + step, step, out);
        }
    }
}

fn render_seq(items: &[Value], indent: usize, step: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            // A compact mapping: its first key on the item's line.
            Value::Map(entries) => {
                out.push(' ');
                let (first, rest) = entries.split_first().expect("a mapping has entries");
                render_entry(first.0, &first.1, indent + 2, step, out);
                render_map(rest, indent + 2, step, out);
            }
            other => render_value(other, indent, step, out),
        }
    }
}

/// An offering-like document with random characters put in and taken out.
fn mutated_document() -> impl Strategy<Value = String> {
    const BASE: &str = "# Kommentar\nformat: 1\nid: beispiel\nname: \"Beispiel: Dienst\"\n\
        leer:\nsummary: >-\n  Erste Zeile des Textes\n  zweite Zeile.\n\n  Neuer Absatz\n\
        description: |\n  Erste Zeile mit Größe.\n\n  Zweite: Zeile # kein Kommentar\n    \
        eingerückt\ntags: [API, Grün, b c]\nplans:\n  - id: basis\n    price: '1249.50'\n    \
        unit: je Monat # netto\n    options:\n      - a\n      - [x, y]\n  - id: zwei\n    \
        text: |-\n      Block im Eintrag\nmaturity:\n  levels:\n    a-b: 3\n    c_d: 4\n";
    let edits = prop::collection::vec(
        (
            0..BASE.len(),
            prop::sample::select(vec![
                "", "", ":", " ", "  ", "\n", "#", "[", "]", "|", "ä", "-", "'", "\"", ",", "a",
                ">",
            ]),
        ),
        0..5,
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
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn random_texts_read_the_same(text in yaml_like()) {
        same_as_saphyr(&text);
    }

    #[test]
    fn random_offering_lines_read_the_same(text in offering_like_lines()) {
        same_as_saphyr(&text);
    }

    #[test]
    fn structured_documents_read_the_same(text in structured_document()) {
        same_as_saphyr(&text);
    }

    #[test]
    fn mutated_documents_read_the_same(text in mutated_document()) {
        same_as_saphyr(&text);
    }
}

/// The random tests above only mean something if the fast reader accepts many of their texts.
#[test]
fn random_tests_exercise_the_fast_reader() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let structured = structured_document();
    let mutated = mutated_document();
    let (mut accepted_structured, mut accepted_mutated) = (0, 0);
    for _ in 0..1_000 {
        let text = structured.new_tree(&mut runner).expect("a text").current();
        accepted_structured += usize::from(same_as_saphyr(&text));
        let text = mutated.new_tree(&mut runner).expect("a text").current();
        accepted_mutated += usize::from(same_as_saphyr(&text));
    }
    assert!(
        accepted_structured >= 300,
        "{accepted_structured} of 1,000 structured texts"
    );
    assert!(
        accepted_mutated >= 200,
        "{accepted_mutated} of 1,000 mutated texts"
    );
}
