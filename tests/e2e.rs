//! End-to-end tests of the real app window: the built binary under its own Xvfb display,
//! driven over WebDriver (tauri-driver + WebKitWebDriver), with real HTTP requests sent to the
//! embedded SCIM server the way Okta sends them. Each test saves screenshots of what it saw
//! (in `target/screenshots`, or `SCREENSHOTS_DIR`); the README shows them.
//!
//! Needs `Xvfb`, `WebKitWebDriver` (Debian: xvfb, webkit2gtk-driver) and `tauri-driver`
//! (`cargo install tauri-driver --locked`); `.ci/test` installs them.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

const OKTA: &str = "Okta SCIM Client 1.0.0";
/// Generous: the latency itself is measured by the benchmark, not here.
const WAIT: Duration = Duration::from_secs(30);

fn find_program(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "'{name}' is needed for the end-to-end tests and was not found. Install it: \
                 apt-get install xvfb webkit2gtk-driver; cargo install tauri-driver --locked \
                 (or run .ci/test, which does)"
            )
        })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn terminate(child: &mut Child) {
    // tauri-driver stops WebKitWebDriver (and the app) on SIGTERM, not on SIGKILL.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The app running under its own display, driven over WebDriver.
struct Gui {
    client: Client,
    driver: Child,
    xvfb: Child,
    _dir: tempfile::TempDir,
    db: PathBuf,
    base_url: String,
    name: &'static str,
}

impl Drop for Gui {
    fn drop(&mut self) {
        terminate(&mut self.driver);
        terminate(&mut self.xvfb);
    }
}

impl Gui {
    /// Starts the app on a new database; `prepare` may put things into it first.
    async fn launch(name: &'static str, demo: bool, prepare: impl AsyncPrepare) -> Gui {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("console.db");
        prepare.run(&db).await;

        let mut xvfb = Command::new(find_program("Xvfb"))
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let mut line = String::new();
        BufReader::new(xvfb.stdout.take().expect("Xvfb stdout"))
            .read_line(&mut line)
            .expect("Xvfb display number");
        let display = format!(":{}", line.trim());

        let port = free_port();
        let native = free_port();
        let mut cmd = Command::new(find_program("tauri-driver"));
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("DISPLAY", &display)
        .env("SCIM_CONSOLE_DB", &db)
        .env("SCIM_CONSOLE_LISTEN", "127.0.0.1:0")
        .env_remove("SCIM_CONSOLE_DEMO")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if demo {
            cmd.env("SCIM_CONSOLE_DEMO", "1");
        }
        let driver = cmd.spawn().expect("start tauri-driver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not start listening"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".to_owned(),
            json!({"application": env!("CARGO_BIN_EXE_scim-console-app")}),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session with the app");
        let mut gui = Gui {
            client,
            driver,
            xvfb,
            _dir: dir,
            db,
            base_url: String::new(),
            name,
        };
        let info = gui.wait_for("[data-base-url]").await;
        gui.base_url = info
            .attr("data-base-url")
            .await
            .expect("attribute")
            .expect("the base URL");
        gui
    }

    async fn wait_for(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                self.screenshot(&format!("failed-{}", self.name)).await;
                panic!("{}: '{css}' never appeared: {e}", self.name)
            }
        }
    }

    /// Waits until `css` matches an element whose text contains `text`.
    async fn wait_for_text(&self, css: &str, text: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            for e in self
                .client
                .find_all(Locator::Css(css))
                .await
                .unwrap_or_default()
            {
                if e.text().await.map(|t| t.contains(text)).unwrap_or(false) {
                    return e;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{}: no '{css}' with the text '{text}' appeared",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("{}: click '{css}': {e}", self.name));
    }

    async fn nav(&self, view: &str) {
        self.click(&format!("[data-nav=\"{view}\"]")).await;
    }

    /// Saves what the window shows; call it once the expected content is there.
    async fn screenshot(&self, file: &str) {
        // A capture right after a DOM change can show the previous frame.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = std::env::var_os("SCREENSHOTS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"));
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{file}.png")), png).expect("save screenshot");
    }

    async fn close(self) {
        let client = self.client.clone();
        let _ = client.close().await;
        drop(self);
    }

    /// One SCIM request as Okta sends it.
    async fn okta(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = reqwest::Client::new()
            .request(
                method.parse().expect("method"),
                format!("{}{path}", self.base_url),
            )
            .bearer_auth(token)
            .header("User-Agent", OKTA);
        if let Some(b) = body {
            req = req.header("Content-Type", "application/scim+json").json(&b);
        }
        let resp = req.send().await.expect("SCIM request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// Something to do to the database before the app opens it.
trait AsyncPrepare {
    async fn run(self, db: &Path);
}

struct Nothing;
impl AsyncPrepare for Nothing {
    async fn run(self, _: &Path) {}
}

/// Creates a token in the database the app will open (as the command line would), so the
/// test can call the server as Okta; the secret comes back through the channel.
struct WithToken(tokio::sync::oneshot::Sender<String>);
impl AsyncPrepare for WithToken {
    async fn run(self, db: &Path) {
        let store = scim_store::open(&db.to_string_lossy())
            .await
            .expect("open the database");
        let core = scim_server::core::Core::new(store).await.expect("core");
        let (_, secret) = core
            .create_token("Okta (test)", scim_store::Permission::UserModify, None)
            .await
            .expect("token");
        let _ = self.0.send(secret);
    }
}

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
    let _ = &gui.db;

    // Demo mode opens on the users table.
    let row = gui.wait_for("[data-user][data-active=\"true\"]").await;
    let user_name = row.attr("data-user").await.unwrap().expect("userName");
    gui.screenshot("users").await;

    // A PATCH over HTTP deactivates the user: the row changes with no reload or click.
    let filter = format!("userName eq \"{user_name}\"");
    let path = format!(
        "/Users?filter={}&startIndex=1&count=100",
        filter
            .replace(' ', "%20")
            .replace('"', "%22")
            .replace('@', "%40")
    );
    let (status, found) = gui.okta(&token, "GET", &path, None).await;
    assert_eq!(status, 200);
    let id = found["Resources"][0]["id"].as_str().expect("id").to_owned();
    let (status, _) = gui
        .okta(
            &token,
            "PATCH",
            &format!("/Users/{id}"),
            Some(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": false}}]}),
            ),
        )
        .await;
    assert_eq!(status, 200);
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
    gui.screenshot("onboarding-role").await;
    gui.nav("tokens").await;
    gui.wait_for_text("table", "Okta (test)").await;
    gui.screenshot("tokens").await;
    gui.nav("roles").await;
    gui.wait_for_text("main", "ReadOnlyAnalyst").await;
    gui.screenshot("roles").await;
    gui.nav("settings").await;
    gui.wait_for_text("main", "Provisioning policy").await;
    gui.screenshot("settings").await;
    gui.close().await;
}
