//! The requests Okta's SCIM 2.0 connector sends, in the order it sends them (see
//! `IDP-BEHAVIOUR` in the design notes): the connector test, the lookup by `userName`, a profile
//! push as GET then PUT of the whole user, and deactivation as a path-less PATCH.

use reqwest::Method;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::{filter_string, query_value, ClientError, Exchange, ScimClient};

/// What Okta calls itself on every request.
pub const USER_AGENT: &str = "Okta SCIM Client 1.0.0";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The requests one Okta action sent, and what came of it in words.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Sequence {
    pub exchanges: Vec<Exchange>,
    /// Whether the server did what Okta asked.
    pub ok: bool,
    pub outcome: String,
}

impl Sequence {
    pub(crate) fn done(exchanges: Vec<Exchange>, outcome: impl Into<String>) -> Self {
        let ok = exchanges.last().is_some_and(Exchange::ok);
        Sequence {
            exchanges,
            ok,
            outcome: outcome.into(),
        }
    }
    /// Keeps the exchange `x`; when it was refused, the sequence ends there, saying `refused`
    /// and why.
    pub(crate) fn unless_refused(
        exchanges: &mut Vec<Exchange>,
        x: Exchange,
        refused: &str,
    ) -> Option<Self> {
        let why = (!x.ok()).then(|| describe(&x));
        exchanges.push(x);
        why.map(|why| Self::failed(std::mem::take(exchanges), format!("{refused}: {why}")))
    }

    /// Ends with the exchange `x`: `done` if it succeeded, else `refused` and why.
    pub(crate) fn finish(
        mut exchanges: Vec<Exchange>,
        x: Exchange,
        done: String,
        refused: &str,
    ) -> Self {
        let outcome = if x.ok() {
            done
        } else {
            format!("{refused}: {}", describe(&x))
        };
        exchanges.push(x);
        Self::done(exchanges, outcome)
    }
    pub(crate) fn failed(exchanges: Vec<Exchange>, outcome: impl Into<String>) -> Self {
        Sequence {
            exchanges,
            ok: false,
            outcome: outcome.into(),
        }
    }
}

/// A client that names itself as Okta does.
pub fn client(base_url: &str, token: &str) -> Result<ScimClient, ClientError> {
    ScimClient::new(base_url, token, USER_AGENT)
}

/// "Test Connector Configuration" and saving *To App*: the first page of two users.
pub async fn connector_test(c: &ScimClient) -> Result<Sequence, ClientError> {
    let x = c
        .send(Method::GET, "/Users?startIndex=1&count=2", None)
        .await?;
    let outcome = if x.ok() {
        "Connector configured successfully".to_owned()
    } else {
        format!("The connector test failed: {}", describe(&x))
    };
    Ok(Sequence::done(vec![x], outcome))
}

/// The lookup Okta makes by `userName` (also when the unique identifier is `email`); the
/// user found, if any.
pub async fn lookup(
    c: &ScimClient,
    user_name: &str,
) -> Result<(Exchange, Option<Value>), ClientError> {
    let filter = format!("userName eq {}", filter_string(user_name));
    let x = c
        .send(
            Method::GET,
            &format!(
                "/Users?filter={}&startIndex=1&count=100",
                query_value(&filter)
            ),
            None,
        )
        .await?;
    let found = x
        .ok()
        .then(|| {
            x.response
                .as_ref()?
                .get("Resources")?
                .as_array()?
                .first()
                .cloned()
        })
        .flatten();
    Ok((x, found))
}

/// Looks the user up, or ends the sequence saying why it could not go on.
pub(crate) async fn find(
    c: &ScimClient,
    user_name: &str,
    exchanges: &mut Vec<Exchange>,
) -> Result<Option<String>, ClientError> {
    let (x, found) = lookup(c, user_name).await?;
    exchanges.push(x);
    Ok(found.and_then(|u| u.get("id").and_then(Value::as_str).map(str::to_owned)))
}

pub(crate) fn not_found(user_name: &str) -> String {
    format!(
        "Okta found no user '{user_name}' here. With just-in-time provisioning a user exists \
         only after their first SAML login, so Okta's updates fail until then."
    )
}

