//! What the server holds: its sandboxes (each a workspace plus a core `Sandbox`), the
//! argv of each process (the REST records show it as started), and exposed ports.

use super::error::ApiError;
use super::guard::Guard;
use axum::http::StatusCode;
use procwright::{Process, ProcessStatus, Sandbox, SandboxOptions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// Bytes of output each process keeps in memory per stream; the full log is on disk.
const LOG_LIMIT: usize = 1024 * 1024;

/// The server's state, shared by every request.
pub struct App {
    /// Holds one workspace folder per sandbox (canonical).
    pub root: PathBuf,
    /// Holds one folder of `proc-<id>.log` files per sandbox, outside the workspaces.
    pub logs: PathBuf,
    /// Who may send requests: Host and Origin rules, tokens.
    pub guard: Guard,
    /// `root` as opened at start: every file operation of a sandbox goes beneath this
    /// descriptor, so a workspace replaced by a symlink, or a root moved, leads nowhere.
    pub files: procwright::files::Workspace,
    /// Most running processes per sandbox, and how much of the ended ones is kept.
    pub limits: Limits,
    /// `host:port` the server answers on, for preview URLs when a request has no Host.
    pub public: String,
    sandboxes: Mutex<Vec<Arc<Sbx>>>,
    previews: Mutex<HashMap<String, Preview>>,
}

/// What a sandbox may hold: memory stays bounded however many processes it runs.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most running processes (and running execs) per sandbox; 429 past it.
    pub max_processes: usize,
    /// Ended processes that keep their output in memory (for events and waits); older
    /// ones keep their record and log file only.
    pub keep_ended: usize,
    /// Most records per sandbox; past it the oldest ended ones go, log files too.
    pub max_records: usize,
    /// Largest file a `PUT` may write (413 past it).
    pub max_file_bytes: u64,
}

/// An exposed port: where `/preview/<secret>/` leads.
#[derive(Clone)]
pub struct Preview {
    /// The sandbox it belongs to (the preview ends with it).
    pub sandbox: String,
    /// The port proxied to on loopback.
    pub port: u16,
}

/// One sandbox.
pub struct Sbx {
    /// `sbx_` + 24 hex digits.
    pub id: String,
    /// The workspace, canonical.
    pub root: PathBuf,
    /// Where its processes' log files are.
    pub logs: PathBuf,
    /// Unix seconds.
    pub created_at: u64,
    /// The core sandbox its processes run in.
    pub sandbox: Sandbox,
    /// Set once by `DELETE`; guards every start so none runs after destroy.
    pub life: tokio::sync::RwLock<bool>,
    /// Starts under way, not yet in the core's list: counted against the limit so it
    /// holds under concurrent requests without making starts wait for each other.
    starting: Mutex<std::collections::HashSet<String>>,
    /// One permit per `exec` running, as many as the process limit.
    pub execs: Arc<tokio::sync::Semaphore>,
    records: Mutex<Records>,
    /// Held by the one prune that runs.
    pruning: Mutex<()>,
    /// Set by every prune asked for; the one that runs goes again while it is set, so
    /// a prune asked for while another runs is never lost.
    prune_again: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Records {
    /// Process ids in start order, with the argv each was started with.
    order: Vec<(String, Vec<String>)>,
    /// Where each id is in `order`.
    index: HashMap<String, usize>,
    /// Records the core does not hold: starts that failed (kept as `failed` records, as
    /// seed 003 shows them) and ended processes it was told to forget.
    frozen: HashMap<String, Frozen>,
}

/// A record the core does not hold.
struct Frozen {
    fields: Fields,
    /// The start failed (otherwise: it ended, and its output is no longer kept).
    failed: bool,
}

impl Records {
    fn push(&mut self, id: &str, argv: Vec<String>) {
        self.index.insert(id.to_string(), self.order.len());
        self.order.push((id.to_string(), argv));
    }

    /// Drops the oldest frozen records past `max`; returns their ids.
    fn cap(&mut self, max: usize) -> Vec<String> {
        let Records {
            order,
            index,
            frozen,
        } = self;
        let mut over = order.len().saturating_sub(max);
        if over == 0 {
            return Vec::new();
        }
        let mut gone = Vec::new();
        order.retain(|(id, _)| {
            if over > 0 && frozen.remove(id).is_some() {
                over -= 1;
                gone.push(id.clone());
                return false;
            }
            true
        });
        index.clear();
        for (at, (id, _)) in order.iter().enumerate() {
            index.insert(id.clone(), at);
        }
        gone
    }
}

/// A start under way; its place is given back when dropped.
pub struct Slot(Arc<Sbx>, String);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.starting.lock().unwrap().remove(&self.1);
    }
}

