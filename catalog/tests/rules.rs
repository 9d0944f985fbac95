//! Every validation rule, each broken by exactly one change to a copy of the sample content.
//! Each test asserts what a provider reads: the file, the line, the field and the message.

use std::fs;
use std::path::{Path, PathBuf};

use catalog::{Diagnostic, load_catalog};

fn sample_content() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A scratch copy of the sample content.
struct Content {
    dir: tempfile::TempDir,
}

impl Content {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&sample_content(), dir.path());
        Content { dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative)).expect("read")
    }

    fn write(&self, relative: &str, text: &str) {
        fs::write(self.path(relative), text).expect("write");
    }

    /// Replaces the first occurrence of `from` (which must exist) and returns the 1-based
    /// line where the replacement starts.
    fn replace(&self, relative: &str, from: &str, to: &str) -> usize {
        let text = self.read(relative);
        let at = text
            .find(from)
            .unwrap_or_else(|| panic!("`{from}` not found in {relative}"));
        self.write(relative, &text.replacen(from, to, 1));
        text[..at].matches('\n').count() + 1
    }

    fn problems(&self) -> Vec<Diagnostic> {
        match load_catalog(self.dir.path()) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.into_sorted(),
        }
    }

    /// The only problem of the run, asserting that there is exactly one.
    fn single_problem(&self) -> Diagnostic {
        let mut problems = self.problems();
        assert_eq!(
            problems.len(),
            1,
            "expected exactly one problem, got {problems:#?}"
        );
        problems.remove(0)
    }
}

const DM: &str = "offerings/dmessenger.yaml";

fn assert_at(problem: &Diagnostic, file: &str, line: usize, field: &str, message_part: &str) {
    assert!(
        problem.file.ends_with(file),
        "file: expected {file}, got {}",
        problem.file.display()
    );
    assert_eq!(problem.line, line, "line of {problem:#?}");
    assert_eq!(problem.field, field, "field of {problem:#?}");
    assert!(
        problem.message.contains(message_part),
        "message `{}` should contain `{message_part}`",
        problem.message
    );
}

#[test]
fn sample_content_is_valid() {
    let catalog =
        load_catalog(&sample_content()).unwrap_or_else(|p| panic!("{:#?}", p.into_sorted()));
    assert!(catalog.published().count() >= 30);
    assert_eq!(catalog.maturity_model.minimal_criteria.len(), 11);
    assert_eq!(catalog.portfolio.categories.len(), 7);
    assert!(catalog.providers.len() >= 8);
}

#[test]
fn rejects_unknown_field_with_suggestion() {
    let c = Content::new();
    let line = c.replace(DM, "provisioning_time:", "provisoning_time:");
    let problems = c.problems();
    let unknown = problems
        .iter()
        .find(|p| p.message.contains("unknown field"))
        .expect("unknown field reported");
    assert_at(
        unknown,
        DM,
        line,
        "provisoning_time",
        "unknown field `provisoning_time`",
    );
    assert_eq!(unknown.column, 1);
    assert_eq!(
        unknown.suggestion.as_deref(),
        Some("did you mean `provisioning_time`?")
    );
    // The misspelling is the one problem: no second "missing provisioning_time" for it.
    assert_eq!(problems.len(), 1, "{problems:#?}");
}

#[test]
fn rejects_duplicate_key_at_the_duplicate() {
    let c = Content::new();
    let text = c.read(DM);
    let first_line = text
        .lines()
        .position(|l| l.starts_with("name:"))
        .expect("name line")
        + 1;
    c.write(DM, &format!("{text}name: Noch ein Name\n"));
    let line = text.lines().count() + 1;
    let p = c.single_problem();
    assert_at(&p, DM, line, "name", "duplicate key `name`");
    assert!(
        p.found
            .as_deref()
            .unwrap_or("")
            .contains(&format!("line {first_line}"))
    );
}

#[test]
fn rejects_missing_required_field() {
    let c = Content::new();
    let text = c.read(DM);
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("provisioning_time:"))
        .map(|l| format!("{l}\n"))
        .collect();
    c.write(DM, &without);
    let p = c.single_problem();
    assert_eq!(p.field, "provisioning_time");
    assert!(
        p.message
            .contains("required field `provisioning_time` is missing"),
        "{}",
        p.message
    );
}

