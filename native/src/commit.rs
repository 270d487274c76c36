//! Commits: writing a core [`Patch`] to the file, durably, with one of three strategies.
//!
//! - Atomic: the new document is streamed into a temporary file in the target's directory
//!   (untouched ranges copied with `copy_file_range` through `std::io::copy`, small pieces
//!   gathered in one buffer), given the old file's mode and owner, fsynced, and renamed over
//!   the target; the directory is then fsynced. Before the rename the target is untouched;
//!   after it, the new content is whole.
//! - In place: the bytes to be overwritten are saved in an undo [journal](crate::journal)
//!   first; then each splice of a length-keeping patch is written where it stands (O(edit)),
//!   or, when the length changes, the document is rewritten from its first changed byte
//!   (reading the old tail back from the journal, so no write can clobber bytes still to be
//!   read). Removing the journal after the file's fsync is the commit point.
//! - Auto: in place when the patch keeps every length or the rewritten tail is under 1/8 of
//!   the file (or the file has several hard links, which an atomic commit would split);
//!   atomic otherwise.
//!
//! All files are opened relative to the target's directory handle. An error at any point
//! leaves the target's old content (atomic: untouched; in place: rolled back at once, or at
//! the next open if rolling back fails too) and no temporary file.

use std::ffi::OsString;
use std::fs::{File, Permissions};
use std::io::{self, Seek, SeekFrom, Write};
use std::ops::Range;
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bigedit_core::{Patch, Piece, Version};
use rustix::fs::{openat, AtFlags, Mode, OFlags};

use crate::error::{Error, Result};
use crate::flush::{self, Flusher};
use crate::journal::Journal;
use crate::lock::Handover;
use crate::target::Target;

/// Pieces shorter than this are copied through the write buffer instead of the kernel.
const SMALL_COPY: u64 = 64 * 1024;
/// Size of the write buffer.
const WRITE_BUFFER: usize = 256 * 1024;
/// The most bytes others may append during a growing in-place commit (they are held in
/// memory while the tail is rewritten).
const MAX_HELD_APPENDS: u64 = 64 << 20;
/// The most source bytes one read fetches for a run of small copies.
const READ_WINDOW: u64 = 1024 * 1024;

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
    /// An object's new version: one PUT or a multipart upload, completed only over the
    /// version read (chosen for `s3://` documents, never on the command line).
    #[value(skip)]
    Object,
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
    /// The strategy used (never `Auto`).
    pub strategy: Strategy,
    /// Bytes saved in the undo journal (in-place commits).
    pub journaled: u64,
    /// Bytes other processes appended to the file while the edit ran, carried over after the
    /// edited content (see [`crate::growth`]).
    pub carried: u64,
    /// Parts of an object's upload (1 for one PUT; 0 for files). For an object,
    /// `bytes_written` counts the bytes uploaded and `bytes_copied` those the server copied.
    pub parts: u64,
}

impl Strategy {
    /// The name the CLI and the audit log use.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Atomic => "atomic",
            Strategy::InPlace => "in-place",
            Strategy::Auto => "auto",
            Strategy::Object => "object",
        }
    }

    /// The concrete strategy for `patch` on a file with `links` hard links.
    pub fn choose(self, patch: &Patch, links: u64) -> Strategy {
        match self {
            Strategy::Auto => {
                let len = patch.source_len();
                let tail = len - patch.first_changed().unwrap_or(len).min(len);
                if patch.keeps_len() || tail < len / 8 || links > 1 {
                    Strategy::InPlace
                } else {
                    Strategy::Atomic
                }
            }
            other => other,
        }
    }
}

