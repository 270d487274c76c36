//! Locking through the CLI: a held lock makes others wait and then fail with a clear error; a
//! lock dies with its holder; concurrent editors never lose each other's updates.

mod common;

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::{bigedit, Sandbox};

/// What carries the lock of `name`: the file itself.
fn lock_file(sb: &Sandbox, name: &str) -> String {
    sb.path(name).to_string_lossy().into_owned()
}

#[test]
fn a_held_lock_times_out_with_a_clear_error_and_the_file_untouched() {
    bigedit(); // build the binary before anything is timed
    let sb = Sandbox::new();
    let f = sb.write("f.txt", b"one\ntwo\n");
    // util-linux flock(1) holds an exclusive lock on the file, as another writer would.
    let mut holder = Command::new("flock")
        .args(["-x", "-o", &lock_file(&sb, "f.txt"), "sleep", "30"])
        .stdout(Stdio::null())
        .spawn()
        .expect("flock(1) from util-linux");
    thread::sleep(Duration::from_millis(200)); // let it take the lock
    for args in [
        &["--lock-timeout", "0.3", "replace-lines", &f, "1", "--with", "x"][..],
        &["--lock-timeout", "0.3", "read", &f, "1"],
    ] {
        let started = Instant::now();
        let err = sb.run(args).error(1);
        let waited = started.elapsed();
        assert!(err.contains("f.txt") && err.contains("gave up after 0.3 s"), "{err}");
        assert!(waited >= Duration::from_millis(300), "gave up early: {waited:?}");
        assert!(waited < Duration::from_millis(300 + 2 * 50 + 400), "waited too long: {waited:?}");
    }
    assert_eq!(sb.read("f.txt"), b"one\ntwo\n");
    // The kernel frees a lock when its holder dies: the next writer gets it at once.
    holder.kill().expect("kill the holder");
    holder.wait().expect("reap the holder");
    let started = Instant::now();
    sb.run(&["--lock-timeout", "5", "replace-lines", &f, "1", "--with", "x"]).ok();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(sb.read("f.txt"), b"x\ntwo\n");
}

#[test]
fn concurrent_editors_lose_no_update() {
    const WRITERS: usize = 8;
    const EACH: usize = 20;
    let sb = Sandbox::new();
    let f = sb.write("log.txt", b"end\n");
    // Each insert reads the file, plans, and commits a rewrite: without the lock held from the
    // read to the commit, concurrent writers would overwrite each other's lines.
    let children: Vec<_> = (0..WRITERS)
        .map(|w| {
            let script = format!(
                "for i in $(seq 1 {EACH}); do \"$0\" insert {f} --after 0 --with \"w{w}-$i\" >/dev/null || exit 1; done"
            );
            Command::new("sh")
                .args(["-c", &script, bigedit().to_str().expect("utf-8 path")])
                .current_dir(sb.dir())
                .env("BIGEDIT_CACHE_DIR", sb.cache_dir())
                .env("BIGEDIT_AUDIT_LOG", sb.path("audit.jsonl"))
                .spawn()
                .expect("spawn writer")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("writer").success(), "a writer failed");
    }
    let text = String::from_utf8(sb.read("log.txt")).expect("utf-8");
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.pop(), Some("end"));
    lines.sort();
    let mut want: Vec<String> =
        (0..WRITERS).flat_map(|w| (1..=EACH).map(move |i| format!("w{w}-{i}"))).collect();
    want.sort();
    assert_eq!(lines, want, "every insert of every writer is there, once");
    // Every operation appended one whole JSON line, even with 8 processes appending at once.
    let audit = String::from_utf8(sb.read("audit.jsonl")).expect("utf-8");
    let records: Vec<serde_json::Value> =
        audit.lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect();
    assert_eq!(records.len(), WRITERS * EACH);
    for r in &records {
        assert_eq!(
            (r["operation"].as_str(), r["result"].as_str()),
            (Some("insert"), Some("ok")),
            "{r}"
        );
        assert_eq!(r["commit"], "atomic");
        assert!(r["lock_wait_ms"].as_f64().is_some() && r["duration_ms"].as_f64().is_some(), "{r}");
    }
    eprintln!("locks: {} concurrent inserts by {WRITERS} processes, none lost", WRITERS * EACH);
}

/// The `version` of `read --json ARGS`.
fn version_of(sb: &Sandbox, args: &[&str]) -> String {
    let mut all = vec!["--json", "read"];
    all.extend_from_slice(args);
    sb.run(&all).ok_json()["version"].as_str().expect("read --json has a version").to_string()
}

