//! Event-log retention on a real SQLite file: by rows, folded entries within their own
//! budget (so a flood of them cannot push real entries out), and by bytes.

use scim_store::{EventQuery, NewEvent, Retention, Store};

fn event(i: usize, aggregated: bool, size: usize) -> NewEvent {
    NewEvent {
        at: scim_store::now(),
        method: "GET".to_owned(),
        path: format!("/scim/v2/Users?n={i}"),
        status: if aggregated { 401 } else { 200 },
        aggregated,
        count: 1,
        error: Some("x".repeat(size)),
        ..NewEvent::default()
    }
}

async fn all(store: &dyn Store) -> Vec<scim_store::EventRecord> {
    store
        .list_events(&EventQuery {
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_flood_of_folded_entries_does_not_push_real_ones_out() {
    let dir = tempfile::tempdir().unwrap();
    let store = scim_store::open(dir.path().join("r.db").to_str().unwrap())
        .await
        .unwrap();
    let real: Vec<NewEvent> = (0..100).map(|i| event(i, false, 10)).collect();
    store.append_events(&real).await.unwrap();
    let flood: Vec<NewEvent> = (0..1000).map(|i| event(i, true, 10)).collect();
    store.append_events(&flood).await.unwrap();
    let gone = store
        .prune_events(&Retention {
            rows: 500,
            aggregated_rows: 50,
            bytes: u64::MAX / 2,
        })
        .await
        .unwrap();
    assert_eq!(gone, 950);
    let left = all(store.as_ref()).await;
    assert_eq!(left.iter().filter(|e| !e.event.aggregated).count(), 100);
    let folded: Vec<_> = left.iter().filter(|e| e.event.aggregated).collect();
    assert_eq!(folded.len(), 50);
    // The newest folded entries stay.
    assert!(folded.last().unwrap().event.path.ends_with("n=999"));
}

#[tokio::test]
async fn the_log_keeps_the_newest_entries_within_its_rows_and_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let store = scim_store::open(dir.path().join("r.db").to_str().unwrap())
        .await
        .unwrap();
    let events: Vec<NewEvent> = (0..300).map(|i| event(i, false, 900)).collect();
    store.append_events(&events).await.unwrap();
    store
        .prune_events(&Retention {
            rows: 200,
            aggregated_rows: 10,
            bytes: u64::MAX / 2,
        })
        .await
        .unwrap();
    let left = all(store.as_ref()).await;
    assert_eq!(left.len(), 200);
    assert!(
        left[0].event.path.ends_with("n=100"),
        "{}",
        left[0].event.path
    );
    // Each entry takes about a kilobyte (its 900-byte error and the rest): 50 kB keeps ~50.
    store
        .prune_events(&Retention {
            rows: 200,
            aggregated_rows: 10,
            bytes: 50_000,
        })
        .await
        .unwrap();
    let left = all(store.as_ref()).await;
    assert!(
        (40..=55).contains(&left.len()),
        "{} entries left",
        left.len()
    );
    assert!(left.last().unwrap().event.path.ends_with("n=299"));
}
