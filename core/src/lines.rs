//! [`LineIndex`]: a sparse line index (one checkpoint about every 64 KiB), built by a
//! push-based [`LineIndexBuilder`] and resolved against the source with one short scan.
//!
//! Lines end at `\n`; a `\r` before it belongs to the line ending. The last line may lack a
//! newline. An empty document has no lines; `"a\n"` has one; `"a\nb"` has two.
//!
//! Internally lines are 0-based ("line k starts after k newlines"); the public range API is
//! 1-based, as people count.

use std::ops::{Range, RangeInclusive};

use memchr::{memchr, memchr_iter, memmem};

use crate::error::{EditError, Error};
use crate::patch::Patch;
use crate::scan::{Chunker, Flow, Scanner};
use crate::source::{read_exact_at, ReadAt};
use crate::version::Fingerprint;

/// Roughly how many bytes separate two checkpoints.
pub const CHECKPOINT_INTERVAL: u64 = 64 * 1024;

/// Chunk size of the short scans that resolve a lookup from its checkpoint.
const LOOKUP_CHUNK: usize = 64 * 1024;

/// A known line start: line `line` (0-based: the number of newlines before it) starts at `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// 0-based line number.
    pub line: u64,
    /// Byte offset of the line's first byte.
    pub offset: u64,
}

/// The line endings a document uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    /// Only `\n`.
    Lf,
    /// Only `\r\n`.
    Crlf,
    /// Both.
    Mixed,
    /// No newline at all.
    None,
}

impl LineEnding {
    /// `LF`, `CRLF`, `mixed` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "LF",
            LineEnding::Crlf => "CRLF",
            LineEnding::Mixed => "mixed",
            LineEnding::None => "none",
        }
    }
}

/// Counts `\r\n` pairs in `chunk`, including one that straddles from the previous byte.
fn count_crlf(prev: Option<u8>, chunk: &[u8]) -> u64 {
    let Some(&first) = chunk.first() else { return 0 };
    let straddle = u64::from(prev == Some(b'\r') && first == b'\n');
    if memchr(b'\r', chunk).is_none() {
        return straddle;
    }
    straddle + memmem::find_iter(chunk, b"\r\n").count() as u64
}

/// Counts newlines and CRLF pairs over pushed bytes; the part of a [`LineIndexBuilder`]
/// that patch shifting reuses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EndingCounter {
    pub newlines: u64,
    pub crlf: u64,
    last: Option<u8>,
}

impl EndingCounter {
    pub fn push(&mut self, chunk: &[u8]) {
        self.newlines += memchr_iter(b'\n', chunk).count() as u64;
        self.crlf += count_crlf(self.last, chunk);
        if let Some(&b) = chunk.last() {
            self.last = Some(b);
        }
    }
}

/// A push-based [`Scanner`] that builds a [`LineIndex`].
///
/// A builder may start anywhere (for a parallel build, one per part) and parts are joined with
/// [`LineIndexBuilder::append`].
#[derive(Debug, Clone)]
pub struct LineIndexBuilder {
    start: u64,
    pos: u64,
    newlines: u64,
    crlf: u64,
    first: Option<u8>,
    last: Option<u8>,
    next_checkpoint: u64,
    checkpoints: Vec<Checkpoint>,
}

impl Default for LineIndexBuilder {
    fn default() -> Self {
        LineIndexBuilder::starting_at(0)
    }
}

impl LineIndexBuilder {
    /// A builder for a document that starts at offset 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder for the part of a document that starts at `offset`.
    pub fn starting_at(offset: u64) -> Self {
        let checkpoints =
            if offset == 0 { vec![Checkpoint { line: 0, offset: 0 }] } else { Vec::new() };
        LineIndexBuilder {
            start: offset,
            pos: offset,
            newlines: 0,
            crlf: 0,
            first: None,
            last: None,
            next_checkpoint: if offset == 0 { CHECKPOINT_INTERVAL } else { offset },
            checkpoints,
        }
    }

    /// Where the next byte is expected.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Joins the part that directly follows this one.
    ///
    /// # Panics
    ///
    /// If `next` does not start where this part ends (a caller bug, not an input error).
    pub fn append(&mut self, next: LineIndexBuilder) {
        assert_eq!(next.start, self.pos, "appended part must start where this one ends");
        let straddle = u64::from(self.last == Some(b'\r') && next.first == Some(b'\n'));
        let base = self.newlines;
        self.checkpoints.extend(
            next.checkpoints.iter().map(|c| Checkpoint { line: c.line + base, offset: c.offset }),
        );
        self.newlines += next.newlines;
        self.crlf += next.crlf + straddle;
        if next.last.is_some() {
            self.last = next.last;
        }
        if self.first.is_none() {
            self.first = next.first;
        }
        self.pos = next.pos;
        self.next_checkpoint = next.next_checkpoint;
    }

