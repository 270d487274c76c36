//! A disk that really fills up: a 1 MiB tmpfs holding a ~600 KB file. An atomic commit
//! (which needs a second copy) fails with ENOSPC and leaves the file and the free space as
//! they were; an in-place same-length edit (which needs no space) succeeds; an in-place tail
//! rewrite whose journal does not fit, and one whose file outgrows the disk, fail cleanly.
//! Needs root (mount).

mod common;
#[path = "common/faults.rs"]
mod faults;

use std::path::Path;
use std::process::Command;

use common::{bigedit, model};
use faults::{figure, have_root, leftovers, numbered_lines, Mount};

/// Free bytes on the file system holding `dir`.
fn free_bytes(dir: &Path) -> u64 {
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid path and a zeroed statvfs for the kernel to fill in.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above; both pointers are valid for the call.
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut st) }, 0, "statvfs");
    st.f_bavail * st.f_frsize
}

fn run(dir: &Path, cache: &Path, args: &[&str]) -> std::process::Output {
    Command::new(bigedit())
        .args(args)
        .current_dir(dir)
        .env("BIGEDIT_CACHE_DIR", cache)
        .output()
        .expect("run bigedit")
}

#[test]
fn a_full_disk_fails_commits_cleanly() {
    let test = "diskfull: 1 MiB tmpfs";
    if !have_root(test) {
        return;
    }
    let m = match Mount::tmpfs("1m") {
        Ok(m) => m,
        Err(e) => {
            faults::not_run(test, &format!("cannot mount a tmpfs: {e}"));
            return;
        }
    };
    let cache = tempfile::tempdir().expect("cache dir");
    let dir = m.dir.as_path();
    let f = dir.join("f.txt");
    let old = numbered_lines(15_000); // 615 KB of the 1024 KB
    std::fs::write(&f, &old).expect("write test file");
    // One run before measuring the free space (it leaves nothing: the lock is on the file).
    let out = run(dir, cache.path(), &["info", "f.txt"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let free = free_bytes(dir);
    assert!(free < old.len() as u64, "the disk has room for a second copy: {free} bytes free");
    let mut failed = 0;
    let mut check_refused = |args: &[&str], what: &str| {
        let out = run(dir, cache.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {args:?}: {err}");
        assert!(
            err.starts_with("bigedit: ")
                && err.lines().count() == 1
                && err.contains("No space left on device (os error 28)"),
            "{what}: {err}"
        );
        assert!(std::fs::read(&f).expect("read") == old, "{what}: the file changed");
        assert!(leftovers(dir).is_empty(), "{what}: left {:?}", leftovers(dir));
        assert_eq!(free_bytes(dir), free, "{what}: the free space was not given back");
        let next = run(dir, cache.path(), &["read", "f.txt", "1:2"]);
        assert_eq!(next.stdout, model::lines(&old)[..2].concat(), "{what}: the next read");
        eprintln!("{what}: {}", err.trim_end());
        failed += 1;
    };
    // Atomic: the temporary copy does not fit.
    check_refused(
        &["replace-lines", "f.txt", "7000", "--with", "x", "--commit", "atomic"],
        "atomic",
    );
    check_refused(&["replace-lines", "f.txt", "7000", "--with", "x"], "default (atomic)");
    // In place, length changing near the start: the journal of the tail does not fit.
    check_refused(
        &["splice", "f.txt", "--bytes", "10:12", "--with", "abc", "--in-place"],
        "in-place tail rewrite, journal too big",
    );
    // In place near the end, growing the file past the disk: the journal fits, the write does
    // not; the file is rolled back.
    let big = tempfile::NamedTempFile::new().expect("temp");
    std::fs::write(big.path(), vec![b'z'; 600_000]).expect("write");
    let end = old.len().to_string();
    let from = big.path().to_string_lossy().into_owned();
    check_refused(
        &["splice", "f.txt", "--bytes", &format!("{end}:{end}"), "--from", &from, "--in-place"],
        "in-place append outgrowing the disk",
    );
    // In place, same length: needs no room beyond a tiny journal; it succeeds.
    let with = "line 007000 SOME TEXT HERE TO PAD IT OUT";
    let out =
        run(dir, cache.path(), &["replace-lines", "f.txt", "7001", "--with", with, "--in-place"]);
    assert!(out.status.success(), "in-place same length: {}", String::from_utf8_lossy(&out.stderr));
    let new = model::apply_one(&old, model::replace_lines(&old, 7001, 7001, with.as_bytes()));
    assert!(std::fs::read(&f).expect("read") == new, "in-place same length");
    assert!(leftovers(dir).is_empty());
    figure(&format!(
        "diskfull: 1 MiB tmpfs, 615 KB file: {failed} commits that did not fit failed with ENOSPC \
         leaving the file and free space as they were; an in-place same-length edit succeeded"
    ));
}
