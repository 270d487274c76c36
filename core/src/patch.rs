//! [`Splice`] and [`Patch`]: an edit expressed as sorted, non-overlapping byte-range
//! replacements in source coordinates, and the new document as pieces of the old one.
//!
//! ADVICE FOR HACKERS: a patch is always in the coordinates of the source it was planned
//! against. Inserts at one offset keep the order they were pushed in and come before a
//! replacement that starts at the same offset. Overlaps are an error, never merged silently.

use std::ops::Range;

use crate::error::{EditError, Error};
use crate::scan::Chunker;
use crate::source::{check_range, read_range, ReadAt};

/// One replacement: the bytes of `range` in the source become `bytes`.
///
/// An empty range is an insertion; empty `bytes` a deletion. This is the owned form given to
/// [`Patch::new`]; a patch hands its splices out as [`SpliceRef`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    /// The replaced byte range, in source coordinates.
    pub range: Range<u64>,
    /// What replaces it.
    pub bytes: Vec<u8>,
}

impl Splice {
    /// A splice replacing `range` with `bytes`.
    pub fn new(range: Range<u64>, bytes: impl Into<Vec<u8>>) -> Self {
        Splice { range, bytes: bytes.into() }
    }
}

/// A splice of a [`Patch`], borrowing its bytes from the patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpliceRef<'a> {
    /// The replaced byte range, in source coordinates.
    pub range: Range<u64>,
    /// What replaces it.
    pub bytes: &'a [u8],
}

impl SpliceRef<'_> {
    /// The owned [`Splice`].
    pub fn to_splice(&self) -> Splice {
        Splice { range: self.range.clone(), bytes: self.bytes.to_vec() }
    }
}

/// A piece of the new document: a range copied from the source, or new bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Source bytes kept as they are.
    Copy(Range<u64>),
    /// New bytes.
    Insert(&'a [u8]),
}

impl Piece<'_> {
    /// Length of the piece in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Piece::Copy(r) => r.end - r.start,
            Piece::Insert(b) => <[u8]>::len(b) as u64,
        }
    }

    /// Whether the piece holds no bytes (pieces yielded by a patch never are).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The inserted texts of a patch, stored once each in one buffer.
///
/// Text 0 is the empty text. A text equal to one of the last few interned is shared, so a
/// planner that writes the same value into a million rows stores it once.
#[derive(Debug, Clone)]
struct Texts {
    bytes: Vec<u8>,
    /// (start in `bytes`, length) of each text.
    spans: Vec<(u64, u64)>,
    recent: [u32; RECENT],
    turn: usize,
}

/// How many recent texts an insert is compared with before it is stored anew.
const RECENT: usize = 4;

impl Default for Texts {
    fn default() -> Self {
        Texts { bytes: Vec::new(), spans: vec![(0, 0)], recent: [0; RECENT], turn: 0 }
    }
}

impl Texts {
    fn get(&self, id: u32) -> &[u8] {
        let (start, len) = self.spans.get(id as usize).copied().unwrap_or((0, 0));
        self.bytes.get(start as usize..(start + len) as usize).unwrap_or(&[])
    }

    /// The id of `text`, storing it unless it is empty or equal to a recent one.
    fn intern(&mut self, text: &[u8]) -> Result<u32, EditError> {
        if text.is_empty() {
            return Ok(0);
        }
        if let Some(&id) = self.recent.iter().find(|&&id| id != 0 && self.get(id) == text) {
            return Ok(id);
        }
        let id = u32::try_from(self.spans.len())
            .map_err(|_| EditError::PatchTooLarge { limit: u64::from(u32::MAX) })?;
        self.spans.push((self.bytes.len() as u64, text.len() as u64));
        self.bytes.extend_from_slice(text);
        self.recent[self.turn] = id;
        self.turn = (self.turn + 1) % RECENT;
        Ok(id)
    }

    fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.spans.shrink_to_fit();
    }
}

/// One splice as a patch stores it: 16 bytes. A removal longer than `u32::MAX` bytes is
/// stored as several adjacent entries, the last one holding the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    start: u64,
    removed: u32,
    text: u32,
}

