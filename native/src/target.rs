//! Where a file lives: a handle on its directory plus its name there, resolved either from a
//! plain path or confined to a workspace root (`--root DIR`).
//!
//! Every later step (the lock sidecar, opening the file, the temporary file, the rename, the
//! journal) works relative to the directory handle, so a path component swapped for a symlink
//! after resolution cannot redirect a write. Under a root, resolution itself is race-free:
//! `openat2` with `RESOLVE_BENEATH` refuses `..`, absolute symlinks and any symlink that leaves
//! the root, at the moment of the call; the directory is then reopened with
//! `RESOLVE_NO_SYMLINKS` and checked to hold the very inode that was resolved.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};

use rustix::fs::{openat, openat2, statat, AtFlags, Mode, OFlags, ResolveFlags};

use crate::error::{Error, Result};

/// How the confined resolution treats symlinks: followed while they stay beneath the root.
const BENEATH: ResolveFlags = ResolveFlags::BENEATH.union(ResolveFlags::NO_MAGICLINKS);

/// A workspace root: every path is resolved beneath it.
#[derive(Debug)]
pub struct Root {
    dir: File,
    path: PathBuf,
    given: PathBuf,
}

impl Root {
    /// Opens the root directory `path`.
    ///
    /// # Errors
    ///
    /// The directory cannot be opened.
    pub fn open(path: &Path) -> Result<Root> {
        let real = path.canonicalize().map_err(|e| Error::io(path, "open root", e))?;
        let fd = rustix::fs::open(
            &real,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::io(path, "open root", e.into()))?;
        Ok(Root { dir: File::from(fd), path: real, given: path.to_path_buf() })
    }

    /// The root's canonical path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `path` relative to the root: relative paths are taken from the root, absolute ones must
    /// lie under it. `..` components are left for the kernel to refuse.
    fn relative<'p>(&self, path: &'p Path) -> Result<&'p Path> {
        let rel = if path.is_absolute() {
            path.strip_prefix(&self.path)
                .or_else(|_| path.strip_prefix(&self.given))
                .map_err(|_| outside(path, self))?
        } else {
            path
        };
        if rel.as_os_str().is_empty() {
            return Err(Error::io(
                path,
                "open",
                io::Error::other("is the root itself, not a file"),
            ));
        }
        Ok(rel)
    }
}

fn outside(path: &Path, root: &Root) -> Error {
    Error::io(
        path,
        "open",
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("escapes the root {}", root.path.display()),
        ),
    )
}

/// A file as a directory handle and a name in it.
#[derive(Debug)]
pub struct Target {
    dir: File,
    name: OsString,
    real: PathBuf,
    shown: PathBuf,
    confined: bool,
}

impl Target {
    /// Resolves `path` (through symlinks: an edit of a symlink edits its target), confined to
    /// `root` when one is given.
    ///
    /// # Errors
    ///
    /// The path does not resolve, or it escapes the root (`..`, an absolute path outside, a
    /// symlink leading out, a component swapped during the call).
    pub fn resolve(path: &Path, root: Option<&Root>) -> Result<Target> {
        match root {
            None => Self::resolve_plain(path),
            Some(root) => Self::resolve_beneath(path, root),
        }
    }

    fn resolve_plain(path: &Path) -> Result<Target> {
        let real = path.canonicalize().map_err(|e| match descriptor_link(path) {
            Some(why) => Error::io(path, "open", io::Error::new(io::ErrorKind::InvalidInput, why)),
            None => Error::io(path, "open", e),
        })?;
        let (parent, name) = split(&real).ok_or_else(|| not_a_file(path))?;
        let dir = rustix::fs::open(
            parent,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::io(parent, "open directory", e.into()))?;
        Ok(Target {
            dir: File::from(dir),
            name: name.to_os_string(),
            real,
            shown: path.to_path_buf(),
            confined: false,
        })
    }

