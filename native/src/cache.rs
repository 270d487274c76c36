//! The line-index cache: one file per indexed file under the user's cache directory
//! (`$BIGEDIT_CACHE_DIR`, else `$XDG_CACHE_HOME/bigedit/index`, else `~/.cache/bigedit/index`),
//! never beside the user's files. Entries are keyed by canonical path and trusted only while the
//! file's [`Fingerprint`] (size, mtime and ctime, inode, hashes of the first and last 4 KiB)
//! matches.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use bigedit_core::{Fingerprint, LineIndex, ReadAt, Version};

/// Where cached indexes live.
#[derive(Debug, Clone)]
pub struct IndexCache {
    dir: PathBuf,
}

/// The fingerprint of an open file: its metadata plus sampled hashes.
///
/// # Errors
///
/// The `fstat` or read error.
pub fn fingerprint<S: ReadAt<Error = io::Error>>(file: &File, src: &S) -> io::Result<Fingerprint> {
    let meta = file.metadata()?;
    // The stamp changes when either the mtime or the ctime does: a tool can restore the
    // mtime after an in-place edit (rsync --inplace -t, touch -r), but not the ctime.
    let mut stamp = [0u8; 32];
    for (k, v) in
        [meta.mtime(), meta.mtime_nsec(), meta.ctime(), meta.ctime_nsec()].into_iter().enumerate()
    {
        stamp[k * 8..k * 8 + 8].copy_from_slice(&v.to_le_bytes());
    }
    let modified = Version::of(&stamp).0;
    Fingerprint::sample(src, modified, meta.ino()).map_err(|e| match e {
        bigedit_core::Error::Read { source, .. } => source,
        other => io::Error::new(io::ErrorKind::UnexpectedEof, other.to_string()),
    })
}

impl IndexCache {
    /// A cache in `dir` (created on first store).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        IndexCache { dir: dir.into() }
    }

    /// The default location from the environment, or `None` when no home is known.
    pub fn from_env() -> Option<Self> {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        if let Some(dir) = var("BIGEDIT_CACHE_DIR") {
            return Some(IndexCache::new(dir));
        }
        let base = var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|h| h.join(".cache")))?;
        Some(IndexCache::new(base.join("bigedit").join("index")))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry(&self, canonical: &Path) -> PathBuf {
        let key = Version::of(canonical.as_os_str().as_bytes());
        self.dir.join(format!("{key}.idx"))
    }

    /// The cached index of `canonical`, if there is one and its fingerprint equals `current`.
    /// Unreadable or corrupt entries count as missing.
    pub fn load(&self, canonical: &Path, current: &Fingerprint) -> Option<LineIndex> {
        let bytes = fs::read(self.entry(canonical)).ok()?;
        let (path, rest) = split_entry(&bytes)?;
        if path != canonical.as_os_str().as_bytes() {
            return None;
        }
        let index = LineIndex::from_bytes(rest).ok()?;
        (index.fingerprint() == Some(current) && index.len() == current.len).then_some(index)
    }

    /// Stores `index` (which must carry its fingerprint) for `canonical`, atomically.
    ///
    /// # Errors
    ///
    /// The I/O error; callers treat a cache that cannot be written as absent.
    pub fn store(&self, canonical: &Path, index: &LineIndex) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let path = canonical.as_os_str().as_bytes();
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(&(path.len() as u64).to_le_bytes())?;
        tmp.write_all(path)?;
        tmp.write_all(&index.to_bytes())?;
        tmp.persist(self.entry(canonical)).map_err(|e| e.error)?;
        Ok(())
    }

    /// Removes the entry of `canonical`, if any.
    pub fn forget(&self, canonical: &Path) {
        let _ = fs::remove_file(self.entry(canonical));
    }
}

fn split_entry(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?) as usize;
    let path = bytes.get(8..8usize.checked_add(n)?)?;
    Some((path, &bytes[8 + n..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileSource;
    use bigedit_core::Chunker;

    fn indexed(path: &Path) -> (LineIndex, Fingerprint) {
        let src = FileSource::new(File::open(path).unwrap()).unwrap();
        let mut index = LineIndex::build(&src, &mut Chunker::default()).unwrap();
        let fp = fingerprint(src.file(), &src).unwrap();
        index.set_fingerprint(fp);
        (index, fp)
    }

    #[test]
    fn entries_round_trip_and_go_stale_when_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = IndexCache::new(dir.path().join("cache"));
        let path = dir.path().join("f.txt");
        fs::write(&path, "a\nb\nc\n").unwrap();
        let (index, fp) = indexed(&path);
        assert!(cache.load(&path, &fp).is_none());
        cache.store(&path, &index).unwrap();
        assert_eq!(cache.load(&path, &fp), Some(index));
        // Another path never reads this entry, even with an equal fingerprint.
        assert!(cache.load(&dir.path().join("g.txt"), &fp).is_none());
        // Same length, same mtime second, new bytes: the sampled hash tells them apart.
        fs::write(&path, "a\nB\nc\n").unwrap();
        let (_, fp2) = indexed(&path);
        assert_ne!(fp, fp2);
        assert!(cache.load(&path, &fp2).is_none());
        // A corrupt entry counts as missing.
        let entry = cache.entry(&path);
        fs::write(&entry, b"garbage").unwrap();
        assert!(cache.load(&path, &fp).is_none());
        cache.forget(&path);
        assert!(!entry.exists());
    }
}
