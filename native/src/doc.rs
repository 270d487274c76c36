//! [`Document`]: one file opened for bigedit, with its line index (cached, built in parallel,
//! or shifted after a commit) and an atomic commit of a core [`Patch`].

use std::io::{self, Write};
use std::ops::Range;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bigedit_core::{
    Chunker, Drain, Flow, LineIndex, LineIndexBuilder, Pass, Patch, Planned, ReadAt, Tally,
    Version, VersionHasher,
};

use crate::cache::{fingerprint, IndexCache};
use crate::commit::{self, CommitOptions, CommitStats, Strategy};
use crate::commit_parts::{Committed, PartWriter};
use crate::error::{Error, Result};
use crate::journal::{self, Recovery, JOURNAL_SUFFIX};
use crate::lock::{self, FileLock, Handover, LockKind};
use crate::source::{DocSource, FileSource, MmapSource};
use crate::target::{is_temp_of, Root, Target};

/// Files larger than this are indexed by two threads, one per half.
const PARALLEL_INDEX_MIN: u64 = 64 << 20;
/// Reads larger than this stream through `pread` instead of the memory map.
const MMAP_READ_MAX: u64 = 4 << 20;

/// How a [`Document`] is opened.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Use (load and store) the line-index cache.
    pub use_cache: bool,
    /// Chunk size of full passes, in bytes.
    pub chunk_size: usize,
    /// Hold this lock on the file while the document is open (`None`: no lock).
    pub lock: Option<LockKind>,
    /// How long to wait for the lock.
    pub lock_timeout: Duration,
    /// Confine the path to this workspace root (`--root`): `..`, absolute paths outside it and
    /// symlinks leading out are refused, race-free.
    pub root: Option<PathBuf>,
    /// Where objects (`s3://bucket/key`) are: endpoint and addressing flags.
    #[cfg(feature = "s3")]
    pub s3: crate::object::S3Options,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            use_cache: true,
            chunk_size: bigedit_core::DEFAULT_CHUNK,
            lock: None,
            lock_timeout: Duration::from_secs(30),
            root: None,
            #[cfg(feature = "s3")]
            s3: crate::object::S3Options::default(),
        }
    }
}

/// Where the document's line index came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    /// Loaded from the cache, fingerprint valid.
    Cached,
    /// Built by scanning the file; `stored` says whether it went into the cache.
    Built {
        /// Whether the cache now holds it.
        stored: bool,
    },
}

/// What a commit changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitReport {
    /// Bytes before and after.
    pub bytes: (u64, u64),
    /// Lines before and after, when the index was at hand.
    pub lines: Option<(u64, u64)>,
    /// Number of splices written.
    pub changes: usize,
    /// What the writer did.
    pub stats: CommitStats,
}

/// A file, or an object in S3-compatible storage (`s3://bucket/key`), opened for reading and
/// editing. Both are planned by the same code; only reading bytes and committing differ.
///
/// # Example
///
/// ```
/// use bigedit::{Document, OpenOptions};
/// use bigedit_core::text;
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("log.txt");
/// std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
///
/// let opts = OpenOptions { use_cache: false, ..OpenOptions::default() };
/// let mut doc = Document::open(&path, &opts).unwrap();
/// let index = doc.index(&|_| {}).unwrap().clone();
/// let patch = text::replace_lines(doc.source(), &index, 2..=2, b"TWO").unwrap();
/// doc.commit(&patch).unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\nTWO\nthree\n");
/// ```
#[derive(Debug)]
pub struct Document {
    path: PathBuf,
    /// Where a file lives (`None` for an object).
    target: Option<Target>,
    src: DocSource,
    cache: Option<IndexCache>,
    chunk_size: usize,
    index: Option<(LineIndex, IndexState)>,
    lock: Option<FileLock>,
    lock_waited: Duration,
    recovered: Option<Recovery>,
    /// The ETag the last object commit reported: the version reopened after it must be that
    /// one for the shifted index to describe it.
    committed_etag: Option<String>,
}

