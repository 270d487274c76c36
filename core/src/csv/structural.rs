//! The structural classifier: finds whole CSV records in a chunk from bitmasks of its quote,
//! delimiter and line-ending bytes, 64 bytes at a time, in the style of simdjson and simdcsv.
//!
//! Per block, [`Classifier::block`] gives the three masks; the in-quote mask is the prefix XOR
//! of the quote bits, carried from block to block; delimiters and line endings outside quotes
//! are the field and record boundaries, read off by counting trailing zeros.
//!
//! ADVICE FOR HACKERS: quote parity only equals csv-core's state machine when every quote is
//! where RFC 4180 puts it. So each block is checked: a quote that opens a quoted field must be
//! the first byte of a field (or the second of a doubled `""`), and the byte after a quote that
//! closes one must be a quote, a delimiter or a line ending. Everything before the first
//! misplaced quote was read exactly as csv-core reads it; from the record that holds it, the
//! walk stops with [`Halt::Fallback`] and the scanner hands that record to csv-core, then comes
//! back. A record that does not end inside the bytes given (or ends at a `\r` that is their
//! last byte) is left to csv-core too ([`Halt::Input`]), so results never depend on where a
//! chunk ends. csv-core stays the reference: the scanner's tests compare the two on every
//! input, at every chunk size.

use bigedit_simd::{prefix_xor, Classifier, BLOCK};

use crate::error::EditError;
use crate::scan::Flow;

/// Why a walk ended before the bytes it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Halt {
    /// The rest holds no complete record: the caller feeds it to csv-core (it needs more
    /// input, or it is the last record of the document).
    Input,
    /// The next record has a quote where quote parity cannot read it, or is longer than the
    /// limit: csv-core reads that one record.
    Fallback,
    /// The callback said stop.
    Stop,
}

/// One record a walk found, in coordinates of the bytes it was given.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found<'a> {
    /// Its first byte.
    pub start: usize,
    /// The end of its content (its terminator starts here).
    pub content_end: usize,
    /// The end of its terminator.
    pub end: usize,
    /// The unescaped fields: the content itself when `stored`, else the fields one after
    /// another without delimiters (as csv-core writes them).
    pub fields: &'a [u8],
    /// Where each field ends in `fields`.
    pub ends: &'a [usize],
    /// Whether `fields` is the content as stored (no field is quoted).
    pub stored: bool,
    /// Where each field ends in the content, quotes included (relative to `start`).
    pub raw_ends: &'a [usize],
}

/// The classifier and the buffers a walk reuses.
#[derive(Debug, Clone)]
pub(crate) struct Walk {
    classifier: Classifier,
    quote: u8,
    /// Raw field ends of the current record, relative to its start.
    raw_ends: Vec<usize>,
    out: Vec<u8>,
    out_ends: Vec<usize>,
}

impl Walk {
    /// A walk for `quote` and `delimiter`.
    pub fn new(quote: u8, delimiter: u8) -> Self {
        Walk {
            classifier: Classifier::new(quote, delimiter),
            quote,
            raw_ends: Vec::with_capacity(32),
            out: Vec::new(),
            out_ends: Vec::with_capacity(32),
        }
    }

