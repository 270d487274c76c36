//! CSV records: dialect detection, a record scanner on csv-core, a sparse record index,
//! conditions, and planners that set cells, delete, append, add or remove columns.
//!
//! Rows are data records: the header (when there is one) is record 0 and the first data row
//! is row 1, as `csv read ROWS` counts. Blank lines are not records. `\n`, `\r\n` and `\r` all
//! end a record outside quotes; new records get the file's [`Newline`].
//!
//! Every planner is one streaming pass that returns a [`Patch`](crate::Patch) whose splices
//! cover only the changed fields (or rows), so rows that do not change stay byte-identical.
//! A row with the wrong number of fields is never changed: it is listed in the [`Report`]
//! (`Report::strict` turns it into an error).
//!
//! # Passes
//!
//! Each operation is a push-based [`Pass`](crate::Pass) built from the [`Header`], the
//! [`Dialect`] and its conditions: [`SetCells`], [`DeleteRows`], [`AddColumn`],
//! [`RemoveColumn`], [`ReadRows`] (a visitor, a page of [`Row`]s, or with the sink `()` the
//! count of a preview) and [`RecordIndex::builder`]. A host feeds the whole document from
//! offset 0 (the browser pushes its stream chunks; [`Chunker::run`](crate::Chunker::run)
//! does it over a `ReadAt`); a pass ignores the bytes before its start (the header, or a
//! checkpoint) and may return [`Flow::Stop`](crate::Flow::Stop) after its row range. The
//! native functions ([`set_cells`], [`delete_rows`], [`add_column`], [`remove_column`],
//! [`read_rows`], [`RecordIndex::build`]) are [`Header::read`] plus one such pass, so no
//! logic is written twice.
//!
//! A pass never reads back through the source: its [`RecordScanner`] keeps each record's
//! bytes ([`RecordScanner::keep_raw`]). A record without quotes already carries the slice of
//! the chunk it lies in (no copy); only quoted records, which go through csv-core, are copied,
//! and a quoted record that changes is parsed again from those bytes ([`field_spans`]).
//!
//! ADVICE FOR HACKERS: a record's byte range must not depend on chunk boundaries; the
//! scanner's tests and the model tests in `tests/tests/csv.rs` feed every chunk size down to
//! one byte, through a `Chunker` and pushed directly. Planners compare the unescaped bytes
//! csv-core writes, and find the raw bytes of a field by arithmetic when the record has no
//! quotes ([`Record::plain_span`]).
//!
//! # Example
//!
//! ```
//! use bigedit_core::{csv, Chunker};
//!
//! let src = b"id;city;status\r\n1;Paris;new\r\n2;Rome;new\r\n".to_vec();
//! let mut chunker = Chunker::default();
//! let dialect = csv::Dialect::detect(&src, &csv::Overrides::default()).unwrap();
//! assert_eq!((dialect.delimiter, dialect.newline), (b';', csv::Newline::Crlf));
//!
//! let conds = [csv::Condition::parse("city=Paris").unwrap()];
//! let sets = [csv::Assignment::parse("status=done; ok").unwrap()];
//! let (patch, report) = csv::set_cells(&src, &dialect, &conds, &sets, &mut chunker).unwrap();
//! assert_eq!(report.changed, 1);
//! assert_eq!(
//!     patch.apply_to_vec(&src).unwrap(),
//!     b"id;city;status\r\n1;Paris;\"done; ok\"\r\n2;Rome;new\r\n"
//! );
//! ```

mod cond;
mod dialect;
mod edit;
mod header;
mod index;
mod read;
mod records;
mod rows;
mod structural;
mod write;

pub use cond::{Assignment, Condition, Op};
pub use dialect::{Dialect, Newline, Overrides, DELIMITERS, SAMPLE_BYTES};
pub use edit::{
    add_column, append_rows, delete_rows, remove_column, set_cell, set_cells, AddColumn,
    DeleteRows, RemoveColumn, Report, SetCells, Skipped, SKIPPED_LISTED,
};
pub use header::Header;
pub use index::{RecordIndex, RecordIndexBuilder};
pub use read::{read_rows, rows_to_bytes, ReadRows, Row, RowSink};
pub use records::{field_spans, FieldFinder, Record, RecordScanner, RECORD_LIMIT};
pub use write::{encode_field, encode_record, needs_quotes};

/// Reads the header of `src`: shorthand for [`Header::read`].
///
/// # Errors
///
/// As [`Header::read`].
pub fn headers<S: crate::ReadAt + ?Sized>(
    src: &S,
    dialect: &Dialect,
    chunker: &mut crate::Chunker,
) -> Result<Header, crate::Error<S::Error>> {
    Header::read(src, dialect, chunker)
}

