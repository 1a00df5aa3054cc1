//! The embedded SCIM server, started in-process.

use std::io::Write;

use scim_server::core::Core;
use scim_server::ServerOptions;

/// Opens the database and serves SCIM on 127.0.0.1 until the app exits.
pub async fn start(demo: bool) -> Result<(), String> {
    let url = match std::env::var("SCIM_CONSOLE_DB")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        Some(u) => u,
        None => {
            let dir = scim_console_cli::data_dir()
                .ok_or("cannot find a data folder; set SCIM_CONSOLE_DB")?;
            dir.join(if demo { "demo.db" } else { "scim-console.db" })
                .to_string_lossy()
                .into_owned()
        }
    };
    let store = scim_store::open(&url)
        .await
        .map_err(|e| format!("cannot open {url}: {e}"))?;
    let core = Core::new(store.clone()).await.map_err(|e| e.to_string())?;
    let mut lines = Vec::new();
    if demo {
        let seeded = scim_server::demo::seed(&core)
            .await
            .map_err(|e| e.to_string())?;
        if seeded > 0 {
            lines.push(format!("Demo mode: added {seeded} sample users."));
        }
        let (_, secret) = scim_server::demo::fresh_token(&core)
            .await
            .map_err(|e| e.to_string())?;
        lines.push(format!("Demo token (UserModify): {secret}"));
    }
    // The usual port when it is free, any free port otherwise.
    let listener = match tokio::net::TcpListener::bind(scim_console_cli::DEFAULT_LISTEN).await {
        Ok(l) => l,
        Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?,
    };
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    lines.push(format!("SCIM base URL: http://{addr}/scim/v2"));
    {
        let mut out = std::io::stdout().lock();
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
        let _ = out.flush();
    }
    scim_server::serve(
        listener,
        store,
        ServerOptions::default(),
        std::future::pending(),
    )
    .await
    .map_err(|e| e.to_string())
}