    /// Calls `each` for every complete record at the start of `rest` (which begins a record:
    /// its first byte is not a line ending), blank lines between them skipped, until a record
    /// it cannot read, the end of `rest`, or [`Flow::Stop`]. Returns how many bytes it used
    /// (up to the end of the last record reported, or the start of the next one) and why it
    /// halted. Fields are unescaped unless `bounds_only`, and a record longer than `limit`
    /// halts the walk. Runs in O(rest).
    ///
    /// # Errors
    ///
    /// `each`'s error.
    pub fn records<F>(
        &mut self,
        rest: &[u8],
        limit: usize,
        bounds_only: bool,
        each: &mut F,
    ) -> Result<(usize, Halt), EditError>
    where
        F: FnMut(&Found<'_>) -> Result<Flow, EditError>,
    {
        let n = rest.len();
        let mut record = 0;
        self.raw_ends.clear();
        // Whether the current record has a quote in an earlier block.
        let mut quoted = false;
        // Carried from block to block: all ones inside quotes; whether the last byte of the
        // previous block was a boundary (the first byte is a record start) or a closing quote.
        let (mut in_quote, mut after_boundary, mut after_closing) = (0u64, 1u64, 0u64);
        let mut base = 0;
        while base < n {
            let m = match rest.get(base..base + BLOCK) {
                Some(block) => {
                    let block: &[u8; BLOCK] = block.try_into().unwrap_or(&[0; BLOCK]);
                    self.classifier.block(block)
                }
                None => self.classifier.tail(&rest[base..]),
            };
            let inside = prefix_xor(m.quote) ^ in_quote;
            in_quote = ((inside as i64) >> 63) as u64;
            let opening = m.quote & inside;
            let closing = m.quote & !inside;
            let delims = m.delimiter & !inside;
            let newlines = m.newline & !inside;
            let boundaries = delims | newlines;
            let field_start = (boundaries << 1) | after_boundary;
            let closed = (closing << 1) | after_closing;
            let mut bad = (opening & !(field_start | closed)) | (closed & !(m.quote | boundaries));
            if n - base < BLOCK {
                // A closing quote that is the last byte: its record is incomplete anyway.
                bad &= (1u64 << (n - base)) - 1;
            }
            after_boundary = boundaries >> 63;
            after_closing = closing >> 63;
            let first_bad =
                if bad == 0 { usize::MAX } else { base + bad.trailing_zeros() as usize };
            let mut bits = boundaries;
            while bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let p = base + bit;
                if p >= first_bad {
                    return Ok((record, Halt::Fallback));
                }
                if delims >> bit & 1 == 1 {
                    self.raw_ends.push(p - record);
                    continue;
                }
                if p <= record {
                    // A blank line, or the `\n` of the `\r\n` that ended the last record.
                    record = record.max(p + 1);
                    continue;
                }
                let end = match rest[p] {
                    b'\r' => match rest.get(p + 1) {
                        Some(b'\n') => p + 2,
                        Some(_) => p + 1,
                        None => return Ok((record, Halt::Input)),
                    },
                    _ => p + 1,
                };
                if p - record > limit {
                    return Ok((record, Halt::Fallback));
                }
                self.raw_ends.push(p - record);
                // Quotes of this block from the record's start to its terminator.
                let from = record.saturating_sub(base).min(63);
                let here = m.quote & ((1u64 << bit) - 1) & !((1u64 << from) - 1);
                let quoted_record = quoted || here != 0;
                let flow = self.emit(rest, record, p, end, quoted_record, bounds_only, each)?;
                if flow == Flow::Stop {
                    return Ok((end, Halt::Stop));
                }
                self.raw_ends.clear();
                quoted = false;
                record = end;
            }
            // Quotes at or after the current record's start carry over to the next block.
            let from = record.saturating_sub(base);
            quoted |= from < BLOCK && m.quote >> from != 0;
            if first_bad < usize::MAX {
                return Ok((record, Halt::Fallback));
            }
            base += BLOCK;
        }
        Ok((record, Halt::Input))
    }

