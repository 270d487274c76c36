//! A streamed atomic commit: the new document is written into the temporary file *while* the
//! pass that plans the edit is still reading the source, so a "find, then rewrite the file"
//! command costs about the longer of the two instead of their sum.
//!
//! Why: `md replace` on a 256 MiB document spent ~0.4-0.65 s scanning (the whole document
//! must be read: a later section with the same path makes the path ambiguous), then ~0.2 s
//! copying and ~0.6 s waiting for the copy's fsync, then ~0.25 s freeing the old inode
//! (strace, bench/compare.sh md): 1.7 s against 0.7 s for `cp` + `sync`. Copying behind the
//! scan, and starting the write-back of what is copied at once (`sync_file_range`), overlaps
//! the scan with both the copy and the disk, so the final fsync only waits for the last
//! steps.
//!
//! How: the planning pass runs on the calling thread and reports through a [`Feed`]:
//!
//! - [`Feed::settle`]`(w)`: the edit changes no source byte below `w`, other than by the
//!   splices of the last guess (a hint: it bounds how far the writer may copy ahead);
//! - [`Feed::guess`]`(patch)`: the splices the edit will probably be (the planner's answer
//!   if nothing later in the source changes it).
//!
//! A writer thread copies the source into the temporary file up to the watermark, splicing
//! in the guessed bytes, with `copy_file_range` in 8 MiB steps, and a flusher thread flushes
//! them to disk in steps meanwhile (`native/src/flush.rs`). When the pass ends,
//! its final [`Patch`] is checked against what was written: the output is kept up to the
//! first source offset where the guess and the patch differ (or where the writer had run
//! past the watermark into a splice it did not know), the temporary file is cut there, and
//! writing resumes from that point with the final patch. So correctness never rests on the
//! guess or the watermark, only the speed does. Then the usual seal: owner and mode, fsync,
//! rename over, fsync of the directory ([`crate::commit`]).
//!
//! Safety is the atomic commit's: the target is not touched before the rename; any error,
//! the planner's included (an "ambiguous path" found at the very end, say), stops the writer
//! and removes the temporary file, so the target stays byte-identical. The caller holds the
//! exclusive lock, as for every commit.
//!
//! Meant for patches of a few splices (section edits): inserts are written one `pwrite`
//! each. Many small splices are better served by [`crate::commit::commit`], which batches them.
//!
//! Measured (bench/compare.sh md, 256 MiB, 2 vCPUs, 2026-11-26): the scan alone (`md read`)
//! takes 0.22-0.24 s; the copy and its flushes, the real floor here, ~0.5 s; the writer
//! ends 0.45-0.53 s after the start, the last flush and the seal 0.05-0.2 s later. Without
//! the step flushes the seal's fsync alone took ~0.35 s after the scan. `md replace` is
//! 0.64 s against 0.56 s for `cp` + `sync` (1.15x); freeing the replaced version (~0.2 s
//! here, see [`crate::retire`]) comes after that, in a detached process.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use bigedit_core::{Patch, Splice};

use crate::commit::{refuse_links, seal, CommitStats, Strategy, TempFile};
use crate::error::{Error, Result};
use crate::flush::{self, Flusher, SyncFn, STEP};
use crate::lock::Handover;
use crate::target::Target;

/// The writer waits until the watermark is at least this far ahead (or the pass ends), so
/// it copies in large pieces.
const MIN_AHEAD: u64 = 4 * 1024 * 1024;

/// What the planning pass has told the writer.
#[derive(Debug)]
struct Plan {
    /// Source bytes below this are settled.
    watermark: u64,
    /// The watermark the waiting writer needs before it has work (`u64::MAX` while it is
    /// not waiting): [`Feed::settle`] wakes it only then. A pass settles every chunk of
    /// 64 KiB, and each wake-up is a system call, and a context switch if the writer waits.
    wake_at: u64,
    /// The splices expected (the final ones once `done`).
    splices: Vec<Splice>,
    /// Bumped by every new guess.
    version: u64,
    /// The pass is over: `splices` are final and the whole source is settled.
    done: bool,
}

impl Default for Plan {
    fn default() -> Self {
        Plan { watermark: 0, wake_at: u64::MAX, splices: Vec::new(), version: 0, done: false }
    }
}

