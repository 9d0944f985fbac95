//! What assistive technology sees: the tagged structure, its link to the drawn content, and
//! the document-level settings that tagged PDF (PDF/UA) asks for.

mod support;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};
use summary_pdf::{Block, render};
use support::*;

fn catalog(doc: &Document) -> &Dictionary {
    doc.catalog().expect("catalog")
}

fn struct_root(doc: &Document) -> &Dictionary {
    let root = catalog(doc).get(b"StructTreeRoot").expect("StructTreeRoot");
    assert!(
        matches!(root, Object::Reference(_)),
        "elements point to the root, so it is indirect"
    );
    dict(doc, root)
}

fn role(element: &Dictionary) -> String {
    name(element.get(b"S").expect("/S"))
}

/// The /K entries of an element, as a list even when there is one.
fn kids<'a>(doc: &'a Document, element: &'a Dictionary) -> Vec<&'a Object> {
    let Ok(k) = element.get(b"K") else {
        return Vec::new();
    };
    match resolve(doc, k) {
        Object::Array(items) => items.iter().collect(),
        _ => vec![k],
    }
}

/// The child elements of an element (skipping marked-content references).
fn child_elements<'a>(doc: &'a Document, element: &'a Dictionary) -> Vec<&'a Dictionary> {
    kids(doc, element)
        .into_iter()
        .filter(|kid| matches!(kid, Object::Reference(_)))
        .map(|kid| dict(doc, kid))
        .filter(|kid| kid.get(b"Type").ok().map(name).as_deref() == Some("StructElem"))
        .collect()
}

fn document_element(doc: &Document) -> &Dictionary {
    let root = struct_root(doc);
    let elements = child_elements(doc, root);
    assert_eq!(elements.len(), 1);
    assert_eq!(role(elements[0]), "Document");
    elements[0]
}

/// The parent-tree array of a page: element per MCID.
fn parent_tree_entry(doc: &Document, page: ObjectId) -> Vec<ObjectId> {
    let key = doc
        .get_dictionary(page)
        .expect("page")
        .get(b"StructParents")
        .expect("StructParents");
    let key = key.as_i64().expect("integer key");
    let tree = dict(
        doc,
        struct_root(doc).get(b"ParentTree").expect("ParentTree"),
    );
    let nums = tree
        .get(b"Nums")
        .expect("flat number tree")
        .as_array()
        .expect("Nums array");
    let value = nums
        .chunks(2)
        .find(|pair| pair[0].as_i64().ok() == Some(key))
        .map(|pair| &pair[1])
        .expect("page has a parent tree entry");
    resolve(doc, value)
        .as_array()
        .expect("array of elements")
        .iter()
        .map(|element| element.as_reference().expect("element reference"))
        .collect()
}

/// Whether `element` lists marked content `mcid` of `page` among its kids.
fn element_owns(doc: &Document, element: &Dictionary, page: ObjectId, mcid: i64) -> bool {
    let home = element.get(b"Pg").and_then(Object::as_reference).ok();
    kids(doc, element).into_iter().any(|kid| match kid {
        Object::Integer(id) => *id == mcid && home == Some(page),
        Object::Dictionary(mcr) => {
            mcr.get(b"MCID").and_then(Object::as_i64).ok() == Some(mcid)
                && mcr.get(b"Pg").and_then(Object::as_reference).ok() == Some(page)
        }
        _ => false,
    })
}

