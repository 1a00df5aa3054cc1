//! End-to-end tests of the real app window under Xvfb over WebDriver, with real HTTP requests
//! sent to the embedded SCIM server the way Okta sends them. Each test saves screenshots of
//! what it saw (in `target/screenshots`, or `SCREENSHOTS_DIR`); the README shows them.

mod gui;

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::json;

use gui::{Gui, Nothing, PythonScim, WithSettings, WithToken, WAIT};

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
    // The loopback address is not offered as ready to paste: Okta's cloud cannot reach it.
    gui.wait_for("[data-testid=\"reachability\"][data-verdict=\"unusable\"]")
        .await;
    gui.wait_for_text(
        "[data-field=\"SCIM connector base URL\"][data-unusable] [data-testid=\"unusable-reason\"]",
        "loopback",
    )
    .await;
    assert!(
        gui.client
            .find(Locator::Css(
                "[data-field=\"SCIM connector base URL\"] [data-copy]"
            ))
            .await
            .is_err(),
        "no copy button for a URL Okta cannot use"
    );
    gui.screenshots("onboarding-unreachable").await;
    // A host with '_' is refused where it was typed.
    let public = gui.wait_for("input[name=\"public-url\"]").await;
    public
        .send_keys("https://my_host.example.com")
        .await
        .unwrap();
    gui.click("[data-action=\"save-public-url\"]").await;
    gui.wait_for_text("[data-testid=\"public-url-error\"]", "'_'")
        .await;
    public.clear().await.unwrap();
    public.send_keys("https://scim.example.com").await.unwrap();
    gui.click("[data-action=\"save-public-url\"]").await;
    gui.wait_for("[data-testid=\"reachability\"][data-verdict=\"usable\"]")
        .await;
    gui.wait_gone("[data-testid=\"public-url-error\"]").await;
    gui.wait_for_text(
        "[data-field=\"SCIM connector base URL\"] code",
        "https://scim.example.com/scim/v2",
    )
    .await;
    gui.wait_for("[data-field=\"SCIM connector base URL\"] [data-copy]")
        .await;
    gui.wait_gone("[data-unusable]").await;
    gui.screenshots("onboarding-public-url").await;
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

    // Demo mode opens on the users table, under a banner that says the data is sample data
    // and offers a ready curl command with the demo token.
    let curl = gui
        .wait_for_text("[data-testid=\"demo-curl\"]", "Authorization: Bearer scim_")
        .await
        .text()
        .await
        .expect("the curl command");
    let base = gui
        .wait_for("[data-testid=\"base-url\"]")
        .await
        .attr("data-base-url")
        .await
        .unwrap()
        .expect("the base URL");
    assert!(curl.contains(&format!("{base}/Users?count=5")), "{curl}");
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
    gui.wait_for_text("[data-testid=\"sim-notice\"]", "never verify a step")
        .await;
    gui.screenshots("simulator").await;

    // Activity labels the simulator's requests Simulated, and only those.
    gui.nav("activity").await;
    let simulated = gui
        .wait_for_text("li.event[data-simulated=\"true\"]", "PATCH")
        .await;
    let label = simulated
        .find(Locator::Css("[data-simulated-label]"))
        .await
        .expect("the Simulated label");
    assert_eq!(label.text().await.unwrap(), "Simulated");
    assert!(label
        .attr("title")
        .await
        .unwrap()
        .unwrap_or_default()
        .contains("never verify a step"));
    let real = gui
        .wait_for("li.event.failed[data-status=\"400\"]:not([data-simulated])")
        .await;
    assert!(
        real.find(Locator::Css("[data-simulated-label]"))
            .await
            .is_err(),
        "a real request is labelled Simulated"
    );
    simulated
        .find(Locator::Css(".event-line"))
        .await
        .expect("the entry's line")
        .click()
        .await
        .expect("open the entry");
    gui.wait_for_text(
        "li.event[data-simulated=\"true\"] .attrs",
        "SCIM Console simulator",
    )
    .await;
    gui.screenshots("activity-simulated").await;
    gui.nav("users").await;
    gui.wait_for("input[name=\"text\"]")
        .await
        .send_keys("jordan.lee")
        .await
        .expect("type a search");
    gui.click(".users-view button[type=\"submit\"]").await;
    gui.wait_for("[data-user=\"jordan.lee@example.com\"][data-active=\"false\"]")
        .await;
    // The user's timeline labels the simulated requests too.
    gui.open_row("[data-user=\"jordan.lee@example.com\"]").await;
    gui.wait_for_text("aside.panel nav.tabs button", "Timeline")
        .await
        .click()
        .await
        .expect("open the timeline");
    gui.wait_for_text(
        "aside.panel .timeline li[data-simulated=\"true\"] [data-simulated-label]",
        "Simulated",
    )
    .await;
    gui.screenshot("user-simulated").await;
    gui.click("aside.panel .panel-header button").await;

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
    gui.wait_for_text("tr[data-simulator=\"true\"]", "Simulator")
        .await;
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

