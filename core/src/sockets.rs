//! TCP sockets in LISTEN state, as the kernel lists them (netlink `sock_diag`, or
//! `/proc/net/tcp{,6}` where that is missing), and the socket inodes a process holds
//! (its `/proc/PID/fd` links).

mod diag;
mod procnet;

use std::collections::HashSet;
use std::net::IpAddr;

/// The address family of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    /// An IPv4 socket.
    Ipv4,
    /// An IPv6 socket (dual-stack ones included).
    Ipv6,
}

/// One listening TCP socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listener {
    /// The local address it is bound to (`0.0.0.0` / `::` for every address).
    pub addr: IpAddr,
    /// The local port.
    pub port: u16,
    /// The socket's family.
    pub family: Family,
    /// The socket's inode: what `/proc/PID/fd/N` links to as `socket:[INODE]`.
    pub inode: u64,
}

impl Listener {
    /// Whether a connection to `peer` on this socket's port may have reached it.
    /// An unspecified IPv6 address counts for IPv4 too: `/proc` does not show whether
    /// the socket is dual-stack (`IPV6_V6ONLY` off, Linux's default) or not.
    pub fn serves(&self, peer: IpAddr) -> bool {
        match (self.addr, canonical(peer)) {
            (IpAddr::V6(a), _) if a.is_unspecified() => true,
            (IpAddr::V4(a), IpAddr::V4(p)) => a.is_unspecified() || a == p,
            (a, p) => canonical(a) == p,
        }
    }
}

/// A v4-mapped IPv6 address (`::ffff:127.0.0.1`) as the IPv4 address it carries.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Every listening TCP socket on `port`, IPv4 and IPv6; empty if the kernel's tables
/// cannot be read.
pub(crate) fn listeners_on(port: u16) -> Vec<Listener> {
    diag::listeners_on(Some(port)).unwrap_or_else(|| procnet::listeners_on(Some(port)))
}

/// Every listening TCP socket, IPv4 and IPv6, on any port.
pub(crate) fn all_listeners() -> Vec<Listener> {
    diag::listeners_on(None).unwrap_or_else(|| procnet::listeners_on(None))
}

/// Why a process's sockets could not be listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// Another user's process (EACCES): its sockets cannot be attributed.
    Denied,
    /// It has exited, or never existed.
    Gone,
}

/// The socket inodes among `wanted` that process `pid` holds open.
pub(crate) fn held_by(pid: u32, wanted: &HashSet<u64>) -> Result<HashSet<u64>, Unreadable> {
    let dir = std::fs::read_dir(format!("/proc/{pid}/fd")).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => Unreadable::Denied,
        _ => Unreadable::Gone,
    })?;
    let mut held = HashSet::new();
    for entry in dir.flatten() {
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        if let Some(inode) = socket_inode(target.as_os_str().as_encoded_bytes()) {
            if wanted.contains(&inode) {
                held.insert(inode);
            }
        }
    }
    Ok(held)
}

/// `socket:[12345]` → 12345.
fn socket_inode(link: &[u8]) -> Option<u64> {
    let inner = link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(inner).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_listeners_a_connection_may_have_reached() {
        let at = |addr: &str, family| Listener {
            addr: addr.parse().unwrap(),
            port: 1,
            family,
            inode: 1,
        };
        let v4: IpAddr = "127.0.0.1".parse().unwrap();
        let v6: IpAddr = "::1".parse().unwrap();
        assert!(at("127.0.0.1", Family::Ipv4).serves(v4));
        assert!(at("0.0.0.0", Family::Ipv4).serves(v4));
        assert!(!at("127.0.0.2", Family::Ipv4).serves(v4));
        assert!(!at("0.0.0.0", Family::Ipv4).serves(v6));
        assert!(at("::", Family::Ipv6).serves(v4));
        assert!(at("::", Family::Ipv6).serves(v6));
        assert!(at("::1", Family::Ipv6).serves(v6));
        assert!(!at("::1", Family::Ipv6).serves(v4));
        assert!(at("::ffff:127.0.0.1", Family::Ipv6).serves(v4));
        assert!(at("127.0.0.1", Family::Ipv4).serves("::ffff:127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn socket_links_name_their_inode() {
        assert_eq!(socket_inode(b"socket:[48213]"), Some(48213));
        assert_eq!(socket_inode(b"pipe:[48213]"), None);
        assert_eq!(socket_inode(b"/dev/null"), None);
        assert_eq!(socket_inode(b"socket:[]"), None);
    }

    #[test]
    fn finds_a_listener_this_process_holds() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let found = listeners_on(port);
        let mine = found
            .iter()
            .find(|x| x.addr == IpAddr::from([127, 0, 0, 1]))
            .unwrap_or_else(|| panic!("{found:?}"));
        let wanted = HashSet::from([mine.inode]);
        assert_eq!(held_by(std::process::id(), &wanted), Ok(wanted.clone()));
        assert_eq!(held_by(u32::MAX, &wanted), Err(Unreadable::Gone));
    }
}
