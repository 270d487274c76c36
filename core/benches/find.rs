//! Search: `text::find_literal` of a rare and of a common token, `text::replace_literal` of the
//! rare one (planning only), and `text::find_regex` of a simple pattern, against a bare
//! `memmem` count of the rare token.
//!
//! The input is about 64 MiB of generated log lines (about 100 bytes each), built once.

use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

use bigedit_core::{text, Chunker};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use memchr::memmem;

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
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = find
}
criterion_main!(benches);
