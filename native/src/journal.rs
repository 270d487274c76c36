//! The undo journal of in-place commits: `.NAME.bigedit-journal` beside the file holds the
//! original bytes of every region an in-place commit will overwrite.
//!
//! Protocol (as SQLite's rollback journal): the journal is written, fsynced, sealed by an
//! 8-byte marker written last and fsynced again, and its directory entry is made durable;
//! only then is the file touched. After the file's own fsync the journal is unlinked and the
//! directory synced. Whoever opens the file next (under the exclusive lock) and finds a
//! journal either discards it (no seal: the file was never touched) or rolls the file back to
//! exactly its old content (sealed: write every saved region back, truncate to the old length,
//! fsync, unlink). Rolling back is idempotent, so a crash during recovery is recovered again.
//!
//! Layout (little-endian): magic (16 bytes), seal (8), original length (8), inode (8),
//! region count (8), checksum of the 24 bytes from the original length plus the region table
//! (8), the table (offset, length per region), then the regions' bytes in table order.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Write};
use std::ops::Range;
use std::os::unix::fs::FileExt;

use bigedit_core::VersionHasher;
use rustix::fs::{openat, unlinkat, AtFlags, Mode, OFlags};

use crate::error::{Error, Result};
use crate::target::Target;

/// The suffix of the journal sidecar: `.NAME.bigedit-journal`.
pub const JOURNAL_SUFFIX: &str = "bigedit-journal";
const MAGIC: &[u8; 16] = b"bigedit-journal\n";
const SEAL: &[u8; 8] = b"SEALED\n\0";
const SEAL_AT: u64 = 16;
const HEADER: u64 = 56;
/// Copy buffer of journal writes and rollbacks.
const BUFFER: usize = 1 << 20;

/// A journal on disk, sealed and durable: the file may now be written.
#[derive(Debug)]
pub struct Journal {
    file: File,
    name: OsString,
    /// Where each region's saved bytes start in the journal.
    data: Vec<(Range<u64>, u64)>,
}

/// What opening a file found and did about an earlier interrupted in-place commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// A journal without its seal: the file had not been touched; the journal was removed.
    Discarded,
    /// A sealed journal: the file was rolled back to its content before the interrupted
    /// commit.
    RolledBack {
        /// Bytes written back.
        bytes: u64,
        /// The length the file was restored to.
        len: u64,
    },
}

impl Recovery {
    /// What recovery did, in words for a warning or an audit record.
    pub fn describe(&self) -> String {
        match self {
            Recovery::RolledBack { bytes, len } => format!(
                "rolled back an interrupted in-place commit ({bytes} bytes restored, {len} bytes long)"
            ),
            Recovery::Discarded => {
                "removed the journal of an in-place commit interrupted before it wrote".to_string()
            }
        }
    }
}

impl Journal {
    /// Saves `regions` of `file` (the target, `len` bytes, inode `ino`) into a new journal and
    /// makes it durable.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the step; the journal is removed again and the file untouched.
    pub fn write(
        target: &Target,
        file: &File,
        len: u64,
        ino: u64,
        regions: &[Range<u64>],
    ) -> Result<Journal> {
        let name = target.sidecar(JOURNAL_SUFFIX);
        let path = target.path_of(&name);
        let flags =
            OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = openat(target.dir(), &name, flags, Mode::from_raw_mode(0o600))
            .map_err(|e| Error::io(&path, "create journal", e.into()))?;
        let journal = File::from(fd);
        let written = (|| -> io::Result<Vec<(Range<u64>, u64)>> {
            let mut table = Vec::with_capacity(regions.len() * 16);
            for r in regions {
                table.extend_from_slice(&r.start.to_le_bytes());
                table.extend_from_slice(&(r.end - r.start).to_le_bytes());
            }
            let mut fields = Vec::with_capacity(24);
            fields.extend_from_slice(&len.to_le_bytes());
            fields.extend_from_slice(&ino.to_le_bytes());
            fields.extend_from_slice(&(regions.len() as u64).to_le_bytes());
            let mut out = io::BufWriter::with_capacity(BUFFER, &journal);
            out.write_all(MAGIC)?;
            out.write_all(&[0; 8])?;
            out.write_all(&fields)?;
            out.write_all(&checksum(&fields, &table).to_le_bytes())?;
            out.write_all(&table)?;
            let mut data = Vec::with_capacity(regions.len());
            let mut at = HEADER + table.len() as u64;
            let mut buf = Vec::new();
            for r in regions {
                data.push((r.clone(), at));
                copy_out(file, r.clone(), &mut out, &mut buf)?;
                at += r.end - r.start;
            }
            out.flush()?;
            Ok(data)
        })();
        let abort = |action: &str, e: io::Error| {
            let _ = unlinkat(target.dir(), &name, AtFlags::empty());
            Error::io(&path, action.to_string(), e)
        };
        let data = written.map_err(|e| abort("write journal", e))?;
        journal.sync_all().map_err(|e| abort("fsync journal", e))?;
        journal.write_all_at(SEAL, SEAL_AT).map_err(|e| abort("seal journal", e))?;
        journal.sync_all().map_err(|e| abort("fsync journal", e))?;
        if let Err(e) = target.sync_dir() {
            let _ = unlinkat(target.dir(), &name, AtFlags::empty());
            return Err(e);
        }
        Ok(Journal { file: journal, name, data })
    }

    /// The saved bytes of `region` (one of the regions it was written with) as a range of the
    /// journal file.
    pub fn saved(&self, region: &Range<u64>) -> Option<u64> {
        self.data.iter().find(|(r, _)| r == region).map(|(_, at)| *at)
    }

