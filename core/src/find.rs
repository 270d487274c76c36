//! Push-based searching: [`LiteralFinder`] (memchr's `memmem`, across chunk boundaries, with
//! line and column tracking) and [`LineSplitter`] (whole lines out of arbitrary chunks, for
//! line-by-line regex and transforms).
//!
//! ADVICE FOR HACKERS: a match may straddle chunks. The finder keeps the last `len - 1` bytes
//! of the previous chunk (the carry) and searches carry + head of the new chunk first; matches
//! are leftmost and non-overlapping, exactly as one search over the whole input would give.

use memchr::{memchr_iter, memmem, memrchr};

use crate::error::EditError;
use crate::scan::{Flow, Scanner};

/// A match: where it starts, how long it is, and its 1-based line and byte column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// Byte offset of the first matched byte.
    pub offset: u64,
    /// Length of the match in bytes.
    pub len: u64,
    /// 1-based line of the first matched byte.
    pub line: u64,
    /// 1-based byte column of the first matched byte within its line.
    pub column: u64,
    /// Byte offset where that line starts.
    pub line_start: u64,
}

/// Tracks the line number and line start of a position moving forward through the input.
#[derive(Debug, Clone, Copy, Default)]
struct LineTracker {
    /// Newlines before `at`.
    newlines: u64,
    /// Start of the line that contains `at`.
    line_start: u64,
    /// Everything before this offset has been counted.
    at: u64,
}

impl LineTracker {
    /// Counts the bytes of `data` (which starts at `data_offset`) between `self.at` and `to`.
    fn advance(&mut self, data: &[u8], data_offset: u64, to: u64) {
        let end = data_offset + data.len() as u64;
        let (from, to) = (self.at.max(data_offset), to.min(end));
        if from >= to {
            return;
        }
        let part = &data[(from - data_offset) as usize..(to - data_offset) as usize];
        let n = memchr_iter(b'\n', part).count() as u64;
        if n > 0 {
            self.newlines += n;
            if let Some(p) = memrchr(b'\n', part) {
                self.line_start = from + p as u64 + 1;
            }
        }
        self.at = to;
    }
}

/// Finds a literal byte string in pushed chunks.
///
/// Found matches accumulate until taken with [`LiteralFinder::take_matches`]; the finder stops
/// the pass once `max` matches were found.
///
/// # Example
///
/// ```
/// use bigedit_core::{LiteralFinder, Scanner};
///
/// let mut f = LiteralFinder::new(b"needle", None).unwrap();
/// f.feed(0, b"hay\nhayne").unwrap();
/// f.feed(9, b"edle!").unwrap();
/// let m = f.take_matches();
/// assert_eq!((m[0].offset, m[0].line, m[0].column), (7, 2, 4));
/// ```
#[derive(Debug, Clone)]
pub struct LiteralFinder<'p> {
    finder: memmem::Finder<'p>,
    carry: Vec<u8>,
    carry_offset: u64,
    next_allowed: u64,
    lines: LineTracker,
    max: Option<u64>,
    found: u64,
    matches: Vec<Match>,
}

impl<'p> LiteralFinder<'p> {
    /// A finder for `needle` that stops after `max` matches (all when `None`).
    ///
    /// # Errors
    ///
    /// [`EditError::EmptyPattern`] for an empty needle.
    pub fn new(needle: &'p [u8], max: Option<u64>) -> Result<Self, EditError> {
        if needle.is_empty() {
            return Err(EditError::EmptyPattern);
        }
        Ok(LiteralFinder {
            finder: memmem::Finder::new(needle),
            carry: Vec::with_capacity(needle.len()),
            carry_offset: 0,
            next_allowed: 0,
            lines: LineTracker::default(),
            max,
            found: 0,
            matches: Vec::new(),
        })
    }

    /// Starts counting at `offset`, which is the start of 1-based line `line`, for a search
    /// that begins mid-document. Without it, counting starts at offset 0, line 1.
    pub fn starting_at_line(mut self, offset: u64, line: u64) -> Self {
        self.lines =
            LineTracker { newlines: line.saturating_sub(1), line_start: offset, at: offset };
        self.next_allowed = offset;
        self
    }