/// What is wrong with a CSV request, naming the column, record and byte offset involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// A column name the header does not have.
    #[error("no column {name:?}; the header is: {}", header.join(", "))]
    UnknownColumn {
        /// The name as given.
        name: String,
        /// The header's names.
        header: Vec<String>,
    },
    /// A header name that several columns share.
    #[error(
        "column {name:?} is ambiguous: columns {} have that name; use #N (the Nth column) or \"{name} #2\"",
        columns.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" and ")
    )]
    AmbiguousColumn {
        /// The name as given.
        name: String,
        /// The 1-based columns with that name.
        columns: Vec<usize>,
    },
    /// A column of a file without header that is not a number from 1 to the field count.
    #[error(
        "no column {name:?}: the file has no header, so columns are numbers from 1 to {columns}"
    )]
    UnknownColumnNumber {
        /// The name as given.
        name: String,
        /// How many columns the file has.
        columns: usize,
    },
    /// A condition that does not parse.
    #[error("invalid condition {text:?}: expected {expected}")]
    BadCondition {
        /// The text as given.
        text: String,
        /// The syntax.
        expected: &'static str,
    },
    /// An assignment that does not parse.
    #[error("invalid assignment {text:?}: expected {expected}")]
    BadAssignment {
        /// The text as given.
        text: String,
        /// The syntax.
        expected: &'static str,
    },
    /// A row with the wrong number of fields (an error only when asked to be strict).
    #[error(
        "{} (at byte {offset}) has {fields} field{}, expected {expected}",
        if *record == 0 { "the header".to_string() } else { format!("row {record}") },
        if *fields == 1 { "" } else { "s" }
    )]
    RaggedRow {
        /// 1-based data row number (the header is record 0).
        record: u64,
        /// Offset of its first byte.
        offset: u64,
        /// How many fields it has.
        fields: usize,
        /// How many the header (or first record) has.
        expected: usize,
    },
    /// Rows to append that end inside a quoted field.
    #[error("row {row} to append has an unterminated quote ({quote:?} opened and never closed)")]
    UnterminatedQuote {
        /// 1-based position among the rows given.
        row: usize,
        /// The quote character.
        quote: char,
    },
    /// A row to append with the wrong number of fields.
    #[error("row {row} to append has {fields} field{}, expected {expected}", if *fields == 1 { "" } else { "s" })]
    BadRow {
        /// 1-based position among the rows given.
        row: usize,
        /// How many fields it has.
        fields: usize,
        /// How many the file's rows have.
        expected: usize,
    },
    /// Nothing to append.
    #[error("no rows to append")]
    NoRows,
    /// An operation that needs a header row, on a file without one.
    #[error("{op} needs a header row, and the file has none (or --no-header was given)")]
    NoHeader {
        /// The operation.
        op: &'static str,
    },
    /// A column name that the header already has.
    #[error("the header already has a column {name:?}")]
    DuplicateColumn {
        /// The name.
        name: String,
    },
    /// Removing the only column would leave no field.
    #[error("cannot remove {name:?}: it is the only column")]
    OnlyColumn {
        /// The column.
        name: String,
    },
    /// A record longer than a scanner holds.
    #[error(
        "record {record} (at byte {offset}) is longer than {limit} bytes, the limit for one record"
    )]
    RecordTooLong {
        /// Its number (1-based data row; 0 is the header).
        record: u64,
        /// Offset of its first byte.
        offset: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// Row 0 was asked for (rows are 1-based).
    #[error("row numbers start at 1, got 0")]
    RowZero,
    /// A row range whose start comes after its end.
    #[error("row range {start}:{end} is reversed")]
    ReversedRows {
        /// First row.
        start: u64,
        /// Last row.
        end: u64,
    },
    /// A row past the last one.
    #[error("row {row} is past the end: the file has {rows} rows")]
    RowPastEnd {
        /// The row asked for.
        row: u64,
        /// How many data rows the file has.
        rows: u64,
    },
    /// A row counted from the end (`-N`) before the first data row.
    #[error("row -{from_end} is before the first row: the file has {rows} rows")]
    RowBeforeStart {
        /// The row asked for, counted from the end (1 is the last).
        from_end: u64,
        /// How many data rows the file has.
        rows: u64,
    },
    /// A delimiter and quote that cannot work together.
    #[error(
        "unusable dialect: delimiter {:?} and quote {:?} must differ and not be a line ending",
        char::from(*delimiter), char::from(*quote)
    )]
    BadDialect {
        /// The delimiter.
        delimiter: u8,
        /// The quote.
        quote: u8,
    },
}
