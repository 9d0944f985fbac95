//! What a reader of the PDF sees: the text, the pages and their footers, the line breaks.

mod support;

use summary_pdf::{Block, Document, MAX_PAGES, PdfError, render};
use support::*;

#[test]
fn german_text_with_umlauts_euro_and_quotes_comes_back_out() {
    let doc = parse(&render_ok(&order_summary()));
    let pages = page_ids(&doc);
    assert_eq!(pages.len(), 1);
    let text = content_text(&doc, pages[0]);
    for expected in [
        "Vertragsmappe VM-2025-0042 – Bestellübersicht",
        "Die Behörde bestellt „Objektspeicher“ für die Straßenverkehrsbehörde.",
        "Der Preis beträgt 1.200,00 € pro Monat – zzgl. Umsatzsteuer…",
        "Größe",
        "1.200,00 € pro Monat",
        "Kündigung zum Monatsende möglich",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in {text:?}");
    }
    // lopdf's own text extraction agrees, so other readers will too.
    let extracted = doc.extract_text(&[1]).expect("lopdf extracts text");
    assert!(extracted.contains("ausschließlich"), "{extracted}");
    assert!(extracted.contains("„Objektspeicher“"), "{extracted}");
}

#[test]
fn content_streams_hold_winansi_bytes() {
    let doc = parse(&render_ok(&order_summary()));
    let lines = lines(&doc, page_ids(&doc)[0]);
    let price = lines
        .iter()
        .find(|line| line.text == "1.200,00 € pro Monat")
        .expect("price line");
    assert_eq!(price.bytes, b"1.200,00 \x80 pro Monat");
    let quote = lines
        .iter()
        .find(|line| line.text.contains("Objektspeicher“"))
        .expect("quote line");
    assert!(
        quote.bytes.windows(2).any(|pair| pair == b"\x84O"),
        "„ is 0x84"
    );
    assert!(quote.bytes.contains(&0x93), "“ is 0x93");
    assert!(
        quote.bytes.contains(&0xF6) && quote.bytes.contains(&0xDF),
        "ö and ß are Latin-1"
    );
}

#[test]
fn wrapped_lines_read_back_word_for_word() {
    let paragraph =
        "Die Leistung wird im Rechenzentrum des Anbieters erbracht, gesichert und überwacht."
            .repeat(6)
            .replace(".D", ". D");
    let document = Document {
        title: "Übersicht".into(),
        language: "de".into(),
        blocks: vec![
            Block::Paragraph(paragraph.clone()),
            Block::Facts(vec![(
                "Anschrift".into(),
                "Landesamt\nPostfach 12 34\n12345 Musterstadt".into(),
            )]),
        ],
        ..Document::default()
    };
    let doc = parse(&render_ok(&document));
    let lines = lines(&doc, page_ids(&doc)[0]);
    let text_of = |tag: &str| {
        lines
            .iter()
            .filter(|line| line.tag == tag)
            .map(|line| line.text.as_str())
            .collect::<String>()
    };
    assert!(
        lines.iter().filter(|line| line.tag == "P").count() >= 4,
        "the paragraph wraps"
    );
    // A reader joining the lines of the P gets the sentence back, not "erbracht,gesichert".
    assert_eq!(text_of("P"), paragraph);
    assert_eq!(text_of("TD"), "Landesamt Postfach 12 34 12345 Musterstadt");
}

#[test]
fn fonts_are_helvetica_and_helvetica_bold() {
    let doc = parse(&render_ok(&order_summary()));
    let lines = lines(&doc, page_ids(&doc)[0]);
    let font_of = |text: &str| {
        lines
            .iter()
            .find(|line| line.text.starts_with(text))
            .map(|line| line.font.clone())
    };
    assert_eq!(font_of("Vertragsmappe").as_deref(), Some("Helvetica-Bold"));
    assert_eq!(font_of("Leistung").as_deref(), Some("Helvetica-Bold"));
    assert_eq!(font_of("Objektspeicher (S3").as_deref(), Some("Helvetica"));
    assert_eq!(font_of("Die Behörde").as_deref(), Some("Helvetica"));
}

