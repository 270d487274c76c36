//! What the fault tests share: loud skipping when a facility is missing, one-line figures,
//! `bigedit` run under strace (to count its system calls, fail one of them, or kill it at
//! one), the parsed trace, and guards that undo mounts and loop devices even on a panic.
//!
//! Include it next to `common` with `#[path = "common/faults.rs"] mod faults;`.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::common::{bigedit, model};

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

/// Prints a fault test's one-line figure and appends it to `$BIGEDIT_FIGURES` (the test script
/// prints them all at the end).
pub fn figure(line: &str) {
    eprintln!("{line}");
    append_env_file("BIGEDIT_FIGURES", line);
}

/// Says loudly that `test` cannot run here and why: on stderr and in `$BIGEDIT_NOT_RUN`.
///
/// # Panics
///
/// Unless `BIGEDIT_ALLOW_NOT_RUN=1`: a test that could not run must not pass silently.
#[track_caller]
pub fn not_run(test: &str, reason: &str) {
    let line = format!("NOT RUN: {test}: {reason}");
    eprintln!("{line}");
    append_env_file("BIGEDIT_NOT_RUN", &line);
    if std::env::var_os("BIGEDIT_ALLOW_NOT_RUN").is_none_or(|v| v != "1") {
        panic!("{line} (set BIGEDIT_ALLOW_NOT_RUN=1 to let it pass as not run)");
    }
}

fn append_env_file(var: &str, line: &str) {
    if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        let appended = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
        if let Err(e) = appended {
            eprintln!("cannot append to ${var} ({}): {e}", Path::new(&path).display());
        }
    }
}

/// Whether the tests run as root (mounts, loop devices); says NOT RUN otherwise.
pub fn have_root(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        not_run(test, "needs root (mounts, loop devices)");
    }
    root
}

/// Whether `strace` with fault injection works here; says NOT RUN otherwise.
pub fn have_strace(test: &str) -> bool {
    let ok = Command::new("strace")
        .args(["-qq", "-f", "-o", "/dev/null", "-e", "inject=getpid:retval=1", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        not_run(test, "strace with -e inject is not available (apt-get install strace)");
    }
    ok
}

/// Whether `program` runs at all (`program --version`); says NOT RUN otherwise.
pub fn have_tool(test: &str, program: &str, package: &str) -> bool {
    let ok = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        not_run(test, &format!("{program} is not installed (apt-get install {package})"));
    }
    ok
}

// ---------------------------------------------------------------------------------------------
// Traced runs
// ---------------------------------------------------------------------------------------------

/// The I/O calls a commit makes, in the names strace gives them (the list: open,
/// write, pwrite, copy_file_range, fsync, rename, unlink, ftruncate, with their variants).
pub const WRITE_CALLS: &[&str] = &[
    "openat",
    "open",
    "write",
    "pwrite64",
    "copy_file_range",
    "sendfile",
    "fsync",
    "fdatasync",
    "ftruncate",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "linkat",
];

/// Calls that read or inspect: failed too (EIO), beyond the list.
pub const READ_CALLS: &[&str] = &[
    "read",
    "pread64",
    "lseek",
    "fstat",
    "newfstatat",
    "statx",
    "flock",
    "getdents64",
    "fchown",
    "fchmod",
];

/// One system call in a trace.
#[derive(Debug, Clone)]
pub struct Call {
    /// The syscall name (`openat`, `renameat2`, ...).
    pub name: String,
    /// Its invocation number among calls of the same name (strace's `when=` counter), from 1.
    pub nth: u32,
    /// The whole trace line (with `-y`, fd arguments carry their paths).
    pub line: String,
    /// Whether it failed (`= -1 ...`).
    pub failed: bool,
}

impl Call {
    /// Whether the call works on `dir` or a file in it: through an fd argument (strace `-y`
    /// shows `3</dir/f.txt>`; `AT_FDCWD<...>` does not count) or, for calls that take path
    /// names, an absolute path argument. Data a call writes does not count.
    pub fn touches(&self, dir: &str) -> bool {
        let line = &self.line;
        let fd_paths = line.match_indices('<').filter_map(|(i, _)| {
            let before = line[..i].chars().next_back()?;
            before.is_ascii_digit().then(|| &line[i + 1..])
        });
        let takes_paths = matches!(
            self.name.as_str(),
            "open"
                | "openat"
                | "rename"
                | "renameat"
                | "renameat2"
                | "unlink"
                | "unlinkat"
                | "linkat"
                | "newfstatat"
                | "statx"
        );
        let quoted = line.match_indices('"').map(|(i, _)| &line[i + 1..]);
        fd_paths.chain(quoted.filter(|_| takes_paths)).any(|p| {
            p.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/') || rest.starts_with('>'))
        })
    }

