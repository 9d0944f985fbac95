//! The theme's `static/` files as they are published under `/assets/`: stylesheets and
//! scripts minified, everything else as it is. Used by `csp build` and by `csp serve`'s preview
//! when a theme file changes, so both publish the same bytes.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use oxc_allocator::Allocator;
use oxc_codegen::{Codegen, CodegenOptions};
use oxc_minifier::{CompressOptions, MangleOptions, Minifier, MinifierOptions};
use oxc_parser::Parser;
use oxc_span::SourceType;

use super::output::{self, Staging};
use super::{BuildError, io_error};

/// A theme file's published bytes. A script that does not parse is an error naming the file,
/// line and column: shipping it unminified would hide the mistake until a browser runs it.
pub fn publish_asset(path: &Path, raw: Vec<u8>) -> Result<Vec<u8>, BuildError> {
    Ok(match path.extension().and_then(|e| e.to_str()) {
        Some("css") => output::minify_stylesheet(&String::from_utf8_lossy(&raw)).into_bytes(),
        Some("js") => {
            let source = String::from_utf8(raw).map_err(|_| BuildError::Script {
                path: path.to_owned(),
                message: "keine gültige UTF-8-Datei".to_owned(),
            })?;
            minify_script(&source)
                .map_err(|message| BuildError::Script {
                    path: path.to_owned(),
                    message,
                })?
                .into_bytes()
        }
        _ => raw,
    })
}

/// Minifies a classic (non-module) script with oxc directly. minify-html's JavaScript step
/// keeps every comment and throws away the renaming its minifier computed, so the theme's
/// script left the build about a third larger than it needs to be.
pub fn minify_script(source: &str) -> Result<String, String> {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, source, SourceType::cjs()).parse();
    if let Some(error) = parsed.errors.first() {
        let offset = error
            .labels
            .as_ref()
            .and_then(|labels| labels.first())
            .map_or(0, |label| label.offset());
        let at = catalog::Location::at_byte(source.as_bytes(), offset);
        return Err(format!("Zeile {}, Spalte {}: {error}", at.line, at.column));
    }
    let mut program = parsed.program;
    let minified = Minifier::new(MinifierOptions {
        mangle: Some(MangleOptions::default()),
        // The safest compression: the script is small, and its behaviour is what the browser
        // tests check, not its last byte.
        compress: Some(CompressOptions::safest()),
    })
    .minify(&allocator, &mut program);
    Ok(Codegen::new()
        .with_options(CodegenOptions::minify())
        .with_scoping(minified.scoping)
        .with_private_member_mappings(minified.class_private_mappings)
        .build(&program)
        .code)
}

/// Publishes the theme's `static/` files under `/assets/`; returns a version string for cache
/// busting and the written file keys.
pub fn write_assets(
    theme: &Path,
    staging: &Staging,
) -> Result<(String, HashSet<String>), BuildError> {
    let dir = theme.join("static");
    let mut entries: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| io_error(&dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .collect();
    entries.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut files = HashSet::new();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let raw = fs::read(&path).map_err(|e| io_error(&path, e))?;
        let content = publish_asset(&path, raw)?;
        for byte in &content {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
        files.insert(
            staging
                .write(&format!("/assets/{name}"), &content)
                .map_err(|e| io_error(&staging.dir, e))?,
        );
    }
    Ok((format!("{:08x}", hash as u32), files))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_script_loses_its_comments_and_long_local_names() {
        let source = "// Header comment\n(function () {\n  \"use strict\";\n  /* block */\n  \
                      var counterElement = document.body;\n  function updateCounter(value) {\n    \
                      counterElement.textContent = value;\n  }\n  updateCounter(\"3\");\n})();\n";
        let out = minify_script(source).unwrap();
        assert!(!out.contains("comment") && !out.contains("block"), "{out}");
        assert!(
            !out.contains("counterElement") && !out.contains("updateCounter"),
            "{out}"
        );
        // What the page sees stays: the global it touches and the value it writes.
        assert!(
            out.contains("document.body") && out.contains("textContent"),
            "{out}"
        );
        assert!(out.contains("\"3\"") || out.contains("`3`"), "{out}");
    }

    #[test]
    fn a_script_that_does_not_parse_names_file_line_and_column() {
        let error = publish_asset(
            Path::new("themes/x/static/portal.js"),
            b"var ok = 1;\nvar broken = ;\n".to_vec(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("themes/x/static/portal.js"), "{error}");
        assert!(error.contains("Zeile 2, Spalte 14"), "{error}");
    }

    #[test]
    fn files_other_than_stylesheets_and_scripts_are_published_unchanged() {
        let svg = b"<svg xmlns='http://www.w3.org/2000/svg'>  <!-- x --> </svg>".to_vec();
        assert_eq!(
            publish_asset(Path::new("logo.svg"), svg.clone()).unwrap(),
            svg
        );
    }
}