#[test]
fn catalog_declares_a_tagged_document_with_title_and_language() {
    let doc = parse(&render_ok(&order_summary()));
    let catalog = catalog(&doc);
    let mark_info = dict(&doc, catalog.get(b"MarkInfo").expect("MarkInfo"));
    assert_eq!(
        mark_info.get(b"Marked").and_then(Object::as_bool).ok(),
        Some(true)
    );
    assert_eq!(
        text_string(&doc, catalog.get(b"Lang").expect("Lang")),
        "de-DE"
    );
    let preferences = dict(
        &doc,
        catalog
            .get(b"ViewerPreferences")
            .expect("ViewerPreferences"),
    );
    assert_eq!(
        preferences
            .get(b"DisplayDocTitle")
            .and_then(Object::as_bool)
            .ok(),
        Some(true)
    );
    assert_eq!(
        name(struct_root(&doc).get(b"Type").expect("Type")),
        "StructTreeRoot"
    );

    let info = dict(&doc, doc.trailer.get(b"Info").expect("Info"));
    let entry = |key: &[u8]| text_string(&doc, info.get(key).expect("info entry"));
    assert_eq!(
        entry(b"Title"),
        "Vertragsmappe VM-2025-0042 – Bestellübersicht"
    );
    assert_eq!(entry(b"Author"), "Cloud-Service-Portal");
    assert_eq!(entry(b"Subject"), "Übersicht der bestellten Leistungen");
    assert!(entry(b"Producer").starts_with("Cloud-Service-Portal summary-pdf"));
    assert!(
        info.get(b"CreationDate").is_err(),
        "no timestamps: output must be reproducible"
    );
}

#[test]
fn structure_tree_follows_the_reading_order() {
    let doc = parse(&render_ok(&order_summary()));
    let document = document_element(&doc);
    let top: Vec<String> = child_elements(&doc, document)
        .into_iter()
        .map(role)
        .collect();
    assert_eq!(top, ["H1", "H2", "P", "P", "Table", "H3", "L"]);

    let elements = child_elements(&doc, document);
    let table = elements[4];
    let rows = child_elements(&doc, table);
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert_eq!(role(row), "TR");
        let cells = child_elements(&doc, row);
        assert_eq!(
            cells.iter().map(|cell| role(cell)).collect::<Vec<_>>(),
            ["TH", "TD"]
        );
        let attributes = resolve(&doc, cells[0].get(b"A").expect("TH attributes"));
        let attributes = match attributes {
            Object::Array(items) => dict(&doc, &items[0]),
            other => other.as_dict().expect("attribute dictionary"),
        };
        assert_eq!(name(attributes.get(b"O").expect("/O")), "Table");
        assert_eq!(name(attributes.get(b"Scope").expect("/Scope")), "Row");
    }

    let list = elements[6];
    let items = child_elements(&doc, list);
    assert_eq!(items.len(), 2);
    for item in items {
        assert_eq!(role(item), "LI");
        let parts: Vec<String> = child_elements(&doc, item).into_iter().map(role).collect();
        assert_eq!(parts, ["Lbl", "LBody"]);
    }
}

#[test]
fn every_line_is_marked_and_linked_to_its_element_through_the_parent_tree() {
    let doc = parse(&render_ok(&order_summary()));
    let page = page_ids(&doc)[0];
    let entry = parent_tree_entry(&doc, page);
    let mut seen = Vec::new();
    let mut text_of: Vec<(String, String)> = Vec::new();
    for line in lines(&doc, page) {
        if line.tag == "Artifact" {
            continue;
        }
        let mcid = line.mcid.expect("content is marked with an MCID");
        let element_id = entry[usize::try_from(mcid).expect("MCID is small")];
        let element = doc.get_dictionary(element_id).expect("element");
        assert_eq!(
            role(element),
            line.tag,
            "BDC tag matches the element for {:?}",
            line.text
        );
        assert!(
            element_owns(&doc, element, page, mcid),
            "element lists MCID {mcid}"
        );
        if !seen.contains(&mcid) {
            seen.push(mcid);
        }
        text_of.push((line.tag.clone(), line.text.clone()));
    }
    let expected: Vec<i64> = (0..entry.len() as i64).collect();
    assert_eq!(
        seen, expected,
        "MCIDs count up from 0 and each has a parent tree slot"
    );
    assert!(text_of.contains(&(
        "H1".into(),
        "Vertragsmappe VM-2025-0042 – Bestellübersicht".into()
    )));
    assert!(text_of.contains(&("TH".into(), "Größe".into())));
    assert!(text_of.contains(&("TD".into(), "10 TB".into())));
    assert!(text_of.contains(&("Lbl".into(), "•".into())));
    assert!(text_of.contains(&("LBody".into(), "Kündigung zum Monatsende möglich".into())));
    let next_key = struct_root(&doc)
        .get(b"ParentTreeNextKey")
        .and_then(Object::as_i64);
    assert_eq!(next_key.ok(), Some(1));
}

