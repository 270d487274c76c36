//! A commit fed in parts: the planning pass hands over its splices as it settles them
//! ([`Drain`](bigedit_core::Drain)), so an edit of every row of a 100-million-row CSV never
//! holds its whole patch (16 bytes a splice: 1.6 GB).
//!
//! Parts are held while they are small: an edit whose patch stays under [`HOLD_BYTES`] is
//! committed whole by [`crate::commit::commit`], exactly as if it had been planned first
//! (`--commit auto` may write it in place, the line index is shifted). Once the held patch
//! grows past that, the commit turns into a stream: the temporary file is created, the held
//! parts are written into it, and every later part is written as it arrives (unchanged runs
//! of 64 KiB or more are copied by the kernel). When the pass ends, the rest of the source is
//! copied and the file sealed as every atomic commit is: owner and mode, fsync, rename over,
//! fsync of the directory. Memory stays at [`HOLD_BYTES`] plus one chunk's splices.
//!
//! An in-place commit needs every change before it writes anything (its undo journal lists
//! them), so `--commit in-place` on an edit that outgrows the hold is refused before the
//! target is touched. Any error, the planner's or a late one from the caller's check (a
//! skipped row under `--strict`), drops the temporary file: the target stays byte-identical.

use std::fs::File;
use std::io;
use std::ops::Range;

use bigedit_core::{Patch, Piece, Tally};

use crate::commit::{self, refuse_links, seal, CommitOptions, CommitStats, Strategy, TempFile};
use crate::error::{Error, Result};
use crate::flush::{self, Flusher};
use crate::lock::Handover;
use crate::target::Target;

/// A patch that grows past this many bytes of memory is written as it is planned instead of
/// held: 4 MiB, about 260,000 splices.
pub const HOLD_BYTES: usize = 4 << 20;

/// The hold in use: [`HOLD_BYTES`], or `BIGEDIT_HOLD_BYTES` from the environment (a smaller
/// hold trades `--commit auto`'s in-place writes for less memory; the fault tests set a tiny
/// one to stream small edits).
pub fn hold_bytes() -> usize {
    std::env::var("BIGEDIT_HOLD_BYTES").ok().and_then(|v| v.parse().ok()).unwrap_or(HOLD_BYTES)
}

/// How many changed ranges a streamed commit keeps for the audit log.
const FIRST_RANGES: usize = crate::audit::AUDIT_RANGES;

/// How a commit fed in parts ended.
#[derive(Debug)]
pub enum Committed {
    /// The whole patch stayed small: it is here, not yet committed (commit it as usual).
    Held(Patch),
    /// The patch was written as it came and the target replaced (with the new file's lock).
    Streamed(Streamed, Handover),
}

/// What a streamed commit wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Streamed {
    /// Splices written.
    pub changes: usize,
    /// The first changed source ranges (at most the audit log's count).
    pub first_ranges: Vec<Range<u64>>,
    /// Length of the new file.
    pub len: u64,
    /// What the writer did.
    pub stats: CommitStats,
}

/// The open output of a streamed commit.
struct Output<'t> {
    tmp: TempFile<'t>,
    /// Flushes the temporary file while parts arrive (`None` for a file under one step, or
    /// once stopped).
    flusher: Option<Flusher>,
    /// Source offset the output accounts for.
    pos: u64,
    written: u64,
    copied: u64,
}

impl Output<'_> {
    fn flusher(&self) -> Option<&Flusher> {
        self.flusher.as_ref()
    }

    /// The result of a write: on failure, the flush's error if a flush failed first.
    fn checked<T>(&mut self, written: io::Result<T>) -> Result<T> {
        match written {
            Ok(v) => Ok(v),
            Err(e) => flush::check(&self.tmp.path, self.flusher.take(), Err(e)),
        }
    }
}

/// Takes the parts of a patch over `src` (the open target) in order and commits them (see
/// the module docs). The caller holds the exclusive lock.
pub struct PartWriter<'t> {
    target: &'t Target,
    src: &'t File,
    st: rustix::fs::Stat,
    opts: CommitOptions,
    held: Patch,
    hold: usize,
    out: Option<Output<'t>>,
    /// The parts streamed.
    tally: Tally,
}

