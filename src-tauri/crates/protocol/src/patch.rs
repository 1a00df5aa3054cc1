//! PATCH (RFC 7644 §3.5.2): a request body parsed into typed operations, then applied to a
//! resource in canonical form, all or nothing.
//!
//! Tolerates what identity providers really send: `op` in any case (`Replace`), booleans as
//! `"True"`/`"False"`, path-less values whose keys are dotted (`name.givenName`) or
//! URN-qualified, value-filter paths, Entra's old-style `remove` with a value list, and a bare
//! string for a complex attribute.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, DefaultHasher, Hash, Hasher, RandomState};

use serde_json::{Map, Value};

use crate::error::{grouped, Result, ScimError, ScimType};
use crate::filter::{CompValue, CompareOp, ElementFilter, Filter};
use crate::path::{AttrPath, PatchPath};
use crate::resource::{self, namespace_map};
use crate::schema::{
    AttrDef, AttrType, Mutability, Namespace, ResourceSchema, MAX_OPERATIONS, PATCH_OP_SCHEMA,
};

/// The three PATCH operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Remove,
    Replace,
}

/// One parsed operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: OpKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// Parses a PatchOp request body of at most [`MAX_OPERATIONS`] operations.
pub fn parse(body: &Value) -> Result<Vec<Operation>> {
    parse_with(body, MAX_OPERATIONS)
}

/// Parses a PatchOp request body of at most `max_operations` operations. A longer one is
/// refused before any operation is looked at, so refusing it costs next to nothing.
pub fn parse_with(body: &Value, max_operations: usize) -> Result<Vec<Operation>> {
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax(
            "a PATCH body must be a JSON object",
        ));
    };
    if let Some(schemas) = get_ci(obj, "schemas") {
        let ok = schemas.as_array().is_some_and(|a| {
            a.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
            })
        });
        if !ok {
            return Err(ScimError::invalid_syntax(format!(
                "'schemas' must contain \"{PATCH_OP_SCHEMA}\""
            )));
        }
    }
    let Some(ops) = get_ci(obj, "Operations").and_then(Value::as_array) else {
        return Err(ScimError::invalid_syntax(
            "a PATCH body needs an 'Operations' array",
        ));
    };
    if ops.is_empty() {
        return Err(ScimError::invalid_syntax("'Operations' is empty"));
    }
    check_operation_count(ops.len(), max_operations)?;
    ops.iter()
        .enumerate()
        .map(|(i, op)| parse_op(i, op))
        .collect()
}

fn check_operation_count(count: usize, max: usize) -> Result<()> {
    if count > max {
        return Err(ScimError::invalid_value(format!(
            "the PATCH has {} operations; at most {} are accepted in one request",
            grouped(count),
            grouped(max)
        )));
    }
    Ok(())
}

fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn parse_op(i: usize, op: &Value) -> Result<Operation> {
    let n = i + 1;
    let Value::Object(o) = op else {
        return Err(ScimError::invalid_syntax(format!(
            "operation {n} must be an object"
        )));
    };
    let kind = match get_ci(o, "op")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("add") => OpKind::Add,
        Some("remove") => OpKind::Remove,
        Some("replace") => OpKind::Replace,
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {n}: unknown op '{other}' (expected add, remove or replace)"
            )))
        }
        None => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {n} has no 'op'"
            )))
        }
    };
    let path = match get_ci(o, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(
            PatchPath::parse(s)
                .map_err(|e| ScimError::invalid_path(format!("operation {n}: {}", e.detail)))?,
        ),
        Some(_) => {
            return Err(ScimError::invalid_path(format!(
                "operation {n}: 'path' must be a string"
            )))
        }
    };
    let value = get_ci(o, "value").cloned();
    match kind {
        OpKind::Remove if path.is_none() => {
            return Err(ScimError::no_target(format!(
                "operation {n}: remove needs a 'path'"
            )))
        }
        OpKind::Add | OpKind::Replace if value.is_none() => {
            return Err(ScimError::invalid_syntax(
                format!("operation {n}: {kind:?} needs a 'value'").to_lowercase(),
            ))
        }
        OpKind::Add | OpKind::Replace
            if path.is_none() && !value.as_ref().is_some_and(Value::is_object) =>
        {
            return Err(ScimError::invalid_syntax(format!(
                "operation {n}: without a 'path', 'value' must be an object of attributes"
            )))
        }
        _ => {}
    }
    Ok(Operation {
        op: kind,
        path,
        value,
    })
}

