//! File sources: [`FileSource`] reads with `pread` into the caller's buffer (full passes, bounded
//! memory), [`MmapSource`] maps the file for random reads (a line, a few lines); and
//! [`DocSource`], what a [`Document`](crate::Document) reads: a file or an object.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use bigedit_core::ReadAt;
use memmap2::{Advice, Mmap};

/// A file read with positioned reads (`pread`); its length is fixed when it is opened.
///
/// Use it for full passes: memory stays at the caller's chunk buffer, and a file truncated
/// under it yields a short read (an error), not a crash.
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
}

impl FileSource {
    /// Wraps an open file, taking its current length.
    ///
    /// # Errors
    ///
    /// The `fstat` error.
    pub fn new(file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(FileSource { file, len })
    }

    /// The underlying file.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The underlying file, taken out.
    pub fn into_file(self) -> File {
        self.file
    }
}

impl ReadAt for FileSource {
    type Error = io::Error;

    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min(self.len.saturating_sub(pos) as usize);
        loop {
            match self.file.read_at(&mut buf[..want], pos) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

/// A read-only memory map of a file, for random reads.
///
/// # Safety
///
/// A mapped file that another process truncates turns later reads of the lost pages into
/// `SIGBUS`. bigedit never truncates a file it edits (commits replace it by rename, leaving the
/// mapped inode intact), and maps only for short random reads; full passes use [`FileSource`].
#[derive(Debug)]
pub struct MmapSource {
    map: Mmap,
}

impl MmapSource {
    /// Maps `file` with a random-access hint. Fails for empty files (nothing to map) and where
    /// mapping is impossible; callers fall back to [`FileSource`].
    ///
    /// # Errors
    ///
    /// The `mmap` error, or `InvalidInput` for an empty file.
    pub fn new(file: &File) -> io::Result<Self> {
        if file.metadata()?.len() == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty file"));
        }
        // SAFETY: see the type's `# Safety` section; the map is read-only and bigedit's own
        // writers never shrink a mapped inode.
        let map = unsafe { Mmap::map(file)? };
        // The hint is only advice: ignore a kernel that does not take it.
        let _ = map.advise(Advice::Random);
        Ok(MmapSource { map })
    }
}

impl ReadAt for MmapSource {
    type Error = io::Error;

    fn len(&self) -> u64 {
        self.map.len() as u64
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.map[..].read_at(pos, buf).unwrap_or_else(|never| match never {}))
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(&self.map)
    }
}

/// What a [`Document`](crate::Document) reads: a file, or an object in S3-compatible storage.
/// Every planner takes it as any other [`ReadAt`] source.
#[derive(Debug)]
#[non_exhaustive]
pub enum DocSource {
    /// A local file, read with `pread`.
    File(FileSource),
    /// An object, read with ranged GETs pinned to its ETag.
    #[cfg(feature = "s3")]
    Object(Box<crate::object::ObjectSource>),
}

impl DocSource {
    /// The open file, for a file document.
    pub fn file(&self) -> Option<&File> {
        match self {
            DocSource::File(f) => Some(f.file()),
            #[cfg(feature = "s3")]
            DocSource::Object(_) => None,
        }
    }

    /// The object source, for an object document.
    #[cfg(feature = "s3")]
    pub fn object(&self) -> Option<&crate::object::ObjectSource> {
        match self {
            DocSource::File(_) => None,
            DocSource::Object(o) => Some(o),
        }
    }
}

impl ReadAt for DocSource {
    type Error = io::Error;

    fn len(&self) -> u64 {
        match self {
            DocSource::File(f) => f.len(),
            #[cfg(feature = "s3")]
            DocSource::Object(o) => o.len(),
        }
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            DocSource::File(f) => f.read_at(pos, buf),
            #[cfg(feature = "s3")]
            DocSource::Object(o) => o.read_at(pos, buf),
        }
    }
}
