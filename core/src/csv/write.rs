//! Field and record encoding: quote only when needed, with the file's quote and line ending.

use super::Dialect;

/// Whether `value` must be quoted to survive as one field: it holds the delimiter, the quote,
/// `\r` or `\n`.
pub fn needs_quotes(value: &[u8], dialect: &Dialect) -> bool {
    value.iter().any(|&b| b == dialect.delimiter || b == dialect.quote || b == b'\r' || b == b'\n')
}

/// Appends `value` to `out` as one field: as is, or quoted with inner quotes doubled.
///
/// # Example
///
/// ```
/// use bigedit_core::csv::{encode_field, Dialect};
///
/// let mut out = Vec::new();
/// encode_field(b"say \"hi\", twice", &Dialect::default(), &mut out);
/// assert_eq!(out, b"\"say \"\"hi\"\", twice\"");
/// ```
pub fn encode_field(value: &[u8], dialect: &Dialect, out: &mut Vec<u8>) {
    if !needs_quotes(value, dialect) {
        out.extend_from_slice(value);
        return;
    }
    let q = dialect.quote;
    out.push(q);
    for part in value.split_inclusive(|&b| b == q) {
        out.extend_from_slice(part);
        if part.last() == Some(&q) {
            out.push(q);
        }
    }
    out.push(q);
}

/// Appends `fields` to `out` as one record, without a terminator.
///
/// A record of one empty field is written as two quotes: an empty line would be no record.
pub fn encode_record<F: AsRef<[u8]>>(fields: &[F], dialect: &Dialect, out: &mut Vec<u8>) {
    if let [only] = fields {
        if only.as_ref().is_empty() {
            out.extend_from_slice(&[dialect.quote, dialect.quote]);
            return;
        }
    }
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(dialect.delimiter);
        }
        encode_field(f.as_ref(), dialect, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        let d = Dialect::default();
        let enc = |v: &[u8]| {
            let mut out = Vec::new();
            encode_field(v, &d, &mut out);
            out
        };
        assert_eq!(enc(b"plain text"), b"plain text");
        assert_eq!(enc(b""), b"");
        assert_eq!(enc(b"a,b"), b"\"a,b\"");
        assert_eq!(enc(b"\""), b"\"\"\"\"");
        assert_eq!(enc(b"x\r\ny"), b"\"x\r\ny\"");
        let semi = Dialect { delimiter: b';', quote: b'\'', ..d };
        let mut out = Vec::new();
        encode_record(&["a,b", "it's", ""], &semi, &mut out);
        assert_eq!(out, b"a,b;'it''s';");
        out.clear();
        encode_record(&[""], &d, &mut out);
        assert_eq!(out, b"\"\"");
    }
}
