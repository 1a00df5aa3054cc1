//! The SCIM 2.0 protocol: schemas, resources, filters, PATCH and errors.
//!
//! Nothing here knows about HTTP or storage: a request body or a filter string is parsed into
//! typed values, checked against the schema registry and applied to JSON resources.

pub mod error;
pub mod filter;
pub mod group;
pub mod path;
pub mod schema;

pub use error::{ScimError, ScimType};
pub mod patch;
pub mod projection;
pub mod resource;

pub use schema::{ResourceSchema, ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
