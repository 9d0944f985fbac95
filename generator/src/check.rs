//! `csp check`: the gate for providers' pull requests.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use catalog::{Catalog, Diagnostic, load_catalog};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Compiler-style, with the source line and a marker.
    Human,
    /// One JSON object per line and problem.
    Json,
    /// GitHub Actions annotations, shown inline on the pull request.
    Github,
}

/// Checks the content and prints the report; exit code 0 only when everything is valid.
pub fn run(content: &Path, format: ReportFormat) -> ExitCode {
    let started = Instant::now();
    let result = load_catalog(content);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match result {
        Ok(catalog) => {
            if format == ReportFormat::Human {
                let _ = writeln!(
                    out,
                    "{}",
                    summary(&catalog, started.elapsed().as_secs_f64())
                );
            }
            // Freeing 10,000 offerings one allocation at a time took 25-50 ms of a check
            // that the process's exit does at once.
            std::mem::forget(catalog);
            ExitCode::SUCCESS
        }
        Err(problems) => {
            let problems = problems.into_sorted();
            let _ = write!(out, "{}", render(&problems, format));
            if format == ReportFormat::Human {
                let files = problems
                    .iter()
                    .map(|p| &p.file)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len();
                let _ = writeln!(
                    out,
                    "{} Fehler in {} Datei{} gefunden.",
                    problems.len(),
                    files,
                    if files == 1 { "" } else { "en" }
                );
            }
            ExitCode::FAILURE
        }
    }
}

fn summary(catalog: &Catalog, seconds: f64) -> String {
    format!(
        "Alles in Ordnung: {} Angebote ({} veröffentlicht), {} Anbieter, {} Kategorien geprüft in {:.2} s.",
        catalog.offerings.len(),
        catalog.published().count(),
        catalog.providers.len(),
        catalog.portfolio.categories.len(),
        seconds
    )
}

/// Renders problems in the chosen format; human output re-reads each file once for excerpts.
pub fn render(problems: &[Diagnostic], format: ReportFormat) -> String {
    let mut out = String::new();
    let mut source: Option<(&Path, Option<String>)> = None;
    for problem in problems {
        match format {
            ReportFormat::Json => {
                out.push_str(&serde_json::to_string(problem).unwrap_or_default());
                out.push('\n');
            }
            ReportFormat::Github => {
                out.push_str(&problem.render_github());
                out.push('\n');
            }
            ReportFormat::Human => {
                if source
                    .as_ref()
                    .is_none_or(|(path, _)| *path != problem.file.as_path())
                {
                    let text = catalog::read_limited(&problem.file)
                        .ok()
                        .and_then(|bytes| String::from_utf8(bytes).ok());
                    source = Some((problem.file.as_path(), text));
                }
                let text = source.as_ref().and_then(|(_, text)| text.as_deref());
                out.push_str(&problem.render_human(text));
                out.push('\n');
            }
        }
    }
    out
}
