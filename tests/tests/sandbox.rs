//! `--root DIR`: a table of escape attempts (`..`, absolute paths, symlinks leading out, a
//! directory swapped for a symlink during the calls, FIFOs, devices, hard links) is refused,
//! what lies inside is edited, and a canary tree outside the root stays byte-identical, with
//! no lock, temporary or journal file created in it.

mod common;
#[path = "common/faults.rs"]
mod faults;

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use common::{bigedit, Sandbox};
use faults::{figure, not_run, run_with_timeout};

/// Serializes the tests of this file: the kernel makes `openat2(RESOLVE_BENEATH)` fail with
/// EAGAIN on `..` while a rename runs anywhere on the system, and one test renames in a loop.
static SERIAL: Mutex<()> = Mutex::new(());

/// Everything about a tree that a write could change: per entry its type, mode, size, link
/// count, mtime and content (or symlink target). Access times are left out: reads may touch
/// them.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read canary dir") {
            let path = entry.expect("entry").path();
            let m = std::fs::symlink_metadata(&path).expect("lstat");
            let what = if m.file_type().is_symlink() {
                format!("symlink -> {}", std::fs::read_link(&path).expect("readlink").display())
            } else if m.is_dir() {
                stack.push(path.clone());
                "dir".to_string()
            } else if m.is_file() {
                let bytes = std::fs::read(&path).expect("read canary file");
                format!("file {:?}", bytes.escape_ascii().to_string())
            } else {
                "special".to_string()
            };
            let facts = format!(
                "{what} mode {:o} size {} links {} mtime {}.{}",
                m.mode(),
                m.size(),
                m.nlink(),
                m.mtime(),
                m.mtime_nsec()
            );
            out.insert(path.strip_prefix(root).expect("under root").to_path_buf(), facts);
        }
    }
    out
}

/// The layout: `base/ws` is the root, `base/outside` the canary tree.
struct Layout {
    sb: Sandbox,
    ws: PathBuf,
    outside: PathBuf,
}

