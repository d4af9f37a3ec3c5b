//! A sandbox's process records, and the epochs that `destroy` ends.
//!
//! A start belongs to the epoch it was called in. It is admitted (its record listed)
//! only while that epoch lasts, and it registers its spawned child under the same lock
//! that `destroy` takes the records under. So every child is either in what `destroy`
//! took, and is killed by it, or its start sees that its epoch ended and kills the child
//! itself; `destroy` then waits for such starts to finish.

use crate::error::{Error, ErrorCode, Result};
use crate::process::Process;
use crate::watchdog::GroupLease;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;

/// The epoch a start was called in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Epoch(u64);

/// The records of one sandbox, in start order.
#[derive(Default)]
pub(crate) struct Records {
    table: Mutex<Table>,
    /// Woken when the last start of an ended epoch finishes.
    settled: Notify,
}

#[derive(Default)]
struct Table {
    list: Vec<Process>,
    epoch: u64,
    /// Admitted starts of the current epoch that have not finished.
    starting: usize,
    /// Admitted starts of ended epochs that have not finished.
    stale: usize,
}

/// An admitted start; dropping it marks the start finished.
pub(crate) struct Admission<'a> {
    records: &'a Records,
    epoch: Epoch,
}

/// The error of a start overtaken by `destroy`.
pub(crate) fn destroyed(id: &str) -> Error {
    Error::new(
        ErrorCode::ProcessError,
        format!("the sandbox was destroyed while process {id:?} was starting"),
    )
    .with_process(id)
}

impl Records {
    fn table(&self) -> MutexGuard<'_, Table> {
        // Nothing panics while holding the lock; recovering keeps drop paths panic-free.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current epoch, for a start called now.
    pub fn epoch(&self) -> Epoch {
        Epoch(self.table().epoch)
    }

    /// Lists `process` if `epoch` still lasts and no running process has its id.
    pub fn admit(&self, epoch: Epoch, process: &Process) -> Result<Admission<'_>> {
        let mut t = self.table();
        if epoch.0 != t.epoch {
            return Err(destroyed(process.id()));
        }
        let id = process.id();
        if let Some(pos) = t.list.iter().position(|p| p.id() == id) {
            if !t.list[pos].status().is_final() {
                return Err(Error::new(
                    ErrorCode::ProcessIdInUse,
                    format!("process id {id:?} is in use by a running process"),
                )
                .with_process(id));
            }
            t.list.remove(pos);
        }
        t.list.push(process.clone());
        t.starting += 1;
        Ok(Admission {
            records: self,
            epoch,
        })
    }

    /// Ends the current epoch and hands over every record, which is forgotten.
    pub fn close(&self) -> Vec<Process> {
        let mut t = self.table();
        end_epoch(&mut t);
        std::mem::take(&mut t.list)
    }

    /// Ends the current epoch but keeps the records: starts in flight kill what they
    /// spawn, as when everything is killed from synchronous code.
    pub fn end_epoch(&self) {
        end_epoch(&mut self.table());
    }

    /// Resolves once every start of an ended epoch has finished.
    pub async fn settled(&self) {
        loop {
            let notified = self.settled.notified();
            tokio::pin!(notified);
            // Registered before the check, so a wake-up between the two is not lost.
            notified.as_mut().enable();
            if self.table().stale == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Every record, in start order.
    pub fn list(&self) -> Vec<Process> {
        self.table().list.clone()
    }

    /// The record with this id.
    pub fn find(&self, id: &str) -> Option<Process> {
        self.table().list.iter().find(|p| p.id() == id).cloned()
    }

    /// Forgets this record (not another one that has the same id).
    pub fn forget(&self, process: &Process) {
        self.table()
            .list
            .retain(|q| !Arc::ptr_eq(&q.inner, &process.inner));
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.table().list.len()
    }
}

fn end_epoch(t: &mut Table) {
    t.epoch += 1;
    t.stale += t.starting;
    t.starting = 0;
}

impl Admission<'_> {
    /// Marks `process` running as `pid`; false if its epoch has ended, and then the
    /// caller must kill the child.
    pub fn register(&self, process: &Process, pid: u32, lease: GroupLease) -> bool {
        let t = self.records.table();
        process.set_running(pid, lease);
        t.epoch == self.epoch.0
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        let mut t = self.records.table();
        if t.epoch == self.epoch.0 {
            t.starting -= 1;
        } else {
            t.stale -= 1;
            if t.stale == 0 {
                self.records.settled.notify_waiters();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::LogStore;

    fn record(id: &str) -> Process {
        Process::new(
            id.into(),
            "0-0-0".into(),
            "true".into(),
            None,
            LogStore::new(64, None),
        )
    }

    #[tokio::test]
    async fn a_start_of_an_ended_epoch_is_refused_or_told_and_waited_for() {
        let r = Records::default();
        let before = r.epoch();
        let a = record("a");
        let admitted = r.admit(before, &a).unwrap();
        assert_eq!(r.close().len(), 1);
        // Called before the close, admitted after it: refused.
        let e = r.admit(before, &record("b")).err().unwrap();
        assert!(e.message.contains("destroyed"), "{}", e.message);
        // Admitted before it: told to kill its child, and waited for.
        assert!(!admitted.register(&a, 1, GroupLease::unguarded(1)));
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(50), r.settled())
                .await
                .is_err(),
            "settled while a stale start was in flight"
        );
        drop(admitted);
        r.settled().await;
        // The new epoch works as a fresh sandbox.
        let c = record("c");
        assert!(r
            .admit(r.epoch(), &c)
            .unwrap()
            .register(&c, 2, GroupLease::unguarded(2)));
        assert_eq!(r.len(), 1);
    }
}
