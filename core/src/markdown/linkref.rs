//! Link reference definitions (spec section 4.7) at the start of a paragraph: a paragraph
//! made only of them cannot become a setext heading, and they are not part of its title.

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// How many bytes of `s` (paragraph text: lines joined by `\n`, leading white space of each
/// line removed) the link reference definitions at its start take, up to the start of the
/// line after the last one.
pub(super) fn definitions_len(s: &[u8]) -> usize {
    let mut pos = 0;
    while s.get(pos) == Some(&b'[') {
        match definition(&s[pos..]) {
            Some(n) => pos += n,
            None => break,
        }
    }
    pos
}

/// One definition at the start of `s`: its length including its line ending.
fn definition(s: &[u8]) -> Option<usize> {
    let mut p = label(s)?;
    if s[1..p - 1].iter().all(|b| b.is_ascii_whitespace()) || s.get(p) != Some(&b':') {
        return None;
    }
    p = spnl(s, p + 1);
    p += destination(&s[p..])?;
    let before_title = p;
    let q = spnl(s, p);
    if q != before_title {
        if let Some(end) = title(&s[q..]).and_then(|t| line_end(s, q + t)) {
            return Some(end);
        }
    }
    line_end(s, before_title)
}

/// `[label]`: at most 999 characters, no unescaped brackets. Returns its length.
fn label(s: &[u8]) -> Option<usize> {
    let mut i = 1;
    while i < s.len() && i <= 1000 {
        match s[i] {
            b'\\' if i + 1 < s.len() => i += 2,
            b'[' => return None,
            b']' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Skips spaces and tabs with at most one line ending among them.
fn spnl(s: &[u8], mut p: usize) -> usize {
    while s.get(p).copied().is_some_and(is_space) {
        p += 1;
    }
    if s.get(p) == Some(&b'\n') {
        p += 1;
        while s.get(p).copied().is_some_and(is_space) {
            p += 1;
        }
    }
    p
}

/// The end of the line if only spaces or tabs follow `p` on it.
fn line_end(s: &[u8], mut p: usize) -> Option<usize> {
    while s.get(p).copied().is_some_and(is_space) {
        p += 1;
    }
    match s.get(p) {
        None => Some(p),
        Some(b'\n') => Some(p + 1),
        Some(_) => None,
    }
}

/// A link destination: `<...>` or a run without spaces or controls, parentheses balanced.
fn destination(s: &[u8]) -> Option<usize> {
    if s.first() == Some(&b'<') {
        let mut i = 1;
        while i < s.len() {
            match s[i] {
                b'\\' if i + 1 < s.len() => i += 2,
                b'>' => return Some(i + 1),
                b'<' | b'\n' => return None,
                _ => i += 1,
            }
        }
        return None;
    }
    let (mut i, mut depth) = (0, 0usize);
    while i < s.len() {
        match s[i] {
            b'\\' if s.get(i + 1).is_some_and(u8::is_ascii_punctuation) => i += 2,
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' if depth == 0 => break,
            b')' => {
                depth -= 1;
                i += 1;
            }
            b if b <= b' ' || b == 0x7f => break,
            _ => i += 1,
        }
    }
    (i > 0 && depth == 0).then_some(i)
}

/// A link title: `"..."`, `'...'` or `(...)`, backslash escapes allowed.
fn title(s: &[u8]) -> Option<usize> {
    let close = match s.first()? {
        b'"' => b'"',
        b'\'' => b'\'',
        b'(' => b')',
        _ => return None,
    };
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'\\' if i + 1 < s.len() => i += 2,
            b if b == close => return Some(i + 1),
            b'(' if close == b')' => return None,
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_at_the_start_are_measured() {
        assert_eq!(definitions_len(b"[foo]: /url\nbar"), 12);
        assert_eq!(definitions_len(b"[foo]: /url \"title\"\n[b]:\n<x y>\nrest"), 31);
        assert_eq!(definitions_len(b"[foo]: /url 'title\nrest"), 0);
        assert_eq!(definitions_len(b"[foo]: /url\n'title'"), 19);
        assert_eq!(definitions_len(b"[foo]: /url \"t\" x"), 0);
        assert_eq!(definitions_len(b"[ ]: /url"), 0);
        assert_eq!(definitions_len(b"[foo]:\n"), 0);
        assert_eq!(definitions_len(b"[a]: b(c)d"), 10);
        assert_eq!(definitions_len(b"[a]: b(c"), 0);
    }
}
