//! Every I/O call of a commit fails in turn (SQLite's bar): a clean commit is traced with
//! strace to count its calls; then, for every call from the first one that touches the file's
//! directory on, the same commit runs again with that call failing (strace `-e inject`) —
//! with ENOSPC and with EIO, once and persistently (that call and every later one of its
//! kind) for the writing calls, with EIO once for the reading ones.
//!
//! After each run: the target is the old content, or the new where the failure came after the
//! commit point (an atomic commit's rename, an in-place commit's journal removal); the error
//! is one line naming the action and the errno; and the next bigedit command (which rolls back
//! a journal and removes stale temporary files) reads the old or new lines, with no temporary
//! file or journal left. Needs strace; runs as any user.

mod common;
#[path = "common/faults.rs"]
mod faults;

use std::time::Duration;

use common::model;
use faults::{
    describe, figure, have_strace, leftovers, scenario, strace_bigedit, traced_calls, which, Call,
    Scenario, Trace, Work, WRITE_CALLS,
};

const TIMEOUT: Duration = Duration::from_secs(20);

/// The clean run of `s`: its trace, the index of the first call in the file's directory and
/// of the commit point.
fn clean_run(w: &Work, s: &Scenario) -> (Trace, usize, usize) {
    let args: Vec<&str> = s.args.iter().map(String::as_str).collect();
    // Twice: the first run creates the cache directory, so the second one's calls are those of
    // every later run (which starts with a stale cache entry).
    let mut trace = Trace::default();
    for _ in 0..2 {
        std::fs::write(w.file(), &s.old).expect("write test file");
        let t = strace_bigedit(&w.dir, &w.env(), &traced_calls(), &[], &args, TIMEOUT);
        assert_eq!(t.code(), Some(0), "clean run of {}: {}", s.name, t.stderr());
        assert!(std::fs::read(w.file()).expect("read") == s.new, "clean run of {}", s.name);
        trace = t.trace;
    }
    let dir = w.dir_str();
    let start = trace.calls.iter().position(|c| c.touches(&dir)).expect("a call in the dir");
    let commit = trace
        .calls
        .iter()
        .position(s.commit_point)
        .unwrap_or_else(|| panic!("no commit point in the clean trace of {}", s.name));
    (trace, start, commit)
}

/// The errno names and texts injected.
const ERRNOS: [(&str, &str); 2] = [
    ("ENOSPC", "No space left on device (os error 28)"),
    ("EIO", "Input/output error (os error 5)"),
];

/// Words one of which the action in the message must contain when `call` failed.
fn action_words(call: &str) -> Option<&'static [&'static str]> {
    Some(match call {
        "fsync" | "fdatasync" => &["fsync"],
        "rename" | "renameat" | "renameat2" => &["rename"],
        "unlink" | "unlinkat" => &["remove", "unlink"],
        "openat" | "open" => &["open", "create", "lock", "backup"],
        "write" | "pwrite64" | "copy_file_range" | "sendfile" | "ftruncate" => {
            &["write", "seal", "copy", "roll back", "truncate", "backup"]
        }
        "linkat" => &["link", "backup", "copy"],
        _ => return None,
    })
}

/// Calls whose failure must never be swallowed when they work on the target's directory.
fn durable(call: &str) -> bool {
    matches!(
        call,
        "write"
            | "pwrite64"
            | "copy_file_range"
            | "sendfile"
            | "fsync"
            | "fdatasync"
            | "ftruncate"
            | "rename"
            | "renameat"
            | "renameat2"
    )
}

#[derive(Default)]
struct Tally {
    runs: usize,
    calls: usize,
    old: usize,
    new_after_commit: usize,
    tolerated: Vec<String>,
    deferred_rollbacks: usize,
    message_lost: usize,
    actions: std::collections::BTreeSet<String>,
    violations: Vec<String>,
}

