//! Reading rows: the pass driver every CSV planner uses, [`read_rows`] (a visitor over the
//! rows that match), and [`rows_to_bytes`] (where rows `A:B` are, without an index).

use std::ops::{Range, RangeInclusive};

use super::cond::Test;
use super::edit::Report;
use super::header::Header;
use super::records::{Record, RecordScanner};
use super::rows::Rows;
use super::{Condition, CsvError, Dialect};
use crate::error::{EditError, Error};
use crate::range::LineRange;
use crate::scan::{Chunker, Flow, Pass, Scanner};
use crate::source::ReadAt;

/// A part of a file to scan: a byte range that starts at a record, and the number of its
/// first record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    pub range: Range<u64>,
    pub first: u64,
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

/// The first data row of `rows` and its last (`None`: to the end), checked before any scan.
/// A range counted from the end (`-N:`, `A:-B`) needs the number of rows: `count` gives it
/// (a scan, or an index's count), and is only called then.
pub(crate) fn fixed_rows<E>(
    rows: &LineRange,
    count: impl FnOnce() -> Result<u64, Error<E>>,
) -> Result<(u64, Option<u64>), Error<E>> {
    let as_rows = |e: EditError| -> Error<E> {
        match e {
            EditError::LineZero => CsvError::RowZero.into(),
            EditError::ReversedLines { start, end } => CsvError::ReversedRows { start, end }.into(),
            EditError::LinePastEnd { line, lines } => {
                CsvError::RowPastEnd { row: line, rows: lines }.into()
            }
            EditError::LineBeforeStart { from_end, lines } => {
                CsvError::RowBeforeStart { from_end, rows: lines }.into()
            }
            other => other.into(),
        }
    };
    if let Some(fixed) = rows.from_start().map_err(as_rows)? {
        return Ok(fixed);
    }
    let total = count()?;
    let r = rows.resolve(total).map_err(as_rows)?;
    Ok((*r.start(), Some(*r.end())))
}

/// Counts the data rows from `from` (a record start and its row number) to the end.
pub(crate) fn count_rows<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    from: (u64, u64),
    chunker: &mut Chunker,
) -> Result<u64, Error<S::Error>> {
    let mut count = from.0.saturating_sub(1);
    let source = Source { range: from.1..src.len(), first: from.0 };
    scan_records(src, dialect, source, false, chunker, &mut |r| {
        count = r.number();
        Ok(Flow::Continue)
    })?;
    Ok(count)
}