#[test]
fn rejects_id_that_differs_from_file_name() {
    let c = Content::new();
    let line = c.replace(DM, "id: dmessenger", "id: d-messenger");
    let p = c.single_problem();
    assert_at(&p, DM, line, "id", "differs from the file name");
    assert!(
        p.suggestion
            .as_deref()
            .unwrap_or("")
            .contains("id: dmessenger")
    );
}

#[test]
fn rejects_id_that_is_not_a_slug() {
    let c = Content::new();
    let line = c.replace(DM, "id: dmessenger", "id: dMessenger");
    let p = c.single_problem();
    assert_at(&p, DM, line, "id", "not a valid id");
    assert_eq!(p.suggestion.as_deref(), Some("use `dmessenger`"));
}

#[test]
fn rejects_name_longer_than_80_characters() {
    let c = Content::new();
    let line = c.replace(DM, "name: dMessenger", &format!("name: {}", "x".repeat(81)));
    let p = c.single_problem();
    assert_at(&p, DM, line, "name", "too long");
    assert_eq!(p.found.as_deref(), Some("81 characters"));
}

#[test]
fn rejects_unknown_provider_with_suggestion() {
    let c = Content::new();
    let line = c.replace(DM, "provider: dataport", "provider: dataprot");
    let p = c.single_problem();
    assert_at(&p, DM, line, "provider", "there is no provider `dataprot`");
    assert_eq!(p.suggestion.as_deref(), Some("did you mean `dataport`?"));
}

#[test]
fn rejects_unknown_category_with_suggestion() {
    let c = Content::new();
    let line = c.replace(
        DM,
        "it-arbeitsplatz-kollaboration/kommunikationsloesungen",
        "it-arbeitsplatz-kollaboration/kommunikationsloesung",
    );
    let p = c.single_problem();
    assert_at(&p, DM, line, "categories[0]", "no portfolio category");
    assert_eq!(
        p.suggestion.as_deref(),
        Some("did you mean `it-arbeitsplatz-kollaboration/kommunikationsloesungen`?")
    );
}

#[test]
fn rejects_unknown_service_type_with_suggestion() {
    let c = Content::new();
    let line = c.replace(DM, "service_type: saas", "service_type: SaaS");
    let p = c.single_problem();
    assert_at(&p, DM, line, "service_type", "unknown value");
    assert_eq!(p.suggestion.as_deref(), Some("did you mean `saas`?"));
    assert_eq!(p.expected.as_deref(), Some("one of `saas`, `paas`, `iaas`"));
}

#[test]
fn rejects_empty_category_list() {
    let c = Content::new();
    let line = c.replace(
        DM,
        "categories:\n  - it-arbeitsplatz-kollaboration/kommunikationsloesungen",
        "categories: []",
    );
    let p = c.single_problem();
    assert_at(&p, DM, line, "categories", "empty");
}

#[test]
fn rejects_repeated_customer_scope() {
    let c = Content::new();
    let line = c.replace(
        DM,
        "customer_scope: [bund, land, kommune]",
        "customer_scope: [bund, land, bund]",
    );
    let p = c.single_problem();
    assert_at(&p, DM, line, "customer_scope[2]", "listed twice");
}

#[test]
fn rejects_duplicate_plan_ids() {
    let c = Content::new();
    let line = c.replace(
        DM,
        "  - id: standard\n    name: Standard",
        "  - id: basis\n    name: Standard",
    );
    let p = c.single_problem();
    assert_at(&p, DM, line, "plans[1].id", "plan id `basis` is used twice");
}

#[test]
fn rejects_price_written_as_a_number() {
    let c = Content::new();
    let line = c.replace(DM, "price: \"2.90\"", "price: 2.90");
    let p = c.single_problem();
    assert_at(&p, DM, line, "plans[0].price", "not a price");
    assert!(
        p.suggestion.as_deref().unwrap_or("").contains("\"2.90\""),
        "{p:#?}"
    );
}

#[test]
fn rejects_price_with_decimal_comma_and_suggests_the_dot() {
    let c = Content::new();
    let line = c.replace(DM, "price: \"2.90\"", "price: \"2,90\"");
    let p = c.single_problem();
    assert_at(&p, DM, line, "plans[0].price", "not a price");
    assert_eq!(p.suggestion.as_deref(), Some("write `\"2.90\"`"));
}