/// Fails `call` (at `pos` in the clean trace) with `errno`, once or from then on, and checks
/// what is left.
fn fail_one(
    w: &Work,
    s: &Scenario,
    call: &Call,
    after_commit: bool,
    (errno, errno_text): (&str, &str),
    persistent: bool,
    tally: &mut Tally,
) {
    std::fs::write(w.file(), &s.old).expect("restore the test file");
    let spec = format!(
        "inject={}:error={errno}:when={}{}",
        call.name,
        call.nth,
        if persistent { "+" } else { "" }
    );
    let args: Vec<&str> = s.args.iter().map(String::as_str).collect();
    let t = strace_bigedit(
        &w.dir,
        &w.env(),
        &traced_calls(),
        &["-e".into(), spec.clone()],
        &args,
        TIMEOUT,
    );
    tally.runs += 1;
    let what = format!("{}: {spec} (clean call: {})", s.name, call.line.trim());
    let mut bad = |msg: String| tally.violations.push(format!("{what}: {msg}"));
    if t.hung {
        bad("hung".into());
    }
    let touches = call.touches(&w.dir_str());
    let got = std::fs::read(w.file()).expect("read the target");
    let journal = w.dir.join(".f.txt.bigedit-journal").exists();
    let state = which(&got, &s.old, &s.new);
    if state.is_none() && !journal {
        bad(format!("torn with no journal to roll it back: {}", describe(&got, &s.old, &s.new)));
    }
    let stderr = t.stderr();
    match t.code() {
        Some(0) => {
            if state != Some("new") {
                bad(format!("exit 0 but the file is {state:?}"));
            }
            if touches && durable(&call.name) {
                bad(format!("the failure was swallowed (exit 0; stderr {stderr:?})"));
            } else {
                tally.tolerated.push(format!("{} {}", call.name, short(&call.line)));
            }
        }
        code => {
            let traced = t.trace.stderr_text();
            let message = if stderr.is_empty() { traced.clone() } else { stderr.clone() };
            let lost = stderr.is_empty() || code != Some(1);
            if lost {
                // Only a failing stderr (a persistent write failure) may cost the message.
                if !(persistent && call.name == "write" && traced.starts_with("bigedit: ")) {
                    bad(format!("exit {code:?} with stderr {stderr:?}"));
                }
                tally.message_lost += 1;
            } else {
                let one_line = message.starts_with("bigedit: ")
                    && message.ends_with('\n')
                    && message.lines().count() == 1;
                if !one_line {
                    bad(format!("not a one-line error: {message:?}"));
                }
                if touches && !message.contains(errno_text) {
                    bad(format!("the error does not give the errno: {message:?}"));
                }
                // "bigedit: PATH: ACTION: ..."; the action is the last part before the errno.
                let action = message
                    .strip_prefix("bigedit: ")
                    .and_then(|m| m.split(": ").nth(1))
                    .unwrap_or("")
                    .to_string();
                if touches && message.contains(errno_text) {
                    if let Some(words) = action_words(&call.name) {
                        if !words.iter().any(|w| message.contains(w)) {
                            bad(format!(
                                "the error does not name the {} call: {message:?}",
                                call.name
                            ));
                        }
                    }
                    tally.actions.insert(format!("{}->{}", call.name, action));
                }
            }
            match state {
                // Only a journal left for the next open may stand between new and old.
                Some("new") if !after_commit && touches && !journal => {
                    bad("new content although the failure preceded the commit point".into());
                }
                Some("old") if after_commit && touches => {
                    bad("old content although the failure came after the commit point".into());
                }
                _ => {}
            }
        }
    }
    // The next bigedit command: rolls back a journal, removes temporary files, reads lines.
    let (a, b) = s.lines;
    let next = w.run(&["read", "f.txt", &format!("{a}:{b}")]);
    let after = std::fs::read(w.file()).expect("read the target");
    let final_state = which(&after, &s.old, &s.new);
    match final_state {
        None => bad(format!("after the next open: {}", describe(&after, &s.old, &s.new))),
        Some(f) => {
            if journal {
                tally.deferred_rollbacks += 1;
                if f != "old" && !after_commit {
                    bad(format!("the next open left {f} content"));
                }
            } else if Some(f) != state {
                bad(format!("the next open changed the file from {state:?} to {f}"));
            }
            if f == "old" {
                tally.old += 1;
            } else if t.code() != Some(0) {
                tally.new_after_commit += 1;
            }
            let range = model::line_bytes(&after, a, b);
            if !next.status.success() || next.stdout != after[range] {
                bad(format!(
                    "the next read of lines {a}:{b} is wrong ({}): {}",
                    next.status,
                    String::from_utf8_lossy(&next.stderr)
                ));
            }
        }
    }
    let left = leftovers(&w.dir);
    if !left.is_empty() {
        bad(format!("left after the next open: {left:?}"));
    }
    if w.dir.join("f.txt.bak").exists() {
        let _ = std::fs::remove_file(w.dir.join("f.txt.bak"));
    }
}