    /// The same finder owning its needle, so it can outlive the pattern it was built from.
    pub fn into_owned(self) -> LiteralFinder<'static> {
        LiteralFinder {
            finder: self.finder.into_owned(),
            carry: self.carry,
            carry_offset: self.carry_offset,
            next_allowed: self.next_allowed,
            lines: self.lines,
            max: self.max,
            found: self.found,
            matches: self.matches,
        }
    }

    /// How many matches were found so far.
    pub fn found(&self) -> u64 {
        self.found
    }

    /// Takes the matches found since the last call.
    pub fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }

    fn done(&self) -> bool {
        self.max.is_some_and(|m| self.found >= m)
    }

    /// Searches `hay` (starting at `hay_offset`) for matches that start before `limit`.
    fn search(&mut self, hay: &[u8], hay_offset: u64, limit: u64, chunk: &[u8], chunk_offset: u64) {
        let n = self.finder.needle().len() as u64;
        loop {
            if self.done() {
                return;
            }
            let from = self.next_allowed.max(hay_offset);
            if from >= limit || from >= hay_offset + hay.len() as u64 {
                return;
            }
            let Some(p) = self.finder.find(&hay[(from - hay_offset) as usize..]) else { return };
            let at = from + p as u64;
            if at >= limit {
                return;
            }
            // Count lines up to the match: the uncounted bytes lie in the carry and the chunk.
            let carry = std::mem::take(&mut self.carry);
            self.lines.advance(&carry, self.carry_offset, at);
            self.carry = carry;
            self.lines.advance(chunk, chunk_offset, at);
            self.matches.push(Match {
                offset: at,
                len: n,
                line: self.lines.newlines + 1,
                column: at - self.lines.line_start + 1,
                line_start: self.lines.line_start,
            });
            self.found += 1;
            self.next_allowed = at + n;
        }
    }
}

impl Scanner for LiteralFinder<'_> {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        let keep = self.finder.needle().len() - 1;
        if self.carry.is_empty() {
            self.carry_offset = offset;
        } else {
            // Matches that start in the carry and end in this chunk.
            let head = &chunk[..chunk.len().min(keep)];
            let mut joined = Vec::with_capacity(self.carry.len() + head.len());
            joined.extend_from_slice(&self.carry);
            joined.extend_from_slice(head);
            let (carry_offset, limit) = (self.carry_offset, offset);
            self.search(&joined, carry_offset, limit, chunk, offset);
        }
        self.search(chunk, offset, u64::MAX, chunk, offset);
        if self.done() {
            return Ok(Flow::Stop);
        }
        // Count everything that can no longer hold a match start, then keep the tail.
        let end = offset + chunk.len() as u64;
        // Never before the first byte held: a short first chunk keeps all it has.
        let tail_start = end.saturating_sub(keep as u64).max(self.carry_offset);
        let carry = std::mem::take(&mut self.carry);
        self.lines.advance(&carry, self.carry_offset, tail_start);
        self.lines.advance(chunk, offset, tail_start);
        let mut tail = carry;
        let drop = (tail_start.saturating_sub(self.carry_offset) as usize).min(tail.len());
        tail.drain(..drop);
        let from_chunk = (tail_start.max(offset) - offset) as usize;
        tail.extend_from_slice(&chunk[from_chunk..]);
        self.carry = tail;
        self.carry_offset = tail_start;
        Ok(Flow::Continue)
    }
}

/// A complete line handed out by a [`LineSplitter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    /// Byte offset of the line's first byte.
    pub offset: u64,
    /// The line without its ending (its first bytes only, for a line a clipping splitter cut).
    pub text: &'a [u8],
    /// Bytes of the line's text past `text`, not held: 0 unless a clipping splitter
    /// ([`LineSplitter::clipping`]) cut the line. The ending follows them.
    pub skipped: u64,
    /// `\n`, `\r\n`, or empty for a last line without newline.
    pub ending: &'a [u8],
}

/// Splits a line (with its ending) into text and ending.
pub(crate) fn split_ending(line: &[u8]) -> (&[u8], &[u8]) {
    if let Some(rest) = line.strip_suffix(b"\r\n") {
        (rest, &line[rest.len()..])
    } else if let Some(rest) = line.strip_suffix(b"\n") {
        (rest, &line[rest.len()..])
    } else {
        (line, &[])
    }
}

impl crate::scan::Pass for LiteralFinder<'_> {
    type Output = Vec<Match>;

    /// The matches not yet taken.
    fn finish(mut self) -> Result<Vec<Match>, EditError> {
        Ok(self.take_matches())
    }
}

