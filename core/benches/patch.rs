//! Writing and staging: `Patch::write_to` of a one-line edit (the whole-file copy), reads of an
//! `Overlay` holding 1,000 staged edits, the cost of staging the 1,000th edit, and `plan_edits`
//! of 1,000 `replace-lines` edits.
//!
//! The input is about 64 MiB of generated log lines (about 100 bytes each), built once.

use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

use bigedit_core::{plan_edits, text, Chunker, Edit, LineIndex, LinesArg, Overlay, Patch, ReadAt};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};

/// Size of the generated document.
const TARGET: usize = 64 << 20;

/// A token on one line in [`RARE_EVERY`].
const RARE: &[u8] = b"trace=7f3a9c2e";

/// How often [`RARE`] occurs: about 10 times in [`TARGET`] bytes.
const RARE_EVERY: u64 = 1 << 16;

/// A small deterministic generator (SplitMix64): the same text on every run and machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// About [`TARGET`] bytes of log lines (`status=200` on most, [`RARE`] on a few); every
/// `crlf_every`-th line ends with `\r\n` (0: none, 1: all).
fn log_text(crlf_every: u64) -> Vec<u8> {
    const LEVELS: [&str; 8] =
        ["INFO ", "INFO ", "INFO ", "INFO ", "DEBUG", "DEBUG", "WARN ", "ERROR"];
    const PATHS: [&str; 6] =
        ["/api/v1/items", "/api/v2/users", "/healthz", "/static/js", "/api/v1/orders", "/login"];
    const STATUS: [u16; 8] = [200, 200, 200, 200, 200, 304, 404, 503];
    let mut rng = Rng(0x5EED);
    let mut out = Vec::with_capacity(TARGET + 256);
    let mut n = 0u64;
    while out.len() < TARGET {
        let r = rng.next();
        let t = n / 10;
        write!(
            out,
            "2024-05-17T{:02}:{:02}:{:02}.{:03}Z {} [worker-{:02}] req={:08x} path={}/{} status={} took={}ms",
            t / 3600 % 24,
            t / 60 % 60,
            t % 60,
            n % 1000,
            LEVELS[(r & 7) as usize],
            (r >> 3) & 15,
            (r >> 32) as u32,
            PATHS[((r >> 7) % 6) as usize],
            (r >> 24) % 100_000,
            STATUS[((r >> 10) & 7) as usize],
            (r >> 13) % 2000,
        )
        .expect("writing to a vector cannot fail");
        if n % RARE_EVERY == RARE_EVERY / 2 {
            out.push(b' ');
            out.extend_from_slice(RARE);
        }
        let crlf = crlf_every != 0 && n % crlf_every == 0;
        out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        n += 1;
    }
    out
}

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
    let data = log_text(0);
    let mut chunker = Chunker::default();
    let index = LineIndex::build(&data, &mut chunker).expect("in-memory source");
    let mid = index.line_count() / 2;
    let patch =
        text::replace_lines(&data, &index, mid..=mid, b"an edited line").expect("the line exists");
    let mut sink = Vec::with_capacity(patch.len() as usize);

    let mut group = c.benchmark_group("write_to");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(patch.len()));
    group.bench_function("memcpy", |b| {
        b.iter(|| {
            sink.clear();
            sink.extend_from_slice(black_box(&data));
            sink.len()
        })
    });
    group.bench_function("one_line_replace", |b| {
        b.iter(|| {
            sink.clear();
            patch.write_to(black_box(&data), &mut sink, &mut chunker).expect("in-memory source");
            sink.len()
        })
    });
    group.finish();
}

fn overlay(c: &mut Criterion) {
    let data = log_text(0);
    let mut rng = Rng(0x0E11);
    let (doc, index) = staged(&data, EDITS - 1, &mut rng);
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
            || Overlay::with_patch(data.as_slice(), before.clone()),
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
    let data = log_text(0);
    let mut chunker = Chunker::default();
    let index = LineIndex::build(&data, &mut chunker).expect("in-memory source");
    // One random line in each of EDITS equal strata: distinct, in no particular order.
    let mut rng = Rng(0x0715);
    let stratum = index.line_count() / EDITS as u64;
    let mut edits: Vec<Edit> = (0..EDITS as u64)
        .map(|k| Edit::ReplaceLines {
            lines: LinesArg::Line(1 + k * stratum + rng.below(stratum)),
            with: format!("edit {k}: a replacement line"),
        })
        .collect();
    edits.reverse();

    let mut group = c.benchmark_group("plan_edits");
    group.throughput(Throughput::Elements(EDITS as u64));
    group.bench_function(format!("replace_lines_{EDITS}"), |b| {
        b.iter(|| {
            plan_edits(black_box(&data), &index, &edits, &mut chunker).expect("edits are disjoint")
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = write, overlay, plan
}
criterion_main!(benches);
