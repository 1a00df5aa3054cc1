//! Changes another process makes to the database reach the console: a second store on the same
//! SQLite file (as the command line or a headless server would open it) creates a user, and the
//! console hears of it; its own changes it was told of already are not announced again.

mod common;

use std::time::Duration;

use scim_server::core::Core;
use scim_store::ChangeContext;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_created_by_another_process_is_announced() {
    let dir = tempfile::tempdir().unwrap();
    let (console, db) = common::start(&dir, false, false).await;
    let mut external = console.external.subscribe();
    // Let the watcher take its first look.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    while external.try_recv().is_ok() {}

    // The console's own change: told through its channels, not announced as external.
    console
        .core
        .jit_login(
            "own@example.com",
            "Own",
            "Change",
            None,
            &ChangeContext::by("test"),
        )
        .await
        .unwrap();
    let quiet = tokio::time::timeout(Duration::from_millis(2500), external.recv()).await;
    assert!(
        quiet.is_err(),
        "the console's own change was announced as external"
    );

    // Another process: a store and core of its own on the same file.
    let other = scim_store::open(&db).await.unwrap();
    let core = Core::new(other).await.unwrap();
    core.jit_login(
        "cli@example.com",
        "From",
        "Cli",
        None,
        &ChangeContext::by("scim-console"),
    )
    .await
    .unwrap();
    tokio::time::timeout(Duration::from_secs(10), external.recv())
        .await
        .expect("the change made elsewhere was announced")
        .unwrap();
    let seen = console
        .core
        .read()
        .find_user_by_user_name("cli@example.com")
        .await
        .unwrap();
    assert!(seen.is_some());
}
