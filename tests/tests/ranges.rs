//! The ranges people type: `-N:`, `-N`, `A:-B`, `A:+N` in `read`, `replace-lines`,
//! `delete-lines` and `csv read`, and `find -C/-A/-B`. Expectations come from `tail`, `sed -n`,
//! `grep` and the naive line model, on generated files with LF, CRLF and no final newline.

mod common;

use common::{model, tool, Sandbox};

/// Generated files: 40 numbered lines with each ending, and with no final newline.
fn files() -> Vec<(&'static str, Vec<u8>)> {
    let lines = |end: &str| -> String { (1..=40).map(|i| format!("row {i} text{end}")).collect() };
    let mut no_final = lines("\n");
    no_final.pop();
    vec![
        ("LF", lines("\n").into_bytes()),
        ("CRLF", lines("\r\n").into_bytes()),
        ("no final newline", no_final.into_bytes()),
    ]
}

/// The bytes of lines `first..=last` of `doc` (the model's line split).
fn model_lines(doc: &[u8], first: u64, last: u64) -> Vec<u8> {
    doc[model::line_bytes(doc, first, last)].to_vec()
}

#[test]
fn read_takes_every_form_as_tail_and_sed_do() {
    for (shape, doc) in files() {
        let sb = Sandbox::new();
        let f = sb.write("f.log", &doc);
        let n = model::line_count(&doc);
        // `-N:` against tail (cold index, read backwards, then with the index cached).
        for k in [1u64, 3, 40, 99] {
            let want = tool("tail", &["-n", &k.to_string()], &doc);
            let spec = format!("-{k}:");
            assert_eq!(
                sb.run(&["--no-cache", "read", &f, &spec]).ok(),
                want,
                "{shape} {spec} cold"
            );
            sb.run(&["index", &f]).ok();
            assert_eq!(sb.run(&["read", &f, &spec]).ok(), want, "{shape} {spec} indexed");
        }
        // `A:+N` against sed -n 'A,+Np'; `-N`, `A:-B`, `-A:-B` against the model.
        for (a, plus) in [(1u64, 0u64), (5, 3), (38, 10)] {
            let want = tool("sed", &["-n", &format!("{a},+{plus}p")], &doc);
            let spec = format!("{a}:+{plus}");
            assert_eq!(sb.run(&["read", &f, &spec]).ok(), want, "{shape} {spec}");
        }
        for (spec, first, last) in [
            ("-1", n, n),
            ("-40", 1, 1),
            ("3:-1", 3, n),
            ("3:-3", 3, n - 2),
            ("-5:-2", n - 4, n - 1),
        ] {
            let want = model_lines(&doc, first, last);
            assert_eq!(sb.run(&["read", &f, spec]).ok(), want, "{shape} {spec}");
        }
        // Out of range: one-line errors naming the line.
        let err = sb.run(&["read", &f, "-41"]).error(1);
        assert!(
            err.contains("line -41 is before the first line: the document has 40 lines"),
            "{err}"
        );
        let err = sb.run(&["read", &f, "10:-35"]).error(1);
        assert!(err.contains("line range 10:6 is reversed"), "{err}");
        assert!(sb.run(&["read", &f, "-0:"]).error(1).contains("start at 1"));
    }
}

#[test]
fn edits_take_ranges_from_the_end() {
    for (shape, doc) in files() {
        let sb = Sandbox::new();
        let f = sb.write("f.log", &doc);
        let n = model::line_count(&doc);
        sb.run(&["delete-lines", &f, "-3:"]).ok();
        let want = model::apply_one(&doc, model::replace_lines(&doc, n - 2, n, b""));
        assert_eq!(sb.read(&f), want, "{shape}: delete-lines -3:");
        let doc = want;
        let n = model::line_count(&doc);
        sb.run(&["replace-lines", &f, "-2", "--with", "SECOND LAST"]).ok();
        let want = model::apply_one(&doc, model::replace_lines(&doc, n - 1, n - 1, b"SECOND LAST"));
        assert_eq!(sb.read(&f), want, "{shape}: replace-lines -2");
    }
}

