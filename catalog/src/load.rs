//! Loading `content/`: every file read once, decoded, validated, and all problems collected.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::decode::{Ctx, FieldPath};
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::files::Refs;
use crate::files::markdown::{
    decode_audience, decode_page_front, decode_question_front, split_front_matter,
};
use crate::files::maturity::decode_maturity_model;
use crate::files::offering::decode_offering;
use crate::files::portfolio::decode_portfolio;
use crate::files::provider::decode_provider;
use crate::model::{
    AgbVersion, Catalog, FaqAudience, FaqQuestion, FaqSection, Offering, Page, Provider,
};
use crate::yaml::{self, MAX_FILE_BYTES, Node};

/// The folders and files of a content directory.
pub const PORTFOLIO_FILE: &str = "portfolio.yaml";
pub const MATURITY_MODEL_FILE: &str = "maturity-model.yaml";
pub const OFFERINGS_DIR: &str = "offerings";
pub const PROVIDERS_DIR: &str = "providers";
pub const FAQ_DIR: &str = "faq";
pub const PAGES_DIR: &str = "pages";

const TOP: Location = Location { line: 1, column: 1 };

/// Loads and validates the whole content directory. Either everything is valid, or every
/// problem of every file is returned.
pub fn load_catalog(content: &Path) -> Result<Catalog, Diagnostics> {
    let mut problems = Diagnostics::new();
    if !content.is_dir() {
        problems.push(
            Diagnostic::new(content, TOP, "", "the content folder does not exist")
                .expected(
                    "a folder with portfolio.yaml, maturity-model.yaml, offerings/ and providers/",
                )
                .found("nothing at this path")
                .suggestion("run the command in the repository root or pass `--content DIR`"),
        );
        return Err(problems);
    }

    let portfolio = load_yaml(&content.join(PORTFOLIO_FILE), &mut problems, |ctx, node| {
        decode_portfolio(ctx, node)
    });
    let maturity_model = load_yaml(
        &content.join(MATURITY_MODEL_FILE),
        &mut problems,
        decode_maturity_model,
    );

    let provider_files = list_files(&content.join(PROVIDERS_DIR), "yaml", true, &mut problems);
    let providers: Vec<Provider> = provider_files
        .par_iter()
        .map(|(path, stem)| {
            let mut local = Diagnostics::new();
            let provider = load_yaml(path, &mut local, |ctx, node| {
                decode_provider(ctx, node, stem)
            });
            (provider, local)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .filter_map(|(provider, local)| {
            problems.extend(local);
            provider
        })
        .collect();
    // Offerings may only point at providers whose file exists, even if that file is invalid:
    // its own errors are reported, and the reference is not a second problem.
    let provider_ids: BTreeSet<String> = provider_files
        .iter()
        .map(|(_, stem)| stem.clone())
        .collect();

    let refs = Refs::new(portfolio.as_ref(), maturity_model.as_ref(), &provider_ids);
    let offerings = load_offerings(&content.join(OFFERINGS_DIR), &refs, &mut problems);
    let faq = load_faq(&content.join(FAQ_DIR), &mut problems);
    let mut pages = load_pages(&content.join(PAGES_DIR), &mut problems);
    let agb = load_agb(&content.join(AGB_DIR), &mut problems);
    agb_page(&mut pages, &agb, content, &mut problems);

    match (portfolio, maturity_model) {
        (Some(portfolio), Some(maturity_model)) if problems.is_empty() => {
            let mut providers = providers;
            providers.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(Catalog {
                portfolio,
                maturity_model,
                providers,
                offerings,
                faq,
                pages,
                agb,
            })
        }
        _ => Err(problems),
    }
}

/// Loads one offering file against an already valid catalog: what `csp serve` does when a
/// provider saves the file they are editing.
pub fn load_offering(path: &Path, catalog: &Catalog) -> Result<Offering, Diagnostics> {
    let provider_ids: BTreeSet<String> = catalog.providers.iter().map(|p| p.id.clone()).collect();
    let refs = Refs::new(
        Some(&catalog.portfolio),
        Some(&catalog.maturity_model),
        &provider_ids,
    );
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    let mut problems = Diagnostics::new();
    let offering = load_yaml(path, &mut problems, |ctx, node| {
        decode_offering(ctx, node, &stem, &refs)
    });
    match offering {
        Some(offering) if problems.is_empty() => Ok(offering),
        _ => Err(problems),
    }
}

fn load_offerings(dir: &Path, refs: &Refs, problems: &mut Diagnostics) -> Vec<Offering> {
    let files = list_files(dir, "yaml", true, problems);
    let results: Vec<(Option<Offering>, Diagnostics)> = files
        .par_iter()
        .map(|(path, stem)| {
            let mut local = Diagnostics::new();
            let offering = load_yaml(path, &mut local, |ctx, node| {
                decode_offering(ctx, node, stem, refs)
            });
            (offering, local)
        })
        .collect();
    let mut offerings = Vec::with_capacity(results.len());
    for (offering, local) in results {
        problems.extend(local);
        offerings.extend(offering);
    }
    offerings.sort_by(|a, b| a.id.cmp(&b.id));
    offerings
}

/// Reads a file with the size limit enforced before and while reading.
pub fn read_limited(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let cannot_read = |error: std::io::Error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            Diagnostic::new(path, TOP, "", "this file is missing")
                .expected(format!("a file {}", path.display()))
                .found("nothing")
        } else {
            Diagnostic::new(path, TOP, "", format!("the file cannot be read: {error}"))
        }
    };
    let mut file = fs::File::open(path).map_err(cannot_read)?;
    // Read first and ask for the size only when the limit was hit: asking every file for its
    // size was a system call for each of 10,000 offerings. A file larger than the limit by its
    // size is reported with that size, as if it had not been read.
    let mut bytes = Vec::with_capacity(READ_CHUNK);
    (&mut file)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let size = file.metadata().map_err(cannot_read)?.len();
        if size > MAX_FILE_BYTES {
            return Err(yaml::file_too_large(path, size));
        }
    }
    Ok(bytes)
}

