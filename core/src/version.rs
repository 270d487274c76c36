//! Content versions and source fingerprints.
//!
//! A [`Version`] is a hash of exact bytes (the bytes a read returned), so a later edit can say
//! "only if these bytes are still what I saw". A [`Fingerprint`] cheaply recognizes a source
//! again (for index caches): its length, a hash of its first and last 4 KiB, and two numbers
//! the host chooses (native: modification time and inode).

use std::fmt;

use xxhash_rust::xxh3::Xxh3;

use crate::error::Error;
use crate::source::{read_exact_at, ReadAt};

/// How many bytes at each end of a source a [`Fingerprint`] hashes.
pub const SAMPLE: u64 = 4096;

/// A 64-bit hash (XXH3) of a byte string, printed as 16 hex digits.
///
/// # Example
///
/// ```
/// use bigedit_core::Version;
///
/// let v = Version::of(b"hello\n");
/// assert_eq!(v, Version::of(b"hello\n"));
/// assert_ne!(v, Version::of(b"hello"));
/// assert_eq!(v.to_string().len(), 16);
/// assert_eq!(v.to_string().parse::<Version>().unwrap(), v);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version(pub u64);

impl Version {
    /// The version of `bytes`.
    pub fn of(bytes: &[u8]) -> Version {
        Version(xxhash_rust::xxh3::xxh3_64(bytes))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl std::str::FromStr for Version {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        u64::from_str_radix(s, 16).map(Version)
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.parse() {
            Ok(v) if s.len() == 16 => Ok(v),
            _ => Err(serde::de::Error::custom(format!(
                "{s:?} is not a version (16 hex digits, as read --json prints)"
            ))),
        }
    }
}

/// A streaming [`Version`] for bytes that arrive in pieces.
#[derive(Clone, Default)]
pub struct VersionHasher(Xxh3);

impl fmt::Debug for VersionHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VersionHasher")
    }
}

impl VersionHasher {
    /// A hasher that has seen nothing.
    pub fn new() -> Self {
        VersionHasher(Xxh3::new())
    }
    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    /// The version of everything added, equal to [`Version::of`] their concatenation.
    pub fn finish(&self) -> Version {
        Version(self.0.digest())
    }
}

/// What identifies a source's content cheaply: length, sampled hashes and a host stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// Length in bytes.
    pub len: u64,
    /// Hash of the first [`SAMPLE`] bytes.
    pub head: u64,
    /// Hash of the last [`SAMPLE`] bytes.
    pub tail: u64,
    /// Host-defined modification stamp (native: mtime in nanoseconds).
    pub modified: u64,
    /// Host-defined identity (native: inode number; 0 where there is none).
    pub identity: u64,
}

impl Fingerprint {
    /// One [`Version`] of the whole fingerprint: a cheap whole-file version that changes when
    /// the length, either sampled end, the host's modification stamp or its identity does.
    pub fn version(&self) -> Version {
        let mut bytes = [0u8; 40];
        for (k, v) in
            [self.len, self.head, self.tail, self.modified, self.identity].into_iter().enumerate()
        {
            bytes[k * 8..k * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        Version::of(&bytes)
    }

    /// Samples `src` and combines the hashes with the host's `modified` and `identity` stamps.
    ///
    /// Reads at most 8 KiB. Runs in O(1).
    ///
    /// # Errors
    ///
    /// The source's error.
    pub fn sample<S: ReadAt + ?Sized>(
        src: &S,
        modified: u64,
        identity: u64,
    ) -> Result<Fingerprint, Error<S::Error>> {
        let len = src.len();
        let n = len.min(SAMPLE) as usize;
        let mut buf = vec![0; n];
        read_exact_at(src, 0, &mut buf)?;
        let head = Version::of(&buf).0;
        read_exact_at(src, len - n as u64, &mut buf)?;
        let tail = Version::of(&buf).0;
        Ok(Fingerprint { len, head, tail, modified, identity })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_equals_one_shot() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut h = VersionHasher::new();
        for c in data.chunks(7) {
            h.update(c);
        }
        assert_eq!(h.finish(), Version::of(&data));
    }

    #[test]
    fn fingerprint_sees_both_ends() {
        let mut a = vec![b'a'; 20_000];
        let fa = Fingerprint::sample(&a, 1, 2).unwrap();
        a[19_999] = b'b';
        let fb = Fingerprint::sample(&a, 1, 2).unwrap();
        assert_eq!(fa.head, fb.head);
        assert_ne!(fa.tail, fb.tail);
        assert_eq!(Fingerprint::sample(&Vec::new(), 0, 0).unwrap().len, 0);
    }
}
