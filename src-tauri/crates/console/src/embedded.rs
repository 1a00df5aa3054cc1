//! The embedded SCIM server, started in-process on 127.0.0.1.

use std::io::Write;
use std::sync::Arc;

use tokio::sync::watch;

use scim_server::core::Core;
use scim_server::ServerOptions;
use scim_store::EventLog;

use crate::console::Console;

/// Where the app keeps the port it chose the first time, so the Tenant URL given to Okta
/// stays valid across restarts.
const PORT_SETTING: &str = "embedded-port";

/// How the app was asked to start.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    pub demo: bool,
    /// `SCIM_CONSOLE_DB`: a database path instead of the platform data folder.
    pub db: Option<String>,
    /// `SCIM_CONSOLE_LISTEN`: an address to listen on instead of the kept port.
    pub listen: Option<String>,
    /// In demo mode, a week of sample requests in the log (the app's demo has it; tests that
    /// count entries start without it).
    pub history: bool,
}

impl StartOptions {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let demo = std::env::args().any(|a| a == "--demo")
            || var("SCIM_CONSOLE_DEMO").is_some_and(|v| v == "1");
        StartOptions {
            demo,
            db: var("SCIM_CONSOLE_DB"),
            listen: var("SCIM_CONSOLE_LISTEN"),
            // `SCIM_CONSOLE_DEMO_HISTORY=0`: demo users without the sample week.
            history: demo && var("SCIM_CONSOLE_DEMO_HISTORY").is_none_or(|v| v != "0"),
        }
    }
}

/// Stops the embedded server and tells when it has stopped (the console owns it).
pub struct ServerControl {
    stop: watch::Sender<bool>,
    stopped: watch::Receiver<bool>,
}

impl ServerControl {
    /// A control, what its `stop` sets, and what says it has stopped.
    pub fn new() -> (Self, watch::Receiver<bool>, watch::Sender<bool>) {
        let (stop, stop_asked) = watch::channel(false);
        let (stopped_tx, stopped) = watch::channel(false);
        (ServerControl { stop, stopped }, stop_asked, stopped_tx)
    }

    /// Asks the server to stop: it takes no new connections and finishes the requests under
    /// way. Dropping the control asks the same.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Tells when a stop is asked.
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Waits until the serve future has returned (the event log flushed), or was dropped.
    pub async fn stopped(&self) {
        let mut stopped = self.stopped.clone();
        let _ = stopped.wait_for(|s| *s).await;
    }
}

/// Opens the database, binds the listener and prepares the console; the returned future
/// serves SCIM until [`Console::shutdown`] (or until the console is dropped).
pub async fn start(
    opts: StartOptions,
) -> Result<(Arc<Console>, impl std::future::Future<Output = ()>), String> {
    let db = match opts.db {
        Some(u) => u,
        None => {
            let dir = scim_console_cli::data_dir()
                .ok_or("cannot find a data folder; set SCIM_CONSOLE_DB")?;
            dir.join(if opts.demo {
                "demo.db"
            } else {
                "scim-console.db"
            })
            .to_string_lossy()
            .into_owned()
        }
    };
    let store = scim_store::open(&db)
        .await
        .map_err(|e| format!("cannot open the database {db}: {e}"))?;
    let core = Core::new(store.clone()).await.map_err(|e| e.to_string())?;
    let mut lines = Vec::new();
    let mut demo_token = None;
    if opts.demo {
        let seeded = scim_server::demo::seed(&core, opts.history)
            .await
            .map_err(|e| e.to_string())?;
        if seeded > 0 {
            lines.push(format!("Demo mode: added {seeded} sample users."));
        }
        let (token, secret) = scim_server::demo::fresh_token(&core)
            .await
            .map_err(|e| e.to_string())?;
        lines.push(format!("Demo token (UserModify): {secret}"));
        demo_token = Some((token.id, secret));
    }
    let kept = store
        .get_setting(PORT_SETTING)
        .await
        .map_err(|e| e.to_string())?
        .and_then(|p| p.parse::<u16>().ok());
    let listener = bind(opts.listen.as_deref(), kept).await?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    if opts.listen.is_none() && kept != Some(addr.port()) {
        store
            .set_setting(PORT_SETTING, &addr.port().to_string())
            .await
            .map_err(|e| e.to_string())?;
    }
    let base_url = format!("http://{addr}/scim/v2");
    lines.push(format!("SCIM base URL: {base_url}"));
    {
        let mut out = std::io::stdout().lock();
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
        let _ = out.flush();
    }
    tracing::info!(%base_url, database = %db, demo = opts.demo, "embedded SCIM server listening");
    let events = EventLog::start(store.clone());
    let (server, mut stop_asked, stopped_tx) = ServerControl::new();
    let external =
        crate::external::watch(store, &events, crate::external::EVERY, server.subscribe());
    let console = Arc::new(Console {
        core: core.clone(),
        written: events.notices(),
        events: Some(events.clone()),
        remote: None,
        base_url,
        port: addr.port(),
        db,
        demo: opts.demo,
        secrets: std::sync::Mutex::new(demo_token.into_iter().collect()),
        server,
        external,
        evidence: Default::default(),
        last_check: Default::default(),
    });
    // Fold the log into the evidence now, so the first Health view and the status strip do
    // not wait for it (about a second per 200,000 entries).
    let warm = console.clone();
    tokio::spawn(async move {
        if let Err(e) = warm.evidence().await {
            tracing::warn!(error = %e.message, "could not read the event log");
        }
    });
    let serve = async move {
        // A dropped sender (the console is gone) stops the server too.
        let shutdown = async move {
            let _ = stop_asked.wait_for(|s| *s).await;
        };
        let served =
            scim_server::serve_core(listener, core, events, ServerOptions::default(), shutdown)
                .await;
        match served {
            Ok(()) => tracing::info!("embedded SCIM server stopped"),
            Err(e) => tracing::error!(error = %e, "embedded SCIM server stopped"),
        }
        stopped_tx.send_replace(true);
    };
    Ok((console, serve))
}

/// The address asked for; else the port kept from an earlier start, the usual port, or any.
async fn bind(listen: Option<&str>, kept: Option<u16>) -> Result<tokio::net::TcpListener, String> {
    if let Some(addr) = listen {
        return tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"));
    }
    let mut candidates = Vec::new();
    if let Some(p) = kept {
        candidates.push(format!("127.0.0.1:{p}"));
    }
    candidates.push(scim_console_cli::DEFAULT_LISTEN.to_owned());
    candidates.push("127.0.0.1:0".to_owned());
    let mut last = String::new();
    for c in candidates {
        match tokio::net::TcpListener::bind(&c).await {
            Ok(l) => return Ok(l),
            Err(e) => last = format!("cannot listen on {c}: {e}"),
        }
    }
    Err(last)
}
