//! Tests of the `bigedit` command line, run as a separate process on real files.
//!
//! Every expectation comes from outside bigedit: from the naive line model in `common` or
//! from reference tools (`sed`, `awk`, `dd`, `perl`, `patch`), never from bigedit's own
//! output. Each test runs in its own directory with its own index cache
//! (`BIGEDIT_CACHE_DIR`), and every failing command is checked to leave its file
//! byte-identical.

mod common;

use std::fs::OpenOptions;
use std::io::Write;

use common::{model, patch, same, tool, tool_env, Sandbox};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// Small files of every shape the specification names.
fn docs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("LF", b"alpha\nbeta\ngamma\ndelta\n".to_vec()),
        ("CRLF", b"alpha\r\nbeta\r\ngamma\r\ndelta\r\n".to_vec()),
        ("no final newline", b"alpha\nbeta\ngamma".to_vec()),
        ("CRLF, no final newline", b"alpha\r\nbeta\r\ngamma".to_vec()),
        ("one line, no newline", b"alpha".to_vec()),
        ("empty", Vec::new()),
        ("empty lines", b"\n\nalpha\n\n".to_vec()),
        (
            "multi-byte UTF-8",
            "na\u{ef}ve caf\u{e9}\n\u{65e5}\u{672c} data\nemoji \u{1f980} alpha\n".into(),
        ),
        ("invalid UTF-8", b"ok alpha\n\xff\xfe bad\ncaf\xe9 latin-1\n\xe6\x97 cut\n".to_vec()),
        ("mixed endings", b"alpha\r\nbeta\ngamma\r\n".to_vec()),
    ]
}

/// A file of twelve numbered lines (`line one` ... `line twelve`) with `newline` after each,
/// the last one only if `final_newline`.
fn twelve(newline: &str, final_newline: bool) -> Vec<u8> {
    let words = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve",
    ];
    let mut doc: String = words.iter().map(|w| format!("line {w}{newline}")).collect();
    if !final_newline {
        doc.truncate(doc.len() - newline.len());
    }
    doc.into_bytes()
}

/// Every way to write lines `first..=last` of a file of `count` lines: `A:B`, `N`, `A:`, `:B`.
fn line_specs(first: u64, last: u64, count: u64) -> Vec<String> {
    let mut specs = vec![format!("{first}:{last}")];
    if first == last {
        specs.push(first.to_string());
    }
    if last == count {
        specs.push(format!("{first}:"));
    }
    if first == 1 {
        specs.push(format!(":{last}"));
    }
    specs
}

/// The line ranges edits are tried on: first, last, all, and an inner pair.
fn edit_ranges(count: u64) -> Vec<(u64, u64)> {
    let mut ranges = vec![(1, 1), (count, count), (1, count), (2, 3)];
    ranges.retain(|&(a, b)| 1 <= a && a <= b && b <= count);
    ranges.dedup();
    ranges
}

fn utf8(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("test text is UTF-8")
}

// ---------------------------------------------------------------------------------------------
// info, read
// ---------------------------------------------------------------------------------------------

#[test]
fn info_reports_size_lines_and_line_ending() {
    let sb = Sandbox::new();
    for (i, (name, doc)) in docs().iter().enumerate() {
        let file = sb.write(&format!("doc{i}"), doc);
        let lines = model::line_count(doc);
        let ending = model::line_ending(doc);
        // awk counts a last line without newline as a record, as the model does.
        let awk = tool("awk", &["END { print NR }"], doc);
        same(&awk, format!("{lines}\n").as_bytes(), format!("awk vs model on {name}"));

        let v = sb.run(&["--json", "info", &file]).ok_json();
        assert_eq!(v["size"], doc.len() as u64, "{name}: {v}");
        assert_eq!(v["lines"], lines, "{name}: {v}");
        assert_eq!(v["line_ending"], ending, "{name}: {v}");
        assert_eq!(v["final_newline"], doc.ends_with(b"\n"), "{name}: {v}");
        assert!(v["index"].is_string(), "{name}: no index state in {v}");

        let run = sb.run(&["info", &file]);
        let text = run.ok_text();
        for want in
            [format!("{} bytes", doc.len()), format!("lines: {lines}\n"), format!(": {ending}\n")]
        {
            assert!(text.contains(&want), "{name}: {want:?} is missing from {text:?}");
        }
    }
}

#[test]
fn read_prints_lines_as_sed_does() {
    let sb = Sandbox::new();
    for (i, (name, doc)) in docs().iter().enumerate() {
        let file = sb.write(&format!("doc{i}"), doc);
        let count = model::line_count(doc);
        for first in 1..=count {
            for last in first..=count {
                let want = &doc[model::line_bytes(doc, first, last)];
                let sed = tool("sed", &["-n", &format!("{first},{last}p")], doc);
                same(&sed, want, format!("sed vs model: {name}, lines {first}:{last}"));
                for spec in line_specs(first, last, count) {
                    same(
                        sb.run(&["read", &file, &spec]).ok(),
                        want,
                        format!("{name}: read {spec}"),
                    );
                }
            }
        }
    }
}