impl<'t> PartWriter<'t> {
    /// A writer for a patch planned over `src`, committed the way `opts` asks.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `src` cannot be examined.
    pub fn new(target: &'t Target, src: &'t File, opts: &CommitOptions) -> Result<PartWriter<'t>> {
        let st = rustix::fs::fstat(src).map_err(|e| target.io("stat", e.into()))?;
        Ok(PartWriter {
            target,
            src,
            st,
            opts: *opts,
            held: Patch::identity(st.st_size as u64),
            hold: hold_bytes(),
            out: None,
            tally: Tally::new(FIRST_RANGES),
        })
    }

    /// The same writer holding at most `hold` bytes of patch.
    #[cfg(test)]
    fn with_hold(mut self, hold: usize) -> Self {
        self.hold = hold;
        self
    }

    /// Takes the next part: holds it, or writes it once the patch has outgrown the hold.
    ///
    /// # Errors
    ///
    /// A part out of order (a bug in the pass), a refused `--commit in-place`, or
    /// [`Error::Io`] writing the temporary file.
    pub fn part(&mut self, part: Patch) -> Result<()> {
        if part.is_empty() {
            return Ok(());
        }
        if self.out.is_none() {
            self.held.append(part).map_err(|e| bug(self.target, e))?;
            if self.held.heap_bytes() <= self.hold {
                return Ok(());
            }
            self.start()?;
            let held = std::mem::replace(&mut self.held, Patch::identity(0));
            return self.write(&held);
        }
        self.write(&part)
    }

    /// Ends the patch with its last part: returns the whole patch if it stayed held, or
    /// copies the rest of the source and seals the streamed commit.
    ///
    /// # Errors
    ///
    /// As [`PartWriter::part`], and [`Error::Io`] naming the step of the seal that failed.
    pub fn finish(mut self, last: Patch) -> Result<Committed> {
        self.part(last)?;
        let Some(mut out) = self.out.take() else { return Ok(Committed::Held(self.held)) };
        let len = self.st.st_size as u64;
        if out.pos < len {
            let tail = [Piece::Copy(out.pos..len)];
            let written =
                commit::write_pieces(self.src, 0, &out.tmp.file, tail.into_iter(), out.flusher());
            let (w, c) = out.checked(written)?;
            out.written += w;
            out.copied += c;
        }
        flush::check(&out.tmp.path, out.flusher.take(), Ok(()))?;
        if self.opts.backup {
            commit::backup(self.target, self.src, Strategy::Atomic)?;
        }
        let (carried, handover) =
            seal(self.target, self.src, out.tmp, &self.st, (len, out.written))?;
        let stats = CommitStats {
            bytes_written: out.written,
            bytes_copied: out.copied,
            strategy: Strategy::Atomic,
            journaled: 0,
            carried,
            parts: 0,
        };
        Ok(Committed::Streamed(
            Streamed {
                changes: self.tally.changes,
                len: self.tally.len_after(len) + carried,
                first_ranges: self.tally.first_ranges,
                stats,
            },
            handover,
        ))
    }

    /// Turns the commit into a stream: checks the strategy allows it, creates the temporary
    /// file.
    fn start(&mut self) -> Result<()> {
        if self.opts.strategy == Strategy::InPlace {
            return Err(self.target.io(
                "commit",
                io::Error::other(format!(
                    "this edit changes more places than an in-place commit can journal in \
                     memory ({} KiB of changes); commit it atomically (--commit atomic)",
                    self.hold >> 10
                )),
            ));
        }
        refuse_links(self.target, &self.st)?;
        let tmp = TempFile::create(self.target)?;
        // Sized by the source: a streamed edit changes many small places, so its output is
        // about as long.
        let flusher = Flusher::for_len(&tmp.file, self.st.st_size as u64)
            .map_err(|e| Error::io(&tmp.path, "flush", e))?;
        self.out = Some(Output { tmp, flusher, pos: 0, written: 0, copied: 0 });
        Ok(())
    }

    /// Writes `part` into the open output.
    fn write(&mut self, part: &Patch) -> Result<()> {
        let Some(out) = self.out.as_mut() else { return Ok(()) };
        let pieces = part.pieces_from(out.pos).map_err(|e| bug(self.target, e))?;
        let written = commit::write_pieces(self.src, 0, &out.tmp.file, pieces, out.flusher());
        let (w, c) = out.checked(written)?;
        out.written += w;
        out.copied += c;
        out.pos = part.splices().last().map_or(out.pos, |s| s.range.end);
        self.tally.add(part);
        Ok(())
    }
}

