//! What the CLI tests share: the `bigedit` binary, a sandbox per test (its own directory and
//! index cache), reference tools, and a naive model of lines.
//!
//! The model is written from the specification, not from bigedit's code: a line ends after
//! each `\n`, a non-empty rest is a last line without one, the empty file has no lines, and a
//! line's text is the line without its `\r\n` or `\n`.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;

use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------------------------

/// The `bigedit` binary: `$BIGEDIT_BIN` if set, else built once per test process.
///
/// Cargo only tells a package's own tests where its binaries are, so this runs
/// `cargo build -p bigedit --bin bigedit` (a no-op when it is fresh) with the target directory
/// and profile of the running test executable, and takes the path cargo reports.
pub fn bigedit() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| match std::env::var_os("BIGEDIT_BIN") {
        Some(path) => PathBuf::from(path),
        None => build_bigedit(),
    })
}

fn build_bigedit() -> PathBuf {
    let cargo = std::env::var_os("CARGO")
        .or_else(|| option_env!("CARGO").map(Into::into))
        .unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--package", "bigedit", "--bin", "bigedit"])
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(&manifest);
    // This executable is <target>/[<triple>/]<profile>/deps/<name>; cargo marks <target> with
    // CACHEDIR.TAG. Building there with the same profile reuses the dependencies just built.
    let exe = std::env::current_exe().expect("the test executable has a path");
    if let Some(profile_dir) = exe.parent().and_then(Path::parent) {
        if profile_dir.file_name() == Some(OsStr::new("release")) {
            cmd.arg("--release");
        }
        if let Some(target) = profile_dir.ancestors().find(|d| d.join("CACHEDIR.TAG").is_file()) {
            cmd.arg("--target-dir").arg(target);
        }
    }
    let out = cmd.stdin(Stdio::null()).output().expect("cargo runs");
    assert!(
        out.status.success(),
        "building bigedit failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "bigedit")
        .filter(|m| m["target"]["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "bin")))
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reports the bigedit executable")
}

// ---------------------------------------------------------------------------------------------
// Sandboxes and runs
// ---------------------------------------------------------------------------------------------

/// A working directory for one test, and an index cache of its own.
pub struct Sandbox {
    root: TempDir,
}

impl Sandbox {
    /// A new, empty sandbox.
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("temporary directory");
        std::fs::create_dir(root.path().join("work")).expect("work directory");
        Sandbox { root }
    }

    /// The directory commands run in; files are named relative to it.
    pub fn dir(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// The index cache of this sandbox (`BIGEDIT_CACHE_DIR`).
    pub fn cache_dir(&self) -> PathBuf {
        self.root.path().join("cache")
    }

    /// The path of `name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    /// Writes `bytes` to `name` and returns the name.
    pub fn write(&self, name: &str, bytes: &[u8]) -> String {
        std::fs::write(self.path(name), bytes).expect("write test file");
        name.to_string()
    }

    /// The bytes of `name`.
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read test file")
    }

    /// The names in the working directory, sorted (to see that nothing is left beside the
    /// files: no temporary file, journal or lock).
    pub fn listing(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir())
            .expect("list work directory")
            .map(|e| e.expect("directory entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Runs `bigedit ARGS` with nothing on stdin.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    /// Runs `bigedit ARGS` with `stdin` piped in.
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        self.run_with_stdin(args, Some(stdin))
    }

    /// Runs `bigedit ARGS` with nothing on stdin and `env` added to its environment.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.run_full(args, None, env)
    }

    fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        self.run_full(args, stdin, &[])
    }

    fn run_full(&self, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(bigedit());
        cmd.args(args).current_dir(self.dir()).env("BIGEDIT_CACHE_DIR", self.cache_dir());
        cmd.envs(env.iter().copied());
        let output = run_command(&mut cmd, stdin);
        Run {
            args: args.iter().map(|a| a.to_string()).collect(),
            status: output.status,
            stdout: output.stdout,
            stderr: output.stderr,
        }
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

/// Runs `cmd`, feeding it `stdin` (or nothing) from another thread so large inputs and
/// outputs cannot deadlock.
fn run_command(cmd: &mut Command, stdin: Option<&[u8]>) -> Output {
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    std::thread::scope(|s| {
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // The child may exit without reading; a broken pipe is its business.
            s.spawn(move || {
                let _ = pipe.write_all(bytes);
            });
        }
        child.wait_with_output().expect("wait for child")
    })
}

/// The result of one `bigedit` run.
pub struct Run {
    /// The arguments, for messages.
    pub args: Vec<String>,
    /// How it exited.
    pub status: ExitStatus,
    /// Everything it printed on stdout.
    pub stdout: Vec<u8>,
    /// Everything it printed on stderr.
    pub stderr: Vec<u8>,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bigedit {:?}: {}\n--- stdout\n{}--- stderr\n{}",
            self.args,
            self.status,
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr)
        )
    }
}

