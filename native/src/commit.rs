//! Atomic commit: the new document is streamed into a temporary file in the target's
//! directory, made durable, and renamed over the target; the directory is then synced.
//!
//! Untouched ranges are copied with `copy_file_range` where the platform has it (through
//! `std::io::copy`, which falls back to read/write when the kernel refuses). Small pieces are
//! gathered in one buffer so a patch of a million small splices costs few system calls.
//!
//! An error at any point leaves the target untouched and removes the temporary file.

use std::fs::{File, Permissions};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};

use bigedit_core::{Patch, Piece};

use crate::error::{Error, Result};

/// Pieces shorter than this are copied through the write buffer instead of the kernel.
const SMALL_COPY: u64 = 64 * 1024;
/// Size of the write buffer.
const WRITE_BUFFER: usize = 256 * 1024;

/// How a commit writes the new content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Strategy {
    /// Stream the new content into a temporary file beside the target and rename it over.
    #[default]
    Atomic,
    /// Write the changed bytes where they stand (or the tail from the first change when the
    /// length changes), under an undo journal.
    InPlace,
    /// In place when the patch keeps the length or the rewritten tail is under 1/8 of the
    /// file; atomic otherwise.
    Auto,
}

/// How [`Document::commit_with`](crate::Document::commit_with) commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitOptions {
    /// How the new content is written.
    pub strategy: Strategy,
    /// Keep the previous content as `FILE.bak`.
    pub backup: bool,
}

/// What a commit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitStats {
    /// Bytes in the new file.
    pub bytes_written: u64,
    /// Bytes copied from the old file by the kernel (`copy_file_range` or its fallback).
    pub bytes_copied: u64,
}

/// Streams `patch` applied to `src` (the open target) into a new file and atomically replaces
/// `path` with it, keeping the target's permission bits.
///
/// # Errors
///
/// [`Error::Io`] naming the step that failed; the target is then unchanged and no temporary
/// file is left behind.
pub fn commit_atomic(path: &Path, src: &File, patch: &Patch) -> Result<CommitStats> {
    let dir = parent_dir(path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".bigedit-tmp")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, "create temporary file", e))?;
    let tmp_path = tmp.path().to_path_buf();
    let io_err = |action: &str, e| Error::io(&tmp_path, action.to_string(), e);
    let stats = write_pieces(src, tmp.as_file(), patch).map_err(|e| io_err("write", e))?;
    let mode = src.metadata().map_err(|e| Error::io(path, "stat", e))?.permissions().mode();
    tmp.as_file()
        .set_permissions(Permissions::from_mode(mode & 0o7777))
        .map_err(|e| io_err("set permissions", e))?;
    tmp.as_file().sync_all().map_err(|e| io_err("fsync", e))?;
    tmp.persist(path).map_err(|e| Error::io(path, "rename temporary file over", e.error))?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(&dir, "fsync directory", e))?;
    Ok(stats)
}

/// The directory holding `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes the new document into `dst` (positioned at 0).
fn write_pieces(src: &File, dst: &File, patch: &Patch) -> io::Result<CommitStats> {
    let mut out = io::BufWriter::with_capacity(WRITE_BUFFER, dst);
    let mut stats = CommitStats { bytes_written: 0, bytes_copied: 0 };
    let mut small = Vec::new();
    for piece in patch.pieces() {
        stats.bytes_written += piece.len();
        match piece {
            Piece::Insert(bytes) => out.write_all(bytes)?,
            Piece::Copy(range) if range.end - range.start < SMALL_COPY => {
                small.resize((range.end - range.start) as usize, 0);
                src.read_exact_at(&mut small, range.start)?;
                out.write_all(&small)?;
            }
            Piece::Copy(range) => {
                out.flush()?;
                let len = range.end - range.start;
                let mut reader = src;
                reader.seek(SeekFrom::Start(range.start))?;
                let copied = io::copy(&mut io::Read::take(reader, len), out.get_mut())?;
                if copied != len {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "source ended at byte {} while copying {}..{}",
                            range.start + copied,
                            range.start,
                            range.end
                        ),
                    ));
                }
                stats.bytes_copied += len;
            }
        }
    }
    out.flush()?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bigedit_core::Splice;
    use std::fs;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".bigedit-tmp"))
            .collect()
    }

    #[test]
    fn commit_writes_the_patched_bytes_and_keeps_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        // Large enough that the middle copy goes through copy_file_range, not the buffer.
        let original: Vec<u8> =
            (0..300_000u32).flat_map(|i| format!("{i}\n").into_bytes()).collect();
        fs::write(&path, &original).unwrap();
        fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        let len = original.len() as u64;
        let patch = Patch::new(
            len,
            vec![
                Splice::new(0..2, "start"),
                Splice::new(len / 2..len / 2 + 10, ""),
                Splice::new(len..len, "end"),
            ],
        )
        .unwrap();
        let src = File::open(&path).unwrap();
        let stats = commit_atomic(&path, &src, &patch).unwrap();
        let expect = patch.apply_to_vec(&original).unwrap();
        assert_eq!(fs::read(&path).unwrap(), expect);
        assert_eq!(stats.bytes_written, expect.len() as u64);
        assert!(stats.bytes_copied > SMALL_COPY, "large ranges are copied by the kernel");
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o7777, 0o640);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_commit_leaves_the_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        fs::write(&path, vec![b'x'; 200_000]).unwrap();
        // A patch planned for a longer file: copying its tail hits the end of the source.
        let patch = Patch::new(400_000, vec![Splice::new(0..1, "y")]).unwrap();
        let src = File::open(&path).unwrap();
        let err = commit_atomic(&path, &src, &patch).unwrap_err();
        assert!(err.to_string().contains("write"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), vec![b'x'; 200_000]);
        assert!(leftovers(dir.path()).is_empty());
    }
}
