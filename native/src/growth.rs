//! Other processes writing the file while a commit runs: the bytes they append are carried
//! over into the new version, and the processes that hold the file open for writing are
//! found (as `fuser` does, through `/proc/*/fd`).
//!
//! ADVICE FOR HACKERS: a log is appended to by processes that take no lock (`echo >> app.log`,
//! a daemon's `O_APPEND` descriptor). Whatever such a process writes between the moment an
//! edit was planned and the moment its commit lands must end up in the file:
//!
//! - An atomic commit copies the growth of the old inode after the planned length into the
//!   temporary file, again after its fsync, until it stops growing; renames; then keeps
//!   copying what still lands in the old inode (through descriptors opened before the rename)
//!   until no process holds the old inode open for writing. Nothing written is lost; a line
//!   written through such a late descriptor may land after one written through a descriptor
//!   opened after the rename.
//! - A process that keeps the file open for writing would write into the replaced inode
//!   forever after an atomic rename: such a commit goes in place when it keeps the length,
//!   and is refused, naming the process, when it does not.
//! - An in-place commit never moves the end of the file except in one system call, right
//!   after checking the length (see `commit::commit_in_place`).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

use rustix::fs::Stat;

/// The copy buffer for carried bytes.
const BUFFER: usize = 1 << 20;
/// How long an atomic commit waits, after its rename, for processes that still hold the
/// replaced inode open for writing to close it.
pub const DRAIN_WAIT: Duration = Duration::from_secs(2);

/// A process that holds a file open for writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// Its process id.
    pub pid: u32,
    /// Its command name (`/proc/PID/comm`).
    pub name: String,
}

impl std::fmt::Display for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "process {} ({})", self.pid, self.name)
    }
}

/// The other processes that hold the file `st` describes open for writing (this process
/// excluded). Only the processes whose `/proc/PID/fd` this user may read are seen (all of
/// them for root); on systems without `/proc` the list is empty, and so it is with
/// `BIGEDIT_WRITER_SCAN=off` (the fault-injection tests, which number system calls, set it).
///
/// Runs in O(open descriptors on the system).
pub fn writers(st: &Stat) -> Vec<Writer> {
    if std::env::var_os("BIGEDIT_WRITER_SCAN").is_some_and(|v| v == "off") {
        return Vec::new();
    }
    let me = std::process::id();
    // Other bigedit processes take the file's lock before they write, so while this one holds
    // it, one seen with the file open for writing has finished its commit and is closing its
    // descriptors: it writes nothing more.
    let ours = rustix::fs::stat("/proc/self/exe").ok().map(|s| (s.st_dev, s.st_ino));
    let Ok(procs) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut found = Vec::new();
    for entry in procs.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let exe = rustix::fs::stat(format!("/proc/{pid}/exe")).ok().map(|s| (s.st_dev, s.st_ino));
        if exe.is_some() && exe == ours {
            continue;
        }
        if holds_for_writing(pid, st) {
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|s| s.trim_end().to_string())
                .unwrap_or_else(|_| "?".to_string());
            found.push(Writer { pid, name });
        }
    }
    found
}

/// Whether process `pid` has a descriptor open for writing on the inode of `st`.
fn holds_for_writing(pid: u32, st: &Stat) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    fds.flatten().any(|fd| {
        let same = rustix::fs::stat(fd.path())
            .is_ok_and(|s| (s.st_dev, s.st_ino) == (st.st_dev, st.st_ino));
        same && {
            let info = format!("/proc/{pid}/fdinfo/{}", fd.file_name().to_string_lossy());
            std::fs::read_to_string(info).is_ok_and(|text| writable(&text))
        }
    })
}

/// Whether an fdinfo text (`flags:\t0102001`, octal) says the descriptor may write.
fn writable(fdinfo: &str) -> bool {
    fdinfo
        .lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
        .is_some_and(|flags| flags & 0o3 != 0)
}

/// Describes `writers` for an error message: "process 42 (logger) and 1 other".
pub fn describe(writers: &[Writer]) -> String {
    match writers {
        [] => "no process".to_string(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} and {} other process(es)", rest.len()),
    }
}

/// The old file shrank below what the commit already carried: something rewrote it.
fn shrank(was: u64, now: u64) -> io::Error {
    io::Error::other(format!(
        "the file shrank from {was} to {now} bytes while the edit ran (another process \
         truncated or rewrote it); nothing was changed"
    ))
}

