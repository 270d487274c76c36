//! Text planners: intent in, [`Patch`] out. Line ranges, inserts, deletes, literal and regex
//! find & replace, byte splices, and line transforms with a context window.
//!
//! Replacement text for line operations is a sequence of lines: if it is non-empty and lacks a
//! final newline, the document's line ending is added, except where the replaced range ends at
//! a last line that had no newline, which stays without one. Empty text removes the lines.

use std::collections::VecDeque;
use std::ops::{Range, RangeInclusive};

use regex::bytes::Regex;

use crate::error::{EditError, Error};
use crate::find::{split_ending, Line, LineSplitter, LiteralFinder, Match};
use crate::lines::LineIndex;
use crate::patch::{Drain, Patch, PatchBuilder, SortedSplices};
use crate::scan::{Chunker, Flow, Pass, Scanner};
use crate::source::{check_range, ReadAt};

/// `text` with every line ending written as `newline`, the file's: in a CRLF file a bare LF
/// becomes CRLF, so new lines never mix endings (an LF file keeps the text as given).
///
/// # Example
///
/// ```
/// use bigedit_core::text;
///
/// assert_eq!(text::to_newline(b"a\nb\r\nc", b"\r\n"), b"a\r\nb\r\nc");
/// assert_eq!(text::to_newline(b"a\r\nb\n", b"\n"), b"a\r\nb\n");
/// ```
pub fn to_newline(text: &[u8], newline: &[u8]) -> Vec<u8> {
    if newline != b"\r\n" {
        return text.to_vec();
    }
    let mut out = Vec::with_capacity(text.len() + text.len() / 16);
    let mut prev = 0u8;
    for &b in text {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// Ends `text` with `newline` unless it already ends with `\n`; empty stays empty. Its inner
/// line endings become `newline` too ([`to_newline`]).
fn terminate(text: &[u8], newline: &[u8]) -> Vec<u8> {
    let mut out = to_newline(text, newline);
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(newline);
    }
    out
}

/// Removes one final line ending, if the text has one.
fn unterminate(mut text: Vec<u8>) -> Vec<u8> {
    let keep = split_ending(&text).0.len();
    text.truncate(keep);
    text
}

/// Plans replacing the 1-based inclusive `lines` with `text` (see the module docs for how the
/// final newline is handled).
///
/// # Example
///
/// ```
/// use bigedit_core::{text, Chunker, LineIndex};
///
/// let src = b"a\r\nb\r\nc".to_vec();
/// let index = LineIndex::build(&src, &mut Chunker::default()).unwrap();
/// let patch = text::replace_lines(&src, &index, 2..=2, b"B").unwrap();
/// assert_eq!(patch.apply_to_vec(&src).unwrap(), b"a\r\nB\r\nc");
/// let patch = text::replace_lines(&src, &index, 3..=3, b"C\n").unwrap();
/// assert_eq!(patch.apply_to_vec(&src).unwrap(), b"a\r\nb\r\nC");
/// ```
///
/// # Errors
///
/// A line range outside the document, or the source's error.
pub fn replace_lines<S: ReadAt + ?Sized>(
    src: &S,
    index: &LineIndex,
    lines: RangeInclusive<u64>,
    text: &[u8],
) -> Result<Patch, Error<S::Error>> {
    let last = *lines.end();
    let range = index.lines_to_bytes(src, lines)?;
    let bytes = if last == index.line_count() && !index.ends_with_newline() {
        unterminate(to_newline(text, index.newline()))
    } else {
        terminate(text, index.newline())
    };
    Ok(Patch::new(index.len(), vec![crate::Splice::new(range, bytes)])?)
}

/// Plans deleting the 1-based inclusive `lines`, endings included.
///
/// # Errors
///
/// A line range outside the document, or the source's error.
pub fn delete_lines<S: ReadAt + ?Sized>(
    src: &S,
    index: &LineIndex,
    lines: RangeInclusive<u64>,
) -> Result<Patch, Error<S::Error>> {
    replace_lines(src, index, lines, b"")
}

/// Plans inserting `text` as lines after 1-based line `after` (`0` inserts at the top).
///
/// After a last line without newline, a newline is added before the text and the text's own
/// final newline is dropped, so the document still ends without one.
///
/// # Errors
///
/// [`EditError::LinePastEnd`] if `after` is past the last line, or the source's error.
pub fn insert_lines<S: ReadAt + ?Sized>(
    src: &S,
    index: &LineIndex,
    after: u64,
    text: &[u8],
) -> Result<Patch, Error<S::Error>> {
    let count = index.line_count();
    let at = index
        .line_to_byte(src, after)?
        .ok_or(EditError::LinePastEnd { line: after, lines: count })?;
    let newline = index.newline();
    let bytes = if after == count && count > 0 && !index.ends_with_newline() && !text.is_empty() {
        // After a last line without newline: end that line, and keep the file unterminated.
        [newline, &unterminate(to_newline(text, newline))].concat()
    } else {
        terminate(text, newline)
    };
    Ok(Patch::new(index.len(), vec![crate::Splice::new(at..at, bytes)])?)
}

/// Plans replacing bytes `range` with `bytes`.
///
/// # Errors
///
/// [`EditError::BytesPastEnd`] or [`EditError::ReversedBytes`].
pub fn splice_bytes(len: u64, range: Range<u64>, bytes: &[u8]) -> Result<Patch, EditError> {
    check_range(&range, len)?;
    Patch::new(len, vec![crate::Splice::new(range, bytes)])
}

/// Finds up to `max` non-overlapping occurrences of `needle` in `range` of `src`.
///
/// Line numbers count from the start of `src` only when `range` starts at 0; for a later start
/// pass the 1-based line that begins there as `first_line`. Collects the matches; use
/// [`for_each_literal`] to stream them in bounded memory.
///
/// # Example
///
/// ```
/// use bigedit_core::{text, Chunker};
///
/// let src = b"x\nfoo bar foo\n".to_vec();
/// let m = text::find_literal(&src, 0..src.len() as u64, 1, b"foo", None, &mut Chunker::default()).unwrap();
/// assert_eq!(m.iter().map(|m| (m.line, m.column)).collect::<Vec<_>>(), [(2, 1), (2, 9)]);
/// ```
///
/// # Errors
///
/// [`EditError::EmptyPattern`], or the source's error.
pub fn find_literal<S: ReadAt + ?Sized>(
    src: &S,
    range: Range<u64>,
    first_line: u64,
    needle: &[u8],
    max: Option<u64>,
    chunker: &mut Chunker,
) -> Result<Vec<Match>, Error<S::Error>> {
    let mut out = Vec::new();
    for_each_literal(src, range, first_line, needle, max, chunker, &mut |m| {
        out.push(m);
        Ok(Flow::Continue)
    })?;
    Ok(out)
}

/// Streams up to `max` occurrences of `needle` in `range` of `src` to `each`, in order, until
/// `each` returns [`Flow::Stop`]. Memory is bounded by the chunk size.
///
/// # Errors
///
/// [`EditError::EmptyPattern`], `each`'s error, or the source's error.
pub fn for_each_literal<S: ReadAt + ?Sized>(
    src: &S,
    range: Range<u64>,
    first_line: u64,
    needle: &[u8],
    max: Option<u64>,
    chunker: &mut Chunker,
    each: &mut dyn FnMut(Match) -> Result<Flow, EditError>,
) -> Result<(), Error<S::Error>> {
    let mut finder = LiteralFinder::new(needle, max)?.starting_at_line(range.start, first_line);
    chunker.scan(src, range, &mut |off: u64, chunk: &[u8]| {
        let mut flow = crate::Scanner::feed(&mut finder, off, chunk)?;
        for m in finder.take_matches() {
            if each(m)? == Flow::Stop {
                flow = Flow::Stop;
                break;
            }
        }
        Ok(flow)
    })?;
    Ok(())
}

/// The byte range of the text of the line that starts at `line_start` (its ending excluded).
///
/// Scans forward to the next newline, so it costs the line's length.
///
/// # Errors
///
/// The source's error, or an out-of-bounds start.
pub fn line_text_range<S: ReadAt + ?Sized>(
    src: &S,
    line_start: u64,
    chunker: &mut Chunker,
) -> Result<Range<u64>, Error<S::Error>> {
    let mut end = src.len();
    let mut prev = None;
    let mut cr_before = false;
    chunker.scan(src, line_start..src.len(), &mut |off: u64, chunk: &[u8]| {
        if let Some(p) = memchr::memchr(b'\n', chunk) {
            end = off + p as u64;
            cr_before = if p > 0 { chunk[p - 1] == b'\r' } else { prev == Some(b'\r') };
            return Ok(Flow::Stop);
        }
        prev = chunk.last().copied();
        Ok(Flow::Continue)
    })?;
    if cr_before {
        end -= 1;
    }
    Ok(line_start..end)
}

/// Plans replacing up to `max` occurrences of `needle` with `with` (no escapes: both literal).
///
/// The patch holds one splice per match (the [`LiteralReplacer`] pass hands them over as it
/// goes: [`Drain`]); the scan itself is bounded by the chunk size.
///
/// # Errors
///
/// [`EditError::EmptyPattern`], or the source's error.
pub fn replace_literal<S: ReadAt + ?Sized>(
    src: &S,
    needle: &[u8],
    with: &[u8],
    max: Option<u64>,
    chunker: &mut Chunker,
) -> Result<Patch, Error<S::Error>> {
    chunker.run(src, LiteralReplacer::new(needle, with, max, src.len())?)
}

/// The push-based planner of [`replace_literal`]: a [`Pass`] whose result is the patch.
#[derive(Debug, Clone)]
pub struct LiteralReplacer<'p> {
    finder: LiteralFinder<'p>,
    with: Vec<u8>,
    patch: SortedSplices,
}