/// Room for a whole offering file (they are 2 to 8 KiB) in the first read.
const READ_CHUNK: usize = 16 * 1024;

fn read_text(path: &Path) -> Result<String, Diagnostic> {
    yaml::decode_text(path, read_limited(path)?)
}

fn load_yaml<T>(
    path: &Path,
    problems: &mut Diagnostics,
    decode: impl FnOnce(&mut Ctx, &Node) -> Option<T>,
) -> Option<T> {
    // No separate existence check: for 10,000 offerings that was 10,000 more `stat` calls.
    let text = match read_text(path) {
        Ok(text) => text,
        Err(d) => {
            problems.push(d);
            return None;
        }
    };
    let mut ctx = Ctx::new(path);
    let value = match yaml::parse(path, &text, &mut ctx.problems) {
        Ok(node) => decode(&mut ctx, &node),
        Err(d) => {
            ctx.report(d);
            None
        }
    };
    let had_problems = !ctx.problems.is_empty();
    for d in ctx.problems {
        problems.push(d);
    }
    if had_problems { None } else { value }
}

/// The files with `extension` in `dir`, sorted, as (path, stem). Files with a near-miss
/// extension (`.yml`, `.YAML`) are reported instead of silently ignored.
fn list_files(
    dir: &Path,
    extension: &str,
    required: bool,
    problems: &mut Diagnostics,
) -> Vec<(PathBuf, String)> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(_) if !required => return Vec::new(),
        Err(error) => {
            problems.push(
                Diagnostic::new(dir, TOP, "", format!("the folder cannot be read: {error}"))
                    .expected("a folder")
                    .found("nothing readable"),
            );
            return Vec::new();
        }
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // The directory listing knows the type of most entries; only symbolic links (and
        // file systems that do not say) need a `stat` of their own.
        let is_file = match entry.file_type() {
            Ok(kind) if kind.is_symlink() => path.is_file(),
            Ok(kind) => kind.is_file(),
            Err(_) => path.is_file(),
        };
        if name.starts_with('.') || !is_file {
            continue;
        }
        let Some((stem, ext)) = name.rsplit_once('.') else {
            continue;
        };
        if ext == extension {
            files.push((path, stem.to_string()));
        } else if ext.eq_ignore_ascii_case(extension)
            || (extension == "yaml" && ext.eq_ignore_ascii_case("yml"))
        {
            problems.push(
                Diagnostic::new(
                    &path,
                    TOP,
                    "",
                    format!("content files end in `.{extension}`"),
                )
                .expected(format!("`{stem}.{extension}`"))
                .found(format!("`{name}`"))
                .suggestion(format!("rename the file to `{stem}.{extension}`")),
            );
        }
    }
    // All paths share the folder, so ordering their bytes orders the file names as `Path`'s
    // component-wise comparison would, at a fraction of its cost (8 of 700 million
    // instructions for 1,000 offerings). The paths are unique, so the second field never counts.
    files.sort_unstable_by(|a, b| {
        a.0.as_os_str()
            .as_encoded_bytes()
            .cmp(b.0.as_os_str().as_encoded_bytes())
    });
    files
}

