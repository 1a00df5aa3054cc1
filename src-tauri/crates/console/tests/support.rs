//! The checks run from the console against its own server, and the support bundle: what it
//! holds, and that no secret is in it.

mod common;

use scim_client::check::{Profile, Verdict};
use scim_store::Permission;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_against_the_embedded_server_and_a_bundle_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _db) = common::start(&dir, false, false).await;
    c.set_setting("provisioning", "full").await.unwrap();
    let (_t, secret) = c
        .core
        .create_token("Okta", Permission::UserModify, Some(30))
        .await
        .unwrap();
    for profile in [Profile::Okta, Profile::Entra, Profile::Rfc] {
        let r = c.run_check(profile, true).await.unwrap();
        assert_eq!(r.failed, 0, "{}", r.text());
        assert!(r.passed >= 8, "{}", r.text());
    }
    // The checks leave Health as it was: no request without a valid token counted.
    let h = c.health().await.unwrap();
    assert!(
        h.findings
            .iter()
            .all(|f| f.code != "unauthorized" && f.code != "entra_legacy_dialect"),
        "{:?}",
        h.findings
    );
    // The test users are gone, and the check's requests verify no step of a guide.
    assert_eq!(c.core.read().count_users().await.unwrap().total, 0);
    assert_eq!(c.onboarding().await.unwrap().steps[2].state, "todo");
    assert_eq!(c.entra_guide().await.unwrap().steps[2].state, "todo");

    let out = tempfile::tempdir().unwrap();
    let b = c.support_bundle(out.path()).await.unwrap();
    let json = std::fs::read_to_string(&b.json_path).unwrap();
    let md = std::fs::read_to_string(&b.markdown_path).unwrap();
    assert!(
        !json.contains(&secret) && !md.contains(&secret),
        "a secret in the bundle"
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["policy"], "full");
    assert!(v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "Okta" && t["expires"].is_string()));
    assert!(v["tokens"][0].get("prefix").is_none());
    assert!(v["recent_events"].as_array().unwrap().len() > 10);
    assert_eq!(v["check"]["profile"], "rfc");
    assert!(v["check"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["verdict"] != serde_json::json!(Verdict::Fail)));
    assert!(md.contains("## Tokens") && md.contains("| Okta |"), "{md}");
    assert!(md.contains(" passed, 0 failed"), "{md}");
}