/// Keys as WebDriver names them.
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";
const TAB: &str = "\u{E004}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_banner_holds_a_wave_until_released_from_the_keyboard() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    // The guard trips at the third deactivation; the test's requests come through a proxy the
    // server trusts, so their address is the one the proxy names.
    let settings = &[
        ("guard-count", "2"),
        ("guard-percent", "0"),
        ("trusted-proxies", "127.0.0.1"),
    ];
    let gui = Gui::launch("guard", true, WithSettings(tx, settings)).await;
    let token = rx.await.expect("the test token");

    // A client without a valid token: the first request of the minute is logged at once, the
    // other 37 as one entry when the minute is over. Paced below its rate limit (10 a second
    // after a burst of 20), and within one minute.
    use chrono::Timelike;
    let second = chrono::Utc::now().second();
    if second >= 55 {
        tokio::time::sleep(Duration::from_secs(u64::from(61 - second))).await;
    }
    let http = reqwest::Client::new();
    let flood_started = Instant::now();
    for _ in 0..38 {
        tokio::time::sleep(Duration::from_millis(70)).await;
        let r = http
            .get(format!("{}/Users", gui.base_url))
            .bearer_auth("scim_not_a_token")
            .header("X-Forwarded-For", "203.0.113.9")
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 401);
    }

    // Deactivations over HTTP: two go through, the rest are held.
    gui.wait_for("[data-user][data-active=\"true\"]").await;
    let mut names = Vec::new();
    for row in gui
        .client
        .find_all(Locator::Css("[data-user][data-active=\"true\"]"))
        .await
        .expect("rows")
    {
        names.push(row.attr("data-user").await.unwrap().expect("userName"));
        if names.len() == 5 {
            break;
        }
    }
    assert_eq!(names.len(), 5, "{names:?}");
    let mut ids = Vec::new();
    for n in &names {
        ids.push(gui.user_id(&token, n).await);
    }
    assert_eq!(gui.set_active(&token, &ids[0], false).await, 200);
    assert_eq!(gui.set_active(&token, &ids[1], false).await, 200);
    assert_eq!(gui.set_active(&token, &ids[2], false).await, 503);
    assert_eq!(gui.set_active(&token, &ids[3], false).await, 503);

    // The banner tells how many, since when, why and from whom; nothing was changed.
    let banner = gui
        .wait_for_text("[data-testid=\"guard-banner\"]", "holding 2 deactivations")
        .await;
    let text = banner.text().await.unwrap();
    assert!(
        text.contains("The deprovisioning guard is holding 2 deactivations since")
            && text.contains("3 deactivations and deletions within 15 minutes"),
        "{text}"
    );
    assert!(
        text.contains("Okta SCIM Client 1.0.0 with the token “Okta (test)”"),
        "{text}"
    );
    assert_eq!(banner.attr("role").await.unwrap().as_deref(), Some("alert"));
    gui.wait_for(&format!(
        "[data-user=\"{}\"][data-active=\"true\"]",
        names[2]
    ))
    .await;

    // The held requests, opened and closed from the keyboard.
    gui.wait_for("[data-action=\"guard-show-held\"]")
        .await
        .send_keys(ENTER)
        .await
        .expect("Enter on Show held requests");
    for n in &names[2..4] {
        gui.wait_for_text(&format!("[data-held=\"{n}\"]"), "Deactivate")
            .await;
    }
    let row = gui
        .wait_for(&format!("[data-held=\"{}\"]", names[2]))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        row.contains("Okta SCIM Client 1.0.0") && row.contains("Okta (test)"),
        "{row}"
    );
    gui.screenshots("guard-banner").await;
    gui.keys(ESCAPE).await;
    gui.wait_gone("[data-testid=\"guard-held\"]").await;

    // Keep holding hides the banner until another request is held; the server keeps refusing.
    gui.click("[data-action=\"guard-keep\"]").await;
    gui.wait_gone("[data-testid=\"guard-banner\"]").await;
    gui.wait_for_text("[data-testid=\"guard-indicator\"]", "Guard holding 2")
        .await;
    gui.screenshot("guard-kept").await;
    // The keyboard is not lost: the sidebar's reminder has the focus.
    let focused = gui.client.active_element().await.expect("focus");
    assert_eq!(
        focused.attr("data-testid").await.unwrap().as_deref(),
        Some("guard-indicator")
    );
    assert_eq!(gui.set_active(&token, &ids[4], false).await, 503);
    gui.wait_for_text("[data-testid=\"guard-banner\"]", "holding 3 deactivations")
        .await;

    // Release: a confirm step says what happens; Esc cancels it, Tab and Enter confirm it.
    gui.wait_for("[data-action=\"guard-release\"]")
        .await
        .send_keys(ENTER)
        .await
        .expect("Enter on Release");
    let confirm = gui
        .wait_for_text(
            "[data-testid=\"guard-confirm\"]",
            "Microsoft Entra ID retries",
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        confirm.contains("Dashboard > Tasks") && confirm.contains("fresh count"),
        "{confirm}"
    );
    gui.screenshot("guard-confirm").await;
    gui.keys(ESCAPE).await;
    gui.wait_gone("[data-testid=\"guard-confirm\"]").await;
    gui.keys(ENTER).await;
    gui.wait_for("[data-testid=\"guard-confirm\"]").await;
    // The explanation has the focus, so it is read first.
    let explanation = gui.client.active_element().await.expect("focus");
    assert!(
        explanation
            .text()
            .await
            .unwrap()
            .starts_with("Release 3 held changes?"),
        "{}",
        explanation.html(false).await.unwrap()
    );
    gui.keys(TAB).await;
    let focused = gui.client.active_element().await.expect("focus");
    assert_eq!(
        focused.attr("data-action").await.unwrap().as_deref(),
        Some("guard-release-confirm"),
        "Tab from the explanation reaches the confirm button"
    );
    gui.keys(ENTER).await;
    gui.wait_gone("[data-testid=\"guard-banner\"]").await;
    gui.wait_for_text(
        "[data-testid=\"guard-released\"]",
        "Released 3 held changes",
    )
    .await;
    gui.screenshot("guard-released").await;
    // The identity provider's retry now goes through.
    assert_eq!(gui.set_active(&token, &ids[2], false).await, 200);
    gui.wait_for(&format!(
        "[data-user=\"{}\"][data-active=\"false\"]",
        names[2]
    ))
    .await;

    // Activity says what the statuses mean, and shows the folded flood with its count.
    gui.nav("activity").await;
    gui.wait_for_text(
        "li.event[data-status=\"503\"] .status-words",
        "Held by the deprovisioning guard",
    )
    .await;
    gui.wait_for_text(
        "li.event[data-status=\"401\"] .status-words",
        "No valid token",
    )
    .await;
    let deadline = flood_started + Duration::from_secs(90);
    let folded = loop {
        if let Ok(e) = gui.client.find(Locator::Css("[data-count=\"37\"]")).await {
            break e;
        }
        assert!(
            Instant::now() < deadline,
            "the folded entry of the 37 later requests never showed"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(folded.text().await.unwrap(), "×37");
    assert_eq!(
        folded.attr("title").await.unwrap().as_deref(),
        Some("37 requests in this minute from 203.0.113.9 folded into one entry")
    );
    gui.click("li.event[data-folded=\"37\"] .event-line").await;
    gui.wait_for_text("li.event[data-folded=\"37\"] .attrs", "203.0.113.9")
        .await;
    gui.screenshots("activity-folded").await;

    // The guard's settings, with their meanings; a wrong value is refused in words.
    gui.nav("settings").await;
    let count = gui.wait_for("[data-setting=\"guard-count\"] input").await;
    assert_eq!(count.prop("value").await.unwrap().as_deref(), Some("2"));
    gui.wait_for_text("[data-card=\"guard\"]", "Now it trips at more than 2")
        .await;
    // Scrolled to, as a person would: WebKitWebDriver does not scroll a field that is only
    // partly in view, and then finds it not interactable.
    gui.client
        .execute(
            "document.querySelector('[data-card=\"guard\"]').scrollIntoView({block: 'center'});",
            vec![],
        )
        .await
        .expect("scroll to the guard's settings");
    count.clear().await.expect("clear");
    count.send_keys("many").await.expect("type");
    count.send_keys(ENTER).await.expect("Enter");
    gui.wait_for_text(
        "[data-setting=\"guard-count\"] .error-text",
        "guard-count must be a whole number",
    )
    .await;
    gui.client
        .execute(
            "document.querySelector('[data-card=\"guard\"]').scrollIntoView({block: 'start'});",
            vec![],
        )
        .await
        .expect("scroll to the guard's settings");
    gui.screenshots("settings-guard").await;
    gui.close().await;
}

/// A guide left on step 3 long ago with a token Okta never used.
struct WaitingLong;
impl gui::AsyncPrepare for WaitingLong {
    async fn run(self, db: &std::path::Path) {
        let core = gui::core_at(db).await;
        let (token, _) = core
            .create_token("Okta-SCIM", scim_store::Permission::UserModify, None)
            .await
            .expect("token");
        let progress = json!({"current": 3, "token_id": token.id,
            "done": {"2": "2024-05-01T09:00:00.000Z"},
            "connect_since": "2024-05-01T09:00:00.000Z"});
        core.set_console_state("onboarding", &progress.to_string())
            .await
            .expect("progress");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_3_offers_troubleshooting_when_okta_s_first_request_does_not_come() {
    let gui = Gui::launch("troubleshooting", false, WaitingLong).await;
    gui.wait_for("[data-step=\"3\"].open").await;
    let box_ = gui
        .wait_for("[data-step=\"3\"] [data-testid=\"troubleshooting\"]")
        .await
        .text()
        .await
        .unwrap();
    for words in [
        "Could not connect",
        "Error authenticating",
        "401",
        "/scim/v2",
        "Bearer",
        "_",
        "HTTP Header",
    ] {
        assert!(box_.contains(words), "'{words}' missing from: {box_}");
    }
    gui.client
        .execute(
            "document.querySelector('[data-testid=\"troubleshooting\"]').scrollIntoView({block: 'center'});",
            vec![],
        )
        .await
        .expect("scroll to the troubleshooting box");
    gui.screenshots("onboarding-troubleshooting").await;
    gui.close().await;
}

/// A token made by the command line and a user who logged in once, before the app opens.
struct TokenAndUser(tokio::sync::oneshot::Sender<String>);
impl gui::AsyncPrepare for TokenAndUser {
    async fn run(self, db: &std::path::Path) {
        let core = gui::core_at(db).await;
        core.jit_login(
            "dana@example.com",
            "Dana",
            "Whitfield",
            None,
            &scim_store::ChangeContext::by("SAML login"),
        )
        .await
        .expect("a first login");
        let (_, secret) = core
            .create_token("okta-prod", scim_store::Permission::UserModify, None)
            .await
            .expect("token");
        let _ = self.0.send(secret);
    }
}

/// Presses Tab until the focused element matches `css` (at most `max` times).
async fn tab_to(gui: &Gui, css: &str, max: usize) {
    let script = format!(
        "return !!document.activeElement && document.activeElement.matches({});",
        serde_json::to_string(css).unwrap()
    );
    for _ in 0..max {
        if gui.client.execute(&script, vec![]).await.unwrap() == json!(true) {
            return;
        }
        gui.keys("\u{E004}").await;
    }
    panic!("Tab never reached '{css}'");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cli_token_verifies_the_guide_and_health_shows_what_the_traffic_shows() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let gui = Gui::launch("health", false, TokenAndUser(tx)).await;
    let secret = rx.await.expect("the token");
    gui.wait_for("[data-step=\"1\"].open").await;

    // The guide from the keyboard alone: Tab to step 2's header, Enter opens it; the token
    // made elsewhere is offered for use.
    tab_to(&gui, "[data-step=\"2\"] .step-head", 60).await;
    gui.keys("\u{E007}").await;
    gui.wait_for("[data-step=\"2\"].open").await;
    gui.wait_for_text("[data-testid=\"existing-tokens\"]", "okta-prod")
        .await;

    // Okta's connection test with that token verifies step 3 and says which token it was.
    let (status, _) = gui
        .okta(&secret, "GET", "/Users?startIndex=1&count=2", None)
        .await;
    assert_eq!(status, 200);
    gui.wait_for("[data-step=\"3\"][data-state=\"verified\"]")
        .await;
    tab_to(&gui, "[data-step=\"3\"] .step-head", 60).await;
    gui.keys("\u{E007}").await;
    gui.wait_for_text("[data-testid=\"verified-by\"]", "okta-prod")
        .await;

    // Okta trying to create a user in the just-in-time policy: red on step 4, with the fix.
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "new.hire@example.com", "active": true});
    let (status, _) = gui.okta(&secret, "POST", "/Users", Some(body)).await;
    assert_eq!(status, 403);
    gui.click("[data-step=\"4\"] .step-head").await;
    let note = gui
        .wait_for("[data-step=\"4\"] [data-note=\"create_refused\"][data-severity=\"error\"]")
        .await
        .text()
        .await
        .unwrap();
    assert!(note.contains("Create Users"), "{note}");
    gui.wait_for("[data-step=\"4\"][data-error=\"true\"]").await;
    gui.screenshots("onboarding-create-refused").await;

    // A refused role for Dana: the strip counts the errors, Health lists both problems.
    let id = gui.user_id(&secret, "dana@example.com").await;
    let bad = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"pantherRole": "Superuser"}}]});
    let (status, _) = gui
        .okta(&secret, "PATCH", &format!("/Users/{id}"), Some(bad))
        .await;
    assert_eq!(status, 400);
    gui.wait_for("[data-testid=\"strip-errors\"][data-count=\"2\"]")
        .await;
    gui.wait_for_text("[data-testid=\"strip-last-request\"]", "PATCH")
        .await;
    gui.wait_for("[data-testid=\"strip-token\"][data-state=\"active\"]")
        .await;
    let token = gui
        .client
        .execute(
            "return document.querySelector('[data-testid=\"strip-token\"]').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert!(token.as_str().unwrap().contains("okta-prod"), "{token}");
    gui.wait_for("[data-testid=\"strip-policy\"][data-policy=\"jit\"]")
        .await;
    gui.nav("health").await;
    gui.wait_for("[data-testid=\"health-page\"]").await;
    gui.wait_for("[data-finding=\"create_refused\"][data-severity=\"error\"]")
        .await;
    let role = gui
        .wait_for("[data-finding=\"refused_role\"][data-severity=\"warning\"]")
        .await
        .text()
        .await
        .unwrap();
    assert!(role.contains("Superuser"), "{role}");
    gui.screenshots("health").await;

    // One click (and a confirmation) defines the role; the finding goes.
    gui.click("[data-finding=\"refused_role\"] [data-finding-action=\"add_role\"]")
        .await;
    gui.wait_for("[data-testid=\"confirm-dialog\"]").await;
    gui.click("[data-testid=\"confirm-ok\"]").await;
    gui.wait_gone("[data-finding=\"refused_role\"]").await;
    gui.wait_for("[data-finding=\"create_refused\"]").await;

    // The zoom keys: Ctrl+= zooms in a step, Ctrl+0 goes back to 100 %.
    gui.keys("\u{E009}=\u{E000}").await;
    gui.wait_for("html[data-zoom=\"110\"]").await;
    gui.keys("\u{E009}0\u{E000}").await;
    gui.wait_for("html[data-zoom=\"100\"]").await;
    gui.close().await;
}