#[test]
fn a_cold_tail_reads_only_the_tail() {
    let sb = Sandbox::new();
    let line = "a log line of some length, as they come in a big file\n";
    let doc = line.repeat(300_000); // 16 MiB
    let f = sb.write("big.log", doc.as_bytes());
    let want = tool("tail", &["-n", "10"], doc.as_bytes());
    assert_eq!(sb.run(&["read", &f, "-10:"]).ok(), want);
    // No index pass ran: nothing was cached.
    let cached = std::fs::read_dir(sb.cache_dir()).map_or(0, |d| d.count());
    assert_eq!(cached, 0, "a tail read built an index");
    // And the bytes read: under strace, the reads of the file sum to a few chunks.
    if std::process::Command::new("strace").arg("-V").output().is_err() {
        eprintln!("NOT RUN: strace missing, tail read bytes not counted");
        return;
    }
    let out = std::process::Command::new("strace")
        .args(["-e", "trace=pread64,read", "-e", "read=none", "-o", "/dev/stdout", "-qq"])
        .arg(common::bigedit())
        .args(["--no-cache", "read", &f, "-10:"])
        .current_dir(sb.dir())
        .output()
        .expect("strace");
    let trace = String::from_utf8_lossy(&out.stdout);
    let read: u64 = trace
        .lines()
        .filter(|l| l.starts_with("pread64("))
        .filter_map(|l| l.rsplit("= ").next()?.trim().parse::<u64>().ok())
        .sum();
    assert!(read < 1 << 20, "read {read} bytes of a {} byte file for its tail", doc.len());
}

#[test]
fn csv_rows_from_the_end() {
    let sb = Sandbox::new();
    let doc = b"id,note\n1,a\n2,\"two\nlines\"\n3,c\n4,d\n";
    let f = sb.write("t.csv", doc);
    assert_eq!(sb.run(&["csv", "read", &f, "-2:"]).ok(), b"3,c\n4,d\n");
    assert_eq!(sb.run(&["csv", "read", &f, "2:-3"]).ok(), b"2,\"two\nlines\"\n");
    assert_eq!(sb.run(&["csv", "read", &f, "1:+1"]).ok(), b"1,a\n2,\"two\nlines\"\n");
    let err = sb.run(&["csv", "read", &f, "-5"]).error(1);
    assert!(err.contains("row -5 is before the first row: the file has 4 rows"), "{err}");
}

#[test]
fn find_context_matches_grep() {
    for (shape, doc) in files() {
        let sb = Sandbox::new();
        let f = sb.write("f.log", &doc);
        let pattern = r"row (1|7|9|20|39) ";
        for opts in
            [&["-C", "2"][..], &["-A", "1"], &["-B", "3"], &["-C", "0"], &["-B", "1", "-A", "4"]]
        {
            // grep -n prints N:text for matches and N-text for context; ours adds the column
            // and offset to match lines, and drops the CR of a CRLF line.
            let mut grep_args = vec!["-n", "-E"];
            grep_args.extend_from_slice(opts);
            grep_args.push(pattern);
            let grep = String::from_utf8(tool("grep", &grep_args, &doc)).unwrap().replace('\r', "");
            let mut args = vec!["find", f.as_str(), "--regex", pattern];
            args.extend_from_slice(opts);
            let ours = String::from_utf8(sb.run(&args).ok().to_vec()).unwrap();
            let ours: String = ours
                .lines()
                .map(|l| match l.split_once(':') {
                    Some((n, rest)) if n.bytes().all(|b| b.is_ascii_digit()) => {
                        let text = rest.splitn(3, ':').nth(2).unwrap_or("");
                        format!("{n}:{text}\n")
                    }
                    _ => format!("{l}\n"),
                })
                .collect();
            assert_eq!(ours, grep, "{shape} {opts:?}");
        }
        // --json: each match carries its own context as arrays.
        let v = sb.run(&["--json", "find", &f, "row 40 ", "-B", "2", "-A", "2"]).ok_json();
        let m = &v["matches"][0];
        assert_eq!(
            m["before"],
            serde_json::json!([
                {"line": 38, "text": "row 38 text"}, {"line": 39, "text": "row 39 text"}
            ]),
            "{shape}"
        );
        assert_eq!(m["after"], serde_json::json!([]), "{shape}");
    }
}