impl Entry {
    fn end(&self) -> u64 {
        self.start + u64::from(self.removed)
    }
}

/// Collects splices that arrive sorted and non-overlapping (as a one-pass planner makes
/// them) straight into the compact form of a [`Patch`].
#[derive(Debug, Clone)]
pub(crate) struct SortedSplices {
    source_len: u64,
    entries: Vec<Entry>,
    texts: Texts,
    /// The end of the last splice handed over by [`drain`](Self::drain).
    floor: u64,
    /// How many splices were handed over (so overlap errors keep their numbers).
    drained: usize,
}

impl SortedSplices {
    pub(crate) fn source_len(&self) -> u64 {
        self.source_len
    }

    pub(crate) fn new(source_len: u64) -> Self {
        SortedSplices {
            source_len,
            entries: Vec::new(),
            texts: Texts::default(),
            floor: 0,
            drained: 0,
        }
    }

    /// Hands over the splices collected so far as a patch over the same source, keeping only
    /// a trailing deletion (a later deletion may still merge with it). Later pushes must
    /// start at or after the end of what was handed over.
    pub(crate) fn drain(&mut self) -> Patch {
        let keep = match self.entries.last() {
            Some(last) if last.text == 0 => 1,
            _ => 0,
        };
        if self.entries.len() <= keep {
            return Patch::identity(self.source_len);
        }
        let kept: Vec<Entry> = self.entries.drain(self.entries.len() - keep..).collect();
        let entries = std::mem::replace(&mut self.entries, kept);
        self.floor = entries.last().map_or(self.floor, Entry::end);
        self.drained += entries.len();
        let texts = std::mem::take(&mut self.texts);
        Patch { source_len: self.source_len, entries, texts }
    }

    /// Appends a splice that starts at or after the end of the previous one.
    ///
    /// # Errors
    ///
    /// [`EditError::BytesPastEnd`] or [`EditError::ReversedBytes`] for a bad range,
    /// [`EditError::Overlap`] if it starts before the previous splice ends,
    /// [`EditError::PatchTooLarge`].
    pub(crate) fn push(&mut self, range: Range<u64>, bytes: &[u8]) -> Result<(), EditError> {
        check_range(&range, self.source_len)?;
        let n = self.drained + self.entries.len();
        match self.entries.last() {
            Some(last) if range.start < last.end() => {
                return Err(EditError::Overlap {
                    first: n - 1,
                    first_range: last.start..last.end(),
                    second: n,
                    second_range: range,
                });
            }
            None if range.start < self.floor => {
                return Err(EditError::Overlap {
                    first: n - 1,
                    first_range: self.floor..self.floor,
                    second: n,
                    second_range: range,
                });
            }
            _ => {}
        }
        let text = self.texts.intern(bytes)?;
        self.push_entries(range, text);
        Ok(())
    }

    /// Deletes `range` (sorted as for [`push`](Self::push)), merged with a deletion that ends
    /// where it starts.
    ///
    /// # Errors
    ///
    /// As [`push`](Self::push).
    pub(crate) fn delete(&mut self, range: Range<u64>) -> Result<(), EditError> {
        if let Some(last) = self.entries.last_mut() {
            if last.text == 0 && last.end() == range.start {
                if let Ok(removed) =
                    u32::try_from(last.end() - last.start + range.end - range.start)
                {
                    check_range(&range, self.source_len)?;
                    last.removed = removed;
                    return Ok(());
                }
            }
        }
        self.push(range, &[])
    }

    fn push_entries(&mut self, range: Range<u64>, text: u32) {
        let mut start = range.start;
        while range.end - start > u64::from(u32::MAX) {
            self.entries.push(Entry { start, removed: u32::MAX, text: 0 });
            start += u64::from(u32::MAX);
        }
        let removed = (range.end - start) as u32;
        if removed > 0 || text != 0 {
            self.entries.push(Entry { start, removed, text });
        }
    }

    pub(crate) fn finish(mut self) -> Patch {
        self.entries.shrink_to_fit();
        self.texts.shrink_to_fit();
        Patch { source_len: self.source_len, entries: self.entries, texts: self.texts }
    }
}

