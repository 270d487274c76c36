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

/// A hunk in the making: old lines `lines` (0-based, half-open) and the splices inside them.
#[derive(Debug)]
struct Hunk {
    lines: Range<u64>,
    splices: Vec<Splice>,
}

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
}

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
        }
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
            let lines = self.lines_of(src, index, &s).map_err(WriteError::Source)?;
            self.last = Some(s.range.clone());
            self.pushed += 1;
            match &mut self.open {
                Some(h) if lines.start <= h.lines.end => {
                    h.lines.end = h.lines.end.max(lines.end);
                    h.splices.push(s.to_splice());
                }
                open => {
                    let closed = open.replace(Hunk { lines, splices: vec![s.to_splice()] });
                    if let Some(h) = closed {
                        self.write_hunk(src, index, &h, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes the hunk still open. Call it after the last part.
    ///
    /// # Errors
    ///
    /// The source's error, or the sink's.
    pub fn finish<S: ReadAt + ?Sized, W: Sink + ?Sized>(
        mut self,
        src: &S,
        index: &LineIndex,
        out: &mut W,
    ) -> Result<(), WriteError<S::Error, W::Error>> {
        match self.open.take() {
            Some(h) => self.write_hunk(src, index, &h, out),
            None => Ok(()),
        }
    }

    /// How many splices the open hunk holds and the bytes they take (for memory tests).
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        self.open.as_ref().map_or((0, 0), |h| {
            let bytes = h.splices.iter().map(|s| s.bytes.capacity()).sum::<usize>();
            (h.splices.capacity(), bytes)
        })
    }

    /// The old lines (0-based, half-open) a splice changes, with `context` lines either side.
    ///
    /// A splice ending inside a line, or whose new text leaves a line open, takes the line it
    /// ends in too.
    fn lines_of<S: ReadAt + ?Sized>(
        &self,
        src: &S,
        index: &LineIndex,
        s: &SpliceRef<'_>,
    ) -> Result<Range<u64>, Error<S::Error>> {
        let (count, len, context) = (index.line_count(), index.len(), self.context);
        let first = index.byte_to_line(src, s.range.start)?.unwrap_or(count).min(count);
        let last = if s.range.end == len {
            count
        } else {
            let at = index.byte_to_line(src, s.range.end)?.unwrap_or(count);
            let at_line_start = index.line_to_byte(src, at)? == Some(s.range.end);
            // The new text of these lines must end at a line boundary too.
            let new_ends_line = match s.bytes.last() {
                Some(&b) => b == b'\n',
                None => {
                    let line_start = index.line_to_byte(src, first)?.unwrap_or(len);
                    s.range.start == line_start
                        || read_range(src, s.range.start - 1..s.range.start)?.first()
                            == Some(&b'\n')
                }
            };
            if at_line_start && new_ends_line {
                at
            } else {
                at + 1
            }
        };
        Ok(first.saturating_sub(context)..(last.max(first) + context).min(count))
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
        let (old, new) = hunk_texts(src, index, h).map_err(WriteError::Source)?;
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
        let new_start = (old_start as i128 + self.shift) as u64;
        let (oc, nc) = (old_h.len() as u64, new_h.len() as u64);
        self.shift += nc as i128 - oc as i128;
        if let Some(header) = self.header.take() {
            out.write(header.as_bytes()).map_err(WriteError::Sink)?;
        }
        let mut text =
            format!("@@ -{} +{} @@\n", span(old_start, oc), span(new_start, nc)).into_bytes();
        let mut line = |tag: u8, l: &[u8]| {
            text.push(tag);
            text.extend_from_slice(l);
            if !l.ends_with(b"\n") {
                text.extend_from_slice(b"\n\\ No newline at end of file\n");
            }
        };
        old_h[..keep_pre].iter().for_each(|l| line(b' ', l));
        old_h[keep_pre..old_h.len() - keep_suf].iter().for_each(|l| line(b'-', l));
        new_h[keep_pre..new_h.len() - keep_suf].iter().for_each(|l| line(b'+', l));
        old_h[old_h.len() - keep_suf..].iter().for_each(|l| line(b' ', l));
        out.write(&text).map_err(WriteError::Sink)
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
    diff.finish(src, index, out)
}

/// `start,count` as unified diffs write it (1-based; the line before for an empty range).
fn span(start: u64, count: u64) -> String {
    match count {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        n => format!("{},{n}", start + 1),
    }
}

/// The old and new bytes of a hunk's lines.
type HunkTexts = (Vec<u8>, Vec<u8>);

fn hunk_texts<S: ReadAt + ?Sized>(
    src: &S,
    index: &LineIndex,
    h: &Hunk,
) -> Result<HunkTexts, Error<S::Error>> {
    let len = index.len();
    let a = index.line_to_byte(src, h.lines.start)?.unwrap_or(len);
    let b = index.line_to_byte(src, h.lines.end)?.unwrap_or(len);
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
