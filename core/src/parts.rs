//! Part planning for object storage: the new document, as [`Piece`]s of the old one, cut into
//! the parts of an S3 multipart upload.
//!
//! S3 assembles a new object from numbered parts. A part is either *copied* server-side from
//! a byte range of an existing object (`UploadPartCopy` with `x-amz-copy-source-range`) or
//! *uploaded*. Every part but the last must be at least [`PartLimits::min_part`] (5 MiB), no
//! part may exceed [`PartLimits::max_part`] (5 GiB), and there are at most
//! [`PartLimits::max_parts`] (10,000). An edit is cheap when most of the object is copied:
//! the planner turns every long enough untouched run into copy parts, and uploads only the new
//! bytes, padded with neighbouring original bytes until each uploaded part reaches the minimum.
//! Changes closer together than the minimum share one uploaded part. A document smaller than
//! the minimum is one uploaded part (the host writes it with one PUT).
//!
//! ADVICE FOR HACKERS: the invariants the host relies on, checked by the tests against a naive
//! model:
//!
//! - the parts, concatenated, are exactly the pieces (same bytes, same order);
//! - every part but the last is at least `min_part` long; none is longer than `max_part`;
//! - there are at most `max_parts` parts (if the edit is too scattered for that at 5 MiB, the
//!   minimum is doubled until it fits, uploading more padding);
//! - a [`Part::Copy`] is one range of the source; a [`Part::Upload`] lists its pieces, whose
//!   `Copy` ranges the host reads from the source.
//!
//! The planner does no I/O and keeps nothing but the parts: O(pieces + parts) time and memory.

use std::ops::Range;

use crate::patch::Piece;

/// S3's limits on the parts of a multipart upload (tests use small ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartLimits {
    /// Smallest part but the last (S3: 5 MiB).
    pub min_part: u64,
    /// Largest part (S3: 5 GiB); taken as at least twice `min_part`.
    pub max_part: u64,
    /// Most parts in one upload (S3: 10,000).
    pub max_parts: usize,
    /// Largest *uploaded* part, which the host holds in memory while it sends it (bigedit:
    /// 64 MiB); raised to the minimum when that is larger.
    pub max_upload: u64,
}

impl PartLimits {
    /// S3's limits: 5 MiB, 5 GiB, 10,000 parts.
    pub const S3: PartLimits = PartLimits {
        min_part: 5 << 20,
        max_part: 5 << 30,
        max_parts: 10_000,
        max_upload: 64 << 20,
    };
}

impl Default for PartLimits {
    fn default() -> Self {
        PartLimits::S3
    }
}

/// One part of a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<'a> {
    /// Copied server-side from this range of the source.
    Copy(Range<u64>),
    /// Uploaded: these pieces' bytes, in order (`Copy` ranges are read from the source).
    Upload(Vec<Piece<'a>>),
}

impl Part<'_> {
    /// Length of the part in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Part::Copy(r) => r.end - r.start,
            Part::Upload(pieces) => pieces.iter().map(Piece::len).sum(),
        }
    }

    /// Whether the part holds no bytes (only the single part of an empty document).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How a new document is written to object storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upload<'a> {
    /// Smaller than one part: the whole document in one PUT (these pieces).
    Put(Vec<Piece<'a>>),
    /// A multipart upload of these parts, in order.
    Multipart(Vec<Part<'a>>),
}

impl Upload<'_> {
    /// Bytes the host sends (uploaded parts, or the whole PUT).
    pub fn uploaded(&self) -> u64 {
        match self {
            Upload::Put(pieces) => pieces.iter().map(Piece::len).sum(),
            Upload::Multipart(parts) => {
                parts.iter().filter(|p| matches!(p, Part::Upload(_))).map(Part::len).sum()
            }
        }
    }

    /// Bytes the server copies from the old object.
    pub fn copied(&self) -> u64 {
        match self {
            Upload::Put(_) => 0,
            Upload::Multipart(parts) => {
                parts.iter().filter(|p| matches!(p, Part::Copy(_))).map(Part::len).sum()
            }
        }
    }

    /// Number of parts (1 for a PUT).
    pub fn part_count(&self) -> usize {
        match self {
            Upload::Put(_) => 1,
            Upload::Multipart(parts) => parts.len(),
        }
    }
}

