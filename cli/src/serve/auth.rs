//! Bearer tokens and roles. Tokens are kept only as SHA-256 digests and compared in
//! constant time; neither a token nor its digest is ever logged or echoed.

use super::error::ApiError;
use axum::http::{header, HeaderMap, StatusCode};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::Path;
use subtle::ConstantTimeEq;

/// What a token may do; each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads: lists, statuses, logs, events, ports, files.
    Viewer,
    /// Also starts, kills, execs, writes stdin and files, exposes ports.
    Developer,
    /// Also creates and destroys sandboxes.
    Admin,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Developer => "developer",
            Role::Admin => "admin",
        }
    }
}

/// Who is calling: the role and, if the token has one, its sandbox allow-list.
#[derive(Debug, Clone)]
pub struct Caller {
    role: Role,
    sandboxes: Option<HashSet<String>>,
}

impl Caller {
    /// The caller of a server started without `--tokens` (loopback only): anything goes.
    pub fn open() -> Caller {
        Caller {
            role: Role::Admin,
            sandboxes: None,
        }
    }

    /// 403 unless the role is at least `need`.
    pub fn require(&self, need: Role) -> Result<(), ApiError> {
        if self.role >= need {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!(
                "this needs the {} role; the token has {}",
                need.as_str(),
                self.role.as_str()
            ),
        ))
    }

    /// Whether the token's allow-list (if any) names this sandbox.
    pub fn sees(&self, sandbox: &str) -> bool {
        self.sandboxes.as_ref().is_none_or(|s| s.contains(sandbox))
    }

    /// Whether the token is limited to named sandboxes.
    pub fn sandboxes_limited(&self) -> bool {
        self.sandboxes.is_some()
    }

    /// 403 unless the token's allow-list (if any) names this sandbox.
    pub fn require_sandbox(&self, sandbox: &str) -> Result<(), ApiError> {
        if self.sees(sandbox) {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!("this token is not allowed sandbox {sandbox}"),
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    #[serde(default)]
    token: Vec<TokenEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntry {
    token_sha256: String,
    role: Role,
    sandboxes: Option<Vec<String>>,
}

struct Known {
    digest: [u8; 32],
    caller: Caller,
}

/// The accepted tokens, as digests.
pub struct Tokens {
    known: Vec<Known>,
}

impl Tokens {
    /// Reads a tokens file; the message names the entry that is wrong, never a digest.
    pub fn load(path: &Path) -> Result<Tokens, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file: TokensFile = toml::from_str(&text).map_err(|e| {
            // toml's message quotes the offending line, which may be a digest: keep only
            // what it says and where.
            let at = e
                .span()
                .map(|s| format!(" (byte {})", s.start))
                .unwrap_or_default();
            // Role names are no secret: the message lists them when a role is wrong.
            let roles = if e.message().contains("variant") {
                " (a role is viewer, developer or admin)"
            } else {
                ""
            };
            format!(
                "{}: {}{at}{roles}",
                path.display(),
                without_quotes(e.message())
            )
        })?;
        let mut known = Vec::new();
        for (n, entry) in file.token.into_iter().enumerate() {
            let mut digest = [0u8; 32];
            hex::decode_to_slice(entry.token_sha256.trim(), &mut digest).map_err(|_| {
                format!(
                    "{}: token {}: token_sha256 must be 64 hex digits (the SHA-256 of the token)",
                    path.display(),
                    n + 1
                )
            })?;
            known.push(Known {
                digest,
                caller: Caller {
                    role: entry.role,
                    sandboxes: entry.sandboxes.map(|s| s.into_iter().collect()),
                },
            });
        }
        if known.is_empty() {
            return Err(format!("{}: no [[token]] entries", path.display()));
        }
        Ok(Tokens { known })
    }

    /// The caller a request's `Authorization` header proves, or 401.
    pub fn caller(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let unauthorized = |why: &str| ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", why);
        let value = headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("an Authorization: Bearer <token> header is required"))?;
        let token = value
            .to_str()
            .ok()
            .and_then(bearer_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthorized("the Authorization header must be: Bearer <token>"))?;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Every entry is compared, so the time taken says nothing about which matched.
        let mut found: Option<&Caller> = None;
        for k in &self.known {
            if bool::from(k.digest.ct_eq(&digest)) {
                found = Some(&k.caller);
            }
        }
        found
            .cloned()
            .ok_or_else(|| unauthorized("the token is not valid"))
    }
}

/// The token of a `Bearer` credential; the scheme is case-insensitive (RFC 7235).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once([' ', '\t'])?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// A parser message without the values it quotes between backticks.
fn without_quotes(message: &str) -> String {
    let mut out = String::new();
    for (i, part) in message.split('`').enumerate() {
        out.push_str(if i % 2 == 1 { "…" } else { part });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Result<Tokens, String> {
        let dir = std::env::temp_dir().join(format!("pw-tokens-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("t{}.toml", text.len()));
        std::fs::write(&path, text).unwrap();
        Tokens::load(&path)
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        h
    }

    #[test]
    fn a_token_is_known_by_its_digest_only() {
        let digest = hex::encode(Sha256::digest(b"s3cret"));
        let t = tokens(&format!(
            "[[token]]\ntoken_sha256 = \"{digest}\"\nrole = \"viewer\"\n"
        ))
        .unwrap();
        let c = t.caller(&bearer("s3cret")).unwrap();
        assert!(c.require(Role::Viewer).is_ok());
        assert_eq!(
            c.require(Role::Developer).unwrap_err().status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            t.caller(&bearer("s3cre")).unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            t.caller(&bearer(&digest)).unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            t.caller(&HeaderMap::new()).unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
    }

    #[test]
    fn the_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER  abc "), Some("abc"));
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearerabc"), None);
    }

    #[test]
    fn a_bad_file_is_refused_without_echoing_digests() {
        let e = tokens("[[token]]\ntoken_sha256 = \"abcd\"\nrole = \"viewer\"\n")
            .err()
            .unwrap();
        assert!(e.contains("64 hex digits") && !e.contains("abcd"), "{e}");
        let e = tokens("[[token]]\ntoken_sha256 = \"ab\"\nrole = \"root\"\n")
            .err()
            .unwrap();
        assert!(!e.contains("\"ab\""), "{e}");
        assert!(e.contains("viewer, developer or admin"), "{e}");
        let e = tokens("[[token]]\ntoken_sha256 = 123456789\nrole = \"viewer\"\n")
            .err()
            .unwrap();
        assert!(!e.contains("123456789"), "{e}");
        assert!(tokens("").is_err());
    }
}