/// 400 of Okta's requests in the log (more than Activity's first page) and a token; the app
/// opens this database in demo mode (with its sample week on top).
struct BusyLog(tokio::sync::oneshot::Sender<String>);
impl gui::AsyncPrepare for BusyLog {
    async fn run(self, db: &std::path::Path) {
        let store = scim_store::open(&db.to_string_lossy())
            .await
            .expect("open the database");
        let core = scim_server::core::Core::new(store.clone())
            .await
            .expect("core");
        let (token, secret) = core
            .create_token("okta-prod", scim_store::Permission::UserModify, None)
            .await
            .expect("token");
        let now = chrono::Utc::now();
        let events: Vec<scim_store::NewEvent> = (0..400)
            .map(|i| scim_store::NewEvent {
                at: scim_store::format_time(now - chrono::Duration::minutes(900 - i)),
                token_name: Some("okta-prod".into()),
                token_id: Some(token.id),
                client: Some("Okta SCIM Client 1.0.0".into()),
                method: "GET".into(),
                path: format!("/scim/v2/Users?filter=userName%20eq%20%22old{i}%40example.com%22"),
                status: 200,
                count: 1,
                ..Default::default()
            })
            .collect();
        store.append_events(&events).await.expect("events");
        let _ = self.0.send(secret);
    }
}

