//! The S3 requests bigedit makes, signed by rusty-s3 (SigV4 presigned URLs, the range, copy
//! and condition headers among the signed ones) and sent by ureq on the calling thread. Every
//! request is counted in [`RequestStats`], so a caller (and the tests) can tell what moved.

use std::io::Read;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusty_s3::actions::{
    AbortMultipartUpload, CompleteMultipartUpload, CreateMultipartUpload, DeleteObject, GetObject,
    HeadObject, PutObject, UploadPart,
};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use super::config::S3Config;
use super::ObjectError;

/// How long a presigned request stays valid.
const SIGNED_FOR: Duration = Duration::from_secs(3600);
/// Attempts of a ranged GET that met a server error or a broken connection (reads are pinned
/// to the ETag, so repeating one is safe; writes are never repeated).
const GET_ATTEMPTS: u32 = 3;

/// Requests and bytes, counted as they complete.
#[derive(Debug, Default)]
pub struct RequestStats {
    /// HEAD requests.
    pub heads: AtomicU64,
    /// Ranged GETs.
    pub gets: AtomicU64,
    /// Bytes received by GETs.
    pub bytes_read: AtomicU64,
    /// PUTs of whole objects and uploaded parts.
    pub uploads: AtomicU64,
    /// Bytes sent in them.
    pub bytes_uploaded: AtomicU64,
    /// `UploadPartCopy` requests.
    pub copies: AtomicU64,
    /// Bytes the server copied for them.
    pub bytes_copied: AtomicU64,
}

impl RequestStats {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// A snapshot: (heads, gets, bytes read, uploads, bytes uploaded, copies, bytes copied).
    pub fn snapshot(&self) -> [u64; 7] {
        [
            &self.heads,
            &self.gets,
            &self.bytes_read,
            &self.uploads,
            &self.bytes_uploaded,
            &self.copies,
            &self.bytes_copied,
        ]
        .map(|c| c.load(Ordering::Relaxed))
    }
}

/// What a HEAD tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Length in bytes.
    pub len: u64,
    /// The ETag, quotes included, as the server sent it.
    pub etag: String,
}

/// A client of one bucket.
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    config: S3Config,
    bucket: Bucket,
    credentials: Option<Credentials>,
    stats: Arc<RequestStats>,
}