/// Commits `patch` (planned over `src`, the open target) to `target` the way `opts` asks.
/// Returns what it did and, for an atomic commit, the new file's lock ([`Handover`]).
///
/// # Errors
///
/// [`Error::Io`] naming the step that failed and the system's error; the target then reads as
/// before and no temporary file is left.
pub fn commit(
    target: &Target,
    src: &File,
    patch: &Patch,
    opts: &CommitOptions,
) -> Result<(CommitStats, Option<Handover>)> {
    let st = rustix::fs::fstat(src).map_err(|e| target.io("stat", e.into()))?;
    let planned = patch.source_len();
    let len = st.st_size as u64;
    if len < planned {
        return Err(shrank(target, planned, len));
    }
    refuse_read_only(target, &st)?;
    let mut strategy = opts.strategy.choose(patch, st.st_nlink);
    // Another process writing the file: an atomic rename would send its later writes to the
    // replaced inode. A same-length edit goes in place; any other edit is refused.
    let writers = crate::growth::writers(&st);
    if !writers.is_empty() {
        if !patch.keeps_len() {
            return Err(open_for_writing(target, &writers));
        }
        strategy = Strategy::InPlace;
    }
    // A file that grew since the edit was planned is being appended to: an atomic commit
    // carries the appends over with no race at all, so Auto prefers it.
    if strategy == Strategy::InPlace
        && opts.strategy == Strategy::Auto
        && len > planned
        && !patch.keeps_len()
        && st.st_nlink == 1
    {
        strategy = Strategy::Atomic;
    }
    if strategy == Strategy::InPlace && len > planned && !patch.keeps_len() {
        return Err(appended_to(target, len - planned));
    }
    if strategy == Strategy::Atomic {
        refuse_links(target, &st)?;
    }
    if opts.backup {
        backup(target, src, strategy)?;
    }
    match strategy {
        Strategy::InPlace => Ok((commit_in_place(target, src, &st, patch)?, None)),
        _ => commit_atomic(target, src, &st, patch).map(|(stats, h)| (stats, Some(h))),
    }
}

/// One rule for every strategy: bigedit edits only a file this user may write (an atomic
/// commit could replace a read-only file through its directory, as `sed -i` does; an in-place
/// one could not open it). Root may write any file, in place too.
pub(crate) fn refuse_read_only(target: &Target, st: &rustix::fs::Stat) -> Result<()> {
    use rustix::fs::{accessat, Access};
    match accessat(target.dir(), target.name(), Access::WRITE_OK, AtFlags::EACCESS) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::ACCESS | rustix::io::Errno::ROFS | rustix::io::Errno::PERM) => {
            Err(target.io(
                "commit",
                io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "is not writable by you (mode {:04o}): bigedit edits only files you may \
                         write, whatever the commit strategy (chmod u+w it first); nothing was \
                         changed",
                        st.st_mode & 0o7777
                    ),
                ),
            ))
        }
        Err(e) => Err(target.io("check write permission", e.into())),
    }
}

/// The file is shorter than the edit was planned for.
pub(crate) fn shrank(target: &Target, planned: u64, now: u64) -> Error {
    target.io(
        "commit",
        io::Error::other(format!(
            "the file shrank from {planned} to {now} bytes since the edit was planned \
             (another process truncated or rewrote it); nothing was changed"
        )),
    )
}

/// The file grew before an in-place commit that changes its length touched it: a live log.
/// Moving its end in place races every later append (the one call that moves it cannot be
/// made conditional on the length), so such a commit is refused; the atomic strategy carries
/// appends over with no race.
fn appended_to(target: &Target, by: u64) -> Error {
    target.io(
        "commit",
        io::Error::other(format!(
            "is being appended to (it grew by {by} bytes while the edit ran): an in-place \
             commit that changes the length could lose an append; commit atomically \
             (--commit atomic), which carries appends over; nothing was changed"
        )),
    )
}

/// Another process holds the file open for writing and the edit changes its length.
pub(crate) fn open_for_writing(target: &Target, writers: &[crate::growth::Writer]) -> Error {
    target.io(
        "commit",
        io::Error::other(format!(
            "is open for writing by {}: an edit that changes the file's length would lose \
             or misplace its later writes; stop that process first (a same-length edit is \
             written in place, safely); nothing was changed",
            crate::growth::describe(writers)
        )),
    )
}

/// The atomic strategy: temporary file, fsync, rename over, fsync the directory.
fn commit_atomic(
    target: &Target,
    src: &File,
    st: &rustix::fs::Stat,
    patch: &Patch,
) -> Result<(CommitStats, Handover)> {
    let tmp = TempFile::create(target)?;
    let flusher =
        Flusher::for_len(&tmp.file, patch.len()).map_err(|e| Error::io(&tmp.path, "flush", e))?;
    let written = write_pieces(src, 0, &tmp.file, patch.pieces(), flusher.as_ref());
    let (bytes_written, bytes_copied) = flush::check(&tmp.path, flusher, written)?;
    let (carried, handover) = seal(target, src, tmp, st, (patch.source_len(), patch.len()))?;
    let stats = CommitStats {
        bytes_written,
        bytes_copied,
        strategy: Strategy::Atomic,
        journaled: 0,
        carried,
        parts: 0,
    };
    Ok((stats, handover))
}

