//! The embedded SCIM server, started in-process on 127.0.0.1.

use std::io::Write;
use std::sync::Arc;

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
}

impl StartOptions {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        StartOptions {
            demo: std::env::args().any(|a| a == "--demo")
                || var("SCIM_CONSOLE_DEMO").is_some_and(|v| v == "1"),
            db: var("SCIM_CONSOLE_DB"),
            listen: var("SCIM_CONSOLE_LISTEN"),
        }
    }
}

/// Opens the database, binds the listener and prepares the console; the returned future
/// serves SCIM until the app exits.
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
        let seeded = scim_server::demo::seed(&core)
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
    let events = EventLog::start(store);
    let console = Arc::new(Console {
        core: core.clone(),
        events: events.clone(),
        base_url,
        port: addr.port(),
        db,
        demo: opts.demo,
        secrets: std::sync::Mutex::new(demo_token.into_iter().collect()),
    });
    let serve = async move {
        let served = scim_server::serve_core(
            listener,
            core,
            events,
            ServerOptions::default(),
            std::future::pending(),
        )
        .await;
        if let Err(e) = served {
            eprintln!("error: the embedded SCIM server stopped: {e}");
        }
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