impl Document {
    /// Opens `path` for reading (edits are committed by replacing it), first taking the lock
    /// `opts.lock` asks for; it is held until the document is dropped.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be opened, is not a regular file, or stays locked by
    /// another process for longer than `opts.lock_timeout`.
    pub fn open(path: &Path, opts: &OpenOptions) -> Result<Document> {
        #[cfg(feature = "s3")]
        if let Some(url) = path.to_str().and_then(crate::object::ObjectUrl::parse) {
            if opts.root.is_some() {
                return Err(Error::Usage(format!(
                    "{}: an object is not under the --root directory (or $BIGEDIT_ROOT); \
                     unset it to edit objects",
                    path.display()
                )));
            }
            return Self::open_object(path, url, opts);
        }
        let root = opts.root.as_deref().map(Root::open).transpose()?;
        let target = Target::resolve(path, root.as_ref())?;
        let (lock, lock_waited, recovered) = lock_and_recover(&target, opts)?;
        let file = target.open_file()?;
        let src = FileSource::new(file).map_err(|e| Error::io(path, "stat", e))?;
        let cache = if opts.use_cache { IndexCache::from_env() } else { None };
        Ok(Document {
            path: path.to_path_buf(),
            target: Some(target),
            src: DocSource::File(src),
            cache,
            chunk_size: opts.chunk_size.max(1),
            index: None,
            lock,
            lock_waited,
            recovered,
            committed_etag: None,
        })
    }

    /// What opening did about an interrupted in-place commit it found (a journal beside the
    /// file): `None` if there was none.
    pub fn recovered(&self) -> Option<&Recovery> {
        self.recovered.as_ref()
    }

    /// A cheap whole-file version: the [`Fingerprint`](bigedit_core::Fingerprint) of size,
    /// mtime and ctime, inode and the hashes of the first and last 4 KiB. It changes whenever
    /// the file is replaced or written; it does not hash the whole content.
    ///
    /// # Errors
    ///
    /// The `fstat` or read error.
    pub fn version(&self) -> Result<Version> {
        self.fingerprint().map(|fp| fp.version())
    }

    /// The source's fingerprint: a file's metadata and sampled ends, an object's ETag.
    fn fingerprint(&self) -> Result<bigedit_core::Fingerprint> {
        match &self.src {
            DocSource::File(f) => {
                fingerprint(f.file(), f).map_err(|e| Error::io(&self.path, "fingerprint", e))
            }
            #[cfg(feature = "s3")]
            DocSource::Object(o) => Ok(crate::object::fingerprint(o)),
        }
    }

    /// The cache key: a file's canonical path, an object's endpoint and address.
    fn cache_key(&self) -> PathBuf {
        match (&self.target, &self.src) {
            (Some(target), _) => target.real().to_path_buf(),
            #[cfg(feature = "s3")]
            (None, DocSource::Object(o)) => {
                PathBuf::from(format!("{} at {}", o.url(), o.client().endpoint()))
            }
            _ => self.path.clone(),
        }
    }

    /// How long opening waited for the lock (zero without one).
    pub fn lock_waited(&self) -> Duration {
        self.lock_waited
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.src.len()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
    }

    /// The file (a `pread` source) or the object, for full passes and planners.
    pub fn source(&self) -> &DocSource {
        &self.src
    }

    /// A fresh chunk buffer of the configured size.
    pub fn chunker(&self) -> Chunker {
        Chunker::new(self.chunk_size)
    }

    /// Converts a core error about this file.
    pub fn err(&self, e: bigedit_core::Error<io::Error>) -> Error {
        Error::from_core(&self.path, e)
    }

    /// The line index: from the cache when its fingerprint matches, else built (in parallel on
    /// large files) and stored. `progress` receives bytes scanned so far.
    ///
    /// # Errors
    ///
    /// A read error while building.
    pub fn index(&mut self, progress: &(dyn Fn(u64) + Sync)) -> Result<&LineIndex> {
        if self.index.is_none() {
            if let Some(index) = self.load_cached() {
                self.index = Some((index, IndexState::Cached));
            } else {
                self.rebuild_index(progress)?;
            }
        }
        Ok(self.loaded_index().expect("index was just loaded or built"))
    }

    /// The index if it is loaded (never scans).
    pub fn loaded_index(&self) -> Option<&LineIndex> {
        self.index.as_ref().map(|(i, _)| i)
    }

    /// The cached index if the cache holds a valid one (loads it; never scans).
    pub fn try_cached_index(&mut self) -> Option<&LineIndex> {
        if self.index.is_none() {
            let index = self.load_cached()?;
            self.index = Some((index, IndexState::Cached));
        }
        self.loaded_index()
    }

