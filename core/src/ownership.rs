//! Whose listener answered a port probe, and whether that makes the process ready.
//!
//! A probe that connects proves only that *something* listens. When the awaited server
//! dies of EADDRINUSE because a server from an earlier run still holds the port, the
//! probe reaches the old server. So the listening sockets on the port are listed, their
//! holders found through `/proc/PID/fd`, and each judged: held by the process's tree,
//! by an unrelated process that started before it (a stale server), or by something
//! else (a process started later, such as `docker-proxy`, or a holder that cannot be
//! found: another user's process, another network namespace, a NAT rule).

use crate::error::{Error, Result};
use crate::proctree::{self, ProcStat, ProcTable};
use crate::sockets::{self, Listener};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

/// Which listener on the port makes `wait_for_port` ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ownership {
    /// Any listener except one held only by a process outside the process's tree that
    /// started before it (a stale server). A listener that cannot be attributed counts.
    #[default]
    Auto,
    /// Only a listener held by the process or one of its descendants.
    Owned,
    /// Any listener at all (procwright 0.1's behaviour).
    Any,
}

impl Ownership {
    /// The bindings' `owned` option: `true`, `false`, or unset for [`Ownership::Auto`].
    pub fn from_flag(owned: Option<bool>) -> Ownership {
        match owned {
            None => Ownership::Auto,
            Some(true) => Ownership::Owned,
            Some(false) => Ownership::Any,
        }
    }
}

/// `"auto"`, `"owned"` or `"any"`, in any case.
impl std::str::FromStr for Ownership {
    type Err = Error;
    fn from_str(s: &str) -> Result<Ownership> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Ownership::Auto),
            "owned" => Ok(Ownership::Owned),
            "any" => Ok(Ownership::Any),
            _ => Err(Error::invalid(format!(
                "owned must be true, false or \"auto\", got {s:?}"
            ))),
        }
    }
}

/// Who holds a listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    /// The process or a descendant.
    Tree,
    /// A process outside the tree that started before the process: a stale server.
    Stale,
    /// Anyone else, or nobody found.
    Other,
}

/// The judge of one `wait_for_port` call. It remembers refusals, so that a stale server
/// answering every probe costs a read of the socket tables, not a scan of every process.
pub(crate) struct Judge {
    ownership: Ownership,
    leader: Option<u32>,
    /// The process's tag: what carries it is the tree too, even outside the group.
    tag: String,
    /// The listener inodes last refused, per probed address.
    refused: HashMap<IpAddr, BTreeSet<u64>>,
}

impl Judge {
    /// A judge for the process whose leader is `leader` (`None` before it has a pid).
    pub fn new(ownership: Ownership, leader: Option<u32>, tag: String) -> Judge {
        Judge {
            ownership,
            leader,
            tag,
            refused: HashMap::new(),
        }
    }

    /// Whether a probe that connected to `peer` on `port` makes the process ready.
    /// Blocking reads of `/proc` (milliseconds on a busy host): call it off the runtime.
    pub fn accepts(&mut self, peer: IpAddr, port: u16) -> bool {
        if self.ownership == Ownership::Any {
            return true;
        }
        let listeners: Vec<Listener> = sockets::listeners_on(port)
            .into_iter()
            .filter(|l| l.serves(peer))
            .collect();
        if listeners.is_empty() {
            // Nothing to attribute: a NAT rule, or no /proc. Only `Owned` needs a holder.
            return self.ownership == Ownership::Auto;
        }
        let inodes: BTreeSet<u64> = listeners.iter().map(|l| l.inode).collect();
        // Only a socket passed into the tree could change an earlier refusal of the same
        // listeners: not worth a scan of every process each interval.
        if self.refused.get(&peer) == Some(&inodes) {
            return false;
        }
        let Some(holders) = self.holders(&inodes) else {
            // The leader is gone: the waiting loop reports its exit.
            return false;
        };
        let ok = verdict(self.ownership, &inodes, &holders);
        if ok {
            self.refused.remove(&peer);
        } else {
            self.refused.insert(peer, inodes);
        }
        ok
    }

