//! [`Dialect`]: delimiter, quote, line ending and header, detected from a sample of the file
//! or given by the caller.

use csv_core::ReadRecordResult;

use super::records::{reader, BOM};
use super::CsvError;
use crate::error::Error;
use crate::source::{read_range, ReadAt};

/// How many bytes from the start of a file [`Dialect::detect`] looks at.
pub const SAMPLE_BYTES: u64 = 64 * 1024;

/// The delimiters [`Dialect::detect`] chooses from, in order of preference.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The line ending new records get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Newline {
    /// `\n`.
    #[default]
    Lf,
    /// `\r\n`.
    Crlf,
    /// `\r` alone.
    Cr,
}

impl Newline {
    /// The bytes of the ending.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Newline::Lf => b"\n",
            Newline::Crlf => b"\r\n",
            Newline::Cr => b"\r",
        }
    }

    /// `LF`, `CRLF` or `CR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Newline::Lf => "LF",
            Newline::Crlf => "CRLF",
            Newline::Cr => "CR",
        }
    }
}

/// How a CSV file is written: what separates fields, what quotes them, what ends a record,
/// and whether the first record is a header.
///
/// Reading accepts `\n`, `\r\n` and `\r` as terminators whatever `newline` says; `newline` is
/// what new and rewritten records get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// The field delimiter.
    pub delimiter: u8,
    /// The quote byte; a quote inside a quoted field is doubled.
    pub quote: u8,
    /// The line ending of new records.
    pub newline: Newline,
    /// Whether the first record names the columns.
    pub has_header: bool,
}

impl Default for Dialect {
    /// RFC 4180: `,`, `"`, LF (the RFC says CRLF; LF is what most files use), a header.
    fn default() -> Self {
        Dialect { delimiter: b',', quote: b'"', newline: Newline::Lf, has_header: true }
    }
}

/// What the caller already knows about a dialect; [`Dialect::detect`] guesses the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Overrides {
    /// The delimiter.
    pub delimiter: Option<u8>,
    /// The quote byte.
    pub quote: Option<u8>,
    /// Whether the first record is a header.
    pub has_header: Option<bool>,
}

impl Dialect {
    /// Guesses the dialect from the first [`SAMPLE_BYTES`] of `src`, keeping what `overrides`
    /// fixes.
    ///
    /// - delimiter: the one of [`DELIMITERS`] that splits the most sample records into the same
    ///   number of fields (more than one), ties going to the earlier; `,` if none does;
    /// - quote: `'` if the sample has no `"` and some field is wrapped in `'`, else `"`;
    /// - newline: the terminator of the first record, LF if it has none;
    /// - header: the first record's fields are all non-empty, distinct and not numbers.
    ///
    /// Runs in O(sample).
    ///
    /// # Example
    ///
    /// ```
    /// use bigedit_core::csv::{Dialect, Newline, Overrides};
    ///
    /// let src = b"id;city\r\n1;\"Paris; France\"\r\n2;Rome\r\n".to_vec();
    /// let d = Dialect::detect(&src, &Overrides::default()).unwrap();
    /// assert_eq!((d.delimiter, d.quote, d.newline, d.has_header), (b';', b'"', Newline::Crlf, true));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CsvError::BadDialect`] for overrides that cannot work together, or the source's error.
    pub fn detect<S: ReadAt + ?Sized>(
        src: &S,
        overrides: &Overrides,
    ) -> Result<Dialect, Error<S::Error>> {
        let sample = read_range(src, 0..src.len().min(SAMPLE_BYTES))?;
        let whole = sample.len() as u64 == src.len();
        let sample = sample.strip_prefix(BOM).unwrap_or(&sample);
        let quote = overrides.quote.unwrap_or_else(|| detect_quote(sample));
        let delimiter = overrides.delimiter.unwrap_or_else(|| {
            let mut best = (b',', 0usize, 0usize);
            for d in DELIMITERS.into_iter().filter(|&d| d != quote) {
                let probe = Dialect { delimiter: d, quote, ..Dialect::default() };
                let counts = field_counts(sample, &probe, whole);
                let Some(&first) = counts.first() else { continue };
                let consistent = counts.iter().filter(|&&c| c == first).count();
                if first > 1 && (consistent, first) > (best.1, best.2) {
                    best = (d, consistent, first);
                }
            }
            best.0
        });
        let mut dialect = Dialect { delimiter, quote, newline: Newline::Lf, has_header: true };
        dialect.check()?;
        dialect.newline = first_newline(sample, &dialect);
        dialect.has_header =
            overrides.has_header.unwrap_or_else(|| looks_like_header(sample, &dialect));
        Ok(dialect)
    }

