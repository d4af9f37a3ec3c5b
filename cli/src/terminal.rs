//! Hands the terminal's stdio to `procwright run`'s CMD exactly as a shell would.
//!
//! Inheriting descriptors 0–2 as they are is not enough when the host is Node (the npm
//! `bin`): Node marks them close-on-exec and may leave a pipe non-blocking, so CMD would
//! start with no stdio at all, or fail with `EAGAIN` on a full pipe.

use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
use std::os::fd::{AsFd, BorrowedFd};
use std::process::Stdio;

/// CMD's stdin, stdout and stderr: copies of ours, in blocking mode.
pub(crate) fn stdio() -> [Stdio; 3] {
    [
        pass(std::io::stdin().as_fd()),
        pass(std::io::stdout().as_fd()),
        pass(std::io::stderr().as_fd()),
    ]
}

/// A copy of `fd` (the child gets it by `dup2`, which clears close-on-exec), or plain
/// inheritance when there is nothing to copy (a closed descriptor stays closed).
fn pass(fd: BorrowedFd<'_>) -> Stdio {
    if let Ok(flags) = fcntl_getfl(fd) {
        if flags.contains(OFlags::NONBLOCK) {
            // The flag belongs to the open file, shared with CMD; programs expect a
            // blocking terminal, and this process no longer writes there itself.
            let _ = fcntl_setfl(fd, flags - OFlags::NONBLOCK);
        }
    }
    match fd.try_clone_to_owned() {
        Ok(owned) => Stdio::from(owned),
        Err(_) => Stdio::inherit(),
    }
}
