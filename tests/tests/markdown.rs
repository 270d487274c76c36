//! Markdown sections: the heading scanner against the CommonMark spec examples and a naive
//! reference, the planners against a naive model, the `md` commands, and memory on a large
//! file.
//!
//! Expectations come from outside the code under test: the spec's expected HTML, a reference
//! scanner written here from the spec for a small vocabulary of lines, hand-checked fixtures,
//! and whole-document models of each edit.

mod common;

use std::path::PathBuf;

use bigedit_core::markdown::{self, HeadingScanner, Options, Place};
use bigedit_core::{Chunker, Scanner};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Scanning helpers
// ---------------------------------------------------------------------------------------------

/// A heading as the tests compare them: level, title, byte range, first and last line.
type H = (u8, String, std::ops::Range<u64>, u64, u64);

/// The top-level headings of `doc`, pushed in chunks of `size` bytes.
fn scan(doc: &[u8], size: usize, options: Options) -> Vec<H> {
    let mut s = HeadingScanner::new(options);
    let mut out = Vec::new();
    for (i, chunk) in doc.chunks(size.max(1)).enumerate() {
        s.feed((i * size.max(1)) as u64, chunk).unwrap();
        out.extend(s.take_headings());
    }
    s.finish().unwrap();
    out.extend(s.take_headings());
    out.into_iter().map(|h| (h.level, h.title, h.range, *h.lines.start(), *h.lines.end())).collect()
}

// ---------------------------------------------------------------------------------------------
// The CommonMark spec examples
// ---------------------------------------------------------------------------------------------

struct Example {
    number: usize,
    section: String,
    markdown: String,
    html: String,
}

/// The examples of the CommonMark spec, as the `commonmark-spec` npm package ships them
/// (`npm ci` installs it; `npm test` runs that first).
fn spec_examples() -> Vec<Example> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../node_modules/commonmark-spec/spec.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e} (run `npm ci` to install the commonmark-spec package)", path.display())
    });
    let fence = "`".repeat(32);
    let (mut examples, mut section) = (Vec::new(), String::new());
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line == format!("{fence} example") {
            let (mut markdown, mut html, mut in_html) = (String::new(), String::new(), false);
            for l in lines.by_ref() {
                if l == fence {
                    break;
                } else if l == "." && !in_html {
                    in_html = true;
                } else if in_html {
                    html.push_str(l);
                    html.push('\n');
                } else {
                    markdown.push_str(l);
                    markdown.push('\n');
                }
            }
            examples.push(Example {
                number: examples.len() + 1,
                section: section.clone(),
                markdown: markdown.replace('\u{2192}', "\t"),
                html: html.replace('\u{2192}', "\t"),
            });
        } else if line.starts_with('#') {
            section = line.trim_start_matches('#').trim().to_string();
        }
        if line == "<!-- END TESTS -->" {
            break;
        }
    }
    examples
}

/// The headings the expected HTML shows at the top level (not inside a block quote or a list
/// item): level and inner HTML.
fn html_headings(html: &str) -> Vec<(u8, String)> {
    let (mut out, mut depth, mut i) = (Vec::new(), 0i32, 0);
    let b = html.as_bytes();
    while let Some(p) = html[i..].find('<') {
        let at = i + p;
        let rest = &html[at..];
        if rest.starts_with("<blockquote") || rest.starts_with("<li") {
            depth += 1;
        } else if rest.starts_with("</blockquote>") || rest.starts_with("</li>") {
            depth -= 1;
        } else if depth == 0
            && b.len() > at + 3
            && b[at + 1] == b'h'
            && (b'1'..=b'6').contains(&b[at + 2])
            && b[at + 3] == b'>'
        {
            let level = b[at + 2] - b'0';
            let close = format!("</h{level}>");
            let end = rest.find(&close).expect("closed heading");
            out.push((level, rest[4..end].to_string()));
            i = at + end + close.len();
            continue;
        }
        i = at + 1;
    }
    out
}