/// What applying a PATCH produced besides the new resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Attribute paths that no schema defines; nothing was done with them.
    pub ignored: Vec<String>,
    /// A new password, to be hashed.
    pub password: Option<String>,
}

/// Applies `ops` to `data` (canonical form). On error `data` is left as it was.
///
/// Whether a PATCH body is in Microsoft Entra ID's dialect from before 2020: an `op` that is
/// not lower case ("Replace"), or a value that is a boolean written as the string "True" or
/// "False" (at the top of a value, or one level inside a path-less value's object).
pub fn entra_legacy(body: &Value) -> bool {
    let Some(ops) = body
        .as_object()
        .and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
                .map(|(_, v)| v)
        })
        .and_then(Value::as_array)
    else {
        return false;
    };
    let stringly = |v: &Value| {
        v.as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"))
    };
    ops.iter().any(|op| {
        let capitalised = op
            .get("op")
            .and_then(Value::as_str)
            .is_some_and(|o| o.chars().any(char::is_uppercase));
        let value = op.get("value");
        let boolean_text = value.is_some_and(|v| {
            stringly(v) || v.as_object().is_some_and(|m| m.values().any(stringly))
        });
        capitalised || boolean_text
    })
}

/// `schema.limits` bounds the work: at most `max_operations` operations, at most `max_values`
/// values given for a multi-valued attribute in one operation, and no operation may make one
/// hold more than `max_values` (one that already does may still lose values, or be left alone).
/// The cost is linear in the size of the operations and the resource, except that an
/// operation with a value filter tests each value of its attribute once.
pub fn apply(
    schema: &ResourceSchema,
    data: &mut Map<String, Value>,
    ops: &[Operation],
) -> Result<Outcome> {
    check_operation_count(ops.len(), schema.limits.max_operations)?;
    let mut work = data.clone();
    let mut outcome = Outcome::default();
    for op in ops {
        match &op.path {
            Some(path) => apply_path(
                schema,
                &mut work,
                op.op,
                path,
                op.value.as_ref(),
                false,
                &mut outcome,
            )?,
            None => {
                // Checked by `parse`; an object is all that can reach here.
                let Some(Value::Object(values)) = &op.value else {
                    continue;
                };
                for (key, value) in values {
                    if key.eq_ignore_ascii_case("schemas") {
                        continue;
                    }
                    if let Some(Namespace::Extension(ext)) = schema.schema_by_urn(key) {
                        let Value::Object(inner) = value else {
                            return Err(ScimError::invalid_value(format!(
                                "'{key}' must be an object"
                            )));
                        };
                        for (k, v) in inner {
                            let p = AttrPath {
                                urn: Some(ext.id.clone()),
                                attr: k.clone(),
                                sub_attr: None,
                            };
                            let pp = PatchPath {
                                attr: p,
                                filter: None,
                                sub_attr: None,
                            };
                            apply_path(schema, &mut work, op.op, &pp, Some(v), true, &mut outcome)?;
                        }
                        continue;
                    }
                    match AttrPath::parse(key) {
                        Ok(p) => {
                            let pp = PatchPath {
                                attr: p,
                                filter: None,
                                sub_attr: None,
                            };
                            apply_path(
                                schema,
                                &mut work,
                                op.op,
                                &pp,
                                Some(value),
                                true,
                                &mut outcome,
                            )?;
                        }
                        Err(_) => outcome.ignored.push(key.clone()),
                    }
                }
            }
        }
    }
    // Re-check the result as a whole: types, required attributes, a single primary value.
    let checked = resource::renormalize(schema, &Value::Object(work))?;
    outcome.ignored.extend(checked.ignored);
    *data = checked.data;
    Ok(outcome)
}

