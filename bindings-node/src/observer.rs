//! Callbacks: one weak threadsafe function per process carries start, output, exit
//! and error events to the JS thread, in order (one queue), without keeping Node's
//! event loop alive. The JS layer dispatches them to `onStart`, `onOutput`,
//! `onExit` and `onError`, catching what they throw.

use crate::error::to_js;
use crate::process::NativeProcess;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{sys, Env, Status};
use procwright::{ExecResult, ProcessObserver, StreamKind};

/// One event for the JavaScript dispatcher, as `{type, ...}`.
pub enum Event {
    Start(procwright::Process),
    Output(StreamKind, String),
    Exit(Option<i32>),
    Error(procwright::Error),
    /// `exec` with `onOutput` is over: sent after the last output, on the same queue.
    Done(Box<procwright::Result<ExecResult>>),
}

impl ToNapiValue for Event {
    unsafe fn to_napi_value(raw: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let env = Env::from_raw(raw);
        let mut obj = Object::new(&env)?;
        match val {
            Event::Start(p) => {
                obj.set("type", "start")?;
                obj.set("process", NativeProcess::new(p))?;
            }
            Event::Output(stream, data) => {
                obj.set("type", "output")?;
                obj.set("stream", stream.as_str())?;
                obj.set("data", data)?;
            }
            Event::Exit(code) => {
                obj.set("type", "exit")?;
                obj.set("exitCode", code)?;
            }
            Event::Error(e) => {
                obj.set("type", "error")?;
                obj.set("error", to_js(&env, &e)?)?;
            }
            Event::Done(r) => {
                obj.set("type", "done")?;
                match *r {
                    Ok(res) => obj.set("result", crate::exec::NativeExecResult::from(res))?,
                    Err(e) => obj.set("error", to_js(&env, &e)?)?,
                }
            }
        }
        unsafe { Object::to_napi_value(raw, obj) }
    }
}

/// A weak TSFN: pending calls do not keep the event loop alive.
pub(crate) type WeakTsfn = ThreadsafeFunction<Event, (), Event, Status, false, true>;
/// A referenced TSFN, for `exec`, whose caller awaits the `done` event.
pub(crate) type StrongTsfn = ThreadsafeFunction<Event, (), Event, Status, false, false>;

pub(crate) fn weak(f: Function<'_, Event, ()>) -> Result<WeakTsfn> {
    f.build_threadsafe_function::<Event>()
        .callee_handled::<false>()
        .weak::<true>()
        .build_callback(|ctx| Ok(ctx.value))
}

pub(crate) fn strong(f: Function<'_, Event, ()>) -> Result<StrongTsfn> {
    f.build_threadsafe_function::<Event>()
        .callee_handled::<false>()
        .weak::<false>()
        .build_callback(|ctx| Ok(ctx.value))
}

/// Adapts the JS dispatcher to the core's observer.
pub(crate) struct Observer {
    pub tsfn: WeakTsfn,
}

impl Observer {
    fn send(&self, e: Event) {
        // After Node has begun to exit the call is refused; nothing is left to tell.
        let _ = self.tsfn.call(e, ThreadsafeFunctionCallMode::NonBlocking);
    }
}

impl ProcessObserver for Observer {
    fn on_start(&self, process: &procwright::Process) {
        self.send(Event::Start(process.clone()));
    }
    fn on_output(&self, stream: StreamKind, data: &str) {
        self.send(Event::Output(stream, data.to_owned()));
    }
    fn on_exit(&self, exit_code: Option<i32>) {
        self.send(Event::Exit(exit_code));
    }
    fn on_error(&self, error: &procwright::Error) {
        self.send(Event::Error(error.clone()));
    }
}
