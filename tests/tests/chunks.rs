//! `chunks`: the library on random documents whose structure the generator knows (code
//! fences, ATX headings, CSV records), checked against `md outline` and a naive overlap of
//! records; and the CLI on hand-checked fixtures.
//!
//! The exact cutting rule is model-tested in `core/src/chunks/tests.rs`; these tests check
//! what a user relies on, from outside: exact cover, the size limit, no cut inside a code
//! block or record that fits, whole characters, line ranges, heading paths, record numbers.

mod common;

use std::ops::Range;

use bigedit_core::chunks::{self, Boundary, Chunk, Format};
use bigedit_core::csv::Dialect;
use bigedit_core::{markdown, Chunker, Flow};
use common::Sandbox;
use proptest::prelude::*;
use serde_json::Value;

/// Every chunk of `doc`, pushed through a chunker of `size` bytes.
fn cut(doc: &[u8], format: &Format, max: u64, size: usize) -> Vec<Chunk> {
    let mut out = Vec::new();
    let n =
        chunks::for_each_chunk(&doc.to_vec(), format, max, true, &mut Chunker::new(size), |c| {
            out.push(c);
            Flow::Continue
        })
        .unwrap();
    assert_eq!(n, out.len() as u64);
    out
}

/// Exact cover, the size limit, text, numbering and line ranges, recomputed naively.
fn check_common(doc: &[u8], got: &[Chunk], max: u64) {
    let mut at = 0;
    for (i, c) in got.iter().enumerate() {
        assert_eq!(c.index, i as u64);
        assert_eq!(c.range.start, at, "chunks are contiguous");
        assert!(!c.is_empty() && c.len() <= max, "chunk {c:?} breaks the {max}-byte limit");
        let text = &doc[c.range.start as usize..c.range.end as usize];
        assert_eq!(c.text.as_deref(), Some(text));
        let line_of = |p: usize| doc[..p].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        assert_eq!(c.lines, line_of(c.range.start as usize)..=line_of(c.range.end as usize - 1));
        assert_eq!(c.boundary == Boundary::End, i + 1 == got.len());
        at = c.range.end;
    }
    assert_eq!(at, doc.len() as u64, "chunks cover the document");
    if std::str::from_utf8(doc).is_ok() {
        for c in got {
            assert!(std::str::from_utf8(c.text.as_ref().unwrap()).is_ok(), "{c:?} splits a char");
        }
    }
}

/// No cut strictly inside `span` when it fits.
fn check_spans(got: &[Chunk], spans: &[Range<u64>], max: u64) {
    for s in spans.iter().filter(|s| s.end - s.start <= max) {
        for c in got {
            assert!(
                !(s.start < c.range.end && c.range.end < s.end),
                "chunk {:?} cuts inside {s:?}, which fits",
                c.range
            );
        }
    }
}

/// Markdown built from blocks: headings, paragraphs, fenced code (preceded by a blank line,
/// closed, content without fence characters), long multibyte lines. Returns the document and
/// the byte ranges of its fences.
fn markdown_doc() -> impl Strategy<Value = (Vec<u8>, Vec<Range<u64>>)> {
    let block = prop_oneof![
        (1usize..4, "[A-Za-z é]{1,8}")
            .prop_map(|(l, t)| (0, format!("{} {}\n", "#".repeat(l), t.trim()))),
        "[a-z é]{1,30}".prop_map(|t| (1, format!("x{t}\n"))),
        prop::collection::vec("[a-z #>é]{0,12}", 0..6).prop_map(|lines| {
            let mut b = String::from("```\n");
            for l in lines {
                b.push_str(&l);
                b.push('\n');
            }
            b.push_str("```\n");
            (2, b)
        }),
        (0usize..60).prop_map(|n| (1, format!("long {}\n", "é".repeat(n)))),
    ];
    prop::collection::vec(block, 0..14).prop_map(|blocks| {
        let mut doc = String::new();
        let mut fences = Vec::new();
        for (kind, text) in blocks {
            doc.push('\n');
            if kind == 2 {
                fences.push(doc.len() as u64..(doc.len() + text.len()) as u64);
            }
            doc.push_str(&text);
        }
        (doc.into_bytes(), fences)
    })
}