fn long_document(paragraphs: usize) -> Document {
    let mut blocks = Vec::new();
    for index in 1..=paragraphs {
        if index % 10 == 1 {
            blocks.push(Block::Heading {
                level: 2,
                text: format!("Abschnitt {}", index / 10 + 1),
            });
        }
        blocks.push(Block::Paragraph(format!(
            "Absatz {index}: Die Leistung wird im Rechenzentrum des Anbieters erbracht, \
             gesichert und überwacht. Änderungen werden rechtzeitig angekündigt."
        )));
    }
    Document {
        title: "Lange Übersicht".into(),
        language: "de".into(),
        blocks,
        ..Document::default()
    }
}

#[test]
fn long_document_spans_pages_with_seite_n_von_m_footers() {
    let doc = parse(&render_ok(&long_document(120)));
    let pages = page_ids(&doc);
    assert!(
        pages.len() >= 4,
        "120 paragraphs fill several pages, got {}",
        pages.len()
    );
    let count = pages.len();
    for (index, &page) in pages.iter().enumerate() {
        let footers: Vec<Line> = lines(&doc, page)
            .into_iter()
            .filter(|line| line.text.starts_with("Seite "))
            .collect();
        assert_eq!(footers.len(), 1, "one footer on page {}", index + 1);
        let footer = &footers[0];
        assert_eq!(footer.text, format!("Seite {} von {count}", index + 1));
        assert_eq!(footer.tag, "Artifact", "screen readers skip the footer");
        assert_eq!(footer.artifact_type.as_deref(), Some("Pagination"));
        assert!(
            footer.y < 56.0,
            "footer below the text area, at y = {}",
            footer.y
        );
    }
    // Nothing is lost or repeated across page breaks.
    let all: String = pages.iter().map(|&page| content_text(&doc, page)).collect();
    for index in 1..=120 {
        assert_eq!(
            all.matches(&format!("Absatz {index}:")).count(),
            1,
            "Absatz {index}"
        );
    }
    // Text stays above the footer and below the top margin.
    for &page in &pages {
        for line in lines(&doc, page)
            .iter()
            .filter(|line| line.tag != "Artifact")
        {
            assert!(line.y > 70.0 && line.y < 841.89 - 56.0, "{line:?}");
        }
    }
}

#[test]
fn a_heading_is_never_the_last_line_of_a_page() {
    // Vary the amount of text before each heading so headings fall at many page positions.
    for paragraphs in 35..=75 {
        let doc = parse(&render_ok(&long_document(paragraphs)));
        for &page in &page_ids(&doc) {
            let lines = lines(&doc, page);
            let last = lines
                .iter()
                .rev()
                .find(|line| line.tag != "Artifact")
                .expect("page has text");
            assert_ne!(
                last.tag, "H2",
                "{paragraphs} paragraphs: heading {:?} alone at the bottom",
                last.text
            );
        }
    }
}

#[test]
fn a_very_long_word_wraps_inside_the_right_margin() {
    let word = "W".repeat(500);
    let document = Document {
        title: format!("Titel {word}"),
        language: "de-DE".into(),
        blocks: vec![
            Block::Paragraph(format!("aaa {word} aaa")),
            Block::Facts(vec![(format!("Wall{word}"), word.clone())]),
            Block::List(vec![word.clone()]),
        ],
        ..Document::default()
    };
    let doc = parse(&render_ok(&document));
    let mut ws = 0;
    for &page in &page_ids(&doc) {
        for line in lines(&doc, page)
            .iter()
            .filter(|line| line.tag != "Artifact")
        {
            if line.text.starts_with("Titel") {
                ws += line.text.matches('W').count();
                continue;
            }
            let right = line.x + helvetica_width(line);
            assert!(
                right <= RIGHT_EDGE + 0.01,
                "{:?} ends at {right} beyond {RIGHT_EDGE}",
                line.text
            );
            assert!(line.x >= 70.0, "{line:?} starts left of the margin");
            ws += line.text.matches('W').count();
        }
    }
    // Title, paragraph, label ("Wall" + word), value and list item: every W is drawn.
    assert_eq!(ws, 5 * 500 + 1);
}

