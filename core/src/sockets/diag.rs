//! Listening TCP sockets from the kernel's `sock_diag` netlink interface (what `ss -tl`
//! uses). Asked for LISTEN sockets on one port, the kernel walks only its listening
//! table; reading `/proc/net/tcp` walks every connection slot of the host, which took
//! ~4 ms per file even with a few hundred sockets on the machine it was measured on.

use super::{Family, Listener};
use rustix::net::{netlink, recv, send, AddressFamily, RecvFlags, SendFlags, SocketType};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::OwnedFd;

// From linux/netlink.h, linux/sock_diag.h and linux/inet_diag.h.
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_HDRLEN: usize = 16;
/// `struct inet_diag_req_v2`.
const REQ_LEN: usize = 56;
/// `struct inet_diag_msg`, up to and including `idiag_inode`.
const MSG_LEN: usize = 72;
const IPPROTO_TCP: u8 = 6;
const TCP_LISTEN: u32 = 10;

/// The listening TCP sockets on `port` (on every port for `None`) of both families;
/// `None` if the kernel does not answer (no `sock_diag`, as in some sandboxes), so the
/// caller can read `/proc`.
pub(crate) fn listeners_on(port: Option<u16>) -> Option<Vec<Listener>> {
    let fd = rustix::net::socket(
        AddressFamily::NETLINK,
        SocketType::DGRAM,
        Some(netlink::SOCK_DIAG),
    )
    .ok()?;
    // The kernel answers a dump at once; the timeout only guards against one that never does.
    rustix::net::sockopt::set_socket_timeout(
        &fd,
        rustix::net::sockopt::Timeout::Recv,
        Some(std::time::Duration::from_secs(1)),
    )
    .ok()?;
    let mut out = dump(&fd, Family::Ipv4, port)?;
    out.extend(dump(&fd, Family::Ipv6, port)?);
    Some(out)
}

fn dump(fd: &OwnedFd, family: Family, port: Option<u16>) -> Option<Vec<Listener>> {
    send(fd, &request(family, port.unwrap_or(0)), SendFlags::empty()).ok()?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let (_, n) = recv(fd, &mut buf[..], RecvFlags::empty()).ok()?;
        let mut rest = buf.get(..n)?;
        while rest.len() >= NLMSG_HDRLEN {
            let len = u32::from_ne_bytes(rest[0..4].try_into().ok()?) as usize;
            let kind = u16::from_ne_bytes(rest[4..6].try_into().ok()?);
            if len < NLMSG_HDRLEN || len > rest.len() {
                return None;
            }
            match kind {
                NLMSG_DONE => return Some(out),
                NLMSG_ERROR => return None,
                SOCK_DIAG_BY_FAMILY => out.extend(
                    parse_msg(&rest[NLMSG_HDRLEN..len])
                        .filter(|l| port.map_or(true, |p| l.port == p)),
                ),
                _ => {}
            }
            rest = rest.get((len + 3) & !3..).unwrap_or_default();
        }
    }
}

/// A dump request for the LISTEN sockets of one family on `port` (the kernel filters
/// the listening table by source port itself; 0 asks for every port).
fn request(family: Family, port: u16) -> [u8; NLMSG_HDRLEN + REQ_LEN] {
    let mut req = [0u8; NLMSG_HDRLEN + REQ_LEN];
    req[0..4].copy_from_slice(&((NLMSG_HDRLEN + REQ_LEN) as u32).to_ne_bytes());
    req[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    req[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    let r = &mut req[NLMSG_HDRLEN..];
    r[0] = match family {
        Family::Ipv4 => AddressFamily::INET.as_raw() as u8,
        Family::Ipv6 => AddressFamily::INET6.as_raw() as u8,
    };
    r[1] = IPPROTO_TCP;
    r[4..8].copy_from_slice(&(1u32 << TCP_LISTEN).to_ne_bytes());
    // `id.idiag_sport`, in network order.
    r[8..10].copy_from_slice(&port.to_be_bytes());
    req
}

/// One `struct inet_diag_msg`; addresses and ports are in network order.
fn parse_msg(m: &[u8]) -> Option<Listener> {
    if m.len() < MSG_LEN || u32::from(m[1]) != TCP_LISTEN {
        return None;
    }
    let src: [u8; 16] = m[8..24].try_into().ok()?;
    let (family, addr) = if m[0] == AddressFamily::INET.as_raw() as u8 {
        let v4: [u8; 4] = src[..4].try_into().ok()?;
        (Family::Ipv4, IpAddr::V4(Ipv4Addr::from(v4)))
    } else if m[0] == AddressFamily::INET6.as_raw() as u8 {
        (Family::Ipv6, IpAddr::V6(Ipv6Addr::from(src)))
    } else {
        return None;
    };
    Some(Listener {
        addr,
        port: u16::from_be_bytes([m[4], m[5]]),
        family,
        inode: u64::from(u32::from_ne_bytes(m[68..72].try_into().ok()?)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listening_message_parses() {
        let mut m = [0u8; MSG_LEN];
        m[0] = AddressFamily::INET6.as_raw() as u8;
        m[1] = TCP_LISTEN as u8;
        m[4..6].copy_from_slice(&3000u16.to_be_bytes());
        m[8..24].copy_from_slice(&Ipv6Addr::LOCALHOST.octets());
        m[68..72].copy_from_slice(&50001u32.to_ne_bytes());
        let l = parse_msg(&m).unwrap();
        assert_eq!(l.addr, IpAddr::V6(Ipv6Addr::LOCALHOST));
        assert_eq!((l.port, l.family, l.inode), (3000, Family::Ipv6, 50001));
        m[1] = 1; // ESTABLISHED
        assert!(parse_msg(&m).is_none());
        assert!(parse_msg(&m[..40]).is_none());
    }

    #[test]
    fn the_kernel_lists_a_listener_of_this_process_with_its_procfs_inode() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let Some(found) = listeners_on(Some(port)) else {
            eprintln!("no sock_diag here; the /proc fallback is used");
            return;
        };
        let from_proc = super::super::procnet::listeners_on(Some(port));
        assert_eq!(found, from_proc);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].addr, IpAddr::from([127, 0, 0, 1]));
    }
}
