//! Which TCP ports a process tree listens on: the kernel's listening sockets matched,
//! by inode, to the `/proc/PID/fd` links of the tree's processes. The tree is the
//! leader, its descendants, its process group, and whatever carries its tag (a
//! daemon that left the group). A process of another user cannot be read and is
//! simply not attributed.

use crate::error::Result;
use crate::port::{PortWaitOptions, DEFAULT_PORT_INTERVAL};
use crate::process::Process;
use crate::proctree::ProcTable;
use crate::sockets::{self, Family, Listener};
use crate::wait::{bounded, exited_before_ready};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The address family of a listening socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IpFamily {
    /// An IPv4 socket.
    Ipv4,
    /// An IPv6 socket (a dual-stack `::` one serves IPv4 too).
    Ipv6,
}

impl IpFamily {
    /// `"ipv4"` or `"ipv6"`.
    pub fn as_str(self) -> &'static str {
        match self {
            IpFamily::Ipv4 => "ipv4",
            IpFamily::Ipv6 => "ipv6",
        }
    }
}

/// A TCP socket in LISTEN state held by a process tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListeningPort {
    /// The port.
    pub port: u16,
    /// The address it is bound to: `0.0.0.0` or `::` for every address.
    pub host: String,
    /// `ipv4` or `ipv6`.
    pub family: IpFamily,
    /// The process holding it (the lowest pid, when several share it).
    pub pid: u32,
    /// The started process whose tree it belongs to.
    pub process_id: String,
}

/// One started process whose tree is looked in.
pub(crate) struct Tree {
    pub id: String,
    pub leader: Option<u32>,
    pub tag: String,
}

impl Tree {
    pub(crate) fn of(p: &Process) -> Tree {
        Tree {
            id: p.id().to_owned(),
            // Once reaped, its pid may belong to a stranger: what is left of the tree
            // carries the tag.
            leader: p.exit_info().is_none().then(|| p.pid()).flatten(),
            tag: p.tag().to_owned(),
        }
    }
}

/// The listening sockets of every tree, sorted by process, port and family. One read
/// of the socket table, of `/proc/*/stat` and of `/proc/*/environ` for all trees.
/// Blocking: call it off the runtime.
pub(crate) fn ports_of(trees: &[Tree]) -> Vec<ListeningPort> {
    let listeners = sockets::all_listeners();
    if listeners.is_empty() || trees.is_empty() {
        return Vec::new();
    }
    let mut out = attribute(trees, &listeners, false);
    out.sort_by(|a, b| {
        (&a.process_id, a.port, a.family, &a.host).cmp(&(&b.process_id, b.port, b.family, &b.host))
    });
    out
}

/// Which of `listeners` the trees hold. With `first`, stops at the first one found,
/// looking where it is most likely first (the leaders), and at escapees last.
fn attribute(trees: &[Tree], listeners: &[Listener], first: bool) -> Vec<ListeningPort> {
    let by_inode: HashMap<u64, &Listener> = listeners.iter().map(|l| (l.inode, l)).collect();
    let wanted: HashSet<u64> = by_inode.keys().copied().collect();
    let mut out = Vec::new();
    let mut taken = HashSet::new();
    let mut claim = |pid: u32, tree: usize, out: &mut Vec<ListeningPort>| {
        let held: BTreeSet<u64> = sockets::held_by(pid, &wanted)
            .unwrap_or_default()
            .into_iter()
            .collect();
        for inode in held {
            if taken.insert(inode) {
                let l = by_inode[&inode];
                out.push(ListeningPort {
                    port: l.port,
                    host: l.addr.to_string(),
                    family: match l.family {
                        Family::Ipv4 => IpFamily::Ipv4,
                        Family::Ipv6 => IpFamily::Ipv6,
                    },
                    pid,
                    process_id: trees[tree].id.clone(),
                });
            }
        }
    };
    let leaders: HashMap<u32, usize> = trees
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.leader.map(|pid| (pid, i)))
        .collect();
    if first {
        for (&pid, &i) in &leaders {
            claim(pid, i, &mut out);
            if !out.is_empty() {
                return out;
            }
        }
    }
    // Lowest pid first, so a socket a server shares with its workers names the server.
    let table = ProcTable::read();
    let mut members: Vec<(u32, usize)> = table
        .iter()
        .filter_map(|s| table.tree_of(s.pid, &leaders).map(|i| (s.pid, i)))
        .collect();
    let tags: Vec<&str> = trees.iter().map(|t| t.tag.as_str()).collect();
    let mut seen: HashSet<u32> = members.iter().map(|(pid, _)| *pid).collect();
    members.sort_unstable();
    for (pid, i) in members {
        if first && leaders.contains_key(&pid) {
            continue;
        }
        claim(pid, i, &mut out);
        if first && !out.is_empty() {
            return out;
        }
    }
    let mut escapees: Vec<(u32, usize)> = crate::tree::tagged(&tags)
        .into_iter()
        .filter(|(pid, _)| seen.insert(*pid))
        .collect();
    escapees.sort_unstable();
    for (pid, i) in escapees {
        claim(pid, i, &mut out);
        if first && !out.is_empty() {
            return out;
        }
    }
    out
}

/// `wait_for_port` without a port: resolves with the port of the first listening
/// socket the tree holds (the lowest, if several appear at once). Each interval reads
/// only the socket table; the tree is searched only when a listener appeared that was
/// not there before, so a wait costs next to nothing while the server starts.
pub(crate) async fn wait_for_any_port(process: &Process, options: &PortWaitOptions) -> Result<u16> {
    let condition = "the process tree to listen on a TCP port";
    if options.interval == Some(std::time::Duration::ZERO) {
        return Err(crate::error::Error::invalid(
            "interval must be greater than zero",
        ));
    }
    let interval = options.interval.unwrap_or(DEFAULT_PORT_INTERVAL);
    let tree = std::sync::Arc::new(Tree::of(process));
    let mut exit = process.inner.exit_tx.subscribe();
    let run = async {
        let mut seen: HashSet<u64> = HashSet::new();
        loop {
            if let Some(info) = *exit.borrow_and_update() {
                return Err(exited_before_ready(process, condition, info));
            }
            let (tree, known) = (tree.clone(), std::mem::take(&mut seen));
            let (found, now) = tokio::task::spawn_blocking(move || {
                let all = sockets::all_listeners();
                let now: HashSet<u64> = all.iter().map(|l| l.inode).collect();
                let fresh: Vec<Listener> = all
                    .into_iter()
                    .filter(|l| !known.contains(&l.inode))
                    .collect();
                let mut found = if fresh.is_empty() {
                    Vec::new()
                } else {
                    attribute(std::slice::from_ref(&tree), &fresh, true)
                };
                found.sort_by_key(|p| p.port);
                (found.first().map(|p| p.port), now)
            })
            .await
            .unwrap_or((None, HashSet::new()));
            if let Some(port) = found {
                return Ok(port);
            }
            seen = now;
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = exit.changed() => {}
            }
        }
    };
    bounded(process, condition, options.timeout, run).await
}
