//! The app window under test: the built binary on its own Xvfb display, driven over
//! WebDriver (tauri-driver + WebKitWebDriver). Shared by the end-to-end tests and the GUI
//! benchmark.
//!
//! Needs `Xvfb`, `WebKitWebDriver` (Debian: xvfb, webkit2gtk-driver) and `tauri-driver`
//! (`cargo install tauri-driver --locked`); `.ci/test` installs them.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// The window's size, as tauri.conf.json gives it.
pub const WINDOW: (u32, u32) = (1200, 780);

/// Generous: the latency itself is measured by the benchmark, not here.
pub const WAIT: Duration = Duration::from_secs(30);

pub fn find_program(name: &str) -> PathBuf {
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

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn terminate(child: &mut Child) {
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
pub struct Gui {
    pub client: Client,
    driver: Child,
    xvfb: Child,
    display: String,
    _dir: tempfile::TempDir,
    pub db: PathBuf,
    /// Where the app writes its log files (its data folder is the test's temp dir).
    pub log_dir: PathBuf,
    /// The app's Downloads folder (exports and support bundles go there).
    pub downloads: PathBuf,
    pub base_url: String,
    pub name: &'static str,
    /// When the WebDriver session (which starts the app) was asked for.
    pub launched_at: SystemTime,
}

impl Drop for Gui {
    fn drop(&mut self) {
        terminate(&mut self.driver);
        terminate(&mut self.xvfb);
    }
}

impl Gui {
    /// Starts the app on a new database; `prepare` may put things into it first.
    pub async fn launch(name: &'static str, demo: bool, prepare: impl AsyncPrepare) -> Gui {
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

        let config = dir.path().join("config");
        std::fs::create_dir_all(&config).expect("config folder");
        std::fs::write(
            config.join("user-dirs.dirs"),
            format!(
                "XDG_DOWNLOAD_DIR=\"{}\"\n",
                dir.path().join("Downloads").display()
            ),
        )
        .expect("user-dirs.dirs");
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
        // The app's log files (and WebKit's data) go into the test's folder, not the home.
        .env("XDG_DATA_HOME", dir.path())
        // So do exports: the Downloads folder is named in the test's own user-dirs.dirs.
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env_remove("SCIM_CONSOLE_DEMO")
        // Saved connections go into the test's folder; like a headless Linux, no session bus
        // and so no keychain (the app keeps secrets for the session, or in a chosen file).
        .env(
            "SCIM_CONSOLE_CONNECTIONS",
            dir.path().join("connections.json"),
        )
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove(scim_console_cli::profiles::KEYCHAIN_ENV)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if demo {
            cmd.env("SCIM_CONSOLE_DEMO", "1");
        }
        let driver = cmd.spawn().expect("start tauri-driver");
        // tauri-driver listens at once but starts WebKitWebDriver on the native port beside
        // it; a session asked for before that one listens fails.
        let deadline = Instant::now() + Duration::from_secs(20);
        for (p, what) in [(port, "tauri-driver"), (native, "WebKitWebDriver")] {
            while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
                assert!(Instant::now() < deadline, "{what} did not start listening");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".to_owned(),
            json!({"application": env!("CARGO_BIN_EXE_scim-console-app")}),
        );
        let launched_at = SystemTime::now();
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
            display,
            log_dir: dir.path().join("dev.scimconsole.app").join("logs"),
            downloads: dir.path().join("Downloads"),
            _dir: dir,
            db,
            base_url: String::new(),
            name,
            launched_at,
        };
        let info = gui.wait_for("[data-base-url]").await;
        gui.base_url = info
            .attr("data-base-url")
            .await
            .expect("attribute")
            .expect("the base URL");
        gui
    }

    pub async fn wait_for(&self, css: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .client
                .wait()
                .at_most(left)
                .for_element(Locator::Css(css))
                .await
            {
                Ok(e) => return e,
                // A live update replaced the element while WebKitWebDriver was reading it:
                // look again.
                Err(e) if Instant::now() < deadline && e.to_string().contains("Stale element") => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => {
                    self.screenshot(&format!("failed-{}", self.name)).await;
                    panic!("{}: '{css}' never appeared: {e}", self.name)
                }
            }
        }
    }

    /// Waits until `css` matches an element whose text contains `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            for e in self
                .client
                .find_all(Locator::Css(css))
                .await
                .unwrap_or_default()
            {
                if self.text(&e).await.contains(text) {
                    return e;
                }
            }
            if Instant::now() >= deadline {
                self.screenshot(&format!("failed-{}", self.name)).await;
                let mut seen = Vec::new();
                for e in self
                    .client
                    .find_all(Locator::Css(css))
                    .await
                    .unwrap_or_default()
                {
                    seen.push(self.text(&e).await);
                }
                panic!(
                    "{}: no '{css}' with the text '{text}' appeared; seen: {seen:?}",
                    self.name
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text an element shows (`innerText`: what is rendered, laid out as it reads).
    /// WebKitWebDriver's own element text comes back empty for some rendered elements.
    pub async fn text(&self, e: &Element) -> String {
        self.client
            .execute(
                "return arguments[0].innerText;",
                vec![serde_json::to_value(e).expect("an element reference")],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Waits until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        while self.client.find(Locator::Css(css)).await.is_ok() {
            if Instant::now() >= deadline {
                self.screenshot(&format!("failed-{}", self.name)).await;
                panic!("{}: '{css}' never went away", self.name);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends keys to the focused element, as a person typing does.
    pub async fn keys(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .unwrap_or_else(|e| panic!("{}: no focused element: {e}", self.name))
            .send_keys(keys)
            .await
            .unwrap_or_else(|e| panic!("{}: keys {keys:?}: {e}", self.name));
    }

    /// Clicks a users-table row until its panel is open: under load a live refresh can
    /// re-render the row between WebDriver finding it and clicking it. The panel must then stay.
    pub async fn open_row(&self, css: &str) {
        for attempt in 0..3 {
            if let Ok(row) = self.client.find(Locator::Css(css)).await {
                let _ = row.click().await;
            }
            let opened = self
                .client
                .wait()
                .at_most(Duration::from_secs(3))
                .for_element(Locator::Css("aside.panel"))
                .await
                .is_ok();
            if opened {
                if attempt > 0 {
                    eprintln!("{}: the row opened on click {}", self.name, attempt + 1);
                }
                tokio::time::sleep(Duration::from_millis(1500)).await;
                if self.client.find(Locator::Css("aside.panel")).await.is_err() {
                    self.screenshot(&format!("failed-{}", self.name)).await;
                    panic!("{}: the user's panel closed on its own", self.name);
                }
                return;
            }
        }
        self.screenshot(&format!("failed-{}", self.name)).await;
        panic!("{}: clicking '{css}' never opened its panel", self.name);
    }

    /// Resizes the window (the display is 1,280 × 800).
    pub async fn set_width(&self, width: u32) {
        self.client
            .set_window_size(width, WINDOW.1)
            .await
            .unwrap_or_else(|e| panic!("{}: resize to {width}: {e}", self.name));
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    /// Saves what the window shows as `file`, then as `file-1000` and `file-1280` at those
    /// widths, and gives the window its size back.
    pub async fn screenshots(&self, file: &str) {
        self.screenshot(file).await;
        for width in [1000, 1280] {
            self.set_width(width).await;
            self.screenshot(&format!("{file}-{width}")).await;
        }
        self.set_width(WINDOW.0).await;
    }

    pub async fn click(&self, css: &str) {
        // A live update can replace the element between finding and clicking it (WebKitWebDriver
        // then answers with a stale-element error, sometimes with no message): find it again.
        // WebKitWebDriver also fails to click an element below the visible part of the page:
        // it is scrolled into view first.
        let mut last = String::new();
        for _ in 0..5 {
            let e = self.wait_for(css).await;
            if let Ok(arg) = serde_json::to_value(&e) {
                let _ = self
                    .client
                    .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
                    .await;
            }
            match e.click().await {
                Ok(_) => return,
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.screenshot(&format!("failed-{}", self.name)).await;
        panic!("{}: click '{css}': {last}", self.name);
    }

    pub async fn nav(&self, view: &str) {
        self.click(&format!("[data-nav=\"{view}\"]")).await;
    }

    /// Saves what the window shows; call it once the expected content is there.
    pub async fn screenshot(&self, file: &str) {
        // A capture right after a DOM change can show the previous frame.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = std::env::var_os("SCREENSHOTS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"));
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{file}.png")), png).expect("save screenshot");
    }

    pub async fn close(self) {
        let client = self.client.clone();
        let _ = client.close().await;
        drop(self);
    }

    /// Asks the app's window to close as a window manager's close button does (the
    /// WM_DELETE_WINDOW message), so the app quits the way it does for a person. WebDriver's
    /// "close window" only destroys the webview, and the driver then kills the app.
    pub fn close_window_like_a_person(&self) {
        use std::ffi::{CStr, CString};
        use x11_dl::xlib;
        let x = xlib::Xlib::open().expect("libX11");
        let display = CString::new(self.display.as_str()).expect("display name");
        let mut sent = 0;
        // SAFETY: plain Xlib calls on a display this function opens and closes; every pointer
        // Xlib hands back is checked and freed with XFree.
        unsafe {
            let d = (x.XOpenDisplay)(display.as_ptr());
            assert!(!d.is_null(), "cannot open display {}", self.display);
            let protocols = (x.XInternAtom)(d, c"WM_PROTOCOLS".as_ptr(), 0);
            let delete = (x.XInternAtom)(d, c"WM_DELETE_WINDOW".as_ptr(), 0);
            let (mut root, mut parent) = (0, 0);
            let (mut children, mut n) = (std::ptr::null_mut(), 0);
            (x.XQueryTree)(
                d,
                (x.XDefaultRootWindow)(d),
                &mut root,
                &mut parent,
                &mut children,
                &mut n,
            );
            if !children.is_null() {
                for &w in std::slice::from_raw_parts(children, n as usize) {
                    let mut title = std::ptr::null_mut();
                    if (x.XFetchName)(d, w, &mut title) == 0 || title.is_null() {
                        continue;
                    }
                    let ours = CStr::from_ptr(title).to_bytes() == b"SCIM Console";
                    (x.XFree)(title.cast());
                    if ours {
                        let mut ev: xlib::XEvent = std::mem::zeroed();
                        ev.client_message.type_ = xlib::ClientMessage;
                        ev.client_message.window = w;
                        ev.client_message.message_type = protocols;
                        ev.client_message.format = 32;
                        ev.client_message
                            .data
                            .set_long(0, delete as std::ffi::c_long);
                        (x.XSendEvent)(d, w, 0, 0, &mut ev);
                        sent += 1;
                    }
                }
                (x.XFree)(children.cast());
            }
            (x.XCloseDisplay)(d);
        }
        assert_eq!(sent, 1, "{}: the app's window was not found", self.name);
    }

    /// Waits until the app's log files hold `text`; what they hold.
    pub async fn wait_for_log(&self, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let mut all = String::new();
            for e in std::fs::read_dir(&self.log_dir)
                .into_iter()
                .flatten()
                .flatten()
            {
                all.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
            }
            if all.contains(text) {
                return all;
            }
            assert!(
                Instant::now() < deadline,
                "{}: the log files in {} never held '{text}': {all}",
                self.name,
                self.log_dir.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Okta's deactivation (or reactivation): a path-less PATCH of `active`; the status.
    pub async fn set_active(&self, token: &str, id: &str, active: bool) -> u16 {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": active}}]});
        self.okta(token, "PATCH", &format!("/Users/{id}"), Some(body))
            .await
            .0
    }

    /// One SCIM request as Okta sends it (the simulator's client).
    pub async fn okta(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let x = self
            .okta_client(token)
            .send(method.parse().expect("method"), path, body)
            .await
            .expect("SCIM request");
        (x.status, x.response.unwrap_or(Value::Null))
    }

    /// The id of the user called `user_name`, found as Okta finds it (filter on userName).
    pub async fn user_id(&self, token: &str, user_name: &str) -> String {
        let (x, found) = scim_client::okta::lookup(&self.okta_client(token), user_name)
            .await
            .expect("lookup");
        assert_eq!(x.status, 200, "lookup of {user_name}");
        found
            .and_then(|u| u["id"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("{}: no user '{user_name}'", self.name))
    }

    fn okta_client(&self, token: &str) -> scim_client::ScimClient {
        scim_client::okta::client(&self.base_url, token).expect("a SCIM client")
    }
}

/// A core of its own on the database the app opens, as the command line (or a headless server)
/// would have: what it changes, the app sees.
pub async fn core_at(db: &Path) -> std::sync::Arc<scim_server::core::Core> {
    let store = scim_store::open(&db.to_string_lossy())
        .await
        .expect("open the database");
    scim_server::core::Core::new(store).await.expect("core")
}

/// Something to do to the database before the app opens it.
pub trait AsyncPrepare {
    async fn run(self, db: &Path);
}

pub struct Nothing;
impl AsyncPrepare for Nothing {
    async fn run(self, _: &Path) {}
}

/// Creates a token in the database the app will open (as the command line would), so the
/// test can call the server as Okta; the secret comes back through the channel.
pub struct WithToken(pub tokio::sync::oneshot::Sender<String>);
impl AsyncPrepare for WithToken {
    async fn run(self, db: &Path) {
        WithSettings(self.0, &[]).run(db).await;
    }
}

/// [`WithToken`], and settings made as `scim-console config set` makes them.
pub struct WithSettings(
    pub tokio::sync::oneshot::Sender<String>,
    pub &'static [(&'static str, &'static str)],
);
impl AsyncPrepare for WithSettings {
    async fn run(self, db: &Path) {
        let core = core_at(db).await;
        for (key, value) in self.1 {
            core.set_setting(key, value)
                .await
                .unwrap_or_else(|e| panic!("set {key}: {e}"));
        }
        let (_, secret) = core
            .create_token("Okta (test)", scim_store::Permission::UserModify, None)
            .await
            .expect("token");
        let _ = self.0.send(secret);
    }
}

/// The independent python `scim2-server` (PyPI, installed by `.ci/test`) on a free port: its
/// base URL and bearer token. Stopped when dropped.
pub struct PythonScim {
    child: Child,
    pub base_url: String,
    pub token: String,
}

impl Drop for PythonScim {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

impl PythonScim {
    pub async fn start() -> PythonScim {
        let program = std::env::var("SCIM2_SERVER").unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_default();
            format!("{home}/.cache/scim-console/scim2-venv/bin/scim2-server")
        });
        assert!(
            Path::new(&program).exists(),
            "{program} is missing: run .ci/test, which installs scim2-server (or set SCIM2_SERVER)"
        );
        let port = free_port();
        let token = "python-s3cret".to_owned();
        let child = Command::new(&program)
            .args([
                "--bearer-token",
                &token,
                "--hostname",
                "127.0.0.1",
                "--port",
            ])
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scim2-server");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "scim2-server did not listen");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        PythonScim {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            token,
        }
    }
}
