//! The CSV planners: set cells, delete rows, append rows, add and remove a column. Each is one
//! streaming pass that returns a [`Patch`] whose splices touch only what changes, and a
//! [`Report`] of what was matched and which rows were left alone.

use std::ops::{Range, RangeInclusive};

use super::cond::Test;
use super::header::Header;
use super::records::{FieldFinder, Record, RecordScanner};
use super::rows::{check_range, Rows};
use super::write::{encode_field, encode_record};
use super::{Assignment, Condition, CsvError, Dialect};
use crate::error::{EditError, Error};
use crate::patch::{Drain, Patch, SortedSplices, Splice};
use crate::scan::{Chunker, Flow, Pass, Scanner};
use crate::source::{read_range, ReadAt};

/// How many skipped rows a [`Report`] lists (all are counted).
pub const SKIPPED_LISTED: usize = 1000;

/// A row left untouched because it has the wrong number of fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// Its number: 1-based among the data rows (the header is record 0).
    pub record: u64,
    /// Offset of its first byte.
    pub offset: u64,
    /// How many fields it has.
    pub fields: usize,
    /// How many it should have.
    pub expected: usize,
}

impl Skipped {
    /// The error this row is under `--strict`.
    pub fn to_error(&self) -> CsvError {
        CsvError::RaggedRow {
            record: self.record,
            offset: self.offset,
            fields: self.fields,
            expected: self.expected,
        }
    }
}

/// What a CSV pass saw: rows, matches, changes and the rows it left alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Data rows scanned (the header excluded).
    pub rows: u64,
    /// Rows that met every condition.
    pub matched: u64,
    /// Rows the patch changes (deleted, or with at least one new value).
    pub changed: u64,
    /// Rows with the wrong number of fields, left untouched (the first [`SKIPPED_LISTED`]).
    pub skipped: Vec<Skipped>,
    /// How many rows were skipped in all.
    pub skipped_count: u64,
}

impl Report {
    /// `Ok` when no row was skipped; else the first skipped row as an error (for `--strict`).
    ///
    /// # Errors
    ///
    /// [`CsvError::RaggedRow`].
    pub fn strict(&self) -> Result<(), CsvError> {
        match self.skipped.first() {
            Some(s) => Err(s.to_error()),
            None => Ok(()),
        }
    }

    /// Notes a row that has `fields` fields instead of `expected`; returns true if it is ragged.
    pub(crate) fn check(&mut self, record: &Record<'_>, expected: usize) -> bool {
        if record.len() == expected {
            return false;
        }
        self.skipped_count += 1;
        if self.skipped.len() < SKIPPED_LISTED {
            self.skipped.push(Skipped {
                record: record.number(),
                offset: record.range().start,
                fields: record.len(),
                expected,
            });
        }
        true
    }
}

/// Collects splices in order.
#[derive(Debug, Clone)]
struct Plan {
    finder: FieldFinder,
    local: Vec<Range<usize>>,
    splices: SortedSplices,
}

impl Plan {
    fn new(dialect: &Dialect, len: u64) -> Self {
        Plan {
            finder: FieldFinder::new(dialect),
            local: Vec::new(),
            splices: SortedSplices::new(len),
        }
    }

    /// The source range of each field of `record`: as the scanner found it when it knows
    /// ([`Record::span`]), else by parsing the bytes it carries ([`Rows`] keeps them for these
    /// passes).
    fn spans(&mut self, record: &Record<'_>) -> Vec<Range<u64>> {
        if record.span(0).is_some() {
            return (0..record.len()).filter_map(|i| record.span(i)).collect();
        }
        let content = record.content();
        let raw = record.raw().unwrap_or_default();
        debug_assert!(raw.len() as u64 >= content.end - content.start, "a pass keeps raw bytes");
        let raw = &raw[..raw.len().min((content.end - content.start) as usize)];
        self.finder.spans(raw, &mut self.local);
        let base = content.start;
        self.local.iter().map(|r| base + r.start as u64..base + r.end as u64).collect()
    }

    fn push(&mut self, range: Range<u64>, bytes: &[u8]) -> Result<(), EditError> {
        self.splices.push(range, bytes)
    }