#[test]
fn read_bytes_prints_the_slice_dd_prints() {
    let sb = Sandbox::new();
    for (i, (name, doc)) in docs().iter().enumerate() {
        let file = sb.write(&format!("doc{i}"), doc);
        let path = sb.path(&file);
        let len = doc.len();
        let mut cuts = vec![0, 1, 6, len / 3, len / 2, len.saturating_sub(1), len];
        cuts.retain(|&c| c <= len);
        cuts.sort_unstable();
        cuts.dedup();
        for (k, &a) in cuts.iter().enumerate() {
            for &b in &cuts[k..] {
                let spec = format!("{a}:{b}");
                let dd = tool(
                    "dd",
                    &[
                        &format!("if={}", path.display()),
                        "iflag=skip_bytes,count_bytes",
                        &format!("skip={a}"),
                        &format!("count={}", b - a),
                        "status=none",
                    ],
                    b"",
                );
                same(&dd, &doc[a..b], format!("dd vs slice: {name}, bytes {spec}"));
                let run = sb.run(&["read", &file, "--bytes", &spec]);
                same(run.ok(), &doc[a..b], format!("{name}: read --bytes {spec}"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// find
// ---------------------------------------------------------------------------------------------

#[test]
fn find_prints_every_literal_match_like_a_naive_search() {
    let sb = Sandbox::new();
    let patterns =
        ["a", "al", "alpha", "ta\n", "a\nb", "\r", "\u{e9}", "\u{1f980}", "\u{65e5}", "ok", " "];
    for (i, (name, doc)) in docs().iter().enumerate() {
        let file = sb.write(&format!("doc{i}"), doc);
        for pat in patterns {
            let all = model::find_literal(doc, pat.as_bytes(), None);
            let what = format!("{name}: find {pat:?}");
            let want = model::find_output(doc, all.iter().map(|r| r.start));
            same(sb.run(&["find", &file, pat]).found(!all.is_empty()), &want, &what);
            let count = sb.run(&["find", &file, pat, "--count"]);
            let counted = count.found(!all.is_empty());
            same(counted, format!("{}\n", all.len()).as_bytes(), format!("{what} --count"));
            if all.len() < 2 {
                continue;
            }
            for max in [1, all.len() - 1] {
                let some = &all[..max];
                let run = sb.run(&["find", &file, pat, "--max", &max.to_string()]);
                let want = model::find_output(doc, some.iter().map(|r| r.start));
                same(run.ok(), &want, format!("{what} --max {max}"));
                let run = sb.run(&["find", &file, pat, "--max", &max.to_string(), "--count"]);
                same(
                    run.ok(),
                    format!("{max}\n").as_bytes(),
                    format!("{what} --max {max} --count"),
                );
            }
        }
    }
}

/// Prints `LINE:COLUMN:OFFSET:text` for each match of `$PAT` in each line's text (the line
/// without its `\r\n` or `\n`), stopping after `$MAX` matches if it is set.
const PERL_FIND: &str = r#"
binmode STDIN; binmode STDOUT;
my ($re, $max, $n, $off) = (qr/$ENV{PAT}/, $ENV{MAX}, 0, 0);
LINE: while (my $line = <STDIN>) {
    my ($t) = $line =~ /\A(.*?)(?:\r?\n)?\z/s;
    while ($t =~ /$re/g) {
        last LINE if $max ne '' && $n >= $max;
        $n++;
        print "$.:", $-[0] + 1, ":", $off + $-[0], ":$t\n";
    }
    $off += length $line;
}
"#;

fn perl_find(doc: &[u8], pattern: &str, max: Option<usize>) -> Vec<u8> {
    let max = max.map(|m| m.to_string()).unwrap_or_default();
    tool_env("perl", &["-e", PERL_FIND], &[("PAT", pattern), ("MAX", &max)], doc)
}

#[test]
fn find_cuts_lines_longer_than_it_holds_and_says_so() {
    let sb = Sandbox::new();
    // A 3 MiB line with two matches, between short ones, CRLF-terminated.
    let mut long = vec![b'x'; 3 << 20];
    long[10..15].copy_from_slice(b"HERE!");
    long[(3 << 20) - 7..(3 << 20) - 2].copy_from_slice(b"HERE!");
    let doc = [&b"short HERE!\r\n"[..], &long, b"\r\nlast\r\n"].concat();
    let file = sb.write("long.txt", &doc);
    let all = model::find_literal(&doc, b"HERE!", None);
    assert_eq!(all.len(), 3);
    // The long line is cut at 1 MiB in text output too, with a marker saying so.
    let long_line = format!("{}:", 2);
    let want: Vec<u8> = model::find_output(&doc, all.iter().map(|r| r.start))
        .split_inclusive(|&b| b == b'\n')
        .flat_map(|l| {
            if !l.starts_with(long_line.as_bytes()) {
                return l.to_vec();
            }
            let colon = l.iter().enumerate().filter(|(_, &b)| b == b':').nth(2).unwrap().0;
            let mut cut = l[..colon + 1 + (1 << 20)].to_vec();
            cut.extend_from_slice(
                format!(" [line cut: {} of {} bytes shown]\n", 1 << 20, 3 << 20).as_bytes(),
            );
            cut
        })
        .collect();
    same(sb.run(&["find", &file, "HERE!"]).ok(), &want, "find on a 3 MiB line");
    // JSON holds at most 1 MiB of a line and says so.
    let json = sb.run(&["--json", "find", &file, "HERE!"]).ok_json();
    let m = &json["matches"];
    assert_eq!(m[0]["truncated"], false);
    assert_eq!(m[1]["truncated"], true);
    assert_eq!(m[1]["text"].as_str().map(str::len), Some(1 << 20));
}

#[test]
fn find_regex_matches_line_by_line_as_perl_does() {
    let sb = Sandbox::new();
    // Patterns on which Rust's regex and Perl agree byte for byte (no `.`, `\w`, `\b` or
    // negated classes, which differ on non-ASCII bytes; empty matches only from anchors).
    let patterns = [
        "a$",
        "^[a-z]+",
        "[aeiou]{2}",
        "(?i)A",
        "l+",
        "(al|be)",
        "\u{e9}|\u{65e5}",
        "^$x",
        "^",
        "$",
    ];
    for (i, (name, doc)) in docs().iter().enumerate() {
        let file = sb.write(&format!("doc{i}"), doc);
        for pat in patterns {
            let want = perl_find(doc, pat, None);
            let what = format!("{name}: find --regex {pat:?}");
            same(sb.run(&["find", &file, "--regex", pat]).found(!want.is_empty()), &want, &what);
            let n = want.iter().filter(|&&b| b == b'\n').count();
            let run = sb.run(&["find", &file, "--regex", pat, "--count"]);
            same(run.found(n > 0), format!("{n}\n").as_bytes(), format!("{what} --count"));
            if n >= 2 {
                let run = sb.run(&["find", &file, "--regex", pat, "--max", "1"]);
                same(run.ok(), &perl_find(doc, pat, Some(1)), format!("{what} --max 1"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Line edits
// ---------------------------------------------------------------------------------------------

#[test]
fn replace_lines_follows_the_model_and_sed() {
    let sb = Sandbox::new();
    let texts: [&[u8]; 4] = [b"X", b"X\nY", b"X\n", b""];
    let mut case = 0;
    for (name, doc) in docs() {
        let count = model::line_count(&doc);
        let mixed = model::line_ending(&doc) == "mixed";
        for (first, last) in edit_ranges(count) {
            let specs = line_specs(first, last, count);
            for text in texts {
                let open_end = last == count && model::open_end(&doc);
                if mixed && !text.is_empty() && !text.ends_with(b"\n") && !open_end {
                    continue; // The specification does not say which ending is added.
                }
                let spec = &specs[case % specs.len()];
                let file = sb.write(&format!("case{case}"), &doc);
                case += 1;
                let what = format!("{name}: replace-lines {spec} --with {:?}", utf8(text));
                sb.run(&["replace-lines", &file, spec, "--with", utf8(text)]).ok();
                let want = model::apply_one(&doc, model::replace_lines(&doc, first, last, text));
                same(&sb.read(&file), &want, &what);

                if model::line_ending(&doc) == "LF" && !open_end && !text.contains(&b'\n') {
                    let script = if text.is_empty() {
                        vec![format!("{first},{last}d")]
                    } else {
                        vec![format!("{first},{last}c\\"), utf8(text).to_string()]
                    };
                    let args: Vec<String> =
                        script.iter().flat_map(|s| ["-e".into(), s.clone()]).collect();
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    same(&want, &tool("sed", &args, &doc), format!("sed vs {what}"));
                }
            }
        }
    }
}

#[test]
fn insert_follows_the_model_and_sed() {
    let sb = Sandbox::new();
    let mut case = 0;
    for (name, doc) in docs() {
        let count = model::line_count(&doc);
        let pure = model::line_ending(&doc) != "mixed";
        let mut inserts: Vec<(&str, u64, &[u8])> = Vec::new();
        for after in [0, 1, count] {
            if after <= count {
                inserts.push(("--after", after, b"X"));
                inserts.push(("--after", after, b"X\nY\n"));
            }
        }
        for before in [1, count] {
            if 1 <= before && before <= count {
                inserts.push(("--before", before, b"X"));
            }
        }
        inserts.dedup();
        for (flag, n, text) in inserts {
            if !pure && !text.ends_with(b"\n") {
                continue; // The specification does not say which ending is added.
            }
            let after = if flag == "--after" { n } else { n - 1 };
            let file = sb.write(&format!("case{case}"), &doc);
            case += 1;
            let what = format!("{name}: insert {flag} {n} --with {:?}", utf8(text));
            sb.run(&["insert", &file, flag, &n.to_string(), "--with", utf8(text)]).ok();
            let want = model::apply_one(&doc, model::insert(&doc, after, text));
            same(&sb.read(&file), &want, &what);

            if model::line_ending(&doc) == "LF" && !model::open_end(&doc) && text == b"X" && n > 0 {
                let command = if flag == "--after" { "a" } else { "i" };
                let sed = tool("sed", &["-e", &format!("{n}{command}\\"), "-e", "X"], &doc);
                same(&want, &sed, format!("sed vs {what}"));
            }
        }
    }
}

#[test]
fn delete_lines_follows_the_model_and_sed() {
    let sb = Sandbox::new();
    let mut case = 0;
    for (name, doc) in docs() {
        let count = model::line_count(&doc);
        for (first, last) in edit_ranges(count) {
            let specs = line_specs(first, last, count);
            let spec = &specs[case % specs.len()];
            let file = sb.write(&format!("case{case}"), &doc);
            case += 1;
            let what = format!("{name}: delete-lines {spec}");
            sb.run(&["delete-lines", &file, spec]).ok();
            let want = model::apply_one(&doc, model::replace_lines(&doc, first, last, b""));
            same(&sb.read(&file), &want, &what);
            let sed = tool("sed", &[&format!("{first},{last}d")], &doc);
            same(&want, &sed, format!("sed vs {what}"));
        }
    }
}

#[test]
fn splice_replaces_exactly_the_byte_range() {
    let sb = Sandbox::new();
    let texts = ["Z", "", "Z\r\n", "\u{e9}"];
    let mut case = 0;
    for (name, doc) in docs() {
        let len = doc.len();
        // Edges, the whole file, and cuts inside `\r\n` and inside multi-byte characters.
        let mut ranges = vec![(0, 0), (len, len), (0, len), (1, len.saturating_sub(1))];
        ranges.extend([(6, 7), (len / 2, len / 2 + 1), (12, 14)]);
        ranges.retain(|&(a, b)| a <= b && b <= len);
        ranges.dedup();
        for (a, b) in ranges {
            let text = texts[case % texts.len()];
            let file = sb.write(&format!("case{case}"), &doc);
            case += 1;
            let spec = format!("{a}:{b}");
            sb.run(&["splice", &file, "--bytes", &spec, "--with", text]).ok();
            let want = model::apply_one(&doc, (a..b, text.as_bytes().to_vec()));
            same(&sb.read(&file), &want, format!("{name}: splice --bytes {spec} --with {text:?}"));
        }
    }
}

/// Applies `s/$PAT/$WITH/g` to each line's text (not its ending), expanding `${N}`, and
/// replacing only the first `$MAX` matches of the file if it is set.
const PERL_REPLACE: &str = r#"
binmode STDIN; binmode STDOUT;
my ($re, $with, $max, $n) = (qr/$ENV{PAT}/, $ENV{WITH}, $ENV{MAX}, 0);
while (my $line = <STDIN>) {
    my ($t, $end) = $line =~ /\A(.*?)((?:\r?\n)?)\z/s;
    $t =~ s{$re}{
        my @g = ($&, map { defined $_ ? $_ : '' } @{^CAPTURE});
        if ($max ne '' && $n >= $max) { $g[0] }
        else { $n++; (my $r = $with) =~ s/\$\{(\d+)\}/$g[$1]/g; $r }
    }ge;
    print $t, $end;
}
"#;

#[test]
fn replace_follows_the_model_sed_and_perl() {
    let sb = Sandbox::new();
    let mut case = 0;
    let literal = [("a", "A", None), ("alpha", "OMEGA", None), ("a", "$1", Some(2))];
    let literal_utf8 = [("\u{e9}", "e", None), ("a\nb", "A-B", None), ("\r\n", "\n", Some(1))];
    for (name, doc) in docs() {
        for (find, with, max) in literal.iter().chain(&literal_utf8) {
            let file = sb.write(&format!("case{case}"), &doc);
            case += 1;
            let mut args = vec!["replace", &file, "--find", find, "--with", with];
            let max_text = max.map(|m: usize| m.to_string()).unwrap_or_default();
            if max.is_some() {
                args.extend(["--max", &max_text]);
            }
            let what = format!("{name}: {args:?}");
            sb.run(&args).ok();
            let want = model::replace_literal(&doc, find.as_bytes(), with.as_bytes(), *max);
            same(&sb.read(&file), &want, &what);
            if find.chars().all(|c| c.is_ascii_alphanumeric()) && max.is_none() {
                let sed = tool("sed", &[&format!("s/{find}/{with}/g")], &doc);
                same(&want, &sed, format!("sed vs {what}"));
            }
        }
        let regex = [
            ("([a-z])([a-z])", "${2}${1}", None),
            ("^([a-z]+)", "<${1}>", None),
            ("a$", "A", None),
            ("(?i)(A)", "[${1}]", Some(3)),
            ("^", "> ", None),
            ("$", ";", Some(2)),
        ];
        for (find, with, max) in regex {
            let file = sb.write(&format!("case{case}"), &doc);
            case += 1;
            let max_text = max.map(|m: usize| m.to_string()).unwrap_or_default();
            let mut args = vec!["replace", &file, "--regex", "--find", find, "--with", with];
            if max.is_some() {
                args.extend(["--max", &max_text]);
            }
            let what = format!("{name}: {args:?}");
            sb.run(&args).ok();
            let env = [("PAT", find), ("WITH", with), ("MAX", &max_text)];
            let want = tool_env("perl", &["-e", PERL_REPLACE], &env, &doc);
            same(&sb.read(&file), &want, &what);
        }
    }
}

#[test]
fn content_comes_from_with_from_or_stdin() {
    let sb = Sandbox::new();
    let doc = twelve("\r\n", true);
    let content = b"new one\nnew two";
    sb.write("content.txt", content);
    let commands: [(&[&str], model::Splice); 3] = [
        (&["replace-lines", "4:5"], model::replace_lines(&doc, 4, 5, content)),
        (&["insert", "--before", "3"], model::insert(&doc, 2, content)),
        (&["splice", "--bytes", "3:9"], (3..9, content.to_vec())),
    ];
    let mut case = 0;
    for (command, splice) in commands {
        let want = model::apply_one(&doc, splice);
        let sources: [(&[&str], Option<&[u8]>); 4] = [
            (&["--with", utf8(content)], None),
            (&["--from", "content.txt"], None),
            (&["--from", "-"], Some(content)),
            (&[], Some(content)),
        ];
        for (source, stdin) in sources {
            let file = sb.write(&format!("case{case}"), &doc);
            case += 1;
            let mut args = vec![command[0], &file];
            args.extend(&command[1..]);
            args.extend(source);
            let run = match stdin {
                Some(bytes) => sb.run_stdin(&args, bytes),
                None => sb.run(&args),
            };
            run.ok();
            same(&sb.read(&file), &want, format!("{args:?}"));
        }
    }
}

/// Content is bytes: a line printed by `read` can be written back, whatever its encoding.
#[test]
fn content_may_be_any_bytes() {
    let sb = Sandbox::new();
    let doc = b"caf\xe9\nplain\n".to_vec();
    let file = sb.write("latin1", &doc);
    let line = sb.run(&["read", &file, "1"]).ok().to_vec();
    sb.write("line", &line);
    sb.run(&["replace-lines", &file, "2", "--from", "line"]).ok();
    same(&sb.read(&file), b"caf\xe9\ncaf\xe9\n", "replace-lines --from a non-UTF-8 line");
    sb.run_stdin(&["splice", &file, "--bytes", "0:0"], b"\xff").ok();
    same(&sb.read(&file), b"\xffcaf\xe9\ncaf\xe9\n", "splice of a non-UTF-8 byte");
}

// ---------------------------------------------------------------------------------------------
// --dry-run
// ---------------------------------------------------------------------------------------------

/// Editing commands (without the file name) that change `doc`.
fn edit_commands(doc: &[u8]) -> Vec<Vec<String>> {
    let count = model::line_count(doc);
    let len = doc.len();
    let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    let mut commands = vec![
        words("insert --after 0 --with top"),
        words(&format!("insert --after {count} --with bottom")),
        words(&format!("splice --bytes {}:{} --with Z", len / 3, len / 2)),
        words("replace --find a --with A"),
        words("replace --regex --find ^([a-z]) --with <${1}>"),
        words("apply edits.json"),
    ];
    if count > 0 {
        commands.extend([
            words("replace-lines 1 --with X"),
            vec!["replace-lines".into(), count.to_string(), "--with".into(), "X\nY".into()],
            words(&format!("delete-lines {count}")),
            words("delete-lines 1:"),
        ]);
    }
    commands
}

#[test]
fn dry_run_touches_nothing_and_its_diff_patches_to_the_real_result() {
    let sb = Sandbox::new();
    let mut case = 0;
    for (name, doc) in docs() {
        let count = model::line_count(&doc);
        let mut edits = vec![
            json!({"op": "insert", "after": 0, "with": "head"}),
            json!({"op": "splice", "bytes": format!("{0}:{0}", doc.len()), "with": "tail"}),
        ];
        if count >= 2 {
            edits.push(json!({"op": "replace-lines", "lines": "2", "with": ""}));
        }
        sb.write("edits.json", Value::Array(edits).to_string().as_bytes());
        for (k, command) in edit_commands(&doc).into_iter().enumerate() {
            let (dry, real) = (format!("dry{case}"), format!("real{case}"));
            case += 1;
            sb.write(&dry, &doc);
            sb.write(&real, &doc);
            // `command` on `file`, with `flags` after it.
            let run = |file: &str, flags: &[&str]| {
                let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
                args.insert(1, file);
                args.extend(flags);
                sb.run(&args)
            };
            let what = format!("{name}: {command:?}");
            let listing = sb.listing();

            let dry_run = run(&dry, &["--dry-run"]);
            let diff = dry_run.ok();
            same(&sb.read(&dry), &doc, format!("--dry-run changed the file: {what}"));
            assert_eq!(sb.listing(), listing, "--dry-run left files behind: {what}");

            run(&real, &[]).ok();
            let edited = sb.read(&real);
            if edited == doc {
                assert!(diff.is_empty(), "a change that changes nothing has a diff: {what}");
                continue;
            }
            assert!(diff.starts_with(b"--- "), "{what}: not a unified diff: {diff:?}");
            same(&patch(&doc, diff), &edited, format!("patch(--dry-run diff) vs edit: {what}"));

            // The insert, and the two replaces (whose JSON diff is streamed as it is planned).
            if let (0 | 3 | 4, Ok(diff)) = (k, std::str::from_utf8(diff)) {
                let v = run(&dry, &["--dry-run", "--json"]).ok_json();
                assert_eq!(v["diff"], diff, "{what}: --json diff differs from the diff");
                same(&sb.read(&dry), &doc, format!("--dry-run --json changed the file: {what}"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// apply
// ---------------------------------------------------------------------------------------------

#[test]
fn apply_makes_every_edit_in_original_coordinates() {
    let sb = Sandbox::new();
    let variants = [
        ("LF", twelve("\n", true)),
        ("CRLF", twelve("\r\n", true)),
        ("open end", twelve("\n", false)),
    ];
    for (i, (name, doc)) in variants.into_iter().enumerate() {
        let line10 = model::line_bytes(&doc, 10, 10).start;
        let edits = json!([
            {"op": "replace-lines", "lines": "2:3", "with": "TWO\nTHREE"},
            {"op": "insert", "after": 0, "with": "top"},
            {"op": "insert", "before": 6, "with": "before six\n"},
            {"op": "delete-lines", "lines": 8},
            {"op": "replace", "find": "nine", "with": "9"},
            {"op": "splice", "bytes": format!("{}:{}", line10, line10 + 4), "with": "LINE"},
            {"op": "replace-lines", "lines": "12:", "with": "last\n"},
            {"op": "delete-lines", "lines": ":1"},
        ]);
        let nine = model::find_literal(&doc, b"nine", None)[0].clone();
        let want = model::apply(
            &doc,
            &[
                model::replace_lines(&doc, 2, 3, b"TWO\nTHREE"),
                model::insert(&doc, 0, b"top"),
                model::insert(&doc, 5, b"before six\n"),
                model::replace_lines(&doc, 8, 8, b""),
                (nine, b"9".to_vec()),
                (line10..line10 + 4, b"LINE".to_vec()),
                model::replace_lines(&doc, 12, 12, b"last\n"),
                model::replace_lines(&doc, 1, 1, b""),
            ],
        );

        let file = sb.write(&format!("doc{i}"), &doc);
        sb.write("edits.json", edits.to_string().as_bytes());
        let v = sb.run(&["--json", "apply", &file, "edits.json"]).ok_json();
        same(&sb.read(&file), &want, format!("{name}: apply"));
        assert_eq!(v["bytes_before"], doc.len() as u64, "{name}: {v}");
        assert_eq!(v["bytes_after"], want.len() as u64, "{name}: {v}");
        assert_eq!(v["lines_before"], 12, "{name}: {v}");
        assert_eq!(v["lines_after"], model::line_count(&want), "{name}: {v}");

        // The same list on stdin.
        let file = sb.write(&format!("stdin{i}"), &doc);
        sb.run_stdin(&["apply", &file, "-"], edits.to_string().as_bytes()).ok();
        same(&sb.read(&file), &want, format!("{name}: apply from stdin"));

        // A regex edit with a limit, next to a line edit it does not touch.
        let file = sb.write(&format!("regex{i}"), &doc);
        let list = json!([
            {"op": "replace", "find": "^line (t)", "with": "${1}", "regex": true, "max": 2},
            {"op": "delete-lines", "lines": "4:5"},
        ]);
        sb.run_stdin(&["apply", &file, "-"], list.to_string().as_bytes()).ok();
        let (two, three) =
            (model::line_bytes(&doc, 2, 2).start, model::line_bytes(&doc, 3, 3).start);
        let want = model::apply(
            &doc,
            &[
                (two..two + 6, b"t".to_vec()),
                (three..three + 6, b"t".to_vec()),
                model::replace_lines(&doc, 4, 5, b""),
            ],
        );
        same(&sb.read(&file), &want, format!("{name}: apply regex with max"));
    }
}

#[test]
fn overlapping_apply_edits_fail_naming_both_and_change_nothing() {
    let sb = Sandbox::new();
    let doc = twelve("\n", true);
    let file = sb.write("doc", &doc);
    let three = model::line_bytes(&doc, 3, 3).start;
    let splice = format!("{}:{}", three + 1, three + 3);
    // (edit list, words naming the two overlapping edits, a word naming the innocent edit)
    let cases = [
        (
            json!([
                {"op": "replace-lines", "lines": "2:3", "with": "x"},
                {"op": "insert", "after": 10, "with": "ok"},
                {"op": "splice", "bytes": splice, "with": "y"},
            ]),
            ["replace-lines", "2:3", "splice", splice.as_str()],
            "insert",
        ),
        (
            json!([
                {"op": "replace", "find": "twelve", "with": "12"},
                {"op": "replace-lines", "lines": "4:6", "with": "x"},
                {"op": "delete-lines", "lines": 5},
            ]),
            ["replace-lines", "4:6", "delete-lines", "5"],
            "twelve",
        ),
        (
            json!([
                {"op": "delete-lines", "lines": "9"},
                {"op": "insert", "after": 2, "with": "inside"},
                {"op": "replace-lines", "lines": "2:3", "with": "x"},
            ]),
            ["insert", "2", "replace-lines", "2:3"],
            "delete-lines",
        ),
        (
            json!([
                {"op": "replace", "find": "line three", "with": "3"},
                {"op": "delete-lines", "lines": "3"},
                {"op": "splice", "bytes": format!("{0}:{0}", doc.len()), "with": "end\n"},
            ]),
            ["replace", "line three", "delete-lines", "3"],
            "splice",
        ),
    ];
    let listing = sb.listing();
    for (edits, names, innocent) in cases {
        for dry_run in [false, true] {
            let mut args = vec!["apply", file.as_str(), "-"];
            if dry_run {
                args.push("--dry-run");
            }
            let message = sb.run_stdin(&args, edits.to_string().as_bytes()).error(1);
            for name in names {
                assert!(message.contains(name), "{message:?} does not name {name:?} ({edits})");
            }
            assert!(!message.contains(innocent), "{message:?} names {innocent:?} ({edits})");
            same(&sb.read(&file), &doc, format!("the file changed after {message:?}"));
            assert_eq!(sb.listing(), listing, "files left behind after {message:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn errors_print_one_line_naming_the_position_and_leave_the_file_alone() {
    let sb = Sandbox::new();
    let doc = twelve("\r\n", false);
    let file = sb.write("doc", &doc);
    sb.write("bad.json", br#"[{"op": "delete-lines", "lines": 1}"#);
    sb.write("unknown.json", br#"[{"op": "frobnicate", "lines": 1}]"#);
    sb.write(
        "past.json",
        br#"[{"op": "delete-lines", "lines": "1"}, {"op": "delete-lines", "lines": "99"}]"#,
    );
    let f = file.as_str();
    // (arguments, exit status, what the message must mention)
    let cases: &[(&[&str], i32, &[&str])] = &[
        (&["read", f, "900"], 1, &["900"]),
        (&["read", f, "5:900"], 1, &["900"]),
        (&["read", f, "13"], 1, &["13"]),
        (&["read", f, "7:3"], 1, &["7:3"]),
        (&["read", f, "0"], 1, &["0"]),
        (&["delete-lines", f, "900"], 1, &["900"]),
        (&["delete-lines", f, "900", "--dry-run"], 1, &["900"]),
        (&["replace-lines", f, "13:14", "--with", "x"], 1, &["13"]),
        (&["replace-lines", f, "9:2", "--with", "x"], 1, &["9:2"]),
        (&["insert", f, "--after", "13", "--with", "x"], 1, &["13"]),
        (&["read", f, "7-9"], 2, &["7-9"]),
        (&["read", f, "1:2:3"], 2, &["1:2:3"]),
        (&["delete-lines", f, "one"], 2, &["one"]),
        (&["replace-lines", f, "2..4", "--with", "x"], 2, &["2..4"]),
        (&["read", f, "--bytes", "12..20"], 2, &["12..20"]),
        (&["splice", f, "--bytes", "1-2", "--with", "x"], 2, &["1-2"]),
        (&["read", f, "--bytes", "1000:2000"], 1, &["1000:2000"]),
        (&["read", f, "--bytes", "9:3"], 1, &["9:3"]),
        (&["splice", f, "--bytes", "10:1000", "--with", "x"], 1, &["10:1000"]),
        (&["splice", f, "--bytes", "9:3", "--with", "x"], 1, &["9:3"]),
        (&["find", f, "--regex", "(unclosed"], 1, &["(unclosed"]),
        (&["replace", f, "--regex", "--find", "a{2", "--with", "x"], 1, &["a{2"]),
        (&["apply", f, "bad.json"], 2, &["bad.json", "column"]),
        (&["apply", f, "unknown.json"], 2, &["unknown.json", "frobnicate"]),
        (&["apply", f, "past.json"], 1, &["99"]),
        (&["apply", f, "missing.json"], 1, &["missing.json"]),
        (&["read", "missing.txt", "1"], 1, &["missing.txt"]),
        (&["info", "missing.txt"], 1, &["missing.txt"]),
        (&["replace-lines", "missing.txt", "1", "--with", "x"], 1, &["missing.txt"]),
        (&["splice", "missing.txt", "--bytes", "0:0", "--with", "x"], 1, &["missing.txt"]),
        (&["read", ".", "1"], 1, &["."]),
    ];
    let listing = sb.listing();
    for &(args, code, mentions) in cases {
        let message = sb.run(args).error(code);
        for m in mentions {
            assert!(message.contains(m), "{args:?}: {message:?} does not mention {m:?}");
        }
        same(&sb.read(&file), &doc, format!("{args:?} changed the file"));
        assert_eq!(sb.listing(), listing, "{args:?} left files behind or created some");
    }
    // Arguments clap refuses: exit status 2 and nothing touched.
    let usage: &[&[&str]] = &[
        &["insert", f, "--after", "1", "--before", "2", "--with", "x"],
        &["read", f],
        &["frobnicate", f],
        &["read", f, "1", "--chunk-size", "0"],
        &["replace-lines", f, "1", "--with", "x", "--from", "bad.json"],
    ];
    for &args in usage {
        sb.run(args).usage_error();
        same(&sb.read(&file), &doc, format!("{args:?} changed the file"));
        assert_eq!(sb.listing(), listing, "{args:?} left files behind");
    }
}

// ---------------------------------------------------------------------------------------------
// --json
// ---------------------------------------------------------------------------------------------

#[test]
fn json_outputs_carry_the_documented_fields() {
    let sb = Sandbox::new();
    let doc = twelve("\r\n", false);
    let file = sb.write("doc", &doc);

    let v = sb.run(&["--json", "index", &file]).ok_json();
    assert_eq!((&v["lines"], &v["size"]), (&json!(12), &json!(doc.len())), "{v}");

    let v = sb.run(&["--json", "read", &file, "3:4"]).ok_json();
    let range = model::line_bytes(&doc, 3, 4);
    assert_eq!(v["bytes"], json!({"start": range.start, "end": range.end}), "{v}");
    assert_eq!(v["lines"], json!({"start": 3, "end": 4}), "{v}");
    assert_eq!(v["text"], utf8(&doc[range]), "{v}");
    assert!(v["version"].as_str().is_some_and(|s| !s.is_empty()), "no version: {v}");

    let v = sb.run(&["--json", "read", &file, "--bytes", "5:9"]).ok_json();
    assert_eq!(v["bytes"], json!({"start": 5, "end": 9}), "{v}");
    assert_eq!(v["text"], utf8(&doc[5..9]), "{v}");
    assert!(v["version"].as_str().is_some_and(|s| !s.is_empty()), "no version: {v}");

    let v = sb.run(&["--json", "find", &file, "line t"]).ok_json();
    let found = model::find_literal(&doc, b"line t", None);
    assert_eq!(v["count"], found.len(), "{v}");
    let matches = v["matches"].as_array().expect("matches");
    let want = model::find_output(&doc, found.iter().map(|r| r.start));
    let got: String = matches
        .iter()
        .map(|m| {
            let text = m["text"].as_str().expect("text");
            format!("{}:{}:{}:{text}\n", m["line"], m["column"], m["offset"])
        })
        .collect();
    same(got.as_bytes(), &want, "find --json matches");
    let v = sb.run(&["--json", "find", &file, "--count", "--regex", "e$"]).ok_json();
    assert_eq!(v["count"], 5, "{v}"); // one three five nine twelve
                                      // Nothing found: exit status 1, as grep, with the JSON all the same.
    let run = sb.run(&["--json", "find", &file, "absent"]);
    let v: Value = serde_json::from_slice(run.found(false)).expect("JSON");
    assert_eq!((&v["count"], &v["matches"]), (&json!(0), &json!([])), "{v}");

    // Invalid UTF-8 still gives valid JSON.
    let bad = sb.write("bad", b"caf\xe9\n\xff\n");
    let v = sb.run(&["--json", "read", &bad, "1:2"]).ok_json();
    assert_eq!(v["text"], String::from_utf8_lossy(b"caf\xe9\n\xff\n").as_ref(), "{v}");
    assert_eq!(v["bytes"], json!({"start": 0, "end": 7}), "{v}");

    // Editing commands report the sizes before and after.
    let (t, one) = (model::find_literal(&doc, b"t", None), model::find_literal(&doc, b"one", None));
    let edits: [(&[&str], Vec<model::Splice>); 5] = [
        (&["replace-lines", "2:3", "--with", "x"], vec![model::replace_lines(&doc, 2, 3, b"x")]),
        (&["insert", "--after", "12", "--with", "y"], vec![model::insert(&doc, 12, b"y")]),
        (&["delete-lines", "5"], vec![model::replace_lines(&doc, 5, 5, b"")]),
        (
            &["replace", "--find", "t", "--with", "T"],
            t.into_iter().map(|r| (r, b"T".to_vec())).collect(),
        ),
        (
            &["splice", "--bytes", &format!("{}:{}", one[0].start, one[0].end), "--with", "1\r\n"],
            vec![(one[0].clone(), b"1\r\n".to_vec())],
        ),
    ];
    for (i, (command, splices)) in edits.into_iter().enumerate() {
        let file = sb.write(&format!("edit{i}"), &doc);
        let mut args = vec!["--json", command[0], &file];
        args.extend(&command[1..]);
        let v = sb.run(&args).ok_json();
        let want = model::apply(&doc, &splices);
        same(&sb.read(&file), &want, format!("{args:?}"));
        assert_eq!(v["bytes_before"], doc.len(), "{args:?}: {v}");
        assert_eq!(v["bytes_after"], want.len(), "{args:?}: {v}");
        // Line counts are reported when the command had the line index at hand, which line
        // edits always have.
        if command[0].ends_with("lines") || command[0] == "insert" || !v["lines_before"].is_null() {
            assert_eq!(v["lines_before"], 12, "{args:?}: {v}");
            assert_eq!(v["lines_after"], model::line_count(&want), "{args:?}: {v}");
        }
    }
}

#[test]
fn read_json_version_is_a_hash_of_the_bytes_read() {
    let sb = Sandbox::new();
    let file = sb.write("doc", b"same\nother\nsame\nsame\r\nlast");
    let other = sb.write("other", b"first\nsame\n");
    let version = |args: &[&str]| {
        let mut all = vec!["--json", "read"];
        all.extend(args);
        let v = sb.run(&all).ok_json();
        v["version"].as_str().expect("version").to_string()
    };
    let same1 = version(&[&file, "1"]);
    assert_eq!(version(&[&file, "3"]), same1, "equal lines, equal versions");
    assert_eq!(version(&[&other, "2"]), same1, "equal bytes in another file");
    assert_eq!(version(&[&file, "--bytes", "11:16"]), same1, "the same bytes read by offset");
    assert_ne!(version(&[&file, "2"]), same1, "other bytes");
    assert_ne!(version(&[&file, "4"]), same1, "same text, other line ending");
    assert_ne!(version(&[&file, "1:2"]), same1, "more bytes");

    // An edit changes the version of the lines it changes, and only theirs.
    let before = (version(&[&file, "1"]), version(&[&file, "2"]), version(&[&file, "5"]));
    sb.run(&["replace-lines", &file, "2", "--with", "changed"]).ok();
    assert_eq!(version(&[&file, "1"]), before.0);
    assert_ne!(version(&[&file, "2"]), before.1);
    assert_eq!(version(&[&file, "5"]), before.2);
    // So does a change made by another program.
    std::fs::write(sb.path(&file), b"same\nchanged\nsame\nsame\r\nLAST").expect("write");
    assert_ne!(version(&[&file, "5"]), before.2);
    assert_eq!(version(&[&file, "1"]), before.0);
}

// ---------------------------------------------------------------------------------------------
// The index cache
// ---------------------------------------------------------------------------------------------

/// `lines` generated lines (`row N` and filler, some with multi-byte characters), ending in
/// `\r\n` when `crlf(N)`, else `\n`.
fn generated(lines: u64, seed: u64, crlf: impl Fn(u64) -> bool) -> Vec<u8> {
    let mut rng = model::Rng(seed);
    let mut doc = Vec::new();
    for n in 1..=lines {
        doc.extend_from_slice(format!("row {n} ").as_bytes());
        doc.extend(std::iter::repeat_n(b'x', rng.below(60) as usize));
        if rng.below(4) == 0 {
            doc.extend_from_slice("\u{e9}\u{1f980}".repeat(rng.below(4) as usize).as_bytes());
        }
        doc.extend_from_slice(if crlf(n) { b"\r\n" } else { b"\n" });
    }
    doc
}

/// How a command changes the model's file.
type Change = dyn Fn(&[u8]) -> Vec<u8>;

/// Appends `bytes` to `file` as another program would.
fn append(sb: &Sandbox, file: &str, bytes: &[u8]) {
    let mut f = OpenOptions::new().append(true).open(sb.path(file)).expect("open for append");
    f.write_all(bytes).expect("append");
}

/// `info --json` of `file`.
fn info(sb: &Sandbox, file: &str) -> Value {
    sb.run(&["--json", "info", file]).ok_json()
}

/// Checks `read` of a few line ranges (the start, the middle, around 64 KiB offsets, the end)
/// of `file` against `doc`.
#[track_caller]
fn check_reads(sb: &Sandbox, file: &str, doc: &[u8], what: &str) {
    let count = model::line_count(doc);
    let lines = model::lines(doc);
    let mut firsts = vec![1, count / 2, count.saturating_sub(2)];
    let mut offset = 0;
    for (i, line) in lines.iter().enumerate() {
        if offset / 65_536 != (offset + line.len()) / 65_536 {
            firsts.push(i as u64 + 1);
        }
        offset += line.len();
    }
    for first in firsts.into_iter().filter(|&f| f >= 1) {
        let last = (first + 2).min(count);
        let spec = format!("{first}:{last}");
        let run = sb.run(&["read", file, &spec]);
        same(run.ok(), &doc[model::line_bytes(doc, first, last)], format!("{what}: read {spec}"));
    }
}

#[test]
fn the_index_cache_is_reused_and_outside_changes_are_detected() {
    let sb = Sandbox::new();
    let mut doc = generated(6000, 1, |_| false);
    let file = sb.write("log", &doc);
    assert!(sb.run(&["index", &file]).ok_text().contains("6000"));
    let v = info(&sb, &file);
    assert_eq!((&v["index"], &v["lines"]), (&json!("cached"), &json!(6000)), "{v}");
    check_reads(&sb, &file, &doc, "cached");

    // Another program appends.
    append(&sb, &file, b"appended line\nand one more");
    doc.extend_from_slice(b"appended line\nand one more");
    let v = info(&sb, &file);
    assert_ne!(v["index"], "cached", "an appended file still uses its old index: {v}");
    assert_eq!((&v["lines"], &v["size"]), (&json!(6002), &json!(doc.len())), "{v}");
    same(sb.run(&["read", &file, "6001:"]).ok(), b"appended line\nand one more", "appended");
    check_reads(&sb, &file, &doc, "after append");
    assert_eq!(info(&sb, &file)["index"], "cached", "the rebuilt index is cached again");

    // Another program truncates.
    doc.truncate(model::line_bytes(&doc, 3000, 3000).end);
    OpenOptions::new()
        .write(true)
        .open(sb.path(&file))
        .and_then(|f| f.set_len(doc.len() as u64))
        .expect("truncate");
    assert_eq!(info(&sb, &file)["lines"], 3000);
    sb.run(&["read", &file, "3001"]).error(1);
    check_reads(&sb, &file, &doc, "after truncation");

    // Another program appends, then bigedit makes edits that need no line numbers: the stale
    // index must not be shifted and cached as if it were the file's.
    let commands: [(&[&str], &Change); 2] = [
        (&["splice", "--bytes", "0:3", "--with", "ROW"], &|d| {
            model::apply_one(d, (0..3, b"ROW".to_vec()))
        }),
        (&["replace", "--find", "row 1", "--with", "r\n1"], &|d| {
            model::replace_literal(d, b"row 1", b"r\n1", None)
        }),
    ];
    for (command, change) in commands {
        append(&sb, &file, b"\nmore");
        doc.extend_from_slice(b"\nmore");
        let mut args = vec![command[0], &file];
        args.extend(&command[1..]);
        sb.run(&args).ok();
        doc = change(&doc);
        same(&sb.read(&file), &doc, format!("{args:?} after an append"));
        assert_eq!(info(&sb, &file)["lines"], model::line_count(&doc), "{args:?}");
        check_reads(&sb, &file, &doc, &format!("{args:?} after an append"));
    }

    // Another program replaces the file by one of the same size and modification time, with
    // a line break moved in the middle.
    let old = std::fs::metadata(sb.path(&file)).expect("stat");
    let mut new = doc.clone();
    let middle = model::line_bytes(&doc, 1500, 1500);
    new.swap(middle.end - 1, middle.start + 4); // `row \n...` -> the break moves up
    assert_ne!(new, doc);
    let tmp = sb.path("log.new");
    std::fs::write(&tmp, &new).expect("write");
    let f = std::fs::File::options().write(true).open(&tmp).expect("open");
    f.set_modified(old.modified().expect("mtime")).expect("set mtime");
    drop(f);
    std::fs::rename(&tmp, sb.path(&file)).expect("rename");
    let v = info(&sb, &file);
    assert_ne!(v["index"], "cached", "a replaced file still uses the old index: {v}");
    check_reads(&sb, &file, &new, "after replacement");
    for n in 1499..=1501 {
        let spec = n.to_string();
        same(sb.run(&["read", &file, &spec]).ok(), &new[model::line_bytes(&new, n, n)], &spec);
    }
}

#[test]
fn reads_after_bigedit_edits_use_the_shifted_index() {
    let sb = Sandbox::new();
    let mut doc = generated(8000, 2, |_| true);
    let file = sb.write("log", &doc);
    sb.run(&["index", &file]).ok();
    /// Arguments separated by `|`.
    fn args(s: &str) -> Vec<String> {
        s.split('|').map(String::from).collect()
    }
    // Each step gives, for the current file, a command and the file the model expects after it.
    type Step = Box<dyn Fn(&[u8]) -> (Vec<String>, Vec<u8>)>;
    let steps: Vec<Step> = vec![
        Box::new(|d| {
            let edited = model::apply_one(d, model::replace_lines(d, 3, 3, b"a\r\nb\r\nc"));
            (args("replace-lines|3|--with|a\r\nb\r\nc"), edited)
        }),
        Box::new(|d| {
            let edited = model::apply_one(d, model::replace_lines(d, 100, 2000, b""));
            (args("delete-lines|100:2000"), edited)
        }),
        Box::new(|d| {
            (
                args("insert|--after|0|--with|head"),
                model::apply_one(d, model::insert(d, 0, b"head")),
            )
        }),
        Box::new(|d| {
            // Across several lines in the middle, joining two of them.
            let (a, b) = (d.len() / 2, d.len() / 2 + 300);
            (
                args(&format!("splice|--bytes|{a}:{b}|--with|SPLICED")),
                model::apply_one(d, (a..b, b"SPLICED".to_vec())),
            )
        }),
        Box::new(|d| {
            let edited = model::replace_literal(d, b"row 7", b"ROW\r\nSEVEN", Some(50));
            (args("replace|--find|row 7|--with|ROW\r\nSEVEN|--max|50"), edited)
        }),
        Box::new(|d| {
            let (a, b) = (model::line_bytes(d, 5000, 5000).start, d.len() - 3);
            (
                args(&format!("splice|--bytes|{a}:{b}|--with|tail")),
                model::apply_one(d, (a..b, b"tail".to_vec())),
            )
        }),
    ];
    for step in steps {
        let (command, edited) = step(&doc);
        let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
        args.insert(1, &file);
        sb.run(&args).ok();
        doc = edited;
        let what = format!("after {command:?}");
        same(&sb.read(&file), &doc, &what);
        let v = info(&sb, &file);
        assert_eq!(v["index"], "cached", "{what}: the shifted index was not cached: {v}");
        assert_eq!(v["lines"], model::line_count(&doc), "{what}: {v}");
        check_reads(&sb, &file, &doc, &what);
    }
}

// ---------------------------------------------------------------------------------------------
// Chunk boundaries
// ---------------------------------------------------------------------------------------------

#[test]
fn megabytes_with_small_chunks_give_the_same_answers() {
    let sb = Sandbox::new();
    let long = "x".repeat(23);
    // About 2.6 and 4.8 MB (reads over 4 MiB stream instead of mapping); every third line ends
    // in CRLF, so `\r\n`, characters and patterns straddle chunks.
    for (chunk, lines) in [("7", 60_000), ("4096", 110_000)] {
        let doc = generated(lines, 3, |n| n % 3 == 0);
        let count = model::line_count(&doc);
        let file = sb.write(&format!("big{chunk}"), &doc);
        // The first command builds the index with this chunk size and caches it for the rest.
        let flags = ["--chunk-size", chunk];
        let run = |args: &[&str]| sb.run(&[&flags[..], args].concat());

        let v = run(&["--json", "info", &file]).ok_json();
        assert_eq!((&v["lines"], &v["size"]), (&json!(count), &json!(doc.len())), "{chunk}: {v}");
        assert_eq!(v["line_ending"], "mixed", "{chunk}: {v}");

        for pat in [long.as_str(), "\r\n"] {
            let n = model::find_literal(&doc, pat.as_bytes(), None).len();
            let got = run(&["find", &file, pat, "--count"]);
            let got = got.found(n > 0);
            same(got, format!("{n}\n").as_bytes(), format!("chunk {chunk}: count {pat:?}"));
        }
        let hits = model::find_literal(&doc, "\u{1f980}x".as_bytes(), None);
        let want = model::find_output(&doc, hits.iter().map(|r| r.start));
        let found = run(&["find", &file, "\u{1f980}x"]);
        same(found.found(!hits.is_empty()), &want, format!("chunk {chunk}: find"));
        let ending_in_x =
            model::lines(&doc).iter().filter(|l| model::text_of(l).ends_with(b"x")).count();
        let got = run(&["find", &file, "--regex", "x$", "--count"]);
        let got = got.found(ending_in_x > 0);
        same(got, format!("{ending_in_x}\n").as_bytes(), format!("chunk {chunk}: x$"));

        for (first, last) in [(1, 3), (29_999, 30_001), (count - 2, count)] {
            let spec = format!("{first}:{last}");
            let want = &doc[model::line_bytes(&doc, first, last)];
            same(run(&["read", &file, &spec]).ok(), want, format!("chunk {chunk}: read {spec}"));
        }
        same(
            run(&["read", &file, "--bytes", "1000000:1000100"]).ok(),
            &doc[1_000_000..1_000_100],
            format!("chunk {chunk}: read --bytes"),
        );
        let all = run(&["read", &file, "2:"]);
        same(all.ok(), &doc[model::line_bytes(&doc, 2, count)], format!("chunk {chunk}: read 2:"));
        let all = run(&["read", &file, "--bytes", &format!("1:{}", doc.len())]);
        same(all.ok(), &doc[1..], format!("chunk {chunk}: read --bytes 1:"));

        // An edit near the end, then a replacement throughout.
        run(&["replace-lines", &file, &(count - 1).to_string(), "--with", "penultimate\n"]).ok();
        let edited = model::apply_one(
            &doc,
            model::replace_lines(&doc, count - 1, count - 1, b"penultimate\n"),
        );
        run(&["replace", &file, "--find", "\u{e9}\u{1f980}", "--with", "E", "--max", "5000"]).ok();
        let edited =
            model::replace_literal(&edited, "\u{e9}\u{1f980}".as_bytes(), b"E", Some(5000));
        same(&sb.read(&file), &edited, format!("chunk {chunk}: edits"));
    }
}

// ---------------------------------------------------------------------------------------------
// Known bugs
// ---------------------------------------------------------------------------------------------

#[test]
fn an_in_place_edit_that_restores_the_mtime_is_detected() {
    let sb = Sandbox::new();
    let doc = generated(2000, 4, |_| false);
    let file = sb.write("log", &doc);
    sb.run(&["index", &file]).ok();
    let mtime = std::fs::metadata(sb.path(&file)).and_then(|m| m.modified()).expect("mtime");
    // Overwrite one byte in the middle (outside the first and last 4 KiB) with a newline.
    let at = doc.len() / 2;
    let mut new = doc.clone();
    new[at] = b'\n';
    assert_ne!(new, doc);
    let f = std::fs::File::options().write(true).open(sb.path(&file)).expect("open");
    std::os::unix::fs::FileExt::write_at(&f, b"\n", at as u64).expect("write");
    f.set_modified(mtime).expect("restore mtime");
    drop(f);
    assert_eq!(info(&sb, &file)["lines"], model::line_count(&new));
}

#[test]
fn insert_before_past_the_end_names_the_line_given() {
    let sb = Sandbox::new();
    let doc = twelve("\n", true);
    let file = sb.write("doc", &doc);
    let message = sb.run(&["insert", &file, "--before", "14", "--with", "x"]).error(1);
    assert!(message.contains("14"), "{message:?} does not mention line 14");
    same(&sb.read(&file), &doc, "the file changed");
}

/// An error is still reported by the exit status when stderr cannot be written (a full
/// disk, `2>/dev/full`): `eprintln!` would panic there and exit 101.
#[test]
fn unwritable_stderr_is_not_a_panic() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("f.txt", b"alpha\n");
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("open /dev/full");
    let status = std::process::Command::new(common::bigedit())
        .args(["read", &file, "9"])
        .current_dir(sandbox.dir())
        .env("BIGEDIT_CACHE_DIR", sandbox.cache_dir())
        .stdout(std::process::Stdio::null())
        .stderr(full)
        .status()
        .expect("run bigedit");
    assert_eq!(status.code(), Some(1), "a line past the end is an error, reported by status");
    assert_eq!(sandbox.read("f.txt"), b"alpha\n");
}

/// The processes that still hold a deleted file under `dir` open (from `/proc/*/fd`).
fn holders_of_deleted_files(dir: &std::path::Path) -> Vec<String> {
    let mut held = Vec::new();
    for proc in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(fds) = std::fs::read_dir(proc.path().join("fd")) else { continue };
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else { continue };
            let target = target.to_string_lossy().into_owned();
            if target.starts_with(&*dir.to_string_lossy()) && target.ends_with(" (deleted)") {
                held.push(format!("{}: {target}", fd.path().display()));
            }
        }
    }
    held
}

/// An atomic commit of a file over 32 MiB: the CLI frees the replaced version in a detached
/// child after it exits (`native/src/retire.rs`), or itself with `BIGEDIT_FREE_INLINE=1`.
/// Either way the output is complete when the command returns, the lock is free at once (an
/// editor that does not wait gets it: the child keeps no lock), and the old version is
/// released by every process within seconds.
#[test]
fn the_version_an_atomic_commit_replaced_is_released() {
    let sb = Sandbox::new();
    let line = |n: u64| format!("line {n:07} {}\n", "x".repeat(87));
    let mut want: Vec<u8> = (1..=400_000).flat_map(|n| line(n).into_bytes()).collect();
    sb.write("big.txt", &want);
    for (k, inline) in ["", "1"].into_iter().enumerate() {
        let n = 5 + 2 * k as u64;
        let with = format!("edit {k}");
        let run = sb.run_env(
            &["replace-lines", "big.txt", &n.to_string(), "--with", &with, "--json"],
            &[("BIGEDIT_FREE_INLINE", inline)],
        );
        assert!(run.status.success(), "{run:?}");
        let report: Value = serde_json::from_slice(&run.stdout).expect("one JSON report");
        assert_eq!(
            (report["commit"].as_str(), report["changes"].as_u64()),
            (Some("atomic"), Some(1))
        );
        want = model::apply_one(&want, model::replace_lines(&want, n, n, with.as_bytes()));
        assert!(sb.read("big.txt") == want, "inline={inline:?}");
        let next =
            sb.run(&["--lock-timeout", "0", "replace-lines", "big.txt", "1", "--with", "line 1"]);
        assert!(next.status.success(), "the lock was still held: {next:?}");
        want = model::apply_one(&want, model::replace_lines(&want, 1, 1, b"line 1"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let held = holders_of_deleted_files(&sb.dir());
            if held.is_empty() {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "still held after 20 s: {held:?}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    assert!(sb.read("big.txt") == want);
}

#[test]
fn empty_stdin_is_refused_and_an_explicit_empty_with_is_not() {
    let sb = Sandbox::new();
    let original = b"one\ntwo\nthree\n";
    sb.write("f.txt", original);
    // A closed stdin (cron, CI, `ssh host cmd </dev/null`): nothing may be deleted.
    for args in [
        &["replace-lines", "f.txt", "2"][..],
        &["replace-lines", "f.txt", "2", "--from", "-"],
        &["splice", "f.txt", "--bytes", "4:8"],
    ] {
        let err = sb.run_stdin(args, b"").usage_error();
        assert!(err.contains("standard input is empty") && err.contains("--with ''"), "{err}");
        assert!(sb.read("f.txt") == original, "{args:?} changed the file");
    }
    // Saying it: the line is replaced by no lines, as `delete-lines` would.
    sb.run(&["replace-lines", "f.txt", "2", "--with", ""]).ok();
    assert_eq!(sb.read("f.txt"), b"one\nthree\n");
}

#[test]
fn an_audit_log_that_cannot_be_written_refuses_the_edit_unless_optional() {
    let sb = Sandbox::new();
    sb.write("f.txt", b"one\ntwo\n");
    let log = sb.path("no-such-dir/audit.jsonl");
    let log = log.to_str().unwrap();
    let err =
        sb.run(&["--audit-log", log, "replace-lines", "f.txt", "2", "--with", "TWO"]).error(1);
    assert!(err.contains("open audit log") && err.contains("--audit-log-optional"), "{err}");
    assert_eq!(sb.read("f.txt"), b"one\ntwo\n", "refused before the edit");
    let run = sb.run(&[
        "--audit-log",
        log,
        "--audit-log-optional",
        "replace-lines",
        "f.txt",
        "2",
        "--with",
        "TWO",
    ]);
    assert!(run.status.success(), "{run:?}");
    assert!(String::from_utf8_lossy(&run.stderr).contains("cannot open the audit log"));
    assert_eq!(sb.read("f.txt"), b"one\nTWO\n");
    // A writable log gets the record.
    let good = sb.path("audit.jsonl");
    let good = good.to_str().unwrap();
    sb.run(&["--audit-log", good, "replace-lines", "f.txt", "2", "--with", "two"]).ok();
    let text = std::fs::read_to_string(good).unwrap();
    let record: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(record["operation"], "replace-lines", "{record}");
}

#[test]
fn a_replacement_naming_a_missing_group_is_refused_naming_it() {
    let sb = Sandbox::new();
    let original = b"id=12 ok\nid=7 no\n";
    sb.write("f.txt", original);
    for (with, group) in [("$1x", "\"1x\""), ("${2}", "\"2\""), ("$unit", "\"unit\"")] {
        let args = ["replace", "f.txt", "--find", r"id=(\d+)", "--regex", "--with", with];
        let err = sb.run(&args).error(1);
        assert!(err.contains(&format!("refers to group {group}")), "{with}: {err}");
        assert!(sb.read("f.txt") == original, "{with} changed the file");
    }
    // The forms that do exist expand as Python's re.sub expands \g<1>x (an independent engine).
    let args = ["replace", "f.txt", "--find", r"id=(\d+)", "--regex", "--with", "${1}x $$"];
    sb.run(&args).ok();
    let want = tool(
        "python3",
        &[
            "-c",
            r"import re,sys; sys.stdout.write(re.sub(r'id=(\d+)', r'\g<1>x $', sys.stdin.read()))",
        ],
        original,
    );
    same(&sb.read("f.txt"), &want, "replace ${1}x $$");
}

#[test]
fn the_whole_file_version_of_info_is_valid_for_any_edit_until_the_file_changes() {
    let sb = Sandbox::new();
    sb.write("doc.md", b"# A\ntext\n# B\nmore\n");
    let version =
        sb.run(&["info", "doc.md", "--json"]).ok_json()["version"].as_str().unwrap().to_string();
    sb.run(&["replace-lines", "doc.md", "2", "--with", "TEXT", "--expect", &version]).ok();
    assert_eq!(sb.read("doc.md"), b"# A\nTEXT\n# B\nmore\n");
    // The file changed: the old whole-file version is now stale, for a line edit and a section
    // edit alike.
    let err =
        sb.run(&["replace-lines", "doc.md", "4", "--with", "x", "--expect", &version]).error(1);
    assert!(err.contains("changed"), "{err}");
    let err = sb
        .run(&["md", "replace", "doc.md", "B", "--body", "--with", "y\n", "--expect", &version])
        .error(1);
    assert!(err.contains("changed"), "{err}");
    let fresh =
        sb.run(&["info", "doc.md", "--json"]).ok_json()["version"].as_str().unwrap().to_string();
    sb.run(&["md", "replace", "doc.md", "B", "--body", "--with", "y\n", "--expect", &fresh]).ok();
    assert_eq!(sb.read("doc.md"), b"# A\nTEXT\n# B\ny\n");
}

#[test]
fn new_lines_take_the_crlf_ending_of_the_file() {
    let sb = Sandbox::new();
    sb.write("w.txt", b"one\r\ntwo\r\nthree\r\n");
    sb.run(&["replace-lines", "w.txt", "2", "--with", "a\nb\r\nc\n"]).ok();
    assert_eq!(sb.read("w.txt"), b"one\r\na\r\nb\r\nc\r\nthree\r\n");
    sb.run(&["insert", "w.txt", "--after", "1", "--with", "x\ny"]).ok();
    assert_eq!(sb.read("w.txt"), b"one\r\nx\r\ny\r\na\r\nb\r\nc\r\nthree\r\n");
    sb.write("d.md", b"# A\r\nold\r\n\r\n# B\r\nend\r\n");
    sb.run(&["md", "replace", "d.md", "A", "--body", "--with", "new\nlines\n"]).ok();
    assert_eq!(sb.read("d.md"), b"# A\r\nnew\r\nlines\r\n\r\n# B\r\nend\r\n");
    // Every ending in the results is CRLF: no bare LF anywhere.
    for f in ["w.txt", "d.md"] {
        let bytes = sb.read(f);
        assert!(bytes.windows(2).all(|w| w[1] != b'\n' || w[0] == b'\r'), "{f}: a bare LF");
    }
}

/// Issue 16, items 18 and 21: the messages and exit statuses a hostile pass found unclear.
#[test]
fn unclear_errors_and_statuses_are_clear() {
    let sb = Sandbox::new();
    let f = sb.write("app.log", b"one\ntwo\n");
    // A regex asking for a newline never matches a line: refused, saying why.
    let err = sb.run(&["find", &f, "--regex", r"one\ntwo"]).error(1);
    assert!(err.contains("regexes match within one line"), "{err}");
    // Nothing found: exit 1 and no message, as grep.
    assert!(sb.run(&["find", &f, "absent"]).found(false).is_empty());
    // A bad argument to chunks --json prints nothing on stdout (error() checks it).
    let err = sb.run(&["--json", "chunks", &f, "--max-bytes", "2"]).error(1);
    assert!(err.contains("at least 4 bytes"), "{err}");
    // /dev/stdin as a pipe is not a file.
    let err = sb.run_stdin(&["read", "/dev/stdin", "1"], b"x\n").error(1);
    assert!(err.contains("not a file") && err.contains("save the input to a file"), "{err}");
    // --json over its limit is a run-time refusal (1), not a usage error (2).
    let big = sb.write("big.log", &vec![b'x'; (64 << 20) + 1]);
    let err = sb.run(&["--json", "read", &big, "1"]).error(1);
    assert!(err.contains("too much for --json"), "{err}");
    std::fs::remove_file(sb.path(&big)).unwrap();
    // The top-level help names every md and csv command; read's usage shows LINES required.
    let help = String::from_utf8(sb.run(&["--help"]).ok().to_vec()).unwrap();
    assert!(help.contains("move") && help.contains("add-column, remove-column"), "{help}");
    let help = String::from_utf8(sb.run(&["read", "--help"]).ok().to_vec()).unwrap();
    assert!(help.contains("<FILE> <LINES>") && help.contains("--bytes <A:B>"), "{help}");
}

#[test]
fn files_lines_cannot_split_are_warned_about() {
    let sb = Sandbox::new();
    let mac = sb.write("mac.txt", b"a\rb\rc\r");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("hi\nthere\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let u16 = sb.write("u16.txt", &utf16);
    for (file, says) in [(&mac, "CR line endings"), (&u16, "UTF-16")] {
        let run = sb.run(&["info", file]);
        assert!(run.status.success(), "{run:?}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains("warning") && err.contains(says), "{file}: {err}");
    }
    let run = sb.run(&["info", &sb.write("plain.txt", b"a\r\nb\n")]);
    assert!(run.stderr.is_empty(), "{run:?}");
}

#[test]
fn paths_under_root_are_relative_to_the_root_and_say_so() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.path("sub")).unwrap();
    sb.write("sub/a.txt", b"hi\n");
    let out = std::process::Command::new(common::bigedit())
        .args(["--root", "..", "read", "a.txt", "1"])
        .current_dir(sb.path("sub"))
        .env("BIGEDIT_CACHE_DIR", sb.cache_dir())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("relative to the root") && err.contains("\"sub/a.txt\""), "{err}");
}

#[test]
fn csv_append_refuses_an_unterminated_quote_and_ragged_rows_say_row() {
    let sb = Sandbox::new();
    let f = sb.write("t.csv", b"a,b\n1,2\n");
    let err = sb.run(&["csv", "append", &f, "--row", "3,\"oops"]).error(1);
    assert!(err.contains("row 1 to append has an unterminated quote"), "{err}");
    let err = sb.run(&["csv", "append", &f, "--row", "3"]).error(1);
    assert!(err.contains("has 1 field, expected 2"), "{err}");
    assert_eq!(sb.read(&f), b"a,b\n1,2\n");
    // Doubled quotes are fine.
    sb.run(&["csv", "append", &f, "--row", "3,\"say \"\"hi\"\"\""]).ok();
    assert_eq!(sb.read(&f), b"a,b\n1,2\n3,\"say \"\"hi\"\"\"\n");
    // An empty heading is suggested by number, not as "".
    let md = sb.write("e.md", b"# \n\ntext\n\n## Child\n");
    let err = sb.run(&["md", "read", &md, "Nope"]).error(1);
    assert!(err.contains("\"#1\"") && !err.contains("\"\""), "{err}");
}
