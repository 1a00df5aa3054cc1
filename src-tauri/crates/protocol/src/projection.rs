//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5), applied to rendered resources.

use serde_json::{Map, Value};

use crate::error::Result;
use crate::path::AttrPath;
use crate::schema::{AttrDef, Namespace, ResourceSchema, Returned};

/// A parsed `attributes` / `excludedAttributes` pair.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    include: Vec<Selected>,
    exclude: Vec<Selected>,
    /// `attributes` named something, even if nothing it named is defined: the response is then
    /// restricted to the always-returned attributes. (Before, `attributes=shoeSize` left
    /// `include` empty and returned the whole resource, although unknown names "select
    /// nothing".)
    restricted: bool,
}

/// One selected attribute, resolved to where it lives in the JSON.
#[derive(Debug, Clone, PartialEq)]
struct Selected {
    /// `None` for the core namespace, else the extension URN key.
    ns_key: Option<String>,
    attr: String,
    sub: Option<String>,
}

fn parse_list(schema: &ResourceSchema, list: Option<&str>) -> Result<Vec<Selected>> {
    let mut out = Vec::new();
    for part in list
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        // A bare extension URN selects the whole extension object.
        if let Some(Namespace::Extension(ext)) = schema.schema_by_urn(part) {
            out.push(Selected {
                ns_key: Some(ext.id.clone()),
                attr: String::new(),
                sub: None,
            });
            continue;
        }
        let path = AttrPath::parse(part)?;
        // Unknown attributes select nothing (RFC 7644 does not make them an error, and IdPs
        // ask for attributes of their own).
        let Some((ns, def)) = schema.resolve(&path) else {
            continue;
        };
        let sub = match &path.sub_attr {
            Some(s) => match def.sub(s) {
                Some(sd) => Some(sd.name.clone()),
                None => continue,
            },
            None => None,
        };
        let ns_key = match ns {
            Namespace::Core => None,
            Namespace::Extension(ext) => Some(ext.id.clone()),
        };
        out.push(Selected {
            ns_key,
            attr: def.name.clone(),
            sub,
        });
    }
    Ok(out)
}

impl Projection {
    pub fn parse(
        schema: &ResourceSchema,
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Self> {
        let restricted = attributes.is_some_and(|a| a.split(',').any(|s| !s.trim().is_empty()));
        Ok(Projection {
            include: parse_list(schema, attributes)?,
            exclude: parse_list(schema, excluded)?,
            restricted,
        })
    }

    pub fn is_identity(&self) -> bool {
        !self.restricted && self.include.is_empty() && self.exclude.is_empty()
    }

    /// Whether the core attribute `attr` (or any of its sub-attributes) can be in the output:
    /// a server skips loading what no response will carry (a big group's `members` under
    /// `excludedAttributes=members`).
    pub fn returns(&self, schema: &ResourceSchema, attr: &str) -> bool {
        let is = |s: &Selected| s.ns_key.is_none() && s.attr.eq_ignore_ascii_case(attr);
        if self.exclude.iter().any(|s| is(s) && s.sub.is_none()) {
            return false;
        }
        if self.restricted || !self.include.is_empty() {
            return always_returned(schema, None, attr) || self.include.iter().any(is);
        }
        true
    }

    /// Applies the projection to a rendered resource.
    pub fn apply(&self, schema: &ResourceSchema, resource: Value) -> Value {
        if self.is_identity() {
            return resource;
        }
        let Value::Object(mut obj) = resource else {
            return resource;
        };
        if self.restricted || !self.include.is_empty() {
            let mut out = Map::new();
            for (k, v) in &obj {
                if k == "schemas" || always_returned(schema, None, k) {
                    out.insert(k.clone(), v.clone());
                }
            }
            for sel in &self.include {
                copy_selected(&obj, &mut out, sel, schema);
            }
            obj = out;
        }
        for sel in &self.exclude {
            remove_selected(&mut obj, sel, schema);
        }
        // Drop extension objects emptied by the projection, and keep `schemas` truthful.
        let empty_exts: Vec<String> = schema
            .extensions
            .iter()
            .map(|(s, _)| s.id.clone())
            .filter(|id| {
                obj.get(id)
                    .and_then(Value::as_object)
                    .is_some_and(Map::is_empty)
            })
            .collect();
        for id in &empty_exts {
            obj.remove(id);
        }
        if let Some(Value::Array(schemas)) = obj.get("schemas").cloned() {
            let kept: Vec<Value> = schemas
                .into_iter()
                .filter(|s| {
                    s.as_str()
                        .is_some_and(|id| id == schema.core.id || obj.contains_key(id))
                })
                .collect();
            obj.insert("schemas".to_owned(), Value::Array(kept));
        }
        Value::Object(obj)
    }
}

fn def_of<'a>(schema: &'a ResourceSchema, ns_key: Option<&str>, attr: &str) -> Option<&'a AttrDef> {
    let path = AttrPath {
        urn: ns_key.map(str::to_owned),
        attr: attr.to_owned(),
        sub_attr: None,
    };
    schema.resolve(&path).map(|(_, d)| d)
}

