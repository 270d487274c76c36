//! Search: `text::find_literal` of a rare and of a common token, `text::replace_literal` of the
//! rare one (planning only), and `text::find_regex` of a simple pattern, against a bare
//! `memmem` count of the rare token.
//!
//! The input is about 64 MiB of generated log lines (about 100 bytes each), built once.

use std::hint::black_box;

use bigedit_core::{text, Chunker};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use memchr::memmem;

mod common;
use common::*;

/// A token on most lines.
const COMMON: &[u8] = b"status=200";

/// A simple regex and the literal it matches in the generated text.
const REGEX: (&str, &[u8]) = (r"status=5\d\d", b"status=503");

fn find(c: &mut Criterion) {
    let data = log_text(0);
    let len = data.len() as u64;
    let mut chunker = Chunker::default();
    let count = |needle: &[u8]| memmem::find_iter(&data, needle).count();
    let (rare, common, regex_hits) = (count(RARE), count(COMMON), count(REGEX.1));
    let re = text::compile_regex(REGEX.0).expect("a valid pattern");
    // The benchmarks below must find what a plain count finds.
    let found = |needle: &[u8], chunker: &mut Chunker| {
        text::find_literal(&data, 0..len, 1, needle, None, chunker).expect("in-memory source").len()
    };
    assert!(rare > 0 && common > data.len() / 200, "the generator lost its tokens");
    assert_eq!(found(RARE, &mut chunker), rare);
    assert_eq!(found(COMMON, &mut chunker), common);
    assert_eq!(
        text::find_regex(&data, &re, None, &mut chunker).expect("in-memory source").len(),
        regex_hits
    );

    let mut group = c.benchmark_group("find");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(len));
    group.bench_function("memmem_count_rare", |b| {
        b.iter(|| memmem::find_iter(black_box(&data), RARE).count())
    });
    group.bench_function("find_literal_rare", |b| {
        b.iter(|| {
            text::find_literal(black_box(&data), 0..len, 1, RARE, None, &mut chunker)
                .expect("in-memory source")
        })
    });
    group.bench_function("find_literal_common", |b| {
        b.iter(|| {
            text::find_literal(black_box(&data), 0..len, 1, COMMON, None, &mut chunker)
                .expect("in-memory source")
        })
    });
    group.bench_function("replace_literal_rare", |b| {
        b.iter(|| {
            text::replace_literal(black_box(&data), RARE, b"trace=0", None, &mut chunker)
                .expect("in-memory source")
        })
    });
    group.bench_function("find_regex", |b| {
        b.iter(|| {
            text::find_regex(black_box(&data), &re, None, &mut chunker).expect("in-memory source")
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = find
}
criterion_main!(benches);