/// Copies what `src` holds beyond `from` to `dst` at `at`, until `src` stops growing.
/// Returns the new `from` (the length of `src` carried so far).
///
/// # Errors
///
/// The read or write error, or an error saying the file shrank below `from`.
pub fn carry(src: &File, mut from: u64, dst: &File, mut at: u64) -> io::Result<u64> {
    let mut buf = Vec::new();
    loop {
        let len = rustix::fs::fstat(src)?.st_size as u64;
        if len < from {
            return Err(shrank(from, len));
        }
        if len == from {
            return Ok(from);
        }
        buf.resize(((len - from) as usize).min(BUFFER), 0);
        let n = src.read_at(&mut buf, from)?;
        if n == 0 {
            // Truncated between the stat and the read.
            let now = rustix::fs::fstat(src)?.st_size as u64;
            return Err(shrank(from, now));
        }
        dst.write_all_at(&buf[..n], at)?;
        from += n as u64;
        at += n as u64;
    }
}

/// After an atomic commit renamed a new file over `old`: appends to `new` (the file now at the
/// path, opened for writing) whatever still lands in `old` beyond `from`, until no other
/// process holds `old` open for writing, waiting at most `wait`. Returns the bytes carried and
/// the processes still holding `old` open when the wait ran out.
///
/// The bytes are appended with `O_APPEND`, so they never overwrite what others append to
/// the new file meanwhile.
///
/// # Errors
///
/// The read or write error.
pub fn drain(old: &File, from: u64, new: &File, wait: Duration) -> io::Result<(u64, Vec<Writer>)> {
    let st = rustix::fs::fstat(old)?;
    let started = Instant::now();
    let mut carried = from;
    let mut buf = Vec::new();
    let mut appending = false;
    loop {
        let holders = writers(&st);
        // Read after looking: a writer that closed before the look wrote before it.
        loop {
            let len = rustix::fs::fstat(old)?.st_size as u64;
            if len <= carried {
                break;
            }
            if !appending {
                let flags = rustix::fs::fcntl_getfl(new)?;
                rustix::fs::fcntl_setfl(new, flags | rustix::fs::OFlags::APPEND)?;
                appending = true;
            }
            buf.resize(((len - carried) as usize).min(BUFFER), 0);
            let n = old.read_at(&mut buf, carried)?;
            if n == 0 {
                break;
            }
            io::Write::write_all(&mut &*new, &buf[..n])?;
            carried += n as u64;
        }
        if holders.is_empty() || started.elapsed() >= wait {
            if appending {
                new.sync_data()?;
            }
            return Ok((carried - from, holders));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn fdinfo_flags_say_who_writes() {
        assert!(writable("pos:\t0\nflags:\t02102001\nmnt_id:\t27\n"));
        assert!(writable("flags:\t0100002\n"));
        assert!(!writable("pos:\t0\nflags:\t0100000\n"));
        assert!(!writable("garbage"));
    }

    #[test]
    fn a_child_holding_the_file_open_for_appending_is_found_by_pid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        std::fs::write(&path, "x\n").unwrap();
        let st = rustix::fs::stat(&path).unwrap();
        assert!(writers(&st).is_empty());
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg("exec 3>>\"$1\"; echo ready; read line")
            .arg("sh")
            .arg(&path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut ready = [0u8; 6];
        std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut ready).unwrap();
        let found = writers(&st);
        assert_eq!(found.iter().map(|w| w.pid).collect::<Vec<_>>(), vec![child.id()]);
        assert!(describe(&found).starts_with(&format!("process {} (sh)", child.id())));
        // A reader is not a writer.
        let _reader = File::open(&path).unwrap();
        writeln!(child.stdin.as_mut().unwrap()).unwrap();
        child.wait().unwrap();
        assert!(writers(&st).is_empty());
    }

    #[test]
    fn carry_copies_growth_and_refuses_shrinking() {
        let dir = tempfile::tempdir().unwrap();
        let src_path = dir.path().join("src");
        std::fs::write(&src_path, "planned\nAPPEND 1\n").unwrap();
        let src = File::open(&src_path).unwrap();
        let dst = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(dir.path().join("d"))
            .unwrap();
        dst.write_all_at(b"NEW\n", 0).unwrap();
        assert_eq!(carry(&src, 8, &dst, 4).unwrap(), 17);
        assert_eq!(std::fs::read(dir.path().join("d")).unwrap(), b"NEW\nAPPEND 1\n");
        std::fs::write(&src_path, "short").unwrap();
        let err = carry(&src, 17, &dst, 13).unwrap_err().to_string();
        assert!(err.contains("shrank from 17 to 5 bytes"), "{err}");
    }
}