#[test]
fn decoration_and_footer_are_artifacts() {
    let doc = parse(&render_ok(&order_summary()));
    let page = page_ids(&doc)[0];
    let content = Content::decode(&doc.get_page_content(page)).expect("content");
    let mut tags: Vec<String> = Vec::new();
    let mut strokes = 0;
    for operation in &content.operations {
        match operation.operator.as_str() {
            "BDC" | "BMC" => tags.push(name(&operation.operands[0])),
            "EMC" => {
                tags.pop();
            }
            "S" => {
                strokes += 1;
                assert_eq!(
                    tags.last().map(String::as_str),
                    Some("Artifact"),
                    "rules are artifacts"
                );
            }
            "Tj" => assert!(!tags.is_empty(), "no unmarked text"),
            _ => {}
        }
    }
    assert!(
        strokes >= 4,
        "a rule under the title and around the table rows"
    );
}

#[test]
fn a_paragraph_across_a_page_break_stays_one_element() {
    let text = (1..=90)
        .map(|n| format!("Satz {n} über die Leistung."))
        .collect::<Vec<_>>()
        .join(" ");
    let document = summary_pdf::Document {
        title: "Übersicht".into(),
        language: "de".into(),
        blocks: vec![Block::Paragraph(text.repeat(3))],
        ..summary_pdf::Document::default()
    };
    let doc = parse(&render(&document).expect("renders"));
    let pages = page_ids(&doc);
    assert!(pages.len() >= 2);
    let elements = child_elements(&doc, document_element(&doc));
    let roles: Vec<String> = elements.iter().map(|element| role(element)).collect();
    assert_eq!(roles, ["H1", "P"]);
    let paragraph = elements[1];
    for &page in &pages {
        let entry = parent_tree_entry(&doc, page);
        let lines = lines(&doc, page);
        let line = lines
            .iter()
            .find(|line| line.tag == "P")
            .expect("paragraph text on every page");
        let mcid = line.mcid.expect("MCID");
        let owner = doc
            .get_dictionary(entry[usize::try_from(mcid).expect("small")])
            .expect("element");
        assert!(
            std::ptr::eq(owner, paragraph),
            "page {page:?} points to the same P"
        );
        assert!(element_owns(&doc, paragraph, page, mcid));
    }
}

#[test]
fn text_with_replaced_characters_keeps_the_original_as_actual_text() {
    let document = summary_pdf::Document {
        title: "Übersicht".into(),
        language: "de".into(),
        blocks: vec![Block::Paragraph(
            "Ansprechpartnerin: Agnieszka Łukasiewicz ✓".into(),
        )],
        ..summary_pdf::Document::default()
    };
    let doc = parse(&render(&document).expect("renders"));
    let elements = child_elements(&doc, document_element(&doc));
    let paragraph = elements[1];
    let actual = text_string(&doc, paragraph.get(b"ActualText").expect("ActualText"));
    assert_eq!(actual, "Ansprechpartnerin: Agnieszka Łukasiewicz ✓");
    assert!(
        elements[0].get(b"ActualText").is_err(),
        "only where glyphs were replaced"
    );
    let drawn = content_text(&doc, page_ids(&doc)[0]);
    assert!(drawn.contains("Agnieszka ?ukasiewicz ?"), "{drawn}");
}
