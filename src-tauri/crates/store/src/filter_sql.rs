//! SCIM filter AST → SQLite `WHERE` clause with bound parameters.
//!
//! Every leaf yields 0 or 1, never NULL, so `not`, `and` and `or` behave exactly as the
//! in-memory evaluator (`scim_protocol::filter::matches`): `ne` is `not eq`, comparisons with an
//! absent attribute are false, and a type mismatch between the attribute and the value is false.
//! Lookups Okta and Entra make (`userName`, `externalId`, `displayName`, `emails.value`, `id`)
//! use indexed columns; anything else reads the stored JSON.

use scim_protocol::filter::{CompValue, CompareOp, Filter};
use scim_protocol::path::AttrPath;
use scim_protocol::schema::{AttrDef, AttrType, Namespace, ResourceSchema};
use scim_protocol::ScimError;

use crate::types::format_time;

/// A value bound to a `?` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Real(f64),
}

#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// How a scalar is folded before comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fold {
    /// Compare as stored.
    Exact,
    /// The column holds a Unicode-lower-cased key already; lower-case the value the same way.
    KeyColumn,
    /// `lower()` in SQL folds ASCII only: fold the value the same way so both sides agree.
    AsciiLower,
}

/// Where a scalar comes from.
#[derive(Debug, Clone)]
struct Scalar {
    expr: String,
    ty: AttrType,
    fold: Fold,
}

/// A single attribute, or the elements of a multi-valued one.
enum Source {
    Single(Scalar),
    /// `from` is a FROM clause yielding the elements as `e`; `elem` reads the compared scalar.
    Multi {
        from: String,
        elem: Scalar,
    },
    /// A constant set of strings (`schemas`, `meta.resourceType`), compared case-insensitively.
    Schemas,
    /// No such attribute: it is absent from every resource.
    Absent,
}

const EMAILS_FROM: &str = "user_emails e WHERE e.user_seq = users.seq";
/// A group's members, as rows: `mu` is the member user.
const MEMBERS_FROM: &str =
    "group_members e JOIN users mu ON mu.seq = e.user_seq WHERE e.group_seq = groups.seq";
/// The groups a user is in (its read-only `groups`), as rows: `mg` is the group.
const GROUPS_FROM: &str =
    "group_members e JOIN groups mg ON mg.seq = e.group_seq WHERE e.user_seq = users.seq";

/// The table a resource type's rows live in.
fn table(schema: &ResourceSchema) -> &'static str {
    if schema.name == "Group" {
        "groups"
    } else {
        "users"
    }
}

