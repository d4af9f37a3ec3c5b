//! The optional on-disk log: one merged `proc-<id>.log`, rotated at 10 MiB.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Size at which `proc-<id>.log` is moved to `proc-<id>.log.1`.
pub const ROTATE_AT: u64 = 10 * 1024 * 1024;

/// An append-only file that keeps one rotated predecessor.
pub(crate) struct RotatingFile {
    path: PathBuf,
    file: File,
    written: u64,
    rotate_at: u64,
}

impl RotatingFile {
    /// Creates (truncating) `dir/proc-<id>.log`.
    pub(crate) fn create(dir: &Path, id: &str, rotate_at: u64) -> io::Result<RotatingFile> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("proc-{id}.log"));
        let file = open_truncated(&path)?;
        Ok(RotatingFile {
            path,
            file,
            written: 0,
            rotate_at,
        })
    }

    /// Appends, rotating first if this write would cross the limit.
    pub(crate) fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if self.written > 0 && self.written + data.len() as u64 > self.rotate_at {
            let mut old = self.path.clone().into_os_string();
            old.push(".1");
            std::fs::rename(&self.path, old)?;
            self.file = open_truncated(&self.path)?;
            self.written = 0;
        }
        self.file.write_all(data)?;
        self.written += data.len() as u64;
        Ok(())
    }
}

fn open_truncated(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_to_dot_one() {
        let dir = std::env::temp_dir().join(format!("pw-logfile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut f = RotatingFile::create(&dir, "a", 10).unwrap();
        f.write(b"12345678").unwrap();
        f.write(b"abcdef").unwrap();
        f.write(b"gh").unwrap();
        assert_eq!(
            std::fs::read(dir.join("proc-a.log.1")).unwrap(),
            b"12345678"
        );
        assert_eq!(std::fs::read(dir.join("proc-a.log")).unwrap(), b"abcdefgh");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
