//! [`Overlay`]: the edited document as a [`ReadAt`] over an unchanged source plus a patch
//! (a piece table), so every scanner and planner works on edits before they are saved.
//!
//! Edits staged on an overlay are written in *view* coordinates (the document as it currently
//! reads) and folded back into one patch in *source* coordinates, which a host commits in one
//! pass.

use std::ops::Range;

use crate::error::EditError;
use crate::patch::{Patch, SortedSplices, Splice};
use crate::source::ReadAt;

/// One piece of the view with its view offset.
#[derive(Debug, Clone)]
struct Entry {
    view_start: u64,
    seg: Seg,
}

#[derive(Debug, Clone)]
enum Seg {
    Copy(Range<u64>),
    /// All the bytes of the patch's splice number `splice`, which are `len` long.
    Insert {
        splice: usize,
        len: usize,
    },
}

impl Seg {
    fn len(&self) -> u64 {
        match self {
            Seg::Copy(r) => r.end - r.start,
            Seg::Insert { len, .. } => *len as u64,
        }
    }
}

/// A source with staged edits, readable as the edited document.
///
/// # Example
///
/// ```
/// use bigedit_core::{Overlay, ReadAt, read_range};
///
/// let src = b"one\ntwo\nthree\n".to_vec();
/// let mut doc = Overlay::new(&src);
/// doc.splice(4..7, "TWO").unwrap();          // view coordinates
/// doc.splice(0..0, "zero\n").unwrap();       // the view has changed: offsets follow it
/// assert_eq!(read_range(&doc, 0..doc.len()).unwrap(), b"zero\none\nTWO\nthree\n");
/// // One patch in source coordinates, ready for one commit.
/// assert_eq!(doc.patch().apply_to_vec(&src).unwrap(), b"zero\none\nTWO\nthree\n");
/// doc.undo();
/// assert_eq!(read_range(&doc, 0..doc.len()).unwrap(), b"one\nTWO\nthree\n");
/// ```
#[derive(Debug, Clone)]
pub struct Overlay<S> {
    source: S,
    patch: Patch,
    table: Vec<Entry>,
    history: Vec<Patch>,
}

impl<S: ReadAt> Overlay<S> {
    /// An overlay with no edits: it reads exactly as `source`.
    pub fn new(source: S) -> Self {
        let len = source.len();
        Self::with_patch(source, Patch::identity(len))
    }

    /// An overlay that shows `patch` applied to `source`.
    ///
    /// # Panics
    ///
    /// If the patch was planned for a source of another length.
    pub fn with_patch(source: S, patch: Patch) -> Self {
        assert_eq!(patch.source_len(), source.len(), "patch planned for another source");
        let table = build_table(&patch);
        Overlay { source, patch, table, history: Vec::new() }
    }

    /// The unchanged source.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// All staged edits as one patch in source coordinates.
    pub fn patch(&self) -> &Patch {
        &self.patch
    }

    /// Gives back the source and the combined patch.
    pub fn into_parts(self) -> (S, Patch) {
        (self.source, self.patch)
    }

    /// How many edits can be undone.
    pub fn depth(&self) -> usize {
        self.history.len()
    }

    /// Replaces view range `range` with `bytes`.
    ///
    /// Runs in O(p + inserted bytes) for p pieces.
    ///
    /// # Errors
    ///
    /// [`EditError::BytesPastEnd`] or [`EditError::ReversedBytes`] for a range outside the view.
    pub fn splice(
        &mut self,
        range: Range<u64>,
        bytes: impl Into<Vec<u8>>,
    ) -> Result<(), EditError> {
        let view = Patch::new(self.len(), vec![Splice::new(range, bytes)])?;
        self.stage(&view)
    }

    /// Stages a patch planned against the current view (for example by a planner run on this
    /// overlay), composing it with what is already staged.
    ///
    /// Runs in O((p + s) log p + inserted bytes) for p pieces and s splices.
    ///
    /// # Errors
    ///
    /// [`EditError::ShortRead`] if `view_patch` was planned for a view of another length.
    pub fn stage(&mut self, view_patch: &Patch) -> Result<(), EditError> {
        if view_patch.source_len() != self.len() {
            return Err(EditError::ShortRead { offset: self.len(), len: view_patch.source_len() });
        }
        if view_patch.is_empty() {
            return Ok(());
        }
        let mut out = Recomposer::new(self.source.len());
        let mut pos = 0;
        for s in view_patch.splices() {
            self.emit_view(pos..s.range.start, &mut out)?;
            out.insert(s.bytes);
            pos = s.range.end;
        }
        self.emit_view(pos..self.len(), &mut out)?;
        let patch = out.finish()?;
        self.history.push(std::mem::replace(&mut self.patch, patch));
        self.table = build_table(&self.patch);
        Ok(())
    }

    /// Drops the most recent staged edit; returns whether there was one.
    pub fn undo(&mut self) -> bool {
        match self.history.pop() {
            Some(p) => {
                self.patch = p;
                self.table = build_table(&self.patch);
                true
            }
            None => false,
        }
    }

