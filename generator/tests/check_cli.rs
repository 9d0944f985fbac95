//! `csp check` and `csp new offering` as a provider runs them.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod build_support;

use build_support::{copy_dir, sample_content};

fn csp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csp"))
        .args(args)
        .output()
        .expect("run csp")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A copy of the sample content with two mistakes in dmessenger.yaml.
fn broken_content() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&sample_content(), dir.path());
    let file = dir.path().join("offerings/dmessenger.yaml");
    let text = fs::read_to_string(&file).expect("read");
    let text = text
        .replacen("provisioning_time:", "provisoning_time:", 1)
        .replacen("price: \"2.90\"", "price: \"2,90\"", 1);
    fs::write(&file, text).expect("write");
    dir
}

fn line_of(path: &Path, needle: &str) -> usize {
    let text = fs::read_to_string(path).expect("read");
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle")
        + 1
}

#[test]
fn passes_on_the_sample_content() {
    let content = sample_content();
    let output = csp(&["check", "--content", content.to_str().expect("utf-8 path")]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("Alles in Ordnung"));
}

#[test]
fn human_format_shows_the_line_with_a_marker_and_the_suggestion() {
    let dir = broken_content();
    let output = csp(&["check", "--content", dir.path().to_str().expect("path")]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let file = dir.path().join("offerings/dmessenger.yaml");
    let line = line_of(&file, "provisoning_time:");
    assert!(
        text.contains(&format!("dmessenger.yaml:{line}:1")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{line} | provisoning_time:")),
        "{text}"
    );
    assert!(
        text.contains("help: did you mean `provisioning_time`?"),
        "{text}"
    );
    assert!(text.contains("help: write `\"2.90\"`"), "{text}");
    assert!(text.contains("Fehler in 1 Datei gefunden"), "{text}");
}

#[test]
fn json_format_gives_one_object_per_error_with_location_and_field() {
    let dir = broken_content();
    let output = csp(&[
        "check",
        "--content",
        dir.path().to_str().expect("path"),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let errors: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is a JSON object"))
        .collect();
    assert_eq!(errors.len(), 2, "unknown field and bad price: {errors:#?}");
    let price = errors
        .iter()
        .find(|e| e["field"] == "plans[0].price")
        .expect("price error");
    let file = dir.path().join("offerings/dmessenger.yaml");
    assert_eq!(price["line"], line_of(&file, "price: \"2,90\"") as u64);
    assert_eq!(price["column"], 12);
    assert!(
        price["file"]
            .as_str()
            .expect("file")
            .ends_with("offerings/dmessenger.yaml")
    );
    assert_eq!(price["suggestion"], "write `\"2.90\"`");
    assert!(price["message"].as_str().is_some());
}

/// Files are read in parallel, some by the fast YAML reader and some (those with YAML
/// errors) by saphyr-parser: the report lists every problem by file, then line, and is the
/// same on every run.
#[test]
fn errors_of_several_files_come_out_in_file_and_line_order_every_time() {
    let dir = broken_content();
    let edit = |name: &str, from: &str, to: &str| {
        let file = dir.path().join("offerings").join(name);
        let text = fs::read_to_string(&file).expect("read");
        assert!(text.contains(from), "{name} has {from:?}");
        fs::write(&file, text.replacen(from, to, 1)).expect("write");
    };
    edit(
        "api-management.yaml",
        "provisioning_time:",
        "provisoning_time:",
    );
    edit(
        "ausweisident-online.yaml",
        "\nname:",
        "\nname: [nicht geschlossen\nx:",
    );
    edit(
        "backup-as-a-service.yaml",
        "\nstatus:",
        "\nid: doppelt\nstatus:",
    );
    let path = dir.path().to_str().expect("path");
    let first = stdout(&csp(&["check", "--content", path, "--format", "json"]));
    let places: Vec<(String, u64)> = first
        .lines()
        .map(|l| {
            let error: serde_json::Value = serde_json::from_str(l).expect("a JSON object");
            let file = error["file"].as_str().expect("file");
            let name = Path::new(file).file_name().expect("name").to_string_lossy();
            (name.into_owned(), error["line"].as_u64().expect("line"))
        })
        .collect();
    let files: std::collections::BTreeSet<&str> = places.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        [
            "api-management.yaml",
            "ausweisident-online.yaml",
            "backup-as-a-service.yaml",
            "dmessenger.yaml"
        ],
        "{first}"
    );
    let mut sorted = places.clone();
    sorted.sort();
    assert_eq!(places, sorted, "{first}");
    for _ in 0..3 {
        let again = stdout(&csp(&["check", "--content", path, "--format", "json"]));
        assert_eq!(again, first);
    }
    let human = stdout(&csp(&["check", "--content", path]));
    assert!(human.contains("Fehler in 4 Dateien gefunden"), "{human}");
}

#[test]
fn github_format_prints_annotations() {
    let dir = broken_content();
    let output = csp(&[
        "check",
        "--content",
        dir.path().to_str().expect("path"),
        "--format",
        "github",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let file = dir.path().join("offerings/dmessenger.yaml");
    let line = line_of(&file, "provisoning_time:");
    let annotation = text
        .lines()
        .find(|l| l.contains("provisoning_time"))
        .expect("annotation for the unknown field");
    assert!(annotation.starts_with("::error file="), "{annotation}");
    assert!(
        annotation.contains(&format!(",line={line},col=1,")),
        "{annotation}"
    );
    assert!(
        annotation.contains("%0Ahelp: did you mean `provisioning_time`?"),
        "{annotation}"
    );
}

#[test]
fn new_offering_skeleton_is_refused_until_placeholders_are_filled_then_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&sample_content(), dir.path());
    let content = dir.path().to_str().expect("path");
    let output = csp(&[
        "new",
        "offering",
        "mein-dienst",
        "--provider",
        "dataport",
        "--content",
        content,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let file = dir.path().join("offerings/mein-dienst.yaml");
    let skeleton = fs::read_to_string(&file).expect("skeleton written");
    assert!(
        skeleton.starts_with("# yaml-language-server: $schema=../../schema/offering.schema.json")
    );

    let output = csp(&["check", "--content", content, "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let fields: Vec<String> = stdout(&output)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("json")["field"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    for placeholder in [
        "name",
        "summary",
        "description",
        "provisioning_time",
        "conditions",
        "contact.email",
    ] {
        assert!(
            fields.iter().any(|f| f == placeholder),
            "placeholder {placeholder} not reported: {fields:?}"
        );
    }

    let filled = skeleton
        .replace("\"TODO Name des Dienstes\"", "Mein Dienst")
        .replace(
            "\"TODO Ein bis zwei Sätze: was der Dienst leistet und für wen.\"",
            "Ein Dienst für Tests.",
        )
        .replace(
            "TODO Beschreiben Sie den Dienst: Zweck, Zielgruppe, wichtigste Funktionen.",
            "Beschreibung.",
        )
        .replace("\"TODO z. B. 5 Werktage\"", "5 Werktage")
        .replace(
            "TODO Nennen Sie die Bedingungen, die für diesen Dienst gelten.",
            "Keine besonderen.",
        )
        .replace("\"TODO support@example.org\"", "support@example.org");
    fs::write(&file, filled).expect("write");
    let output = csp(&["check", "--content", content]);
    assert!(output.status.success(), "{}", stdout(&output));
}

#[test]
fn new_offering_refuses_unknown_provider_and_existing_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&sample_content(), dir.path());
    let content = dir.path().to_str().expect("path");
    let output = csp(&[
        "new",
        "offering",
        "x",
        "--provider",
        "niemand",
        "--content",
        content,
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("keinen Anbieter `niemand`"));
    let output = csp(&[
        "new",
        "offering",
        "dmessenger",
        "--provider",
        "dataport",
        "--content",
        content,
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("gibt es schon"));
}

#[test]
fn build_with_a_missing_theme_names_the_folder_and_the_reason_once() {
    let out = tempfile::tempdir().expect("tempdir");
    let missing = out.path().join("kein-theme");
    let target = out.path().join("public");
    let output = csp(&[
        "build",
        "--content",
        sample_content().to_str().expect("utf-8 path"),
        "--theme",
        missing.to_str().expect("utf-8 path"),
        "--out",
        target.to_str().expect("utf-8 path"),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("kein-theme"), "{stderr}");
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "the reason once: {stderr}"
    );
    assert!(!target.exists(), "nothing written");
}

#[test]
fn build_says_when_the_public_address_is_missing_and_uses_it_when_given() {
    let out = tempfile::tempdir().expect("tempdir");
    let build = |public_url: Option<&str>, name: &str| {
        let target = out.path().join(name);
        let mut command = Command::new(env!("CARGO_BIN_EXE_csp"));
        command.current_dir(build_support::repo()).args([
            "build",
            "--content",
            sample_content().to_str().expect("utf-8 path"),
            "--out",
            target.to_str().expect("utf-8 path"),
            "--data-out",
            out.path()
                .join(format!("{name}-data"))
                .to_str()
                .expect("utf-8 path"),
        ]);
        command.env_remove("CSP_PUBLIC_URL");
        if let Some(url) = public_url {
            command.env("CSP_PUBLIC_URL", url);
        }
        let output = command.output().expect("run csp");
        assert!(output.status.success(), "{output:?}");
        let robots = fs::read_to_string(target.join("robots.txt")).expect("robots.txt");
        (String::from_utf8_lossy(&output.stderr).into_owned(), robots)
    };
    let (stderr, robots) = build(None, "lokal");
    assert!(
        stderr.contains("CSP_PUBLIC_URL ist nicht gesetzt"),
        "{stderr}"
    );
    assert!(
        robots.contains("http://localhost:8080/sitemap.xml"),
        "{robots}"
    );
    let (stderr, robots) = build(Some("https://portal.example"), "oeffentlich");
    assert!(!stderr.contains("CSP_PUBLIC_URL"), "{stderr}");
    assert!(
        robots.contains("https://portal.example/sitemap.xml"),
        "{robots}"
    );
}
