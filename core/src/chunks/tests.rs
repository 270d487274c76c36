//! The chunk scanner against a reference that applies the rule of the module docs window by
//! window over the whole input, at push sizes 1 to 7 and the whole input.

use std::ops::Range;

use proptest::prelude::*;

use super::*;
use crate::csv::{Record, RecordScanner};
use crate::markdown::{HeadingKind, HeadingScanner, LineInfo, Options};

/// A candidate as the reference sees it.
#[derive(Debug, Clone)]
struct RefCand {
    pos: u64,
    level: Boundary,
    /// Start of the span it lies inside.
    inner_of: Option<u64>,
}

/// A heading: start, level, title, where it becomes known, setext heading range.
#[derive(Debug, Clone)]
struct RefHeading {
    start: u64,
    level: u8,
    title: String,
    known_at: u64,
    setext: Option<Range<u64>>,
}

#[derive(Debug, Default)]
struct Model {
    cands: Vec<RefCand>,
    headings: Vec<RefHeading>,
    /// CSV: record ranges and the number of the first.
    records: Option<(Vec<Range<u64>>, u64)>,
}

fn markdown_model(doc: &[u8]) -> Model {
    let mut s = HeadingScanner::new(Options::default()).track_lines();
    s.feed(0, doc).unwrap();
    s.finish().unwrap();
    let mut lines: Vec<LineInfo> = Vec::new();
    s.take_lines(&mut lines);
    let mut headings = Vec::new();
    let mut atx = Vec::new();
    for h in s.take_headings() {
        let line_start = |n: u64| lines.iter().find(|l| l.number == n).unwrap().offset;
        if h.kind == HeadingKind::Atx {
            atx.push(h.range.start);
        }
        headings.push(RefHeading {
            start: h.range.start,
            level: h.level,
            title: h.title.clone(),
            known_at: line_start(*h.lines.end()),
            setext: (h.kind == HeadingKind::Setext).then(|| h.range.clone()),
        });
    }
    let mut cands = Vec::new();
    let mut span = 0;
    for (i, l) in lines.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| lines[j]);
        let inner = l.verbatim.is_some() && prev.is_some_and(|p| p.verbatim == l.verbatim);
        if l.verbatim.is_some() && !inner {
            span = l.offset;
        }
        let level = if atx.contains(&l.offset) {
            Boundary::Section
        } else if prev.is_some_and(|p| p.blank) && !inner {
            Boundary::Blank
        } else {
            Boundary::Line
        };
        if l.offset > 0 {
            cands.push(RefCand { pos: l.offset, level, inner_of: inner.then_some(span) });
        }
    }
    Model { cands, headings, records: None }
}

fn is_blank(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.iter().all(|&b| b == b' ' || b == b'\t')
}

fn text_model(doc: &[u8]) -> Model {
    let mut cands = Vec::new();
    let mut start = 0;
    for (i, &b) in doc.iter().enumerate() {
        if b == b'\n' {
            let level = if is_blank(&doc[start..i]) { Boundary::Blank } else { Boundary::Line };
            cands.push(RefCand { pos: i as u64 + 1, level, inner_of: None });
            start = i + 1;
        }
    }
    Model { cands, ..Model::default() }
}

fn csv_model(doc: &[u8], dialect: &Dialect) -> Model {
    let mut ranges = Vec::new();
    let mut s = RecordScanner::new(dialect);
    let mut each = |r: &Record<'_>| {
        ranges.push(r.range());
        Ok(Flow::Continue)
    };
    s.feed(0, doc, &mut each).unwrap();
    s.finish(&mut each).unwrap();
    // A BOM belongs to the first record.
    if doc.starts_with("\u{feff}".as_bytes()) && ranges.first().is_some_and(|r| r.start == 3) {
        ranges[0].start = 0;
    }
    let term = |p: usize| matches!(doc[p], b'\r' | b'\n');
    let mut cands = Vec::new();
    for p in 1..doc.len() {
        let prev = doc[p - 1];
        if !term(p - 1) || (prev == b'\r' && doc[p] == b'\n') {
            continue;
        }
        let pos = p as u64;
        let inside = ranges.iter().position(|r| r.start < pos && pos < r.end);
        let has_cand = |r: &Range<u64>| r.start > 0 && term(r.start as usize - 1);
        if let Some(i) = inside {
            if prev == b'\n' {
                let r = &ranges[i];
                let span = if has_cand(r) { r.start } else { 0 };
                cands.push(RefCand { pos, level: Boundary::Line, inner_of: Some(span) });
            }
        } else if ranges.iter().any(|r| r.start == pos) {
            cands.push(RefCand { pos, level: Boundary::Record, inner_of: None });
        } else {
            cands.push(RefCand { pos, level: Boundary::Line, inner_of: None });
        }
    }
    Model { cands, headings: Vec::new(), records: Some((ranges, u64::from(!dialect.has_header))) }
}