    /// Reports the record `start..end` of `rest` whose content ends at `content_end`; the
    /// field ends are in `self.raw_ends`; `quoted` says whether it holds a quote.
    #[allow(clippy::too_many_arguments)]
    fn emit<F>(
        &mut self,
        rest: &[u8],
        start: usize,
        content_end: usize,
        end: usize,
        quoted: bool,
        bounds_only: bool,
        each: &mut F,
    ) -> Result<Flow, EditError>
    where
        F: FnMut(&Found<'_>) -> Result<Flow, EditError>,
    {
        let content = &rest[start..content_end];
        let quote = self.quote;
        if !quoted {
            return each(&Found {
                start,
                content_end,
                end,
                fields: content,
                ends: &self.raw_ends,
                stored: true,
                raw_ends: &self.raw_ends,
            });
        }
        self.out.clear();
        self.out_ends.clear();
        if !bounds_only {
            let mut from = 0;
            for &to in &self.raw_ends {
                unescape(&content[from..to], quote, &mut self.out);
                self.out_ends.push(self.out.len());
                from = to + 1;
            }
        }
        each(&Found {
            start,
            content_end,
            end,
            fields: &self.out,
            ends: &self.out_ends,
            stored: false,
            raw_ends: &self.raw_ends,
        })
    }
}

/// Appends the value of one raw field to `out`: a quoted field loses its quotes and its doubled
/// quotes become one; an unquoted field (which holds no quote) is copied.
fn unescape(field: &[u8], quote: u8, out: &mut Vec<u8>) {
    let inner = match field {
        [q, inner @ .., _] if *q == quote => inner,
        _ => {
            out.extend_from_slice(field);
            return;
        }
    };
    let mut from = 0;
    while let Some(k) = memchr::memchr(quote, &inner[from..]) {
        // The first of a doubled pair: keep it, skip the second.
        out.extend_from_slice(&inner[from..=from + k]);
        from += k + 2;
        if from >= inner.len() {
            return;
        }
    }
    out.extend_from_slice(&inner[from..]);
}

#[cfg(test)]
mod tests {
    //! The classifier against csv-core: [`RecordScanner`] with the classifier on and off must
    //! report the same records, with the same fields, bytes and field spans, at every chunk
    //! size.

    use std::ops::Range;

    use proptest::prelude::*;

    use super::super::records::{field_spans, Record, RecordScanner};
    use super::super::{Dialect, Newline};
    use crate::scan::testing::SIZES;
    use crate::scan::Flow;

    /// What a scan saw of each record: number, range, fields, raw bytes, field spans.
    type Seen = Vec<(u64, Range<u64>, Vec<Vec<u8>>, Option<Vec<u8>>, Vec<Range<u64>>)>;

    /// Scans `text` in chunks of `size` (or at the `cuts` given), with the classifier on or off.
    fn scan(text: &[u8], d: &Dialect, cuts: &[usize], classify: bool, bounds: bool) -> Seen {
        let mut s = RecordScanner::new(d).classify(classify).keep_raw(true).bounds_only(bounds);
        let mut seen = Vec::new();
        let mut each = |r: &Record<'_>| {
            let raw = r.raw().map(<[u8]>::to_vec);
            let spans = match raw.as_deref() {
                // Spans as a pass finds them: from the scanner, else by parsing again.
                Some(raw) if r.span(0).is_none() => {
                    let content = &raw[..(r.content().end - r.content().start) as usize];
                    let base = r.range().start;
                    field_spans(content, d)
                        .into_iter()
                        .map(|s| base + s.start as u64..base + s.end as u64)
                        .collect()
                }
                _ => (0..r.len()).filter_map(|i| r.span(i)).collect(),
            };
            seen.push((r.number(), r.range(), r.iter().map(<[u8]>::to_vec).collect(), raw, spans));
            Ok(Flow::Continue)
        };
        let mut from = 0;
        for &cut in cuts.iter().chain([&text.len()]) {
            let cut = cut.clamp(from, text.len());
            if cut > from {
                s.feed(from as u64, &text[from..cut], &mut each).unwrap();
                from = cut;
            }
        }
        s.finish(&mut each).unwrap();
        seen
    }

    fn cuts_every(size: usize, len: usize) -> Vec<usize> {
        (1..).map(|k| k * size.max(1)).take_while(|&c| c < len).collect()
    }

    fn dialects() -> impl Strategy<Value = Dialect> {
        prop_oneof![
            Just(Dialect::default()),
            Just(Dialect {
                delimiter: b';',
                quote: b'\'',
                newline: Newline::Crlf,
                has_header: false
            }),
            Just(Dialect { delimiter: b'\t', ..Dialect::default() }),
        ]
    }

