//! The range vocabulary shared by every host. Lines (1-based, inclusive): `N`, `A:B`, `A:`,
//! `:B`, and counted from the end `-N` (the Nth line from the end: `-1` is the last), `-N:`
//! (the last N lines), `A:-B`, and `A:+N` (A and the N lines after it). Bytes (0-based,
//! end-exclusive): `A:B`.

use std::ops::{Range, RangeInclusive};
use std::str::FromStr;

use crate::error::EditError;

/// Where a line range starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Line 1 (`:B`).
    First,
    /// A 1-based line number.
    Line(u64),
    /// The Nth line from the end (`-N`; 1 is the last line).
    FromEnd(u64),
}

/// Where a line range ends (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The last line (`A:`).
    Last,
    /// A 1-based line number.
    Line(u64),
    /// The Nth line from the end (`-N`; 1 is the last line).
    FromEnd(u64),
    /// N lines after the start (`+N`), stopping at the last line as `sed -n 'A,+Np'` does.
    After(u64),
}

/// A line range as written by a person: `N`, `A:B`, `A:` (to the last line), `:B` (from the
/// first), `-N` (the Nth line from the end), `-N:` (the last N lines), `A:-B` and `A:+N`.
/// Lines are 1-based and both ends are inclusive.
///
/// `-N:` asks for at most N lines, as `tail -n N` does: a shorter document gives all its
/// lines (an empty one has none to give, and is an error like any range in it). Any other
/// line before the first or after the last is an error.
///
/// # Example
///
/// ```
/// use bigedit_core::LineRange;
///
/// let r = |s: &str| s.parse::<LineRange>().unwrap();
/// assert_eq!(r("10:").resolve(12).unwrap(), 10..=12);
/// assert_eq!(r("7").resolve(12).unwrap(), 7..=7);
/// assert_eq!(r("-3:").resolve(12).unwrap(), 10..=12);
/// assert_eq!(r("-1").resolve(12).unwrap(), 12..=12);
/// assert_eq!(r("2:-2").resolve(12).unwrap(), 2..=11);
/// assert_eq!(r("5:+2").resolve(12).unwrap(), 5..=7);
/// assert!(r("13").resolve(12).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRange {
    /// Where it starts.
    pub start: Start,
    /// Where it ends.
    pub end: End,
}

impl LineRange {
    /// The single line `n`.
    pub fn line(n: u64) -> Self {
        LineRange { start: Start::Line(n), end: End::Line(n) }
    }

    /// Lines `a` through `b`, inclusive.
    pub fn new(a: u64, b: u64) -> Self {
        LineRange { start: Start::Line(a), end: End::Line(b) }
    }

    /// The first line and the last (`None`: to the end) when they are known without counting
    /// the document's lines, that is when neither end counts from the end; `None` otherwise.
    ///
    /// # Errors
    ///
    /// [`EditError::LineZero`] or [`EditError::ReversedLines`].
    pub fn from_start(&self) -> Result<Option<(u64, Option<u64>)>, EditError> {
        let first = match self.start {
            Start::First => 1,
            Start::Line(0) => return Err(EditError::LineZero),
            Start::Line(n) => n,
            Start::FromEnd(_) => return Ok(None),
        };
        let last = match self.end {
            End::Last => None,
            End::Line(0) => return Err(EditError::LineZero),
            End::Line(n) => Some(n),
            End::After(n) => Some(first.saturating_add(n)),
            End::FromEnd(_) => return Ok(None),
        };
        if let Some(last) = last.filter(|&l| l < first) {
            return Err(EditError::ReversedLines { start: first, end: last });
        }
        Ok(Some((first, last)))
    }

    /// The number of lines of `-N:` (the last N lines), which a host can find by reading
    /// backwards from the end of the file without counting all its lines; `None` for any
    /// other form.
    pub fn tail(&self) -> Option<u64> {
        match (self.start, self.end) {
            (Start::FromEnd(n), End::Last) if n > 0 => Some(n),
            _ => None,
        }
    }

