//! A reader for the plain block style of content files, at a fraction of saphyr-parser's cost.
//!
//! Offering files are block mappings of `key: value` lines, lists of `- ` items (often
//! mappings), one-line flow lists (`tags: [a, b]`), quoted one-line strings and literal or
//! folded block scalars (`|`, `>-`). This reader understands exactly that and hands the same
//! nodes, at the same lines and columns, to the same [`Builder`] as saphyr-parser's events
//! would (duplicate keys and the limits included). The moment a text leaves that subset
//! (anchors, tags, flow mappings, escapes, multi-line plain scalars, tabs, a second document,
//! anything unusual or wrong), it gives up and [`super::parse`] reads the whole text with
//! saphyr-parser instead: every error message still comes from there.
//!
//! `fast_tests.rs` compares both readers on the sample content and on thousands of random and
//! mutated texts: whenever this one accepts a text, its tree and problems equal saphyr's.

use std::path::Path;

use super::{Builder, Node};
use crate::diagnostic::{Diagnostic, Location};

/// The text leaves the subset: read it with saphyr-parser.
struct GiveUp;

type Step<T = ()> = Result<T, GiveUp>;

impl From<Diagnostic> for GiveUp {
    /// A limit of the builder (nesting, size) was hit: saphyr-parser's run reports it.
    fn from(_: Diagnostic) -> Self {
        GiveUp
    }
}

/// The tree and the duplicate-key problems of `text`, or `None` when the text leaves the subset.
pub(super) fn parse(path: &Path, text: &str) -> Option<(Node, Vec<Diagnostic>)> {
    let bytes = text.as_bytes();
    if !bytes.ends_with(b"\n") || has_unusual_bytes(bytes) {
        return None;
    }
    let mut reader = Reader {
        text,
        bytes,
        start: 0,
        end: 0,
        line: 1,
        indent: None,
        builder: Builder::new(path),
        problems: Vec::new(),
    };
    reader.document().ok()?;
    let Reader {
        builder, problems, ..
    } = reader;
    let node = builder.finish().ok()?;
    Some((node, problems))
}

/// Bytes that saphyr-parser treats specially or that make positions differ: tabs, carriage
/// returns and other control characters, C1 controls (U+0080 to U+009F, which include NEL) and
/// the byte order mark.
fn has_unusual_bytes(bytes: &[u8]) -> bool {
    // Branch-free, so that the compiler checks many bytes per instruction.
    let control = bytes.iter().fold(false, |found, &b| {
        found | ((b < 0x20) & (b != b'\n')) | (b == 0x7f)
    });
    control
        || memchr::memchr2_iter(0xc2, 0xef, bytes).any(|at| match bytes[at] {
            0xc2 => bytes.get(at + 1).is_some_and(|b| (0x80..=0x9f).contains(b)),
            _ => bytes[at..].starts_with("\u{feff}".as_bytes()),
        })
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    /// The current line: `bytes[start..end]`, without its line break; `line` counts from 1.
    start: usize,
    end: usize,
    line: usize,
    /// The indentation of the current line, once it is known to hold content (not blank, not
    /// a comment); `None` at the end of the text.
    indent: Option<usize>,
    builder: Builder<'t>,
    problems: Vec<Diagnostic>,
}

/// A location on the current line; `column` counts characters from 0.
fn at(line: usize, column: usize) -> Location {
    Location {
        line,
        column: column + 1,
    }
}

impl<'t> Reader<'t> {
    fn document(&mut self) -> Step {
        self.set_end();
        self.skip_to_content();
        if self.indent != Some(0) {
            return Err(GiveUp);
        }
        self.builder.document_start(at(self.line, 0))?;
        self.mapping(0)?;
        if self.indent.is_some() {
            return Err(GiveUp);
        }
        Ok(())
    }

    fn set_end(&mut self) {
        self.end = memchr::memchr(b'\n', &self.bytes[self.start..])
            .map_or(self.bytes.len(), |at| self.start + at);
    }