impl<'p> LiteralReplacer<'p> {
    /// Plans replacing up to `max` occurrences of `needle` with `with` in a document of `len`
    /// bytes.
    ///
    /// # Errors
    ///
    /// [`EditError::EmptyPattern`].
    pub fn new(
        needle: &'p [u8],
        with: &[u8],
        max: Option<u64>,
        len: u64,
    ) -> Result<Self, EditError> {
        Ok(LiteralReplacer {
            finder: LiteralFinder::new(needle, max)?,
            with: with.to_vec(),
            patch: SortedSplices::new(len),
        })
    }

    /// The same planner owning its needle.
    pub fn into_owned(self) -> LiteralReplacer<'static> {
        LiteralReplacer { finder: self.finder.into_owned(), with: self.with, patch: self.patch }
    }
}

impl Scanner for LiteralReplacer<'_> {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        let flow = self.finder.feed(offset, chunk)?;
        for m in self.finder.take_matches() {
            self.patch.push(m.offset..m.offset + m.len, self.with.as_slice())?;
        }
        Ok(flow)
    }
}

impl Pass for LiteralReplacer<'_> {
    type Output = Patch;

    fn finish(self) -> Result<Patch, EditError> {
        Ok(self.patch.finish())
    }
}

impl Drain for LiteralReplacer<'_> {
    fn drain(&mut self) -> Patch {
        self.patch.drain()
    }
}

