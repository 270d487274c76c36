//! Errors of the core: [`EditError`] for everything that is wrong with a request, and
//! [`Error`] which adds the failure of the host's source.

use std::ops::Range;

/// What is wrong with an edit or a query, with the position involved.
///
/// Every message names the offending line, byte offset or edit, in lowercase, on one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// A 1-based line number that the document does not have.
    #[error("line {line} is past the end: the document has {lines} line{}", if *lines == 1 { "" } else { "s" })]
    LinePastEnd {
        /// The requested line (1-based).
        line: u64,
        /// How many lines the document has.
        lines: u64,
    },
    /// A line counted from the end (`-N`) before the first line.
    #[error("line -{from_end} is before the first line: the document has {lines} line{}", if *lines == 1 { "" } else { "s" })]
    LineBeforeStart {
        /// The requested line, counted from the end (1 is the last).
        from_end: u64,
        /// How many lines the document has.
        lines: u64,
    },
    /// Line numbers are 1-based; 0 was given where a line was meant.
    #[error("line numbers start at 1, got 0")]
    LineZero,
    /// A line range whose start comes after its end.
    #[error("line range {start}:{end} is reversed")]
    ReversedLines {
        /// First line of the range.
        start: u64,
        /// Last line of the range.
        end: u64,
    },
    /// A byte range that reaches past the end of the document.
    #[error("byte range {start}:{end} is past the end: the document has {len} bytes")]
    BytesPastEnd {
        /// Start of the range.
        start: u64,
        /// End of the range (exclusive).
        end: u64,
        /// Length of the document.
        len: u64,
    },
    /// A byte range whose start comes after its end.
    #[error("byte range {start}:{end} is reversed")]
    ReversedBytes {
        /// Start of the range.
        start: u64,
        /// End of the range.
        end: u64,
    },
    /// Two edits of one patch change overlapping bytes.
    #[error(
        "edit {second} (bytes {}:{}) overlaps edit {first} (bytes {}:{})",
        second_range.start, second_range.end, first_range.start, first_range.end
    )]
    Overlap {
        /// Index of the earlier edit, in the order the edits were given (0-based).
        first: usize,
        /// Its byte range in source coordinates.
        first_range: Range<u64>,
        /// Index of the later edit (0-based).
        second: usize,
        /// Its byte range in source coordinates.
        second_range: Range<u64>,
    },
    /// A range written in the command-line vocabulary (`N`, `A:B`, `A:`, `:B`) that does not parse.
    #[error("invalid {what} {text:?}: expected {expected}")]
    BadRange {
        /// "line range" or "byte range".
        what: &'static str,
        /// The text as given.
        text: String,
        /// What the syntax is.
        expected: &'static str,
    },
    /// A regular expression that does not compile.
    #[error("invalid regex {pattern:?}: {message}")]
    BadRegex {
        /// The pattern as given.
        pattern: String,
        /// What the regex engine said, on one line.
        message: String,
    },
    /// A replacement that refers to a group the regex does not have.
    #[error(
        "the replacement refers to group {group:?}, which the regex does not have (it has \
         {groups} group(s), numbered from 1{names}); write ${{1}}x for group 1 then x"
    )]
    NoSuchGroup {
        /// The group as written (`1x` for `$1x`).
        group: String,
        /// How many groups the regex has, not counting the whole match.
        groups: usize,
        /// Its named groups, as ", named a, b" (empty when none).
        names: String,
    },
    /// An empty search pattern.
    #[error("the search pattern is empty")]
    EmptyPattern,
    /// A line longer than a line-by-line scanner is allowed to hold.
    #[error("line {line} (at byte {offset}) is longer than {limit} bytes, the limit for line-by-line scans")]
    LineTooLong {
        /// The line (1-based).
        line: u64,
        /// Offset of its first byte.
        offset: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// Serialized index bytes that cannot be decoded.
    #[error("corrupt line index: {0}")]
    CorruptIndex(&'static str),
    /// Two edits of an edit list touch the same bytes.
    #[error("edits[{second}] ({second_op}) overlaps edits[{first}] ({first_op})")]
    EditsOverlap {
        /// 0-based position of the earlier edit in the list.
        first: usize,
        /// Its description, e.g. `replace-lines 10:12`.
        first_op: String,
        /// 0-based position of the later edit.
        second: usize,
        /// Its description.
        second_op: String,
    },
    /// An edit list (`apply`) entry that cannot be used.
    #[error("edits[{index}] ({op}): {message}")]
    BadEdit {
        /// 0-based position in the list.
        index: usize,
        /// The operation name.
        op: String,
        /// What is wrong.
        message: String,
    },
    /// A chunk size too small to hold any UTF-8 character.
    #[error("the largest chunk must be at least 4 bytes (one UTF-8 character), got {max_bytes}")]
    ChunkTooSmall {
        /// The size asked for.
        max_bytes: u64,
    },
    /// A Markdown request that does not fit the document (unknown heading path, ...).
    #[error(transparent)]
    Markdown(#[from] crate::markdown::MarkdownError),
    /// A CSV request that does not fit the file (unknown column, bad condition, ...).
    #[error(transparent)]
    Csv(#[from] crate::csv::CsvError),
    /// The bytes an edit replaces are not the ones the caller read (optimistic concurrency).
    #[error("bytes {start}:{end} changed since version {expected} was read (now {actual})")]
    Stale {
        /// Start of the region.
        start: u64,
        /// End of the region.
        end: u64,
        /// The version the caller expected.
        expected: crate::Version,
        /// The version the bytes have now.
        actual: crate::Version,
    },
    /// A line operation was planned without the document's line index (a host bug).
    #[error("{op} needs the line index of the document")]
    IndexRequired {
        /// The operation.
        op: &'static str,
    },
    /// A patch with more distinct inserted texts than it can address (over 2^32).
    #[error("the edit inserts more than {limit} distinct texts")]
    PatchTooLarge {
        /// The most distinct inserted texts a patch holds.
        limit: u64,
    },
    /// A source that returned fewer bytes than its length promised.
    #[error("the source ended early at byte {offset}: it was expected to hold {len} bytes")]
    ShortRead {
        /// Where reading stopped.
        offset: u64,
        /// The length the source reported.
        len: u64,
    },
}

/// An [`EditError`], or the host's source failing while it was read.
///
/// `E` is the source's error type ([`std::convert::Infallible`] for memory).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E> {
    /// The request is wrong (see [`EditError`]).
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The source failed while reading at `offset`.
    #[error("read failed at byte {offset}: {source}")]
    Read {
        /// Where the failed read started.
        offset: u64,
        /// The source's error.
        source: E,
    },
}

impl<E> Error<E> {
    /// Wraps a source error that happened while reading at `offset`.
    pub fn read(offset: u64, source: E) -> Self {
        Error::Read { offset, source }
    }
}

impl<E> From<crate::markdown::MarkdownError> for Error<E> {
    fn from(e: crate::markdown::MarkdownError) -> Self {
        Error::Edit(e.into())
    }
}

impl<E> From<crate::csv::CsvError> for Error<E> {
    fn from(e: crate::csv::CsvError) -> Self {
        Error::Edit(e.into())
    }
}

impl Error<std::convert::Infallible> {
    /// Turns an error of an infallible source into the plain [`EditError`].
    pub fn into_edit(self) -> EditError {
        match self {
            Error::Edit(e) => e,
            Error::Read { source, .. } => match source {},
        }
    }
}
