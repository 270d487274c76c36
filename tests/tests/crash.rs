//! Crashes: bigedit killed (SIGKILL) in the middle of a commit.
//!
//! - Deterministically, at every call: a clean commit is traced with strace, then run again
//!   once per traced call from the first one in the file's directory on, killed as it enters
//!   that call (`-e inject=CALL:signal=KILL:when=N`), plus once left to finish.
//! - At random times: a child committing a large edit (atomic and in place) is killed after a
//!   random delay; the seed is printed so a failure can be replayed (`BIGEDIT_CRASH_SEED`).
//!
//! After each kill the next bigedit command must see exactly the old or the new content
//! (the old one if the kill came at or before the commit point), and leave no temporary file
//! or journal behind.

mod common;
#[path = "common/faults.rs"]
mod faults;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bigedit, model};
use faults::{
    describe, figure, have_strace, leftovers, numbered_lines, scenario, strace_bigedit,
    traced_calls, which, Call, Scenario, Work, WRITE_CALLS,
};

const TIMEOUT: Duration = Duration::from_secs(20);

/// The scenarios killed at every call (`common/faults.rs`).
fn scenarios() -> Vec<Scenario> {
    ["atomic", "in-place-tail", "in-place-same-length", "replace-streamed"].map(scenario).into()
}

