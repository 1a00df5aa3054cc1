//! Incoming resources checked and brought into canonical form against the schema, and stored
//! resources rendered back out.
//!
//! The canonical form is a JSON object with the schema's attribute names (whatever case the
//! client used), core attributes at the top level and extension attributes under their schema
//! URN. Read-only attributes (`id`, `meta`, `groups`) are dropped, `password` is taken out, and
//! anything no schema defines is left out and reported so the event log can show it.

use std::fmt;

use serde_json::{Map, Value};

use crate::error::{Result, ScimError};
use crate::path::AttrPath;
use crate::schema::{AttrDef, AttrType, Limits, Mutability, Namespace, ResourceSchema};

/// A resource in canonical form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Normalized {
    pub data: Map<String, Value>,
    /// The write-only password, if one was sent; to be hashed, never stored or returned.
    pub password: Option<String>,
    /// Attribute paths the client sent that no schema defines.
    pub ignored: Vec<String>,
}

/// Brings a POST/PUT body into canonical form. A multi-valued attribute given more than
/// `schema.limits.max_values` values is refused.
pub fn normalize(schema: &ResourceSchema, input: &Value) -> Result<Normalized> {
    canonical(schema, input, &schema.limits)
}

/// Brings a resource built by the server (the result of a PATCH) back into canonical form.
/// Its values were counted as the request gave and added them; a resource stored under
/// higher limits keeps what it holds.
pub(crate) fn renormalize(schema: &ResourceSchema, input: &Value) -> Result<Normalized> {
    let limits = Limits {
        max_values: usize::MAX,
        ..schema.limits
    };
    canonical(schema, input, &limits)
}

fn canonical(schema: &ResourceSchema, input: &Value, limits: &Limits) -> Result<Normalized> {
    let Value::Object(obj) = input else {
        return Err(ScimError::invalid_syntax(
            "the request body must be a JSON object",
        ));
    };
    let mut out = Normalized::default();
    for (key, value) in obj {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(ns) = schema.schema_by_urn(key) {
            match (ns, value) {
                (Namespace::Extension(ext), Value::Object(inner)) => {
                    for (k, v) in inner {
                        let path = AttrPath {
                            urn: Some(ext.id.clone()),
                            attr: k.clone(),
                            sub_attr: None,
                        };
                        put_attr(schema, limits, &path, v, &mut out)?;
                    }
                }
                (Namespace::Extension(_), Value::Null) => {}
                (Namespace::Extension(ext), _) => {
                    return Err(ScimError::invalid_syntax(format!(
                        "the value of extension '{}' must be an object",
                        ext.id
                    )))
                }
                // The core URN used as a key is not a SCIM construct; report it.
                (Namespace::Core, _) => out.ignored.push(key.clone()),
            }
            continue;
        }
        let path = match AttrPath::parse(key) {
            Ok(p) if p.sub_attr.is_none() => p,
            _ => {
                out.ignored.push(key.clone());
                continue;
            }
        };
        put_attr(schema, limits, &path, value, &mut out)?;
    }
    check_required(schema, &out.data)?;
    Ok(out)
}

/// Places one top-level attribute (given by `path`, without sub-attribute) into `out`.
fn put_attr(
    schema: &ResourceSchema,
    limits: &Limits,
    path: &AttrPath,
    value: &Value,
    out: &mut Normalized,
) -> Result<()> {
    let Some((ns, def)) = schema.resolve(path) else {
        out.ignored.push(path.to_string());
        return Ok(());
    };
    if def.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    if def.mutability == Mutability::WriteOnly && def.name == "password" {
        out.password = match value {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            _ => return Err(ScimError::invalid_value("password must be a string")),
        };
        return Ok(());
    }
    if let (true, Value::Array(given)) = (def.multi_valued, value) {
        limits.check_given(&def.name, given.len())?;
    }
    let coerced = coerce(def, value, &def.name, &mut out.ignored)?;
    let target = namespace_map(&mut out.data, ns);
    match coerced {
        Some(v) => {
            target.insert(def.name.clone(), v);
        }
        None => {
            target.remove(&def.name);
        }
    }
    if let Namespace::Extension(ext) = ns {
        if out
            .data
            .get(&ext.id)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            out.data.remove(&ext.id);
        }
    }
    Ok(())
}

