//! Pseudo-terminals: a process that runs on one sees a TTY (colours, prompts, line
//! editing, job control), its output is read from the master side as `stdout`, and
//! `write` is its keyboard (`\x03` is Ctrl-C, delivered by the terminal as SIGINT).
//!
//! The child calls `setsid` and takes the terminal as its controlling terminal, so it
//! leads a new session whose process group id is its pid: `kill` signals that group as
//! for any process. rustix's pty calls are used instead of a crate: open, grant, unlock,
//! name, and the window size are five system calls.

use crate::error::{Error, ErrorCode, Result};
use rustix::pty::OpenptFlags;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use tokio::io::unix::AsyncFd;

/// A terminal's size in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtySize {
    /// Columns, 1 to 65535.
    pub cols: u16,
    /// Rows, 1 to 65535.
    pub rows: u16,
}

impl PtySize {
    /// A size of `cols` × `rows`; 0 in either is `INVALID_ARGUMENT`.
    pub fn new(cols: u16, rows: u16) -> Result<PtySize> {
        crate::input::pty_size(i64::from(cols), i64::from(rows))
    }
}

impl Default for PtySize {
    fn default() -> Self {
        PtySize { cols: 80, rows: 24 }
    }
}

/// The host's side of a terminal: read for output, written for input.
#[derive(Clone)]
pub(crate) struct Terminal {
    pub master: Arc<AsyncFd<OwnedFd>>,
}

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::ProcessError, format!("could not {what}: {e}"))
}

impl Terminal {
    /// A new terminal of `size`, and the side the child gets.
    pub fn open(size: PtySize) -> Result<(Terminal, OwnedFd)> {
        let master =
            rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
                .map_err(|e| failed("open a pseudo-terminal", e))?;
        rustix::pty::grantpt(&master).map_err(|e| failed("grant the pseudo-terminal", e))?;
        rustix::pty::unlockpt(&master).map_err(|e| failed("unlock the pseudo-terminal", e))?;
        let name = rustix::pty::ptsname(&master, Vec::new())
            .map_err(|e| failed("name the pseudo-terminal", e))?;
        let slave = rustix::fs::open(
            name.as_c_str(),
            rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .map_err(|e| failed("open the terminal's child side", e))?;
        set_size(&master, size)?;
        rustix::io::ioctl_fionbio(&master, true)
            .map_err(|e| failed("make the terminal non-blocking", e))?;
        // SAFETY: the AsyncFd owns the master fd, which stays open and unchanged until
        // it is dropped.
        let master = unsafe { AsyncFd::register(master) }
            .map_err(|e| failed("watch the terminal", e.into_parts().1))?;
        Ok((
            Terminal {
                master: Arc::new(master),
            },
            slave,
        ))
    }

    /// Sets the window size; the kernel sends SIGWINCH to the foreground process group.
    pub fn resize(&self, size: PtySize) -> Result<()> {
        set_size(self.master.get_ref(), size)
    }

    /// Waits until output may be read.
    pub async fn readable(&self) -> io::Result<()> {
        let mut guard = self.master.readable().await?;
        // Cleared before reading: the caller reads until WouldBlock, and output that
        // arrives later raises readiness again.
        guard.clear_ready();
        Ok(())
    }

    /// Reads what is there; `Ok(0)` once every child side has closed (EIO).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match rustix::io::read(self.master.get_ref(), buf) {
            Ok(n) => Ok(n),
            Err(rustix::io::Errno::IO) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes some of `data`, waiting while the terminal's input queue is full.
    pub async fn write(&self, data: &[u8]) -> io::Result<usize> {
        loop {
            let mut guard = self.master.writable().await?;
            match guard.try_io(|fd| rustix::io::write(fd.get_ref(), data).map_err(io::Error::from))
            {
                Ok(result) => return result,
                Err(_would_block) => continue,
            }
        }
    }
}

fn set_size(fd: &OwnedFd, size: PtySize) -> Result<()> {
    rustix::termios::tcsetwinsize(
        fd,
        rustix::termios::Winsize {
            ws_row: size.rows,
            ws_col: size.cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        },
    )
    .map_err(|e| failed("set the terminal size", e))
}