    /// Feeds the pieces covering view range `range` into `out`.
    fn emit_view(&self, range: Range<u64>, out: &mut Recomposer) -> Result<(), EditError> {
        if range.is_empty() {
            return Ok(());
        }
        let mut i = self.entry_at(range.start);
        while let Some(e) = self.table.get(i) {
            if e.view_start >= range.end {
                break;
            }
            let a = range.start.max(e.view_start) - e.view_start;
            let b = range.end.min(e.view_start + e.seg.len()) - e.view_start;
            match &e.seg {
                Seg::Copy(r) => out.copy(r.start + a..r.start + b)?,
                Seg::Insert { splice, .. } => {
                    let bytes = self.patch.splices().get(*splice).map_or(&[][..], |s| s.bytes);
                    out.insert(&bytes[a as usize..b as usize]);
                }
            }
            i += 1;
        }
        Ok(())
    }

    /// Index of the entry containing view offset `pos` (or the last one).
    fn entry_at(&self, pos: u64) -> usize {
        self.table.partition_point(|e| e.view_start <= pos).saturating_sub(1)
    }
}

impl<S: ReadAt> ReadAt for Overlay<S> {
    type Error = S::Error;

    fn len(&self) -> u64 {
        self.table.last().map_or(0, |e| e.view_start + e.seg.len())
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize, S::Error> {
        let mut done = 0;
        let mut i = self.entry_at(pos);
        while done < buf.len() {
            let Some(e) = self.table.get(i) else { break };
            let at = pos + done as u64;
            let end = e.view_start + e.seg.len();
            if at >= end {
                i += 1;
                continue;
            }
            let skip = at - e.view_start;
            let want = ((end - at) as usize).min(buf.len() - done);
            let dst = &mut buf[done..done + want];
            let n = match &e.seg {
                Seg::Copy(r) => self.source.read_at(r.start + skip, dst)?,
                Seg::Insert { splice, .. } => {
                    let from = skip as usize;
                    let bytes = self.patch.splices().get(*splice).map_or(&[][..], |s| s.bytes);
                    dst.copy_from_slice(&bytes[from..from + want]);
                    want
                }
            };
            if n == 0 {
                break;
            }
            done += n;
            if n < want {
                break; // short read from the source: report what we have
            }
            i += 1;
        }
        Ok(done)
    }
}

fn build_table(patch: &Patch) -> Vec<Entry> {
    let mut table = Vec::with_capacity(patch.splices().len() * 2 + 1);
    let mut view = 0;
    let mut push = |seg: Seg| {
        let len = seg.len();
        table.push(Entry { view_start: view, seg });
        view += len;
    };
    let mut pos = 0;
    for (k, s) in patch.splices().into_iter().enumerate() {
        if s.range.start > pos {
            push(Seg::Copy(pos..s.range.start));
        }
        if !s.bytes.is_empty() {
            push(Seg::Insert { splice: k, len: s.bytes.len() });
        }
        pos = s.range.end;
    }
    if pos < patch.source_len() {
        push(Seg::Copy(pos..patch.source_len()));
    }
    table
}

/// Turns a sequence of view pieces back into a patch in source coordinates.
struct Recomposer {
    pos: u64,
    pending: Vec<u8>,
    splices: SortedSplices,
}

impl Recomposer {
    fn new(source_len: u64) -> Self {
        Recomposer { pos: 0, pending: Vec::new(), splices: SortedSplices::new(source_len) }
    }

    fn insert(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
    }

    fn copy(&mut self, range: Range<u64>) -> Result<(), EditError> {
        if range.is_empty() {
            return Ok(());
        }
        if range.start != self.pos || !self.pending.is_empty() {
            self.splices.push(self.pos..range.start, &self.pending)?;
            self.pending.clear();
        }
        self.pos = range.end;
        Ok(())
    }

    fn finish(mut self) -> Result<Patch, EditError> {
        let len = self.splices.source_len();
        if self.pos != len || !self.pending.is_empty() {
            self.splices.push(self.pos..len, &self.pending)?;
        }
        Ok(self.splices.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::read_range;

    #[test]
    fn composes_like_a_vector_model() {
        let src: Vec<u8> = (0..200u8).collect();
        let mut model = src.clone();
        let mut doc = Overlay::new(src.clone());
        let edits: &[(u64, u64, &[u8])] = &[
            (10, 20, b"abc"),
            (0, 0, b"start"),
            (5, 12, b""),
            (100, 100, b"mid"),
            (50, 150, b"big replacement spanning pieces"),
            (0, 3, b"S"),
        ];
        for &(a, b, bytes) in edits {
            let b = b.min(model.len() as u64);
            doc.splice(a..b, bytes.to_vec()).unwrap();
            model.splice(a as usize..b as usize, bytes.iter().copied());
            assert_eq!(read_range(&doc, 0..doc.len()).unwrap(), model);
            assert_eq!(doc.patch().apply_to_vec(&src).unwrap(), model);
            // Unaligned reads through the piece table.
            let mut buf = vec![0; 7];
            for start in (0..model.len()).step_by(5) {
                let n = doc.read_at(start as u64, &mut buf).unwrap();
                assert_eq!(&buf[..n], &model[start..(start + 7).min(model.len())]);
            }
        }
        assert_eq!(doc.depth(), edits.len());
        while doc.undo() {}
        assert_eq!(read_range(&doc, 0..doc.len()).unwrap(), src);
        assert!(doc.patch().is_empty());
    }

    #[test]
    fn edits_outside_the_view_are_refused() {
        let mut doc = Overlay::new(b"abc".to_vec());
        assert!(doc.splice(2..5, "x").is_err());
        assert_eq!(doc.depth(), 0);
    }
}