/// A multi-valued attribute kept in rows of its own rather than in the resource's JSON: the
/// FROM clause of its elements (as `e`), and the expression of each sub-attribute.
fn row_source(schema: &ResourceSchema, ns: Namespace<'_>, def: &AttrDef) -> Option<&'static str> {
    if ns != Namespace::Core {
        return None;
    }
    match (table(schema), def.name.as_str()) {
        ("users", "emails") => Some(EMAILS_FROM),
        ("users", "groups") => Some(GROUPS_FROM),
        ("groups", "members") => Some(MEMBERS_FROM),
        _ => None,
    }
}

/// A sub-attribute of an element of a [`row_source`]: its expression and how it is folded.
fn row_element(from: &str, leaf: &str) -> Option<(&'static str, Fold)> {
    Some(match (from, leaf) {
        (EMAILS_FROM, "value") => ("e.value_key", Fold::KeyColumn),
        (EMAILS_FROM, "type") => ("lower(e.type)", Fold::AsciiLower),
        (EMAILS_FROM, "display") => ("lower(e.display)", Fold::AsciiLower),
        (EMAILS_FROM, "primary") => ("e.is_primary", Fold::Exact),
        (MEMBERS_FROM, "value") => ("mu.id", Fold::Exact),
        (MEMBERS_FROM, "display") => (
            "lower(COALESCE(json_extract(mu.data, '$.displayName'), mu.user_name))",
            Fold::AsciiLower,
        ),
        (MEMBERS_FROM, "type") => ("'user'", Fold::AsciiLower),
        (GROUPS_FROM, "value") => ("mg.id", Fold::Exact),
        (GROUPS_FROM, "display") => ("mg.display_name_key", Fold::KeyColumn),
        (GROUPS_FROM, "type") => ("'direct'", Fold::AsciiLower),
        _ => return None,
    })
}

fn json_key(k: &str) -> String {
    format!("\"{}\"", k.replace('"', ""))
}

fn json_path(ns: Namespace<'_>, attr: &str, sub: Option<&str>) -> String {
    let mut p = String::from("$");
    if let Namespace::Extension(ext) = ns {
        p.push('.');
        p.push_str(&json_key(&ext.id));
    }
    p.push('.');
    p.push_str(&json_key(attr));
    if let Some(s) = sub {
        p.push('.');
        p.push_str(&json_key(s));
    }
    p
}

fn sql_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn json_scalar(expr_of: &str, path: &str, def: &AttrDef) -> Scalar {
    let raw = format!("json_extract({expr_of}, {})", sql_quote(path));
    let (expr, fold) = if def.ty == AttrType::String && !def.case_exact {
        (format!("lower({raw})"), Fold::AsciiLower)
    } else {
        (raw, Fold::Exact)
    };
    Scalar {
        expr,
        ty: def.ty,
        fold,
    }
}

/// The sub-attribute a comparison on a complex attribute reads: the named one, or `value`.
fn leaf_def<'a>(def: &'a AttrDef, sub: Option<&str>) -> Option<&'a AttrDef> {
    match sub {
        Some(s) => def.sub(s),
        None if def.ty == AttrType::Complex => def.sub("value"),
        None => Some(def),
    }
}

fn source(schema: &ResourceSchema, path: &AttrPath) -> Source {
    let top = AttrPath {
        urn: path.urn.clone(),
        attr: path.attr.clone(),
        sub_attr: None,
    };
    let Some((ns, def)) = schema.resolve(&top) else {
        if path.urn.is_none() && path.attr.eq_ignore_ascii_case("schemas") {
            return Source::Schemas;
        }
        return Source::Absent;
    };
    let sub = path.sub_attr.as_deref();
    let core = ns == Namespace::Core;
    match (core, def.name.as_str(), sub) {
        (true, "id", None) => return column("id", AttrType::String, Fold::Exact),
        (true, "externalId", None) => return column("external_id", AttrType::String, Fold::Exact),
        (true, "userName", None) => {
            return column("user_name_key", AttrType::String, Fold::KeyColumn)
        }
        (true, "displayName", None) => {
            return column("display_name_key", AttrType::String, Fold::KeyColumn)
        }

        (true, "meta", Some(s)) => {
            return match def.sub(s).map(|d| d.name.as_str()) {
                Some("created") => column("created", AttrType::DateTime, Fold::Exact),
                Some("lastModified") => column("last_modified", AttrType::DateTime, Fold::Exact),
                Some("resourceType") => {
                    column(&sql_quote(&schema.name), AttrType::String, Fold::Exact)
                }
                Some("version") => {
                    column("('W/\"' || version || '\"')", AttrType::String, Fold::Exact)
                }
                _ => Source::Absent,
            }
        }
        _ => {}
    }
    if let Some(from) = row_source(schema, ns, def) {
        let Some(leaf) = leaf_def(def, sub) else {
            return Source::Absent;
        };
        let Some((expr, fold)) = row_element(from, &leaf.name) else {
            return Source::Absent;
        };
        return Source::Multi {
            from: from.to_owned(),
            elem: Scalar {
                expr: expr.to_owned(),
                ty: leaf.ty,
                fold,
            },
        };
    }
    let Some(leaf) = leaf_def(def, sub) else {
        return Source::Absent;
    };
    if def.multi_valued {
        let from = format!(
            "json_each({}.data, {}) e",
            table(schema),
            sql_quote(&json_path(ns, &def.name, None))
        );
        let elem = if def.ty == AttrType::Complex {
            json_scalar("e.value", &format!("$.{}", json_key(&leaf.name)), leaf)
        } else {
            // Simple multi-valued: the element itself.
            let s = json_scalar("json_array(e.value)", "$[0]", leaf);
            Scalar { expr: s.expr, ..s }
        };
        return Source::Multi { from, elem };
    }
    let sub_name = if def.ty == AttrType::Complex {
        Some(leaf.name.as_str())
    } else {
        None
    };
    Source::Single(json_scalar(
        &format!("{}.data", table(schema)),
        &json_path(ns, &def.name, sub_name),
        leaf,
    ))
}