    /// Deletes `range`, merged with a deletion that ends where it starts.
    fn delete(&mut self, range: Range<u64>) -> Result<(), EditError> {
        self.splices.delete(range)
    }
}

/// Implements [`Scanner`] and [`Pass`] for a planner pass whose state has a
/// `record(&mut self, &Record) -> Result<Flow, EditError>` method and a `rows: Rows` driver,
/// and [`Drain`] for one whose state has a `plan: Plan`.
macro_rules! row_pass {
    ($pass:ident, $output:ty, |$this:ident| $finish:expr) => {
        impl Scanner for $pass {
            fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
                let (rows, state) = (&mut self.rows, &mut self.state);
                rows.feed(offset, chunk, &mut |r| state.record(r))
            }
        }

        impl Drain for $pass {
            fn drain(&mut self) -> Patch {
                self.state.plan.splices.drain()
            }
        }

        impl Pass for $pass {
            type Output = $output;

            fn finish(mut self) -> Result<$output, EditError> {
                let (rows, state) = (&mut self.rows, &mut self.state);
                rows.finish(&mut |r| state.record(r))?;
                let $this = self;
                $finish
            }
        }
    };
}

/// Runs a planner pass over the whole of `src`, building it from the header.
fn run<S, P, B>(
    src: &S,
    dialect: &Dialect,
    chunker: &mut Chunker,
    build: B,
) -> Result<P::Output, Error<S::Error>>
where
    S: ReadAt + ?Sized,
    P: Pass,
    B: FnOnce(&Header) -> Result<P, CsvError>,
{
    dialect.check()?;
    let header = Header::read(src, dialect, chunker)?;
    let pass = build(&header)?;
    chunker.run(src, pass)
}

/// The state of [`SetCells`].
#[derive(Debug, Clone)]
struct SetState {
    tests: Vec<Test>,
    /// (column, value, encoded); sorted by column.
    targets: Vec<(usize, Vec<u8>, Vec<u8>)>,
    expected: usize,
    empty_alone: Vec<u8>,
    report: Report,
    plan: Plan,
}

impl SetState {
    fn record(&mut self, r: &Record<'_>) -> Result<Flow, EditError> {
        self.report.rows += 1;
        if self.report.check(r, self.expected) || !Test::all(&self.tests, r) {
            return Ok(Flow::Continue);
        }
        self.report.matched += 1;
        let mut spans: Option<Vec<Range<u64>>> = None;
        let mut changed = false;
        for (col, value, enc) in &self.targets {
            if r.field(*col) == Some(value.as_slice()) {
                continue;
            }
            let span = match r.span(*col) {
                Some(span) => span,
                None => {
                    let all = spans.get_or_insert_with(|| self.plan.spans(r));
                    match all.get(*col) {
                        Some(span) => span.clone(),
                        None => continue,
                    }
                }
            };
            // A record of one empty field would read as a blank line: quote it.
            let bytes = if value.is_empty() && r.len() == 1 { &self.empty_alone } else { enc };
            self.plan.push(span, bytes)?;
            changed = true;
        }
        self.report.changed += u64::from(changed);
        Ok(Flow::Continue)
    }
}

/// The pass behind [`set_cells`]: sets cells in the rows where all conditions hold.
///
/// Feed it the whole document from offset 0 ([`Scanner::feed`]), then [`Pass::finish`]; it
/// ignores the bytes before the data rows. The output is the patch and the [`Report`].
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Chunker, Pass, Scanner};
///
/// let src = b"id,status\n1,new\n2,new\n";
/// let d = csv::Dialect::default();
/// let header = csv::Header::read(&src.to_vec(), &d, &mut Chunker::default()).unwrap();
/// let conds = [csv::Condition::parse("id=2").unwrap()];
/// let sets = [csv::Assignment::parse("status=done").unwrap()];
/// let mut pass = csv::SetCells::new(&header, &d, &conds, &sets, src.len() as u64).unwrap();
/// for (i, piece) in src.chunks(5).enumerate() {
///     pass.feed(i as u64 * 5, piece).unwrap();
/// }
/// let (patch, report) = pass.finish().unwrap();
/// assert_eq!(patch.apply_to_vec(src).unwrap(), b"id,status\n1,new\n2,done\n");
/// assert_eq!(report.changed, 1);
/// ```
#[derive(Debug, Clone)]
pub struct SetCells {
    rows: Rows,
    range: Option<RangeInclusive<u64>>,
    state: SetState,
}

