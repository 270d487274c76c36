//! [`ObjectSource`]: an object as a [`ReadAt`] source, pinned to the ETag read at open.
//!
//! Reads are served from a few windows of the object held in memory. A random read fetches
//! a window of [`RANDOM_WINDOW`] (a line and its neighbours, the checkpoint scan before it);
//! a read that continues where the last one ended is a pass, and fetches
//! [`SEQUENTIAL_WINDOW`]s, keeping [`READ_AHEAD`] more in flight on background threads, so a
//! full pass (index, find, a CSV edit) costs about the longer of the transfer and the scan,
//! not their sum. Every GET carries `If-Match: ETAG`: a pass that would mix two versions
//! fails with "changed since read" instead.

use std::collections::VecDeque;
use std::io;
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use bigedit_core::ReadAt;

use super::{Client, ObjectError, ObjectUrl};

/// Bytes fetched for a random read.
pub const RANDOM_WINDOW: u64 = 1 << 20;
/// Bytes fetched per request during a pass.
pub const SEQUENTIAL_WINDOW: u64 = 8 << 20;
/// Windows fetched ahead of a pass.
pub const READ_AHEAD: usize = 2;
/// Windows kept after use.
const KEPT: usize = 3;

type Fetch = JoinHandle<Result<Vec<u8>, ObjectError>>;

/// The windows held and in flight.
#[derive(Debug, Default)]
struct Windows {
    kept: VecDeque<(u64, Arc<Vec<u8>>)>,
    ahead: VecDeque<(Range<u64>, Fetch)>,
    /// Where the last read ended (a read starting there continues a pass).
    last_end: Option<u64>,
}

/// An object read with ranged GETs, all pinned to one ETag.
#[derive(Debug)]
pub struct ObjectSource {
    client: Client,
    url: ObjectUrl,
    etag: String,
    len: u64,
    windows: Mutex<Windows>,
}

impl ObjectSource {
    /// Opens `url` with `client` (one HEAD: length and ETag).
    ///
    /// # Errors
    ///
    /// [`ObjectError::NotFound`], or the server's or the network's error.
    pub fn open(client: Client, url: ObjectUrl) -> Result<ObjectSource, ObjectError> {
        let head = client.head(&url.key)?;
        Ok(ObjectSource { client, url, etag: head.etag, len: head.len, windows: Mutex::default() })
    }

    /// The object's address.
    pub fn url(&self) -> &ObjectUrl {
        &self.url
    }

    /// The ETag every read is pinned to.
    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// The client (its [`stats`](Client::stats) count this source's requests).
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn lock(&self) -> MutexGuard<'_, Windows> {
        self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn spawn(&self, range: Range<u64>) -> Fetch {
        let (client, key, etag) = (self.client.clone(), self.url.key.clone(), self.etag.clone());
        std::thread::spawn(move || client.get_range(&key, range, &etag))
    }

    /// Keeps `READ_AHEAD` windows in flight after `from`.
    fn read_ahead(&self, w: &mut Windows, from: u64) {
        while w.ahead.len() < READ_AHEAD {
            let start = w.ahead.back().map_or(from, |(r, _)| r.end);
            if start >= self.len {
                break;
            }
            let range = start..(start + SEQUENTIAL_WINDOW).min(self.len);
            let fetch = self.spawn(range.clone());
            w.ahead.push_back((range, fetch));
        }
    }

    fn keep(w: &mut Windows, start: u64, bytes: Vec<u8>) {
        w.kept.push_back((start, Arc::new(bytes)));
        while w.kept.len() > KEPT {
            w.kept.pop_front();
        }
    }
}

impl ReadAt for ObjectSource {
    type Error = io::Error;

    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        if pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let mut w = self.lock();
        let sequential = w.last_end == Some(pos);
        loop {
            if let Some((start, bytes)) =
                w.kept.iter().find(|(s, b)| (*s..*s + b.len() as u64).contains(&pos)).cloned()
            {
                let at = (pos - start) as usize;
                let n = buf.len().min(bytes.len() - at);
                buf[..n].copy_from_slice(&bytes[at..at + n]);
                w.last_end = Some(pos + n as u64);
                if sequential && bytes.len() as u64 >= SEQUENTIAL_WINDOW.min(self.len - start) {
                    self.read_ahead(&mut w, start + bytes.len() as u64);
                }
                return Ok(n);
            }
            // A fetch in flight for this position: wait for it. Fetches before it are stale.
            while w.ahead.front().is_some_and(|(r, _)| r.end <= pos) {
                w.ahead.pop_front();
            }
            if w.ahead.front().is_some_and(|(r, _)| r.contains(&pos)) {
                if let Some((range, fetch)) = w.ahead.pop_front() {
                    let bytes = fetch
                        .join()
                        .map_err(|_| io::Error::other("a read-ahead thread panicked"))?
                        .map_err(ObjectError::into_io)?;
                    Self::keep(&mut w, range.start, bytes);
                    continue;
                }
            }
            w.ahead.clear();
            let size = if sequential { SEQUENTIAL_WINDOW } else { RANDOM_WINDOW };
            let end = (pos + size.max(buf.len() as u64)).min(self.len);
            let bytes = self
                .client
                .get_range(&self.url.key, pos..end, &self.etag)
                .map_err(ObjectError::into_io)?;
            Self::keep(&mut w, pos, bytes);
        }
    }
}
