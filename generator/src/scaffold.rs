//! `csp new offering` and `csp schema`: files that providers and editors start from.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, bail};
use catalog::{Catalog, load_catalog, slug::slugify};

/// Writes `content/offerings/<id>.yaml`; refuses to overwrite an existing file.
pub fn run_new_offering(content: &Path, id: &str, provider: &str) -> anyhow::Result<()> {
    if slugify(id) != id {
        bail!(
            "`{id}` ist keine gültige Kennung: erlaubt sind Kleinbuchstaben a–z, Ziffern und einzelne Bindestriche, z. B. `{}`",
            slugify(id)
        );
    }
    let catalog = load_catalog(content).map_err(|problems| {
        anyhow::anyhow!(
            "Die Inhalte in {} enthalten {} Fehler; beheben Sie diese zuerst (`csp check`).",
            content.display(),
            problems.len()
        )
    })?;
    if catalog.provider(provider).is_none() {
        let known: Vec<&str> = catalog.providers.iter().map(|p| p.id.as_str()).collect();
        bail!(
            "Es gibt keinen Anbieter `{provider}`. Vorhanden: {}. Legen Sie sonst zuerst content/providers/{provider}.yaml an.",
            known.join(", ")
        );
    }
    let path = content
        .join(catalog::OFFERINGS_DIR)
        .join(format!("{id}.yaml"));
    if path.exists() {
        bail!(
            "{} gibt es schon; wählen Sie eine andere Kennung.",
            path.display()
        );
    }
    fs::write(&path, offering_skeleton(&catalog, id, provider))
        .with_context(|| format!("{} kann nicht geschrieben werden", path.display()))?;
    println!(
        "Angelegt: {}\nErsetzen Sie alle Platzhalter (TODO …) und prüfen Sie dann mit `csp check`.",
        path.display()
    );
    Ok(())
}

/// A complete offering file: every field, German comments, placeholders marked `TODO`,
/// which `csp check` refuses until they are replaced.
pub fn offering_skeleton(catalog: &Catalog, id: &str, provider: &str) -> String {
    let mut out = String::new();
    let first_category = catalog
        .portfolio
        .categories
        .first()
        .and_then(|c| {
            c.subcategories
                .first()
                .map(|s| format!("{}/{}", c.id, s.id))
        })
        .unwrap_or_default();
    let _ = write!(
        out,
        r#"# yaml-language-server: $schema=../../schema/offering.schema.json
# Angebotsdatei des Cloud-Service-Portals. Feldbeschreibungen: CONTRIBUTING.md.
# Ersetzen Sie jeden Platzhalter "TODO …"; `csp check` meldet alle, die noch fehlen.
format: 1
# Kennung: muss dem Dateinamen entsprechen.
id: {id}
# Name des Dienstes (höchstens 80 Zeichen).
name: "TODO Name des Dienstes"
# Kennung des Anbieters (Datei in content/providers/).
provider: {provider}
# Servicemodell: saas, paas oder iaas.
service_type: saas
# Portfoliokategorien als "<oberkategorie>/<unterkategorie>" aus content/portfolio.yaml.
categories:
  - {first_category}
# Kurzbeschreibung für Kacheln und Suchtreffer (Klartext, höchstens 300 Zeichen).
summary: "TODO Ein bis zwei Sätze: was der Dienst leistet und für wen."
# Ausführliche Beschreibung für die Detailseite (Markdown).
description: |
  TODO Beschreiben Sie den Dienst: Zweck, Zielgruppe, wichtigste Funktionen.
# Schlagwörter für die Suche (optional).
tags: []
# Bereitstellungszeit nach Bestätigung der Bestellung.
provisioning_time: "TODO z. B. 5 Werktage"
# Kundenkreis: bund, land, kommune.
customer_scope: [bund, land, kommune]
# Vertragsmodelle: direktvertrag, umklappvertrag.
contract_models: [direktvertrag]
# Preispläne. Preise netto in Euro als Text in Anführungszeichen mit Punkt: "3.50"; "0" = kostenfrei.
plans:
  - id: standard
    name: Standard
    price: "0"
    # unit ist Pflicht, wenn der Preis nicht "0" ist, z. B. "je Nutzer und Monat".
    # unit: je Nutzer und Monat
    # billing: monthly, yearly, once oder free (free genau dann, wenn der Preis "0" ist).
    billing: free
# Optionen, die Kundinnen und Kunden bei der Bestellung festlegen (optional).
# Typen: integer (mit min/max), choice (mit choices), text, boolean.
options: []
# Dokumente zum Dienst, z. B. die Leistungsbeschreibung (optional).
documents: []
# Servicespezifische Bedingungen (Markdown); werden Teil der Vertragsmappe.
conditions: |
  TODO Nennen Sie die Bedingungen, die für diesen Dienst gelten.
# Selbstauskunft zum DVC-Reifegradmodell.
maturity:
  # Datum der Selbstauskunft (JJJJ-MM-TT).
  assessed: 2026-01-01
  # Alle Minimalkriterien müssen erfüllt sein (true); sonst wird das Angebot nicht gelistet.
  minimal_criteria:
"#
    );
    for criterion in &catalog.maturity_model.minimal_criteria {
        let _ = writeln!(out, "    {}: true   # {}", criterion.id, criterion.name);
    }
    out.push_str(
        "  # Stufenmodell: Stufe je Kriterium. Kriterien, die für das Servicemodell nicht gelten,\n  # dürfen entfallen (z. B. bereitstellung-iaas bei SaaS).\n  levels:\n",
    );
    for dimension in &catalog.maturity_model.dimensions {
        let _ = writeln!(out, "    # {}", dimension.name);
        for criterion in &dimension.criteria {
            let lowest = criterion.levels.first().map_or(1, |l| l.level);
            let _ = writeln!(
                out,
                "    {}: {}   # {} (Stufe {}–{}; gilt für {})",
                criterion.id,
                lowest,
                criterion.name,
                lowest,
                criterion.max_level(),
                criterion
                    .applies_to
                    .iter()
                    .map(|t| t.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    out.push_str(
        r#"# Kontakt zum Support: mindestens eine Angabe.
contact:
  email: "TODO support@example.org"
# published = sichtbar; draft = Entwurf; retired = eingestellt (beides nicht sichtbar).
status: draft
# Datum der letzten Änderung (JJJJ-MM-TT).
updated: 2026-01-01
"#,
    );
    out
}

/// Writes `schema/*.schema.json`, generated from the model types.
pub fn write_schemas(out: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(out)
        .with_context(|| format!("{} kann nicht angelegt werden", out.display()))?;
    for (name, json) in catalog::schema::all_schemas() {
        let path = out.join(name);
        fs::write(&path, json)
            .with_context(|| format!("{} kann nicht geschrieben werden", path.display()))?;
        println!("geschrieben: {}", path.display());
    }
    Ok(())
}
