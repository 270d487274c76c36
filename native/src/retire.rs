//! Freeing the version an atomic commit replaced, off the command's path.
//!
//! An atomic commit renames the new file over the old one; the old inode (its blocks and
//! cached pages) is freed when its last handle closes, and the [`crate::Document`] holds
//! that handle. On most file systems that is quick. On ext4 without a journal mounted with
//! `discard` (this project's VMs), the blocks are discarded *synchronously* in that close:
//! ~0.2 s per 256 MiB (`ext4_free_blocks` -> `blkdev_issue_discard`, seen in
//! `/proc/PID/stack`), after the edit is already durable. On a 20 GiB file that is 16 s of
//! waiting for nothing the user asked for.
//!
//! So a one-shot command ([`defer_until_exit`], which the CLI calls) keeps the replaced
//! handles ([`replaced`]) and, at its end, [`release`] hands them to a detached child
//! process that closes them once the command has exited. The edit is durable before that
//! (the commit fsynced the new file, renamed it and fsynced the directory); what is
//! deferred is only housekeeping. A long-running host (the MCP server) does not defer: the
//! handles would pile up until it exits.
//!
//! The child holds nothing else: it closes every other descriptor at once (the lock file
//! among them, so no lock outlives the command; stdout and stderr, so a caller that reads
//! the command's output to its end does not wait for it), waits for its parent to exit
//! (the end of a pipe), closes the old files and exits. If the fork fails, the files are
//! closed here, as before.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Replaced files smaller than this in total are closed in place: their free is quick and a
/// fork is not.
const MIN_DEFERRED: u64 = 32 * 1024 * 1024;

/// The most files one child holds (a command replaces one file, or a few); more are closed
/// in place.
const MAX_DEFERRED: usize = 16;

static DEFER: AtomicBool = AtomicBool::new(false);
static RETIRED: Mutex<Vec<File>> = Mutex::new(Vec::new());

/// From now on, [`replaced`] keeps the files it is given until [`release`]. For a process
/// that ends soon after its edits (the CLI); `BIGEDIT_FREE_INLINE=1` turns it off.
pub fn defer_until_exit() {
    let inline = std::env::var_os("BIGEDIT_FREE_INLINE").is_some_and(|v| v == "1");
    DEFER.store(!inline, Ordering::Relaxed);
}

/// Takes the last handle of a file that a commit replaced: closes it, or keeps it for
/// [`release`] when [`defer_until_exit`] was called.
pub fn replaced(file: File) {
    if DEFER.load(Ordering::Relaxed) {
        lock().push(file);
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<File>> {
    RETIRED.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Closes the files kept by [`replaced`]: in a detached child process that outlives this
/// one when they are large, else here. Call it at the end of the process, after every
/// document was dropped (so that no lock is held any more), from its only thread.
pub fn release() {
    let mut files = std::mem::take(&mut *lock());
    if files.len() > MAX_DEFERRED {
        drop(files.split_off(MAX_DEFERRED));
    }
    let size: u64 = files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum();
    if size < MIN_DEFERRED {
        return;
    }
    let mut ends = [-1; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    if unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return;
    }
    let [reader, writer] = ends;
    let mut keep = [-1; MAX_DEFERRED + 1];
    keep[0] = reader;
    for (slot, f) in keep[1..].iter_mut().zip(&files) {
        *slot = f.as_raw_fd();
    }
    let keep = &mut keep[..=files.len()];
    keep.sort_unstable();
    // SAFETY: the child calls only async-signal-safe functions (close_range, close, read,
    // _exit) on memory prepared before the fork, and never returns.
    match unsafe { libc::fork() } {
        0 => hold_then_close(reader, keep),
        pid => {
            // SAFETY: closing descriptors this function opened and owns.
            unsafe {
                libc::close(reader);
                if pid == -1 {
                    libc::close(writer);
                }
            }
            // Otherwise the write end stays open until this process exits: that is the
            // child's signal. The files are closed here either way (after a fork, quickly:
            // the child holds them).
        }
    }
}

/// The child of [`release`]: closes every descriptor but `keep` (sorted), waits for the end
/// of `reader` (the parent has exited), then exits, which closes the files. Calls only
/// async-signal-safe functions.
fn hold_then_close(reader: i32, keep: &[i32]) -> ! {
    let mut from: u32 = 0;
    for &fd in keep {
        let fd = fd.unsigned_abs();
        if fd > from {
            close_range(from, fd - 1);
        }
        from = fd + 1;
    }
    close_range(from, u32::MAX);
    let mut byte = 0u8;
    loop {
        // SAFETY: reads at most one byte into a local.
        let n = unsafe { libc::read(reader, std::ptr::addr_of_mut!(byte).cast(), 1) };
        // SAFETY: errno of this thread.
        if n == 0 || (n < 0 && unsafe { *libc::__errno_location() } != libc::EINTR) {
            break;
        }
    }
    // SAFETY: ends the child without running the parent's exit handlers or destructors.
    unsafe { libc::_exit(0) }
}

/// Closes descriptors `first..=last` (the system call itself, not glibc's wrapper, which
/// only glibc 2.34 and later have).
fn close_range(first: u32, last: u32) {
    // SAFETY: closes descriptors only; the child owns its copies.
    unsafe {
        if libc::syscall(libc::SYS_close_range, first, last, 0u32) != 0 {
            // Kernels before 5.9: one by one, up to a bound that covers what this CLI opens.
            for fd in first..=last.min(1023) {
                libc::close(fd as i32);
            }
        }
    }
}