/// The planner of a find & replace, literal or regex: one type for hosts that pick at run
/// time (the CLI's `replace`, an edit list).
#[derive(Debug, Clone)]
pub enum Replacer<'p> {
    /// `find` is literal.
    Literal(Box<LiteralReplacer<'p>>),
    /// `find` is a regex, matched line by line; `with` may refer to its groups.
    Regex(Box<RegexReplacer>),
}

impl<'p> Replacer<'p> {
    /// Plans replacing up to `max` occurrences of `find` with `with` in a document of `len`
    /// bytes.
    ///
    /// # Errors
    ///
    /// [`EditError::EmptyPattern`] or [`EditError::BadRegex`].
    pub fn new(
        find: &'p str,
        with: &[u8],
        regex: bool,
        max: Option<u64>,
        len: u64,
    ) -> Result<Self, EditError> {
        Ok(if regex {
            let re = compile_regex(find)?;
            check_groups(&re, with)?;
            Replacer::Regex(Box::new(RegexReplacer::new(re, with, max, len)))
        } else {
            Replacer::Literal(Box::new(LiteralReplacer::new(find.as_bytes(), with, max, len)?))
        })
    }
}

impl Scanner for Replacer<'_> {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        match self {
            Replacer::Literal(p) => p.feed(offset, chunk),
            Replacer::Regex(p) => p.feed(offset, chunk),
        }
    }
}

impl Pass for Replacer<'_> {
    type Output = Patch;

    fn finish(self) -> Result<Patch, EditError> {
        match self {
            Replacer::Literal(p) => p.finish(),
            Replacer::Regex(p) => p.finish(),
        }
    }
}

