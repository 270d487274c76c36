//! The CSV planners: set cells, delete rows, append rows, add and remove a column. Each is one
//! streaming pass that returns a [`Patch`] whose splices touch only what changes, and a
//! [`Report`] of what was matched and which rows were left alone.

use std::ops::Range;

use super::cond::Test;
use super::header::Header;
use super::read::{scan_records, Source};
use super::records::{FieldFinder, Record, RecordScanner};
use super::write::{encode_field, encode_record};
use super::{Assignment, Condition, CsvError, Dialect};
use crate::error::{EditError, Error};
use crate::patch::{Patch, SortedSplices, Splice};
use crate::scan::{Chunker, Flow};
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

/// Collects splices in order, and remembers a source failure met inside a scan.
struct Plan<'a, S: ReadAt + ?Sized> {
    src: &'a S,
    finder: FieldFinder,
    local: Vec<Range<usize>>,
    splices: SortedSplices,
    failed: Option<Error<S::Error>>,
    raw: Vec<u8>,
}

impl<'a, S: ReadAt + ?Sized> Plan<'a, S> {
    fn new(src: &'a S, dialect: &Dialect) -> Self {
        Plan {
            src,
            finder: FieldFinder::new(dialect),
            local: Vec::new(),
            splices: SortedSplices::new(src.len()),
            failed: None,
            raw: Vec::new(),
        }
    }

    /// The source range of each field of `record`: by arithmetic when it is plain, else by
    /// reading the record back and parsing it. `None` if the read failed (noted in `failed`).
    fn spans(&mut self, record: &Record<'_>) -> Option<Vec<Range<u64>>> {
        if record.is_plain() {
            return Some((0..record.len()).filter_map(|i| record.plain_span(i)).collect());
        }
        let content = record.content();
        let raw = match record.raw() {
            Some(raw) => &raw[..(content.end - content.start) as usize],
            None => match read_range(self.src, content.clone()) {
                Ok(bytes) => {
                    self.raw = bytes;
                    &self.raw
                }
                Err(e) => {
                    self.failed = Some(e);
                    return None;
                }
            },
        };
        let base = content.start;
        self.finder.spans(raw, &mut self.local);
        Some(self.local.iter().map(|r| base + r.start as u64..base + r.end as u64).collect())
    }

    fn push(&mut self, range: Range<u64>, bytes: &[u8]) -> Result<(), EditError> {
        self.splices.push(range, bytes)
    }

    /// Deletes `range`, merged with a deletion that ends where it starts.
    fn delete(&mut self, range: Range<u64>) -> Result<(), EditError> {
        self.splices.delete(range)
    }

    fn finish(self, result: Result<(), Error<S::Error>>) -> Result<Patch, Error<S::Error>> {
        result?;
        if let Some(e) = self.failed {
            return Err(e);
        }
        Ok(self.splices.finish())
    }
}

/// The header, and the conditions bound to it.
fn bind<S: ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    conds: &[Condition],
    chunker: &mut Chunker,
) -> Result<(Header, Vec<Test>), Error<S::Error>> {
    dialect.check()?;
    let header = Header::read(src, dialect, chunker)?;
    let tests = Test::bind_all(conds, &header)?;
    Ok((header, tests))
}

/// Plans setting `sets` in every row where all `conds` hold.
///
/// One streaming pass; a splice replaces only a changed field (a field that already has the
/// new value is left alone). New values are quoted only when needed. Rows with the wrong
/// number of fields are left untouched and listed in the report. Memory holds one 16-byte
/// splice per changed field.
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
    let (header, tests) = bind(src, dialect, conds, chunker)?;
    // (column, value, encoded); the last assignment of a column wins.
    let mut targets: Vec<(usize, Vec<u8>, Vec<u8>)> = Vec::new();
    for a in sets {
        let col = header.column(&a.column)?;
        targets.retain(|t| t.0 != col);
        let mut enc = Vec::new();
        encode_field(a.value.as_bytes(), dialect, &mut enc);
        targets.push((col, a.value.as_bytes().to_vec(), enc));
    }
    targets.sort_by_key(|t| t.0);
    let expected = header.len();
    let empty_alone = vec![dialect.quote, dialect.quote];
    let mut report = Report::default();
    let mut plan = Plan::new(src, dialect);
    let result =
        scan_records(src, dialect, Source::data(&header, src.len()), false, chunker, &mut |r| {
            report.rows += 1;
            if report.check(r, expected) || !Test::all(&tests, r) {
                return Ok(Flow::Continue);
            }
            report.matched += 1;
            let mut spans: Option<Vec<Range<u64>>> = None;
            let mut changed = false;
            for (col, value, enc) in &targets {
                if r.field(*col) == Some(value.as_slice()) {
                    continue;
                }
                let span = match r.plain_span(*col) {
                    Some(span) => span,
                    None => {
                        if spans.is_none() {
                            spans = plan.spans(r);
                        }
                        match spans.as_ref().and_then(|s| s.get(*col)) {
                            Some(span) => span.clone(),
                            None => return Ok(Flow::Stop),
                        }
                    }
                };
                // A record of one empty field would read as a blank line: quote it.
                let bytes = if value.is_empty() && r.len() == 1 { &empty_alone } else { enc };
                plan.push(span, bytes)?;
                changed = true;
            }
            report.changed += u64::from(changed);
            Ok(Flow::Continue)
        });
    Ok((plan.finish(result)?, report))
}

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
    let (header, tests) = bind(src, dialect, conds, chunker)?;
    let expected = header.len();
    let mut report = Report::default();
    let mut plan = Plan::new(src, dialect);
    let result =
        scan_records(src, dialect, Source::data(&header, src.len()), false, chunker, &mut |r| {
            report.rows += 1;
            if report.check(r, expected) || !Test::all(&tests, r) {
                return Ok(Flow::Continue);
            }
            report.matched += 1;
            report.changed += 1;
            plan.delete(r.range())?;
            Ok(Flow::Continue)
        });
    Ok((plan.finish(result)?, report))
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

