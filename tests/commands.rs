//! The desktop app's commands, invoked through Tauri's IPC on the mock runtime, against the
//! real embedded server on 127.0.0.1:0 and a real SQLite file.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::Manager;

use scim_console_app::commands::Started;
use scim_console_app::console::{Console, SHUTDOWN_WAIT};
use scim_console_app::embedded::{self, StartOptions};
use scim_console_app::logging;
use scim_console_core::connections::Connections;

struct App {
    _dir: Option<tempfile::TempDir>,
    app: tauri::App<tauri::test::MockRuntime>,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
    console: Arc<Console>,
    base_url: String,
    demo_token: String,
}

fn app_with(
    started: Started,
) -> (
    tauri::App<tauri::test::MockRuntime>,
    tauri::WebviewWindow<tauri::test::MockRuntime>,
) {
    let app = scim_console_app::build(mock_builder())
        .build(mock_context(noop_assets()))
        .expect("build the app");
    app.manage(started);
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("webview");
    (app, webview)
}

fn start() -> App {
    start_in(tempfile::tempdir().expect("temp dir"), true)
}

/// A console on the database in `dir` (a second one on the same file sees the same state).
fn start_in(dir: tempfile::TempDir, demo: bool) -> App {
    let db = dir.path().join("app.db");
    start_at(Some(dir), db, demo)
}

fn start_at(dir: Option<tempfile::TempDir>, db: std::path::PathBuf, demo: bool) -> App {
    let opts = StartOptions {
        demo,
        db: Some(db.to_string_lossy().into_owned()),
        listen: Some("127.0.0.1:0".to_owned()),
        history: false,
    };
    let (console, serve) =
        tauri::async_runtime::block_on(embedded::start(opts)).expect("start the console");
    tauri::async_runtime::spawn(serve);
    let base_url = console.base_url.clone();
    let demo_token = console
        .secrets
        .lock()
        .unwrap()
        .first()
        .map(|(_, s)| s.clone())
        .unwrap_or_default();
    let (app, webview) = app_with(Started::Running(Connections::new(console.clone(), None)));
    App {
        _dir: dir,
        app,
        webview,
        console,
        base_url,
        demo_token,
    }
}

fn invoke(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("JSON response"))
}

/// Sends one request as Okta would; returns the status and the JSON body.
fn okta(base: &str, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let client = scim_client::okta::client(base, token).expect("a SCIM client");
    let x = tauri::async_runtime::block_on(client.send(method.parse().unwrap(), path, body))
        .expect("request");
    (x.status, x.response.unwrap_or(Value::Null))
}