impl SetCells {
    /// A pass over a document of `len` bytes whose columns are `header`.
    ///
    /// # Errors
    ///
    /// [`CsvError::BadDialect`], or an unknown column in `conds` or `sets`.
    pub fn new(
        header: &Header,
        dialect: &Dialect,
        conds: &[Condition],
        sets: &[Assignment],
        len: u64,
    ) -> Result<SetCells, CsvError> {
        dialect.check()?;
        let tests = Test::bind_all(conds, header)?;
        // The last assignment of a column wins.
        let mut targets: Vec<(usize, Vec<u8>, Vec<u8>)> = Vec::new();
        for a in sets {
            let col = header.column(&a.column)?;
            targets.retain(|t| t.0 != col);
            let mut enc = Vec::new();
            encode_field(a.value.as_bytes(), dialect, &mut enc);
            targets.push((col, a.value.as_bytes().to_vec(), enc));
        }
        targets.sort_by_key(|t| t.0);
        let state = SetState {
            tests,
            targets,
            expected: header.len(),
            empty_alone: vec![dialect.quote, dialect.quote],
            report: Report::default(),
            plan: Plan::new(dialect, len),
        };
        Ok(SetCells { rows: Rows::data(header, dialect, true), range: None, state })
    }

    /// Only touches data rows `rows` (1-based, inclusive) and stops after the last; the scan
    /// starts at `from` (a row number and the offset of its first byte, such as a
    /// [`RecordIndex`](super::RecordIndex) checkpoint at or before the first row), and bytes
    /// pushed before it are ignored. Finishing before the last row was seen is
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
    ) -> Result<SetCells, CsvError> {
        check_range(&rows)?;
        self.rows = Rows::new(dialect, from.1, from.0, true);
        self.rows.only(*rows.start(), Some(*rows.end()));
        self.range = Some(rows);
        Ok(self)
    }
}

impl Scanner for SetCells {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        let (rows, state) = (&mut self.rows, &mut self.state);
        rows.feed(offset, chunk, &mut |r| state.record(r))
    }
}

impl Drain for SetCells {
    fn drain(&mut self) -> Patch {
        self.state.plan.splices.drain()
    }
}

impl Pass for SetCells {
    type Output = (Patch, Report);

    fn finish(mut self) -> Result<(Patch, Report), EditError> {
        let (rows, state) = (&mut self.rows, &mut self.state);
        rows.finish(&mut |r| state.record(r))?;
        if let Some(range) = &self.range {
            past_end(range, self.rows.seen())?;
        }
        Ok((self.state.plan.splices.finish(), self.state.report))
    }
}

/// [`CsvError::RowPastEnd`] when the last row scanned (`seen`) comes before the end of `rows`.
pub(crate) fn past_end(rows: &RangeInclusive<u64>, seen: u64) -> Result<(), CsvError> {
    if seen < *rows.end() {
        let row = if seen < *rows.start() { *rows.start() } else { *rows.end() };
        return Err(CsvError::RowPastEnd { row, rows: seen });
    }
    Ok(())
}