/// Plans adding a column named `name` (header files only) holding `value` in every row, after
/// column `after` or at the end.
///
/// Memory holds one splice per record: this rewrites every row, so a file of millions of rows
/// makes a patch of millions of small splices.
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
    let (header, _) = bind(src, dialect, &[], chunker)?;
    let Some(names) = header.names() else {
        return Err(CsvError::NoHeader { op: "add-column" }.into());
    };
    if names.iter().any(|n| n == name) {
        return Err(CsvError::DuplicateColumn { name: name.to_string() }.into());
    }
    let at = match after {
        Some(col) => header.column(col)? + 1,
        None => header.len(),
    };
    let expected = header.len();
    let encode = |v: &str| {
        let mut out = Vec::new();
        encode_field(v.as_bytes(), dialect, &mut out);
        out
    };
    let (head_cell, cell) = (encode(name), encode(value));
    let mut report = Report::default();
    let mut plan = Plan::new(src, dialect);
    let whole = Source::whole(&header, src.len());
    let result = scan_records(src, dialect, whole, false, chunker, &mut |r| {
        let is_header = r.number() == 0;
        if !is_header {
            report.rows += 1;
            if report.check(r, expected) {
                return Ok(Flow::Continue);
            }
        }
        let new = if is_header { &head_cell } else { &cell };
        let Some(spans) = plan.spans(r) else { return Ok(Flow::Stop) };
        let (pos, bytes) = match (at, spans.first(), spans.get(at.wrapping_sub(1))) {
            (0, Some(first), _) => (first.start, [new.as_slice(), &[dialect.delimiter]].concat()),
            (_, _, Some(prev)) => (prev.end, [&[dialect.delimiter], new.as_slice()].concat()),
            _ => return Ok(Flow::Continue),
        };
        plan.push(pos..pos, &bytes)?;
        report.changed += u64::from(!is_header);
        Ok(Flow::Continue)
    });
    Ok((plan.finish(result)?, report))
}

/// Plans removing column `name` from every record, header included.
///
/// Memory holds one splice per record, as for [`add_column`].
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
    let (header, _) = bind(src, dialect, &[], chunker)?;
    let col = header.column(name)?;
    let expected = header.len();
    if expected < 2 {
        return Err(CsvError::OnlyColumn { name: name.to_string() }.into());
    }
    let mut report = Report::default();
    let mut plan = Plan::new(src, dialect);
    let quotes = [dialect.quote, dialect.quote];
    let result =
        scan_records(src, dialect, Source::whole(&header, src.len()), false, chunker, &mut |r| {
            let is_header = dialect.has_header && r.number() == 0;
            if !is_header {
                report.rows += 1;
                if report.check(r, expected) {
                    return Ok(Flow::Continue);
                }
            }
            let Some(spans) = plan.spans(r) else { return Ok(Flow::Stop) };
            let (range, keep) = if col + 1 < spans.len() {
                (spans[col].start..spans[col + 1].start, &spans[col + 1])
            } else {
                (spans[col - 1].end..spans[col].end, &spans[col - 1])
            };
            // A record left with one empty field would read as a blank line: write it quoted.
            let bytes = if spans.len() == 2 && keep.is_empty() { &quotes[..] } else { &[][..] };
            plan.push(range, bytes)?;
            report.changed += u64::from(!is_header);
            Ok(Flow::Continue)
        });
    Ok((plan.finish(result)?, report))
}