/// A title as plain text for comparison: tags removed, entities decoded, emphasis and code
/// marks dropped, white space made one space.
fn plain(text: &str, from_html: bool) -> String {
    let mut s = String::new();
    if from_html {
        let mut in_tag = false;
        for c in text.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                _ if !in_tag => s.push(c),
                _ => {}
            }
        }
        s = s
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&");
    } else {
        // Backslash escapes of ASCII punctuation.
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('\\', Some(n)) if n.is_ascii_punctuation() => {
                    s.push(*n);
                    chars.next();
                }
                _ => s.push(c),
            }
        }
    }
    s.replace(['*', '_', '`'], "").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a raw title uses inline syntax the plain comparison cannot follow (links, images,
/// raw HTML, entities, hard breaks): only its level is compared then.
fn level_only(raw: &str) -> bool {
    raw.contains(['[', ']', '<', '>', '&', '!'])
}

#[test]
fn headings_agree_with_the_commonmark_spec_examples() {
    let examples = spec_examples();
    assert_eq!(examples.len(), 652, "the spec 0.31.2 has 652 examples");
    // Sections whose every example must agree; the others are reported and must agree too
    // (no example is excluded today).
    let core_sections = [
        "Thematic breaks",
        "ATX headings",
        "Setext headings",
        "Indented code blocks",
        "Fenced code blocks",
        "HTML blocks",
    ];
    let (mut agree, mut titles_compared, mut level_only_titles) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut covered = std::collections::BTreeMap::<&str, usize>::new();
    for ex in &examples {
        let whole = scan(ex.markdown.as_bytes(), usize::MAX, Options::commonmark());
        for size in [1, 7] {
            assert_eq!(
                scan(ex.markdown.as_bytes(), size, Options::commonmark()),
                whole,
                "example {} at chunk size {size}",
                ex.number
            );
        }
        let want = html_headings(&ex.html);
        let mut ok = want.len() == whole.len();
        for ((level, inner), (got_level, title, ..)) in want.iter().zip(&whole) {
            ok &= level == got_level;
            if level_only(title) {
                level_only_titles += 1;
            } else {
                titles_compared += 1;
                ok &= plain(inner, true) == plain(title, false);
            }
        }
        if let Some(s) = core_sections.iter().find(|s| **s == ex.section) {
            *covered.entry(s).or_default() += 1;
        }
        if ok {
            agree += 1;
        } else {
            failures.push(format!(
                "example {} ({}): want {want:?}, got {:?}\n{}",
                ex.number,
                ex.section,
                whole.iter().map(|h| (h.0, h.1.clone())).collect::<Vec<_>>(),
                ex.markdown
            ));
        }
    }
    eprintln!(
        "CommonMark {agree}/{} examples agree on top-level headings ({titles_compared} titles \
         compared as text, {level_only_titles} by level only); core sections covered: {covered:?}",
        examples.len()
    );
    assert_eq!(covered.len(), core_sections.len(), "every core section has examples");
    assert!(failures.is_empty(), "{} disagree:\n{}", failures.len(), failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// A naive reference scanner, for a vocabulary of lines
// ---------------------------------------------------------------------------------------------

/// The lines random documents are made of: headings, setext underlines, thematic breaks,
/// fences, indented code, HTML blocks, link reference definitions, list items, block quotes,
/// paragraph text, blank lines. List items and quotes hold only text and headings, so the
/// reference below stays simple.
const VOCAB: &[&str] = &[
    "",
    "   ",
    "text",
    "word  two ",
    "Title",
    "[ref]: /url",
    "#5",
    "####### G",
    "# A",
    "## B ##",
    "###### F",
    "   # Indented3",
    "# \\#",
    "#",
    "## trailing #",
    "#\ttab",
    "===",
    "---",
    "---  ",
    "--",
    "***",
    "___",
    "- - -",
    "```",
    "````",
    "~~~",
    "```rust",
    "``` a`b",
    "    code",
    "    # code",
    "\tcode",
    "<div>",
    "</div>",
    "<!-- c",
    "-->",
    "<span>",
    "- text",
    "- # item heading",
    "1. text",
    "2) text",
    "  text",
    "  # inner",
    "> text",
    "> # q",
    ">",
];

/// Indent in columns (tabs to the next multiple of 4) and the rest of the line.
fn indent(line: &str) -> (usize, &str) {
    let mut cols = 0;
    for (i, c) in line.char_indices() {
        match c {
            ' ' => cols += 1,
            '\t' => cols += 4 - cols % 4,
            _ => return (cols, &line[i..]),
        }
    }
    (cols, "")
}

fn ws_only(s: &str) -> bool {
    s.chars().all(|c| c == ' ' || c == '\t')
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An ATX heading: level and title (spec 4.2).
fn atx(rest: &str) -> Option<(u8, String)> {
    let level = rest.chars().take_while(|&c| c == '#').count();
    let after = &rest[level..];
    if !(1..=6).contains(&level) || !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let mut content = after.trim_matches([' ', '\t']);
    if content.chars().all(|c| c == '#') {
        content = "";
    } else {
        let body = content.trim_end_matches('#');
        if body.len() < content.len() && body.ends_with([' ', '\t']) {
            content = body.trim_end_matches([' ', '\t']);
        }
    }
    Some((level as u8, squash(content)))
}

fn fence_open(rest: &str) -> Option<(char, usize)> {
    let ch = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.chars().take_while(|&c| c == ch).count();
    (len >= 3 && (ch == '~' || !rest[len..].contains('`'))).then_some((ch, len))
}

fn thematic(rest: &str) -> bool {
    let Some(ch) = rest.chars().next().filter(|c| "*-_".contains(*c)) else { return false };
    rest.chars().all(|c| c == ch || c == ' ' || c == '\t') && rest.matches(ch).count() >= 3
}

fn setext(rest: &str) -> Option<u8> {
    let ch = rest.chars().next().filter(|c| *c == '=' || *c == '-')?;
    ws_only(rest.trim_start_matches(ch)).then_some(if ch == '=' { 1 } else { 2 })
}

/// A list marker: its length and, for an ordered one, its number.
fn list_item(rest: &str) -> Option<(usize, Option<u32>)> {
    if rest.starts_with("- ") {
        Some((1, None))
    } else if rest.starts_with("1. ") {
        Some((2, Some(1)))
    } else if rest.starts_with("2) ") {
        Some((2, Some(2)))
    } else {
        None
    }
}

fn html_start(rest: &str) -> Option<u8> {
    match rest {
        "<div>" | "</div>" => Some(6),
        "<span>" => Some(7),
        _ if rest.starts_with("<!--") => Some(2),
        _ => None,
    }
}

/// Whether a line may continue a paragraph inside a container it does not belong to.
fn lazy_ok(ind: usize, rest: &str) -> bool {
    !rest.is_empty()
        && !(ind <= 3
            && (atx(rest).is_some()
                || fence_open(rest).is_some()
                || thematic(rest)
                || html_start(rest).is_some_and(|k| k < 7)
                || list_item(rest).is_some()
                || rest.starts_with('>')))
}

/// The top-level headings of a document written in [`VOCAB`], from the spec's rules.
fn reference(doc: &str, front_matter: bool) -> Vec<H> {
    enum Leaf {
        None,
        Para(Vec<usize>),
        Fence(char, usize),
        Indented,
        Html(u8),
    }
    enum Cont {
        None,
        Item { indent: usize, para: bool },
        Quote { para: bool },
    }
    let lines: Vec<&str> = doc.split_inclusive('\n').collect();
    let starts: Vec<u64> = lines
        .iter()
        .scan(0u64, |at, l| Some(std::mem::replace(at, *at + l.len() as u64)))
        .collect();
    let text = |i: usize| lines[i].trim_end_matches('\n').trim_end_matches('\r');
    let range = |a: usize, b: usize| starts[a]..starts[b] + lines[b].len() as u64;
    let mut first = 0;
    if front_matter && !lines.is_empty() && text(0).trim_end_matches([' ', '\t']) == "---" {
        if let Some(end) = (1..lines.len())
            .find(|&j| ["---", "..."].contains(&text(j).trim_end_matches([' ', '\t'])))
        {
            first = end + 1;
        }
    }
    let (mut out, mut leaf, mut cont) = (Vec::new(), Leaf::None, Cont::None);
    for i in first..lines.len() {
        let (ind, rest) = indent(text(i));
        let blank = rest.is_empty();
        match leaf {
            Leaf::Fence(ch, len) => {
                let run = rest.chars().take_while(|&c| c == ch).count();
                if ind <= 3 && run >= len && ws_only(&rest[run..]) {
                    leaf = Leaf::None;
                }
                continue;
            }
            Leaf::Html(2) => {
                if text(i).contains("-->") {
                    leaf = Leaf::None;
                }
                continue;
            }
            Leaf::Html(_) => {
                if blank {
                    leaf = Leaf::None;
                }
                continue;
            }
            Leaf::Indented if ind >= 4 || blank => continue,
            Leaf::Indented => leaf = Leaf::None,
            _ => {}
        }
        match &mut cont {
            Cont::Item { indent, para } => {
                if blank {
                    *para = false;
                    continue;
                }
                if ind >= *indent {
                    *para = !(ind - *indent <= 3 && atx(rest).is_some());
                    continue;
                }
                if *para && lazy_ok(ind, rest) {
                    continue;
                }
                cont = Cont::None;
            }
            Cont::Quote { para } => {
                if ind <= 3 && rest.starts_with('>') {
                    let inner = rest[1..].strip_prefix(' ').unwrap_or(&rest[1..]);
                    *para = !inner.trim().is_empty() && atx(indent(inner).1).is_none();
                    continue;
                }
                if *para && lazy_ok(ind, rest) {
                    continue;
                }
                cont = Cont::None;
            }
            Cont::None => {}
        }
        let in_para = matches!(leaf, Leaf::Para(_));
        if blank {
            leaf = Leaf::None;
            continue;
        }
        if ind >= 4 {
            match &mut leaf {
                Leaf::Para(l) => l.push(i),
                _ => leaf = Leaf::Indented,
            }
            continue;
        }
        if let Some((level, title)) = atx(rest) {
            out.push((level, title, range(i, i), i as u64 + 1, i as u64 + 1));
            leaf = Leaf::None;
            continue;
        }
        if let Some((ch, len)) = fence_open(rest) {
            leaf = Leaf::Fence(ch, len);
            continue;
        }
        if let Some(kind) = html_start(rest).filter(|&k| k < 7 || !in_para) {
            leaf = if kind == 2 && rest.contains("-->") { Leaf::None } else { Leaf::Html(kind) };
            continue;
        }
        if let (Leaf::Para(l), Some(level)) = (&leaf, setext(rest)) {
            let title_lines: Vec<usize> =
                l.iter().copied().skip_while(|&j| indent(text(j)).1 == "[ref]: /url").collect();
            if let Some(&start) = title_lines.first() {
                let joined: Vec<&str> = title_lines.iter().map(|&j| indent(text(j)).1).collect();
                out.push((
                    level,
                    squash(&joined.join(" ")),
                    range(start, i),
                    start as u64 + 1,
                    i as u64 + 1,
                ));
                leaf = Leaf::None;
                continue;
            }
        }
        if thematic(rest) {
            leaf = Leaf::None;
            continue;
        }
        if let Some((marker, number)) = list_item(rest) {
            if !(in_para && number.is_some_and(|n| n != 1)) {
                let content = &rest[marker + 1..];
                cont = Cont::Item { indent: ind + marker + 1, para: atx(content).is_none() };
                leaf = Leaf::None;
                continue;
            }
        }
        if let Some(inner) = rest.strip_prefix('>') {
            let inner = inner.strip_prefix(' ').unwrap_or(inner);
            cont = Cont::Quote { para: !inner.trim().is_empty() && atx(inner).is_none() };
            leaf = Leaf::None;
            continue;
        }
        match &mut leaf {
            Leaf::Para(l) => l.push(i),
            _ => leaf = Leaf::Para(vec![i]),
        }
    }
    out
}

/// A random document in [`VOCAB`]: the lines, each line's ending (LF or CRLF), whether the
/// last line has one, and whether front matter comes first.
fn vocab_doc() -> impl Strategy<Value = String> {
    (prop::collection::vec((0..VOCAB.len(), any::<bool>()), 0..40), any::<bool>(), 0..4u8).prop_map(
        |(lines, final_newline, front)| {
            let mut doc = String::new();
            if front == 0 {
                doc.push_str("---\nkey: value\n# not a heading\n---\n");
            }
            for (k, (i, crlf)) in lines.iter().enumerate() {
                doc.push_str(VOCAB[*i]);
                if k + 1 < lines.len() || final_newline {
                    doc.push_str(if *crlf { "\r\n" } else { "\n" });
                }
            }
            doc
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { max_shrink_iters: 10_000, ..ProptestConfig::default() })]

    /// The scanner agrees with the reference, and with itself at any chunk size.
    #[test]
    fn scanner_agrees_with_the_reference_at_any_chunk_size(
        doc in vocab_doc(),
        size in 1usize..64,
        front_matter in any::<bool>(),
    ) {
        let options = Options { front_matter, ..Options::default() };
        let want = reference(&doc, front_matter);
        prop_assert_eq!(scan(doc.as_bytes(), usize::MAX, options), want.clone(), "whole input");
        prop_assert_eq!(scan(doc.as_bytes(), size, options), want.clone(), "chunks of {}", size);
        prop_assert_eq!(scan(doc.as_bytes(), 1, options), want, "chunks of 1");
    }
}

// ---------------------------------------------------------------------------------------------
// The planners against a whole-document model
// ---------------------------------------------------------------------------------------------

/// A random sectioned document: headings of levels 1 to 3 with titles that repeat, bodies of
/// text, blank lines, fenced and indented code and quotes that hide `#` lines, one line
/// ending per document, with or without a final newline.
fn sectioned_doc() -> impl Strategy<Value = String> {
    let body = prop::sample::select(vec![
        "text\n",
        "\n",
        "```\n# in fence\n```\n",
        "    # code\n",
        "> # quoted\n",
        "more text\n",
    ]);
    let section =
        (1..=3usize, prop::sample::select(vec!["A", "B", "C"]), prop::collection::vec(body, 0..4));
    (prop::collection::vec(section, 1..7), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(sections, crlf, final_newline, preamble)| {
            let mut doc = String::from(if preamble { "intro\n\n" } else { "" });
            for (level, title, body) in sections {
                doc.push_str(&format!("{} {title}\n", "#".repeat(level)));
                doc.extend(body);
            }
            if !final_newline {
                doc.pop();
            }
            if crlf {
                doc = doc.replace('\n', "\r\n");
            }
            doc
        },
    )
}

/// What the model knows of a section: level, title, heading range, section range.
struct ModelSection {
    title: String,
    heading: std::ops::Range<usize>,
    range: std::ops::Range<usize>,
}

fn model_sections(doc: &str) -> Vec<ModelSection> {
    let heads = reference(doc, true);
    (0..heads.len())
        .map(|k| {
            let end = heads[k + 1..]
                .iter()
                .find(|h| h.0 <= heads[k].0)
                .map_or(doc.len(), |h| h.2.start as usize);
            ModelSection {
                title: heads[k].1.clone(),
                heading: heads[k].2.start as usize..heads[k].2.end as usize,
                range: heads[k].2.start as usize..end,
            }
        })
        .collect()
}

fn model_newline(doc: &str) -> &'static str {
    if doc.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// Text placed before a heading: trailing blank lines dropped, then one line ending and one
/// blank line; at the end of the document one line ending, or none if it had none.
fn model_normalize(doc: &str, text: &str, followed: bool) -> String {
    let nl = model_newline(doc);
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    // New lines take the document's ending.
    let mut out: String = lines
        .iter()
        .map(|l| match l.strip_suffix('\n') {
            Some(t) if nl == "\r\n" => format!("{}\r\n", t.strip_suffix('\r').unwrap_or(t)),
            _ => l.to_string(),
        })
        .collect();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(nl);
    }
    if followed {
        out.push_str(nl);
    } else if !doc.is_empty() && !doc.ends_with('\n') {
        out = out.strip_suffix('\n').map_or(out.clone(), |o| o.trim_end_matches('\r').to_string());
    }
    out
}

/// What goes before a section placed after `before`: a blank line unless one is there.
fn model_separator(doc: &str, before: &str) -> String {
    let nl = model_newline(doc);
    if before.is_empty() {
        return String::new();
    }
    if !before.ends_with('\n') {
        return format!("{nl}{nl}");
    }
    let last = before[..before.len() - 1].rsplit('\n').next().unwrap_or("");
    if last.trim().is_empty() {
        String::new()
    } else {
        nl.to_string()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Body(usize, &'static str),
    Section(usize, &'static str),
    Delete(usize),
    Insert(usize, bool, &'static str),
    Rename(usize, &'static str),
    Move(usize, usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    let text =
        prop::sample::select(vec!["new", "new\n\n\n", "", "x\ny  \n", "# New\nbody", "  \n"]);
    let k = 0..8usize;
    prop_oneof![
        (k.clone(), text.clone()).prop_map(|(k, t)| Op::Body(k, t)),
        (k.clone(), text.clone()).prop_map(|(k, t)| Op::Section(k, t)),
        k.clone().prop_map(Op::Delete),
        (k.clone(), any::<bool>(), text).prop_map(|(k, b, t)| Op::Insert(k, b, t)),
        (k.clone(), prop::sample::select(vec!["Z", "Z #", "C\\#", "two  words"]))
            .prop_map(|(k, t)| Op::Rename(k, t)),
        (k.clone(), k, any::<bool>()).prop_map(|(a, b, before)| Op::Move(a, b, before)),
    ]
}

/// The model's result of `op`: the new document, or `None` when the op must be refused.
fn model_apply(doc: &str, secs: &[ModelSection], op: &Op) -> Option<String> {
    let splice = |r: std::ops::Range<usize>, with: &str| {
        format!("{}{with}{}", &doc[..r.start], &doc[r.end..])
    };
    let nl = model_newline(doc);
    Some(match *op {
        Op::Body(k, t) => {
            let s = &secs[k];
            let mut with = String::new();
            if s.heading.end == doc.len() && !doc.ends_with('\n') && !t.trim().is_empty() {
                with.push_str(nl);
            }
            with.push_str(&model_normalize(doc, t, s.range.end < doc.len()));
            splice(s.heading.end..s.range.end, &with)
        }
        Op::Section(k, t) | Op::Insert(k, _, t) if t.trim().is_empty() => match op {
            Op::Section(..) => splice(secs[k].range.clone(), ""),
            _ => doc.to_string(),
        },
        Op::Section(k, t) => {
            let r = secs[k].range.clone();
            let with =
                model_separator(doc, &doc[..r.start]) + &model_normalize(doc, t, r.end < doc.len());
            splice(r, &with)
        }
        Op::Delete(k) => splice(secs[k].range.clone(), ""),
        Op::Insert(k, before, t) => {
            let at = if before { secs[k].range.start } else { secs[k].range.end };
            let with = model_separator(doc, &doc[..at]) + &model_normalize(doc, t, at < doc.len());
            splice(at..at, &with)
        }
        Op::Rename(k, t) => {
            if t.ends_with(" #") {
                return None;
            }
            let line = &doc[secs[k].heading.clone()];
            let hashes = line.chars().take_while(|&c| c == '#').count();
            let ending = if line.ends_with("\r\n") {
                "\r\n"
            } else if line.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            splice(secs[k].heading.clone(), &format!("{} {t}{ending}", "#".repeat(hashes)))
        }
        Op::Move(k, j, before) => {
            let (r, a) = (secs[k].range.clone(), secs[j].range.clone());
            if r.start <= a.start && a.start < r.end {
                return None;
            }
            let at = if before { a.start } else { a.end };
            let text = &doc[r.clone()];
            let rest = splice(r.clone(), "");
            let at_new = if at >= r.end { at - r.len() } else { at };
            let followed = at_new < rest.len();
            // The new document so far decides the ending and the separator.
            let mut norm = model_normalize(doc, text, followed);
            if !followed && doc.ends_with('\n') && !norm.ends_with('\n') {
                norm.push_str(nl);
            }
            let with = model_separator(doc, &rest[..at_new]) + &norm;
            format!("{}{with}{}", &rest[..at_new], &rest[at_new..])
        }
    })
}

proptest! {
    /// Every planner's patch gives the model's document; bytes outside the section touched
    /// stay identical; selectors by number and by path find the same section.
    #[test]
    fn planners_agree_with_the_model(doc in sectioned_doc(), op in op(), size in 1usize..50) {
        let secs = model_sections(&doc);
        let src = doc.as_bytes().to_vec();
        let outline = markdown::outline(&src, &mut Chunker::new(size)).unwrap();
        prop_assert_eq!(outline.len(), secs.len());
        for (s, m) in outline.iter().zip(&secs) {
            prop_assert_eq!(&s.title, &m.title);
            prop_assert_eq!(s.heading.clone(), m.heading.start as u64..m.heading.end as u64);
            prop_assert_eq!(s.range.clone(), m.range.start as u64..m.range.end as u64);
            let by_path = outline.resolve(&outline.selector(s)).unwrap();
            prop_assert_eq!(by_path.index, s.index);
        }
        let n = secs.len();
        let k_of = |k: usize| k % n;
        let op = match op {
            Op::Body(k, t) => Op::Body(k_of(k), t),
            Op::Section(k, t) => Op::Section(k_of(k), t),
            Op::Delete(k) => Op::Delete(k_of(k)),
            Op::Insert(k, b, t) => Op::Insert(k_of(k), b, t),
            Op::Rename(k, t) => Op::Rename(k_of(k), t),
            Op::Move(a, b, before) => Op::Move(k_of(a), k_of(b), before),
        };
        let want = model_apply(&doc, &secs, &op);
        let sel = |k: usize| format!("#{}", k + 1);
        let mut chunker = Chunker::new(size);
        let (first, second) = match op {
            Op::Move(a, b, _) => (sel(a), sel(b)),
            Op::Body(k, _) | Op::Section(k, _) | Op::Delete(k) | Op::Insert(k, ..) | Op::Rename(k, _) => (sel(k), sel(k)),
        };
        let found = markdown::locate(&src, &[&first, &second], &mut chunker).unwrap();
        let (info, s, a) = (&found.info, &found.sections[0], &found.sections[1]);
        let planned = match op {
            Op::Body(_, t) => markdown::replace_body(info, s, t.as_bytes()).map_err(|e| e.to_string()),
            Op::Section(_, t) => markdown::replace_section(&src, info, s, t.as_bytes()).map_err(|e| e.to_string()),
            Op::Delete(_) => markdown::delete_section(info, s).map_err(|e| e.to_string()),
            Op::Insert(_, before, t) => {
                let place = if before { Place::Before } else { Place::After };
                markdown::insert_section(&src, info, s, place, t.as_bytes()).map_err(|e| e.to_string())
            }
            Op::Rename(_, t) => markdown::rename_heading(&src, info, s, t).map_err(|e| e.to_string()),
            Op::Move(_, _, before) => {
                let place = if before { Place::Before } else { Place::After };
                markdown::move_section(&src, info, s, a, place).map_err(|e| e.to_string())
            }
        };
        match (want, planned) {
            (None, Err(_)) => {}
            (Some(want), Ok(patch)) => {
                let got = patch.apply_to_vec(&src).unwrap();
                prop_assert_eq!(String::from_utf8(got.clone()).unwrap(), want, "{:?}", op);
                // Untouched bytes: everything before the first change and after the last.
                if let (Some(first), Some(last)) = (patch.splices().first(), patch.splices().last()) {
                    let (a, b) = (first.range.start as usize, last.range.end as usize);
                    prop_assert_eq!(&got[..a], &src[..a]);
                    prop_assert_eq!(&got[got.len() - (src.len() - b)..], &src[b..]);
                }
            }
            (want, planned) => prop_assert!(false, "{:?}: model {:?}, planner {:?}", op, want, planned),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The `md` commands
// ---------------------------------------------------------------------------------------------

use common::{patch, same, Sandbox};

/// A hand-checked fixture: front matter, two levels, a fence that hides a `#` line.
const GUIDE: &str =
    "---\ntitle: demo\n---\n# Install\n\nIntro text.\n\n## Linux\n\napt install x\n\n\
## Mac\n\nbrew install x\n\n# Usage\n\nRun it.\n\n```sh\n# not a heading\n```\n";

const LINUX: &str = "## Linux\n\napt install x\n\n";

#[test]
fn outline_lists_sections_with_paths_lines_and_bytes() {
    let sb = Sandbox::new();
    let f = sb.write("guide.md", GUIDE.as_bytes());
    let v = sb.run(&["--json", "md", "outline", &f]).ok_json();
    let rows: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["level"].as_u64().unwrap(),
                s["lines"]["start"].as_u64().unwrap(),
                s["lines"]["end"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("Install", 1, 4, 15),
        ("Install > Linux", 2, 8, 11),
        ("Install > Mac", 2, 12, 15),
        ("Usage", 1, 16, 22),
    ];
    let want: Vec<_> = want.iter().map(|(p, l, a, b)| (p.to_string(), *l, *a, *b)).collect();
    assert_eq!(rows, want);
    let linux = &v[1];
    let start = GUIDE.find("## Linux").unwrap() as u64;
    assert_eq!(linux["bytes"]["start"], start);
    assert_eq!(linux["bytes"]["end"], start + LINUX.len() as u64);
    assert_eq!(linux["body_bytes"]["start"], start + "## Linux\n".len() as u64);
    let text = sb.run(&["md", "outline", &f]).ok_text().to_string();
    assert_eq!(text.lines().count(), 4);
    assert!(
        text.lines().nth(1).unwrap().contains("Install > Linux") && text.contains("lines 8:11"),
        "{text}"
    );
}

#[test]
fn read_prints_a_section_or_its_body_exactly() {
    let sb = Sandbox::new();
    let f = sb.write("guide.md", GUIDE.replace('\n', "\r\n").as_bytes());
    let crlf = |s: &str| s.replace('\n', "\r\n");
    same(sb.run(&["md", "read", &f, "Install > Linux"]).ok(), crlf(LINUX).as_bytes(), "section");
    same(sb.run(&["md", "read", &f, " Install>Linux "]).ok(), crlf(LINUX).as_bytes(), "spacing");
    same(sb.run(&["md", "read", &f, "#2"]).ok(), crlf(LINUX).as_bytes(), "by number");
    same(
        sb.run(&["md", "read", &f, "Install > Linux", "--body"]).ok(),
        crlf("\napt install x\n\n").as_bytes(),
        "body",
    );
    let usage = &GUIDE[GUIDE.find("# Usage").unwrap()..];
    same(sb.run(&["md", "read", &f, "Usage"]).ok(), crlf(usage).as_bytes(), "last section");
    let v = sb.run(&["--json", "md", "read", &f, "Install > Linux"]).ok_json();
    assert_eq!(v["text"], crlf(LINUX));
    assert_eq!(v["version"], bigedit_core::Version::of(crlf(LINUX).as_bytes()).to_string());
    assert_eq!((v["lines"]["start"].as_u64(), v["lines"]["end"].as_u64()), (Some(8), Some(11)));
}

#[test]
fn unknown_and_ambiguous_paths_are_one_line_errors_with_choices() {
    let sb = Sandbox::new();
    let f = sb.write("guide.md", GUIDE.as_bytes());
    let msg = sb.run(&["md", "read", &f, "Install > Linx"]).error(1);
    assert!(msg.contains("no section \"Install > Linx\"; closest: \"Install > Linux\""), "{msg}");
    let msg = sb.run(&["md", "delete", &f, "Linx"]).error(1);
    assert!(msg.contains("closest: \"Install > Linux\""), "{msg}");
    let msg = sb.run(&["md", "read", &f, "#9"]).error(1);
    assert!(msg.contains("no heading #9") && msg.contains("4 heading"), "{msg}");
    let dup = sb.write("dup.md", b"# A\none\n# B\n# A\ntwo\n");
    let msg = sb.run(&["md", "delete", &dup, "A"]).error(1);
    assert!(msg.contains("\"A #1 (line 1)\", \"A #2 (line 4)\""), "{msg}");
    same(sb.run(&["md", "read", &dup, "A #2"]).ok(), b"# A\ntwo\n", "A #2");
    let msg = sb.run(&["md", "read", &dup, "A #3"]).error(1);
    assert!(msg.contains("no #3"), "{msg}");
    same(&sb.read("guide.md"), GUIDE.as_bytes(), "untouched after errors");
    same(&sb.read("dup.md"), b"# A\none\n# B\n# A\ntwo\n", "untouched after errors");
}

/// Runs an edit, then checks the file against `want`, and that `--dry-run` printed a diff
/// that GNU patch turns into the same file.
#[track_caller]
fn edit_case(args: &[&str], stdin: Option<&[u8]>, want: &str) {
    let sb = Sandbox::new();
    let f = sb.write("guide.md", GUIDE.as_bytes());
    let with_file = |extra: &[&str]| {
        let mut a: Vec<&str> = args.to_vec();
        a.insert(2, &f);
        a.extend_from_slice(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        match stdin {
            Some(bytes) => sb.run_stdin(&a, bytes),
            None => sb.run(&a),
        }
    };
    let diff = run(with_file(&["--dry-run"])).ok().to_vec();
    same(&sb.read("guide.md"), GUIDE.as_bytes(), "a dry run leaves the file alone");
    same(&patch(GUIDE.as_bytes(), &diff), want.as_bytes(), format!("dry-run diff of {args:?}"));
    run(with_file(&[])).ok();
    same(&sb.read("guide.md"), want.as_bytes(), format!("{args:?}"));
    assert_eq!(sb.listing(), ["guide.md"], "no temporary file left");
}

#[test]
fn editing_commands_give_the_hand_checked_results() {
    let mac_body = GUIDE.replace("## Mac\n\nbrew install x\n\n", "## Mac\nport install x\n\n");
    edit_case(
        &["md", "replace", "Install > Mac", "--body", "--with", "port install x\n\n\n"],
        None,
        &mac_body,
    );
    edit_case(&["md", "replace", "Install > Mac", "--body"], Some(b"port install x"), &mac_body);
    let section = GUIDE.replace(LINUX, "## Linux\nnew\n\n");
    edit_case(&["md", "replace", "Install > Linux", "--with", "## Linux\nnew"], None, &section);
    edit_case(&["md", "delete", "Install > Linux"], None, &GUIDE.replace(LINUX, ""));
    let bsd = GUIDE.replace("## Mac", "## BSD\npkg install x\n\n## Mac");
    edit_case(
        &["md", "insert", "--after", "Install > Linux", "--with", "## BSD\npkg install x"],
        None,
        &bsd,
    );
    edit_case(
        &["md", "insert", "--before", "Install > Mac", "--with", "## BSD\npkg install x\n"],
        None,
        &bsd,
    );
    edit_case(&["md", "rename", "Usage", "Use it"], None, &GUIDE.replace("# Usage", "# Use it"));
    edit_case(
        &["md", "rename", "Install > Mac", "macOS"],
        None,
        &GUIDE.replace("## Mac", "## macOS"),
    );
    let usage = &GUIDE[GUIDE.find("# Usage").unwrap()..];
    let moved = format!(
        "---\ntitle: demo\n---\n\n{usage}\n{}",
        &GUIDE[GUIDE.find("# Install").unwrap()..GUIDE.find("# Usage").unwrap()]
    );
    edit_case(&["md", "move", "Usage", "--before", "Install"], None, &moved);
    let swapped = GUIDE.replace(
        &format!("{LINUX}## Mac\n\nbrew install x\n\n"),
        &format!("## Mac\n\nbrew install x\n\n{LINUX}"),
    );
    edit_case(&["md", "move", "Install > Linux", "--after", "Install > Mac"], None, &swapped);
}

#[test]
fn edits_check_expect_and_refuse_bad_requests_leaving_the_file_alone() {
    let sb = Sandbox::new();
    let f = sb.write("guide.md", GUIDE.as_bytes());
    let v = sb.run(&["--json", "md", "read", &f, "Install > Linux", "--body"]).ok_json();
    let body_version = v["version"].as_str().unwrap().to_string();
    let v = sb.run(&["--json", "md", "read", &f, "Install > Linux"]).ok_json();
    let version = v["version"].as_str().unwrap().to_string();
    // The whole section's version does not vouch for the body alone, and vice versa.
    let msg = sb
        .run(&[
            "md",
            "replace",
            &f,
            "Install > Linux",
            "--body",
            "--with",
            "x",
            "--expect",
            &version,
        ])
        .error(1);
    assert!(msg.contains("changed since version"), "{msg}");
    let msg = sb.run(&["md", "rename", &f, "Install > Mac", "M", "--expect", &version]).error(1);
    assert!(msg.contains("changed since version"), "{msg}");
    let msg = sb.run(&["md", "rename", &f, "Usage", "Use #"]).error(1);
    assert!(msg.contains("would not read back"), "{msg}");
    let msg = sb.run(&["md", "move", &f, "Install", "--after", "Install > Mac"]).error(1);
    assert!(msg.contains("inside it"), "{msg}");
    let msg =
        sb.run(&["md", "insert", &f, "--before", "Usage", "--with", "# X\n```\ncode"]).error(1);
    assert!(msg.contains("fenced code block open"), "{msg}");
    same(&sb.read("guide.md"), GUIDE.as_bytes(), "untouched after refused edits");
    let v = sb
        .run(&[
            "--json",
            "md",
            "replace",
            &f,
            "Install > Linux",
            "--body",
            "--with",
            "x",
            "--expect",
            &body_version,
        ])
        .ok_json();
    assert_eq!(v["committed"], true);
    same(
        &sb.read("guide.md"),
        GUIDE.replace("\napt install x\n\n", "x\n\n").as_bytes(),
        "after --expect",
    );
}

// ---------------------------------------------------------------------------------------------
// Memory on a large file
// ---------------------------------------------------------------------------------------------

/// Peak RSS of the `md` commands on a 64 MiB document (1,024 times the default chunk) stays
/// under 32 MiB, as in `memory.rs` (whose approach this reuses: `wait4` on the release binary).
#[test]
fn md_commands_stay_within_the_memory_budget_on_a_large_file() {
    use std::io::{BufWriter, Write};
    use std::os::unix::process::ExitStatusExt;
    use std::process::Command;

    const FILE_MIB: u64 = 64;
    const BUDGET_KIB: i64 = 32 * 1024;
    let bin = {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--release", "-p", "bigedit", "--bin", "bigedit"])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build failed");
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
            .join("release/bigedit")
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.md");
    let mut sections = 0u64;
    {
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&file).unwrap());
        let mut written = 0u64;
        while written < FILE_MIB << 20 {
            let s = format!(
                "# Part {sections}\n\nSome paragraph text that goes on for a while.\n\n```\n# code, not a heading\n```\n\n{}\n",
                "A line of body text in a long section.\n".repeat(100)
            );
            w.write_all(s.as_bytes()).unwrap();
            written += s.len() as u64;
            sections += 1;
        }
        w.flush().unwrap();
    }
    let f = file.to_str().unwrap();
    let mid = format!("Part {}", sections / 2);
    let last = format!("Part {}", sections - 1);
    let cases: Vec<Vec<&str>> = vec![
        vec!["md", "outline", f],
        vec!["md", "read", f, &mid],
        vec!["md", "read", f, "Part Nonexistent"],
        vec!["md", "replace", f, &mid, "--body", "--with", "replaced body"],
        vec!["md", "rename", f, "Part 1", "First part"],
        vec!["md", "move", f, &last, "--before", "Part 0"],
        vec!["md", "delete", f, "Part 2"],
    ];
    for args in &cases {
        let out = std::fs::File::create(dir.path().join("stdout")).unwrap();
        let child = Command::new(&bin)
            .args(args)
            .env("BIGEDIT_CACHE_DIR", dir.path())
            .stdout(out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our own unreaped child; status and usage point to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(r, pid, "wait4 failed");
        let ok = std::process::ExitStatus::from_raw(status).success();
        assert_eq!(ok, !args.contains(&"Part Nonexistent"), "bigedit {args:?}");
        eprintln!("bigedit {args:?}: peak RSS {} KiB", usage.ru_maxrss);
        assert!(usage.ru_maxrss < BUDGET_KIB, "bigedit {args:?} peaked at {} KiB", usage.ru_maxrss);
        std::mem::forget(child);
    }
    // The edits happened, checked by reading the start of the file.
    let mut head = vec![0u8; 64 << 10];
    use std::io::Read;
    std::fs::File::open(&file).unwrap().read_exact(&mut head).unwrap();
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with(&format!("# {last}\n")), "moved section first: {}", &head[..40]);
    assert!(head.contains("# First part\n"), "renamed");
}

// ---------------------------------------------------------------------------------------------
// Issue 16: odd inputs
// ---------------------------------------------------------------------------------------------

/// A UTF-8 BOM before a heading on line 1 does not hide it (item 6): the outline, `md read`
/// and `chunks` see it, and the BOM stays outside the section, before it.
#[test]
fn a_bom_does_not_hide_a_heading_on_line_one() {
    let sb = Sandbox::new();
    let doc = "\u{feff}# Title\n\nbody\n\n## Sub\n\nmore\n";
    let f = sb.write("bom.md", doc.as_bytes());
    let v = sb.run(&["--json", "md", "outline", &f]).ok_json();
    let paths: Vec<_> = v.as_array().unwrap().iter().map(|s| s["path"].clone()).collect();
    assert_eq!(paths, ["Title", "Title > Sub"]);
    assert_eq!(v[0]["bytes"]["start"], 3, "the section starts after the BOM");
    same(sb.run(&["md", "read", &f, "Title"]).ok(), &doc.as_bytes()[3..], "md read");
    let v = sb.run(&["--json", "chunks", &f, "--max-bytes", "12"]).ok_json();
    let first = &v.as_array().unwrap()[0];
    assert_eq!(first["heading_path"], serde_json::json!(["Title"]), "{v}");
    assert_eq!(first["bytes"]["start"], 0, "the BOM belongs to the first chunk");
    sb.run(&["md", "rename", &f, "Title", "Name"]).ok();
    same(&sb.read("bom.md"), doc.replace("# Title", "# Name").as_bytes(), "rename keeps the BOM");
}

/// An empty `#` heading is no part of its subsections' paths (item 21): no path starts with
/// ` > `, the subsections are found by their own titles, and the empty heading by `#N`.
#[test]
fn an_empty_heading_is_left_out_of_its_subsections_paths() {
    let sb = Sandbox::new();
    let doc = "#\n\n## Child\n\ntext\n\n# A\n\n##\n\n### B\n";
    let f = sb.write("empty.md", doc.as_bytes());
    let v = sb.run(&["--json", "md", "outline", &f]).ok_json();
    let paths: Vec<_> = v.as_array().unwrap().iter().map(|s| s["path"].clone()).collect();
    assert_eq!(paths, ["", "Child", "A", "", "A > B"]);
    same(sb.run(&["md", "read", &f, "Child"]).ok(), b"## Child\n\ntext\n\n", "md read Child");
    same(sb.run(&["md", "read", &f, "A > B"]).ok(), b"### B\n", "md read A > B");
    same(sb.run(&["md", "read", &f, "#1"]).ok(), b"#\n\n## Child\n\ntext\n\n", "#1");
    let text = sb.run(&["md", "outline", &f]).ok_text().to_string();
    assert!(!text.contains(" > Child") && !text.contains("A >  >"), "{text}");
    let v = sb.run(&["--json", "chunks", &f, "--max-bytes", "8"]).ok_json();
    for c in v.as_array().unwrap() {
        let path = c["heading_path"].as_array().unwrap();
        assert!(path.iter().all(|t| t != ""), "{c}");
    }
}

/// `Dup #2 > Child` names the child of the second `Dup` (item 21), and so does its dry-run
/// edit; `Dup #3 > Child` names nothing.
#[test]
fn an_ancestor_can_be_picked_by_its_occurrence() {
    let sb = Sandbox::new();
    let doc = "# Dup\n## Child\none\n# Dup\n## Child\ntwo\n## Other\n# Dup\n";
    let f = sb.write("dup.md", doc.as_bytes());
    same(sb.run(&["md", "read", &f, "Dup #2 > Child"]).ok(), b"## Child\ntwo\n", "#2");
    same(sb.run(&["md", "read", &f, "Dup#1>Child"]).ok(), b"## Child\none\n", "#1");
    same(sb.run(&["md", "read", &f, "Dup #2 > Other"]).ok(), b"## Other\n", "other");
    let msg = sb.run(&["md", "read", &f, "Dup #3 > Child"]).error(1);
    assert!(msg.contains("no section"), "{msg}");
    sb.run(&["md", "delete", &f, "Dup #2 > Child"]).ok();
    same(&sb.read("dup.md"), doc.replace("## Child\ntwo\n", "").as_bytes(), "delete");
}

/// `md rename` refuses a title that gives the section the path of another one (item 21),
/// leaving the file alone; a rename to a free path, or to its own title, goes ahead.
#[test]
fn rename_refuses_to_make_a_path_ambiguous() {
    let sb = Sandbox::new();
    let doc = "# A\n## x\n# B\n## y\n## z\n";
    let f = sb.write("r.md", doc.as_bytes());
    let msg = sb.run(&["md", "rename", &f, "B", "A"]).error(1);
    assert!(msg.contains("\"A\" names another section") && msg.contains("line 3"), "{msg}");
    let msg = sb.run(&["md", "rename", &f, "B > z", " y "]).error(1);
    assert!(msg.contains("\"B > y\" names another section"), "{msg}");
    same(&sb.read("r.md"), doc.as_bytes(), "untouched after refusals");
    sb.run(&["md", "rename", &f, "B > z", "x"]).ok();
    sb.run(&["md", "rename", &f, "A", "A"]).ok();
    same(&sb.read("r.md"), doc.replace("## z", "## x").as_bytes(), "free paths");
}
