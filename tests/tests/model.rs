//! Model tests of the core.
//!
//! Random small documents (LF, CRLF, mixed endings, no final newline, empty lines, multi-byte
//! and invalid UTF-8) get random sequences of edits, staged one after another on an [`Overlay`]
//! and committed as one patch; after every step and at the end the result is compared with a
//! naive model: a `Vec<u8>` whose lines are found by splitting after each `\n`, with the
//! newline rules of the planners written again here from their specification, not from the
//! core's code.
//!
//! Regex replacement is modelled honestly only for the patterns the model can evaluate
//! naively: an escaped literal, alone (leftmost, non-overlapping matches) or anchored with `^`
//! or `$` (at most one match per line, possibly empty), applied to each line's text without its
//! ending, with `${0}` and `$$` in the replacement. Everything else about regexes is the regex
//! crate's business.
//!
//! The main property runs `PROPTEST_CASES` cases (10,000 by default); failures are kept in
//! `proptest-regressions/model.txt`.

use std::convert::Infallible;
use std::fmt::Display;
use std::ops::{Range, RangeInclusive};

use bigedit_core::{
    diff, plan_edits, read_range, text, Chunker, Content, Edit, EditError, Error, LineIndex,
    Overlay, Patch, Piece, ReadAt, Splice, WriteError,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};

// ---------------------------------------------------------------------------------------------
// Configuration and small helpers
// ---------------------------------------------------------------------------------------------

/// `PROPTEST_CASES` if set, else `default`, with failures persisted next to this crate.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok());
    ProptestConfig {
        cases: cases.unwrap_or(default),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/model.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// Turns an unexpected core error into a test failure naming what was being done.
fn must<T, E: Display>(what: &str, result: Result<T, E>) -> Result<T, TestCaseError> {
    result.map_err(|e| TestCaseError::fail(format!("{what}: unexpected error: {e}")))
}

/// Chunk sizes for scans: tiny ones put every pattern, line and `\r\n` across a boundary.
const CHUNKS: &[usize] = &[1, 2, 3, 4, 7, 16, 64, 4096];

/// A source that is not slice-backed and returns at most `max_read` bytes per read, so the
/// copying paths of the scanners and short reads run.
#[derive(Debug, Clone, Copy)]
struct Opaque<'a> {
    bytes: &'a [u8],
    max_read: usize,
}

impl ReadAt for Opaque<'_> {
    type Error = Infallible;

    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize, Infallible> {
        let n = buf.len().min(self.max_read);
        ReadAt::read_at(self.bytes, pos, &mut buf[..n])
    }
}

// ---------------------------------------------------------------------------------------------
// The naive model
// ---------------------------------------------------------------------------------------------

const LF: &[u8] = b"\n";
const CRLF: &[u8] = b"\r\n";

/// The lines of `doc` with their endings: a line ends after each `\n`, and a non-empty rest is
/// a last line without one. The empty document has no lines.
fn line_spans(doc: &[u8]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, &b) in doc.iter().enumerate() {
        if b == b'\n' {
            spans.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < doc.len() {
        spans.push(start..doc.len());
    }
    spans
}

/// A line without its ending (`\r\n`, `\n`, or nothing).
fn text_of(line: &[u8]) -> &[u8] {
    line.strip_suffix(CRLF).or_else(|| line.strip_suffix(LF)).unwrap_or(line)
}

/// Text with one final line ending removed, if it has one.
fn without_final_ending(text: &[u8]) -> &[u8] {
    text_of(text)
}

fn newline_count(doc: &[u8]) -> usize {
    doc.iter().filter(|&&b| b == b'\n').count()
}

fn crlf_count(doc: &[u8]) -> usize {
    (1..doc.len()).filter(|&i| doc[i] == b'\n' && doc[i - 1] == b'\r').count()
}

/// The ending new lines get: CRLF when more than half of the `\n` follow a `\r`.
fn newline_of(doc: &[u8]) -> &'static [u8] {
    if 2 * crlf_count(doc) > newline_count(doc) {
        CRLF
    } else {
        LF
    }
}

/// `text`'s lines ended with `newline` when that is CRLF (a bare LF gets its CR), so new lines
/// take the file's ending; as given otherwise.
fn in_newline(text: &[u8], newline: &[u8]) -> Vec<u8> {
    if newline != CRLF {
        return text.to_vec();
    }
    text.split_inclusive(|&b| b == b'\n')
        .flat_map(|l| match l.strip_suffix(LF) {
            Some(t) => [t.strip_suffix(b"\r").unwrap_or(t), CRLF].concat(),
            None => l.to_vec(),
        })
        .collect()
}

/// `text` ending with `\n` (with `newline` appended if it does not); empty stays empty.
fn terminated(text: &[u8], newline: &[u8]) -> Vec<u8> {
    let mut out = text.to_vec();
    if !out.is_empty() && !out.ends_with(LF) {
        out.extend_from_slice(newline);
    }
    out
}

/// Leftmost, non-overlapping occurrences of a non-empty `needle` in `hay`, at most `max`.
fn find_all(hay: &[u8], needle: &[u8], max: Option<u64>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + needle.len() <= hay.len() && max.is_none_or(|m| (out.len() as u64) < m) {
        if &hay[i..i + needle.len()] == needle {
            out.push(i..i + needle.len());
            i += needle.len();
        } else {
            i += 1;
        }
    }
    out
}

/// A replacement in model coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NSplice {
    range: Range<usize>,
    bytes: Vec<u8>,
}

impl NSplice {
    fn is_noop(&self) -> bool {
        self.range.is_empty() && self.bytes.is_empty()
    }
}

/// Applies non-overlapping splices from the bottom of the document up. Of splices at one
/// offset, insertions keep their order and come before a replacement.
fn apply(doc: &[u8], splices: &[NSplice]) -> Vec<u8> {
    let mut order: Vec<&NSplice> = splices.iter().collect();
    order.sort_by_key(|s| (s.range.start, s.range.end)); // stable: ties keep their order
    let mut out = doc.to_vec();
    for s in order.into_iter().rev() {
        out.splice(s.range.clone(), s.bytes.iter().copied());
    }
    out
}

/// Whether two splices touch the same bytes (an insertion strictly inside a range counts).
fn overlaps(x: &NSplice, y: &NSplice) -> bool {
    if x.is_noop() || y.is_noop() {
        return false;
    }
    let (a, b, c, d) = (x.range.start, x.range.end, y.range.start, y.range.end);
    a.max(c) < b.min(d) || (a == b && c < a && a < d) || (c == d && a < c && c < b)
}

/// The byte range of 1-based inclusive `lines`, endings included.
fn model_lines(doc: &[u8], lines: &RangeInclusive<u64>) -> Result<Range<usize>, EditError> {
    let spans = line_spans(doc);
    let count = spans.len() as u64;
    let (first, last) = (*lines.start(), *lines.end());
    if first == 0 {
        return Err(EditError::LineZero);
    }
    if first > last {
        return Err(EditError::ReversedLines { start: first, end: last });
    }
    for line in [first, last] {
        if line > count {
            return Err(EditError::LinePastEnd { line, lines: count });
        }
    }
    Ok(spans[first as usize - 1].start..spans[last as usize - 1].end)
}

fn model_replace_lines(
    doc: &[u8],
    lines: &RangeInclusive<u64>,
    text: &[u8],
) -> Result<Vec<NSplice>, EditError> {
    let text = &in_newline(text, newline_of(doc));
    let range = model_lines(doc, lines)?;
    let at_open_end = range.end == doc.len() && !doc.ends_with(LF);
    let bytes = if text.is_empty() {
        Vec::new()
    } else if at_open_end {
        without_final_ending(text).to_vec()
    } else {
        terminated(text, newline_of(doc))
    };
    Ok(vec![NSplice { range, bytes }])
}