/// A planning [`Pass`](crate::Pass) that hands over the splices it has settled while it
/// runs, so a host can write them out as it goes and hold a bounded number at any time (an
/// edit of every row of a 100-million-row CSV would otherwise hold 1.6 GB of splices).
///
/// The host calls [`drain`](Drain::drain) between chunks (as often as it likes) and finishes
/// the pass as usual; the patch the pass returns is the last part. The parts, in order, are
/// the patch the pass would have returned had it never been drained: every splice of a part
/// ends at or before the first splice of the next one starts ([`Patch::append`] joins them,
/// [`Patch::pieces_from`] writes them).
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Drain, Pass, Scanner};
///
/// let src = b"id,n\n1,a\n2,b\n3,c\n";
/// let d = csv::Dialect::default();
/// let header = csv::Header::read(&src.to_vec(), &d, &mut Default::default()).unwrap();
/// let mut pass = csv::RemoveColumn::new(&header, &d, "n", src.len() as u64).unwrap();
/// let mut whole = bigedit_core::Patch::identity(src.len() as u64);
/// for (i, piece) in src.chunks(6).enumerate() {
///     pass.feed(i as u64 * 6, piece).unwrap();
///     whole.append(pass.drain()).unwrap();
/// }
/// let (rest, _report) = pass.finish().unwrap();
/// whole.append(rest).unwrap();
/// assert_eq!(whole.apply_to_vec(src).unwrap(), b"id\n1\n2\n3\n");
/// ```
pub trait Drain {
    /// Takes the splices planned so far that no later input changes, as a patch over the
    /// same source (empty when there are none).
    fn drain(&mut self) -> Patch;
}

/// What the parts of a patch handed over by a [`Drain`] pass add up to, counted as they go
/// by: the number of splices, the change of length and the first few changed ranges (for an
/// audit log), without holding the parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Splices counted.
    pub changes: usize,
    /// Bytes added minus bytes removed.
    pub delta: i128,
    /// The first changed source ranges, at most the `keep` given to [`Tally::new`].
    pub first_ranges: Vec<Range<u64>>,
    keep: usize,
}

impl Tally {
    /// A tally that keeps the first `keep` changed ranges.
    pub fn new(keep: usize) -> Tally {
        Tally { keep, ..Tally::default() }
    }

    /// Counts `part`.
    pub fn add(&mut self, part: &Patch) {
        self.changes += part.entries.len();
        self.delta += part.len() as i128 - part.source_len as i128;
        let room = self.keep.saturating_sub(self.first_ranges.len());
        self.first_ranges.extend(part.splices().iter().take(room).map(|s| s.range));
    }

    /// The length of the new document, for a source of `source_len` bytes.
    pub fn len_after(&self, source_len: u64) -> u64 {
        (i128::from(source_len) + self.delta).max(0) as u64
    }
}

/// The output of a planning pass: its patch, and whatever else it reports.
pub trait Planned {
    /// What comes with the patch (`()` when nothing does).
    type Rest;

    /// The patch and the rest.
    fn split(self) -> (Patch, Self::Rest);
}

impl Planned for Patch {
    type Rest = ();

    fn split(self) -> (Patch, ()) {
        (self, ())
    }
}

impl<R> Planned for (Patch, R) {
    type Rest = R;

    fn split(self) -> (Patch, R) {
        self
    }
}

/// Collects splices and validates them into a [`Patch`].
///
/// # Example
///
/// ```
/// use bigedit_core::PatchBuilder;
///
/// let mut b = PatchBuilder::new(10);
/// b.push(2..4, "XY").unwrap();
/// b.push(3..5, "Z").unwrap();
/// let err = b.build().unwrap_err();
/// assert_eq!(err.to_string(), "edit 1 (bytes 3:5) overlaps edit 0 (bytes 2:4)");
/// ```
#[derive(Debug, Clone)]
pub struct PatchBuilder {
    source_len: u64,
    /// (tag, range, text id).
    splices: Vec<(usize, Range<u64>, u32)>,
    texts: Texts,
}

impl PatchBuilder {
    /// A builder for a source of `source_len` bytes.
    pub fn new(source_len: u64) -> Self {
        PatchBuilder { source_len, splices: Vec::new(), texts: Texts::default() }
    }