/// Reads `data-user` of every rendered row, in order.
async fn row_users(gui: &Gui) -> Vec<String> {
    let v = gui
        .client
        .execute(
            "return [...document.querySelectorAll('[data-user]')].map(e => e.getAttribute('data-user'));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn investigations_page_back_sort_and_see_changes_from_elsewhere() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let gui = Gui::launch("investigate", true, BusyLog(tx)).await;
    let secret = rx.await.expect("the token");

    // A refused role, with the bodies kept.
    let id = gui.user_id(&secret, "ava.dubois@example.com").await;
    let (status, _) = gui
        .okta(&secret, "GET", &format!("/Users/{id}"), None)
        .await;
    assert_eq!(status, 200);
    let bad = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "pantherRole", "value": "Superuser"}]});
    let (status, _) = gui
        .okta(&secret, "PATCH", &format!("/Users/{id}"), Some(bad))
        .await;
    assert_eq!(status, 400);

    // Activity: the newest page of all that match, then older ones by keyset.
    gui.nav("activity").await;
    let count = gui
        .wait_for("[data-testid=\"activity-count\"][data-shown=\"300\"]")
        .await;
    let total: u64 = count
        .attr("data-total")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total > 400, "{total}");
    gui.click("[data-testid=\"load-older\"]").await;
    gui.wait_for(&format!(
        "[data-testid=\"activity-count\"][data-shown=\"{}\"]",
        total.min(600)
    ))
    .await;
    gui.wait_for_text("li.event", "Lookup old0@example.com")
        .await;

    // The refused request's bodies, with Copy and Copy as curl; reads hidden leave it in view.
    gui.click("input[name=\"hide-reads\"]").await;
    let refused = gui
        .wait_for_text(
            "li.event",
            "Refused role 'Superuser' for ava.dubois@example.com",
        )
        .await;
    refused.click().await.expect("open the entry");
    let request = gui
        .wait_for_text("[data-testid=\"request-body\"]", "Superuser")
        .await;
    assert!(gui.text(&request).await.contains("pantherRole"));
    gui.wait_for_text("[data-testid=\"response-body\"]", "invalidValue")
        .await;
    gui.wait_for("[data-copy=\"curl\"]").await;
    gui.wait_for("[data-copy=\"request-body\"]").await;
    gui.screenshots("activity-detail").await;

    // Users: sorted by userName, then back; by default the latest change first.
    gui.nav("users").await;
    gui.wait_for("[data-user]").await;
    gui.click("button[data-sort=\"user_name\"]").await;
    gui.wait_for("[data-col=\"user_name\"][aria-sort=\"ascending\"]")
        .await;
    let deadline = Instant::now() + WAIT;
    let up = loop {
        let rows = row_users(&gui).await;
        let mut sorted = rows.clone();
        sorted.sort();
        if !rows.is_empty() && rows == sorted {
            break rows;
        }
        assert!(Instant::now() < deadline, "never sorted: {rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    gui.click("button[data-sort=\"user_name\"]").await;
    gui.wait_for("[data-col=\"user_name\"][aria-sort=\"descending\"]")
        .await;
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = row_users(&gui).await;
        if rows.first() > up.first() && rows.first() >= rows.last() {
            break;
        }
        assert!(Instant::now() < deadline, "never reversed: {rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    gui.click("button[data-sort=\"last_modified\"]").await;
    gui.wait_for("[data-col=\"last_modified\"][aria-sort=\"descending\"]")
        .await;
    gui.screenshots("users-sorted").await;

    // A user made by another process (as `scim-console user jit` makes one) appears with no
    // click, at the top: the latest change.
    let other = gui::core_at(&gui.db).await;
    other
        .jit_login(
            "from.the.cli@example.com",
            "From",
            "Cli",
            None,
            &scim_store::ChangeContext::by("scim-console"),
        )
        .await
        .expect("a login elsewhere");
    gui.wait_for("[data-user=\"from.the.cli@example.com\"]")
        .await;
    assert_eq!(
        row_users(&gui).await.first().map(String::as_str),
        Some("from.the.cli@example.com")
    );

    // Deactivated in the console: in the user's timeline, as the console's change.
    gui.click("[data-user=\"from.the.cli@example.com\"]").await;
    gui.wait_for_text("aside.panel button", "Deactivate")
        .await
        .click()
        .await
        .expect("deactivate");
    if let Ok(ok) = gui
        .client
        .wait()
        .at_most(Duration::from_secs(2))
        .for_element(Locator::Css("[data-testid=\"confirm-ok\"]"))
        .await
    {
        ok.click().await.expect("confirm");
    }
    gui.wait_for("[data-user=\"from.the.cli@example.com\"][data-active=\"false\"]")
        .await;
    gui.wait_for_text("aside.panel nav.tabs button", "Timeline")
        .await
        .click()
        .await
        .expect("open the timeline");
    let entry = gui
        .wait_for("aside.panel .timeline li[data-actor=\"console\"]")
        .await;
    assert!(gui.text(&entry).await.contains("Deactivated"));
    gui.wait_for("aside.panel .timeline li[data-actor=\"login\"]")
        .await;
    gui.screenshot("user-timeline").await;
    gui.close().await;
}

/// Groups arriving from Okta's Push Groups appear live with their members and the role their
/// name grants; a member's page says its role comes from the group; under just-in-time
/// provisioning the view says what to turn off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_arrive_live_with_roles_from_their_names() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let gui = Gui::launch(
        "groups",
        false,
        WithSettings(
            tx,
            &[
                ("provisioning", "full"),
                ("org-name", "acme"),
                ("group-role-pattern", "BigPanda_{org}_BPRole_{role}"),
            ],
        ),
    )
    .await;
    let secret = rx.await.expect("the token");
    gui.nav("groups").await;
    gui.wait_for_text("[data-testid=\"groups-empty\"]", "Push Groups")
        .await;
    gui.wait_for_text(
        "[data-testid=\"role-pattern\"]",
        "BigPanda_{org}_BPRole_{role}",
    )
    .await;

    // Okta pushes users, then a group with them, while the view is open.
    let okta = scim_client::okta::client(&gui.base_url, &secret).expect("client");
    for (u, given) in [("ann@example.com", "Ann"), ("bob@example.com", "Bob")] {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": u, "name": {"givenName": given, "familyName": "Tester"},
            "displayName": format!("{given} Tester"), "active": true});
        let (status, _) = gui.okta(&secret, "POST", "/Users", Some(body)).await;
        assert_eq!(status, 201);
    }
    let pushed = scim_client::okta::push_group(
        &okta,
        "BigPanda_acme_BPRole_Analyst",
        &["ann@example.com".to_owned(), "bob@example.com".to_owned()],
    )
    .await
    .expect("push");
    assert!(pushed.ok, "{}", pushed.outcome);
    let row = "tr[data-group=\"BigPanda_acme_BPRole_Analyst\"]";
    gui.wait_for(&format!("{row} [data-col=\"members\"][data-count=\"2\"]"))
        .await;
    gui.wait_for_text(&format!("{row} [data-col=\"role\"]"), "Analyst")
        .await;
    // A removal shows live too.
    let removed = scim_client::okta::remove_from_group(
        &okta,
        "BigPanda_acme_BPRole_Analyst",
        "bob@example.com",
    )
    .await
    .expect("removal");
    assert!(removed.ok, "{}", removed.outcome);
    gui.wait_for(&format!("{row} [data-col=\"members\"][data-count=\"1\"]"))
        .await;
    gui.screenshots("groups").await;

    // The group's page: its member and its timeline.
    gui.click(row).await;
    gui.wait_for("[data-testid=\"group-page\"]").await;
    gui.wait_for("[data-testid=\"group-members\"] tr[data-user=\"ann@example.com\"]")
        .await;
    gui.wait_for("[data-testid=\"group-timeline\"] li[data-added=\"2\"]")
        .await;
    gui.screenshots("group-page").await;

    // Ann's page: her groups, and her role from the group.
    gui.click("[data-testid=\"group-members\"] tr[data-user=\"ann@example.com\"]")
        .await;
    gui.wait_for("[data-testid=\"user-groups\"] li[data-group-id]")
        .await;
    gui.wait_for_text(
        "[data-testid=\"role-source\"][data-kind=\"group\"]",
        "BigPanda_acme_BPRole_Analyst",
    )
    .await;
    gui.screenshots("user-groups").await;
    gui.close().await;
}