    /// The finished index (of the whole document: the builder must have started at 0).
    pub fn finish(self) -> LineIndex {
        LineIndex {
            len: self.pos,
            newlines: self.newlines,
            crlf: self.crlf,
            ends_with_newline: self.last == Some(b'\n'),
            checkpoints: self.checkpoints,
            fingerprint: None,
        }
    }
}

impl Scanner for LineIndexBuilder {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        debug_assert_eq!(offset, self.pos);
        let Some(&first) = chunk.first() else { return Ok(Flow::Continue) };
        self.crlf += count_crlf(self.last, chunk);
        let mut i = 0;
        while i < chunk.len() {
            let here = offset + i as u64;
            if here >= self.next_checkpoint {
                match memchr(b'\n', &chunk[i..]) {
                    Some(j) => {
                        self.newlines += 1;
                        let at = here + j as u64 + 1;
                        self.checkpoints.push(Checkpoint { line: self.newlines, offset: at });
                        self.next_checkpoint = at + CHECKPOINT_INTERVAL;
                        i += j + 1;
                    }
                    None => i = chunk.len(),
                }
            } else {
                let end = chunk.len().min((self.next_checkpoint - offset) as usize);
                self.newlines += memchr_iter(b'\n', &chunk[i..end]).count() as u64;
                i = end;
            }
        }
        self.first.get_or_insert(first);
        self.last = chunk.last().copied();
        self.pos = offset + chunk.len() as u64;
        Ok(Flow::Continue)
    }
}

impl crate::scan::Pass for LineIndexBuilder {
    type Output = LineIndex;

    fn finish(self) -> Result<LineIndex, EditError> {
        Ok(LineIndexBuilder::finish(self))
    }
}

/// A sparse line index of one document.
///
/// Lookups binary-search the checkpoints and then scan at most about
/// [`CHECKPOINT_INTERVAL`] bytes of the source (more only inside a very long line).
///
/// # Example
///
/// ```
/// use bigedit_core::{Chunker, LineIndex, LineEnding};
///
/// let text = b"alpha\r\nbeta\r\ngamma".to_vec();
/// let index = LineIndex::build(&text, &mut Chunker::new(4)).unwrap();
/// assert_eq!(index.line_count(), 3);
/// assert_eq!(index.ending(), LineEnding::Crlf);
/// let bytes = index.lines_to_bytes(&text, 2..=3).unwrap();
/// assert_eq!(&text[bytes.start as usize..bytes.end as usize], b"beta\r\ngamma");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    len: u64,
    newlines: u64,
    crlf: u64,
    ends_with_newline: bool,
    checkpoints: Vec<Checkpoint>,
    fingerprint: Option<Fingerprint>,
}

impl LineIndex {
    /// Builds the index of `src` in one chunked pass.
    ///
    /// Runs in O(n) time and O(n / 64 KiB) memory.
    ///
    /// # Errors
    ///
    /// The source's error.
    pub fn build<S: ReadAt + ?Sized>(
        src: &S,
        chunker: &mut Chunker,
    ) -> Result<LineIndex, Error<S::Error>> {
        let mut b = LineIndexBuilder::new();
        chunker.scan(src, 0..src.len(), &mut b)?;
        Ok(b.finish())
    }

    /// Length in bytes of the indexed document.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the document is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of lines (a last line without newline counts; an empty document has none).
    pub fn line_count(&self) -> u64 {
        self.newlines + u64::from(self.len > 0 && !self.ends_with_newline)
    }

    /// Number of `\n` bytes.
    pub fn newline_count(&self) -> u64 {
        self.newlines
    }

    /// Number of `\r\n` pairs.
    pub fn crlf_count(&self) -> u64 {
        self.crlf
    }

    /// Whether the last byte is `\n`.
    pub fn ends_with_newline(&self) -> bool {
        self.ends_with_newline
    }

    /// The checkpoints, in order.
    pub fn checkpoints(&self) -> &[Checkpoint] {
        &self.checkpoints
    }

    /// Which line endings the document uses.
    pub fn ending(&self) -> LineEnding {
        match (self.newlines, self.crlf) {
            (0, _) => LineEnding::None,
            (_, 0) => LineEnding::Lf,
            (n, c) if n == c => LineEnding::Crlf,
            _ => LineEnding::Mixed,
        }
    }

