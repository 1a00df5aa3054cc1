//! The desktop app's commands, invoked through Tauri's IPC on the mock runtime, against the
//! real embedded server on 127.0.0.1:0 and a real SQLite file.

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;

use scim_console_app::commands::Started;
use scim_console_app::embedded::{self, StartOptions};

struct App {
    _dir: tempfile::TempDir,
    _app: tauri::App<tauri::test::MockRuntime>,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
    base_url: String,
    demo_token: String,
}

fn app_with(
    started: Started,
) -> (
    tauri::App<tauri::test::MockRuntime>,
    tauri::WebviewWindow<tauri::test::MockRuntime>,
) {
    let app = scim_console_app::build(mock_builder(), started)
        .build(mock_context(noop_assets()))
        .expect("build the app");
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("webview");
    (app, webview)
}

fn start() -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = StartOptions {
        demo: true,
        db: Some(dir.path().join("app.db").to_string_lossy().into_owned()),
        listen: Some("127.0.0.1:0".to_owned()),
    };
    let (console, serve) =
        tauri::async_runtime::block_on(embedded::start(opts)).expect("start the console");
    tauri::async_runtime::spawn(serve);
    let base_url = console.base_url.clone();
    let demo_token = console.demo_token.clone().expect("demo token");
    let (app, webview) = app_with(Started::Running(console));
    App {
        _dir: dir,
        _app: app,
        webview,
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

fn patch(base: &str, token: &str, id: &str, body: Value) -> u16 {
    tauri::async_runtime::block_on(async {
        reqwest::Client::new()
            .patch(format!("{base}/Users/{id}"))
            .bearer_auth(token)
            .header("Content-Type", "application/scim+json")
            .header("User-Agent", "Okta SCIM Client 1.0.0")
            .json(&body)
            .send()
            .await
            .expect("PATCH")
            .status()
            .as_u16()
    })
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
    assert_eq!(err["code"], "invalidValue");
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
    assert_eq!(bad["code"], "invalidValue");
    let dup = invoke(
        &app.webview,
        "create_token",
        json!({"name": "okta-scim", "permission": "UserRead"}),
    )
    .unwrap_err();
    assert_eq!(dup["code"], "uniqueness");
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
    assert_eq!(removed["code"], "invalidValue");

    let settings = invoke(
        &app.webview,
        "set_setting",
        json!({"key": "public-url", "value": "http://scim_host.example.com"}),
    )
    .unwrap();
    assert!(!settings["url_warnings"].as_array().unwrap().is_empty());
    assert_eq!(
        settings["tenant_url"],
        "http://scim_host.example.com/scim/v2"
    );
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
    assert_eq!(bad["code"], "invalidValue");
    let info = invoke(&app.webview, "app_info", json!({})).unwrap();
    assert_eq!(info["base_url"], app.base_url.as_str());
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