#[test]
fn rejects_priced_plan_without_unit() {
    let c = Content::new();
    let text = c.read(DM);
    let first_unit = text
        .find("    unit: je Nutzer und Monat\n")
        .expect("unit line");
    c.write(
        DM,
        &format!(
            "{}{}",
            &text[..first_unit],
            &text[first_unit + "    unit: je Nutzer und Monat\n".len()..]
        ),
    );
    let p = c.single_problem();
    assert_eq!(p.field, "plans[0].unit");
    assert!(p.message.contains("needs a unit"));
}

#[test]
fn rejects_free_billing_with_a_price() {
    let c = Content::new();
    c.replace(DM, "billing: monthly", "billing: free");
    let p = c.single_problem();
    assert_eq!(p.field, "plans[0].price");
    assert!(
        p.message
            .contains("billed as `free` must have the price \"0\""),
        "{}",
        p.message
    );
}

#[test]
fn rejects_option_with_min_above_max() {
    let c = Content::new();
    let line = c.replace(DM, "    max: 20000", "    max: 5");
    let p = c.single_problem();
    assert_at(
        &p,
        DM,
        line,
        "options[0].max",
        "`max` is smaller than `min`",
    );
}

#[test]
fn rejects_choice_option_without_choices() {
    let c = Content::new();
    let line = c.replace(DM, "choices: [Hamburg, Norderstedt]", "choices: []");
    let p = c.single_problem();
    assert_at(&p, DM, line, "options[1].choices", "empty");
}

#[test]
fn rejects_duplicate_option_ids() {
    let c = Content::new();
    let line = c.replace(DM, "  - id: rechenzentrum", "  - id: nutzer");
    let p = c.single_problem();
    assert_at(
        &p,
        DM,
        line,
        "options[1].id",
        "option id `nutzer` is used twice",
    );
}

#[test]
fn rejects_unmet_minimal_criterion() {
    let c = Content::new();
    let line = c.replace(DM, "    leistungsort: true", "    leistungsort: false");
    let p = c.single_problem();
    assert_at(
        &p,
        DM,
        line,
        "maturity.minimal_criteria.leistungsort",
        "not met",
    );
}

#[test]
fn rejects_missing_minimal_criterion() {
    let c = Content::new();
    c.replace(DM, "    leistungsort: true\n", "");
    let p = c.single_problem();
    assert_eq!(p.field, "maturity.minimal_criteria.leistungsort");
    assert!(p.message.contains("missing"));
}

#[test]
fn rejects_level_outside_the_criterions_scale() {
    let c = Content::new();
    let text = c.read(DM);
    let original = text
        .lines()
        .find(|l| l.trim_start().starts_with("sbom:"))
        .expect("sbom level")
        .to_string();
    let line = c.replace(DM, &original, "    sbom: 4");
    let p = c.single_problem();
    assert_at(&p, DM, line, "maturity.levels.sbom", "out of range");
    assert_eq!(p.expected.as_deref(), Some("a whole number from 1 to 3"));
}

#[test]
fn rejects_missing_level_for_an_applicable_criterion() {
    let c = Content::new();
    let text = c.read(DM);
    let original = text
        .lines()
        .find(|l| l.trim_start().starts_with("verfuegbarkeit:"))
        .expect("level line")
        .to_string();
    c.replace(DM, &format!("{original}\n"), "");
    let p = c.single_problem();
    assert_eq!(p.field, "maturity.levels.verfuegbarkeit");
    assert!(
        p.message
            .contains("no level for the criterion `verfuegbarkeit`")
    );
}

#[test]
fn accepts_missing_level_for_a_criterion_that_does_not_apply() {
    let c = Content::new();
    // dMessenger is SaaS: Bereitstellung IaaS does not apply and is not given.
    assert!(!c.read(DM).contains("bereitstellung-iaas:"));
    assert!(c.problems().is_empty());
}

#[test]
fn rejects_unknown_criterion_with_suggestion() {
    let c = Content::new();
    let text = c.read(DM);
    let original = text
        .lines()
        .find(|l| l.trim_start().starts_with("skalierbarkeit:"))
        .expect("level line")
        .to_string();
    let line = c.replace(
        DM,
        &original,
        &original.replace("skalierbarkeit", "skalierbarkiet"),
    );
    let problems = c.problems();
    let unknown = problems
        .iter()
        .find(|p| p.message.contains("unknown field"))
        .expect("reported");
    assert_at(
        unknown,
        DM,
        line,
        "maturity.levels.skalierbarkiet",
        "unknown field",
    );
    assert_eq!(
        unknown.suggestion.as_deref(),
        Some("did you mean `skalierbarkeit`?")
    );
}