/// The channel between the planning pass and the writer thread.
#[derive(Debug, Default)]
struct Shared {
    plan: Mutex<Plan>,
    wake: Condvar,
    /// Set when the commit is abandoned: the writer stops at its next step.
    cancel: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Plan> {
        // A poisoned lock only means the other side panicked; the plan is still consistent.
        self.plan.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn stop(&self) {
        self.cancel.store(true, Ordering::Relaxed);
        drop(self.lock());
        self.wake.notify_all();
    }
}

/// Stops the writer when dropped (only on unwinding: the normal path forgets it).
struct StopOnUnwind<'a>(&'a Shared);

impl Drop for StopOnUnwind<'_> {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// What a planning pass tells a streamed commit while it runs (see the module docs).
#[derive(Debug)]
pub struct Feed<'a> {
    shared: &'a Shared,
}

impl Feed<'_> {
    /// No source byte below `watermark` is changed by the edit, except by the splices of the
    /// last [`Feed::guess`]. A smaller value than before is allowed (the writer does not
    /// undo what it wrote; the final check does, if needed).
    pub fn settle(&self, watermark: u64) {
        let mut plan = self.shared.lock();
        plan.watermark = watermark;
        let wake = watermark >= plan.wake_at;
        drop(plan);
        if wake {
            self.shared.wake.notify_all();
        }
    }

    /// The edit will probably be `patch` (its source length may be that of the part read so
    /// far: only its splices count).
    pub fn guess(&self, patch: &Patch) {
        let mut plan = self.shared.lock();
        plan.splices = patch.splices().iter().map(|s| s.to_splice()).collect();
        plan.version += 1;
        drop(plan);
        self.shared.wake.notify_all();
    }
}

/// Runs `plan` with a feed that nobody reads: for targets that write only once the patch is
/// final (objects).
pub(crate) fn unfed<R>(plan: impl FnOnce(&Feed<'_>) -> R) -> R {
    let shared = Shared::default();
    plan(&Feed { shared: &shared })
}

/// What the writer thread did.
#[derive(Debug, Default, Clone, Copy)]
struct Written {
    bytes: u64,
    copied: u64,
    /// Output bytes written and then cut because the guess was wrong.
    discarded: u64,
}

/// The writer thread's state: the output is the source below `pos` with `applied` spliced in.
struct Writer<'f> {
    src: &'f File,
    src_len: u64,
    dst: &'f File,
    flusher: &'f Flusher,
    /// Source offset written up to.
    pos: u64,
    /// Output length.
    out: u64,
    /// The splices written, in order.
    applied: Vec<Splice>,
    /// The splices expected.
    splices: Vec<Splice>,
    version: u64,
    done: Written,
    buf: Vec<u8>,
}

impl<'f> Writer<'f> {
    fn new(src: &'f File, src_len: u64, dst: &'f File, flusher: &'f Flusher) -> Self {
        Writer {
            src,
            src_len,
            dst,
            flusher,
            pos: 0,
            out: 0,
            applied: Vec::new(),
            splices: Vec::new(),
            version: 0,
            done: Written::default(),
            buf: Vec::new(),
        }
    }

    /// Follows the feed until the pass is done (then writes everything) or cancelled.
    fn run(mut self, shared: &Shared) -> io::Result<Written> {
        loop {
            let (watermark, finished) = {
                let mut plan = shared.lock();
                loop {
                    if shared.cancel.load(Ordering::Relaxed) {
                        return Ok(self.done);
                    }
                    let fresh = plan.version != self.version;
                    let ahead = plan.watermark.min(self.src_len) >= self.pos + MIN_AHEAD;
                    if plan.done || fresh || ahead {
                        break;
                    }
                    plan.wake_at = self.pos + MIN_AHEAD;
                    plan =
                        shared.wake.wait(plan).unwrap_or_else(std::sync::PoisonError::into_inner);
                }
                plan.wake_at = u64::MAX;
                if plan.version != self.version {
                    let splices = plan.splices.clone();
                    self.version = plan.version;
                    drop(plan);
                    self.reconcile(splices)?;
                    continue;
                }
                (plan.watermark, plan.done)
            };
            let limit = if finished { self.src_len } else { watermark.min(self.src_len) };
            let more = self.write_to(limit)?;
            if finished && !more {
                return Ok(self.done);
            }
        }
    }