/// The object an attribute of `ns` lives in: the resource itself, or its extension object.
pub fn namespace_map<'a>(
    data: &'a mut Map<String, Value>,
    ns: Namespace<'_>,
) -> &'a mut Map<String, Value> {
    match ns {
        Namespace::Core => data,
        Namespace::Extension(ext) => {
            let slot = data
                .entry(ext.id.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            match slot {
                Value::Object(m) => m,
                _ => unreachable!("just made an object"),
            }
        }
    }
}

/// Checks that required attributes are present.
pub fn check_required(schema: &ResourceSchema, data: &Map<String, Value>) -> Result<()> {
    for def in schema.core.attributes.iter().filter(|a| a.required) {
        let present = match data.get(&def.name) {
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Null) | None => false,
            Some(_) => true,
        };
        if !present {
            return Err(ScimError::invalid_value(format!(
                "'{}' is required",
                def.name
            )));
        }
    }
    Ok(())
}

/// Checks and converts a value for attribute `def`; `None` means "unassigned" (null, empty).
pub fn coerce(
    def: &AttrDef,
    value: &Value,
    at: &str,
    ignored: &mut Vec<String>,
) -> Result<Option<Value>> {
    if !def.multi_valued {
        // Entra sends the singular complex `manager` as a one-element list,
        // `[{"$ref": null, "value": "<id>"}]`: a single-valued attribute takes the only element
        // of a list, `[]` unassigns it like `null`, and a longer list is an error.
        if let Value::Array(items) = value {
            return match items.as_slice() {
                [] => Ok(None),
                [one] => coerce_single(def, one, At::Attr(at), ignored),
                _ => Err(ScimError::invalid_value(format!(
                    "'{at}' is single-valued and takes one value, not a list of {}",
                    items.len()
                ))),
            };
        }
        return coerce_single(def, value, At::Attr(at), ignored);
    }
    let items: Vec<&Value> = match value {
        Value::Null => return Ok(None),
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(v) = coerce_single(def, item, At::Attr(at), ignored)? {
            out.push(v);
        }
    }
    enforce_single_primary(&mut out);
    Ok(if out.is_empty() {
        None
    } else {
        Some(Value::Array(out))
    })
}

/// RFC 7643 §2.4: `primary: true` appears at most once; the value set last wins, which is also
/// what RFC 7644 §3.5.2.1 asks of a PATCH that adds a new primary value.
fn enforce_single_primary(items: &mut [Value]) {
    let Some(last) = items
        .iter()
        .rposition(|v| v.get("primary").and_then(Value::as_bool) == Some(true))
    else {
        return;
    };
    for (i, item) in items.iter_mut().enumerate() {
        if i != last {
            if let Some(Value::Bool(p)) = item.get_mut("primary") {
                *p = false;
            }
        }
    }
}

/// Where a value sits, for messages: an attribute, or a sub-attribute of one. Printed only
/// when needed, as every value of a multi-valued attribute passes through [`coerce_single`].
#[derive(Clone, Copy)]
enum At<'a> {
    Attr(&'a str),
    Sub(&'a At<'a>, &'a str),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Attr(name) => f.write_str(name),
            At::Sub(parent, name) => write!(f, "{parent}.{name}"),
        }
    }
}

fn type_error(at: impl fmt::Display, expected: &str, got: &Value) -> ScimError {
    let kind = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    ScimError::invalid_value(format!("'{at}' must be {expected}, not {kind}"))
}