/// Plans setting column `column` of data row `row` (1-based) to `value`: the splice replaces
/// only that field's bytes, quoted as [`encode_field`] quotes. The scan starts at `from` (a
/// row number and the offset of its first byte, at or before `row`: the first data row, or
/// a [`RecordIndex`](super::RecordIndex) checkpoint), so with an index it is short.
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Chunker};
///
/// let src = b"id,note\n1,a\n2,b\n".to_vec();
/// let d = csv::Dialect::default();
/// let header = csv::Header::read(&src, &d, &mut Chunker::default()).unwrap();
/// let from = (1, header.data_start());
/// let patch = csv::set_cell(&src, &d, &header, from, 2, "note", "x, y", &mut Chunker::default()).unwrap();
/// assert_eq!(patch.apply_to_vec(&src).unwrap(), b"id,note\n1,a\n2,\"x, y\"\n");
/// ```
///
/// # Errors
///
/// [`CsvError::UnknownColumn`] (or `UnknownColumnNumber`), [`CsvError::RowZero`],
/// [`CsvError::RowPastEnd`], [`CsvError::RaggedRow`] when the row has the wrong number of
/// fields, or the source's error.
#[allow(clippy::too_many_arguments)]
pub fn set_cell<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    header: &Header,
    from: (u64, u64),
    row: u64,
    column: &str,
    value: &str,
    chunker: &mut Chunker,
) -> Result<Patch, Error<S::Error>> {
    let set = Assignment { column: column.to_string(), value: value.to_string() };
    let mut pass = SetCells::new(header, dialect, &[], &[set], src.len())?.only_rows(
        row..=row,
        from,
        dialect,
    )?;
    chunker.scan(src, from.1.min(src.len())..src.len(), &mut pass)?;
    let (patch, report) = pass.finish()?;
    report.strict()?;
    Ok(patch)
}

/// Plans setting `sets` in every row where all `conds` hold.
///
/// One streaming pass; a splice replaces only a changed field (a field that already has the
/// new value is left alone). New values are quoted only when needed. Rows with the wrong
/// number of fields are left untouched and listed in the report. The patch holds one 16-byte
/// splice per changed field (the [`SetCells`] pass hands them over as it goes: [`Drain`]).
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Chunker};
///
/// let src = b"id,city,status\n1,Paris,new\n2,Rome,new\n3,Paris,\"old, really\"\n".to_vec();
/// let dialect = csv::Dialect::detect(&src, &csv::Overrides::default()).unwrap();
/// let conds = [csv::Condition::parse("city=Paris").unwrap()];
/// let sets = [csv::Assignment::parse("status=done, checked").unwrap()];
/// let (patch, report) = csv::set_cells(&src, &dialect, &conds, &sets, &mut Chunker::default()).unwrap();
/// assert_eq!(
///     patch.apply_to_vec(&src).unwrap(),
///     b"id,city,status\n1,Paris,\"done, checked\"\n2,Rome,new\n3,Paris,\"done, checked\"\n"
/// );
/// assert_eq!((report.matched, report.changed), (2, 2));
/// ```
///
/// # Errors
///
/// [`CsvError::UnknownColumn`] (or `UnknownColumnNumber`), [`CsvError::RecordTooLong`],
/// [`CsvError::BadDialect`], or the source's error.
pub fn set_cells<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    conds: &[Condition],
    sets: &[Assignment],
    chunker: &mut Chunker,
) -> Result<(Patch, Report), Error<S::Error>> {
    run(src, dialect, chunker, |h| SetCells::new(h, dialect, conds, sets, src.len()))
}

/// The state of [`DeleteRows`].
#[derive(Debug, Clone)]
struct DeleteState {
    tests: Vec<Test>,
    expected: usize,
    report: Report,
    plan: Plan,
}

impl DeleteState {
    fn record(&mut self, r: &Record<'_>) -> Result<Flow, EditError> {
        self.report.rows += 1;
        if self.report.check(r, self.expected) || !Test::all(&self.tests, r) {
            return Ok(Flow::Continue);
        }
        self.report.matched += 1;
        self.report.changed += 1;
        self.plan.delete(r.range())?;
        Ok(Flow::Continue)
    }
}

/// The pass behind [`delete_rows`] (fed as [`SetCells`] is).
#[derive(Debug, Clone)]
pub struct DeleteRows {
    rows: Rows,
    state: DeleteState,
}

impl DeleteRows {
    /// A pass over a document of `len` bytes whose columns are `header`.
    ///
    /// # Errors
    ///
    /// [`CsvError::BadDialect`], or an unknown column in `conds`.
    pub fn new(
        header: &Header,
        dialect: &Dialect,
        conds: &[Condition],
        len: u64,
    ) -> Result<DeleteRows, CsvError> {
        dialect.check()?;
        let state = DeleteState {
            tests: Test::bind_all(conds, header)?,
            expected: header.len(),
            report: Report::default(),
            plan: Plan::new(dialect, len),
        };
        Ok(DeleteRows { rows: Rows::data(header, dialect, false), state })
    }
}