    /// Where the loaded index came from.
    pub fn index_state(&self) -> Option<IndexState> {
        self.index.as_ref().map(|(_, s)| *s)
    }

    /// Builds the index by scanning the file, and stores it in the cache.
    ///
    /// # Errors
    ///
    /// A read error.
    pub fn rebuild_index(&mut self, progress: &(dyn Fn(u64) + Sync)) -> Result<&LineIndex> {
        let built = match &self.src {
            DocSource::File(f) => build_index(f, self.chunk_size, progress),
            // One pass: the object's read-ahead already fetches in parallel.
            #[cfg(feature = "s3")]
            DocSource::Object(o) => index_serial(o.as_ref(), self.chunk_size, progress),
        };
        let mut index = built.map_err(|e| self.err(e))?;
        let stored = self.store_index(&mut index);
        self.index = Some((index, IndexState::Built { stored }));
        Ok(self.loaded_index().expect("index was just built"))
    }

    /// Stamps `index` with the file's current fingerprint and stores it in the cache; returns
    /// whether the cache now holds it (a cache that cannot be written counts as absent).
    fn store_index(&self, index: &mut LineIndex) -> bool {
        match (&self.cache, self.fingerprint()) {
            (Some(cache), Ok(fp)) => {
                index.set_fingerprint(fp);
                cache.store(&self.cache_key(), index).is_ok()
            }
            _ => false,
        }
    }

    fn load_cached(&self) -> Option<LineIndex> {
        let cache = self.cache.as_ref()?;
        let fp = self.fingerprint().ok()?;
        cache.load(&self.cache_key(), &fp)
    }

    /// A memory map of the file for random reads, when it is a file and can be mapped.
    fn map(&self) -> Option<MmapSource> {
        let map = MmapSource::new(self.src.file()?).ok()?;
        (map.len() == self.src.len()).then_some(map)
    }

    /// Resolves 1-based inclusive `lines` to a byte range through the index, reading the file
    /// through a memory map (random access) where it can.
    ///
    /// # Errors
    ///
    /// A line range outside the file, or a read error.
    pub fn lines_to_bytes(&mut self, lines: std::ops::RangeInclusive<u64>) -> Result<Range<u64>> {
        self.index(&|_| {})?;
        let index = self.loaded_index().expect("index loaded above");
        let result = match self.map() {
            Some(map) => index.lines_to_bytes(&map, lines),
            None => index.lines_to_bytes(&self.src, lines),
        };
        result.map_err(|e| self.err(e))
    }

    /// Copies bytes `range` to `out` and returns their [`Version`]. Small ranges come from the
    /// memory map; large ones stream through the chunk buffer.
    ///
    /// # Errors
    ///
    /// A range outside the file, a read error, or a write error on `out`.
    pub fn copy_range(&self, range: Range<u64>, out: &mut dyn Write) -> Result<Version> {
        let mut hasher = VersionHasher::new();
        let mut write_err = None;
        let mut sink = |_: u64, chunk: &[u8]| {
            hasher.update(chunk);
            if let Err(e) = out.write_all(chunk) {
                write_err = Some(e);
                return Ok(Flow::Stop);
            }
            Ok(Flow::Continue)
        };
        let mut chunker = self.chunker();
        let small = range.end - range.start.min(range.end) <= MMAP_READ_MAX;
        let scanned = match self.map().filter(|_| small) {
            Some(map) => chunker.scan(&map, range, &mut sink),
            None => chunker.scan(&self.src, range, &mut sink),
        };
        scanned.map_err(|e| self.err(e))?;
        if let Some(e) = write_err {
            return Err(Error::io(Path::new("<stdout>"), "write", e));
        }
        Ok(hasher.finish())
    }

    /// Atomically replaces the file with `patch` applied, then refreshes the cached index by
    /// shifting the loaded one (no rescan). An empty patch writes nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the failed step; the file is then byte-identical to before.
    pub fn commit(&mut self, patch: &Patch) -> Result<CommitReport> {
        self.commit_with(patch, &CommitOptions::default())
    }

