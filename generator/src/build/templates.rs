//! The theme's templates: loading (minified once), HTML escaping, and which templates build
//! on which, so that `csp serve` re-renders only the pages a changed template reaches.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tera::Tera;

use super::{BuildError, io_error};

/// The folder below a theme that holds its templates.
pub fn dir(theme: &Path) -> PathBuf {
    theme.join("templates")
}

/// A theme's templates, loaded once: for rendering, for knowing which build on which, and,
/// minified as loaded, for the function (`function-data/templates/`), which renders the
/// same pages without a minifier of its own.
pub struct Theme {
    pub tera: Tera,
    pub dependencies: Dependencies,
    pub minified: Vec<(String, String)>,
}

/// Loads the templates of `theme` (see [`load_theme`]).
pub fn load(theme: &Path) -> Result<Tera, BuildError> {
    load_theme(theme).map(|t| t.tera)
}

/// Reads, minifies and loads the templates of `theme` once.
pub fn load_theme(theme: &Path) -> Result<Theme, BuildError> {
    let dir = dir(theme);
    if !dir.is_dir() {
        return Err(BuildError::Template {
            template: dir.display().to_string(),
            message: "Der Ordner mit den Vorlagen fehlt. Prüfen Sie `--theme`.".into(),
        });
    }
    let sources = catalog::layout::read_templates(&dir).map_err(|e| io_error(&e.path, e.source))?;
    let minified = minify_all(&sources);
    Ok(Theme {
        tera: load_templates(&dir, &sources, minified.clone())?,
        dependencies: Dependencies::from_sources(&sources),
        minified,
    })
}

/// The name Tera knows a template file by: its path below the templates folder.
pub fn name(dir: &Path, path: &Path) -> String {
    catalog::layout::template_name(dir, path)
}

/// Loads every template below `dir`, minified once here instead of every page afterwards.
///
/// Minifying 25,000 rendered pages one by one would take most of the build's time budget, so
/// minify-html runs over each template's source with its template-syntax mode, which passes
/// `{{ … }}` and `{% … %}` through untouched. That mode cannot handle template syntax
/// between a start tag's attributes (`<input{% if x %} required{% endif %}>`): such
/// templates are loaded as written (see [`has_syntax_between_attributes`]).
fn load_templates(
    dir: &Path,
    sources: &[(String, String)],
    minified: Vec<(String, String)>,
) -> Result<Tera, BuildError> {
    let mut tera = new_tera();
    tera.add_raw_templates(minified).map_err(|e| {
        syntax_error(dir, sources)
            .unwrap_or_else(|| super::render::template_error(&dir.display().to_string(), &e))
    })?;
    Ok(tera)
}

/// An empty Tera with the portal's escaping. Static pages know nobody signed in: `session`
/// is `none` on every page (the function renders the same layout with its session).
fn new_tera() -> Tera {
    let mut tera = Tera::new();
    // Tera's default also escapes `/`, which turns every address into `&#x2F;…` for no gain.
    tera.set_escape_fn(catalog::format::escape_html_to);
    tera.global_context()
        .insert("session", &Option::<catalog::layout::SessionMeta>::None);
    // The newsletter field in the footer of every page (the function's pages have it too).
    tera.global_context().insert(
        "footer_newsletter",
        &catalog::forms::FormView::empty(catalog::forms::newsletter::FOOTER),
    );
    tera
}

/// The error of the templates as written, whose lines and columns are the file's own
/// (Tera's error for the minified sources points into a source on one line).
fn syntax_error(dir: &Path, sources: &[(String, String)]) -> Option<BuildError> {
    let error = new_tera()
        .add_raw_templates(sources.iter().cloned())
        .err()?;
    Some(super::render::template_error(
        &dir.display().to_string(),
        &error,
    ))
}

fn minify_all(sources: &[(String, String)]) -> Vec<(String, String)> {
    let mut cfg = minify_html::Cfg::new();
    cfg.preserve_brace_template_syntax = true;
    cfg.keep_html_and_head_opening_tags = true;
    cfg.keep_closing_tags = true;
    sources
        .iter()
        .map(|(name, source)| {
            if has_syntax_between_attributes(source) {
                (name.clone(), source.clone())
            } else {
                let minified = minify_html::minify(source.as_bytes(), &cfg);
                (
                    name.clone(),
                    String::from_utf8_lossy(&minified).into_owned(),
                )
            }
        })
        .collect()
}

/// Which templates build on which: `{% extends %}`, `{% include %}` and `{% import %}`.
#[derive(Debug, Default)]
pub struct Dependencies {
    /// Template → the templates that name it directly.
    dependents: BTreeMap<String, BTreeSet<String>>,
}

impl Dependencies {
    pub fn from_sources(sources: &[(String, String)]) -> Dependencies {
        let mut dependents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        // Components are global: a template that calls one builds on every template that
        // defines components.
        let definers: Vec<&String> = sources
            .iter()
            .filter(|(_, source)| source.contains("{% component"))
            .map(|(name, _)| name)
            .collect();
        for (name, source) in sources {
            for used in referenced_templates(source) {
                dependents.entry(used).or_default().insert(name.clone());
            }
            if calls_component(source) {
                for definer in definers.iter().filter(|d| **d != name) {
                    dependents
                        .entry((*definer).clone())
                        .or_default()
                        .insert(name.clone());
                }
            }
        }
        Dependencies { dependents }
    }