    /// The line ending new lines should get: `\r\n` when most lines use it, else `\n`.
    pub fn newline(&self) -> &'static [u8] {
        if self.crlf * 2 > self.newlines {
            b"\r\n"
        } else {
            b"\n"
        }
    }

    /// The fingerprint of the source this index was built from, if the host set one.
    pub fn fingerprint(&self) -> Option<&Fingerprint> {
        self.fingerprint.as_ref()
    }

    /// Records the fingerprint of the source (hosts use it to validate a cached index).
    pub fn set_fingerprint(&mut self, fingerprint: Fingerprint) {
        self.fingerprint = Some(fingerprint);
    }

    /// The last checkpoint for which `before` holds (it must hold for a prefix), or the start.
    fn last_checkpoint(&self, before: impl Fn(&Checkpoint) -> bool) -> Checkpoint {
        let at = self.checkpoints.partition_point(before);
        self.checkpoints
            .get(at.wrapping_sub(1))
            .copied()
            .unwrap_or(Checkpoint { line: 0, offset: 0 })
    }

    /// Byte offset where 0-based line `line` starts; `Some(len)` for `line == line_count()`,
    /// `None` beyond.
    ///
    /// Runs in O(log c + 64 KiB) for c checkpoints.
    ///
    /// # Errors
    ///
    /// The source's error.
    pub fn line_to_byte<S: ReadAt + ?Sized>(
        &self,
        src: &S,
        line: u64,
    ) -> Result<Option<u64>, Error<S::Error>> {
        if line > self.line_count() {
            return Ok(None);
        }
        if line > self.newlines {
            return Ok(Some(self.len));
        }
        let cp = self.last_checkpoint(|c| c.line <= line);
        if cp.line == line {
            return Ok(Some(cp.offset));
        }
        nth_newline_end(src, cp.offset, line - cp.line).map(Some)
    }

    /// 0-based line containing byte `offset` (the number of newlines before it); for
    /// `offset == len` the line after the last newline. `None` past the end.
    ///
    /// Runs in O(log c + 64 KiB).
    ///
    /// # Errors
    ///
    /// The source's error.
    pub fn byte_to_line<S: ReadAt + ?Sized>(
        &self,
        src: &S,
        offset: u64,
    ) -> Result<Option<u64>, Error<S::Error>> {
        if offset > self.len {
            return Ok(None);
        }
        let cp = self.last_checkpoint(|c| c.offset <= offset);
        let n = count_newlines(src, cp.offset..offset)?;
        Ok(Some(cp.line + n))
    }

    /// Byte range of the 1-based inclusive line range `lines`, line endings included.
    ///
    /// # Errors
    ///
    /// [`EditError::LineZero`], [`EditError::ReversedLines`], [`EditError::LinePastEnd`], or
    /// the source's error.
    pub fn lines_to_bytes<S: ReadAt + ?Sized>(
        &self,
        src: &S,
        lines: RangeInclusive<u64>,
    ) -> Result<Range<u64>, Error<S::Error>> {
        let (first, last) = (*lines.start(), *lines.end());
        let count = self.line_count();
        if first == 0 {
            return Err(EditError::LineZero.into());
        }
        if first > last {
            return Err(EditError::ReversedLines { start: first, end: last }.into());
        }
        for l in [first, last] {
            if l > count {
                return Err(EditError::LinePastEnd { line: l, lines: count }.into());
            }
        }
        let start = self.line_to_byte(src, first - 1)?;
        let end = self.line_to_byte(src, last)?;
        match (start, end) {
            (Some(s), Some(e)) => Ok(s..e),
            _ => Err(EditError::LinePastEnd { line: last, lines: count }.into()),
        }
    }

    /// The index of the document `patch` produces from `src` (the source this index
    /// describes), without rescanning it: checkpoints outside the patched ranges are shifted,
    /// and only the bytes around each splice are counted.
    ///
    /// Runs in O(c + removed bytes + inserted bytes). The fingerprint is cleared: the host sets
    /// the new one after it commits.
    ///
    /// # Errors
    ///
    /// The source's error, or [`EditError::ShortRead`] if `src` is not this index's document.
    pub fn shifted<S: ReadAt + ?Sized>(
        &self,
        src: &S,
        patch: &Patch,
    ) -> Result<LineIndex, Error<S::Error>> {
        if src.len() != self.len || patch.source_len() != self.len {
            return Err(EditError::ShortRead { offset: src.len(), len: self.len }.into());
        }
        let splices = patch.splices();
        // Group splices whose one-byte-widened windows overlap, so windows are disjoint and
        // the counts of each window's new and old bytes can be subtracted exactly.
        let mut newlines = self.newlines as i128;
        let mut crlf = self.crlf as i128;
        let mut groups: Vec<(Range<u64>, i128)> = Vec::new(); // (old span, newline delta)
        let mut chunker = Chunker::new(LOOKUP_CHUNK);
        let mut next = splices.iter().peekable();
        while let Some(first) = next.next() {
            let mut group = vec![first];
            while let Some(s) = next
                .next_if(|s| group.last().is_some_and(|prev| s.range.start < prev.range.end + 2))
            {
                group.push(s);
            }
            let span = group[0].range.start..group[group.len() - 1].range.end;
            let window = span.start.saturating_sub(1)..(span.end + 1).min(self.len);
            let old = count_endings(src, window.clone(), &mut chunker)?;
            let mut new = EndingCounter::default();
            let mut pos = window.start;
            for s in &group {
                scan_into(src, pos..s.range.start, &mut new, &mut chunker)?;
                new.push(s.bytes);
                pos = s.range.end;
            }
            scan_into(src, pos..window.end, &mut new, &mut chunker)?;
            let delta = new.newlines as i128 - old.newlines as i128;
            newlines += delta;
            crlf += new.crlf as i128 - old.crlf as i128;
            groups.push((span, delta));
        }
        let mut checkpoints = Vec::with_capacity(self.checkpoints.len());
        let mut g = 0;
        let mut line_shift: i128 = 0;
        for cp in &self.checkpoints {
            while g < groups.len() && groups[g].0.end < cp.offset {
                line_shift += groups[g].1;
                g += 1;
            }
            if g < groups.len() && groups[g].0.start <= cp.offset {
                continue; // inside or touching a changed span: no longer known
            }
            checkpoints.push(Checkpoint {
                line: (cp.line as i128 + line_shift) as u64,
                offset: patch.map_offset(cp.offset),
            });
        }
        if checkpoints.first().is_none_or(|c| c.offset != 0) {
            checkpoints.insert(0, Checkpoint { line: 0, offset: 0 });
        }
        let len = patch.len();
        let ends_with_newline = match patch.splices().last() {
            Some(s) if s.range.end == self.len => {
                // The document now ends with this splice's bytes, or with what precedes it.
                match s.bytes.last() {
                    Some(&b) => b == b'\n',
                    None => last_byte_before(src, patch, s.range.start)? == Some(b'\n'),
                }
            }
            _ => self.ends_with_newline,
        };
        Ok(LineIndex {
            len,
            newlines: newlines as u64,
            crlf: crlf as u64,
            ends_with_newline: len > 0 && ends_with_newline,
            checkpoints,
            fingerprint: None,
        })
    }

    /// Serializes the index (with its fingerprint) into a compact binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.checkpoints.len() * 16);
        out.extend_from_slice(MAGIC);
        let fp = self.fingerprint.unwrap_or(Fingerprint {
            len: 0,
            head: 0,
            tail: 0,
            modified: 0,
            identity: 0,
        });
        let flags =
            u64::from(self.ends_with_newline) | (u64::from(self.fingerprint.is_some()) << 1);
        for v in [
            self.len,
            self.newlines,
            self.crlf,
            flags,
            fp.len,
            fp.head,
            fp.tail,
            fp.modified,
            fp.identity,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(self.checkpoints.len() as u64).to_le_bytes());
        for c in &self.checkpoints {
            out.extend_from_slice(&c.line.to_le_bytes());
            out.extend_from_slice(&c.offset.to_le_bytes());
        }
        out
    }

    /// Decodes [`LineIndex::to_bytes`], checking that the result is consistent.
    ///
    /// # Errors
    ///
    /// [`EditError::CorruptIndex`] for anything that is not a well-formed index.
    pub fn from_bytes(bytes: &[u8]) -> Result<LineIndex, EditError> {
        let rest = bytes.strip_prefix(MAGIC).ok_or(EditError::CorruptIndex("bad magic"))?;
        let mut words = rest.chunks_exact(8).map(|w| {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            u64::from_le_bytes(a)
        });
        let mut next = || words.next().ok_or(EditError::CorruptIndex("truncated"));
        let (len, newlines, crlf, flags) = (next()?, next()?, next()?, next()?);
        let fp = Fingerprint {
            len: next()?,
            head: next()?,
            tail: next()?,
            modified: next()?,
            identity: next()?,
        };
        let n = next()?;
        if rest.len() as u64 != (10 + 2 * n) * 8 {
            return Err(EditError::CorruptIndex("wrong length"));
        }
        let mut checkpoints = Vec::with_capacity(n as usize);
        for _ in 0..n {
            checkpoints.push(Checkpoint { line: next()?, offset: next()? });
        }
        let ordered =
            checkpoints.windows(2).all(|w| w[0].line < w[1].line && w[0].offset < w[1].offset);
        let bounded =
            checkpoints.iter().all(|c| c.offset <= len && c.line <= newlines && c.line <= c.offset);
        let starts_at_zero = checkpoints.first().is_none_or(|c| c.line == 0 && c.offset == 0);
        if !ordered || !bounded || !starts_at_zero || crlf > newlines || newlines > len || flags > 3
        {
            return Err(EditError::CorruptIndex("inconsistent fields"));
        }
        Ok(LineIndex {
            len,
            newlines,
            crlf,
            ends_with_newline: flags & 1 == 1,
            checkpoints,
            fingerprint: (flags & 2 == 2).then_some(fp),
        })
    }
}