    /// Checks that the delimiter and quote can work: different, and neither a line ending.
    ///
    /// # Errors
    ///
    /// [`CsvError::BadDialect`].
    pub fn check(&self) -> Result<(), CsvError> {
        let bad = |b: u8| matches!(b, b'\r' | b'\n');
        if bad(self.delimiter) || bad(self.quote) || self.delimiter == self.quote {
            return Err(CsvError::BadDialect { delimiter: self.delimiter, quote: self.quote });
        }
        Ok(())
    }
}

/// The field counts of the sample's records (without a last record the sample may cut).
fn field_counts(sample: &[u8], dialect: &Dialect, whole: bool) -> Vec<usize> {
    let mut counts = Vec::new();
    each_record(sample, dialect, whole, &mut |fields| {
        counts.push(fields.len());
        counts.len() < 200
    });
    counts
}

/// Calls `each(fields)` for each record of `sample` while it returns true; without `whole`,
/// a last record the sample may have cut is left out.
fn each_record(
    sample: &[u8],
    dialect: &Dialect,
    whole: bool,
    each: &mut dyn FnMut(&[&[u8]]) -> bool,
) {
    let mut rdr = reader(dialect);
    let mut out = vec![0u8; sample.len() + 1];
    let mut ends = vec![0usize; sample.len() + 1];
    let mut pos = 0;
    loop {
        let (res, nin, _, nend) = rdr.read_record(&sample[pos..], &mut out, &mut ends);
        pos += nin;
        match res {
            ReadRecordResult::Record => {
                let at_end = nin == 0;
                if at_end && !whole {
                    return;
                }
                let mut fields = Vec::with_capacity(nend);
                let mut start = 0;
                for &end in &ends[..nend] {
                    fields.push(&out[start..end]);
                    start = end;
                }
                if !each(&fields) {
                    return;
                }
            }
            ReadRecordResult::InputEmpty if pos < sample.len() => {}
            ReadRecordResult::InputEmpty => {
                // The end of the input: an empty call finishes the last record.
                let (res, _, _, nend) = rdr.read_record(&[], &mut out, &mut ends);
                if res == ReadRecordResult::Record && whole {
                    let mut fields = Vec::with_capacity(nend);
                    let mut start = 0;
                    for &end in &ends[..nend] {
                        fields.push(&out[start..end]);
                        start = end;
                    }
                    each(&fields);
                }
                return;
            }
            _ => return,
        }
    }
}

/// `'` when the sample has no `"` but a field wrapped in `'`; `"` otherwise.
fn detect_quote(sample: &[u8]) -> u8 {
    if memchr::memchr(b'"', sample).is_some() {
        return b'"';
    }
    let boundary =
        |b: Option<&u8>| b.is_none_or(|&b| matches!(b, b'\r' | b'\n') || DELIMITERS.contains(&b));
    let wrapped = sample.windows(1).enumerate().any(|(i, w)| {
        w[0] == b'\''
            && boundary(i.checked_sub(1).and_then(|j| sample.get(j)))
            && sample[i + 1..]
                .iter()
                .position(|&b| b == b'\'')
                .is_some_and(|j| boundary(sample.get(i + 1 + j + 1)))
    });
    if wrapped {
        b'\''
    } else {
        b'"'
    }
}

