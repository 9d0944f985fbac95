//! A located YAML tree, built from saphyr-parser events under hard limits.
//!
//! Every node keeps the line and column where it starts, so that validation can point at the
//! exact key or value. Hostile input is refused before it can hurt: oversized or binary files,
//! invalid UTF-8, alias bombs (expansion is budgeted), absurd nesting and several documents in
//! one file each get one clear diagnostic.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

use crate::diagnostic::{Diagnostic, Location};

mod fast;
#[cfg(test)]
mod fast_tests;
mod input;

/// Content files are small; anything larger is a mistake or an attack.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Nodes a file may have after alias expansion.
const MAX_NODES: usize = 100_000;
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub at: Location,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A scalar; `plain` is false for quoted and block scalars, whose text is always a string.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub text: String,
    pub at: Location,
}

impl Node {
    /// A plain scalar that YAML reads as null: empty, `~` or `null`.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What a person would call this node in an error message ("found …").
    pub fn describe(&self) -> String {
        match &self.kind {
            NodeKind::Seq(_) => "a list".to_string(),
            NodeKind::Map(_) => "a mapping (key: value pairs)".to_string(),
            NodeKind::Scalar { .. } if self.is_null() => "nothing (an empty value)".to_string(),
            NodeKind::Scalar { text, plain } => {
                let shown: String = text.chars().take(60).collect();
                let ellipsis = if text.chars().count() > 60 { "…" } else { "" };
                if *plain && text.parse::<f64>().is_ok() {
                    format!("the number {shown}{ellipsis}")
                } else if *plain && matches!(text.as_str(), "true" | "false") {
                    format!("the boolean {shown}")
                } else {
                    format!("\"{shown}{ellipsis}\"")
                }
            }
        }
    }

    /// Number of nodes in this subtree, for the alias budget.
    fn weight(&self) -> usize {
        match &self.kind {
            NodeKind::Scalar { .. } => 1,
            NodeKind::Seq(items) => 1 + items.iter().map(Node::weight).sum::<usize>(),
            NodeKind::Map(entries) => {
                1 + entries.iter().map(|(_, v)| 1 + v.weight()).sum::<usize>()
            }
        }
    }
}

fn location(span: &Span) -> Location {
    Location {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

/// Checks the raw bytes of a content file: size, binary content, UTF-8, emptiness.
pub fn decode_text(path: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    let whole_file = Location { line: 1, column: 1 };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(file_too_large(path, bytes.len() as u64));
    }
    if let Some(position) = memchr::memchr(0, &bytes) {
        return Err(Diagnostic::new(
            path,
            Location::at_byte(&bytes, position),
            "",
            "this is a binary file, not a YAML text file",
        )
        .expected("UTF-8 text")
        .found(format!("a NUL byte at byte {position}")));
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        let position = error.utf8_error().valid_up_to();
        Diagnostic::new(
            path,
            Location::at_byte(error.as_bytes(), position),
            "",
            "the file is not valid UTF-8",
        )
        .expected("UTF-8 text")
        .found(format!("an invalid byte sequence at byte {position}"))
        .suggestion("save the file with the encoding UTF-8 (not Latin-1 or Windows-1252)")
    })?;
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    let has_content = text.lines().any(|line| {
        let trimmed = line.trim();
        !trimmed.is_empty() && !trimmed.starts_with('#') && trimmed != "---"
    });
    if !has_content {
        return Err(Diagnostic::new(path, whole_file, "", "the file is empty")
            .expected("a YAML mapping such as `format: 1`")
            .found("no content"));
    }
    Ok(text)
}

pub fn file_too_large(path: &Path, size: u64) -> Diagnostic {
    Diagnostic::new(
        path,
        Location { line: 1, column: 1 },
        "",
        "the file is too large for a content file",
    )
    .expected(format!("at most {} KiB", MAX_FILE_BYTES / 1024))
    .found(format!("{:.1} MiB", size as f64 / (1024.0 * 1024.0)))
}

/// Parses one YAML document into a located tree. Structural problems that still leave a usable
/// tree (duplicate keys) are pushed to `problems`; fatal ones are returned as the error.
///
/// Content files are read by [`fast::parse`] when they keep to the plain block style that
/// providers write (and the schema's examples show); anything else, and every file with an
/// error, goes through saphyr-parser. Both give the same tree (`fast_tests.rs`).
pub fn parse(path: &Path, text: &str, problems: &mut Vec<Diagnostic>) -> Result<Node, Diagnostic> {
    if let Some((node, found)) = fast::parse(path, text) {
        problems.extend(found);
        return Ok(node);
    }
    parse_events(path, text, problems)
}

