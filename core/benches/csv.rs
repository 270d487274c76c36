//! CSV scanning: the record scanner with the structural classifier against csv-core alone,
//! on plain rows and on quote-heavy rows, and `set_cells` (the `csv set --where` pass) over
//! the same input. A bare `memchr` newline count is the floor.
//!
//! The input is about 64 MiB of generated rows (about 100 bytes each), built once: in the
//! quoted one, half the rows hold a quoted field with commas, doubled quotes and now and then
//! a newline, as in issue 20.

use std::hint::black_box;
use std::io::Write;
use std::sync::OnceLock;

use bigedit_core::csv::{self, Assignment, Condition, Dialect, Record, RecordScanner};
use bigedit_core::{Chunker, Flow, Scanner, DEFAULT_CHUNK};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

mod common;
use common::{Rng, TARGET};

/// About [`TARGET`] bytes of CSV rows; every `quoted_every`-th row has a quoted note (0: none).
fn rows(quoted_every: u64) -> Vec<u8> {
    const CITIES: [&str; 10] = [
        "Paris", "Berlin", "Madrid", "Rome", "Lisbon", "Vienna", "Prague", "Dublin", "Oslo",
        "Athens",
    ];
    let mut rng = Rng(0xC5F);
    let mut out = b"id,name,city,status,amount,note\n".to_vec();
    let mut i = 0u64;
    while out.len() < TARGET {
        i += 1;
        let city = CITIES[rng.below(10) as usize];
        write!(out, "{i},customer-{i:08},{city},pending,{}.{:02},", rng.below(10_000), i % 100)
            .expect("in memory");
        if quoted_every > 0 && i.is_multiple_of(quoted_every) {
            let nl = if rng.below(16) == 0 { "\n" } else { "" };
            writeln!(out, "\"late, said \"\"call back\"\"{nl} about order {i}\"")
                .expect("in memory");
        } else {
            writeln!(out, "standard delivery to the front desk, order {i}").expect("in memory");
        }
    }
    out
}

fn plain() -> &'static [u8] {
    static TEXT: OnceLock<Vec<u8>> = OnceLock::new();
    TEXT.get_or_init(|| rows(0))
}

fn quoted() -> &'static [u8] {
    static TEXT: OnceLock<Vec<u8>> = OnceLock::new();
    TEXT.get_or_init(|| rows(2))
}

/// Counts records, pushing `text` in chunks of the default size.
fn count(text: &[u8], classify: bool) -> u64 {
    let d = Dialect::default();
    let mut s = RecordScanner::new(&d).classify(classify);
    let mut n = 0u64;
    let mut each = |r: &Record<'_>| {
        n += r.len() as u64;
        Ok(Flow::Continue)
    };
    for (i, chunk) in text.chunks(DEFAULT_CHUNK).enumerate() {
        s.feed((i * DEFAULT_CHUNK) as u64, chunk, &mut each).expect("valid input");
    }
    s.finish(&mut each).expect("valid input");
    n
}

fn scan(c: &mut Criterion) {
    let mut group = c.benchmark_group("csv_scan");
    group.sampling_mode(SamplingMode::Flat);
    for (name, text) in [("plain", plain()), ("quoted", quoted())] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("{name}/memchr_count"), |b| {
            b.iter(|| memchr::memchr_iter(b'\n', black_box(text)).count())
        });
        group.bench_function(format!("{name}/classifier"), |b| {
            b.iter(|| count(black_box(text), true))
        });
        group.bench_function(format!("{name}/csv_core"), |b| {
            b.iter(|| count(black_box(text), false))
        });
    }
    group.finish();
}

fn set(c: &mut Criterion) {
    let mut group = c.benchmark_group("csv_set");
    group.sampling_mode(SamplingMode::Flat);
    let d = Dialect::default();
    let conds = [Condition::parse("city=Paris").expect("valid")];
    let sets = [Assignment::parse("status=shipped").expect("valid")];
    for (name, text) in [("plain", plain()), ("quoted", quoted())] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        let header = csv::Header::read(&text, &d, &mut Chunker::default()).expect("valid");
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut pass = csv::SetCells::new(&header, &d, &conds, &sets, text.len() as u64)
                    .expect("valid");
                for (i, chunk) in text.chunks(DEFAULT_CHUNK).enumerate() {
                    pass.feed((i * DEFAULT_CHUNK) as u64, chunk).expect("valid input");
                    // Hand the splices over as a committing host does.
                    black_box(bigedit_core::Drain::drain(&mut pass));
                }
                bigedit_core::Pass::finish(pass).expect("valid input")
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(3));
    targets = scan, set
}
criterion_main!(benches);
