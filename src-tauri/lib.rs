//! SCIM Console desktop app: thin glue between the window and the SCIM core.
//!
//! At start it sets up logging, opens the database, starts the embedded SCIM server
//! in-process on 127.0.0.1 (the same server `scim-console serve` runs), prints its base URL,
//! and forwards every committed change and every logged request to the window as events. On
//! quit it stops the server, so the last requests reach the event log, and closes the log file.

pub mod commands;

pub use scim_console_core::{console, embedded, health, logging, onboarding, simulator};

use std::sync::Arc;

use tauri::{Emitter, Manager, Runtime};

use commands::Started;
use console::Console;
use logging::Logging;
use scim_console_core::connections::{Connections, Shown};

/// Sent to the window for every committed change to a user (a `scim_store::ChangeEvent`).
pub const USER_CHANGED: &str = "scim://user-changed";
/// Sent to the window for every committed change to a group (a `scim_store::ChangeEvent` whose
/// resource type is "Group"); null when some were missed. The users view does not listen.
pub const GROUP_CHANGED: &str = "scim://group-changed";
/// Sent to the window when requests were written to the event log (how many).
pub const EVENTS_WRITTEN: &str = "scim://events-written";

/// The app's commands on any builder (the real one, or the mock one in tests). The built app
/// is then given its [`Started`] console (and [`Logging`]) with `manage`, before it runs.
pub fn build<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_users,
            commands::user_detail,
            commands::update_user,
            commands::list_groups,
            commands::group_detail,
            commands::list_events,
            commands::events_per_minute,
            commands::health,
            commands::export_users,
            commands::export_events,
            commands::run_check,
            commands::support_bundle,
            commands::events_page,
            commands::event_detail,
            commands::list_tokens,
            commands::create_token,
            commands::revoke_token,
            commands::roles,
            commands::add_role,
            commands::remove_role,
            commands::settings,
            commands::set_setting,
            commands::guard_status,
            commands::guard_release,
            commands::onboarding,
            commands::onboarding_update,
            commands::onboarding_create_token,
            commands::entra_guide,
            commands::entra_guide_update,
            commands::entra_guide_create_token,
            commands::simulate,
            commands::connections_view,
            commands::connection_add,
            commands::connection_switch,
            commands::connection_remove,
            commands::foreign_view,
            commands::foreign_refresh,
        ])
        // Runs once the event loop is ready, after `run` has managed the console.
        .setup(|app| {
            if let Some(Started::Running(c)) = app.try_state::<Started>().map(|s| s.inner()) {
                follow_connection(app.handle().clone(), c.clone());
            }
            Ok(())
        })
}

/// Sent to the window when the connection shown changed (the connections view): every screen
/// reads again.
pub const CONNECTION_CHANGED: &str = "scim://connection-changed";
/// Sent to the window when a foreign server was read (or a page of it): its view refreshes.
pub const FOREIGN_UPDATED: &str = "scim://foreign-updated";

/// Forwards the news of the server shown to the window, and follows the admin's switches:
/// the previous server's forwarders stop, the new one's start.
fn follow_connection<R: Runtime>(app: tauri::AppHandle<R>, conns: Arc<Connections>) {
    let mut switched = conns.switched.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let tasks = match conns.shown() {
                Shown::Embedded => forward_events(app.clone(), conns.embedded.clone()),
                Shown::Remote { console, .. } => forward_events(app.clone(), console),
                Shown::Foreign { foreign, .. } => vec![forward(
                    app.clone(),
                    foreign.updated.subscribe(),
                    FOREIGN_UPDATED,
                    |()| serde_json::Value::Null,
                    serde_json::Value::Null,
                )],
            };
            let more = switched.recv().await;
            for t in tasks {
                t.abort();
            }
            if let Err(tokio::sync::broadcast::error::RecvError::Closed) = more {
                return;
            }
            let view = conns.view().await.ok();
            let _ = app.emit(CONNECTION_CHANGED, view);
        }
    });
}