/// Refuses an atomic commit to a file with several hard links (it would detach this name
/// from the others).
pub(crate) fn refuse_links(target: &Target, st: &rustix::fs::Stat) -> Result<()> {
    if st.st_nlink > 1 {
        return Err(target.io(
            "commit",
            io::Error::other(format!(
                "has {} hard links; an atomic commit would detach this name from the others \
                 (use --in-place to write through all of them)",
                st.st_nlink
            )),
        ));
    }
    Ok(())
}

/// Ends an atomic commit once the new content is whole in `tmp` (`written` bytes, made of the
/// first `planned` bytes of `src`; `st` is the state of `src`): carries over what other processes appended to
/// `src` meanwhile, gives the file the old one's owner, mode and extended attributes, fsyncs
/// it, checks the path still names `src`, renames it over the target, fsyncs the directory,
/// and carries over what still lands in the old inode. Returns the bytes carried and the new
/// file, locked exclusively before the rename (see [`crate::lock`]).
///
/// # Errors
///
/// [`Error::Io`] naming the step; before the rename the target is untouched.
pub(crate) fn seal(
    target: &Target,
    src: &File,
    tmp: TempFile<'_>,
    st: &rustix::fs::Stat,
    (planned, written): (u64, u64),
) -> Result<(u64, Handover)> {
    let io_err = |action: &str, e| Error::io(&tmp.path, action.to_string(), e);
    // Looked for again right before the rename (the held path looked when choosing the
    // strategy; the streamed paths have not looked at all).
    let writers = crate::growth::writers(st);
    if !writers.is_empty() {
        return Err(open_for_writing(target, &writers));
    }
    let carry = |from| {
        crate::growth::carry(src, from, &tmp.file, written + from - planned)
            .map_err(|e| target.io("carry appended bytes over", e))
    };
    let mut from = carry(planned)?;
    keep_owner(target, &tmp, st)?;
    tmp.file
        .set_permissions(Permissions::from_mode(st.st_mode & 0o7777))
        .map_err(|e| io_err("chmod", e))?;
    copy_xattrs(src, &tmp)?;
    // Appends during the fsync are carried and synced too, until a sync finds none.
    loop {
        tmp.file.sync_all().map_err(|e| io_err("fsync", e))?;
        let now = carry(from)?;
        if now == from {
            break;
        }
        from = now;
    }
    let here = rustix::fs::statat(target.dir(), target.name(), AtFlags::SYMLINK_NOFOLLOW)
        .map_err(|e| target.io("stat", e.into()))?;
    if (here.st_dev, here.st_ino) != (st.st_dev, st.st_ino) {
        return Err(target.io(
            "commit",
            io::Error::other(
                "was replaced by another file while the edit ran (another program saved it); \
                 nothing was changed",
            ),
        ));
    }
    // Whoever waits on the old inode moves on to this one once the rename is done: it must be
    // locked first, or another process could lock the new version while this commit drains.
    let handover = Handover::lock(&tmp.file).map_err(|e| io_err("lock", e))?;
    // Never falls back to copy + unlink: the temporary file is in the same directory, and any
    // rename error (EXDEV included) aborts the commit with the target untouched.
    let new = tmp.rename_over(target, target.name())?;
    target.sync_dir()?;
    // Descriptors opened on the old inode before the rename may still write to it.
    let (late, _) = crate::growth::drain(src, from, &new, crate::growth::DRAIN_WAIT)
        .map_err(|e| target.io("carry appended bytes over", e))?;
    Ok((from - planned + late, handover))
}

/// Gives the temporary file the old one's owner. Only root may give a file away: anyone else
/// committing atomically a file owned by another user would silently take it over, so that is
/// refused (an in-place commit keeps the owner).
fn keep_owner(target: &Target, tmp: &TempFile<'_>, st: &rustix::fs::Stat) -> Result<()> {
    // Owner first: chown clears set-id bits, which the mode then restores.
    match rustix::fs::fchown(
        &tmp.file,
        Some(rustix::fs::Uid::from_raw(st.st_uid)),
        Some(rustix::fs::Gid::from_raw(st.st_gid)),
    ) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::PERM) => {
            let mine =
                rustix::fs::fstat(&tmp.file).map_err(|e| Error::io(&tmp.path, "stat", e.into()))?;
            if mine.st_uid != st.st_uid {
                return Err(target.io(
                    "commit",
                    io::Error::new(
                        io::ErrorKind::PermissionDenied,
                        format!(
                            "is owned by user {} and an atomic commit would make it yours \
                             (user {}); use --commit in-place, which keeps the owner; nothing \
                             was changed",
                            st.st_uid, mine.st_uid
                        ),
                    ),
                ));
            }
            // Our own file with a group we are not in: keep the group we can give.
            Ok(())
        }
        Err(e) => Err(Error::io(&tmp.path, "chown", e.into())),
    }
}

