//! A process's standard input: `/dev/null` by default, or a pipe the host writes to.
//!
//! Writes (and the close) are queued in call order: each takes its place in line when
//! it is called, not when its future is first polled, so writes that are not awaited
//! one by one (`Promise.all`, `asyncio.gather`) still arrive in the order they were
//! made. Each resolves once the pipe took every byte, so a child that reads slowly holds the writer back instead of the host
//! buffering: memory stays what the caller's own buffer is. A write also ends when the
//! process does, so `kill` and `destroy` release a writer blocked on a full pipe at once.

use crate::error::{Error, ErrorCode, Result};
use std::io;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::net::unix::pipe::Sender;
use tokio::sync::Mutex;

/// What a process reads on stdin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StdinMode {
    /// `/dev/null` (the default).
    #[default]
    Ignore,
    /// A pipe the host writes with `write` and closes with `close_stdin`.
    Pipe,
}

impl std::str::FromStr for StdinMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<StdinMode> {
        match s {
            "ignore" => Ok(StdinMode::Ignore),
            "pipe" => Ok(StdinMode::Pipe),
            _ => Err(Error::invalid(format!(
                "unknown stdin mode {s:?} (expected \"pipe\" or \"ignore\")"
            ))),
        }
    }
}

enum State {
    /// Started with stdin at `/dev/null`.
    Absent,
    Open(Writer),
    Closed,
}

/// Where written bytes go: a pipe, or a terminal's input.
pub(crate) enum Writer {
    Pipe(Sender),
    Pty(crate::pty::Terminal),
}

impl Writer {
    async fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            Writer::Pipe(tx) => tx.write(data).await,
            Writer::Pty(t) => t.write(data).await,
        }
    }
}

/// The host's end of a process's stdin.
pub(crate) struct Stdin {
    state: Mutex<State>,
    /// Writes and the close, in call order (`turns.rs`).
    line: Arc<crate::turns::Turns>,
}

impl Stdin {
    pub fn absent() -> Stdin {
        Stdin {
            state: Mutex::new(State::Absent),
            line: Arc::default(),
        }
    }

    /// A place in line for a write or the close, taken now.
    pub fn place(&self) -> crate::turns::Turn {
        self.line.take()
    }

    /// Gives a process started with a pipe its write end, before anyone can write.
    pub fn attach(&self, tx: Writer) {
        if let Ok(mut state) = self.state.try_lock() {
            *state = State::Open(tx);
        }
    }

    /// Writes all of `data`, or fails with `PROCESS_ERROR` saying why not: no pipe, closed,
    /// the process ended (`exited` resolves), or it closed its end (EPIPE).
    pub async fn write(
        &self,
        id: &str,
        data: &[u8],
        exited: impl std::future::Future<Output = ()>,
    ) -> Result<()> {
        let mut state = self.state.lock().await;
        let tx = match &mut *state {
            State::Absent => return Err(absent(id)),
            State::Closed => {
                return Err(error(id, format!("the stdin of process {id:?} is closed")))
            }
            State::Open(tx) => tx,
        };
        let mut written = 0;
        let outcome = tokio::select! {
            // An ended process is reported as such, not as the EPIPE its pipe also gives.
            biased;
            () = exited => Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
            r = write_counting(tx, data, &mut written) => r,
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                Err(ended(id, written, data.len()))
            }
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                *state = State::Closed;
                Err(error(
                    id,
                    format!(
                        "process {id:?} closed its stdin (EPIPE) after {written} of {} bytes",
                        data.len()
                    ),
                ))
            }
            Err(e) => Err(error(
                id,
                format!("writing to the stdin of process {id:?} failed: {e}"),
            )),
        }
    }

    /// Closes the pipe (the child reads end of file); on a terminal, types Ctrl-D, its
    /// end of file. A second close does nothing.
    pub async fn close(&self, id: &str) -> Result<()> {
        let mut state = self.state.lock().await;
        match &mut *state {
            State::Absent => Err(absent(id)),
            State::Open(Writer::Pty(t)) => {
                let _ = t.write(b"\x04").await;
                *state = State::Closed;
                Ok(())
            }
            _ => {
                *state = State::Closed;
                Ok(())
            }
        }
    }
}

async fn write_counting(tx: &mut Writer, data: &[u8], written: &mut usize) -> io::Result<()> {
    while *written < data.len() {
        let n = tx.write(&data[*written..]).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        *written += n;
    }
    Ok(())
}

fn error(id: &str, message: String) -> Error {
    Error::new(ErrorCode::ProcessError, message).with_process(id)
}

fn absent(id: &str) -> Error {
    error(
        id,
        format!("process {id:?} has no stdin pipe: start it with stdin \"pipe\""),
    )
}

fn ended(id: &str, written: usize, total: usize) -> Error {
    error(
        id,
        format!("process {id:?} has ended ({written} of {total} bytes written to its stdin)"),
    )
}