    /// Commits `patch` the way `opts` asks (strategy, backup), then refreshes the cached index
    /// by shifting the loaded one. An empty patch writes nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the failed step; the file then reads as before the commit.
    pub fn commit_with(&mut self, patch: &Patch, opts: &CommitOptions) -> Result<CommitReport> {
        let before = self.src.len();
        let lines_before = self.loaded_index().map(LineIndex::line_count);
        if patch.is_empty() {
            return Ok(CommitReport {
                bytes: (before, before),
                lines: lines_before.map(|l| (l, l)),
                changes: 0,
                stats: Self::no_change(opts.strategy),
            });
        }
        let shifted = match self.loaded_index() {
            Some(index) => Some(index.shifted(&self.src, patch).map_err(|e| self.err(e))?),
            None => None,
        };
        let (stats, handover) = match self.file_target() {
            Some((target, file)) => commit::commit(target, file, patch, opts)?,
            None => (self.commit_object(patch, opts)?, None),
        };
        self.reopen_after(
            (before, patch.len()),
            patch.splices().len(),
            lines_before,
            shifted,
            (stats, handover),
        )
    }

    /// What a commit that writes nothing did.
    fn no_change(strategy: Strategy) -> CommitStats {
        CommitStats {
            bytes_written: 0,
            bytes_copied: 0,
            strategy,
            journaled: 0,
            carried: 0,
            parts: 0,
        }
    }

    /// After a commit of `patch`: reopens the file (an atomic commit replaced the inode, which
    /// the old handle kept alive until now; an in-place one changed its length), keeps the
    /// `shifted` index (stored in the cache) and reports. The lock held moves to the new
    /// inode of an atomic commit (`handover`); without a lock held, it is released.
    fn reopen_after(
        &mut self,
        bytes: (u64, u64),
        changes: usize,
        lines_before: Option<u64>,
        shifted: Option<LineIndex>,
        (stats, handover): (CommitStats, Option<Handover>),
    ) -> Result<CommitReport> {
        if let (Some(lock), Some(handover)) = (self.lock.as_mut(), handover) {
            lock.take_over(handover);
        }
        let new = self.reopen()?;
        // Bytes other processes appended (carried over, or landed after the new end): the
        // shifted index does not cover them, and the next reader indexes the file again.
        let bytes = (bytes.0, new.len());
        let shifted = shifted.filter(|index| {
            stats.carried == 0 && index.len() == new.len() && self.reopened_what_was_committed(&new)
        });
        let lines = lines_before.zip(shifted.as_ref().map(LineIndex::line_count));
        let old = std::mem::replace(&mut self.src, new);
        if let (Strategy::Atomic, DocSource::File(old)) = (stats.strategy, old) {
            // The last handle of the replaced inode: closing it frees its blocks.
            crate::retire::replaced(old.into_file());
        }
        self.index = shifted.map(|mut index| {
            let stored = self.store_index(&mut index);
            (index, IndexState::Built { stored })
        });
        Ok(CommitReport { bytes, lines, changes, stats })
    }

    /// Whether `new` is the version this process committed: always for a file (the lock
    /// keeps other writers out); for an object, when its ETag is the one the commit reported
    /// (another client may have written it since; then the shifted index is not its index).
    fn reopened_what_was_committed(&self, new: &DocSource) -> bool {
        match new {
            DocSource::File(_) => true,
            #[cfg(feature = "s3")]
            DocSource::Object(o) => {
                self.committed_etag.as_deref().is_none_or(|e| e.is_empty() || e == o.etag())
            }
        }
    }

    /// The file's target and open handle (`None` for an object).
    fn file_target(&self) -> Option<(&Target, &std::fs::File)> {
        Some((self.target.as_ref()?, self.src.file()?))
    }

    /// Opens the source again after a commit: the file now at the path, or the object's new
    /// version.
    fn reopen(&self) -> Result<DocSource> {
        match (&self.target, &self.src) {
            (Some(target), _) => {
                let file = target.open_file()?;
                let new = FileSource::new(file).map_err(|e| Error::io(&self.path, "stat", e))?;
                Ok(DocSource::File(new))
            }
            #[cfg(feature = "s3")]
            (None, DocSource::Object(o)) => {
                crate::object::ObjectSource::open(o.client().clone(), o.url().clone())
                    .map(|o| DocSource::Object(Box::new(o)))
                    .map_err(|e| Error::io(&self.path, "open", e.into_io()))
            }
            _ => Err(Error::Usage(format!("{}: nothing to reopen", self.path.display()))),
        }
    }
}