fn apply_path(
    schema: &ResourceSchema,
    data: &mut Map<String, Value>,
    op: OpKind,
    path: &PatchPath,
    value: Option<&Value>,
    pathless: bool,
    outcome: &mut Outcome,
) -> Result<()> {
    // `urn:…:enterprise:2.0:User` alone names the whole extension object.
    if let (Some(urn), None, None, None) = (
        &path.attr.urn,
        &path.filter,
        &path.sub_attr,
        &path.attr.sub_attr,
    ) {
        if let Some(ext) = schema.extension(&format!("{urn}:{}", path.attr.attr)) {
            return whole_extension(schema, data, ext, op, value, outcome);
        }
    }
    let top = AttrPath {
        urn: path.attr.urn.clone(),
        attr: path.attr.attr.clone(),
        sub_attr: None,
    };
    let Some((ns, def)) = schema.resolve(&top) else {
        outcome.ignored.push(path.to_string());
        return Ok(());
    };
    let sub_name = path.attr.sub_attr.as_deref().or(path.sub_attr.as_deref());
    let sub = match sub_name {
        None => None,
        Some(s) => match def.sub(s) {
            Some(sd) => Some(sd),
            None => {
                outcome.ignored.push(path.to_string());
                return Ok(());
            }
        },
    };
    let target_ro = def.mutability == Mutability::ReadOnly
        || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly);
    if target_ro {
        // Okta's group push replaces `{"id": …, "displayName": …}` without a path: an
        // unchanged read-only value is harmless there.
        if pathless && path.filter.is_none() && sub.is_none() && current(data, ns, def) == value {
            return Ok(());
        }
        if pathless && def.name == "id" {
            return Ok(());
        }
        return Err(ScimError::mutability(format!("'{}' is read-only", path)));
    }
    if def.mutability == Mutability::WriteOnly {
        if def.name == "password" {
            outcome.password = match (op, value) {
                (OpKind::Remove, _) | (_, None | Some(Value::Null)) => None,
                (_, Some(Value::String(s))) => Some(s.clone()),
                _ => return Err(ScimError::invalid_value("password must be a string")),
            };
        }
        return Ok(());
    }
    if op == OpKind::Remove && def.required && sub.is_none() && path.filter.is_none() {
        return Err(ScimError::mutability(format!(
            "'{}' is required and cannot be removed",
            def.name
        )));
    }
    if let (true, None, None, Some(Value::Array(given))) =
        (def.multi_valued, &path.filter, sub, value)
    {
        schema.limits.check_given(&def.name, given.len())?;
    }
    let held = |data: &Map<String, Value>| match current(data, ns, def) {
        Some(Value::Array(items)) => items.len(),
        Some(Value::Null) | None => 0,
        Some(_) => 1,
    };
    let held_before = held(data);
    let key = def.name.clone();
    let container = namespace_map(data, ns);
    let result = match (&path.filter, sub) {
        (None, None) => whole_attribute(container, &key, def, op, value, &mut outcome.ignored),
        (None, Some(sd)) => {
            sub_attribute(container, &key, def, sd, op, value, &mut outcome.ignored)
        }
        (Some(f), sd) => filtered(
            schema,
            ns,
            container,
            &key,
            def,
            f,
            sd,
            op,
            value,
            &mut outcome.ignored,
        ),
    };
    if let Namespace::Extension(ext) = ns {
        if data
            .get(&ext.id)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            data.remove(&ext.id);
        }
    }
    result?;
    if def.multi_valued {
        schema
            .limits
            .check_held(&def.name, held_before, held(data))?;
    }
    Ok(())
}

fn whole_extension(
    schema: &ResourceSchema,
    data: &mut Map<String, Value>,
    ext: &crate::schema::Schema,
    op: OpKind,
    value: Option<&Value>,
    outcome: &mut Outcome,
) -> Result<()> {
    if op == OpKind::Remove {
        data.remove(&ext.id);
        return Ok(());
    }
    let Some(Value::Object(values)) = value else {
        return Err(ScimError::invalid_value(format!(
            "the value for '{}' must be an object",
            ext.id
        )));
    };
    for (k, v) in values {
        if k.eq_ignore_ascii_case("schemas") {
            continue;
        }
        let attr = AttrPath {
            urn: Some(ext.id.clone()),
            attr: k.clone(),
            sub_attr: None,
        };
        let pp = PatchPath {
            attr,
            filter: None,
            sub_attr: None,
        };
        apply_path(schema, data, op, &pp, Some(v), true, outcome)?;
    }
    Ok(())
}

fn current<'a>(
    data: &'a Map<String, Value>,
    ns: Namespace<'_>,
    def: &AttrDef,
) -> Option<&'a Value> {
    match ns {
        Namespace::Core => data.get(&def.name),
        Namespace::Extension(ext) => data.get(&ext.id)?.get(&def.name),
    }
}