    /// The journal file (to read saved bytes from).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Removes the journal after the file's final fsync, durably: the commit point of an
    /// in-place commit.
    ///
    /// # Errors
    ///
    /// The unlink or directory fsync error.
    pub fn remove(self, target: &Target) -> Result<()> {
        unlinkat(target.dir(), &self.name, AtFlags::empty())
            .map_err(|e| Error::io(&target.path_of(&self.name), "remove journal", e.into()))?;
        target.sync_dir()
    }
}

/// Looks for a journal beside `target` and rolls the file back (or discards an unsealed
/// journal). The caller holds the exclusive lock.
///
/// # Errors
///
/// [`Error::Io`] if the journal cannot be read or applied, or belongs to a file that has
/// since been replaced (it is then left for a human to inspect).
pub fn recover(target: &Target) -> Result<Option<Recovery>> {
    let name = target.sidecar(JOURNAL_SUFFIX);
    let path = target.path_of(&name);
    let fd = match openat(target.dir(), &name, OFlags::RDONLY | OFlags::NOFOLLOW, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Ok(None),
        Err(e) => return Err(Error::io(&path, "open journal", e.into())),
    };
    let journal = File::from(fd);
    let io_err = |action: &str, e: io::Error| Error::io(&path, action.to_string(), e);
    let Some(header) = read_header(&journal).map_err(|e| io_err("read journal", e))? else {
        unlinkat(target.dir(), &name, AtFlags::empty())
            .map_err(|e| io_err("remove journal", e.into()))?;
        target.sync_dir()?;
        return Ok(Some(Recovery::Discarded));
    };
    let file = target.open_file_rw()?;
    let st = rustix::fs::fstat(&file).map_err(|e| target.io("stat", e.into()))?;
    if st.st_ino != header.ino {
        return Err(io_err(
            "roll back",
            io::Error::other(format!(
                "the journal belongs to inode {} but the file is now inode {}: it was replaced \
                 after an interrupted in-place commit; check it, then remove the journal",
                header.ino, st.st_ino
            )),
        ));
    }
    let mut buf = vec![0; BUFFER];
    let mut at = HEADER + 16 * header.regions.len() as u64;
    let mut bytes = 0;
    for r in &header.regions {
        let mut done = 0;
        while done < r.end - r.start {
            let n = buf.len().min((r.end - r.start - done) as usize);
            journal
                .read_exact_at(&mut buf[..n], at + done)
                .map_err(|e| io_err("read journal", e))?;
            file.write_all_at(&buf[..n], r.start + done).map_err(|e| target.io("roll back", e))?;
            done += n as u64;
        }
        at += done;
        bytes += done;
    }
    file.set_len(header.len).map_err(|e| target.io("truncate (roll back)", e))?;
    file.sync_all().map_err(|e| target.io("fsync (roll back)", e))?;
    unlinkat(target.dir(), &name, AtFlags::empty())
        .map_err(|e| io_err("remove journal", e.into()))?;
    target.sync_dir()?;
    Ok(Some(Recovery::RolledBack { bytes, len: header.len }))
}

struct Header {
    len: u64,
    ino: u64,
    regions: Vec<Range<u64>>,
}

/// The header of a sealed, intact journal; `None` if it is unsealed, short or damaged (then
/// the file was never written: the seal is set only once the journal is durable).
fn read_header(journal: &File) -> io::Result<Option<Header>> {
    let size = journal.metadata()?.len();
    if size < HEADER {
        return Ok(None);
    }
    let mut head = [0u8; HEADER as usize];
    journal.read_exact_at(&mut head, 0)?;
    let word = |i: usize| u64::from_le_bytes(head[i..i + 8].try_into().unwrap_or([0; 8]));
    if &head[..16] != MAGIC || &head[16..24] != SEAL {
        return Ok(None);
    }
    let (len, ino, count, sum) = (word(24), word(32), word(40), word(48));
    let table_len = count.checked_mul(16).filter(|t| HEADER + t <= size);
    let Some(table_len) = table_len else { return Ok(None) };
    let mut table = vec![0u8; table_len as usize];
    journal.read_exact_at(&mut table, HEADER)?;
    if checksum(&head[24..48], &table) != sum {
        return Ok(None);
    }
    let regions: Vec<Range<u64>> = table
        .chunks_exact(16)
        .map(|c| {
            let at = u64::from_le_bytes(c[..8].try_into().unwrap_or([0; 8]));
            let n = u64::from_le_bytes(c[8..].try_into().unwrap_or([0; 8]));
            at..at.saturating_add(n)
        })
        .collect();
    let data: u64 = regions.iter().map(|r| r.end - r.start).sum();
    if HEADER + table_len + data != size {
        return Ok(None);
    }
    Ok(Some(Header { len, ino, regions }))
}

fn checksum(fields: &[u8], table: &[u8]) -> u64 {
    let mut h = VersionHasher::new();
    h.update(fields);
    h.update(table);
    h.finish().0
}

/// Copies bytes `range` of `src` to `out` through `buf`.
fn copy_out(
    src: &File,
    range: Range<u64>,
    out: &mut impl Write,
    buf: &mut Vec<u8>,
) -> io::Result<()> {
    let mut at = range.start;
    buf.resize(BUFFER, 0);
    while at < range.end {
        let n = buf.len().min((range.end - at) as usize);
        src.read_exact_at(&mut buf[..n], at)?;
        out.write_all(&buf[..n])?;
        at += n as u64;
    }
    Ok(())
}