impl Drain for Replacer<'_> {
    fn drain(&mut self) -> Patch {
        match self {
            Replacer::Literal(p) => p.drain(),
            Replacer::Regex(p) => p.drain(),
        }
    }
}

/// Compiles a regex for line-by-line use (over bytes, so invalid UTF-8 never stops a scan).
///
/// # Errors
///
/// [`EditError::BadRegex`] with the engine's message.
pub fn compile_regex(pattern: &str) -> Result<Regex, EditError> {
    if needs_newline(pattern) {
        return Err(EditError::BadRegex {
            pattern: pattern.to_string(),
            message: "it asks for a newline, but regexes match within one line (its text, \
                      without the ending); search literally for text across lines"
                .to_string(),
        });
    }
    Regex::new(pattern).map_err(|e| EditError::BadRegex {
        pattern: pattern.to_string(),
        message: e.to_string().lines().last().unwrap_or("").trim().to_string(),
    })
}

/// Whether `pattern` names a newline (a raw one, `\n`, `\x0a`, `\x{a}`, `\u000a`, `\012`)
/// outside a character class, where it could never match a line's text. Escaped backslashes
/// (`\\n`) are not newlines.
fn needs_newline(pattern: &str) -> bool {
    let b = pattern.as_bytes();
    let mut i = 0;
    let mut class = 0usize;
    while i < b.len() {
        match b[i] {
            b'\n' if class == 0 => return true,
            b'\\' => {
                let rest = &pattern[i + 1..];
                let newline =
                    ["n", "x0a", "x0A", "x{a}", "x{A}", "x{0a}", "x{0A}", "u000a", "u000A", "012"]
                        .iter()
                        .any(|e| rest.starts_with(e));
                if newline && class == 0 {
                    return true;
                }
                i += 2;
                continue;
            }
            b'[' => class += 1,
            b']' if class > 0 => class -= 1,
            _ => {}
        }
        i += 1;
    }
    false
}

/// Checks that every group `with` refers to (`$1`, `$name`, `${name}`, read as
/// [`regex::bytes::Captures::expand`] reads them) exists in `re`: the engine expands a missing
/// group to nothing, so `$1x` (the group named `1x`) would silently drop text.
///
/// # Example
///
/// ```
/// use bigedit_core::text;
///
/// let re = text::compile_regex(r"(\d+)-(?P<unit>[a-z]+)").unwrap();
/// assert!(text::check_groups(&re, b"${1}x $2 $unit $$ $0").is_ok());
/// assert!(text::check_groups(&re, b"$1x").unwrap_err().to_string().contains("\"1x\""));
/// assert!(text::check_groups(&re, b"${3}").is_err());
/// ```
///
/// # Errors
///
/// [`EditError::NoSuchGroup`] naming the first missing group.
pub fn check_groups(re: &Regex, with: &[u8]) -> Result<(), EditError> {
    let groups = re.captures_len() - 1;
    let names: Vec<&str> = re.capture_names().flatten().collect();
    let mut rest = with;
    while let Some(at) = memchr::memchr(b'$', rest) {
        rest = &rest[at + 1..];
        let name: &[u8] = match rest.first() {
            Some(b'$') => {
                rest = &rest[1..];
                continue;
            }
            Some(b'{') => match memchr::memchr(b'}', rest) {
                Some(end) => {
                    let name = &rest[1..end];
                    rest = &rest[end + 1..];
                    name
                }
                None => continue,
            },
            _ => {
                let n =
                    rest.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
                let name = &rest[..n];
                rest = &rest[n..];
                name
            }
        };
        if name.is_empty() {
            continue;
        }
        let name = String::from_utf8_lossy(name);
        let exists = match name.parse::<usize>() {
            Ok(i) => i <= groups,
            Err(_) => names.contains(&name.as_ref()),
        };
        if !exists {
            let names = if names.is_empty() {
                String::new()
            } else {
                format!(", named {}", names.join(", "))
            };
            return Err(EditError::NoSuchGroup { group: name.into_owned(), groups, names });
        }
    }
    Ok(())
}