const MAGIC: &[u8; 8] = b"BGEIDX01";

/// The byte just before `offset` in the new document of `patch` (`None` at the start).
fn last_byte_before<S: ReadAt + ?Sized>(
    src: &S,
    patch: &Patch,
    offset: u64,
) -> Result<Option<u8>, Error<S::Error>> {
    // Walk splices backwards from `offset`: the nearest earlier piece decides.
    let mut pos = offset;
    for s in patch.splices().iter().rev().filter(|s| s.range.end <= offset) {
        if s.range.end < pos {
            break; // untouched source bytes lie between
        }
        if let Some(&b) = s.bytes.last() {
            return Ok(Some(b));
        }
        pos = s.range.start;
    }
    if pos == 0 {
        return Ok(None);
    }
    let mut b = [0u8; 1];
    read_exact_at(src, pos - 1, &mut b)?;
    Ok(Some(b[0]))
}

fn scan_into<S: ReadAt + ?Sized>(
    src: &S,
    range: Range<u64>,
    counter: &mut EndingCounter,
    chunker: &mut Chunker,
) -> Result<(), Error<S::Error>> {
    chunker.scan(src, range, &mut |_: u64, c: &[u8]| {
        counter.push(c);
        Ok(Flow::Continue)
    })?;
    Ok(())
}

