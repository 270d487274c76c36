//! Semantic chunks for language models: a document cut into pieces of at most `max_bytes`
//! at the best boundary available, in one streaming pass.
//!
//! # Boundaries
//!
//! A chunk may end only at a **candidate**, each of a level, best first:
//!
//! | level | where | formats |
//! |---|---|---|
//! | [`Boundary::Section`] | the start of a top-level heading | Markdown |
//! | [`Boundary::Blank`] | the start of a line after a blank line (only spaces and tabs) | Markdown, text |
//! | [`Boundary::Record`] | the start of a record | CSV |
//! | [`Boundary::Line`] | the start of any other line (CSV: a line between records) | all |
//! | [`Boundary::Char`] | any UTF-8 character boundary (forced: no candidate fits) | all |
//!
//! **Spans** are kept whole when they fit: a fenced or indented code block, an HTML block,
//! front matter, a setext heading's lines (Markdown), a record with newlines inside quotes
//! (CSV). A line start inside a span is a candidate only when the chunk starts inside the
//! span or at its start, so a span that starts after the chunk start and does not fit in
//! what is left starts the next chunk, and a span larger than `max_bytes` is cut at its lines.
//!
//! # The rule
//!
//! For a chunk that starts at `s`, the window is `s+1 ..= s+max_bytes`. Among the candidates
//! in the window, the chunk ends at the last candidate of the best level whose last candidate
//! leaves a chunk of at least `max_bytes / 2`; when no level does, at the last candidate of
//! any level (a small chunk rather than a cut inside a span); when there is no candidate, at
//! the last character boundary (three continuation bytes at most are backed over; bytes that
//! are not UTF-8 are cut anywhere). The last chunk ends at the end of the document
//! ([`Boundary::End`]). So chunks are contiguous, cover the document exactly, and each holds
//! at most `max_bytes`; an empty document has no chunk.
//!
//! A setext heading (`Title` underlined with `===`) is known at its underline: it counts as a
//! section boundary, and as the section of a chunk that starts in its text, only in a window
//! that reaches the start of its underline. Heading paths therefore agree with
//! [`markdown::outline`](crate::markdown::outline) except for a chunk that starts inside the
//! text of a setext heading longer than `max_bytes`.
//!
//! # CSV records
//!
//! [`Chunk::records`] lists the data rows a chunk overlaps, numbered as `csv read` numbers
//! them (from 1, the header excluded). The header record is not a chunk of its own: it is
//! packed into the first chunk like any record (a caller that wants it with every chunk reads
//! it once with [`csv::Header`](crate::csv::Header)). A BOM belongs to the first record.
//!
//! # Memory
//!
//! The scanner holds the bytes of the chunk being built (at most `max_bytes` plus one pushed
//! chunk; for Markdown, plus the current line, which is limited to 64 MiB as in every
//! line-by-line scan) and a few candidates; chunks are handed out as soon as they are cut.
//!
//! ADVICE FOR HACKERS: the result must not depend on how the input is pushed. The model test
//! in `tests/tests/chunks.rs` compares the scanner at push sizes 1 to 7 with a reference that
//! applies the rule above window by window over the whole input.

mod classify;
mod pack;

use std::ops::{Range, RangeInclusive};

use classify::{Csv, Markdown, Text};
use pack::Packer;

use crate::csv::Dialect;
use crate::error::{EditError, Error};
use crate::scan::{Chunker, Flow, Scanner};
use crate::source::ReadAt;

/// How a document is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Markdown: sections, blank lines, code blocks.
    Markdown,
    /// CSV in a dialect: records.
    Csv(Dialect),
    /// Plain text: blank lines and lines.
    Text,
}

/// The kind of boundary a chunk ends at, best first (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Boundary {
    /// A UTF-8 character boundary inside a line: a forced cut.
    Char,
    /// The start of a line.
    Line,
    /// The start of a CSV record.
    Record,
    /// The start of a line after a blank line.
    Blank,
    /// The start of a top-level Markdown heading.
    Section,
    /// The end of the document (the last chunk).
    End,
}