    /// Adds a splice, tagged with its position among the pushes (used in overlap errors).
    ///
    /// # Errors
    ///
    /// [`EditError::ReversedBytes`] or [`EditError::BytesPastEnd`].
    pub fn push(&mut self, range: Range<u64>, bytes: impl AsRef<[u8]>) -> Result<(), EditError> {
        let tag = self.splices.len();
        self.push_tagged(tag, range, bytes)
    }

    /// Adds a splice that belongs to edit number `tag` (several splices may share a tag).
    ///
    /// # Errors
    ///
    /// [`EditError::ReversedBytes`] or [`EditError::BytesPastEnd`].
    pub fn push_tagged(
        &mut self,
        tag: usize,
        range: Range<u64>,
        bytes: impl AsRef<[u8]>,
    ) -> Result<(), EditError> {
        check_range(&range, self.source_len)?;
        let text = self.texts.intern(bytes.as_ref())?;
        self.splices.push((tag, range, text));
        Ok(())
    }

    /// Adds every splice of `patch` under one tag.
    ///
    /// # Errors
    ///
    /// [`EditError::BytesPastEnd`] if the patch was planned for a longer source.
    pub fn extend_tagged(&mut self, tag: usize, patch: Patch) -> Result<(), EditError> {
        for s in patch.splices() {
            self.push_tagged(tag, s.range, s.bytes)?;
        }
        Ok(())
    }

    /// Sorts and validates the splices. No-op splices (empty range, no bytes) are dropped.
    ///
    /// Runs in O(n log n) for n splices.
    ///
    /// # Errors
    ///
    /// [`EditError::Overlap`] naming the two edits (by tag) whose ranges overlap.
    pub fn build(mut self) -> Result<Patch, EditError> {
        self.splices.retain(|(_, r, text)| !(r.is_empty() && *text == 0));
        self.splices.sort_by_key(|(_, r, _)| (r.start, r.end));
        let mut furthest: Option<(usize, Range<u64>)> = None;
        for (tag, range, _) in &self.splices {
            if let Some((ftag, frange)) = &furthest {
                if range.start < frange.end {
                    let (first, first_range, second, second_range) = if ftag <= tag {
                        (*ftag, frange.clone(), *tag, range.clone())
                    } else {
                        (*tag, range.clone(), *ftag, frange.clone())
                    };
                    return Err(EditError::Overlap { first, first_range, second, second_range });
                }
            }
            if furthest.as_ref().is_none_or(|(_, r)| range.end >= r.end) {
                furthest = Some((*tag, range.clone()));
            }
        }
        let mut out = SortedSplices::new(self.source_len);
        out.entries.reserve_exact(self.splices.len());
        out.texts = self.texts;
        for (_, range, text) in self.splices {
            out.push_entries(range, text);
        }
        Ok(out.finish())
    }
}

/// A validated set of sorted, non-overlapping splices over a source of known length.
///
/// Each splice takes 16 bytes, and each distinct inserted text is stored once (a text equal
/// to one of the last few is shared), so a million one-cell changes take about 16 MB.
///
/// # Example
///
/// ```
/// use bigedit_core::{Patch, Splice};
///
/// let src = b"hello world".to_vec();
/// let patch = Patch::new(src.len() as u64, vec![Splice::new(0..5, "goodbye")]).unwrap();
/// assert_eq!(patch.apply_to_vec(&src).unwrap(), b"goodbye world");
/// assert_eq!(patch.len(), 13);
/// assert_eq!(patch.map_offset(6), 8);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Patch {
    source_len: u64,
    entries: Vec<Entry>,
    texts: Texts,
}

impl PartialEq for Patch {
    fn eq(&self, other: &Patch) -> bool {
        self.source_len == other.source_len && self.splices().iter().eq(other.splices().iter())
    }
}

impl Eq for Patch {}

impl Patch {
    /// Validates `splices` (in any order) into a patch.
    ///
    /// # Errors
    ///
    /// As [`PatchBuilder::push`] and [`PatchBuilder::build`].
    pub fn new(source_len: u64, splices: Vec<Splice>) -> Result<Patch, EditError> {
        let mut b = PatchBuilder::new(source_len);
        for s in splices {
            b.push(s.range, s.bytes)?;
        }
        b.build()
    }