#[test]
fn expect_refuses_edits_of_bytes_that_changed_since_they_were_read() {
    let sb = Sandbox::new();
    let f = sb.write("f.txt", b"one\ntwo\nthree\n");
    let v2 = version_of(&sb, &[&f, "2"]);
    sb.run(&["replace-lines", &f, "2", "--with", "TWO", "--expect", &v2]).ok();
    // The same version again is stale now: refused, naming the bytes, file untouched.
    let err = sb.run(&["replace-lines", &f, "2", "--with", "2", "--expect", &v2]).error(1);
    assert!(err.contains("bytes 4:8 changed since version"), "{err}");
    assert_eq!(sb.read("f.txt"), b"one\nTWO\nthree\n");
    // A splice checks its byte range; a find & replace the whole file; an insert its anchor line.
    let vb = version_of(&sb, &[&f, "--bytes", "0:3"]);
    sb.run(&["splice", &f, "--bytes", "0:3", "--with", "ONE", "--expect", &vb]).ok();
    let stale_all = version_of(&sb, &[&f, "1:"]);
    let v3 = version_of(&sb, &[&f, "3"]);
    sb.run(&["insert", &f, "--after", "3", "--with", "four", "--expect", &v3]).ok();
    sb.run(&["replace", &f, "--find", "T", "--with", "t", "--expect", &stale_all]).error(1);
    let all = version_of(&sb, &[&f, "1:"]);
    sb.run(&["replace", &f, "--find", "T", "--with", "t", "--expect", &all]).ok();
    assert_eq!(sb.read("f.txt"), b"ONE\ntWO\nthree\nfour\n");
    // info --json has a cheap whole-file version that moves with every change.
    let info = |sb: &Sandbox| sb.run(&["--json", "info", &f]).ok_json()["version"].clone();
    let before = info(&sb);
    assert_eq!(before, info(&sb));
    sb.run(&["delete-lines", &f, "4"]).ok();
    assert_ne!(before, info(&sb));
}

#[test]
fn optimistic_writers_with_expect_retries_count_exactly() {
    const WRITERS: usize = 4;
    const EACH: usize = 10;
    let sb = Sandbox::new();
    let f = sb.write("counter.txt", b"0\nother line\n");
    // Each increment reads the counter line with its version and writes it back with
    // --expect; a refused write (someone else got there first) is retried from the read.
    let worker = r#"
import json, subprocess, sys
bigedit, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
done = retries = 0
while done < n:
    r = json.loads(subprocess.run([bigedit, "--json", "read", path, "1"], check=True, capture_output=True).stdout)
    value = int(r["text"]) + 1
    w = subprocess.run([bigedit, "replace-lines", path, "1", "--with", str(value), "--expect", r["version"]], capture_output=True)
    if w.returncode == 0:
        done += 1
    elif b"changed since version" in w.stderr:
        retries += 1
    else:
        sys.exit(w.stderr.decode())
print(retries)
"#;
    let children: Vec<_> = (0..WRITERS)
        .map(|_| {
            Command::new("python3")
                .args([
                    "-c",
                    worker,
                    bigedit().to_str().expect("utf-8 path"),
                    &f,
                    &EACH.to_string(),
                ])
                .current_dir(sb.dir())
                .env("BIGEDIT_CACHE_DIR", sb.cache_dir())
                .stdout(Stdio::piped())
                .spawn()
                .expect("python3")
        })
        .collect();
    let mut retries = 0;
    for c in children {
        let out = c.wait_with_output().expect("worker");
        assert!(out.status.success(), "a worker failed");
        retries += String::from_utf8_lossy(&out.stdout).trim().parse::<u64>().expect("retry count");
    }
    assert_eq!(sb.read("counter.txt"), format!("{}\nother line\n", WRITERS * EACH).as_bytes());
    eprintln!(
        "expect: {} increments by {WRITERS} processes exact, {retries} stale writes retried",
        WRITERS * EACH
    );
}

#[test]
fn the_audit_log_records_each_operation_with_its_ranges_and_errors() {
    let sb = Sandbox::new();
    let f = sb.write("f.txt", b"one\ntwo\n");
    let log = sb.path("audit.jsonl").to_string_lossy().into_owned();
    sb.run(&["--audit-log", &log, "replace-lines", &f, "2", "--with", "TWO!"]).ok();
    sb.run(&["--audit-log", &log, "read", &f, "9"]).error(1);
    sb.run(&["--audit-log", &log, "splice", &f, "--dry-run", "--bytes", "0:1", "--with", "O"]).ok();
    let text = String::from_utf8(sb.read("audit.jsonl")).expect("utf-8");
    let r: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["operation"], "replace-lines");
    assert_eq!(r[0]["file"], "f.txt");
    assert_eq!(r[0]["ranges"], serde_json::json!([[4, 8]])); // line 2 with its newline
    assert_eq!((r[0]["bytes_in"].as_u64(), r[0]["bytes_out"].as_u64()), (Some(8), Some(9)));
    assert_eq!(r[0]["commit"], "atomic");
    assert!(r[0]["time"].as_str().is_some_and(|t| t.len() == 24 && t.ends_with('Z')), "{}", r[0]);
    assert_eq!(r[1]["operation"], "read");
    assert!(
        r[1]["error"].as_str().is_some_and(|e| e.contains("line 9 is past the end")),
        "{}",
        r[1]
    );
    assert!(r[1].get("result").is_none());
    assert_eq!(r[2]["commit"], "none (dry run)");
    assert_eq!(sb.read("f.txt"), b"one\nTWO!\n");
}