/// The Connect Microsoft Entra ID guide from Entra's Test Connection to connected, from the
/// keyboard where a person would use it; then the simulator plays Entra provisioning a group
/// and Okta pushing one while the Groups view is open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_guide_verifies_and_the_simulator_pushes_groups_live() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let gui = Gui::launch(
        "entra",
        false,
        WithSettings(
            tx,
            &[
                ("provisioning", "full"),
                ("org-name", "acme"),
                ("group-role-pattern", "BigPanda_{org}_BPRole_{role}"),
            ],
        ),
    )
    .await;
    let secret = rx.await.expect("the token");
    gui.nav("onboarding").await;
    gui.click("[data-testid=\"guide-entra\"]").await;
    let guide = "[data-testid=\"entra-guide\"]";
    gui.wait_for(&format!("{guide} [data-step=\"3\"][data-state=\"todo\"]"))
        .await;

    // The naming preview, and a name tried in it.
    gui.click(&format!("{guide} [data-step=\"5\"] .step-head"))
        .await;
    gui.wait_for_text(
        "[data-testid=\"naming-preview\"]",
        "BigPanda_acme_BPRole_Analyst",
    )
    .await;

    // Entra's Test Connection with a token made by the command line verifies step 3.
    let entra = scim_client::entra::client(&gui.base_url, &secret).expect("client");
    let t = scim_client::entra::test_connection(&entra)
        .await
        .expect("test");
    assert!(t.ok, "{}", t.outcome);
    gui.wait_for(&format!(
        "{guide} [data-step=\"3\"][data-state=\"verified\"]"
    ))
    .await;
    gui.click(&format!("{guide} [data-step=\"3\"] .step-head"))
        .await;
    gui.wait_for_text(
        "[data-testid=\"entra-test-connection\"]",
        "filter=userName eq",
    )
    .await;
    gui.screenshots("entra-test-connection").await;

    // Its first user: the guide says Entra is connected.
    let u = scim_client::entra::create_user(&entra, "mia@example.com", "Mia", "Lee")
        .await
        .expect("create");
    assert!(u.ok, "{}", u.outcome);
    gui.wait_for("[data-testid=\"entra-connected\"]").await;
    gui.screenshots("entra-connected").await;

    // The simulator plays Entra provisioning a group with Mia in it.
    gui.nav("simulator").await;
    gui.click("[data-testid=\"sim-idp-entra\"]").await;
    let name = gui.wait_for("input[name=\"sim-group\"]").await;
    name.clear().await.unwrap();
    name.send_keys("BigPanda_acme_BPRole_Analyst")
        .await
        .unwrap();
    let members = gui.wait_for("textarea[name=\"sim-members\"]").await;
    members.clear().await.unwrap();
    members.send_keys("mia@example.com").await.unwrap();
    gui.click("[data-sim=\"entra_group\"]").await;
    gui.wait_for("[data-testid=\"sim-group\"][data-members=\"1\"]")
        .await;
    gui.screenshots("simulator-entra-group").await;

    // With the Groups view open, the simulator pushes another group as Okta: it appears live.
    gui.nav("groups").await;
    gui.wait_for(
        "tr[data-group=\"BigPanda_acme_BPRole_Analyst\"] [data-col=\"members\"][data-count=\"1\"]",
    )
    .await;
    let pushed = gui
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__
               .invoke('simulate', {action: {action: 'push_group', name: 'Engineering', members: ['mia@example.com']}})
               .then((r) => done(r.ok), (e) => done(String(e)));",
            vec![],
        )
        .await
        .expect("the simulator's push");
    assert_eq!(pushed, json!(true), "{pushed}");
    gui.wait_for("tr[data-group=\"Engineering\"] [data-col=\"members\"][data-count=\"1\"]")
        .await;
    gui.wait_for_text("tr[data-group=\"Engineering\"] [data-col=\"role\"]", "—")
        .await;

    // For support: Entra's checks from the Health page, with writes, then the support bundle.
    gui.nav("health").await;
    gui.click("input[name=\"check-profile\"][value=\"entra\"]")
        .await;
    gui.click("input[name=\"check-writes\"]").await;
    gui.click("[data-action=\"run-checks\"]").await;
    let report = gui
        .wait_for("[data-testid=\"check-report\"][data-failed=\"0\"]")
        .await;
    let passed: u32 = report
        .attr("data-passed")
        .await
        .unwrap()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    assert!(passed >= 10, "{passed} checks passed");
    gui.client
        .execute(
            "document.querySelector('[data-testid=\"checks\"]').scrollIntoView({block: 'start'});",
            vec![],
        )
        .await
        .expect("scroll to the checks");
    gui.screenshots("checks").await;
    gui.click("[data-action=\"support-bundle\"]").await;
    gui.wait_for("[data-testid=\"bundle-result\"]").await;
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(&gui.downloads)
        .expect("the Downloads folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    let json = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("the bundle's JSON");
    assert!(files
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "md")));
    let bundle = std::fs::read_to_string(json).expect("read the bundle");
    assert!(!bundle.contains(&secret), "a token secret in the bundle");
    let v: serde_json::Value = serde_json::from_str(&bundle).expect("JSON");
    assert_eq!(v["check"]["profile"], "entra");
    gui.close().await;
}

