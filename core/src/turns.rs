//! Turns: the calls of one session run one at a time, in the order they were *called*
//! (not the order their futures are first polled, which a runtime may shuffle). A turn
//! is taken when the call is made; a call dropped before or during its turn passes it on.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

#[derive(Default)]
struct State {
    next: u64,
    serving: u64,
    /// Turns whose calls were dropped before they came up.
    abandoned: BTreeSet<u64>,
}

/// The queue of one session.
#[derive(Default)]
pub(crate) struct Turns {
    state: Mutex<State>,
    changed: Notify,
}

/// A place in the queue; dropping it passes the turn on.
pub(crate) struct Turn {
    turns: Arc<Turns>,
    number: u64,
}

impl Turns {
    /// Takes the next place, now.
    pub fn take(self: &Arc<Self>) -> Turn {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let number = s.next;
        s.next += 1;
        Turn {
            turns: self.clone(),
            number,
        }
    }
}

impl Turn {
    /// Resolves when every earlier call has finished.
    pub async fn wait(&self) {
        loop {
            let notified = self.turns.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self
                .turns
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .serving
                == self.number
            {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut s = self.turns.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.serving == self.number {
            s.serving += 1;
            loop {
                let next = s.serving;
                if !s.abandoned.remove(&next) {
                    break;
                }
                s.serving += 1;
            }
            drop(s);
            self.turns.changed.notify_waiters();
        } else {
            s.abandoned.insert(self.number);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn turns_follow_the_call_order_and_skip_dropped_calls() {
        let turns = Arc::new(Turns::default());
        let a = turns.take();
        let b = turns.take();
        let c = turns.take();
        let waiting_c = tokio::spawn(async move {
            c.wait().await;
        });
        drop(b); // dropped before its turn
        tokio::task::yield_now().await;
        assert!(!waiting_c.is_finished());
        a.wait().await;
        drop(a);
        waiting_c.await.unwrap();
    }
}
