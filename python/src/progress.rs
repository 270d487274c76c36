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