    /// The patch that changes nothing.
    pub fn identity(source_len: u64) -> Patch {
        Patch { source_len, entries: Vec::new(), texts: Texts::default() }
    }

    /// Length of the source the patch applies to.
    pub fn source_len(&self) -> u64 {
        self.source_len
    }

    /// Length of the document after the patch. Runs in O(splices).
    pub fn len(&self) -> u64 {
        let removed: u64 = self.entries.iter().map(|e| u64::from(e.removed)).sum();
        let added: u64 = self.entries.iter().map(|e| self.texts.get(e.text).len() as u64).sum();
        self.source_len - removed + added
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The splices, sorted by position.
    pub fn splices(&self) -> Splices<'_> {
        Splices { patch: self }
    }

    /// The first source offset the patch changes, or `None` for an empty patch.
    pub fn first_changed(&self) -> Option<u64> {
        self.entries.first().map(|e| e.start)
    }

    /// Whether every splice replaces as many bytes as it removes (so it can be written in place).
    pub fn keeps_len(&self) -> bool {
        self.splices().iter().all(|s| s.range.end - s.range.start == s.bytes.len() as u64)
    }

    /// Where source offset `old` lands in the new document.
    ///
    /// Offsets inside a replaced range map to the end of its replacement; an offset where an
    /// insertion happens maps past the inserted bytes. Runs in O(k) where k is the number of
    /// splices before `old`.
    pub fn map_offset(&self, old: u64) -> u64 {
        let mut new = old as i128;
        for s in self.splices().iter() {
            if s.range.start > old {
                break;
            }
            let delta = s.bytes.len() as i128 - (s.range.end - s.range.start) as i128;
            if s.range.end <= old {
                new += delta;
            } else {
                // old is inside the replaced range: land at the end of the replacement.
                new = new - (old - s.range.start) as i128 + s.bytes.len() as i128;
            }
        }
        new as u64
    }

