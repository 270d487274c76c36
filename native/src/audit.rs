//! The audit log: one JSON line per operation, appended to a file the user names
//! (`--audit-log PATH` or `BIGEDIT_AUDIT_LOG`).
//!
//! Each line is written with one `write` on a file opened with `O_APPEND`, so lines from
//! concurrent processes never interleave.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use bigedit_core::Patch;

use crate::{CommitOptions, CommitReport};

/// An append-only JSON-lines log.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    /// A log at `path` (created on first append, mode 0600).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        AuditLog { path: path.into() }
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` as one line.
    ///
    /// # Errors
    ///
    /// The I/O error opening or writing the log.
    pub fn append(&self, record: &serde_json::Value) -> io::Result<()> {
        append_to(&mut self.open()?, record)
    }

    /// Opens the log for appending (creating it, mode 0600), so that a log that cannot be
    /// written is known before an operation runs.
    ///
    /// # Errors
    ///
    /// The I/O error opening the log.
    pub fn open(&self) -> io::Result<std::fs::File> {
        OpenOptions::new().append(true).create(true).mode(0o600).open(&self.path)
    }
}

/// Appends `record` as one line to an open log.
///
/// # Errors
///
/// The I/O error writing the log.
pub fn append_to(log: &mut std::fs::File, record: &serde_json::Value) -> io::Result<()> {
    let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
    line.push(b'\n');
    log.write_all(&line)
}

impl AuditLog {}

/// How many changed ranges an audit record lists (the count is always there).
pub(crate) const AUDIT_RANGES: usize = 100;

/// Notes what `patch` changes in an audit record: its ranges (the first hundred), the number
/// of changes and the size before.
pub fn note_patch(record: &mut serde_json::Map<String, serde_json::Value>, patch: &Patch) {
    let ranges: Vec<_> = patch.splices().iter().take(AUDIT_RANGES).map(|s| s.range).collect();
    note_changes(record, &ranges, patch.splices().len(), patch.source_len());
}

/// Notes the changes of an edit whose patch was never whole (a commit fed in parts): its
/// first `ranges` (the first hundred are kept), the number of `changes` and `bytes_in`.
pub fn note_changes(
    record: &mut serde_json::Map<String, serde_json::Value>,
    ranges: &[std::ops::Range<u64>],
    changes: usize,
    bytes_in: u64,
) {
    let ranges: Vec<_> =
        ranges.iter().take(AUDIT_RANGES).map(|r| serde_json::json!([r.start, r.end])).collect();
    record.insert("ranges".into(), ranges.into());
    record.insert("changes".into(), changes.into());
    record.insert("bytes_in".into(), bytes_in.into());
}

/// Notes how a commit went in an audit record: the strategy used (or `none` when nothing
/// changed) and the size after.
pub fn note_commit(
    record: &mut serde_json::Map<String, serde_json::Value>,
    report: &crate::Result<CommitReport>,
    opts: &CommitOptions,
) {
    let how = match report {
        Ok(r) if r.changes == 0 => "none (no change)",
        Ok(r) => r.stats.strategy.as_str(),
        Err(_) => opts.strategy.as_str(),
    };
    record.insert("commit".into(), how.into());
    if let Ok(r) = report {
        record.insert("bytes_out".into(), r.bytes.1.into());
        if r.stats.strategy == crate::Strategy::Object {
            record.insert("uploaded".into(), r.stats.bytes_written.into());
            record.insert("copied".into(), r.stats.bytes_copied.into());
            record.insert("parts".into(), r.stats.parts.into());
        }
    }
}

/// One finished audit record: time, operation and file first, then the facts the operation
/// noted, its duration and its result (`"result": "ok"` or `"error": "..."`).
pub fn record(
    operation: &str,
    file: &Path,
    notes: &mut serde_json::Map<String, serde_json::Value>,
    duration: std::time::Duration,
    error: Option<&crate::Error>,
) -> serde_json::Value {
    let mut record = serde_json::Map::new();
    record.insert("time".into(), now_rfc3339().into());
    record.insert("operation".into(), operation.into());
    record.insert("file".into(), file.display().to_string().into());
    record.append(notes);
    let ms = (duration.as_secs_f64() * 1e6).round() / 1e3;
    record.insert("duration_ms".into(), ms.into());
    match error {
        None => record.insert("result".into(), "ok".into()),
        Some(e) => record.insert("error".into(), e.to_string().into()),
    };
    record.into()
}

/// The audit log to use: `explicit` (`--audit-log`), else `$BIGEDIT_AUDIT_LOG`; an empty
/// path means none.
pub fn log_path(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("BIGEDIT_AUDIT_LOG").map(PathBuf::from))
        .filter(|p| !p.as_os_str().is_empty())
}

/// The current UTC time as RFC 3339 with milliseconds, e.g. `2026-11-25T19:42:07.123Z`.
pub fn now_rfc3339() -> String {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = t.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        t.subsec_millis()
    )
}

/// Year, month and day of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_417), (2025, 11, 25));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn lines_are_appended_whole() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path().join("audit.jsonl"));
        log.append(&serde_json::json!({"op": "a"})).unwrap();
        log.append(&serde_json::json!({"op": "b"})).unwrap();
        assert_eq!(
            std::fs::read_to_string(log.path()).unwrap(),
            "{\"op\":\"a\"}\n{\"op\":\"b\"}\n"
        );
    }
}