/// "Push Profile Updates": GET the user, then PUT back what came with `changes` applied
/// (top-level members replaced, `name` merged member by member).
pub async fn push_profile(
    c: &ScimClient,
    user_name: &str,
    changes: &Map<String, Value>,
) -> Result<Sequence, ClientError> {
    let mut xs = Vec::new();
    let Some(id) = find(c, user_name, &mut xs).await? else {
        return Ok(Sequence::failed(xs, not_found(user_name)));
    };
    let got = c.send(Method::GET, &format!("/Users/{id}"), None).await?;
    let Some(Value::Object(mut user)) = got.ok().then(|| got.response.clone()).flatten() else {
        let why = describe(&got);
        xs.push(got);
        return Ok(Sequence::failed(
            xs,
            format!("Okta could not read the user: {why}"),
        ));
    };
    xs.push(got);
    for (k, v) in changes {
        match (user.get_mut(k), v) {
            (Some(Value::Object(old)), Value::Object(new)) if k == "name" => {
                old.extend(new.clone());
            }
            _ => {
                user.insert(k.clone(), v.clone());
            }
        }
    }
    let put = c
        .send(
            Method::PUT,
            &format!("/Users/{id}"),
            Some(Value::Object(user)),
        )
        .await?;
    let outcome = if put.ok() {
        format!("Pushed the profile of {user_name}")
    } else {
        format!("The profile push was refused: {}", describe(&put))
    };
    xs.push(put);
    Ok(Sequence::done(xs, outcome))
}

/// Deactivation (unassigning the app) or reactivation, as catalog apps send it.
pub async fn set_active(
    c: &ScimClient,
    user_name: &str,
    active: bool,
) -> Result<Sequence, ClientError> {
    let mut xs = Vec::new();
    let Some(id) = find(c, user_name, &mut xs).await? else {
        return Ok(Sequence::failed(xs, not_found(user_name)));
    };
    let body = json!({
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "value": {"active": active}}]
    });
    let x = c
        .send(Method::PATCH, &format!("/Users/{id}"), Some(body))
        .await?;
    let verb = if active { "Reactivated" } else { "Deactivated" };
    let done = format!("{verb} {user_name}");
    Ok(Sequence::finish(xs, x, done, "The change was refused"))
}

/// The group called `name`, looked up as Okta does before a push; its id if found.
pub(crate) async fn find_group(
    c: &ScimClient,
    name: &str,
    query_tail: &str,
    exchanges: &mut Vec<Exchange>,
) -> Result<Option<String>, ClientError> {
    let filter = format!("displayName eq {}", filter_string(name));
    let x = c
        .send(
            Method::GET,
            &format!("/Groups?{query_tail}filter={}", query_value(&filter)),
            None,
        )
        .await?;
    let id = x
        .ok()
        .then(|| {
            x.response
                .as_ref()?
                .get("Resources")?
                .as_array()?
                .first()?
                .get("id")?
                .as_str()
                .map(str::to_owned)
        })
        .flatten();
    exchanges.push(x);
    Ok(id)
}

/// The users called `user_names`, looked up as the identity provider does: the ids (with the
/// name) of those found, and the names of those not found.
pub(crate) async fn find_members(
    c: &ScimClient,
    user_names: &[String],
    exchanges: &mut Vec<Exchange>,
) -> Result<(Vec<(String, String)>, Vec<String>), ClientError> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for un in user_names {
        match find(c, un, exchanges).await? {
            Some(id) => found.push((id, un.clone())),
            None => missing.push(un.clone()),
        }
    }
    Ok((found, missing))
}

/// "Pushed the group 'Sales' with 2 members; not found here, so not pushed: x" and the like.
pub(crate) fn group_outcome(
    done: &str,
    members: usize,
    missing: &[String],
    skipped: &str,
) -> String {
    let mut outcome = format!(
        "{done} with {members} member{}",
        if members == 1 { "" } else { "s" }
    );
    if !missing.is_empty() {
        outcome.push_str(&format!("; {skipped}: {}", missing.join(", ")));
    }
    outcome
}