/// Copies every extended attribute of `src` (ACLs, security labels, user attributes) to
/// `tmp`; refuses the commit when one cannot be copied, since the new file would silently
/// lose it.
fn copy_xattrs(src: &File, tmp: &TempFile<'_>) -> Result<()> {
    let fail =
        |action: &str, e: rustix::io::Errno| Error::io(&tmp.path, action.to_string(), e.into());
    let size = match rustix::fs::flistxattr_query(src) {
        Ok(n) => n,
        Err(rustix::io::Errno::NOTSUP) => return Ok(()),
        Err(e) => return Err(fail("list extended attributes", e)),
    };
    if size == 0 {
        return Ok(());
    }
    let mut names = vec![0u8; size];
    let n = rustix::fs::flistxattr(src, &mut names[..])
        .map_err(|e| fail("list extended attributes", e))?;
    for name in names[..n].split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(name);
        let len = rustix::fs::fgetxattr_query(src, name)
            .map_err(|e| fail("read extended attribute", e))?;
        let mut value = vec![0u8; len];
        let len = rustix::fs::fgetxattr(src, name, &mut value[..])
            .map_err(|e| fail("read extended attribute", e))?;
        rustix::fs::fsetxattr(&tmp.file, name, &value[..len], rustix::fs::XattrFlags::empty())
            .map_err(|e| {
                Error::io(
                    &tmp.path,
                    format!("copy extended attribute {}", name.to_string_lossy()),
                    e.into(),
                )
            })?;
    }
    Ok(())
}

/// The in-place strategy, guarded by the undo journal.
fn commit_in_place(
    target: &Target,
    src: &File,
    st: &rustix::fs::Stat,
    patch: &Patch,
) -> Result<CommitStats> {
    let file = target.open_file_rw()?;
    let same = rustix::fs::fstat(&file).map_err(|e| target.io("stat", e.into()))?;
    if (same.st_dev, same.st_ino) != (st.st_dev, st.st_ino) {
        return Err(target.io("commit", io::Error::other("the file was replaced while open")));
    }
    let old_len = patch.source_len();
    let first = patch.first_changed().unwrap_or(old_len);
    let regions: Vec<Range<u64>> = if patch.keeps_len() {
        patch.splices().iter().map(|s| s.range.clone()).filter(|r| !r.is_empty()).collect()
    } else {
        std::iter::once(first..old_len).collect()
    };
    let journal = Journal::write(target, src, old_len, st.st_ino, &regions)?;
    let journaled = regions.iter().map(|r| r.end - r.start).sum();
    // The length once more, right before the file is touched: the journal took a while.
    let now = match rustix::fs::fstat(&file) {
        Ok(now) => now.st_size as u64,
        Err(e) => {
            journal.remove(target)?;
            return Err(target.io("stat", e.into()));
        }
    };
    if now < old_len {
        journal.remove(target)?;
        return Err(shrank(target, old_len, now));
    }
    if now > old_len && !patch.keeps_len() {
        journal.remove(target)?;
        return Err(appended_to(target, now - old_len));
    }
    let mut carried = 0;
    let written = if patch.keeps_len() {
        // Appends land beyond every splice: nothing to carry.
        patch.splices().iter().try_for_each(|s| file.write_all_at(s.bytes, s.range.start)).map(
            |()| {
                let n = patch.splices().iter().map(|s| s.bytes.len() as u64).sum();
                (n, 0)
            },
        )
    } else {
        // The new document from `first` on, then what others appended; its copies read the
        // old tail from the journal. The end of the file moves in one call only, right after
        // a look at the length: a growing file is extended before it is written (appends then
        // land after the new end), a shrinking one is cut after the bytes appended meanwhile
        // are moved down to the new end.
        let base = journal.saved(&(first..old_len)).unwrap_or(0);
        (|| {
            let mut appended = Vec::new();
            if patch.len() > old_len {
                loop {
                    let end = rustix::fs::fstat(&file)?.st_size as u64;
                    if end < old_len {
                        return Err(io::Error::other(format!(
                            "the file shrank from {old_len} to {end} bytes while the edit ran"
                        )));
                    }
                    if end - old_len > MAX_HELD_APPENDS {
                        return Err(io::Error::other(format!(
                            "grew by {} bytes while the edit ran; an in-place commit holds at \
                             most {MAX_HELD_APPENDS} appended bytes: commit atomically",
                            end - old_len
                        )));
                    }
                    appended.resize((end - old_len) as usize, 0);
                    file.read_exact_at(&mut appended, old_len)?;
                    if rustix::fs::fstat(&file)?.st_size as u64 == end {
                        file.set_len(patch.len() + (end - old_len))?;
                        break;
                    }
                }
            }
            let mut out = &file;
            out.seek(SeekFrom::Start(first))?;
            let pieces = patch.pieces().filter_map(|p| match p {
                Piece::Copy(r) if r.end <= first => None,
                Piece::Copy(r) => {
                    Some(Piece::Copy(r.start.max(first) - first + base..r.end - first + base))
                }
                insert => Some(insert),
            });
            let written = write_pieces(journal.file(), 0, &file, pieces, None)?;
            if patch.len() > old_len {
                file.write_all_at(&appended, patch.len())?;
                carried = appended.len() as u64;
            } else {
                let end = crate::growth::carry(&file, old_len, &file, patch.len())?;
                carried = end - old_len;
                file.set_len(patch.len() + carried)?;
            }
            Ok(written)
        })()
    };
    let finished = written
        .map_err(|e| target.io("write in place", e))
        .and_then(|w| file.sync_all().map(|()| w).map_err(|e| target.io("fsync", e)));
    match finished {
        Ok((bytes_written, bytes_copied)) => {
            journal.remove(target)?;
            Ok(CommitStats {
                bytes_written,
                bytes_copied,
                strategy: Strategy::InPlace,
                journaled,
                carried,
                parts: 0,
            })
        }
        Err(e) => {
            // Put the old bytes back now; if that fails too, the journal stays for the next open.
            drop(journal);
            drop(file);
            match crate::journal::recover(target) {
                Ok(_) => Err(e),
                Err(again) => Err(Error::io(
                    target.shown(),
                    format!("{e}; rolling back failed too ({again}); the next open rolls back"),
                    io::Error::other("interrupted in-place commit"),
                )),
            }
        }
    }
}