impl Document {
    /// Plans and commits in one go, atomically: `plan` reads the document and returns the
    /// patch, and the new content is written into the temporary file while it runs, as far
    /// as `plan` reports through the [`Feed`](crate::commit_stream::Feed) (see
    /// [`crate::commit_stream`]). Returns the patch and what the commit did (0 changes, the
    /// file untouched, for an empty patch).
    ///
    /// # Errors
    ///
    /// `plan`'s error or [`Error::Io`] naming the failed step; the file then reads as before.
    pub fn commit_streamed(
        &mut self,
        plan: impl FnOnce(&Document, &crate::commit_stream::Feed<'_>) -> Result<Patch>,
    ) -> Result<(Patch, CommitReport)> {
        let before = self.src.len();
        let this: &Document = self;
        let (patch, stats, handover) = match this.file_target() {
            Some((target, file)) => {
                crate::commit_stream::commit_streamed(target, file, |feed| plan(this, feed))?
            }
            None => {
                // An object is written once the patch is final.
                let patch = crate::commit_stream::unfed(|feed| plan(this, feed))?;
                if patch.is_empty() {
                    (patch, Self::no_change(Strategy::Atomic), None)
                } else {
                    let stats = self.commit_object(&patch, &CommitOptions::default())?;
                    (patch, stats, None)
                }
            }
        };
        let lines_before = self.loaded_index().map(LineIndex::line_count);
        if patch.is_empty() {
            let report = CommitReport {
                bytes: (before, before),
                lines: lines_before.map(|l| (l, l)),
                changes: 0,
                stats,
            };
            return Ok((patch, report));
        }
        // The old inode is still open: shift the index over it before reopening.
        let shifted = match self.loaded_index() {
            Some(index) => Some(index.shifted(&self.src, &patch).map_err(|e| self.err(e))?),
            None => None,
        };
        let report = self.reopen_after(
            (before, patch.len()),
            patch.splices().len(),
            lines_before,
            shifted,
            (stats, handover),
        )?;
        Ok((patch, report))
    }
}

/// What [`Document::commit_drained`] did.
#[derive(Debug, Clone)]
pub struct Drained<R> {
    /// The pass's output besides its patch (a CSV edit's report, say).
    pub output: R,
    /// What the commit changed (0 changes, the file untouched, when the pass planned none).
    pub report: CommitReport,
    /// The first changed source ranges, for the audit log.
    pub first_ranges: Vec<Range<u64>>,
}

impl Document {
    /// Runs `pass` over the document and commits the patch it plans, taking it over in parts
    /// as the pass settles them ([`crate::commit_parts`]): a small patch is held and committed
    /// as [`Document::commit_with`] does; a large one is written while the pass runs, so memory
    /// stays bounded whatever the number of changes. `accept` sees the pass's other output
    /// before anything is committed; its error abandons the commit.
    ///
    /// # Example
    ///
    /// ```
    /// use bigedit::{CommitOptions, Document, OpenOptions};
    /// use bigedit_core::csv;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("t.csv");
    /// std::fs::write(&path, "id,note\n1,a\n2,b\n").unwrap();
    /// let mut doc = Document::open(&path, &OpenOptions::default()).unwrap();
    /// let d = csv::Dialect::detect(doc.source(), &csv::Overrides::default()).unwrap();
    /// let header = csv::Header::read(doc.source(), &d, &mut doc.chunker()).unwrap();
    /// let pass = csv::RemoveColumn::new(&header, &d, "note", doc.len()).unwrap();
    /// let done = doc.commit_drained(pass, &CommitOptions::default(), |_| Ok(())).unwrap();
    /// assert_eq!(done.report.changes, 3);
    /// assert_eq!(std::fs::read_to_string(&path).unwrap(), "id\n1\n2\n");
    /// ```
    ///
    /// # Errors
    ///
    /// The pass's error, `accept`'s, or [`Error::Io`] naming the failed step; the file then
    /// reads as before.
    pub fn commit_drained<P>(
        &mut self,
        pass: P,
        opts: &CommitOptions,
        accept: impl FnOnce(&<P::Output as Planned>::Rest) -> Result<()>,
    ) -> Result<Drained<<P::Output as Planned>::Rest>>
    where
        P: Pass + Drain,
        P::Output: Planned,
    {
        let before = self.src.len();
        let Some((target, file)) = self.file_target() else {
            // An object is written once the patch is final: the parts are gathered.
            let mut whole = Patch::identity(before);
            let (last, output) = self.drain_pass(pass, |part| {
                whole.append(part).map_err(|e| Error::edit(&self.path, e))
            })?;
            whole.append(last).map_err(|e| Error::edit(&self.path, e))?;
            accept(&output)?;
            let mut tally = Tally::new(crate::audit::AUDIT_RANGES);
            tally.add(&whole);
            let report = self.commit_with(&whole, opts)?;
            return Ok(Drained { output, report, first_ranges: tally.first_ranges });
        };
        let (committed, output) = {
            let mut writer = PartWriter::new(target, file, opts)?;
            let (last, output) = self.drain_pass(pass, |part| writer.part(part))?;
            accept(&output)?;
            (writer.finish(last)?, output)
        };
        match committed {
            Committed::Held(patch) => {
                let mut tally = Tally::new(crate::audit::AUDIT_RANGES);
                tally.add(&patch);
                let report = self.commit_with(&patch, opts)?;
                Ok(Drained { output, report, first_ranges: tally.first_ranges })
            }
            Committed::Streamed(s, h) => {
                // No index is shifted over that many changes: the next reader rebuilds it.
                let report =
                    self.reopen_after((before, s.len), s.changes, None, None, (s.stats, Some(h)))?;
                Ok(Drained { output, report, first_ranges: s.first_ranges })
            }
        }
    }
}

impl Document {
    /// Runs `pass` over the whole document, handing `each` the splices it settles after every
    /// chunk ([`Drain`]); returns the pass's last part and its other output.
    ///
    /// # Errors
    ///
    /// The pass's error, the source's, or the first error of `each` (which ends the pass).
    pub fn drain_pass<P>(
        &self,
        mut pass: P,
        mut each: impl FnMut(Patch) -> Result<()>,
    ) -> Result<(Patch, <P::Output as Planned>::Rest)>
    where
        P: Pass + Drain,
        P::Output: Planned,
    {
        let mut failed = None;
        let mut feed = |offset: u64, chunk: &[u8]| {
            let flow = pass.feed(offset, chunk)?;
            match each(pass.drain()) {
                Ok(()) => Ok(flow),
                Err(e) => {
                    failed = Some(e);
                    Ok(Flow::Stop)
                }
            }
        };
        self.chunker().scan(&self.src, 0..self.src.len(), &mut feed).map_err(|e| self.err(e))?;
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(pass.finish().map_err(|e| self.err(e.into()))?.split())
    }
}

/// Takes the lock `opts` asks for, then deals with what an interrupted commit left beside the
/// file: rolls back a journal (under the exclusive lock: a reader steps up to it, recovers,
/// and starts again) and removes stale temporary files. Returns the lock, the total wait and
/// the recovery done, if any.
fn lock_and_recover(
    target: &Target,
    opts: &OpenOptions,
) -> Result<(Option<FileLock>, Duration, Option<Recovery>)> {
    let journal_name = target.sidecar(JOURNAL_SUFFIX);
    // Only "no such file" means no journal: any other failure to look (EACCES, EIO) must not
    // let an edit run over a half-done in-place commit.
    let has_journal = || match rustix::fs::statat(
        target.dir(),
        &journal_name,
        rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
    ) {
        Ok(_) => Ok(true),
        Err(rustix::io::Errno::NOENT) => Ok(false),
        Err(e) => Err(Error::io(&target.path_of(&journal_name), "stat", e.into())),
    };
    let mut waited = Duration::ZERO;
    let mut recovered = None;
    loop {
        let lock = match opts.lock {
            Some(kind) => Some(lock::acquire(target, kind, opts.lock_timeout)?),
            None => None,
        };
        waited += lock.as_ref().map_or(Duration::ZERO, FileLock::waited);
        if !has_journal()? {
            if lock.is_some() {
                remove_stale_temps(target);
            }
            return Ok((lock, waited, recovered));
        }
        if opts.lock == Some(LockKind::Shared) {
            drop(lock);
            let exclusive = lock::acquire(target, LockKind::Exclusive, opts.lock_timeout)?;
            waited += exclusive.waited();
            recovered = journal::recover(target)?.or(recovered);
            continue;
        }
        recovered = journal::recover(target)?.or(recovered);
        remove_stale_temps(target);
        return Ok((lock, waited, recovered));
    }
}

/// Removes the temporary files of commits that were killed before their rename. Only called
/// under a lock, when no other bigedit commit of this file can be running.
fn remove_stale_temps(target: &Target) {
    let Ok(dir) = rustix::fs::Dir::read_from(target.dir()) else { return };
    for entry in dir.flatten() {
        let name = entry.file_name().to_bytes();
        if is_temp_of(name, target.name()) {
            let name = std::ffi::OsStr::from_bytes(name).to_os_string();
            let _ = rustix::fs::unlinkat(target.dir(), &name, rustix::fs::AtFlags::empty());
        }
    }
}

/// Builds the line index of `src`: two threads on large files (each scans one half into its
/// own builder; the halves are joined), one otherwise. `progress` gets total bytes scanned.
///
/// # Errors
///
/// A read error.
pub fn build_index<S: ReadAt<Error = io::Error> + Sync + ?Sized>(
    src: &S,
    chunk_size: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> std::result::Result<LineIndex, bigedit_core::Error<io::Error>> {
    let len = src.len();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if len < PARALLEL_INDEX_MIN || threads < 2 {
        return index_serial(src, chunk_size, progress);
    }
    let mid = len / 2;
    let done = AtomicU64::new(0);
    let part = |range: Range<u64>| -> std::result::Result<LineIndexBuilder, bigedit_core::Error<io::Error>> {
        let mut b = LineIndexBuilder::starting_at(range.start);
        let mut last = range.start;
        Chunker::new(chunk_size).scan_with_progress(src, range, &mut b, &mut |p| {
            let total = done.fetch_add(p - last, Ordering::Relaxed) + (p - last);
            last = p;
            progress(total);
        })?;
        Ok(b)
    };
    let (first, second) = std::thread::scope(|s| {
        let second = s.spawn(|| part(mid..len));
        let first = part(0..mid);
        (first, second.join())
    });
    let mut first = first?;
    let second = second
        .map_err(|_| io::Error::other("index thread panicked"))
        .map_err(|e| bigedit_core::Error::read(mid, e))??;
    first.append(second);
    Ok(first.finish())
}

/// Builds the line index of `src` in one pass on the calling thread.
fn index_serial<S: ReadAt<Error = io::Error> + ?Sized>(
    src: &S,
    chunk_size: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> std::result::Result<LineIndex, bigedit_core::Error<io::Error>> {
    let mut b = LineIndexBuilder::new();
    Chunker::new(chunk_size).scan_with_progress(src, 0..src.len(), &mut b, &mut |p| progress(p))?;
    Ok(b.finish())
}

/// Several edits staged on a [`Document`], each seeing the ones before it, committed at once.
///
/// # Example
///
/// ```
/// use bigedit::{CommitOptions, Document, OpenOptions, Strategy};
/// use bigedit_core::{Edit, Step};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("notes.txt");
/// std::fs::write(&path, "one\ntwo\n").unwrap();
///
/// let mut doc = Document::open(&path, &OpenOptions { use_cache: false, ..Default::default() }).unwrap();
/// doc.index(&|_| {}).unwrap();
/// let (_, version) = doc.read_range(4..8).unwrap(); // "two\n", as an agent read it
/// let mut tx = doc.transaction();
/// tx.stage(&Step {
///     edit: Edit::Insert { after: Some(0), before: None, with: "zero".into() },
///     expect: None,
/// }).unwrap();
/// // Line 3 of the staged view is "two": the expectation is checked against the view.
/// tx.stage(&Step {
///     edit: Edit::ReplaceLines { lines: bigedit_core::LinesArg::Line(3), with: "TWO".into() },
///     expect: Some(version),
/// }).unwrap();
/// let patch = tx.into_patch();
/// let opts = CommitOptions { strategy: Strategy::Auto, backup: false };
/// doc.commit_with(&patch, &opts).unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "zero\none\nTWO\n");
/// ```
#[derive(Debug)]
pub struct Transaction<'d> {
    doc: &'d Document,
    view: bigedit_core::Overlay<&'d DocSource>,
    chunker: Chunker,
}

impl Document {
    /// Starts a transaction. Line edits need the index loaded first ([`Document::index`]).
    pub fn transaction(&self) -> Transaction<'_> {
        Transaction {
            doc: self,
            view: bigedit_core::Overlay::new(&self.src),
            chunker: self.chunker(),
        }
    }

    /// Reads bytes `range` into memory with their [`Version`] (for small reads; stream large
    /// ones with [`Document::copy_range`]).
    ///
    /// # Errors
    ///
    /// A range outside the file or a read error.
    pub fn read_range(&self, range: Range<u64>) -> Result<(Vec<u8>, Version)> {
        let mut out = Vec::new();
        let version = self.copy_range(range, &mut out)?;
        Ok((out, version))
    }
}

impl<'d> Transaction<'d> {
    /// Plans `step` against the staged view (checking its `expect` there) and stages it.
    ///
    /// # Errors
    ///
    /// A stale version, the planner's error, or a read error; nothing is staged then.
    pub fn stage(&mut self, step: &bigedit_core::Step) -> Result<()> {
        step.stage(&mut self.view, self.doc.loaded_index(), &mut self.chunker)
            .map_err(|e| self.doc.err(e))
    }

