//! The generated input shared by the benchmarks: about 64 MiB of log lines, the same on every
//! run and machine.

#![allow(dead_code)] // each bench uses part of this

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

/// Size of the generated document.
pub const TARGET: usize = 64 << 20;

/// A token on one line in [`RARE_EVERY`].
pub const RARE: &[u8] = b"trace=7f3a9c2e";

/// How often [`RARE`] occurs: about 10 times in [`TARGET`] bytes.
pub const RARE_EVERY: u64 = 1 << 16;

/// A small deterministic generator (SplitMix64): the same text on every run and machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// About [`TARGET`] bytes of log lines (`status=200` on most, [`RARE`] on a few); every
/// `crlf_every`-th line ends with `\r\n` (0: none, 1: all).
pub fn log_text(crlf_every: u64) -> Vec<u8> {
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
        let crlf = crlf_every != 0 && n.is_multiple_of(crlf_every);
        out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        n += 1;
    }
    out
}

/// The LF text, generated on first use and shared by every benchmark in this file.
pub fn lf_text() -> &'static [u8] {
    static TEXT: OnceLock<Vec<u8>> = OnceLock::new();
    TEXT.get_or_init(|| log_text(0))
}

/// Small samples and no plots (plotting takes longer than measuring) keep the whole
/// `cargo bench -p bigedit-core` to a few minutes on two cores.
pub fn config() -> criterion::Criterion {
    criterion::Criterion::default()
        .without_plots()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
}
