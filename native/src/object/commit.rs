//! The remote commit: a [`Patch`] of an object written as a new version of it.
//!
//! [`bigedit_core::plan_upload`] cuts the patch's pieces into parts; a document under 5 MiB
//! is one PUT with `If-Match: ETAG`. Otherwise a multipart upload is created, its copy parts
//! are `UploadPartCopy` requests with `x-amz-copy-source-range` and
//! `x-amz-copy-source-if-match: ETAG`, its uploaded parts are read (the padding, through the
//! pinned source) and sent, and the upload is completed with `If-Match: ETAG`. Until the
//! complete, the object is untouched; the complete is atomic on the server.
//!
//! Any failure aborts the upload. So that a process killed mid-upload (or an abort that could
//! not reach the server) leaves no parts behind for long, the upload is first recorded in the
//! cache directory (`uploads/`, one file each, locked by the process that uploads); the next
//! bigedit command on the same bucket and endpoint aborts every recorded upload whose file it
//! can lock (its owner is gone) and removes the record.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use bigedit_core::{plan_upload, Part, PartLimits, Patch, Piece, Upload, Version};

use super::{ObjectError, ObjectSource};

/// What a remote commit moved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectStats {
    /// Bytes sent (uploaded parts, or the whole PUT).
    pub uploaded: u64,
    /// Bytes the server copied from the old version.
    pub copied: u64,
    /// Parts of the upload (1 for a PUT).
    pub parts: u64,
    /// Whether it was a multipart upload (else one PUT).
    pub multipart: bool,
    /// The new version's ETag, as the server reported it (may be empty).
    pub etag: String,
}

/// Writes `patch` (planned over `src`) as the object's new version.
///
/// # Errors
///
/// [`ObjectError::Changed`] when the object is no longer the version `src` read; any other
/// request's error. The object is then unchanged and the upload aborted (or recorded for the
/// next command to abort).
pub fn commit(
    src: &ObjectSource,
    patch: &Patch,
    uploads: Option<&Path>,
) -> Result<ObjectStats, ObjectError> {
    let plan = plan_upload(patch.pieces(), &PartLimits::S3)
        .map_err(|e| ObjectError::Config(e.to_string()))?;
    let (uploaded, copied, parts) = (plan.uploaded(), plan.copied(), plan.part_count() as u64);
    let client = src.client();
    let key = &src.url().key;
    match plan {
        Upload::Put(pieces) => {
            let body = gather(src, &pieces)?;
            let etag = client.put(key, &body, Some(src.etag()))?;
            Ok(ObjectStats { uploaded, copied, parts, multipart: false, etag })
        }
        Upload::Multipart(plan) => {
            let id = client.create_upload(key)?;
            let record = uploads.and_then(|dir| Record::create(dir, src, &id).ok());
            let result = upload_parts(src, &id, &plan);
            if result.is_err() {
                let aborted = client.abort(key, &id).is_ok();
                if let Some(record) = record {
                    record.finish(aborted);
                }
            } else if let Some(record) = record {
                record.finish(true);
            }
            result.map(|etag| ObjectStats { uploaded, copied, parts, multipart: true, etag })
        }
    }
}

/// Parts sent at once: server-side copies of large ranges take a while each, and uploads
/// overlap with them.
const PARALLEL_PARTS: usize = 4;