    /// Moves to the next line; false at the end of the text.
    fn next_line(&mut self) -> bool {
        if self.end >= self.bytes.len() {
            self.start = self.bytes.len();
            self.end = self.start;
            return false;
        }
        self.start = self.end + 1;
        self.line += 1;
        if self.start >= self.bytes.len() {
            self.end = self.start;
            return false;
        }
        self.set_end();
        true
    }

    /// The spaces at the start of the current line.
    fn spaces(&self) -> usize {
        self.bytes[self.start..self.end]
            .iter()
            .take_while(|&&b| b == b' ')
            .count()
    }

    /// From the current line on, skips blank and comment lines and sets `indent`.
    fn skip_to_content(&mut self) {
        loop {
            if self.start >= self.bytes.len() {
                self.indent = None;
                return;
            }
            let spaces = self.spaces();
            let first = self.start + spaces;
            if first < self.end && self.bytes[first] != b'#' {
                self.indent = Some(spaces);
                return;
            }
            if !self.next_line() {
                self.indent = None;
                return;
            }
        }
    }

    /// Goes past the current line to the next content line.
    fn advance(&mut self) {
        if self.next_line() {
            self.skip_to_content();
        } else {
            self.indent = None;
        }
    }

    /// Whether the current content line is a list item `- …` at its indentation.
    fn is_item(&self, indent: usize) -> bool {
        let at = self.start + indent;
        self.bytes[at] == b'-' && (at + 1 == self.end || self.bytes[at + 1] == b' ')
    }

    /// After a value that ends its line: the next content line must not be indented deeper
    /// than the collection holding the value (that would continue a plain scalar or be wrong).
    fn no_deeper(&self, parent: usize) -> Step {
        match self.indent {
            Some(indent) if indent > parent => Err(GiveUp),
            _ => Ok(()),
        }
    }

    /// The end of a simple key starting at `from`: the position of its `:`, followed by a
    /// space or the end of the line.
    fn key_end(&self, from: usize) -> Option<usize> {
        let bytes = &self.bytes[..self.end];
        let first = *bytes.get(from)?;
        if !(first.is_ascii_alphanumeric() || first == b'_') {
            return None;
        }
        let mut at = from + 1;
        while at < bytes.len()
            && (bytes[at].is_ascii_alphanumeric() || matches!(bytes[at], b'_' | b'-' | b'.' | b'/'))
        {
            at += 1;
        }
        let ends = at < bytes.len()
            && bytes[at] == b':'
            && (at + 1 == bytes.len() || bytes[at + 1] == b' ');
        (ends && at - from <= 256).then_some(at)
    }

    /// A block mapping whose first key starts at column `indent` of the current line.
    fn mapping(&mut self, indent: usize) -> Step {
        let line = self.line;
        self.builder.open_map(at(line, indent), 0)?;
        loop {
            let key_start = self.start + indent;
            let colon = self.key_end(key_start).ok_or(GiveUp)?;
            self.builder.scalar(
                at(self.line, indent),
                self.text[key_start..colon].to_owned(),
                true,
                0,
                &mut self.problems,
            )?;
            self.value(colon, indent)?;
            match self.indent {
                Some(next) if next == indent && !self.is_item(next) => {}
                Some(next) if next < indent => break,
                None => break,
                Some(_) => return Err(GiveUp),
            }
        }
        self.builder.close(at(self.line, 0), &mut self.problems)?;
        Ok(())
    }

    /// The value after the `:` at `colon` of a key in a mapping at column `parent`.
    fn value(&mut self, colon: usize, parent: usize) -> Step {
        let from = self.skip_spaces(colon + 1);
        if from < self.end && self.bytes[from] != b'#' {
            return self.inline_value(from, parent);
        }
        // Nothing on the key's line: a nested block, or an empty value (null) at the colon.
        let (line, column) = (self.line, colon - self.start);
        self.advance();
        match self.indent {
            Some(next) if next > parent => {
                if self.is_item(next) {
                    self.sequence(next)
                } else {
                    self.mapping(next)
                }
            }
            // A list at the key's own indentation (`key:\n- a`): left to saphyr-parser.
            Some(next) if next == parent && self.is_item(next) => Err(GiveUp),
            _ => {
                self.builder.scalar(
                    at(line, column),
                    String::new(),
                    true,
                    0,
                    &mut self.problems,
                )?;
                Ok(())
            }
        }
    }

