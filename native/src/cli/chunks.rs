//! `bigedit chunks`: semantic chunks for language models (placeholder until issue 4 lands).

use std::path::Path;

use super::Ctx;
use crate::error::{Error, Result};

/// Runs `chunks`.
pub fn run(_ctx: &Ctx, _file: &Path, _max_bytes: u64) -> Result<()> {
    Err(Error::Usage("chunks: not built yet".to_string()))
}