/// Sends the parts (up to [`PARALLEL_PARTS`] at once; the first error stops the others from
/// starting new ones) and completes the upload; returns the new ETag.
fn upload_parts(src: &ObjectSource, id: &str, plan: &[Part<'_>]) -> Result<String, ObjectError> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Mutex;

    let client = src.client();
    let key = &src.url().key;
    if plan.len() > usize::from(u16::MAX) {
        return Err(ObjectError::Config("more than 65,535 parts".into()));
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let etags: Mutex<Vec<Option<String>>> = Mutex::new(vec![None; plan.len()]);
    let first_error: Mutex<Option<ObjectError>> = Mutex::new(None);
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::SeqCst);
        if i >= plan.len() || failed.load(Ordering::SeqCst) {
            return;
        }
        // Checked above: at most 65,535 parts.
        let number = (i + 1) as u16;
        let sent = match &plan[i] {
            Part::Copy(range) => client.copy_part(key, id, number, range.clone(), src.etag()),
            Part::Upload(pieces) => {
                gather(src, pieces).and_then(|body| client.upload_part(key, id, number, &body))
            }
        };
        match sent {
            Ok(etag) => etags.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(etag),
            Err(e) => {
                failed.store(true, Ordering::SeqCst);
                first_error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                return;
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..PARALLEL_PARTS.min(plan.len()) {
            s.spawn(worker);
        }
        worker();
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let etags: Option<Vec<String>> =
        etags.into_inner().unwrap_or_else(|p| p.into_inner()).into_iter().collect();
    let etags = etags.ok_or_else(|| ObjectError::Protocol("a part was not sent".into()))?;
    client.complete(key, id, &etags, src.etag())
}

/// The bytes of `pieces`: new bytes as they are, source ranges read from `src`.
fn gather(src: &ObjectSource, pieces: &[Piece<'_>]) -> Result<Vec<u8>, ObjectError> {
    let len: u64 = pieces.iter().map(Piece::len).sum();
    let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    for piece in pieces {
        match piece {
            Piece::Insert(bytes) => out.extend_from_slice(bytes),
            Piece::Copy(range) => {
                let bytes = bigedit_core::read_range(src, range.clone()).map_err(|e| match e {
                    bigedit_core::Error::Read { source, .. } => ObjectError::from_io(&source)
                        .cloned()
                        .unwrap_or_else(|| ObjectError::Transport(source.to_string())),
                    other => ObjectError::Protocol(other.to_string()),
                })?;
                out.extend_from_slice(&bytes);
            }
        }
    }
    Ok(out)
}

/// A recorded upload in progress, its file locked while this process owns it.
struct Record {
    path: PathBuf,
    _file: File,
}

impl Record {
    fn create(dir: &Path, src: &ObjectSource, id: &str) -> std::io::Result<Record> {
        fs::create_dir_all(dir)?;
        let client = src.client();
        let name = Version::of(format!("{}\n{}\n{id}", client.bucket(), src.url().key).as_bytes());
        let path = dir.join(format!("{name}.upload"));
        let mut file = File::create(&path)?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive)?;
        let line = serde_json::json!({
            "endpoint": client.endpoint(),
            "bucket": client.bucket(),
            "key": src.url().key,
            "upload_id": id,
        });
        writeln!(file, "{line}")?;
        Ok(Record { path, _file: file })
    }

    /// Removes the record (when the upload is completed or aborted), else leaves it for the
    /// next command.
    fn finish(self, done: bool) {
        if done {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Aborts the uploads recorded in `dir` for `client`'s bucket whose owners are gone (their
/// record can be locked), and removes their records. Returns how many it aborted. Each abort
/// goes to the endpoint the upload was made at, then (if that fails) to `client`'s (the same
/// server may be reached two ways; an upload the server does not know counts as aborted).
/// Failures are left for a later command.
pub fn abort_orphans(dir: &Path, client: &super::Client) -> usize {
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    let mut aborted = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "upload") {
            continue;
        }
        let Ok(file) = File::open(&path) else { continue };
        if rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
            continue; // its owner is still uploading
        }
        let Ok(text) = fs::read_to_string(&path) else { continue };
        let Ok(rec) = serde_json::from_str::<serde_json::Value>(text.trim()) else {
            let _ = fs::remove_file(&path);
            continue;
        };
        let field = |k: &str| rec.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        if field("bucket") != client.bucket() {
            continue;
        }
        let (key, id) = (field("key"), field("upload_id"));
        let there = (field("endpoint") != client.endpoint())
            .then(|| {
                let config =
                    super::S3Config { endpoint: field("endpoint"), ..client.config().clone() };
                super::Client::new(&config, client.bucket()).ok()
            })
            .flatten();
        let done =
            there.is_some_and(|c| c.abort(&key, &id).is_ok()) || client.abort(&key, &id).is_ok();
        if done {
            let _ = fs::remove_file(&path);
            aborted += 1;
        }
    }
    aborted
}
