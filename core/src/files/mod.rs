//! Files of a sandbox's folder: every operation stays beneath it.

mod workspace;

pub use workspace::{is_escape, is_folder_error, Entry, EntryKind, Upload, Workspace};

/// 64 random bits as hex, for temporary names.
fn random_suffix() -> String {
    let mut b = [0u8; 8];
    let _ = rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::empty());
    u64::from_le_bytes(b).to_string()
}
