//! [`RecordIndex`]: a sparse record index, like [`LineIndex`](crate::LineIndex) but over CSV
//! records (a quoted field may hold newlines, so lines are not rows).

use std::ops::Range;

use super::header::Header;
use super::read::{locate, scan_records, Source};
use super::Dialect;
use crate::error::Error;
use crate::lines::CHECKPOINT_INTERVAL;
use crate::range::LineRange;
use crate::scan::{Chunker, Flow};
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
    /// Scans `src` once and records checkpoints. Runs in O(n); memory O(n / interval).
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
        let mut checkpoints = vec![(1, header.data_start())];
        let mut next = header.data_start() + CHECKPOINT_INTERVAL;
        let mut rows = 0;
        scan_records(src, dialect, Source::data(&header, src.len()), false, chunker, &mut |r| {
            rows = r.number();
            if r.range().start >= next {
                checkpoints.push((r.number(), r.range().start));
                next = r.range().start + CHECKPOINT_INTERVAL;
            }
            Ok(Flow::Continue)
        })?;
        Ok(RecordIndex { len: src.len(), rows, checkpoints })
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
        let first = rows.start.unwrap_or(1).max(1);
        let i = self.checkpoints.partition_point(|c| c.0 <= first).saturating_sub(1);
        let from = self.checkpoints.get(i).copied().unwrap_or((1, 0));
        locate(src, dialect, from, rows, chunker)
    }
}
