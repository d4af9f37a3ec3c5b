//! A working directory a client names for a process, resolved inside a sandbox's
//! workspace: a process is given a path, not a descriptor. A path is refused when it is
//! absolute, holds `..` or a NUL, or when a symlink on the way leads outside. (File
//! operations do not use this: they go through the core's `files::Workspace`, by
//! descriptor.)

use super::error::ApiError;
use std::path::{Component, Path, PathBuf};

/// Resolves `rel` (relative to `root`, which is canonical) to a path inside `root`.
/// Every part that exists is followed through symlinks and must stay inside; parts that
/// do not exist yet are kept as given (a file `PUT` creates them). With `follow_last`
/// false a final symlink is the path itself (`DELETE` removes the link, not its target).
pub fn resolve(root: &Path, rel: &str, follow_last: bool) -> Result<PathBuf, ApiError> {
    let parts = parts_of(rel)?;
    let mut here = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        let next = here.join(part);
        let last = i + 1 == parts.len();
        match std::fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() && (follow_last || !last) => {
                let real = std::fs::canonicalize(&next).map_err(|_| {
                    ApiError::invalid(format!("{rel:?}: a symlink on the way leads nowhere"))
                })?;
                if !real.starts_with(root) {
                    return Err(outside(rel));
                }
                here = real;
            }
            Ok(_) => here = next,
            Err(_) => {
                // Nothing exists from here on, so nothing below can be a symlink.
                for rest in &parts[i..] {
                    here.push(rest);
                }
                return Ok(here);
            }
        }
    }
    Ok(here)
}

/// The normal parts of a relative path; `""` and `"."` are the root itself.
fn parts_of(rel: &str) -> Result<Vec<&str>, ApiError> {
    if rel.contains('\0') {
        return Err(ApiError::invalid("a path may not contain a NUL byte"));
    }
    let path = Path::new(rel);
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str().unwrap_or_default()),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(ApiError::invalid(format!(
                    "{rel:?}: \"..\" is not allowed; paths are relative to the workspace"
                )))
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(ApiError::invalid(format!(
                    "{rel:?}: absolute paths are not allowed; paths are relative to the workspace"
                )))
            }
        }
    }
    Ok(parts)
}

fn outside(rel: &str) -> ApiError {
    ApiError::invalid(format!("{rel:?} leads outside the workspace"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "pw-ws-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::canonicalize(dir).unwrap()
    }

    #[test]
    fn paths_inside_resolve_and_escapes_are_refused() {
        let r = root();
        assert_eq!(resolve(&r, "", true).unwrap(), r);
        assert_eq!(resolve(&r, "./a/b", true).unwrap(), r.join("a/b"));
        assert_eq!(
            resolve(&r, "a/new/file", true).unwrap(),
            r.join("a/new/file")
        );
        assert!(resolve(&r, "../x", true).is_err());
        assert!(resolve(&r, "a/../../x", true).is_err());
        assert!(resolve(&r, "a/..", true).is_err());
        assert!(resolve(&r, "/etc/passwd", true).is_err());
        assert!(resolve(&r, "a\0b", true).is_err());
        std::os::unix::fs::symlink("/etc", r.join("out")).unwrap();
        std::os::unix::fs::symlink(r.join("a"), r.join("in")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/x", r.join("dangling")).unwrap();
        assert!(resolve(&r, "out/passwd", true).is_err());
        assert!(resolve(&r, "out", true).is_err());
        assert!(resolve(&r, "dangling", true).is_err());
        assert_eq!(resolve(&r, "out", false).unwrap(), r.join("out"));
        assert!(resolve(&r, "out/x", false).is_err());
        assert_eq!(resolve(&r, "in/b", true).unwrap(), r.join("a/b"));
    }
}
