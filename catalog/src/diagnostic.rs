//! Errors in content files, written for the provider who has to fix them.
//!
//! A [`Diagnostic`] always knows the file, the line and column (1-based), the field path
//! (`plans[0].price`), what was expected and what was found, and where one is obvious a
//! suggestion. The same value renders as a compiler-style message, as JSON, or as a GitHub
//! Actions annotation, so the pull request shows it inline.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// A position in a content file; both numbers start at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// The line and column of a byte offset into a file's text (columns count bytes). Also
    /// used for the theme's script, whose parser reports offsets.
    pub fn at_byte(bytes: &[u8], position: usize) -> Location {
        let before = &bytes[..position.min(bytes.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        Location { line, column }
    }
}

/// One problem in one content file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Path of the offending field inside the file, e.g. `maturity.levels.skalierbarkeit`;
    /// empty when the problem concerns the whole file.
    pub field: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl Diagnostic {
    pub fn new(file: &Path, at: Location, field: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line: at.line,
            column: at.column,
            field: field.to_string(),
            message: message.into(),
            expected: None,
            found: None,
            suggestion: None,
        }
    }

    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    pub fn found(mut self, found: impl Into<String>) -> Self {
        self.found = Some(found.into());
        self
    }

    pub fn suggestion(mut self, suggestion: impl Into<String>) -> Self {
        self.suggestion = Some(suggestion.into());
        self
    }

    fn sort_key(&self) -> (&Path, usize, usize, &str) {
        (&self.file, self.line, self.column, &self.message)
    }

    /// One line for logs and terminals that cannot show source excerpts.
    pub fn one_line(&self) -> String {
        let mut out = format!(
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        );
        if !self.field.is_empty() {
            let _ = write!(out, " (field `{}`)", self.field);
        }
        if let Some(expected) = &self.expected {
            let _ = write!(out, "; expected {expected}");
        }
        if let Some(found) = &self.found {
            let _ = write!(out, ", found {found}");
        }
        if let Some(suggestion) = &self.suggestion {
            let _ = write!(out, "; {suggestion}");
        }
        out
    }

    /// Compiler-style rendering with the offending source line and a marker under the column.
    pub fn render_human(&self, source: Option<&str>) -> String {
        let mut out = format!("error: {}\n", self.message);
        let _ = writeln!(
            out,
            "  --> {}:{}:{}",
            self.file.display(),
            self.line,
            self.column
        );
        if let Some(line_text) = source.and_then(|s| s.lines().nth(self.line.saturating_sub(1))) {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            let shown: String = line_text.chars().take(160).collect();
            let marker_at = self.column.saturating_sub(1).min(shown.chars().count());
            let _ = writeln!(out, "   {pad} |");
            let _ = writeln!(out, "   {number} | {shown}");
            let _ = writeln!(out, "   {pad} | {}^", " ".repeat(marker_at));
        }
        if !self.field.is_empty() {
            let _ = writeln!(out, "   = field: {}", self.field);
        }
        if let Some(expected) = &self.expected {
            let _ = writeln!(out, "   = expected: {expected}");
        }
        if let Some(found) = &self.found {
            let _ = writeln!(out, "   = found: {found}");
        }
        if let Some(suggestion) = &self.suggestion {
            let _ = writeln!(out, "   = help: {suggestion}");
        }
        out
    }

    /// A GitHub Actions workflow command; GitHub shows it inline on the pull request.
    pub fn render_github(&self) -> String {
        let mut message = self.message.clone();
        if !self.field.is_empty() {
            let _ = write!(message, " (Feld `{}`)", self.field);
        }
        if let Some(expected) = &self.expected {
            let _ = write!(message, "\nexpected: {expected}");
        }
        if let Some(found) = &self.found {
            let _ = write!(message, "\nfound: {found}");
        }
        if let Some(suggestion) = &self.suggestion {
            let _ = write!(message, "\nhelp: {suggestion}");
        }
        format!(
            "::error file={},line={},col={},title={}::{}",
            escape_github_property(&self.file.display().to_string()),
            self.line,
            self.column,
            escape_github_property("csp check"),
            escape_github_data(&message)
        )
    }
}

// GitHub's workflow-command escaping: data escapes %, CR, LF; properties also `:` and `,`.
fn escape_github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_github_property(text: &str) -> String {
    escape_github_data(text)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// All problems found in one run, in file and line order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics(Vec::new())
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Sorted by file, line and column, with exact repeats removed.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.0.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.0.dedup();
        self.0
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The known word closest to `input`, if it is close enough to be what was meant.
pub fn nearest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input_lower = input.to_lowercase();
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        let distance = strsim::damerau_levenshtein(&input_lower, &candidate.to_lowercase());
        let longest = input_lower
            .chars()
            .count()
            .max(candidate.chars().count())
            .max(1);
        // Allow roughly one edit in three characters, and always at least two.
        let allowed = (longest / 3).max(2);
        if distance > allowed {
            continue;
        }
        let score = distance as f64 / longest as f64;
        if best.is_none_or(|(_, s)| score < s) {
            best = Some((candidate, score));
        }
    }
    best.map(|(candidate, _)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_typo_and_ignores_unrelated_words() {
        let fields = ["provisioning_time", "plans", "name", "summary"];
        assert_eq!(
            nearest("provisoning_time", fields.iter().copied()),
            Some("provisioning_time")
        );
        assert_eq!(nearest("nmae", fields.iter().copied()), Some("name"));
        assert_eq!(nearest("completely_else", fields.iter().copied()), None);
    }

    #[test]
    fn human_rendering_points_at_the_column() {
        let d = Diagnostic::new(
            Path::new("content/offerings/x.yaml"),
            Location { line: 2, column: 7 },
            "name",
            "bad",
        )
        .expected("text")
        .found("a list");
        let text = d.render_human(Some("id: x\nname: [a]\n"));
        assert!(text.contains("content/offerings/x.yaml:2:7"), "{text}");
        assert!(text.contains("2 | name: [a]"), "{text}");
        assert!(text.contains("|       ^"), "{text}");
    }

    #[test]
    fn github_annotation_escapes_newlines_and_commas() {
        let d = Diagnostic::new(
            Path::new("a,b.yaml"),
            Location { line: 1, column: 1 },
            "",
            "x\ny",
        );
        assert_eq!(
            d.render_github(),
            "::error file=a%2Cb.yaml,line=1,col=1,title=csp check::x%0Ay"
        );
    }
}