fn short(line: &str) -> String {
    let line = line.split_once(' ').map_or(line, |(_, r)| r);
    line.chars().take(90).collect()
}

/// Fails every call of scenario `name` in turn and reports the figure.
fn every_call_fails_in_turn(name: &'static str) {
    let test = format!("faults: {name}");
    if !have_strace(&test) {
        return;
    }
    let w = Work::new("faults", true);
    let s = scenario(name);
    let (trace, start, commit) = clean_run(&w, &s);
    let mut tally = Tally::default();
    for (pos, call) in trace.calls.iter().enumerate().skip(start) {
        let writes = WRITE_CALLS.contains(&call.name.as_str());
        tally.calls += 1;
        for errno in ERRNOS {
            if !writes && errno.0 != "EIO" {
                continue;
            }
            fail_one(&w, &s, call, pos > commit, errno, false, &mut tally);
            if writes {
                fail_one(&w, &s, call, pos > commit, errno, true, &mut tally);
            }
        }
    }
    let tolerated: std::collections::BTreeSet<&String> = tally.tolerated.iter().collect();
    eprintln!("{test}: error actions seen: {:?}", tally.actions);
    eprintln!("{test}: failures bigedit tolerated (exit 0, new content): {tolerated:?}");
    figure(&format!(
        "faults: {name}: {} injected failures over {} calls (ENOSPC/EIO, once/persistent): \
         {} left the old content, {} the new (failed after the commit point), {} tolerated \
         (exit 0, new), {} rollbacks left to the next open, {} messages lost with stderr; \
         {} violations",
        tally.runs,
        tally.calls,
        tally.old,
        tally.new_after_commit,
        tally.tolerated.len(),
        tally.deferred_rollbacks,
        tally.message_lost,
        tally.violations.len()
    ));
    assert!(
        tally.violations.is_empty(),
        "{} violations:\n{}",
        tally.violations.len(),
        tally.violations.join("\n")
    );
}

#[test]
fn every_call_of_an_atomic_commit_fails_in_turn() {
    every_call_fails_in_turn("atomic");
}

#[test]
fn every_call_of_a_streamed_md_commit_fails_in_turn() {
    every_call_fails_in_turn("md-streamed");
}

#[test]
fn every_call_of_a_commit_written_while_planned_fails_in_turn() {
    every_call_fails_in_turn("replace-streamed");
}

#[test]
fn every_call_of_an_atomic_commit_with_backup_fails_in_turn() {
    every_call_fails_in_turn("atomic-backup");
}

#[test]
fn every_call_of_an_in_place_tail_rewrite_fails_in_turn() {
    every_call_fails_in_turn("in-place-tail");
}

#[test]
fn every_call_of_an_in_place_same_length_commit_fails_in_turn() {
    every_call_fails_in_turn("in-place-same-length");
}

