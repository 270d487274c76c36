//! A unified diff of a [`Patch`], for `--dry-run` and previews, computed from the patch and the
//! line index alone: only the changed lines and their context are read.

use std::ops::Range;

use crate::error::Error;
use crate::lines::LineIndex;
use crate::patch::{Patch, Sink, SpliceRef, WriteError};
use crate::source::{read_range, ReadAt};

/// A hunk in the making: old lines `lines` (0-based, half-open) and the splices inside them.
struct Hunk<'a> {
    lines: Range<u64>,
    splices: Vec<SpliceRef<'a>>,
}

/// Writes a unified diff (`--- old_name`, `+++ new_name`, `@@` hunks with `context` lines around
/// each change) of what `patch` does to `src` into `out`. Writes nothing when nothing changes.
///
/// The output applies with `patch`; lines are compared as bytes.
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
    let hunks = plan_hunks(src, index, patch, context).map_err(WriteError::Source)?;
    let mut header = Some(format!("--- {old_name}\n+++ {new_name}\n"));
    let mut shift: i128 = 0;
    for h in hunks {
        let (old, new, first_line) = hunk_texts(src, index, &h).map_err(WriteError::Source)?;
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
            continue; // the splices rewrote these bytes with themselves
        }
        let ctx = context as usize;
        let (keep_pre, keep_suf) = (pre.min(ctx), suf.min(ctx));
        let (drop_pre, drop_suf) = (pre - keep_pre, suf - keep_suf);
        let old_h = &old_lines[drop_pre..old_lines.len() - drop_suf];
        let new_h = &new_lines[drop_pre..new_lines.len() - drop_suf];
        let old_start = first_line + drop_pre as u64;
        let new_start = (old_start as i128 + shift) as u64;
        let (oc, nc) = (old_h.len() as u64, new_h.len() as u64);
        shift += nc as i128 - oc as i128;
        if let Some(h) = header.take() {
            out.write(h.as_bytes()).map_err(WriteError::Sink)?;
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
        out.write(&text).map_err(WriteError::Sink)?;
    }
    Ok(())
}

/// `start,count` as unified diffs write it (1-based; the line before for an empty range).
fn span(start: u64, count: u64) -> String {
    match count {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        n => format!("{},{n}", start + 1),
    }
}

/// Groups splices into hunks of whole old lines, with `context` lines around each change.
fn plan_hunks<'p, S: ReadAt + ?Sized>(
    src: &S,
    index: &LineIndex,
    patch: &'p Patch,
    context: u64,
) -> Result<Vec<Hunk<'p>>, Error<S::Error>> {
    let (count, len) = (index.line_count(), index.len());
    let mut hunks: Vec<Hunk<'_>> = Vec::new();
    for s in patch.splices() {
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
        let lines = first.saturating_sub(context)..(last.max(first) + context).min(count);
        match hunks.last_mut() {
            Some(h) if lines.start <= h.lines.end => {
                h.lines.end = h.lines.end.max(lines.end);
                h.splices.push(s);
            }
            _ => hunks.push(Hunk { lines, splices: vec![s] }),
        }
    }
    Ok(hunks)
}

/// The old and new bytes of a hunk, and its first old line (0-based).
type HunkTexts = (Vec<u8>, Vec<u8>, u64);

fn hunk_texts<S: ReadAt + ?Sized>(
    src: &S,
    index: &LineIndex,
    h: &Hunk<'_>,
) -> Result<HunkTexts, Error<S::Error>> {
    let len = index.len();
    let a = index.line_to_byte(src, h.lines.start)?.unwrap_or(len);
    let b = index.line_to_byte(src, h.lines.end)?.unwrap_or(len);
    let old = read_range(src, a..b)?;
    let mut new = Vec::with_capacity(old.len());
    let mut pos = a;
    for s in &h.splices {
        new.extend_from_slice(&old[(pos - a) as usize..(s.range.start - a) as usize]);
        new.extend_from_slice(s.bytes);
        pos = s.range.end;
    }
    new.extend_from_slice(&old[(pos - a) as usize..]);
    Ok((old, new, h.lines.start))
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
}