impl Client {
    /// A client of `bucket` as `config` says.
    ///
    /// # Errors
    ///
    /// [`ObjectError::Config`] for an endpoint that is not an http(s) URL or a bucket name the
    /// addressing style cannot carry.
    pub fn new(config: &S3Config, bucket: &str) -> Result<Client, ObjectError> {
        let endpoint: url::Url = config
            .endpoint
            .parse()
            .map_err(|e| ObjectError::Config(format!("endpoint {:?}: {e}", config.endpoint)))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(ObjectError::Config(format!(
                "endpoint {:?}: not an http(s) URL",
                config.endpoint
            )));
        }
        let style = if config.path_style { UrlStyle::Path } else { UrlStyle::VirtualHost };
        let bucket = Bucket::new(endpoint, style, bucket.to_string(), config.region.clone())
            .map_err(|e| ObjectError::Config(format!("bucket {bucket:?}: {e}")))?;
        let credentials = config.credentials.as_ref().map(|(k, s, t)| match t {
            Some(t) => Credentials::new_with_token(k, s, t),
            None => Credentials::new(k, s),
        });
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(config.timeout))
            .timeout_recv_response(Some(config.timeout))
            .timeout_per_read(Some(config.timeout))
            .timeout_per_write(Some(config.timeout))
            .user_agent(concat!("bigedit/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Client { agent, config: config.clone(), bucket, credentials, stats: Arc::default() })
    }

    /// The endpoint, as configured.
    pub fn endpoint(&self) -> &str {
        &self.config.endpoint
    }

    /// The configuration it was made with.
    pub fn config(&self) -> &S3Config {
        &self.config
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        self.bucket.name()
    }

    /// What this client (and its clones) have sent and received.
    pub fn stats(&self) -> &RequestStats {
        &self.stats
    }

    /// The object's length and ETag.
    ///
    /// # Errors
    ///
    /// [`ObjectError::NotFound`], or the server's or the network's error.
    pub fn head(&self, key: &str) -> Result<Head, ObjectError> {
        let url = HeadObject::new(&self.bucket, self.credentials.as_ref(), key).sign(SIGNED_FOR);
        let resp = self.agent.head(url.as_str()).call().map_err(transport)?;
        RequestStats::add(&self.stats.heads, 1);
        let status = resp.status().as_u16();
        if status == 404 {
            return Err(ObjectError::NotFound);
        }
        if status != 200 {
            // A HEAD answer has no body to explain itself.
            let message = match status {
                403 => "access denied: check the credentials, the region and the endpoint",
                301 | 307 => "the bucket is elsewhere: check the region or the endpoint",
                _ => "",
            };
            return Err(ObjectError::Status {
                status,
                code: String::new(),
                message: message.to_string(),
            });
        }
        let len = header(&resp, "content-length")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| ObjectError::Protocol("HEAD without a Content-Length".into()))?;
        let etag = header(&resp, "etag")
            .ok_or_else(|| ObjectError::Protocol("HEAD without an ETag".into()))?;
        Ok(Head { len, etag })
    }

    /// Bytes `range` of the object, refused (412, [`ObjectError::Changed`]) unless its ETag
    /// is still `etag`.
    ///
    /// # Errors
    ///
    /// [`ObjectError::Changed`], or the server's or the network's error (after retries).
    pub fn get_range(
        &self,
        key: &str,
        range: Range<u64>,
        etag: &str,
    ) -> Result<Vec<u8>, ObjectError> {
        if range.start >= range.end {
            return Ok(Vec::new());
        }
        let spec = format!("bytes={}-{}", range.start, range.end - 1);
        let mut action = GetObject::new(&self.bucket, self.credentials.as_ref(), key);
        action.headers_mut().insert("range", spec.clone());
        action.headers_mut().insert("if-match", etag.to_string());
        let url = action.sign(SIGNED_FOR);
        let want = usize::try_from(range.end - range.start)
            .map_err(|_| ObjectError::Protocol("range too large for memory".into()))?;
        let mut last = None;
        for _ in 0..GET_ATTEMPTS {
            let attempt = || -> Result<Vec<u8>, ObjectError> {
                let resp = self
                    .agent
                    .get(url.as_str())
                    .header("range", &spec)
                    .header("if-match", etag)
                    .call()
                    .map_err(transport)?;
                RequestStats::add(&self.stats.gets, 1);
                let status = resp.status().as_u16();
                if status == 412 {
                    return Err(ObjectError::Changed { etag: etag.to_string() });
                }
                if status != 206 && status != 200 {
                    return Err(status_error(resp));
                }
                let mut out = Vec::with_capacity(want);
                resp.into_body()
                    .into_reader()
                    .take(want as u64 + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| ObjectError::Transport(e.to_string()))?;
                RequestStats::add(&self.stats.bytes_read, out.len() as u64);
                if status == 200 {
                    // A server that ignored the range sent the whole object: keep the range.
                    return Err(ObjectError::Protocol(
                        "the server ignored the Range header".into(),
                    ));
                }
                if out.len() != want {
                    return Err(ObjectError::Transport(format!(
                        "short body: {} of {want} bytes",
                        out.len()
                    )));
                }
                Ok(out)
            };
            match attempt() {
                Ok(bytes) => return Ok(bytes),
                Err(e) if e.is_transient() => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(ObjectError::Transport("no attempt made".into())))
    }

    /// Writes the whole object with one PUT; with `if_match`, only over that ETag.
    ///
    /// # Errors
    ///
    /// [`ObjectError::Changed`], or the server's or the network's error.
    pub fn put(
        &self,
        key: &str,
        body: &[u8],
        if_match: Option<&str>,
    ) -> Result<String, ObjectError> {
        let mut action = PutObject::new(&self.bucket, self.credentials.as_ref(), key);
        if let Some(etag) = if_match {
            action.headers_mut().insert("if-match", etag.to_string());
        }
        let url = action.sign(SIGNED_FOR);
        let mut req = self.agent.put(url.as_str());
        if let Some(etag) = if_match {
            req = req.header("if-match", etag);
        }
        let resp = req.send(body).map_err(transport)?;
        RequestStats::add(&self.stats.uploads, 1);
        RequestStats::add(&self.stats.bytes_uploaded, body.len() as u64);
        let status = resp.status().as_u16();
        if status == 412 {
            return Err(ObjectError::Changed { etag: if_match.unwrap_or_default().to_string() });
        }
        if status != 200 {
            return Err(status_error(resp));
        }
        Ok(header(&resp, "etag").unwrap_or_default())
    }

    /// Starts a multipart upload of `key`; returns its upload id.
    ///
    /// # Errors
    ///
    /// The server's or the network's error.
    pub fn create_upload(&self, key: &str) -> Result<String, ObjectError> {
        let url = CreateMultipartUpload::new(&self.bucket, self.credentials.as_ref(), key)
            .sign(SIGNED_FOR);
        let resp = self.agent.post(url.as_str()).send_empty().map_err(transport)?;
        let body = ok_body(resp)?;
        let parsed = CreateMultipartUpload::parse_response(&body)
            .map_err(|e| ObjectError::Protocol(format!("CreateMultipartUpload response: {e}")))?;
        Ok(parsed.upload_id().to_string())
    }

    /// Uploads part `number` (from 1); returns its ETag.
    ///
    /// # Errors
    ///
    /// The server's or the network's error.
    pub fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u16,
        body: &[u8],
    ) -> Result<String, ObjectError> {
        let url = UploadPart::new(&self.bucket, self.credentials.as_ref(), key, number, upload_id)
            .sign(SIGNED_FOR);
        let resp = self.agent.put(url.as_str()).send(body).map_err(transport)?;
        RequestStats::add(&self.stats.uploads, 1);
        RequestStats::add(&self.stats.bytes_uploaded, body.len() as u64);
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(status_error(resp));
        }
        header(&resp, "etag")
            .ok_or_else(|| ObjectError::Protocol("UploadPart without an ETag".into()))
    }

    /// Part `number` copied server-side from bytes `range` of `key` (`UploadPartCopy`), only
    /// while its ETag is `etag`; returns the part's ETag.
    ///
    /// # Errors
    ///
    /// [`ObjectError::Changed`], or the server's or the network's error.
    pub fn copy_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u16,
        range: Range<u64>,
        etag: &str,
    ) -> Result<String, ObjectError> {
        let source = format!("/{}/{}", self.bucket.name(), encode_key(key));
        let spec = format!("bytes={}-{}", range.start, range.end - 1);
        let mut action =
            UploadPart::new(&self.bucket, self.credentials.as_ref(), key, number, upload_id);
        action.headers_mut().insert("x-amz-copy-source", source.clone());
        action.headers_mut().insert("x-amz-copy-source-range", spec.clone());
        action.headers_mut().insert("x-amz-copy-source-if-match", etag.to_string());
        let url = action.sign(SIGNED_FOR);
        let resp = self
            .agent
            .put(url.as_str())
            .header("x-amz-copy-source", &source)
            .header("x-amz-copy-source-range", &spec)
            .header("x-amz-copy-source-if-match", etag)
            .send_empty()
            .map_err(transport)?;
        let status = resp.status().as_u16();
        if status == 412 {
            return Err(ObjectError::Changed { etag: etag.to_string() });
        }
        let body = ok_body(resp)?;
        RequestStats::add(&self.stats.copies, 1);
        RequestStats::add(&self.stats.bytes_copied, range.end - range.start);
        xml_field(&body, "ETag")
            .ok_or_else(|| ObjectError::Protocol("UploadPartCopy without an ETag".into()))
    }

    /// Completes the upload from its parts' ETags (in order), only while the object's ETag is
    /// still `if_match`; returns the new ETag.
    ///
    /// # Errors
    ///
    /// [`ObjectError::Changed`], or the server's or the network's error (including an error
    /// in a 200 response's body).
    pub fn complete(
        &self,
        key: &str,
        upload_id: &str,
        etags: &[String],
        if_match: &str,
    ) -> Result<String, ObjectError> {
        let mut action = CompleteMultipartUpload::new(
            &self.bucket,
            self.credentials.as_ref(),
            key,
            upload_id,
            etags.iter().map(String::as_str),
        );
        action.headers_mut().insert("if-match", if_match.to_string());
        let url = action.sign(SIGNED_FOR);
        let body = action.body();
        let resp = self
            .agent
            .post(url.as_str())
            .header("if-match", if_match)
            .send(body.as_bytes())
            .map_err(transport)?;
        let status = resp.status().as_u16();
        if status == 412 {
            return Err(ObjectError::Changed { etag: if_match.to_string() });
        }
        let body = ok_body(resp)?;
        if body.contains("<Error>") {
            let code = xml_field(&body, "Code").unwrap_or_default();
            if code == "PreconditionFailed" {
                return Err(ObjectError::Changed { etag: if_match.to_string() });
            }
            let message = xml_field(&body, "Message").unwrap_or_default();
            return Err(ObjectError::Status { status, code, message });
        }
        Ok(xml_field(&body, "ETag").unwrap_or_default())
    }

    /// Aborts the upload, freeing its parts.
    ///
    /// # Errors
    ///
    /// The server's or the network's error (a 404: already gone, counts as done).
    pub fn abort(&self, key: &str, upload_id: &str) -> Result<(), ObjectError> {
        let url =
            AbortMultipartUpload::new(&self.bucket, self.credentials.as_ref(), key, upload_id)
                .sign(SIGNED_FOR);
        let resp = self.agent.delete(url.as_str()).call().map_err(transport)?;
        match resp.status().as_u16() {
            200 | 204 | 404 => Ok(()),
            _ => Err(status_error(resp)),
        }
    }

    /// Deletes the object.
    ///
    /// # Errors
    ///
    /// The server's or the network's error.
    pub fn delete(&self, key: &str) -> Result<(), ObjectError> {
        let url = DeleteObject::new(&self.bucket, self.credentials.as_ref(), key).sign(SIGNED_FOR);
        let resp = self.agent.delete(url.as_str()).call().map_err(transport)?;
        match resp.status().as_u16() {
            200 | 204 | 404 => Ok(()),
            _ => Err(status_error(resp)),
        }
    }

    /// The multipart uploads in progress for keys starting with `prefix`, as (key, upload id).
    ///
    /// # Errors
    ///
    /// The server's or the network's error.
    pub fn list_uploads(&self, prefix: &str) -> Result<Vec<(String, String)>, ObjectError> {
        let query = [("prefix", prefix), ("uploads", "")];
        let base = self.bucket.base_url().clone();
        let url = match &self.credentials {
            Some(c) => rusty_s3::signing::sign(
                &jiff::Timestamp::now(),
                rusty_s3::Method::Get,
                base,
                c.key(),
                c.secret(),
                c.token(),
                self.bucket.region(),
                SIGNED_FOR.as_secs(),
                query.into_iter(),
                std::iter::empty(),
            ),
            None => {
                let mut u = base;
                u.query_pairs_mut().append_pair("prefix", prefix).append_pair("uploads", "");
                u
            }
        };
        let resp = self.agent.get(url.as_str()).call().map_err(transport)?;
        let body = ok_body(resp)?;
        let mut out = Vec::new();
        for upload in body.split("<Upload>").skip(1) {
            if let (Some(key), Some(id)) = (xml_field(upload, "Key"), xml_field(upload, "UploadId"))
            {
                out.push((key, id));
            }
        }
        Ok(out)
    }
}