row_pass!(DeleteRows, (Patch, Report), |pass| Ok((
    pass.state.plan.splices.finish(),
    pass.state.report
)));

/// Plans deleting every data row where all `conds` hold (the header is never deleted).
///
/// A deleted row takes its terminator with it; blank lines between rows stay. Adjacent
/// deleted rows become one splice.
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Chunker};
///
/// let src = b"id,n\n1,5\n2,50\n3,7\n".to_vec();
/// let conds = [csv::Condition::parse("n<10").unwrap()];
/// let (patch, report) = csv::delete_rows(&src, &csv::Dialect::default(), &conds, &mut Chunker::default()).unwrap();
/// assert_eq!(patch.apply_to_vec(&src).unwrap(), b"id,n\n2,50\n");
/// assert_eq!(report.changed, 2);
/// ```
///
/// # Errors
///
/// As [`set_cells`].
pub fn delete_rows<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    conds: &[Condition],
    chunker: &mut Chunker,
) -> Result<(Patch, Report), Error<S::Error>> {
    run(src, dialect, chunker, |h| DeleteRows::new(h, dialect, conds, src.len()))
}

/// Plans appending the records of `rows` (CSV text in the file's dialect, any line endings)
/// at the end of the file, re-encoded with the file's quote and line ending.
///
/// A file whose last record has no terminator gets one first. Reads only the first record
/// and the last byte of `src`.
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Chunker};
///
/// let src = b"id,note\r\n1,x".to_vec();
/// let d = csv::Dialect::detect(&src, &csv::Overrides::default()).unwrap();
/// let (patch, _) = csv::append_rows(&src, &d, b"2,\"a,b\"\n3,'y'\n", &mut Chunker::default()).unwrap();
/// assert_eq!(patch.apply_to_vec(&src).unwrap(), b"id,note\r\n1,x\r\n2,\"a,b\"\r\n3,'y'\r\n");
/// ```
///
/// # Errors
///
/// [`CsvError::BadRow`] for a row with the wrong number of fields (the 1-based position among
/// the given rows), [`CsvError::NoRows`] when `rows` holds no record, or the source's error.
pub fn append_rows<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    rows: &[u8],
    chunker: &mut Chunker,
) -> Result<(Patch, Report), Error<S::Error>> {
    dialect.check()?;
    let header = Header::read(src, dialect, chunker)?;
    let mut expected = (!header.is_empty()).then(|| header.len());
    let mut bytes = Vec::new();
    let len = src.len();
    if len > 0 && !matches!(read_range(src, len - 1..len)?.first(), Some(b'\n' | b'\r')) {
        bytes.extend_from_slice(dialect.newline.as_bytes());
    }
    // Every quote opens or closes a quoted field, or is one of a doubled pair: an odd count
    // means the text ends inside a quoted field, which the scanner would take as one field
    // running to the end.
    if memchr::memchr_iter(dialect.quote, rows).count() % 2 == 1 {
        let mut complete = 0usize;
        let mut scanner = RecordScanner::starting_at(dialect, 0, 1);
        scanner.feed(0, rows, &mut |_: &Record<'_>| {
            complete += 1;
            Ok(Flow::Continue)
        })?;
        let quote = char::from(dialect.quote);
        return Err(CsvError::UnterminatedQuote { row: complete + 1, quote }.into());
    }
    let mut count = 0usize;
    let mut scanner = RecordScanner::starting_at(dialect, 0, 1);
    let mut each = |r: &Record<'_>| {
        count += 1;
        let want = *expected.get_or_insert(r.len());
        if r.len() != want {
            return Err(EditError::from(CsvError::BadRow {
                row: count,
                fields: r.len(),
                expected: want,
            }));
        }
        let fields: Vec<&[u8]> = r.iter().collect();
        encode_record(&fields, dialect, &mut bytes);
        bytes.extend_from_slice(dialect.newline.as_bytes());
        Ok(Flow::Continue)
    };
    scanner.feed(0, rows, &mut each)?;
    scanner.finish(&mut each)?;
    if count == 0 {
        return Err(CsvError::NoRows.into());
    }
    let report =
        Report { rows: count as u64, matched: 0, changed: count as u64, ..Report::default() };
    Ok((Patch::new(len, vec![Splice::new(len..len, bytes)])?, report))
}

