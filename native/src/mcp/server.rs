//! The MCP tool router: one async method per tool, each a thin wrapper that runs the tool's
//! blocking file work on tokio's blocking pool ([`tokio::task::spawn_blocking`]) so the
//! protocol loop keeps answering (pings, cancellations, other calls) while a large file is
//! scanned. Descriptions are written for a model.

use std::sync::Arc;

use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{tool, tool_handler, tool_router, Peer, RoleServer, ServerHandler};
use serde_json::Value;

use super::params as p;
use super::session::{Notes, Session, ToolError};
use super::{edit, read};

/// The bigedit MCP server: a [`Session`] and the tool router.
#[derive(Debug, Clone)]
pub struct Server {
    session: Arc<Session>,
    tool_router: ToolRouter<Server>,
}

const INSTRUCTIONS: &str = "bigedit edits parts of very large text files (logs, CSV, Markdown) without loading them. \
Paths are relative to the workspace root. Read before you edit: every read returns a `version`; every edit needs a \
version covering the lines it changes and is refused with the current text if they changed (retry with \
current_version). Reads have a byte budget (max_bytes) and say where to continue. Edits return a diff and the new \
version; undo_last reverts the last edit.";

impl Server {
    /// A server over `session`.
    pub fn new(session: Session) -> Server {
        Server { session: Arc::new(session), tool_router: Self::tool_router() }
    }

    /// Runs `work` on the blocking pool through [`Session::call`] (timing, audit) and turns
    /// its outcome into a tool result: JSON text, `isError` on failure.
    async fn run<F>(
        &self,
        tool: &'static str,
        file: String,
        peer: &Peer<RoleServer>,
        work: F,
    ) -> CallToolResult
    where
        F: FnOnce(&Session, &mut Notes) -> Result<Value, ToolError> + Send + 'static,
    {
        let client = peer
            .peer_info()
            .map(|i| format!("{} {}", i.client_info.name, i.client_info.version))
            .unwrap_or_else(|| "unknown".to_string());
        let session = Arc::clone(&self.session);
        let joined =
            tokio::task::spawn_blocking(move || session.call(tool, &file, &client, work)).await;
        let result = joined.unwrap_or_else(|e| Err(ToolError::new(format!("{tool} failed: {e}"))));
        match result {
            Ok(v) => CallToolResult::success(vec![ContentBlock::text(v.to_string())]),
            Err(e) => CallToolResult::error(vec![ContentBlock::text(e.to_json().to_string())]),
        }
    }
}

