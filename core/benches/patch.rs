//! Writing and staging: `Patch::write_to` of a one-line edit (the whole-file copy), reads of an
//! `Overlay` holding 1,000 staged edits, the cost of staging the 1,000th edit, and `plan_edits`
//! of 1,000 `replace-lines` edits.
//!
//! The input is about 64 MiB of generated log lines (about 100 bytes each), built once.

use std::hint::black_box;

use bigedit_core::{plan_edits, text, Chunker, Edit, LineIndex, LinesArg, Overlay, Patch, ReadAt};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};

mod common;
use common::*;

/// How many edits the overlay and edit-list benchmarks use.
const EDITS: usize = 1000;

/// Size of a random read from the overlay.
const WINDOW: usize = 4096;

/// How many precomputed random reads a per-read benchmark cycles through.
const READS: usize = 4096;

/// An overlay of `data` with `n` one-line replacements staged one after the other, each planned
/// against the view the previous ones left, as an interactive session would; and the index of
/// that view, kept up to date with `LineIndex::shifted`.
fn staged<'a>(data: &'a [u8], n: usize, rng: &mut Rng) -> (Overlay<&'a [u8]>, LineIndex) {
    let mut doc = Overlay::new(data);
    let mut index = LineIndex::build(data, &mut Chunker::default()).expect("in-memory source");
    for k in 0..n {
        let view = next_edit(&doc, &index, k, rng);
        index = index.shifted(&doc, &view).expect("planned for this view");
        doc.stage(&view).expect("planned for this view");
    }
    (doc, index)
}

/// Plans edit number `k`: replace a random line of the view with a new one.
fn next_edit(doc: &Overlay<&[u8]>, index: &LineIndex, k: usize, rng: &mut Rng) -> Patch {
    let line = 1 + rng.below(index.line_count());
    let with = format!("edit {k}: a replacement line of about the same length as the others");
    text::replace_lines(doc, index, line..=line, with.as_bytes()).expect("the line exists")
}

fn write(c: &mut Criterion) {
    let data = lf_text();
    let mut chunker = Chunker::default();
    let index = LineIndex::build(data, &mut chunker).expect("in-memory source");
    let mid = index.line_count() / 2;
    let patch =
        text::replace_lines(data, &index, mid..=mid, b"an edited line").expect("the line exists");
    let mut sink = Vec::with_capacity(patch.len() as usize);

    let mut group = c.benchmark_group("write_to");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(patch.len()));
    group.bench_function("memcpy", |b| {
        b.iter(|| {
            sink.clear();
            sink.extend_from_slice(black_box(data));
            sink.len()
        })
    });
    group.bench_function("one_line_replace", |b| {
        b.iter(|| {
            sink.clear();
            patch.write_to(black_box(data), &mut sink, &mut chunker).expect("in-memory source");
            sink.len()
        })
    });
    group.finish();
}

fn overlay(c: &mut Criterion) {
    let data = lf_text();
    let mut rng = Rng(0x0E11);
    let (doc, index) = staged(data, EDITS - 1, &mut rng);
    let last = next_edit(&doc, &index, EDITS - 1, &mut rng);
    let before = doc.patch().clone();
    let mut doc = doc;
    doc.stage(&last).expect("planned for this view");
    let rebuilt = LineIndex::build(&doc, &mut Chunker::default()).expect("in-memory source");
    assert_eq!(
        (rebuilt.len(), rebuilt.newline_count()),
        (last.len(), index.newline_count()),
        "every edit replaces one line with one line",
    );

    let mut group = c.benchmark_group("overlay");
    group.throughput(Throughput::Bytes(WINDOW as u64));
    let offsets: Vec<u64> = (0..READS).map(|_| rng.below(doc.len() - WINDOW as u64)).collect();
    let mut buf = vec![0u8; WINDOW];
    let mut i = 0;
    group.bench_function("read_4k/source", |b| {
        b.iter(|| {
            i = (i + 1) % READS;
            data.read_at(black_box(offsets[i]), &mut buf).expect("in-memory source")
        })
    });
    group.bench_function(format!("read_4k/{EDITS}_edits"), |b| {
        b.iter(|| {
            i = (i + 1) % READS;
            doc.read_at(black_box(offsets[i]), &mut buf).expect("in-memory source")
        })
    });

    group.throughput(Throughput::Elements(1));
    group.bench_function(format!("stage/edit_{EDITS}"), |b| {
        b.iter_batched(
            || Overlay::with_patch(data, before.clone()),
            |mut doc| {
                doc.stage(black_box(&last)).expect("planned for this view");
                doc
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn plan(c: &mut Criterion) {
    let data = lf_text();
    let mut chunker = Chunker::default();
    let index = LineIndex::build(data, &mut chunker).expect("in-memory source");
    // One random line in each of EDITS equal strata: distinct, in no particular order.
    let mut rng = Rng(0x0715);
    let stratum = index.line_count() / EDITS as u64;
    let mut edits: Vec<Edit> = (0..EDITS as u64)
        .map(|k| Edit::ReplaceLines {
            lines: LinesArg::Line(1 + k * stratum + rng.below(stratum)),
            with: format!("edit {k}: a replacement line").into_bytes().into(),
        })
        .collect();
    edits.reverse();

    let mut group = c.benchmark_group("plan_edits");
    group.throughput(Throughput::Elements(EDITS as u64));
    group.bench_function(format!("replace_lines_{EDITS}"), |b| {
        b.iter(|| {
            plan_edits(black_box(data), Some(&index), &edits, &mut chunker)
                .expect("edits are disjoint")
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = write, overlay, plan
}
criterion_main!(benches);
