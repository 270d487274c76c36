//! The tools' logic without the protocol: budgets against a naive split, stale and
//! uncovered versions, undo, and CSV versions, on files in a temporary root.

use std::path::Path;

use serde_json::Value;

use super::params as p;
use super::session::{Config, Notes, Session, ToolError};
use super::{edit, read};

fn session(root: &Path) -> Session {
    Session::new(Config {
        root: root.to_path_buf(),
        use_cache: false,
        chunk_size: 7,
        lock_timeout: std::time::Duration::from_secs(5),
        audit_log: None,
        allow_s3: Vec::new(),
        s3: Default::default(),
    })
}

fn read_lines(
    s: &Session,
    start: u64,
    end: Option<u64>,
    max: Option<u64>,
) -> Result<Value, ToolError> {
    let args = p::ReadLines {
        path: "f.txt".into(),
        start: Some(start as i64),
        end: end.map(|e| e as i64),
        max_bytes: max,
    };
    read::read_lines(s, &mut Notes::new(), &args)
}

fn replace(
    s: &Session,
    start: u64,
    end: u64,
    text: &str,
    version: &str,
) -> Result<Value, ToolError> {
    let args = p::ReplaceLines {
        path: "f.txt".into(),
        start,
        end,
        text: text.into(),
        version: version.into(),
    };
    edit::replace_lines(s, &mut Notes::new(), &args)
}

#[test]
fn read_lines_returns_the_whole_lines_that_fit_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let text = "a\nbb\n\nccc\ndddd\ne";
    std::fs::write(dir.path().join("f.txt"), text).unwrap();
    let s = session(dir.path());
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for start in 1..=lines.len() {
        for budget in 1..=20u64 {
            let v = read_lines(&s, start as u64, None, Some(budget)).unwrap();
            // Naive model: as many whole lines from `start` as fit; at least a cut first line.
            let mut want = String::new();
            for l in &lines[start - 1..] {
                if (want.len() + l.len()) as u64 > budget {
                    break;
                }
                want.push_str(l);
            }
            if want.is_empty() {
                want =
                    lines[start - 1][..budget.min(lines[start - 1].len() as u64) as usize].into();
            }
            assert_eq!(v["text"], want, "start {start}, budget {budget}");
            let version = v["version"].as_str().unwrap();
            let hash = format!("{}", bigedit_core::Version::of(want.as_bytes()));
            assert!(version.ends_with(&hash), "{version} is the version of {want:?}");
        }
    }
    let err = read_lines(&s, 9, None, None).unwrap_err();
    assert_eq!(err.message, "f.txt: line 9 is past the end: the file has 6 lines");
    assert!(read_lines(&s, 1, None, Some(2 << 20)).unwrap_err().message.contains("too large"));
}

#[test]
fn stale_and_uncovering_versions_are_refused_with_the_current_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.txt");
    std::fs::write(&path, "one\ntwo\nthree\nfour\n").unwrap();
    let s = session(dir.path());
    let v = read_lines(&s, 2, Some(3), None).unwrap();
    let version = v["version"].as_str().unwrap().to_string();
    // Outside the lines read: refused, whatever the hash says.
    let err = replace(&s, 4, 4, "FOUR", &version).unwrap_err();
    assert!(err.message.contains("does not cover"), "{}", err.message);
    assert_eq!(err.details.as_ref().unwrap()["current_text"], "four\n");
    // Another writer changes line 3.
    std::fs::write(&path, "one\ntwo\nTHREE\nfour\n").unwrap();
    let err = replace(&s, 2, 2, "2", &version).unwrap_err();
    assert!(err.message.contains("stale"), "{}", err.message);
    let current = err.details.unwrap();
    assert_eq!(current["current_text"], "two\n");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\nTHREE\nfour\n");
    let done = replace(&s, 2, 2, "2", current["current_version"].as_str().unwrap()).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\n2\nTHREE\nfour\n");
    assert_eq!(
        done["diff"],
        "--- f.txt\n+++ f.txt\n@@ -1,4 +1,4 @@\n one\n-two\n+2\n THREE\n four\n"
    );
    // The returned version guards the next edit of the changed line.
    replace(&s, 2, 2, "deux", done["version"].as_str().unwrap()).unwrap();
    let undone = edit::undo_last(&s, &mut Notes::new()).unwrap();
    assert_eq!(undone["undid"], "replace_lines");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\n2\nTHREE\nfour\n");
    assert!(edit::undo_last(&s, &mut Notes::new()).is_err());
}