fn layout() -> Layout {
    let sb = Sandbox::new();
    let base = sb.dir().canonicalize().expect("canonical");
    let (ws, outside) = (base.join("ws"), base.join("outside"));
    for d in [&ws, &outside, &ws.join("sub"), &outside.join("d"), &outside.join("sub")] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(outside.join("secret.txt"), "secret\n").expect("write");
    std::fs::write(outside.join("d/f.txt"), "outside d\n").expect("write");
    std::fs::write(outside.join("sub/inner.txt"), "outside sub\n").expect("write");
    std::fs::write(outside.join("hard-target.txt"), "hard\n").expect("write");
    std::fs::write(ws.join("in.txt"), "inside\n").expect("write");
    std::fs::write(ws.join("sub/inner.txt"), "inner\n").expect("write");
    std::fs::hard_link(outside.join("hard-target.txt"), ws.join("hard.txt")).expect("hard link");
    symlink("in.txt", ws.join("link-in")).expect("symlink");
    symlink("sub", ws.join("dirlink-in")).expect("symlink");
    symlink(outside.join("secret.txt"), ws.join("link-abs-out")).expect("symlink");
    symlink("../outside/secret.txt", ws.join("link-rel-out")).expect("symlink");
    symlink("link-rel-out", ws.join("link-chain-out")).expect("symlink");
    symlink("../outside", ws.join("dirlink-out")).expect("symlink");
    symlink(&outside, ws.join("dirlink-abs-out")).expect("symlink");
    symlink("/dev/null", ws.join("devnull")).expect("symlink");
    symlink("/proc/self/root", ws.join("proc-root")).expect("symlink");
    let fifo = std::ffi::CString::new(ws.join("fifo").as_os_str().as_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");
    Layout { sb, ws, outside }
}

/// Runs `bigedit --root ROOT ARGS` with a timeout (a FIFO must not hang it).
fn run_root(l: &Layout, root: &Path, args: &[&str]) -> (std::process::Output, bool) {
    let mut cmd = Command::new(bigedit());
    cmd.arg("--root")
        .arg(root)
        .args(args)
        .current_dir(l.sb.dir())
        .env("BIGEDIT_CACHE_DIR", l.sb.cache_dir());
    run_with_timeout(&mut cmd, Duration::from_secs(10))
}

#[test]
fn escape_attempts_are_refused_and_the_canary_tree_is_untouched() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let l = layout();
    let (ws, outside) = (l.ws.clone(), l.outside.clone());
    // A device inside the root (root only: mknod).
    let dev = std::ffi::CString::new(ws.join("nulldev").as_os_str().as_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path; makedev(1, 3) is /dev/null's number.
    let have_dev =
        unsafe { libc::mknod(dev.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    if !have_dev {
        not_run("sandbox: a device inside the root", "mknod needs root");
    }
    let before = snapshot(&outside);
    let abs_out = outside.join("secret.txt").to_string_lossy().into_owned();
    let abs_in = ws.join("in.txt").to_string_lossy().into_owned();
    const ESCAPES: &[&str] = &["escapes the root"];
    // (path, what the refusal says: any of these)
    let mut refused: Vec<(String, &[&str])> = vec![
        ("../outside/secret.txt".into(), ESCAPES),
        ("sub/../../outside/secret.txt".into(), ESCAPES),
        ("dirlink-in/../../outside/secret.txt".into(), ESCAPES),
        (abs_out.clone(), ESCAPES),
        (format!("{}/../outside/secret.txt", ws.display()), ESCAPES),
        ("/etc/passwd".into(), ESCAPES),
        ("link-abs-out".into(), ESCAPES),
        ("link-rel-out".into(), ESCAPES),
        ("link-chain-out".into(), ESCAPES),
        ("dirlink-out/secret.txt".into(), ESCAPES),
        ("dirlink-abs-out/secret.txt".into(), ESCAPES),
        ("proc-root/etc/passwd".into(), ESCAPES),
        ("devnull".into(), ESCAPES),
        ("/dev/null".into(), ESCAPES),
        ("fifo".into(), &["is a FIFO"]),
        ("hard.txt".into(), &["hard links"]),
        (".".into(), &["not a file", "directory", "root itself"]),
        ("sub".into(), &["directory"]),
    ];
    if have_dev {
        refused.push(("nulldev".into(), &["is a device"]));
    }
    let mut refusals = 0;
    for (path, says) in &refused {
        for args in [
            &["read", path, "1"][..],
            &["replace-lines", path, "1", "--with", "PWNED"],
            &["replace-lines", path, "1", "--with", "PWNED", "--in-place"],
            &["splice", path, "--bytes", "0:1", "--with", "X", "--backup"],
        ] {
            let (out, hung) = run_root(&l, &ws, args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!hung, "{args:?} hung");
            assert_eq!(out.status.code(), Some(1), "{args:?} was not refused: {err}");
            assert!(
                err.starts_with("bigedit: ") && err.lines().count() == 1,
                "{args:?}: not a one-line error: {err}"
            );
            assert!(says.iter().any(|s| err.contains(s)), "{args:?}: {err}");
            assert!(out.stdout.is_empty(), "{args:?} printed {:?}", out.stdout);
            refusals += 1;
        }
        // Nothing was created beside a refused file inside the root either.
        let name = Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(name) = name {
            assert!(!ws.join(format!(".{name}.bigedit-lock")).exists(), "{path}: lock file left");
        }
    }
    // The same through $BIGEDIT_ROOT.
    let out = Command::new(bigedit())
        .args(["replace-lines", "../outside/secret.txt", "1", "--with", "PWNED"])
        .current_dir(&ws)
        .env("BIGEDIT_ROOT", &ws)
        .env("BIGEDIT_CACHE_DIR", l.sb.cache_dir())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("escapes the root"));
    // What lies inside is edited: relative, absolute, through an inside symlink (its target).
    for (path, file) in [
        ("in.txt", "in.txt"),
        (abs_in.as_str(), "in.txt"),
        ("link-in", "in.txt"),
        ("sub/inner.txt", "sub/inner.txt"),
        ("dirlink-in/inner.txt", "sub/inner.txt"),
    ] {
        for strategy in ["atomic", "in-place"] {
            let with = format!("edited via {path} {strategy}");
            let (out, _) = run_root(
                &l,
                &ws,
                &["replace-lines", path, "1", "--with", &with, "--commit", strategy],
            );
            assert!(out.status.success(), "{path}: {}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(std::fs::read_to_string(ws.join(file)).expect("read"), format!("{with}\n"));
        }
    }
    assert!(std::fs::symlink_metadata(ws.join("link-in")).expect("lstat").file_type().is_symlink());
    // A root given through a symlink accepts absolute paths in either spelling.
    let ws_link = l.sb.dir().join("ws-link");
    symlink(&ws, &ws_link).expect("symlink");
    let via_link = ws_link.join("in.txt").to_string_lossy().into_owned();
    let (out, _) = run_root(&l, &ws_link, &["replace-lines", &via_link, "1", "--with", "via link"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (out, _) = run_root(&l, &ws_link, &["read", &abs_out, "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(snapshot(&outside), before, "the canary tree outside the root changed");
    figure(&format!(
        "sandbox: {} escape attempts ({} paths x 4 commands) refused, canary tree unchanged",
        refusals,
        refused.len()
    ));
}

#[test]
fn a_directory_swapped_for_a_symlink_during_the_calls_never_leads_out() {
    const EDITS: usize = 300;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let l = layout();
    let (ws, outside) = (l.ws.clone(), l.outside.clone());
    std::fs::create_dir(ws.join("d")).expect("mkdir");
    std::fs::write(ws.join("d/f.txt"), "start\n").expect("write");
    // `d_alt` is a symlink leading out; the flipper atomically exchanges it with `d`, so
    // `d` is alternately the real directory and a symlink to `outside/d`.
    symlink("../outside/d", ws.join("d_alt")).expect("symlink");
    let before = snapshot(&outside);
    let stop = AtomicBool::new(false);
    let (a, b) = (path_c(&ws.join("d")), path_c(&ws.join("d_alt")));
    let (mut ok, mut refused, mut flips) = (0, 0, 0u64);
    let mut last_ok = None;
    std::thread::scope(|s| {
        let flipper = s.spawn(|| {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // SAFETY: two valid NUL-terminated paths.
                let rc = unsafe {
                    libc::renameat2(
                        libc::AT_FDCWD,
                        a.as_ptr(),
                        libc::AT_FDCWD,
                        b.as_ptr(),
                        libc::RENAME_EXCHANGE,
                    )
                };
                assert_eq!(rc, 0, "renameat2: {}", std::io::Error::last_os_error());
                n += 1;
            }
            n
        });
        for i in 0..EDITS {
            let with = format!("edit {i}");
            let strategy = if i.is_multiple_of(2) { "atomic" } else { "in-place" };
            let (out, hung) = run_root(
                &l,
                &ws,
                &["replace-lines", "d/f.txt", "1", "--with", &with, "--commit", strategy],
            );
            assert!(!hung, "edit {i} hung");
            match out.status.code() {
                Some(0) => {
                    ok += 1;
                    last_ok = Some(with);
                }
                Some(1) => refused += 1,
                other => {
                    panic!("edit {i}: exit {other:?}: {}", String::from_utf8_lossy(&out.stderr))
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        flips = flipper.join().expect("flipper");
    });
    // Leave `d` the real directory.
    if std::fs::symlink_metadata(ws.join("d")).expect("lstat").file_type().is_symlink() {
        std::fs::rename(ws.join("d"), ws.join("tmp-link")).expect("rename");
        std::fs::rename(ws.join("d_alt"), ws.join("d")).expect("rename");
    }
    assert_eq!(snapshot(&outside), before, "the canary tree outside the root changed");
    let inside = std::fs::read_to_string(ws.join("d/f.txt")).expect("read");
    match &last_ok {
        Some(with) => assert_eq!(inside, format!("{with}\n"), "the last edit that succeeded"),
        None => assert_eq!(inside, "start\n"),
    }
    assert!(
        ok > 0 && refused > 0,
        "the race was not exercised: {ok} edits succeeded, {refused} refused"
    );
    figure(&format!(
        "sandbox: {EDITS} edits of d/f.txt while d flipped {flips} times between a directory and \
         a symlink out: {ok} edited the inside file, {refused} refused, canary tree unchanged"
    ));
}

fn path_c(p: &Path) -> std::ffi::CString {
    std::ffi::CString::new(p.as_os_str().as_bytes()).expect("path")
}

#[test]
fn paths_with_dotdot_inside_the_root_survive_renames_elsewhere() {
    const EDITS: usize = 100;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let l = layout();
    let ws = l.ws.clone();
    // Renames in a directory of their own, outside the root: they concern no path bigedit uses.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let (a, b) = (elsewhere.path().join("a"), elsewhere.path().join("b"));
    std::fs::write(&a, "x").expect("write");
    let stop = AtomicBool::new(false);
    let mut failures = Vec::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                std::fs::rename(&a, &b).expect("rename");
                std::fs::rename(&b, &a).expect("rename");
            }
        });
        for i in 0..EDITS {
            let with = format!("edit {i}");
            let (out, _) =
                run_root(&l, &ws, &["replace-lines", "sub/../in.txt", "1", "--with", &with]);
            if !out.status.success() {
                failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert!(
        failures.is_empty(),
        "{} of {EDITS} edits of sub/../in.txt failed, e.g. {}",
        failures.len(),
        failures[0]
    );
}