impl Boundary {
    /// `char`, `line`, `record`, `blank-line`, `section` or `end`.
    pub fn as_str(self) -> &'static str {
        match self {
            Boundary::Char => "char",
            Boundary::Line => "line",
            Boundary::Record => "record",
            Boundary::Blank => "blank-line",
            Boundary::Section => "section",
            Boundary::End => "end",
        }
    }
}

/// One chunk of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Its position among the chunks (0-based).
    pub index: u64,
    /// Its bytes (end exclusive). Chunks are contiguous and cover the document.
    pub range: Range<u64>,
    /// The lines it touches (1-based, inclusive): the line of its first byte to the line of
    /// its last byte.
    pub lines: RangeInclusive<u64>,
    /// The boundary it ends at.
    pub boundary: Boundary,
    /// Markdown: the titles of the sections its first byte lies in, outermost first (empty
    /// before the first heading and for other formats).
    pub heading_path: Vec<String>,
    /// CSV: the data rows it overlaps (1-based, the header excluded); `None` when it holds
    /// none, and for other formats.
    pub records: Option<RangeInclusive<u64>>,
    /// Its bytes, when the scanner keeps them ([`ChunkScanner::with_text`]).
    pub text: Option<Vec<u8>>,
}

impl Chunk {
    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        self.range.end - self.range.start
    }

    /// Whether it is empty (never true for a chunk a scanner hands out).
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
}

#[derive(Debug, Clone)]
enum Reader {
    Markdown(Box<Markdown>),
    Csv(Box<Csv>),
    Text(Text),
}

/// Cuts a document pushed in chunks of any size into [`Chunk`]s (see the
/// [module docs](self) for the rule).
///
/// Push every piece in order with [`Scanner::feed`], take the chunks cut so far with
/// [`ChunkScanner::take_chunks`] whenever convenient, and end with [`ChunkScanner::finish`],
/// which cuts the rest.
///
/// # Example
///
/// ```
/// use bigedit_core::chunks::{Boundary, ChunkScanner, Format};
/// use bigedit_core::Scanner;
///
/// let doc = b"# Intro\n\nSome text.\n\n# Install\n\n## Linux\n\napt install x\n";
/// let mut s = ChunkScanner::new(&Format::Markdown, 32).unwrap();
/// for (i, piece) in doc.chunks(5).enumerate() {
///     s.feed(i as u64 * 5, piece).unwrap();
/// }
/// s.finish().unwrap();
/// let chunks = s.take_chunks();
/// let got: Vec<_> = chunks.iter().map(|c| (c.range.clone(), c.boundary, c.heading_path.join(" > "))).collect();
/// assert_eq!(got, [
///     // The last section boundary that fits wins: `# Install` (byte 21) is passed over.
///     (0..32, Boundary::Section, "Intro".to_string()),
///     (32..56, Boundary::End, "Install > Linux".to_string()),
/// ]);
/// ```
#[derive(Debug, Clone)]
pub struct ChunkScanner {
    reader: Reader,
    packer: Packer,
    len: u64,
}

impl ChunkScanner {
    /// A scanner of a document in `format` that starts at offset 0, cutting chunks of at most
    /// `max_bytes`.
    ///
    /// # Errors
    ///
    /// [`EditError::ChunkTooSmall`] when `max_bytes` is below 4 (one UTF-8 character).
    pub fn new(format: &Format, max_bytes: u64) -> Result<Self, EditError> {
        if max_bytes < 4 {
            return Err(EditError::ChunkTooSmall { max_bytes });
        }
        let (reader, base) = match format {
            Format::Markdown => (Reader::Markdown(Box::new(Markdown::new())), None),
            Format::Csv(d) => {
                d.check()?;
                (Reader::Csv(Box::new(Csv::new(d))), Some(u64::from(!d.has_header)))
            }
            Format::Text => (Reader::Text(Text::new()), None),
        };
        Ok(ChunkScanner { reader, packer: Packer::new(max_bytes, base), len: 0 })
    }

    /// Keeps each chunk's bytes in [`Chunk::text`] (a copy of every byte).
    pub fn with_text(mut self, yes: bool) -> Self {
        self.packer.keep_text(yes);
        self
    }

