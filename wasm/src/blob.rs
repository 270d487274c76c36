//! A [`ReadAt`] over a `Blob` or `File`, for random reads (a line, a section, a page of rows).
//!
//! Each read slices the Blob and reads the slice with `FileReaderSync`, which exists only in
//! workers. Full passes must not come here: FileReaderSync allocates a fresh off-heap buffer
//! per read that V8 frees late, so the JS side streams `blob.stream()` into a pass instead.

use bigedit_core::ReadAt;
use wasm_bindgen::JsValue;
use web_sys::{Blob, FileReaderSync};

use crate::error::HostError;

/// A Blob read through `blob.slice(a, b)` and `FileReaderSync`.
#[derive(Debug, Clone)]
pub struct BlobSource {
    blob: Blob,
    reader: FileReaderSync,
    len: u64,
}

impl BlobSource {
    /// A source over `blob`.
    ///
    /// # Errors
    ///
    /// A `TypeError` outside a worker (no `FileReaderSync` there).
    pub fn new(blob: Blob) -> Result<BlobSource, JsValue> {
        let reader = FileReaderSync::new().map_err(|_| {
            crate::error::type_error(
                "FileReaderSync is not available: open a Blob from a worker, or use openSource",
            )
        })?;
        let len = blob.size() as u64;
        Ok(BlobSource { blob, reader, len })
    }

    /// The Blob.
    pub fn blob(&self) -> &Blob {
        &self.blob
    }
}

impl ReadAt for BlobSource {
    type Error = HostError;

    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize, HostError> {
        let end = pos.saturating_add(buf.len() as u64).min(self.len);
        if pos >= end {
            return Ok(0);
        }
        let slice = self
            .blob
            .slice_with_f64_and_f64(pos as f64, end as f64)
            .map_err(|e| HostError::from_js(&e))?;
        let bytes = self.reader.read_as_array_buffer(&slice).map_err(|e| HostError::from_js(&e))?;
        let view = js_sys::Uint8Array::new(&bytes);
        let n = (view.length() as usize).min(buf.len());
        view.subarray(0, n as u32).copy_to(&mut buf[..n]);
        Ok(n)
    }
}