    fn skip_spaces(&self, mut at: usize) -> usize {
        while at < self.end && self.bytes[at] == b' ' {
            at += 1;
        }
        at
    }

    /// A value starting at `from` on the current line (not a comment), in a collection at
    /// column `parent`. The prefix of the line before `from` is ASCII (indentation, `- `, a
    /// simple key), so its byte offset is its column.
    fn inline_value(&mut self, from: usize, parent: usize) -> Step {
        let column = from - self.start;
        match self.bytes[from] {
            b'|' | b'>' => return self.block_scalar(from, parent),
            b'[' => {
                let after = self.flow_sequence(from)?;
                self.end_of_line(after)?;
            }
            b'"' | b'\'' => {
                let (inner, after) = self.quoted(from)?;
                self.end_of_line(after)?;
                self.builder.scalar(
                    at(self.line, column),
                    inner.to_owned(),
                    false,
                    0,
                    &mut self.problems,
                )?;
            }
            first if is_indicator(first) => return Err(GiveUp),
            _ => {
                let text = self.plain(from)?;
                self.builder.scalar(
                    at(self.line, column),
                    text.to_owned(),
                    true,
                    0,
                    &mut self.problems,
                )?;
            }
        }
        self.advance();
        self.no_deeper(parent)
    }

    /// A one-line quoted scalar without escapes, its quote at `from`: its text and the
    /// position after the closing quote.
    fn quoted(&self, from: usize) -> Step<(&'t str, usize)> {
        let quote = self.bytes[from];
        let close = memchr::memchr(quote, &self.bytes[from + 1..self.end])
            .map(|at| from + 1 + at)
            .ok_or(GiveUp)?;
        let inner = &self.text[from + 1..close];
        if (quote == b'"' && inner.contains('\\'))
            || (quote == b'\'' && self.bytes.get(close + 1) == Some(&b'\''))
        {
            return Err(GiveUp);
        }
        Ok((inner, close + 1))
    }

