//! Nothing panics on any input: mutated offering files go through load and validation.
//! Bounded (a few hundred cases) so it runs in the normal test suite.

use std::path::Path;
use std::sync::OnceLock;

use catalog::{Catalog, load_catalog, load_offering};
use proptest::prelude::*;

fn sample() -> &'static (Catalog, Vec<String>) {
    static SAMPLE: OnceLock<(Catalog, Vec<String>)> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
        let catalog = load_catalog(&content).unwrap_or_else(|p| panic!("{:#?}", p.into_sorted()));
        let mut texts: Vec<String> = ["dmessenger", "managed-kubernetes", "gruenflaechenkataster"]
            .iter()
            .map(|id| {
                std::fs::read_to_string(content.join(format!("offerings/{id}.yaml")))
                    .expect("sample offering")
            })
            .collect();
        texts.sort();
        (catalog, texts)
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    ReplaceByte(usize, u8),
    InsertText(usize, String),
    DeleteLine(usize),
    DuplicateLine(usize),
    Truncate(usize),
    SwapLines(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let yaml_bits = prop::sample::select(vec![
        ":",
        "- ",
        "&a ",
        "*a",
        "[",
        "]",
        "{",
        "}",
        "\"",
        "'",
        "\t",
        "\n  ",
        "|\n",
        ">-\n",
        "!!binary ",
        "? ",
        "---\n",
        "~",
        "null",
        "true",
        "1e400",
        "-0",
        "\u{feff}",
        "ä",
        "\u{202e}",
        "%YAML 1.1\n",
        "#",
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::ReplaceByte(i, b)),
        (any::<usize>(), yaml_bits).prop_map(|(i, s)| Mutation::InsertText(i, s.to_string())),
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

fn apply(text: &[u8], mutation: &Mutation) -> Vec<u8> {
    let mut bytes = text.to_vec();
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    match mutation {
        Mutation::ReplaceByte(i, b) if !bytes.is_empty() => {
            let at = i % bytes.len();
            bytes[at] = *b;
        }
        Mutation::InsertText(i, s) => {
            let at = i % (bytes.len() + 1);
            bytes.splice(at..at, s.bytes());
        }
        Mutation::DeleteLine(i) if !lines.is_empty() => {
            let skip = i % lines.len();
            bytes = lines
                .iter()
                .enumerate()
                .filter(|(n, _)| *n != skip)
                .flat_map(|(_, l)| l.iter().copied())
                .collect();
        }
        Mutation::DuplicateLine(i) if !lines.is_empty() => {
            let dup = i % lines.len();
            bytes = lines
                .iter()
                .enumerate()
                .flat_map(|(n, l)| {
                    if n == dup {
                        [*l, *l].concat()
                    } else {
                        l.to_vec()
                    }
                })
                .collect();
        }
        Mutation::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
        Mutation::SwapLines(a, b) if !lines.is_empty() => {
            let mut owned: Vec<&[u8]> = lines.clone();
            owned.swap(a % lines.len(), b % lines.len());
            bytes = owned.concat();
        }
        _ => {}
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_offering_files_never_panic(which in 0usize..3, mutations in prop::collection::vec(mutation(), 1..6)) {
        let (catalog, texts) = sample();
        let mut bytes = texts[which % texts.len()].clone().into_bytes();
        for m in &mutations {
            bytes = apply(&bytes, m);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("dmessenger.yaml");
        std::fs::write(&path, &bytes).expect("write");
        match load_offering(&path, catalog) {
            Ok(offering) => prop_assert!(!offering.id.is_empty()),
            Err(problems) => {
                for problem in problems.into_sorted() {
                    // Every problem names a line inside the file (or 1 for whole-file problems).
                    prop_assert!(problem.line >= 1);
                    prop_assert!(!problem.message.is_empty());
                    let _ = problem.render_human(std::str::from_utf8(&bytes).ok());
                }
            }
        }
    }
}
