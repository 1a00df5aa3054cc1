//! The app's log file, in a test process of its own: `tracing` keeps which log lines are
//! wanted per call site for the whole process, so other tests logging the same lines at the
//! same moment under no subscriber could hide them from this one.

use scim_console_core::embedded::{self, StartOptions};
use scim_console_core::logging;

#[test]
fn the_log_file_is_written_in_the_log_folder_without_secrets() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Not there yet: it is created.
    let logs = dir.path().join("dev.scimconsole.app").join("logs");
    let (subscriber, logging) = logging::subscriber(Ok(logs.clone()));
    assert_eq!(logging.dir.as_deref(), Some(logs.as_path()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let opts = StartOptions {
        demo: true,
        db: Some(dir.path().join("app.db").to_string_lossy().into_owned()),
        listen: Some("127.0.0.1:0".to_owned()),
        history: false,
    };
    // The start-up runs on this thread, so this subscriber sees what it logs.
    let (console, serve) = tracing::subscriber::with_default(subscriber, || {
        let started = rt.block_on(embedded::start(opts)).expect("start");
        tracing::error!(target: "scim_server", "the disk is full");
        started
    });
    let secret = console.secrets.lock().unwrap()[0].1.clone();
    let base_url = console.base_url.clone();
    rt.spawn(serve);
    rt.block_on(console.shutdown());
    // What the app does at exit: write out what is buffered.
    logging.finish();
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(&logs)
        .expect("the log folder")
        .map(|e| e.expect("entry").path())
        .collect();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        names[0].starts_with("scim-console.") && names[0].ends_with(".log"),
        "{names:?}"
    );
    let text = std::fs::read_to_string(&files[0]).expect("read the log file");
    assert!(text.contains("the disk is full"), "{text}");
    assert!(text.contains("embedded SCIM server listening"), "{text}");
    assert!(text.contains(&base_url), "{text}");
    assert!(!text.contains(&secret), "the demo token was logged: {text}");
    assert!(!text.contains('\u{1b}'), "colour codes in the file: {text}");
}