fn whole_attribute(
    c: &mut Map<String, Value>,
    key: &str,
    def: &AttrDef,
    op: OpKind,
    value: Option<&Value>,
    ignored: &mut Vec<String>,
) -> Result<()> {
    if op == OpKind::Remove {
        // Entra's old style: `remove` of `members` with a value list removes those members.
        // A single value (not in a list) removes that value too, never the whole attribute.
        let listed = match value {
            Some(Value::Array(items)) => Some(items.as_slice()),
            Some(Value::Null) | None => None,
            Some(one) => Some(std::slice::from_ref(one)),
        };
        if let (true, Some(items)) = (def.multi_valued, listed) {
            if let Some(Value::Array(existing)) = c.get_mut(key) {
                let doomed: Vec<&Value> =
                    items.iter().map(|i| i.get("value").unwrap_or(i)).collect();
                let index = ValueIndex::of(&doomed);
                existing.retain(|e| !index.contains(e.get("value").unwrap_or(e), &doomed));
                if existing.is_empty() {
                    c.remove(key);
                }
            }
            return Ok(());
        }
        c.remove(key);
        return Ok(());
    }
    let coerced = resource::coerce(def, value.unwrap_or(&Value::Null), key, ignored)?;
    if let (false, AttrType::Complex, Some(given)) =
        (def.multi_valued, def.ty, value.and_then(single_object))
    {
        // A singular complex attribute given an object merges it (RFC 7644 §3.5.2.1/3): the
        // sub-attributes given replace, the others stay, and one given as `null` is unassigned
        // (RFC 7643 §2.5). Without this, `{"givenName": null, "familyName": "X"}` kept the old
        // givenName, and a value holding only nulls or unknown names removed the whole `name`.
        let mut merged = match c.get(key) {
            Some(Value::Object(existing)) => existing.clone(),
            _ => Map::new(),
        };
        if let Some(Value::Object(new)) = coerced {
            merged.extend(new);
        }
        for (k, v) in given {
            if let (Value::Null, Some(sd)) = (v, def.sub(k)) {
                merged.remove(&sd.name);
            }
        }
        if merged.is_empty() {
            c.remove(key);
        } else {
            c.insert(key.to_owned(), Value::Object(merged));
        }
        return Ok(());
    }
    let Some(new) = coerced else {
        // Setting an attribute to null or [] unassigns it (RFC 7644 §3.5.2.3).
        if op == OpKind::Replace {
            c.remove(key);
        }
        return Ok(());
    };
    match (op, def.multi_valued, def.ty) {
        (OpKind::Add, true, _) => {
            let Value::Array(new_items) = new else {
                unreachable_multi()
            };
            match c.get_mut(key) {
                Some(Value::Array(existing)) => {
                    existing.reserve(new_items.len());
                    let mut index = ValueIndex::with_room(existing, new_items.len());
                    for item in new_items {
                        index.push_new(item, existing);
                    }
                }
                _ => {
                    c.insert(key.to_owned(), Value::Array(new_items));
                }
            }
        }
        // Complex singular: the given sub-attributes replace or add, the others stay.
        (_, false, AttrType::Complex) => match (c.get_mut(key), new) {
            (Some(Value::Object(existing)), Value::Object(new)) => existing.extend(new),
            (_, new) => {
                c.insert(key.to_owned(), new);
            }
        },
        _ => {
            c.insert(key.to_owned(), new);
        }
    }
    Ok(())
}

/// The object a singular complex value is given as: the object itself, or the only element of
/// a one-element list (see [`resource::coerce`]).
fn single_object(value: &Value) -> Option<&Map<String, Value>> {
    match value {
        Value::Object(o) => Some(o),
        Value::Array(items) if items.len() == 1 => items[0].as_object(),
        _ => None,
    }
}

fn unreachable_multi() -> ! {
    unreachable!("coerce returns an array for a multi-valued attribute")
}