    /// The holder of each listener that could be attributed; `None` once the leader
    /// has exited. One listener held by the tree settles the verdict, so the search
    /// stops there.
    fn holders(&self, inodes: &BTreeSet<u64>) -> Option<HashMap<u64, Holder>> {
        let leader = self.leader?;
        // A zombie leader still has its stat; a reaped one is reported by the caller's loop.
        let born = proctree::stat(leader)?.start_ticks;
        let wanted: HashSet<u64> = inodes.iter().copied().collect();
        let tree_holds = |pid: u32| {
            let held = sockets::held_by(pid, &wanted).unwrap_or_default();
            (!held.is_empty()).then(|| held.into_iter().map(|i| (i, Holder::Tree)).collect())
        };
        // Most often the leader itself listens: then the other processes need no reading.
        if let Some(found) = tree_holds(leader) {
            return Some(found);
        }
        let table = ProcTable::read();
        let (tree, rest): (Vec<&ProcStat>, Vec<&ProcStat>) =
            table.iter().partition(|s| table.in_tree(s.pid, leader));
        if let Some(found) = tree
            .iter()
            .filter(|s| s.pid != leader)
            .find_map(|s| tree_holds(s.pid))
        {
            return Some(found);
        }
        // Escapees (setsid, a double fork) are found by the tag they inherited.
        if !self.tag.is_empty() {
            let in_tree: HashSet<u32> = tree.iter().map(|s| s.pid).collect();
            if let Some(found) = crate::tree::tagged(&[&self.tag])
                .into_iter()
                .filter(|(pid, _)| !in_tree.contains(pid))
                .find_map(|(pid, _)| tree_holds(pid))
            {
                return Some(found);
            }
        }
        let mut found = HashMap::new();
        if self.ownership == Ownership::Owned {
            return Some(found);
        }
        // Outsiders started at or after the leader cannot make a listener stale; one
        // whose fds cannot be read (another user's) leaves its listeners unattributed.
        for s in rest.into_iter().filter(|s| s.start_ticks < born) {
            for inode in sockets::held_by(s.pid, &wanted).unwrap_or_default() {
                found.insert(inode, Holder::Stale);
            }
        }
        Some(found)
    }
}

/// The rule: `Owned` needs a listener held by the tree; `Auto` any listener not held
/// only by stale servers (one that cannot be attributed counts).
fn verdict(ownership: Ownership, inodes: &BTreeSet<u64>, holders: &HashMap<u64, Holder>) -> bool {
    let holder = |i: &u64| holders.get(i).copied().unwrap_or(Holder::Other);
    match ownership {
        Ownership::Any => true,
        Ownership::Owned => inodes.iter().any(|i| holder(i) == Holder::Tree),
        Ownership::Auto => inodes.iter().any(|i| holder(i) != Holder::Stale),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_per_ownership() {
        let inodes = BTreeSet::from([1, 2]);
        let with = |pairs: &[(u64, Holder)]| pairs.iter().copied().collect::<HashMap<_, _>>();
        let stale = with(&[(1, Holder::Stale), (2, Holder::Stale)]);
        let half_stale = with(&[(1, Holder::Stale)]); // 2 cannot be attributed
        let tree = with(&[(1, Holder::Stale), (2, Holder::Tree)]);
        assert!(!verdict(Ownership::Auto, &inodes, &stale));
        assert!(verdict(Ownership::Auto, &inodes, &half_stale));
        assert!(verdict(Ownership::Auto, &inodes, &tree));
        assert!(!verdict(Ownership::Owned, &inodes, &stale));
        assert!(!verdict(Ownership::Owned, &inodes, &half_stale));
        assert!(verdict(Ownership::Owned, &inodes, &tree));
        assert!(verdict(Ownership::Any, &inodes, &stale));
    }

    #[test]
    fn flags_and_names() {
        assert_eq!(Ownership::from_flag(None), Ownership::Auto);
        assert_eq!(Ownership::from_flag(Some(true)), Ownership::Owned);
        assert_eq!(Ownership::from_flag(Some(false)), Ownership::Any);
        assert_eq!("AUTO".parse::<Ownership>().unwrap(), Ownership::Auto);
        assert_eq!("owned".parse::<Ownership>().unwrap(), Ownership::Owned);
        assert_eq!("any".parse::<Ownership>().unwrap(), Ownership::Any);
        for bad in ["mine", "true", ""] {
            let e = bad.parse::<Ownership>().unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::InvalidArgument);
            assert!(e.message.contains("owned"), "{}", e.message);
        }
    }

    #[test]
    fn a_process_that_is_gone_is_never_ready_but_for_any() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(!Judge::new(Ownership::Auto, None, String::new()).accepts(peer, port));
        assert!(!Judge::new(Ownership::Owned, Some(u32::MAX), String::new()).accepts(peer, port));
        assert!(Judge::new(Ownership::Any, None, String::new()).accepts(peer, port));
    }

    #[test]
    fn this_process_owns_its_own_listener() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        for ownership in [Ownership::Owned, Ownership::Auto] {
            assert!(
                Judge::new(ownership, Some(std::process::id()), String::new()).accepts(peer, port)
            );
        }
    }
}