/// Finds the bytes of data rows `first..=last` (1-based, inclusive, the header excluded;
/// `None`: to the end) by scanning from `from` (a record start and its row number) until the
/// last row of the range.
pub(crate) fn locate<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    from: (u64, u64),
    (first, last): (u64, Option<u64>),
    chunker: &mut Chunker,
) -> Result<(u64, Range<u64>), Error<S::Error>> {
    let (mut begin, mut end) = (None, None);
    let mut count = from.0.saturating_sub(1);
    let source = Source { range: from.1..src.len(), first: from.0 };
    scan_records(src, dialect, source, false, chunker, &mut |r| {
        count = r.number();
        if r.number() == first {
            begin = Some(r.range().start);
        }
        match last {
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
    let end = match last {
        Some(last) => end.ok_or(CsvError::RowPastEnd { row: last, rows: count })?,
        None => src.len(),
    };
    Ok((first, begin..end))
}

/// Where data rows `rows` (any [`LineRange`] form, 1-based, the header excluded) are: the
/// number of the first and the byte range from its start to the end of the last row.
///
/// Scans from the first data row up to the end of the range (to its first row for `A:`); a
/// [`RecordIndex`](super::RecordIndex) makes this a short scan. A range counted from the end
/// (`-N:`, `A:-B`) first counts the rows (one more scan).
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
    rows_at(src, dialect, header, rows, chunker).map(|(first, _, range)| (first, range))
}

/// Located rows: the first, the last (`None`: to the end), and their bytes.
type Located = (u64, Option<u64>, Range<u64>);

/// As [`rows_to_bytes`], with the last row (`None`: to the end).
fn rows_at<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    header: &Header,
    rows: &LineRange,
    chunker: &mut Chunker,
) -> Result<Located, Error<S::Error>> {
    let from = (1, header.data_start());
    let fixed = fixed_rows(rows, || count_rows(src, dialect, from, chunker))?;
    let (first, range) = locate(src, dialect, from, fixed, chunker)?;
    Ok((first, fixed.1, range))
}

/// What a [`ReadRows`] pass does with each row it hands out.
pub trait RowSink {
    /// Takes one row; [`Flow::Stop`] ends the pass.
    ///
    /// # Errors
    ///
    /// The sink's own error, which ends the pass.
    fn row(&mut self, record: &Record<'_>) -> Result<Flow, EditError>;
}

impl<F: FnMut(&Record<'_>) -> Result<Flow, EditError>> RowSink for F {
    fn row(&mut self, record: &Record<'_>) -> Result<Flow, EditError> {
        self(record)
    }
}

/// Counts only: a [`ReadRows`] with this sink is the count pass of a preview.
impl RowSink for () {
    fn row(&mut self, _: &Record<'_>) -> Result<Flow, EditError> {
        Ok(Flow::Continue)
    }
}

/// One row as a [`ReadRows`] pass collected it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based data row number (the header is record 0).
    pub number: u64,
    /// Offset of its first byte.
    pub offset: u64,
    /// Its fields, unescaped.
    pub fields: Vec<Vec<u8>>,
}

/// Collects the rows.
impl RowSink for Vec<Row> {
    fn row(&mut self, r: &Record<'_>) -> Result<Flow, EditError> {
        self.push(Row {
            number: r.number(),
            offset: r.range().start,
            fields: r.iter().map(<[u8]>::to_vec).collect(),
        });
        Ok(Flow::Continue)
    }
}

/// The state of a [`ReadRows`] pass.
#[derive(Debug, Clone)]
struct ReadState<V> {
    tests: Vec<Test>,
    expected: usize,
    ragged: bool,
    report: Report,
    sink: V,
}

impl<V: RowSink> ReadState<V> {
    fn record(&mut self, r: &Record<'_>) -> Result<Flow, EditError> {
        self.report.rows += 1;
        let ragged = self.report.check(r, self.expected);
        if (ragged && !self.ragged) || !Test::all(&self.tests, r) {
            return Ok(Flow::Continue);
        }
        self.report.matched += 1;
        self.sink.row(r)
    }
}

/// A pass that hands the data rows where all conditions hold to a [`RowSink`], in order:
/// the pass behind [`read_rows`], the count pass of a preview (sink `()`), and a page of rows
/// for a grid (sink `Vec<Row>`).
///
/// Feed it the whole document from offset 0 ([`Scanner::feed`]) or from the start it was
/// given ([`ReadRows::only_rows`]), then [`Pass::finish`]; the output is the [`Report`] and
/// the sink. Rows with the wrong number of fields are counted in the report and, unless
/// [`ReadRows::with_ragged`], not handed out. Each record carries its bytes ([`Record::raw`]).
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Chunker};
///
/// let src = b"id,city\n1,Paris\n2,Rome,x\n3,Paris\n".to_vec();
/// let d = csv::Dialect::default();
/// let header = csv::Header::read(&src, &d, &mut Chunker::default()).unwrap();
/// let conds = [csv::Condition::parse("city=Paris").unwrap()];
/// let count = csv::ReadRows::new(&header, &d, &conds, ()).unwrap();
/// let (report, ()) = Chunker::new(3).run(&src, count).unwrap();
/// assert_eq!((report.rows, report.matched, report.skipped_count), (3, 2, 1));
///
/// let page = csv::ReadRows::new(&header, &d, &[], Vec::new()).unwrap().with_ragged(true);
/// let page = page.only_rows(2..=3, (1, header.data_start()), &d).unwrap();
/// let (_, rows) = Chunker::default().run(&src, page).unwrap();
/// assert_eq!(rows.iter().map(|r| r.fields.len()).collect::<Vec<_>>(), [3, 2]);
/// ```
#[derive(Debug, Clone)]
pub struct ReadRows<V> {
    rows: Rows,
    range: Option<RangeInclusive<u64>>,
    state: ReadState<V>,
}

