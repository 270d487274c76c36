//! Progress reports from work that runs without the GIL: a Python callable `fn(done, total)`
//! called at most about a hundred times per pass, and Ctrl+C noticed while it runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use pyo3::prelude::*;

/// A pass's progress callback (optional) and the first Python error it raised.
#[derive(Debug)]
pub struct Progress {
    callback: Option<Py<PyAny>>,
    total: u64,
    last: AtomicU64,
    failed: Mutex<Option<PyErr>>,
}

impl Progress {
    /// Reports to `callback` (if any) for a pass over `total` bytes.
    pub fn new(callback: Option<Py<PyAny>>, total: u64) -> Progress {
        Progress { callback, total, last: AtomicU64::new(0), failed: Mutex::new(None) }
    }

    /// `done` bytes of `total` are done: calls the callback when another 1% is (and at the
    /// end), and checks for Ctrl+C. Callable from any thread, without the GIL.
    pub fn report(&self, done: u64) {
        let Some(cb) = &self.callback else { return };
        let step = (self.total / 100).max(1);
        let last = self.last.load(Ordering::Relaxed);
        if done < last.saturating_add(step) && done != self.total {
            return;
        }
        self.last.store(done, Ordering::Relaxed);
        let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        if failed.is_some() {
            return;
        }
        *failed = Python::attach(|py| {
            cb.call1(py, (done, self.total)).and_then(|_| py.check_signals()).err()
        });
    }

    /// The callback's first error (a KeyboardInterrupt, say), if any.
    pub fn finish(self) -> PyResult<()> {
        match self.failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Bytes read between two checks for Ctrl+C (and progress reports) in a [`Watched`] source.
const CHECK_EVERY: u64 = 16 << 20;

/// A file source that reports progress and stops on Ctrl+C: every [`CHECK_EVERY`] bytes read
/// it takes the GIL, calls the progress callback with the position reached, and runs Python's
/// signal handlers; an exception there (KeyboardInterrupt) makes the next reads fail, which
/// ends the pass with nothing staged or committed. [`Watched::take_error`] then gives the
/// exception to raise instead of the read error.
#[derive(Debug)]
pub struct Watched {
    src: bigedit::FileSource,
    progress: Progress,
    read: AtomicU64,
    next_check: AtomicU64,
}

impl Watched {
    /// Watches `src`, reporting to `callback`.
    pub fn new(src: bigedit::FileSource, callback: Option<Py<PyAny>>) -> Watched {
        use bigedit_core::ReadAt;
        let total = src.len();
        Watched {
            src,
            progress: Progress::new(callback, total),
            read: AtomicU64::new(0),
            next_check: AtomicU64::new(CHECK_EVERY),
        }
    }

    /// The Python exception that stopped a pass, if one did.
    pub fn take_error(&self) -> Option<PyErr> {
        self.progress.failed.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    fn check(&self, reached: u64) -> std::io::Result<()> {
        let read = self.read.load(Ordering::Relaxed);
        if read >= self.next_check.load(Ordering::Relaxed) {
            self.next_check.store(read + CHECK_EVERY, Ordering::Relaxed);
            let mut failed = self.progress.failed.lock().unwrap_or_else(|p| p.into_inner());
            if failed.is_none() {
                *failed = Python::attach(|py| {
                    let called = match &self.progress.callback {
                        Some(cb) => cb.call1(py, (reached, self.progress.total)).map(|_| ()),
                        None => Ok(()),
                    };
                    called.and_then(|()| py.check_signals()).err()
                });
            }
        }
        if self.progress.failed.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
            return Err(std::io::Error::other("stopped by a Python exception"));
        }
        Ok(())
    }
}

impl bigedit_core::ReadAt for Watched {
    type Error = std::io::Error;

    fn len(&self) -> u64 {
        self.src.len()
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        self.check(pos)?;
        let n = self.src.read_at(pos, buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