    /// Unstages the last step; false if nothing is staged.
    pub fn undo(&mut self) -> bool {
        self.view.undo()
    }

    /// The document as the staged steps leave it (a [`ReadAt`] source).
    pub fn view(&self) -> &bigedit_core::Overlay<&'d DocSource> {
        &self.view
    }

    /// The staged steps as one patch of the file, for [`Document::commit_with`].
    pub fn into_patch(self) -> Patch {
        self.view.into_parts().1
    }
}

#[cfg(feature = "s3")]
impl Document {
    /// Opens the object `url` (one HEAD; aborts uploads of earlier bigedit processes on the
    /// bucket that died mid-upload). Objects take no lock: the commit's `If-Match` refuses a
    /// version changed since it was read.
    fn open_object(
        path: &Path,
        url: std::result::Result<crate::object::ObjectUrl, crate::object::ObjectError>,
        opts: &OpenOptions,
    ) -> Result<Document> {
        let fail =
            |action: &str, e: crate::object::ObjectError| Error::io(path, action, e.into_io());
        let url = url.map_err(|e| Error::Usage(e.to_string()))?;
        let config = crate::object::S3Config::resolve(&opts.s3);
        let client =
            crate::object::Client::new(&config, &url.bucket).map_err(|e| fail("open", e))?;
        if let Some(dir) = uploads_dir() {
            crate::object::commit::abort_orphans(&dir, &client);
        }
        let src = crate::object::ObjectSource::open(client, url).map_err(|e| fail("open", e))?;
        Ok(Document {
            path: path.to_path_buf(),
            target: None,
            src: DocSource::Object(Box::new(src)),
            cache: if opts.use_cache { IndexCache::from_env() } else { None },
            chunk_size: opts.chunk_size.max(1),
            index: None,
            lock: None,
            lock_waited: Duration::ZERO,
            recovered: None,
            committed_etag: None,
        })
    }

