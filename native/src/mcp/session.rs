//! The state of one MCP session: the root every path is confined to, the open options, the
//! audit log, the client's name, and the last edit (for `undo_last`). Every tool call runs
//! through [`Session::call`], which times it, converts its error into a tool error and appends
//! its audit record.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use bigedit_core::{Patch, Version};
use serde_json::{json, Map, Value};

use crate::audit::{self, AuditLog};
use crate::error::Error;
use crate::{Document, LockKind, OpenOptions};

/// How many bytes of a file's start are checked for a NUL byte (binary content).
const BINARY_SNIFF: u64 = 8 << 10;

/// Facts a tool call notes for its audit record.
pub type Notes = Map<String, Value>;

/// Why a tool call failed: a message for the model, and optionally what it needs to retry
/// (the current text of a stale region and its version).
#[derive(Debug)]
pub struct ToolError {
    /// One line saying what and where.
    pub message: String,
    /// Extra fields of the error result (`current`, `version`, ...).
    pub details: Option<Value>,
}

impl ToolError {
    /// An error with only a message.
    pub fn new(message: impl Into<String>) -> ToolError {
        ToolError { message: message.into(), details: None }
    }

    /// The error as the JSON object a tool result carries.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"error": self.message});
        if let Some(Value::Object(extra)) = &self.details {
            for (k, x) in extra {
                v[k] = x.clone();
            }
        }
        v
    }
}

impl From<Error> for ToolError {
    fn from(e: Error) -> ToolError {
        ToolError::new(e.to_string())
    }
}

/// What `undo_last` can restore: the inverse of the last committed edit.
#[derive(Debug)]
pub struct LastEdit {
    /// The file, as the client named it.
    pub path: PathBuf,
    /// The tool that made the edit.
    pub tool: &'static str,
    /// Turns the file as the edit left it back into what it was.
    pub inverse: Patch,
    /// The file's cheap whole-file version right after the edit.
    pub after: Version,
}

/// How a session is configured.
#[derive(Debug, Clone)]
pub struct Config {
    /// The workspace root: every path is relative to it and confined to it.
    pub root: PathBuf,
    /// Use the line-index cache.
    pub use_cache: bool,
    /// Chunk size of full passes.
    pub chunk_size: usize,
    /// How long to wait for another process's lock.
    pub lock_timeout: std::time::Duration,
    /// Where audit records go (`None`: nowhere).
    pub audit_log: Option<PathBuf>,
    /// Buckets whose objects (`s3://BUCKET/KEY`) tools may read and edit (`--allow-s3`);
    /// empty: none.
    pub allow_s3: Vec<String>,
    /// Where objects are (endpoint and addressing).
    #[cfg(feature = "s3")]
    pub s3: crate::object::S3Options,
}

/// One server's state, shared by all its tool calls.
#[derive(Debug)]
pub struct Session {
    config: Config,
    last_edit: Mutex<Option<LastEdit>>,
}

impl Session {
    /// A session with nothing edited yet.
    pub fn new(config: Config) -> Session {
        Session { config, last_edit: Mutex::new(None) }
    }

    /// Opens `path` (relative to the root, confined to it) under `lock`, refusing binary
    /// content; notes the lock wait and any crash recovery.
    ///
    /// # Errors
    ///
    /// An empty path, a path outside the root, a missing or non-regular file, a lock that
    /// stays taken, or binary content.
    pub fn open(
        &self,
        path: &str,
        lock: LockKind,
        notes: &mut Notes,
    ) -> Result<Document, ToolError> {
        if path.trim().is_empty() {
            return Err(ToolError::new("path is empty: give a file path relative to the root"));
        }
        let object = path.starts_with("s3://");
        if object {
            let bucket = path["s3://".len()..].split('/').next().unwrap_or("");
            if !self.config.allow_s3.iter().any(|b| b == bucket) {
                return Err(ToolError::new(format!(
                    "{path}: objects in bucket {bucket:?} are not allowed; start the server with \
                     --allow-s3 {bucket} to let tools read and edit them"
                )));
            }
        }
        let opts = OpenOptions {
            use_cache: self.config.use_cache,
            chunk_size: self.config.chunk_size,
            lock: Some(lock),
            lock_timeout: self.config.lock_timeout,
            // An object is addressed by its bucket, allowed above; files stay under the root.
            root: (!object).then(|| self.config.root.clone()),
            #[cfg(feature = "s3")]
            s3: self.config.s3.clone(),
        };
        let doc = Document::open(Path::new(path), &opts)?;
        notes.insert("lock_wait_ms".into(), crate::cli::millis(doc.lock_waited()).into());
        if let Some(recovery) = doc.recovered() {
            notes.insert("recovery".into(), recovery.describe().into());
        }
        let head = doc.len().min(BINARY_SNIFF);
        let (bytes, _) = doc.read_range(0..head)?;
        if let Some(at) = memchr_nul(&bytes) {
            return Err(ToolError::new(format!(
                "{path}: binary content (a NUL byte at offset {at}); these tools read and edit text only"
            )));
        }
        Ok(doc)
    }

    /// Runs one tool call: `work` does it; the audit record gets the operation
    /// (`mcp TOOL`), the file, the client, what `work` noted, the duration and the result.
    pub fn call(
        &self,
        tool: &str,
        file: &str,
        client: &str,
        work: impl FnOnce(&Session, &mut Notes) -> Result<Value, ToolError>,
    ) -> Result<Value, ToolError> {
        let started = Instant::now();
        let mut notes = Notes::new();
        notes.insert("client".into(), client.into());
        let result = work(self, &mut notes);
        if let Some(log) = &self.config.audit_log {
            let error = result.as_ref().err().map(|e| Error::Usage(e.message.clone()));
            let record = audit::record(
                &format!("mcp {tool}"),
                Path::new(file),
                &mut notes,
                started.elapsed(),
                error.as_ref(),
            );
            if let Err(e) = AuditLog::new(log).append(&record) {
                crate::cli::warn(&format!(
                    "mcp: {}: could not append to the audit log: {e}",
                    log.display()
                ));
            }
        }
        result
    }

    /// Remembers the last edit (replacing the one before).
    pub fn set_last_edit(&self, edit: Option<LastEdit>) {
        *self.last_edit.lock().unwrap_or_else(|p| p.into_inner()) = edit;
    }

    /// Takes the last edit out (`undo_last` puts it back if it cannot apply it).
    pub fn take_last_edit(&self) -> Option<LastEdit> {
        self.last_edit.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// The offset of the first NUL byte.
fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == 0)
}