/// Calls `each` for every line of `src`, in order, until it returns [`Flow::Stop`].
///
/// # Errors
///
/// [`EditError::LineTooLong`] (see [`LineSplitter`]), `each`'s error, or the source's.
pub fn for_each_line<S: ReadAt + ?Sized>(
    src: &S,
    chunker: &mut Chunker,
    each: &mut dyn FnMut(Line<'_>) -> Result<Flow, EditError>,
) -> Result<(), Error<S::Error>> {
    chunker.run(src, LinePass::over(EachLine(each), false))
}

/// The [`LineHandler`] of [`for_each_line`]: a callback.
struct EachLine<'a>(&'a mut dyn FnMut(Line<'_>) -> Result<Flow, EditError>);

impl LineHandler for EachLine<'_> {
    type Output = ();

    fn line(&mut self, line: Line<'_>) -> Result<Flow, EditError> {
        (self.0)(line)
    }

    fn finish(self) -> Result<(), EditError> {
        Ok(())
    }
}

/// Finds up to `max` matches of `re`, line by line (a match never spans a line ending).
///
/// # Errors
///
/// As [`for_each_line`].
pub fn find_regex<S: ReadAt + ?Sized>(
    src: &S,
    re: &Regex,
    max: Option<u64>,
    chunker: &mut Chunker,
) -> Result<Vec<Match>, Error<S::Error>> {
    chunker.run(src, RegexFinder::new(re.clone(), max))
}

/// Streams up to `max` matches of `re`, line by line, to `each` until it returns
/// [`Flow::Stop`]. Memory is bounded by the chunk size and the longest line.
///
/// # Errors
///
/// As [`for_each_line`].
pub fn for_each_regex<S: ReadAt + ?Sized>(
    src: &S,
    re: &Regex,
    max: Option<u64>,
    chunker: &mut Chunker,
    each: &mut dyn FnMut(Match) -> Result<Flow, EditError>,
) -> Result<(), Error<S::Error>> {
    let mut finder = RegexFinder::new(re.clone(), max);
    let mut stopped = false;
    chunker.scan(src, 0..src.len(), &mut |off: u64, chunk: &[u8]| {
        let mut flow = finder.feed(off, chunk)?;
        for m in finder.take_matches() {
            if each(m)? == Flow::Stop {
                stopped = true;
                flow = Flow::Stop;
                break;
            }
        }
        Ok(flow)
    })?;
    if !stopped {
        for m in finder.finish()? {
            if each(m)? == Flow::Stop {
                break;
            }
        }
    }
    Ok(())
}

/// A line-by-line [`Pass`]: splits pushed chunks into lines and hands each whole line to a
/// [`LineHandler`] until the handler says [`Flow::Stop`]. [`RegexFinder`] and
/// [`RegexReplacer`] are this pass over their handlers.
#[derive(Debug, Clone)]
pub struct LinePass<H> {
    lines: LineSplitter,
    stopped: bool,
    handler: H,
}

/// What a [`LinePass`] does with each line, and what it makes of them at the end.
pub trait LineHandler {
    /// The result of the pass.
    type Output;

    /// Takes one whole line (the last one may lack a newline).
    ///
    /// # Errors
    ///
    /// A handler-specific [`EditError`].
    fn line(&mut self, line: Line<'_>) -> Result<Flow, EditError>;

    /// The result, once every line was handled (or the pass stopped).
    ///
    /// # Errors
    ///
    /// A handler-specific [`EditError`].
    fn finish(self) -> Result<Self::Output, EditError>;
}

impl<H: LineHandler> LinePass<H> {
    /// A pass over `handler`, already stopped when `stopped` (a limit of zero).
    fn over(handler: H, stopped: bool) -> Self {
        LinePass { lines: LineSplitter::default(), stopped, handler }
    }

    /// Numbers lines from 1-based `line`, for a pass that starts at the start of that line.
    pub fn starting_at_line(mut self, line: u64) -> Self {
        self.lines = self.lines.starting_at_line(line);
        self
    }
}

impl<H: LineHandler> Scanner for LinePass<H> {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        if self.stopped {
            return Ok(Flow::Stop);
        }
        let handler = &mut self.handler;
        let flow = self.lines.feed(offset, chunk, &mut |line| handler.line(line))?;
        self.stopped = flow == Flow::Stop;
        Ok(flow)
    }
}

impl<H: LineHandler> Pass for LinePass<H> {
    type Output = H::Output;

    /// Hands out the last line (one without a newline) unless the pass stopped, then the
    /// handler's result.
    fn finish(mut self) -> Result<H::Output, EditError> {
        if !self.stopped {
            let handler = &mut self.handler;
            self.lines.finish(&mut |line| handler.line(line))?;
        }
        self.handler.finish()
    }
}

/// Finds a regex line by line in pushed chunks: the [`Pass`] of [`find_regex`].
///
/// Found matches accumulate until taken with [`RegexFinder::take_matches`]; the finder stops
/// the pass once `max` matches were found. Its result is the matches not yet taken,
/// including those of a last line without a newline.
pub type RegexFinder = LinePass<RegexFind>;

/// The [`LineHandler`] of [`RegexFinder`]: records each line's matches.
#[derive(Debug, Clone)]
pub struct RegexFind {
    re: Regex,
    limit: u64,
    found: u64,
    matches: Vec<Match>,
}

impl RegexFinder {
    /// A finder of up to `max` matches of `re` (all when `None`).
    pub fn new(re: Regex, max: Option<u64>) -> Self {
        let limit = max.unwrap_or(u64::MAX);
        LinePass::over(RegexFind { re, limit, found: 0, matches: Vec::new() }, limit == 0)
    }

    /// Takes the matches found since the last call.
    pub fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.handler.matches)
    }
}

