//! Activity for investigations, over real HTTP requests to the embedded server: pages of the
//! newest entries with the total that matches, older pages by id, reads hidden, time ranges,
//! plain summaries, and each entry's request and answer bodies kept with secrets redacted.

mod common;

use std::time::Duration;

use serde_json::json;

use scim_console_core::console::EventsQuery;

fn q() -> EventsQuery {
    EventsQuery::default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_pages_back_through_history_and_keeps_bodies_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = common::start(&dir, false, false).await;
    let secret = c
        .create_token("okta", "UserModify", None)
        .await
        .unwrap()
        .secret;
    let u = common::dana(&c).await;

    for _ in 0..24 {
        let path = "/Users?filter=userName%20eq%20%22dana%40example.com%22&startIndex=1&count=100";
        assert_eq!(common::send(&c, &secret, "GET", path, None).await, 200);
    }
    let bad_role = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"pantherRole": "Superuser"}}]});
    let path = format!("/Users/{}", u.id);
    assert_eq!(
        common::send(&c, &secret, "PATCH", &path, Some(bad_role)).await,
        400
    );
    let mut put = c.user_detail(&u.id).await.unwrap().scim;
    put["password"] = json!("Hunter2-secret!");
    put["name"]["givenName"] = json!("Dana-Marie");
    assert_eq!(
        common::send(&c, &secret, "PUT", &path, Some(put)).await,
        200
    );
    let create = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "new@example.com", "password": "Another-secret-1"});
    assert_eq!(
        common::send(&c, &secret, "POST", "/Users", Some(create)).await,
        403
    );

    // Reads are written in batches: wait for all of them.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let first = loop {
        let p = c
            .events_page(EventsQuery {
                limit: Some(10),
                ..q()
            })
            .await
            .unwrap();
        let last_is_post = p
            .rows
            .last()
            .is_some_and(|r| r.record.event.method == "POST");
        if p.total >= 28 && last_is_post {
            break p;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "total {}: {:?}",
            p.total,
            p.rows
                .iter()
                .map(|r| (r.record.id, &r.record.event.method, &r.record.event.at))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    // The login, 24 lookups, the refused PATCH, the PUT, the refused POST.
    assert_eq!(first.total, 28);
    assert_eq!(first.rows.len(), 10);
    assert!(first.older);
    assert!(first
        .rows
        .windows(2)
        .all(|w| w[0].record.id < w[1].record.id));
    let newest = &first.rows[9];
    assert_eq!(
        newest.record.event.method,
        "POST",
        "{:?}",
        first
            .rows
            .iter()
            .map(|r| (r.record.id, &r.record.event.method, &r.record.event.at))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        newest.summary,
        "Refused to create new@example.com: users are created by their first login"
    );

    // Older pages, down to the first entry.
    let mut seen = first.rows.len();
    let mut before = first.rows[0].record.id;
    loop {
        let p = c
            .events_page(EventsQuery {
                before_id: Some(before),
                limit: Some(10),
                ..q()
            })
            .await
            .unwrap();
        assert_eq!(p.total, 28, "the total is the filter's, whatever the page");
        seen += p.rows.len();
        before = p.rows[0].record.id;
        if !p.older {
            assert_eq!(p.rows[0].summary, "First login of dana@example.com");
            break;
        }
        assert!(
            p.rows
                .iter()
                .any(|r| r.summary == "Lookup dana@example.com"),
            "{:?}",
            p.rows.iter().map(|r| &r.summary).collect::<Vec<_>>()
        );
    }
    assert_eq!(seen, 28);

    // A live refresh after the newest-but-three: those three, and nothing more in between.
    let newest_but = first.rows[6].record.id;
    let live = c
        .events_page(EventsQuery {
            after_id: Some(newest_but),
            limit: Some(10),
            ..q()
        })
        .await
        .unwrap();
    assert_eq!((live.rows.len(), live.older), (3, false));
    let burst = c
        .events_page(EventsQuery {
            after_id: Some(newest_but),
            limit: Some(2),
            ..q()
        })
        .await
        .unwrap();
    assert_eq!(
        (burst.rows.len(), burst.older),
        (2, true),
        "more came than the page holds"
    );

    // Hide reads: the writes and the login remain.
    let writes = c
        .events_page(EventsQuery {
            hide_reads: Some(true),
            ..q()
        })
        .await
        .unwrap();
    assert_eq!(writes.total, 4);
    assert!(writes.rows.iter().all(|r| r.record.event.method != "GET"));
    let lookup = &first.rows[0];
    assert_eq!(
        lookup.decoded_path,
        "/scim/v2/Users?filter=userName eq \"dana@example.com\"&startIndex=1&count=100"
    );

    // A time range: nothing in the future; a bad time in words.
    let future = c
        .events_page(EventsQuery {
            since: Some("2999-01-01T00:00:00Z".into()),
            ..q()
        })
        .await
        .unwrap();
    assert_eq!(
        (future.total, future.rows.len(), future.older),
        (0, 0, false)
    );
    let e = c
        .events_page(EventsQuery {
            since: Some("yesterday".into()),
            ..q()
        })
        .await
        .unwrap_err();
    assert!(e.message.contains("not a time"), "{}", e.message);

    // Bodies: in the detail only, secrets redacted; the refused role's answer says why.
    assert!(writes
        .rows
        .iter()
        .all(|r| r.record.event.request_body.is_none()));
    let find = |summary_start: &str| {
        writes
            .rows
            .iter()
            .find(|r| r.summary.starts_with(summary_start))
            .unwrap_or_else(|| panic!("no '{summary_start}'"))
            .record
            .id
    };
    let refused = c.event_detail(find("Refused role")).await.unwrap();
    let req = refused.record.event.request_body.as_deref().unwrap();
    assert!(req.contains("Superuser"), "{req}");
    let resp = refused.record.event.response_body.as_deref().unwrap();
    assert!(
        resp.contains("invalidValue") && resp.contains("valid roles"),
        "{resp}"
    );
    let put = c.event_detail(find("Updated")).await.unwrap();
    let req = put.record.event.request_body.as_deref().unwrap();
    assert!(
        req.contains("Dana-Marie") && req.contains("[redacted]"),
        "{req}"
    );
    assert!(!req.contains("Hunter2"), "{req}");
    let post = c.event_detail(find("Refused to create")).await.unwrap();
    let req = post.record.event.request_body.as_deref().unwrap();
    assert!(!req.contains("Another-secret"), "{req}");
    assert!(post
        .record
        .event
        .response_body
        .as_deref()
        .unwrap()
        .contains("403"));
    // A small successful answer is kept (the lookup's result).
    let read = c.event_detail(lookup.record.id).await.unwrap();
    let resp = read.record.event.response_body.as_deref().unwrap();
    assert!(resp.contains("\"totalResults\":1"), "{resp}");
    // The export holds every matching entry, oldest first, and no body.
    let out = dir.path().join("exports");
    let csv = c
        .export_events(q(), scim_console_core::export::ExportFormat::Csv, &out)
        .await
        .unwrap();
    assert_eq!(csv.rows, 28);
    let text = std::fs::read_to_string(&csv.path).unwrap();
    assert!(text
        .lines()
        .next()
        .unwrap()
        .starts_with("id,at,summary,method,path,status"));
    assert!(text
        .lines()
        .nth(1)
        .unwrap()
        .contains("First login of dana@example.com"));
    assert!(
        !text.contains("Hunter2") && !text.contains("Superuser\\\""),
        "{text}"
    );
    let gone = c.event_detail(999_999).await.unwrap_err();
    assert!(
        gone.message.contains("no longer in the log"),
        "{}",
        gone.message
    );
}