    /// The strace `when=` spec of this very call.
    pub fn spec(&self) -> String {
        format!("{}:when={}", self.name, self.nth)
    }
}

/// A parsed `strace -f -y -o LOG` log of one single-threaded process.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// The calls in order.
    pub calls: Vec<Call>,
}

impl Trace {
    /// Parses a log written with `-f -y`: `PID name(args) = result`.
    pub fn parse(log: &str) -> Trace {
        let mut calls: Vec<Call> = Vec::new();
        for line in log.lines() {
            // "1234 openat(...) = 3" (with -f every line starts with the pid).
            let rest = line.split_once(' ').map_or(line, |(_, r)| r).trim_start();
            let Some(open) = rest.find('(') else { continue };
            let name = &rest[..open];
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                continue; // "+++ exited", "--- SIGKILL", "<... resumed>"
            }
            let nth = calls.iter().filter(|c| c.name == name).count() as u32 + 1;
            let failed = rest.rsplit_once(") = ").is_some_and(|(_, r)| r.starts_with('-'));
            calls.push(Call { name: name.to_string(), nth, line: line.to_string(), failed });
        }
        Trace { calls }
    }

    /// What the process wrote to fd 2, put back together (Rust writes an error message in
    /// pieces; a write that failed is included, since it shows what was meant).
    pub fn stderr_text(&self) -> String {
        let mut out = String::new();
        for c in self.calls.iter().filter(|c| c.name == "write") {
            let Some(args) = c.line.split_once("write(2").map(|(_, a)| a) else { continue };
            let Some(start) = args.find(", \"") else { continue };
            let quoted = &args[start + 3..];
            let Some(end) = quoted.find("\", ") else { continue };
            out.push_str(&unescape(&quoted[..end]));
        }
        out
    }
}

/// Undoes strace's C-style escapes (enough for messages).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The result of one traced run.
pub struct Traced {
    /// Exit status, stdout and stderr of strace, which passes on bigedit's (stderr) and exits
    /// with bigedit's status (or 128+signal when bigedit was killed).
    pub output: Output,
    /// Whether the run had to be killed after the timeout.
    pub hung: bool,
    /// The calls bigedit made.
    pub trace: Trace,
}

impl Traced {
    /// The exit code (`None` if strace itself was killed).
    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    /// bigedit's stderr, as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
}

/// Runs `bigedit ARGS` in `dir` under `strace -f -y`, tracing `calls`, with extra strace
/// arguments (`-e inject=...`), and the environment `env`; kills it after `timeout`.
pub fn strace_bigedit(
    dir: &Path,
    env: &[(&str, &Path)],
    calls: &[&str],
    extra: &[String],
    args: &[&str],
    timeout: Duration,
) -> Traced {
    let log = tempfile::NamedTempFile::new().expect("trace log");
    let mut cmd = Command::new("strace");
    cmd.arg("-f");
    // seccomp-bpf stops only at the traced calls (much faster), but strace 6.1 does not
    // deliver injected signals with it.
    if !extra.iter().any(|e| e.contains("signal=")) {
        cmd.arg("--seccomp-bpf");
    }
    cmd.args(["-qq", "-y", "-s", "256", "-o"])
        .arg(log.path())
        .arg("-e")
        .arg(format!("trace={}", calls.join(",")))
        .args(extra)
        .arg("--")
        .arg(bigedit())
        .args(args)
        .current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (output, hung) = run_with_timeout(&mut cmd, timeout);
    let text = std::fs::read(log.path()).expect("read trace log");
    Traced { output, hung, trace: Trace::parse(&String::from_utf8_lossy(&text)) }
}

/// Runs `cmd` with stdin closed, killing it if it runs longer than `timeout`; returns its
/// output and whether it was killed.
pub fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> (Output, bool) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let started = Instant::now();
    let mut hung = false;
    // Pipes are drained by threads so a chatty child cannot block on a full pipe.
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out_pipe, &mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err_pipe, &mut v);
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > timeout {
            hung = true;
            let _ = child.kill();
            break child.wait().expect("wait after kill");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stdout = out_t.join().expect("stdout reader");
    let stderr = err_t.join().expect("stderr reader");
    (Output { status, stdout, stderr }, hung)
}

