//! WinAnsiEncoding and the glyph widths of Helvetica and Helvetica-Bold.
//!
//! The PDF uses two of the standard 14 fonts without embedding them, which keeps the file and
//! the function binary small. The price: only the glyphs of WinAnsiEncoding can be shown, and
//! text has to be measured with the fonts' published AFM metrics, which live here.

/// The two fonts the layout uses; both are standard 14 fonts every PDF reader has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Font {
    /// Helvetica, for body text and values.
    Regular,
    /// Helvetica-Bold, for headings and the labels of facts.
    Bold,
}

impl Font {
    /// The PostScript name written as `/BaseFont`.
    pub(crate) fn base_font(self) -> &'static [u8] {
        match self {
            Font::Regular => b"Helvetica",
            Font::Bold => b"Helvetica-Bold",
        }
    }

    /// The name under which each page's resources list the font.
    pub(crate) fn resource_name(self) -> &'static [u8] {
        match self {
            Font::Regular => b"F1",
            Font::Bold => b"F2",
        }
    }

    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        }
    }
}

/// What a character without a WinAnsi glyph and without an obvious look-alike becomes.
pub(crate) const FALLBACK: u8 = b'?';

/// The WinAnsi code of the bullet, used as the label of list items.
pub(crate) const BULLET: u8 = 0x95;

/// Text encoded for a WinAnsi font.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Encoded {
    /// One byte per glyph.
    pub(crate) bytes: Vec<u8>,
    /// Whether a visible character had to be replaced, so the printed glyphs no longer say
    /// exactly what the text said (the caller then records the original as `/ActualText`).
    pub(crate) lossy: bool,
}

/// Encodes `text` to WinAnsi. Never fails: characters outside the encoding become a look-alike
/// (thin spaces, typographic hyphens, the minus sign) or [`FALLBACK`]; invisible format and
/// control characters are dropped; tabs and line breaks become spaces.
pub(crate) fn encode(text: &str) -> Encoded {
    let mut encoded = Encoded {
        bytes: Vec::with_capacity(text.len()),
        lossy: false,
    };
    for c in text.chars() {
        if let Some(byte) = encode_char(c) {
            encoded.bytes.push(byte);
            continue;
        }
        match substitute(c) {
            Substitute::Same(byte) => encoded.bytes.push(byte),
            Substitute::LookAlike(byte) => {
                encoded.bytes.push(byte);
                encoded.lossy = true;
            }
            Substitute::Drop => {}
        }
    }
    encoded
}