/// Seed 003's fields of a record that do not come from the request.
#[derive(Clone, Debug)]
pub struct Fields {
    /// 0 when it never ran.
    pub pid: u32,
    /// `running`, `exited`, `killed` or `failed`.
    pub state: &'static str,
    /// -1 while running and after a signal.
    pub exit_code: i32,
    /// Unix seconds.
    pub started_at: u64,
    /// Unix seconds; 0 while running.
    pub exited_at: u64,
}

impl Fields {
    /// The fields of a process the core holds.
    pub fn of(p: &Process) -> Fields {
        let state = state_of(p.status());
        Fields {
            pid: p.pid().unwrap_or(0),
            state,
            // -1 while running and after a signal, as seed 003 says.
            exit_code: match state {
                "exited" => p.exit_code().unwrap_or(-1),
                _ => -1,
            },
            started_at: unix(p.start_time()),
            exited_at: p.end_time().map(unix).unwrap_or(0),
        }
    }

    /// The fields of a start that failed at `at`.
    fn failed(at: u64) -> Fields {
        Fields {
            pid: 0,
            state: "failed",
            exit_code: -1,
            started_at: at,
            exited_at: at,
        }
    }
}

/// Seed 003's four states from the library's seven.
fn state_of(status: ProcessStatus) -> &'static str {
    match status {
        ProcessStatus::Starting | ProcessStatus::Running | ProcessStatus::Restarting => "running",
        ProcessStatus::Completed | ProcessStatus::Failed => "exited",
        ProcessStatus::Killed => "killed",
        ProcessStatus::Error => "failed",
    }
}

/// A process record as the REST API shows it.
pub enum Record {
    /// One the core holds.
    Started(Process, Vec<String>),
    /// One that ended and whose output is no longer kept in memory (its log file is).
    Archived(String, Vec<String>, Fields),
    /// One that could not be started.
    Failed(String, Vec<String>, Fields),
}

impl Record {
    /// Its id.
    pub fn id(&self) -> &str {
        match self {
            Record::Started(p, _) => p.id(),
            Record::Archived(id, ..) | Record::Failed(id, ..) => id,
        }
    }

    /// The argv it was started with.
    pub fn argv(&self) -> &[String] {
        match self {
            Record::Started(_, argv)
            | Record::Archived(_, argv, _)
            | Record::Failed(_, argv, _) => argv,
        }
    }

    /// Seed 003's fields.
    pub fn fields(&self) -> Fields {
        match self {
            Record::Started(p, _) => Fields::of(p),
            Record::Archived(_, _, f) | Record::Failed(_, _, f) => f.clone(),
        }
    }
}

/// Now, in Unix seconds.
pub fn unix_now() -> u64 {
    unix(SystemTime::now())
}

/// A time in Unix seconds.
pub fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A fresh id: `prefix` and 24 hex digits from the system's random source.
pub fn random_id(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(random_bytes::<12>()))
}

/// Unguessable bytes (preview secrets are credentials).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use std::io::Read;
    let mut b = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .expect("/dev/urandom must be readable");
    b
}

impl App {
    /// A server state over `root` (created if missing).
    pub fn new(
        root: PathBuf,
        guard: Guard,
        limits: Limits,
        public: String,
    ) -> std::io::Result<App> {
        std::fs::create_dir_all(&root)?;
        let root = std::fs::canonicalize(root)?;
        let logs = root.join(".logs");
        std::fs::create_dir_all(&logs)?;
        let files = procwright::files::Workspace::open(&root)?;
        Ok(App {
            root,
            logs,
            guard,
            files,
            limits,
            public,
            sandboxes: Mutex::new(Vec::new()),
            previews: Mutex::new(HashMap::new()),
        })
    }

