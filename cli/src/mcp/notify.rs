//! A log message (`notifications/message`) to the client when a process it started
//! ends, naming it and how it ended, so an agent learns of a crash without polling.
//!
//! MCP logging is deprecated by SEP-2577 (rmcp marks it so) but it is what clients
//! show today; hence the `allow(deprecated)` here, and only here.
#![allow(deprecated)]

use super::render::status_line;
use super::Server;
use procwright::{Process, ProcessStatus};
use rmcp::model::{LoggingLevel, LoggingMessageNotificationParam};
use rmcp::service::Peer;
use rmcp::RoleServer;
use serde_json::json;
use std::sync::atomic::Ordering;

/// The level below which nothing is sent until the client sets one: everything.
pub const DEFAULT_LEVEL: u8 = 0;

/// A level's rank, least severe first.
fn rank(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

impl Server {
    /// Remembers the least severe level the client wants.
    pub(super) fn set_log_level(&self, level: LoggingLevel) {
        self.log_level.store(rank(level), Ordering::Relaxed);
    }

    /// Sends the client a message when `p` ends: `info` for exit code 0, `warning`
    /// otherwise.
    pub(super) fn notify_exit(&self, p: Process, peer: Peer<RoleServer>) {
        let wanted = self.log_level.clone();
        tokio::spawn(async move {
            if p.wait_for_exit(None).await.is_err() {
                return;
            }
            let level = match (p.status(), p.exit_code()) {
                (ProcessStatus::Completed, Some(0)) => LoggingLevel::Info,
                _ => LoggingLevel::Warning,
            };
            if rank(level) < wanted.load(Ordering::Relaxed) {
                return;
            }
            let message = LoggingMessageNotificationParam::new(
                level,
                json!({
                    "message": format!("process {}", status_line(&p)),
                    "process_id": p.id(),
                    "status": p.status().as_str(),
                    "exit_code": p.exit_code(),
                    "signal": p.signal(),
                }),
            )
            .with_logger("procwright");
            // A client gone meanwhile: nobody to tell.
            let _ = peer.notify_logging_message(message).await;
        });
    }
}
