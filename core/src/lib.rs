//! bigedit-core: the engine of bigedit, free of I/O.
//!
//! A host hands the core a [`ReadAt`] source (a file, a Blob, a byte slice). The core scans it
//! in chunks with push-based scanners ([`Scanner`], driven by a [`Chunker`]), indexes its lines
//! ([`LineIndex`]), and turns an intent (replace lines 10-12, replace `foo` with `bar`) into a
//! [`Patch`]: sorted byte-range [`Splice`]s over the source. The host writes the patch's
//! [`Piece`]s (copies of untouched ranges and new bytes) into its own sink. Edits can be staged
//! on an [`Overlay`], which reads as the edited document, and committed in one pass.
//!
//! # Example
//!
//! ```
//! use bigedit_core::{text, Chunker, LineIndex, Overlay, ReadAt, read_range};
//!
//! let src = b"alpha\nbeta\ngamma\n".to_vec();
//! let mut chunker = Chunker::new(4); // tiny chunks: every scanner handles any size
//!
//! // Index once, then find line 2 without scanning from the start.
//! let index = LineIndex::build(&src, &mut chunker).unwrap();
//! assert_eq!(index.lines_to_bytes(&src, 2..=2).unwrap(), 6..11);
//!
//! // Stage two edits; the second one sees the first.
//! let mut doc = Overlay::new(&src);
//! doc.stage(&text::replace_lines(&src, &index, 2..=2, b"BETA").unwrap()).unwrap();
//! let view = LineIndex::build(&doc, &mut chunker).unwrap();
//! doc.stage(&text::insert_lines(&doc, &view, 3, b"delta").unwrap()).unwrap();
//! assert_eq!(read_range(&doc, 0..doc.len()).unwrap(), b"alpha\nBETA\ngamma\ndelta\n");
//!
//! // One patch in source coordinates; a host streams its pieces into a file.
//! assert_eq!(doc.patch().apply_to_vec(&src).unwrap(), b"alpha\nBETA\ngamma\ndelta\n");
//! ```

#![forbid(unsafe_code)]

pub mod chunks;
pub mod csv;
pub mod diff;
mod error;
mod find;
mod kind;
mod lines;
pub mod markdown;
mod ops;
mod overlay;
pub mod parts;
mod patch;
mod range;
mod scan;
mod source;
pub mod text;
mod version;

pub use error::{EditError, Error};
pub use find::{Line, LineSplitter, LiteralFinder, Match, DEFAULT_LINE_LIMIT};
pub use kind::FileKind;
pub use lines::{
    lines_before, lines_from, tail_start, Checkpoint, LineEnding, LineIndex, LineIndexBuilder,
    CHECKPOINT_INTERVAL,
};
pub use ops::{check_steps, check_version, plan_edits, Content, Edit, LinesArg, Step};
pub use overlay::Overlay;
pub use parts::{plan_upload, Part, PartError, PartLimits, Upload};
pub use patch::{
    Drain, Patch, PatchBuilder, Piece, Pieces, Planned, Sink, Splice, SpliceIter, SpliceRef,
    Splices, Tally, WriteError,
};
pub use range::{parse_byte_range, End as LineEnd, LineRange, Start as LineStart};
pub use scan::{Chunker, Flow, Pass, Scanner, DEFAULT_CHUNK};
pub use source::{check_range, read_exact_at, read_range, ReadAt};
pub use text::{LineHandler, LinePass, LiteralReplacer, RegexFinder, RegexReplacer, Replacer};
pub use version::{Fingerprint, Version, VersionHasher, SAMPLE};
