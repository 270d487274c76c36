//! `bigedit.AgentFileSystem`'s engine: an MCP [`Session`] called in process. Every call runs
//! the MCP server's own tool function (`bigedit::mcp::read`, `bigedit::mcp::edit`): paths
//! confined to the workspace root, reads bounded and versioned, edits refused on a stale
//! version, every call appended to the audit log.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bigedit::mcp::{edit, params, read, Config, Notes, Session, ToolError};
use bigedit::{Root, Target};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;

use crate::errors::{raise, IntoPy};

/// One agent's session over a workspace directory.
#[pyclass(module = "bigedit._bigedit", name = "AgentSession", frozen)]
pub struct AgentSession {
    session: Session,
    root: PathBuf,
    client: String,
}

/// Runs MCP tool `tool` with JSON arguments `args`.
fn dispatch(s: &Session, n: &mut Notes, tool: &str, args: Value) -> Result<Value, ToolError> {
    macro_rules! run {
        ($module:ident :: $f:ident, $p:ident) => {{
            let p: params::$p = serde_json::from_value(args)
                .map_err(|e| ToolError::new(format!("{tool}: invalid arguments: {e}")))?;
            $module::$f(s, n, &p)
        }};
    }
    match tool {
        "file_info" => run!(read::file_info, PathOnly),
        "read_lines" => run!(read::read_lines, ReadLines),
        "find" => run!(read::find, Find),
        "outline" => run!(read::outline, Outline),
        "read_section" => run!(read::read_section, ReadSection),
        "read_rows" => run!(read::read_rows, ReadRows),
        "chunks" => run!(read::chunks, Chunks),
        "replace_lines" => run!(edit::replace_lines, ReplaceLines),
        "insert_lines" => run!(edit::insert_lines, InsertLines),
        "delete_lines" => run!(edit::delete_lines, DeleteLines),
        "replace_text" => run!(edit::replace_text, ReplaceText),
        "replace_section" => run!(edit::replace_section, ReplaceSection),
        "csv_set" => run!(edit::csv_set, CsvSet),
        "csv_delete" => run!(edit::csv_delete, CsvDelete),
        "undo_last" => edit::undo_last(s, n),
        other => Err(ToolError::new(format!("no tool {other:?}"))),
    }
}

#[pymethods]
impl AgentSession {
    /// A session confined to `root`; `audit_log`: where each call is recorded (JSON lines;
    /// default `$BIGEDIT_AUDIT_LOG`, else none).
    #[new]
    #[pyo3(signature = (root, audit_log=None, lock_timeout=30.0, client="python"))]
    fn new(
        py: Python<'_>,
        root: PathBuf,
        audit_log: Option<PathBuf>,
        lock_timeout: f64,
        client: &str,
    ) -> PyResult<Self> {
        py.detach(|| Root::open(&root)).py()?;
        let config = Config {
            root: root.clone(),
            use_cache: true,
            chunk_size: bigedit_core::DEFAULT_CHUNK,
            lock_timeout: Duration::from_secs_f64(lock_timeout.max(0.0)),
            audit_log: bigedit::audit::log_path(audit_log.as_deref()),
            allow_s3: Vec::new(),
            s3: Default::default(),
        };
        Ok(AgentSession { session: Session::new(config), root, client: client.to_string() })
    }

    /// Calls tool `tool` with `args` (a JSON object as text) and returns its JSON result as
    /// text. A path outside the root raises `OutsideRoot`, a missing file
    /// `FileNotFoundError`; a stale version raises `StaleVersion` (with `details`: the
    /// current text and version); other refusals raise `Error` with the tool's message.
    fn call(&self, py: Python<'_>, tool: &str, args: &str) -> PyResult<String> {
        let args: Value = serde_json::from_str(args).map_err(|e| {
            crate::errors::plain(py, "InvalidInput", &format!("{tool}: invalid JSON: {e}"))
        })?;
        let path = args.get("path").and_then(Value::as_str).unwrap_or_default().to_string();
        let root = &self.root;
        let (typed, result) = py.detach(|| {
            // The library's own confinement first, for a typed error (still audited: the
            // call fails inside the session with the same message).
            let mut typed: Option<bigedit::Error> = None;
            let result = self.session.call(tool, &path, &self.client, |s, n| {
                if !path.is_empty() {
                    let resolved = Root::open(root)
                        .and_then(|root| Target::resolve(Path::new(&path), Some(&root)));
                    if let Err(e) = resolved {
                        let message = e.to_string();
                        typed = Some(e);
                        return Err(ToolError::new(message));
                    }
                }
                dispatch(s, n, tool, args)
            });
            (typed, result)
        });
        if let Some(e) = typed {
            return Err(crate::errors::to_py(e));
        }
        match result {
            Ok(v) => Ok(v.to_string()),
            Err(e) => {
                let attrs = PyDict::new(py);
                let stale = e.details.is_some();
                if let Some(d) = &e.details {
                    attrs.set_item("details", d.to_string())?;
                }
                Err(raise(py, if stale { "StaleVersion" } else { "Error" }, &e.message, &attrs))
            }
        }
    }
}
