//! Locking through the CLI: a held lock makes others wait and then fail with a clear error; a
//! lock dies with its holder; concurrent editors never lose each other's updates.

mod common;

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::{bigedit, Sandbox};

/// The lock sidecar of `name` in the sandbox.
fn lock_file(sb: &Sandbox, name: &str) -> String {
    sb.path(&format!(".{name}.bigedit-lock")).to_string_lossy().into_owned()
}

#[test]
fn a_held_lock_times_out_with_a_clear_error_and_the_file_untouched() {
    bigedit(); // build the binary before anything is timed
    let sb = Sandbox::new();
    let f = sb.write("f.txt", b"one\ntwo\n");
    // util-linux flock(1) holds an exclusive lock on the sidecar, as another writer would.
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
    eprintln!("locks: {} concurrent inserts by {WRITERS} processes, none lost", WRITERS * EACH);
}