/// CSV records (some with quoted newlines, commas and quotes) and their byte ranges.
fn csv_doc() -> impl Strategy<Value = (Vec<u8>, Vec<Range<u64>>)> {
    let field = prop::sample::select(vec![
        "a",
        "bé",
        "",
        "\"q,q\"",
        "\"x\ny\"",
        "\"l\r\nb\"",
        "\"\"\"\"",
        "some longer text",
    ]);
    // A record of one empty field would be a blank line, which is no record.
    let record = prop::collection::vec(field, 1..4).prop_map(|f| {
        if f == [""] {
            "e".to_string()
        } else {
            f.join(",")
        }
    });
    let newline = prop::sample::select(vec!["\n", "\r\n"]);
    prop::collection::vec((record, newline), 1..14).prop_map(|records| {
        let mut doc = String::new();
        let mut ranges = Vec::new();
        for (r, nl) in records {
            let start = doc.len() as u64;
            doc.push_str(&r);
            doc.push_str(nl);
            ranges.push(start..doc.len() as u64);
        }
        (doc.into_bytes(), ranges)
    })
}

proptest! {
    // PROPTEST_CASES sets the number of cases (256 without it), capped at 2,000: each case
    // runs the Markdown parser over byte-sized pushes, and core's model test of the same
    // cutting rule (core/src/chunks/tests.rs) already runs the full 10,000 of `npm test`.
    #![proptest_config(ProptestConfig::with_cases(ProptestConfig::default().cases.min(2_000)))]

    #[test]
    fn markdown_chunks_follow_the_outline_and_keep_fences_whole(
        (doc, fences) in markdown_doc(), max in 4u64..120, size in 1usize..8,
    ) {
        let got = cut(&doc, &Format::Markdown, max, size);
        check_common(&doc, &got, max);
        check_spans(&got, &fences, max);
        // The heading path is the path of the outline's innermost section holding the start.
        let outline = markdown::outline(&doc, &mut Chunker::default()).unwrap();
        for c in &got {
            let want = outline
                .iter()
                .rfind(|s| s.range.start <= c.range.start && c.range.start < s.range.end)
                .map(|s| s.path.clone())
                .unwrap_or_default();
            prop_assert_eq!(c.heading_path.join(" > "), want, "chunk {:?}", c.range);
        }
    }

    #[test]
    fn csv_chunks_keep_records_whole_and_number_them_as_csv_read(
        (doc, records) in csv_doc(), max in 4u64..80, size in 1usize..8, header in any::<bool>(),
    ) {
        let d = Dialect { has_header: header, ..Dialect::default() };
        let got = cut(&doc, &Format::Csv(d), max, size);
        check_common(&doc, &got, max);
        check_spans(&got, &records, max);
        let base = u64::from(!header);
        for c in &got {
            let rows: Vec<u64> = records
                .iter()
                .enumerate()
                .filter(|(_, r)| r.start < c.range.end && c.range.start < r.end)
                .map(|(i, _)| i as u64 + base)
                .filter(|&n| n > 0)
                .collect();
            let want = rows.first().map(|&a| a..=*rows.last().unwrap());
            prop_assert_eq!(&c.records, &want, "chunk {:?}", c.range);
        }
    }

    #[test]
    fn text_chunks_cover_and_keep_characters_whole(
        doc in prop::collection::vec(prop::sample::select(vec!["a", "é", "€", "😀", " ", "\n", "\r\n", "\n\n"]), 0..120)
            .prop_map(|p| p.concat().into_bytes()),
        max in 4u64..50, size in 1usize..8,
    ) {
        let got = cut(&doc, &Format::Text, max, size);
        check_common(&doc, &got, max);
        for c in &got[..got.len().saturating_sub(1)] {
            // A forced cut only where the window holds no line start.
            let window = &doc[c.range.start as usize..(c.range.start + max) as usize];
            if c.boundary == Boundary::Char {
                prop_assert!(!window[..window.len() - 1].contains(&b'\n'), "{:?}", c.range);
            }
        }
    }
}