/// Whether `path` is the core `active` of users.
fn is_users_active(schema: &ResourceSchema, path: &AttrPath) -> bool {
    schema.name == "User"
        && path.sub_attr.is_none()
        && matches!(schema.resolve(path), Some((Namespace::Core, def)) if def.name == "active")
}

fn column(expr: &str, ty: AttrType, fold: Fold) -> Source {
    Source::Single(Scalar {
        expr: expr.to_owned(),
        ty,
        fold,
    })
}

/// Translates `filter` into a WHERE clause over `users`.
pub(crate) fn translate(schema: &ResourceSchema, filter: &Filter) -> Result<Sql, ScimError> {
    let mut out = Sql::default();
    write_filter(schema, filter, None, &mut out)?;
    Ok(out)
}

/// Whether `filter` selects through a unique-or-nearly index equality (`id`, `userName` or
/// `externalId` `eq` a string, alone or and-ed with anything): such a query reads a handful of
/// rows whatever the size of the directory.
pub(crate) fn is_point_lookup(schema: &ResourceSchema, filter: &Filter) -> bool {
    match filter {
        Filter::And(a, b) => is_point_lookup(schema, a) || is_point_lookup(schema, b),
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(_),
        } => matches!(
            source(schema, path),
            Source::Single(Scalar { expr, .. })
                if matches!(expr.as_str(), "id" | "external_id" | "user_name_key")
        ),
        _ => false,
    }
}

/// `within`: inside a value path, the multi-valued attribute whose elements are in scope as `e`.
fn write_filter(
    schema: &ResourceSchema,
    f: &Filter,
    within: Option<&AttrPath>,
    out: &mut Sql,
) -> Result<(), ScimError> {
    match f {
        Filter::And(a, b) | Filter::Or(a, b) => {
            out.sql.push('(');
            write_filter(schema, a, within, out)?;
            out.sql.push_str(if matches!(f, Filter::And(..)) {
                " AND "
            } else {
                " OR "
            });
            write_filter(schema, b, within, out)?;
            out.sql.push(')');
        }
        Filter::Not(inner) => {
            out.sql.push_str("(NOT ");
            write_filter(schema, inner, within, out)?;
            out.sql.push(')');
        }
        Filter::Present(path) => write_leaf(schema, path, None, within, out),
        Filter::Compare { path, op, value } => {
            if within.is_none() && is_users_active(schema, path) {
                // `active eq false`: the indexed column is 0 exactly when the resource says
                // false ("who is inactive" reads only the inactive). Anything else about
                // `active` is asked of the resource, where it may also be absent.
                if *op == CompareOp::Eq && *value == CompValue::Bool(false) {
                    out.sql.push_str("(active = 0)");
                    return Ok(());
                }
            }
            write_leaf(schema, path, Some((op, value)), within, out)
        }
        Filter::ValuePath { path, filter } => {
            if within.is_some() {
                return Err(ScimError::invalid_filter(
                    "a value path cannot be nested in another",
                ));
            }
            let top = AttrPath {
                urn: path.urn.clone(),
                attr: path.attr.clone(),
                sub_attr: None,
            };
            let from = match schema.resolve(&top) {
                Some((_, def)) if !def.multi_valued => {
                    return Err(ScimError::invalid_filter(format!(
                        "'{path}' is not multi-valued; a value filter does not apply"
                    )))
                }
                Some((ns, def)) => match row_source(schema, ns, def) {
                    Some(from) => from.to_owned(),
                    None => format!(
                        "json_each({}.data, {}) e",
                        table(schema),
                        sql_quote(&json_path(ns, &def.name, None))
                    ),
                },
                None => {
                    out.sql.push('0');
                    return Ok(());
                }
            };
            let glue = if from.contains(" WHERE ") {
                " AND "
            } else {
                " WHERE "
            };
            out.sql
                .push_str(&format!("EXISTS (SELECT 1 FROM {from}{glue}"));
            write_filter(schema, filter, Some(&top), out)?;
            out.sql.push(')');
        }
    }
    Ok(())
}