    /// The pieces of the new document from source offset `from` to the end of the last
    /// splice: the part of the new document this patch accounts for when it is one of the
    /// parts a [`Drain`] pass hands over and `from` is where the previous part ended.
    ///
    /// # Errors
    ///
    /// [`EditError::Overlap`] if the first splice starts before `from`.
    pub fn pieces_from(&self, from: u64) -> Result<Pieces<'_>, EditError> {
        if let Some(first) = self.splices().first() {
            if first.range.start < from {
                return Err(EditError::Overlap {
                    first: 0,
                    first_range: from..from,
                    second: 1,
                    second_range: first.range,
                });
            }
        }
        let end = self.entries.last().map_or(from, Entry::end);
        Ok(Pieces { splices: self.splices().iter(), source_len: end, pos: from, pending: None })
    }

    /// Appends `part`, a patch over the same source whose splices all come after this
    /// one's (the next part of a [`Drain`] pass).
    ///
    /// # Errors
    ///
    /// [`EditError::Overlap`] if `part` starts before this patch ends;
    /// [`EditError::ShortRead`] if it was planned for a source of another length;
    /// [`EditError::PatchTooLarge`].
    pub fn append(&mut self, part: Patch) -> Result<(), EditError> {
        if part.source_len != self.source_len {
            return Err(EditError::ShortRead { offset: part.source_len, len: self.source_len });
        }
        if self.entries.is_empty() {
            *self = part;
            return Ok(());
        }
        let end = self.entries.last().map_or(0, Entry::end);
        part.pieces_from(end)?;
        self.entries.reserve(part.entries.len());
        for e in &part.entries {
            let text = self.texts.intern(part.texts.get(e.text))?;
            self.entries.push(Entry { text, ..*e });
        }
        Ok(())
    }

    /// Bytes of memory the patch holds (its splices and their texts).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.texts.bytes.capacity()
            + self.texts.spans.capacity() * std::mem::size_of::<(u64, u64)>()
    }

    /// The new document as pieces of the old one, in order; no piece is empty.
    pub fn pieces(&self) -> Pieces<'_> {
        Pieces {
            splices: self.splices().iter(),
            source_len: self.source_len,
            pos: 0,
            pending: None,
        }
    }

    /// Streams the new document into `sink`, reading copied ranges from `src` through `chunker`.
    ///
    /// # Errors
    ///
    /// [`WriteError::Source`] if `src` fails or is shorter than the patch expects,
    /// [`WriteError::Sink`] if the sink fails.
    pub fn write_to<S: ReadAt + ?Sized, W: Sink + ?Sized>(
        &self,
        src: &S,
        sink: &mut W,
        chunker: &mut Chunker,
    ) -> Result<(), WriteError<S::Error, W::Error>> {
        if src.len() != self.source_len {
            return Err(WriteError::Source(
                EditError::ShortRead { offset: src.len(), len: self.source_len }.into(),
            ));
        }
        for piece in self.pieces() {
            match piece {
                Piece::Insert(bytes) => sink.write(bytes).map_err(WriteError::Sink)?,
                Piece::Copy(range) => {
                    let mut failed = None;
                    let mut copy = |_: u64, chunk: &[u8]| {
                        if let Err(e) = sink.write(chunk) {
                            failed = Some(e);
                            return Ok(crate::scan::Flow::Stop);
                        }
                        Ok(crate::scan::Flow::Continue)
                    };
                    chunker.scan(src, range, &mut copy).map_err(WriteError::Source)?;
                    if let Some(e) = failed {
                        return Err(WriteError::Sink(e));
                    }
                }
            }
        }
        Ok(())
    }

    /// Applies the patch to an in-memory source. Mostly for tests and small documents.
    ///
    /// # Errors
    ///
    /// [`EditError::ShortRead`] if `src` is not the length the patch was planned for.
    pub fn apply_to_vec(&self, src: &[u8]) -> Result<Vec<u8>, EditError> {
        let mut out = Vec::with_capacity(self.len() as usize);
        match self.write_to(src, &mut out, &mut Chunker::default()) {
            Ok(()) => Ok(out),
            Err(WriteError::Source(e)) => Err(e.into_edit()),
            Err(WriteError::Sink(e)) => match e {},
        }
    }

    /// The patch that turns the new document back into `src` (for undo and journals).
    ///
    /// Reads the replaced ranges of `src`, so its memory is the size of what the patch removes.
    ///
    /// # Errors
    ///
    /// The source's error.
    pub fn inverse<S: ReadAt + ?Sized>(&self, src: &S) -> Result<Patch, Error<S::Error>> {
        let mut out = SortedSplices::new(self.len());
        let mut shift: i128 = 0;
        for s in self.splices().iter() {
            let start = (s.range.start as i128 + shift) as u64;
            let old = read_range(src, s.range.clone())?;
            out.push(start..start + s.bytes.len() as u64, &old)?;
            shift += s.bytes.len() as i128 - (s.range.end - s.range.start) as i128;
        }
        Ok(out.finish())
    }
}

/// The splices of a [`Patch`], in order: a view with random access and iteration.
#[derive(Debug, Clone, Copy)]
pub struct Splices<'a> {
    patch: &'a Patch,
}

impl<'a> Splices<'a> {
    /// How many splices there are.
    pub fn len(&self) -> usize {
        self.patch.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.patch.entries.is_empty()
    }

    /// Splice `i` (0-based), or `None` past the last. Runs in O(1).
    pub fn get(&self, i: usize) -> Option<SpliceRef<'a>> {
        let e = self.patch.entries.get(i)?;
        Some(SpliceRef { range: e.start..e.end(), bytes: self.patch.texts.get(e.text) })
    }

    /// The first splice.
    pub fn first(&self) -> Option<SpliceRef<'a>> {
        self.get(0)
    }

    /// The last splice.
    pub fn last(&self) -> Option<SpliceRef<'a>> {
        self.get(self.len().checked_sub(1)?)
    }

    /// The splices in order.
    pub fn iter(&self) -> SpliceIter<'a> {
        SpliceIter { splices: *self, front: 0, back: self.len() }
    }
}

impl<'a> IntoIterator for Splices<'a> {
    type Item = SpliceRef<'a>;
    type IntoIter = SpliceIter<'a>;

