//! The start and end conditions of CommonMark HTML blocks (spec section 4.6), by hand: no
//! regex engine, no allocation.

/// The block-level tag names of start condition 6.
const BLOCK_TAGS: [&[u8]; 62] = [
    b"address",
    b"article",
    b"aside",
    b"base",
    b"basefont",
    b"blockquote",
    b"body",
    b"caption",
    b"center",
    b"col",
    b"colgroup",
    b"dd",
    b"details",
    b"dialog",
    b"dir",
    b"div",
    b"dl",
    b"dt",
    b"fieldset",
    b"figcaption",
    b"figure",
    b"footer",
    b"form",
    b"frame",
    b"frameset",
    b"h1",
    b"h2",
    b"h3",
    b"h4",
    b"h5",
    b"h6",
    b"head",
    b"header",
    b"hr",
    b"html",
    b"iframe",
    b"legend",
    b"li",
    b"link",
    b"main",
    b"menu",
    b"menuitem",
    b"nav",
    b"noframes",
    b"ol",
    b"optgroup",
    b"option",
    b"p",
    b"param",
    b"search",
    b"section",
    b"summary",
    b"table",
    b"tbody",
    b"td",
    b"tfoot",
    b"th",
    b"thead",
    b"title",
    b"tr",
    b"track",
    b"ul",
];

/// The raw-text tags of start condition 1.
const RAW_TAGS: [&[u8]; 4] = [b"script", b"pre", b"style", b"textarea"];

/// White space as HTML (and the spec's `\s`) means it within a line.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// The ASCII tag name at the start of `s` (letters, digits and `-`, starting with a letter).
fn tag_name(s: &[u8]) -> &[u8] {
    if !s.first().is_some_and(u8::is_ascii_alphabetic) {
        return &[];
    }
    let n = s.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').count();
    &s[..n]
}

fn is_one_of(name: &[u8], names: &[&[u8]]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Which HTML block (1 to 7) a line opens, given the line from its first non-space byte on.
/// The caller refuses type 7 where it would interrupt a paragraph.
pub(super) fn start_condition(s: &[u8]) -> Option<u8> {
    let rest = s.strip_prefix(b"<")?;
    let name = tag_name(rest);
    let after = rest.get(name.len()).copied();
    if is_one_of(name, &RAW_TAGS) && after.is_none_or(|b| is_ws(b) || b == b'>') {
        return Some(1);
    }
    if rest.starts_with(b"!--") {
        return Some(2);
    }
    if rest.starts_with(b"?") {
        return Some(3);
    }
    if rest.first() == Some(&b'!') && rest.get(1).is_some_and(u8::is_ascii_alphabetic) {
        return Some(4);
    }
    if rest.starts_with(b"![CDATA[") {
        return Some(5);
    }
    let closing = rest.strip_prefix(b"/");
    let name6 = tag_name(closing.unwrap_or(rest));
    let after6 = &closing.unwrap_or(rest)[name6.len()..];
    if is_one_of(name6, &BLOCK_TAGS)
        && (after6.is_empty()
            || is_ws(after6[0])
            || after6.starts_with(b">")
            || after6.starts_with(b"/>"))
    {
        return Some(6);
    }
    let end = match closing {
        Some(c) => closing_tag(c),
        None => open_tag(rest),
    }?;
    let tail = &rest[end..];
    tail.iter().all(|&b| is_ws(b)).then_some(7)
}

/// Parses the rest of an open tag after `<`; returns the length up to and including `>`.
fn open_tag(s: &[u8]) -> Option<usize> {
    let name = tag_name(s);
    if name.is_empty() {
        return None;
    }
    let mut i = name.len();
    loop {
        let ws = s[i..].iter().take_while(|&&b| is_ws(b)).count();
        let attr = attribute_name(&s[i + ws..]);
        if ws == 0 || attr == 0 {
            break;
        }
        i += ws + attr;
        // An optional value: white space, `=`, white space, value.
        let mut j = i + s[i..].iter().take_while(|&&b| is_ws(b)).count();
        if s.get(j) == Some(&b'=') {
            j += 1;
            j += s[j..].iter().take_while(|&&b| is_ws(b)).count();
            i = j + attribute_value(&s[j..])?;
        }
    }
    i += s[i..].iter().take_while(|&&b| is_ws(b)).count();
    if s.get(i) == Some(&b'/') {
        i += 1;
    }
    (s.get(i) == Some(&b'>')).then_some(i + 1)
}

/// Parses the rest of a closing tag after `</`; returns the length up to and including `>`,
/// counted from the `/`.
fn closing_tag(s: &[u8]) -> Option<usize> {
    let name = tag_name(s);
    if name.is_empty() {
        return None;
    }
    let i = name.len() + s[name.len()..].iter().take_while(|&&b| is_ws(b)).count();
    (s.get(i) == Some(&b'>')).then_some(i + 2)
}

fn attribute_name(s: &[u8]) -> usize {
    match s.first() {
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' || *b == b':' => {
            1 + s[1..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'))
                .count()
        }
        _ => 0,
    }
}

fn attribute_value(s: &[u8]) -> Option<usize> {
    match s.first()? {
        q @ (b'"' | b'\'') => s[1..].iter().position(|b| b == q).map(|p| p + 2),
        _ => {
            let n = s
                .iter()
                .take_while(|&&b| {
                    !matches!(b, b'"' | b'\'' | b'=' | b'<' | b'>' | b'`') && b > b' '
                })
                .count();
            (n > 0).then_some(n)
        }
    }
}

/// Whether `line` meets the end condition of an HTML block of type 1 to 5.
pub(super) fn ends(kind: u8, line: &[u8]) -> bool {
    match kind {
        1 => line.windows(2).enumerate().any(|(i, w)| {
            w == b"</"
                && RAW_TAGS.iter().any(|t| {
                    let rest = &line[i + 2..];
                    rest.len() > t.len()
                        && rest[..t.len()].eq_ignore_ascii_case(t)
                        && rest[t.len()] == b'>'
                })
        }),
        2 => memchr::memmem::find(line, b"-->").is_some(),
        3 => memchr::memmem::find(line, b"?>").is_some(),
        4 => memchr::memchr(b'>', line).is_some(),
        5 => memchr::memmem::find(line, b"]]>").is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_conditions() {
        let cases: [(&[u8], Option<u8>); 16] = [
            (b"<script>", Some(1)),
            (b"<PRE class=x", Some(1)),
            (b"<prefix>", Some(7)),
            (b"<!-- c", Some(2)),
            (b"<?php", Some(3)),
            (b"<!DOCTYPE html>", Some(4)),
            (b"<![CDATA[", Some(5)),
            (b"<div", Some(6)),
            (b"</table>", Some(6)),
            (b"<div/>", Some(6)),
            (b"<a href=\"x\" >  ", Some(7)),
            (b"</x-y >", Some(7)),
            (b"<a href=x/>", Some(7)),
            (b"<a> text", None),
            (b"<a b='c' d>", Some(7)),
            (b"<a b=>", None),
        ];
        for (line, want) in cases {
            assert_eq!(start_condition(line), want, "{}", line.escape_ascii());
        }
    }

    #[test]
    fn end_conditions() {
        assert!(ends(1, b"x </STYLE> y"));
        assert!(!ends(1, b"x </styles>"));
        assert!(ends(2, b"a -->"));
        assert!(ends(4, b">"));
        assert!(!ends(5, b"]]"));
    }
}
