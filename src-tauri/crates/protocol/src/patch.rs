//! PATCH (RFC 7644 §3.5.2): a request body parsed into typed operations, then applied to a
//! resource in canonical form, all or nothing.
//!
//! Tolerates what identity providers really send: `op` in any case (`Replace`), booleans as
//! `"True"`/`"False"`, path-less values whose keys are dotted (`name.givenName`) or
//! URN-qualified, value-filter paths, Entra's old-style `remove` with a value list, and a bare
//! string for a complex attribute.

use serde_json::{Map, Value};

use crate::error::{Result, ScimError, ScimType};
use crate::filter::{self, CompValue, CompareOp, Filter};
use crate::path::{AttrPath, PatchPath};
use crate::resource::{self, namespace_map};
use crate::schema::{AttrDef, AttrType, Mutability, Namespace, ResourceSchema, PATCH_OP_SCHEMA};

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

/// Parses a PatchOp request body.
pub fn parse(body: &Value) -> Result<Vec<Operation>> {
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
    ops.iter()
        .enumerate()
        .map(|(i, op)| parse_op(i, op))
        .collect()
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
pub fn apply(
    schema: &ResourceSchema,
    data: &mut Map<String, Value>,
    ops: &[Operation],
) -> Result<Outcome> {
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
    let checked = resource::normalize(schema, &Value::Object(work))?;
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
    result
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
            Some(Value::Array(items)) => Some(items.clone()),
            Some(Value::Null) | None => None,
            Some(one) => Some(vec![one.clone()]),
        };
        if let (true, Some(items)) = (def.multi_valued, listed) {
            if let Some(Value::Array(existing)) = c.get_mut(key) {
                let doomed: Vec<&Value> = items
                    .iter()
                    .filter_map(|i| i.get("value").or(Some(i)))
                    .collect();
                existing.retain(|e| !doomed.iter().any(|d| e.get("value").unwrap_or(e) == *d));
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
                    for item in new_items {
                        if !existing.contains(&item) {
                            existing.push(item);
                        }
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
    let urn = match ns {
        Namespace::Core => None,
        Namespace::Extension(ext) => Some(ext.id.clone()),
    };
    let probe = Filter::ValuePath {
        path: AttrPath {
            urn: urn.clone(),
            attr: key.to_owned(),
            sub_attr: None,
        },
        filter: Box::new(f.clone()),
    };
    let matches_element = |element: &Value| {
        let mut holder = Map::new();
        holder.insert(key.to_owned(), Value::Array(vec![element.clone()]));
        let resource = match &urn {
            None => Value::Object(holder),
            Some(u) => {
                let mut r = Map::new();
                r.insert(u.clone(), Value::Object(holder));
                Value::Object(r)
            }
        };
        filter::matches(&probe, &resource, schema)
    };
    let mut items = match c.remove(key) {
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    let hits: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, e)| matches_element(e))
        .map(|(i, _)| i)
        .collect();
    // The indices of the elements this operation set or created, for `primary` below.
    let outcome = (|| -> Result<Vec<usize>> {
        match (op, sd) {
            (OpKind::Remove, None) => {
                let mut i = 0;
                items.retain(|_| {
                    let keep = !hits.contains(&i);
                    i += 1;
                    keep
                });
                Ok(Vec::new())
            }
            (OpKind::Remove, Some(sd)) => {
                for &i in &hits {
                    if let Some(Value::Object(o)) = items.get_mut(i) {
                        o.remove(&sd.name);
                    }
                }
                Ok(Vec::new())
            }
            (_, Some(sd)) => {
                let at = format!("{key}.{}", sd.name);
                let new = resource::coerce(sd, value.unwrap_or(&Value::Null), &at, ignored)?;
                if hits.is_empty() {
                    let mut element = element_from_filter(f, key)?;
                    // Unassigning a sub-attribute of a value that does not exist changes
                    // nothing; it used to create a value holding only the filter's attributes.
                    let Some(v) = new else {
                        return Ok(Vec::new());
                    };
                    element.insert(sd.name.clone(), v);
                    Ok(push_created(def, key, element, &mut items, ignored)?)
                } else {
                    for &i in &hits {
                        if let Some(Value::Object(o)) = items.get_mut(i) {
                            match &new {
                                Some(v) => o.insert(sd.name.clone(), v.clone()),
                                None => o.remove(&sd.name),
                            };
                        }
                    }
                    Ok(hits.clone())
                }
            }
            (_, None) => {
                let element_def = AttrDef {
                    multi_valued: false,
                    ..def.clone()
                };
                let new =
                    resource::coerce(&element_def, value.unwrap_or(&Value::Null), key, ignored)?;
                if hits.is_empty() {
                    let mut element = element_from_filter(f, key)?;
                    // As above: a null value for a value that does not exist is a no-op.
                    let Some(Value::Object(n)) = new else {
                        return Ok(Vec::new());
                    };
                    element.extend(n);
                    Ok(push_created(def, key, element, &mut items, ignored)?)
                } else {
                    for &i in hits.iter().rev() {
                        match &new {
                            Some(v) => items[i] = v.clone(),
                            None => {
                                items.remove(i);
                            }
                        }
                    }
                    Ok(if new.is_some() {
                        hits.clone()
                    } else {
                        Vec::new()
                    })
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

/// Appends a value created from a filter that matched nothing, in canonical form, unless an
/// equal value is already there: the value given can contradict the filter (`emails[value eq
/// "old@x"].value` set to "new@x"), and a retried request then appended a duplicate each time.
/// Returns the index of the value, for `primary`.
fn push_created(
    def: &AttrDef,
    key: &str,
    element: Map<String, Value>,
    items: &mut Vec<Value>,
    ignored: &mut Vec<String>,
) -> Result<Vec<usize>> {
    let element_def = AttrDef {
        multi_valued: false,
        ..def.clone()
    };
    let Some(created) = resource::coerce(&element_def, &Value::Object(element), key, ignored)?
    else {
        return Ok(Vec::new());
    };
    if let Some(i) = items.iter().position(|e| *e == created) {
        return Ok(vec![i]);
    }
    items.push(created);
    Ok(vec![items.len() - 1])
}

/// RFC 7644 §3.5.2: a value made `primary` by this operation takes the flag from the others.
/// The final re-normalization keeps only the *last* primary value in array order, so without
/// this, `emails[type eq "work"].primary = true` on the first of two emails was undone when
/// the second one was already primary.
fn demote_other_primaries(items: &mut [Value], touched: &[usize]) {
    let is_primary = |v: &Value| v.get("primary").and_then(Value::as_bool) == Some(true);
    if !touched
        .iter()
        .any(|&i| items.get(i).is_some_and(is_primary))
    {
        return;
    }
    for (i, item) in items.iter_mut().enumerate() {
        if !touched.contains(&i) && is_primary(item) {
            item["primary"] = Value::Bool(false);
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