fn coerce_single(
    def: &AttrDef,
    value: &Value,
    at: At<'_>,
    ignored: &mut Vec<String>,
) -> Result<Option<Value>> {
    if value.is_null() {
        return Ok(None);
    }
    let v = match def.ty {
        AttrType::Complex => {
            let obj = match value {
                Value::Object(o) => o,
                // Entra sends the manager as a bare id; a complex value with a `value`
                // sub-attribute takes a scalar as that sub-attribute.
                Value::String(_) | Value::Number(_) if def.sub("value").is_some() => {
                    let mut m = Map::new();
                    m.insert("value".to_owned(), value.clone());
                    return coerce_single(def, &Value::Object(m), at, ignored);
                }
                other => return Err(type_error(at, "an object", other)),
            };
            let mut out = Map::new();
            for (k, v) in obj {
                match def.sub(k) {
                    None => ignored.push(format!("{at}.{k}")),
                    Some(sub) if sub.mutability == Mutability::ReadOnly => {}
                    Some(sub) => {
                        let sub_at = At::Sub(&at, &sub.name);
                        if let Some(cv) = coerce_single(sub, v, sub_at, ignored)? {
                            out.insert(sub.name.clone(), cv);
                        }
                    }
                }
            }
            if out.is_empty() {
                return Ok(None);
            }
            Value::Object(out)
        }
        AttrType::Boolean => match value {
            Value::Bool(b) => Value::Bool(*b),
            // Entra sends "True"/"False".
            Value::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
            other => return Err(type_error(at, "a boolean", other)),
        },
        AttrType::String | AttrType::Reference | AttrType::Binary => match value {
            Value::String(s) => Value::String(s.clone()),
            // Employee numbers and the like arrive as JSON numbers from some mappings.
            Value::Number(n) if def.ty == AttrType::String => Value::String(n.to_string()),
            other => return Err(type_error(at, "a string", other)),
        },
        AttrType::DateTime => match value {
            Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => {
                Value::String(s.clone())
            }
            Value::String(s) => {
                return Err(ScimError::invalid_value(format!(
                    "'{at}' must be an RFC 3339 date-time such as 2024-05-13T04:42:34Z, not '{s}'"
                )))
            }
            other => return Err(type_error(at, "a date-time string", other)),
        },
        AttrType::Integer => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => value.clone(),
            Value::String(s) => match s.trim().parse::<i64>() {
                Ok(i) => Value::from(i),
                Err(_) => return Err(type_error(at, "an integer", value)),
            },
            other => return Err(type_error(at, "an integer", other)),
        },
        AttrType::Decimal => match value {
            Value::Number(_) => value.clone(),
            other => return Err(type_error(at, "a number", other)),
        },
    };
    Ok(Some(v))
}

/// Checks the role attribute against the defined roles (case-insensitive) and writes it back
/// in the role's own spelling. Returns the role the user was given, or `None` when the
/// resource carries none (the user then has the default role, whatever it is at the time).
pub fn apply_role(
    data: &mut Map<String, Value>,
    role_attr: &str,
    roles: &[String],
) -> Result<Option<String>> {
    let role = match data.get(role_attr) {
        None => return Ok(None),
        Some(Value::String(s)) => match roles.iter().find(|r| r.eq_ignore_ascii_case(s.trim())) {
            Some(r) => r.clone(),
            None => {
                return Err(ScimError::invalid_value(format!(
                    "'{s}' is not a valid {role_attr}; valid roles are: {}",
                    roles.join(", ")
                )))
            }
        },
        Some(other) => return Err(type_error(role_attr, "a string", other)),
    };
    data.insert(role_attr.to_owned(), Value::String(role.clone()));
    Ok(Some(role))
}

/// `meta` of a stored resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub resource_type: String,
    pub created: String,
    pub last_modified: String,
    pub location: String,
    pub version: String,
}

/// The full SCIM representation of a stored resource: `schemas`, `id`, the data, `meta`.
pub fn render(schema: &ResourceSchema, id: &str, data: &Map<String, Value>, meta: &Meta) -> Value {
    let mut out = Map::with_capacity(data.len() + 3);
    let mut schemas = vec![Value::String(schema.core.id.clone())];
    for (ext, _) in &schema.extensions {
        if data.contains_key(&ext.id) {
            schemas.push(Value::String(ext.id.clone()));
        }
    }
    out.insert("schemas".to_owned(), Value::Array(schemas));
    out.insert("id".to_owned(), Value::String(id.to_owned()));
    for (k, v) in data {
        out.insert(k.clone(), v.clone());
    }
    out.insert(
        "meta".to_owned(),
        serde_json::json!({
            "resourceType": meta.resource_type,
            "created": meta.created,
            "lastModified": meta.last_modified,
            "location": meta.location,
            "version": meta.version,
        }),
    );
    Value::Object(out)
}
