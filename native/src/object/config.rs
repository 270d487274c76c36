//! Where an object store is and who we are there: endpoint, region, credentials and
//! addressing style, from the flags, the usual AWS environment variables and `~/.aws` profiles.
//!
//! Precedence, as the AWS CLI has it: flags, then the environment, then the profile
//! (`AWS_PROFILE`, else `default`) of `~/.aws/config` and `~/.aws/credentials` (or
//! `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`).
//!
//! - endpoint: `--endpoint-url`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's
//!   `endpoint_url`; else AWS (`https://s3.REGION.amazonaws.com`);
//! - region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`; else `us-east-1`;
//! - credentials: `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), the
//!   profile's `aws_access_key_id` + `aws_secret_access_key` (+ `aws_session_token`); with
//!   none, requests go unsigned (public buckets);
//! - addressing: path-style (`ENDPOINT/BUCKET/KEY`) with `--path-style`,
//!   `BIGEDIT_S3_PATH_STYLE=1` or the profile's `s3 = addressing_style = path`, and for an
//!   endpoint that is an IP address or `localhost`; virtual-hosted (`BUCKET.ENDPOINT/KEY`)
//!   otherwise.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the command line says about object storage (everything else comes from the
/// environment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Options {
    /// `--endpoint-url`: an S3-compatible server instead of AWS.
    pub endpoint_url: Option<String>,
    /// `--path-style`: address buckets as `ENDPOINT/BUCKET` rather than `BUCKET.ENDPOINT`.
    pub path_style: bool,
}

/// The resolved configuration of one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    /// Base URL of the service (`https://s3.us-east-1.amazonaws.com`, `http://127.0.0.1:8333`).
    pub endpoint: String,
    /// Signing region.
    pub region: String,
    /// Access key, secret and session token; `None`: unsigned requests.
    pub credentials: Option<(String, String, Option<String>)>,
    /// Path-style addressing.
    pub path_style: bool,
    /// How long a request may stall (connect, or no byte moving) before it fails:
    /// `BIGEDIT_S3_TIMEOUT` seconds, default 60.
    pub timeout: Duration,
}

impl S3Config {
    /// Resolves the configuration from `opts`, the environment and the profiles.
    pub fn resolve(opts: &S3Options) -> S3Config {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let home = env("HOME").map(PathBuf::from);
        let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".to_string());
        let config_file = env("AWS_CONFIG_FILE")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws/config")));
        let creds_file = env("AWS_SHARED_CREDENTIALS_FILE")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws/credentials")));
        let config_section =
            if profile == "default" { "default".to_string() } else { format!("profile {profile}") };
        let config = config_file.map(|f| read_section(&f, &config_section)).unwrap_or_default();
        let creds = creds_file.map(|f| read_section(&f, &profile)).unwrap_or_default();
        let from_profile = |k: &str| creds.get(k).or_else(|| config.get(k)).cloned();

        let region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| from_profile("region"))
            .unwrap_or_else(|| "us-east-1".to_string());
        let endpoint = opts
            .endpoint_url
            .clone()
            .or_else(|| env("AWS_ENDPOINT_URL_S3"))
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| from_profile("endpoint_url"))
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let credentials = match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(k), Some(s)) => Some((k, s, env("AWS_SESSION_TOKEN"))),
            _ => match (from_profile("aws_access_key_id"), from_profile("aws_secret_access_key")) {
                (Some(k), Some(s)) => Some((k, s, from_profile("aws_session_token"))),
                _ => None,
            },
        };
        let path_style = opts.path_style
            || env("BIGEDIT_S3_PATH_STYLE").is_some_and(|v| v != "0")
            || from_profile("addressing_style").is_some_and(|v| v == "path")
            || local_host(&endpoint);
        let timeout = env("BIGEDIT_S3_TIMEOUT")
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map_or(Duration::from_secs(60), Duration::from_secs_f64);
        S3Config { endpoint, region, credentials, path_style, timeout }
    }
}

/// Whether the endpoint's host is an IP address or `localhost` (no virtual-hosted buckets).
fn local_host(endpoint: &str) -> bool {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let name = if host.starts_with('[') {
        host.trim_start_matches('[').split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok()
}

/// The `key = value` pairs of `[section]` in an AWS ini file (nested `s3 =` blocks are
/// flattened: their indented keys count as the section's). A missing file is empty.
fn read_section(path: &Path, section: &str) -> HashMap<String, String> {
    let Ok(text) = std::fs::read_to_string(path) else { return HashMap::new() };
    let mut out = HashMap::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim() == section;
            continue;
        }
        if inside {
            if let Some((k, v)) = line.split_once('=') {
                let (k, v) = (k.trim(), v.trim());
                if !v.is_empty() {
                    out.entry(k.to_string()).or_insert_with(|| v.to_string());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_endpoints_are_path_style() {
        assert!(local_host("http://127.0.0.1:8333"));
        assert!(local_host("http://localhost:9000/"));
        assert!(local_host("http://[::1]:9000"));
        assert!(!local_host("https://s3.eu-west-1.amazonaws.com"));
        assert!(!local_host("https://minio.example.com:9000"));
    }

    #[test]
    fn profiles_are_read_by_section() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config");
        std::fs::write(
            &f,
            "[default]\nregion = eu-west-1\n\n[profile work]\nregion=us-west-2\ns3 =\n  addressing_style = path\n",
        )
        .unwrap();
        assert_eq!(read_section(&f, "default").get("region").unwrap(), "eu-west-1");
        let work = read_section(&f, "profile work");
        assert_eq!(work.get("region").unwrap(), "us-west-2");
        assert_eq!(work.get("addressing_style").unwrap(), "path");
        assert!(read_section(&dir.path().join("missing"), "default").is_empty());
    }
}