fn write_leaf(
    schema: &ResourceSchema,
    path: &AttrPath,
    cmp: Option<(&CompareOp, &CompValue)>,
    within: Option<&AttrPath>,
    out: &mut Sql,
) {
    // Inside `emails[...]`, `type` means `emails.type` of the element in scope.
    if let Some(parent) = within {
        let full = AttrPath {
            urn: parent.urn.clone(),
            attr: parent.attr.clone(),
            sub_attr: Some(path.attr.clone()),
        };
        match source(schema, &full) {
            Source::Multi { elem, .. } => write_scalar(&elem, cmp, out),
            _ => write_absent(cmp, out),
        }
        return;
    }
    // A complex attribute without a `value` to compare is only ever present or absent.
    let has_value = schema
        .resolve(path)
        .is_some_and(|(_, d)| d.sub("value").is_some());
    if cmp.is_none() || !has_value {
        if let Some(present) = complex_presence(schema, path) {
            let sql = match cmp {
                None | Some((CompareOp::Ne, CompValue::Null)) => present,
                Some((CompareOp::Eq, CompValue::Null)) => format!("(NOT {present})"),
                Some((CompareOp::Ne, _)) => "1".to_owned(),
                Some(_) => "0".to_owned(),
            };
            out.sql.push_str(&sql);
            return;
        }
    }
    match source(schema, path) {
        Source::Single(s) => write_scalar(&s, cmp, out),
        Source::Multi { from, elem } => {
            let glue = if from.contains(" WHERE ") {
                " AND "
            } else {
                " WHERE "
            };
            // `ne` is `not eq`, also across the elements of a multi-valued attribute; `eq null`
            // means no element has a value.
            let not_null = Some((&CompareOp::Ne, &CompValue::Null));
            let (negate, cmp) = match cmp {
                Some((CompareOp::Eq, CompValue::Null)) => (true, not_null),
                Some((CompareOp::Ne, CompValue::Null)) => (false, not_null),
                Some((CompareOp::Ne, v)) => (true, Some((&CompareOp::Eq, v))),
                other => (false, other),
            };
            out.sql.push_str(if negate {
                "(NOT EXISTS (SELECT 1 FROM "
            } else {
                "(EXISTS (SELECT 1 FROM "
            });
            out.sql.push_str(&from);
            out.sql.push_str(glue);
            write_scalar(&elem, cmp, out);
            out.sql.push_str("))");
        }
        Source::Schemas => write_schemas(schema, cmp, out),
        Source::Absent => write_absent(cmp, out),
    }
}

/// `name pr`, `emails pr`: a complex attribute named without a sub-attribute is present when
/// it holds anything (stored resources never keep empty objects or arrays).
fn complex_presence(schema: &ResourceSchema, path: &AttrPath) -> Option<String> {
    if path.sub_attr.is_some() {
        return None;
    }
    let (ns, def) = schema.resolve(path)?;
    if def.ty != AttrType::Complex {
        return None;
    }
    if let Some(from) = row_source(schema, ns, def) {
        return Some(format!("EXISTS (SELECT 1 FROM {from})"));
    }
    Some(match (ns, def.name.as_str()) {
        (Namespace::Core, "meta") => "1".to_owned(),
        _ => format!(
            "(json_type({}.data, {}) IS NOT NULL)",
            table(schema),
            sql_quote(&json_path(ns, &def.name, None))
        ),
    })
}

