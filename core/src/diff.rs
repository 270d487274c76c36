//! A unified diff of a [`Patch`], for `--dry-run` and previews, computed from the patch and the
//! line index alone: only the changed lines and their context are read.
//!
//! [`UnifiedDiff`] takes the patch in sorted parts, as a planner hands them over, and holds only
//! the hunk still open; [`unified`] pushes a whole patch through it, so both give the same bytes.
//!
//! ADVICE FOR HACKERS: a hunk is closed (written) only when a splice arrives whose lines, with
//! their context, start after the hunk's last line; until then the next part may still add to
//! it. Hunks are formed from the splices alone, in order, so cutting a patch anywhere cannot
//! change the output.

use std::ops::Range;

use crate::error::{EditError, Error};
use crate::lines::LineIndex;
use crate::patch::{Patch, Sink, Splice, SpliceRef, WriteError};
use crate::source::{check_range, read_range, ReadAt};

/// A hunk in the making: old lines `lines` (0-based, half-open, context included), the lines
/// its splices change (`changed`, within `lines`) and the splices.
#[derive(Debug)]
struct Hunk {
    lines: Range<u64>,
    changed: Range<u64>,
    splices: Vec<Splice>,
}

/// Old plus new bytes of a hunk above which it is written streamed, line by line from the
/// source and the splices, instead of held whole (and then without dropping lines the splices
/// rewrote with themselves at its ends: the diff is still exact, only less tight).
pub const HUNK_HELD: u64 = 4 << 20;

/// Bytes of one line a diff shows. A longer line is cut there and followed by a line
/// `\ bigedit: line cut: N of M bytes shown`; such a diff no longer applies as a patch, and
/// [`UnifiedDiff::finish`] counts the cuts so the caller can say so.
pub const LINE_SHOWN: u64 = 1 << 20;

/// How many source bytes a streamed hunk reads at a time.
const READ_PIECE: usize = 64 << 10;

/// Writes a unified diff of a patch handed over in sorted parts, holding only the open hunk.
///
/// Each part is a [`Patch`] over the same source; every splice of a part ends at or before the
/// first splice of the next part starts (a part may be empty). The output is byte for byte what
/// [`unified`] writes for the whole patch: `--- old_name`, `+++ new_name`, then `@@` hunks with
/// `context` lines around each change, and nothing at all when nothing changes. Inside a hunk,
/// the lines from its first change to its last are written as removed, then added: lines are
/// not matched up within a hunk.
///
/// Memory is the open hunk (its splices, owned) and, while a hunk is written, its old and new
/// lines; never the whole patch.
///
/// # Example
///
/// ```
/// use bigedit_core::{diff, Chunker, LineIndex, Patch, Splice};
///
/// let src = b"a\nb\nc\nd\ne\nf\n".to_vec();
/// let index = LineIndex::build(&src, &mut Chunker::default()).unwrap();
/// let first = Patch::new(12, vec![Splice::new(2..3, "B")]).unwrap();
/// let second = Patch::new(12, vec![Splice::new(10..11, "F")]).unwrap();
///
/// let mut diff = diff::UnifiedDiff::new(1, "f", "f");
/// let mut out = Vec::new();
/// diff.push(&src, &index, &first, &mut out).unwrap();
/// diff.push(&src, &index, &second, &mut out).unwrap();
/// diff.finish(&src, &index, &mut out).unwrap();
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -5,2 +5,2 @@\n e\n-f\n+F\n"
/// );
/// ```
#[derive(Debug)]
pub struct UnifiedDiff {
    context: u64,
    /// `--- old\n+++ new\n`, until the first hunk is written.
    header: Option<String>,
    /// The hunk the next splice may still join.
    open: Option<Hunk>,
    /// Lines added minus lines removed by the hunks written so far.
    shift: i128,
    /// The range of the last splice pushed, and how many splices were pushed.
    last: Option<Range<u64>>,
    pushed: usize,
    /// Hunks larger than this (old plus new bytes) are streamed.
    held: u64,
    /// Lines cut at [`LINE_SHOWN`] so far.
    cut: u64,
    /// The last byte looked up and its line: the next lookup, a little further on, counts
    /// the newlines in between instead of scanning from the index's checkpoint again.
    cursor: Option<(u64, u64)>,
    /// The source bytes read last: the lookups of neighbouring splices fall inside it.
    window: Window,
}

/// A window of source bytes, read [`READ_PIECE`] at a time, so that the many small reads of
/// neighbouring splices (a byte before each, the bytes since the last lookup) cost one read.
#[derive(Debug, Default)]
struct Window {
    start: u64,
    bytes: Vec<u8>,
}

