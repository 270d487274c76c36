//! The line index: built at any chunk size it counts the lines a naive split counts, maps
//! lines to the same offsets, and shifted over a patch equals a rebuild of the patched text.
//! The backward tail reader and the context readers agree with the naive split too.
#![no_main]

use bigedit_core::{lines_before, lines_from, tail_start, Chunker, LineIndex, Patch, Splice};
use libfuzzer_sys::fuzz_target;

/// Line starts of `text` by splitting after every newline.
fn starts(text: &[u8]) -> Vec<u64> {
    let mut s = vec![0];
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' && i + 1 < text.len() {
            s.push(i as u64 + 1);
        }
    }
    if text.is_empty() {
        s.clear();
    }
    s
}

fuzz_target!(|input: (u8, Vec<(u16, u16, Vec<u8>)>, Vec<u8>)| {
    let (chunk, edits, text) = input;
    let chunk = usize::from(chunk).max(1);
    let index = LineIndex::build(&text, &mut Chunker::new(chunk)).unwrap();
    let want = starts(&text);
    assert_eq!(index.line_count(), want.len() as u64);
    for (i, &s) in want.iter().enumerate().take(64) {
        assert_eq!(index.line_to_byte(&text, i as u64).unwrap(), Some(s));
    }
    // Backwards from the end and around a line.
    for n in 1..4u64 {
        let (start, count) = tail_start(&text, n, chunk).unwrap();
        let k = (n as usize).min(want.len());
        assert_eq!(count as usize, k);
        assert_eq!(start, if k == 0 { text.len() as u64 } else { want[want.len() - k] });
    }
    if let Some(&at) = want.get(want.len() / 2) {
        let before = lines_before(&text, at, 2, chunk).unwrap();
        let after = lines_from(&text, at, 2, chunk).unwrap();
        let i = want.len() / 2;
        assert_eq!(before.len(), i.min(2));
        assert_eq!(after.len(), (want.len() - i).min(2));
        for r in before.iter().chain(&after) {
            assert!(!text[r.start as usize..r.end as usize].contains(&b'\n'));
        }
    }
    // A patch of non-overlapping splices, sorted.
    let len = text.len() as u64;
    let mut ranges: Vec<(u64, u64, Vec<u8>)> = edits
        .into_iter()
        .take(8)
        .map(|(a, b, bytes)| {
            let (a, b) = (u64::from(a) % (len + 1), u64::from(b) % (len + 1));
            (a.min(b), a.max(b), bytes)
        })
        .collect();
    ranges.sort_by_key(|r| (r.0, r.1));
    let mut splices = Vec::new();
    let mut end = 0;
    for (a, b, bytes) in ranges {
        if a >= end {
            splices.push(Splice::new(a..b, bytes));
            end = b.max(a + 1);
        }
    }
    let Ok(patch) = Patch::new(len, splices) else { return };
    let new = patch.apply_to_vec(&text).unwrap();
    assert_eq!(new.len() as u64, patch.len());
    let shifted = index.shifted(&text, &patch).unwrap();
    let rebuilt = LineIndex::build(&new, &mut Chunker::new(chunk)).unwrap();
    assert_eq!(shifted.line_count(), rebuilt.line_count());
    assert_eq!(shifted.len(), rebuilt.len());
    for l in 0..rebuilt.line_count().min(64) {
        assert_eq!(shifted.line_to_byte(&new, l).unwrap(), rebuilt.line_to_byte(&new, l).unwrap());
    }
});
