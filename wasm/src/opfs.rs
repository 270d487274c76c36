//! A sink over an OPFS `FileSystemSyncAccessHandle` (workers only): positioned writes
//! (`write(buf, {at})`), one `flush` at the end, `close`.

use web_sys::{FileSystemReadWriteOptions, FileSystemSyncAccessHandle};

use crate::error::HostError;

/// Where a save writes the edited document: positioned writes, then one flush and a close.
pub trait ByteSink {
    /// Writes all of `bytes` at byte offset `at`.
    ///
    /// # Errors
    ///
    /// The host's write error, or a short write.
    fn write_at(&mut self, bytes: &[u8], at: u64) -> Result<(), HostError>;

    /// Makes the written bytes durable.
    ///
    /// # Errors
    ///
    /// The host's error.
    fn flush(&mut self) -> Result<(), HostError>;

    /// Releases the target.
    ///
    /// # Errors
    ///
    /// The host's error.
    fn close(&mut self) -> Result<(), HostError>;
}

/// A sink writing into an OPFS file through its sync access handle.
#[derive(Debug, Clone)]
pub struct OpfsSink {
    handle: FileSystemSyncAccessHandle,
    options: FileSystemReadWriteOptions,
}

impl OpfsSink {
    /// A sink over `handle`; the caller created it (and truncated the file if it wanted to).
    pub fn new(handle: FileSystemSyncAccessHandle) -> OpfsSink {
        OpfsSink { handle, options: FileSystemReadWriteOptions::new() }
    }
}

impl ByteSink for OpfsSink {
    fn write_at(&mut self, mut bytes: &[u8], mut at: u64) -> Result<(), HostError> {
        while !bytes.is_empty() {
            self.options.set_at(at as f64);
            let n = self
                .handle
                .write_with_u8_array_and_options(bytes, &self.options)
                .map_err(|e| HostError::from_js(&e))?;
            let n = n as usize;
            if n == 0 {
                return Err(HostError(format!("OPFS write at byte {at} wrote nothing")));
            }
            let n = n.min(bytes.len());
            bytes = &bytes[n..];
            at += n as u64;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), HostError> {
        self.handle.flush().map_err(|e| HostError::from_js(&e))
    }

    fn close(&mut self) -> Result<(), HostError> {
        self.handle.close();
        Ok(())
    }
}