    /// Creates a sandbox and its workspace.
    pub fn create(&self) -> Result<Arc<Sbx>, ApiError> {
        let id = random_id("sbx_");
        let root = self.root.join(&id);
        let logs = self.logs.join(&id);
        std::fs::create_dir_all(&root)
            .map_err(|e| ApiError::internal(format!("cannot create the workspace: {e}")))?;
        let root = std::fs::canonicalize(root)
            .map_err(|e| ApiError::internal(format!("cannot resolve the workspace: {e}")))?;
        let sandbox = Sandbox::new(SandboxOptions {
            cwd: Some(root.clone()),
            log_limit: Some(LOG_LIMIT),
            log_dir: Some(logs.clone()),
            ..SandboxOptions::default()
        })?;
        let sbx = Arc::new(Sbx {
            id,
            root,
            logs,
            created_at: unix_now(),
            sandbox,
            life: tokio::sync::RwLock::new(false),
            starting: Mutex::new(Default::default()),
            execs: Arc::new(tokio::sync::Semaphore::new(self.limits.max_processes)),
            records: Mutex::new(Records::default()),
            pruning: Mutex::new(()),
            prune_again: Default::default(),
        });
        self.sandboxes.lock().unwrap().push(sbx.clone());
        Ok(sbx)
    }

    /// Every sandbox, in creation order.
    pub fn all(&self) -> Vec<Arc<Sbx>> {
        self.sandboxes.lock().unwrap().clone()
    }

    /// The sandbox with this id, or 404.
    pub fn get(&self, id: &str) -> Result<Arc<Sbx>, ApiError> {
        self.sandboxes
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.id == id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("SANDBOX_NOT_FOUND", format!("no sandbox {id:?}")))
    }

    /// Registers a preview of `port` and returns its secret.
    pub fn expose(&self, sandbox: &str, port: u16) -> String {
        let secret = hex::encode(random_bytes::<16>());
        self.previews.lock().unwrap().insert(
            secret.clone(),
            Preview {
                sandbox: sandbox.to_string(),
                port,
            },
        );
        secret
    }

    /// The preview behind a secret.
    pub fn preview(&self, secret: &str) -> Option<Preview> {
        self.previews.lock().unwrap().get(secret).cloned()
    }

    /// Ends a sandbox: no start after this, every process killed, previews gone, the
    /// workspace removed. The record stays, as `destroyed`.
    pub async fn destroy(&self, sbx: &Sbx) {
        *sbx.life.write().await = true;
        self.previews
            .lock()
            .unwrap()
            .retain(|_, p| p.sandbox != sbx.id);
        sbx.sandbox.destroy().await;
        let _ = tokio::fs::remove_dir_all(&sbx.root).await;
    }
}

