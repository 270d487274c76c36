//! Power cuts: an ext4 image on a loop device, mounted with `noauto_da_alloc` (so ext4's
//! replace-via-rename heuristic cannot hide a missing fsync). A commit is killed (strace
//! `signal=KILL`) entering the call right after each of its persistence calls (fsync, rename,
//! unlink) — and before the first — then the file system is shut down with `FS_IOC_SHUTDOWN`
//! (`NOLOGFLUSH`: whatever was not durable is lost, as in a power cut), unmounted and mounted
//! again. The next bigedit command must see the old or the new content, never an empty or
//! torn file: the old one if the cut came at or before the commit point, the new one once the
//! commit point is durable. Needs root, loop devices and strace.

mod common;
#[path = "common/faults.rs"]
mod faults;

use std::process::Command;
use std::time::Duration;

use common::{bigedit, model};
use faults::{
    describe, figure, have_root, have_strace, have_tool, hold, leftovers, no_writer_scan, not_run,
    scenario, strace_bigedit, traced_calls, which, Call, Mount,
};

const TIMEOUT: Duration = Duration::from_secs(30);

fn persists(c: &Call) -> bool {
    matches!(
        c.name.as_str(),
        "fsync" | "fdatasync" | "rename" | "renameat" | "renameat2" | "unlink" | "unlinkat"
    )
}

#[test]
fn a_power_cut_after_each_persistence_point_leaves_the_old_or_the_new_content() {
    let test = "powercut: ext4 on a loop device";
    if !have_root(test) || !have_strace(test) || !have_tool(test, "mkfs.ext4", "e2fsprogs") {
        return;
    }
    let mut m = match Mount::ext4_image(64, "noauto_da_alloc") {
        Ok(m) => m,
        Err(e) => return not_run(test, &format!("cannot mount an ext4 image: {e}")),
    };
    let dir = m.dir.join("work");
    std::fs::create_dir(&dir).expect("work dir");
    let dir = dir.canonicalize().expect("canonical");
    let f = dir.join("f.txt");
    // The shared scenarios (`common/faults.rs`), with no index cache.
    let scenarios =
        ["atomic", "in-place-tail", "in-place-same-length", "replace-streamed"].map(|name| {
            let mut s = scenario(name);
            s.args.insert(0, "--no-cache".to_string());
            s
        });
    let old = &scenarios[0].old;
    let calls = traced_calls();
    let dir_s = dir.to_string_lossy().into_owned();
    let env = [hold(), no_writer_scan()];
    // Puts the old content on disk, durably.
    let reset = || {
        std::fs::write(&f, old).expect("write test file");
        std::fs::File::open(&f).and_then(|f| f.sync_all()).expect("fsync test file");
        std::fs::File::open(&dir).and_then(|d| d.sync_all()).expect("fsync dir");
    };
    let mut cuts = 0;
    let mut tally = Vec::new();
    let mut violations = Vec::new();
    for s in &scenarios {
        let a: Vec<&str> = s.args.iter().map(String::as_str).collect();
        reset();
        let clean = strace_bigedit(&dir, &env, &calls, &[], &a, TIMEOUT);
        assert_eq!(clean.code(), Some(0), "clean {}: {}", s.name, clean.stderr());
        let trace = clean.trace.calls;
        let start = trace.iter().position(|c| c.touches(&dir_s)).expect("a call in the dir");
        let commit = trace.iter().position(s.commit_point).expect("a commit point");
        // Durable: the first fsync after the commit point (the directory's).
        let durable = commit
            + trace[commit..]
                .iter()
                .position(|c| c.name == "fsync")
                .expect("an fsync after the commit point");
        // Cut entering the call after each persistence call, and before the first; `None`:
        // after the process exited normally.
        let first = trace[start..].iter().position(persists).expect("a persistence call") + start;
        let mut points: Vec<Option<usize>> = vec![Some(first)];
        for (i, c) in trace.iter().enumerate().skip(start) {
            if persists(c) {
                points.push((i + 1 < trace.len()).then_some(i + 1));
            }
        }
        points.dedup();
        if points.last() != Some(&None) {
            points.push(None);
        }
        let (mut n_old, mut n_new) = (0, 0);
        for point in points {
            reset();
            let extra = match point {
                Some(q) => {
                    vec!["-e".to_string(), format!("inject={}:signal=KILL", trace[q].spec())]
                }
                None => Vec::new(),
            };
            let t = strace_bigedit(&dir, &env, &calls, &extra, &a, TIMEOUT);
            let shut = m.shut_down();
            let what = match point {
                Some(q) => format!("{}: cut entering {}", s.name, trace[q].line.trim()),
                None => format!("{}: cut after a normal exit", s.name),
            };
            if let Err(e) = shut.and_then(|()| m.remount()) {
                panic!("{what}: {e}");
            }
            cuts += 1;
            if point.is_some() && t.code() == Some(0) {
                violations.push(format!("{what}: the kill did not happen"));
            }
            // The next command: rolls back a journal, removes temporary files.
            let next = Command::new(bigedit())
                .args(["--no-cache", "read", "f.txt", "1:3"])
                .current_dir(&dir)
                .output()
                .expect("run bigedit");
            let got = std::fs::read(&f).expect("read after remount");
            let want = match point {
                Some(q) if q <= commit => Some("old"),
                Some(q) if q <= durable => None,
                _ => Some("new"),
            };
            match which(&got, old, &s.new) {
                None => violations.push(format!("{what}: {}", describe(&got, old, &s.new))),
                Some(state) => {
                    if want.is_some_and(|w| w != state) {
                        violations.push(format!("{what}: {state} content, expected {want:?}"));
                    }
                    if state == "old" {
                        n_old += 1;
                    } else {
                        n_new += 1;
                    }
                    if !next.status.success() || next.stdout != model::lines(&got)[..3].concat() {
                        violations.push(format!(
                            "{what}: the next read failed: {}",
                            String::from_utf8_lossy(&next.stderr)
                        ));
                    }
                }
            }
            let left = leftovers(&dir);
            if !left.is_empty() {
                violations.push(format!("{what}: left after the next command: {left:?}"));
            }
        }
        tally.push(format!("{} {n_old} old/{n_new} new", s.name));
    }
    figure(&format!(
        "powercut: {cuts} power cuts (FS_IOC_SHUTDOWN NOLOGFLUSH on ext4 noauto_da_alloc) after \
         each persistence point survived: {}; {} violations",
        tally.join(", "),
        violations.len()
    ));
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}