impl Run {
    /// Stdout of a run that succeeded (exit status 0, nothing on stderr).
    #[track_caller]
    pub fn ok(&self) -> &[u8] {
        assert!(self.status.success() && self.stderr.is_empty(), "expected success: {self:?}");
        &self.stdout
    }

    /// Stdout of a `find` that ran well: exit status 0 when it `matched`, 1 (as grep) when it
    /// found nothing, and nothing on stderr either way.
    #[track_caller]
    pub fn found(&self, matched: bool) -> &[u8] {
        let want = if matched { 0 } else { 1 };
        assert!(
            self.status.code() == Some(want) && self.stderr.is_empty(),
            "expected exit status {want} and no message: {self:?}"
        );
        &self.stdout
    }

    /// Stdout of a successful run, as text.
    #[track_caller]
    pub fn ok_text(&self) -> &str {
        std::str::from_utf8(self.ok())
            .unwrap_or_else(|e| panic!("stdout is not UTF-8 ({e}): {self:?}"))
    }

    /// Stdout of a successful `--json` run: one JSON value on one line.
    #[track_caller]
    pub fn ok_json(&self) -> serde_json::Value {
        let text = self.ok_text();
        assert!(
            text.ends_with('\n') && text.lines().count() == 1,
            "expected one line of JSON: {self:?}"
        );
        serde_json::from_str(text).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// The message of a run that failed with exit status `code`: exactly one line on stderr,
    /// starting with `bigedit: `, and nothing on stdout.
    #[track_caller]
    pub fn error(&self, code: i32) -> String {
        assert_eq!(self.status.code(), Some(code), "expected exit status {code}: {self:?}");
        assert!(self.stdout.is_empty(), "expected nothing on stdout: {self:?}");
        let text = String::from_utf8_lossy(&self.stderr).into_owned();
        assert!(
            text.starts_with("bigedit: ") && text.ends_with('\n') && text.lines().count() == 1,
            "expected one line on stderr: {self:?}"
        );
        text.trim_end().to_string()
    }

    /// Stderr of a run that clap refused (exit status 2), which may span several lines.
    #[track_caller]
    pub fn usage_error(&self) -> String {
        assert_eq!(self.status.code(), Some(2), "expected a usage error: {self:?}");
        assert!(self.stdout.is_empty() && !self.stderr.is_empty(), "{self:?}");
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Asserts that `got` equals `want`, showing both as escaped text when they differ.
#[track_caller]
pub fn same(got: &[u8], want: &[u8], what: impl std::fmt::Display) {
    assert!(
        got == want,
        "{what}\n   got: \"{}\"\n  want: \"{}\"",
        got.escape_ascii(),
        want.escape_ascii()
    );
}

// ---------------------------------------------------------------------------------------------
// Reference tools
// ---------------------------------------------------------------------------------------------

/// Runs a reference tool in the C locale with `input` on stdin and returns its stdout.
///
/// # Panics
///
/// If the tool cannot be run or fails.
#[track_caller]
pub fn tool(program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    tool_env(program, args, &[], input)
}

/// [`tool`] with extra environment variables (to hand patterns to `perl` unquoted).
#[track_caller]
pub fn tool_env(program: &str, args: &[&str], env: &[(&str, &str)], input: &[u8]) -> Vec<u8> {
    let mut cmd = Command::new(program);
    cmd.args(args).env("LC_ALL", "C").envs(env.iter().copied());
    let out = run_command(&mut cmd, Some(input));
    assert!(
        out.status.success(),
        "{program} {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `original` patched with the unified diff `diff` by GNU `patch`, with no fuzz and no
/// line-ending conversion.
#[track_caller]
pub fn patch(original: &[u8], diff: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (file, patch_file, out) =
        (dir.path().join("file"), dir.path().join("diff"), dir.path().join("out"));
    std::fs::write(&file, original).expect("write original");
    std::fs::write(&patch_file, diff).expect("write diff");
    let result = Command::new("patch")
        .args(["--binary", "--fuzz=0", "--batch", "--silent", "--no-backup-if-mismatch"])
        .arg("--output")
        .arg(&out)
        .arg("--input")
        .arg(&patch_file)
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .expect("patch runs");
    assert!(
        result.status.success(),
        "patch refused the diff ({}):\n{}{}--- diff\n{}",
        result.status,
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr),
        String::from_utf8_lossy(diff)
    );
    std::fs::read(&out).expect("read patched file")
}

// ---------------------------------------------------------------------------------------------
// The naive model
// ---------------------------------------------------------------------------------------------

/// A naive model of the specification, on whole files in memory.
pub mod model {
    use std::ops::Range;

    /// The lines of `doc`, each with its ending.
    pub fn lines(doc: &[u8]) -> Vec<&[u8]> {
        doc.split_inclusive(|&b| b == b'\n').collect()
    }

    /// How many lines `doc` has.
    pub fn line_count(doc: &[u8]) -> u64 {
        lines(doc).len() as u64
    }

    /// A line (or text) without its final `\r\n` or `\n`.
    pub fn text_of(line: &[u8]) -> &[u8] {
        line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n")).unwrap_or(line)
    }

    /// `LF`, `CRLF`, `mixed`, or `none` (no newline at all).
    pub fn line_ending(doc: &[u8]) -> &'static str {
        let all = lines(doc);
        let crlf = all.iter().filter(|l| l.ends_with(b"\r\n")).count();
        let lf = all.iter().filter(|l| l.ends_with(b"\n")).count() - crlf;
        match (lf, crlf) {
            (0, 0) => "none",
            (_, 0) => "LF",
            (0, _) => "CRLF",
            _ => "mixed",
        }
    }

    /// The line ending new lines get: the file's, LF when it has none.
    ///
    /// # Panics
    ///
    /// On a file with mixed endings, for which the specification does not say.
    pub fn newline(doc: &[u8]) -> &'static [u8] {
        match line_ending(doc) {
            "CRLF" => b"\r\n",
            "mixed" => panic!("the model does not know which ending a mixed file gets"),
            _ => b"\n",
        }
    }

    /// Whether `doc` ends with a last line that has no newline.
    pub fn open_end(doc: &[u8]) -> bool {
        !doc.is_empty() && !doc.ends_with(b"\n")
    }

    /// The bytes of 1-based lines `first..=last`, endings included.
    pub fn line_bytes(doc: &[u8], first: u64, last: u64) -> Range<usize> {
        let all = lines(doc);
        assert!(1 <= first && first <= last && last <= all.len() as u64, "lines {first}:{last}");
        let start: usize = all[..first as usize - 1].iter().map(|l| l.len()).sum();
        let len: usize = all[first as usize - 1..last as usize].iter().map(|l| l.len()).sum();
        start..start + len
    }

    /// `text` as a sequence of lines: with the file's newline added when it lacks one.
    fn terminated(doc: &[u8], text: &[u8]) -> Vec<u8> {
        let mut out = text.to_vec();
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.extend_from_slice(newline(doc));
        }
        out
    }

    /// One change: the bytes `range` of the original become `bytes`.
    pub type Splice = (Range<usize>, Vec<u8>);

    /// `with` as lines of `doc`: in a file whose lines mostly end with CRLF (as the ending
    /// new lines get), every LF of `with` ends its line with CRLF.
    fn in_ending(doc: &[u8], with: &[u8]) -> Vec<u8> {
        let all = lines(doc);
        let crlf = all.iter().filter(|l| l.ends_with(b"\r\n")).count();
        let lf = all.iter().filter(|l| l.ends_with(b"\n")).count();
        if 2 * crlf <= lf {
            return with.to_vec();
        }
        let lines: Vec<&[u8]> = with.split_inclusive(|&b| b == b'\n').collect();
        lines
            .iter()
            .flat_map(|l| match l.strip_suffix(b"\n") {
                Some(t) => [t.strip_suffix(b"\r").unwrap_or(t), b"\r\n"].concat(),
                None => l.to_vec(),
            })
            .collect()
    }

    /// `replace-lines first:last` with `with`.
    pub fn replace_lines(doc: &[u8], first: u64, last: u64, with: &[u8]) -> Splice {
        let with = &in_ending(doc, with);
        let range = line_bytes(doc, first, last);
        let bytes = if with.is_empty() {
            Vec::new()
        } else if range.end == doc.len() && open_end(doc) {
            text_of(with).to_vec()
        } else {
            terminated(doc, with)
        };
        (range, bytes)
    }

    /// `insert --after after` with `with` (0 is the top).
    pub fn insert(doc: &[u8], after: u64, with: &[u8]) -> Splice {
        let with = &in_ending(doc, with);
        let count = line_count(doc);
        assert!(after <= count);
        if with.is_empty() {
            return (0..0, Vec::new());
        }
        if after < count {
            let at = line_bytes(doc, after + 1, after + 1).start;
            (at..at, terminated(doc, with))
        } else if open_end(doc) {
            // The old last line gets its newline; the new last line stays without one.
            (doc.len()..doc.len(), [newline(doc), text_of(with)].concat())
        } else {
            (doc.len()..doc.len(), terminated(doc, with))
        }
    }

    /// Applies non-overlapping splices in original coordinates, from the bottom up.
    pub fn apply(doc: &[u8], splices: &[Splice]) -> Vec<u8> {
        let mut sorted: Vec<&Splice> = splices.iter().collect();
        sorted.sort_by_key(|(r, _)| (r.start, r.end));
        for pair in sorted.windows(2) {
            assert!(pair[0].0.end <= pair[1].0.start, "the model got overlapping splices");
        }
        let mut out = doc.to_vec();
        for (range, bytes) in sorted.into_iter().rev() {
            out.splice(range.clone(), bytes.iter().copied());
        }
        out
    }

    /// Applies one splice.
    pub fn apply_one(doc: &[u8], splice: Splice) -> Vec<u8> {
        apply(doc, &[splice])
    }

    /// Leftmost, non-overlapping occurrences of `needle` in `hay`, at most `max`.
    pub fn find_literal(hay: &[u8], needle: &[u8], max: Option<usize>) -> Vec<Range<usize>> {
        assert!(!needle.is_empty());
        let mut found = Vec::new();
        let mut i = 0;
        while i + needle.len() <= hay.len() && max.is_none_or(|m| found.len() < m) {
            if hay[i..].starts_with(needle) {
                found.push(i..i + needle.len());
                i += needle.len();
            } else {
                i += 1;
            }
        }
        found
    }

    /// `find` output for matches starting at `offsets`: `LINE:COLUMN:OFFSET:text` per match,
    /// COLUMN the 1-based byte column, text the whole line without its ending.
    pub fn find_output(doc: &[u8], offsets: impl IntoIterator<Item = usize>) -> Vec<u8> {
        let mut out = Vec::new();
        for offset in offsets {
            let before = &doc[..offset];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let end =
                doc[start..].iter().position(|&b| b == b'\n').map_or(doc.len(), |i| start + i + 1);
            out.extend_from_slice(format!("{line}:{}:{offset}:", offset - start + 1).as_bytes());
            out.extend_from_slice(text_of(&doc[start..end]));
            out.push(b'\n');
        }
        out
    }

    /// `replace --find needle --with with [--max max]`, literally.
    pub fn replace_literal(doc: &[u8], needle: &[u8], with: &[u8], max: Option<usize>) -> Vec<u8> {
        let splices: Vec<Splice> =
            find_literal(doc, needle, max).into_iter().map(|r| (r, with.to_vec())).collect();
        apply(doc, &splices)
    }

    /// A deterministic pseudo-random number generator (xorshift64*), for generated files.
    pub struct Rng(pub u64);

    impl Rng {
        /// The next number below `n`.
        pub fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
        }
    }
}