impl Window {
    /// The source bytes `r`, from the window or after refilling it from `r.start`.
    fn get<S: ReadAt + ?Sized>(
        &mut self,
        src: &S,
        r: Range<u64>,
    ) -> Result<&[u8], Error<S::Error>> {
        check_range(&r, src.len())?;
        let held = self.start..self.start + self.bytes.len() as u64;
        if r.start < held.start || r.end > held.end {
            let end = r.end.max(r.start + READ_PIECE as u64).min(src.len());
            self.bytes.resize((end - r.start) as usize, 0);
            crate::source::read_exact_at(src, r.start, &mut self.bytes)?;
            self.start = r.start;
        }
        let from = (r.start - self.start) as usize;
        Ok(&self.bytes[from..from + (r.end - r.start) as usize])
    }

    /// Whether byte `at` starts a line (the file's start, or just after a newline).
    fn starts_line<S: ReadAt + ?Sized>(
        &mut self,
        src: &S,
        at: u64,
    ) -> Result<bool, Error<S::Error>> {
        Ok(at == 0 || self.get(src, at - 1..at)? == b"\n")
    }
}

/// How far past the cursor a lookup counts newlines rather than asking the index.
const CURSOR_SPAN: u64 = 64 << 10;

impl UnifiedDiff {
    /// A diff with `context` lines around each change, naming the files `old_name` and
    /// `new_name` in its header.
    pub fn new(context: u64, old_name: &str, new_name: &str) -> Self {
        UnifiedDiff {
            context,
            header: Some(format!("--- {old_name}\n+++ {new_name}\n")),
            open: None,
            shift: 0,
            last: None,
            pushed: 0,
            held: HUNK_HELD,
            cut: 0,
            cursor: None,
            window: Window::default(),
        }
    }

    /// Sets the size above which a hunk is streamed (default [`HUNK_HELD`]); `0` streams every
    /// hunk.
    pub fn streaming_above(mut self, bytes: u64) -> Self {
        self.held = bytes;
        self
    }