    /// Takes `splices` as the expected ones: keeps the output up to the first source offset
    /// where they differ from the splices written, and cuts the rest.
    fn reconcile(&mut self, splices: Vec<Splice>) -> io::Result<()> {
        let k = self.applied.iter().zip(&splices).take_while(|(a, b)| a == b).count();
        let mut valid = self.pos;
        if let Some(a) = self.applied.get(k) {
            valid = valid.min(a.range.start);
        }
        if let Some(s) = splices.get(k) {
            valid = valid.min(s.range.start);
        }
        if valid < self.pos || self.applied.len() > k {
            let shift: i128 = splices[..k]
                .iter()
                .map(|s| s.bytes.len() as i128 - (s.range.end - s.range.start) as i128)
                .sum();
            let out = u64::try_from(i128::from(valid) + shift).map_err(io::Error::other)?;
            self.done.discarded += self.out - out;
            self.dst.set_len(out)?;
            self.out = out;
            self.pos = valid;
            self.applied.truncate(k);
        }
        self.splices = splices;
        Ok(())
    }

    /// Writes the output for the source up to `limit` (and the splices that start there),
    /// at most one [`STEP`] of copying per call, so the caller looks at the feed between
    /// steps. Returns whether there is more to write below `limit`.
    fn write_to(&mut self, limit: u64) -> io::Result<bool> {
        loop {
            let next = self.splices.get(self.applied.len());
            match next {
                Some(s) if s.range.start == self.pos && s.range.start <= limit => {
                    let s = s.clone();
                    self.dst.write_all_at(&s.bytes, self.out)?;
                    self.out += s.bytes.len() as u64;
                    self.done.bytes += s.bytes.len() as u64;
                    self.pos = s.range.end;
                    self.applied.push(s);
                }
                Some(s) if s.range.start < self.pos => {
                    return Err(io::Error::other("internal: splices out of order"));
                }
                _ => {
                    let end = next.map_or(limit, |s| s.range.start.min(limit));
                    if end <= self.pos {
                        return Ok(false);
                    }
                    let n = (end - self.pos).min(STEP);
                    self.copy(n)?;
                    return Ok(true);
                }
            }
        }
    }

    /// Copies `n` source bytes at `pos` to the output's end, then starts their write-back
    /// and tells the [`Flusher`] (which flushes them in steps while the scan goes on).
    fn copy(&mut self, n: u64) -> io::Result<()> {
        let (start, out_start) = (self.pos, self.out);
        let mut left = n;
        while left > 0 {
            let (mut off_in, mut off_out) = (self.pos, self.out);
            let chunk = usize::try_from(left.min(1 << 30)).unwrap_or(1 << 30);
            let got = match rustix::fs::copy_file_range(
                self.src,
                Some(&mut off_in),
                self.dst,
                Some(&mut off_out),
                chunk,
            ) {
                Ok(0) => return Err(ended(start + n - left, start..start + n)),
                Ok(got) => got as u64,
                Err(e) if fallback(e) => self.copy_through_buffer(left.min(256 * 1024))?,
                Err(e) => return Err(e.into()),
            };
            self.pos += got;
            self.out += got;
            left -= got;
        }
        self.done.bytes += n;
        self.done.copied += n;
        if !self.flusher.wrote(self.dst, out_start, n) {
            return Err(flush::stopped());
        }
        Ok(())
    }

    /// `pread` + `pwrite` of up to `n` bytes, where the kernel cannot copy.
    fn copy_through_buffer(&mut self, n: u64) -> io::Result<u64> {
        self.buf.resize(usize::try_from(n).unwrap_or(usize::MAX), 0);
        let got = self.src.read_at(&mut self.buf, self.pos)?;
        if got == 0 {
            return Err(ended(self.pos, self.pos..self.pos + n));
        }
        self.dst.write_all_at(&self.buf[..got], self.out)?;
        Ok(got as u64)
    }
}

/// Whether `copy_file_range` cannot serve these two files (another file system, an old
/// kernel, a special file).
fn fallback(e: rustix::io::Errno) -> bool {
    use rustix::io::Errno;
    matches!(e, Errno::XDEV | Errno::NOSYS | Errno::INVAL | Errno::OPNOTSUPP | Errno::PERM)
}

fn ended(at: u64, range: std::ops::Range<u64>) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("source ended at byte {at} while copying {}..{}", range.start, range.end),
    )
}

