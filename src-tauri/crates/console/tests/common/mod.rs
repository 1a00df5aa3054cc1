//! What the console's tests share: a console in demo mode on a real SQLite file, its embedded
//! server on 127.0.0.1:0.

use std::sync::Arc;

use scim_console_core::console::Console;
use scim_console_core::embedded::{self, StartOptions};

pub async fn demo_console(dir: &tempfile::TempDir) -> Arc<Console> {
    let (console, serve) = embedded::start(StartOptions {
        demo: true,
        db: Some(dir.path().join("c.db").to_string_lossy().into_owned()),
        listen: Some("127.0.0.1:0".to_owned()),
        history: false,
    })
    .await
    .expect("start the console");
    tokio::spawn(serve);
    console
}