const GUIDE: &str =
    "# Install\n\nIntro text.\n\n## Linux\n\n```\napt install x\n```\n\n## Mac\n\nbrew install x\n";

#[test]
fn cli_prints_one_line_per_chunk() {
    let sb = Sandbox::new();
    let file = sb.write("guide.md", GUIDE.as_bytes());
    let run = sb.run(&["chunks", &file, "--max-bytes", "40"]);
    assert!(run.status.success(), "{run:?}");
    let lines: Vec<Vec<String>> = String::from_utf8(run.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    // Worked by hand: the window of chunk 1 ends inside the fence, so it ends at `## Linux`;
    // chunk 2 keeps the fence whole and ends at `## Mac`.
    let want = [
        "1 bytes 0:24 lines 1-4 section Install",
        "2 bytes 24:57 lines 5-10 section Install > Linux",
        "3 bytes 57:80 lines 11-13 end Install > Mac",
    ];
    let got: Vec<String> = lines.iter().map(|l| l.join(" ")).collect();
    assert_eq!(got, want, "{run:?}");
}

#[test]
fn cli_json_streams_an_array_with_text_that_rebuilds_the_file() {
    let sb = Sandbox::new();
    let doc = "id,city\n1,\"Paris\nFrance\"\n2,Rome\n3,Oslo\n4,\"Bergen, NO\"\n";
    let file = sb.write("cities.csv", doc.as_bytes());
    let run = sb.run(&["--json", "chunks", &file, "--max-bytes", "24", "--with-text"]);
    assert!(run.status.success(), "{run:?}");
    let v: Value = serde_json::from_slice(&run.stdout).unwrap();
    let chunks = v.as_array().unwrap();
    let text: String = chunks.iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(text, doc);
    // Record ranges agree with `csv read`: each row starts inside the chunk that lists it.
    for c in chunks {
        let (start, end) =
            (c["bytes"]["start"].as_u64().unwrap(), c["bytes"]["end"].as_u64().unwrap());
        assert!(end - start <= 24);
        let Some(r) = c["records"].as_object() else { continue };
        let rows = format!("{}:{}", r["start"], r["end"]);
        let read = sb.run(&["--json", "csv", "read", &file, &rows]);
        let read: Value = serde_json::from_slice(&read.stdout).unwrap();
        for row in read["rows"].as_array().unwrap() {
            let offset = row["offset"].as_u64().unwrap();
            assert!(offset < end, "row {row} is listed by chunk {c} but starts after it");
        }
    }
    let firsts: Vec<_> = chunks.iter().map(|c| c["records"].clone()).collect();
    assert_eq!(firsts[0], Value::Null, "the header alone: row 1 does not fit after it");
}

#[test]
fn cli_format_override_and_errors() {
    let sb = Sandbox::new();
    let file = sb.write("notes.txt", GUIDE.as_bytes());
    let run = sb.run(&["chunks", &file, "--max-bytes", "40", "--format", "md"]);
    assert!(String::from_utf8_lossy(&run.stdout).contains("Install > Linux"), "{run:?}");
    let run = sb.run(&["chunks", &file, "--max-bytes", "40"]);
    assert!(!String::from_utf8_lossy(&run.stdout).contains("Install"), "text has no path: {run:?}");
    let run = sb.run(&["chunks", &file, "--max-bytes", "3"]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(err.lines().count(), 1, "{run:?}");
    assert!(err.contains("at least 4 bytes"), "{run:?}");
    let run = sb.run(&["chunks", &sb.write("empty.md", b""), "--max-bytes", "10", "--json"]);
    assert_eq!(run.stdout, b"[]\n");
}
