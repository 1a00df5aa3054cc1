//! The requests Microsoft Entra ID's provisioning service sends (see `IDP-BEHAVIOUR` in the
//! design notes), in both of its PATCH dialects: the one of tenant URLs with
//! `?aadOptscim062020` (RFC-conformant: lower-case ops, real booleans, path-less replaces with
//! dotted keys), and the older one (capitalised ops, `"False"` as a string, one path per
//! operation).

use reqwest::Method;
use serde_json::{json, Value};

use crate::okta::{
    create_group, describe, find, find_group, find_members, group_outcome, Sequence,
};
use crate::{filter_string, query_value, ClientError, Exchange, ScimClient};

/// What Entra's provisioning service calls itself.
pub const USER_AGENT: &str = "Azure Active Directory SCIM Client";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ADSCIM_GROUP: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// Which PATCH dialect Entra speaks: the tenant URL's `?aadOptscim062020` flag decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// With `?aadOptscim062020`: what RFC 7644 says.
    Aadopt,
    /// Without it: capitalised ops, booleans as strings.
    Legacy,
}

/// A client that names itself as Entra does.
pub fn client(base_url: &str, token: &str) -> Result<ScimClient, ClientError> {
    ScimClient::new(base_url, token, USER_AGENT)
}

/// A random id in Entra's format (for Test Connection's lookup and externalIds).
fn guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn not_found(user_name: &str) -> String {
    format!(
        "Entra found no user '{user_name}' here: it is created when the user is assigned to the \
         application and the next provisioning cycle runs"
    )
}

fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// *Test Connection*: a lookup of a random userName, which must answer an empty list.
pub async fn test_connection(c: &ScimClient) -> Result<Sequence, ClientError> {
    let filter = format!("userName eq {}", filter_string(&guid()));
    let x = c
        .send(
            Method::GET,
            &format!("/Users?filter={}", query_value(&filter)),
            None,
        )
        .await?;
    let empty = x.ok()
        && x.response
            .as_ref()
            .and_then(|r| r.get("totalResults"))
            .and_then(Value::as_u64)
            == Some(0);
    let outcome = if empty {
        "The supplied credentials are authorized to enable provisioning".to_owned()
    } else if x.ok() {
        "Test Connection failed: a lookup of a random userName found users".to_owned()
    } else {
        format!("Test Connection failed: {}", describe(&x))
    };
    let ok = empty;
    Ok(Sequence {
        exchanges: vec![x],
        ok,
        outcome,
    })
}

/// A user assigned to the application: the lookup by userName, then the create with both user
/// schemas, `meta.resourceType` and `roles: []`.
pub async fn create_user(
    c: &ScimClient,
    user_name: &str,
    given_name: &str,
    family_name: &str,
) -> Result<Sequence, ClientError> {
    let mut xs = Vec::new();
    if find(c, user_name, &mut xs).await?.is_some() {
        return Ok(Sequence::done(
            xs,
            format!("{user_name} exists already: Entra matched it"),
        ));
    }
    let body = json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": guid(),
        "userName": user_name,
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": format!("{given_name} {family_name}"),
            "familyName": family_name, "givenName": given_name},
        "roles": [],
    });
    let x = c.send(Method::POST, "/Users", Some(body)).await?;
    let done = format!("Created {user_name}");
    Ok(Sequence::finish(xs, x, done, "The create was refused"))
}

/// A name change in Entra, in the dialect given.
pub async fn update_name(
    c: &ScimClient,
    user_name: &str,
    given_name: &str,
    family_name: &str,
    dialect: Dialect,
) -> Result<Sequence, ClientError> {
    let mut xs = Vec::new();
    let Some(id) = find(c, user_name, &mut xs).await? else {
        return Ok(Sequence::failed(xs, not_found(user_name)));
    };
    let display = format!("{given_name} {family_name}");
    let ops = match dialect {
        Dialect::Aadopt => json!([{"op": "replace", "value": {
            "displayName": display, "name.givenName": given_name, "name.familyName": family_name}}]),
        Dialect::Legacy => json!([
            {"op": "Replace", "path": "displayName", "value": display},
            {"op": "Replace", "path": "name.givenName", "value": given_name},
            {"op": "Replace", "path": "name.familyName", "value": family_name}]),
    };
    let x = c
        .send(Method::PATCH, &format!("/Users/{id}"), Some(patch(ops)))
        .await?;
    let done = format!("Updated {user_name}'s name");
    Ok(Sequence::finish(xs, x, done, "The update was refused"))
}