/// The WinAnsi code of `c`, if the encoding has a glyph for it.
pub(crate) fn encode_char(c: char) -> Option<u8> {
    let byte = match c {
        // ASCII and Latin-1 map one to one (the soft hyphen is handled by `substitute`).
        ' '..='~' | '\u{A0}'..='\u{AC}' | '\u{AE}'..='\u{FF}' => return u8::try_from(c).ok(),
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(byte)
}

enum Substitute {
    /// Looks and reads the same (e.g. a tab shown as a space).
    Same(u8),
    /// A visible change: the glyph differs from the character.
    LookAlike(u8),
    /// Invisible: zero-width and control characters, the soft hyphen.
    Drop,
}

fn substitute(c: char) -> Substitute {
    match c {
        '\t' | '\n' | '\r' => Substitute::Same(b' '),
        // En quad to hair space, medium mathematical space, ideographic space.
        '\u{2000}'..='\u{2006}' | '\u{2008}'..='\u{200A}' | '\u{205F}' | '\u{3000}' => {
            Substitute::Same(b' ')
        }
        // Figure space and narrow no-break space must not break either.
        '\u{2007}' | '\u{202F}' => Substitute::Same(0xA0),
        '\u{2010}' | '\u{2011}' => Substitute::Same(b'-'),
        '\u{2212}' => Substitute::LookAlike(b'-'),
        '\u{2012}' => Substitute::LookAlike(0x96),
        '\u{2015}' => Substitute::LookAlike(0x97),
        '\u{201B}' => Substitute::LookAlike(0x91),
        '\u{201F}' => Substitute::LookAlike(0x93),
        '\u{2032}' => Substitute::LookAlike(b'\''),
        '\u{2033}' => Substitute::LookAlike(b'"'),
        '\u{2023}' | '\u{2043}' | '\u{25AA}' | '\u{25CF}' => Substitute::LookAlike(BULLET),
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => Substitute::Drop,
        c if c.is_control() => Substitute::Drop,
        _ => Substitute::LookAlike(FALLBACK),
    }
}

/// The advance width of one WinAnsi code in thousandths of the font size (0 for codes
/// without a glyph).
pub(crate) fn glyph_width(font: Font, byte: u8) -> u16 {
    usize::from(byte)
        .checked_sub(32)
        .and_then(|index| font.widths().get(index))
        .copied()
        .unwrap_or(0)
}

/// The width of encoded text in thousandths of the font size. Integer arithmetic keeps line
/// breaks exact and the output deterministic.
pub(crate) fn units(font: Font, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .map(|&byte| u64::from(glyph_width(font, byte)))
        .sum()
}

/// The width of encoded text in points at `size`.
pub(crate) fn text_width(font: Font, bytes: &[u8], size: f32) -> f32 {
    // Text widths stay far below 2^24 units, where f32 would lose integer precision.
    units(font, bytes) as f32 * size / 1000.0
}

// Advance widths for the WinAnsi codes 32..=255, from the AFM files Adobe publishes for the
// standard 14 fonts (Helvetica.afm, Helvetica-Bold.afm). The codes 0x81, 0x8D,
// 0x8F, 0x90 and 0x9D have no glyph in WinAnsiEncoding, DEL (0x7F) none either; the Euro sign,
// missing in older AFM files, has the width of the digits as in the newer ones.
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0, // 0x70
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xF0
];
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0, // 0x70
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xF0
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_text_maps_to_winansi_codes() {
        let encoded = encode("Größe: 5 € „Maß“ – ‚ja‘ …");
        assert_eq!(
            encoded.bytes,
            [
                b'G', b'r', 0xF6, 0xDF, b'e', b':', b' ', b'5', b' ', 0x80, b' ', 0x84, b'M', b'a',
                0xDF, 0x93, b' ', 0x96, b' ', 0x82, b'j', b'a', 0x91, b' ', 0x85
            ]
        );
        assert!(!encoded.lossy);
        assert_eq!(
            encode("ÄÖÜäöüß").bytes,
            [0xC4, 0xD6, 0xDC, 0xE4, 0xF6, 0xFC, 0xDF]
        );
        assert_eq!(encode("”—•’").bytes, [0x94, 0x97, 0x95, 0x92]);
    }

    #[test]
    fn unsupported_characters_fall_back_without_panicking() {
        let encoded = encode("Łódź 😀 中文 ∑");
        assert_eq!(encoded.bytes, b"?\xF3d? ? ?? ?");
        assert!(encoded.lossy);
    }

    #[test]
    fn look_alikes_replace_typographic_variants() {
        let encoded = encode("a\u{2212}b\u{202F}c\u{2011}d\te");
        assert_eq!(encoded.bytes, b"a-b\xA0c-d e");
        assert!(encoded.lossy, "the minus sign is shown as a hyphen");
        assert!(!encode("x\u{2011}y").lossy);
    }

    #[test]
    fn invisible_characters_are_dropped() {
        let encoded = encode("Ver\u{00AD}trag\u{200B}s\u{0007}\u{FEFF}");
        assert_eq!(encoded.bytes, b"Vertrags");
        assert!(!encoded.lossy);
    }

    #[test]
    fn every_encodable_character_has_a_width() {
        for c in (' '..='~')
            .chain('\u{A0}'..='\u{FF}')
            .chain("€„“”‚‘’–—…•ŠšŽžŒœŸ™‰†‡ƒˆ˜‹›".chars())
        {
            if c == '\u{AD}' {
                continue;
            }
            let byte = encode_char(c).unwrap_or(0);
            assert!(
                glyph_width(Font::Regular, byte) > 0,
                "{c:?} has no regular width"
            );
            assert!(glyph_width(Font::Bold, byte) > 0, "{c:?} has no bold width");
        }
    }

    #[test]
    fn widths_match_the_afm_metrics() {
        let regular = |c: char| glyph_width(Font::Regular, encode_char(c).unwrap_or(0));
        let bold = |c: char| glyph_width(Font::Bold, encode_char(c).unwrap_or(0));
        assert_eq!(regular(' '), 278);
        assert_eq!(regular('\''), 191);
        assert_eq!(regular('-'), 333);
        assert_eq!(regular('@'), 1015);
        assert_eq!(regular('W'), 944);
        assert_eq!(regular('i'), 222);
        assert_eq!(regular('ä'), 556);
        assert_eq!(regular('ß'), 611);
        assert_eq!(regular('€'), 556);
        assert_eq!(regular('„'), 333);
        assert_eq!(regular('•'), 350);
        assert_eq!(regular('—'), 1000);
        assert_eq!(bold('\''), 238);
        assert_eq!(bold('i'), 278);
        assert_eq!(bold('„'), 500);
        assert_eq!(bold('ü'), 611);
        assert_eq!(bold('Ä'), 722);
        assert_eq!(glyph_width(Font::Regular, 0x81), 0);
        assert_eq!(glyph_width(Font::Regular, b'\n'), 0);
    }

    #[test]
    fn text_width_adds_glyphs_at_the_font_size() {
        assert_eq!(units(Font::Regular, b"Haus"), 722 + 556 + 556 + 500);
        // Bold: H 722, a 556, u 611, s 556.
        let width = text_width(Font::Bold, b"Haus", 10.0);
        assert!((width - 24.45).abs() < 1e-4, "{width}");
    }
}
