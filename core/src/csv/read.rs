//! Reading rows: the pass driver every CSV planner uses, [`read_rows`] (a visitor over the
//! rows that match), and [`rows_to_bytes`] (where rows `A:B` are, without an index).

use std::ops::Range;

use super::cond::Test;
use super::edit::Report;
use super::header::Header;
use super::records::{Record, RecordScanner};
use super::{Condition, CsvError, Dialect};
use crate::error::{EditError, Error};
use crate::range::LineRange;
use crate::scan::{Chunker, Flow};
use crate::source::ReadAt;

/// A part of a file to scan: a byte range that starts at a record, and the number of its
/// first record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    pub range: Range<u64>,
    pub first: u64,
}

impl Source {
    /// The data rows: after the header, numbered from 1.
    pub fn data(header: &Header, len: u64) -> Source {
        Source { range: header.data_start()..len, first: 1 }
    }

    /// Every record: the header is record 0, data rows are numbered from 1.
    pub fn whole(header: &Header, len: u64) -> Source {
        Source { range: 0..len, first: u64::from(header.names().is_none()) }
    }
}

/// Feeds `source` of `src` to a [`RecordScanner`] and calls `each` for each record.
pub(crate) fn scan_records<S, F>(
    src: &S,
    dialect: &Dialect,
    source: Source,
    keep_raw: bool,
    chunker: &mut Chunker,
    each: &mut F,
) -> Result<(), Error<S::Error>>
where
    S: ReadAt + ?Sized,
    F: FnMut(&Record<'_>) -> Result<Flow, EditError>,
{
    let mut scanner =
        RecordScanner::starting_at(dialect, source.range.start, source.first).keep_raw(keep_raw);
    let mut stopped = false;
    chunker.scan(src, source.range, &mut |off: u64, chunk: &[u8]| {
        let flow = scanner.feed(off, chunk, each)?;
        stopped = flow == Flow::Stop;
        Ok(flow)
    })?;
    if !stopped {
        scanner.finish(each)?;
    }
    Ok(())
}

/// Checks a row range before any scan.
fn check_rows(rows: &LineRange) -> Result<u64, CsvError> {
    let start = rows.start.unwrap_or(1);
    if start == 0 || rows.end == Some(0) {
        return Err(CsvError::RowZero);
    }
    if let (Some(a), Some(b)) = (rows.start, rows.end) {
        if a > b {
            return Err(CsvError::ReversedRows { start: a, end: b });
        }
    }
    Ok(start)
}

/// Finds the bytes of data rows `rows` (1-based, inclusive, the header excluded) by scanning
/// from `from` (a record start and its row number) until the last row of the range.
pub(crate) fn locate<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    from: (u64, u64),
    rows: &LineRange,
    chunker: &mut Chunker,
) -> Result<(u64, Range<u64>), Error<S::Error>> {
    let first = check_rows(rows)?;
    let (mut begin, mut end) = (None, None);
    let mut count = from.0.saturating_sub(1);
    let source = Source { range: from.1..src.len(), first: from.0 };
    scan_records(src, dialect, source, false, chunker, &mut |r| {
        count = r.number();
        if r.number() == first {
            begin = Some(r.range().start);
        }
        match rows.end {
            Some(last) if r.number() == last => {
                end = Some(r.range().end);
                Ok(Flow::Stop)
            }
            None if begin.is_some() => Ok(Flow::Stop),
            _ => Ok(Flow::Continue),
        }
    })?;
    let Some(begin) = begin else {
        return Err(CsvError::RowPastEnd { row: first, rows: count }.into());
    };
    let end = match rows.end {
        Some(last) => end.ok_or(CsvError::RowPastEnd { row: last, rows: count })?,
        None => src.len(),
    };
    Ok((first, begin..end))
}

/// Where data rows `rows` (`N`, `A:B`, `A:` or `:B`, 1-based, the header excluded) are:
/// the number of the first and the byte range from its start to the end of the last row.
///
/// Scans from the first data row up to the end of the range (to its first row for `A:`); a
/// [`RecordIndex`](super::RecordIndex) makes this a short scan.
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Chunker, LineRange};
///
/// let src = b"h\na\nb\nc\n".to_vec();
/// let d = csv::Dialect::default();
/// let header = csv::Header::read(&src, &d, &mut Chunker::default()).unwrap();
/// let rows: LineRange = "2:3".parse().unwrap();
/// assert_eq!(csv::rows_to_bytes(&src, &d, &header, &rows, &mut Chunker::default()).unwrap(), (2, 4..8));
/// ```
///
/// # Errors
///
/// [`CsvError::RowZero`], [`CsvError::ReversedRows`], [`CsvError::RowPastEnd`], or the
/// source's error.
pub fn rows_to_bytes<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    header: &Header,
    rows: &LineRange,
    chunker: &mut Chunker,
) -> Result<(u64, Range<u64>), Error<S::Error>> {
    locate(src, dialect, (1, header.data_start()), rows, chunker)
}

/// Calls `each` for every data row in `rows` (all when `None`) where all `conds` hold, in
/// order, until it returns [`Flow::Stop`]. Each [`Record`] carries its bytes as stored
/// ([`Record::raw`]). Rows with the wrong number of fields are not visited but listed in the
/// report. Memory is bounded by the chunk size and the longest row.
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Chunker, Flow};
///
/// let src = b"id,city\n1,Paris\n2,Rome\n3,Paris\n".to_vec();
/// let d = csv::Dialect::default();
/// let header = csv::Header::read(&src, &d, &mut Chunker::default()).unwrap();
/// let conds = [csv::Condition::parse("city=Paris").unwrap()];
/// let mut ids = Vec::new();
/// csv::read_rows(&src, &d, &header, None, &conds, &mut Chunker::default(), &mut |r| {
///     ids.push((r.number(), r.field(0).unwrap().to_vec()));
///     Ok(Flow::Continue)
/// })
/// .unwrap();
/// assert_eq!(ids, [(1, b"1".to_vec()), (3, b"3".to_vec())]);
/// ```
///
/// # Errors
///
/// An unknown column, a bad row range (see [`rows_to_bytes`]), `each`'s error, or the
/// source's.
pub fn read_rows<S, F>(
    src: &S,
    dialect: &Dialect,
    header: &Header,
    rows: Option<&LineRange>,
    conds: &[Condition],
    chunker: &mut Chunker,
    each: &mut F,
) -> Result<Report, Error<S::Error>>
where
    S: ReadAt + ?Sized,
    F: FnMut(&Record<'_>) -> Result<Flow, EditError>,
{
    dialect.check()?;
    let tests = Test::bind_all(conds, header)?;
    let source = match rows {
        Some(rows) => {
            let (first, range) = rows_to_bytes(src, dialect, header, rows, chunker)?;
            Source { range, first }
        }
        None => Source::data(header, src.len()),
    };
    let expected = header.len();
    let mut report = Report::default();
    scan_records(src, dialect, source, true, chunker, &mut |r| {
        report.rows += 1;
        if report.check(r, expected) || !Test::all(&tests, r) {
            return Ok(Flow::Continue);
        }
        report.matched += 1;
        each(r)
    })?;
    Ok(report)
}
