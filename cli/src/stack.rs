//! A running stack: every service started as soon as what it depends on allows
//! (independent ones in parallel), its readiness awaited, and the whole stopped in
//! reverse dependency order.

use crate::config::{Condition, Config, Ready, Service};
use crate::prefix::{Prefix, Printer, Sink};
use procwright::{
    LogWaitOptions, PortWaitOptions, Process, ProcessOptions, ProcessStatus, Sandbox,
    SandboxOptions,
};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::watch;

/// How far a service has come.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    Waiting,
    Started,
    Ready,
    Completed,
    Failed(String),
}

impl Stage {
    fn satisfies(&self, c: Condition) -> bool {
        match c {
            Condition::Started => matches!(self, Stage::Started | Stage::Ready | Stage::Completed),
            Condition::Ready => matches!(self, Stage::Ready | Stage::Completed),
            Condition::Completed => matches!(self, Stage::Completed),
        }
    }
}

/// The stack's processes, in start order.
pub struct Stack {
    sandbox: Sandbox,
    /// (service, its process once started), in dependency order.
    started: Vec<(Service, Option<Process>)>,
}

/// Starts every service and waits until each is ready (or completed). On the first
/// failure the message names the service, its condition, its exit code and its last
/// lines; what was started is stopped before returning it.
pub async fn start(config: &Config, sink: Sink, colour: bool) -> Result<Stack, (Stack, String)> {
    let sandbox = Sandbox::new(SandboxOptions::default()).expect("default options are valid");
    let width = config
        .services
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut stages: HashMap<String, watch::Sender<Stage>> = HashMap::new();
    for s in &config.services {
        stages.insert(s.name.clone(), watch::Sender::new(Stage::Waiting));
    }
    let stages = Arc::new(stages);
    let mut tasks = Vec::new();
    for (i, service) in config.services.iter().enumerate() {
        let printer = Arc::new(Printer::new(
            Prefix::new(&service.name, i, width, colour),
            sink.clone(),
        ));
        let (service, stages, sandbox) = (service.clone(), stages.clone(), sandbox.clone());
        tasks.push(tokio::spawn(async move {
            let result = bring_up(&sandbox, &service, &stages, printer.clone()).await;
            let stage = match &result {
                Ok((_, stage)) => stage.clone(),
                Err((_, why)) => Stage::Failed(why.clone()),
            };
            stages[&service.name].send_replace(stage);
            match result {
                Ok((p, _)) => (service, Some(p), None),
                Err((p, why)) => (service, p, Some(why)),
            }
        }));
    }
    let mut started = Vec::new();
    let mut failure = None;
    for t in tasks {
        let (service, process, why) = t.await.expect("a service task does not panic");
        if failure.is_none() {
            failure = why;
        }
        started.push((service, process));
    }
    let stack = Stack { sandbox, started };
    match failure {
        None => Ok(stack),
        Some(why) => Err((stack, why)),
    }
}

