//! Sample data for demo mode: a small company directory with every state the console shows.

use serde_json::{json, Value};

use scim_store::{format_time, NewEvent, Permission, UserSource, UserWrite};

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
    UserWrite::new(
        format!("{:08x}-0000-4000-8000-{:012x}", i, i),
        data,
        UserSource::Scim,
    )
}

/// Adds the sample directory if there are no users yet, with a week of sample requests in
/// the log when `history` is set; returns how many users were added.
pub async fn seed(core: &Core, history: bool) -> Result<usize, ApiError> {
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
    let events = if history {
        week(&rt, &users, now)
    } else {
        Vec::new()
    };
    let added = usize::try_from(core.store.bulk_insert_users(users).await?).unwrap_or(0);
    if events.is_empty() {
        return Ok(added);
    }
    let (token, _) = core
        .create_token(HISTORY_TOKEN, Permission::UserModify, Some(10))
        .await?;
    let events: Vec<NewEvent> = events
        .into_iter()
        .map(|mut e| {
            if e.token_name.is_some() {
                e.token_id = Some(token.id);
            }
            e
        })
        .collect();
    core.store.append_events(&events).await?;
    Ok(added)
}

/// The token the sample week of requests came with (its secret is not kept: nothing can use
/// it); it expires in ten days, so the console's token warning has something to show.
pub const HISTORY_TOKEN: &str = "Okta (sample history)";
const OKTA: &str = "Okta SCIM Client 1.0.0";
const OKTA_ADDRESS: &str = "3.33.143.60";