#[test]
fn a_fact_longer_than_a_page_continues_on_the_next() {
    let value: Vec<String> = (1..=80).map(|n| format!("Standort {n}")).collect();
    let document = Document {
        title: "Standorte".into(),
        language: "de".into(),
        blocks: vec![Block::Facts(vec![
            ("Kurz".into(), "eine Zeile".into()),
            ("Standorte".into(), value.join("\n")),
            ("Danach".into(), "noch eine Zeile".into()),
        ])],
        ..Document::default()
    };
    let doc = parse(&render_ok(&document));
    let pages = page_ids(&doc);
    assert_eq!(pages.len(), 2);
    let cells: Vec<Line> = pages
        .iter()
        .flat_map(|&page| lines(&doc, page))
        .filter(|line| line.tag == "TD")
        .collect();
    let texts: Vec<&str> = cells.iter().map(|line| line.text.trim_end()).collect();
    assert_eq!(texts.len(), 82);
    assert_eq!(
        texts[1..81],
        value.iter().map(String::as_str).collect::<Vec<_>>()[..]
    );
    assert_eq!(texts[81], "noch eine Zeile");
}

#[test]
fn characters_outside_winansi_become_question_marks_without_panicking() {
    let nasty = "Łódź 😀 中文 עברית \u{0301}\u{0000}\u{200B}\u{FFFF}";
    let document = Document {
        title: nasty.into(),
        author: nasty.into(),
        subject: nasty.into(),
        language: "pl".into(),
        blocks: vec![
            Block::Heading {
                level: 3,
                text: nasty.into(),
            },
            Block::Paragraph(nasty.into()),
            Block::Facts(vec![
                (nasty.into(), nasty.into()),
                (String::new(), String::new()),
            ]),
            Block::List(vec![nasty.into(), String::new(), "  ".into()]),
        ],
    };
    let doc = parse(&render_ok(&document));
    let text = content_text(&doc, page_ids(&doc)[0]);
    assert!(text.contains("?ód? ? ?? ????? ??"), "{text}");
    // The metadata keeps the real characters: it is a Unicode text string.
    let info = dict(&doc, doc.trailer.get(b"Info").expect("Info"));
    assert_eq!(text_string(&doc, info.get(b"Title").expect("Title")), nasty);
}

#[test]
fn identical_input_gives_identical_bytes() {
    let first = render_ok(&order_summary());
    let second = render_ok(&order_summary());
    assert_eq!(first, second);
    let mut changed = order_summary();
    changed.title.push('!');
    assert_ne!(first, render_ok(&changed));
}

#[test]
fn rejects_documents_a_reader_could_not_use() {
    let mut document = order_summary();
    document.title = "  ".into();
    assert!(matches!(render(&document), Err(PdfError::EmptyTitle)));

    let mut document = order_summary();
    document.language = "de_DE".into();
    let error = render(&document).expect_err("underscore is not BCP 47");
    assert!(error.to_string().contains("`de_DE`"), "{error}");

    for level in [0, 1, 4] {
        let mut document = order_summary();
        document.blocks.push(Block::Heading {
            level,
            text: "Anhang".into(),
        });
        let error = render(&document).expect_err("only H2 and H3");
        assert!(matches!(error, PdfError::InvalidHeadingLevel { level: l, .. } if l == level));
        assert!(error.to_string().contains("Anhang"), "{error}");
    }
}

#[test]
fn refuses_runaway_documents() {
    let paragraph = Block::Paragraph("Zeile\n".repeat(60));
    let document = Document {
        title: "Zu lang".into(),
        language: "de".into(),
        blocks: vec![paragraph; MAX_PAGES + 1],
        ..Document::default()
    };
    assert!(matches!(
        render(&document),
        Err(PdfError::TooManyPages { .. })
    ));
}