/// A part out of order: the pass broke the [`Drain`](bigedit_core::Drain) contract.
fn bug(target: &Target, e: bigedit_core::EditError) -> Error {
    target.io("commit", io::Error::other(format!("a part of the edit is out of order: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commit::tests::leftovers;
    use bigedit_core::Splice;
    use std::fs;

    /// Lines `0000 text` to `NNNN text`, and the same with every `text` made `TEXT`.
    fn lines(n: usize) -> (String, String) {
        let old: String = (0..n).map(|i| format!("{i:04} text\n")).collect();
        (old.clone(), old.replace("text", "TEXT"))
    }

    /// The parts of the every-line replacement, four lines to a part, one splice a line.
    fn parts(n: usize) -> Vec<Patch> {
        let len = (n * 10) as u64;
        let splices: Vec<Splice> =
            (0..n as u64).map(|i| Splice::new(i * 10 + 5..i * 10 + 9, "TEXT")).collect();
        splices.chunks(4).map(|c| Patch::new(len, c.to_vec()).unwrap()).collect()
    }

    #[test]
    fn a_patch_past_the_hold_is_streamed_and_a_small_one_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        let (old, new) = lines(1000);
        for (hold, streamed) in [(usize::MAX, false), (256, true)] {
            fs::write(&path, &old).unwrap();
            let target = Target::resolve(&path, None).unwrap();
            let src = File::open(&path).unwrap();
            let mut w =
                PartWriter::new(&target, &src, &CommitOptions::default()).unwrap().with_hold(hold);
            let mut all = parts(1000);
            let last = all.pop().unwrap();
            for p in all {
                w.part(p).unwrap();
            }
            match w.finish(last).unwrap() {
                Committed::Held(patch) => {
                    assert!(!streamed);
                    assert_eq!(patch.apply_to_vec(old.as_bytes()).unwrap(), new.as_bytes());
                    assert_eq!(fs::read_to_string(&path).unwrap(), old, "held: not yet written");
                }
                Committed::Streamed(s, _) => {
                    assert!(streamed);
                    assert_eq!(fs::read_to_string(&path).unwrap(), new);
                    assert_eq!((s.changes, s.len), (1000, new.len() as u64));
                    assert_eq!(s.first_ranges.len(), FIRST_RANGES);
                    assert_eq!(s.first_ranges[1], 15..19);
                    assert_eq!(s.stats.bytes_written, new.len() as u64);
                }
            }
            assert!(leftovers(dir.path()).is_empty());
        }
    }

    #[test]
    fn in_place_past_the_hold_and_parts_out_of_order_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        let (old, _) = lines(1000);
        fs::write(&path, &old).unwrap();
        let target = Target::resolve(&path, None).unwrap();
        let src = File::open(&path).unwrap();
        let in_place = CommitOptions { strategy: Strategy::InPlace, backup: false };
        let mut w = PartWriter::new(&target, &src, &in_place).unwrap().with_hold(256);
        let err = parts(1000).into_iter().try_for_each(|p| w.part(p)).unwrap_err();
        assert!(err.to_string().contains("--commit atomic"), "{err}");
        drop(w);
        // Streaming, then a part that goes back: the temporary file is dropped.
        let mut w =
            PartWriter::new(&target, &src, &CommitOptions::default()).unwrap().with_hold(256);
        let mut all = parts(1000);
        let early = all.remove(0);
        for p in all.drain(..100) {
            w.part(p).unwrap();
        }
        assert_eq!(leftovers(dir.path()).len(), 1, "streaming into a temporary file");
        assert!(w.part(early).unwrap_err().to_string().contains("out of order"));
        drop(w);
        assert_eq!(fs::read_to_string(&path).unwrap(), old);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_refused_report_leaves_the_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        let old = "id,n\n1,a\n2,b,EXTRA\n3,c\n";
        fs::write(&path, old).unwrap();
        let mut doc = crate::Document::open(&path, &crate::OpenOptions::default()).unwrap();
        let d = bigedit_core::csv::Dialect::default();
        let header = bigedit_core::csv::Header::read(doc.source(), &d, &mut doc.chunker()).unwrap();
        let pass = bigedit_core::csv::RemoveColumn::new(&header, &d, "n", doc.len()).unwrap();
        let err = doc
            .commit_drained(pass, &CommitOptions::default(), |report| {
                assert_eq!(report.skipped_count, 1);
                Err(Error::Usage("refused".into()))
            })
            .unwrap_err();
        assert_eq!(err.to_string(), "refused");
        assert_eq!(fs::read_to_string(&path).unwrap(), old);
        assert!(leftovers(dir.path()).is_empty());
    }
}