/// The folder of the CSP-AGB versions, and the fingerprints of the published ones in it.
pub const AGB_DIR: &str = "agb";
pub const AGB_PUBLISHED_FILE: &str = "published.sha256";

/// Loads `agb/`: every `<version>.md` must be recorded in `published.sha256` (the format of
/// `sha256sum`: `<hex>  <version>.md` per line) with the fingerprint of its text as it is, and
/// every recorded version must still exist. A published version is never edited: a change
/// is a new version file. The comparison is with this committed file rather than with the
/// last build's snapshot, so it holds in a fresh checkout and in a pull request's check.
fn load_agb(dir: &Path, problems: &mut Diagnostics) -> Vec<AgbVersion> {
    use sha2::{Digest, Sha256};
    if !dir.is_dir() {
        return Vec::new();
    }
    let published_path = dir.join(AGB_PUBLISHED_FILE);
    let published_text = match read_text(&published_path) {
        Ok(text) => text,
        Err(_) => {
            problems.push(
                Diagnostic::new(
                    &published_path,
                    TOP,
                    "",
                    "the list of published CSP-AGB versions is missing",
                )
                .expected("one line `<sha256>  <version>.md` per version in agb/")
                .found("no readable file")
                .suggestion("create it with `sha256sum *.md > published.sha256` in the agb folder"),
            );
            String::new()
        }
    };
    let mut published: Vec<(String, String, Location)> = Vec::new();
    for (index, line) in published_text.lines().enumerate() {
        let at = Location {
            line: index + 1,
            column: 1,
        };
        if line.trim().is_empty() {
            continue;
        }
        match line.split_once(char::is_whitespace) {
            Some((hash, name))
                if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                published.push((
                    hash.to_ascii_lowercase(),
                    name.trim().trim_start_matches('*').to_owned(),
                    at,
                ));
            }
            _ => problems.push(
                Diagnostic::new(
                    &published_path,
                    at,
                    "",
                    "this line is not a fingerprint and a file name",
                )
                .expected("`<sha256 in hex>  <version>.md`")
                .found(line.to_owned()),
            ),
        }
    }
    let mut versions = Vec::new();
    for (path, stem) in list_files(dir, "md", false, problems) {
        let text = match read_text(&path) {
            Ok(text) => text,
            Err(d) => {
                problems.push(d);
                continue;
            }
        };
        let sha256: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = format!("{stem}.md");
        match published.iter().find(|(_, n, _)| *n == name) {
            None => problems.push(
                Diagnostic::new(&path, TOP, "", format!("the CSP-AGB version {stem} is not recorded as published"))
                    .expected(format!("a line for {name} in {}", published_path.display()))
                    .found("no line")
                    .suggestion(format!("publish it by adding the line `{sha256}  {name}` to {AGB_PUBLISHED_FILE}; from then on its text must not change")),
            ),
            Some((hash, _, _)) if *hash != sha256 => problems.push(
                Diagnostic::new(&path, TOP, "", format!("the text of the published CSP-AGB version {stem} was changed"))
                    .expected(format!("the published text (SHA-256 {hash})"))
                    .found(format!("a changed text (SHA-256 {sha256})"))
                    .suggestion(format!("orders refer to this text as agreed: restore it (e.g. `git checkout -- {}`) and write the change as a new version, e.g. agb/<new version>.md, named in the `version` of pages/agb.md", path.display())),
            ),
            Some(_) => versions.push(AgbVersion {
                version: stem,
                text: text.trim().to_owned(),
                sha256,
            }),
        }
    }
    for (_, name, at) in &published {
        if !dir.join(name).is_file() {
            problems.push(
                Diagnostic::new(
                    &published_path,
                    *at,
                    "",
                    format!("the published CSP-AGB version {name} was deleted"),
                )
                .expected("every published version kept")
                .found("no such file")
                .suggestion("restore the file: orders refer to it"),
            );
        }
    }
    versions.sort_by(|a, b| a.version.cmp(&b.version));
    versions
}