/// The state of [`AddColumn`].
#[derive(Debug, Clone)]
struct AddState {
    at: usize,
    expected: usize,
    delimiter: u8,
    head_cell: Vec<u8>,
    cell: Vec<u8>,
    report: Report,
    plan: Plan,
}

impl AddState {
    fn record(&mut self, r: &Record<'_>) -> Result<Flow, EditError> {
        let is_header = r.number() == 0;
        if !is_header {
            self.report.rows += 1;
            if self.report.check(r, self.expected) {
                return Ok(Flow::Continue);
            }
        }
        let new = if is_header { &self.head_cell } else { &self.cell };
        let spans = self.plan.spans(r);
        let d = self.delimiter;
        let (pos, bytes) = match (self.at, spans.first(), spans.get(self.at.wrapping_sub(1))) {
            (0, Some(first), _) => (first.start, [new.as_slice(), &[d]].concat()),
            (_, _, Some(prev)) => (prev.end, [&[d], new.as_slice()].concat()),
            _ => return Ok(Flow::Continue),
        };
        self.plan.push(pos..pos, &bytes)?;
        self.report.changed += u64::from(!is_header);
        Ok(Flow::Continue)
    }
}

/// The pass behind [`add_column`] (fed as [`SetCells`] is, from the header on).
#[derive(Debug, Clone)]
pub struct AddColumn {
    rows: Rows,
    state: AddState,
}

impl AddColumn {
    /// A pass over a document of `len` bytes whose columns are `header`, adding `name` with
    /// `value` after column `after` (at the end when `None`).
    ///
    /// # Errors
    ///
    /// [`CsvError::NoHeader`], [`CsvError::DuplicateColumn`], [`CsvError::UnknownColumn`]
    /// for `after`, [`CsvError::BadDialect`].
    pub fn new(
        header: &Header,
        dialect: &Dialect,
        name: &str,
        value: &str,
        after: Option<&str>,
        len: u64,
    ) -> Result<AddColumn, CsvError> {
        dialect.check()?;
        let Some(names) = header.names() else {
            return Err(CsvError::NoHeader { op: "add-column" });
        };
        if names.iter().any(|n| n == name) {
            return Err(CsvError::DuplicateColumn { name: name.to_string() });
        }
        let at = match after {
            Some(col) => header.column(col)? + 1,
            None => header.len(),
        };
        let encode = |v: &str| {
            let mut out = Vec::new();
            encode_field(v.as_bytes(), dialect, &mut out);
            out
        };
        let state = AddState {
            at,
            expected: header.len(),
            delimiter: dialect.delimiter,
            head_cell: encode(name),
            cell: encode(value),
            report: Report::default(),
            plan: Plan::new(dialect, len),
        };
        Ok(AddColumn { rows: Rows::whole(header, dialect, true), state })
    }
}

row_pass!(AddColumn, (Patch, Report), |pass| Ok((
    pass.state.plan.splices.finish(),
    pass.state.report
)));

/// Plans adding a column named `name` (header files only) holding `value` in every row, after
/// column `after` or at the end.
///
/// This function's patch holds one splice per record, so a file of millions of rows makes a
/// patch of millions of small splices; a host that commits as it plans runs [`AddColumn`]
/// and takes them over in parts ([`Drain`]), holding a bounded number.
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Chunker};
///
/// let src = b"id,city\n1,Paris\n2,Rome\n".to_vec();
/// let d = csv::Dialect::default();
/// let (patch, _) = csv::add_column(&src, &d, "zip", "n/a", Some("id"), &mut Chunker::default()).unwrap();
/// assert_eq!(patch.apply_to_vec(&src).unwrap(), b"id,zip,city\n1,n/a,Paris\n2,n/a,Rome\n");
/// ```
///
/// # Errors
///
/// [`CsvError::NoHeader`] for a file without header, [`CsvError::DuplicateColumn`],
/// [`CsvError::UnknownColumn`] for `after`, or the source's error.
pub fn add_column<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    name: &str,
    value: &str,
    after: Option<&str>,
    chunker: &mut Chunker,
) -> Result<(Patch, Report), Error<S::Error>> {
    run(src, dialect, chunker, |h| AddColumn::new(h, dialect, name, value, after, src.len()))
}

