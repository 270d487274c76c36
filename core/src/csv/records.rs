//! [`RecordScanner`]: a push-based scanner on csv-core that reports each record's byte range
//! and unescaped fields, and [`field_spans`], which finds the raw byte range of every field.
//!
//! ADVICE FOR HACKERS: csv-core discards record terminators (`\r`, `\n`, `\r\n`) and blank
//! lines between records without telling where. This scanner skips them itself, so csv-core
//! only ever sees record bytes, and a record's range is exact: from its first byte to the end
//! of its own terminator. A record that ended at `\r` is held until the next byte says whether
//! a `\n` belongs to it, so results never depend on where a chunk ends. csv-core's own BOM
//! stripping only works when the BOM lies in one chunk; it is disabled and done here instead.

use std::ops::Range;

use csv_core::{ReadFieldResult, ReadRecordResult, Reader, ReaderBuilder};

use super::structural::{Found, Halt, Walk};
use super::{CsvError, Dialect};
use crate::error::EditError;
use crate::scan::Flow;

/// The UTF-8 byte order mark, skipped at the start of a file.
pub(crate) const BOM: &[u8] = b"\xef\xbb\xbf";

/// The longest record a scanner holds in memory (64 MiB); a longer one is an error.
pub const RECORD_LIMIT: usize = crate::find::DEFAULT_LINE_LIMIT;

/// A csv-core reader for `dialect` that never strips a BOM by itself.
pub(crate) fn reader(dialect: &Dialect) -> Reader {
    let mut rdr = ReaderBuilder::new().delimiter(dialect.delimiter).quote(dialect.quote).build();
    // An empty output buffer makes csv-core return before reading, but after it has noted that
    // it started (which turns its BOM check off). The one-byte input is not consumed.
    let _ = rdr.read_record(b"x", &mut [], &mut [0]);
    rdr
}

/// One record as a [`RecordScanner`] saw it.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    number: u64,
    start: u64,
    content_end: u64,
    end: u64,
    fields: &'a [u8],
    ends: &'a [usize],
    /// Whether `fields` is the record's content as stored, delimiters included (a record
    /// without quotes, split without csv-core).
    stored: bool,
    raw: Option<&'a [u8]>,
    /// Where each field ends in the content, quotes included, when the scanner knows it
    /// (empty otherwise).
    raw_ends: &'a [usize],
}

impl<'a> Record<'a> {
    /// The record's number: the scanner's first number plus the records before it.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Bytes of the record including its terminator (`\n`, `\r\n` or `\r`, none at the end of
    /// the file). Blank lines after it are not part of it.
    pub fn range(&self) -> Range<u64> {
        self.start..self.end
    }

    /// Bytes of the record without its terminator.
    pub fn content(&self) -> Range<u64> {
        self.start..self.content_end
    }

    /// How many fields the record has (at least 1).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no fields (never true for a record a scanner reports).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i` (0-based), unescaped, or `None` past the last field.
    pub fn field(&self, i: usize) -> Option<&'a [u8]> {
        let end = *self.ends.get(i)?;
        self.fields.get(self.field_start(i)..end)
    }

    /// Where field `i` starts in `fields` (`i` is below `len`).
    fn field_start(&self, i: usize) -> usize {
        match i {
            0 => 0,
            _ => self.ends[i - 1] + usize::from(self.stored),
        }
    }

    /// The unescaped fields, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).filter_map(|i| self.field(i))
    }

    /// The record's bytes as stored, terminator included, when the scanner keeps them
    /// ([`RecordScanner::keep_raw`]).
    pub fn raw(&self) -> Option<&'a [u8]> {
        self.raw
    }

    /// Whether no field is quoted, so the raw field ranges follow from the unescaped ones.
    pub fn is_plain(&self) -> bool {
        let raw_len = self.content_end - self.start;
        self.stored || raw_len == (self.fields.len() + self.len().saturating_sub(1)) as u64
    }

    /// The source byte range of field `i` (quotes included) when the record
    /// [is plain](Record::is_plain); `None` otherwise or past the last field.
    pub fn plain_span(&self, i: usize) -> Option<Range<u64>> {
        if !self.is_plain() || i >= self.len() {
            return None;
        }
        // Unescaped fields leave out the delimiters: field i starts i bytes further on.
        let base = self.start + if self.stored { 0 } else { i as u64 };
        Some(base + self.field_start(i) as u64..base + self.ends[i] as u64)
    }

    /// The source byte range of field `i` (quotes included) when the scanner knows it without
    /// parsing the record again: a [plain](Record::is_plain) record's, or a quoted record's
    /// that the structural classifier split. `None` otherwise (a record csv-core read) or past
    /// the last field; [`field_spans`] finds it then.
    pub fn span(&self, i: usize) -> Option<Range<u64>> {
        if let Some(span) = self.plain_span(i) {
            return Some(span);
        }
        let end = *self.raw_ends.get(i)?;
        let start = if i == 0 { 0 } else { self.raw_ends[i - 1] + 1 };
        Some(self.start + start as u64..self.start + end as u64)
    }
}

