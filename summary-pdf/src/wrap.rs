//! Line breaking by the real glyph widths of the fonts.

use crate::winansi::{self, Font};

/// Breaks encoded text into lines no wider than `max_width` at `size`: at spaces, after
/// hyphens, and inside a word only where the word alone is wider than a line.
///
/// A line broken at a space keeps that space at its end, outside the measured width (it is
/// invisible there). Text extraction and screen readers join the lines of an element as they
/// are; without it, "die" at the end of a line and "Bestellung" on the next would read as
/// "dieBestellung".
pub(crate) fn wrap(text: &[u8], font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
    // Work in thousandths of the font size; rounding down keeps every line inside.
    let max = (max_width * 1000.0 / size).max(0.0) as u64;
    let space = winansi::units(font, b" ");
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let mut width = 0;
    for word in text
        .split(|&byte| byte == b' ')
        .filter(|word| !word.is_empty())
    {
        for (index, piece) in word.split_inclusive(|&byte| byte == b'-').enumerate() {
            let gap = if index == 0 && !line.is_empty() {
                space
            } else {
                0
            };
            let piece_width = winansi::units(font, piece);
            if width + gap + piece_width <= max {
                if gap > 0 {
                    line.push(b' ');
                }
                line.extend_from_slice(piece);
                width += gap + piece_width;
                continue;
            }
            if !line.is_empty() {
                if index == 0 {
                    line.push(b' ');
                }
                lines.push(std::mem::take(&mut line));
                width = 0;
            }
            // Longer than a whole line: as many glyphs per line as fit, at least one.
            for &byte in piece {
                let glyph = winansi::units(font, &[byte]);
                if width + glyph > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    width = 0;
                }
                line.push(byte);
                width += glyph;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap_str(text: &str, width: f32) -> Vec<String> {
        let encoded = winansi::encode(text);
        wrap(&encoded.bytes, Font::Regular, 10.0, width)
            .into_iter()
            .map(|line| String::from_utf8_lossy(&line).into_owned())
            .collect()
    }

    #[test]
    fn wraps_at_spaces_by_glyph_width() {
        // "aaa" is 16.68 pt at 10 pt, a space 2.78 pt: two words need 36.14 pt.
        assert_eq!(wrap_str("aaa aaa aaa", 36.2), ["aaa aaa ", "aaa"]);
        assert_eq!(wrap_str("aaa aaa aaa", 36.0), ["aaa ", "aaa ", "aaa"]);
        assert_eq!(wrap_str("  aaa   aaa ", 100.0), ["aaa aaa"]);
        assert!(wrap_str("   ", 100.0).is_empty());
    }

    #[test]
    fn breaks_after_hyphens_before_breaking_inside_words() {
        assert_eq!(
            wrap_str("Cloud-Service-Portal", 60.0),
            ["Cloud-", "Service-", "Portal"]
        );
        assert_eq!(
            wrap_str("aaa Cloud-Service", 60.0),
            ["aaa Cloud-", "Service"]
        );
    }

    #[test]
    fn breaks_words_longer_than_a_line() {
        let lines = wrap_str(&"W".repeat(25), 50.0);
        // W is 9.44 pt wide at 10 pt: five fit into 50 pt.
        assert_eq!(lines, ["WWWWW"; 5]);
        // Even a line narrower than one glyph takes one glyph, so wrapping ends.
        assert_eq!(wrap_str("WW", 1.0), ["W", "W"]);
    }
}