    fn resolve_beneath(path: &Path, root: &Root) -> Result<Target> {
        let rel = root.relative(path)?;
        let refuse = |e: rustix::io::Errno| match e {
            rustix::io::Errno::XDEV => outside(path, root),
            rustix::io::Errno::NOSYS => Error::io(
                path,
                "open",
                io::Error::other("--root needs openat2 (Linux 5.6 or later)"),
            ),
            rustix::io::Errno::NOENT => match relative_to_cwd(path, root) {
                Some(under) => Error::io(
                    path,
                    "open",
                    io::Error::new(
                        io::ErrorKind::NotFound,
                        format!(
                            "no such file under the root {}: paths are relative to the root, not \
                             to the current directory (this file is {:?} there)",
                            root.path.display(),
                            under
                        ),
                    ),
                ),
                None => Error::io(path, "open", rustix::io::Errno::NOENT.into()),
            },
            e => Error::io(path, "open", e.into()),
        };
        let fd = retry_again(|| {
            openat2(&root.dir, rel, OFlags::PATH | OFlags::CLOEXEC, Mode::empty(), BENEATH)
        })
        .map_err(refuse)?;
        // Where it really is: the kernel's name for the resolved file, under the root.
        let real =
            std::fs::read_link(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd)))
                .map_err(|e| Error::io(path, "resolve", e))?;
        let inside = real.strip_prefix(&root.path).map_err(|_| outside(path, root))?;
        let (parent, name) = split(inside).ok_or_else(|| not_a_file(path))?;
        let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
        let dir = retry_again(|| {
            openat2(
                &root.dir,
                parent,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
                BENEATH | ResolveFlags::NO_SYMLINKS,
            )
        })
        .map_err(refuse)?;
        // The directory must hold the inode resolved above; otherwise a component moved.
        let resolved = rustix::fs::fstat(&fd).map_err(|e| Error::io(path, "stat", e.into()))?;
        let named = statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW).ok();
        if named.is_none_or(|s| (s.st_dev, s.st_ino) != (resolved.st_dev, resolved.st_ino)) {
            return Err(Error::io(
                path,
                "open",
                io::Error::other("a path component changed while it was being resolved"),
            ));
        }
        Ok(Target {
            dir: File::from(dir),
            name: name.to_os_string(),
            real,
            shown: path.to_path_buf(),
            confined: true,
        })
    }

    /// Opens the file for reading. Refuses anything but a regular file (FIFOs and devices are
    /// opened without blocking, then refused) and, under a root, a file with several hard
    /// links (another link may lie outside the root).
    ///
    /// # Errors
    ///
    /// The open fails or the file is not one bigedit may touch.
    pub fn open_file(&self) -> Result<File> {
        self.open_with(OFlags::RDONLY)
    }

    /// Opens the file for reading and writing in place (same checks as
    /// [`open_file`](Self::open_file)).
    ///
    /// # Errors
    ///
    /// The open fails or the file is not one bigedit may touch.
    pub fn open_file_rw(&self) -> Result<File> {
        self.open_with(OFlags::RDWR)
    }

    fn open_with(&self, access: OFlags) -> Result<File> {
        let flags = access | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
        let fd = openat(&self.dir, &self.name, flags, Mode::empty())
            .map_err(|e| self.io("open", e.into()))?;
        let st = rustix::fs::fstat(&fd).map_err(|e| self.io("stat", e.into()))?;
        let kind = rustix::fs::FileType::from_raw_mode(st.st_mode);
        let refused = match kind {
            rustix::fs::FileType::RegularFile => None,
            rustix::fs::FileType::Directory => Some("is a directory"),
            rustix::fs::FileType::Fifo => Some("is a FIFO, not a regular file"),
            rustix::fs::FileType::CharacterDevice | rustix::fs::FileType::BlockDevice => {
                Some("is a device, not a regular file")
            }
            rustix::fs::FileType::Socket => Some("is a socket, not a regular file"),
            _ => Some("is not a regular file"),
        };
        if let Some(why) = refused {
            return Err(self.io("open", io::Error::new(io::ErrorKind::InvalidInput, why)));
        }
        if self.confined && st.st_nlink > 1 {
            return Err(self.io(
                "open",
                io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "has {} hard links; under --root only single-link files are opened \
                         (another link may lie outside the root)",
                        st.st_nlink
                    ),
                ),
            ));
        }
        // Regular files ignore O_NONBLOCK; it was only there so a FIFO could not hang the open.
        Ok(File::from(fd))
    }

    /// The directory handle.
    pub fn dir(&self) -> &File {
        &self.dir
    }

    /// The file's name in its directory.
    pub fn name(&self) -> &OsStr {
        &self.name
    }

    /// The canonical path (cache key).
    pub fn real(&self) -> &Path {
        &self.real
    }

    /// The path as the user gave it (for messages).
    pub fn shown(&self) -> &Path {
        &self.shown
    }

    /// The name of a sidecar file beside the target: `.NAME.SUFFIX`, or, when that would not
    /// fit in a file name (255 bytes), `.PREFIX~HASH.SUFFIX` with NAME cut to fit and the
    /// hash of the whole name, so that every valid name has its own sidecars.
    pub fn sidecar(&self, suffix: &str) -> OsString {
        let mut n = sidecar_stem(&self.name);
        n.push(suffix);
        n
    }

    /// The path of a file in the target's directory, for messages.
    pub fn path_of(&self, name: &OsStr) -> PathBuf {
        self.real.with_file_name(name)
    }

    /// Makes the directory's entries (a rename, a new or removed file) durable.
    ///
    /// # Errors
    ///
    /// The `fsync` error.
    pub fn sync_dir(&self) -> Result<()> {
        self.dir.sync_all().map_err(|e| {
            Error::io(self.real.parent().unwrap_or(Path::new(".")), "fsync directory", e)
        })
    }

    /// An I/O error about the target.
    pub fn io(&self, action: &str, e: io::Error) -> Error {
        Error::io(&self.shown, action, e)
    }
}