/// Waits for the dependencies, starts the service, waits until it is ready.
async fn bring_up(
    sandbox: &Sandbox,
    service: &Service,
    stages: &HashMap<String, watch::Sender<Stage>>,
    printer: Arc<Printer>,
) -> Result<(Process, Stage), (Option<Process>, String)> {
    for (dep, condition) in &service.depends_on {
        let mut rx = stages[dep].subscribe();
        let stage = rx
            .wait_for(|s| s.satisfies(*condition) || matches!(s, Stage::Failed(_)))
            .await
            .map(|s| s.clone())
            .unwrap_or(Stage::Failed("gone".into()));
        if let Stage::Failed(_) = stage {
            return Err((None, format!("not started: {dep} failed")));
        }
    }
    let options = ProcessOptions {
        process_id: Some(service.name.clone()),
        cwd: service.cwd.clone(),
        env: service
            .env
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect(),
        observer: Some(printer.clone()),
        restart: service.restart,
        ..Default::default()
    };
    let process = sandbox
        .start_process(service.command.clone(), options)
        .await
        .map_err(|e| {
            (
                None,
                format!("{} could not start: {}", service.name, e.message),
            )
        })?;
    stages_started(stages, &service.name);
    let fail = |e: procwright::Error| {
        let mut why = format!("{} is not ready: {}", service.name, e.message);
        if !e.last_lines.is_empty() {
            why.push_str("\n  last lines:");
            for l in &e.last_lines {
                why.push_str("\n    ");
                why.push_str(l);
            }
        }
        (Some(process.clone()), why)
    };
    let stage = match &service.ready {
        Ready::Started => Stage::Ready,
        Ready::Log(pattern) => {
            let options = LogWaitOptions {
                timeout: service.ready_timeout,
                ..Default::default()
            };
            process
                .wait_for_log_with(pattern, &options)
                .await
                .map_err(fail)?;
            Stage::Ready
        }
        Ready::Port { port, path, mode } => {
            let options = PortWaitOptions {
                mode: *mode,
                path: path.clone(),
                timeout: service.ready_timeout,
                ..Default::default()
            };
            process.wait_for_port(*port, &options).await.map_err(fail)?;
            Stage::Ready
        }
        Ready::Exit(code) => {
            let exit = process
                .wait_for_exit(service.ready_timeout)
                .await
                .map_err(fail)?;
            if exit.exit_code != Some(*code) {
                let mut e = procwright::Error::new(
                    procwright::ErrorCode::ProcessExitedBeforeReady,
                    format!(
                        "exited with {} (wanted {code})",
                        exit.exit_code
                            .map_or_else(|| "no exit code".to_owned(), |c| format!("code {c}"))
                    ),
                );
                let tail = process
                    .get_logs(&procwright::LogQuery {
                        tail: Some(20),
                        ..Default::default()
                    })
                    .unwrap_or_default();
                e.last_lines = tail
                    .stdout
                    .lines()
                    .chain(tail.stderr.lines())
                    .map(str::to_owned)
                    .collect();
                return Err(fail(e));
            }
            Stage::Completed
        }
    };
    Ok((process, stage))
}

fn stages_started(stages: &HashMap<String, watch::Sender<Stage>>, name: &str) {
    stages[name].send_if_modified(|s| {
        if *s == Stage::Waiting {
            *s = Stage::Started;
            return true;
        }
        false
    });
}

impl Stack {
    /// Stops every service in reverse start order, each with its stop signal and
    /// within its stop timeout (then SIGKILL). With `now`, everything gets SIGKILL at
    /// once.
    pub async fn stop(&self, now: bool) {
        if now {
            self.sandbox.kill_all_processes().await;
            return;
        }
        for (service, process) in self.started.iter().rev() {
            if let Some(p) = process {
                let _ = p.kill(service.stop_signal, service.stop_timeout).await;
            }
        }
        self.sandbox.kill_all_processes().await;
    }

    /// Resolves when a service ends that was not a one-shot step, with its name and
    /// how it ended (a restart policy's runs do not count: only the final end).
    pub async fn any_exit(&self) -> (String, procwright::ExitInfo) {
        let waits = self.started.iter().filter_map(|(s, p)| {
            let p = p.clone()?;
            (!matches!(s.ready, Ready::Exit(_))).then(|| {
                let name = s.name.clone();
                Box::pin(async move {
                    match p.wait_for_exit(None).await {
                        Ok(info) => (name, info),
                        Err(_) => std::future::pending().await,
                    }
                })
            })
        });
        let waits: Vec<_> = waits.collect();
        if waits.is_empty() {
            return std::future::pending().await;
        }
        futures_select_all(waits).await
    }

    /// Whether any service process is still running.
    pub fn running(&self) -> usize {
        self.started
            .iter()
            .filter(|(_, p)| p.as_ref().is_some_and(|p| !p.status().is_final()))
            .count()
    }
}

/// The first of several futures to finish.
async fn futures_select_all<F, T>(futs: Vec<std::pin::Pin<Box<F>>>) -> T
where
    F: std::future::Future<Output = T> + ?Sized,
{
    let mut futs = futs;
    std::future::poll_fn(move |cx| {
        for f in futs.iter_mut() {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(cx) {
                return std::task::Poll::Ready(v);
            }
        }
        std::task::Poll::Pending
    })
    .await
}

/// `status` as a word for messages.
pub fn describe(info: &procwright::ExitInfo) -> String {
    match (info.status, info.exit_code, info.signal) {
        (ProcessStatus::Killed, _, Some(sig)) => format!("killed by {sig}"),
        (_, Some(c), _) => format!("exited with code {c}"),
        _ => info.status.to_string(),
    }
}
