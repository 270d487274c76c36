//! Advisory locks on a sidecar file beside the target (`.NAME.bigedit-lock`): exclusive for
//! edits, shared for reads, acquired with a timeout and exponential backoff with jitter.
//!
//! The target itself cannot carry the lock: every atomic commit replaces its inode. The sidecar
//! is never deleted, since another process may hold or be waiting on it.

use std::fs::{File, TryLockError};
use std::io;
use std::time::{Duration, Instant};

use rustix::fs::{openat, Mode, OFlags};

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

/// A held lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
    waited: Duration,
}

impl FileLock {
    /// How long acquiring it took.
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

/// The suffix of the sidecar lock file: `.NAME.bigedit-lock`.
pub const LOCK_SUFFIX: &str = "bigedit-lock";

/// Locks `target`, waiting at most `timeout`. The sidecar is opened relative to the target's
/// directory handle, never through a path, and never follows a symlink.
///
/// Returns `Ok(None)` for a shared lock whose sidecar cannot be created (a read-only
/// directory): nobody can write there through bigedit either, so reading unlocked is safe.
///
/// # Errors
///
/// A timeout, naming the file and how long it waited; or the I/O error opening the sidecar
/// for an exclusive lock.
pub fn acquire(target: &Target, kind: LockKind, timeout: Duration) -> Result<Option<FileLock>> {
    let name = target.sidecar(LOCK_SUFFIX);
    let path = target.path_of(&name);
    let shown = target.shown();
    let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let file = match openat(target.dir(), &name, flags, Mode::from_raw_mode(0o644)) {
        Ok(fd) => File::from(fd),
        Err(_) if kind == LockKind::Shared => return Ok(None),
        Err(e) => return Err(Error::io(&path, "open lock file", e.into())),
    };
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        let attempt = match kind {
            LockKind::Shared => file.try_lock_shared(),
            LockKind::Exclusive => file.try_lock(),
        };
        match attempt {
            Ok(()) => return Ok(Some(FileLock { _file: file, waited: started.elapsed() })),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, "lock", e)),
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
    }
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
    fn exclusive_excludes_and_shared_shares() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        std::fs::write(&path, "x").unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let short = Duration::from_millis(120);
        let a = acquire(&target, LockKind::Shared, short).unwrap();
        let b = acquire(&target, LockKind::Shared, short).unwrap();
        assert!(a.is_some() && b.is_some());
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
        assert!(w.is_some());
        assert!(acquire(&target, LockKind::Shared, Duration::ZERO).is_err());
        drop(w);
        assert!(dir.path().join(".f.txt.bigedit-lock").exists(), "the sidecar is never deleted");
    }
}