fn sub_attribute(
    c: &mut Map<String, Value>,
    key: &str,
    def: &AttrDef,
    sd: &AttrDef,
    op: OpKind,
    value: Option<&Value>,
    ignored: &mut Vec<String>,
) -> Result<()> {
    let at = format!("{key}.{}", sd.name);
    let new = match op {
        OpKind::Remove => None,
        _ => resource::coerce(sd, value.unwrap_or(&Value::Null), &at, ignored)?,
    };
    let set = |o: &mut Map<String, Value>| match &new {
        Some(v) => {
            o.insert(sd.name.clone(), v.clone());
        }
        None => {
            o.remove(&sd.name);
        }
    };
    if def.multi_valued {
        // No filter: the sub-attribute of every value.
        if let Some(Value::Array(items)) = c.get_mut(key) {
            for item in items.iter_mut() {
                if let Value::Object(o) = item {
                    set(o);
                }
            }
        } else if let Some(v) = &new {
            let mut o = Map::new();
            o.insert(sd.name.clone(), v.clone());
            c.insert(key.to_owned(), Value::Array(vec![Value::Object(o)]));
        }
        return Ok(());
    }
    match c.get_mut(key) {
        Some(Value::Object(o)) => {
            set(o);
            if o.is_empty() {
                c.remove(key);
            }
        }
        _ => {
            if let Some(v) = new {
                let mut o = Map::new();
                o.insert(sd.name.clone(), v);
                c.insert(key.to_owned(), Value::Object(o));
            }
        }
    }
    Ok(())
}

/// `attr[filter]` or `attr[filter].sub`.
#[allow(clippy::too_many_arguments)]
fn filtered(
    schema: &ResourceSchema,
    ns: Namespace<'_>,
    c: &mut Map<String, Value>,
    key: &str,
    def: &AttrDef,
    f: &Filter,
    sd: Option<&AttrDef>,
    op: OpKind,
    value: Option<&Value>,
    ignored: &mut Vec<String>,
) -> Result<()> {
    if !def.multi_valued {
        return Err(ScimError::invalid_path(format!(
            "'{key}' is not multi-valued; a value filter does not apply"
        )));
    }
    let parent = AttrPath {
        urn: match ns {
            Namespace::Core => None,
            Namespace::Extension(ext) => Some(ext.id.clone()),
        },
        attr: key.to_owned(),
        sub_attr: None,
    };
    let elements = ElementFilter::new(f, &parent, schema);
    let mut items = match c.remove(key) {
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    let matched: Vec<bool> = items.iter().map(|e| elements.matches(e)).collect();
    let any_matched = matched.contains(&true);
    // Which elements this operation set or created, for `primary` below.
    let outcome = (|| -> Result<Vec<bool>> {
        match (op, sd) {
            (OpKind::Remove, None) => {
                let mut doomed = matched.iter();
                items.retain(|_| doomed.next() != Some(&true));
                Ok(Vec::new())
            }
            (OpKind::Remove, Some(sd)) => {
                for item in matching(&mut items, &matched) {
                    if let Value::Object(o) = item {
                        o.remove(&sd.name);
                    }
                }
                Ok(Vec::new())
            }
            (_, Some(sd)) => {
                let at = format!("{key}.{}", sd.name);
                let new = resource::coerce(sd, value.unwrap_or(&Value::Null), &at, ignored)?;
                if !any_matched {
                    let mut element = element_from_filter(f, key)?;
                    // Unassigning a sub-attribute of a value that does not exist changes
                    // nothing; it used to create a value holding only the filter's attributes.
                    let Some(v) = new else {
                        return Ok(Vec::new());
                    };
                    element.insert(sd.name.clone(), v);
                    return push_created(def, key, element, &mut items, ignored);
                }
                for item in matching(&mut items, &matched) {
                    if let Value::Object(o) = item {
                        match &new {
                            Some(v) => o.insert(sd.name.clone(), v.clone()),
                            None => o.remove(&sd.name),
                        };
                    }
                }
                Ok(matched)
            }
            (_, None) => {
                let element_def = AttrDef {
                    multi_valued: false,
                    ..def.clone()
                };
                let new =
                    resource::coerce(&element_def, value.unwrap_or(&Value::Null), key, ignored)?;
                if !any_matched {
                    let mut element = element_from_filter(f, key)?;
                    // As above: a null value for a value that does not exist is a no-op.
                    let Some(Value::Object(n)) = new else {
                        return Ok(Vec::new());
                    };
                    element.extend(n);
                    return push_created(def, key, element, &mut items, ignored);
                }
                match &new {
                    Some(v) => {
                        for item in matching(&mut items, &matched) {
                            *item = v.clone();
                        }
                        Ok(matched)
                    }
                    None => {
                        let mut doomed = matched.iter();
                        items.retain(|_| doomed.next() != Some(&true));
                        Ok(Vec::new())
                    }
                }
            }
        }
    })();
    if let Ok(touched) = &outcome {
        demote_other_primaries(&mut items, touched);
    }
    if !items.is_empty() {
        c.insert(key.to_owned(), Value::Array(items));
    }
    outcome.map(|_| ())
}

/// The elements of `items` whose place in `matched` is `true`.
fn matching<'a>(
    items: &'a mut [Value],
    matched: &'a [bool],
) -> impl Iterator<Item = &'a mut Value> {
    items
        .iter_mut()
        .zip(matched)
        .filter_map(|(item, &m)| m.then_some(item))
}