    fn into_iter(self) -> SpliceIter<'a> {
        self.iter()
    }
}

/// Iterator over the splices of a [`Patch`].
#[derive(Debug, Clone)]
pub struct SpliceIter<'a> {
    splices: Splices<'a>,
    front: usize,
    back: usize,
}

impl<'a> Iterator for SpliceIter<'a> {
    type Item = SpliceRef<'a>;

    fn next(&mut self) -> Option<SpliceRef<'a>> {
        if self.front >= self.back {
            return None;
        }
        self.front += 1;
        self.splices.get(self.front - 1)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for SpliceIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.splices.get(self.back)
    }
}

impl ExactSizeIterator for SpliceIter<'_> {}

/// Iterator over a patch's [`Piece`]s.
#[derive(Debug, Clone)]
pub struct Pieces<'a> {
    splices: SpliceIter<'a>,
    source_len: u64,
    pos: u64,
    pending: Option<&'a [u8]>,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        loop {
            if let Some(bytes) = self.pending.take() {
                if !bytes.is_empty() {
                    return Some(Piece::Insert(bytes));
                }
            }
            match self.splices.next() {
                Some(s) => {
                    let copy = self.pos..s.range.start;
                    self.pos = s.range.end;
                    self.pending = Some(s.bytes);
                    if !copy.is_empty() {
                        return Some(Piece::Copy(copy));
                    }
                }
                None => {
                    if self.pos < self.source_len {
                        let copy = self.pos..self.source_len;
                        self.pos = self.source_len;
                        return Some(Piece::Copy(copy));
                    }
                    return None;
                }
            }
        }
    }
}

/// Where a host writes a new document: a file, an OPFS handle, a vector.
pub trait Sink {
    /// The host's write error.
    type Error;
    /// Appends all of `bytes`.
    ///
    /// # Errors
    ///
    /// The host's write error.
    fn write(&mut self, bytes: &[u8]) -> Result<(), Self::Error>;
}

