//! Sample data for demo mode: a small company directory with every state the console shows.

use serde_json::{json, Value};

use scim_store::{format_time, Permission, UserSource, UserWrite};

use crate::core::{new_profile, Core};
use crate::error::ApiError;

const GIVEN: &[&str] = &[
    "Ava", "Liam", "Noah", "Emma", "Olivia", "Mateo", "Sofia", "Lucas", "Mia", "Ethan", "Amara",
    "Kenji", "Priya", "Diego", "Chloé", "Jonas", "Fatima", "Oscar", "Ingrid", "Ravi", "Zoe",
    "Tomás", "Hana", "Felix", "Leila", "Samuel", "Nora", "Arjun", "Elena", "Kwame",
];
const FAMILY: &[&str] = &[
    "Martinez",
    "Okafor",
    "Schmidt",
    "Nguyen",
    "Haddad",
    "Rossi",
    "Kowalski",
    "Tanaka",
    "Johansson",
    "Silva",
    "Dubois",
    "Patel",
    "O'Brien",
    "Andersen",
    "Moreau",
    "Kim",
    "Costa",
    "Fischer",
    "Mensah",
    "Novak",
];
const DEPARTMENTS: &[&str] = &[
    "Security Operations",
    "Detection Engineering",
    "IT",
    "Compliance",
    "Incident Response",
];
const TITLES: &[&str] = &[
    "Security Analyst",
    "Detection Engineer",
    "SOC Lead",
    "IT Administrator",
    "Compliance Manager",
    "Threat Hunter",
];

/// How many sample users demo mode adds to an empty directory.
pub const DEMO_USERS: usize = 36;

fn ascii_local(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'é' => 'e',
            'á' => 'a',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// User number `i` of a large synthetic directory (benchmarks): unique userName, externalId
/// and id, a department, a role.
pub fn numbered_user(i: u64) -> UserWrite {
    let email = format!("user{i:06}@example.com");
    let mut data = new_profile(&email, &format!("Given{i}"), &format!("Family{i}"));
    data.insert("externalId".into(), json!(format!("00u{i:014}")));
    data.insert("title".into(), json!("Analyst"));
    data.insert("locale".into(), json!("en-US"));
    data.insert(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".into(),
        json!({"department": format!("Dept {}", i % 40), "employeeNumber": format!("{i}")}),
    );
    data.insert(
        "pantherRole".into(),
        json!(["Admin", "Analyst", "ReadOnlyAnalyst"][(i % 3) as usize]),
    );
    UserWrite {
        id: format!("{:08x}-0000-4000-8000-{:012x}", i, i),
        data,
        role: None,
        source: UserSource::Scim,
        last_login: None,
        password_hash: None,
        created: None,
    }
}

/// Adds the sample directory if there are no users yet; returns how many were added.
pub async fn seed(core: &Core) -> Result<usize, ApiError> {
    if core.store.count_users().await?.total > 0 {
        return Ok(0);
    }
    let rt = core.runtime().await?;
    let now = chrono::Utc::now();
    let mut users = Vec::with_capacity(DEMO_USERS);
    for i in 0..DEMO_USERS {
        let given = GIVEN[i % GIVEN.len()];
        let family = FAMILY[(i * 7) % FAMILY.len()];
        let email = format!("{}.{}@example.com", ascii_local(given), ascii_local(family));
        let mut data = new_profile(&email, given, family);
        // A realistic spread: a few admins, mostly analysts, some read-only.
        let role = match i % 6 {
            0 => "Admin",
            1..=3 => "Analyst",
            _ => "ReadOnlyAnalyst",
        };
        let role = rt
            .roles
            .iter()
            .find(|r| r.eq_ignore_ascii_case(role))
            .cloned()
            .unwrap_or_else(|| rt.default_role.clone());
        data.insert(rt.role_attr.clone(), Value::String(role.clone()));
        data.insert("title".to_owned(), json!(TITLES[i % TITLES.len()]));
        data.insert(
            "externalId".to_owned(),
            json!(format!("00u{:017x}", 0x5eed_0000_u64 + i as u64 * 7919)),
        );
        data.insert("locale".to_owned(), json!("en-US"));
        data.insert(
            scim_protocol::ENTERPRISE_USER_SCHEMA.to_owned(),
            json!({"department": DEPARTMENTS[i % DEPARTMENTS.len()], "employeeNumber": format!("{}", 1000 + i)}),
        );
        // Every seventh user was deactivated in the IdP; every fifth never logged in.
        let active = i % 7 != 3;
        data.insert("active".to_owned(), json!(active));
        let never = i % 5 == 4;
        let days_ago = (i as i64 * 3) % 90 + 1;
        let created = now - chrono::Duration::days(days_ago + 30);
        users.push(UserWrite {
            id: uuid::Uuid::new_v4().to_string(),
            data,
            role: Some(role),
            source: if never {
                UserSource::Demo
            } else {
                UserSource::Jit
            },
            last_login: (!never).then(|| format_time(now - chrono::Duration::hours(days_ago * 5))),
            password_hash: None,
            created: Some(format_time(created)),
        });
    }
    Ok(usize::try_from(core.store.bulk_insert_users(users).await?).unwrap_or(0))
}

/// Revokes the previous demo token and creates a new one, so the secret can be printed.
pub async fn fresh_token(core: &Core) -> Result<(scim_store::TokenRecord, String), ApiError> {
    const NAME: &str = "Demo";
    match core.revoke_token(NAME).await {
        Ok(_) => {}
        Err(ApiError::Scim(e)) if e.status == 404 => {}
        Err(e) => return Err(e),
    }
    core.create_token(NAME, Permission::UserModify, None).await
}
