//! Advisory locks on the target itself: exclusive for edits, shared for reads, acquired with a
//! timeout and exponential backoff with jitter. Nothing is created beside the file.
//!
//! The lock is a `flock` on the target's own inode. An atomic commit renames a new inode over
//! the path, so a lock is only good while the path still names the inode it was taken on:
//! [`acquire`] checks that after every successful attempt and, when the path has moved on,
//! drops the lock and starts again on the new inode (the classic lock-then-verify loop). The
//! committer locks its new inode before renaming it into place ([`Handover`]), so
//! nobody can lock the new version before the commit is over.
//!
//! A killed holder frees its lock at once (the kernel drops it with the last descriptor).
//! Lock files that earlier builds left beside the target (`.NAME.bigedit-lock`) are ignored.
//!
//! ```
//! use bigedit::target::Target;
//! use bigedit::lock::{acquire, LockKind};
//! use std::time::Duration;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("app.log");
//! std::fs::write(&path, "one\n").unwrap();
//! let target = Target::resolve(&path, None).unwrap();
//! let held = acquire(&target, LockKind::Exclusive, Duration::from_secs(1)).unwrap();
//! assert!(acquire(&target, LockKind::Shared, Duration::ZERO).is_err());
//! drop(held);
//! assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing beside the file");
//! ```

use std::fs::{File, TryLockError};
use std::io;
use std::time::{Duration, Instant};

use rustix::fs::AtFlags;

use crate::error::{Error, Result};
use crate::target::Target;

/// The longest pause between two attempts.
pub const MAX_POLL: Duration = Duration::from_millis(50);

/// Shared (readers) or exclusive (writers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// Many readers at once; no writer.
    Shared,
    /// One writer; no reader.
    Exclusive,
}

/// A held lock on the inode the path named when it was taken; released when dropped (or when
/// the process dies).
#[derive(Debug)]
pub struct FileLock {
    file: File,
    kind: LockKind,
    waited: Duration,
}

impl FileLock {
    /// How long acquiring it took.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// Which kind it is.
    pub fn kind(&self) -> LockKind {
        self.kind
    }

    /// Moves the lock onto the new inode an atomic commit renamed over the path (the old
    /// inode's lock is released). The lock is exclusive from then on.
    pub fn take_over(&mut self, new: Handover) {
        self.file = new.0;
        self.kind = LockKind::Exclusive;
    }
}

/// The new inode of an atomic commit, locked exclusively before it was renamed over the path,
/// so that nobody could lock the new version before the commit was over. Dropping it releases
/// the lock; [`FileLock::take_over`] keeps it.
#[derive(Debug)]
pub struct Handover(File);

impl Handover {
    /// Locks `file`, the temporary file about to be renamed over the target. It is fresh, so
    /// the lock is granted at once.
    ///
    /// # Errors
    ///
    /// The `flock` error, or "locked by another process" should someone have found it.
    pub(crate) fn lock(file: &File) -> io::Result<Handover> {
        let file = file.try_clone()?;
        file.try_lock().map_err(|e| match e {
            TryLockError::WouldBlock => {
                io::Error::other("the temporary file is locked by another process")
            }
            TryLockError::Error(e) => e,
        })?;
        Ok(Handover(file))
    }
}

/// Locks `target`, waiting at most `timeout` in all. The file is opened relative to the
/// target's directory handle, never through a symlink; nothing is created.
///
/// # Errors
///
/// A timeout, naming the file and how long it waited; the error opening the file (missing,
/// not a regular file); or the `flock` error.
pub fn acquire(target: &Target, kind: LockKind, timeout: Duration) -> Result<FileLock> {
    let shown = target.shown();
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let mut file = target.open_file()?;
    loop {
        match try_lock(&file, kind) {
            Ok(()) => {
                if names(target, &file)? {
                    return Ok(FileLock { file, kind, waited: started.elapsed() });
                }
                // Replaced while we waited (an atomic commit): lock the new inode instead.
                file = target.open_file()?;
                continue;
            }
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(Error::io(shown, "lock", e)),
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(Error::io(
                shown,
                "lock",
                io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "another process holds the lock; gave up after {:.1} s",
                        waited.as_secs_f64()
                    ),
                ),
            ));
        }
        std::thread::sleep(jitter(pause).min(timeout - waited));
        pause = (pause * 2).min(MAX_POLL);
        // The holder may have replaced the file: wait on what the path names now.
        if !names(target, &file)? {
            file = target.open_file()?;
        }
    }
}