impl<V: RowSink> ReadRows<V> {
    /// A pass over the data rows of a document whose columns are `header`.
    ///
    /// # Errors
    ///
    /// [`CsvError::BadDialect`], or an unknown column in `conds`.
    pub fn new(
        header: &Header,
        dialect: &Dialect,
        conds: &[Condition],
        sink: V,
    ) -> Result<ReadRows<V>, CsvError> {
        dialect.check()?;
        let state = ReadState {
            tests: Test::bind_all(conds, header)?,
            expected: header.len(),
            ragged: false,
            report: Report::default(),
            sink,
        };
        Ok(ReadRows { rows: Rows::data(header, dialect, true), range: None, state })
    }

    /// Hands out rows with the wrong number of fields too (a grid shows them).
    pub fn with_ragged(mut self, yes: bool) -> ReadRows<V> {
        self.state.ragged = yes;
        self
    }

    /// Only reads data rows `rows` (1-based, inclusive) and stops after the last; the scan
    /// starts at `from` (a row number and the offset of its first byte: the first data row,
    /// or a [`RecordIndex`](super::RecordIndex) checkpoint at or before the first row), and
    /// bytes pushed before it are ignored. Finishing before the last row was seen is
    /// [`CsvError::RowPastEnd`].
    ///
    /// # Errors
    ///
    /// [`CsvError::RowZero`] or [`CsvError::ReversedRows`].
    pub fn only_rows(
        mut self,
        rows: RangeInclusive<u64>,
        from: (u64, u64),
        dialect: &Dialect,
    ) -> Result<ReadRows<V>, CsvError> {
        super::rows::check_range(&rows)?;
        self.rows = Rows::new(dialect, from.1, from.0, true);
        self.rows.only(*rows.start(), Some(*rows.end()));
        self.range = Some(rows);
        Ok(self)
    }
}

impl<V: RowSink> Scanner for ReadRows<V> {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        let (rows, state) = (&mut self.rows, &mut self.state);
        rows.feed(offset, chunk, &mut |r| state.record(r))
    }
}

impl<V: RowSink> Pass for ReadRows<V> {
    type Output = (Report, V);

    fn finish(mut self) -> Result<(Report, V), EditError> {
        let (rows, state) = (&mut self.rows, &mut self.state);
        rows.finish(&mut |r| state.record(r))?;
        if let Some(range) = &self.range {
            super::edit::past_end(range, self.rows.seen())?;
        }
        Ok((self.state.report, self.state.sink))
    }
}

/// Calls `each` for every data row in `rows` (all when `None`) where all `conds` hold, in
/// order, until it returns [`Flow::Stop`]. Each [`Record`] carries its bytes as stored
/// ([`Record::raw`]). Rows with the wrong number of fields are not visited but listed in the
/// report. Memory is bounded by the chunk size and the longest row. A [`ReadRows`] pass.
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
    let pass = ReadRows::new(header, dialect, conds, each)?;
    let pass = match rows {
        // Locate the range first, so a range past the end fails before any row is visited.
        Some(rows) => {
            let (first, last, range) = rows_at(src, dialect, header, rows, chunker)?;
            let last = last.unwrap_or(u64::MAX);
            let mut pass = pass.only_rows(first..=last, (first, range.start), dialect)?;
            // The range is known to exist (`A:` has no last row to wait for).
            pass.range = None;
            chunker.scan(src, range, &mut pass)?;
            return Ok(pass.finish()?.0);
        }
        None => pass,
    };
    Ok(chunker.run(src, pass)?.0)
}