/// Creates a user over SCIM as an identity provider would.
async fn post_user(c: &scim_client::ScimClient, name: &str) {
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name, "active": true, "name": {"givenName": "Sam", "familyName": "Doe"},
        "emails": [{"value": name, "primary": true}]});
    let x = c
        .send("POST".parse().unwrap(), "/Users", Some(body))
        .await
        .unwrap();
    assert_eq!(x.status, 201, "{x:?}");
}

/// Types `text` into the form field called `name` (cleared first).
async fn fill(gui: &Gui, name: &str, text: &str) {
    let field = gui.wait_for(&format!("[name=\"{name}\"]")).await;
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_staff_see_a_remote_server_live_and_a_foreign_one_imported_and_checked() {
    // A second, headless SCIM Console server (the server `scim-console serve` runs) with users.
    let remote_dir = tempfile::tempdir().unwrap();
    let (server, serve) =
        scim_console_core::embedded::start(scim_console_core::embedded::StartOptions {
            demo: false,
            db: Some(
                remote_dir
                    .path()
                    .join("remote.db")
                    .to_string_lossy()
                    .into_owned(),
            ),
            listen: Some("127.0.0.1:0".to_owned()),
            history: false,
        })
        .await
        .expect("the remote server");
    tokio::spawn(serve);
    server.set_setting("provisioning", "full").await.unwrap();
    server.set_setting("rate-limit", "off").await.unwrap();
    let (_, admin) = server
        .core
        .create_token("support", scim_store::Permission::Admin, None)
        .await
        .unwrap();
    let (_, okta) = server
        .core
        .create_token("okta", scim_store::Permission::UserModify, None)
        .await
        .unwrap();
    let okta = scim_client::okta::client(&server.base_url, &okta).unwrap();
    for name in ["rhea@example.com", "sol@example.com"] {
        post_user(&okta, name).await;
    }

    let gui = Gui::launch("connections", false, Nothing).await;
    gui.wait_for("[data-testid=\"connection\"][data-kind=\"embedded\"]")
        .await;
    gui.nav("connections").await;
    // No keychain on this headless machine: the page says so before a token is typed.
    gui.wait_for("[data-testid=\"keychain-note\"]").await;
    gui.click("input[name=\"connection-kind\"][value=\"remote\"]")
        .await;
    fill(&gui, "connection-name", "prod").await;
    fill(&gui, "connection-url", &server.base_url).await;
    fill(&gui, "connection-token", "not-the-token").await;
    gui.click("[data-action=\"add-connection\"]").await;
    gui.wait_for_text(
        "[data-testid=\"add-connection\"] .error-box[data-code=\"unauthorized\"]",
        "not valid",
    )
    .await;
    fill(&gui, "connection-token", &admin).await;
    gui.click("[data-action=\"add-connection\"]").await;
    gui.wait_for("[data-testid=\"connection\"][data-kind=\"remote\"][data-name=\"prod\"]")
        .await;
    gui.wait_for_text("[data-testid=\"connection\"]", "Live")
        .await;
    let saved = std::fs::read_to_string(gui.db.parent().unwrap().join("connections.json"))
        .expect("the saved connections");
    assert!(saved.contains("prod") && !saved.contains(&admin), "{saved}");

    // Every screen reads that server: its users, and one created there appears live.
    gui.nav("users").await;
    gui.wait_for("[data-user=\"rhea@example.com\"]").await;
    gui.wait_for("[data-user=\"sol@example.com\"]").await;
    post_user(&okta, "live@example.com").await;
    gui.wait_for("[data-user=\"live@example.com\"]").await;
    gui.screenshots("remote-users").await;

    // Okta's checks against the connected server, rendered as a checklist.
    gui.nav("health").await;
    gui.click("input[name=\"check-profile\"][value=\"okta\"]")
        .await;
    gui.click("[data-action=\"run-checks\"]").await;
    gui.wait_for("[data-testid=\"check-report\"][data-failed=\"0\"]")
        .await;

    // The server goes away: the sidebar says so. It comes back on the same address, and the
    // window follows it again on its own, a change made there meanwhile included.
    let addr = server
        .base_url
        .trim_start_matches("http://")
        .trim_end_matches("/scim/v2")
        .to_owned();
    let db = server.db.clone();
    server.shutdown().await;
    drop(server);
    gui.wait_for("[data-testid=\"connection-link\"][data-live=\"false\"]")
        .await;
    gui.nav("users").await;
    gui.screenshots("remote-reconnecting").await;
    let (server, serve) =
        scim_console_core::embedded::start(scim_console_core::embedded::StartOptions {
            demo: false,
            db: Some(db),
            listen: Some(addr),
            history: false,
        })
        .await
        .expect("the remote server again");
    tokio::spawn(serve);
    post_user(&okta, "back@example.com").await;
    gui.wait_for("[data-testid=\"connection-link\"][data-live=\"true\"]")
        .await;
    gui.wait_for("[data-user=\"back@example.com\"]").await;
    drop(server);

    // A foreign server: the python scim2-server from PyPI, its token kept in a private file.
    let python = PythonScim::start().await;
    let foreign = scim_client::ScimClient::new(&python.base_url, &python.token, "test").unwrap();
    for name in ["ines@vendor.example", "joao@vendor.example"] {
        post_user(&foreign, name).await;
    }
    let token_file = gui.db.parent().unwrap().join("vendor.token");
    gui.nav("connections").await;
    gui.click("input[name=\"connection-kind\"][value=\"foreign\"]")
        .await;
    fill(&gui, "connection-name", "vendor").await;
    fill(&gui, "connection-url", &python.base_url).await;
    fill(&gui, "connection-token", &python.token).await;
    let keep = gui.wait_for("select[name=\"connection-keep\"]").await;
    keep.select_by_value("file").await.expect("keep in a file");
    fill(&gui, "connection-file", token_file.to_str().unwrap()).await;
    gui.click("[data-action=\"add-connection\"]").await;
    gui.wait_for("[data-testid=\"connection\"][data-kind=\"foreign\"][data-name=\"vendor\"]")
        .await;
    gui.wait_for("[data-connection=\"vendor\"]").await;
    gui.screenshots("connections").await;
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file)
            .expect("the token file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    gui.nav("users").await;
    gui.wait_for("[data-foreign-user=\"ines@vendor.example\"]")
        .await;
    gui.wait_for("[data-foreign-user=\"joao@vendor.example\"]")
        .await;
    // A change there shows at the next read, highlighted.
    post_user(&foreign, "kemal@vendor.example").await;
    gui.click("[data-action=\"foreign-refresh\"]").await;
    gui.wait_for("[data-foreign-user=\"kemal@vendor.example\"][data-change=\"added\"]")
        .await;
    gui.wait_for("[data-foreign-user=\"ines@vendor.example\"][data-change=\"\"]")
        .await;
    gui.screenshots("foreign-users").await;

    // Its checks, read-only: the report is rendered, whatever it finds.
    gui.nav("health").await;
    gui.click("input[name=\"check-profile\"][value=\"rfc\"]")
        .await;
    gui.click("[data-action=\"run-checks\"]").await;
    gui.wait_for_text("[data-testid=\"check-report\"]", "passed")
        .await;
    gui.screenshots("foreign-checks").await;

    // Back to this computer's own server.
    let select = gui.wait_for("[data-testid=\"connection-select\"]").await;
    select.select_by_value("").await.expect("this computer");
    gui.wait_for("[data-testid=\"connection\"][data-kind=\"embedded\"]")
        .await;
    gui.nav("users").await;
    gui.wait_gone("[data-user=\"rhea@example.com\"]").await;
    gui.close().await;
}