/// Keeps the current content as `NAME.bak`: a hard link before an atomic commit (the old inode
/// is about to leave the name anyway), else a reflink or a copy into a temporary file renamed
/// to `NAME.bak`.
pub(crate) fn backup(target: &Target, src: &File, strategy: Strategy) -> Result<()> {
    let mut bak = target.name().to_os_string();
    bak.push(".bak");
    let mut tmp = TempFile::create(target)?;
    let linked = strategy == Strategy::Atomic && {
        // Link the old inode under a fresh temporary name, then rename it to NAME.bak so an
        // existing backup is replaced atomically.
        rustix::fs::unlinkat(target.dir(), &tmp.name, AtFlags::empty()).is_ok()
            && rustix::fs::linkat(
                target.dir(),
                target.name(),
                target.dir(),
                &tmp.name,
                AtFlags::empty(),
            )
            .is_ok()
    };
    if strategy == Strategy::Atomic && !linked {
        // The name was given up for the link: copy into a new temporary file instead (the
        // old one's drop removes its name if it still exists).
        tmp = TempFile::create(target)?;
    }
    if !linked {
        let copied = rustix::fs::ioctl_ficlone(&tmp.file, src).is_ok() || {
            let mut reader = src;
            reader
                .seek(SeekFrom::Start(0))
                .and_then(|_| io::copy(&mut reader, &mut &tmp.file))
                .is_ok()
        };
        if !copied {
            return Err(Error::io(&tmp.path, "copy for --backup", io::Error::last_os_error()));
        }
        // The copy has the file's mode, as the hard link of an atomic commit has.
        let mode = rustix::fs::fstat(src).map_err(|e| target.io("stat", e.into()))?.st_mode;
        tmp.file
            .set_permissions(Permissions::from_mode(mode & 0o7777))
            .map_err(|e| Error::io(&tmp.path, "chmod backup", e))?;
        tmp.file.sync_all().map_err(|e| Error::io(&tmp.path, "fsync backup", e))?;
    }
    tmp.rename_over(target, &bak)?;
    target.sync_dir()
}

/// A temporary file in the target's directory, removed on drop unless renamed.
pub(crate) struct TempFile<'t> {
    target: &'t Target,
    name: OsString,
    /// Its path, for error messages.
    pub(crate) path: PathBuf,
    /// The open file.
    pub(crate) file: File,
    armed: bool,
}