fn always_returned(schema: &ResourceSchema, ns_key: Option<&str>, attr: &str) -> bool {
    def_of(schema, ns_key, attr).is_some_and(|d| d.returned == Returned::Always)
}

fn container<'a>(
    obj: &'a Map<String, Value>,
    ns_key: Option<&str>,
) -> Option<&'a Map<String, Value>> {
    match ns_key {
        None => Some(obj),
        Some(k) => obj.get(k).and_then(Value::as_object),
    }
}

fn container_mut<'a>(
    obj: &'a mut Map<String, Value>,
    ns_key: Option<&str>,
    create: bool,
) -> Option<&'a mut Map<String, Value>> {
    match ns_key {
        None => Some(obj),
        Some(k) => {
            if create && !obj.contains_key(k) {
                obj.insert(k.to_owned(), Value::Object(Map::new()));
            }
            obj.get_mut(k).and_then(Value::as_object_mut)
        }
    }
}

fn copy_selected(
    from: &Map<String, Value>,
    to: &mut Map<String, Value>,
    sel: &Selected,
    schema: &ResourceSchema,
) {
    let Some(src) = container(from, sel.ns_key.as_deref()) else {
        return;
    };
    if sel.attr.is_empty() {
        if let Some(k) = &sel.ns_key {
            to.insert(k.clone(), Value::Object(src.clone()));
        }
        return;
    }
    let Some(value) = src.get(&sel.attr) else {
        return;
    };
    let _ = schema;
    let Some(dst) = container_mut(to, sel.ns_key.as_deref(), true) else {
        return;
    };
    match &sel.sub {
        None => {
            dst.insert(sel.attr.clone(), value.clone());
        }
        Some(sub) => {
            let picked = pick_sub(value, sub);
            if let Some(p) = picked {
                match dst.get_mut(&sel.attr) {
                    // `name.givenName` and `name.familyName` both asked for: merge.
                    Some(Value::Object(existing)) => {
                        if let Value::Object(p) = p {
                            existing.extend(p);
                        }
                    }
                    Some(Value::Array(existing)) => {
                        if let Value::Array(p) = p {
                            for (e, n) in existing.iter_mut().zip(p) {
                                if let (Value::Object(e), Value::Object(n)) = (e, n) {
                                    e.extend(n);
                                }
                            }
                        }
                    }
                    _ => {
                        dst.insert(sel.attr.clone(), p);
                    }
                }
            }
        }
    }
}

/// The `sub` sub-attribute of a complex value, or of each element of a multi-valued one.
fn pick_sub(value: &Value, sub: &str) -> Option<Value> {
    match value {
        Value::Object(o) => {
            let v = o.get(sub)?;
            let mut m = Map::new();
            m.insert(sub.to_owned(), v.clone());
            Some(Value::Object(m))
        }
        Value::Array(items) => {
            let picked: Vec<Value> = items
                .iter()
                .map(|item| {
                    let mut m = Map::new();
                    if let Some(v) = item.get(sub) {
                        m.insert(sub.to_owned(), v.clone());
                    }
                    Value::Object(m)
                })
                .collect();
            if picked
                .iter()
                .all(|p| p.as_object().is_some_and(Map::is_empty))
            {
                None
            } else {
                Some(Value::Array(picked))
            }
        }
        _ => None,
    }
}

fn remove_selected(obj: &mut Map<String, Value>, sel: &Selected, schema: &ResourceSchema) {
    if sel.attr.is_empty() {
        if let Some(k) = &sel.ns_key {
            obj.remove(k);
        }
        return;
    }
    if sel.sub.is_none() && always_returned(schema, sel.ns_key.as_deref(), &sel.attr) {
        return;
    }
    let Some(c) = container_mut(obj, sel.ns_key.as_deref(), false) else {
        return;
    };
    match &sel.sub {
        None => {
            c.remove(&sel.attr);
        }
        Some(sub) => match c.get_mut(&sel.attr) {
            Some(Value::Object(o)) => {
                o.remove(sub);
                // `excludedAttributes=name.givenName,name.familyName` must not leave
                // `"name": {}` behind.
                if o.is_empty() {
                    c.remove(&sel.attr);
                }
            }
            Some(Value::Array(items)) => {
                for item in items {
                    if let Value::Object(o) = item {
                        o.remove(sub);
                    }
                }
            }
            _ => {}
        },
    }
}