/// [`parse`] through saphyr-parser's events, for every YAML text.
fn parse_events(
    path: &Path,
    text: &str,
    problems: &mut Vec<Diagnostic>,
) -> Result<Node, Diagnostic> {
    let mut builder = Builder::new(path);
    let mut parser = Parser::new(input::TextInput::new(text));
    while let Some(next) = parser.next_event() {
        // Matched rather than mapped: mapping the error made a new Result of the event and
        // a Diagnostic for every event, moved once more.
        let (event, span) = match next {
            Ok(pair) => pair,
            Err(error) => return Err(invalid_yaml(path, &error)),
        };
        builder.event(event, span, problems)?;
    }
    builder.finish()
}

#[cold]
fn invalid_yaml(path: &Path, error: &ScanError) -> Diagnostic {
    let marker = error.marker();
    Diagnostic::new(
        path,
        Location {
            line: marker.line(),
            column: marker.col() + 1,
        },
        "",
        format!("this is not valid YAML: {}", error.info()),
    )
    .suggestion(
        "check the indentation and that every `key: value` pair has a space after the colon",
    )
}

/// An open sequence or mapping. Its items (entries) so far are `Builder::items[start..]`
/// (`Builder::entries[start..]`): all open collections share one growing list each, and a
/// closed one moves its part out into a list of exactly its length. Growing a list per
/// collection instead reallocated the 21 top-level keys of every offering twice.
enum Frame {
    Seq {
        at: Location,
        anchor: usize,
        start: usize,
    },
    Map {
        at: Location,
        anchor: usize,
        start: usize,
        pending_key: Option<Node>,
    },
}

struct Builder<'a> {
    path: &'a Path,
    stack: Vec<Frame>,
    items: Vec<Node>,
    entries: Vec<(Key, Node)>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    documents: usize,
    root: Option<Node>,
}

impl<'a> Builder<'a> {
    fn new(path: &'a Path) -> Self {
        Builder {
            path,
            stack: Vec::new(),
            // Enough for the open collections of an offering file, so these rarely grow.
            items: Vec::with_capacity(32),
            entries: Vec::with_capacity(64),
            anchors: HashMap::new(),
            nodes: 0,
            documents: 0,
            root: None,
        }
    }

    /// The document's root, once every event was seen.
    fn finish(self) -> Result<Node, Diagnostic> {
        let path = self.path;
        self.root.ok_or_else(|| {
            Diagnostic::new(
                path,
                Location { line: 1, column: 1 },
                "",
                "the file is empty",
            )
            .expected("a YAML mapping")
            .found("no document")
        })
    }

    fn fail(&self, at: Location, message: &str) -> Diagnostic {
        Diagnostic::new(self.path, at, "", message.to_string())
    }

    #[inline]
    fn count(&mut self, at: Location, weight: usize) -> Result<(), Diagnostic> {
        self.nodes += weight;
        if self.nodes > MAX_NODES {
            return Err(self.too_many_values(at));
        }
        Ok(())
    }

    // Cold and apart, so that `count`, called for every value, stays small enough to inline.
    #[cold]
    fn too_many_values(&self, at: Location) -> Diagnostic {
        self.fail(at, "the file expands to too many values (an alias bomb?)")
            .expected(format!(
                "at most {MAX_NODES} values after expanding aliases"
            ))
            .found("more")
            .suggestion("write the values out instead of using YAML anchors and aliases")
    }