/// Assembles whole lines out of pushed chunks.
///
/// A line that spans chunks is copied into a carry buffer, which may grow to the longest line;
/// lines longer than the limit are an error rather than unbounded memory.
#[derive(Debug, Clone)]
pub struct LineSplitter {
    carry: Vec<u8>,
    carry_offset: u64,
    number: u64,
    limit: usize,
    /// Cut lines over the limit (keep their first bytes) instead of refusing them.
    clip: bool,
    /// Bytes of the current line's text dropped past the limit (clipping only).
    skipped: u64,
    /// The current line's last byte so far (clipping only), to find a `\r\n` split away.
    last: u8,
}

/// The default longest line a line-by-line scan holds: 64 MiB.
pub const DEFAULT_LINE_LIMIT: usize = 64 << 20;

impl Default for LineSplitter {
    fn default() -> Self {
        LineSplitter::new(DEFAULT_LINE_LIMIT)
    }
}

impl LineSplitter {
    /// A splitter that refuses lines longer than `limit` bytes.
    pub fn new(limit: usize) -> Self {
        LineSplitter {
            carry: Vec::new(),
            carry_offset: 0,
            number: 0,
            limit,
            clip: false,
            skipped: 0,
            last: 0,
        }
    }

    /// A splitter that hands out lines longer than `limit` bytes cut: their first `limit`
    /// bytes as [`Line::text`], the rest counted in [`Line::skipped`], so memory stays
    /// bounded by `limit` whatever the file holds (a 200 MB data URI on one line).
    ///
    /// # Example
    ///
    /// ```
    /// use bigedit_core::{Flow, LineSplitter};
    ///
    /// let mut s = LineSplitter::clipping(4);
    /// let mut got = Vec::new();
    /// for (i, b) in b"ab\nlong line\r\nx".iter().enumerate() {
    ///     s.feed(i as u64, &[*b], &mut |l| { got.push((l.offset, l.text.to_vec(), l.skipped, l.ending.len())); Ok(Flow::Continue) }).unwrap();
    /// }
    /// s.finish(&mut |l| { got.push((l.offset, l.text.to_vec(), l.skipped, l.ending.len())); Ok(Flow::Continue) }).unwrap();
    /// assert_eq!(got, [(0, b"ab".to_vec(), 0, 1), (3, b"long".to_vec(), 5, 2), (14, b"x".to_vec(), 0, 0)]);
    /// ```
    pub fn clipping(limit: usize) -> Self {
        LineSplitter { clip: true, ..LineSplitter::new(limit) }
    }

    /// Starts numbering at 1-based `line`, for a scan that begins at the start of that line.
    pub fn starting_at_line(mut self, line: u64) -> Self {
        self.number = line.saturating_sub(1);
        self
    }