fn count_endings<S: ReadAt + ?Sized>(
    src: &S,
    range: Range<u64>,
    chunker: &mut Chunker,
) -> Result<EndingCounter, Error<S::Error>> {
    let mut c = EndingCounter::default();
    scan_into(src, range, &mut c, chunker)?;
    Ok(c)
}

/// The byte ranges of the texts (line endings excluded) of up to `k` lines of `src` starting
/// at `from`, the start of a line; fewer at the end of the source. Reads forward in blocks of
/// `block` bytes, as far as those lines go.
///
/// # Example
///
/// ```
/// let src = b"one\r\ntwo\nthree".to_vec();
/// assert_eq!(bigedit_core::lines_from(&src, 5, 5, 4).unwrap(), vec![5..8, 9..14]);
/// ```
///
/// # Errors
///
/// The source's error.
pub fn lines_from<S: ReadAt + ?Sized>(
    src: &S,
    from: u64,
    k: usize,
    block: usize,
) -> Result<Vec<Range<u64>>, Error<S::Error>> {
    let len = src.len();
    let mut out = Vec::with_capacity(k.min(1024));
    let mut buf = vec![0u8; block.max(2)];
    let (mut pos, mut start) = (from, from);
    // The byte before `pos`, to strip the `\r` of a CRLF split across two blocks.
    let mut before = 0u8;
    while out.len() < k && pos < len {
        let n = ((len - pos) as usize).min(buf.len());
        read_exact_at(src, pos, &mut buf[..n])?;
        let chunk = &buf[..n];
        for i in memchr_iter(b'\n', chunk) {
            let end = pos + i as u64;
            let cr = if i > 0 { chunk[i - 1] } else { before };
            let text_end = if cr == b'\r' && end > start { end - 1 } else { end };
            out.push(start..text_end);
            start = end + 1;
            if out.len() == k {
                return Ok(out);
            }
        }
        before = chunk[n - 1];
        pos += n as u64;
    }
    if out.len() < k && start < len {
        out.push(start..len);
    }
    Ok(out)
}

/// The byte ranges of the texts of up to `k` lines of `src` that end just before `to` (the
/// start of a line), in order; fewer at the start of the source. Reads backwards from `to`
/// (see [`tail_start`]), so it costs what those lines cost, wherever they are.
///
/// # Example
///
/// ```
/// let src = b"one\ntwo\nthree\n".to_vec();
/// assert_eq!(bigedit_core::lines_before(&src, 8, 1, 4).unwrap(), vec![4..7]);
/// assert_eq!(bigedit_core::lines_before(&src, 8, 9, 4).unwrap(), vec![0..3, 4..7]);
/// ```
///
/// # Errors
///
/// The source's error.
pub fn lines_before<S: ReadAt + ?Sized>(
    src: &S,
    to: u64,
    k: usize,
    block: usize,
) -> Result<Vec<Range<u64>>, Error<S::Error>> {
    let (start, count) = tail_start(&Prefix { src, len: to.min(src.len()) }, k as u64, block)?;
    lines_from(src, start, count as usize, block)
}

/// The first `len` bytes of a source.
struct Prefix<'a, S: ?Sized> {
    src: &'a S,
    len: u64,
}

impl<S: ReadAt + ?Sized> ReadAt for Prefix<'_, S> {
    type Error = S::Error;

    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize, S::Error> {
        let room = self.len.saturating_sub(pos).min(buf.len() as u64) as usize;
        self.src.read_at(pos, &mut buf[..room])
    }
}