/// Appends a value created from a filter that matched nothing, in canonical form, unless an
/// equal value is already there: the value given can contradict the filter (`emails[value eq
/// "old@x"].value` set to "new@x"), and a retried request then appended a duplicate each time.
/// Returns which element is that value, for `primary`.
fn push_created(
    def: &AttrDef,
    key: &str,
    element: Map<String, Value>,
    items: &mut Vec<Value>,
    ignored: &mut Vec<String>,
) -> Result<Vec<bool>> {
    let element_def = AttrDef {
        multi_valued: false,
        ..def.clone()
    };
    let Some(created) = resource::coerce(&element_def, &Value::Object(element), key, ignored)?
    else {
        return Ok(Vec::new());
    };
    let at = match items.iter().position(|e| *e == created) {
        Some(i) => i,
        None => {
            items.push(created);
            items.len() - 1
        }
    };
    let mut touched = vec![false; items.len()];
    touched[at] = true;
    Ok(touched)
}

/// RFC 7644 §3.5.2: a value made `primary` by this operation takes the flag from the others.
/// The final re-normalization keeps only the *last* primary value in array order, so without
/// this, `emails[type eq "work"].primary = true` on the first of two emails was undone when
/// the second one was already primary. `touched` tells, by position, the values the operation
/// set or created.
fn demote_other_primaries(items: &mut [Value], touched: &[bool]) {
    let is_primary = |v: &Value| v.get("primary").and_then(Value::as_bool) == Some(true);
    let is_touched = |i: usize| touched.get(i) == Some(&true);
    if !items
        .iter()
        .enumerate()
        .any(|(i, item)| is_touched(i) && is_primary(item))
    {
        return;
    }
    for (i, item) in items.iter_mut().enumerate() {
        if !is_touched(i) && is_primary(item) {
            item["primary"] = Value::Bool(false);
        }
    }
}

/// Positions of values in a list, found by a structural hash, so that checking n values
/// against a list of m costs O(n + m) rather than O(n × m). Equality stays `==`: the hash only
/// narrows down which values to compare.
struct ValueIndex {
    keys: RandomState,
    /// The last position indexed under each hash.
    last: HashMap<u64, usize>,
    /// For each position, the one indexed before it under the same hash.
    earlier: Vec<Option<usize>>,
}

impl ValueIndex {
    fn of<T: Borrow<Value>>(list: &[T]) -> Self {
        Self::with_room(list, 0)
    }

    /// The index of `list`, ready for `more` values to be pushed.
    fn with_room<T: Borrow<Value>>(list: &[T], more: usize) -> Self {
        let mut index = ValueIndex {
            keys: RandomState::new(),
            last: HashMap::with_capacity(list.len() + more),
            earlier: Vec::with_capacity(list.len() + more),
        };
        for v in list {
            let h = index.hash(v.borrow());
            index.add(h);
        }
        index
    }

    fn hash(&self, value: &Value) -> u64 {
        let mut state = self.keys.build_hasher();
        hash_value(&self.keys, value, &mut state);
        state.finish()
    }

    /// Indexes the next position of the list under `hash`.
    fn add(&mut self, hash: u64) {
        let at = self.earlier.len();
        self.earlier.push(self.last.insert(hash, at));
    }

    fn find<T: Borrow<Value>>(&self, hash: u64, value: &Value, list: &[T]) -> bool {
        let mut at = self.last.get(&hash).copied();
        while let Some(i) = at {
            if list.get(i).is_some_and(|v| v.borrow() == value) {
                return true;
            }
            at = self.earlier.get(i).copied().flatten();
        }
        false
    }

    /// Whether `list`, the list indexed, holds a value equal to `value`.
    fn contains<T: Borrow<Value>>(&self, value: &Value, list: &[T]) -> bool {
        self.find(self.hash(value), value, list)
    }

