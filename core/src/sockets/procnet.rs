//! Listening TCP sockets from `/proc/net/tcp` and `/proc/net/tcp6`: the fallback
//! where netlink `sock_diag` is not available.

use super::{Family, Listener};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `st` of a listening socket (`TCP_LISTEN`).
const LISTEN: &str = "0A";

/// Every listening socket on `port` (on every port for `None`), from both tables; a
/// table that cannot be read (no `/proc`, no IPv6) lists nothing.
pub(crate) fn listeners_on(port: Option<u16>) -> Vec<Listener> {
    let mut out = Vec::new();
    for (path, family) in [
        ("/proc/net/tcp", Family::Ipv4),
        ("/proc/net/tcp6", Family::Ipv6),
    ] {
        if let Ok(text) = std::fs::read_to_string(path) {
            out.extend(parse_table(&text, family).filter(|l| port.map_or(true, |p| l.port == p)));
        }
    }
    out
}

/// The listening sockets of one table's text; lines that do not parse are skipped.
pub(crate) fn parse_table(text: &str, family: Family) -> impl Iterator<Item = Listener> + '_ {
    text.lines().skip(1).filter_map(move |line| {
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.get(3) != Some(&LISTEN) {
            return None;
        }
        let (addr, port) = f.get(1)?.split_once(':')?;
        Some(Listener {
            addr: parse_addr(addr, family)?,
            port: u16::from_str_radix(port, 16).ok()?,
            family,
            inode: f.get(9)?.parse().ok()?,
        })
    })
}

/// The kernel prints an address as 32-bit words, each in the machine's byte order.
fn parse_addr(hex: &str, family: Family) -> Option<IpAddr> {
    let words = match family {
        Family::Ipv4 => 1,
        Family::Ipv6 => 4,
    };
    if hex.len() != words * 8 || !hex.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; 16];
    for i in 0..words {
        let word = u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16).ok()?;
        bytes[i * 4..i * 4 + 4].copy_from_slice(&word.to_ne_bytes());
    }
    Some(match family {
        Family::Ipv4 => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
        Family::Ipv6 => IpAddr::V6(Ipv6Addr::from(bytes)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

    fn one(line: &str, family: Family) -> Option<Listener> {
        parse_table(&format!("{HEADER}{line}\n"), family).next()
    }

    // Lines as an x86-64 kernel prints them: each 32-bit word little-endian.
    #[cfg(target_endian = "little")]
    #[test]
    fn parses_ipv4_listeners_and_skips_other_states() {
        let l = one("   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 48213 1 0000000000000000 100 0 0 10 0", Family::Ipv4).unwrap();
        assert_eq!(l.addr, IpAddr::from([127, 0, 0, 1]));
        assert_eq!((l.port, l.inode, l.family), (8000, 48213, Family::Ipv4));
        let any = one("   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0", Family::Ipv4).unwrap();
        assert_eq!((any.addr, any.port), (IpAddr::from([0, 0, 0, 0]), 80));
        // ESTABLISHED (01) and TIME_WAIT (06) are not listeners.
        assert!(one("   2: 0100007F:1F40 0100007F:D2B4 01 00000000:00000000 00:00000000 00000000  1000        0 48999 1 0000000000000000 20 4 30 10 -1", Family::Ipv4).is_none());
        assert!(one("   3: 0100007F:1F40 0100007F:D2B6 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000", Family::Ipv4).is_none());
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn parses_ipv6_dual_stack_and_v4_mapped_listeners() {
        let lo = one("   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 50001 1 0000000000000000 100 0 0 10 0", Family::Ipv6).unwrap();
        assert_eq!(lo.addr, IpAddr::V6(Ipv6Addr::LOCALHOST));
        assert_eq!((lo.port, lo.inode, lo.family), (3000, 50001, Family::Ipv6));
        let any = one("   1: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 50002 1 0000000000000000 100 0 0 10 0", Family::Ipv6).unwrap();
        assert_eq!(any.addr, IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        let mapped = one("   2: 0000000000000000FFFF00000100007F:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 50003 1 0000000000000000 100 0 0 10 0", Family::Ipv6).unwrap();
        assert_eq!(mapped.addr, "::ffff:127.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn malformed_lines_are_skipped() {
        assert!(one("garbage", Family::Ipv4).is_none());
        assert!(one("   0: 0100007F 00000000:0000 0A 0 0 0 0 0 1", Family::Ipv4).is_none());
        // An IPv6-length address in the IPv4 table, and a port that is not hex.
        assert!(one(
            "   0: 00000000000000000000000001000000:0BB8 0:0 0A 0 0 0 0 0 1",
            Family::Ipv4
        )
        .is_none());
        assert!(one(
            "   0: 0100007F:ZZZZ 00000000:0000 0A 0 0 0 0 0 1",
            Family::Ipv4
        )
        .is_none());
    }
}