/// Where the scanner is between two bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a record: terminators and blank lines are skipped.
    Between,
    /// Inside a record that csv-core is parsing.
    InRecord,
    /// A record ended at `\r`; a `\n` next belongs to it.
    AfterCr,
}

/// A push-based scanner of CSV records: feed it consecutive chunks, it calls back once per
/// record with the record's byte range and fields.
///
/// Memory is the longest record (up to [`RECORD_LIMIT`]). Blank lines are not records (as in
/// csv-core); `\r`, `\n` and `\r\n` all end a record outside quotes.
///
/// # Example
///
/// ```
/// use bigedit_core::csv::{Dialect, RecordScanner};
///
/// let mut scanner = RecordScanner::new(&Dialect::default());
/// let mut seen = Vec::new();
/// let mut each = |r: &bigedit_core::csv::Record<'_>| {
///     seen.push((r.range(), r.iter().map(|f| f.to_vec()).collect::<Vec<_>>()));
///     Ok(bigedit_core::Flow::Continue)
/// };
/// let text = b"a,\"b\r\nc\"\r\n\nd,e";
/// for (i, chunk) in text.chunks(3).enumerate() {
///     scanner.feed((i * 3) as u64, chunk, &mut each).unwrap();
/// }
/// scanner.finish(&mut each).unwrap();
/// assert_eq!(seen[0], (0..10, vec![b"a".to_vec(), b"b\r\nc".to_vec()]));
/// assert_eq!(seen[1], (11..14, vec![b"d".to_vec(), b"e".to_vec()]));
/// ```
#[derive(Debug, Clone)]
pub struct RecordScanner {
    rdr: Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    nout: usize,
    nend: usize,
    state: State,
    /// Offset of the next byte expected.
    pos: u64,
    start: u64,
    content_end: u64,
    number: u64,
    /// Bytes of a BOM matched so far at offset 0; `None` once decided.
    bom: Option<usize>,
    keep_raw: bool,
    raw: Vec<u8>,
    limit: usize,
    bounds_only: bool,
    delimiter: u8,
    quote: u8,
    /// The structural classifier, when on ([`RecordScanner::classify`]).
    walk: Option<Walk>,
}

impl RecordScanner {
    /// A scanner for a whole document, numbering records from 0. A UTF-8 BOM at offset 0 is
    /// skipped.
    pub fn new(dialect: &Dialect) -> Self {
        RecordScanner {
            rdr: reader(dialect),
            out: vec![0; 1024],
            ends: vec![0; 32],
            nout: 0,
            nend: 0,
            state: State::Between,
            pos: 0,
            start: 0,
            content_end: 0,
            number: 0,
            bom: Some(0),
            keep_raw: false,
            raw: Vec::new(),
            limit: RECORD_LIMIT,
            bounds_only: false,
            delimiter: dialect.delimiter,
            quote: dialect.quote,
            walk: Some(Walk::new(dialect.quote, dialect.delimiter)),
        }
    }

    /// Whether records that lie whole in a chunk are split by the structural classifier
    /// (bitmasks of 64-byte blocks, the default) or all go through csv-core, byte by byte:
    /// the reference the classifier is tested against. Both give the same records.
    pub fn classify(mut self, yes: bool) -> Self {
        self.walk = yes.then(|| Walk::new(self.quote, self.delimiter));
        self
    }

    /// A scanner for the part of a document that starts at `offset` (a record start), whose
    /// first record has number `number`.
    pub fn starting_at(dialect: &Dialect, offset: u64, number: u64) -> Self {
        let mut s = RecordScanner::new(dialect);
        s.pos = offset;
        s.number = number;
        if offset > 0 {
            s.bom = None;
        }
        s
    }

    /// Keeps each record's bytes as stored, for [`Record::raw`] (costs a copy of every byte).
    pub fn keep_raw(mut self, yes: bool) -> Self {
        self.keep_raw = yes;
        self
    }

