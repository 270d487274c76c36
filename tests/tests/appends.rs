//! Lines other processes write while bigedit edits the file are never lost (issue 16, items
//! 1 and 2): a shell loop appending every 2 ms across many commits of both strategies, and a
//! process holding the file open for appending across commits.
//!
//! The expectation is independent of bigedit: the appenders number their lines, so the file
//! must end holding every number they wrote, each once; a commit either succeeds (its line 1
//! is there) or says why it refused, with the file as the appenders left it.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::Sandbox;

/// The numbers of the `PREFIX N` lines of `text`, in file order.
fn numbered(text: &str, prefix: &str) -> Vec<u64> {
    text.lines().filter_map(|l| l.strip_prefix(prefix)?.parse().ok()).collect()
}

/// Asserts `got` holds 0..n, each once (a line written through a descriptor opened before an
/// atomic rename may land after a later one; none may be missing or doubled).
#[track_caller]
fn every_line_once(got: &[u64], n: u64, what: &str) {
    let mut sorted = got.to_vec();
    sorted.sort_unstable();
    let want: Vec<u64> = (0..n).collect();
    if sorted != want {
        let missing: Vec<u64> = want.iter().filter(|i| !sorted.contains(i)).copied().collect();
        let doubled = sorted.windows(2).filter(|w| w[0] == w[1]).count();
        panic!(
            "{what}: {} of {n} appended lines missing (first: {:?}), {doubled} doubled",
            missing.len(),
            &missing[..missing.len().min(10)]
        );
    }
}

/// A shell loop appending `APPEND i` to `file` every 2 ms until `stop` exists; prints the
/// count it wrote when it ends.
fn appender(dir: &Path) -> Child {
    let script = r#"i=0; while [ ! -e stop ]; do echo "APPEND $i" >> app.log; i=$((i+1)); sleep 0.002; done; echo $i"#;
    Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn appender")
}

/// Stops the appender when dropped, so a failed assertion does not leave it running.
struct Appender(Option<Child>, std::path::PathBuf);

impl Appender {
    /// Stops it; returns how many lines it wrote.
    fn stop(mut self) -> u64 {
        std::fs::write(self.1.join("stop"), "").expect("stop");
        let out = self.0.take().expect("running").wait_with_output().expect("appender");
        std::fs::remove_file(self.1.join("stop")).expect("rm stop");
        String::from_utf8_lossy(&out.stdout).trim().parse().expect("count")
    }
}

impl Drop for Appender {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether a refusal says what happened, in words a user can act on.
fn clear_refusal(stderr: &str) -> bool {
    stderr.lines().count() == 1
        && (stderr.contains("changed length while the edit ran")
            || stderr.contains("is being appended to")
            || stderr.contains("is open for writing by process"))
        && stderr.contains("nothing was changed")
}

fn commits_keep_every_appended_line(strategy: &str) {
    let sb = Sandbox::new();
    // Some lines, so the edit takes its time; line 1 is the one replaced.
    let body: String = (0..2000).map(|i| format!("body line {i}\n")).collect();
    sb.write("app.log", format!("HEADER\n{body}").as_bytes());
    let child = Appender(Some(appender(&sb.dir())), sb.dir());
    std::thread::sleep(Duration::from_millis(20));
    let (mut ok, mut refused) = (0, 0);
    let mut last = String::new();
    for c in 0..60 {
        // Alternately longer and shorter than the line it replaces: both length changes.
        let with =
            if c % 2 == 0 { format!("HEADER {c} {}", "x".repeat(c)) } else { format!("H{c}") };
        let run = sb.run(&["replace-lines", "app.log", "1", "--with", &with, "--commit", strategy]);
        if run.status.success() {
            ok += 1;
            last = with;
        } else {
            let err = String::from_utf8_lossy(&run.stderr).into_owned();
            assert!(clear_refusal(&err), "an unclear refusal: {run:?}");
            refused += 1;
        }
    }
    let n = child.stop();
    let text = String::from_utf8(sb.read("app.log")).expect("utf-8");
    every_line_once(&numbered(&text, "APPEND "), n, strategy);
    let first = if ok > 0 { last.as_str() } else { "HEADER" };
    assert_eq!(text.lines().next(), Some(first), "line 1 is the last commit's");
    assert_eq!(numbered(&text, "body line ").len(), 2000, "the body is whole");
    // Atomic commits carry appends over; in place, a length change of a file seen growing is
    // refused (moving its end would race the appender), so there all may be refused.
    assert!(ok > 0 || strategy == "in-place", "no commit succeeded ({refused} refused)");
    eprintln!("{strategy}: {ok} commits, {refused} refused, {n} lines appended");
}

#[test]
fn atomic_commits_keep_every_line_a_live_appender_writes() {
    commits_keep_every_appended_line("atomic");
}

#[test]
fn in_place_commits_keep_every_line_a_live_appender_writes() {
    commits_keep_every_appended_line("in-place");
}

#[test]
fn a_process_holding_the_file_open_for_appending_loses_no_write() {
    let sb = Sandbox::new();
    sb.write("app.log", b"status: ok\nfirst\n");
    // A daemon's log: one descriptor, opened once, a line every few milliseconds.
    let script = r#"exec 3>>app.log; i=0; while [ ! -e stop ]; do echo "W $i" >&3; i=$((i+1)); sleep 0.003; done; echo $i"#;
    let spawned = Command::new("sh")
        .args(["-c", script])
        .current_dir(sb.dir())
        .stdout(Stdio::piped())
        .spawn()
        .expect("writer");
    let pid = spawned.id();
    let writer = Appender(Some(spawned), sb.dir());
    while numbered(&String::from_utf8_lossy(&sb.read("app.log")), "W ").len() < 5 {
        std::thread::sleep(Duration::from_millis(5));
    }
    // A same-length edit goes in place (the default strategy is atomic: it switches).
    let run = sb.run(&["replace-lines", "app.log", "1", "--with", "status: no", "--json"]);
    let report = run.ok_json();
    assert_eq!(report["commit"], "in-place", "{report}");
    // One that changes the length is refused, naming the writer, whatever the strategy.
    for strategy in ["atomic", "in-place", "auto"] {
        let args =
            ["replace-lines", "app.log", "1", "--with", "status: degraded", "--commit", strategy];
        let err = sb.run(&args).error(1);
        // The shell, or its `sleep` child, which inherits the descriptor.
        let named = err.contains(&format!("is open for writing by process {pid} (sh)"))
            || (err.contains("is open for writing by process") && err.contains("(sleep)"));
        assert!(named, "{err}");
    }
    let n = writer.stop();
    let text = String::from_utf8(sb.read("app.log")).expect("utf-8");
    assert_eq!(text.lines().next(), Some("status: no"));
    assert_eq!(numbered(&text, "W "), (0..n).collect::<Vec<_>>(), "every write, in order");
    // Once the writer is gone, the length-changing edit goes through.
    sb.run(&["replace-lines", "app.log", "1", "--with", "status: degraded"]).ok();
}
