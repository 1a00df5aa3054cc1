//! The console's Users view without a window: the embedded server on 127.0.0.1:0 over a real
//! SQLite file, demo users, and the search the view sends.

mod common;

use common::demo_console;
use scim_console_core::console::{Console, ErrorCode, UserSort, UsersQuery};

async fn user_names(c: &Console, text: Option<&str>, filter: Option<&str>) -> Vec<String> {
    let page = c
        .list_users(UsersQuery {
            text: text.map(str::to_owned),
            filter: filter.map(str::to_owned),
            offset: 0,
            limit: 1000,
            ..Default::default()
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
            ..Default::default()
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

async fn sorted(
    c: &Console,
    sort: UserSort,
    descending: Option<bool>,
) -> Vec<scim_console_core::console::UserRow> {
    c.list_users(UsersQuery {
        offset: 0,
        limit: 1000,
        sort: Some(sort),
        descending,
        ..Default::default()
    })
    .await
    .expect("list users")
    .rows
}

#[tokio::test]
async fn users_sort_by_every_column_and_by_default_show_the_latest_change_first() {
    let dir = tempfile::tempdir().unwrap();
    let c = demo_console(&dir).await;
    // A change now: by default that user comes first.
    let any = sorted(&c, UserSort::UserName, None).await[7].clone();
    c.update_user(&any.id, None, Some("Admin".to_owned()))
        .await
        .unwrap();
    let default = c
        .list_users(UsersQuery {
            offset: 0,
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .rows;
    assert_eq!(default[0].id, any.id);
    assert!(default
        .windows(2)
        .all(|w| w[0].last_modified >= w[1].last_modified));

    let by_name = sorted(&c, UserSort::UserName, None).await;
    let names: Vec<String> = by_name.iter().map(|r| r.user_name.to_lowercase()).collect();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(names, expected);
    let back = sorted(&c, UserSort::UserName, Some(true)).await;
    assert_eq!(back.first().unwrap().id, by_name.last().unwrap().id);

    let by_active = sorted(&c, UserSort::Active, None).await;
    let first_active = by_active.iter().position(|r| r.active).unwrap();
    assert!(by_active[..first_active].iter().all(|r| !r.active));
    assert!(by_active[first_active..].iter().all(|r| r.active));

    // Who logged in last first; those who never did, last either way.
    let by_login = sorted(&c, UserSort::LastLogin, Some(true)).await;
    let logins: Vec<Option<String>> = by_login.iter().map(|r| r.last_login.clone()).collect();
    let never = logins
        .iter()
        .position(Option::is_none)
        .unwrap_or(logins.len());
    assert!(logins[never..].iter().all(Option::is_none), "{logins:?}");
    assert!(
        logins[..never].windows(2).all(|w| w[0] >= w[1]),
        "{logins:?}"
    );

    let by_email = sorted(&c, UserSort::Email, None).await;
    let emails: Vec<String> = by_email.iter().filter_map(|r| r.email.clone()).collect();
    let mut e2 = emails.clone();
    e2.sort_by_key(|e| e.to_lowercase());
    assert_eq!(
        emails.iter().map(|e| e.to_lowercase()).collect::<Vec<_>>(),
        e2.iter().map(|e| e.to_lowercase()).collect::<Vec<_>>()
    );
    let by_role = sorted(&c, UserSort::Role, None).await;
    assert_eq!(by_role.len(), by_name.len());
}

#[tokio::test]
async fn a_filter_on_an_unknown_attribute_says_which_name_was_meant() {
    let dir = tempfile::tempdir().unwrap();
    let c = demo_console(&dir).await;
    let err = c
        .list_users(UsersQuery {
            filter: Some("pantheRole eq \"Admin\" and emails[tpye eq \"work\"]".to_owned()),
            offset: 0,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidFilter);
    assert!(
        err.message
            .contains("'pantheRole' (did you mean pantherRole?)"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("did you mean emails.type?"),
        "{}",
        err.message
    );
    // Known attributes, sub-attributes and the enterprise extension pass.
    let ok = c
        .list_users(UsersQuery {
            filter: Some(
                "pantherRole pr or name.familyName sw \"A\" or emails[type eq \"work\"] or meta.lastModified gt \"2000-01-01T00:00:00Z\"".to_owned(),
            ),
            offset: 0,
            limit: 10,
            ..Default::default()
        })
        .await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn the_filtered_users_export_to_csv_and_json() {
    use scim_console_core::export::ExportFormat;
    let dir = tempfile::tempdir().unwrap();
    let c = demo_console(&dir).await;
    let q = UsersQuery {
        filter: Some("active eq true".to_owned()),
        offset: 0,
        limit: 5,
        ..Default::default()
    };
    let active = c
        .list_users(UsersQuery {
            limit: 1000,
            ..q.clone()
        })
        .await
        .unwrap()
        .total;
    let out = dir.path().join("exports");
    let csv = c
        .export_users(q.clone(), ExportFormat::Csv, &out)
        .await
        .unwrap();
    assert_eq!(csv.rows, active, "every matching user, not one page");
    let text = std::fs::read_to_string(&csv.path).unwrap();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("user_name,name,email,role,"));
    assert_eq!(lines.count() as u64, active);
    assert!(!text.contains(",false,"), "only active users: {text}");
    let json = c.export_users(q, ExportFormat::Json, &out).await.unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json.path).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len() as u64, active);
    // Nothing half-written beside the two files.
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2);
}