impl<'t> TempFile<'t> {
    /// Creates `.NAME.RANDOM.bigedit-tmp` (mode 0600, never through a symlink).
    pub(crate) fn create(target: &'t Target) -> Result<TempFile<'t>> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let flags =
            OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let mut last = None;
        for _ in 0..16 {
            let seed = format!(
                "{}-{}-{:?}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                std::time::SystemTime::now()
            );
            let name = target.sidecar(&format!("{}.bigedit-tmp", Version::of(seed.as_bytes())));
            match openat(target.dir(), &name, flags, Mode::from_raw_mode(0o600)) {
                Ok(fd) => {
                    let path = target.path_of(&name);
                    return Ok(TempFile { target, name, path, file: File::from(fd), armed: true });
                }
                Err(rustix::io::Errno::EXIST) => last = Some(rustix::io::Errno::EXIST),
                Err(e) => {
                    last = Some(e);
                    break;
                }
            }
        }
        let e = last.map_or_else(|| io::Error::other("no free name"), io::Error::from);
        Err(Error::io(target.real().parent().unwrap_or(Path::new(".")), "create temporary file", e))
    }

    /// Renames the temporary file to `name` in the same directory; returns it, open.
    fn rename_over(mut self, target: &Target, name: &std::ffi::OsStr) -> Result<File> {
        rustix::fs::renameat(target.dir(), &self.name, target.dir(), name).map_err(|e| {
            Error::io(&target.path_of(name), "rename temporary file over", e.into())
        })?;
        self.armed = false;
        self.file.try_clone().map_err(|e| Error::io(&target.path_of(name), "reopen", e))
    }
}

impl Drop for TempFile<'_> {
    fn drop(&mut self) {
        if self.armed {
            let _ = rustix::fs::unlinkat(self.target.dir(), &self.name, AtFlags::empty());
        }
    }
}

/// Writes `pieces` into `dst` at its current position; copies read `src` at their range
/// shifted back by `skip`. Returns the bytes written and the bytes the kernel copied.
/// With a `flusher`, large copies go in [`flush::STEP`]s and the flusher hears of every
/// step's bytes (it flushes them while the writing goes on).
///
/// A copy of [`SMALL_COPY`] bytes or more goes through the kernel (`copy_file_range`). A run
/// of smaller copies and the inserts between them (a million changed cells, say) is read with
/// one `pread` of the source span it covers (at most [`READ_WINDOW`] bytes, so the bytes read
/// but not copied are only those the patch replaces) and written through one buffer.
pub(crate) fn write_pieces<'a>(
    src: &File,
    skip: u64,
    dst: &File,
    pieces: impl Iterator<Item = Piece<'a>>,
    flusher: Option<&Flusher>,
) -> io::Result<(u64, u64)> {
    let mut out = io::BufWriter::with_capacity(WRITE_BUFFER, dst);
    let (mut written, mut copied) = (0, 0);
    // Where the output starts, and how much of it the flusher has heard of.
    let base = if flusher.is_some() { (&*dst).stream_position()? } else { 0 };
    let mut told = 0;
    let step = if flusher.is_some() { flush::STEP } else { u64::MAX };
    let mut window = Vec::new();
    let mut run: Vec<Piece<'a>> = Vec::new();
    let mut pieces = pieces.peekable();
    let small = |p: &Piece<'_>| matches!(p, Piece::Copy(r) if r.end - r.start < SMALL_COPY);
    while let Some(piece) = pieces.next() {
        if written - told >= flush::STEP {
            // Small pieces, through the buffer: most of these bytes are in the file.
            flush::tell(flusher, dst, base, &mut told, written)?;
        }
        written += piece.len();
        match piece {
            Piece::Insert(bytes) => out.write_all(bytes)?,
            Piece::Copy(range) if range.end - range.start < SMALL_COPY => {
                // Gather the run of small copies (and inserts) this window can serve.
                let start = range.start;
                let mut end = range.end;
                run.clear();
                run.push(Piece::Copy(range));
                while let Some(next) = pieces.next_if(|p| match p {
                    Piece::Insert(_) => true,
                    Piece::Copy(r) => small(p) && r.end - start <= READ_WINDOW,
                }) {
                    if let Piece::Copy(r) = &next {
                        end = r.end;
                    }
                    written += next.len();
                    run.push(next);
                }
                window.resize((end - start) as usize, 0);
                src.read_exact_at(&mut window, start - skip).map_err(|e| short(e, start..end))?;
                for p in &run {
                    match p {
                        Piece::Insert(bytes) => out.write_all(bytes)?,
                        Piece::Copy(r) => out.write_all(
                            &window[(r.start - start) as usize..(r.end - start) as usize],
                        )?,
                    }
                }
            }
            Piece::Copy(range) => {
                out.flush()?;
                // The output offset (from `base`) of the next byte copied.
                let mut at_out = written - (range.end - range.start);
                let mut at = range.start;
                while at < range.end {
                    let len = (range.end - at).min(step);
                    let mut reader = src;
                    reader.seek(SeekFrom::Start(at - skip))?;
                    let n = io::copy(&mut io::Read::take(reader, len), out.get_mut())?;
                    if n != len {
                        return Err(short(
                            io::Error::from(io::ErrorKind::UnexpectedEof),
                            at + n..range.end,
                        ));
                    }
                    at += len;
                    at_out += len;
                    flush::tell(flusher, dst, base, &mut told, at_out)?;
                }
                copied += range.end - range.start;
            }
        }
    }
    out.flush()?;
    Ok((written, copied))
}