/// The terminator of the first record in the sample.
fn first_newline(sample: &[u8], dialect: &Dialect) -> Newline {
    let mut newline = Newline::Lf;
    let mut rdr = reader(dialect);
    let mut out = vec![0u8; sample.len() + 1];
    let mut ends = vec![0usize; sample.len() + 1];
    let (res, nin, _, _) = rdr.read_record(sample, &mut out, &mut ends);
    if res == ReadRecordResult::Record && nin > 0 {
        newline = match (sample[nin - 1], sample.get(nin)) {
            (b'\r', Some(b'\n')) => Newline::Crlf,
            (b'\r', _) => Newline::Cr,
            _ => Newline::Lf,
        };
    }
    newline
}

/// Whether the first record looks like a header: fields non-empty and not numbers, and either
/// distinct or, when some names repeat (`amount,amount`), followed by a record holding a
/// number, which a header row would not.
fn looks_like_header(sample: &[u8], dialect: &Dialect) -> bool {
    let is_number = |f: &[u8]| super::cond::parse_number(f).is_some();
    let mut first: Option<bool> = None;
    let mut header = false;
    each_record(sample, dialect, true, &mut |fields| match first {
        None => {
            let names = fields.iter().all(|f| !f.trim_ascii().is_empty())
                && !fields.iter().any(|f| is_number(f));
            let distinct = fields.iter().enumerate().all(|(i, f)| !fields[..i].contains(f));
            header = names && distinct;
            first = Some(names && !distinct);
            // Repeated names: the second record decides.
            names && !distinct
        }
        Some(_) => {
            header = fields.iter().any(|f| is_number(f));
            false
        }
    });
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &[u8]) -> Dialect {
        Dialect::detect(text, &Overrides::default()).unwrap()
    }

    #[test]
    fn detects_each_delimiter_quote_and_ending() {
        for d in DELIMITERS {
            let d = d as char;
            let text = format!("a{d}b{d}c\n1{d}\"x{d}y\"{d}3\n4{d}5{d}6\n");
            assert_eq!(detect(text.as_bytes()).delimiter, d as u8, "{d:?}");
        }
        let d = detect(b"name,note\r\nann,'hi; there'\r\n");
        assert_eq!((d.delimiter, d.quote, d.newline), (b',', b'\'', Newline::Crlf));
        let d = detect(b"name,note\r\nann,\"it's\"\r\n");
        assert_eq!((d.delimiter, d.quote), (b',', b'"'));
        assert_eq!(detect(b"a|b\r'x|y'|2\r").quote, b'\'');
        assert_eq!(detect(b"a|b\r'x|y'|2\r").newline, Newline::Cr);
        assert_eq!(detect(b"it's,fine\n").quote, b'"');
        assert_eq!(detect(b"single\ncolumn\n").delimiter, b',');
        assert_eq!(detect(b"").newline, Newline::Lf);
    }

    #[test]
    fn detects_a_header_and_takes_overrides() {
        assert!(detect(b"id,city\n1,Paris\n").has_header);
        assert!(!detect(b"1,Paris\n2,Rome\n").has_header);
        assert!(!detect(b"a,,c\n").has_header);
        assert!(!detect(b"a,a\n").has_header);
        assert!(!detect(b"a,a\nb,b\n").has_header, "repeated names and no number after them");
        assert!(detect(b"id,amount,amount\n1,2,3\n").has_header, "repeated names over numbers");
        assert!(detect(b"\xef\xbb\xbfid,name\n").has_header);
        let o = Overrides { delimiter: Some(b';'), quote: Some(b'\''), has_header: Some(false) };
        let d = Dialect::detect(b"id,city\n".as_slice(), &o).unwrap();
        assert_eq!((d.delimiter, d.quote, d.has_header), (b';', b'\'', false));
        let o = Overrides { delimiter: Some(b'"'), ..Overrides::default() };
        assert!(Dialect::detect(b"a".as_slice(), &o).is_err());
    }
}