    /// The changed templates and every template that builds on one of them, directly or
    /// through others.
    pub fn affected<'a>(&self, changed: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
        let mut affected = BTreeSet::new();
        let mut queue: Vec<String> = changed.into_iter().map(str::to_owned).collect();
        while let Some(name) = queue.pop() {
            if let Some(users) = self.dependents.get(&name) {
                queue.extend(users.iter().filter(|u| !affected.contains(*u)).cloned());
            }
            affected.insert(name);
        }
        affected
    }
}

/// Whether a source calls a component (`{{<name … />}}` or `{% <name …> %}`).
fn calls_component(source: &str) -> bool {
    ["{{<", "{{ <", "{%<", "{% <", "{{-<", "{%-<"]
        .iter()
        .any(|opening| source.contains(opening))
}

/// The template names in a source's `{% extends "…" %}`, `{% include "…" %}` (also a list,
/// `[…]`, and `ignore missing`) and `{% import "…" as … %}` tags.
fn referenced_templates(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find("{%") {
        let tag = &rest[start + 2..];
        let Some(end) = tag.find("%}") else { break };
        let body = tag[..end].trim_start_matches('-').trim();
        rest = &tag[end + 2..];
        let keyword = body.split_whitespace().next().unwrap_or_default();
        if !matches!(keyword, "extends" | "include" | "import") {
            continue;
        }
        // Every quoted string of the tag; an import's alias (`as m`) is not quoted.
        let args = &body[keyword.len()..];
        let mut from = 0;
        while let Some(open) = args[from..].find(['"', '\'', '`']) {
            let start = from + open + 1;
            let quote = &args[from + open..start];
            let Some(length) = args[start..].find(quote) else {
                break;
            };
            names.push(args[start..start + length].to_owned());
            from = start + length + 1;
        }
    }
    names
}

/// Does a template put `{{ … }}` or `{% … %}` between attributes of a start tag (outside a
/// quoted value)? minify-html would reorder such syntax with the attributes.
pub fn has_syntax_between_attributes(source: &str) -> bool {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'<' && bytes[i + 1].is_ascii_alphabetic() {
            let mut quote = None;
            let mut j = i + 1;
            while j < bytes.len() {
                let c = bytes[j];
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == b'"' || c == b'\'' => quote = Some(c),
                    None if c == b'>' => break,
                    None if c == b'{' && matches!(bytes.get(j + 1), Some(b'{' | b'%')) => {
                        return true;
                    }
                    None => {}
                }
                j += 1;
            }
            i = j;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_catalog() {
        for text in [
            "",
            "Cloud-Service-Portal",
            "/cloud-services/ddatabox/",
            "1.249,50 € – Größe",
            "a & b",
            "<script>alert('x')</script>",
            "\"zitiert\"",
            "ä<ö>ü&ß'",
        ] {
            let mut out = Vec::new();
            catalog::format::escape_html_to(text, &mut out).expect("writing to memory");
            assert_eq!(
                String::from_utf8_lossy(&out),
                catalog::format::escape_html(text),
                "{text}"
            );
        }
    }

    #[test]
    fn finds_extends_include_and_import() {
        let source = r#"{% extends "base.html" %}{% import 'macros.html' as m %}
{%- include "partials/a.html" -%}{% include ["partials/b.html", "partials/c.html"] ignore missing %}
{% if x %}"not a template"{% endif %}{{ "nor.html" }}"#;
        assert_eq!(
            referenced_templates(source),
            [
                "base.html",
                "macros.html",
                "partials/a.html",
                "partials/b.html",
                "partials/c.html"
            ]
        );
    }

    #[test]
    fn a_change_reaches_every_template_built_on_it() {
        let sources = [
            ("base.html", ""),
            (
                "components.html",
                r#"{% component icon() %}{% include "partials/icon.html" %}{% endcomponent icon %}"#,
            ),
            ("partials/icon.html", ""),
            ("partials/tile.html", ""),
            (
                "faq.html",
                r#"{% extends "base.html" %}{% block main %}{{<icon />}}{% endblock main %}"#,
            ),
            ("home.html", r#"{% extends "base.html" %}"#),
            ("notice.html", r#"{% extends "base.html" %}"#),
        ]
        .map(|(n, s)| (n.to_owned(), s.to_owned()));
        let deps = Dependencies::from_sources(&sources);
        let set = |names: &[&str]| {
            names
                .iter()
                .map(|n| (*n).to_owned())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(deps.affected(["faq.html"]), set(&["faq.html"]));
        assert_eq!(
            deps.affected(["partials/icon.html"]),
            set(&["partials/icon.html", "components.html", "faq.html"])
        );
        assert_eq!(
            deps.affected(["base.html"]),
            set(&["base.html", "faq.html", "home.html", "notice.html"])
        );
        assert_eq!(
            deps.affected(["partials/tile.html"]),
            set(&["partials/tile.html"])
        );
    }
}