/// A user unassigned (or blocked) in Entra: disabled, in the dialect given.
pub async fn disable(
    c: &ScimClient,
    user_name: &str,
    dialect: Dialect,
) -> Result<Sequence, ClientError> {
    let mut xs = Vec::new();
    let Some(id) = find(c, user_name, &mut xs).await? else {
        return Ok(Sequence::failed(xs, not_found(user_name)));
    };
    let ops = match dialect {
        Dialect::Aadopt => json!([{"op": "replace", "path": "active", "value": false}]),
        Dialect::Legacy => json!([{"op": "Replace", "path": "active", "value": "False"}]),
    };
    let x = c
        .send(Method::PATCH, &format!("/Users/{id}"), Some(patch(ops)))
        .await?;
    let done = format!("Disabled {user_name}");
    Ok(Sequence::finish(xs, x, done, "The change was refused"))
}

/// A group assigned to the application: the lookup without members, the create (whose
/// `schemas` also lists Entra's own group schema), then the members added with `$ref: null`.
pub async fn provision_group(
    c: &ScimClient,
    name: &str,
    member_user_names: &[String],
) -> Result<Sequence, ClientError> {
    let mut xs = Vec::new();
    let id = match find_group(c, name, "excludedAttributes=members&", &mut xs).await? {
        Some(id) => id,
        None => {
            let body = json!({"schemas": [GROUP, ADSCIM_GROUP], "externalId": guid(),
                "displayName": name, "members": []});
            let failed = format!("Entra could not create the group '{name}'");
            match create_group(c, body, &mut xs, &failed).await? {
                Ok(id) => id,
                Err(ended) => return Ok(ended),
            }
        }
    };
    let (found, missing) = find_members(c, member_user_names, &mut xs).await?;
    if !found.is_empty() {
        let members: Vec<Value> = found
            .iter()
            .map(|(uid, _)| json!({"$ref": null, "value": uid}))
            .collect();
        let ops = json!([{"op": "Add", "path": "members", "value": members}]);
        let x = c
            .send(Method::PATCH, &format!("/Groups/{id}"), Some(patch(ops)))
            .await?;
        if let Some(ended) = Sequence::unless_refused(&mut xs, x, "Adding members was refused") {
            return Ok(ended);
        }
    }
    let outcome = group_outcome(
        &format!("Provisioned the group '{name}'"),
        found.len(),
        &missing,
        "not provisioned yet, so skipped",
    );
    Ok(Sequence::done(xs, outcome))
}

/// A member taken out of a group, in Entra's old style: `Remove` of `members` with a value
/// list, which means "remove these members".
pub async fn remove_from_group(
    c: &ScimClient,
    group: &str,
    user_name: &str,
) -> Result<Sequence, ClientError> {
    let mut xs: Vec<Exchange> = Vec::new();
    let Some(gid) = find_group(c, group, "excludedAttributes=members&", &mut xs).await? else {
        return Ok(Sequence::failed(
            xs,
            format!("Entra found no group '{group}' here"),
        ));
    };
    let Some(uid) = find(c, user_name, &mut xs).await? else {
        return Ok(Sequence::failed(xs, not_found(user_name)));
    };
    let ops = json!([{"op": "Remove", "path": "members", "value": [{"value": uid}]}]);
    let x = c
        .send(Method::PATCH, &format!("/Groups/{gid}"), Some(patch(ops)))
        .await?;
    let done = format!("Removed {user_name} from '{group}'");
    Ok(Sequence::finish(xs, x, done, "The removal was refused"))
}