    /// Tracks record boundaries only: field bytes are dropped as they are read, so a record
    /// of any length costs no memory (and [`RECORD_LIMIT`] does not apply). The records
    /// reported then have no fields.
    pub fn bounds_only(mut self, yes: bool) -> Self {
        self.bounds_only = yes;
        self
    }

    /// Whether the bytes fed so far end inside a record, after its first byte and before its
    /// terminator (a newline inside quotes leaves the scanner inside the record).
    pub fn in_record(&self) -> bool {
        self.state == State::InRecord
    }

    /// The number the next record to begin will get: records whose first byte was fed are
    /// counted, finished or not.
    pub fn next_record(&self) -> u64 {
        self.number + u64::from(self.state != State::Between)
    }

    /// Sets the longest record allowed, in bytes of unescaped fields.
    pub fn limit(mut self, bytes: usize) -> Self {
        self.limit = bytes.max(1);
        self
    }

    /// Where the next byte is expected.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Takes the bytes that start at `offset` (directly after the previous chunk) and calls
    /// `each` for every record they complete, until it returns [`Flow::Stop`].
    ///
    /// # Errors
    ///
    /// [`CsvError::RecordTooLong`], or `each`'s error.
    pub fn feed<F>(&mut self, offset: u64, chunk: &[u8], each: &mut F) -> Result<Flow, EditError>
    where
        F: FnMut(&Record<'_>) -> Result<Flow, EditError>,
    {
        debug_assert_eq!(offset, self.pos);
        let (mut offset, mut chunk) = (offset, chunk);
        if let Some(matched) = self.bom {
            let n = chunk.len().min(BOM.len() - matched);
            if chunk[..n] == BOM[matched..matched + n] {
                // Still a BOM prefix: skip it (it belongs to no record).
                self.bom = if matched + n == BOM.len() { None } else { Some(matched + n) };
                offset += n as u64;
                chunk = &chunk[n..];
                self.pos = offset;
            } else {
                // Not a BOM: the bytes held back are data.
                self.bom = None;
                if matched > 0 && self.feed_bytes(0, &BOM[..matched], each)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
        }
        self.feed_bytes(offset, chunk, each)
    }

    fn feed_bytes<F>(&mut self, offset: u64, chunk: &[u8], each: &mut F) -> Result<Flow, EditError>
    where
        F: FnMut(&Record<'_>) -> Result<Flow, EditError>,
    {
        let mut i = 0;
        while i < chunk.len() {
            match self.state {
                State::AfterCr => {
                    let mut end = offset + i as u64;
                    if chunk[i] == b'\n' {
                        if self.keep_raw {
                            self.raw.push(b'\n');
                        }
                        i += 1;
                        end += 1;
                    }
                    self.state = State::Between;
                    if self.emit(end, each)? == Flow::Stop {
                        self.pos = offset + i as u64;
                        return Ok(Flow::Stop);
                    }
                }
                State::Between => {
                    while i < chunk.len() && matches!(chunk[i], b'\r' | b'\n') {
                        i += 1;
                    }
                    if i < chunk.len() {
                        self.start = offset + i as u64;
                        if let Some((used, halt)) =
                            self.walk(offset + i as u64, &chunk[i..], each)?
                        {
                            i += used;
                            self.pos = offset + i as u64;
                            if halt == Halt::Stop {
                                return Ok(Flow::Stop);
                            }
                            // The walk stopped at a record start: that record is read below.
                            while i < chunk.len() && matches!(chunk[i], b'\r' | b'\n') {
                                i += 1;
                            }
                            if i == chunk.len() {
                                break;
                            }
                            self.start = offset + i as u64;
                        }
                        match self.plain_record(&chunk[i..]) {
                            Some((content, len)) => {
                                i += len;
                                self.pos = offset + i as u64;
                                let raw = &chunk[i - len..i];
                                if self.emit_stored(content, raw, each)? == Flow::Stop {
                                    return Ok(Flow::Stop);
                                }
                            }
                            None => self.state = State::InRecord,
                        }
                    }
                }
                State::InRecord => {
                    let (res, nin, nout, nend) = self.rdr.read_record(
                        &chunk[i..],
                        &mut self.out[self.nout..],
                        &mut self.ends[self.nend..],
                    );
                    if self.keep_raw {
                        self.raw.extend_from_slice(&chunk[i..i + nin]);
                    }
                    i += nin;
                    self.nout += nout;
                    self.nend += nend;
                    match res {
                        ReadRecordResult::InputEmpty | ReadRecordResult::End => {}
                        ReadRecordResult::OutputFull if self.bounds_only => self.nout = 0,
                        ReadRecordResult::OutputEndsFull if self.bounds_only => self.nend = 0,
                        ReadRecordResult::OutputFull => self.grow_output()?,
                        ReadRecordResult::OutputEndsFull => self.grow_ends(),
                        ReadRecordResult::Record => {
                            // csv-core consumed the terminator byte that ended the record.
                            self.content_end = offset + i as u64 - 1;
                            if chunk[i - 1] == b'\r' {
                                self.state = State::AfterCr;
                            } else {
                                self.state = State::Between;
                                if self.emit(offset + i as u64, each)? == Flow::Stop {
                                    self.pos = offset + i as u64;
                                    return Ok(Flow::Stop);
                                }
                            }
                        }
                    }
                }
            }
        }
        self.pos = offset + chunk.len() as u64;
        Ok(Flow::Continue)
    }

    /// Ends the input: reports the last record if it had no terminator (or ended at `\r`).
    ///
    /// # Errors
    ///
    /// As [`RecordScanner::feed`].
    pub fn finish<F>(&mut self, each: &mut F) -> Result<Flow, EditError>
    where
        F: FnMut(&Record<'_>) -> Result<Flow, EditError>,
    {
        if let Some(matched) = self.bom.take() {
            if matched > 0 {
                self.pos = 0;
                if self.feed_bytes(0, &BOM[..matched], each)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
        }
        match self.state {
            State::Between => Ok(Flow::Continue),
            State::AfterCr => {
                self.state = State::Between;
                self.emit(self.content_end + 1, each)
            }
            State::InRecord => loop {
                let (res, _, _, nend) = self.rdr.read_record(
                    &[],
                    &mut self.out[self.nout..],
                    &mut self.ends[self.nend..],
                );
                self.nend += nend;
                match res {
                    ReadRecordResult::OutputEndsFull => self.grow_ends(),
                    ReadRecordResult::Record => {
                        self.state = State::Between;
                        self.content_end = self.pos;
                        return self.emit(self.pos, each);
                    }
                    _ => {
                        self.state = State::Between;
                        return Ok(Flow::Continue);
                    }
                }
            },
        }
    }

    /// Runs the structural classifier over `rest` (at `offset`, a record start) when it is on:
    /// reports the records it finds, and returns how many bytes it used and why it halted.
    fn walk<F>(
        &mut self,
        offset: u64,
        rest: &[u8],
        each: &mut F,
    ) -> Result<Option<(usize, Halt)>, EditError>
    where
        F: FnMut(&Record<'_>) -> Result<Flow, EditError>,
    {
        let Some(walk) = self.walk.as_mut() else { return Ok(None) };
        let (number, keep_raw) = (&mut self.number, self.keep_raw);
        // A record longer than the limit takes the byte-by-byte path, which reports it.
        let limit = if self.bounds_only { usize::MAX } else { self.limit };
        let mut found = |f: &Found<'_>| {
            let record = Record {
                number: *number,
                start: offset + f.start as u64,
                content_end: offset + f.content_end as u64,
                end: offset + f.end as u64,
                fields: f.fields,
                ends: f.ends,
                stored: f.stored,
                raw: keep_raw.then(|| &rest[f.start..f.end]),
                raw_ends: f.raw_ends,
            };
            let flow = each(&record);
            *number += 1;
            flow
        };
        walk.records(rest, limit, self.bounds_only, &mut found).map(Some)
    }

    /// If `rest` (which starts a record) holds the whole record with no quote character before
    /// its terminator, the length of its content and of the record with its terminator.
    ///
    /// Such a record is split at its delimiters exactly as csv-core would, so the slow path
    /// is skipped. A `\r` as the last byte of `rest` is left to the slow path, which waits
    /// for the next chunk to see whether a `\n` follows.
    fn plain_record(&self, rest: &[u8]) -> Option<(usize, usize)> {
        let k = memchr::memchr3(b'\n', b'\r', self.quote, rest)?;
        match rest[k] {
            b'\n' => Some((k, k + 1)),
            b'\r' if k + 1 < rest.len() => Some((k, k + 1 + usize::from(rest[k + 1] == b'\n'))),
            _ => None,
        }
    }

    /// Reports a record found by [`plain_record`](Self::plain_record): `raw` is the record
    /// with its terminator, and its first `content` bytes are the fields.
    fn emit_stored<F>(
        &mut self,
        content: usize,
        raw: &[u8],
        each: &mut F,
    ) -> Result<Flow, EditError>
    where
        F: FnMut(&Record<'_>) -> Result<Flow, EditError>,
    {
        let fields = &raw[..content];
        if !self.bounds_only && fields.len() > self.limit {
            return Err(CsvError::RecordTooLong {
                record: self.number,
                offset: self.start,
                limit: self.limit,
            }
            .into());
        }
        let mut n = 0;
        for end in memchr::memchr_iter(self.delimiter, fields).chain([fields.len()]) {
            if n == self.ends.len() {
                self.grow_ends();
            }
            self.ends[n] = end;
            n += 1;
        }
        let record = Record {
            number: self.number,
            start: self.start,
            content_end: self.start + content as u64,
            end: self.start + raw.len() as u64,
            fields,
            ends: &self.ends[..n],
            stored: true,
            raw: if self.keep_raw { Some(raw) } else { None },
            raw_ends: &[],
        };
        let flow = each(&record);
        self.number += 1;
        flow
    }

    fn emit<F>(&mut self, end: u64, each: &mut F) -> Result<Flow, EditError>
    where
        F: FnMut(&Record<'_>) -> Result<Flow, EditError>,
    {
        if self.bounds_only {
            self.nout = 0;
            self.nend = 0;
        }
        let record = Record {
            number: self.number,
            start: self.start,
            content_end: self.content_end,
            end,
            fields: &self.out[..self.nout],
            ends: &self.ends[..self.nend],
            stored: false,
            raw: if self.keep_raw { Some(&self.raw) } else { None },
            raw_ends: &[],
        };
        let flow = each(&record);
        self.number += 1;
        self.nout = 0;
        self.nend = 0;
        self.raw.clear();
        flow
    }

    fn grow_output(&mut self) -> Result<(), EditError> {
        if self.out.len() >= self.limit {
            return Err(CsvError::RecordTooLong {
                record: self.number,
                offset: self.start,
                limit: self.limit,
            }
            .into());
        }
        let len = (self.out.len() * 2).min(self.limit);
        self.out.resize(len, 0);
        Ok(())
    }

    fn grow_ends(&mut self) {
        let len = self.ends.len() * 2;
        self.ends.resize(len, 0);
    }
}

/// The byte range of every field of one record's content (`raw`, without terminator), quotes
/// included, relative to `raw`. Shorthand for [`FieldFinder::spans`].
///
/// # Example
///
/// ```
/// use bigedit_core::csv::{field_spans, Dialect};
///
/// assert_eq!(field_spans(b"a,\"b,c\",", &Dialect::default()), [0..1, 2..7, 8..8]);
/// ```
pub fn field_spans(raw: &[u8], dialect: &Dialect) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    FieldFinder::new(dialect).spans(raw, &mut spans);
    spans
}

/// Finds the raw byte range of each field of a record, reusing one csv-core reader (building
/// one costs far more than parsing a short record).
#[derive(Debug, Clone)]
pub struct FieldFinder {
    rdr: Reader,
    scratch: Vec<u8>,
}

impl FieldFinder {
    /// A finder for `dialect`.
    pub fn new(dialect: &Dialect) -> Self {
        FieldFinder { rdr: reader(dialect), scratch: Vec::new() }
    }

    /// Replaces `spans` with the range of each field of `raw` (one record without its
    /// terminator), quotes included. Runs in O(raw).
    pub fn spans(&mut self, raw: &[u8], spans: &mut Vec<Range<usize>>) {
        spans.clear();
        if raw.is_empty() {
            spans.push(0..0);
            return;
        }
        self.rdr.reset();
        // Turn csv-core's BOM check off again (see `reader`).
        let _ = self.rdr.read_record(b"x", &mut [], &mut [0]);
        if self.scratch.len() < raw.len() + 1 {
            self.scratch.resize(raw.len() + 1, 0);
        }
        let (mut pos, mut start) = (0, 0);
        loop {
            let input = if pos < raw.len() { &raw[pos..] } else { &[][..] };
            let (res, nin, _) = self.rdr.read_field(input, &mut self.scratch);
            pos += nin;
            match res {
                ReadFieldResult::Field { record_end: true } => {
                    spans.push(start..pos.min(raw.len()));
                    return;
                }
                ReadFieldResult::Field { record_end: false } => {
                    // The delimiter was consumed.
                    spans.push(start..pos - 1);
                    start = pos;
                }
                ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull if nin > 0 => {}
                ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull if pos < raw.len() => {
                    // No progress with input left cannot happen with a large enough scratch
                    // buffer; stop rather than loop.
                    spans.push(start..raw.len());
                    return;
                }
                ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull => {}
                ReadFieldResult::End => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::testing::SIZES;

    type Seen = Vec<(Range<u64>, Vec<Vec<u8>>, Option<Vec<u8>>)>;

    fn scan(text: &[u8], size: usize, raw: bool) -> Seen {
        let mut s = RecordScanner::new(&Dialect::default()).keep_raw(raw);
        let mut seen = Vec::new();
        let mut each = |r: &Record<'_>| {
            assert_eq!(r.number(), seen.len() as u64);
            seen.push((
                r.range(),
                r.iter().map(<[u8]>::to_vec).collect(),
                r.raw().map(<[u8]>::to_vec),
            ));
            Ok(Flow::Continue)
        };
        let size = size.min(text.len()).max(1);
        for (i, c) in text.chunks(size).enumerate() {
            s.feed((i * size) as u64, c, &mut each).unwrap();
        }
        s.finish(&mut each).unwrap();
        seen
    }

    #[test]
    fn ranges_and_fields_do_not_depend_on_chunk_size() {
        let cases: &[&[u8]] = &[
            b"a,b\r\n\"x\r\ny\",\"q\"\"q\"\r\n\r\n\nlast,\n",
            b"\xef\xbb\xbfh1,h2\nv1,v2",
            b"\xef\xbbnot a bom\n",
            b"\r\r\na\rb\r",
            b"",
            b"\"unterminated,\nquote",
            // Records without quotes take the fast path when they lie in one chunk.
            b"x,y\"z,\n1,,3\r\n,\r\"q\",w\nlast,,\r",
        ];
        for text in cases {
            let whole = scan(text, usize::MAX, true);
            for size in SIZES {
                assert_eq!(scan(text, size, true), whole, "{:?} at {size}", text.escape_ascii());
            }
            for (range, _, raw) in &whole {
                assert_eq!(raw.as_deref(), Some(&text[range.start as usize..range.end as usize]));
            }
        }
        let seen = scan(cases[0], 1, false);
        assert_eq!(seen.iter().map(|s| s.0.clone()).collect::<Vec<_>>(), [0..5, 5..20, 23..29]);
        assert_eq!(seen[1].1, [b"x\r\ny".to_vec(), b"q\"q".to_vec()]);
        assert_eq!(scan(cases[1], 1, false)[0].0, 3..9);
        assert_eq!(scan(cases[2], 2, false)[0].1, [b"\xef\xbbnot a bom".to_vec()]);
        assert_eq!(
            scan(cases[3], 1, false).iter().map(|s| s.0.clone()).collect::<Vec<_>>(),
            [3..5, 5..7]
        );
    }

    #[test]
    fn plain_spans_and_field_spans_agree() {
        let text = b"ab,,c\n\"q\",d\n";
        let d = Dialect::default();
        let mut s = RecordScanner::new(&d);
        let mut spans = Vec::new();
        let mut each = |r: &Record<'_>| {
            spans.push((r.is_plain(), (0..r.len()).map(|i| r.plain_span(i)).collect::<Vec<_>>()));
            Ok(Flow::Continue)
        };
        s.feed(0, text, &mut each).unwrap();
        s.finish(&mut each).unwrap();
        assert_eq!(spans[0], (true, vec![Some(0..2), Some(3..3), Some(4..5)]));
        assert!(!spans[1].0);
        assert_eq!(field_spans(b"ab,,c", &d), [0..2, 3..3, 4..5]);
        assert_eq!(field_spans(b"\"q\",d", &d), [0..3, 4..5]);
        assert_eq!(field_spans(b"\"a\"\"\"", &d), vec![(0..5)]);
        assert_eq!(field_spans(b"", &d), vec![(0..0)]);
    }

    #[test]
    fn a_record_longer_than_the_limit_is_an_error() {
        let mut s = RecordScanner::new(&Dialect::default()).limit(4096);
        let big = vec![b'x'; 10_000];
        let err = s.feed(0, &big, &mut |_: &Record<'_>| Ok(Flow::Continue)).unwrap_err();
        assert!(matches!(
            err,
            EditError::Csv(CsvError::RecordTooLong { record: 0, offset: 0, .. })
        ));
    }
}
