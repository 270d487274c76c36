//! [`Header`]: the column names (or count) of a CSV file, read from its first record.

use std::ops::Range;

use super::records::{Record, RecordScanner};
use super::{CsvError, Dialect};
use crate::error::Error;
use crate::scan::{Chunker, Flow};
use crate::source::ReadAt;

/// The columns of a file: the names of its header record, or, without a header, the number
/// of fields of its first record (columns are then named `1`, `2`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    names: Option<Vec<String>>,
    fields: usize,
    record: Option<Range<u64>>,
    data_start: u64,
}

impl Header {
    /// Reads the first record of `src`. Stops right after it, so it costs one record.
    ///
    /// # Example
    ///
    /// ```
    /// use bigedit_core::{csv::{Dialect, Header}, Chunker};
    ///
    /// let src = b"id,city\n1,Paris\n".to_vec();
    /// let h = Header::read(&src, &Dialect::default(), &mut Chunker::default()).unwrap();
    /// assert_eq!(h.names(), Some(&["id".to_string(), "city".to_string()][..]));
    /// assert_eq!((h.len(), h.data_start()), (2, 8));
    /// assert_eq!(h.column("city").unwrap(), 1);
    /// assert_eq!(h.column("cty").unwrap_err().to_string(), "no column \"cty\"; the header is: id, city");
    /// ```
    ///
    /// # Errors
    ///
    /// [`CsvError::RecordTooLong`], or the source's error.
    pub fn read<S: ReadAt + ?Sized>(
        src: &S,
        dialect: &Dialect,
        chunker: &mut Chunker,
    ) -> Result<Header, Error<S::Error>> {
        let mut header = Header::default();
        let mut scanner = RecordScanner::new(dialect);
        let mut each = |r: &Record<'_>| {
            header.fields = r.len();
            header.record = Some(r.range());
            if dialect.has_header {
                header.names =
                    Some(r.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect());
                header.data_start = r.range().end;
            }
            Ok(Flow::Stop)
        };
        let mut stopped = false;
        chunker.scan(src, 0..src.len(), &mut |off: u64, chunk: &[u8]| {
            let flow = scanner.feed(off, chunk, &mut each)?;
            stopped = flow == Flow::Stop;
            Ok(flow)
        })?;
        if !stopped {
            scanner.finish(&mut each)?;
        }
        if dialect.has_header && header.names.is_none() {
            header.names = Some(Vec::new());
        }
        Ok(header)
    }

    /// The column names, or `None` in a file without header.
    pub fn names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }

    /// How many fields a row should have (0 for an empty file).
    pub fn len(&self) -> usize {
        self.fields
    }

    /// Whether the file has no record at all.
    pub fn is_empty(&self) -> bool {
        self.record.is_none()
    }

    /// Bytes of the header record (or of the first record, without header), terminator
    /// included; `None` for an empty file.
    pub fn record(&self) -> Option<Range<u64>> {
        self.record.clone()
    }

    /// Where the data rows start: after the header record, or 0 without header.
    pub fn data_start(&self) -> u64 {
        self.data_start
    }

    /// The 0-based position of column `name`: `#N` (the Nth column, 1-based, in any file); a
    /// header name (exact, else the only one equal once spaces are trimmed); `NAME #K`, the
    /// Kth column of a repeated name; or a 1-based number in a file without header.
    ///
    /// # Example
    ///
    /// ```
    /// use bigedit_core::{csv::{Dialect, Header}, Chunker};
    ///
    /// let src = b"id,amount,amount\n1,2,3\n".to_vec();
    /// let h = Header::read(&src, &Dialect::default(), &mut Chunker::default()).unwrap();
    /// assert_eq!((h.column("#3").unwrap(), h.column("amount #2").unwrap()), (2, 2));
    /// assert_eq!(h.keys(), ["id", "amount", "amount #2"]);
    /// assert!(h.column("amount").unwrap_err().to_string().contains("columns 2 and 3"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CsvError::UnknownColumn`] listing the header, [`CsvError::AmbiguousColumn`] for a
    /// repeated name, or [`CsvError::UnknownColumnNumber`].
    pub fn column(&self, name: &str) -> Result<usize, CsvError> {
        if let Some(n) = name.trim().strip_prefix('#').and_then(|n| n.parse::<usize>().ok()) {
            return match &self.names {
                _ if (1..=self.fields).contains(&n) => Ok(n - 1),
                Some(names) => {
                    Err(CsvError::UnknownColumn { name: name.to_string(), header: names.clone() })
                }
                None => Err(CsvError::UnknownColumnNumber {
                    name: name.to_string(),
                    columns: self.fields,
                }),
            };
        }
        match &self.names {
            Some(names) => {
                let exact: Vec<usize> = (0..names.len()).filter(|&i| names[i] == name).collect();
                let keyed = || {
                    let keys = self.keys();
                    (0..names.len()).filter(|&i| keys[i] == name).collect()
                };
                let trimmed =
                    || (0..names.len()).filter(|&i| names[i].trim() == name.trim()).collect();
                let hits: Vec<usize> = match exact.len() {
                    0 => {
                        Some(keyed()).filter(|k: &Vec<usize>| !k.is_empty()).unwrap_or_else(trimmed)
                    }
                    _ => exact,
                };
                match hits.as_slice() {
                    [i] => Ok(*i),
                    [] => Err(CsvError::UnknownColumn {
                        name: name.to_string(),
                        header: names.clone(),
                    }),
                    many => Err(CsvError::AmbiguousColumn {
                        name: name.to_string(),
                        columns: many.iter().map(|i| i + 1).collect(),
                    }),
                }
            }
            None => match name.trim().parse::<usize>() {
                Ok(n) if (1..=self.fields).contains(&n) => Ok(n - 1),
                _ => Err(CsvError::UnknownColumnNumber {
                    name: name.to_string(),
                    columns: self.fields,
                }),
            },
        }
    }

    /// A unique name for every column (the keys of `--json` rows): its header name, with
    /// ` #K` after the Kth use of a repeated name from the second on; its 1-based number
    /// without header. One pass over the names.
    pub fn keys(&self) -> Vec<String> {
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        (0..self.fields)
            .map(|i| {
                let name = self.name(i);
                if self.names.is_none() {
                    return name;
                }
                let k = seen.entry(name.clone()).or_insert(0);
                *k += 1;
                if *k == 1 {
                    name
                } else {
                    format!("{name} #{k}")
                }
            })
            .collect()
    }

    /// Whether some header names repeat (then [`Header::keys`] tells the columns apart).
    pub fn has_repeated_names(&self) -> bool {
        let mut seen = std::collections::HashSet::new();
        self.names.as_ref().is_some_and(|n| !n.iter().all(|x| seen.insert(x)))
    }

    /// The name of column `i`: its header name, or its 1-based number without header.
    pub fn name(&self, i: usize) -> String {
        match self.names.as_ref().and_then(|n| n.get(i)) {
            Some(n) => n.clone(),
            None => (i + 1).to_string(),
        }
    }
}
