//! What a commit keeps of the file besides its bytes (issue 16, items 4, 5 and 17): the owner
//! (an atomic commit by another user would take the file over: refused), the extended
//! attributes (copied to the new inode), and names up to the 255-byte limit (temporary and
//! journal names fit).

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::Command;

use common::{bigedit, Sandbox};

/// Runs `bigedit ARGS` in `dir` as user and group `id` (root only: `setpriv`).
fn run_as(id: u32, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new("setpriv")
        .args([format!("--reuid={id}"), format!("--regid={id}"), "--clear-groups".into()])
        .arg(bigedit())
        .arg("--no-cache")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("setpriv runs")
}

/// The directory `home` of user 65534 in `sb`, holding `name` ("one\ntwo\n", mode `mode`,
/// owned by `owner`); `None` (the test says NOT RUN) unless this process is root.
fn user_home(sb: &Sandbox, name: &str, mode: u32, owner: u32) -> Option<(PathBuf, PathBuf)> {
    if !rustix_is_root() {
        eprintln!("NOT RUN: needs root to run bigedit as another user");
        return None;
    }
    let dir = sb.path("home");
    std::fs::create_dir(&dir).unwrap();
    std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, "one\ntwo\n").unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
    std::os::unix::fs::chown(&file, Some(owner), Some(owner)).unwrap();
    Some((dir, file))
}

#[test]
fn an_atomic_commit_by_another_user_is_refused_and_in_place_keeps_the_owner() {
    let sb = Sandbox::new();
    // The user's own directory, holding a file owned by root that they may write.
    let Some((dir, file)) = user_home(&sb, "shared.txt", 0o666, 0) else { return };
    let out = run_as(65534, &dir, &["replace-lines", "shared.txt", "2", "--with", "TWO"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("is owned by user 0") && err.contains("--commit in-place"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"one\ntwo\n");
    assert_eq!(std::fs::metadata(&file).unwrap().uid(), 0);
    // Nothing left beside the file: no temporary file, and no lock file.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "shared.txt")
        .collect();
    assert!(left.is_empty(), "left beside the file: {left:?}");
    let out = run_as(
        65534,
        &dir,
        &["replace-lines", "shared.txt", "2", "--with", "TWO", "--commit", "in-place"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&file).unwrap(), b"one\nTWO\n");
    assert_eq!(std::fs::metadata(&file).unwrap().uid(), 0, "the owner is kept");
}

#[test]
fn a_read_only_file_is_refused_by_every_strategy() {
    let sb = Sandbox::new();
    // The user's own read-only file in their own directory.
    let Some((dir, file)) = user_home(&sb, "ro.txt", 0o444, 65534) else { return };
    for strategy in ["atomic", "in-place", "auto"] {
        let args = ["replace-lines", "ro.txt", "2", "--with", "TWO", "--commit", strategy];
        let out = run_as(65534, &dir, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{strategy}: {err}");
        assert!(err.contains("is not writable by you (mode 0444)"), "{strategy}: {err}");
        assert_eq!(std::fs::read(&file).unwrap(), b"one\ntwo\n");
    }
}

fn rustix_is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Python's os.setxattr / os.getxattr: an independent reader and writer of attributes.
fn xattr(path: &std::path::Path, set: Option<&str>) -> String {
    let code = match set {
        Some(v) => format!("import os,sys; os.setxattr(sys.argv[1], 'user.note', b'{v}')"),
        None => "import os,sys; print(os.getxattr(sys.argv[1], 'user.note').decode())".into(),
    };
    let out = Command::new("python3").args(["-c", &code]).arg(path).output().expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn an_atomic_commit_keeps_extended_attributes() {
    let sb = Sandbox::new();
    sb.write("notes.txt", b"one\ntwo\n");
    let path = sb.path("notes.txt");
    xattr(&path, Some("keep me"));
    let ino = std::fs::metadata(&path).unwrap().ino();
    sb.run(&["replace-lines", "notes.txt", "1", "--with", "ONE, longer"]).ok();
    assert_ne!(std::fs::metadata(&path).unwrap().ino(), ino, "an atomic commit: a new inode");
    assert_eq!(sb.read("notes.txt"), b"ONE, longer\ntwo\n");
    assert_eq!(xattr(&path, None), "keep me");
}

#[test]
fn names_up_to_255_bytes_can_be_read_and_edited_both_ways() {
    let sb = Sandbox::new();
    for len in [200, 226, 239, 255] {
        let name = format!("{}.log", "n".repeat(len - 4));
        sb.write(&name, b"a\nb\n");
        assert_eq!(sb.run(&["read", &name, "2"]).ok_text(), "b\n");
        sb.run(&["replace-lines", &name, "2", "--with", "B, longer"]).ok();
        sb.run(&["replace-lines", &name, "1", "--with", "A!", "--commit", "in-place"]).ok();
        assert_eq!(sb.read(&name), b"A!\nB, longer\n", "{len}-byte name");
        std::fs::remove_file(sb.path(&name)).unwrap();
    }
}

#[test]
fn a_backup_has_the_mode_of_the_file_whatever_the_strategy() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    for strategy in ["atomic", "in-place"] {
        sb.write("f.txt", b"one\ntwo\n");
        std::fs::set_permissions(sb.path("f.txt"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let args =
            ["replace-lines", "f.txt", "1", "--with", "ONE", "--backup", "--commit", strategy];
        sb.run(&args).ok();
        assert_eq!(sb.read("f.txt.bak"), b"one\ntwo\n");
        let mode = std::fs::metadata(sb.path("f.txt.bak")).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o644, "{strategy}: FILE.bak mode");
        std::fs::remove_file(sb.path("f.txt.bak")).unwrap();
    }
}