    /// Text made of the bytes that matter, in every arrangement: well-formed quoted fields and
    /// misplaced quotes, doubled quotes, blank lines, `\r` and `\r\n`; long enough to cross
    /// several 64-byte blocks.
    fn text() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            4 => prop::sample::select(vec![b"a".to_vec(), b"bc".to_vec(), b"\xc3\xa9".to_vec()]),
            3 => Just(b",".to_vec()),
            2 => Just(b";".to_vec()),
            1 => Just(b"\t".to_vec()),
            2 => Just(b"\n".to_vec()),
            1 => Just(b"\r\n".to_vec()),
            1 => Just(b"\r".to_vec()),
            2 => Just(b"\"".to_vec()),
            1 => Just(b"'".to_vec()),
            3 => prop::sample::select(vec![
                b"\"x,y\"".to_vec(),
                b"\"q\"\"q\"".to_vec(),
                b"\"\"".to_vec(),
                b"\"l1\nl2\r\n\"".to_vec(),
                b"'s;t'".to_vec(),
                b"'it''s'".to_vec(),
            ]),
            1 => Just(vec![b'z'; 70]),
            1 => Just(b"\xef\xbb\xbf".to_vec()),
        ];
        prop::collection::vec(piece, 0..120).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

        #[test]
        fn the_classifier_reads_what_csv_core_reads(
            text in text(),
            d in dialects(),
            cuts in prop::collection::vec(0usize..2000, 0..6),
        ) {
            let want = scan(&text, &d, &[], false, false);
            for size in SIZES {
                let cuts = cuts_every(size, text.len());
                prop_assert_eq!(&scan(&text, &d, &cuts, true, false), &want, "size {}", size);
            }
            // Random cuts: quotes, `\r\n` pairs and records split across chunk edges.
            let mut cuts = cuts;
            cuts.sort_unstable();
            prop_assert_eq!(&scan(&text, &d, &cuts, true, false), &want, "cuts {:?}", cuts);
            // Bounds only: the same records; the classifier may keep fields csv-core drops.
            let ranges = |s: Seen| s.into_iter().map(|r| r.1).collect::<Vec<_>>();
            prop_assert_eq!(
                ranges(scan(&text, &d, &cuts, true, true)),
                ranges(scan(&text, &d, &cuts, false, true))
            );
        }
    }

    #[test]
    fn quoted_records_are_split_by_the_classifier() {
        let d = Dialect::default();
        let text = b"a,\"b,\"\"c\"\"\",\"\"\r\n\n\"x\ny\",z\n";
        let seen = scan(text, &d, &[], true, false);
        assert_eq!(seen, scan(text, &d, &[], false, false));
        assert_eq!(seen[0].1, 0..16);
        assert_eq!(seen[0].2, [b"a".to_vec(), b"b,\"c\"".to_vec(), Vec::new()]);
        assert_eq!(seen[0].4, [0..1, 2..11, 12..14]);
        assert_eq!(seen[1].4, [17..22, 23..24]);
        // The spans came from the classifier, not from parsing again.
        let mut known = Vec::new();
        let mut s = RecordScanner::new(&d);
        let mut each = |r: &Record<'_>| {
            known.push(r.span(1));
            Ok(Flow::Continue)
        };
        s.feed(0, text, &mut each).unwrap();
        s.finish(&mut each).unwrap();
        assert_eq!(known, [Some(2..11), Some(23..24)]);
    }

    #[test]
    fn misplaced_quotes_fall_back_to_csv_core() {
        let d = Dialect::default();
        for text in [
            &b"a,b\"c,d\n\"e\"f,g\ne,\"f\"\"\n\"h\"\n"[..],
            b"1,2\nx\"y\"z,\"q\"\"\",3\n\"open\n",
            b"\"a\"\r\"b\"\r",
        ] {
            let want = scan(text, &d, &[], false, false);
            for size in SIZES {
                let cuts = cuts_every(size, text.len());
                assert_eq!(scan(text, &d, &cuts, true, false), want, "{text:?} at {size}");
            }
        }
    }
}