/// With versioned AGB, the `agb` page names the version in force and shows its text below
/// the page's own words.
fn agb_page(pages: &mut [Page], agb: &[AgbVersion], content: &Path, problems: &mut Diagnostics) {
    let dir = content.join(AGB_DIR);
    if !dir.is_dir() {
        return;
    }
    let Some(page) = pages.iter_mut().find(|p| p.id == "agb") else {
        return;
    };
    let path = content.join(PAGES_DIR).join("agb.md");
    let version = page.version.clone().unwrap_or_default();
    match agb.iter().find(|a| a.version == version) {
        Some(current) => {
            page.body = format!("{}\n\n{}", page.body, current.text);
        }
        // A version whose file is there but refused has its own problem already.
        None if !version.is_empty() && dir.join(format!("{version}.md")).is_file() => {}
        None => problems.push(
            Diagnostic::new(
                &path,
                TOP,
                "version",
                format!("the CSP-AGB version {version:?} does not exist"),
            )
            .expected(format!(
                "one of the published versions in {AGB_DIR}/: {}",
                agb.iter()
                    .map(|a| a.version.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .found(version.clone()),
        ),
    }
}

fn load_pages(dir: &Path, problems: &mut Diagnostics) -> Vec<Page> {
    let mut pages = Vec::new();
    for (path, stem) in list_files(dir, "md", false, problems) {
        let Some((front, body)) = load_markdown(&path, problems, decode_page_front) else {
            continue;
        };
        pages.push(Page {
            id: stem,
            title: front.title,
            description: front.description,
            version: front.version,
            body,
        });
    }
    pages
}

fn load_markdown<T>(
    path: &Path,
    problems: &mut Diagnostics,
    decode: impl FnOnce(&mut Ctx, &Node) -> Option<T>,
) -> Option<(T, String)> {
    let text = match read_text(path) {
        Ok(text) => text,
        Err(d) => {
            problems.push(d);
            return None;
        }
    };
    let mut ctx = Ctx::new(path);
    let result = split_front_matter(&mut ctx, &text).and_then(|(node, body)| {
        let front = decode(&mut ctx, &node)?;
        if body.trim().is_empty() {
            let d = ctx
                .error(
                    TOP,
                    &FieldPath::Root,
                    "the text after the front matter is empty",
                )
                .expected("Markdown text")
                .found("nothing");
            ctx.report(d);
            return None;
        }
        Some((front, body.trim().to_string()))
    });
    let ok = ctx.problems.is_empty();
    for d in ctx.problems {
        problems.push(d);
    }
    result.filter(|_| ok)
}

fn load_faq(dir: &Path, problems: &mut Diagnostics) -> Vec<FaqAudience> {
    let mut audiences = Vec::new();
    for (path, stem) in list_files(dir, "yaml", false, problems) {
        let Some(file) = load_yaml(&path, problems, decode_audience) else {
            continue;
        };
        let mut sections: Vec<FaqSection> = file
            .sections
            .iter()
            .map(|(id, title)| FaqSection {
                id: id.clone(),
                title: title.clone(),
                questions: Vec::new(),
            })
            .collect();
        let question_dir = dir.join(&stem);
        for (question_path, question_id) in list_files(&question_dir, "md", true, problems) {
            let Some((front, answer)) =
                load_markdown(&question_path, problems, decode_question_front)
            else {
                continue;
            };
            if !crate::decode::is_slug(&question_id) {
                problems.push(
                    Diagnostic::new(
                        &question_path,
                        TOP,
                        "",
                        "the file name is not a valid anchor",
                    )
                    .expected("lower-case words joined by hyphens")
                    .found(format!("`{question_id}`"))
                    .suggestion(format!(
                        "rename it to `{}.md`",
                        crate::slug::slugify(&question_id)
                    )),
                );
                continue;
            }
            let (section_id, at) = front.section;
            match sections.iter_mut().find(|s| s.id == section_id) {
                Some(section) => section.questions.push(FaqQuestion {
                    id: question_id,
                    question: front.question,
                    weight: front.weight,
                    answer,
                }),
                None => {
                    let known: Vec<&str> =
                        file.sections.iter().map(|(id, _)| id.as_str()).collect();
                    let mut d = Diagnostic::new(
                        &question_path,
                        at,
                        "section",
                        format!("there is no FAQ section `{section_id}`"),
                    )
                    .expected(format!(
                        "one of {} (from {})",
                        crate::decode::list_words(&known),
                        path.display()
                    ))
                    .found(format!("`{section_id}`"));
                    if let Some(close) =
                        crate::diagnostic::nearest(&section_id, known.iter().copied())
                    {
                        d = d.suggestion(format!("did you mean `{close}`?"));
                    }
                    problems.push(d);
                }
            }
        }
        for section in &mut sections {
            section
                .questions
                .sort_by(|a, b| a.weight.cmp(&b.weight).then_with(|| a.id.cmp(&b.id)));
        }
        audiences.push(FaqAudience {
            id: stem,
            title: file.title,
            description: file.description,
            sections,
        });
    }
    audiences
}