fn write_absent(cmp: Option<(&CompareOp, &CompValue)>, out: &mut Sql) {
    let v = match cmp {
        Some((CompareOp::Ne, CompValue::Null)) | None => "0",
        Some((CompareOp::Ne, _)) | Some((CompareOp::Eq, CompValue::Null)) => "1",
        _ => "0",
    };
    out.sql.push_str(v);
}

/// `schemas` holds the core URN and the URN of each extension the resource has; each is
/// compared in Rust, and only "has the extension" is left to SQL.
fn write_schemas(schema: &ResourceSchema, cmp: Option<(&CompareOp, &CompValue)>, out: &mut Sql) {
    let Some((op, value)) = cmp else {
        out.sql.push('1');
        return;
    };
    let (negate, op) = if *op == CompareOp::Ne {
        (true, CompareOp::Eq)
    } else {
        (false, *op)
    };
    let CompValue::String(v) = value else {
        // `schemas` is never null and never equals a non-string.
        out.sql.push(if negate { '1' } else { '0' });
        return;
    };
    let mut terms = Vec::new();
    if text_matches(op, &schema.core.id, v) {
        terms.push("1".to_owned());
    }
    for (ext, _) in &schema.extensions {
        if text_matches(op, &ext.id, v) {
            terms.push(format!(
                "(json_type({}.data, {}) IS NOT NULL)",
                table(schema),
                sql_quote(&format!("$.{}", json_key(&ext.id)))
            ));
        }
    }
    let any = if terms.is_empty() {
        "0".to_owned()
    } else {
        format!("({})", terms.join(" OR "))
    };
    if negate {
        out.sql.push_str(&format!("(NOT {any})"));
    } else {
        out.sql.push_str(&any);
    }
}

/// A case-insensitive string comparison, as the evaluator makes it.
fn text_matches(op: CompareOp, attr: &str, value: &str) -> bool {
    let (a, v) = (
        scim_protocol::filter::fold_case(attr),
        scim_protocol::filter::fold_case(value),
    );
    match op {
        CompareOp::Eq => a == v,
        CompareOp::Ne => a != v,
        CompareOp::Co => a.contains(&v),
        CompareOp::Sw => a.starts_with(&v),
        CompareOp::Ew => a.ends_with(&v),
        CompareOp::Gt => a > v,
        CompareOp::Ge => a >= v,
        CompareOp::Lt => a < v,
        CompareOp::Le => a <= v,
    }
}

fn fold_value(s: &str, fold: Fold) -> String {
    match fold {
        Fold::Exact => s.to_owned(),
        Fold::KeyColumn => s.to_lowercase(),
        Fold::AsciiLower => s.to_ascii_lowercase(),
    }
}

