//! The Markdown block scanner (CommonMark's block rules): any bytes outline without a panic,
//! the same at any chunk size; sections lie in the file, nest, and every section's selector
//! resolves back to that section.
#![no_main]

use bigedit_core::{markdown, Chunker};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, Vec<u8>)| {
    let (chunk, text) = input;
    let whole = markdown::outline(&text, &mut Chunker::new(1 << 16)).unwrap();
    let split = markdown::outline(&text, &mut Chunker::new(usize::from(chunk).max(1))).unwrap();
    let len = text.len() as u64;
    let key = |o: &markdown::Outline| -> Vec<_> {
        o.sections()
            .iter()
            .map(|s| (s.level, s.title.clone(), s.range.clone(), s.heading.clone()))
            .collect()
    };
    assert_eq!(key(&whole), key(&split), "the chunk size changed the outline");
    let mut last_start = 0;
    for s in whole.sections() {
        assert!(s.range.start <= s.range.end && s.range.end <= len, "{s:?}");
        assert!(s.heading.start == s.range.start && s.heading.end <= s.range.end, "{s:?}");
        assert!(s.range.start >= last_start, "sections out of order");
        last_start = s.range.start;
        assert!(s.title_range.start >= s.heading.start && s.title_range.end <= s.heading.end);
        let sel = whole.selector(s);
        let found = whole.resolve(&sel).unwrap_or_else(|e| panic!("{sel:?}: {e}"));
        assert_eq!(
            found.index,
            s.index,
            "{sel:?} names another section in {:?}",
            String::from_utf8_lossy(&text)
        );
    }
});