/// `key` percent-encoded for `x-amz-copy-source` (slashes kept).
fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// The text between the first `<name>` and `</name>`, XML entities for quotes undone.
fn xml_field(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].replace("&quot;", "\"").replace("&#34;", "\"").replace("&amp;", "&"))
}

fn transport(e: ureq::Error) -> ObjectError {
    match e {
        ureq::Error::Timeout(what) => ObjectError::Timeout(what.to_string()),
        other => ObjectError::Transport(other.to_string()),
    }
}

/// A 2xx response's body as text, or the status error.
fn ok_body(resp: ureq::http::Response<ureq::Body>) -> Result<String, ObjectError> {
    if !resp.status().is_success() {
        return Err(status_error(resp));
    }
    let mut body = String::new();
    resp.into_body()
        .into_reader()
        .take(16 << 20)
        .read_to_string(&mut body)
        .map_err(|e| ObjectError::Transport(e.to_string()))?;
    Ok(body)
}

/// The S3 error a non-2xx response carries (its `Code` and `Message`).
fn status_error(resp: ureq::http::Response<ureq::Body>) -> ObjectError {
    let status = resp.status().as_u16();
    let mut body = String::new();
    let _ = resp.into_body().into_reader().take(64 << 10).read_to_string(&mut body);
    let code = xml_field(&body, "Code").unwrap_or_default();
    if status == 404 && code.is_empty() || code == "NoSuchKey" {
        return ObjectError::NotFound;
    }
    ObjectError::Status { status, code, message: xml_field(&body, "Message").unwrap_or_default() }
}