/// The names in `dir` that an interrupted commit could leave behind (temporary files and
/// journals).
pub fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".bigedit-tmp") || n.ends_with(".bigedit-journal"))
        .collect();
    names.sort();
    names
}

/// Which of `old` and `new` `got` is: `Some("old")`, `Some("new")` or `None` (neither).
pub fn which(got: &[u8], old: &[u8], new: &[u8]) -> Option<&'static str> {
    if got == old {
        Some("old")
    } else if got == new {
        Some("new")
    } else {
        None
    }
}

/// A short description of bytes that are neither old nor new.
pub fn describe(got: &[u8], old: &[u8], new: &[u8]) -> String {
    let first_diff = |a: &[u8], b: &[u8]| a.iter().zip(b).position(|(x, y)| x != y);
    format!(
        "{} bytes (old {} bytes, first difference at {:?}; new {} bytes, first difference at {:?})",
        got.len(),
        old.len(),
        first_diff(got, old),
        new.len(),
        first_diff(got, new)
    )
}

/// `count` lines of text, each 41 bytes: `line 000123 some text here to pad it out\n`.
pub fn numbered_lines(count: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(count * 41);
    for i in 0..count {
        out.extend_from_slice(format!("line {i:06} some text here to pad it out\n").as_bytes());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The scenarios the safety suites share
// ---------------------------------------------------------------------------------------------

/// A working directory with its own index cache: on tmpfs if `fast` and there is one (fsync
/// is free there: the fault and kill tests are about system call results), else beside the
/// other temporary files (a disk, where fsync takes real time).
pub struct Work {
    _tmp: tempfile::TempDir,
    /// The directory the test file lives in.
    pub dir: PathBuf,
    /// The index cache.
    pub cache: PathBuf,
}

impl Work {
    /// A fresh working directory named after `suite`.
    pub fn new(suite: &str, fast: bool) -> Work {
        let shm = Path::new("/dev/shm");
        let prefix = format!("bigedit-{suite}");
        let b = tempfile::Builder::new().prefix(&prefix).clone();
        let tmp = if fast && shm.is_dir() { b.tempdir_in(shm) } else { b.tempdir() }
            .expect("temporary directory");
        let root = tmp.path().canonicalize().expect("canonical temp dir");
        let dir = root.join("work");
        std::fs::create_dir(&dir).expect("work dir");
        Work { _tmp: tmp, dir, cache: root.join("cache") }
    }

    /// The environment of every run: its own cache, and [`hold`].
    pub fn env(&self) -> [(&'static str, &Path); 3] {
        [("BIGEDIT_CACHE_DIR", self.cache.as_path()), hold(), no_writer_scan()]
    }

    /// The test file.
    pub fn file(&self) -> PathBuf {
        self.dir.join("f.txt")
    }

    /// The directory as text (to find the calls that touch it in a trace).
    pub fn dir_str(&self) -> String {
        self.dir.to_string_lossy().into_owned()
    }

    /// Runs `bigedit ARGS` (not traced) in the directory.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(bigedit())
            .args(args)
            .current_dir(&self.dir)
            .envs(self.env())
            .stdin(Stdio::null())
            .output()
            .expect("run bigedit")
    }
}

/// `BIGEDIT_HOLD_BYTES=4096`: a hold of 4 KiB (`native/src/commit_parts.rs`): an edit of more than a few hundred places is
/// written while it is planned; the one-place edits stay held, as by default.
pub fn hold() -> (&'static str, &'static Path) {
    ("BIGEDIT_HOLD_BYTES", Path::new("4096"))
}

/// `BIGEDIT_WRITER_SCAN=off`: no look through `/proc` for other writers
/// (`native/src/growth.rs`). The number of system calls that look takes varies with the
/// processes running, and these tests number calls to fail or kill the same one every run.
pub fn no_writer_scan() -> (&'static str, &'static Path) {
    ("BIGEDIT_WRITER_SCAN", Path::new("off"))
}

/// One commit to fail, kill and cut power under, in every way.
pub struct Scenario {
    /// Its name, as the figures print it.
    pub name: &'static str,
    /// The `bigedit` arguments (the file is `f.txt` in the working directory).
    pub args: Vec<String>,
    /// The file before.
    pub old: Vec<u8>,
    /// The file after (an independent model of the edit).
    pub new: Vec<u8>,
    /// Picks the commit point out of a clean trace.
    pub commit_point: fn(&Call) -> bool,
    /// Lines the next command reads back (around the edit).
    pub lines: (u64, u64),
}

/// An atomic commit's commit point: the rename of its temporary file.
pub fn atomic_commit_point(c: &Call) -> bool {
    c.name.starts_with("rename") && c.line.contains(".bigedit-tmp\"") && !c.line.contains(".bak")
}

/// An in-place commit's commit point: the removal of its journal.
pub fn in_place_commit_point(c: &Call) -> bool {
    c.name.starts_with("unlink") && c.line.contains(".f.txt.bigedit-journal\"")
}

/// The scenario `name`, over an 8,000-line file: `atomic`, `atomic-backup`, `in-place-tail`,
/// `in-place-same-length`, `md-streamed` or `replace-streamed`.
pub fn scenario(name: &'static str) -> Scenario {
    let old = numbered_lines(8000);
    let arg = |s: &str| s.to_string();
    match name {
        // A line replaced by a shorter one: temporary file, copy_file_range, fsync, rename.
        "atomic" => Scenario {
            name,
            args: ["replace-lines", "f.txt", "4000", "--with", "HELLO", "--commit", "atomic"]
                .map(arg)
                .to_vec(),
            new: model::apply_one(&old, model::replace_lines(&old, 4000, 4000, b"HELLO")),
            old,
            commit_point: atomic_commit_point,
            lines: (3999, 4001),
        },
        // The same with --backup (instead of --commit atomic, the default): a hard link and
        // a second rename.
        "atomic-backup" => {
            let mut s = scenario("atomic");
            s.args.truncate(5);
            s.args.push(arg("--backup"));
            Scenario { name, ..s }
        }
        // Five bytes become ten near the start: the whole tail is rewritten in place, read
        // back from the journal.
        "in-place-tail" => Scenario {
            name,
            args: ["splice", "f.txt", "--bytes", "1000:1005", "--with", "HELLOWORLD"]
                .map(arg)
                .into_iter()
                .chain(["--commit", "in-place"].map(arg))
                .collect(),
            new: model::apply_one(&old, (1000..1005, b"HELLOWORLD".to_vec())),
            old,
            commit_point: in_place_commit_point,
            lines: (24, 26),
        },
        // A line replaced by one of the same length: written where it stands.
        "in-place-same-length" => {
            let with = "line 004000 SOME TEXT HERE TO PAD IT OUT";
            Scenario {
                name,
                args: ["replace-lines", "f.txt", "4001", "--with", with, "--in-place"]
                    .map(arg)
                    .to_vec(),
                new: model::apply_one(
                    &old,
                    model::replace_lines(&old, 4001, 4001, with.as_bytes()),
                ),
                old,
                commit_point: in_place_commit_point,
                lines: (4000, 4002),
            }
        }
        // A Markdown section body replaced: the streamed atomic commit (a writer thread
        // copies while the scan runs), then fsync and rename.
        "md-streamed" => {
            let lines = numbered_lines(8000);
            let mut old = Vec::new();
            let mut new = Vec::new();
            for (k, block) in lines.chunks(100 * 41).enumerate() {
                let heading = format!("# Part {k}\n");
                old.extend_from_slice(heading.as_bytes());
                old.extend_from_slice(block);
                new.extend_from_slice(heading.as_bytes());
                new.extend_from_slice(if k == 40 { b"HELLO\n\n" } else { block });
            }
            Scenario {
                name,
                args: ["md", "replace", "f.txt", "Part 40", "--body", "--with", "HELLO"]
                    .map(arg)
                    .to_vec(),
                old,
                new,
                commit_point: atomic_commit_point,
                lines: (4000, 4002),
            }
        }
        // A replacement on every line (8,000 splices): the patch outgrows the hold, so the
        // temporary file is written while the pass runs, part by part, then sealed.
        "replace-streamed" => Scenario {
            name,
            args: ["replace", "f.txt", "--find", "some text", "--with", "SOME TEXT"]
                .map(arg)
                .to_vec(),
            new: String::from_utf8_lossy(&old).replace("some text", "SOME TEXT").into_bytes(),
            old,
            commit_point: atomic_commit_point,
            lines: (4000, 4002),
        },
        other => panic!("no scenario {other}"),
    }
}

/// Every call strace is asked to trace.
pub fn traced_calls() -> Vec<&'static str> {
    WRITE_CALLS.iter().chain(READ_CALLS).copied().collect()
}

// ---------------------------------------------------------------------------------------------
// Mounts
// ---------------------------------------------------------------------------------------------

/// A mounted file system, unmounted (and its loop device detached, its image removed) on drop.
pub struct Mount {
    /// The mount point.
    pub dir: PathBuf,
    /// The image file behind a loop mount.
    pub image: Option<PathBuf>,
    /// The mount options, for remounting.
    pub options: String,
    /// The file system type.
    pub fstype: String,
    _holder: tempfile::TempDir,
}

impl Mount {
    /// Mounts a tmpfs of `size` (as `mount -o size=...` takes it) at a fresh directory.
    pub fn tmpfs(size: &str) -> Result<Mount, String> {
        let holder = tempfile::tempdir().map_err(|e| e.to_string())?;
        let dir = holder.path().join("mnt");
        std::fs::create_dir(&dir).map_err(|e| e.to_string())?;
        let options = format!("size={size}");
        mount(&["-t", "tmpfs", "-o", &options, "tmpfs"], &dir)?;
        Ok(Mount { dir, image: None, options, fstype: "tmpfs".into(), _holder: holder })
    }

    /// Creates an ext4 image of `mib` MiB and mounts it through a loop device with `options`
    /// (`loop` is added).
    pub fn ext4_image(mib: u64, options: &str) -> Result<Mount, String> {
        let holder = tempfile::tempdir().map_err(|e| e.to_string())?;
        let image = holder.path().join("fs.img");
        let dir = holder.path().join("mnt");
        std::fs::create_dir(&dir).map_err(|e| e.to_string())?;
        let file = std::fs::File::create(&image).map_err(|e| e.to_string())?;
        file.set_len(mib << 20).map_err(|e| e.to_string())?;
        drop(file);
        let mkfs = Command::new("mkfs.ext4")
            .args(["-q", "-F"])
            .arg(&image)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("mkfs.ext4: {e}"))?;
        if !mkfs.status.success() {
            return Err(format!("mkfs.ext4 failed: {}", String::from_utf8_lossy(&mkfs.stderr)));
        }
        let options = format!("loop,{options}");
        let mut m =
            Mount { dir, image: Some(image), options, fstype: "ext4".into(), _holder: holder };
        m.mount()?;
        Ok(m)
    }

    fn mount(&mut self) -> Result<(), String> {
        let image = self.image.clone().expect("an image");
        let image = image.to_string_lossy().into_owned();
        mount(&["-t", &self.fstype, "-o", &self.options, &image], &self.dir)
    }

    /// Unmounts and mounts the image again (journal replay after a shutdown).
    pub fn remount(&mut self) -> Result<(), String> {
        umount(&self.dir)?;
        self.mount()
    }

    /// Cuts the power: `FS_IOC_SHUTDOWN` with `FS_SHUTDOWN_FLAGS_NOLOGFLUSH`, so everything
    /// not yet durable (unsynced data, the uncommitted journal) is lost.
    pub fn shut_down(&self) -> Result<(), String> {
        const FS_IOC_SHUTDOWN: libc::c_ulong = 0x8004_587d; // _IOR('X', 125, __u32)
        const NOLOGFLUSH: u32 = 2;
        let dir = std::fs::File::open(&self.dir).map_err(|e| e.to_string())?;
        let flags = NOLOGFLUSH;
        // SAFETY: the fd is open for the call's duration and the argument points to a u32
        // that lives across the call, as FS_IOC_SHUTDOWN expects.
        let rc = unsafe {
            libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&dir), FS_IOC_SHUTDOWN as _, &flags)
        };
        if rc != 0 {
            return Err(format!("FS_IOC_SHUTDOWN: {}", std::io::Error::last_os_error()));
        }
        Ok(())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // `umount` detaches the loop device that `mount -o loop` set up (autoclear).
        if let Err(e) = umount(&self.dir) {
            // Lazy unmount so a busy mount does not outlive the test run.
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
            eprintln!("unmounting {}: {e}", self.dir.display());
        }
    }
}

fn mount(args: &[&str], dir: &Path) -> Result<(), String> {
    let out = Command::new("mount")
        .args(args)
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("mount: {e}"))?;
    if !out.status.success() {
        return Err(format!("mount {args:?} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(())
}

fn umount(dir: &Path) -> Result<(), String> {
    let out = Command::new("umount")
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("umount: {e}"))?;
    if !out.status.success() {
        return Err(format!("umount failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(())
}

/// `BIGEDIT_CACHE_DIR` pointing at `dir`, as an environment pair.
pub fn cache_env(dir: &Path) -> (&'static str, OsString) {
    ("BIGEDIT_CACHE_DIR", dir.as_os_str().to_os_string())
}