/// The rule of the module docs, applied window by window.
fn reference(doc: &[u8], model: &Model, max: u64) -> Vec<Chunk> {
    let len = doc.len() as u64;
    let mut out = Vec::new();
    let mut s = 0;
    while s < len {
        let w = s + max;
        let (end, kind) = if w >= len {
            (len, Boundary::End)
        } else {
            let counted = |h: &RefHeading| h.known_at <= w;
            let mut allowed = Vec::new();
            for c in model.cands.iter().filter(|c| c.pos > s && c.pos <= w) {
                if c.inner_of.is_some_and(|b| b > s) {
                    continue;
                }
                let in_heading = model.headings.iter().any(|h| {
                    counted(h)
                        && h.setext.as_ref().is_some_and(|r| r.start < c.pos && c.pos < r.end)
                        && h.start > s
                });
                if in_heading {
                    continue;
                }
                let setext_start = model
                    .headings
                    .iter()
                    .any(|h| counted(h) && h.setext.is_some() && h.start == c.pos);
                let level = if setext_start { Boundary::Section } else { c.level };
                allowed.push((c.pos, level));
            }
            let levels = [Boundary::Section, Boundary::Blank, Boundary::Record, Boundary::Line];
            let last_of = |l: Boundary| allowed.iter().filter(|c| c.1 >= l).map(|c| c.0).max();
            let pick = levels
                .iter()
                .filter_map(|&l| last_of(l))
                .find(|&p| p - s >= max / 2)
                .or_else(|| allowed.iter().map(|c| c.0).max());
            match pick {
                Some(p) => (p, allowed.iter().find(|c| c.0 == p).unwrap().1),
                None => {
                    let cont = |p: u64| doc[p as usize] & 0xC0 == 0x80;
                    let p = (0..=3).map(|k| w - k).find(|&p| !cont(p)).unwrap_or(w);
                    (p, Boundary::Char)
                }
            }
        };
        let text = &doc[s as usize..end as usize];
        let first = doc[..s as usize].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let last = first + text[..text.len() - 1].iter().filter(|&&b| b == b'\n').count() as u64;
        // Heading path: the headings known by the window's end that start at or before s.
        let mut titles: Vec<(u8, String)> = Vec::new();
        for h in model.headings.iter().filter(|h| h.start <= s && h.known_at <= s + max) {
            while titles.last().is_some_and(|t| t.0 >= h.level) {
                titles.pop();
            }
            titles.push((h.level, h.title.clone()));
        }
        let records = model.records.as_ref().and_then(|(ranges, base)| {
            let nums: Vec<u64> = ranges
                .iter()
                .enumerate()
                .filter(|(_, r)| r.start < end && r.end > s)
                .map(|(i, _)| i as u64 + base)
                .filter(|&n| n > 0)
                .collect();
            Some(*nums.first()?..=*nums.last()?)
        });
        out.push(Chunk {
            index: out.len() as u64,
            range: s..end,
            lines: first..=last,
            boundary: kind,
            heading_path: titles.into_iter().map(|t| t.1).collect(),
            records,
            text: None,
        });
        s = end;
    }
    out
}

fn scan(doc: &[u8], format: &Format, max: u64, size: usize) -> Vec<Chunk> {
    let mut s = ChunkScanner::new(format, max).unwrap();
    let mut out = Vec::new();
    for (i, piece) in doc.chunks(size.max(1)).enumerate() {
        s.feed((i * size.max(1)) as u64, piece).unwrap();
        out.extend(s.take_chunks());
    }
    s.finish().unwrap();
    out.extend(s.take_chunks());
    out
}

fn check(doc: &[u8], format: &Format, model: &Model, max: u64) {
    let want = reference(doc, model, max);
    // Invariants of the reference itself: exact cover, size, character boundaries.
    let mut at = 0;
    for c in &want {
        assert_eq!(c.range.start, at);
        assert!(c.len() <= max && !c.is_empty(), "{c:?}");
        at = c.range.end;
    }
    assert_eq!(at, doc.len() as u64);
    if std::str::from_utf8(doc).is_ok() {
        for c in &want {
            let text = &doc[c.range.start as usize..c.range.end as usize];
            assert!(std::str::from_utf8(text).is_ok(), "{c:?} splits a character");
        }
    }
    for size in [1, 2, 3, 5, 7, doc.len()] {
        let got = scan(doc, format, max, size);
        assert_eq!(got, want, "push size {size}, max {max}");
    }
}

fn pieces(parts: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(parts).prop_map(str::to_string)
}

