//! The Group resource type, and Okta's rename before a membership change applied to a group's
//! attributes once the membership operations are taken out.

use serde_json::{json, Map, Value};

use scim_protocol::group::split_members;
use scim_protocol::patch;
use scim_protocol::schema::{group_schema, Mutability, Uniqueness};

#[test]
fn the_group_schema_describes_display_name_and_user_members() {
    let g = group_schema();
    assert_eq!(g.endpoint, "Groups");
    let name = g.core.attr("displayName").unwrap();
    assert!(name.required && name.uniqueness == Uniqueness::Server);
    let members = g.core.attr("members").unwrap();
    assert!(members.multi_valued);
    assert_eq!(members.sub("type").unwrap().canonical_values, ["User"]);
    assert_eq!(
        members.sub("value").unwrap().mutability,
        Mutability::Immutable
    );
    assert!(g.common.iter().any(|a| a.name == "externalId"));
}

#[test]
fn okta_s_rename_and_a_membership_change_in_one_patch() {
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "replace", "value": {"id": "g1", "displayName": "Sales EMEA"}},
        {"op": "add", "path": "members", "value": [{"value": "u1", "display": "Dana"}]},
    ]});
    let ops = patch::parse(&body).unwrap();
    let (rest, members) = split_members(&ops, 1000).unwrap();
    assert_eq!(members.add, ["u1"]);
    let mut data: Map<String, Value> = json!({"displayName": "Sales"}).as_object().unwrap().clone();
    patch::apply(&group_schema(), &mut data, &rest).unwrap();
    assert_eq!(data["displayName"], "Sales EMEA");
    assert!(!data.contains_key("members"));
    assert!(
        !data.contains_key("id"),
        "the id is not an attribute to store: {data:?}"
    );
}