fn model_insert_lines(doc: &[u8], after: u64, text: &[u8]) -> Result<Vec<NSplice>, EditError> {
    let spans = line_spans(doc);
    let count = spans.len() as u64;
    if after > count {
        return Err(EditError::LinePastEnd { line: after, lines: count });
    }
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let newline = newline_of(doc);
    let text = &in_newline(text, newline);
    let (at, bytes) = if after < count {
        (spans[after as usize].start, terminated(text, newline))
    } else if count > 0 && !doc.ends_with(LF) {
        (doc.len(), [newline, without_final_ending(text)].concat())
    } else {
        (doc.len(), terminated(text, newline))
    };
    Ok(vec![NSplice { range: at..at, bytes }])
}

fn model_splice(doc: &[u8], range: &Range<u64>, bytes: &[u8]) -> Result<Vec<NSplice>, EditError> {
    let (start, end, len) = (range.start, range.end, doc.len() as u64);
    if start > end {
        return Err(EditError::ReversedBytes { start, end });
    }
    if end > len {
        return Err(EditError::BytesPastEnd { start, end, len });
    }
    Ok(vec![NSplice { range: start as usize..end as usize, bytes: bytes.to_vec() }])
}

fn model_replace_literal(
    doc: &[u8],
    needle: &[u8],
    with: &[u8],
    max: Option<u64>,
) -> Result<Vec<NSplice>, EditError> {
    if needle.is_empty() {
        return Err(EditError::EmptyPattern);
    }
    Ok(find_all(doc, needle, max)
        .into_iter()
        .map(|range| NSplice { range, bytes: with.to_vec() })
        .collect())
}

/// Where a regex pattern of the model is anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    None,
    Start,
    End,
}

/// A regex the model can evaluate: an escaped literal, maybe anchored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    anchor: Anchor,
    literal: String,
}

