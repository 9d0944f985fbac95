//! Markdown files with YAML front matter (pages, FAQ questions) and the FAQ section lists.
//!
//! The Markdown bodies stay text here: rendering (and sanitising) them is the generator's job,
//! so that the function can use this crate without any Markdown machinery.

use crate::decode::{Ctx, FieldPath, Fields};
use crate::diagnostic::{Diagnostic, Location};
use crate::files::offering::format_version;
use crate::files::portfolio::unique_named_ids;
use crate::yaml::{self, Node};

pub(crate) const PAGE_FIELDS: &[&str] = &["title", "description", "version"];
pub(crate) const QUESTION_FIELDS: &[&str] = &["question", "section", "weight"];
pub(crate) const AUDIENCE_FIELDS: &[&str] = &["format", "title", "description", "sections"];
pub(crate) const SECTION_FIELDS: &[&str] = &["id", "title"];

/// Splits `---\n<yaml>\n---\n<body>`; the YAML keeps its line numbers in the whole file.
pub(crate) fn split_front_matter(ctx: &mut Ctx, text: &str) -> Option<(Node, String)> {
    let missing = || {
        Diagnostic::new(ctx.path, Location { line: 1, column: 1 }, "", "the front matter is missing")
            .expected("the file to start with a line `---`, then `title: …` and more fields, then a line `---`")
            .found("no `---` on the first line")
            .suggestion("did you forget to add the `---` lines around the front matter?")
    };
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        let d = missing();
        ctx.report(d);
        return None;
    };
    let mut front = String::from("\n");
    let mut body = None;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        offset += line.len();
        if line.trim_end() == "---" {
            body = Some(rest[offset..].to_string());
            break;
        }
        front.push_str(line);
    }
    let Some(body) = body else {
        let d = Diagnostic::new(
            ctx.path,
            Location { line: 1, column: 1 },
            "",
            "the front matter is not closed",
        )
        .expected("a second line `---` after the front matter fields")
        .found("the end of the file");
        ctx.report(d);
        return None;
    };
    let mut problems = Vec::new();
    let node = yaml::parse(ctx.path, &front, &mut problems);
    ctx.problems.extend(problems);
    match node {
        Ok(node) => Some((node, body)),
        Err(d) => {
            ctx.report(d);
            None
        }
    }
}

pub(crate) struct PageFront {
    pub title: String,
    pub description: String,
    pub version: Option<String>,
}

pub(crate) fn decode_page_front(ctx: &mut Ctx, node: &Node) -> Option<PageFront> {
    let f = ctx.fields(node, &FieldPath::Root, PAGE_FIELDS)?;
    let title = ctx
        .required(&f, "title")
        .and_then(|(n, p)| ctx.text(n, &p, 120));
    let description = ctx
        .required(&f, "description")
        .and_then(|(n, p)| ctx.text(n, &p, 300));
    let version = ctx.optional_or(&f, "version", None, |ctx, n, p| {
        ctx.text(n, p, 40).map(Some)
    });
    Some(PageFront {
        title: title?,
        description: description?,
        version: version?,
    })
}

pub(crate) struct QuestionFront {
    pub question: String,
    pub section: (String, Location),
    pub weight: i64,
}

pub(crate) fn decode_question_front(ctx: &mut Ctx, node: &Node) -> Option<QuestionFront> {
    let f = ctx.fields(node, &FieldPath::Root, QUESTION_FIELDS)?;
    let question = ctx
        .required(&f, "question")
        .and_then(|(n, p)| ctx.text(n, &p, 200));
    let section = ctx
        .required(&f, "section")
        .and_then(|(n, p)| ctx.slug(n, &p).map(|s| (s, n.at)));
    let weight = ctx.optional_or(&f, "weight", 0, |ctx, n, p| {
        ctx.integer(n, p, -100_000, 100_000)
    });
    Some(QuestionFront {
        question: question?,
        section: section?,
        weight: weight?,
    })
}

pub(crate) struct AudienceFile {
    pub title: String,
    pub description: String,
    pub sections: Vec<(String, String)>,
}

pub(crate) fn decode_audience(ctx: &mut Ctx, node: &Node) -> Option<AudienceFile> {
    let f: Fields = ctx.fields(node, &FieldPath::Root, AUDIENCE_FIELDS)?;
    let format = format_version(ctx, &f);
    let title = ctx
        .required(&f, "title")
        .and_then(|(n, p)| ctx.text(n, &p, 120));
    let description = ctx
        .required(&f, "description")
        .and_then(|(n, p)| ctx.text(n, &p, 300));
    let sections = ctx.required(&f, "sections").and_then(|(n, p)| {
        let items = ctx.list(n, &p, 1)?;
        let sections = ctx.each(items, &p, |ctx, item, path| {
            let f = ctx.fields(item, path, SECTION_FIELDS)?;
            let id = ctx.required(&f, "id").and_then(|(n, p)| ctx.slug(n, &p));
            let title = ctx
                .required(&f, "title")
                .and_then(|(n, p)| ctx.text(n, &p, 120));
            Some((id?, title?))
        })?;
        unique_named_ids(ctx, items, &p, sections.iter().map(|(id, _)| id.as_str()))?;
        Some(sections)
    });
    format?;
    Some(AudienceFile {
        title: title?,
        description: description?,
        sections: sections?,
    })
}
