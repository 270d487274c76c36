//! The line and byte range parsers: any text parses or is refused (never a panic), and what
//! resolves lies inside the document and agrees with the form's definition.
#![no_main]

use bigedit_core::{parse_byte_range, LineRange};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, u16)| {
    let (text, lines) = input;
    let lines = u64::from(lines);
    if let Ok(r) = parse_byte_range(text) {
        assert!(r.start <= r.end, "{text:?} gave a reversed byte range");
    }
    let Ok(range) = text.parse::<LineRange>() else { return };
    let resolved = range.resolve(lines);
    if let Ok(r) = &resolved {
        assert!(
            *r.start() >= 1 && *r.end() <= lines && r.start() <= r.end(),
            "{text:?} in {lines}: {r:?}"
        );
    }
    // The last N lines: at most N, ending at the last line.
    if let (Some(n), Ok(r)) = (range.tail(), &resolved) {
        assert_eq!(*r.end(), lines);
        assert_eq!(r.end() - r.start() + 1, n.min(lines), "{text:?}");
    }
    // A range known from the start resolves to the same numbers (`+N` stops at the last line).
    if let (Ok(Some((first, last))), Ok(r)) = (range.from_start(), &resolved) {
        assert_eq!(*r.start(), first, "{text:?}");
        if let Some(last) = last {
            assert!(*r.end() == last || *r.end() == lines, "{text:?}: {r:?} vs {last}");
        }
    }
});