    /// Feeds a chunk, calling `each` for every line it completes.
    ///
    /// # Errors
    ///
    /// [`EditError::LineTooLong`], or `each`'s error.
    pub fn feed<F: FnMut(Line<'_>) -> Result<Flow, EditError> + ?Sized>(
        &mut self,
        offset: u64,
        chunk: &[u8],
        each: &mut F,
    ) -> Result<Flow, EditError> {
        if self.clip {
            return self.feed_clipping(offset, chunk, each);
        }
        let mut start = 0;
        for nl in memchr_iter(b'\n', chunk) {
            let flow = if self.carry.is_empty() {
                self.emit(offset + start as u64, &chunk[start..=nl], each)?
            } else {
                let mut carry = std::mem::take(&mut self.carry);
                carry.extend_from_slice(&chunk[start..=nl]);
                self.check_len(carry.len())?;
                let flow = self.emit(self.carry_offset, &carry, each)?;
                carry.clear();
                self.carry = carry;
                flow
            };
            start = nl + 1;
            if flow == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        if start < chunk.len() {
            if self.carry.is_empty() {
                self.carry_offset = offset + start as u64;
            }
            self.carry.extend_from_slice(&chunk[start..]);
            self.check_len(self.carry.len())?;
        }
        Ok(Flow::Continue)
    }

    /// [`LineSplitter::feed`] for a clipping splitter.
    fn feed_clipping<F: FnMut(Line<'_>) -> Result<Flow, EditError> + ?Sized>(
        &mut self,
        offset: u64,
        chunk: &[u8],
        each: &mut F,
    ) -> Result<Flow, EditError> {
        let mut start = 0;
        for nl in memchr_iter(b'\n', chunk) {
            let held = self.carry.is_empty() && self.skipped == 0 && self.last == 0;
            let flow = if held && nl - start <= self.limit {
                self.emit(offset + start as u64, &chunk[start..=nl], each)?
            } else {
                if held {
                    self.carry_offset = offset + start as u64;
                }
                self.clip_in(&chunk[start..nl]);
                let crlf = self.last == b'\r';
                if crlf {
                    if self.skipped > 0 {
                        self.skipped -= 1;
                    } else {
                        self.carry.pop();
                    }
                }
                let ending: &[u8] = if crlf { b"\r\n" } else { b"\n" };
                self.emit_clipped(ending, each)?
            };
            start = nl + 1;
            if flow == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        if start < chunk.len() {
            if self.carry.is_empty() && self.skipped == 0 && self.last == 0 {
                self.carry_offset = offset + start as u64;
            }
            self.clip_in(&chunk[start..]);
        }
        Ok(Flow::Continue)
    }

    /// Adds `bytes` of the current line: held up to the limit, counted past it.
    fn clip_in(&mut self, bytes: &[u8]) {
        let keep = self.limit.saturating_sub(self.carry.len()).min(bytes.len());
        self.carry.extend_from_slice(&bytes[..keep]);
        self.skipped += (bytes.len() - keep) as u64;
        if let Some(&b) = bytes.last() {
            self.last = b;
        }
    }

    /// Hands out the held (cut) line with `ending`, and starts the next one.
    fn emit_clipped<F: FnMut(Line<'_>) -> Result<Flow, EditError> + ?Sized>(
        &mut self,
        ending: &[u8],
        each: &mut F,
    ) -> Result<Flow, EditError> {
        self.number += 1;
        let carry = std::mem::take(&mut self.carry);
        let line = Line {
            number: self.number,
            offset: self.carry_offset,
            text: &carry,
            skipped: self.skipped,
            ending,
        };
        let flow = each(line);
        self.carry = carry;
        self.carry.clear();
        self.skipped = 0;
        self.last = 0;
        flow
    }

    /// Ends the input, handing out a last line that had no newline.
    ///
    /// # Errors
    ///
    /// `each`'s error.
    pub fn finish<F: FnMut(Line<'_>) -> Result<Flow, EditError> + ?Sized>(
        &mut self,
        each: &mut F,
    ) -> Result<Flow, EditError> {
        if self.clip && (self.skipped > 0 || self.last != 0 || !self.carry.is_empty()) {
            return self.emit_clipped(b"", each);
        }
        if self.carry.is_empty() {
            return Ok(Flow::Continue);
        }
        let carry = std::mem::take(&mut self.carry);
        self.emit(self.carry_offset, &carry, each)
    }

    fn check_len(&self, len: usize) -> Result<(), EditError> {
        if len > self.limit {
            return Err(EditError::LineTooLong {
                line: self.number + 1,
                offset: self.carry_offset,
                limit: self.limit,
            });
        }
        Ok(())
    }

    fn emit<F: FnMut(Line<'_>) -> Result<Flow, EditError> + ?Sized>(
        &mut self,
        offset: u64,
        line: &[u8],
        each: &mut F,
    ) -> Result<Flow, EditError> {
        self.number += 1;
        let (text, ending) = split_ending(line);
        each(Line { number: self.number, offset, text, skipped: 0, ending })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::testing::{push, SIZES};

    /// The clipping splitter against a naive split: every line's first `limit` bytes of text,
    /// the rest counted, exact offsets and endings, at every chunk size.
    #[test]
    fn clipping_splitter_matches_a_naive_split() {
        let texts: [&[u8]; 6] = [
            b"ab\nlong line\r\nx",
            b"abc\r\nabcd\r\nabcde\r\n\r\n",
            b"\n\n\r\n",
            b"no newline at all, long",
            b"abc\rdef\r",
            b"",
        ];
        for text in texts {
            for limit in [1, 3, 4, 100] {
                let mut want = Vec::new();
                let mut at = 0usize;
                while at < text.len() {
                    let end = text[at..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(text.len(), |i| at + i + 1);
                    let (full, ending) = split_ending(&text[at..end]);
                    let kept = full.len().min(limit);
                    want.push((
                        at as u64,
                        full[..kept].to_vec(),
                        (full.len() - kept) as u64,
                        ending.to_vec(),
                    ));
                    at = end;
                }
                for size in SIZES {
                    let mut s = LineSplitter::clipping(limit);
                    let mut got = Vec::new();
                    let mut each = |l: Line<'_>| {
                        got.push((l.offset, l.text.to_vec(), l.skipped, l.ending.to_vec()));
                        Ok(Flow::Continue)
                    };
                    let mut off = 0;
                    for piece in text.chunks(size.min(text.len().max(1))) {
                        s.feed(off, piece, &mut each).unwrap();
                        off += piece.len() as u64;
                    }
                    s.finish(&mut each).unwrap();
                    assert_eq!(got, want, "{text:?} limit {limit} chunk {size}");
                }
            }
        }
    }

    fn naive_find(hay: &[u8], needle: &[u8]) -> Vec<(u64, u64, u64)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i + needle.len() <= hay.len() {
            if &hay[i..i + needle.len()] == needle {
                let before = &hay[..i];
                let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
                let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
                out.push((i as u64, line, (i - start) as u64 + 1));
                i += needle.len();
            } else {
                i += 1;
            }
        }
        out
    }

    #[test]
    fn literal_matches_agree_with_a_naive_search_at_every_chunk_size() {
        let hay = b"aaaa\nabab\naab\naaab\n\nbaaaa\r\nxaaax".repeat(3);
        for needle in [&b"a"[..], b"aa", b"aaa", b"ab\na", b"\n", b"x", b"zz", b"\r\nx"] {
            let expect = naive_find(&hay, needle);
            for size in SIZES {
                let mut f = LiteralFinder::new(needle, None).unwrap();
                push(&mut f, &hay, size);
                let got: Vec<_> =
                    f.take_matches().iter().map(|m| (m.offset, m.line, m.column)).collect();
                assert_eq!(got, expect, "needle {needle:?} size {size}");
            }
        }
    }

    #[test]
    fn a_search_that_starts_mid_document_keeps_short_first_chunks() {
        let hay = b"xxabcab";
        for size in SIZES {
            let mut f = LiteralFinder::new(b"abc", None).unwrap().starting_at_line(2, 1);
            let size = size.min(hay.len() - 2);
            for (i, c) in hay[2..].chunks(size).enumerate() {
                f.feed(2 + (i * size) as u64, c).unwrap();
            }
            let got: Vec<_> = f.take_matches().iter().map(|m| m.offset).collect();
            assert_eq!(got, [2], "size {size}");
        }
    }

    #[test]
    fn max_stops_early() {
        let hay = b"x x x x x".to_vec();
        for size in SIZES {
            let mut f = LiteralFinder::new(b"x", Some(2)).unwrap();
            push(&mut f, &hay, size);
            assert_eq!(f.take_matches().len(), 2);
        }
        assert_eq!(LiteralFinder::new(b"", None).unwrap_err(), EditError::EmptyPattern);
    }

    #[test]
    fn splitter_yields_lines_with_endings_at_every_chunk_size() {
        let text = b"one\r\ntwo\n\nthree";
        for size in SIZES {
            let mut s = LineSplitter::default();
            let mut got = Vec::new();
            let mut each = |l: Line<'_>| {
                got.push((l.number, l.offset, l.text.to_vec(), l.ending.to_vec()));
                Ok(Flow::Continue)
            };
            let size = size.min(text.len());
            for (i, c) in text.chunks(size).enumerate() {
                s.feed((i * size) as u64, c, &mut each).unwrap();
            }
            s.finish(&mut each).unwrap();
            assert_eq!(
                got,
                vec![
                    (1, 0, b"one".to_vec(), b"\r\n".to_vec()),
                    (2, 5, b"two".to_vec(), b"\n".to_vec()),
                    (3, 9, b"".to_vec(), b"\n".to_vec()),
                    (4, 10, b"three".to_vec(), b"".to_vec()),
                ],
                "size {size}"
            );
        }
    }

    #[test]
    fn overlong_lines_are_refused() {
        let mut s = LineSplitter::new(4);
        let mut each = |_: Line<'_>| Ok(Flow::Continue);
        s.feed(0, b"ok\n", &mut each).unwrap();
        let err = s.feed(3, b"toolong", &mut each).unwrap_err();
        assert_eq!(err, EditError::LineTooLong { line: 2, offset: 3, limit: 4 });
    }
}
