//! [`RecordIndex`]: a sparse record index, like [`LineIndex`](crate::LineIndex) but over CSV
//! records (a quoted field may hold newlines, so lines are not rows).

use std::ops::Range;

use super::header::Header;
use super::read::{fixed_rows, locate};
use super::records::Record;
use super::rows::Rows;
use super::Dialect;
use crate::error::{EditError, Error};
use crate::lines::CHECKPOINT_INTERVAL;
use crate::patch::Patch;
use crate::range::LineRange;
use crate::scan::{Chunker, Flow, Pass, Scanner};
use crate::source::ReadAt;

/// Sparse checkpoints over the data rows of a CSV file: row number -> offset of the row's
/// first byte, about one every [`CHECKPOINT_INTERVAL`] bytes.
///
/// A row is found by a binary search and a scan of at most about one interval. The index is
/// valid for the source and dialect it was built from.
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Chunker, LineRange};
///
/// let src = b"id,note\n1,\"two\nlines\"\n2,x\n".to_vec();
/// let d = csv::Dialect::default();
/// let index = csv::RecordIndex::build(&src, &d, &mut Chunker::new(4)).unwrap();
/// assert_eq!(index.row_count(), 2);
/// let rows: LineRange = "2".parse().unwrap();
/// assert_eq!(index.rows_to_bytes(&src, &d, &rows, &mut Chunker::default()).unwrap(), (2, 22..26));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordIndex {
    len: u64,
    rows: u64,
    checkpoints: Vec<(u64, u64)>,
}

impl RecordIndex {
    /// Scans `src` once and records checkpoints: [`Header::read`] and a
    /// [`RecordIndexBuilder`] pass. Runs in O(n); memory O(n / interval).
    ///
    /// # Errors
    ///
    /// [`CsvError::RecordTooLong`](super::CsvError::RecordTooLong), or the source's error.
    pub fn build<S: ReadAt + ?Sized>(
        src: &S,
        dialect: &Dialect,
        chunker: &mut Chunker,
    ) -> Result<RecordIndex, Error<S::Error>> {
        dialect.check()?;
        let header = Header::read(src, dialect, chunker)?;
        chunker.run(src, RecordIndex::builder(&header, dialect))
    }

    /// A pass that builds the index of a document whose columns are `header`: push the whole
    /// document from offset 0, then finish.
    ///
    /// # Example
    ///
    /// ```
    /// use bigedit_core::{csv, Chunker, Pass, Scanner};
    ///
    /// let src = b"id\n1\n\"2\n2\"\n3\n";
    /// let d = csv::Dialect::default();
    /// let header = csv::Header::read(&src.to_vec(), &d, &mut Chunker::default()).unwrap();
    /// let mut builder = csv::RecordIndex::builder(&header, &d);
    /// for (i, b) in src.iter().enumerate() {
    ///     builder.feed(i as u64, std::slice::from_ref(b)).unwrap();
    /// }
    /// let index = builder.finish().unwrap();
    /// assert_eq!((index.row_count(), index.len()), (3, src.len() as u64));
    /// ```
    pub fn builder(header: &Header, dialect: &Dialect) -> RecordIndexBuilder {
        let start = header.data_start();
        let state =
            Checkpoints { list: vec![(1, start)], next: start + CHECKPOINT_INTERVAL, count: 0 };
        RecordIndexBuilder { rows: Rows::data(header, dialect, false), state }
    }

    /// The index after `patch`, a change that keeps every record boundary (a cell edit: new
    /// values quoted as [`encode_field`](super::encode_field) quotes them): checkpoints move
    /// with [`Patch::map_offset`]. Runs in O(checkpoints + splices).
    pub fn shifted(&self, patch: &Patch) -> RecordIndex {
        RecordIndex {
            len: patch.len(),
            rows: self.rows,
            checkpoints: self
                .checkpoints
                .iter()
                .map(|&(n, at)| (n, patch.map_offset(at)))
                .collect(),
        }
    }

    /// The checkpoint at or before data row `row`: (row number, offset of its first byte).
    pub fn checkpoint_before(&self, row: u64) -> (u64, u64) {
        let i = self.checkpoints.partition_point(|c| c.0 <= row.max(1)).saturating_sub(1);
        self.checkpoints.get(i).copied().unwrap_or((1, 0))
    }

    /// How many data rows the file has (the header excluded).
    pub fn row_count(&self) -> u64 {
        self.rows
    }

    /// Length of the indexed source.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the indexed source was empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The checkpoints: (1-based row number, offset of its first byte).
    pub fn checkpoints(&self) -> &[(u64, u64)] {
        &self.checkpoints
    }

    /// As [`rows_to_bytes`](super::rows_to_bytes), starting from the checkpoint before the
    /// first row. Runs in O(log checkpoints + interval + bytes of the range).
    ///
    /// # Errors
    ///
    /// As [`rows_to_bytes`](super::rows_to_bytes).
    pub fn rows_to_bytes<S: ReadAt + ?Sized>(
        &self,
        src: &S,
        dialect: &Dialect,
        rows: &LineRange,
        chunker: &mut Chunker,
    ) -> Result<(u64, Range<u64>), Error<S::Error>> {
        let fixed = fixed_rows(rows, || Ok(self.row_count()))?;
        let from = self.checkpoint_before(fixed.0);
        locate(src, dialect, from, fixed, chunker)
    }
}

/// The pass that builds a [`RecordIndex`] ([`RecordIndex::builder`]).
#[derive(Debug, Clone)]
pub struct RecordIndexBuilder {
    rows: Rows,
    state: Checkpoints,
}

/// The checkpoints taken so far.
#[derive(Debug, Clone)]
struct Checkpoints {
    list: Vec<(u64, u64)>,
    next: u64,
    count: u64,
}

impl Checkpoints {
    fn record(&mut self, r: &Record<'_>) -> Result<Flow, EditError> {
        self.count = r.number();
        if r.range().start >= self.next {
            self.list.push((r.number(), r.range().start));
            self.next = r.range().start + CHECKPOINT_INTERVAL;
        }
        Ok(Flow::Continue)
    }
}

impl Scanner for RecordIndexBuilder {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        let (rows, state) = (&mut self.rows, &mut self.state);
        rows.feed(offset, chunk, &mut |r| state.record(r))
    }
}

impl Pass for RecordIndexBuilder {
    type Output = RecordIndex;

    fn finish(mut self) -> Result<RecordIndex, EditError> {
        let (rows, state) = (&mut self.rows, &mut self.state);
        rows.finish(&mut |r| state.record(r))?;
        Ok(RecordIndex {
            len: self.rows.len(),
            rows: self.state.count,
            checkpoints: self.state.list,
        })
    }
}