#[test]
fn a_failed_fsync_aborts_the_commit_and_is_never_retried() {
    let test = "faults: fsync never retried";
    if !have_strace(test) {
        return;
    }
    let w = Work::new("faults", true);
    let mut checked = 0;
    for name in ["atomic", "in-place-tail", "in-place-same-length"] {
        let s = scenario(name);
        let (trace, start, commit) = clean_run(&w, &s);
        let fsyncs: Vec<&Call> = trace.calls[start..commit]
            .iter()
            .filter(|c| c.name == "fsync" || c.name == "fdatasync")
            .collect();
        assert!(!fsyncs.is_empty(), "{name}: no fsync before the commit point");
        for call in fsyncs {
            std::fs::write(w.file(), &s.old).expect("restore");
            let spec = format!("inject={}:error=EIO:when={}", call.name, call.nth);
            let args: Vec<&str> = s.args.iter().map(String::as_str).collect();
            let t = strace_bigedit(
                &w.dir,
                &w.env(),
                &traced_calls(),
                &["-e".into(), spec.clone()],
                &args,
                TIMEOUT,
            );
            let what = format!("{name}: {spec} ({})", call.line.trim());
            assert_eq!(t.code(), Some(1), "{what}: {}", t.stderr());
            assert!(
                t.stderr().contains("fsync") && t.stderr().contains("(os error 5)"),
                "{what}: {}",
                t.stderr()
            );
            // The failed call, then: never the same file fsynced again before something was
            // written back to it (a rollback), and no commit point.
            let calls = &t.trace.calls;
            let failed = calls
                .iter()
                .position(|c| c.name == call.name && c.failed)
                .expect("the failed fsync");
            let fd_path = fd_path(&calls[failed].line);
            for c in &calls[failed + 1..] {
                let same_file =
                    fd_path.as_deref().is_some_and(|p| fd_path_of(c).as_deref() == Some(p));
                if same_file && (c.name == "fsync" || c.name == "fdatasync") {
                    panic!("{what}: fsync retried on {fd_path:?}: {}", c.line);
                }
                if same_file && c.name != "fstat" && c.name != "statx" {
                    break; // something else happened to the file (a rollback write): a new sync is fine
                }
            }
            // An atomic commit's rename must not follow; an in-place commit removes its
            // journal either way (commit or abort), so there the content decides.
            if name == "atomic" {
                let renamed = calls[failed..].iter().any(s.commit_point);
                assert!(!renamed, "{what}: renamed over the target after the fsync failed");
            }
            let got = std::fs::read(w.file()).expect("read");
            assert!(got == s.old, "{what}: {}", describe(&got, &s.old, &s.new));
            w.run(&["info", "f.txt"]);
            assert!(leftovers(&w.dir).is_empty(), "{what}: {:?}", leftovers(&w.dir));
            checked += 1;
        }
    }
    figure(&format!(
        "faults: {checked} failed fsyncs each aborted the commit, none retried, file old"
    ));
}

/// The path strace's `-y` shows for the first fd argument of a trace line.
fn fd_path(line: &str) -> Option<String> {
    let (_, rest) = line.split_once('(')?;
    let (_, rest) = rest.split_once('<')?;
    rest.split_once('>').map(|(p, _)| p.to_string())
}

fn fd_path_of(c: &Call) -> Option<String> {
    fd_path(&c.line)
}

#[test]
fn a_rename_failing_with_exdev_never_falls_back_to_copy_and_unlink() {
    let test = "faults: EXDEV";
    if !have_strace(test) {
        return;
    }
    let w = Work::new("faults", true);
    let s = scenario("atomic");
    let (trace, _, commit) = clean_run(&w, &s);
    let rename = &trace.calls[commit];
    std::fs::write(w.file(), &s.old).expect("restore");
    // Persistently: a fallback would have to rename or copy again.
    let spec = format!("inject={}:error=EXDEV:when={}+", rename.name, rename.nth);
    let args: Vec<&str> = s.args.iter().map(String::as_str).collect();
    let t = strace_bigedit(
        &w.dir,
        &w.env(),
        &traced_calls(),
        &["-e".into(), spec.clone()],
        &args,
        TIMEOUT,
    );
    let err = t.stderr();
    assert_eq!(t.code(), Some(1), "{spec}: {err}");
    assert!(err.contains("rename") && err.contains("(os error 18)"), "{spec}: {err}");
    let calls = &t.trace.calls;
    let failed =
        calls.iter().position(|c| c.name == rename.name && c.failed).expect("the failed rename");
    let dir = w.dir_str();
    let target = format!("{dir}/f.txt>");
    for c in &calls[failed + 1..] {
        let copies =
            matches!(c.name.as_str(), "copy_file_range" | "sendfile" | "write" | "pwrite64")
                && c.touches(&dir);
        let recreates = c.name == "openat" && c.line.contains("O_CREAT") && c.touches(&dir);
        let unlinks_target = c.name.starts_with("unlink") && c.line.contains("\"f.txt\"");
        let writes_target = durable(&c.name) && c.line.contains(&target);
        assert!(
            !(copies || recreates || unlinks_target || writes_target),
            "{spec}: a fallback after the failed rename: {}",
            c.line
        );
    }
    let got = std::fs::read(w.file()).expect("read");
    assert!(got == s.old, "{spec}: {}", describe(&got, &s.old, &s.new));
    assert!(leftovers(&w.dir).is_empty(), "{spec}: {:?}", leftovers(&w.dir));
    figure("faults: a rename failing with EXDEV aborted the commit: no copy, no unlink, file old");
}