/// The state of [`RemoveColumn`].
#[derive(Debug, Clone)]
struct RemoveState {
    col: usize,
    expected: usize,
    has_header: bool,
    quotes: [u8; 2],
    report: Report,
    plan: Plan,
}

impl RemoveState {
    fn record(&mut self, r: &Record<'_>) -> Result<Flow, EditError> {
        let is_header = self.has_header && r.number() == 0;
        if !is_header {
            self.report.rows += 1;
            if self.report.check(r, self.expected) {
                return Ok(Flow::Continue);
            }
        }
        let spans = self.plan.spans(r);
        let col = self.col;
        if spans.len() != self.expected {
            return Ok(Flow::Continue);
        }
        let (range, keep) = if col + 1 < spans.len() {
            (spans[col].start..spans[col + 1].start, &spans[col + 1])
        } else {
            (spans[col - 1].end..spans[col].end, &spans[col - 1])
        };
        // A record left with one empty field would read as a blank line: write it quoted.
        let quotes = self.quotes;
        let bytes = if spans.len() == 2 && keep.is_empty() { &quotes[..] } else { &[][..] };
        self.plan.push(range, bytes)?;
        self.report.changed += u64::from(!is_header);
        Ok(Flow::Continue)
    }
}

/// The pass behind [`remove_column`] (fed as [`SetCells`] is, from the header on).
#[derive(Debug, Clone)]
pub struct RemoveColumn {
    rows: Rows,
    state: RemoveState,
}

impl RemoveColumn {
    /// A pass over a document of `len` bytes whose columns are `header`, removing `name`.
    ///
    /// # Errors
    ///
    /// [`CsvError::UnknownColumn`], [`CsvError::OnlyColumn`], [`CsvError::BadDialect`].
    pub fn new(
        header: &Header,
        dialect: &Dialect,
        name: &str,
        len: u64,
    ) -> Result<RemoveColumn, CsvError> {
        dialect.check()?;
        let col = header.column(name)?;
        if header.len() < 2 {
            return Err(CsvError::OnlyColumn { name: name.to_string() });
        }
        let state = RemoveState {
            col,
            expected: header.len(),
            has_header: dialect.has_header,
            quotes: [dialect.quote, dialect.quote],
            report: Report::default(),
            plan: Plan::new(dialect, len),
        };
        Ok(RemoveColumn { rows: Rows::whole(header, dialect, true), state })
    }
}

row_pass!(RemoveColumn, (Patch, Report), |pass| Ok((
    pass.state.plan.splices.finish(),
    pass.state.report
)));

/// Plans removing column `name` from every record, header included.
///
/// The patch holds one splice per record, as for [`add_column`] ([`RemoveColumn`] drains).
///
/// # Example
///
/// ```
/// use bigedit_core::{csv, Chunker};
///
/// let src = b"id,city,zip\n1,\"Paris, FR\",75\n".to_vec();
/// let (patch, _) = csv::remove_column(&src, &csv::Dialect::default(), "city", &mut Chunker::default()).unwrap();
/// assert_eq!(patch.apply_to_vec(&src).unwrap(), b"id,zip\n1,75\n");
/// ```
///
/// # Errors
///
/// [`CsvError::UnknownColumn`], [`CsvError::OnlyColumn`] when it is the only column, or the
/// source's error.
pub fn remove_column<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    name: &str,
    chunker: &mut Chunker,
) -> Result<(Patch, Report), Error<S::Error>> {
    run(src, dialect, chunker, |h| RemoveColumn::new(h, dialect, name, src.len()))
}