impl Sink for Vec<u8> {
    type Error = std::convert::Infallible;
    fn write(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// Why [`Patch::write_to`] failed: reading the source or writing the sink.
#[derive(Debug, thiserror::Error)]
pub enum WriteError<R, W> {
    /// Reading the source failed.
    #[error(transparent)]
    Source(Error<R>),
    /// Writing the sink failed.
    #[error("write failed: {0}")]
    Sink(W),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(src: &[u8], splices: &[(Range<usize>, &str)]) -> Vec<u8> {
        // Apply from the back so earlier offsets stay valid.
        let mut out = src.to_vec();
        let mut sorted: Vec<_> = splices.iter().enumerate().collect();
        sorted.sort_by_key(|(i, (r, _))| (r.start, r.end, *i));
        for (_, (r, s)) in sorted.into_iter().rev() {
            out.splice(r.clone(), s.bytes());
        }
        out
    }

    #[test]
    fn pieces_rebuild_the_document() {
        let src = b"0123456789";
        let edits = [(0..0, "<"), (2..4, "ab"), (4..4, "!"), (9..10, ""), (10..10, ">")];
        let mut b = PatchBuilder::new(10);
        for (r, s) in &edits {
            b.push(r.start as u64..r.end as u64, *s).unwrap();
        }
        let p = b.build().unwrap();
        assert_eq!(p.apply_to_vec(src).unwrap(), naive(src, &edits));
        assert_eq!(p.len(), naive(src, &edits).len() as u64);
        let pieces: Vec<_> = p.pieces().collect();
        assert_eq!(
            pieces,
            vec![
                Piece::Insert(b"<"),
                Piece::Copy(0..2),
                Piece::Insert(b"ab"),
                Piece::Insert(b"!"),
                Piece::Copy(4..9),
                Piece::Insert(b">"),
            ]
        );
        assert_eq!(p.first_changed(), Some(0));
        assert!(!p.keeps_len());
    }

    #[test]
    fn inserts_at_one_offset_keep_their_order_and_precede_a_replacement() {
        let mut b = PatchBuilder::new(4);
        b.push(1..3, "R").unwrap();
        b.push(1..1, "a").unwrap();
        b.push(1..1, "b").unwrap();
        assert_eq!(b.build().unwrap().apply_to_vec(b"wxyz").unwrap(), b"wabRz");
    }

    #[test]
    fn overlaps_are_errors_naming_both_edits() {
        let mut b = PatchBuilder::new(100);
        b.push_tagged(4, 10..20, "").unwrap();
        b.push_tagged(7, 30..40, "").unwrap();
        b.push_tagged(9, 12..13, "").unwrap();
        assert_eq!(
            b.build().unwrap_err(),
            EditError::Overlap { first: 4, first_range: 10..20, second: 9, second_range: 12..13 }
        );
        // A nested range after a long one is caught even when not adjacent in order.
        let mut b = PatchBuilder::new(100);
        b.push(0..50, "").unwrap();
        b.push(10..11, "").unwrap();
        b.push(20..21, "").unwrap();
        assert!(b.build().is_err());
        let mut b = PatchBuilder::new(5);
        assert!(b.push(3..6, "").is_err());
    }

    #[test]
    fn map_offset_and_inverse() {
        let src = b"abcdefghij".to_vec();
        let p = Patch::new(10, vec![Splice::new(2..5, "XY"), Splice::new(7..7, "123")]).unwrap();
        let new = p.apply_to_vec(&src).unwrap();
        assert_eq!(new, b"abXYfg123hij");
        assert_eq!(p.map_offset(0), 0);
        assert_eq!(p.map_offset(5), 4);
        assert_eq!(p.map_offset(6), 5);
        assert_eq!(p.map_offset(7), 9);
        assert_eq!(p.map_offset(3), 4);
        assert_eq!(p.map_offset(10), 12);
        let inv = p.inverse(&src).unwrap();
        assert_eq!(inv.apply_to_vec(&new).unwrap(), src);
        assert!(Patch::new(3, vec![Splice::new(0..1, "x")]).unwrap().keeps_len());
    }

    #[test]
    fn write_to_refuses_a_source_of_the_wrong_length() {
        let p = Patch::new(3, vec![Splice::new(0..1, "x")]).unwrap();
        assert!(p.apply_to_vec(b"abcd").is_err());
    }

    #[test]
    fn drained_parts_keep_order_merge_deletions_and_refuse_going_back() {
        let src = b"0123456789".to_vec();
        let mut s = SortedSplices::new(10);
        s.push(0..1, b"a").unwrap();
        s.delete(2..3).unwrap();
        // The trailing deletion is kept back: the next one may merge with it.
        let first = s.drain();
        assert_eq!(first.splices().iter().map(|s| s.range).collect::<Vec<_>>(), vec![0..1u64]);
        s.delete(3..4).unwrap();
        assert!(s.drain().is_empty());
        s.push(5..5, b"!").unwrap();
        let second = s.drain();
        assert_eq!(second.splices().iter().map(|s| s.range).collect::<Vec<_>>(), [2..4, 5..5]);
        // Nothing may start before what was handed over.
        assert!(matches!(s.push(4..5, b"x"), Err(EditError::Overlap { first: 2, .. })));
        s.push(9..10, b"Z").unwrap();
        let last = s.finish();
        let mut whole = Patch::identity(10);
        for part in [first.clone(), second.clone(), last.clone()] {
            whole.append(part).unwrap();
        }
        assert_eq!(whole.apply_to_vec(&src).unwrap(), b"a14!5678Z");
        // Stitching the parts' pieces gives the same document.
        let (mut out, mut pos) = (Vec::new(), 0u64);
        for part in [&first, &second, &last] {
            for piece in part.pieces_from(pos).unwrap() {
                match piece {
                    Piece::Copy(r) => out.extend_from_slice(&src[r.start as usize..r.end as usize]),
                    Piece::Insert(b) => out.extend_from_slice(b),
                }
            }
            pos = part.splices().last().map_or(pos, |s| s.range.end);
        }
        out.extend_from_slice(&src[pos as usize..]);
        assert_eq!(out, b"a14!5678Z");
        // Parts out of order, or of another source, are refused.
        assert!(second.pieces_from(3).is_err());
        let mut again = last.clone();
        assert!(again.append(first).is_err());
        assert!(again.append(Patch::identity(11)).is_err());
    }
}