    /// Appends `value` to `list`, the list indexed, unless it holds an equal value already.
    fn push_new(&mut self, value: Value, list: &mut Vec<Value>) {
        let h = self.hash(&value);
        if !self.find(h, &value, list) {
            self.add(h);
            list.push(value);
        }
    }
}

/// Feeds `value` to `state` such that values that are `==` hash alike. `keys` seeds the
/// separate hashers of an object's members.
fn hash_value(keys: &RandomState, value: &Value, state: &mut DefaultHasher) {
    match value {
        Value::Null => state.write_u8(0),
        Value::Bool(b) => {
            state.write_u8(1);
            b.hash(state);
        }
        Value::Number(n) => {
            // serde_json hashes -0.0 and 0.0, which are `==`, alike.
            state.write_u8(2);
            n.hash(state);
        }
        Value::String(s) => {
            state.write_u8(3);
            s.hash(state);
        }
        Value::Array(items) => {
            state.write_u8(4);
            state.write_usize(items.len());
            for item in items {
                hash_value(keys, item, state);
            }
        }
        Value::Object(members) => {
            // With `preserve_order`, `==` on objects ignores the order of their members, so
            // the members' own hashes are combined by a sum, which ignores it too.
            let sum = members.iter().fold(0u64, |sum, (k, v)| {
                let mut member = keys.build_hasher();
                k.hash(&mut member);
                hash_value(keys, v, &mut member);
                sum.wrapping_add(member.finish())
            });
            state.write_u8(5);
            state.write_usize(members.len());
            state.write_u64(sum);
        }
    }
}

/// Entra replaces `emails[type eq "work"].value` on users who have no work email yet: when the
/// filter is a conjunction of `eq` comparisons, the value it describes is created. Any other
/// filter that matches nothing is `noTarget` (RFC 7644 §3.5.2.3).
fn element_from_filter(f: &Filter, key: &str) -> Result<Map<String, Value>> {
    fn collect(f: &Filter, out: &mut Map<String, Value>) -> bool {
        match f {
            Filter::And(a, b) => collect(a, out) && collect(b, out),
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
            } if path.sub_attr.is_none() && path.urn.is_none() => {
                let v = match value {
                    CompValue::Null => return false,
                    CompValue::Bool(b) => Value::Bool(*b),
                    CompValue::Number(n) => Value::Number(n.clone()),
                    CompValue::String(s) => Value::String(s.clone()),
                };
                out.insert(path.attr.clone(), v);
                true
            }
            _ => false,
        }
    }
    let mut out = Map::new();
    if collect(f, &mut out) {
        Ok(out)
    } else {
        Err(ScimError::new(
            400,
            Some(ScimType::NoTarget),
            format!("no value of '{key}' matches the filter {f}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::ValueIndex;
    use serde_json::json;

    #[test]
    fn the_index_finds_exactly_the_values_that_are_equal() {
        let list = vec![
            json!({"a": 1, "b": [true, null, {"c": "x", "d": 0.5}]}),
            json!(-0.0),
            json!(1),
        ];
        let index = ValueIndex::of(&list);
        let found = |v| index.contains(&v, &list);
        assert!(found(
            json!({"b": [true, null, {"d": 0.5, "c": "x"}], "a": 1})
        ));
        assert_eq!(json!(-0.0), json!(0.0));
        assert!(found(json!(0.0)));
        assert_ne!(json!(1), json!(1.0));
        assert!(!found(json!(1.0)));
        assert!(!found(json!("1")));
        assert!(!found(json!({"a": 1})));
        assert!(!found(
            json!({"a": 1, "b": [null, true, {"c": "x", "d": 0.5}]})
        ));
    }

    #[test]
    fn push_new_skips_values_held_or_pushed_before() {
        let mut list = vec![json!({"value": "a", "type": "work"})];
        let mut index = ValueIndex::of(&list);
        for v in [
            json!({"type": "work", "value": "a"}),
            json!({"value": "b"}),
            json!({"value": "b"}),
            json!({"value": "a"}),
        ] {
            index.push_new(v, &mut list);
        }
        assert_eq!(
            list,
            vec![
                json!({"value": "a", "type": "work"}),
                json!({"value": "b"}),
                json!({"value": "a"}),
            ]
        );
    }
}