    /// Writes `patch` as the object's new version.
    fn commit_object(&mut self, patch: &Patch, opts: &CommitOptions) -> Result<CommitStats> {
        let DocSource::Object(src) = &self.src else {
            return Err(Error::Usage(format!("{}: not an object", self.path.display())));
        };
        if opts.backup || opts.strategy == Strategy::InPlace {
            return Err(Error::Usage(format!(
                "{}: objects are committed as a new version (multipart upload); --backup and \
                 --commit in-place apply to files only (keep old versions with bucket versioning)",
                self.path.display()
            )));
        }
        let done = crate::object::commit::commit(src, patch, uploads_dir().as_deref())
            .map_err(|e| Error::io(&self.path, "commit", e.into_io()))?;
        self.committed_etag = Some(done.etag);
        Ok(CommitStats {
            bytes_written: done.uploaded,
            bytes_copied: done.copied,
            strategy: Strategy::Object,
            journaled: 0,
            carried: 0,
            parts: done.parts,
        })
    }
}

#[cfg(not(feature = "s3"))]
impl Document {
    fn commit_object(&mut self, _: &Patch, _: &CommitOptions) -> Result<CommitStats> {
        Err(Error::Usage(format!("{}: not a file", self.path.display())))
    }
}

/// Where uploads in progress are recorded (beside the index cache).
#[cfg(feature = "s3")]
fn uploads_dir() -> Option<PathBuf> {
    IndexCache::from_env().map(|c| c.dir().join("uploads"))
}
