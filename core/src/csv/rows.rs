//! [`Rows`]: the driver under every CSV pass. It takes the whole document pushed from offset
//! 0, ignores the bytes before its start (the header, or everything before a checkpoint),
//! runs a [`RecordScanner`] over the rest and hands each record of a row range to the pass.

use std::ops::RangeInclusive;

use super::header::Header;
use super::records::{Record, RecordScanner};
use super::Dialect;
use crate::error::EditError;
use crate::scan::Flow;

/// Records of a document pushed in chunks, from a start offset, within a row range.
#[derive(Debug, Clone)]
pub(crate) struct Rows {
    scanner: RecordScanner,
    /// Bytes before this offset are ignored (it is a record start).
    start: u64,
    /// Records numbered below `first` are scanned but not handed out.
    first: u64,
    /// The pass stops after this record.
    last: Option<u64>,
    /// The number of the last record scanned (0 before any).
    seen: u64,
    /// End of the bytes pushed so far: the document's length once all were pushed.
    len: u64,
    done: bool,
}

impl Rows {
    /// The data rows: after the header, numbered from 1. Each record carries its bytes
    /// ([`Record::raw`]) when `keep_raw`.
    pub fn data(header: &Header, dialect: &Dialect, keep_raw: bool) -> Rows {
        Rows::new(dialect, header.data_start(), 1, keep_raw)
    }

    /// Every record: the header is record 0, data rows are numbered from 1.
    pub fn whole(header: &Header, dialect: &Dialect, keep_raw: bool) -> Rows {
        Rows::new(dialect, 0, u64::from(header.names().is_none()), keep_raw)
    }

    /// Records from byte `start` (a record start) on, the first numbered `number`.
    pub fn new(dialect: &Dialect, start: u64, number: u64, keep_raw: bool) -> Rows {
        Rows {
            scanner: RecordScanner::starting_at(dialect, start, number).keep_raw(keep_raw),
            start,
            first: 0,
            last: None,
            seen: number.saturating_sub(1),
            len: 0,
            done: false,
        }
    }

    /// Hands out only records `first..=last` and stops after `last`.
    pub fn only(&mut self, first: u64, last: Option<u64>) {
        self.first = first;
        self.last = last;
    }

    /// The number of the last record scanned.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// End of the bytes pushed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Takes the chunk at `offset` (consecutive chunks from 0) and calls `each` for every
    /// record in range it completes.
    pub fn feed<F>(&mut self, offset: u64, chunk: &[u8], each: &mut F) -> Result<Flow, EditError>
    where
        F: FnMut(&Record<'_>) -> Result<Flow, EditError>,
    {
        let end = offset + chunk.len() as u64;
        self.len = self.len.max(end);
        if self.done {
            return Ok(Flow::Stop);
        }
        if end <= self.start {
            return Ok(Flow::Continue);
        }
        let skip = self.start.saturating_sub(offset) as usize;
        let (first, last, seen) = (self.first, self.last, &mut self.seen);
        let flow = self.scanner.feed(offset + skip as u64, &chunk[skip..], &mut |r| {
            visit(r, first, last, seen, each)
        })?;
        self.done = flow == Flow::Stop;
        Ok(flow)
    }

    /// Ends the input: hands out the last record if it had no terminator.
    pub fn finish<F>(&mut self, each: &mut F) -> Result<(), EditError>
    where
        F: FnMut(&Record<'_>) -> Result<Flow, EditError>,
    {
        if !self.done {
            self.done = true;
            let (first, last, seen) = (self.first, self.last, &mut self.seen);
            self.scanner.finish(&mut |r| visit(r, first, last, seen, each))?;
        }
        Ok(())
    }
}

/// Notes `r` as seen and hands it to `each` when it lies in `first..=last`.
fn visit<F>(
    r: &Record<'_>,
    first: u64,
    last: Option<u64>,
    seen: &mut u64,
    each: &mut F,
) -> Result<Flow, EditError>
where
    F: FnMut(&Record<'_>) -> Result<Flow, EditError>,
{
    *seen = r.number();
    if r.number() < first {
        return Ok(Flow::Continue);
    }
    let flow = each(r)?;
    Ok(if last == Some(r.number()) { Flow::Stop } else { flow })
}

/// Checks a 1-based row range: not row 0, not reversed.
pub(crate) fn check_range(rows: &RangeInclusive<u64>) -> Result<(), super::CsvError> {
    if *rows.start() == 0 || *rows.end() == 0 {
        return Err(super::CsvError::RowZero);
    }
    if rows.start() > rows.end() {
        return Err(super::CsvError::ReversedRows { start: *rows.start(), end: *rows.end() });
    }
    Ok(())
}