impl Sbx {
    /// `running` or `destroyed`.
    pub fn state(&self) -> &'static str {
        match self.life.try_read() {
            Ok(g) if !*g => "running",
            Ok(_) => "destroyed",
            // A writer holds it only to destroy.
            Err(_) => "destroyed",
        }
    }

    /// Remembers the argv a started process was given.
    pub fn started(&self, id: &str, argv: Vec<String>) {
        self.records.lock().unwrap().push(id, argv);
    }

    /// Keeps a start that failed as a `failed` record.
    pub fn failed(&self, id: &str, argv: Vec<String>) {
        let mut r = self.records.lock().unwrap();
        r.push(id, argv);
        let frozen = Frozen {
            fields: Fields::failed(unix_now()),
            failed: true,
        };
        r.frozen.insert(id.to_string(), frozen);
    }

    /// Keeps memory bounded however many processes this sandbox runs: the oldest ended
    /// processes past `keep_ended` are forgotten by the core (their output freed; their
    /// records and log files stay), and the oldest such records past `max_records` go
    /// with their log files. An ended process whose leftovers still run stays whole, so
    /// that kill and destroy still reach them. Reads `/proc`: call it off the runtime.
    pub fn prune(&self, limits: Limits) {
        use std::sync::atomic::Ordering::SeqCst;
        self.prune_again.store(true, SeqCst);
        loop {
            // The one that holds the lock sees the flag and goes again.
            let Ok(_only) = self.pruning.try_lock() else {
                return;
            };
            if !self.prune_again.swap(false, SeqCst) {
                return;
            }
            self.prune_once(limits);
        }
    }

    fn prune_once(&self, limits: Limits) {
        let scope = self.sandbox.scope();
        let ended: Vec<Process> = scope
            .list_processes()
            .into_iter()
            .filter(|p| p.status().is_final())
            .collect();
        let over = ended.len().saturating_sub(limits.keep_ended);
        let oldest = &ended[..over];
        {
            // Frozen first, so that no lookup between the two steps finds neither.
            let mut r = self.records.lock().unwrap();
            for p in oldest {
                let fields = Fields::of(p);
                let frozen = Frozen {
                    fields,
                    failed: false,
                };
                r.frozen.insert(p.id().to_string(), frozen);
            }
        }
        let ids: Vec<&str> = oldest.iter().map(|p| p.id()).collect();
        let forgotten = scope.forget_processes(&ids);
        if forgotten.len() < oldest.len() {
            let mut r = self.records.lock().unwrap();
            for id in ids.iter().filter(|id| !forgotten.iter().any(|f| f == *id)) {
                r.frozen.remove(*id);
            }
        }
        let gone = self.records.lock().unwrap().cap(limits.max_records);
        for id in gone {
            let log = self.logs.join(format!("proc-{id}.log"));
            let _ = std::fs::remove_file(&log);
            let mut old = log.into_os_string();
            old.push(".1");
            let _ = std::fs::remove_file(old);
        }
    }

    /// Every record, in start order.
    pub fn records(&self) -> Vec<Record> {
        let r = self.records.lock().unwrap();
        r.order
            .iter()
            .filter_map(|(id, argv)| self.record_of(&r, id, argv))
            .collect()
    }

    /// One record, or 404 `PROCESS_NOT_FOUND`.
    pub fn record(&self, id: &str) -> Result<Record, ApiError> {
        let r = self.records.lock().unwrap();
        r.index
            .get(id)
            .and_then(|&at| r.order.get(at))
            .and_then(|(id, argv)| self.record_of(&r, id, argv))
            .ok_or_else(|| ApiError::from(procwright::Error::not_found(id)))
    }

    fn record_of(&self, r: &Records, id: &str, argv: &[String]) -> Option<Record> {
        if let Some(p) = self.sandbox.scope().get_process(id) {
            return Some(Record::Started(p, argv.to_vec()));
        }
        let f = r.frozen.get(id)?;
        let (id, argv, fields) = (id.to_string(), argv.to_vec(), f.fields.clone());
        Some(match f.failed {
            true => Record::Failed(id, argv, fields),
            false => Record::Archived(id, argv, fields),
        })
    }

    /// The process with this id and the output kept for it: 404 when unknown, 409 when
    /// it could not be started, 410 when it ended too long ago to keep its output.
    pub fn process(&self, id: &str) -> Result<Process, ApiError> {
        match self.record(id)? {
            Record::Started(p, _) => Ok(p),
            Record::Archived(..) => Err(ApiError::new(
                StatusCode::GONE,
                "OUTPUT_EXPIRED",
                format!(
                    "process {id} ended before the newest ended processes of the sandbox, \
                     and its output is no longer kept in memory; its log file is (GET .../logs)"
                ),
            )),
            Record::Failed(..) => Err(ApiError::new(
                StatusCode::CONFLICT,
                "PROCESS_ERROR",
                format!("process {id} could not be started"),
            )),
        }
    }

    /// 409 `SANDBOX_NOT_RUNNING` once destroyed.
    pub fn check_running(&self) -> Result<(), ApiError> {
        if self.state() == "running" {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "SANDBOX_NOT_RUNNING",
            format!("sandbox {} was destroyed", self.id),
        ))
    }

    /// A place for the start of process `id`, if fewer than `max` processes run or are
    /// starting. A start the core already lists counts once.
    pub fn reserve(self: &Arc<Self>, id: &str, max: usize) -> Option<Slot> {
        let mut starting = self.starting.lock().unwrap();
        let scope = self.sandbox.scope();
        let unlisted = starting
            .iter()
            .filter(|id| scope.get_process(id).is_none())
            .count();
        if self.live() + unlisted >= max {
            return None;
        }
        starting.insert(id.to_string());
        Some(Slot(self.clone(), id.to_string()))
    }

    /// Processes that have not ended.
    pub fn live(&self) -> usize {
        self.sandbox
            .scope()
            .list_processes()
            .iter()
            .filter(|p| !p.status().is_final())
            .count()
    }
}