    /// Takes the chunks cut since the last call, in order.
    pub fn take_chunks(&mut self) -> Vec<Chunk> {
        self.packer.take()
    }

    /// Ends the input and cuts the rest of the document.
    ///
    /// # Errors
    ///
    /// A Markdown line longer than the line limit (64 MiB).
    pub fn finish(&mut self) -> Result<(), EditError> {
        let meta = match &mut self.reader {
            Reader::Markdown(m) => m.finish(&mut self.packer)?,
            Reader::Csv(c) => c.finish()?,
            Reader::Text(_) => pack::Meta::default(),
        };
        self.packer.finish(self.len, meta);
        Ok(())
    }
}

impl Scanner for ChunkScanner {
    fn feed(&mut self, offset: u64, chunk: &[u8]) -> Result<Flow, EditError> {
        self.len = offset + chunk.len() as u64;
        self.packer.bytes(offset, chunk);
        match &mut self.reader {
            Reader::Markdown(m) => m.feed(&mut self.packer, offset, chunk)?,
            Reader::Csv(c) => c.feed(&mut self.packer, offset, chunk)?,
            Reader::Text(t) => t.feed(&mut self.packer, offset, chunk),
        }
        Ok(Flow::Continue)
    }
}

/// Cuts `src` into chunks of at most `max_bytes` and calls `each` with every chunk in order,
/// until it returns [`Flow::Stop`]. Returns how many chunks were handed out.
///
/// One pass over the source; memory is bounded by `max_bytes` and the chunk buffer, whatever
/// the document's size. To page through the chunks (skip `k`, return `m`), count in `each`
/// and stop after the last one wanted.
///
/// # Example
///
/// ```
/// use bigedit_core::chunks::{self, Format};
/// use bigedit_core::{Chunker, Flow};
///
/// let src = b"id,city\n1,\"Paris\nFrance\"\n2,Rome\n3,Oslo\n".to_vec();
/// let csv = Format::Csv(bigedit_core::csv::Dialect::default());
/// let mut got = Vec::new();
/// chunks::for_each_chunk(&src, &csv, 24, false, &mut Chunker::new(3), |c| {
///     got.push((c.range, c.records));
///     Flow::Continue
/// })
/// .unwrap();
/// // Row 1 (bytes 8..25) fits in no chunk that starts at 0, so the header is a chunk alone
/// // rather than a cut at the newline inside its quotes.
/// assert_eq!(got, [(0..8, None), (8..32, Some(1..=2)), (32..39, Some(3..=3))]);
/// ```
///
/// # Errors
///
/// [`EditError::ChunkTooSmall`], a bad CSV dialect, a Markdown line over the line limit, or
/// the source's error.
pub fn for_each_chunk<S, F>(
    src: &S,
    format: &Format,
    max_bytes: u64,
    with_text: bool,
    chunker: &mut Chunker,
    mut each: F,
) -> Result<u64, Error<S::Error>>
where
    S: ReadAt + ?Sized,
    F: FnMut(Chunk) -> Flow,
{
    let mut scanner = ChunkScanner::new(format, max_bytes)?.with_text(with_text);
    let mut count = 0;
    let mut flow = Flow::Continue;
    chunker.scan(src, 0..src.len(), &mut |off: u64, chunk: &[u8]| {
        scanner.feed(off, chunk)?;
        flow = hand_out(&mut scanner, &mut each, &mut count);
        Ok(flow)
    })?;
    if flow == Flow::Continue {
        scanner.finish()?;
        hand_out(&mut scanner, &mut each, &mut count);
    }
    Ok(count)
}

/// Hands the chunks cut so far to `each`, counting them, until it says stop.
fn hand_out<F: FnMut(Chunk) -> Flow>(
    scanner: &mut ChunkScanner,
    each: &mut F,
    count: &mut u64,
) -> Flow {
    for c in scanner.take_chunks() {
        *count += 1;
        if each(c) == Flow::Stop {
            return Flow::Stop;
        }
    }
    Flow::Continue
}

#[cfg(test)]
mod tests;
