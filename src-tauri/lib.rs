//! SCIM Console desktop app: thin glue between the window and the SCIM core.
//!
//! At start it opens the database, starts the embedded SCIM server in-process on 127.0.0.1
//! (the same server `scim-console serve` runs) and prints its base URL.

mod embedded;

pub fn run() {
    let demo = std::env::args().any(|a| a == "--demo")
        || std::env::var("SCIM_CONSOLE_DEMO").is_ok_and(|v| v == "1");
    tauri::Builder::default()
        .setup(move |_app| {
            tauri::async_runtime::spawn(async move {
                if let Err(e) = embedded::start(demo).await {
                    eprintln!("error: the embedded SCIM server could not start: {e}");
                }
            });
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("SCIM Console could not start: {e}");
            std::process::exit(1);
        });
}