#[tool_router]
impl Server {
    /// `file_info`.
    #[tool(
        description = "Size, line count, line ending and kind (text/markdown/csv) of a file, and the version of the whole file. Start here with a file you do not know."
    )]
    async fn file_info(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::PathOnly>,
    ) -> CallToolResult {
        self.run("file_info", a.path.clone(), &peer, move |s, n| read::file_info(s, n, &a)).await
    }

    /// `read_lines`.
    #[tool(
        description = "Read whole lines start..end (1-based, inclusive) within a byte budget (max_bytes, default 16 KiB). Returns the text, the lines actually returned, their version, and `next` saying how to continue when the budget stopped it."
    )]
    async fn read_lines(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::ReadLines>,
    ) -> CallToolResult {
        self.run("read_lines", a.path.clone(), &peer, move |s, n| read::read_lines(s, n, &a)).await
    }

    /// `find`.
    #[tool(
        description = "Find a literal text (or a regex) in a file: line, column and line text of each match, with optional context lines, and the version of each matched line (pass it to edit that line). Capped by max_results; says whether more exist."
    )]
    async fn find(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::Find>,
    ) -> CallToolResult {
        self.run("find", a.path.clone(), &peer, move |s, n| read::find(s, n, &a)).await
    }

    /// `outline`.
    #[tool(
        description = "Structure of a file: Markdown headings (number, level, title, section path, lines) or CSV columns, dialect and row count."
    )]
    async fn outline(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::Outline>,
    ) -> CallToolResult {
        self.run("outline", a.path.clone(), &peer, move |s, n| read::outline(s, n, &a)).await
    }

    /// `read_section`.
    #[tool(
        description = "Read one Markdown section (heading and body, subsections included) by its heading path, e.g. \"Install > Linux\" or \"#7\". Returns its text, lines and version (for replace_section)."
    )]
    async fn read_section(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::ReadSection>,
    ) -> CallToolResult {
        self.run("read_section", a.path.clone(), &peer, move |s, n| read::read_section(s, n, &a))
            .await
    }

    /// `read_rows`.
    #[tool(
        description = "Read CSV rows as objects keyed by column name: a row range and/or `where` conditions (all must hold). With `where`, the version covers every matching row: pass it to csv_set or csv_delete with the same `where`."
    )]
    async fn read_rows(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::ReadRows>,
    ) -> CallToolResult {
        self.run("read_rows", a.path.clone(), &peer, move |s, n| read::read_rows(s, n, &a)).await
    }

    /// `chunks`.
    #[tool(
        description = "Split a file into semantic chunks of at most max_chunk_bytes (cut at Markdown sections, blank lines, CSV records, lines): byte and line ranges, section path or rows of each. Page with skip and max_chunks; read a chunk with read_lines."
    )]
    async fn chunks(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::Chunks>,
    ) -> CallToolResult {
        self.run("chunks", a.path.clone(), &peer, move |s, n| read::chunks(s, n, &a)).await
    }

    /// `replace_lines`.
    #[tool(
        description = "Replace lines start..end with new text (empty text removes them). Needs the version of a read covering those lines; refused with the current text if they changed."
    )]
    async fn replace_lines(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::ReplaceLines>,
    ) -> CallToolResult {
        self.run("replace_lines", a.path.clone(), &peer, move |s, n| edit::replace_lines(s, n, &a))
            .await
    }

    /// `insert_lines`.
    #[tool(
        description = "Insert lines after line `after` (0 = at the top). Needs the version of a read covering line `after` (line 1 for after = 0)."
    )]
    async fn insert_lines(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::InsertLines>,
    ) -> CallToolResult {
        self.run("insert_lines", a.path.clone(), &peer, move |s, n| edit::insert_lines(s, n, &a))
            .await
    }

    /// `delete_lines`.
    #[tool(
        description = "Delete lines start..end. Needs the version of a read covering those lines."
    )]
    async fn delete_lines(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::DeleteLines>,
    ) -> CallToolResult {
        self.run("delete_lines", a.path.clone(), &peer, move |s, n| edit::delete_lines(s, n, &a))
            .await
    }

    /// `replace_text`.
    #[tool(
        description = "Find and replace a literal text (or regex, line by line) everywhere or at most `max` times. Needs a version covering every changed line (read_lines around the matches, or file_info's whole-file version)."
    )]
    async fn replace_text(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::ReplaceText>,
    ) -> CallToolResult {
        self.run("replace_text", a.path.clone(), &peer, move |s, n| edit::replace_text(s, n, &a))
            .await
    }

    /// `replace_section`.
    #[tool(
        description = "Replace a Markdown section (heading included, or only its body with body=true). Needs the version read_section returned for it."
    )]
    async fn replace_section(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::ReplaceSection>,
    ) -> CallToolResult {
        self.run("replace_section", a.path.clone(), &peer, move |s, n| {
            edit::replace_section(s, n, &a)
        })
        .await
    }

    /// `csv_set`.
    #[tool(
        description = "Set columns in every CSV row where all conditions hold, e.g. where [\"id=7\"], set {\"status\": \"done\"}. Other rows stay byte-identical. Needs the version read_rows returned for the same `where`."
    )]
    async fn csv_set(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::CsvSet>,
    ) -> CallToolResult {
        self.run("csv_set", a.path.clone(), &peer, move |s, n| edit::csv_set(s, n, &a)).await
    }

    /// `csv_delete`.
    #[tool(
        description = "Delete every CSV row where all conditions hold. Needs the version read_rows returned for the same `where`."
    )]
    async fn csv_delete(
        &self,
        peer: Peer<RoleServer>,
        Parameters(a): Parameters<p::CsvDelete>,
    ) -> CallToolResult {
        self.run("csv_delete", a.path.clone(), &peer, move |s, n| edit::csv_delete(s, n, &a)).await
    }

    /// `undo_last`.
    #[tool(
        description = "Undo the last edit this server made, if the file has not changed since. One level."
    )]
    async fn undo_last(&self, peer: Peer<RoleServer>) -> CallToolResult {
        self.run("undo_last", String::new(), &peer, edit::undo_last).await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("bigedit", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}
