//! Objects in S3-compatible storage, edited in place: `s3://bucket/key` is a source
//! ([`ObjectSource`]: ranged GETs pinned to the ETag read at open, with a read-ahead for full
//! passes) and a target ([`commit`]: the patch's pieces become a multipart upload whose
//! untouched ranges are copied server-side, completed only if the object is still the version
//! that was read).
//!
//! [`Document`](crate::Document) opens an object exactly as it opens a file and plans every
//! edit with the same code; only reading bytes and writing the new version differ. What moves
//! over the network for an edit: the ranges the planner reads, plus the uploaded parts (the
//! new bytes padded to 5 MiB with neighbouring original bytes, see
//! [`bigedit_core::plan_upload`]); everything else is copied by the server.
//!
//! Guarantees: every read carries `If-Match: ETAG`, so a pass never mixes two versions; the
//! upload is completed with `If-Match: ETAG` and every copy with
//! `x-amz-copy-source-if-match: ETAG`, so an object changed since it was read is never
//! replaced (the commit fails with "changed since read"); any failure aborts the upload, and
//! an upload whose process died (or whose abort failed) is aborted by the next bigedit command
//! on that bucket (see [`commit`]).

mod client;
pub mod commit;
mod config;
mod source;

use std::fmt;
use std::io;

pub use client::{Client, Head, RequestStats};
pub use commit::ObjectStats;
pub use config::{S3Config, S3Options};
pub use source::ObjectSource;

/// An object's fingerprint for the index cache: its length and ETag (no read needed).
pub fn fingerprint(src: &ObjectSource) -> bigedit_core::Fingerprint {
    let tag = bigedit_core::Version::of(src.etag().as_bytes()).0;
    bigedit_core::Fingerprint {
        len: bigedit_core::ReadAt::len(src),
        head: tag,
        tail: tag,
        modified: tag,
        identity: 0,
    }
}

/// The prefix of object addresses.
pub const SCHEME: &str = "s3://";

/// What went wrong with an object request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectError {
    /// The object is no longer the version that was read (a 412 on `If-Match`).
    #[error("changed since read (its ETag is no longer {etag}): another client wrote it; nothing was replaced, read it again")]
    Changed {
        /// The ETag that was read.
        etag: String,
    },
    /// No such object.
    #[error("no such object")]
    NotFound,
    /// The server refused the request.
    #[error("the server answered HTTP {status}{}{}", if code.is_empty() { String::new() } else { format!(" {code}") }, if message.is_empty() { String::new() } else { format!(": {message}") })]
    Status {
        /// HTTP status.
        status: u16,
        /// S3 error code (`AccessDenied`, `NoSuchBucket`, ...), when given.
        code: String,
        /// The server's message, when given.
        message: String,
    },
    /// The request stalled past the timeout (`BIGEDIT_S3_TIMEOUT`).
    #[error("timed out ({0}); raise BIGEDIT_S3_TIMEOUT for slow links")]
    Timeout(String),
    /// The connection failed or broke.
    #[error("network error: {0}")]
    Transport(String),
    /// The server's answer did not make sense.
    #[error("unexpected answer: {0}")]
    Protocol(String),
    /// The address or the configuration is unusable.
    #[error("{0}")]
    Config(String),
}

impl ObjectError {
    /// Whether repeating the same read may succeed (server errors, broken connections).
    pub fn is_transient(&self) -> bool {
        match self {
            ObjectError::Status { status, .. } => *status >= 500,
            ObjectError::Transport(_) | ObjectError::Timeout(_) => true,
            _ => false,
        }
    }

    /// As an `io::Error` (what [`bigedit_core::ReadAt`] sources return), recoverable with
    /// [`ObjectError::from_io`].
    pub fn into_io(self) -> io::Error {
        let kind = match self {
            ObjectError::NotFound => io::ErrorKind::NotFound,
            ObjectError::Timeout(_) => io::ErrorKind::TimedOut,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, self)
    }

    /// The object error inside `e`, if it is one.
    pub fn from_io(e: &io::Error) -> Option<&ObjectError> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<ObjectError>())
    }
}

/// An object's address: `s3://BUCKET/KEY`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectUrl {
    /// The bucket.
    pub bucket: String,
    /// The key (any bytes after the bucket's slash; not empty).
    pub key: String,
}

impl ObjectUrl {
    /// Parses `s3://BUCKET/KEY`; `None` for anything not starting with `s3://`.
    ///
    /// # Errors
    ///
    /// [`ObjectError::Config`] for an address without a bucket or a key.
    pub fn parse(s: &str) -> Option<Result<ObjectUrl, ObjectError>> {
        let rest = s.strip_prefix(SCHEME)?;
        Some(match rest.split_once('/') {
            Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
                Ok(ObjectUrl { bucket: bucket.to_string(), key: key.to_string() })
            }
            _ => Err(ObjectError::Config(format!(
                "{s}: an object address is s3://BUCKET/KEY (a bucket and a key)"
            ))),
        })
    }
}

impl fmt::Display for ObjectUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.bucket, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse() {
        let u = ObjectUrl::parse("s3://logs/2026/app.log").unwrap().unwrap();
        assert_eq!((u.bucket.as_str(), u.key.as_str()), ("logs", "2026/app.log"));
        assert_eq!(u.to_string(), "s3://logs/2026/app.log");
        assert!(ObjectUrl::parse("logs/app.log").is_none());
        assert!(ObjectUrl::parse("s3://logs").unwrap().is_err());
        assert!(ObjectUrl::parse("s3://logs/").unwrap().is_err());
        assert!(ObjectUrl::parse("s3:///k").unwrap().is_err());
    }

    #[test]
    fn errors_survive_io() {
        let e = ObjectError::Changed { etag: "\"x\"".into() }.into_io();
        assert!(matches!(ObjectError::from_io(&e), Some(ObjectError::Changed { .. })));
        assert!(e.to_string().contains("changed since read"));
    }
}