/// Commits, atomically, the patch that `plan` returns, writing the new document while `plan`
/// runs (see the module docs). `src` is the open target, read by both `plan` and the writer.
/// An empty patch writes nothing and leaves the file as it is. Returns the patch and what
/// was written.
///
/// # Errors
///
/// `plan`'s error, or [`Error::Io`] naming the step that failed; the target then reads as
/// before and no temporary file is left.
pub fn commit_streamed(
    target: &Target,
    src: &File,
    plan: impl FnOnce(&Feed<'_>) -> Result<Patch>,
) -> Result<(Patch, CommitStats, Option<Handover>)> {
    commit_streamed_with(target, src, plan, File::sync_data)
}

/// [`commit_streamed`], flushing the temporary file with `flush` (tests make it fail).
fn commit_streamed_with(
    target: &Target,
    src: &File,
    plan: impl FnOnce(&Feed<'_>) -> Result<Patch>,
    flush: SyncFn,
) -> Result<(Patch, CommitStats, Option<Handover>)> {
    let st = rustix::fs::fstat(src).map_err(|e| target.io("stat", e.into()))?;
    refuse_links(target, &st)?;
    let src_len = st.st_size as u64;
    let tmp = TempFile::create(target)?;
    let shared = Shared::default();
    let flusher =
        Flusher::start_with(&tmp.file, flush).map_err(|e| Error::io(&tmp.path, "flush", e))?;
    let (planned, written) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| Writer::new(src, src_len, &tmp.file, &flusher).run(&shared));
        // If `plan` panics, the writer must still stop, or the scope would wait for it forever.
        let guard = StopOnUnwind(&shared);
        let planned = plan(&Feed { shared: &shared });
        std::mem::forget(guard);
        match &planned {
            Ok(patch) if !patch.is_empty() && patch.source_len() == src_len => {
                let mut p = shared.lock();
                p.splices = patch.splices().iter().map(|s| s.to_splice()).collect();
                p.version += 1;
                p.watermark = src_len;
                p.done = true;
                drop(p);
                shared.wake.notify_all();
            }
            _ => shared.stop(),
        }
        let written = writer.join().unwrap_or_else(|_| Err(io::Error::other("writer panicked")));
        (planned, written)
    });
    let patch = planned?;
    if patch.is_empty() {
        // Nothing to change: the temporary file goes, the target stays.
        let stats = CommitStats {
            bytes_written: 0,
            bytes_copied: 0,
            strategy: Strategy::Atomic,
            journaled: 0,
            carried: 0,
            parts: 0,
        };
        return Ok((patch, stats, None));
    }
    if patch.source_len() != src_len {
        return Err(target.io(
            "commit",
            io::Error::other(format!(
                "changed length while the edit ran ({} bytes planned, {src_len} bytes now; \
                 another process writes to it): retry; nothing was changed",
                patch.source_len()
            )),
        ));
    }
    let written = flush::check(&tmp.path, Some(flusher), written)?;
    let len = tmp.file.metadata().map_err(|e| Error::io(&tmp.path, "stat", e))?.len();
    if len != patch.len() {
        return Err(Error::io(
            &tmp.path,
            "write",
            io::Error::other(format!("wrote {len} bytes, expected {}", patch.len())),
        ));
    }
    let (carried, handover) = seal(target, src, tmp, &st, (src_len, len))?;
    let stats = CommitStats {
        bytes_written: written.bytes - written.discarded.min(written.bytes),
        bytes_copied: written.copied,
        strategy: Strategy::Atomic,
        journaled: 0,
        carried,
        parts: 0,
    };
    Ok((patch, stats, Some(handover)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commit::tests::leftovers;
    use std::fs;

    /// A file of `len` bytes that differ from their neighbours (so a misplaced copy shows).
    fn original(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    /// Runs a streamed commit of `fin` on a file holding `original`, where the pass guesses
    /// `guesses` (at the watermarks given) before answering; returns the new bytes.
    fn streamed(
        original: &[u8],
        steps: &[(u64, Option<&Patch>)],
        fin: std::result::Result<&Patch, &str>,
    ) -> (Vec<u8>, Result<(Patch, CommitStats)>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        fs::write(&path, original).unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let src = target.open_file().unwrap();
        let got = commit_streamed(&target, &src, |feed| {
            for (w, guess) in steps {
                if let Some(g) = guess {
                    feed.guess(g);
                }
                feed.settle(*w);
                // Let the writer run ahead.
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            fin.cloned().map_err(|m| Error::io(&path, "plan", io::Error::other(m.to_string())))
        })
        .map(|(patch, stats, _)| (patch, stats));
        assert!(leftovers(dir.path()).is_empty());
        (fs::read(&path).unwrap(), got)
    }

    fn patch(len: usize, splices: Vec<Splice>) -> Patch {
        Patch::new(len as u64, splices).unwrap()
    }

    #[test]
    fn the_final_patch_wins_whatever_was_guessed() {
        let len = 40 << 20;
        let src = original(len);
        let mid = (len / 2) as u64;
        let fin = patch(
            len,
            vec![
                Splice::new(mid..mid + 100, "new body"),
                Splice::new(len as u64..len as u64, "end"),
            ],
        );
        let want = fin.apply_to_vec(&src).unwrap();
        let same = fin.clone();
        let longer = patch(len, vec![Splice::new(mid..mid + 100, "a longer new body")]);
        let earlier = patch(len, vec![Splice::new(1000..1010, "x")]);
        let all = len as u64;
        let cases: Vec<Vec<(u64, Option<&Patch>)>> = vec![
            vec![],
            // Settled before the section, then the right guess and the rest.
            vec![(mid - 10, None), (mid, Some(&same)), (all, None)],
            // A wrong guess (another length), the writer far past it.
            vec![(mid, Some(&longer)), (all, None)],
            // A watermark past the final splice without any guess: the writer copied bytes
            // the patch replaces.
            vec![(all, None)],
            // A guess before the final splice, then none.
            vec![(mid, Some(&earlier)), (all, None)],
        ];
        for steps in cases {
            let (got, res) = streamed(&src, &steps, Ok(&fin));
            let (p, stats) = res.unwrap();
            assert_eq!(p, fin);
            assert!(
                got == want,
                "wrong bytes after {:?}",
                steps.iter().map(|s| s.0).collect::<Vec<_>>()
            );
            assert_eq!(stats.bytes_written, want.len() as u64);
        }
    }

    #[test]
    fn a_failed_flush_fails_the_commit_and_leaves_the_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let len = 3 * flush::FLUSH_EVERY as usize;
        let src_bytes = original(len);
        fs::write(&path, &src_bytes).unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let src = target.open_file().unwrap();
        let fin = patch(len, vec![Splice::new(10..20, "new")]);
        let failing: SyncFn = |_| Err(io::Error::from_raw_os_error(5));
        let got = commit_streamed_with(
            &target,
            &src,
            |feed| {
                // Settle everything in small steps, as a scan does, so the writer copies
                // past the flush threshold while the pass still runs.
                for w in (0..=len as u64).step_by(1 << 20) {
                    feed.settle(w);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                Ok(fin.clone())
            },
            failing,
        );
        let err = got.unwrap_err().to_string();
        assert!(err.contains("fsync") && err.contains("os error 5"), "{err}");
        assert!(fs::read(&path).unwrap() == src_bytes);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_panicking_plan_stops_the_writer_and_leaves_the_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let src_bytes = original(1 << 20);
        fs::write(&path, &src_bytes).unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let src = target.open_file().unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            commit_streamed(&target, &src, |feed| {
                feed.settle(1 << 19);
                panic!("planner bug")
            })
        }));
        assert!(caught.is_err());
        assert!(fs::read(&path).unwrap() == src_bytes);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn an_error_or_an_empty_patch_leaves_the_file_untouched() {
        let len = 20 << 20;
        let src = original(len);
        let guess = patch(len, vec![Splice::new(10..20, "guess")]);
        let all = len as u64;
        let (got, res) = streamed(&src, &[(all, Some(&guess))], Err("ambiguous path"));
        assert!(res.unwrap_err().to_string().contains("ambiguous path"));
        assert!(got == src);
        let empty = patch(len, vec![]);
        let (got, res) = streamed(&src, &[(all, Some(&guess))], Ok(&empty));
        assert_eq!(res.unwrap().1.bytes_written, 0);
        assert!(got == src);
        // A patch planned for another length is refused before the rename.
        let other = patch(len + 1, vec![Splice::new(0..1, "y")]);
        let (got, res) = streamed(&src, &[], Ok(&other));
        assert!(res.unwrap_err().to_string().contains("bytes planned"));
        assert!(got == src);
    }
}