/// Asks for the onboarding view until `done` holds (the event log is written in batches).
fn onboarding_until(app: &App, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let v = invoke(&app.webview, "onboarding", json!({})).unwrap();
        if done(&v) {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "onboarding never showed {what}: {v:#}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn step(v: &Value, n: usize) -> &Value {
    &v["steps"][n - 1]
}

fn patch(base: &str, token: &str, id: &str, body: Value) -> u16 {
    okta(base, token, "PATCH", &format!("/Users/{id}"), Some(body)).0
}

#[test]
fn users_page_through_the_store_and_search_with_words_or_filters() {
    let app = start();
    let page = invoke(
        &app.webview,
        "list_users",
        json!({"query": {"offset": 0, "limit": 10}}),
    )
    .unwrap();
    assert_eq!(page["total"], 36);
    assert_eq!(page["rows"].as_array().unwrap().len(), 10);
    let second = invoke(
        &app.webview,
        "list_users",
        json!({"query": {"offset": 30, "limit": 10}}),
    )
    .unwrap();
    assert_eq!(second["rows"].as_array().unwrap().len(), 6);
    assert_ne!(page["rows"][0]["id"], second["rows"][0]["id"]);

    let first_name = page["rows"][0]["name"].as_str().unwrap().to_owned();
    let word = first_name.split(' ').next().unwrap().to_lowercase();
    let found = invoke(
        &app.webview,
        "list_users",
        json!({"query": {"text": word, "offset": 0, "limit": 50}}),
    )
    .unwrap();
    assert!(found["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == first_name.as_str()));
    assert!(found["total"].as_u64().unwrap() < 36);

    let inactive = invoke(
        &app.webview,
        "list_users",
        json!({"query": {"filter": "active eq false", "offset": 0, "limit": 50}}),
    )
    .unwrap();
    assert!(inactive["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["active"] == false));
    assert!(inactive["total"].as_u64().unwrap() > 0);
}

#[test]
fn a_bad_filter_is_an_error_with_a_code_and_words() {
    let app = start();
    let err = invoke(
        &app.webview,
        "list_users",
        json!({"query": {"filter": "userName eq", "offset": 0, "limit": 10}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_filter");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("The filter is not valid"),
        "{err}"
    );
}

#[test]
fn a_scim_patch_shows_in_users_events_and_the_user_timeline() {
    let app = start();
    let page = invoke(
        &app.webview,
        "list_users",
        json!({"query": {"filter": "active eq true", "offset": 0, "limit": 1}}),
    )
    .unwrap();
    let id = page["rows"][0]["id"].as_str().unwrap().to_owned();
    let status = patch(
        &app.base_url,
        &app.demo_token,
        &id,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": false}}]
        }),
    );
    assert_eq!(status, 200);
    let detail = invoke(&app.webview, "user_detail", json!({"id": id})).unwrap();
    assert_eq!(detail["row"]["active"], false);
    assert_eq!(detail["scim"]["active"], false);
    assert_eq!(detail["managed_by_idp"], true);
    // The event log is written in batches: wait for the request to arrive in it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let events = invoke(
            &app.webview,
            "list_events",
            json!({"query": {"client": "okta"}}),
        )
        .unwrap();
        if let Some(e) = events
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["method"] == "PATCH")
        {
            assert_eq!(e["status"], 200);
            assert_eq!(e["resource_id"], id.as_str());
            assert!(e["diff"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["path"] == "active"));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the PATCH never reached the event log"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The PATCH is the one request that went over HTTP.
    let minutes = invoke(&app.webview, "events_per_minute", json!({"minutes": 5})).unwrap();
    let total: u64 = minutes
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1, "{minutes}");
}

#[test]
fn an_unknown_role_from_the_console_changes_nothing() {
    let app = start();
    let page = invoke(
        &app.webview,
        "list_users",
        json!({"query": {"offset": 0, "limit": 1}}),
    )
    .unwrap();
    let row = &page["rows"][0];
    let err = invoke(
        &app.webview,
        "update_user",
        json!({"id": row["id"], "active": false, "role": "Wizard"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_value");
    let after = invoke(&app.webview, "user_detail", json!({"id": row["id"]})).unwrap();
    assert_eq!(after["row"]["active"], row["active"]);
    assert_eq!(after["row"]["role"], row["role"]);
}

#[test]
fn tokens_roles_and_settings() {
    let app = start();
    let created = invoke(
        &app.webview,
        "create_token",
        json!({"name": "Okta-SCIM", "permission": "UserModify", "expiresInDays": 7}),
    )
    .unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("scim_"));
    assert_eq!(created["token"]["state"], "expiring");
    let bad = invoke(
        &app.webview,
        "create_token",
        json!({"name": "x", "permission": "Everything"}),
    )
    .unwrap_err();
    assert_eq!(bad["code"], "invalid_value");
    let dup = invoke(
        &app.webview,
        "create_token",
        json!({"name": "okta-scim", "permission": "UserRead"}),
    )
    .unwrap_err();
    assert_eq!(dup["code"], "conflict");
    let tokens = invoke(&app.webview, "list_tokens", json!({})).unwrap();
    let listed = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Okta-SCIM")
        .unwrap();
    assert!(
        !listed.to_string().contains(secret),
        "a secret is never listed"
    );
    let revoked = invoke(&app.webview, "revoke_token", json!({"name": "Okta-SCIM"})).unwrap();
    assert_eq!(revoked["state"], "revoked");

    let roles = invoke(&app.webview, "add_role", json!({"name": "Auditor"})).unwrap();
    assert!(roles["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "Auditor" && r["builtin"] == false));
    let removed = invoke(&app.webview, "remove_role", json!({"name": "Admin"})).unwrap_err();
    assert_eq!(removed["code"], "invalid_value");

    // Okta rejects base URLs with '_': such a URL is never saved.
    let refused = invoke(
        &app.webview,
        "set_setting",
        json!({"key": "public-url", "value": "https://my_host.example.com"}),
    )
    .unwrap_err();
    assert!(
        refused["message"].as_str().unwrap().contains("'_'"),
        "{refused}"
    );
    let settings = invoke(
        &app.webview,
        "set_setting",
        json!({"key": "public-url", "value": "http://scim.example.com"}),
    )
    .unwrap();
    assert!(
        settings["url_warnings"].to_string().contains("HTTPS"),
        "{settings}"
    );
    assert_eq!(settings["tenant_url"], "http://scim.example.com/scim/v2");
    let settings = invoke(
        &app.webview,
        "set_setting",
        json!({"key": "provisioning", "value": "full"}),
    )
    .unwrap();
    assert_eq!(settings["provisioning"], "full");
    let bad = invoke(
        &app.webview,
        "set_setting",
        json!({"key": "provisioning", "value": "sometimes"}),
    )
    .unwrap_err();
    assert_eq!(bad["code"], "invalid_value");
    let info = invoke(&app.webview, "app_info", json!({})).unwrap();
    assert_eq!(info["base_url"], app.base_url.as_str());
    // Demo mode hands the window the demo token for its ready curl command; it works.
    assert_eq!(info["demo_token"], app.demo_token.as_str());
    assert_eq!(
        okta(
            &app.base_url,
            &app.demo_token,
            "GET",
            "/Users?count=1",
            None
        )
        .0,
        200
    );
}

#[test]
fn a_console_that_could_not_start_says_why() {
    let (_app, webview) = app_with(Started::Failed(
        "cannot open the database /nowhere: denied".to_owned(),
    ));
    let err = invoke(
        &webview,
        "list_users",
        json!({"query": {"offset": 0, "limit": 1}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "not_started");
    assert!(err["message"].as_str().unwrap().contains("/nowhere"));
}

#[test]
fn onboarding_steps_are_verified_by_the_requests_that_arrive_and_resume_after_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_dir = dir.path().to_owned();
    let app = start_in(dir, true);
    let db_dir = db_dir.as_path();
    let v = invoke(&app.webview, "onboarding", json!({})).unwrap();
    assert_eq!(v["current"], 1);
    assert!(v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["state"] == "todo"));
    assert_eq!(v["tenant_url"], app.base_url.as_str());
    assert_eq!(v["reachability"]["verdict"], "unusable");
    let fields = |v: &Value, key: &str| -> Vec<(String, String)> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["label"].as_str().unwrap().to_owned(),
                    f["value"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let conn = fields(&v, "connection_fields");
    assert!(conn.contains(&("SCIM connector base URL".into(), app.base_url.clone())));
    assert!(conn.contains(&("Authentication Mode".into(), "HTTP Header".into())));
    assert!(conn.contains(&(
        "Supported provisioning actions".into(),
        "Push Profile Updates".into()
    )));
    assert_eq!(
        v["to_app"],
        json!(["Update User Attributes", "Deactivate Users"])
    );
    assert_eq!(
        fields(&v, "role_fields"),
        [
            ("Data type", "string"),
            ("Display name", "Panther Role"),
            ("Variable name", "pantherRole"),
            ("External name", "pantherRole"),
            (
                "External namespace",
                "urn:ietf:params:scim:schemas:core:2.0:User"
            ),
            ("Enum", "Admin, Analyst, ReadOnlyAnalyst"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(
        fields(&v, "saml_statement"),
        [
            ("Name", "PantherRole"),
            ("Name format", "Unspecified"),
            ("Value", "appuser.pantherRole")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );

    invoke(
        &app.webview,
        "onboarding_update",
        json!({"change": {"kind": "mark_done", "step": 1, "done": true}}),
    )
    .unwrap();
    let created = invoke(
        &app.webview,
        "onboarding_create_token",
        json!({"name": "Okta-SCIM", "expiresInDays": null}),
    )
    .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(created["token"]["permission"], "UserModify");
    let v = invoke(&app.webview, "onboarding", json!({})).unwrap();
    assert_eq!(step(&v, 1)["state"], "done");
    assert_eq!(step(&v, 2)["state"], "done");
    assert_eq!(v["secret"], secret.as_str());
    assert!(fields(&v, "connection_fields").contains(&("Authorization".into(), secret.clone())));
    assert_eq!(v["secret_copied"], Value::Null);
    let v = invoke(
        &app.webview,
        "onboarding_update",
        json!({"change": {"kind": "secret_copied"}}),
    )
    .unwrap();
    assert!(v["secret_copied"].is_string());

    // A request with another token does not verify the connection.
    let (status, _) = okta(
        &app.base_url,
        &app.demo_token,
        "GET",
        "/Users?startIndex=1&count=2",
        None,
    );
    assert_eq!(status, 200);
    // Okta's connector test with the onboarding token does.
    let (status, _) = okta(
        &app.base_url,
        &secret,
        "GET",
        "/Users?startIndex=1&count=2",
        None,
    );
    assert_eq!(status, 200);
    let v = onboarding_until(&app, "step 3 verified", |v| {
        step(v, 3)["state"] == "verified"
    });
    assert_eq!(step(&v, 2)["state"], "verified");
    assert_eq!(
        v["first_request"]["path"],
        "/scim/v2/Users?startIndex=1&count=2"
    );
    assert_eq!(v["first_request"]["client"], "Okta SCIM Client 1.0.0");
    assert_eq!(v["first_request"]["token_name"], "Okta-SCIM");
    assert_eq!(step(&v, 4)["state"], "todo");

    // An invalid role arrives: shown with the valid ones, the step stays open.
    let page = invoke(
        &app.webview,
        "list_users",
        json!({"query": {"offset": 0, "limit": 1}}),
    )
    .unwrap();
    let id = page["rows"][0]["id"].as_str().unwrap().to_owned();
    let (_, mut user) = okta(&app.base_url, &secret, "GET", &format!("/Users/{id}"), None);
    user["pantherRole"] = json!("Superuser");
    let (status, err) = okta(
        &app.base_url,
        &secret,
        "PUT",
        &format!("/Users/{id}"),
        Some(user.clone()),
    );
    assert_eq!(status, 400, "{err}");
    let v = onboarding_until(&app, "the invalid role", |v| v["invalid_role"].is_object());
    assert_eq!(v["invalid_role"]["role"], "Superuser");
    assert!(v["invalid_role"]["error"]
        .as_str()
        .unwrap()
        .contains("valid roles"));
    for r in ["Admin", "Analyst", "ReadOnlyAnalyst"] {
        assert!(v["valid_roles"].as_array().unwrap().contains(&json!(r)));
    }
    assert_eq!(step(&v, 5)["state"], "todo");
    assert_eq!(
        step(&v, 4)["state"],
        "todo",
        "a refused update verifies nothing"
    );
    // The refused role is a note on step 5, with the one-click fixes.
    let note = &step(&v, 5)["notes"][0];
    assert_eq!(note["code"], "refused_role", "{v:#}");
    assert_eq!(note["severity"], "warning");
    assert!(note["title"].as_str().unwrap().contains("Superuser"));
    assert!(note["actions"]
        .as_array()
        .unwrap()
        .contains(&json!({"kind": "add_role", "role": "Superuser"})));

    // A deactivation (PATCH, as Okta sends it) is shown, but is not the profile update that
    // verifies the To App settings.
    let status = patch(
        &app.base_url,
        &secret,
        &id,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "value": {"active": false}}]}),
    );
    assert_eq!(status, 200);
    let v = onboarding_until(&app, "the deactivation", |v| v["deactivation"].is_object());
    assert_eq!(v["deactivation"]["method"], "PATCH");
    assert_eq!(step(&v, 4)["state"], "todo", "a deactivation alone: {v:#}");
    assert_eq!(v["profile_update"], Value::Null);
    assert_eq!(step(&v, 5)["state"], "todo");

    // A valid role in a profile push verifies the role attribute and clears the old error.
    user["pantherRole"] = json!("admin");
    user["active"] = json!(false);
    let (status, body) = okta(
        &app.base_url,
        &secret,
        "PUT",
        &format!("/Users/{id}"),
        Some(user),
    );
    assert_eq!(status, 200, "{body}");
    let v = onboarding_until(&app, "step 5 verified", |v| {
        step(v, 5)["state"] == "verified"
    });
    assert_eq!(v["role_request"]["role"], "admin");
    assert_eq!(v["invalid_role"], Value::Null);
    // The profile push verifies the To App settings; the accepted role settles the refused one.
    assert_eq!(step(&v, 4)["state"], "verified");
    assert_eq!(v["profile_update"]["method"], "PUT");
    assert_eq!(step(&v, 5)["notes"], json!([]), "{v:#}");
    assert_eq!(v["verified_by"], "Okta-SCIM");
    assert_eq!(v["connected"]["last_request"]["method"], "PUT");

    // Step 6 lists who never logged in.
    assert!(v["users"]["total"].as_u64().unwrap() >= 1);
    assert_eq!(
        v["users"]["never_logged_in"].as_u64().unwrap() > 0,
        !v["never_logged_in"].as_array().unwrap().is_empty()
    );

    // Bad changes say what is wrong.
    let e = invoke(
        &app.webview,
        "onboarding_update",
        json!({"change": {"kind": "go_to", "step": 9}}),
    )
    .unwrap_err();
    assert_eq!(e["code"], "invalid_value");
    let e = invoke(
        &app.webview,
        "onboarding_update",
        json!({"change": {"kind": "unique_identifier", "value": "phone"}}),
    )
    .unwrap_err();
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("'email' or 'userName'"));
    invoke(
        &app.webview,
        "onboarding_update",
        json!({"change": {"kind": "go_to", "step": 4}}),
    )
    .unwrap();
    invoke(
        &app.webview,
        "onboarding_update",
        json!({"change": {"kind": "unique_identifier", "value": "email"}}),
    )
    .unwrap();

    // Another console on the same database resumes where this one was; the secret itself
    // was never stored.
    let resumed = start_at(None, db_dir.join("app.db"), false);
    let v = invoke(&resumed.webview, "onboarding", json!({})).unwrap();
    assert_eq!(v["current"], 4);
    assert_eq!(v["unique_identifier"], "email");
    assert_eq!(step(&v, 1)["state"], "done");
    for n in 2..=5 {
        assert_eq!(step(&v, n)["state"], "verified", "step {n}");
    }
    assert_eq!(v["secret"], Value::Null);
    assert_eq!(v["token"]["name"], "Okta-SCIM");
}

#[test]
fn the_simulator_sends_what_okta_sends() {
    let app = start();
    let sim = |action: Value| invoke(&app.webview, "simulate", json!({"action": action}));

    let r = sim(
        json!({"action": "first_login", "email": "new.person@example.com",
        "given_name": "New", "family_name": "Person", "role": "Analyst"}),
    )
    .unwrap();
    assert_eq!(r["ok"], true);
    assert!(
        r["outcome"].as_str().unwrap().contains("just in time"),
        "{r}"
    );
    assert_eq!(r["user"]["role"], "Analyst");
    assert_eq!(r["user"]["source"], "jit");

    let r = sim(json!({"action": "connector_test"})).unwrap();
    assert_eq!(r["ok"], true);
    assert_eq!(r["exchanges"][0]["path"], "/Users?startIndex=1&count=2");
    assert_eq!(r["token_name"], SIMULATOR_TOKEN);

    let r = sim(
        json!({"action": "profile_push", "user_name": "NEW.person@example.com",
        "given_name": "Newer", "family_name": "Person"}),
    )
    .unwrap();
    assert_eq!(r["ok"], true, "{r}");
    let methods: Vec<&str> = r["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["GET", "GET", "PUT"]);
    assert_eq!(r["user"]["name"], "Newer Person");

    let r = sim(
        json!({"action": "role_change", "user_name": "new.person@example.com", "role": "Admin"}),
    )
    .unwrap();
    assert_eq!(r["ok"], true);
    assert_eq!(r["user"]["role"], "Admin");

    let r = sim(json!({"action": "role_change", "user_name": "new.person@example.com", "role": "Superuser"})).unwrap();
    assert_eq!(r["ok"], false);
    assert_eq!(r["exchanges"][2]["status"], 400);
    assert!(
        r["outcome"].as_str().unwrap().contains("valid roles are"),
        "{r}"
    );
    assert_eq!(
        r["user"]["role"], "Admin",
        "nothing of a refused update is applied"
    );

    let r = sim(json!({"action": "deactivate", "user_name": "new.person@example.com"})).unwrap();
    assert_eq!(r["ok"], true);
    assert_eq!(r["user"]["active"], false);
    assert_eq!(
        r["exchanges"][1]["request"]["Operations"][0]["value"]["active"],
        false
    );
    let r = sim(json!({"action": "reactivate", "user_name": "new.person@example.com"})).unwrap();
    assert_eq!(r["user"]["active"], true);

    let r = sim(json!({"action": "deactivate", "user_name": "nobody@example.com"})).unwrap();
    assert_eq!(r["ok"], false);
    assert!(r["outcome"].as_str().unwrap().contains("first SAML login"));

    // Every SCIM request is in the event log, as Okta's.
    let events = invoke(
        &app.webview,
        "list_events",
        json!({"query": {"client": "Okta SCIM"}}),
    )
    .unwrap();
    assert!(events.as_array().unwrap().len() >= 12, "{events:#}");
    let e = sim(json!({"action": "role_change", "user_name": " ", "role": "Admin"})).unwrap_err();
    assert_eq!(e["code"], "invalid_value");

    // The simulator makes its own token when it first needs one, and keeps using it: never
    // one the admin created.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    let plain = start_in(dir, false);
    let connector_test = json!({"action": {"action": "connector_test"}});
    let r = invoke(&plain.webview, "simulate", connector_test.clone()).unwrap();
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["token_name"], SIMULATOR_TOKEN);
    invoke(
        &plain.webview,
        "create_token",
        json!({"name": "mine", "permission": "UserModify", "expiresInDays": null}),
    )
    .unwrap();
    let r = invoke(&plain.webview, "simulate", connector_test.clone()).unwrap();
    assert_eq!(r["token_name"], SIMULATOR_TOKEN);
    let tokens = invoke(&plain.webview, "list_tokens", json!({})).unwrap();
    let marks: Vec<(&str, bool, &str)> = tokens
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap(),
                t["simulator"].as_bool().unwrap(),
                t["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        marks,
        [(SIMULATOR_TOKEN, true, "active"), ("mine", false, "active")]
    );

    // Another console on the database cannot know that secret: it replaces the token.
    let again = start_at(None, db, false);
    let r = invoke(&again.webview, "simulate", connector_test).unwrap();
    assert_eq!(r["ok"], true, "{r}");
    let tokens = invoke(&again.webview, "list_tokens", json!({})).unwrap();
    let simulator: Vec<&str> = tokens
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["simulator"] == true)
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(simulator, ["active", "revoked"]);
}

const SIMULATOR_TOKEN: &str = "SCIM Console simulator";

#[test]
fn the_simulator_verifies_no_onboarding_step_and_its_requests_are_marked_simulated() {
    let app = start_in(tempfile::tempdir().unwrap(), false);
    // Outside demo mode there is no demo token to hand out.
    let info = invoke(&app.webview, "app_info", json!({})).unwrap();
    assert_eq!(info["demo_token"], Value::Null);
    let sim = |action: Value| {
        let r = invoke(&app.webview, "simulate", json!({ "action": action })).unwrap();
        assert!(r["ok"].is_boolean(), "{r}");
        r
    };
    // The guide's token exists (the console remembers its secret), and the simulator runs
    // every action Okta has: a first login, the connector test, a profile push, a role,
    // a refused role, a deactivation and a reactivation.
    let created = invoke(
        &app.webview,
        "onboarding_create_token",
        json!({"name": "Okta-SCIM", "expiresInDays": null}),
    )
    .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let user = "sim.person@example.com";
    sim(
        json!({"action": "first_login", "email": user, "given_name": "Sim",
        "family_name": "Person", "role": "Analyst"}),
    );
    let r = sim(json!({"action": "connector_test"}));
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["token_name"], SIMULATOR_TOKEN);
    let r = sim(
        json!({"action": "profile_push", "user_name": user, "given_name": "Simon", "family_name": "Person"}),
    );
    assert_eq!(r["ok"], true, "{r}");
    let r = sim(json!({"action": "role_change", "user_name": user, "role": "Admin"}));
    assert_eq!(r["user"]["role"], "Admin", "{r}");
    let r = sim(json!({"action": "role_change", "user_name": user, "role": "Superuser"}));
    assert_eq!(r["ok"], false, "{r}");
    let r = sim(json!({"action": "deactivate", "user_name": user}));
    assert_eq!(r["user"]["active"], false, "{r}");
    let r = sim(json!({"action": "reactivate", "user_name": user}));
    assert_eq!(r["user"]["active"], true, "{r}");

    // Nothing of it verifies a step, nor shows as what Okta sent.
    let v = invoke(&app.webview, "onboarding", json!({})).unwrap();
    let states: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["todo", "done", "todo", "todo", "todo", "todo"],
        "{v:#}"
    );
    for key in [
        "first_request",
        "last_request",
        "profile_update",
        "deactivation",
        "role_request",
        "invalid_role",
    ] {
        assert_eq!(v[key], Value::Null, "{key}: {v:#}");
    }
    assert_eq!(v["missing_user_updates"], json!([]));
    assert_eq!(
        v["token"]["name"], "Okta-SCIM",
        "the guide never offers the simulator's"
    );

    // Every simulator request is in the log, marked; a filter leaves them out.
    let events = invoke(&app.webview, "list_events", json!({"query": {}})).unwrap();
    let events = events.as_array().unwrap();
    assert!(events.len() >= 12, "{events:#?}");
    for e in events {
        assert_eq!(e["simulated"], true, "{e:#}");
        if e["method"] != "LOGIN" {
            assert_eq!(e["token_name"], SIMULATOR_TOKEN);
            assert_eq!(e["client"], "Okta SCIM Client 1.0.0");
        }
    }
    let real = invoke(
        &app.webview,
        "list_events",
        json!({"query": {"simulated": false}}),
    )
    .unwrap();
    assert_eq!(real, json!([]));

    // The same requests from Okta, with the guide's token, verify the steps.
    let client = scim_client::okta::client(&app.base_url, &secret).unwrap();
    let x = tauri::async_runtime::block_on(scim_client::okta::connector_test(&client)).unwrap();
    assert!(x.ok, "{x:?}");
    let v = onboarding_until(&app, "step 3 verified", |v| {
        step(v, 3)["state"] == "verified"
    });
    assert_eq!(step(&v, 2)["state"], "verified");
    assert_eq!(v["first_request"]["simulated"], false);
    assert_eq!(v["first_request"]["token_name"], "Okta-SCIM");
    assert_eq!(step(&v, 4)["state"], "todo");
    let x = tauri::async_runtime::block_on(scim_client::okta::set_active(&client, user, false))
        .unwrap();
    assert!(x.ok, "{x:?}");
    let v = onboarding_until(&app, "the deactivation", |v| v["deactivation"].is_object());
    assert_eq!(v["deactivation"]["token_name"], "Okta-SCIM");
    assert_eq!(step(&v, 4)["state"], "todo");
    assert_eq!(step(&v, 5)["state"], "todo");
    let mut role = serde_json::Map::new();
    role.insert("pantherRole".into(), json!("Analyst"));
    let x = tauri::async_runtime::block_on(scim_client::okta::push_profile(&client, user, &role))
        .unwrap();
    assert!(x.ok, "{x:?}");
    let v = onboarding_until(&app, "step 5 verified", |v| {
        step(v, 5)["state"] == "verified"
    });
    assert_eq!(v["role_request"]["simulated"], false);
    assert_eq!(step(&v, 4)["state"], "verified");

    let real = event_until(
        &app,
        json!({"simulated": false}),
        "Okta's connector test",
        |e| e["token_name"] == "Okta-SCIM",
    );
    assert_eq!(real["simulated"], false);
}

/// Okta's deactivation: a path-less PATCH of `active`.
fn deactivation() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": false}}]
    })
}

/// Reads the event log through the command until an entry matches.
fn event_until(app: &App, query: Value, what: &str, found: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let events = invoke(&app.webview, "list_events", json!({ "query": query })).unwrap();
        if let Some(e) = events.as_array().unwrap().iter().find(|e| found(e)) {
            return e.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{what} never reached the event log: {events:#}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_deprovisioning_guard_holds_a_wave_until_the_console_releases_it() {
    let app = start();
    for (key, value) in [("guard-count", "2"), ("guard-percent", "0")] {
        invoke(
            &app.webview,
            "set_setting",
            json!({"key": key, "value": value}),
        )
        .unwrap();
    }
    let quiet = invoke(&app.webview, "guard_status", json!({})).unwrap();
    assert_eq!(quiet["on"], true);
    assert_eq!(quiet["holding"], false);
    assert_eq!(quiet["total"], 0);
    let rule = quiet["rule"].as_str().unwrap();
    assert!(
        rule.contains("more than 2 deactivations") && rule.contains("0%"),
        "{rule}"
    );

    let page = invoke(
        &app.webview,
        "list_users",
        json!({"query": {"filter": "active eq true", "offset": 0, "limit": 3}}),
    )
    .unwrap();
    let users: Vec<(String, String)> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["user_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(users.len(), 3);
    for (id, _) in &users[..2] {
        assert_eq!(
            patch(&app.base_url, &app.demo_token, id, deactivation()),
            200
        );
    }
    let (held_id, held_name) = &users[2];
    let path = format!("/Users/{held_id}");
    let (status, body) = okta(
        &app.base_url,
        &app.demo_token,
        "PATCH",
        &path,
        Some(deactivation()),
    );
    assert_eq!(status, 503, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("deprovisioning guard"),
        "{body}"
    );

    let holding = invoke(&app.webview, "guard_status", json!({})).unwrap();
    assert_eq!(holding["holding"], true, "{holding:#}");
    assert!(holding["tripped_at"].is_string());
    assert!(
        holding["reason"]
            .as_str()
            .unwrap()
            .contains("3 deactivations"),
        "{holding:#}"
    );
    assert_eq!(holding["total"], 1);
    let held = &holding["held"][0];
    assert_eq!(held["resource_id"], held_id.as_str());
    assert_eq!(held["user_name"], held_name.as_str());
    assert_eq!(held["kind"], "deactivate");
    assert_eq!(held["token_name"], "Demo");
    assert_eq!(held["client"], scim_client::okta::USER_AGENT);
    assert_eq!(held["attempts"], 1);
    let user = invoke(&app.webview, "user_detail", json!({"id": held_id})).unwrap();
    assert_eq!(user["row"]["active"], true, "a held change is not applied");
    // The window learns of it from the event log, where it is a 503.
    event_until(&app, json!({"status": 503}), "the held request", |e| {
        e["resource_id"] == held_id.as_str() && e["method"] == "PATCH"
    });

    let released = invoke(&app.webview, "guard_release", json!({})).unwrap();
    assert_eq!(released, 1);
    let after = invoke(&app.webview, "guard_status", json!({})).unwrap();
    assert_eq!(after["holding"], false, "{after:#}");
    assert_eq!(after["total"], 0);
    assert!(after["released_at"].is_string());
    // The identity provider's retry now goes through.
    assert_eq!(
        patch(&app.base_url, &app.demo_token, held_id, deactivation()),
        200
    );
    let user = invoke(&app.webview, "user_detail", json!({"id": held_id})).unwrap();
    assert_eq!(user["row"]["active"], false);
    let still = invoke(&app.webview, "guard_status", json!({})).unwrap();
    assert_eq!(still["holding"], false, "{still:#}");
}

#[test]
fn settings_list_every_known_setting_and_say_what_is_wrong_with_a_value() {
    let app = start();
    let settings = invoke(&app.webview, "settings", json!({})).unwrap();
    let known = settings["known"].as_array().unwrap();
    let entry = |key: &str| {
        known
            .iter()
            .find(|e| e["key"] == key)
            .unwrap_or_else(|| panic!("{key} is not listed: {settings:#}"))
            .clone()
    };
    for (key, default, _) in scim_server::settings::KNOWN {
        let e = entry(key);
        assert_eq!(e["default"], *default, "{key}");
        assert!(!e["meaning"].as_str().unwrap().is_empty(), "{key}");
    }
    assert_eq!(entry("rate-limit")["value"], "50");
    assert!(settings["guard_rule"]
        .as_str()
        .unwrap()
        .contains("more than 50 deactivations"));

    let changed = invoke(
        &app.webview,
        "set_setting",
        json!({"key": "guard-window", "value": " 30 "}),
    )
    .unwrap();
    let window = changed["known"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == "guard-window")
        .unwrap()
        .clone();
    assert_eq!(window["value"], "30");
    assert!(changed["guard_rule"]
        .as_str()
        .unwrap()
        .contains("within 30 minutes"));
    for (key, value, words) in [
        (
            "guard-count",
            "many",
            "guard-count must be a whole number from 1",
        ),
        ("guard", "maybe", "guard must be 'on' or 'off'"),
        (
            "rate-limit",
            "0",
            "rate-limit must be 'off' or requests per second",
        ),
        (
            "trusted-proxies",
            "10.0.0.0/33",
            "is not an IP address or a network",
        ),
    ] {
        let err = invoke(
            &app.webview,
            "set_setting",
            json!({"key": key, "value": value}),
        )
        .unwrap_err();
        assert_eq!(err["code"], "invalid_value", "{key}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains(words),
            "{key}: {err}"
        );
    }
}

#[test]
fn requests_without_a_valid_token_are_folded_with_their_count_and_address() {
    let app = start();
    for _ in 0..5 {
        let (status, _) = okta(&app.base_url, "scim_not_a_token", "GET", "/Users", None);
        assert_eq!(status, 401);
    }
    // Folded counts are written when their minute is over, or at once when asked to flush.
    tauri::async_runtime::block_on(app.console.flush_log());
    let events = invoke(
        &app.webview,
        "list_events",
        json!({"query": {"status": 401}}),
    )
    .unwrap();
    let events = events.as_array().unwrap();
    let counted: u64 = events.iter().map(|e| e["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 5, "{events:#?}");
    // The first of a minute at once, the rest of it as one entry.
    assert!(events.len() < 5, "{events:#?}");
    assert!(events.iter().any(|e| e["count"].as_u64().unwrap() > 1));
    for e in events {
        assert_eq!(e["aggregated"], true);
        assert_eq!(e["address"], "127.0.0.1");
    }
    let minutes = invoke(&app.webview, "events_per_minute", json!({"minutes": 5})).unwrap();
    let requests: u64 = minutes
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(
        requests, 5,
        "the chart counts every folded request: {minutes}"
    );
}

/// The SCIM server's `host:port`.
fn address(app: &App) -> String {
    let rest = app.base_url.trim_start_matches("http://");
    rest.split('/').next().expect("host:port").to_owned()
}

#[test]
fn quitting_writes_every_answered_request_to_the_event_log() {
    let app = start();
    // A reader of the file with its own connections, opened beforehand so that reading the
    // log right after the shutdown takes no time: without the shutdown's wait the requests,
    // sent just before it, would still be lingering in an unwritten batch (up to 50 ms).
    let reader = tauri::async_runtime::block_on(scim_store::open(&app.console.db))
        .expect("open the database");
    let paths: Vec<String> = (1..=5)
        .map(|n| format!("/Users?startIndex=1&count={n}"))
        .collect();
    let client = scim_client::okta::client(&app.base_url, &app.demo_token).expect("a client");
    tauri::async_runtime::block_on(async {
        for p in &paths {
            let x = client
                .send("GET".parse().unwrap(), p, None)
                .await
                .expect("request");
            assert_eq!(x.status, 200, "{p}");
        }
    });

    scim_console_app::shutdown(app.app.handle());

    let logged = tauri::async_runtime::block_on(reader.list_events(&scim_store::EventQuery {
        limit: 100,
        ..Default::default()
    }))
    .expect("read the event log");
    let seen: Vec<&str> = logged.iter().map(|e| e.event.path.as_str()).collect();
    for p in &paths {
        let full = format!("/scim/v2{p}");
        assert!(
            logged.iter().any(|e| e.event.path == full
                && e.event.method == "GET"
                && e.event.status == 200
                && e.event.token_name.as_deref() == Some("Demo")),
            "{full} is not in the event log after quitting; it has {seen:?}"
        );
    }
}

#[test]
fn after_quitting_the_server_accepts_no_connections() {
    let app = start();
    let addr = address(&app);
    // Neither a connection kept alive after a request nor one that never sent anything holds
    // the server up.
    let idle = std::net::TcpStream::connect(&addr).expect("the server accepts connections");
    let client = scim_client::okta::client(&app.base_url, &app.demo_token).expect("a client");
    let x = tauri::async_runtime::block_on(client.send(
        "GET".parse().unwrap(),
        "/Users?startIndex=1&count=1",
        None,
    ))
    .expect("request");
    assert_eq!(x.status, 200);

    let asked = Instant::now();
    scim_console_app::shutdown(app.app.handle());
    let took = asked.elapsed();

    let stopped = tauri::async_runtime::block_on(async {
        tokio::time::timeout(Duration::ZERO, app.console.server.stopped()).await
    });
    assert!(
        stopped.is_ok() && took < SHUTDOWN_WAIT,
        "the server did not stop by itself; the shutdown gave up after {took:?}"
    );
    let refused = std::net::TcpStream::connect(&addr);
    assert!(
        refused.is_err(),
        "the server still accepts connections on {addr} after quitting"
    );
    let after = tauri::async_runtime::block_on(client.send(
        "GET".parse().unwrap(),
        "/Users?startIndex=1&count=1",
        None,
    ));
    assert!(after.is_err(), "a request was answered after quitting");
    drop(idle);
}

#[test]
fn app_info_names_the_log_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let logs = dir.path().join("dev.scimconsole.app").join("logs");
    let (_subscriber, logging) = logging::subscriber(Ok(logs.clone()));
    let opts = StartOptions {
        demo: true,
        db: Some(dir.path().join("app.db").to_string_lossy().into_owned()),
        listen: Some("127.0.0.1:0".to_owned()),
        history: false,
    };
    let (console, serve) =
        tauri::async_runtime::block_on(embedded::start(opts)).expect("start the console");
    tauri::async_runtime::spawn(serve);
    let (app, webview) = app_with(Started::Running(Connections::new(console, None)));
    app.manage(logging);
    let info = invoke(&webview, "app_info", json!({})).unwrap();
    assert_eq!(info["log_dir"], logs.to_string_lossy().as_ref());
    assert_eq!(info["log_error"], Value::Null);
    // What the log files hold is tested in the console crate, in a process of its own.
    scim_console_app::shutdown(app.handle());
}

#[test]
fn without_a_log_folder_the_app_says_why() {
    let (_, logging) = logging::subscriber(Err("no home folder".to_owned()));
    let app = start();
    app.app.manage(logging);
    let info = invoke(&app.webview, "app_info", json!({})).unwrap();
    assert_eq!(info["log_dir"], Value::Null);
    assert_eq!(info["log_error"], "no home folder");
}

#[test]
fn the_tenant_url_is_unusable_until_a_public_https_address_is_set() {
    let app = start();
    let v = invoke(&app.webview, "onboarding", json!({})).unwrap();
    let reach = &v["reachability"];
    assert_eq!(reach["verdict"], "unusable", "{v:#}");
    let reasons = reach["reasons"].to_string();
    assert!(
        reasons.contains("loopback") && reasons.contains("HTTPS"),
        "{reasons}"
    );
    assert!(reach["fix"].as_str().unwrap().contains("https://"));
    let base = |v: &Value| {
        v["connection_fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["label"] == "SCIM connector base URL")
            .cloned()
            .unwrap()
    };
    assert_eq!(base(&v)["copy"], false, "not offered for copying");
    assert!(base(&v)["unusable"].as_str().unwrap().contains("loopback"));

    let refused = invoke(
        &app.webview,
        "set_setting",
        json!({"key": "public-url", "value": "https://my_host.example.com"}),
    )
    .unwrap_err();
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains("'_'") && message.contains("Okta"),
        "{message}"
    );
    let v = invoke(&app.webview, "onboarding", json!({})).unwrap();
    assert_eq!(
        v["reachability"]["verdict"], "unusable",
        "nothing was saved"
    );

    invoke(
        &app.webview,
        "set_setting",
        json!({"key": "public-url", "value": "https://scim.example.com"}),
    )
    .unwrap();
    let v = invoke(&app.webview, "onboarding", json!({})).unwrap();
    assert_eq!(v["reachability"]["verdict"], "usable", "{v:#}");
    assert_eq!(v["reachability"]["reasons"], json!([]));
    assert_eq!(v["tenant_url"], "https://scim.example.com/scim/v2");
    assert_eq!(base(&v)["copy"], true);
    assert_eq!(base(&v)["value"], "https://scim.example.com/scim/v2");
}

#[test]
fn step_3_offers_troubleshooting_after_minutes_without_the_token_s_first_request() {
    let app = start();
    let v = invoke(&app.webview, "onboarding", json!({})).unwrap();
    assert!(
        v["troubleshoot_at"].is_null(),
        "no token, nothing to wait for"
    );
    invoke(
        &app.webview,
        "onboarding_create_token",
        json!({"name": "Okta-SCIM", "expiresInDays": null}),
    )
    .unwrap();
    let v = invoke(
        &app.webview,
        "onboarding_update",
        json!({"change": {"kind": "go_to", "step": 3}}),
    )
    .unwrap();
    let since = chrono::DateTime::parse_from_rfc3339(v["waiting_since"].as_str().unwrap()).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(v["troubleshoot_at"].as_str().unwrap()).unwrap();
    assert_eq!(at - since, chrono::Duration::minutes(5));
    // Leaving and coming back does not restart the wait.
    invoke(
        &app.webview,
        "onboarding_update",
        json!({"change": {"kind": "go_to", "step": 2}}),
    )
    .unwrap();
    let again = invoke(
        &app.webview,
        "onboarding_update",
        json!({"change": {"kind": "go_to", "step": 3}}),
    )
    .unwrap();
    assert_eq!(again["troubleshoot_at"], v["troubleshoot_at"]);
}