#[test]
fn csv_versions_cover_every_matching_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    std::fs::write(&path, "id,city\n1,Paris\n2,Rome\n3,Paris\n").unwrap();
    let s = session(dir.path());
    let conds = vec!["city=Paris".to_string()];
    let args = p::ReadRows {
        path: "d.csv".into(),
        rows: None,
        conds: conds.clone(),
        max_rows: Some(1),
        max_bytes: None,
    };
    let v = read::read_rows(&s, &mut Notes::new(), &args).unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 1);
    assert_eq!(v["more"], true);
    // Both matching rows, as stored, whatever the page showed.
    let want = bigedit_core::Version::of(b"1,Paris\n3,Paris\n");
    assert_eq!(v["version"], format!("M2:{want}"));
    let set = |version: &str| {
        let args = p::CsvSet {
            path: "d.csv".into(),
            conds: conds.clone(),
            set: [("city".to_string(), "Lyon".to_string())].into(),
            version: version.into(),
        };
        edit::csv_set(&s, &mut Notes::new(), &args)
    };
    // A row that did not match before now does: refused.
    std::fs::write(&path, "id,city\n1,Paris\n2,Paris\n3,Paris\n").unwrap();
    assert!(set(v["version"].as_str().unwrap()).unwrap_err().message.contains("stale"));
    std::fs::write(&path, "id,city\n1,Paris\n2,Rome\n3,Paris\n").unwrap();
    set(v["version"].as_str().unwrap()).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "id,city\n1,Lyon\n2,Rome\n3,Lyon\n");
}

#[test]
fn binary_files_and_paths_outside_the_root_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "s\n").unwrap();
    std::fs::write(root.join("b.bin"), b"ab\0cd\n").unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("f.txt")).unwrap();
    let s = session(&root);
    assert!(read_lines(&s, 1, None, None).is_err(), "a symlink out of the root");
    for path in ["../secret.txt", dir.path().join("secret.txt").to_str().unwrap(), ""] {
        let args = p::PathOnly { path: path.into() };
        assert!(read::file_info(&s, &mut Notes::new(), &args).is_err(), "{path:?}");
    }
    let args = p::PathOnly { path: "b.bin".into() };
    let err = read::file_info(&s, &mut Notes::new(), &args).unwrap_err();
    assert_eq!(
        err.message,
        "b.bin: binary content (a NUL byte at offset 2); these tools read and edit text only"
    );
}

#[test]
fn read_lines_counts_negative_starts_and_ends_from_the_end() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f.txt"), "1\n2\n3\n4\n5\n").unwrap();
    let s = session(dir.path());
    let read = |start: Option<i64>, end: Option<i64>| {
        let args = p::ReadLines { path: "f.txt".into(), start, end, max_bytes: None };
        read::read_lines(&s, &mut Notes::new(), &args)
    };
    // As the CLI's `-2:`, `-3:-2`, `2:-2`, and `-9:` (at most the last 9, as tail does).
    assert_eq!(read(Some(-2), None).unwrap()["text"], "4\n5\n");
    assert_eq!(read(Some(-3), Some(-2)).unwrap()["text"], "3\n4\n");
    assert_eq!(read(Some(2), Some(-2)).unwrap()["text"], "2\n3\n4\n");
    assert_eq!(read(Some(-9), None).unwrap()["text"], "1\n2\n3\n4\n5\n");
    let err = read(Some(1), Some(-9)).unwrap_err().message;
    assert_eq!(err, "f.txt: line -9 is before the first line: the document has 5 lines");
}

#[test]
fn objects_need_allow_s3() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let err = s.open("s3://logs/app.log", crate::LockKind::Shared, &mut Notes::new()).unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("--allow-s3 logs"), "{text}");
}
