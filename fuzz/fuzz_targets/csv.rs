//! The CSV record scanner against the csv crate (csv-core's own reader): the same records with the same
//! fields, at any chunk split; records come in order with only line endings between them.
#![no_main]

use bigedit_core::csv::{Dialect, Overrides, RecordScanner};
use bigedit_core::Flow;
use libfuzzer_sys::fuzz_target;

/// The fields of every record, as the csv crate (csv-core's reader) reads them in one go.
fn reference(text: &[u8], d: &Dialect) -> Vec<Vec<Vec<u8>>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(d.delimiter)
        .quote(d.quote)
        .from_reader(text);
    rdr.byte_records().map(|r| r.expect("in memory").iter().map(<[u8]>::to_vec).collect()).collect()
}

fuzz_target!(|input: (u8, Vec<u8>)| {
    let (split, text) = input;
    let Ok(d) = Dialect::detect(&text, &Overrides::default()) else { return };
    // The reference knows nothing of a BOM: leave those inputs to the scanner's own tests.
    if text.starts_with(b"\xef\xbb\xbf") {
        return;
    }
    let at = usize::from(split) % (text.len() + 1);
    let mut got: Vec<(std::ops::Range<u64>, Vec<Vec<u8>>)> = Vec::new();
    let mut scanner = RecordScanner::new(&d);
    let mut each = |r: &bigedit_core::csv::Record<'_>| {
        got.push((r.range(), r.iter().map(<[u8]>::to_vec).collect()));
        Ok(Flow::Continue)
    };
    let Ok(_) = scanner.feed(0, &text[..at], &mut each) else { return };
    let Ok(_) = scanner.feed(at as u64, &text[at..], &mut each) else { return };
    let Ok(_) = scanner.finish(&mut each) else { return };
    // In order, inside the input, and only line endings between them (csv-core passes over
    // empty lines).
    let mut next = 0;
    for (range, _) in &got {
        assert!(range.start >= next && range.end <= text.len() as u64, "{range:?} after {next}");
        let gap = &text[next as usize..range.start as usize];
        assert!(gap.iter().all(|b| matches!(b, b'\r' | b'\n')), "{gap:?} between records");
        next = range.end;
    }
    let fields: Vec<_> = got.into_iter().map(|(_, f)| f).collect();
    assert_eq!(fields, reference(&text, &d), "the scanner and csv-core disagree");
});