#[test]
fn a_kill_at_every_call_leaves_the_old_or_the_new_content() {
    let test = "crash: kill at every call";
    if !have_strace(test) {
        return;
    }
    let w = Work::new("crash", true);
    let env = w.env();
    let mut kills = 0;
    let mut counts = std::collections::BTreeMap::<&str, (usize, usize, usize)>::new();
    let mut violations = Vec::new();
    for s in scenarios() {
        let args: Vec<&str> = s.args.iter().map(String::as_str).collect();
        // Twice, so the traced run starts from a stale cache entry, as every later run does.
        let mut clean = None;
        for _ in 0..2 {
            std::fs::write(w.file(), &s.old).expect("write test file");
            let t = strace_bigedit(&w.dir, &env, &traced_calls(), &[], &args, TIMEOUT);
            assert_eq!(t.code(), Some(0), "clean run of {}: {}", s.name, t.stderr());
            clean = Some(t.trace);
        }
        let trace = clean.expect("a clean trace");
        let dir = w.dir.to_string_lossy().into_owned();
        let start = trace.calls.iter().position(|c| c.touches(&dir)).expect("a call in the dir");
        let commit = trace.calls.iter().position(s.commit_point).expect("a commit point");
        // Killed entering each call that changes something on disk (the state between two
        // of them is the same whichever call in between the kill hits); `None`: not killed.
        let changes = |c: &Call| {
            WRITE_CALLS.contains(&c.name.as_str())
                || ["fchown", "fchmod", "flock"].contains(&c.name.as_str())
        };
        let points: Vec<Option<(usize, &Call)>> = trace.calls[start..]
            .iter()
            .enumerate()
            .filter(|(_, c)| changes(c))
            .map(|(i, c)| Some((start + i, c)))
            .chain([None])
            .collect();
        for point in points {
            std::fs::write(w.file(), &s.old).expect("restore the test file");
            let extra = match point {
                Some((_, c)) => vec!["-e".to_string(), format!("inject={}:signal=KILL", c.spec())],
                None => Vec::new(),
            };
            let t = strace_bigedit(&w.dir, &env, &traced_calls(), &extra, &args, TIMEOUT);
            let what = match point {
                Some((_, c)) => format!("{}: killed entering {}", s.name, c.line.trim()),
                None => format!("{}: not killed", s.name),
            };
            let mut bad = |m: String| violations.push(format!("{what}: {m}"));
            if point.is_some() && t.code() == Some(0) {
                bad("exit 0 although killed".into());
            }
            let want = match point {
                Some((pos, _)) if pos <= commit => "old",
                _ => "new",
            };
            let (a, b) = s.lines;
            let next = w.run(&["read", "f.txt", &format!("{a}:{b}")]);
            let got = std::fs::read(w.file()).expect("read the target");
            match which(&got, &s.old, &s.new) {
                None => bad(format!("after the next open: {}", describe(&got, &s.old, &s.new))),
                Some(state) => {
                    if state != want {
                        bad(format!("{state} content, expected {want}"));
                    }
                    let e = counts.entry(s.name).or_default();
                    if state == "old" {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                    let range = model::line_bytes(&got, a, b);
                    if !next.status.success() || next.stdout != got[range] {
                        bad(format!(
                            "the next read is wrong ({}): {}",
                            next.status,
                            String::from_utf8_lossy(&next.stderr)
                        ));
                    }
                }
            }
            if String::from_utf8_lossy(&next.stderr).contains("rolled back") {
                counts.entry(s.name).or_default().2 += 1;
            }
            let left = leftovers(&w.dir);
            if !left.is_empty() {
                bad(format!("left after the next open: {left:?}"));
            }
            kills += usize::from(point.is_some());
        }
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(n, (o, new, rb))| format!("{n} {o} old/{new} new/{rb} rolled back"))
        .collect();
    figure(&format!(
        "crash: {kills} deterministic kills (entering each call that writes) survived: {}; {} \
         violations",
        summary.join(", "),
        violations.len()
    ));
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// xorshift64*: reproducible random numbers from a printed seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// One random-time round: runs `args` on the file (content `old`), kills it after `delay`,
/// and checks what the next command sees. Returns "old", "new" or "finished".
fn kill_round(
    w: &Work,
    args: &[&str],
    old: &[u8],
    new: &[u8],
    delay: Duration,
) -> Result<&'static str, String> {
    let mut child = Command::new(bigedit())
        .args(args)
        .current_dir(&w.dir)
        .env("BIGEDIT_CACHE_DIR", &w.cache)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn bigedit");
    std::thread::sleep(delay);
    let finished = child.try_wait().expect("try_wait").is_some();
    let _ = child.kill();
    let status = child.wait().expect("wait");
    if finished && !status.success() {
        return Err(format!("finished unkilled with {status}"));
    }
    // The next command: takes the lock, rolls back a journal, removes temporary files.
    let next = w.run(&["--no-cache", "info", "f.txt"]);
    if !next.status.success() {
        return Err(format!("the next command failed: {}", String::from_utf8_lossy(&next.stderr)));
    }
    let got = std::fs::read(w.file()).expect("read the target");
    let state = which(&got, old, new).ok_or_else(|| describe(&got, old, new))?;
    let left = leftovers(&w.dir);
    if !left.is_empty() {
        return Err(format!("left after the next command: {left:?}"));
    }
    if finished && state != "new" {
        return Err("finished but the file is old".into());
    }
    Ok(if finished { "finished" } else { state })
}

#[test]
fn random_time_kills_of_large_commits_leave_the_old_or_the_new_content() {
    const ROUNDS: u64 = 100; // per strategy
    const MIB: usize = 8;
    let seed = std::env::var("BIGEDIT_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    let mut rng = Rng(seed);
    // On the disk, where fsync takes real time, so kills land in every phase of a commit.
    let w = Work::new("crash", false);
    let mut content = numbered_lines((MIB << 20) / 41 + 1);
    content.truncate(MIB << 20);
    std::fs::write(w.file(), &content).expect("write test file");
    let mut figures = Vec::new();
    let mut violations = Vec::new();
    for strategy in ["atomic", "in-place"] {
        // The clean duration of such a commit bounds the random delays.
        let mut timed = Vec::new();
        for i in 0..5 {
            let (old, args, new) = edit(&mut rng, &content, strategy, i);
            let started = Instant::now();
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = w.run(&a);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            timed.push(started.elapsed());
            assert!(std::fs::read(w.file()).expect("read") == new, "clean {strategy} commit");
            content = new;
            drop(old);
        }
        timed.sort();
        let span = timed[timed.len() / 2];
        let (mut old_n, mut new_n, mut finished) = (0, 0, 0);
        for round in 0..ROUNDS {
            let (old, args, new) = edit(&mut rng, &content, strategy, round);
            let delay = Duration::from_micros(rng.below(span.as_micros() as u64 * 11 / 10 + 1));
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            match kill_round(&w, &a, &old, &new, delay) {
                Ok(state) => {
                    match state {
                        "old" => old_n += 1,
                        "new" => new_n += 1,
                        _ => finished += 1,
                    }
                    content = if state == "old" { old } else { new };
                }
                Err(e) => {
                    violations.push(format!(
                        "seed {seed}, {strategy} round {round}, {args:?} killed after {delay:?}: {e}"
                    ));
                    // Carry on from whatever is there now.
                    content = std::fs::read(w.file()).expect("read");
                }
            }
        }
        figures.push(format!(
            "{strategy}: {} kills ({old_n} old, {new_n} new, {finished} finished first; commit \
             takes ~{} ms)",
            ROUNDS,
            span.as_millis()
        ));
    }
    figure(&format!(
        "crash: random-time SIGKILLs of {MIB} MiB commits (seed {seed}): {}; {} violations",
        figures.join("; "),
        violations.len()
    ));
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// A random length-changing splice of `content` in its first quarter (so an in-place commit
/// rewrites most of the file): returns the old content, the arguments and the new content.
fn edit(
    rng: &mut Rng,
    content: &[u8],
    strategy: &str,
    round: u64,
) -> (Vec<u8>, Vec<String>, Vec<u8>) {
    let at = rng.below(content.len() as u64 / 4) as usize;
    // Alternately grow and shrink by 3 bytes, so the size stays put.
    let (cut, with) = if round.is_multiple_of(2) { (4, "abcdefg") } else { (7, "wxyz") };
    let new = model::apply_one(content, (at..at + cut, with.as_bytes().to_vec()));
    let args = vec![
        "--no-cache".to_string(),
        "splice".into(),
        "f.txt".into(),
        "--bytes".into(),
        format!("{at}:{}", at + cut),
        "--with".into(),
        with.into(),
        "--commit".into(),
        strategy.into(),
    ];
    (content.to_vec(), args, new)
}