/// A comparison against one scalar; 0 or 1, never NULL.
fn write_scalar(s: &Scalar, cmp: Option<(&CompareOp, &CompValue)>, out: &mut Sql) {
    let e = &s.expr;
    let Some((op, value)) = cmp else {
        // `pr`: assigned and not empty.
        let extra = if matches!(
            s.ty,
            AttrType::String | AttrType::Reference | AttrType::Binary
        ) {
            format!(" AND {e} <> ''")
        } else {
            String::new()
        };
        out.sql.push_str(&format!("({e} IS NOT NULL{extra})"));
        return;
    };
    if let CompValue::Null = value {
        out.sql.push_str(match op {
            CompareOp::Eq => "(",
            CompareOp::Ne => "(NOT ",
            _ => {
                out.sql.push('0');
                return;
            }
        });
        out.sql.push_str(&format!("{e} IS NULL)"));
        return;
    }
    if *op == CompareOp::Ne {
        out.sql.push_str("(NOT ");
        write_scalar(s, Some((&CompareOp::Eq, value)), out);
        out.sql.push(')');
        return;
    }
    let bind = match (s.ty, value) {
        (AttrType::String | AttrType::Reference | AttrType::Binary, CompValue::String(v)) => {
            Bind::Text(fold_value(v, s.fold))
        }
        (AttrType::DateTime, CompValue::String(v)) => match chrono::DateTime::parse_from_rfc3339(v)
        {
            Ok(t) => Bind::Text(format_time(t.with_timezone(&chrono::Utc))),
            // Not a date: compared as text, case-folded, as the evaluator does.
            Err(_) => {
                let folded = Scalar {
                    expr: format!("lower({e})"),
                    ty: AttrType::String,
                    fold: Fold::AsciiLower,
                };
                write_scalar(&folded, Some((op, value)), out);
                return;
            }
        },
        (AttrType::Boolean, CompValue::Bool(b)) => Bind::Int(i64::from(*b)),
        (AttrType::Integer | AttrType::Decimal, CompValue::Number(n)) => match n.as_i64() {
            Some(i) => Bind::Int(i),
            None => Bind::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        _ => {
            out.sql.push('0');
            return;
        }
    };
    let textual = matches!(bind, Bind::Text(_));
    let is_bool = s.ty == AttrType::Boolean;
    let sql = match op {
        CompareOp::Eq => format!("{e} = ?"),
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le if is_bool => {
            out.sql.push('0');
            return;
        }
        CompareOp::Gt => format!("{e} > ?"),
        CompareOp::Ge => format!("{e} >= ?"),
        CompareOp::Lt => format!("{e} < ?"),
        CompareOp::Le => format!("{e} <= ?"),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew if !textual || s.ty == AttrType::DateTime => {
            out.sql.push('0');
            return;
        }
        CompareOp::Co => format!("instr({e}, ?) > 0"),
        CompareOp::Sw => format!("substr({e}, 1, length(?1)) = ?1"),
        CompareOp::Ew => format!("substr({e}, -length(?1)) = ?1"),
        CompareOp::Ne => unreachable!("handled above"),
    };
    // `?1` is numbered per fragment; renumber to a plain placeholder bound twice.
    let (sql, times) = if sql.contains("?1") {
        (sql.replace("?1", "?"), 2)
    } else {
        (sql, 1)
    };
    let empty_affix = matches!(op, CompareOp::Sw | CompareOp::Ew | CompareOp::Co)
        && matches!(&bind, Bind::Text(t) if t.is_empty());
    if empty_affix {
        // Every string starts with, ends with and contains "".
        out.sql.push_str(&format!("({e} IS NOT NULL)"));
        return;
    }
    // Guarded rather than COALESCE(…): the index on a column stays usable for `col = ?`.
    out.sql.push_str(&format!("({e} IS NOT NULL AND {sql})"));
    for _ in 0..times {
        out.binds.push(bind.clone());
    }
}

/// The ORDER BY expression for `sortBy`, or `None` when the attribute is unknown.
pub(crate) fn sort_expr(schema: &ResourceSchema, path: &AttrPath) -> Option<String> {
    match source(schema, path) {
        Source::Single(s) => Some(s.expr),
        Source::Multi { from, elem } => {
            // RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary value.
            let primary = if from == EMAILS_FROM {
                "e.is_primary DESC"
            } else if from == MEMBERS_FROM || from == GROUPS_FROM {
                // No primary member or group: the first one added.
                "e.m"
            } else {
                "json_extract(e.value, '$.primary') DESC"
            };
            Some(format!(
                "(SELECT {} FROM {from} ORDER BY {primary} LIMIT 1)",
                elem.expr
            ))
        }
        Source::Schemas | Source::Absent => None,
    }
}