/// Why a document cannot be uploaded within the limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PartError {
    /// The new document is larger than `max_parts` parts of `max_part` bytes.
    #[error(
        "a document of {len} bytes does not fit in {max_parts} parts of at most {max_part} bytes"
    )]
    TooLarge {
        /// The new document's length.
        len: u64,
        /// The limit on parts.
        max_parts: usize,
        /// The limit on a part's size.
        max_part: u64,
    },
}

/// Plans the upload of the document `pieces` make (see the [module docs](crate::parts)).
///
/// Runs in O(pieces + parts); if the first plan needs more than `max_parts` parts, plans
/// again with a doubled minimum (at most about 30 times).
///
/// # Example
///
/// ```
/// use bigedit_core::{plan_upload, Part, PartLimits, PatchBuilder, Upload};
///
/// let limits = PartLimits { min_part: 4, max_part: 100, max_parts: 10, max_upload: 100 };
/// let mut b = PatchBuilder::new(20);
/// b.push(10..11, b"X").unwrap();
/// let patch = b.build().unwrap();
/// let Upload::Multipart(parts) = plan_upload(patch.pieces(), &limits).unwrap() else { panic!() };
/// // 0..10 copied, then "X" padded with the next original bytes to the minimum, the rest copied.
/// assert_eq!(parts[0], Part::Copy(0..10));
/// assert_eq!(parts[1].len(), 4);
/// assert_eq!(parts[2], Part::Copy(14..20));
/// ```
///
/// # Errors
///
/// [`PartError::TooLarge`] when no minimum makes the document fit.
pub fn plan_upload<'a>(
    pieces: impl IntoIterator<Item = Piece<'a>>,
    limits: &PartLimits,
) -> Result<Upload<'a>, PartError> {
    let pieces: Vec<Piece<'a>> = pieces.into_iter().filter(|p| !p.is_empty()).collect();
    let len: u64 = pieces.iter().map(Piece::len).sum();
    let min = limits.min_part.max(1);
    // Copies longer than a part are split in equal shares: twice the minimum keeps each share
    // at least the minimum (S3's limits are 1,024 times apart).
    let max = limits.max_part.max(min.saturating_mul(2));
    if len < min {
        return Ok(Upload::Put(pieces));
    }
    let too_large = PartError::TooLarge { len, max_parts: limits.max_parts, max_part: max };
    if len.div_ceil(max) > limits.max_parts as u64 {
        return Err(too_large);
    }
    let mut floor = min;
    loop {
        let parts = plan_with(&pieces, floor, max, limits.max_upload.clamp(floor, max));
        if parts.len() <= limits.max_parts {
            return Ok(Upload::Multipart(parts));
        }
        if floor >= max / 2 {
            return Err(too_large);
        }
        floor = floor.saturating_mul(2).min(max / 2);
    }
}

/// One plan with parts of at least `min` bytes (but the last) and at most `max`.
/// Uploaded parts stop growing at `up` (at least `min`, at most `max`).
fn plan_with<'a>(pieces: &[Piece<'a>], min: u64, max: u64, up: u64) -> Vec<Part<'a>> {
    let mut parts = Vec::new();
    let mut pending = Pending::default();
    let last = pieces.len().saturating_sub(1);
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Insert(bytes) => pending.push_insert(bytes, up, &mut parts),
            Piece::Copy(range) => {
                let mut range = range.clone();
                // Pad a pending upload to the minimum with the copy's first bytes.
                if pending.len > 0 && pending.len < min {
                    let take = (min - pending.len).min(range.end - range.start);
                    pending.push(Piece::Copy(range.start..range.start + take));
                    range.start += take;
                }
                let rest = range.end - range.start;
                if rest == 0 {
                    continue;
                }
                if rest >= min
                    || (i == last && pending.len >= min)
                    || (i == last && pending.len == 0)
                {
                    pending.close(&mut parts);
                    push_copies(range, max, &mut parts);
                } else {
                    // Too short to stand alone: uploaded with the pending part.
                    pending.push_copy(range, up, &mut parts);
                }
            }
        }
    }
    pending.close(&mut parts);
    parts
}

/// The uploaded part being gathered.
#[derive(Default)]
struct Pending<'a> {
    pieces: Vec<Piece<'a>>,
    len: u64,
}

