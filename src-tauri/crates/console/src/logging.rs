//! The app's log: `tracing` events go to a file per day in the platform log folder (the
//! newest week kept) and to stderr. Errors of the embedded server land there, where support
//! can ask for them. Secrets are never logged; the demo token is printed to stdout only.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

/// What is logged unless `RUST_LOG` says otherwise.
pub const DEFAULT_FILTER: &str =
    "warn,scim_server=info,scim_console_core=info,scim_console_app=info";
/// Log files are named `scim-console.YYYY-MM-DD.log`.
pub const FILE_PREFIX: &str = "scim-console";
pub const FILE_SUFFIX: &str = "log";
/// How many daily files are kept; older ones are deleted as new ones start.
const KEPT_FILES: usize = 7;

/// Where the log files go, and the writer's guard: dropping it writes out what is buffered.
/// Kept in the app's state for its whole life; [`Logging::finish`] runs at exit, because the
/// process ends without dropping the app's state.
pub struct Logging {
    /// The folder of the log files; `None` when it could not be used (stderr only).
    pub dir: Option<PathBuf>,
    /// Why there are no log files.
    pub problem: Option<String>,
    guard: Mutex<Option<WorkerGuard>>,
}

impl Logging {
    /// Writes out what is still buffered and closes the file; later events go to stderr only.
    pub fn finish(&self) {
        let guard = self.guard.lock().unwrap_or_else(|e| e.into_inner()).take();
        drop(guard);
    }
}

/// The app's subscriber, writing daily files in `dir` (created if missing) and to stderr,
/// with the [`Logging`] that must outlive it. Without a usable `dir`, stderr only.
pub fn subscriber(
    dir: Result<PathBuf, String>,
) -> (impl tracing::Subscriber + Send + Sync, Logging) {
    let (writer, logging) = match dir.and_then(|d| file_writer(&d).map(|w| (d, w))) {
        Ok((d, (writer, guard))) => (
            Some(writer),
            Logging {
                dir: Some(d),
                problem: None,
                guard: Mutex::new(Some(guard)),
            },
        ),
        Err(e) => (
            None,
            Logging {
                dir: None,
                problem: Some(e),
                guard: Mutex::new(None),
            },
        ),
    };
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(writer.map(|w| fmt::layer().with_ansi(false).with_writer(w)))
        .with(
            fmt::layer()
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(std::io::stderr),
        );
    (subscriber, logging)
}

/// Installs the app's subscriber for the whole process (and `log` records, which Tauri
/// writes, through it). `dir` is Tauri's app log folder, or why there is none.
pub fn init(dir: Result<PathBuf, String>) -> Logging {
    let (subscriber, logging) = subscriber(dir);
    if let Err(e) = subscriber.try_init() {
        eprintln!("warning: logging was already set up: {e}");
    }
    let version = env!("CARGO_PKG_VERSION");
    match (&logging.dir, &logging.problem) {
        (Some(d), _) => tracing::info!(
            version,
            folder = %d.display(),
            "SCIM Console starting; writing log files"
        ),
        (None, p) => tracing::warn!(
            version,
            "SCIM Console starting; {}; logging to stderr only",
            p.as_deref().unwrap_or("no log folder")
        ),
    }
    logging
}

fn file_writer(dir: &Path) -> Result<(NonBlocking, WorkerGuard), String> {
    let problem =
        |e: &dyn std::fmt::Display| format!("cannot write log files in {}: {e}", dir.display());
    // Before the appender, which looks for old files to delete as it starts.
    std::fs::create_dir_all(dir).map_err(|e| problem(&e))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix(FILE_SUFFIX)
        .max_log_files(KEPT_FILES)
        .build(dir)
        .map_err(|e| problem(&e))?;
    Ok(tracing_appender::non_blocking(appender))
}