    /// Only spaces, or spaces and a comment, may follow a value at `from`.
    fn end_of_line(&self, from: usize) -> Step {
        let rest = self.skip_spaces(from);
        if rest == self.end || (rest > from && self.bytes[rest] == b'#') {
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    /// A plain scalar from `from` to the end of the line or a comment, without trailing spaces.
    fn plain(&self, from: usize) -> Step<&'t str> {
        let line = &self.bytes[from..self.end];
        let mut end = line.len();
        for at in memchr::memchr2_iter(b':', b'#', line) {
            if line[at] == b':' {
                // `key: value: more` or a trailing colon: a key where a value must be.
                if at + 1 == line.len() || line[at + 1] == b' ' {
                    return Err(GiveUp);
                }
            } else if line[at - 1] == b' ' {
                end = at;
                break;
            }
        }
        while end > 0 && line[end - 1] == b' ' {
            end -= 1;
        }
        Ok(&self.text[from..from + end])
    }

    /// A flow sequence `[a, "b, c"]` of plain words and quoted strings on one line, its `[`
    /// at `from`; returns the position after its `]`.
    fn flow_sequence(&mut self, from: usize) -> Step<usize> {
        let line = self.line;
        let column = |reader: &Self, at: usize| {
            reader.bytes[reader.start..at]
                .iter()
                .filter(|&&b| (b & 0xc0) != 0x80)
                .count()
        };
        self.builder.open_seq(at(line, column(self, from)), 0)?;
        let mut next = self.skip_spaces(from + 1);
        if self.bytes.get(next) == Some(&b']') && next < self.end {
            self.builder.close(at(line, 0), &mut self.problems)?;
            return Ok(next + 1);
        }
        loop {
            if next >= self.end {
                return Err(GiveUp);
            }
            let item = next;
            let (text, plain, end) = if matches!(self.bytes[item], b'"' | b'\'') {
                let (inner, after) = self.quoted(item)?;
                (inner, false, self.skip_spaces(after))
            } else if is_indicator(self.bytes[item]) {
                return Err(GiveUp);
            } else {
                let mut end = item;
                while end < self.end
                    && !matches!(
                        self.bytes[end],
                        b',' | b']' | b'[' | b'{' | b'}' | b'#' | b':' | b'"' | b'\''
                    )
                {
                    end += 1;
                }
                let mut last = end;
                while last > item && self.bytes[last - 1] == b' ' {
                    last -= 1;
                }
                (&self.text[item..last], true, end)
            };
            if end >= self.end || !matches!(self.bytes[end], b',' | b']') {
                return Err(GiveUp);
            }
            self.builder.scalar(
                at(line, column(self, item)),
                text.to_owned(),
                plain,
                0,
                &mut self.problems,
            )?;
            if self.bytes[end] == b']' {
                self.builder.close(at(line, 0), &mut self.problems)?;
                return Ok(end + 1);
            }
            next = self.skip_spaces(end + 1);
        }
    }

    /// A block list whose first `-` is at column `indent` of the current line.
    fn sequence(&mut self, indent: usize) -> Step {
        self.builder.open_seq(at(self.line, indent), 0)?;
        loop {
            // `is_item` holds: a `-` and a space or the end of the line.
            let from = self.skip_spaces(self.start + indent + 1);
            if from == self.start + indent + 1 || from >= self.end || self.bytes[from] == b'#' {
                // `-` alone on its line, with the item below: left to saphyr-parser.
                return Err(GiveUp);
            }
            if self.key_end(from).is_some() {
                self.mapping(from - self.start)?;
            } else {
                self.inline_value(from, indent)?;
            }
            match self.indent {
                Some(next) if next == indent && self.is_item(next) => {}
                Some(next) if next < indent => break,
                None => break,
                Some(_) => return Err(GiveUp),
            }
        }
        self.builder.close(at(self.line, 0), &mut self.problems)?;
        Ok(())
    }

    /// A literal (`|`) or folded (`>`) block scalar, its indicator at `from`, as the value of a
    /// collection at column `parent`. Indentation indicators, keeping chomping (`+`), leading
    /// blank lines, more-indented lines in folded text and blank lines with extra spaces are
    /// left to saphyr-parser.
    fn block_scalar(&mut self, from: usize, parent: usize) -> Step {
        let literal = self.bytes[from] == b'|';
        let mut header = from + 1;
        let strip = self.bytes.get(header) == Some(&b'-') && header < self.end;
        if strip {
            header += 1;
        }
        if header < self.end && self.bytes[header] != b' ' {
            return Err(GiveUp);
        }
        self.end_of_line(header)?;
        if !self.next_line() {
            return Err(GiveUp);
        }
        let indent = self.spaces();
        if self.start + indent == self.end || indent <= parent {
            return Err(GiveUp);
        }
        let (line, mut text) = (self.line, String::new());
        let mut blank = 0;
        loop {
            let spaces = self.spaces();
            if self.start + spaces == self.end {
                if spaces > indent {
                    return Err(GiveUp);
                }
                blank += 1;
            } else if spaces < indent {
                break;
            } else {
                if !literal && spaces > indent {
                    return Err(GiveUp);
                }
                let content = &self.text[self.start + indent..self.end];
                if line != self.line {
                    if literal || blank > 0 {
                        let breaks = if literal { blank + 1 } else { blank };
                        text.extend(std::iter::repeat_n('\n', breaks));
                    } else {
                        text.push(' ');
                    }
                }
                text.push_str(content);
                blank = 0;
            }
            if !self.next_line() {
                break;
            }
        }
        if !strip {
            text.push('\n');
        }
        self.builder
            .scalar(at(line, indent), text, false, 0, &mut self.problems)?;
        self.skip_to_content();
        self.no_deeper(parent)
    }
}

/// Characters that cannot start a plain scalar here (or that change its meaning).
fn is_indicator(byte: u8) -> bool {
    matches!(
        byte,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
            | b' '
    )
}