    /// The concrete 1-based inclusive range in a document of `lines` lines.
    ///
    /// # Errors
    ///
    /// [`EditError::LineZero`], [`EditError::ReversedLines`], [`EditError::LinePastEnd`] or
    /// [`EditError::LineBeforeStart`].
    pub fn resolve(&self, lines: u64) -> Result<RangeInclusive<u64>, EditError> {
        let from_end = |n: u64| match n {
            0 => Err(EditError::LineZero),
            n if n > lines => Err(EditError::LineBeforeStart { from_end: n, lines }),
            n => Ok(lines - n + 1),
        };
        let start = match self.start {
            Start::First => 1,
            Start::Line(0) => return Err(EditError::LineZero),
            Start::Line(n) => n,
            // `-N:` is "at most the last N lines".
            Start::FromEnd(n) if self.end == End::Last && n > lines => 1,
            Start::FromEnd(n) => from_end(n)?,
        };
        let end = match self.end {
            End::Last => lines,
            End::Line(0) => return Err(EditError::LineZero),
            End::Line(n) => n,
            End::After(n) => start.saturating_add(n).min(lines.max(start)),
            End::FromEnd(n) => from_end(n)?,
        };
        if start > end && self.end != End::Last {
            return Err(EditError::ReversedLines { start, end });
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

const LINE_SYNTAX: &str = "N, A:B, A:, :B, -N, -N:, A:-B or A:+N with 1-based line numbers";
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
        let start = |s: &str| {
            let s = s.trim();
            match s.strip_prefix('-') {
                _ if s.is_empty() => Ok(Start::First),
                Some(n) => parse_num(n).map(Start::FromEnd).ok_or_else(bad),
                None => parse_num(s).map(Start::Line).ok_or_else(bad),
            }
        };
        let end = |s: &str| {
            let s = s.trim();
            if s.is_empty() {
                return Ok(End::Last);
            }
            if let Some(n) = s.strip_prefix('-') {
                return parse_num(n).map(End::FromEnd).ok_or_else(bad);
            }
            if let Some(n) = s.strip_prefix('+') {
                return parse_num(n).map(End::After).ok_or_else(bad);
            }
            parse_num(s).map(End::Line).ok_or_else(bad)
        };
        match text.split_once(':') {
            None => match start(text)? {
                Start::First => Err(bad()),
                Start::Line(n) => Ok(LineRange::line(n)),
                Start::FromEnd(n) => {
                    Ok(LineRange { start: Start::FromEnd(n), end: End::FromEnd(n) })
                }
            },
            Some((a, b)) => {
                let range = LineRange { start: start(a)?, end: end(b)? };
                if range.start == Start::First && matches!(range.end, End::Last | End::After(_)) {
                    return Err(bad());
                }
                Ok(range)
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
        assert_eq!(p("3:"), LineRange { start: Start::Line(3), end: End::Last });
        assert_eq!(p(":5"), LineRange { start: Start::First, end: End::Line(5) });
        assert_eq!(p("1_000"), LineRange::new(1000, 1000));
        assert_eq!(p("-10:"), LineRange { start: Start::FromEnd(10), end: End::Last });
        assert_eq!(p("-2"), LineRange { start: Start::FromEnd(2), end: End::FromEnd(2) });
        assert_eq!(p("4:-2"), LineRange { start: Start::Line(4), end: End::FromEnd(2) });
        assert_eq!(
            p("48213907:+20"),
            LineRange { start: Start::Line(48213907), end: End::After(20) }
        );
        assert_eq!(p("-5:-2"), LineRange { start: Start::FromEnd(5), end: End::FromEnd(2) });
        for bad in [
            "", ":", "a", "3:x", "--1", "1:2:3", " : ", ":+3", "+3", "+3:", "-", "-:", "3:+", "3:-",
        ] {
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
        assert_eq!(p("-20:").resolve(9).unwrap(), 1..=9, "at most the last 20, as tail does");
        assert_eq!(p("-9").resolve(9).unwrap(), 1..=1);
        assert_eq!(p("-10").resolve(9), Err(EditError::LineBeforeStart { from_end: 10, lines: 9 }));
        assert_eq!(p("-0:").resolve(9), Err(EditError::LineZero));
        assert_eq!(p("8:+5").resolve(9).unwrap(), 8..=9, "+N stops at the last line");
        assert_eq!(p("10:+5").resolve(9), Err(EditError::LinePastEnd { line: 10, lines: 9 }));
        assert_eq!(p("6:-5").resolve(9), Err(EditError::ReversedLines { start: 6, end: 5 }));
        assert_eq!(p("-1:").resolve(0), Err(EditError::LinePastEnd { line: 1, lines: 0 }));
        assert_eq!(
            EditError::LineBeforeStart { from_end: 10, lines: 9 }.to_string(),
            "line -10 is before the first line: the document has 9 lines"
        );
        assert_eq!(
            EditError::LinePastEnd { line: 900, lines: 712 }.to_string(),
            "line 900 is past the end: the document has 712 lines"
        );
    }

    #[test]
    fn from_start_and_tail_tell_what_needs_a_line_count() {
        let p = |s: &str| s.parse::<LineRange>().unwrap();
        assert_eq!(p("3:").from_start(), Ok(Some((3, None))));
        assert_eq!(p("3:+4").from_start(), Ok(Some((3, Some(7)))));
        assert_eq!(p(":4").from_start(), Ok(Some((1, Some(4)))));
        assert_eq!(p("5:4").from_start(), Err(EditError::ReversedLines { start: 5, end: 4 }));
        assert_eq!(p("3:-1").from_start(), Ok(None));
        assert_eq!(p("-3:").tail(), Some(3));
        assert_eq!(p("-3").tail(), None);
        assert_eq!(p("3:").tail(), None);
    }

    /// Every form against a naive model: the document's lines as a list, sliced the way the
    /// form's definition says.
    #[test]
    fn every_form_matches_a_list_model() {
        for lines in 0..7u64 {
            let all: Vec<u64> = (1..=lines).collect();
            for a in 0..9u64 {
                for b in 0..9u64 {
                    let cases: [(String, Option<Vec<u64>>); 4] = [
                        (
                            format!("-{a}:"),
                            (a > 0 && lines > 0)
                                .then(|| all[all.len().saturating_sub(a as usize)..].to_vec()),
                        ),
                        (format!("-{a}"), (a > 0 && a <= lines).then(|| vec![lines - a + 1])),
                        (
                            format!("{a}:-{b}"),
                            (a >= 1 && b >= 1 && b <= lines && a <= lines - b + 1)
                                .then(|| (a..=lines - b + 1).collect()),
                        ),
                        (
                            format!("{a}:+{b}"),
                            (a >= 1 && a <= lines).then(|| (a..=(a + b).min(lines)).collect()),
                        ),
                    ];
                    for (text, want) in cases {
                        let got = p_range(&text).resolve(lines).ok().map(|r| r.collect::<Vec<_>>());
                        assert_eq!(got, want, "{text} in {lines} lines");
                    }
                }
            }
        }
    }

    fn p_range(s: &str) -> LineRange {
        s.parse().unwrap()
    }

    #[test]
    fn byte_ranges() {
        assert_eq!(parse_byte_range("0:0").unwrap(), 0..0);
        assert!(parse_byte_range("5").is_err());
        assert_eq!(parse_byte_range("7:3"), Err(EditError::ReversedBytes { start: 7, end: 3 }));
    }
}