    /// Takes the next part of the patch, writing into `out` every hunk that it closes.
    ///
    /// `src` and `index` are the source the patch was planned against and its line index, the
    /// same for every part. Runs in O(s · log c) for s splices and c checkpoints, plus the
    /// reading of the hunks it closes.
    ///
    /// # Errors
    ///
    /// [`EditError::Overlap`] (as [`WriteError::Source`]) if the part's first splice starts
    /// before the previous part's last splice ends, [`EditError::BytesPastEnd`] if a splice
    /// reaches past the end of the source; in both cases nothing was taken from the part and
    /// the diff can go on. Otherwise the source's error, or the sink's.
    pub fn push<S: ReadAt + ?Sized, W: Sink + ?Sized>(
        &mut self,
        src: &S,
        index: &LineIndex,
        part: &Patch,
        out: &mut W,
    ) -> Result<(), WriteError<S::Error, W::Error>> {
        let splices = part.splices();
        let (Some(first), Some(last)) = (splices.first(), splices.last()) else {
            return Ok(());
        };
        if let Some(prev) = self.last.as_ref().filter(|prev| first.range.start < prev.end) {
            return Err(WriteError::Source(
                EditError::Overlap {
                    first: self.pushed - 1,
                    first_range: prev.clone(),
                    second: self.pushed,
                    second_range: first.range,
                }
                .into(),
            ));
        }
        // Sorted and non-overlapping, so the last splice ends furthest.
        check_range(&last.range, index.len()).map_err(|e| WriteError::Source(e.into()))?;
        for s in splices {
            let changed = self.lines_of(src, index, &s).map_err(WriteError::Source)?;
            let lines = changed.start.saturating_sub(self.context)
                ..(changed.end + self.context).min(index.line_count());
            self.last = Some(s.range.clone());
            self.pushed += 1;
            match &mut self.open {
                Some(h) if lines.start <= h.lines.end => {
                    h.lines.end = h.lines.end.max(lines.end);
                    h.changed.end = h.changed.end.max(changed.end);
                    h.splices.push(s.to_splice());
                }
                open => {
                    let closed =
                        open.replace(Hunk { lines, changed, splices: vec![s.to_splice()] });
                    if let Some(h) = closed {
                        self.write_hunk(src, index, &h, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes the hunk still open. Call it after the last part. Returns how many lines the
    /// whole diff cut at [`LINE_SHOWN`] bytes (it does not apply as a patch when that is not 0).
    ///
    /// # Errors
    ///
    /// The source's error, or the sink's.
    pub fn finish<S: ReadAt + ?Sized, W: Sink + ?Sized>(
        mut self,
        src: &S,
        index: &LineIndex,
        out: &mut W,
    ) -> Result<u64, WriteError<S::Error, W::Error>> {
        if let Some(h) = self.open.take() {
            self.write_hunk(src, index, &h, out)?;
        }
        Ok(self.cut)
    }

    /// How many splices the open hunk holds and the bytes they take (for memory tests).
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        self.open.as_ref().map_or((0, 0), |h| {
            let bytes = h.splices.iter().map(|s| s.bytes.capacity()).sum::<usize>();
            (h.splices.capacity(), bytes)
        })
    }

    /// The old lines (0-based, half-open) a splice changes.
    ///
    /// A splice ending inside a line, or whose new text leaves a line open, takes the line it
    /// ends in too.
    fn lines_of<S: ReadAt + ?Sized>(
        &mut self,
        src: &S,
        index: &LineIndex,
        s: &SpliceRef<'_>,
    ) -> Result<Range<u64>, Error<S::Error>> {
        let (count, len) = (index.line_count(), index.len());
        let first = self.line_of(src, index, s.range.start)?.unwrap_or(count).min(count);
        let last = if s.range.end == len {
            count
        } else {
            let at = self.line_of(src, index, s.range.end)?.unwrap_or(count);
            // The new text of these lines must end at a line boundary too.
            let new_ends_line = match s.bytes.last() {
                Some(&b) => b == b'\n',
                None => self.window.starts_line(src, s.range.start)?,
            };
            if self.window.starts_line(src, s.range.end)? && new_ends_line {
                at
            } else {
                at + 1
            }
        };
        Ok(first..last.max(first))
    }

    /// The 0-based line of byte `at` (`None` at the end), as [`LineIndex::byte_to_line`] gives
    /// it, counted on from the previous lookup when that was a little before.
    fn line_of<S: ReadAt + ?Sized>(
        &mut self,
        src: &S,
        index: &LineIndex,
        at: u64,
    ) -> Result<Option<u64>, Error<S::Error>> {
        if let Some((pos, line)) = self.cursor {
            if at >= pos && at < index.len() && at - pos <= CURSOR_SPAN {
                let between = self.window.get(src, pos..at)?;
                let line = line + memchr::memchr_iter(b'\n', between).count() as u64;
                self.cursor = Some((at, line));
                return Ok(Some(line));
            }
        }
        let line = index.byte_to_line(src, at)?;
        self.cursor = line.map(|l| (at, l));
        Ok(line)
    }

    /// Writes one closed hunk, less the unchanged lines beyond `context` at either end; nothing
    /// if its splices changed no line.
    fn write_hunk<S: ReadAt + ?Sized, W: Sink + ?Sized>(
        &mut self,
        src: &S,
        index: &LineIndex,
        h: &Hunk,
        out: &mut W,
    ) -> Result<(), WriteError<S::Error, W::Error>> {
        let len = index.len();
        let at = |line| index.line_to_byte(src, line).map(|b| b.unwrap_or(len));
        let (a, b) = (at(h.lines.start), at(h.lines.end));
        let (a, b) = (a.map_err(WriteError::Source)?, b.map_err(WriteError::Source)?);
        let grown: i128 = h
            .splices
            .iter()
            .map(|s| s.bytes.len() as i128 - (s.range.end - s.range.start) as i128)
            .sum();
        let new_len = ((b - a) as i128 + grown).max(0) as u64;
        if (b - a).saturating_add(new_len) > self.held {
            return self.write_streamed(src, index, h, a..b, out);
        }
        let (old, new) = hunk_texts(src, h, a..b).map_err(WriteError::Source)?;
        let old_lines: Vec<&[u8]> = old.split_inclusive(|&c| c == b'\n').collect();
        let new_lines: Vec<&[u8]> = new.split_inclusive(|&c| c == b'\n').collect();
        let pre = old_lines.iter().zip(&new_lines).take_while(|(x, y)| x == y).count();
        let room = old_lines.len().min(new_lines.len()) - pre;
        let suf = old_lines
            .iter()
            .rev()
            .zip(new_lines.iter().rev())
            .take(room)
            .take_while(|(x, y)| x == y)
            .count();
        if pre + suf == old_lines.len() && pre + suf == new_lines.len() {
            return Ok(()); // the splices rewrote these bytes with themselves
        }
        let ctx = self.context as usize;
        let (keep_pre, keep_suf) = (pre.min(ctx), suf.min(ctx));
        let (drop_pre, drop_suf) = (pre - keep_pre, suf - keep_suf);
        let old_h = &old_lines[drop_pre..old_lines.len() - drop_suf];
        let new_h = &new_lines[drop_pre..new_lines.len() - drop_suf];
        let old_start = h.lines.start + drop_pre as u64;
        let (oc, nc) = (old_h.len() as u64, new_h.len() as u64);
        let mut w = self.begin_hunk(old_start, oc, nc, out)?;
        let lines = |w: &mut LineWriter<'_, W>, tag: u8, ls: &[&[u8]]| {
            ls.iter().try_for_each(|l| {
                w.tagged(tag, l)?;
                w.end_open()
            })
        };
        lines(&mut w, b' ', &old_h[..keep_pre])?;
        lines(&mut w, b'-', &old_h[keep_pre..old_h.len() - keep_suf])?;
        lines(&mut w, b'+', &new_h[keep_pre..new_h.len() - keep_suf])?;
        lines(&mut w, b' ', &old_h[old_h.len() - keep_suf..])?;
        self.cut += w.cut;
        w.flush()
    }

    /// Starts writing a hunk of `oc` old lines from 0-based `old_start` and `nc` new ones:
    /// the file header before the first hunk, then the `@@` line.
    fn begin_hunk<'w, E, W: Sink + ?Sized>(
        &mut self,
        old_start: u64,
        oc: u64,
        nc: u64,
        out: &'w mut W,
    ) -> Result<LineWriter<'w, W>, WriteError<E, W::Error>> {
        let new_start = (old_start as i128 + self.shift) as u64;
        self.shift += nc as i128 - oc as i128;
        let mut w = LineWriter::new(out);
        if let Some(header) = self.header.take() {
            w.raw(header.as_bytes())?;
        }
        w.raw(format!("@@ -{} +{} @@\n", span(old_start, oc), span(new_start, nc)).as_bytes())?;
        Ok(w)
    }

    /// Writes a hunk too large to hold ([`HUNK_HELD`]): its line counts come from the line
    /// index and one counting pass over the new text, then its lines are read again and
    /// written as they are read. Every line of `changed` is written as removed and added.
    fn write_streamed<S: ReadAt + ?Sized, W: Sink + ?Sized>(
        &mut self,
        src: &S,
        index: &LineIndex,
        h: &Hunk,
        Range { start: a, end: b }: Range<u64>,
        out: &mut W,
    ) -> Result<(), WriteError<S::Error, W::Error>> {
        let len = index.len();
        let at = |line| {
            index.line_to_byte(src, line).map(|b| b.unwrap_or(len)).map_err(WriteError::Source)
        };
        let (c0, c1) = (at(h.changed.start)?, at(h.changed.end)?);
        // The new text of the changed lines: source ranges between the splices, and the splices.
        let mut pieces = Vec::with_capacity(2 * h.splices.len() + 1);
        let mut pos = c0;
        for s in &h.splices {
            pieces.push(Piece::Source(pos..s.range.start));
            pieces.push(Piece::Bytes(&s.bytes));
            pos = s.range.end;
        }
        pieces.push(Piece::Source(pos..c1));
        let (mut newlines, mut bytes, mut last) = (0u64, 0u64, b'\n');
        for p in &pieces {
            each_slice(src, p, &mut self.window, |slice| {
                newlines += memchr::memchr_iter(b'\n', slice).count() as u64;
                bytes += slice.len() as u64;
                if let Some(&l) = slice.last() {
                    last = l;
                }
                Ok(())
            })?;
        }
        let added = newlines + u64::from(bytes > 0 && last != b'\n');
        let pre = h.changed.start - h.lines.start;
        let post = h.lines.end - h.changed.end;
        let (oc, nc) = (h.lines.end - h.lines.start, pre + added + post);
        let mut w = self.begin_hunk(h.lines.start, oc, nc, out)?;
        let buf = &mut self.window;
        let mut tagged = |w: &mut LineWriter<'_, W>, tag: u8, ps: &[Piece<'_>]| {
            for p in ps {
                each_slice(src, p, buf, |slice| w.tagged(tag, slice))?;
            }
            w.end_open()
        };
        tagged(&mut w, b' ', &[Piece::Source(a..c0)])?;
        tagged(&mut w, b'-', &[Piece::Source(c0..c1)])?;
        tagged(&mut w, b'+', &pieces)?;
        tagged(&mut w, b' ', &[Piece::Source(c1..b)])?;
        self.cut += w.cut;
        w.flush()
    }
}

/// Writes a unified diff (`--- old_name`, `+++ new_name`, `@@` hunks with `context` lines around
/// each change) of what `patch` does to `src` into `out`. Writes nothing when nothing changes.
///
/// The output applies with `patch`; lines are compared as bytes. The same as pushing `patch`
/// through a [`UnifiedDiff`] in one part.
///
/// # Example
///
/// ```
/// use bigedit_core::{diff, text, Chunker, LineIndex};
///
/// let src = b"a\nb\nc\n".to_vec();
/// let index = LineIndex::build(&src, &mut Chunker::default()).unwrap();
/// let patch = text::replace_lines(&src, &index, 2..=2, b"B").unwrap();
/// let mut out = Vec::new();
/// diff::unified(&src, &index, &patch, 1, "f", "f", &mut out).unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(), "--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
/// ```
///
/// # Errors
///
/// The source's error, or the sink's.
pub fn unified<S: ReadAt + ?Sized, W: Sink + ?Sized>(
    src: &S,
    index: &LineIndex,
    patch: &Patch,
    context: u64,
    old_name: &str,
    new_name: &str,
    out: &mut W,
) -> Result<(), WriteError<S::Error, W::Error>> {
    let mut diff = UnifiedDiff::new(context, old_name, new_name);
    diff.push(src, index, patch, out)?;
    diff.finish(src, index, out).map(drop)
}

/// `start,count` as unified diffs write it (1-based; the line before for an empty range).
fn span(start: u64, count: u64) -> String {
    match count {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        n => format!("{},{n}", start + 1),
    }
}

/// Part of a streamed hunk's text: a source range or new bytes.
enum Piece<'a> {
    Source(Range<u64>),
    Bytes(&'a [u8]),
}

/// Hands `f` the bytes of `piece` in slices of at most [`READ_PIECE`] bytes.
fn each_slice<S: ReadAt + ?Sized, E>(
    src: &S,
    piece: &Piece<'_>,
    window: &mut Window,
    mut f: impl FnMut(&[u8]) -> Result<(), WriteError<S::Error, E>>,
) -> Result<(), WriteError<S::Error, E>> {
    match piece {
        Piece::Bytes(b) => b.chunks(READ_PIECE).try_for_each(f),
        Piece::Source(r) => {
            let mut pos = r.start;
            while pos < r.end {
                let n = (r.end - pos).min(READ_PIECE as u64);
                f(window.get(src, pos..pos + n).map_err(WriteError::Source)?)?;
                pos += n;
            }
            Ok(())
        }
    }
}

/// Writes diff lines into a sink through a buffer: a tag before each line, lines cut at
/// [`LINE_SHOWN`] bytes (with a marker line), `\ No newline at end of file` after a last line
/// that has none.
struct LineWriter<'a, W: Sink + ?Sized> {
    out: &'a mut W,
    buf: Vec<u8>,
    /// The bytes of the line being written so far, or `None` between lines.
    line: Option<u64>,
    /// Lines cut.
    cut: u64,
}