impl<'a> Pending<'a> {
    fn push(&mut self, piece: Piece<'a>) {
        self.len += piece.len();
        self.pieces.push(piece);
    }

    fn close(&mut self, parts: &mut Vec<Part<'a>>) {
        if !self.pieces.is_empty() {
            parts.push(Part::Upload(std::mem::take(&mut self.pieces)));
            self.len = 0;
        }
    }

    /// Adds new bytes, closing parts that reach `max` (only an insert larger than a part).
    fn push_insert(&mut self, mut bytes: &'a [u8], max: u64, parts: &mut Vec<Part<'a>>) {
        while !bytes.is_empty() {
            let room = usize::try_from(max - self.len).unwrap_or(usize::MAX);
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            self.push(Piece::Insert(now));
            bytes = later;
            if self.len >= max {
                self.close(parts);
            }
        }
    }

    /// Adds source bytes to be uploaded, closing parts that reach `max`.
    fn push_copy(&mut self, mut range: Range<u64>, max: u64, parts: &mut Vec<Part<'a>>) {
        while range.start < range.end {
            let take = (max - self.len).min(range.end - range.start);
            self.push(Piece::Copy(range.start..range.start + take));
            range.start += take;
            if self.len >= max {
                self.close(parts);
            }
        }
    }
}