#[test]
fn rejects_impossible_date() {
    let c = Content::new();
    let text = c.read(DM);
    let original = text
        .lines()
        .find(|l| l.starts_with("updated:"))
        .expect("updated")
        .to_string();
    let line = c.replace(DM, &original, "updated: 2026-02-30");
    let p = c.single_problem();
    assert_at(&p, DM, line, "updated", "not a real date");
}

#[test]
fn suggests_iso_form_for_a_german_date() {
    let c = Content::new();
    let text = c.read(DM);
    let original = text
        .lines()
        .find(|l| l.starts_with("updated:"))
        .expect("updated")
        .to_string();
    c.replace(DM, &original, "updated: 15.03.2026");
    let p = c.single_problem();
    assert_eq!(p.suggestion.as_deref(), Some("write `2026-03-15`"));
}

#[test]
fn rejects_contact_without_any_way_to_reach_support() {
    let c = Content::new();
    let text = c.read(DM);
    let start = text.find("contact:\n").expect("contact");
    let end = text[start..].find("status:").expect("status") + start;
    c.write(
        DM,
        &format!("{}contact: {{}}\n{}", &text[..start], &text[end..]),
    );
    let p = c.single_problem();
    assert_eq!(p.field, "contact");
    assert!(p.message.contains("at least one way"));
}

#[test]
fn rejects_document_url_that_is_not_a_web_address() {
    let c = Content::new();
    let line = c.replace(
        DM,
        "url: https://example.org/dmessenger/leistungsbeschreibung.pdf",
        "url: javascript:alert(1)",
    );
    let p = c.single_problem();
    assert_at(&p, DM, line, "documents[0].url", "not a web address");
}

#[test]
fn rejects_invalid_email() {
    let c = Content::new();
    let line = c.replace(
        DM,
        "email: servicedesk@dataport.example",
        "email: servicedesk-at-dataport",
    );
    let p = c.single_problem();
    assert_at(&p, DM, line, "contact.email", "not an e-mail address");
}

#[test]
fn rejects_unknown_status_with_suggestion() {
    let c = Content::new();
    let line = c.replace(DM, "status: published", "status: publisehd");
    let p = c.single_problem();
    assert_at(&p, DM, line, "status", "unknown value");
    assert_eq!(p.suggestion.as_deref(), Some("did you mean `published`?"));
}

#[test]
fn rejects_unsupported_format_version() {
    let c = Content::new();
    let line = c.replace(DM, "format: 1", "format: 2");
    let p = c.single_problem();
    assert_at(&p, DM, line, "format", "out of range");
}

#[test]
fn rejects_placeholder_left_in_the_file() {
    let c = Content::new();
    let line = c.replace(DM, "name: dMessenger", "name: TODO Name des Dienstes");
    let p = c.single_problem();
    assert_at(&p, DM, line, "name", "placeholder");
}

#[test]
fn rejects_wrong_kind_of_value() {
    let c = Content::new();
    let line = c.replace(DM, "name: dMessenger", "name: [dMessenger]");
    let p = c.single_problem();
    assert_at(&p, DM, line, "name", "wrong kind of value");
    assert_eq!(p.expected.as_deref(), Some("text"));
    assert_eq!(p.found.as_deref(), Some("a list"));
}

#[test]
fn rejects_invalid_provider_file() {
    let c = Content::new();
    let file = "providers/dataport.yaml";
    let line = c.replace(
        file,
        "order_email: bestellungen@dataport.example",
        "order_email: bestellungen",
    );
    let p = c.single_problem();
    assert_at(&p, file, line, "order_email", "not an e-mail address");
}

#[test]
fn rejects_category_id_that_does_not_match_its_name() {
    let c = Content::new();
    let line = c.replace("portfolio.yaml", "id: fachverfahren", "id: fach-verfahren");
    let problems = c.problems();
    let p = problems
        .iter()
        .find(|p| p.file.ends_with("portfolio.yaml"))
        .expect("portfolio problem");
    assert_at(
        p,
        "portfolio.yaml",
        line,
        "categories[0].id",
        "does not match the name",
    );
    assert_eq!(p.suggestion.as_deref(), Some("write `id: fachverfahren`"));
}

