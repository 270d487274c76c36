//! Version tokens: what a read returns as `version` and an edit passes back.
//!
//! A token names the region it covers and the [`Version`] (hash) of its exact bytes, so an
//! agent can copy one string from a read into an edit:
//!
//! - `L10-50:1f2e3d4c5b6a7988`: lines 10 to 50 (1-based, inclusive) hashed to that version;
//! - `B0-4096:...`: bytes 0 to 4096 (0-based, end exclusive);
//! - `M12:...`: the 12 CSV rows that matched a `where` (their stored bytes, concatenated).
//!
//! An edit is accepted when the token's region still hashes to its version *and* contains
//! every byte the edit changes. A token for lines 10-50 therefore allows any edit inside
//! those lines; an edit reaching outside them is refused like a stale one.

use std::fmt;

use bigedit_core::Version;

/// The region a token covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// Lines `start..=end`, 1-based (`0..=0` is the empty region at the top of a file).
    Lines(u64, u64),
    /// Bytes `start..end`.
    Bytes(u64, u64),
    /// The rows matching the edit's `where` conditions, and how many there were.
    Matches(u64),
}

/// A region and the version of its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What was read.
    pub region: Region,
    /// The version of those bytes.
    pub version: Version,
}

impl Token {
    /// A token for lines `start..=end`.
    pub fn lines(start: u64, end: u64, version: Version) -> Token {
        Token { region: Region::Lines(start, end), version }
    }

    /// A token for bytes `range`.
    pub fn bytes(range: std::ops::Range<u64>, version: Version) -> Token {
        Token { region: Region::Bytes(range.start, range.end), version }
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.region {
            Region::Lines(a, b) => write!(f, "L{a}-{b}:{}", self.version),
            Region::Bytes(a, b) => write!(f, "B{a}-{b}:{}", self.version),
            Region::Matches(n) => write!(f, "M{n}:{}", self.version),
        }
    }
}

/// Why a token did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a version as bigedit's reads return it (e.g. \"L10-50:1f2e3d4c5b6a7988\")")]
pub struct BadToken(pub String);

impl std::str::FromStr for Token {
    type Err = BadToken;

    fn from_str(s: &str) -> Result<Token, BadToken> {
        let bad = || BadToken(s.to_string());
        let (head, hex) = s.trim().split_once(':').ok_or_else(bad)?;
        if hex.len() != 16 {
            return Err(bad());
        }
        let version = hex.parse::<Version>().map_err(|_| bad())?;
        let pair = |t: &str| -> Result<(u64, u64), BadToken> {
            let (a, b) = t.split_once('-').ok_or_else(bad)?;
            let (a, b) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
            if a > b {
                return Err(bad());
            }
            Ok((a, b))
        };
        let region = match head.as_bytes().first() {
            Some(b'L') => pair(&head[1..]).map(|(a, b)| Region::Lines(a, b))?,
            Some(b'B') => pair(&head[1..]).map(|(a, b)| Region::Bytes(a, b))?,
            Some(b'M') => Region::Matches(head[1..].parse().map_err(|_| bad())?),
            _ => return Err(bad()),
        };
        Ok(Token { region, version })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_bad_ones_are_named() {
        let v = Version::of(b"x");
        for t in [
            Token::lines(10, 50, v),
            Token::bytes(0..4096, v),
            Token { region: Region::Matches(3), version: v },
        ] {
            assert_eq!(t.to_string().parse::<Token>().unwrap(), t);
        }
        assert_eq!(Token::lines(0, 0, Version(0xab)).to_string(), "L0-0:00000000000000ab");
        for bad in [
            "",
            "L1-2",
            "L2-1:00000000000000ab",
            "X1-2:00000000000000ab",
            "L1-2:ab",
            "B1:00000000000000ab",
        ] {
            let err = bad.parse::<Token>().unwrap_err();
            assert!(err.to_string().contains("is not a version"), "{err}");
        }
    }
}
