//! Nothing is left beside the user's files: every command, run on files in a directory, leaves
//! the directory listing as it was (reads), or changes only the edited file's content (edits),
//! plus `FILE.bak` when `--backup` asks for it. The lock is taken on the file itself, so not
//! even a lock file appears; the index cache lives in `$BIGEDIT_CACHE_DIR`, elsewhere.

mod common;

use std::collections::BTreeMap;

use common::Sandbox;

const LOG: &[u8] = b"one\ntwo\nthree\n";
const MD: &[u8] = b"# A\n\nbody a\n\n## B\n\nbody b\n";
const CSV: &[u8] = b"id,city\n1,Paris\n2,Rome\n";

/// Every name in the directory with its bytes.
fn snapshot(sb: &Sandbox) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(sb.dir())
        .expect("list")
        .map(|e| {
            let e = e.expect("entry");
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

fn fresh() -> Sandbox {
    let sb = Sandbox::new();
    sb.write("app.log", LOG);
    sb.write("doc.md", MD);
    sb.write("data.csv", CSV);
    sb
}

#[test]
fn reads_leave_the_directory_as_it_was() {
    let sb = fresh();
    let before = snapshot(&sb);
    let reads: &[&[&str]] = &[
        &["info", "app.log"],
        &["index", "app.log"],
        &["read", "app.log", "2"],
        &["read", "app.log", "--bytes", "0:4"],
        &["find", "app.log", "two"],
        &["find", "app.log", "t.o", "--regex", "--count"],
        &["--json", "info", "doc.md"],
        &["md", "outline", "doc.md"],
        &["md", "read", "doc.md", "A > B"],
        &["csv", "headers", "data.csv"],
        &["csv", "read", "data.csv", "--where", "city=Paris"],
        &["--json", "csv", "read", "data.csv"],
        &["chunks", "--max-bytes", "10", "app.log"],
        &["chunks", "--max-bytes", "16", "doc.md"],
        &["chunks", "--max-bytes", "16", "data.csv"],
        // Refused edits are reads too: nothing may be left by one.
        &["replace-lines", "app.log", "9", "--with", "x"],
        &["md", "replace", "doc.md", "Nope", "--with", "x"],
    ];
    for args in reads {
        sb.run(args);
        assert_eq!(snapshot(&sb), before, "{args:?} changed the directory");
    }
}

#[test]
fn edits_change_only_the_edited_file() {
    // The edit list lives outside the directory under test.
    let list = tempfile::NamedTempFile::new().expect("edit list");
    std::fs::write(list.path(), r#"[{"op":"delete-lines","lines":"3"}]"#).expect("write");
    let list = list.path().to_str().expect("utf-8 path");
    let edits: &[(&str, &[&str])] = &[
        ("app.log", &["replace-lines", "app.log", "1", "--with", "ONE"]),
        ("app.log", &["insert", "app.log", "--after", "1", "--with", "X"]),
        ("app.log", &["delete-lines", "app.log", "2"]),
        ("app.log", &["replace", "app.log", "--find", "two", "--with", "TWO"]),
        ("app.log", &["splice", "app.log", "--bytes", "0:1", "--with", "O"]),
        ("app.log", &["apply", "app.log", list]),
        ("doc.md", &["md", "replace", "doc.md", "A > B", "--with", "## B\n\nnew\n"]),
        ("doc.md", &["md", "rename", "doc.md", "A > B", "C"]),
        ("doc.md", &["md", "delete", "doc.md", "A > B"]),
        ("data.csv", &["csv", "set", "data.csv", "--where", "city=Rome", "--set", "city=Roma"]),
        ("data.csv", &["csv", "append", "data.csv", "--row", "3,Oslo"]),
        ("data.csv", &["csv", "delete", "data.csv", "--where", "id=2"]),
        ("data.csv", &["csv", "add-column", "data.csv", "x", "--value", "0"]),
        ("data.csv", &["csv", "remove-column", "data.csv", "city"]),
    ];
    for strategy in ["atomic", "in-place", "auto"] {
        for backup in [false, true] {
            for (file, args) in edits {
                let sb = fresh();
                let before = snapshot(&sb);
                let mut args: Vec<&str> = args.to_vec();
                args.extend(["--commit", strategy]);
                if backup {
                    args.push("--backup");
                }
                sb.run(&args).ok();
                let mut after = snapshot(&sb);
                let what = format!("{args:?}");
                let new = after.remove(*file).unwrap_or_else(|| panic!("{what}: {file} is gone"));
                assert_ne!(new, before[*file], "{what}: {file} did not change");
                if backup {
                    let bak = after.remove(&format!("{file}.bak"));
                    assert_eq!(bak.as_ref(), Some(&before[*file]), "{what}: no right backup");
                }
                let mut rest = before.clone();
                rest.remove(*file);
                assert_eq!(after, rest, "{what}: something beside {file} changed");
            }
        }
    }
}

#[test]
fn lock_files_of_older_versions_are_ignored() {
    let sb = fresh();
    sb.write(".app.log.bigedit-lock", b"");
    // An older version's holder: its lock no longer excludes anyone, and nobody touches it.
    let holder = std::fs::File::open(sb.path(".app.log.bigedit-lock")).expect("open");
    holder.lock().expect("lock the old sidecar");
    sb.run(&["--lock-timeout", "0", "replace-lines", "app.log", "1", "--with", "ONE"]).ok();
    assert_eq!(sb.read("app.log"), b"ONE\ntwo\nthree\n");
    assert!(sb.path(".app.log.bigedit-lock").exists());
}
