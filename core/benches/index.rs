//! Line indexing: `LineIndex::build` over a slice and through a copying `ReadAt`, against a
//! bare `memchr` newline count; `line_to_byte` lookups; `LineIndex::shifted` against a rebuild.
//!
//! The input is about 64 MiB of generated log lines (about 100 bytes each), built once.

use std::convert::Infallible;
use std::hint::black_box;

use bigedit_core::{text, Chunker, LineIndex, ReadAt};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

mod common;
use common::*;

/// How many precomputed random lookups a per-lookup benchmark cycles through.
const LOOKUPS: usize = 4096;

/// A source that is not slice-backed, so the chunker copies every chunk into its buffer, as it
/// does for a file read with `pread`.
struct Copying<'a>(&'a [u8]);

impl ReadAt for Copying<'_> {
    type Error = Infallible;

    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize, Infallible> {
        self.0.read_at(pos, buf)
    }
}

fn build(c: &mut Criterion) {
    let lf = lf_text();
    let crlf = log_text(1);
    let mixed = log_text(8);
    let mut group = c.benchmark_group("index_build");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(lf.len() as u64));

    group.bench_function("memchr_count", |b| {
        b.iter(|| memchr::memchr_iter(b'\n', black_box(lf)).count())
    });
    let mut chunker = Chunker::new(256 << 10);
    group.bench_function("slice_256k", |b| {
        b.iter(|| LineIndex::build(black_box(lf), &mut chunker).expect("in-memory source"))
    });
    for (name, size) in [("read_at_64k", 64 << 10), ("read_at_256k", 256 << 10)] {
        let mut chunker = Chunker::new(size);
        let src = Copying(lf);
        group.bench_function(name, |b| {
            b.iter(|| LineIndex::build(black_box(&src), &mut chunker).expect("in-memory source"))
        });
    }
    for (name, text) in [("slice_256k_crlf", &crlf), ("slice_256k_mixed", &mixed)] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| LineIndex::build(black_box(text), &mut chunker).expect("in-memory source"))
        });
    }
    group.finish();
}

fn lookup(c: &mut Criterion) {
    let data = lf_text();
    let index = LineIndex::build(data, &mut Chunker::default()).expect("in-memory source");
    let mut rng = Rng(0x100C);
    let lines: Vec<u64> = (0..LOOKUPS).map(|_| rng.below(index.line_count())).collect();
    let mut group = c.benchmark_group("line_to_byte");

    let mut i = 0;
    group.bench_function("slice", |b| {
        b.iter(|| {
            i = (i + 1) % LOOKUPS;
            index.line_to_byte(data, black_box(lines[i])).expect("in-memory source")
        })
    });
    let src = Copying(data);
    group.bench_function("read_at", |b| {
        b.iter(|| {
            i = (i + 1) % LOOKUPS;
            index.line_to_byte(&src, black_box(lines[i])).expect("in-memory source")
        })
    });
    group.finish();
}

fn shift(c: &mut Criterion) {
    let data = lf_text();
    let mut chunker = Chunker::default();
    let index = LineIndex::build(data, &mut chunker).expect("in-memory source");
    let mid = index.line_count() / 2;
    let patch = text::replace_lines(data, &index, mid..=mid, b"an edited line, longer than before")
        .expect("the line exists");
    let edited = patch.apply_to_vec(data).expect("planned for this source");
    let shifted = index.shifted(data, &patch).expect("planned for this source");
    let rebuilt = LineIndex::build(&edited, &mut chunker).expect("in-memory source");
    assert_eq!(
        (shifted.len(), shifted.newline_count(), shifted.crlf_count()),
        (rebuilt.len(), rebuilt.newline_count(), rebuilt.crlf_count()),
        "a shifted index must describe the edited document",
    );

    let mut group = c.benchmark_group("one_line_edit");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(edited.len() as u64));
    group.bench_function("shifted", |b| {
        b.iter(|| index.shifted(black_box(data), &patch).expect("planned for this source"))
    });
    group.bench_function("rebuild", |b| {
        b.iter(|| LineIndex::build(black_box(&edited), &mut chunker).expect("in-memory source"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = build, lookup, shift
}
criterion_main!(benches);
