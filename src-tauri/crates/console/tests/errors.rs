//! Errors reach the window with one closed set of codes, spelled one way.

use scim_console_core::console::{CommandError, ErrorCode};
use scim_protocol::{ScimError, ScimType};
use scim_server::ApiError;

fn code(e: ScimError) -> serde_json::Value {
    serde_json::to_value(CommandError::from(ApiError::Scim(e))).unwrap()["code"].clone()
}

#[test]
fn every_scim_error_maps_to_one_snake_case_code() {
    let cases = [
        (
            ScimError::new(400, Some(ScimType::InvalidFilter), "x"),
            "invalid_filter",
        ),
        (
            ScimError::new(409, Some(ScimType::Uniqueness), "x"),
            "conflict",
        ),
        (
            ScimError::new(400, Some(ScimType::Mutability), "x"),
            "invalid_value",
        ),
        (
            ScimError::new(400, Some(ScimType::InvalidValue), "x"),
            "invalid_value",
        ),
        (ScimError::new(400, None, "x"), "invalid_value"),
        (ScimError::new(401, None, "x"), "unauthorized"),
        (ScimError::new(403, None, "x"), "forbidden"),
        (ScimError::new(404, None, "x"), "not_found"),
        (ScimError::new(409, None, "x"), "conflict"),
        (ScimError::new(412, None, "x"), "modified"),
        (ScimError::new(413, None, "x"), "too_large"),
        (ScimError::new(429, None, "x"), "throttled"),
        (ScimError::new(503, None, "x"), "held"),
        (ScimError::new(500, None, "x"), "internal"),
    ];
    for (e, expected) in cases {
        assert_eq!(code(e.clone()), expected, "{e:?}");
    }
    let internal = CommandError::from(ApiError::Internal("disk".to_owned()));
    assert_eq!(internal.code, ErrorCode::Internal);
    assert!(internal.message.contains("disk"));
}
