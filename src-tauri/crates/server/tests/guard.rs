//! The deprovisioning guard over HTTP against the real server: a wave of deactivations and
//! deletions is held with 503 and Retry-After, nothing of it applied, every held request
//! logged and listed, until an admin releases it; the identity provider's retry then goes
//! through.

mod common;

use reqwest::Method;
use serde_json::json;

use common::*;

async fn users(s: &TestServer, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let u = s
            .provision(&format!("wave{i}@example.com"), "Wa", &format!("Ve{i}"))
            .await;
        ids.push(u["id"].as_str().unwrap().to_owned());
    }
    ids
}

async fn deactivate(s: &TestServer, id: &str) -> Resp {
    s.patch(
        &format!("/Users/{id}"),
        &patch_body(json!([{"op": "replace", "value": {"active": false}}])),
    )
    .await
}

#[tokio::test]
async fn a_wave_of_deprovisions_is_held_until_an_admin_releases_it() {
    let s = TestServer::start("full").await;
    s.core.set_setting("guard-count", "3").await.unwrap();
    let ids = users(&s, 10).await;
    for id in &ids[..3] {
        let (status, _, body) = deactivate(&s, id).await;
        assert_eq!(status, 200, "{body}");
    }
    // The fourth is more than 3, and 4 of the 10 users active before the wave is over 10 %.
    let (status, headers, body) = deactivate(&s, &ids[3]).await;
    assert_scim_error(status, &body, 503, None);
    assert_scim_json(&headers, "held");
    assert_eq!(headers["retry-after"], "900");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("deprovisioning guard") && detail.contains("guard release"),
        "{detail}"
    );
    let (_, _, user) = s.get(&format!("/Users/{}", ids[3])).await;
    assert_eq!(user["active"], true, "nothing of a held request is applied");
    // Once holding, deletions are held too; other changes are not.
    let (status, _, body) = s.delete(&format!("/Users/{}", ids[4])).await;
    assert_scim_error(status, &body, 503, None);
    let (status, _, _) = s.get(&format!("/Users/{}", ids[4])).await;
    assert_eq!(status, 200);
    let (status, _, body) = s
        .patch(
            &format!("/Users/{}", ids[5]),
            &patch_body(json!([{"op": "replace", "path": "title", "value": "Still here"}])),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The identity provider retries: still held, one more attempt.
    let (status, _, _) = deactivate(&s, &ids[3]).await;
    assert_eq!(status, 503);
    let (held, total) = s.store.held_requests(100).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(held[0].resource_id, ids[3]);
    assert_eq!(held[0].kind, "deactivate");
    assert_eq!(held[0].attempts, 2);
    assert_eq!(held[0].client.as_deref(), Some(OKTA_UA));
    assert_eq!(held[0].token_name.as_deref(), Some(TOKEN_NAME));
    assert!(!held[0].simulated);
    assert_eq!(held[1].kind, "delete");
    assert_eq!(held[1].user_name.as_deref(), Some("wave4@example.com"));
    let state = s.store.guard_state().await.unwrap();
    assert!(state.tripped_at.is_some());
    assert!(state
        .reason
        .unwrap()
        .contains("4 deactivations and deletions"));
    // Every held request is in the event log.
    let logged = s
        .wait_event("a held delete", |e| {
            e.event.status == 503 && e.event.method == "DELETE"
        })
        .await;
    assert_eq!(logged.event.resource_id.as_deref(), Some(ids[4].as_str()));
    // Released: the held changes go through on their next try, and the count starts afresh.
    assert_eq!(s.store.release_guard().await.unwrap(), 2);
    let (status, _, body) = deactivate(&s, &ids[3]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], false);
    let (status, _, _) = s.delete(&format!("/Users/{}", ids[4])).await;
    assert_eq!(status, 204);
    let (status, _, _) = deactivate(&s, &ids[6]).await;
    assert_eq!(status, 200);
    assert_eq!(s.store.held_requests(100).await.unwrap().1, 0);
}

#[tokio::test]
async fn a_small_share_of_the_users_is_not_held_nor_anything_with_the_guard_off() {
    let s = TestServer::start("full").await;
    s.core.set_setting("guard-count", "3").await.unwrap();
    s.core.set_setting("guard-percent", "50").await.unwrap();
    let ids = users(&s, 10).await;
    // 4 of 10 is more than 3 but not more than half.
    for id in &ids[..4] {
        let (status, _, body) = deactivate(&s, id).await;
        assert_eq!(status, 200, "{body}");
    }
    s.core.set_setting("guard", "off").await.unwrap();
    for id in &ids[4..] {
        let (status, _, _) = s
            .send(
                Method::DELETE,
                &format!("/Users/{id}"),
                None,
                Some(&s.bearer()),
                &[],
            )
            .await;
        assert_eq!(status, 204);
    }
    assert!(s.store.guard_state().await.unwrap().tripped_at.is_none());
}

#[tokio::test]
async fn deactivations_in_the_jit_policy_are_guarded_too() {
    let s = TestServer::start("jit").await;
    s.core.set_setting("guard-count", "2").await.unwrap();
    s.core.set_setting("guard-percent", "0").await.unwrap();
    let ids = users(&s, 4).await;
    assert_eq!(deactivate(&s, &ids[0]).await.0, 200);
    assert_eq!(deactivate(&s, &ids[1]).await.0, 200);
    assert_eq!(deactivate(&s, &ids[2]).await.0, 503);
    // The console's simulator is held like any client, and its held request says it is simulated.
    let (_, secret) = s.core.create_simulator_token().await.unwrap();
    let (status, _, _) = s
        .as_token(
            &secret,
            Method::PATCH,
            &format!("/Users/{}", ids[3]),
            Some(&patch_body(
                json!([{"op": "replace", "value": {"active": false}}]),
            )),
        )
        .await;
    assert_eq!(status, 503);
    let (held, _) = s.store.held_requests(10).await.unwrap();
    let mut marks: Vec<(&str, bool)> = held
        .iter()
        .map(|h| (h.resource_id.as_str(), h.simulated))
        .collect();
    marks.sort();
    let mut expected = [(ids[2].as_str(), false), (ids[3].as_str(), true)];
    expected.sort();
    assert_eq!(marks, expected);
    // Reactivating is never held.
    let (status, _, _) = s
        .patch(
            &format!("/Users/{}", ids[0]),
            &patch_body(json!([{"op": "replace", "path": "active", "value": true}])),
        )
        .await;
    assert_eq!(status, 200);
}