fn try_lock(file: &File, kind: LockKind) -> std::result::Result<(), TryLockError> {
    match kind {
        LockKind::Shared => file.try_lock_shared(),
        LockKind::Exclusive => file.try_lock(),
    }
}

/// Whether the target's path still names the inode `file` is open on.
fn names(target: &Target, file: &File) -> Result<bool> {
    let held = rustix::fs::fstat(file).map_err(|e| target.io("stat", e.into()))?;
    let here = rustix::fs::statat(target.dir(), target.name(), AtFlags::SYMLINK_NOFOLLOW)
        .map_err(|e| target.io("stat", e.into()))?;
    Ok((held.st_dev, held.st_ino) == (here.st_dev, here.st_ino))
}

/// `d` scaled by a factor in [0.5, 1.5), from the clock's low bits and the process id, so
/// waiting processes do not retry in lockstep.
fn jitter(d: Duration) -> Duration {
    let nanos = Instant::now().elapsed().as_nanos() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |t| t.subsec_nanos() as u64)
        ^ u64::from(std::process::id()).rotate_left(17);
    let r = bigedit_core::Version::of(&nanos.to_le_bytes()).0 % 1000;
    d.mul_f64(0.5 + r as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_and_shared_shares_and_nothing_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        std::fs::write(&path, "x").unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let short = Duration::from_millis(120);
        let a = acquire(&target, LockKind::Shared, short).unwrap();
        let b = acquire(&target, LockKind::Shared, short).unwrap();
        let started = Instant::now();
        let err = acquire(&target, LockKind::Exclusive, short).unwrap_err().to_string();
        let waited = started.elapsed();
        assert!(err.contains("f.txt") && err.contains("gave up after"), "{err}");
        assert!(
            waited >= short && waited < short + 2 * MAX_POLL + Duration::from_millis(50),
            "{waited:?}"
        );
        drop((a, b));
        let w = acquire(&target, LockKind::Exclusive, short).unwrap();
        assert!(acquire(&target, LockKind::Shared, Duration::ZERO).is_err());
        drop(w);
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["f.txt"]);
    }

    #[test]
    fn a_waiter_follows_a_replacement_and_the_new_inode_is_locked_before_the_rename() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        std::fs::write(&path, "old").unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let mut held = acquire(&target, LockKind::Exclusive, Duration::ZERO).unwrap();
        // A reader waits on the old inode while the commit runs.
        let waiter = std::thread::spawn({
            let path = path.clone();
            move || {
                let target = Target::resolve(&path, None).unwrap();
                let lock = acquire(&target, LockKind::Shared, Duration::from_secs(5)).unwrap();
                let held = rustix::fs::fstat(&lock.file).unwrap().st_ino;
                (
                    held,
                    std::fs::metadata(&path)
                        .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
                        .unwrap(),
                )
            }
        });
        std::thread::sleep(Duration::from_millis(50));
        // What an atomic commit does: lock the new inode, rename it over, release the old.
        let tmp = dir.path().join(".f.txt.tmp");
        std::fs::write(&tmp, "new").unwrap();
        let handover = Handover::lock(&File::open(&tmp).unwrap()).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        held.take_over(handover);
        // The old inode is free, the new one is held: the reader waits on the new one.
        std::thread::sleep(Duration::from_millis(100));
        assert!(!waiter.is_finished(), "the reader got in before the commit ended");
        assert!(acquire(&target, LockKind::Shared, Duration::ZERO).is_err());
        drop(held);
        let (held, now) = waiter.join().unwrap();
        assert_eq!(held, now, "the waiter locked the inode the path names");
    }
}