/// A path's parent and final name; `None` for paths without a final normal component.
fn split(path: &Path) -> Option<(&Path, &OsStr)> {
    match path.components().next_back() {
        Some(Component::Normal(name)) => Some((path.parent().unwrap_or(Path::new("")), name)),
        _ => None,
    }
}

fn not_a_file(path: &Path) -> Error {
    Error::io(path, "open", io::Error::new(io::ErrorKind::InvalidInput, "is not a file path"))
}

/// Runs an `openat2` call again while it fails with EAGAIN: with `RESOLVE_BENEATH` the kernel
/// returns EAGAIN for a `..` walked while any rename runs on the system, so a safe resolution
/// is retried rather than reported.
fn retry_again<T>(mut call: impl FnMut() -> rustix::io::Result<T>) -> rustix::io::Result<T> {
    let mut tries = 0;
    loop {
        match call() {
            Err(rustix::io::Errno::AGAIN) if tries < 1000 => tries += 1,
            other => return other,
        }
    }
}

/// The longest file name (`NAME_MAX` on Linux).
const NAME_MAX: usize = 255;
/// Room a sidecar needs after its stem: the longest suffix (a temporary file's 16-hex-digit
/// seed plus `.bigedit-tmp`, 28 bytes) with some to spare.
const SUFFIX_ROOM: usize = 40;

/// `.NAME.` when a sidecar of NAME fits in a file name, else `.PREFIX~HASH.`.
fn sidecar_stem(target: &OsStr) -> OsString {
    let name = target.as_bytes();
    let mut stem = Vec::with_capacity(NAME_MAX);
    stem.push(b'.');
    if 2 + name.len() + SUFFIX_ROOM <= NAME_MAX {
        stem.extend_from_slice(name);
    } else {
        let hash = format!("~{}", bigedit_core::Version::of(name));
        stem.extend_from_slice(&name[..NAME_MAX - SUFFIX_ROOM - 2 - hash.len()]);
        stem.extend_from_slice(hash.as_bytes());
    }
    stem.push(b'.');
    OsString::from_vec(stem)
}

/// Whether `name` is a bigedit temporary file of the target named `target`.
pub(crate) fn is_temp_of(name: &[u8], target: &OsStr) -> bool {
    name.starts_with(sidecar_stem(target).as_bytes()) && name.ends_with(b".bigedit-tmp")
}

/// Why `path` cannot be a file when it names a process's descriptor (`/dev/stdin`,
/// `/dev/fd/N`, `/proc/self/fd/N`: a pipe or a terminal has no path to open again).
fn descriptor_link(path: &Path) -> Option<String> {
    let mut p = path.to_path_buf();
    for _ in 0..8 {
        if p.starts_with("/proc/self/fd")
            || p.starts_with("/dev/fd")
            || p.parent() == Some(Path::new("/proc/self/fd"))
        {
            return Some(
                "is a process's descriptor (standard input or a pipe), not a file: bigedit edits \
                 files; save the input to a file first (new content can come from stdin with \
                 --from -)"
                    .to_string(),
            );
        }
        let next = std::fs::read_link(&p).ok()?;
        p = if next.is_absolute() { next } else { p.parent()?.join(next) };
    }
    None
}

/// The path of `path` (as the current directory sees it) relative to `root`, when it exists
/// and lies under the root: what the user meant to type.
fn relative_to_cwd(path: &Path, root: &Root) -> Option<String> {
    let real = path.canonicalize().ok()?;
    let under = real.strip_prefix(&root.path).ok()?;
    Some(under.display().to_string())
}
