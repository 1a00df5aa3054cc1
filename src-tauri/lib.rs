//! SCIM Console desktop app: thin glue between the window and the SCIM core.

pub fn run() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("SCIM Console could not start: {e}");
            std::process::exit(1);
        });
}