    fn event(
        &mut self,
        event: Event<'_>,
        span: Span,
        problems: &mut Vec<Diagnostic>,
    ) -> Result<(), Diagnostic> {
        let at = location(&span);
        match event {
            Event::DocumentStart(_) => self.document_start(at)?,
            Event::Scalar(text, style, anchor, _tag) => self.scalar(
                at,
                Cow::into_owned(text),
                style == ScalarStyle::Plain,
                anchor,
                problems,
            )?,
            Event::Alias(anchor) => {
                let node = match self.anchors.get(&anchor) {
                    Some(node) => node.clone(),
                    None => return Err(self.fail(at, "this alias refers to an unknown anchor")),
                };
                self.count(at, node.weight())?;
                self.push(node, problems)?;
            }
            Event::SequenceStart(anchor, _) => self.open_seq(at, anchor)?,
            Event::MappingStart(anchor, _) => self.open_map(at, anchor)?,
            Event::SequenceEnd | Event::MappingEnd => self.close(at, problems)?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn document_start(&mut self, at: Location) -> Result<(), Diagnostic> {
        self.documents += 1;
        if self.documents > 1 {
            return Err(self
                .fail(at, "the file holds more than one YAML document")
                .expected("one document")
                .found("a second `---` document")
                .suggestion(
                    "remove the second `---` and everything after it, or put it in its own file",
                ));
        }
        Ok(())
    }

    #[inline]
    fn scalar(
        &mut self,
        at: Location,
        text: String,
        plain: bool,
        anchor: usize,
        problems: &mut Vec<Diagnostic>,
    ) -> Result<(), Diagnostic> {
        self.count(at, 1)?;
        let node = Node {
            at,
            kind: NodeKind::Scalar { text, plain },
        };
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.push(node, problems)
    }

    fn open_seq(&mut self, at: Location, anchor: usize) -> Result<(), Diagnostic> {
        self.count(at, 1)?;
        self.open(at)?;
        self.stack.push(Frame::Seq {
            at,
            anchor,
            start: self.items.len(),
        });
        Ok(())
    }

    fn open_map(&mut self, at: Location, anchor: usize) -> Result<(), Diagnostic> {
        self.count(at, 1)?;
        self.open(at)?;
        self.stack.push(Frame::Map {
            at,
            anchor,
            start: self.entries.len(),
            pending_key: None,
        });
        Ok(())
    }

    /// Ends the innermost open sequence or mapping.
    fn close(&mut self, at: Location, problems: &mut Vec<Diagnostic>) -> Result<(), Diagnostic> {
        let (node, anchor) = match self.stack.pop() {
            Some(Frame::Seq { at, anchor, start }) => (
                Node {
                    at,
                    kind: NodeKind::Seq(self.items.split_off(start)),
                },
                anchor,
            ),
            Some(Frame::Map {
                at, anchor, start, ..
            }) => (
                Node {
                    at,
                    kind: NodeKind::Map(self.entries.split_off(start)),
                },
                anchor,
            ),
            None => return Err(self.fail(at, "unbalanced YAML structure")),
        };
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.push(node, problems)
    }

    #[inline]
    fn open(&self, at: Location) -> Result<(), Diagnostic> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self
                .fail(at, "the file is nested too deeply")
                .expected(format!("at most {MAX_DEPTH} levels of nesting")));
        }
        Ok(())
    }

    fn push(&mut self, node: Node, problems: &mut Vec<Diagnostic>) -> Result<(), Diagnostic> {
        let path = self.path;
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { .. }) => self.items.push(node),
            Some(Frame::Map {
                start, pending_key, ..
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key_node) => {
                    let text = match key_node.kind {
                        NodeKind::Scalar { text, .. } => text,
                        _ => {
                            return Err(Diagnostic::new(
                                path,
                                key_node.at,
                                "",
                                "a key must be a simple word, not a list or mapping",
                            ));
                        }
                    };
                    let entries = &mut self.entries;
                    if let Some((first, _)) =
                        entries[*start..].iter().find(|(key, _)| key.text == text)
                    {
                        problems.push(
                            Diagnostic::new(
                                path,
                                key_node.at,
                                &text,
                                format!("duplicate key `{text}`"),
                            )
                            .expected("each key once per mapping")
                            .found(format!("`{text}` again (first on line {})", first.at.line))
                            .suggestion(format!(
                                "remove this `{text}` or merge it with the one on line {}",
                                first.at.line
                            )),
                        );
                    } else {
                        entries.push((
                            Key {
                                text,
                                at: key_node.at,
                            },
                            node,
                        ));
                    }
                }
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> (Result<Node, Diagnostic>, Vec<Diagnostic>) {
        let mut problems = Vec::new();
        let node = parse(Path::new("t.yaml"), text, &mut problems);
        (node, problems)
    }

    #[test]
    fn keeps_locations_of_keys_and_values() {
        let (node, _) = tree("a: 1\nb:\n  - x\n  - 'y'\n");
        let Ok(Node {
            kind: NodeKind::Map(entries),
            ..
        }) = node
        else {
            panic!("expected a map")
        };
        assert_eq!(entries[1].0.at, Location { line: 2, column: 1 });
        let NodeKind::Seq(items) = &entries[1].1.kind else {
            panic!("expected a seq")
        };
        assert_eq!(items[1].at, Location { line: 4, column: 5 });
        assert_eq!(
            items[1].kind,
            NodeKind::Scalar {
                text: "y".into(),
                plain: false
            }
        );
    }

    #[test]
    fn reports_duplicate_key_at_the_duplicate() {
        let (_, problems) = tree("name: a\nid: b\nname: c\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3);
        assert!(problems[0].message.contains("duplicate key `name`"));
        assert!(
            problems[0]
                .found
                .as_deref()
                .unwrap_or("")
                .contains("line 1")
        );
    }

    #[test]
    fn refuses_alias_bomb() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let (node, _) = tree(&text);
        let error = node.expect_err("an alias bomb must be refused");
        assert!(error.message.contains("alias bomb"), "{}", error.message);
    }

    #[test]
    fn refuses_binary_non_utf8_and_empty_files() {
        let p = Path::new("x.yaml");
        assert!(decode_text(p, b"a: \0\x01".to_vec()).is_err());
        let latin1 = decode_text(p, b"name: Gr\xfcn\n".to_vec()).expect_err("latin-1");
        assert!(latin1.message.contains("UTF-8"));
        assert!(decode_text(p, b"  \n# nur ein Kommentar\n".to_vec()).is_err());
        assert!(decode_text(p, vec![b'a'; 2 * 1024 * 1024]).is_err());
    }

    #[test]
    fn refuses_second_document_and_deep_nesting() {
        assert!(tree("a: 1\n---\nb: 2\n").0.is_err());
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(tree(&deep).0.is_err());
    }
}
