//! Which processes exist, who started them, and when: one pass over `/proc/*/stat`.

use std::collections::HashMap;

/// What `/proc/PID/stat` says about one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProcStat {
    /// Its process id.
    pub pid: u32,
    /// Its parent.
    pub ppid: u32,
    /// Its process group.
    pub pgrp: u32,
    /// When it started, in clock ticks since boot: comparable between processes.
    pub start_ticks: u64,
}

/// Parses one `/proc/PID/stat` line. The command name may hold spaces and `)`, so the
/// fields are counted from the last `)`.
pub(crate) fn parse_stat(pid: u32, text: &str) -> Option<ProcStat> {
    let close = text.rfind(')')?;
    // Field 3 (state) is the first after the name; ppid is 4, pgrp 5, starttime 22.
    let f: Vec<&str> = text[close + 1..].split_whitespace().collect();
    Some(ProcStat {
        pid,
        ppid: f.get(1)?.parse().ok()?,
        pgrp: f.get(2)?.parse().ok()?,
        start_ticks: f.get(19)?.parse().ok()?,
    })
}

/// One process's stat, if it exists.
pub(crate) fn stat(pid: u32) -> Option<ProcStat> {
    parse_stat(
        pid,
        &std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?,
    )
}

/// Every process visible in `/proc` at one moment.
pub(crate) struct ProcTable {
    procs: HashMap<u32, ProcStat>,
}

impl ProcTable {
    /// Reads every `/proc/PID/stat`; processes that exit meanwhile are left out.
    pub fn read() -> ProcTable {
        let mut procs = HashMap::new();
        if let Ok(dir) = std::fs::read_dir("/proc") {
            for entry in dir.flatten() {
                let pid = entry.file_name().to_str().and_then(|n| n.parse().ok());
                if let Some(s) = pid.and_then(stat) {
                    procs.insert(s.pid, s);
                }
            }
        }
        ProcTable::from_stats(procs.into_values())
    }

    /// A table of the given processes.
    pub fn from_stats(stats: impl IntoIterator<Item = ProcStat>) -> ProcTable {
        ProcTable {
            procs: stats.into_iter().map(|s| (s.pid, s)).collect(),
        }
    }

    /// Every process.
    pub fn iter(&self) -> impl Iterator<Item = &ProcStat> {
        self.procs.values()
    }

    /// Which of `leaders` (pid → index) has `pid` in its tree, as [`Self::in_tree`]
    /// judges, with one walk up the ancestors for all leaders.
    pub fn tree_of(&self, pid: u32, leaders: &HashMap<u32, usize>) -> Option<usize> {
        let mut cur = pid;
        for _ in 0..self.procs.len().min(4096) + 1 {
            if let Some(&i) = leaders.get(&cur) {
                return Some(i);
            }
            let s = self.procs.get(&cur)?;
            if let Some(&i) = leaders.get(&s.pgrp) {
                return Some(i);
            }
            if s.ppid == 0 || s.ppid == cur {
                return None;
            }
            cur = s.ppid;
        }
        None
    }

    /// Whether `pid` is `leader`, a descendant of it, or in its process group (which
    /// keeps members whose parent exited and who were reparented elsewhere).
    pub fn in_tree(&self, pid: u32, leader: u32) -> bool {
        let mut cur = pid;
        // Bounded: a table read while processes come and go might hold a cycle.
        for _ in 0..self.procs.len().min(4096) + 1 {
            if cur == leader {
                return true;
            }
            let Some(s) = self.procs.get(&cur) else {
                return false;
            };
            if s.pgrp == leader {
                return true;
            }
            if s.ppid == 0 || s.ppid == cur {
                return false;
            }
            cur = s.ppid;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_last_paren() {
        let line = "4242 (my (odd) name) S 4000 4242 4000 0 -1 4194560 120 0 0 0 1 0 0 0 20 0 1 0 987654 12345678 300 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assert_eq!(
            parse_stat(4242, line),
            Some(ProcStat {
                pid: 4242,
                ppid: 4000,
                pgrp: 4242,
                start_ticks: 987654
            })
        );
        assert_eq!(parse_stat(1, "1 (init) S 0 1"), None);
        assert_eq!(parse_stat(1, "no paren"), None);
    }

    #[test]
    fn this_process_reads_as_itself() {
        let me = stat(std::process::id()).unwrap();
        assert_eq!(me.pid, std::process::id());
        assert!(me.start_ticks > 0);
    }

    #[test]
    fn the_tree_is_descendants_and_the_leaders_group() {
        let p = |pid, ppid, pgrp| ProcStat {
            pid,
            ppid,
            pgrp,
            start_ticks: 0,
        };
        let t = ProcTable::from_stats([
            p(1, 0, 1),
            p(100, 1, 100),   // the leader
            p(101, 100, 100), // its child
            p(102, 101, 102), // a grandchild in a group of its own
            p(103, 1, 100),   // orphaned into init, still in the group
            p(200, 1, 200),   // unrelated
            p(201, 200, 200), // the unrelated one's child
        ]);
        for pid in [100, 101, 102, 103] {
            assert!(t.in_tree(pid, 100), "{pid}");
        }
        for pid in [1, 200, 201, 999] {
            assert!(!t.in_tree(pid, 100), "{pid}");
        }
        // A cycle (a table read mid-change) ends.
        let cyc = ProcTable::from_stats([p(5, 6, 5), p(6, 5, 6)]);
        assert!(!cyc.in_tree(5, 100));
    }
}
