//! SCIM Console desktop app: thin glue between the window and the SCIM core.
//!
//! At start it opens the database, starts the embedded SCIM server in-process on 127.0.0.1
//! (the same server `scim-console serve` runs), prints its base URL, and forwards every
//! committed change and every logged request to the window as events.

pub mod commands;
pub mod console;
pub mod embedded;
pub mod onboarding;
pub mod simulator;

use std::sync::Arc;

use tauri::{Emitter, Manager, Runtime};

use commands::Started;
use console::Console;

/// Sent to the window for every committed change to a user (a `scim_store::ChangeEvent`).
pub const USER_CHANGED: &str = "scim://user-changed";
/// Sent to the window when requests were written to the event log (how many).
pub const EVENTS_WRITTEN: &str = "scim://events-written";

/// The app's commands and state on any builder (the real one, or the mock one in tests).
pub fn build<R: Runtime>(builder: tauri::Builder<R>, started: Started) -> tauri::Builder<R> {
    builder
        .manage(started)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_users,
            commands::user_detail,
            commands::update_user,
            commands::list_events,
            commands::events_per_minute,
            commands::list_tokens,
            commands::create_token,
            commands::revoke_token,
            commands::roles,
            commands::add_role,
            commands::remove_role,
            commands::settings,
            commands::set_setting,
            commands::onboarding,
            commands::onboarding_update,
            commands::onboarding_create_token,
            commands::simulate,
        ])
        .setup(|app| {
            if let Some(Started::Running(c)) = app.try_state::<Started>().map(|s| s.inner()) {
                forward_events(app.handle().clone(), c.clone());
            }
            Ok(())
        })
}

/// Pushes the core's change events and the event log's notices to the window: the UI never
/// polls its own server.
fn forward_events<R: Runtime>(app: tauri::AppHandle<R>, console: Arc<Console>) {
    // A change the window missed (it fell too far behind) is sent as null: reload everything.
    forward(
        app.clone(),
        console.core.store.subscribe(),
        USER_CHANGED,
        |c| serde_json::to_value(c).unwrap_or(serde_json::Value::Null),
        serde_json::Value::Null,
    );
    forward(
        app,
        console.events.subscribe(),
        EVENTS_WRITTEN,
        |n| n.into(),
        0.into(),
    );
}

/// Emits every message of `rx` to the window as `event`, and `lagged` when some were missed.
fn forward<R: Runtime, T: Clone + Send + 'static>(
    app: tauri::AppHandle<R>,
    mut rx: tokio::sync::broadcast::Receiver<T>,
    event: &'static str,
    payload: fn(T) -> serde_json::Value,
    lagged: serde_json::Value,
) {
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            let value = match rx.recv().await {
                Ok(m) => payload(m),
                Err(RecvError::Lagged(_)) => lagged.clone(),
                Err(RecvError::Closed) => break,
            };
            let _ = app.emit(event, value);
        }
    });
}

pub fn run() {
    let opts = embedded::StartOptions::from_env();
    let started = match tauri::async_runtime::block_on(embedded::start(opts)) {
        Ok((console, serve)) => {
            tauri::async_runtime::spawn(serve);
            Started::Running(console)
        }
        Err(e) => {
            eprintln!("error: the embedded SCIM server could not start: {e}");
            Started::Failed(e)
        }
    };
    build(tauri::Builder::default(), started)
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("SCIM Console could not start: {e}");
            std::process::exit(1);
        });
}