/// Where the last `n` lines of `src` start (the byte offset of the first of them) and how
/// many lines that is (fewer than `n` in a shorter document), found by reading backwards from
/// the end in blocks of `block` bytes: O(the tail), with no index. A final line without a
/// newline counts as a line; the newline that ends the last line does not start another.
///
/// # Example
///
/// ```
/// let src = b"one\ntwo\nthree\n".to_vec();
/// assert_eq!(bigedit_core::tail_start(&src, 2, 4).unwrap(), (4, 2));
/// assert_eq!(bigedit_core::tail_start(&src, 9, 4).unwrap(), (0, 3));
/// assert_eq!(bigedit_core::tail_start(&b"a\nb".to_vec(), 1, 4).unwrap(), (2, 1));
/// ```
///
/// # Errors
///
/// The source's error.
pub fn tail_start<S: ReadAt + ?Sized>(
    src: &S,
    n: u64,
    block: usize,
) -> Result<(u64, u64), Error<S::Error>> {
    let len = src.len();
    if n == 0 || len == 0 {
        return Ok((len, 0));
    }
    let mut buf = vec![0u8; block.max(1)];
    // The newline ending the last line is not a boundary between two of the tail's lines.
    let mut end = len;
    let mut last = [0u8];
    read_exact_at(src, len - 1, &mut last)?;
    if last[0] == b'\n' {
        end -= 1;
    }
    // Newlines seen so far, each one the end of the line before a tail line.
    let mut seen = 0u64;
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        read_exact_at(src, start, chunk)?;
        for i in memchr::memrchr_iter(b'\n', chunk) {
            seen += 1;
            if seen == n {
                return Ok((start + i as u64 + 1, n));
            }
        }
        end = start;
    }
    Ok((0, seen + 1))
}

/// Counts `\n` bytes in `range`.
pub(crate) fn count_newlines<S: ReadAt + ?Sized>(
    src: &S,
    range: Range<u64>,
) -> Result<u64, Error<S::Error>> {
    let mut n = 0;
    Chunker::new(LOOKUP_CHUNK).scan(src, range, &mut |_: u64, c: &[u8]| {
        n += memchr_iter(b'\n', c).count() as u64;
        Ok(Flow::Continue)
    })?;
    Ok(n)
}

