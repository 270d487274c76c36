//! [`ReadAt`]: the one thing the core asks of a host, bytes at an offset.

use std::convert::Infallible;

use crate::error::{EditError, Error};

/// A random-access byte source of known length: a slice, a file, a Blob, an [`Overlay`].
///
/// Reads never move a cursor, so a source can be shared by reference. Implementations return
/// the number of bytes read; `0` only at or past the end.
///
/// [`Overlay`]: crate::Overlay
///
/// # Example
///
/// ```
/// use bigedit_core::ReadAt;
///
/// let text = b"hello world".to_vec();
/// let mut buf = [0u8; 5];
/// let n = text.read_at(6, &mut buf).unwrap();
/// assert_eq!(&buf[..n], b"world");
/// ```
pub trait ReadAt {
    /// The host's error type (`Infallible` for memory, `io::Error` for files).
    type Error;

    /// Total length in bytes.
    fn len(&self) -> u64;

    /// Reads up to `buf.len()` bytes starting at `pos` and returns how many were read.
    ///
    /// # Errors
    ///
    /// Whatever the host's storage reports.
    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize, Self::Error>;

    /// The whole source as one slice, when it lives in (or is mapped into) memory.
    fn as_slice(&self) -> Option<&[u8]> {
        None
    }

    /// Whether the source holds no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ReadAt for [u8] {
    type Error = Infallible;

    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize, Infallible> {
        let len = <[u8]>::len(self);
        let start = usize::try_from(pos).unwrap_or(usize::MAX).min(len);
        let n = buf.len().min(len - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self)
    }
}

impl ReadAt for Vec<u8> {
    type Error = Infallible;

    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize, Infallible> {
        self.as_slice().read_at(pos, buf)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for &T {
    type Error = T::Error;

    fn len(&self) -> u64 {
        (**self).len()
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize, T::Error> {
        (**self).read_at(pos, buf)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        (**self).as_slice()
    }
}

/// Fills `buf` completely from `pos`.
///
/// # Errors
///
/// The source's error, or [`EditError::ShortRead`] if it ends before `buf` is full.
pub fn read_exact_at<S: ReadAt + ?Sized>(
    src: &S,
    mut pos: u64,
    mut buf: &mut [u8],
) -> Result<(), Error<S::Error>> {
    while !buf.is_empty() {
        let n = src.read_at(pos, buf).map_err(|e| Error::read(pos, e))?;
        if n == 0 {
            return Err(EditError::ShortRead { offset: pos, len: src.len() }.into());
        }
        pos += n as u64;
        buf = &mut buf[n..];
    }
    Ok(())
}

/// Reads the byte range `range` into a new vector.
///
/// Use it for bounded reads (a line, a few lines); full passes go through a [`crate::Chunker`].
///
/// # Errors
///
/// [`EditError::BytesPastEnd`] if the range is outside the source, or the source's error.
pub fn read_range<S: ReadAt + ?Sized>(
    src: &S,
    range: std::ops::Range<u64>,
) -> Result<Vec<u8>, Error<S::Error>> {
    check_range(&range, src.len())?;
    let n = usize::try_from(range.end - range.start).map_err(|_| EditError::BytesPastEnd {
        start: range.start,
        end: range.end,
        len: src.len(),
    })?;
    if let Some(all) = src.as_slice() {
        // Ranges were checked against len, which equals all.len() for slice-backed sources.
        if let Some(bytes) = all.get(range.start as usize..range.start as usize + n) {
            return Ok(bytes.to_vec());
        }
    }
    let mut out = vec![0; n];
    read_exact_at(src, range.start, &mut out)?;
    Ok(out)
}

/// Checks that `range` is ordered and within a document of `len` bytes.
///
/// # Errors
///
/// [`EditError::ReversedBytes`] or [`EditError::BytesPastEnd`].
pub fn check_range(range: &std::ops::Range<u64>, len: u64) -> Result<(), EditError> {
    if range.start > range.end {
        return Err(EditError::ReversedBytes { start: range.start, end: range.end });
    }
    if range.end > len {
        return Err(EditError::BytesPastEnd { start: range.start, end: range.end, len });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_reads_clamp_at_the_end() {
        let src: &[u8] = b"abcdef";
        let mut buf = [0u8; 4];
        assert_eq!(src.read_at(4, &mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"ef");
        assert_eq!(src.read_at(6, &mut buf).unwrap(), 0);
        assert_eq!(src.read_at(u64::MAX, &mut buf).unwrap(), 0);
    }

    #[test]
    #[allow(clippy::reversed_empty_ranges)]
    fn read_range_checks_bounds() {
        let src = b"abcdef".to_vec();
        assert_eq!(read_range(&src, 1..3).unwrap(), b"bc");
        assert!(matches!(
            read_range(&src, 4..9).unwrap_err().into_edit(),
            EditError::BytesPastEnd { start: 4, end: 9, len: 6 }
        ));
        assert!(matches!(
            read_range(&src, 4..2).unwrap_err().into_edit(),
            EditError::ReversedBytes { .. }
        ));
    }
}