/// Copy parts for `range`: as few as `max` allows, of about equal size. Each is then more
/// than `max / 2`, so at least the minimum whenever `max` is twice the minimum.
fn push_copies(range: Range<u64>, max: u64, parts: &mut Vec<Part<'_>>) {
    let len = range.end - range.start;
    let n = len.div_ceil(max).max(1);
    let mut start = range.start;
    for k in 0..n {
        // Equal shares, the remainder spread over the first ones.
        let share = len / n + u64::from(k < len % n);
        parts.push(Part::Copy(start..start + share));
        start += share;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Patch, PatchBuilder};
    use proptest::prelude::*;

    /// The bytes a part stands for, given the source (the naive model: concatenation).
    fn bytes_of(src: &[u8], pieces: &[Piece<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in pieces {
            match p {
                Piece::Copy(r) => out.extend_from_slice(&src[r.start as usize..r.end as usize]),
                Piece::Insert(b) => out.extend_from_slice(b),
            }
        }
        out
    }

    /// What a checked plan did: bytes uploaded and copied, parts, uploaded parts.
    #[derive(Debug)]
    struct Summary {
        put: bool,
        uploaded: u64,
        copied: u64,
        parts: usize,
        uploads: usize,
        leading_copies: usize,
    }

    /// Plans `patch` and checks the invariants against the naive model (apply, concatenate).
    fn check(src: &[u8], patch: &Patch, limits: &PartLimits) -> Summary {
        let expected = patch.apply_to_vec(src).unwrap();
        let max = limits.max_part.max(2 * limits.min_part);
        let upload = plan_upload(patch.pieces(), limits).unwrap();
        let mut got = Vec::new();
        let (mut uploads, mut leading_copies) = (0, 0);
        match &upload {
            Upload::Put(pieces) => {
                assert!((expected.len() as u64) < limits.min_part);
                got = bytes_of(src, pieces);
            }
            Upload::Multipart(parts) => {
                assert!(!parts.is_empty() && parts.len() <= limits.max_parts);
                for (i, part) in parts.iter().enumerate() {
                    assert!(part.len() <= max, "part {i} too large: {parts:?}");
                    if i + 1 < parts.len() {
                        assert!(part.len() >= limits.min_part, "part {i} too small: {parts:?}");
                    }
                    match part {
                        Part::Copy(r) => {
                            leading_copies += usize::from(uploads == 0);
                            got.extend_from_slice(&src[r.start as usize..r.end as usize])
                        }
                        Part::Upload(pieces) => {
                            uploads += 1;
                            got.extend_from_slice(&bytes_of(src, pieces))
                        }
                    }
                }
            }
        }
        assert_eq!(got, expected);
        Summary {
            put: matches!(upload, Upload::Put(_)),
            uploaded: upload.uploaded(),
            copied: upload.copied(),
            parts: upload.part_count(),
            uploads,
            leading_copies,
        }
    }

    fn patch_of(len: u64, edits: &[(u64, u64, &[u8])]) -> Patch {
        let mut b = PatchBuilder::new(len);
        for (a, z, with) in edits {
            b.push(*a..*z, with).unwrap();
        }
        b.build().unwrap()
    }

    const SMALL: PartLimits =
        PartLimits { min_part: 8, max_part: 32, max_parts: 10_000, max_upload: 16 };

    #[test]
    fn a_document_under_the_minimum_is_one_put() {
        let src = b"hello".to_vec();
        let patch = patch_of(5, &[(0, 1, b"J")]);
        assert!(check(&src, &patch, &SMALL).put);
        // Deleting everything: an empty PUT.
        let patch = patch_of(5, &[(0, 5, b"")]);
        assert!(check(&src, &patch, &SMALL).put);
    }

    #[test]
    fn a_middle_edit_uploads_one_padded_part() {
        let src: Vec<u8> = (0..100u8).collect();
        let patch = patch_of(100, &[(50, 51, b"XY")]);
        let up = check(&src, &patch, &SMALL);
        assert!(up.uploaded >= SMALL.min_part && up.uploaded < 2 * SMALL.min_part, "{up:?}");
        assert_eq!(up.uploads, 1);
        assert_eq!(up.copied + up.uploaded, 101);
    }

    #[test]
    fn edits_at_the_edges() {
        let src: Vec<u8> = (0..100u8).collect();
        for edit in
            [(0, 0, &b"A"[..]), (3, 4, b"B"), (95, 96, b"C"), (100, 100, b"D"), (99, 100, b"")]
        {
            check(&src, &patch_of(100, &[edit]), &SMALL);
        }
        check(&src, &patch_of(100, &[(0, 100, b"")]), &SMALL);
    }

    #[test]
    fn nearby_edits_share_a_part_and_large_copies_split() {
        let src: Vec<u8> = (0..200u8).collect();
        let patch = patch_of(200, &[(50, 51, b"a"), (53, 54, b"b"), (56, 57, b"c")]);
        let up = check(&src, &patch, &SMALL);
        assert_eq!(up.uploads, 1, "{up:?}");
        // 0..50 is more than a part: two copies.
        assert!(up.leading_copies >= 2, "{up:?}");
    }

    #[test]
    fn too_many_parts_doubles_the_minimum() {
        let src = vec![b'x'; 1000];
        let edits: Vec<(u64, u64, &[u8])> =
            (0..50).map(|k| (k * 20, k * 20 + 1, &b"y"[..])).collect();
        let limits = PartLimits { min_part: 4, max_part: 400, max_parts: 12, max_upload: 400 };
        let up = check(&src, &patch_of(1000, &edits), &limits);
        assert!(up.parts <= 12);
        let limits = PartLimits { min_part: 4, max_part: 8, max_parts: 12, max_upload: 8 };
        assert!(matches!(
            plan_upload(patch_of(1000, &edits).pieces(), &limits),
            Err(PartError::TooLarge { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn parts_concatenate_to_the_document(
            len in 0u64..300,
            edits in proptest::collection::vec((0u64..300, 0u64..20, proptest::collection::vec(any::<u8>(), 0..40)), 0..12),
            min in 1u64..20,
            extra in 0u64..60,
            up_extra in 0u64..30,
            max_parts in 1usize..40,
        ) {
            let src: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut b = PatchBuilder::new(len);
            let mut spans: Vec<(u64, u64, Vec<u8>)> = edits
                .into_iter()
                .map(|(a, n, w)| { let a = a.min(len); (a, (a + n).min(len), w) })
                .collect();
            spans.sort_by_key(|s| s.0);
            let mut end = 0;
            for (a, z, w) in spans {
                if a < end { continue; }
                b.push(a..z, w).unwrap();
                end = z.max(a + 1);
            }
            let patch = b.build().unwrap();
            let limits = PartLimits { min_part: min, max_part: min + extra, max_parts, max_upload: min + up_extra };
            let new_len = patch.apply_to_vec(&src).unwrap().len() as u64;
            let max = limits.max_part.max(2 * min);
            match plan_upload(patch.pieces(), &limits) {
                Ok(_) => { check(&src, &patch, &limits); }
                // Refused only when even parts of half the maximum are too many.
                Err(PartError::TooLarge { .. }) => {
                    prop_assert!(new_len >= min && new_len > (max / 2) * (max_parts as u64 - 1));
                }
            }
        }
    }
}