type Forwarder = tauri::async_runtime::JoinHandle<()>;

/// Pushes the core's change events and the event log's notices to the window: the UI never
/// polls its own server.
fn forward_events<R: Runtime>(app: tauri::AppHandle<R>, console: Arc<Console>) -> Vec<Forwarder> {
    // A change the window missed (it fell too far behind) is sent as null: reload everything.
    // Users and groups go to listeners of their own, so a group push reloads no user list.
    let changes = app.clone();
    let mut rx = console.core.read().subscribe();
    let changes_task = tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match rx.recv().await {
                Ok(c) => {
                    let event = if c.resource_type == "Group" {
                        GROUP_CHANGED
                    } else {
                        USER_CHANGED
                    };
                    let value = serde_json::to_value(&c).unwrap_or(serde_json::Value::Null);
                    let _ = changes.emit(event, value);
                }
                Err(RecvError::Lagged(_)) => {
                    let _ = changes.emit(USER_CHANGED, serde_json::Value::Null);
                    let _ = changes.emit(GROUP_CHANGED, serde_json::Value::Null);
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
    vec![
        changes_task,
        forward(
            app.clone(),
            console.written.subscribe(),
            EVENTS_WRITTEN,
            |n| n.into(),
            0.into(),
        ),
        // Another process changed the database (the command line, a headless server on the
        // same file), or a remote server's stream told of a change: the window reloads its
        // users and its activity, as after a missed notice.
        forward(
            app.clone(),
            console.external.subscribe(),
            USER_CHANGED,
            |()| serde_json::Value::Null,
            serde_json::Value::Null,
        ),
        forward(
            app.clone(),
            console.external.subscribe(),
            GROUP_CHANGED,
            |()| serde_json::Value::Null,
            serde_json::Value::Null,
        ),
        forward(
            app,
            console.external.subscribe(),
            EVENTS_WRITTEN,
            |()| 0.into(),
            0.into(),
        ),
    ]
}

/// Emits every message of `rx` to the window as `event`, and `lagged` when some were missed.
fn forward<R: Runtime, T: Clone + Send + 'static>(
    app: tauri::AppHandle<R>,
    mut rx: tokio::sync::broadcast::Receiver<T>,
    event: &'static str,
    payload: fn(T) -> serde_json::Value,
    lagged: serde_json::Value,
) -> Forwarder {
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
    })
}

/// What quitting does: stops the embedded server, waiting a few seconds at most until every
/// request it answered is in the event log, then writes out the log file.
pub fn shutdown<R: Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(Started::Running(c)) = app.try_state::<Started>().map(|s| s.inner()) {
        tauri::async_runtime::block_on(c.embedded.shutdown());
    }
    tracing::info!("SCIM Console quit");
    if let Some(l) = app.try_state::<Logging>() {
        l.finish();
    }
}

pub fn run() {
    let app = build(tauri::Builder::default())
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("SCIM Console could not start: {e}");
            std::process::exit(1);
        });
    // The log folder is Tauri's, known once the app is built; the window and the server start
    // after this, so their start-up is logged.
    let log_dir = app.path().app_log_dir().map_err(|e| e.to_string());
    app.manage(logging::init(log_dir));
    let opts = embedded::StartOptions::from_env();
    let started = match tauri::async_runtime::block_on(embedded::start(opts)) {
        Ok((console, serve)) => {
            tauri::async_runtime::spawn(serve);
            let profiles = scim_console_cli::profiles::default_path()
                .map(scim_console_cli::profiles::Profiles::at);
            Started::Running(Connections::new(console, profiles))
        }
        Err(e) => {
            tracing::error!(error = %e, "the embedded SCIM server could not start");
            Started::Failed(e)
        }
    };
    app.manage(started);
    // `Exit` comes once, when the event loop ends for good (`ExitRequested` may be prevented
    // or repeated); the window is gone by then, so waiting here holds nothing up on screen.
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            shutdown(handle);
        }
    });
}