/// Names the range being copied when the source ended before it.
fn short(e: io::Error, range: Range<u64>) -> io::Error {
    if e.kind() != io::ErrorKind::UnexpectedEof {
        return e;
    }
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!(
            "source ended before byte {} while copying {}..{}",
            range.end, range.start, range.end
        ),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bigedit_core::Splice;
    use std::fs;

    /// Temporary files and journals left in `dir` (a commit, failed or not, leaves none).
    pub(crate) fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".bigedit-tmp") || n.ends_with(".bigedit-journal"))
            .collect()
    }

    fn numbers() -> Vec<u8> {
        (0..300_000u32).flat_map(|i| format!("{i}\n").into_bytes()).collect()
    }

    #[test]
    fn pieces_written_with_a_flusher_are_the_same_and_a_failed_flush_stops_them() {
        let dir = tempfile::tempdir().unwrap();
        // 40 MiB, so that the flusher flushes (every 16 MiB) in the middle of the copies.
        let src_bytes: Vec<u8> = (0..40u32 << 20).map(|i| (i % 251) as u8).collect();
        let src_path = dir.path().join("src");
        fs::write(&src_path, &src_bytes).unwrap();
        let src = File::open(&src_path).unwrap();
        let len = src_bytes.len() as u64;
        let patch = Patch::new(
            len,
            vec![Splice::new(10..20, "ten"), Splice::new(30 << 20..(30 << 20) + 5, "mid")],
        )
        .unwrap();
        let want = patch.apply_to_vec(&src_bytes).unwrap();
        let failing: flush::SyncFn = |_| Err(io::Error::from_raw_os_error(5));
        for (sync, ok) in [(File::sync_data as flush::SyncFn, true), (failing, false)] {
            let dst_path = dir.path().join("dst");
            let dst = File::create(&dst_path).unwrap();
            let flusher = Flusher::start_with(&dst, sync).unwrap();
            let written = write_pieces(&src, 0, &dst, patch.pieces(), Some(&flusher));
            let got = flush::check(&dst_path, Some(flusher), written);
            if ok {
                assert_eq!(got.unwrap().0, want.len() as u64);
                assert!(fs::read(&dst_path).unwrap() == want);
            } else {
                let err = got.unwrap_err().to_string();
                assert!(err.contains("fsync") && err.contains("os error 5"), "{err}");
            }
        }
    }

    /// Commits `patch` to a file holding `original` with `opts`; returns the new bytes.
    fn commit_file(original: &[u8], patch: &Patch, opts: CommitOptions) -> (Vec<u8>, CommitStats) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        fs::write(&path, original).unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let src = target.open_file().unwrap();
        let (stats, _) = commit(&target, &src, patch, &opts).unwrap();
        assert!(leftovers(dir.path()).is_empty());
        (fs::read(&path).unwrap(), stats)
    }

    #[test]
    fn every_strategy_writes_the_patched_bytes() {
        let original = numbers();
        let len = original.len() as u64;
        let growing = Patch::new(
            len,
            vec![
                Splice::new(0..2, "start"),
                Splice::new(len / 2..len / 2 + 10, ""),
                Splice::new(len..len, "end"),
            ],
        )
        .unwrap();
        let same =
            Patch::new(len, vec![Splice::new(5..7, "ab"), Splice::new(len - 3..len - 1, "zz")])
                .unwrap();
        let tail =
            Patch::new(len, vec![Splice::new(len - 100..len - 90, "a much longer text")]).unwrap();
        for patch in [&growing, &same, &tail] {
            let want = patch.apply_to_vec(&original).unwrap();
            for strategy in [Strategy::Atomic, Strategy::InPlace, Strategy::Auto] {
                let opts = CommitOptions { strategy, backup: false };
                let (got, stats) = commit_file(&original, patch, opts);
                assert!(got == want, "{strategy:?} wrote the wrong bytes");
                assert!(stats.bytes_written <= want.len() as u64);
                if strategy == Strategy::Auto {
                    let in_place = patch.keeps_len() || patch.first_changed() > Some(len * 7 / 8);
                    assert_eq!(stats.strategy == Strategy::InPlace, in_place, "{stats:?}");
                }
            }
        }
        // Atomic streams the whole file, copying big ranges in the kernel.
        let (_, stats) = commit_file(&original, &growing, CommitOptions::default());
        assert!(stats.bytes_copied > SMALL_COPY);
        // In place writes only what changed.
        let opts = CommitOptions { strategy: Strategy::InPlace, backup: false };
        let (_, stats) = commit_file(&original, &same, opts);
        assert_eq!((stats.bytes_written, stats.journaled), (4, 4));
    }

    #[test]
    fn atomic_keeps_mode_and_refuses_hard_links_and_backup_keeps_the_old_bytes() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        fs::write(&path, "one\ntwo\n").unwrap();
        fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        let patch = Patch::new(8, vec![Splice::new(4..7, "TWO!")]).unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let opts = CommitOptions { strategy: Strategy::Atomic, backup: true };
        commit(&target, &target.open_file().unwrap(), &patch, &opts).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one\nTWO!\n");
        assert_eq!(fs::read(dir.path().join("f.txt.bak")).unwrap(), b"one\ntwo\n");
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o7777, 0o640);
        // A second name for the file: atomic refuses, in place writes through both names.
        fs::hard_link(&path, dir.path().join("g.txt")).unwrap();
        let patch = Patch::new(9, vec![Splice::new(0..3, "ONE")]).unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let src = target.open_file().unwrap();
        let err = commit(&target, &src, &patch, &CommitOptions::default()).unwrap_err();
        assert!(err.to_string().contains("2 hard links"), "{err}");
        let opts = CommitOptions { strategy: Strategy::InPlace, backup: true };
        commit(&target, &src, &patch, &opts).unwrap();
        assert_eq!(fs::read(dir.path().join("g.txt")).unwrap(), b"ONE\nTWO!\n");
        assert_eq!(fs::read(dir.path().join("f.txt.bak")).unwrap(), b"one\nTWO!\n");
        assert_eq!(fs::metadata(&path).unwrap().nlink(), 2);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_patch_for_another_length_is_refused_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        fs::write(&path, vec![b'x'; 200_000]).unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let src = target.open_file().unwrap();
        // A patch planned for a longer file is refused before anything is written.
        let patch = Patch::new(400_000, vec![Splice::new(0..1, "y")]).unwrap();
        let err = commit(&target, &src, &patch, &CommitOptions::default()).unwrap_err();
        assert!(err.to_string().contains("shrank from 400000 to 200000 bytes"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), vec![b'x'; 200_000]);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_sealed_journal_rolls_the_file_back_and_an_unsealed_one_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        let original = numbers();
        fs::write(&path, &original).unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let src = target.open_file().unwrap();
        let ino = rustix::fs::fstat(&src).unwrap().st_ino;
        let len = original.len() as u64;
        let journal = Journal::write(&target, &src, len, ino, &[10..20, 1000..len]).unwrap();
        // The crash: half the tail overwritten, the file truncated.
        let file = target.open_file_rw().unwrap();
        file.write_all_at(b"garbage", 12).unwrap();
        file.set_len(5000).unwrap();
        std::mem::forget(journal);
        let got = crate::journal::recover(&target).unwrap();
        assert_eq!(got, Some(crate::journal::Recovery::RolledBack { bytes: len - 990, len }));
        assert!(fs::read(&path).unwrap() == original);
        assert!(leftovers(dir.path()).is_empty());
        // A journal cut short before its seal: the file was never touched.
        let journal = Journal::write(&target, &src, len, ino, &[0..len / 2, len / 2..len]).unwrap();
        std::mem::forget(journal);
        let jpath = dir.path().join(".f.txt.bigedit-journal");
        let bytes = fs::read(&jpath).unwrap();
        fs::write(&jpath, &bytes[..bytes.len() / 2]).unwrap();
        assert_eq!(
            crate::journal::recover(&target).unwrap(),
            Some(crate::journal::Recovery::Discarded)
        );
        assert!(fs::read(&path).unwrap() == original);
        assert_eq!(crate::journal::recover(&target).unwrap(), None);
    }
}