/// A small deterministic generator: the same week every time a demo database is made.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A week of what Okta would have sent this directory: lookups and profile pushes, role
/// changes, deactivations, refused roles, updates for users who never logged in (404), first
/// logins, a connection test and a few requests with a stale token.
fn week(
    rt: &crate::Runtime,
    users: &[UserWrite],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<NewEvent> {
    let mut dice = Dice(0x5eed);
    let mut out: Vec<NewEvent> = Vec::new();
    let week = 7 * 24 * 60;
    let at = |minutes_ago: u64| format_time(now - chrono::Duration::minutes(minutes_ago as i64));
    let base = |minutes_ago: u64, method: &str, path: String, status: u16| NewEvent {
        at: at(minutes_ago),
        token_name: Some(HISTORY_TOKEN.to_owned()),
        client: Some(OKTA.to_owned()),
        method: method.to_owned(),
        path,
        status,
        latency_us: 900 + (minutes_ago % 7) * 350,
        address: Some(OKTA_ADDRESS.to_owned()),
        count: 1,
        ..NewEvent::default()
    };
    let user_ref = |u: &UserWrite| {
        (
            u.id.clone(),
            u.data
                .get("userName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let lookup = |minutes_ago: u64, user_name: &str| {
        let mut e = base(
            minutes_ago + 1,
            "GET",
            format!(
                "/scim/v2/Users?filter=userName%20eq%20%22{}%22&startIndex=1&count=100",
                user_name.replace('@', "%40")
            ),
            200,
        );
        e.resource_type = Some("User".to_owned());
        e
    };
    let change = |path: &str, old: Value, new: Value| scim_store::AttrChange {
        path: path.to_owned(),
        old: Some(old),
        new: Some(new),
    };
    // The connection test when the app was set up, a week ago.
    out.push(base(
        week - 5,
        "GET",
        "/scim/v2/Users?startIndex=1&count=2".into(),
        200,
    ));
    out.push(base(
        week - 6,
        "GET",
        "/scim/v2/ServiceProviderConfig".into(),
        200,
    ));
    for (i, u) in users.iter().enumerate() {
        let (id, user_name) = user_ref(u);
        let user_event = |mut e: NewEvent| {
            e.resource_type = Some("User".to_owned());
            e.resource_id = Some(id.clone());
            e.user_name = Some(user_name.clone());
            e
        };
        // First logins of the week.
        if let Some(login) = &u.last_login {
            if login.as_str() > at(week).as_str() {
                let mut e = user_event(NewEvent {
                    at: login.clone(),
                    method: scim_store::LOGIN_METHOD.to_owned(),
                    path: "SAML login".to_owned(),
                    status: 201,
                    count: 1,
                    client: Some("SAML login".to_owned()),
                    ..NewEvent::default()
                });
                e.role = u.role.clone();
                out.push(e);
            }
        }
        let when = dice.below(week - 60) + 30;
        if u.source == UserSource::Demo {
            // Never logged in: Okta's pushes find nobody (just-in-time provisioning).
            if i % 2 == 0 {
                out.push(lookup(when, &user_name));
                let mut e = user_event(base(when, "PUT", format!("/scim/v2/Users/{id}"), 404));
                e.user_name = None;
                e.error = Some(format!("no user with id '{id}'"));
                e.request_body = Some(
                    json!({"schemas": [scim_protocol::schema::USER_SCHEMA], "userName": user_name, "active": true})
                        .to_string(),
                );
                e.response_body = Some(
                    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404", "detail": format!("no user with id '{id}'")})
                        .to_string(),
                );
                out.push(e);
            }
            continue;
        }
        // A profile push: the title or department changed in Okta.
        out.push(lookup(when, &user_name));
        let mut e = user_event(base(when, "PUT", format!("/scim/v2/Users/{id}"), 200));
        e.diff = vec![change(
            "title",
            json!(TITLES[(i + 1) % TITLES.len()]),
            u.data.get("title").cloned().unwrap_or(Value::Null),
        )];
        out.push(e);
        let active = u
            .data
            .get("active")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if !active {
            let w = dice.below(3 * 24 * 60) + 20;
            let mut e = user_event(base(w, "PATCH", format!("/scim/v2/Users/{id}"), 200));
            e.diff = vec![change("active", json!(true), json!(false))];
            e.request_body = Some(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                       "Operations": [{"op": "replace", "value": {"active": false}}]})
                .to_string(),
            );
            out.push(e);
        }
        if i % 6 == 0 {
            // Promoted to Admin this week.
            let w = dice.below(week - 120) + 60;
            let mut e = user_event(base(w, "PATCH", format!("/scim/v2/Users/{id}"), 200));
            e.role = u.role.clone();
            e.diff = vec![change(
                &rt.role_attr,
                json!("Analyst"),
                json!(u.role.clone()),
            )];
            out.push(e);
        }
        if i % 11 == 2 {
            // A role that does not exist here, typed into Okta by hand.
            let w = dice.below(2 * 24 * 60) + 15;
            out.push(lookup(w, &user_name));
            let mut e = user_event(base(w, "PUT", format!("/scim/v2/Users/{id}"), 400));
            e.role = Some("Superuser".to_owned());
            let detail = format!(
                "'Superuser' is not a valid {}; valid roles are: {}",
                rt.role_attr,
                rt.roles.join(", ")
            );
            e.error = Some(detail.clone());
            e.request_body = Some(
                json!({"schemas": [scim_protocol::schema::USER_SCHEMA], "userName": user_name,
                       (rt.role_attr.clone()): "Superuser", "active": true})
                .to_string(),
            );
            e.response_body = Some(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400",
                       "scimType": "invalidValue", "detail": detail})
                .to_string(),
            );
            out.push(e);
        }
    }
    // A stale token somewhere, three days ago: refused, folded per minute.
    let mut stale = base(
        3 * 24 * 60 + 17,
        "GET",
        "/scim/v2/Users?startIndex=1&count=100".into(),
        401,
    );
    stale.token_name = None;
    stale.count = 4;
    stale.aggregated = true;
    stale.error = Some("the bearer token is not valid".to_owned());
    out.push(stale);
    out.sort_by(|a, b| a.at.cmp(&b.at));
    out
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
