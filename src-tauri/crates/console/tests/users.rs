//! The console's Users view without a window: the embedded server on 127.0.0.1:0 over a real
//! SQLite file, demo users, and the search the view sends.

mod common;

use common::demo_console;
use scim_console_core::console::{Console, ErrorCode, UsersQuery};

async fn user_names(c: &Console, text: Option<&str>, filter: Option<&str>) -> Vec<String> {
    let page = c
        .list_users(UsersQuery {
            text: text.map(str::to_owned),
            filter: filter.map(str::to_owned),
            offset: 0,
            limit: 1000,
        })
        .await
        .expect("list users");
    page.rows.into_iter().map(|r| r.user_name).collect()
}

#[tokio::test]
async fn text_search_and_filter_combine_as_filters_and_neither_escapes_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let c = demo_console(&dir).await;
    let all = user_names(&c, None, None).await;
    assert!(all.len() > 10, "demo users: {all:?}");
    let ava = user_names(&c, Some("ava"), None).await;
    assert!(!ava.is_empty() && ava.len() < all.len(), "{ava:?}");
    // Words must all match; the filter narrows further.
    let active_ava = user_names(&c, Some("ava"), Some("active eq true")).await;
    assert!(active_ava.iter().all(|u| ava.contains(u)), "{active_ava:?}");
    // A filter that tries to close the text search's parenthesis is just not a valid filter…
    let err = c
        .list_users(UsersQuery {
            text: Some("ava".to_owned()),
            filter: Some("userName pr) or (userName pr".to_owned()),
            offset: 0,
            limit: 1000,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidFilter, "{err:?}");
    // …and a valid filter that matches everyone still only finds the words' users.
    let everyone = user_names(&c, Some("ava"), Some("userName pr or active eq false")).await;
    assert_eq!(everyone, ava);
    // Search words are data, whatever they contain.
    let odd = user_names(&c, Some("\") or (userName pr"), None).await;
    assert!(odd.is_empty(), "{odd:?}");
}
