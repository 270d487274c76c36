//! `bigedit mcp --root DIR`: a Model Context Protocol server on stdio, built on the official
//! Rust SDK (`rmcp`), that lets an agent read and edit files under DIR with the same engine,
//! locks, commits and audit log as the CLI.
//!
//! - Reads are bounded (a byte budget, capped result counts) and return a `version` token
//!   ([`token`]) naming what was read and the hash of its exact bytes.
//! - Edits take such a token and are refused, with the current text and its token, when the
//!   region changed or does not cover what the edit changes.
//! - Every path is confined to the root (`..`, absolute paths and symlinks out are refused);
//!   binary content and oversized requests are tool errors (`isError` results), never a crash.
//! - File work runs on tokio's blocking pool; the protocol runs on a current-thread runtime.

pub mod edit;
mod frame;
pub mod params;
pub mod read;
mod server;
mod session;
pub mod token;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use server::Server;
pub use session::{Config, Notes, Session, ToolError};

use crate::error::{Error, Result};

/// Serves MCP on stdin/stdout until the client closes the connection.
///
/// # Errors
///
/// A root that is not a directory, or a failure starting the runtime or the protocol.
pub fn serve(config: Config) -> Result<()> {
    // Fail before the handshake if the root is not usable.
    crate::Root::open(&config.root)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io(&PathBuf::from("<runtime>"), "start", e))?;
    runtime.block_on(async move {
        use rmcp::ServiceExt;
        let service = Server::new(Session::new(config))
            .serve(frame::transport(tokio::io::stdin(), tokio::io::stdout()))
            .await
            .map_err(|e| Error::Usage(format!("mcp: handshake failed: {e}")))?;
        service.waiting().await.map_err(|e| Error::Usage(format!("mcp: server stopped: {e}")))?;
        Ok(())
    })
}
