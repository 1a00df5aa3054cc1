//! The console's own state is not configuration: writing it leaves the configuration
//! generation and stamp alone, so running servers keep their configuration and token cache.

#[tokio::test]
async fn console_state_is_kept_without_touching_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let store = scim_store::open(dir.path().join("s.db").to_str().unwrap())
        .await
        .unwrap();
    let generation = store.config_generation().await.unwrap();
    let stamp = store.config_stamp();
    assert_eq!(store.console_state("onboarding").await.unwrap(), None);
    store
        .set_console_state("onboarding", r#"{"step":2}"#)
        .await
        .unwrap();
    store
        .set_console_state("onboarding", r#"{"step":3}"#)
        .await
        .unwrap();
    assert_eq!(
        store.console_state("onboarding").await.unwrap().as_deref(),
        Some(r#"{"step":3}"#)
    );
    assert_eq!(store.config_generation().await.unwrap(), generation);
    assert_eq!(store.config_stamp(), stamp);
    // A setting, by contrast, is configuration.
    store
        .set_setting("public-url", "https://x.example")
        .await
        .unwrap();
    assert!(store.config_generation().await.unwrap() > generation);
    assert_ne!(store.config_stamp(), stamp);
    assert!(store
        .settings()
        .await
        .unwrap()
        .iter()
        .all(|(k, _)| k != "onboarding"));
}
