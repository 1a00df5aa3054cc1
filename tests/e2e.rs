//! End-to-end tests of the real app window under Xvfb over WebDriver, with real HTTP requests
//! sent to the embedded SCIM server the way Okta sends them. Each test saves screenshots of
//! what it saw (in `target/screenshots`, or `SCREENSHOTS_DIR`); the README shows them.

mod gui;

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::json;

use gui::{Gui, Nothing, WithToken, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_runs_through_and_okta_s_connector_test_verifies_it() {
    let gui = Gui::launch("onboarding", false, Nothing).await;
    // A console that is not connected yet opens on the guide.
    gui.wait_for("[data-step=\"1\"].open").await;
    gui.screenshot("onboarding").await;
    gui.click("[data-next=\"1\"]").await;

    // Step 2: the token, shown once, masked until revealed; copy it.
    gui.wait_for("[data-step=\"2\"].open").await;
    let name = gui.wait_for("input[name=\"onboarding-token-name\"]").await;
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("Okta-SCIM")
    );
    gui.click("[data-action=\"create-token\"]").await;
    gui.wait_for("[data-testid=\"token-secret\"]").await;
    assert!(
        gui.client
            .find(Locator::Css("[data-secret]"))
            .await
            .is_err(),
        "the secret is masked until revealed"
    );
    gui.wait_for("[data-testid=\"not-copied\"]").await;
    gui.wait_for_text("[data-testid=\"token-secret\"] button", "Reveal")
        .await
        .click()
        .await
        .expect("reveal");
    let secret = gui
        .wait_for("[data-secret]")
        .await
        .attr("data-secret")
        .await
        .unwrap()
        .expect("the secret");
    assert!(secret.starts_with("scim_"), "{secret}");
    gui.click("[data-testid=\"token-secret\"] [data-copy=\"token\"]")
        .await;
    gui.wait_for_text("[data-step=\"2\"]", "Copied").await;
    let deadline = Instant::now() + WAIT;
    while gui
        .client
        .find(Locator::Css("[data-testid=\"not-copied\"]"))
        .await
        .is_ok()
    {
        assert!(Instant::now() < deadline, "copying never counted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    gui.screenshot("onboarding-token").await;
    gui.click("[data-next=\"2\"]").await;

    // Step 3: every Okta field, the token among them; then Okta's connector test arrives.
    gui.wait_for("[data-step=\"3\"].open").await;
    let base = gui
        .wait_for_text("[data-field=\"SCIM connector base URL\"] code", "/scim/v2")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(base, gui.base_url);
    let auth = gui
        .wait_for("[data-field=\"Authorization\"] code")
        .await
        .text()
        .await
        .unwrap();
    // Masked here too, with its copy button.
    assert!(
        auth.starts_with(&secret[..9]) && auth.contains('•'),
        "{auth}"
    );
    gui.wait_for("[data-field=\"Authorization\"] [data-copy=\"Authorization\"]")
        .await;
    gui.wait_for_text("[data-field=\"Authentication Mode\"]", "HTTP Header")
        .await;
    assert_eq!(
        gui.client
            .find(Locator::Css("[data-step=\"3\"]"))
            .await
            .unwrap()
            .attr("data-state")
            .await
            .unwrap()
            .as_deref(),
        Some("todo")
    );
    let (status, _) = gui
        .okta(&secret, "GET", "/Users?startIndex=1&count=2", None)
        .await;
    assert_eq!(status, 200);
    gui.wait_for("[data-step=\"3\"][data-state=\"verified\"]")
        .await;
    gui.wait_for_text(
        "[data-arrived=\"First request with the token\"]",
        "/scim/v2/Users?startIndex=1&count=2",
    )
    .await;
    gui.wait_for("[data-step=\"2\"][data-state=\"verified\"]")
        .await;
    gui.screenshot("onboarding-verified").await;
    gui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_users_activity_and_the_simulator() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let gui = Gui::launch("demo", true, WithToken(tx)).await;
    let token = rx.await.expect("the test token");

    // Demo mode opens on the users table.
    let row = gui.wait_for("[data-user][data-active=\"true\"]").await;
    let user_name = row.attr("data-user").await.unwrap().expect("userName");
    gui.screenshot("users").await;

    // A PATCH over HTTP deactivates the user: the row changes with no reload or click.
    let id = gui.user_id(&token, &user_name).await;
    assert_eq!(gui.set_active(&token, &id, false).await, 200);
    gui.wait_for(&format!(
        "[data-user=\"{user_name}\"][data-active=\"false\"]"
    ))
    .await;
    gui.screenshot("users-deactivated").await;

    // The user's page: attributes, SCIM JSON, timeline.
    gui.click(&format!("[data-user=\"{user_name}\"]")).await;
    gui.wait_for_text("aside.panel", &user_name).await;
    gui.screenshot("user").await;

    // An invalid role is refused, and Activity shows the error in words.
    let (status, body) = gui
        .okta(
            &token,
            "PATCH",
            &format!("/Users/{id}"),
            Some(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "pantherRole", "value": "Superuser"}]}),
            ),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    gui.nav("activity").await;
    let err = gui
        .wait_for_text(
            "li.event.failed[data-status=\"400\"] .error-text",
            "Superuser",
        )
        .await;
    assert!(err.text().await.unwrap().contains("valid roles"));
    gui.screenshot("activity").await;

    // The simulator sends Okta's requests: a first login, then deactivation.
    gui.nav("simulator").await;
    gui.click("[data-sim=\"first_login\"]").await;
    let latest = gui
        .wait_for("[data-sim-result=\"latest\"][data-ok=\"true\"]")
        .await;
    assert!(latest.text().await.unwrap().contains("just in time"));
    gui.click("[data-sim=\"invalid_role\"]").await;
    gui.wait_for_text(
        "[data-sim-result=\"latest\"][data-ok=\"false\"]",
        "valid roles",
    )
    .await;
    gui.click("[data-sim=\"deactivate\"]").await;
    gui.wait_for_text(
        "[data-sim-result=\"latest\"][data-ok=\"true\"]",
        "Deactivated",
    )
    .await;
    gui.screenshot("simulator").await;
    gui.nav("users").await;
    gui.wait_for("input[name=\"text\"]")
        .await
        .send_keys("jordan.lee")
        .await
        .expect("type a search");
    gui.click(".users-view button[type=\"submit\"]").await;
    gui.wait_for("[data-user=\"jordan.lee@example.com\"][data-active=\"false\"]")
        .await;

    // The remaining screens, for the README.
    gui.nav("onboarding").await;
    gui.wait_for("[data-step=\"1\"]").await;
    gui.click("[data-step=\"5\"] .step-head").await;
    gui.wait_for("[data-step=\"5\"].open [data-testid=\"invalid-role\"]")
        .await;
    gui.client
        .execute(
            "document.querySelector('[data-testid=\"invalid-role\"]').scrollIntoView({block: 'center'});",
            vec![],
        )
        .await
        .expect("scroll to the refused role");
    gui.screenshot("onboarding-role").await;
    gui.nav("tokens").await;
    gui.wait_for_text("table", "Okta (test)").await;
    gui.screenshot("tokens").await;
    gui.nav("roles").await;
    gui.wait_for_text("main", "ReadOnlyAnalyst").await;
    gui.screenshot("roles").await;
    gui.nav("settings").await;
    gui.wait_for_text("main", "Provisioning policy").await;
    let logs = gui.log_dir.to_string_lossy().into_owned();
    gui.wait_for_text("[data-field=\"Log files\"] code", &logs)
        .await;
    gui.screenshot("settings").await;
    // The folder is copied from the keyboard: Enter on the focused Copy button.
    gui.wait_for("[data-field=\"Log files\"] [data-copy]")
        .await
        .send_keys("\u{E007}")
        .await
        .expect("Enter on the Copy button");
    gui.wait_for_text("[data-field=\"Log files\"] [data-copy]", "Copied")
        .await;

    // Closing the window quits the app, which stops its server first: a request answered
    // just before is in the event log, and the log file tells of a clean stop.
    gui.wait_for_log("embedded SCIM server listening").await;
    let last = "/Users?startIndex=1&count=3";
    assert_eq!(gui.okta(&token, "GET", last, None).await.0, 200);
    gui.close_window_like_a_person();
    let log = gui.wait_for_log("SCIM Console quit").await;
    assert!(log.contains("embedded SCIM server stopped"), "{log}");
    assert!(!log.contains(&token), "a token was logged: {log}");
    let store = scim_store::open(&gui.db.to_string_lossy())
        .await
        .expect("open the database");
    let events = store
        .list_events(&scim_store::EventQuery {
            limit: 5,
            ..Default::default()
        })
        .await
        .expect("read the event log");
    assert!(
        events
            .iter()
            .any(|e| e.event.path == format!("/scim/v2{last}")),
        "the last request is not in the event log: {events:?}"
    );
    gui.close().await;
}
