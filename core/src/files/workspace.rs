//! A folder that file operations cannot leave: every path is resolved beneath it by the
//! kernel, one descriptor at a time (`cap-std`: `openat2` with `RESOLVE_BENEATH` where
//! the kernel has it, an `O_NOFOLLOW` walk where not), so a symlink that leads out, or
//! one that a process swaps in during the call, fails the operation instead of being
//! followed. There is no check-then-use gap: what was checked is the descriptor used.
//!
//! Symlinks inside the folder are followed when they are relative and stay inside; an
//! absolute symlink is refused even when it names a place inside (its meaning depends
//! on where the folder is mounted).

use cap_std::fs::{Dir, File, Metadata, OpenOptions, OpenOptionsExt};
use std::io;
use std::path::{Component, Path, PathBuf};

/// Permissions of files written here, before the umask.
const FILE_MODE: u32 = 0o644;

/// A folder whose files are read, written, listed and deleted without leaving it.
pub struct Workspace {
    dir: Dir,
}

/// One entry of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name within its folder.
    pub name: String,
    /// The entry itself, not what a symlink points to.
    pub kind: EntryKind,
    /// Bytes (of the link itself for a symlink).
    pub size: u64,
}

/// What a folder entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A folder.
    Dir,
    /// A symbolic link (not followed).
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

/// A file being written: its bytes go to a temporary file beside it, which replaces the
/// file at [`Upload::commit`]; dropped uncommitted, it is removed.
pub struct Upload {
    parent: Dir,
    /// The folder the workspace is, and the parent's path in it: at commit the parent
    /// must still be there (one moved out meanwhile would take the file with it).
    root: Dir,
    parent_rel: PathBuf,
    temp: String,
    name: PathBuf,
    file: Option<std::fs::File>,
}

/// EISDIR: the path is a folder where a file was wanted.
fn is_a_folder() -> io::Error {
    rustix::io::Errno::ISDIR.into()
}

/// Whether an error says the path is a folder where a file was wanted.
pub fn is_folder_error(e: &io::Error) -> bool {
    e.raw_os_error() == Some(rustix::io::Errno::ISDIR.raw_os_error())
}

/// Why a path cannot be used, before anything is opened.
fn bad_path(rel: &str, why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{rel:?}: {why}"))
}

/// The path as normal components: refuses NUL, `..` and absolute paths; `""` and `.` are
/// the folder itself.
fn relative(rel: &str) -> io::Result<PathBuf> {
    if rel.contains('\0') {
        return Err(bad_path(rel, "a path may not contain a NUL byte"));
    }
    let mut out = PathBuf::new();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(bad_path(rel, "\"..\" is not allowed; paths are relative"))
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(bad_path(
                    rel,
                    "absolute paths are not allowed; paths are relative",
                ))
            }
        }
    }
    Ok(out)
}

/// Whether an error means the path led outside the folder (a symlink out, or one too
/// many): the kernel says EXDEV or ELOOP, cap-std says PermissionDenied.
pub fn is_escape(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::PermissionDenied || matches!(e.raw_os_error(), Some(18 | 40))
    // EXDEV, ELOOP
}

impl Workspace {
    /// The folder at `root` (which must exist).
    pub fn open(root: &Path) -> io::Result<Workspace> {
        let dir = Dir::open_ambient_dir(root, cap_std::ambient_authority())?;
        Ok(Workspace { dir })
    }

    /// The folder `rel` beneath this one, as a workspace of its own: a symlink there
    /// (even one swapped in for the folder itself) that leads out is refused.
    pub fn open_dir(&self, rel: &str) -> io::Result<Workspace> {
        let path = relative(rel)?;
        Ok(Workspace {
            dir: self.dir.open_dir(path)?,
        })
    }

    /// Metadata of `rel`, following symlinks that stay inside.
    pub fn metadata(&self, rel: &str) -> io::Result<Metadata> {
        let path = relative(rel)?;
        if path.as_os_str().is_empty() {
            return self.dir.dir_metadata();
        }
        self.dir.metadata(path)
    }

    /// Opens a regular file for reading; its metadata too. A FIFO or a device is refused
    /// (it is opened without blocking, then checked by its descriptor).
    pub fn read(&self, rel: &str) -> io::Result<(std::fs::File, Metadata)> {
        let path = relative(rel)?;
        let mut options = OpenOptions::new();
        options
            .read(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
        let file = self.dir.open_with(path, &options)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(is_a_folder());
        }
        if !meta.is_file() {
            return Err(bad_path(rel, "not a regular file"));
        }
        let file = file.into_std();
        // Regular files ignore O_NONBLOCK; cleared all the same.
        rustix::fs::fcntl_setfl(&file, rustix::fs::OFlags::empty())?;
        Ok((file, meta))
    }