/// Creates a group with no members (POST /Groups with `body`); its id, or the sequence ended
/// with `failed` and why.
pub(crate) async fn create_group(
    c: &ScimClient,
    body: Value,
    exchanges: &mut Vec<Exchange>,
    failed: &str,
) -> Result<Result<String, Sequence>, ClientError> {
    let x = c.send(Method::POST, "/Groups", Some(body)).await?;
    let id = x.id().filter(|_| x.ok());
    let why = describe(&x);
    exchanges.push(x);
    Ok(id.ok_or_else(|| Sequence::failed(std::mem::take(exchanges), format!("{failed}: {why}"))))
}

/// Members Okta sends in one PATCH at most.
pub const MEMBERS_PER_PATCH: usize = 256;

/// "Push Groups": looks the group up by name, creates it (with no members) if absent, then —
/// after the `replace` of `{id, displayName}` Okta sends before membership changes — adds the
/// members (looked up by userName) in PATCHes of at most 256.
pub async fn push_group(
    c: &ScimClient,
    name: &str,
    member_user_names: &[String],
) -> Result<Sequence, ClientError> {
    let mut xs = Vec::new();
    let id = match find_group(c, name, "", &mut xs).await? {
        Some(id) => id,
        None => {
            let body = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": name,
                "members": [],
            });
            let failed = format!("Okta could not create the group '{name}'");
            match create_group(c, body, &mut xs, &failed).await? {
                Ok(id) => id,
                Err(ended) => return Ok(ended),
            }
        }
    };
    let (found, missing) = find_members(c, member_user_names, &mut xs).await?;
    let members: Vec<Value> = found
        .iter()
        .map(|(uid, un)| json!({"value": uid, "display": un}))
        .collect();
    let rename = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "value": {"id": id, "displayName": name}}]});
    let x = c
        .send(Method::PATCH, &format!("/Groups/{id}"), Some(rename))
        .await?;
    if let Some(ended) = Sequence::unless_refused(&mut xs, x, "The group push was refused") {
        return Ok(ended);
    }
    for chunk in members.chunks(MEMBERS_PER_PATCH) {
        let add = json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "add", "path": "members", "value": chunk}]});
        let x = c
            .send(Method::PATCH, &format!("/Groups/{id}"), Some(add))
            .await?;
        if let Some(ended) = Sequence::unless_refused(&mut xs, x, "Adding members was refused") {
            return Ok(ended);
        }
    }
    let outcome = group_outcome(
        &format!("Pushed the group '{name}'"),
        members.len(),
        &missing,
        "not found here, so not pushed",
    );
    Ok(Sequence::done(xs, outcome))
}

/// A user unassigned from a pushed group: the `replace` of `{id, displayName}`, then the
/// removal by a value filter.
pub async fn remove_from_group(
    c: &ScimClient,
    group: &str,
    user_name: &str,
) -> Result<Sequence, ClientError> {
    let mut xs = Vec::new();
    let Some(gid) = find_group(c, group, "", &mut xs).await? else {
        return Ok(Sequence::failed(
            xs,
            format!("Okta found no group '{group}' here: push it first"),
        ));
    };
    let Some(uid) = find(c, user_name, &mut xs).await? else {
        return Ok(Sequence::failed(xs, not_found(user_name)));
    };
    let rename = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "value": {"id": gid, "displayName": group}}]});
    xs.push(
        c.send(Method::PATCH, &format!("/Groups/{gid}"), Some(rename))
            .await?,
    );
    let remove = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]});
    let x = c
        .send(Method::PATCH, &format!("/Groups/{gid}"), Some(remove))
        .await?;
    let done = format!("Removed {user_name} from '{group}'");
    Ok(Sequence::finish(xs, x, done, "The removal was refused"))
}

/// An answer in a few words: the SCIM Error's detail, or the status.
pub fn describe(x: &Exchange) -> String {
    match x.error_detail() {
        Some(d) => format!("{} {d}", x.status),
        None => format!("HTTP {}", x.status),
    }
}