impl LineHandler for RegexFind {
    type Output = Vec<Match>;

    fn line(&mut self, line: Line<'_>) -> Result<Flow, EditError> {
        for m in self.re.find_iter(line.text) {
            self.matches.push(Match {
                offset: line.offset + m.start() as u64,
                len: m.len() as u64,
                line: line.number,
                column: m.start() as u64 + 1,
                line_start: line.offset,
            });
            self.found += 1;
            if self.found >= self.limit {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    }

    fn finish(self) -> Result<Vec<Match>, EditError> {
        Ok(self.matches)
    }
}

/// Plans replacing up to `max` matches of `re`, line by line; `with` may use `$1`, `${name}`
/// and `$$` as in [`regex::bytes::Captures::expand`].
///
/// # Example
///
/// ```
/// use bigedit_core::{text, Chunker};
///
/// let src = b"id=1\nid=22\n".to_vec();
/// let re = text::compile_regex(r"id=(\d+)$").unwrap();
/// let p = text::replace_regex(&src, &re, b"[$1]", None, &mut Chunker::default()).unwrap();
/// assert_eq!(p.apply_to_vec(&src).unwrap(), b"[1]\n[22]\n");
/// ```
///
/// # Errors
///
/// As [`for_each_line`].
pub fn replace_regex<S: ReadAt + ?Sized>(
    src: &S,
    re: &Regex,
    with: &[u8],
    max: Option<u64>,
    chunker: &mut Chunker,
) -> Result<Patch, Error<S::Error>> {
    chunker.run(src, RegexReplacer::new(re.clone(), with, max, src.len()))
}

/// The push-based planner of [`replace_regex`]: a [`Pass`] whose result is the patch.
pub type RegexReplacer = LinePass<RegexReplace>;

/// The [`LineHandler`] of [`RegexReplacer`]: plans each line's replacements.
#[derive(Debug, Clone)]
pub struct RegexReplace {
    re: Regex,
    with: Vec<u8>,
    patch: SortedSplices,
    limit: u64,
    count: u64,
}

impl RegexReplacer {
    /// Plans replacing up to `max` matches of `re` with `with` (expanded per match) in a
    /// document of `len` bytes.
    pub fn new(re: Regex, with: &[u8], max: Option<u64>, len: u64) -> Self {
        let limit = max.unwrap_or(u64::MAX);
        let handler = RegexReplace {
            re,
            with: with.to_vec(),
            patch: SortedSplices::new(len),
            limit,
            count: 0,
        };
        LinePass::over(handler, limit == 0)
    }

    /// How many matches were planned so far.
    pub fn count(&self) -> u64 {
        self.handler.count
    }
}

impl Drain for RegexReplacer {
    fn drain(&mut self) -> Patch {
        self.handler.patch.drain()
    }
}

impl LineHandler for RegexReplace {
    type Output = Patch;

    fn line(&mut self, line: Line<'_>) -> Result<Flow, EditError> {
        for caps in self.re.captures_iter(line.text) {
            let Some(m) = caps.get(0) else { continue };
            let mut bytes = Vec::new();
            caps.expand(&self.with, &mut bytes);
            let at = line.offset + m.start() as u64;
            self.patch.push(at..at + m.len() as u64, &bytes)?;
            self.count += 1;
            if self.count >= self.limit {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    }

    fn finish(self) -> Result<Patch, EditError> {
        Ok(self.patch.finish())
    }
}

/// Plans a line transform: `f` sees each line and up to `context` previous lines (oldest
/// first, without endings, as they were before any change) and returns the line's new text,
/// or `None` to keep it. Line endings are kept.
///
/// Memory holds the context window and one splice per changed line.
///
/// # Example
///
/// ```
/// use bigedit_core::{text, Chunker};
///
/// // Number each line that repeats the line before it.
/// let src = b"a\na\nb\nb\nb\n".to_vec();
/// let p = text::transform_lines(&src, 1, &mut Chunker::default(), |line, prev| {
///     (prev.back().map(|p| p.as_slice()) == Some(line.text))
///         .then(|| format!("{} (again)", String::from_utf8_lossy(line.text)).into_bytes())
/// })
/// .unwrap();
/// assert_eq!(p.apply_to_vec(&src).unwrap(), b"a\na (again)\nb\nb (again)\nb (again)\n");
/// ```
///
/// # Errors
///
/// As [`for_each_line`].
pub fn transform_lines<S, F>(
    src: &S,
    context: usize,
    chunker: &mut Chunker,
    mut f: F,
) -> Result<Patch, Error<S::Error>>
where
    S: ReadAt + ?Sized,
    F: FnMut(&Line<'_>, &VecDeque<Vec<u8>>) -> Option<Vec<u8>>,
{
    let mut b = PatchBuilder::new(src.len());
    let mut window: VecDeque<Vec<u8>> = VecDeque::with_capacity(context + 1);
    for_each_line(src, chunker, &mut |line| {
        if let Some(new) = f(&line, &window) {
            if new != line.text {
                b.push(line.offset..line.offset + line.text.len() as u64, new)?;
            }
        }
        if context > 0 {
            if window.len() == context {
                let mut old = window.pop_front().unwrap_or_default();
                old.clear();
                old.extend_from_slice(line.text);
                window.push_back(old);
            } else {
                window.push_back(line.text.to_vec());
            }
        }
        Ok(Flow::Continue)
    })?;
    Ok(b.build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(t: &[u8]) -> LineIndex {
        LineIndex::build(t, &mut Chunker::default()).unwrap()
    }

    /// Applies a line edit to a naive `Vec` of lines.
    fn lines_of(t: &str) -> Vec<String> {
        t.split_inclusive('\n').map(str::to_string).collect()
    }

    #[test]
    fn replace_lines_follows_the_newline_rules() {
        let cases: &[(&str, RangeInclusive<u64>, &str, &str)] = &[
            ("a\nb\nc\n", 2..=2, "B", "a\nB\nc\n"),
            ("a\nb\nc\n", 2..=3, "X\nY\nZ\n", "a\nX\nY\nZ\n"),
            ("a\nb\nc", 3..=3, "C", "a\nb\nC"),
            ("a\nb\nc", 3..=3, "C\n", "a\nb\nC"),
            ("a\nb\nc", 2..=3, "", "a\n"),
            ("a\nb\nc\n", 1..=3, "", ""),
            // New lines take the file's ending: a bare LF inside the text gets its CR.
            ("a\r\nb\r\n", 1..=1, "x\ny", "x\r\ny\r\nb\r\n"),
            ("a", 1..=1, "x\r", "x\r"),
        ];
        for (src, lines, with, expect) in cases {
            let s = src.as_bytes().to_vec();
            let p = replace_lines(&s, &idx(&s), lines.clone(), with.as_bytes()).unwrap();
            assert_eq!(
                String::from_utf8(p.apply_to_vec(&s).unwrap()).unwrap(),
                *expect,
                "{src:?} {lines:?} {with:?}"
            );
        }
    }

    #[test]
    fn inserts_at_top_middle_and_end() {
        let cases: &[(&str, u64, &str, &str)] = &[
            ("a\nb\n", 0, "top", "top\na\nb\n"),
            ("a\nb\n", 1, "mid\n", "a\nmid\nb\n"),
            ("a\nb\n", 2, "end", "a\nb\nend\n"),
            ("a\nb", 2, "end", "a\nb\nend"),
            ("a\r\nb", 2, "end\n", "a\r\nb\r\nend"),
            ("", 0, "first", "first\n"),
            ("a\n", 1, "", "a\n"),
            ("a", 1, "\r", "a\n\r"),
        ];
        for (src, after, with, expect) in cases {
            let s = src.as_bytes().to_vec();
            let p = insert_lines(&s, &idx(&s), *after, with.as_bytes()).unwrap();
            assert_eq!(
                String::from_utf8(p.apply_to_vec(&s).unwrap()).unwrap(),
                *expect,
                "{src:?} {after} {with:?}"
            );
        }
        let s = b"a\nb\n".to_vec();
        assert_eq!(
            insert_lines(&s, &idx(&s), 3, b"x").unwrap_err().into_edit(),
            EditError::LinePastEnd { line: 3, lines: 2 }
        );
    }

    #[test]
    fn literal_and_regex_replace_agree_with_std() {
        let text = "foo bar\nbarfoo\r\nfoofoo\nnone\nfoo".to_string();
        let s = text.clone().into_bytes();
        let std_re = regex::Regex::new("(o+)$").unwrap();
        for (p, nl) in [
            ("a\nb", true),
            (r"a\nb", true),
            (r"x\x0a", true),
            (r"\\n", false),
            (r"[\n]x", false),
            ("a$", false),
        ] {
            assert_eq!(needs_newline(p), nl, "{p:?}");
        }
        for size in [1, 7, 4096] {
            let mut c = Chunker::new(size);
            let p = replace_literal(&s, b"foo", b"FOO!", None, &mut c).unwrap();
            assert_eq!(p.apply_to_vec(&s).unwrap(), text.replace("foo", "FOO!").into_bytes());
            let p = replace_literal(&s, b"foo", b"", Some(2), &mut c).unwrap();
            assert_eq!(p.apply_to_vec(&s).unwrap(), text.replacen("foo", "", 2).into_bytes());
            let re = compile_regex("(o+)$").unwrap();
            let p = replace_regex(&s, &re, b"<$1>", None, &mut c).unwrap();
            let expect: String = lines_of(&text)
                .iter()
                .map(|l| {
                    let (body, end) = match l.strip_suffix("\r\n") {
                        Some(b) => (b, "\r\n"),
                        None => l.strip_suffix('\n').map_or((l.as_str(), ""), |b| (b, "\n")),
                    };
                    format!("{}{end}", std_re.replace_all(body, "<$1>"))
                })
                .collect();
            assert_eq!(String::from_utf8(p.apply_to_vec(&s).unwrap()).unwrap(), expect);
        }
        assert!(matches!(compile_regex("(").unwrap_err(), EditError::BadRegex { .. }));
    }

    #[test]
    fn regex_find_reports_lines_and_columns() {
        let s = b"ab\ncab\r\nxx ab".to_vec();
        let re = compile_regex("ab").unwrap();
        let m = find_regex(&s, &re, None, &mut Chunker::new(3)).unwrap();
        let got: Vec<_> = m.iter().map(|m| (m.line, m.column, m.offset)).collect();
        assert_eq!(got, [(1, 1, 0), (2, 2, 4), (3, 4, 11)]);
        assert_eq!(find_regex(&s, &re, Some(1), &mut Chunker::default()).unwrap().len(), 1);
    }

    #[test]
    fn find_from_a_later_line() {
        let s = b"foo\nfoo\nfoo\n".to_vec();
        let m = find_literal(&s, 4..12, 2, b"foo", None, &mut Chunker::new(2)).unwrap();
        assert_eq!(m.iter().map(|m| (m.line, m.column)).collect::<Vec<_>>(), [(2, 1), (3, 1)]);
    }

    #[test]
    fn transform_sees_the_window() {
        let s = b"1\n2\n3\n4".to_vec();
        let p = transform_lines(&s, 2, &mut Chunker::new(3), |line, prev| {
            let sum: u32 = prev
                .iter()
                .chain([&line.text.to_vec()])
                .map(|l| std::str::from_utf8(l).unwrap().parse::<u32>().unwrap())
                .sum();
            Some(sum.to_string().into_bytes())
        })
        .unwrap();
        assert_eq!(p.apply_to_vec(&s).unwrap(), b"1\n3\n6\n9");
    }
}