fn markdown_doc() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        6 => pieces(&[
            "# One", "## Two", "### Three é", "Title", "===", "---", "", "", "", "text é",
            "more text", "```", "~~~", "    code", "- item", "> quote", "<!--", "-->", "  ",
            "***", "<div>", "`x`",
        ]),
        1 => ("[a-zé]{0,3}", 0usize..40).prop_map(|(a, n)| format!("{a}{}", "é".repeat(n))),
    ];
    (prop::collection::vec((line, prop::bool::weighted(0.2)), 0..30), any::<bool>()).prop_map(
        |(lines, last_nl)| {
            let mut doc = String::new();
            for (i, (l, crlf)) in lines.iter().enumerate() {
                doc.push_str(l);
                if i + 1 < lines.len() || last_nl {
                    doc.push_str(if *crlf { "\r\n" } else { "\n" });
                }
            }
            doc.into_bytes()
        },
    )
}

fn csv_doc() -> impl Strategy<Value = Vec<u8>> {
    let field = pieces(&[
        "a",
        "bé",
        "",
        "\"q,q\"",
        "\"x\ny\"",
        "\"line\r\nbreak\"",
        "\"\"\"\"",
        "long field text",
        "\"é\né\né\"",
    ]);
    let record = prop::collection::vec(field, 1..4).prop_map(|f| f.join(","));
    let term = pieces(&["\n", "\n", "\r\n", "\r", "\n\n"]);
    (prop::collection::vec((record, term), 0..12), any::<bool>(), any::<bool>()).prop_map(
        |(records, bom, last)| {
            let mut doc = if bom { "\u{feff}".to_string() } else { String::new() };
            for (i, (r, t)) in records.iter().enumerate() {
                doc.push_str(r);
                if i + 1 < records.len() || last {
                    doc.push_str(t);
                }
            }
            doc.into_bytes()
        },
    )
}

const TEXT_PIECES: [&[u8]; 11] = [
    b"a",
    b"bc",
    b" ",
    b"\t",
    b"\n",
    b"\n",
    b"\r\n",
    b"\r",
    "\u{e9}".as_bytes(),
    "\u{20ac}".as_bytes(),
    "\u{1f600}".as_bytes(),
];
const BAD_PIECES: [&[u8]; 4] = [&[0xff], &[0x80], &[0x80, 0x80, 0x80, 0x80], &[0xe2, 0x82]];

fn text_doc() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => prop::sample::select(&TEXT_PIECES[..]).prop_map(<[u8]>::to_vec),
        1 => prop::sample::select(&BAD_PIECES[..]).prop_map(<[u8]>::to_vec),
    ];
    prop::collection::vec(piece, 0..80).prop_map(|p| p.concat())
}

proptest! {
    // PROPTEST_CASES (10,000 in `npm test`) sets the number of cases; 256 without it.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn markdown_matches_the_reference(doc in markdown_doc(), max in 4u64..90) {
        check(&doc, &Format::Markdown, &markdown_model(&doc), max);
    }

    #[test]
    fn csv_matches_the_reference(doc in csv_doc(), max in 4u64..60, header in any::<bool>()) {
        let d = Dialect { has_header: header, ..Dialect::default() };
        check(&doc, &Format::Csv(d), &csv_model(&doc, &d), max);
    }

    #[test]
    fn text_matches_the_reference(doc in text_doc(), max in 4u64..40) {
        check(&doc, &Format::Text, &text_model(&doc), max);
    }
}

#[test]
fn a_fitting_code_block_starts_the_next_chunk_and_a_big_one_is_cut_at_lines() {
    let doc = b"intro\n\n```\na\nb\nc\n```\nafter\n";
    let got = scan(doc, &Format::Markdown, 20, 3);
    let ranges: Vec<_> = got.iter().map(|c| (c.range.clone(), c.boundary)).collect();
    assert_eq!(ranges, [(0..7, Boundary::Blank), (7..27, Boundary::End)]);
    let got = scan(doc, &Format::Markdown, 8, 3);
    assert!(got.iter().all(|c| c.len() <= 8));
    assert_eq!(got[1].range, 7..15, "the block is cut at its lines once it starts a chunk");
}

#[test]
fn too_small_a_chunk_is_an_error() {
    let err = ChunkScanner::new(&Format::Text, 3).unwrap_err();
    assert_eq!(err, EditError::ChunkTooSmall { max_bytes: 3 });
    assert!(err.to_string().contains("at least 4 bytes"));
}

#[test]
fn a_long_line_is_cut_at_character_boundaries() {
    let doc = "é".repeat(10);
    let got = scan(doc.as_bytes(), &Format::Text, 5, 1);
    assert!(got.iter().all(|c| c.len() == 4 || c.boundary == Boundary::End));
    assert!(got[..got.len() - 1].iter().all(|c| c.boundary == Boundary::Char));
}