    /// The entries of a folder, sorted by name; symlinks are listed, not followed.
    pub fn list(&self, rel: &str) -> io::Result<Vec<Entry>> {
        let path = relative(rel)?;
        let dir = if path.as_os_str().is_empty() {
            self.dir.try_clone()?
        } else {
            self.dir.open_dir(path)?
        };
        let mut out = Vec::new();
        for entry in dir.entries()? {
            let entry = entry?;
            // Gone since the listing began: not listed.
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            let ft = meta.file_type();
            let kind = if ft.is_symlink() {
                EntryKind::Symlink
            } else if ft.is_dir() {
                EntryKind::Dir
            } else if ft.is_file() {
                EntryKind::File
            } else {
                EntryKind::Other
            };
            out.push(Entry {
                name: entry.file_name().to_string_lossy().into_owned(),
                kind,
                size: meta.len(),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Starts writing `rel`, creating its missing parent folders.
    pub fn upload(&self, rel: &str) -> io::Result<Upload> {
        let path = relative(rel)?;
        let (Some(name), parent) = (path.file_name(), path.parent()) else {
            return Err(is_a_folder());
        };
        if rel.ends_with('/') {
            return Err(is_a_folder());
        }
        let parent_rel = parent.map(Path::to_path_buf).unwrap_or_default();
        let parent = if parent_rel.as_os_str().is_empty() {
            self.dir.try_clone()?
        } else {
            self.dir.create_dir_all(&parent_rel).map_err(|e| {
                // A file where a folder is wanted: say so, not "File exists".
                if e.kind() == io::ErrorKind::AlreadyExists {
                    bad_path(rel, "a part of the path is a file, not a folder")
                } else {
                    e
                }
            })?;
            self.dir.open_dir(&parent_rel)?
        };
        match parent.symlink_metadata(name) {
            Ok(m) if m.is_dir() => return Err(is_a_folder()),
            // A symlink, a FIFO, a device: not replaced by a file behind the user's back.
            Ok(m) if !m.is_file() => return Err(bad_path(rel, "not a regular file")),
            _ => {}
        }
        // Short, whatever the name's length (a name near 255 bytes must still work).
        let temp = format!(".procwright-{}.tmp", crate::files::random_suffix());
        let mut options = OpenOptions::new();
        options.write(true).create_new(true).mode(FILE_MODE);
        let file: File = parent.open_with(&temp, &options)?;
        Ok(Upload {
            parent,
            root: self.dir.try_clone()?,
            parent_rel,
            temp,
            name: PathBuf::from(name),
            file: Some(file.into_std()),
        })
    }

    /// Writes `data` to `rel` whole (a temporary file, then a rename), creating parents.
    pub fn write(&self, rel: &str, data: &[u8]) -> io::Result<()> {
        let mut upload = self.upload(rel)?;
        io::Write::write_all(upload.file(), data)?;
        upload.commit()
    }

    /// Deletes a file, a symlink (not its target) or a folder with all it holds; never
    /// the folder itself.
    pub fn remove(&self, rel: &str) -> io::Result<()> {
        let path = relative(rel)?;
        if path.as_os_str().is_empty() {
            return Err(bad_path(rel, "the workspace itself cannot be deleted"));
        }
        if self.dir.symlink_metadata(&path)?.is_dir() {
            self.dir.remove_dir_all(path)
        } else {
            self.dir.remove_file(path)
        }
    }
}

impl Upload {
    /// The temporary file the bytes go to.
    pub fn file(&mut self) -> &mut std::fs::File {
        self.file
            .as_mut()
            .expect("an upload's file lives until commit")
    }

    /// Puts the written file in place of `rel`, if its folder is still where it was
    /// (beneath the workspace).
    pub fn commit(mut self) -> io::Result<()> {
        if let Some(f) = self.file.take() {
            f.sync_data()?;
        }
        let now = if self.parent_rel.as_os_str().is_empty() {
            self.root.dir_metadata()?
        } else {
            self.root.open_dir(&self.parent_rel)?.dir_metadata()?
        };
        let held = self.parent.dir_metadata()?;
        use cap_std::fs::MetadataExt;
        if (now.dev(), now.ino()) != (held.dev(), held.ino()) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the folder was moved or replaced during the write",
            ));
        }
        self.parent.rename(&self.temp, &self.parent, &self.name)?;
        self.temp.clear();
        Ok(())
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.temp.is_empty() {
            let _ = self.parent.remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pw-ws-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::canonicalize(dir).unwrap()
    }

    #[test]
    fn inside_works_and_every_way_out_is_refused() {
        let r = root("escape");
        let ws = Workspace::open(&r).unwrap();
        ws.write("a/new/file.txt", b"hi").unwrap();
        assert_eq!(std::fs::read(r.join("a/new/file.txt")).unwrap(), b"hi");
        assert_eq!(ws.read("./a/new/file.txt").unwrap().1.len(), 2);
        std::os::unix::fs::symlink("/etc", r.join("out")).unwrap();
        std::os::unix::fs::symlink(r.join("a"), r.join("absolute")).unwrap();
        std::os::unix::fs::symlink("a", r.join("in")).unwrap();
        for bad in ["../x", "a/../../x", "/etc/passwd", "a\0b"] {
            assert_eq!(
                ws.read(bad).unwrap_err().kind(),
                io::ErrorKind::InvalidInput,
                "{bad}"
            );
        }
        for out in ["out/passwd", "absolute/b"] {
            let e = ws.read(out).unwrap_err();
            assert!(is_escape(&e), "{out}: {e:?}");
            assert!(is_escape(&ws.list(out).unwrap_err()), "{out}");
            assert!(is_escape(&ws.write(&format!("{out}/x"), b"x").unwrap_err()));
        }
        assert!(ws.list("in/b").unwrap().is_empty());
        // Deleting a symlink deletes the link, never its target.
        ws.remove("out").unwrap();
        assert!(Path::new("/etc/passwd").exists());
        let names: Vec<String> = ws.list("").unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["a", "absolute", "in"]);
        assert!(ws.remove("").is_err());
        let _ = std::fs::remove_dir_all(r);
    }

    #[test]
    fn a_fifo_is_refused_without_blocking_and_an_unfinished_upload_leaves_nothing() {
        let r = root("fifo");
        let ws = Workspace::open(&r).unwrap();
        rustix::fs::mkfifoat(rustix::fs::CWD, r.join("pipe"), 0o600.into()).unwrap();
        assert_eq!(
            ws.read("pipe").unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        let mut up = ws.upload("a/partial").unwrap();
        io::Write::write_all(up.file(), b"half").unwrap();
        drop(up);
        let names: Vec<String> = ws.list("a").unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["b"]);
        let _ = std::fs::remove_dir_all(r);
    }
}
