//! The range vocabulary shared by every host: `N`, `A:B`, `A:`, `:B` for lines (1-based,
//! inclusive) and `A:B` for bytes (0-based, end-exclusive).

use std::ops::{Range, RangeInclusive};
use std::str::FromStr;

use crate::error::EditError;

/// A line range as written by a person: `N`, `A:B`, `A:` (to the last line) or `:B` (from the
/// first). Lines are 1-based and both ends are inclusive.
///
/// # Example
///
/// ```
/// use bigedit_core::LineRange;
///
/// let r: LineRange = "10:".parse().unwrap();
/// assert_eq!(r.resolve(12).unwrap(), 10..=12);
/// assert_eq!("7".parse::<LineRange>().unwrap().resolve(12).unwrap(), 7..=7);
/// assert!("13".parse::<LineRange>().unwrap().resolve(12).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRange {
    /// First line, or `None` for "from line 1".
    pub start: Option<u64>,
    /// Last line, or `None` for "to the last line".
    pub end: Option<u64>,
}

impl LineRange {
    /// The single line `n`.
    pub fn line(n: u64) -> Self {
        LineRange { start: Some(n), end: Some(n) }
    }

    /// Lines `a` through `b`, inclusive.
    pub fn new(a: u64, b: u64) -> Self {
        LineRange { start: Some(a), end: Some(b) }
    }

    /// The concrete 1-based inclusive range in a document of `lines` lines.
    ///
    /// # Errors
    ///
    /// [`EditError::LineZero`], [`EditError::ReversedLines`] or [`EditError::LinePastEnd`].
    pub fn resolve(&self, lines: u64) -> Result<RangeInclusive<u64>, EditError> {
        let start = self.start.unwrap_or(1);
        let end = self.end.unwrap_or(lines);
        if start == 0 || self.end == Some(0) {
            return Err(EditError::LineZero);
        }
        if let (Some(a), Some(b)) = (self.start, self.end) {
            if a > b {
                return Err(EditError::ReversedLines { start: a, end: b });
            }
        }
        if start > lines {
            return Err(EditError::LinePastEnd { line: start, lines });
        }
        if end > lines {
            return Err(EditError::LinePastEnd { line: end, lines });
        }
        Ok(start..=end)
    }
}

const LINE_SYNTAX: &str = "N, A:B, A: or :B with 1-based line numbers";
const BYTE_SYNTAX: &str = "A:B with 0-based byte offsets, end exclusive";

fn parse_num(s: &str) -> Option<u64> {
    let s = s.trim().replace('_', "");
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl FromStr for LineRange {
    type Err = EditError;

    fn from_str(text: &str) -> Result<Self, EditError> {
        let bad = || EditError::BadRange {
            what: "line range",
            text: text.to_string(),
            expected: LINE_SYNTAX,
        };
        let part = |s: &str| {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                parse_num(s).map(Some).ok_or_else(bad)
            }
        };
        match text.split_once(':') {
            None => {
                let n = parse_num(text).ok_or_else(bad)?;
                Ok(LineRange::line(n))
            }
            Some((a, b)) => {
                let (start, end) = (part(a)?, part(b)?);
                if start.is_none() && end.is_none() {
                    return Err(bad());
                }
                Ok(LineRange { start, end })
            }
        }
    }
}

/// Parses a byte range `A:B` (0-based, end-exclusive).
///
/// # Example
///
/// ```
/// assert_eq!(bigedit_core::parse_byte_range("5:9").unwrap(), 5..9);
/// assert!(bigedit_core::parse_byte_range("9:5").is_err());
/// ```
///
/// # Errors
///
/// [`EditError::BadRange`] or [`EditError::ReversedBytes`].
pub fn parse_byte_range(text: &str) -> Result<Range<u64>, EditError> {
    let bad = || EditError::BadRange {
        what: "byte range",
        text: text.to_string(),
        expected: BYTE_SYNTAX,
    };
    let (a, b) = text.split_once(':').ok_or_else(bad)?;
    let (start, end) = (parse_num(a).ok_or_else(bad)?, parse_num(b).ok_or_else(bad)?);
    if start > end {
        return Err(EditError::ReversedBytes { start, end });
    }
    Ok(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let p = |s: &str| s.parse::<LineRange>().unwrap();
        assert_eq!(p("3"), LineRange::new(3, 3));
        assert_eq!(p("3:5"), LineRange::new(3, 5));
        assert_eq!(p("3:"), LineRange { start: Some(3), end: None });
        assert_eq!(p(":5"), LineRange { start: None, end: Some(5) });
        assert_eq!(p("1_000"), LineRange::new(1000, 1000));
        for bad in ["", ":", "a", "3:x", "-1", "1:2:3", " : "] {
            assert!(bad.parse::<LineRange>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn resolves_against_the_line_count() {
        let p = |s: &str| s.parse::<LineRange>().unwrap();
        assert_eq!(p(":5").resolve(9).unwrap(), 1..=5);
        assert_eq!(p("4:").resolve(9).unwrap(), 4..=9);
        assert_eq!(p("0").resolve(9), Err(EditError::LineZero));
        assert_eq!(p("5:4").resolve(9), Err(EditError::ReversedLines { start: 5, end: 4 }));
        assert_eq!(p("900").resolve(712), Err(EditError::LinePastEnd { line: 900, lines: 712 }));
        assert_eq!(p("1").resolve(0), Err(EditError::LinePastEnd { line: 1, lines: 0 }));
        assert_eq!(
            EditError::LinePastEnd { line: 900, lines: 712 }.to_string(),
            "line 900 is past the end: the document has 712 lines"
        );
    }

    #[test]
    fn byte_ranges() {
        assert_eq!(parse_byte_range("0:0").unwrap(), 0..0);
        assert!(parse_byte_range("5").is_err());
        assert_eq!(parse_byte_range("7:3"), Err(EditError::ReversedBytes { start: 7, end: 3 }));
    }
}