impl<'a, W: Sink + ?Sized> LineWriter<'a, W> {
    fn new(out: &'a mut W) -> Self {
        LineWriter { out, buf: Vec::with_capacity(READ_PIECE), line: None, cut: 0 }
    }

    fn spill<E>(&mut self) -> Result<(), WriteError<E, W::Error>> {
        if self.buf.len() >= READ_PIECE {
            self.flush()?;
        }
        Ok(())
    }

    fn flush<E>(&mut self) -> Result<(), WriteError<E, W::Error>> {
        if !self.buf.is_empty() {
            self.out.write(&self.buf).map_err(WriteError::Sink)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn raw<E>(&mut self, bytes: &[u8]) -> Result<(), WriteError<E, W::Error>> {
        self.buf.extend_from_slice(bytes);
        self.spill()
    }

    /// Ends the current line: its newline, and the cut marker if it was cut.
    fn end<E>(&mut self) -> Result<(), WriteError<E, W::Error>> {
        let Some(total) = self.line.take() else { return Ok(()) };
        self.buf.push(b'\n');
        if total > LINE_SHOWN {
            self.cut += 1;
            let marker = format!("\\ bigedit: line cut: {LINE_SHOWN} of {total} bytes shown\n");
            self.buf.extend_from_slice(marker.as_bytes());
        }
        self.spill()
    }

    /// Ends a line left open by the end of the text: it had no newline.
    fn end_open<E>(&mut self) -> Result<(), WriteError<E, W::Error>> {
        if self.line.is_some() {
            self.end()?;
            self.buf.extend_from_slice(b"\\ No newline at end of file\n");
        }
        self.spill()
    }

    /// Text of any number of lines, each tagged `tag`; a line may span calls.
    fn tagged<E>(&mut self, tag: u8, mut text: &[u8]) -> Result<(), WriteError<E, W::Error>> {
        while !text.is_empty() {
            let had = match self.line {
                Some(n) => n,
                None => {
                    self.buf.push(tag);
                    0
                }
            };
            let nl = memchr::memchr(b'\n', text);
            let body = &text[..nl.unwrap_or(text.len())];
            let room = LINE_SHOWN.saturating_sub(had) as usize;
            self.buf.extend_from_slice(&body[..body.len().min(room)]);
            self.line = Some(had + body.len() as u64);
            match nl {
                Some(i) => {
                    self.end()?;
                    text = &text[i + 1..];
                }
                None => {
                    self.spill()?;
                    text = &[];
                }
            }
        }
        Ok(())
    }
}

/// The old and new bytes of a hunk's lines.
type HunkTexts = (Vec<u8>, Vec<u8>);

fn hunk_texts<S: ReadAt + ?Sized>(
    src: &S,
    h: &Hunk,
    Range { start: a, end: b }: Range<u64>,
) -> Result<HunkTexts, Error<S::Error>> {
    let old = read_range(src, a..b)?;
    let mut new = Vec::with_capacity(old.len());
    let mut pos = a;
    for s in &h.splices {
        new.extend_from_slice(&old[(pos - a) as usize..(s.range.start - a) as usize]);
        new.extend_from_slice(&s.bytes);
        pos = s.range.end;
    }
    new.extend_from_slice(&old[(pos - a) as usize..]);
    Ok((old, new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::Splice;
    use crate::scan::Chunker;
    use crate::text;

    fn diff_of(src: &str, patch: impl Fn(&Vec<u8>, &LineIndex) -> Patch, ctx: u64) -> String {
        let s = src.as_bytes().to_vec();
        let index = LineIndex::build(&s, &mut Chunker::default()).unwrap();
        let p = patch(&s, &index);
        let mut out = Vec::new();
        unified(&s, &index, &p, ctx, "a", "b", &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn hunks_for_inserts_deletes_and_missing_newlines() {
        let d = diff_of("1\n2\n3\n", |s, i| text::insert_lines(s, i, 3, b"4").unwrap(), 1);
        assert_eq!(
            d,
            "--- a\n+++ b\n@@ -3,0 +4 @@\n+4\n".replace("@@ -3,0 +4 @@\n", "@@ -3 +3,2 @@\n 3\n")
        );
        let d = diff_of("1\n2", |s, i| text::replace_lines(s, i, 2..=2, b"two").unwrap(), 0);
        assert_eq!(d, "--- a\n+++ b\n@@ -2 +2 @@\n-2\n\\ No newline at end of file\n+two\n\\ No newline at end of file\n");
        let d = diff_of("1\n2\n3\n4\n", |s, i| text::delete_lines(s, i, 2..=3).unwrap(), 0);
        assert_eq!(d, "--- a\n+++ b\n@@ -2,2 +1,0 @@\n-2\n-3\n");
        let d = diff_of("ab\ncd\n", |_, _| Patch::new(6, vec![Splice::new(1..3, "")]).unwrap(), 0);
        assert_eq!(d, "--- a\n+++ b\n@@ -1,2 +1 @@\n-ab\n-cd\n+acd\n");
        let d = diff_of("x\n", |_, _| Patch::new(2, vec![Splice::new(0..1, "x")]).unwrap(), 3);
        assert_eq!(d, "");
    }

    /// `lines` numbered lines, `n\n` each.
    fn numbered(lines: usize) -> (Vec<u8>, LineIndex) {
        let src: Vec<u8> = (1..=lines).flat_map(|i| format!("{i}\n").into_bytes()).collect();
        let index = LineIndex::build(&src, &mut Chunker::new(7)).unwrap();
        (src, index)
    }

    /// The diff of `splices` pushed as the parts that `cuts` (splice positions) mark.
    fn pushed(
        src: &[u8],
        index: &LineIndex,
        splices: &[Splice],
        cuts: &[usize],
        ctx: u64,
    ) -> Vec<u8> {
        let len = src.len() as u64;
        let mut diff = UnifiedDiff::new(ctx, "a", "b");
        let mut out = Vec::new();
        let mut from = 0;
        for &cut in cuts.iter().chain([&splices.len()]) {
            let part = Patch::new(len, splices[from..cut].to_vec()).unwrap();
            diff.push(src, index, &part, &mut out).unwrap();
            from = cut;
        }
        diff.finish(src, index, &mut out).unwrap();
        out
    }

    #[test]
    fn any_cut_into_parts_gives_the_diff_of_the_whole() {
        let (src, index) = numbered(30);
        let at = |line: usize| {
            src.iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .nth(line - 2)
                .map_or(0, |(i, _)| i as u64 + 1)
        };
        // Line 2 replaced, an insert before line 5 and one in the middle of line 5, line 12
        // deleted, line 18 rewritten with itself, two inserts before line 30 and one at the end.
        let splices = vec![
            Splice::new(at(2)..at(3), "two\n"),
            Splice::new(at(5)..at(5), "4.5\n"),
            Splice::new(at(5) + 1..at(5) + 1, "!"),
            Splice::new(at(12)..at(13), ""),
            Splice::new(at(18)..at(19), "18\n"),
            Splice::new(at(30)..at(30), "29.5\n"),
            Splice::new(at(30)..at(30), "29.7\n"),
            Splice::new(src.len() as u64..src.len() as u64, "31"),
        ];
        let whole = Patch::new(src.len() as u64, splices.clone()).unwrap();
        // Hunks are whole old lines against whole new lines, less the equal ones at the ends.
        let expect_ctx1 = "--- a\n+++ b\n\
            @@ -1,6 +1,7 @@\n 1\n-2\n-3\n-4\n-5\n+two\n+3\n+4\n+4.5\n+5!\n 6\n\
            @@ -11,3 +12,2 @@\n 11\n-12\n 13\n\
            @@ -29,2 +29,5 @@\n 29\n-30\n+29.5\n+29.7\n+30\n+31\n\\ No newline at end of file\n";
        for ctx in 0..5 {
            let mut expect = Vec::new();
            unified(&src[..], &index, &whole, ctx, "a", "b", &mut expect).unwrap();
            if ctx == 1 {
                assert_eq!(String::from_utf8_lossy(&expect), expect_ctx1);
            }
            let n = splices.len();
            for a in 0..=n {
                for b in a..=n {
                    for cuts in [vec![a, b], vec![0, a, a, b, n]] {
                        let got = pushed(&src, &index, &splices, &cuts, ctx);
                        assert_eq!(got, expect, "context {ctx}, cut at {cuts:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_writer_holds_only_the_open_hunk() {
        let (src, index) = numbered(20_000);
        let len = src.len() as u64;
        let starts: Vec<u64> = std::iter::once(0)
            .chain(src.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i as u64 + 1))
            .collect();
        let mut diff = UnifiedDiff::new(3, "a", "b");
        let mut out = Vec::new();
        let mut all = Vec::new();
        // Far apart (every 10th line): each splice closes the hunk before it.
        for line in (0..10_000).step_by(10) {
            let s = Splice::new(starts[line]..starts[line + 1], "x\n");
            diff.push(&src[..], &index, &Patch::new(len, vec![s.clone()]).unwrap(), &mut out)
                .unwrap();
            all.push(s);
            assert_eq!(diff.held(), (1, 2), "after line {line}");
        }
        // Every line from 10,000 on, one part each: one hunk that grows across parts ...
        for line in 10_000..10_100 {
            let s = Splice::new(starts[line]..starts[line + 1], "");
            diff.push(&src[..], &index, &Patch::new(len, vec![s.clone()]).unwrap(), &mut out)
                .unwrap();
            all.push(s);
        }
        assert!((100..=128).contains(&diff.held().0), "{:?}", diff.held());
        // ... and is let go, capacity and all, when a far splice closes it.
        let s = Splice::new(starts[19_000]..starts[19_000], "y\n");
        diff.push(&src[..], &index, &Patch::new(len, vec![s.clone()]).unwrap(), &mut out).unwrap();
        all.push(s);
        assert_eq!(diff.held(), (1, 2));
        diff.finish(&src[..], &index, &mut out).unwrap();
        let mut expect = Vec::new();
        unified(&src[..], &index, &Patch::new(len, all).unwrap(), 3, "a", "b", &mut expect)
            .unwrap();
        assert_eq!(out, expect);
        assert_eq!(out.split(|&b| b == b'\n').filter(|l| l.starts_with(b"@@ ")).count(), 1_000 + 2);
    }

    #[test]
    fn a_part_that_reaches_back_is_an_error_and_changes_nothing() {
        let (src, index) = numbered(20);
        let len = src.len() as u64;
        let part = |splices: Vec<Splice>| Patch::new(len, splices).unwrap();
        let mut diff = UnifiedDiff::new(1, "a", "b");
        let mut out = Vec::new();
        diff.push(
            &src[..],
            &index,
            &part(vec![Splice::new(0..2, ""), Splice::new(4..6, "X")]),
            &mut out,
        )
        .unwrap();
        let back = part(vec![Splice::new(5..5, "Y"), Splice::new(30..31, "")]);
        let err = diff.push(&src[..], &index, &back, &mut out).unwrap_err();
        assert!(
            matches!(
                err,
                WriteError::Source(Error::Edit(EditError::Overlap { first: 1, ref first_range, second: 2, ref second_range }))
                    if *first_range == (4..6) && *second_range == (5..5)
            ),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "edit 2 (bytes 5:5) overlaps edit 1 (bytes 4:6)");
        // An insert where the last splice ends, and an empty part, are fine.
        diff.push(&src[..], &index, &part(vec![Splice::new(6..6, "Z\n")]), &mut out).unwrap();
        diff.push(&src[..], &index, &Patch::identity(len), &mut out).unwrap();
        // A part planned for a longer source is refused before anything is taken from it.
        let long =
            Patch::new(len + 5, vec![Splice::new(40..41, "W"), Splice::new(len + 1..len + 2, "")])
                .unwrap();
        let err = diff.push(&src[..], &index, &long, &mut out).unwrap_err();
        assert!(
            matches!(err, WriteError::Source(Error::Edit(EditError::BytesPastEnd { .. }))),
            "{err:?}"
        );
        diff.finish(&src[..], &index, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "--- a\n+++ b\n@@ -1,4 +1,3 @@\n-1\n-2\n-3\n+2\n+XZ\n 4\n"
        );
    }
}

#[cfg(test)]
mod streamed {
    use super::*;
    use crate::patch::Splice;
    use crate::scan::Chunker;
    use proptest::prelude::*;

    /// Applies a unified diff to `old` (an independent reader of the format: hunks in order,
    /// each checked against the old lines it names).
    fn apply(old: &[u8], diff: &[u8]) -> Vec<u8> {
        let old_lines: Vec<&[u8]> = old.split_inclusive(|&c| c == b'\n').collect();
        let mut out = Vec::new();
        let mut at = 0usize; // old lines copied so far
        let rows = diff.split_inclusive(|&c| c == b'\n');
        let mut last_tag = b' ';
        for row in rows {
            if row.starts_with(b"--- ") || row.starts_with(b"+++ ") {
                continue;
            }
            if row.starts_with(b"@@ -") {
                let text = String::from_utf8_lossy(row);
                let old_span = text[4..].split(' ').next().unwrap();
                let (start, count) = match old_span.split_once(',') {
                    Some((s, c)) => (s.parse::<usize>().unwrap(), c.parse::<usize>().unwrap()),
                    None => (old_span.parse::<usize>().unwrap(), 1),
                };
                let first = if count == 0 { start } else { start - 1 };
                assert!(first >= at, "hunks out of order");
                old_lines[at..first].iter().for_each(|l| out.extend_from_slice(l));
                at = first;
                continue;
            }
            if row.starts_with(b"\\ No newline") {
                if last_tag != b'-' {
                    assert_eq!(out.pop(), Some(b'\n'));
                }
                continue;
            }
            let (tag, body) = (row[0], &row[1..]);
            last_tag = tag;
            match tag {
                b' ' | b'-' => {
                    let l = old_lines[at];
                    assert_eq!(
                        l.strip_suffix(b"\n").unwrap_or(l),
                        body.strip_suffix(b"\n").unwrap()
                    );
                    at += 1;
                    if tag == b' ' {
                        out.extend_from_slice(body);
                    }
                }
                b'+' => out.extend_from_slice(body),
                other => panic!("unexpected row tag {other}"),
            }
        }
        old_lines[at..].iter().for_each(|l| out.extend_from_slice(l));
        out
    }

    fn diff_with(src: &[u8], patch: &Patch, ctx: u64, held: u64) -> (Vec<u8>, u64) {
        let index = LineIndex::build(src, &mut Chunker::new(7)).unwrap();
        let mut diff = UnifiedDiff::new(ctx, "a", "b").streaming_above(held);
        let mut out = Vec::new();
        diff.push(src, &index, patch, &mut out).unwrap();
        let cut = diff.finish(src, &index, &mut out).unwrap();
        (out, cut)
    }

    fn applied(src: &[u8], patch: &Patch) -> Vec<u8> {
        let mut out = Vec::new();
        let mut pos = 0usize;
        for s in patch.splices() {
            out.extend_from_slice(&src[pos..s.range.start as usize]);
            out.extend_from_slice(s.bytes);
            pos = s.range.end as usize;
        }
        out.extend_from_slice(&src[pos..]);
        out
    }

    proptest! {
        #[test]
        fn held_and_streamed_hunks_both_apply_to_the_patched_bytes(
            lines in prop::collection::vec("[ab]{0,3}", 0..30),
            final_newline: bool,
            cuts in prop::collection::vec((0usize..200, 0usize..4, "[ab\n]{0,4}"), 0..8),
            ctx in 0u64..4,
        ) {
            let mut src = lines.join("\n").into_bytes();
            if final_newline && !src.is_empty() {
                src.push(b'\n');
            }
            let len = src.len();
            let mut at: Vec<(usize, usize, String)> = cuts
                .into_iter()
                .map(|(a, n, t)| { let a = a % (len + 1); (a, (a + n).min(len), t) })
                .collect();
            at.sort();
            let mut splices = Vec::new();
            let mut end = 0;
            for (a, b, t) in at {
                if a >= end || (a == b && a == end) {
                    splices.push(Splice::new(a as u64..b as u64, t.into_bytes()));
                    end = b;
                }
            }
            let patch = Patch::new(len as u64, splices).unwrap();
            let want = applied(&src, &patch);
            for held in [0, HUNK_HELD] {
                let (d, cut) = diff_with(&src, &patch, ctx, held);
                prop_assert_eq!(cut, 0);
                prop_assert_eq!(apply(&src, &d), want.clone(), "held {}: {}", held, String::from_utf8_lossy(&d));
            }
        }
    }

    #[test]
    fn a_line_longer_than_shown_is_cut_and_counted() {
        let long = LINE_SHOWN as usize * 3;
        let mut src = b"first\n".to_vec();
        src.extend(std::iter::repeat_n(b'x', long));
        src.extend_from_slice(b"\nlast\n");
        let patch = Patch::new(src.len() as u64, vec![Splice::new(6..7, "y")]).unwrap();
        let (d, cut) = diff_with(&src, &patch, 1, HUNK_HELD);
        assert_eq!(cut, 2, "the old and the new line");
        assert!(d.len() < 3 * LINE_SHOWN as usize, "{} bytes of diff", d.len());
        let text = String::from_utf8_lossy(&d);
        let marker = format!("\\ bigedit: line cut: {LINE_SHOWN} of {long} bytes shown\n");
        assert_eq!(text.matches(&marker).count(), 2, "{}", &text[..200]);
        assert!(text.starts_with("--- a\n+++ b\n@@ -1,3 +1,3 @@\n first\n-xxx"));
        assert!(text.ends_with(&format!("{marker} last\n")));
        // A short line in the same diff is whole.
        let (small, cut) =
            diff_with(b"a\nb\n", &Patch::new(4, vec![Splice::new(2..3, "B")]).unwrap(), 1, 0);
        assert_eq!(
            (String::from_utf8(small).unwrap().as_str(), cut),
            ("--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n", 0)
        );
    }
}