#[test]
fn rejects_faq_question_in_unknown_section() {
    let c = Content::new();
    let dir = c.path("faq/kunden");
    let first = fs::read_dir(&dir)
        .expect("faq dir")
        .flatten()
        .next()
        .expect("a question")
        .path();
    let relative = format!(
        "faq/kunden/{}",
        first.file_name().and_then(|n| n.to_str()).expect("name")
    );
    let text = c.read(&relative);
    let original = text
        .lines()
        .find(|l| l.starts_with("section:"))
        .expect("section")
        .to_string();
    let line = c.replace(&relative, &original, "section: gibtsnicht");
    let p = c.single_problem();
    assert_at(
        &p,
        &relative,
        line,
        "section",
        "no FAQ section `gibtsnicht`",
    );
}

#[test]
fn rejects_page_without_front_matter() {
    let c = Content::new();
    c.write("pages/ueber.md", "# Über uns\n\nText.\n");
    let p = c.single_problem();
    assert!(p.file.ends_with("pages/ueber.md"));
    assert!(p.message.contains("front matter is missing"));
    assert!(p.suggestion.as_deref().unwrap_or("").contains("---"));
}

#[test]
fn rejects_yml_extension_instead_of_silently_ignoring_it() {
    let c = Content::new();
    fs::rename(c.path(DM), c.path("offerings/dmessenger.yml")).expect("rename");
    let p = c.single_problem();
    assert!(p.file.ends_with("offerings/dmessenger.yml"));
    assert_eq!(
        p.suggestion.as_deref(),
        Some("rename the file to `dmessenger.yaml`")
    );
}

#[test]
fn reports_every_error_of_every_file_in_one_run() {
    let c = Content::new();
    c.replace(DM, "service_type: saas", "service_type: cloud");
    c.replace(DM, "name: dMessenger", "name: \"\"");
    c.replace(
        "offerings/ddatabox.yaml",
        "provider: dataport",
        "provider: nobody",
    );
    let problems = c.problems();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems.iter().any(|p| p.field == "service_type"));
    assert!(problems.iter().any(|p| p.field == "name"));
    assert!(
        problems
            .iter()
            .any(|p| p.file.ends_with("ddatabox.yaml") && p.field == "provider")
    );
}

mod hostile_files {
    use super::*;

    fn only_problem_for(bytes: Vec<u8>) -> Diagnostic {
        let c = Content::new();
        fs::write(c.path(DM), bytes).expect("write");
        c.single_problem()
    }

    #[test]
    fn alias_bomb_gets_a_clear_error() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..20 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let p = only_problem_for(text.into_bytes());
        assert!(p.message.contains("alias bomb"), "{}", p.message);
    }

    #[test]
    fn fifty_megabyte_file_gets_a_clear_error() {
        let p = only_problem_for(vec![b'#'; 50 * 1024 * 1024]);
        assert!(p.message.contains("too large"), "{}", p.message);
        assert_eq!(p.found.as_deref(), Some("50.0 MiB"));
    }

    #[test]
    fn binary_file_gets_a_clear_error() {
        let p = only_problem_for(vec![0x89, b'P', b'N', b'G', 0, 0, 0, 13]);
        assert!(p.message.contains("binary"), "{}", p.message);
    }

    #[test]
    fn latin1_file_gets_a_clear_error() {
        let p = only_problem_for(b"format: 1\nname: Gr\xfcnfl\xe4chen\n".to_vec());
        assert!(p.message.contains("UTF-8"), "{}", p.message);
        assert_eq!(p.line, 2);
    }

    #[test]
    fn empty_file_gets_a_clear_error() {
        let p = only_problem_for(Vec::new());
        assert!(p.message.contains("empty"), "{}", p.message);
    }

    #[test]
    fn broken_yaml_syntax_names_the_line() {
        let p =
            only_problem_for(b"format: 1\nid: dmessenger\nname: [unclosed\nprovider: x\n".to_vec());
        assert!(p.message.contains("not valid YAML"), "{}", p.message);
        assert!(p.line >= 3, "{p:#?}");
    }
}

#[test]
fn reports_a_missing_maturity_model_and_ignores_a_folder_named_like_an_offering() {
    let content = Content::new();
    fs::remove_file(content.path("maturity-model.yaml")).expect("remove");
    // A folder where an offering file could be is not an offering (and not an error).
    fs::create_dir(content.path("offerings/ordner.yaml")).expect("mkdir");
    let problem = content.single_problem();
    assert_at(
        &problem,
        "maturity-model.yaml",
        1,
        "",
        "this file is missing",
    );
}