/// The offset just after the `k`-th newline (k >= 1) at or after `start`, or the source's end.
fn nth_newline_end<S: ReadAt + ?Sized>(
    src: &S,
    start: u64,
    k: u64,
) -> Result<u64, Error<S::Error>> {
    let mut left = k;
    let mut found = None;
    Chunker::new(LOOKUP_CHUNK).scan(src, start..src.len(), &mut |off: u64, c: &[u8]| {
        let n = memchr_iter(b'\n', c).count() as u64;
        if n < left {
            left -= n;
            return Ok(Flow::Continue);
        }
        if let Some(p) = memchr_iter(b'\n', c).nth((left - 1) as usize) {
            found = Some(off + p as u64 + 1);
        }
        Ok(Flow::Stop)
    })?;
    Ok(found.unwrap_or(src.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::testing::{push, SIZES};
    use crate::Splice;

    /// Naive line starts: 0, then after every newline (not counting the end twice).
    fn naive_starts(text: &[u8]) -> Vec<u64> {
        let mut starts = vec![0];
        for (i, &b) in text.iter().enumerate() {
            if b == b'\n' && i + 1 < text.len() {
                starts.push(i as u64 + 1);
            }
        }
        if text.is_empty() {
            starts.clear();
        }
        starts
    }

    fn build_pushed(text: &[u8], size: usize) -> LineIndex {
        let mut b = LineIndexBuilder::new();
        push(&mut b, text, size);
        b.finish()
    }

    fn sample_texts() -> Vec<Vec<u8>> {
        let mut big = Vec::new();
        for i in 0..40_000u32 {
            big.extend_from_slice(
                format!("line {i} {}\n", "x".repeat((i % 13) as usize)).as_bytes(),
            );
            if i % 7 == 0 {
                big.extend_from_slice(b"crlf\r\n");
            }
        }
        big.extend_from_slice(b"tail without newline");
        vec![
            b"".to_vec(),
            b"\n".to_vec(),
            b"a".to_vec(),
            b"a\n".to_vec(),
            b"a\nb".to_vec(),
            b"a\r\nb\r\n".to_vec(),
            b"\r\n\r\n\n\r".to_vec(),
            ["é\n".as_bytes(), b"\xff\n", "ü".as_bytes()].concat(),
            big,
        ]
    }

    #[test]
    fn counts_and_lookups_agree_with_a_naive_model_at_every_chunk_size() {
        for text in sample_texts() {
            let starts = naive_starts(&text);
            let newlines = text.iter().filter(|&&b| b == b'\n').count() as u64;
            let crlf = text.windows(2).filter(|w| w == b"\r\n").count() as u64;
            for size in SIZES {
                let idx = build_pushed(&text, size);
                assert_eq!(
                    idx,
                    LineIndex::build(&text, &mut Chunker::new(size.min(1 << 20))).unwrap()
                );
                assert_eq!(idx.line_count(), starts.len() as u64, "size {size}");
                assert_eq!(idx.newline_count(), newlines);
                assert_eq!(idx.crlf_count(), crlf);
                if size != usize::MAX {
                    continue; // lookups do not depend on how the index was pushed
                }
                for (k, &s) in starts.iter().enumerate() {
                    assert_eq!(idx.line_to_byte(&text, k as u64).unwrap(), Some(s));
                }
                assert_eq!(
                    idx.line_to_byte(&text, starts.len() as u64).unwrap(),
                    Some(text.len() as u64)
                );
                assert_eq!(idx.line_to_byte(&text, starts.len() as u64 + 1).unwrap(), None);
                for off in (0..=text.len()).step_by(997).chain([text.len()]) {
                    let expect = text[..off].iter().filter(|&&b| b == b'\n').count() as u64;
                    assert_eq!(idx.byte_to_line(&text, off as u64).unwrap(), Some(expect));
                }
            }
        }
    }

    #[test]
    fn checkpoints_are_sparse_and_valid() {
        let text = sample_texts().pop().unwrap();
        let idx = LineIndex::build(&text, &mut Chunker::default()).unwrap();
        assert!(idx.checkpoints().len() > 3);
        assert!(idx.checkpoints().len() as u64 <= text.len() as u64 / CHECKPOINT_INTERVAL + 2);
        for c in idx.checkpoints() {
            let before = text[..c.offset as usize].iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(before, c.line);
            assert!(c.offset == 0 || text[c.offset as usize - 1] == b'\n');
        }
    }

    #[test]
    fn parts_append_into_the_whole() {
        for text in sample_texts() {
            for cut in [0, 1, text.len() / 3, text.len() / 2, text.len()].map(|c| c.min(text.len()))
            {
                let mut a = LineIndexBuilder::new();
                push(&mut a, &text[..cut], 4096);
                let mut b = LineIndexBuilder::starting_at(cut as u64);
                for (i, c) in text[cut..].chunks(4096).enumerate() {
                    b.feed((cut + i * 4096) as u64, c).unwrap();
                }
                a.append(b);
                let whole = LineIndex::build(&text, &mut Chunker::default()).unwrap();
                let joined = a.finish();
                assert_eq!(joined.line_count(), whole.line_count());
                assert_eq!(joined.crlf_count(), whole.crlf_count());
                for k in (0..whole.line_count()).step_by(1013) {
                    assert_eq!(
                        joined.line_to_byte(&text, k).unwrap(),
                        whole.line_to_byte(&text, k).unwrap()
                    );
                }
            }
        }
    }

    #[test]
    fn endings_and_newline_choice() {
        let idx = |t: &[u8]| LineIndex::build(t, &mut Chunker::default()).unwrap();
        assert_eq!(idx(b"").ending(), LineEnding::None);
        assert_eq!(idx(b"abc").ending(), LineEnding::None);
        assert_eq!(idx(b"a\nb\n").ending(), LineEnding::Lf);
        assert_eq!(idx(b"a\r\nb\r\n").newline(), b"\r\n");
        assert_eq!(idx(b"a\r\nb\n").ending(), LineEnding::Mixed);
        assert_eq!(idx(b"a\r\nb\n").newline(), b"\n");
    }

    #[test]
    #[allow(clippy::reversed_empty_ranges)]
    fn line_ranges_resolve_with_errors() {
        let text = b"one\ntwo\nthree".to_vec();
        let idx = LineIndex::build(&text, &mut Chunker::default()).unwrap();
        assert_eq!(idx.lines_to_bytes(&text, 2..=3).unwrap(), 4..13);
        assert_eq!(idx.lines_to_bytes(&text, 1..=1).unwrap(), 0..4);
        let err = |r| idx.lines_to_bytes(&text, r).unwrap_err().into_edit();
        assert_eq!(err(4..=4), EditError::LinePastEnd { line: 4, lines: 3 });
        assert_eq!(err(0..=1), EditError::LineZero);
        assert_eq!(err(3..=2), EditError::ReversedLines { start: 3, end: 2 });
    }

    #[test]
    fn serialization_round_trips_and_rejects_garbage() {
        let text = sample_texts().pop().unwrap();
        let mut idx = LineIndex::build(&text, &mut Chunker::default()).unwrap();
        idx.set_fingerprint(Fingerprint { len: 1, head: 2, tail: 3, modified: 4, identity: 5 });
        let bytes = idx.to_bytes();
        assert_eq!(LineIndex::from_bytes(&bytes).unwrap(), idx);
        assert!(LineIndex::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(LineIndex::from_bytes(b"nonsense").is_err());
        let mut flipped = bytes.clone();
        flipped[8 + 10 * 8 + 16 + 7] ^= 0x7f; // second checkpoint's line
        assert!(LineIndex::from_bytes(&flipped).is_err());
    }

    #[test]
    fn shifted_equals_rebuilt() {
        let base = sample_texts().pop().unwrap();
        let cases: Vec<(Vec<u8>, Vec<Splice>)> = vec![
            (
                base.clone(),
                vec![Splice::new(100..200, "x\ny\n"), Splice::new(300_000..300_000, "\r\n\n")],
            ),
            (base.clone(), vec![Splice::new(0..base.len() as u64, "")]),
            (base.clone(), vec![Splice::new(base.len() as u64 - 3..base.len() as u64, "\n")]),
            (b"a\r\nb".to_vec(), vec![Splice::new(1..2, "")]),
            (b"a\r\nb".to_vec(), vec![Splice::new(2..2, "\r")]),
            (b"ab\n".to_vec(), vec![Splice::new(2..3, ""), Splice::new(3..3, "")]),
            (b"ab\n".to_vec(), vec![Splice::new(1..3, "")]),
            (
                b"a\nb\nc".to_vec(),
                vec![Splice::new(1..2, "\r\n"), Splice::new(2..3, "\r"), Splice::new(4..5, "")],
            ),
            (b"".to_vec(), vec![Splice::new(0..0, "x\n")]),
        ];
        for (text, splices) in cases {
            let patch = Patch::new(text.len() as u64, splices).unwrap();
            let new = patch.apply_to_vec(&text).unwrap();
            let old_idx = LineIndex::build(&text, &mut Chunker::default()).unwrap();
            let shifted = old_idx.shifted(&text, &patch).unwrap();
            let rebuilt = LineIndex::build(&new, &mut Chunker::default()).unwrap();
            assert_eq!(shifted.line_count(), rebuilt.line_count());
            assert_eq!(shifted.newline_count(), rebuilt.newline_count());
            assert_eq!(shifted.crlf_count(), rebuilt.crlf_count());
            assert_eq!(shifted.ends_with_newline(), rebuilt.ends_with_newline());
            for k in (0..=rebuilt.line_count()).step_by(331) {
                assert_eq!(
                    shifted.line_to_byte(&new, k).unwrap(),
                    rebuilt.line_to_byte(&new, k).unwrap()
                );
            }
        }
    }
}

#[cfg(test)]
mod tail_tests {
    use super::*;

    /// `tail_start` against a naive model (split after every newline) for every block size.
    #[test]
    fn tail_start_matches_splitting_the_whole_text() {
        let texts: [&[u8]; 7] =
            [b"", b"\n", b"a", b"a\n", b"a\nb", b"a\r\nb\r\n\r\nc\r\n", b"\n\nx\n\n"];
        for text in texts {
            let mut starts = vec![0u64];
            for (i, _) in text.iter().enumerate().filter(|(_, b)| **b == b'\n') {
                if i + 1 < text.len() {
                    starts.push(i as u64 + 1);
                }
            }
            let lines = if text.is_empty() { 0 } else { starts.len() as u64 };
            for n in 1..6u64 {
                let want = if lines == 0 {
                    (0, 0)
                } else if n >= lines {
                    (0, lines)
                } else {
                    (starts[(lines - n) as usize], n)
                };
                for block in [1, 2, 3, 64] {
                    let got = tail_start(&text.to_vec(), n, block).unwrap();
                    assert_eq!(got, want, "{text:?} n={n} block={block}");
                }
            }
            // Every line's text, by splitting; lines_from and lines_before from every line.
            let texts: Vec<Range<u64>> = (0..lines as usize)
                .map(|i| {
                    let start = starts[i];
                    let mut end = starts.get(i + 1).map_or(text.len() as u64, |&s| s - 1);
                    if i + 1 == lines as usize && text.ends_with(b"\n") {
                        end = text.len() as u64 - 1;
                    }
                    if end > start && text[end as usize - 1] == b'\r' {
                        end -= 1;
                    }
                    start..end
                })
                .collect();
            for (i, &from) in starts.iter().enumerate().take(lines as usize) {
                for k in 0..4usize {
                    for block in [2, 3, 64] {
                        let got = lines_from(&text.to_vec(), from, k, block).unwrap();
                        let want: Vec<_> = texts[i..(i + k).min(texts.len())].to_vec();
                        assert_eq!(got, want, "{text:?} from={from} k={k} block={block}");
                        let got = lines_before(&text.to_vec(), from, k, block).unwrap();
                        let want: Vec<_> = texts[i.saturating_sub(k)..i].to_vec();
                        assert_eq!(got, want, "{text:?} before={from} k={k} block={block}");
                    }
                }
            }
        }
    }
}