impl Pattern {
    /// The regex syntax of the pattern.
    fn source(&self) -> String {
        let mut out = String::new();
        if self.anchor == Anchor::Start {
            out.push('^');
        }
        for c in self.literal.chars() {
            if "\\.+*?()|[]{}^$#&-~".contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
        if self.anchor == Anchor::End {
            out.push('$');
        }
        out
    }

    /// Matches in one line's text.
    fn matches(&self, text: &[u8]) -> Vec<Range<usize>> {
        let lit = self.literal.as_bytes();
        let at = match self.anchor {
            Anchor::None => return find_all(text, lit, None),
            Anchor::Start if text.starts_with(lit) => 0,
            Anchor::End if text.ends_with(lit) => text.len() - lit.len(),
            _ => return Vec::new(),
        };
        std::iter::once(at..at + lit.len()).collect()
    }
}

/// Expands `${0}` (the match) and `$$` (a dollar) in a replacement; nothing else is generated.
fn expand(with: &str, matched: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = with.as_bytes();
    while let Some(&b) = rest.first() {
        if let Some(r) = rest.strip_prefix(b"${0}") {
            out.extend_from_slice(matched);
            rest = r;
        } else if let Some(r) = rest.strip_prefix(b"$$") {
            out.push(b'$');
            rest = r;
        } else {
            out.push(b);
            rest = &rest[1..];
        }
    }
    out
}

fn model_replace_regex(doc: &[u8], p: &Pattern, with: &str, max: Option<u64>) -> Vec<NSplice> {
    let mut out = Vec::new();
    for span in line_spans(doc) {
        let text = text_of(&doc[span.clone()]);
        for m in p.matches(text) {
            if max.is_some_and(|max| out.len() as u64 >= max) {
                return out;
            }
            let range = span.start + m.start..span.start + m.end;
            out.push(NSplice { bytes: expand(with, &text[m]), range });
        }
    }
    out
}

/// The line transform both sides run: mark a line that repeats one in the window, else reverse
/// the bytes of lines whose length is `k` modulo 3.
fn transform(text: &[u8], window: &[&[u8]], k: usize) -> Option<Vec<u8>> {
    if window.contains(&text) {
        Some([text, b"~", window.len().to_string().as_bytes()].concat())
    } else if text.len() % 3 == k {
        Some(text.iter().rev().copied().collect())
    } else {
        None
    }
}

fn model_transform(doc: &[u8], context: usize, k: usize) -> Vec<NSplice> {
    let spans = line_spans(doc);
    let texts: Vec<&[u8]> = spans.iter().map(|s| text_of(&doc[s.clone()])).collect();
    let mut out = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        let text = texts[i];
        if let Some(new) = transform(text, &texts[i.saturating_sub(context)..i], k) {
            if new != text {
                out.push(NSplice { range: span.start..span.start + text.len(), bytes: new });
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Operations, planned by the core and by the model
// ---------------------------------------------------------------------------------------------

/// One edit in the coordinates of the document it is planned against.
#[derive(Debug, Clone)]
enum Op {
    ReplaceLines { lines: RangeInclusive<u64>, text: Vec<u8> },
    DeleteLines { lines: RangeInclusive<u64> },
    InsertLines { after: u64, text: Vec<u8> },
    Splice { range: Range<u64>, bytes: Vec<u8> },
    ReplaceLiteral { needle: Vec<u8>, with: Vec<u8>, max: Option<u64> },
    ReplaceRegex { pattern: Pattern, with: String, max: Option<u64> },
    Transform { context: usize, k: usize },
}

fn model_op(doc: &[u8], op: &Op) -> Result<Vec<NSplice>, EditError> {
    match op {
        Op::ReplaceLines { lines, text } => model_replace_lines(doc, lines, text),
        Op::DeleteLines { lines } => model_replace_lines(doc, lines, b""),
        Op::InsertLines { after, text } => model_insert_lines(doc, *after, text),
        Op::Splice { range, bytes } => model_splice(doc, range, bytes),
        Op::ReplaceLiteral { needle, with, max } => model_replace_literal(doc, needle, with, *max),
        Op::ReplaceRegex { pattern, with, max } => {
            Ok(model_replace_regex(doc, pattern, with, *max))
        }
        Op::Transform { context, k } => Ok(model_transform(doc, *context, *k)),
    }
}

fn plan_op<S: ReadAt<Error = Infallible>>(
    src: &S,
    index: &LineIndex,
    op: &Op,
    chunker: &mut Chunker,
) -> Result<Result<Patch, EditError>, TestCaseError> {
    let planned = match op {
        Op::ReplaceLines { lines, text } => text::replace_lines(src, index, lines.clone(), text),
        Op::DeleteLines { lines } => text::delete_lines(src, index, lines.clone()),
        Op::InsertLines { after, text } => text::insert_lines(src, index, *after, text),
        Op::Splice { range, bytes } => {
            text::splice_bytes(src.len(), range.clone(), bytes).map_err(Error::Edit)
        }
        Op::ReplaceLiteral { needle, with, max } => {
            text::replace_literal(src, needle, with, *max, chunker)
        }
        Op::ReplaceRegex { pattern, with, max } => {
            let re = must("compile_regex", text::compile_regex(&pattern.source()))?;
            text::replace_regex(src, &re, with.as_bytes(), *max, chunker)
        }
        Op::Transform { context, k } => text::transform_lines(src, *context, chunker, |line, w| {
            let window: Vec<&[u8]> = w.iter().map(Vec::as_slice).collect();
            transform(line.text, &window, *k)
        }),
    };
    Ok(planned.map_err(Error::into_edit))
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/// Pieces of document lines: ASCII, regex metacharacters, 2-, 3- and 4-byte UTF-8, a lone
/// `\r`, and invalid UTF-8 (a stray continuation byte, a truncated lead byte, `\xff`).
const DOC_TOKENS: &[&[u8]] = &[
    b"a",
    b"b",
    b"ab",
    b" ",
    b".",
    b"(",
    b"$",
    "é".as_bytes(),
    "€".as_bytes(),
    "😀".as_bytes(),
    b"\r",
    b"\x80",
    b"\xc3",
    b"\xff",
];

/// Valid UTF-8 pieces without `\n` (for regex literals and JSON strings).
const UTF8_TOKENS: &[&str] = &["a", "b", "ab", " ", ".", "(", "$", "é", "€", "😀", "\r"];

/// How a generated text ends.
const TAILS: &[&str] = &["", "", "\n", "\r\n", "\r"];

#[derive(Debug, Clone, Copy)]
enum Style {
    Lf,
    Crlf,
    Mixed,
}

/// A document of up to 8 lines with the given ending style; the last line may lack an ending.
fn document() -> impl Strategy<Value = Vec<u8>> {
    let line = (vec(select(DOC_TOKENS), 0..6), any::<bool>());
    (select(&[Style::Lf, Style::Crlf, Style::Mixed][..]), vec(line, 0..8), any::<bool>()).prop_map(
        |(style, lines, open_end)| {
            let mut out = Vec::new();
            let n = lines.len();
            for (i, (tokens, crlf)) in lines.into_iter().enumerate() {
                tokens.iter().for_each(|t| out.extend_from_slice(t));
                if i + 1 == n && open_end {
                    break;
                }
                let crlf = match style {
                    Style::Lf => false,
                    Style::Crlf => true,
                    Style::Mixed => crlf,
                };
                out.extend_from_slice(if crlf { CRLF } else { LF });
            }
            out
        },
    )
}

/// Text for line edits and splices: up to three lines of pieces, with every kind of tail.
fn bytes_text() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![4 => select(DOC_TOKENS), 1 => Just(LF), 1 => Just(CRLF)];
    (vec(piece, 0..5), select(TAILS)).prop_map(|(pieces, tail)| {
        let mut out = pieces.concat();
        out.extend_from_slice(tail.as_bytes());
        out
    })
}

/// UTF-8 text (for JSON edit lists), built like [`bytes_text`].
fn utf8_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![4 => select(UTF8_TOKENS), 1 => Just("\n"), 1 => Just("\r\n")];
    (vec(piece, 0..5), select(TAILS)).prop_map(|(pieces, tail)| pieces.concat() + tail)
}

fn max_count() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![3 => Just(None), 1 => (0u64..4).prop_map(Some)]
}

/// A search needle: usually a piece of the current document, so it matches.
#[derive(Debug, Clone)]
enum Needle {
    FromDoc { at: usize, len: usize },
    Given(Vec<u8>),
}

impl Needle {
    fn resolve(&self, doc: &[u8]) -> Vec<u8> {
        match self {
            Needle::FromDoc { at, len } if !doc.is_empty() => {
                let at = at % doc.len();
                doc[at..(at + len).min(doc.len())].to_vec()
            }
            Needle::FromDoc { .. } => b"a".to_vec(),
            Needle::Given(b) => b.clone(),
        }
    }
}

fn needle() -> impl Strategy<Value = Needle> {
    prop_oneof![
        3 => (0usize..512, 1usize..5).prop_map(|(at, len)| Needle::FromDoc { at, len }),
        // May be empty: the planners must refuse it.
        1 => vec(select(DOC_TOKENS), 0..3).prop_map(|t| Needle::Given(t.concat())),
    ]
}

/// How a generated line range is wrong, if it is.
#[derive(Debug, Clone, Copy)]
enum BadLines {
    Zero,
    Reversed,
    PastEnd,
}

#[derive(Debug, Clone, Copy)]
enum BadBytes {
    Reversed,
    PastEnd,
}

/// One step of an overlay session, with numbers resolved against the view when it runs.
#[derive(Debug, Clone)]
enum Step {
    ReplaceLines {
        a: usize,
        b: usize,
        text: Vec<u8>,
        bad: Option<BadLines>,
    },
    DeleteLines {
        a: usize,
        b: usize,
        bad: Option<BadLines>,
    },
    InsertLines {
        after: usize,
        text: Vec<u8>,
        past_end: bool,
    },
    Splice {
        at: usize,
        len: usize,
        bytes: Vec<u8>,
        bad: Option<BadBytes>,
    },
    ReplaceLiteral {
        needle: Needle,
        with: Vec<u8>,
        max: Option<u64>,
    },
    ReplaceRegex {
        anchor: Anchor,
        needle: Needle,
        fallback: String,
        with: String,
        max: Option<u64>,
    },
    Transform {
        context: usize,
        k: usize,
    },
    /// Undo the last staged edit.
    Undo,
    /// Stage a patch planned for a view of another length: refused.
    Stale {
        shorter: bool,
    },
}

fn bad_lines() -> impl Strategy<Value = Option<BadLines>> {
    prop_oneof![
        12 => Just(None),
        1 => Just(Some(BadLines::Zero)),
        1 => Just(Some(BadLines::Reversed)),
        1 => Just(Some(BadLines::PastEnd)),
    ]
}

fn bad_bytes() -> impl Strategy<Value = Option<BadBytes>> {
    prop_oneof![
        12 => Just(None),
        1 => Just(Some(BadBytes::Reversed)),
        1 => Just(Some(BadBytes::PastEnd)),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let n = || 0usize..512;
    let regex_with = vec(select(&["x", "é", "${0}", "$$", "\n", ""][..]), 0..3);
    prop_oneof![
        3 => (n(), n(), bytes_text(), bad_lines())
            .prop_map(|(a, b, text, bad)| Step::ReplaceLines { a, b, text, bad }),
        1 => (n(), n(), bad_lines()).prop_map(|(a, b, bad)| Step::DeleteLines { a, b, bad }),
        3 => (n(), bytes_text(), prop::bool::weighted(0.1))
            .prop_map(|(after, text, past_end)| Step::InsertLines { after, text, past_end }),
        2 => (n(), 0usize..8, bytes_text(), bad_bytes())
            .prop_map(|(at, len, bytes, bad)| Step::Splice { at, len, bytes, bad }),
        2 => (needle(), vec(select(DOC_TOKENS), 0..3), max_count()).prop_map(|(needle, with, max)| {
            Step::ReplaceLiteral { needle, with: with.concat(), max }
        }),
        2 => (
            select(&[Anchor::None, Anchor::Start, Anchor::End][..]),
            needle(),
            vec(select(UTF8_TOKENS), 0..3),
            regex_with,
            max_count(),
        )
            .prop_map(|(anchor, needle, fallback, with, max)| Step::ReplaceRegex {
                anchor,
                needle,
                fallback: fallback.concat(),
                with: with.concat(),
                max,
            }),
        1 => (0usize..4, 0usize..3).prop_map(|(context, k)| Step::Transform { context, k }),
        1 => Just(Step::Undo),
        1 => any::<bool>().prop_map(|shorter| Step::Stale { shorter }),
    ]
}

/// A 1-based line range in a document of `count` lines: valid unless `bad` says how not.
fn line_range(count: u64, a: usize, b: usize, bad: Option<BadLines>) -> RangeInclusive<u64> {
    let (a, b) = (a as u64, b as u64);
    let first = 1 + a % count.max(1);
    let last = first + b % (count.max(first) - first + 1);
    match bad {
        None => first..=last,
        Some(BadLines::Zero) => 0..=last,
        Some(BadLines::Reversed) => first + 1..=first,
        Some(BadLines::PastEnd) => first..=count + 1 + b % 2,
    }
}

/// Resolves a step (other than undo and stale patches) against the current view.
fn resolve(step: &Step, doc: &[u8]) -> Option<Op> {
    let count = line_spans(doc).len() as u64;
    let len = doc.len();
    Some(match step {
        Step::ReplaceLines { a, b, text, bad } => {
            Op::ReplaceLines { lines: line_range(count, *a, *b, *bad), text: text.clone() }
        }
        Step::DeleteLines { a, b, bad } => {
            Op::DeleteLines { lines: line_range(count, *a, *b, *bad) }
        }
        Step::InsertLines { after, text, past_end } => {
            let after = *after as u64;
            let after = if *past_end { count + 1 + after % 2 } else { after % (count + 1) };
            Op::InsertLines { after, text: text.clone() }
        }
        Step::Splice { at, len: n, bytes, bad } => {
            let start = at % (len + 1);
            let end = (start + n).min(len);
            let (start, end) = match bad {
                None => (start, end),
                Some(BadBytes::Reversed) => (end + 1, end),
                Some(BadBytes::PastEnd) => (start, len + 1 + n),
            };
            Op::Splice { range: start as u64..end as u64, bytes: bytes.clone() }
        }
        Step::ReplaceLiteral { needle, with, max } => {
            Op::ReplaceLiteral { needle: needle.resolve(doc), with: with.clone(), max: *max }
        }
        Step::ReplaceRegex { anchor, needle, fallback, with, max } => {
            let literal = String::from_utf8(needle.resolve(doc))
                .ok()
                .filter(|s| !s.contains('\n'))
                .unwrap_or_else(|| fallback.clone());
            // An unanchored empty pattern matches between every two bytes: not modelled.
            let literal = if *anchor == Anchor::None && literal.is_empty() {
                "a".to_string()
            } else {
                literal
            };
            Op::ReplaceRegex {
                pattern: Pattern { anchor: *anchor, literal },
                with: with.clone(),
                max: *max,
            }
        }
        Step::Transform { context, k } => Op::Transform { context: *context, k: *k },
        Step::Undo | Step::Stale { .. } => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the properties
// ---------------------------------------------------------------------------------------------

/// Checks every count and lookup of `index` against the naive lines of `doc`.
fn check_index(index: &LineIndex, doc: &[u8], what: &str) -> Result<(), TestCaseError> {
    let spans = line_spans(doc);
    let count = spans.len() as u64;
    let len = doc.len() as u64;
    prop_assert_eq!(index.len(), len, "{}: len", what);
    prop_assert_eq!(index.line_count(), count, "{}: line_count", what);
    prop_assert_eq!(index.newline_count(), newline_count(doc) as u64, "{}: newlines", what);
    prop_assert_eq!(index.crlf_count(), crlf_count(doc) as u64, "{}: crlf", what);
    prop_assert_eq!(index.ends_with_newline(), doc.ends_with(LF), "{}: final newline", what);
    prop_assert_eq!(index.newline(), newline_of(doc), "{}: newline", what);
    let doc_vec = doc.to_vec();
    for k in 0..=count + 1 {
        let expect = match spans.get(k as usize) {
            Some(s) => Some(s.start as u64),
            None if k == count => Some(len),
            None => None,
        };
        let got = must("line_to_byte", index.line_to_byte(&doc_vec, k))?;
        prop_assert_eq!(got, expect, "{}: line_to_byte({})", what, k);
    }
    for (k, s) in spans.iter().enumerate() {
        let line = k as u64 + 1;
        let got = must("lines_to_bytes", index.lines_to_bytes(&doc_vec, line..=line))?;
        prop_assert_eq!(got, s.start as u64..s.end as u64, "{}: lines_to_bytes({})", what, line);
    }
    // Lines are the number of newlines before an offset: check where that number changes.
    let offsets = spans.iter().flat_map(|s| [s.start, s.end.saturating_sub(1)]).chain([doc.len()]);
    for off in offsets {
        let expect = newline_count(&doc[..off]) as u64;
        let got = must("byte_to_line", index.byte_to_line(&doc_vec, off as u64))?;
        prop_assert_eq!(got, Some(expect), "{}: byte_to_line({})", what, off);
    }
    prop_assert_eq!(must("byte_to_line", index.byte_to_line(&doc_vec, len + 1))?, None);
    Ok(())
}

/// Reads the whole view, and reads it again in small unaligned pieces.
fn check_reads<S: ReadAt<Error = Infallible>>(
    view: &S,
    model: &[u8],
    full_reads: bool,
    probe: usize,
    what: &str,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(view.len(), model.len() as u64, "{}: len", what);
    let all = must("read_range", read_range(view, 0..view.len()))?;
    prop_assert_eq!(&all[..], model, "{}: view", what);
    let step = 1 + probe % 7;
    let mut buf = vec![0u8; step];
    for pos in (probe % 3..=model.len() + 1).step_by(step) {
        let n = must("read_at", view.read_at(pos as u64, &mut buf))?;
        let expect = &model[pos.min(model.len())..(pos + step).min(model.len())];
        prop_assert!(
            n <= expect.len() && (n > 0 || expect.is_empty()),
            "{}: read_at({}) gave {}",
            what,
            pos,
            n
        );
        if full_reads {
            prop_assert_eq!(n, expect.len(), "{}: short read at {}", what, pos);
        }
        prop_assert_eq!(&buf[..n], &expect[..n], "{}: read_at({})", what, pos);
    }
    Ok(())
}

/// Applies a unified diff as `diff::unified` writes it (`--- a`, `+++ b`, `@@` hunks,
/// `\ No newline at end of file` markers) to `old`, checking every context and removed line,
/// every hunk's counts and new start, and that each hunk has at most `context` lines of context
/// on either side.
fn apply_unified(old: &[u8], diff: &[u8], context: usize) -> Result<Vec<u8>, String> {
    if diff.is_empty() {
        return Ok(old.to_vec());
    }
    let old_lines: Vec<&[u8]> = old.split_inclusive(|&b| b == b'\n').collect();
    let recs: Vec<&[u8]> = diff.split_inclusive(|&b| b == b'\n').collect();
    if recs.len() < 3 || recs[0] != b"--- a\n" || recs[1] != b"+++ b\n" {
        return Err("bad header".into());
    }
    let parse_span = |s: &str| -> Option<(usize, usize)> {
        match s.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let mut out: Vec<u8> = Vec::new();
    let (mut next_old, mut new_lines) = (0usize, 0usize);
    let mut i = 2;
    while i < recs.len() {
        let header = std::str::from_utf8(recs[i]).map_err(|_| "hunk header is not UTF-8")?;
        let spans = header
            .strip_prefix("@@ -")
            .and_then(|h| h.strip_suffix(" @@\n"))
            .and_then(|h| h.split_once(" +"))
            .ok_or_else(|| format!("bad hunk header {header:?}"))?;
        let (os, oc) = parse_span(spans.0).ok_or("bad old span")?;
        let (ns, nc) = parse_span(spans.1).ok_or("bad new span")?;
        let old_first = if oc == 0 { os } else { os.checked_sub(1).ok_or("old line 0")? };
        let new_first = if nc == 0 { ns } else { ns.checked_sub(1).ok_or("new line 0")? };
        if old_first < next_old || old_first > old_lines.len() {
            return Err(format!(
                "hunk {header:?} starts at old line {old_first}, before {next_old}"
            ));
        }
        for l in &old_lines[next_old..old_first] {
            out.extend_from_slice(l);
        }
        new_lines += old_first - next_old;
        if new_first != new_lines {
            return Err(format!("hunk {header:?}: new start should be {new_lines}"));
        }
        next_old = old_first;
        i += 1;
        let (mut taken_old, mut taken_new) = (0, 0);
        let mut tags = Vec::new();
        while i < recs.len() && !recs[i].starts_with(b"@@ ") {
            let (tag, mut content) = (recs[i][0], recs[i][1..].to_vec());
            if recs.get(i + 1) == Some(&&b"\\ No newline at end of file\n"[..]) {
                if content.pop() != Some(b'\n') {
                    return Err("marker after a line without its newline".into());
                }
                i += 1;
            }
            if tag == b' ' || tag == b'-' {
                if old_lines.get(next_old) != Some(&&content[..]) {
                    return Err(format!("hunk {header:?}: old line {next_old} differs"));
                }
                next_old += 1;
                taken_old += 1;
            }
            if tag == b' ' || tag == b'+' {
                out.extend_from_slice(&content);
                new_lines += 1;
                taken_new += 1;
            }
            if ![b' ', b'-', b'+'].contains(&tag) {
                return Err(format!("bad line tag {tag}"));
            }
            tags.push(tag);
            i += 1;
        }
        if (taken_old, taken_new) != (oc, nc) {
            return Err(format!("hunk {header:?} holds {taken_old} old and {taken_new} new lines"));
        }
        let lead = tags.iter().take_while(|&&t| t == b' ').count();
        let trail = tags.iter().rev().take_while(|&&t| t == b' ').count();
        if lead == tags.len() || lead > context || trail > context {
            return Err(format!("hunk {header:?}: no change, or too much context"));
        }
    }
    for l in &old_lines[next_old..] {
        out.extend_from_slice(l);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Property 1: random edits staged on an overlay, then one commit
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct OverlayCase {
    doc: Vec<u8>,
    steps: Vec<Step>,
    /// Chunk sizes, used in turn by the steps.
    chunks: Vec<usize>,
    /// `None`: the overlay reads a `Vec`; `Some(n)`: an opaque source giving `n` bytes a read.
    max_read: Option<usize>,
    /// Where the unaligned reads start and how long they are.
    probe: usize,
    /// Context lines of the final diff.
    context: usize,
}

fn overlay_case() -> impl Strategy<Value = OverlayCase> {
    (
        document(),
        vec(step(), 1..10),
        vec(select(CHUNKS), 1..4),
        prop_oneof![Just(None), select(&[1usize, 2, 3, 5, 64][..]).prop_map(Some)],
        0usize..64,
        0usize..4,
    )
        .prop_map(|(doc, steps, chunks, max_read, probe, context)| OverlayCase {
            doc,
            steps,
            chunks,
            max_read,
            probe,
            context,
        })
}

fn run_overlay_case<S>(source: S, case: &OverlayCase) -> Result<(), TestCaseError>
where
    S: ReadAt<Error = Infallible> + Clone,
{
    let original = &case.doc[..];
    let full_reads = case.max_read.is_none();
    let mut overlay = Overlay::new(source.clone());
    let mut model = original.to_vec();
    // The view before each staged edit that changed the patch.
    let mut history: Vec<Vec<u8>> = Vec::new();
    for (i, step) in case.steps.iter().enumerate() {
        let mut chunker = Chunker::new(case.chunks[i % case.chunks.len()]);
        let what = format!("step {i} ({step:?})");
        let index = must("build", LineIndex::build(&overlay, &mut chunker))?;
        check_index(&index, &model, &format!("{what}: view index"))?;
        match step {
            Step::Undo => {
                prop_assert_eq!(overlay.undo(), !history.is_empty(), "{}", what);
                if let Some(previous) = history.pop() {
                    model = previous;
                }
            }
            Step::Stale { shorter } => {
                let len = model.len() as u64;
                let wrong = if *shorter && len > 0 { len - 1 } else { len + 1 };
                let stale = must("splice_bytes", text::splice_bytes(wrong, 0..0, b"x"))?;
                let err = overlay.stage(&stale);
                prop_assert!(
                    matches!(err, Err(EditError::ShortRead { .. })),
                    "{}: {:?}",
                    what,
                    err
                );
            }
            _ => {
                let op = resolve(step, &model).ok_or_else(|| TestCaseError::fail("unresolved"))?;
                let what = format!("step {i} ({op:?})");
                let expect = model_op(&model, &op);
                let planned = plan_op(&overlay, &index, &op, &mut chunker)?;
                match (expect, planned) {
                    (Err(e), Err(got)) => prop_assert_eq!(got, e, "{}", what),
                    (Err(e), Ok(p)) => {
                        return Err(TestCaseError::fail(format!("{what}: expected {e}, got {p:?}")))
                    }
                    (Ok(_), Err(got)) => {
                        return Err(TestCaseError::fail(format!("{what}: unexpected error {got}")))
                    }
                    (Ok(splices), Ok(patch)) => {
                        let new = apply(&model, &splices);
                        // The planned patch alone, against the view it was planned for.
                        prop_assert_eq!(patch.source_len(), model.len() as u64, "{}", what);
                        prop_assert_eq!(
                            patch.is_empty(),
                            splices.iter().all(NSplice::is_noop),
                            "{}: empty patch",
                            what
                        );
                        let alone = must("apply_to_vec", patch.apply_to_vec(&model))?;
                        prop_assert_eq!(&alone, &new, "{}: planned patch", what);
                        // The index of the new view, shifted instead of rebuilt.
                        let shifted = must("shifted", index.shifted(&overlay, &patch))?;
                        check_index(&shifted, &new, &format!("{what}: shifted view index"))?;
                        must("stage", overlay.stage(&patch))?;
                        if !patch.is_empty() {
                            history.push(std::mem::replace(&mut model, new));
                        }
                    }
                }
            }
        }
        prop_assert_eq!(overlay.depth(), history.len(), "{}: depth", what);
        check_reads(&overlay, &model, full_reads, case.probe + i, &what)?;
    }
    check_commit(&source, original, &overlay, &model, case)?;

    // Undo walks back through every view, down to the source.
    let mut undone = overlay.clone();
    while let Some(previous) = history.pop() {
        prop_assert!(undone.undo());
        check_reads(&undone, &previous, full_reads, case.probe, "after undo")?;
    }
    prop_assert!(!undone.undo());
    prop_assert!(undone.patch().is_empty());
    Ok(())
}

/// Checks the combined patch: applied, streamed, as pieces, shifted, inverted and diffed.
fn check_commit<S>(
    source: &S,
    original: &[u8],
    overlay: &Overlay<S>,
    model: &[u8],
    case: &OverlayCase,
) -> Result<(), TestCaseError>
where
    S: ReadAt<Error = Infallible> + Clone,
{
    let patch = overlay.patch();
    prop_assert_eq!(patch.source_len(), original.len() as u64);
    prop_assert_eq!(patch.len(), model.len() as u64);
    prop_assert_eq!(&must("apply_to_vec", patch.apply_to_vec(original))?[..], model);

    let mut streamed = Vec::new();
    let mut chunker = Chunker::new(case.chunks[case.probe % case.chunks.len()]);
    must("write_to", patch.write_to(source, &mut streamed, &mut chunker))?;
    prop_assert_eq!(&streamed[..], model, "write_to");

    let splices: Vec<_> = patch.splices().iter().collect();
    prop_assert!(splices.windows(2).all(|w| w[0].range.end <= w[1].range.start), "{:?}", splices);
    prop_assert!(
        splices.iter().all(|s| !(s.range.is_empty() && s.bytes.is_empty())),
        "{:?}",
        splices
    );
    let mut from_pieces = Vec::new();
    for piece in patch.pieces() {
        prop_assert!(!piece.is_empty(), "empty piece in {:?}", patch);
        match piece {
            Piece::Copy(r) => {
                from_pieces.extend_from_slice(&original[r.start as usize..r.end as usize])
            }
            Piece::Insert(b) => from_pieces.extend_from_slice(b),
        }
    }
    prop_assert_eq!(&from_pieces[..], model, "pieces");

    // A fresh overlay over the committed patch reads the same.
    let reopened = Overlay::with_patch(source.clone(), patch.clone());
    check_reads(&reopened, model, case.max_read.is_none(), case.probe, "with_patch")?;

    let mut chunker = Chunker::new(case.chunks[0]);
    let index = must("build", LineIndex::build(source, &mut chunker))?;
    let shifted = must("shifted", index.shifted(source, patch))?;
    check_index(&shifted, model, "index shifted by the combined patch")?;

    let inverse = must("inverse", patch.inverse(source))?;
    prop_assert_eq!(inverse.source_len(), model.len() as u64);
    prop_assert_eq!(&must("inverse apply", inverse.apply_to_vec(model))?[..], original, "inverse");

    let mut out = Vec::new();
    must("unified", diff::unified(source, &index, patch, case.context as u64, "a", "b", &mut out))?;
    match apply_unified(original, &out, case.context) {
        Ok(applied) => prop_assert_eq!(
            &applied[..],
            model,
            "the diff does not give the new document:\n{}",
            String::from_utf8_lossy(&out)
        ),
        Err(e) => {
            return Err(TestCaseError::fail(format!(
                "bad diff: {e}:\n{}",
                String::from_utf8_lossy(&out)
            )))
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(10_000))]

    #[test]
    fn staged_edits_match_the_model(case in overlay_case()) {
        match case.max_read {
            None => run_overlay_case(&case.doc, &case)?,
            Some(max_read) => run_overlay_case(Opaque { bytes: &case.doc, max_read }, &case)?,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Property 2: edit lists in original coordinates (`plan_edits`)
// ---------------------------------------------------------------------------------------------

/// How a line range is written in an edit list.
#[derive(Debug, Clone, Copy)]
enum LinesForm {
    /// A JSON number.
    Number,
    /// `"A:B"`.
    Both,
    /// `"A:"`.
    From,
    /// `":B"`.
    To,
    /// `"N"`.
    One,
}

/// One edit of a list, with numbers resolved against the original document.
#[derive(Debug, Clone)]
enum EditSeed {
    Lines { delete: bool, form: LinesForm, a: usize, b: usize, with: Vec<u8>, bad: bool },
    Insert { before: bool, n: usize, with: Vec<u8>, bad: bool },
    Splice { at: usize, len: usize, with: Vec<u8>, bad: bool },
    Replace { needle: Needle, fallback: String, with: Vec<u8>, max: Option<u64> },
}

impl EditSeed {
    fn content(&self) -> &[u8] {
        match self {
            EditSeed::Lines { with, .. }
            | EditSeed::Insert { with, .. }
            | EditSeed::Splice { with, .. }
            | EditSeed::Replace { with, .. } => with,
        }
    }
}

fn edit_seed() -> impl Strategy<Value = EditSeed> {
    let n = || 0usize..512;
    let bad = || prop::bool::weighted(0.05);
    let form = select(
        &[LinesForm::Number, LinesForm::Both, LinesForm::From, LinesForm::To, LinesForm::One][..],
    );
    prop_oneof![
        4 => (any::<bool>(), form, n(), n(), bytes_text(), bad()).prop_map(
            |(delete, form, a, b, with, bad)| EditSeed::Lines { delete, form, a, b, with, bad }
        ),
        3 => (any::<bool>(), n(), bytes_text(), bad())
            .prop_map(|(before, n, with, bad)| EditSeed::Insert { before, n, with, bad }),
        2 => (n(), 0usize..6, bytes_text(), bad())
            .prop_map(|(at, len, with, bad)| EditSeed::Splice { at, len, with, bad }),
        1 => (needle(), vec(select(UTF8_TOKENS), 1..3), bytes_text(), max_count()).prop_map(
            |(needle, fallback, with, max)| {
                EditSeed::Replace { needle, fallback: fallback.concat(), with, max }
            }
        ),
    ]
}

/// Edit content as JSON carries it (the wire format is UTF-8; invalid bytes are patched into the
/// parsed edits by [`with_content`]).
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An edit as JSON, and what the model makes of it (its splices, or that it is refused).
fn resolve_edit(seed: &EditSeed, doc: &[u8]) -> (serde_json::Value, Result<Vec<NSplice>, ()>) {
    use serde_json::json;
    let count = line_spans(doc).len() as u64;
    let past = count + 1;
    match seed {
        EditSeed::Lines { delete, form, a, b, with, bad } => {
            let valid = line_range(count, *a, *b, None);
            let (mut first, mut last) = (*valid.start(), *valid.end());
            let (lines, range) = match form {
                LinesForm::Number | LinesForm::One => {
                    if *bad {
                        first = past;
                    }
                    let arg = match form {
                        LinesForm::Number => json!(first),
                        _ => json!(first.to_string()),
                    };
                    (arg, first..=first)
                }
                LinesForm::Both => {
                    if *bad {
                        last = past;
                    }
                    (json!(format!("{first}:{last}")), first..=last)
                }
                LinesForm::From => {
                    if *bad {
                        first = past;
                    }
                    (json!(format!("{first}:")), first..=count)
                }
                LinesForm::To => {
                    if *bad {
                        last = past;
                    }
                    (json!(format!(":{last}")), 1..=last)
                }
            };
            let model = model_replace_lines(doc, &range, if *delete { b"" } else { &with[..] })
                .map_err(|_| ());
            let edit = if *delete {
                json!({"op": "delete-lines", "lines": lines})
            } else {
                json!({"op": "replace-lines", "lines": lines, "with": lossy(with)})
            };
            (edit, model)
        }
        EditSeed::Insert { before, n, with, bad } => {
            let after = if *bad { past } else { *n as u64 % (count + 1) };
            let model = model_insert_lines(doc, after, &with[..]).map_err(|_| ());
            if *before {
                (json!({"op": "insert", "before": after + 1, "with": lossy(with)}), model)
            } else {
                (json!({"op": "insert", "after": after, "with": lossy(with)}), model)
            }
        }
        EditSeed::Splice { at, len, with, bad } => {
            let start = at % (doc.len() + 1);
            let end = if *bad { doc.len() + 1 } else { (start + len).min(doc.len()) };
            let range = start as u64..end as u64;
            let model = model_splice(doc, &range, &with[..]).map_err(|_| ());
            (json!({"op": "splice", "bytes": format!("{start}:{end}"), "with": lossy(with)}), model)
        }
        EditSeed::Replace { needle, fallback, with, max } => {
            let find = String::from_utf8(needle.resolve(doc))
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| fallback.clone());
            let model =
                model_replace_literal(doc, find.as_bytes(), &with[..], *max).map_err(|_| ());
            let mut edit = json!({"op": "replace", "find": find, "with": lossy(with)});
            if let Some(m) = max {
                edit["max"] = json!(m);
            }
            (edit, model)
        }
    }
}

/// Parses JSON edits through the documented wire format, checking that they round-trip.
fn parse_edits(values: &[serde_json::Value]) -> Result<Vec<Edit>, TestCaseError> {
    let text = serde_json::Value::Array(values.to_vec()).to_string();
    let edits: Vec<Edit> = must("parse edits", serde_json::from_str(&text))?;
    let again: Vec<Edit> = must(
        "reparse edits",
        serde_json::to_string(&edits).and_then(|t| serde_json::from_str(&t)),
    )?;
    prop_assert_eq!(&again, &edits);
    Ok(edits)
}

/// The pairs `(i, j)`, `i < j`, of edits whose splices overlap.
fn overlapping_pairs(splices: &[Vec<NSplice>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 0..splices.len() {
        for j in i + 1..splices.len() {
            if splices[i].iter().any(|x| splices[j].iter().any(|y| overlaps(x, y))) {
                out.push((i, j));
            }
        }
    }
    out
}

/// The edit with its content replaced by `bytes` (Rust callers may give any bytes), checking
/// that JSON carried valid UTF-8 content exactly.
fn with_content(mut edit: Edit, bytes: &[u8]) -> Result<Edit, TestCaseError> {
    let content = match &mut edit {
        Edit::ReplaceLines { with, .. }
        | Edit::Insert { with, .. }
        | Edit::Replace { with, .. }
        | Edit::Splice { with, .. } => with,
        Edit::DeleteLines { .. } => return Ok(edit),
    };
    if std::str::from_utf8(bytes).is_ok() {
        prop_assert_eq!(content.as_bytes(), bytes, "content through JSON");
    }
    *content = Content(bytes.to_vec());
    Ok(edit)
}

/// Plans `edits` against `doc`, with its line index, and also without one: then the result
/// must be the same when no edit needs the index, and otherwise be refused at the first edit
/// that is either bad (`first_bad`) or needs the index.
fn plan_list(
    doc: &[u8],
    edits: &[Edit],
    first_bad: Option<usize>,
    chunk: usize,
) -> Result<Result<Patch, EditError>, TestCaseError> {
    let doc = doc.to_vec();
    let mut chunker = Chunker::new(chunk);
    let index = must("build", LineIndex::build(&doc, &mut chunker))?;
    let planned = plan_edits(&doc, Some(&index), edits, &mut chunker).map_err(Error::into_edit);
    let without = plan_edits(&doc, None, edits, &mut chunker).map_err(Error::into_edit);
    match edits.iter().position(Edit::needs_line_index) {
        None => prop_assert_eq!(&without, &planned, "planned without the index"),
        Some(needs) => {
            let expect = first_bad.map_or(needs, |bad| bad.min(needs));
            let refused =
                matches!(&without, Err(EditError::BadEdit { index, .. }) if *index == expect);
            prop_assert!(
                refused,
                "without the index, edit {} should be refused: {:?}",
                expect,
                without
            );
        }
    }
    Ok(planned)
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn edit_lists_apply_bottom_up(
        doc in document(),
        seeds in vec(edit_seed(), 1..5),
        chunk in select(CHUNKS),
    ) {
        let (values, models): (Vec<_>, Vec<_>) =
            seeds.iter().map(|s| resolve_edit(s, &doc)).unzip();
        let edits = parse_edits(&values)?
            .into_iter()
            .zip(&seeds)
            .map(|(edit, seed)| with_content(edit, seed.content()))
            .collect::<Result<Vec<_>, _>>()?;
        let first_bad = models.iter().position(Result::is_err);
        let planned = plan_list(&doc, &edits, first_bad, chunk)?;
        if let Some(bad) = first_bad {
            let is_bad = matches!(&planned, Err(EditError::BadEdit { index, .. }) if *index == bad);
            prop_assert!(is_bad, "edit {} should be refused: {:?}", bad, planned);
            return Ok(());
        }
        let splices: Vec<Vec<NSplice>> = models.into_iter().flatten().collect();
        let pairs = overlapping_pairs(&splices);
        if !pairs.is_empty() {
            let named = match &planned {
                Err(EditError::EditsOverlap { first, second, .. }) => Some((*first, *second)),
                _ => None,
            };
            let named_overlap = named.is_some_and(|p| pairs.contains(&p));
            prop_assert!(named_overlap, "{:?} for overlaps {:?}", planned, pairs);
            return Ok(());
        }
        let patch = must("plan_edits", planned)?;
        let all: Vec<NSplice> = splices.into_iter().flatten().collect();
        let applied = must("apply_to_vec", patch.apply_to_vec(&doc))?;
        prop_assert_eq!(applied, apply(&doc, &all));
    }

    #[test]
    fn overlapping_edits_are_refused(
        doc in document(),
        kind in 0usize..5,
        a in 0usize..512,
        b in 0usize..512,
        c in 0usize..512,
        with in utf8_text(),
        swap in any::<bool>(),
        chunk in select(CHUNKS),
    ) {
        use serde_json::json;
        let mut doc = doc;
        while line_spans(&doc).len() < 2 {
            doc.extend_from_slice(b"z\n");
        }
        let spans = line_spans(&doc);
        let count = spans.len() as u64;
        let len = doc.len();
        // A range of at least two lines, and a second edit inside it.
        let first = 1 + a as u64 % (count - 1);
        let last = first + 1 + b as u64 % (count - first);
        let inner = first + c as u64 % (last - first + 1);
        let with = if with.is_empty() { "w".to_string() } else { with };
        let (x, y) = match kind {
            0 => (
                json!({"op": "replace-lines", "lines": format!("{first}:{last}"), "with": with}),
                json!({"op": "delete-lines", "lines": format!("{inner}:")}),
            ),
            1 => (
                json!({"op": "delete-lines", "lines": format!("{first}:{last}")}),
                json!({"op": "insert", "after": inner.min(last - 1), "with": with}),
            ),
            2 => {
                let s = a % (len - 1);
                let e = s + 2 + b % (len - s - 1);
                let u = s + 1 + c % (e - s - 1);
                (
                    json!({"op": "splice", "bytes": format!("{s}:{e}"), "with": with}),
                    json!({"op": "splice", "bytes": format!("{u}:{u}"), "with": "x"}),
                )
            }
            3 => {
                let span = &spans[last as usize - 1];
                let u = span.start + c % span.len();
                (
                    json!({"op": "replace-lines", "lines": last, "with": with}),
                    json!({"op": "splice", "bytes": format!("{u}:{}", u + 1), "with": ""}),
                )
            }
            _ => {
                let line = &doc[spans[inner as usize - 1].clone()];
                let find = String::from_utf8_lossy(&line[..1]).into_owned();
                let found = doc.windows(find.len()).any(|w| w == find.as_bytes());
                let find = if found { find } else { "\n".to_string() };
                (
                    json!({"op": "replace", "find": find, "with": with}),
                    json!({"op": "replace", "find": find, "with": "x", "max": 1}),
                )
            }
        };
        let values = if swap { vec![y, x] } else { vec![x, y] };
        let edits = parse_edits(&values)?;
        // The generator must produce an overlap the model agrees with.
        let models: Vec<Vec<NSplice>> =
            values.iter().map(|v| model_of_value(&doc, v)).collect::<Result<_, _>>()?;
        prop_assert_eq!(overlapping_pairs(&models), vec![(0, 1)], "generator: {:?}", values);
        let planned = plan_list(&doc, &edits, None, chunk)?;
        let expect = EditError::EditsOverlap {
            first: 0,
            first_op: edits[0].describe(),
            second: 1,
            second_op: edits[1].describe(),
        };
        prop_assert_eq!(planned, Err(expect));
    }
}

/// The model's splices for the few JSON edits the overlap property writes.
fn model_of_value(doc: &[u8], v: &serde_json::Value) -> Result<Vec<NSplice>, TestCaseError> {
    let fail = |what: &str| TestCaseError::fail(format!("{what}: {v}"));
    let count = line_spans(doc).len() as u64;
    let num = |s: &str| s.parse::<u64>().map_err(|_| fail("number"));
    let lines = || -> Result<RangeInclusive<u64>, TestCaseError> {
        match &v["lines"] {
            serde_json::Value::Number(n) => {
                let n = n.as_u64().ok_or_else(|| fail("line"))?;
                Ok(n..=n)
            }
            serde_json::Value::String(s) => {
                let (a, b) = s.split_once(':').ok_or_else(|| fail("lines"))?;
                let a = if a.is_empty() { 1 } else { num(a)? };
                let b = if b.is_empty() { count } else { num(b)? };
                Ok(a..=b)
            }
            _ => Err(fail("lines")),
        }
    };
    let with = v["with"].as_str().unwrap_or("").as_bytes();
    let result = match v["op"].as_str() {
        Some("replace-lines") => model_replace_lines(doc, &lines()?, with),
        Some("delete-lines") => model_replace_lines(doc, &lines()?, b""),
        Some("insert") => {
            model_insert_lines(doc, v["after"].as_u64().ok_or_else(|| fail("after"))?, with)
        }
        Some("splice") => {
            let bytes = v["bytes"].as_str().ok_or_else(|| fail("bytes"))?;
            let (a, b) = bytes.split_once(':').ok_or_else(|| fail("bytes"))?;
            model_splice(doc, &(num(a)?..num(b)?), with)
        }
        Some("replace") => {
            let find = v["find"].as_str().ok_or_else(|| fail("find"))?.as_bytes();
            model_replace_literal(doc, find, with, v["max"].as_u64())
        }
        _ => return Err(fail("op")),
    };
    result.map_err(|e| fail(&format!("model refuses: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Property 3: searching
// ---------------------------------------------------------------------------------------------

/// `(offset, 1-based line, 1-based byte column, line start)` of each match, found naively.
fn naive_find(doc: &[u8], range: Range<usize>, needle: &[u8], max: Option<u64>) -> Vec<[u64; 4]> {
    find_all(&doc[range.clone()], needle, max)
        .into_iter()
        .map(|m| {
            let at = range.start + m.start;
            let line_start = doc[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let line = newline_count(&doc[..at]) as u64 + 1;
            [at as u64, line, (at - line_start) as u64 + 1, line_start as u64]
        })
        .collect()
}

/// One search: a needle, the same needle as a regex pattern, where to start and stop.
#[derive(Debug)]
struct Search {
    needle: Vec<u8>,
    pattern: Pattern,
    /// 0-based line where the literal search starts.
    first_line: usize,
    /// Where it ends, modulo what is left of the document.
    end: usize,
    max: Option<u64>,
    chunk: usize,
}

fn check_search<S: ReadAt<Error = Infallible>>(
    src: &S,
    doc: &[u8],
    search: &Search,
) -> Result<(), TestCaseError> {
    let Search { needle, pattern, first_line, end, max, chunk } = search;
    let (first_line, max) = (*first_line, *max);
    let spans = line_spans(doc);
    let start = spans.get(first_line).map_or(doc.len(), |s| s.start);
    let end = start + end % (doc.len() - start + 1);
    let mut chunker = Chunker::new(*chunk);
    let found = text::find_literal(
        src,
        start as u64..end as u64,
        first_line as u64 + 1,
        needle,
        max,
        &mut chunker,
    );
    let found = must("find_literal", found)?;
    let got: Vec<[u64; 4]> =
        found.iter().map(|m| [m.offset, m.line, m.column, m.line_start]).collect();
    prop_assert_eq!(
        got,
        naive_find(doc, start..end, needle, max),
        "find_literal in {}..{}",
        start,
        end
    );
    prop_assert!(found.iter().all(|m| m.len == needle.len() as u64));

    let re = must("compile_regex", text::compile_regex(&pattern.source()))?;
    let found = must("find_regex", text::find_regex(src, &re, max, &mut chunker))?;
    let got: Vec<[u64; 4]> = found.iter().map(|m| [m.offset, m.line, m.column, m.len]).collect();
    let mut expect = Vec::new();
    'lines: for (k, span) in spans.iter().enumerate() {
        for m in pattern.matches(text_of(&doc[span.clone()])) {
            if max.is_some_and(|max| expect.len() as u64 >= max) {
                break 'lines;
            }
            let at = (span.start + m.start) as u64;
            expect.push([at, k as u64 + 1, m.start as u64 + 1, m.len() as u64]);
        }
    }
    prop_assert_eq!(got, expect, "find_regex {:?}", pattern.source());
    Ok(())
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn finds_match_a_naive_search(
        doc in document(),
        needle in needle(),
        anchor in select(&[Anchor::None, Anchor::Start, Anchor::End][..]),
        first_line in 0usize..8,
        end in 0usize..512,
        max in max_count(),
        chunk in select(CHUNKS),
        max_read in prop_oneof![Just(None), select(&[1usize, 2, 3, 5][..]).prop_map(Some)],
    ) {
        let mut needle = needle.resolve(&doc);
        if needle.is_empty() {
            needle = b"a".to_vec();
        }
        let literal = String::from_utf8(needle.clone()).ok().filter(|s| !s.contains('\n'));
        let pattern = Pattern { anchor, literal: literal.unwrap_or_else(|| "a".to_string()) };
        let first_line = first_line.min(line_spans(&doc).len());
        let search = Search { needle, pattern, first_line, end, max, chunk };
        match max_read {
            None => check_search(&doc, &doc, &search)?,
            Some(max_read) => check_search(&Opaque { bytes: &doc, max_read }, &doc, &search)?,
        }
        let mut chunker = Chunker::new(chunk);
        let empty = text::find_literal(&doc, 0..doc.len() as u64, 1, b"", None, &mut chunker);
        prop_assert_eq!(empty.map_err(Error::into_edit), Err(EditError::EmptyPattern));
    }
}

// ---------------------------------------------------------------------------------------------
// Property 4: a unified diff pushed in parts
// ---------------------------------------------------------------------------------------------

/// Several [`document`]s end to end: long enough for hunks far apart and hunks that merge.
fn long_document() -> impl Strategy<Value = Vec<u8>> {
    vec(document(), 1..10).prop_map(|docs| docs.concat())
}

/// A splice as drawn: start (modulo the document's length + 1), length, text.
type SpliceSeed = (usize, usize, Vec<u8>);

/// Sorted, non-overlapping splices from `seeds` (a seed overlapping a kept one is dropped, and
/// so is one that changes nothing).
fn resolve_splices(doc: &[u8], seeds: &[SpliceSeed]) -> Vec<(Range<usize>, Vec<u8>)> {
    let mut all: Vec<(Range<usize>, Vec<u8>)> = seeds
        .iter()
        .map(|(start, len, text)| {
            let start = start % (doc.len() + 1);
            (start..(start + len).min(doc.len()), text.clone())
        })
        .filter(|(r, text)| !(r.is_empty() && text.is_empty()))
        .collect();
    all.sort_by_key(|(r, _)| (r.start, r.end));
    let mut kept: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    for (r, text) in all {
        if kept.last().is_none_or(|(last, _)| r.start >= last.end) {
            kept.push((r, text));
        }
    }
    kept
}

/// The diff of `parts` pushed one after another; after each non-empty part, a part that
/// reaches back into it must be refused without changing what comes out.
fn push_parts<S: ReadAt<Error = Infallible>>(
    src: &S,
    index: &LineIndex,
    parts: &[Patch],
    context: usize,
) -> Result<Vec<u8>, TestCaseError> {
    let mut diff = diff::UnifiedDiff::new(context as u64, "a", "b");
    let mut out = Vec::new();
    for part in parts {
        must("push", diff.push(src, index, part, &mut out))?;
        if let Some(last) = part.splices().last().filter(|s| s.range.end > 0) {
            let at = last.range.end - 1;
            let back = must("back", Patch::new(part.source_len(), vec![Splice::new(at..at, "!")]))?;
            let refused = diff.push(src, index, &back, &mut out);
            prop_assert!(
                matches!(refused, Err(WriteError::Source(Error::Edit(EditError::Overlap { .. })))),
                "a part at {} after one ending at {} was not refused: {:?}",
                at,
                last.range.end,
                refused
            );
        }
    }
    must("finish", diff.finish(src, index, &mut out))?;
    Ok(out)
}

proptest! {
    #![proptest_config(config(10_000))]

    /// Pushing a patch in parts cut anywhere (empty parts, hunks split across parts) gives the
    /// bytes `diff::unified` gives for the whole patch, and they turn the document into the
    /// patched one.
    #[test]
    fn a_diff_pushed_in_parts_is_the_diff_of_the_whole(
        doc in long_document(),
        seeds in vec((0usize..1_000, prop_oneof![3 => 0usize..3, 1 => 0usize..40], bytes_text()), 0..24),
        cuts in vec(0usize..100, 0..16),
        context in 0usize..4,
        max_read in prop_oneof![Just(None), select(&[1usize, 3][..]).prop_map(Some)],
    ) {
        let splices = resolve_splices(&doc, &seeds);
        let mut model = Vec::new();
        let mut pos = 0;
        for (r, text) in &splices {
            model.extend_from_slice(&doc[pos..r.start]);
            model.extend_from_slice(text);
            pos = r.end;
        }
        model.extend_from_slice(&doc[pos..]);

        let len = doc.len() as u64;
        let owned = |from: usize, to: usize| -> Vec<Splice> {
            splices[from..to]
                .iter()
                .map(|(r, text)| Splice::new(r.start as u64..r.end as u64, text.clone()))
                .collect()
        };
        let whole = must("whole patch", Patch::new(len, owned(0, splices.len())))?;
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (splices.len() + 1)).collect();
        cuts.sort_unstable();
        let mut parts = Vec::new();
        let mut from = 0;
        for &cut in cuts.iter().chain([&splices.len()]) {
            parts.push(must("part", Patch::new(len, owned(from, cut)))?);
            from = cut;
        }

        let index = must("build", LineIndex::build(&doc, &mut Chunker::new(7)))?;
        let mut expect = Vec::new();
        must("unified", diff::unified(&doc, &index, &whole, context as u64, "a", "b", &mut expect))?;
        let got = match max_read {
            None => push_parts(&doc, &index, &parts, context)?,
            Some(max_read) => push_parts(&Opaque { bytes: &doc, max_read }, &index, &parts, context)?,
        };
        prop_assert_eq!(
            &got,
            &expect,
            "parts cut at {:?}:\n{}\nwhole:\n{}",
            cuts,
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&expect)
        );
        match apply_unified(&doc, &got, context) {
            Ok(applied) => prop_assert_eq!(
                &applied[..],
                &model[..],
                "the diff does not give the new document:\n{}",
                String::from_utf8_lossy(&got)
            ),
            Err(e) => {
                return Err(TestCaseError::fail(format!(
                    "bad diff: {e}:\n{}",
                    String::from_utf8_lossy(&got)
                )))
            }
        }
    }
}
