//! Chunks for language models: for every format, the chunks tile the file in order, none is
//! longer than asked, and their numbers count up from 0.
#![no_main]

use bigedit_core::chunks::{for_each_chunk, Format};
use bigedit_core::csv::{Dialect, Overrides};
use bigedit_core::{Chunker, Flow};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, u8, Vec<u8>)| {
    let (max, which, text) = input;
    let max = u64::from(max).max(4);
    let format = match which % 3 {
        0 => Format::Markdown,
        1 => match Dialect::detect(&text, &Overrides::default()) {
            Ok(d) => Format::Csv(d),
            Err(_) => return,
        },
        _ => Format::Text,
    };
    let mut next = 0;
    let mut index = 0;
    let result = for_each_chunk(&text, &format, max, false, &mut Chunker::new(7), |c| {
        assert_eq!(c.index, index);
        assert_eq!(c.range.start, next, "chunks do not tile the file");
        assert!(c.range.end - c.range.start <= max && c.range.end > c.range.start, "{c:?}");
        next = c.range.end;
        index += 1;
        Flow::Continue
    });
    if result.is_ok() {
        assert_eq!(next, text.len() as u64, "chunks stop before the end");
    }
});
