//! Attribute paths (RFC 7644 §3.4.2.2 `attrPath`) and PATCH operation paths (RFC 7644 §3.5.2
//! `path`).
//!
//! Both keep the client's spelling: schema lookups compare names case-insensitively, and
//! echoing the path back in an error should show what the client sent.

use std::fmt;

use crate::error::ScimError;
use crate::filter::{Filter, Parser, SyntaxError};

/// `[URN ":"] attrName ["." subAttr]`, as written by the client (case preserved).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URN prefix without its trailing `:`, e.g.
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    pub urn: Option<String>,
    pub attr: String,
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// An unqualified top-level attribute, e.g. `userName`.
    pub fn new(attr: &str) -> Self {
        AttrPath {
            urn: None,
            attr: attr.to_owned(),
            sub_attr: None,
        }
    }

    /// An unqualified sub-attribute, e.g. `name.familyName`.
    pub fn with_sub(attr: &str, sub: &str) -> Self {
        AttrPath {
            urn: None,
            attr: attr.to_owned(),
            sub_attr: Some(sub.to_owned()),
        }
    }

    /// Parses a whole string as one attribute path; surrounding whitespace is ignored.
    ///
    /// Errors are `invalidPath` and name the 0-based character position of the problem.
    pub fn parse(s: &str) -> Result<AttrPath, ScimError> {
        let mut p = Parser::new(s);
        p.skip_ws();
        let path = p.attr_path().map_err(|e| e.into_path_error())?;
        p.skip_ws();
        if !p.at_end() {
            return Err(p.unexpected_in_path().into_path_error());
        }
        Ok(path)
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.attr)?;
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A PATCH operation path: `attrPath` or `valuePath ["." subAttr]`, e.g. `name.familyName`,
/// `emails[type eq "work"].value`, `members[value eq "2819c223"]`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The targeted attribute. When `filter` is set its `sub_attr` is `None`: the sub-attribute
    /// written after the brackets is in [`PatchPath::sub_attr`].
    pub attr: AttrPath,
    /// The value filter selecting elements of a multi-valued attribute; its attribute paths are
    /// relative to the elements (`type`, not `emails.type`).
    pub filter: Option<Filter>,
    /// The sub-attribute after `]`, as in `emails[type eq "work"].value`.
    pub sub_attr: Option<String>,
}

impl PatchPath {
    /// Parses a PATCH `path`; surrounding whitespace is ignored.
    ///
    /// Every error, including one inside the brackets' filter, is `invalidPath` naming the
    /// 0-based character position of the problem.
    pub fn parse(s: &str) -> Result<PatchPath, ScimError> {
        let mut p = Parser::new(s);
        p.skip_ws();
        if p.at_end() {
            return Err(ScimError::invalid_path("Invalid path: the path is empty"));
        }
        p.patch_path().map_err(|e| e.into_path_error())
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Characters of an attribute path token: name characters plus the URN and sub-attribute
/// separators. A token is split and checked by [`Parser::attr_path`].
pub(crate) fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '$')
}

impl Parser<'_> {
    /// An `attrPath` at the current position; shared by filters, PATCH paths and
    /// [`AttrPath::parse`].
    pub(crate) fn attr_path(&mut self) -> Result<AttrPath, SyntaxError> {
        let start = self.pos;
        let end = self.scan(start, is_path_char);
        if end == start {
            return Err(self.expected(start, "an attribute path"));
        }
        let path = self.split_attr_path(start, &self.src[start..end])?;
        self.pos = end;
        Ok(path)
    }

    fn split_attr_path(&self, start: usize, token: &str) -> Result<AttrPath, SyntaxError> {
        let has_urn = token
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
        let (urn, names_at) = if has_urn {
            // Schema URNs contain dots ("...:core:2.0:User"), so the attribute name is whatever
            // follows the last colon, and only then is it split at its dot.
            let colon = token.rfind(':').unwrap_or(3);
            let urn = &token[..colon];
            self.check_urn(start, urn)?;
            (Some(urn.to_owned()), colon + 1)
        } else {
            if let Some(i) = token.find(':') {
                return Err(self.error(
                    start + i,
                    "unexpected ':' (only a schema URN prefix starting with \"urn:\" may contain \
                     ':')",
                ));
            }
            (None, 0)
        };
        let names = &token[names_at..];
        let base = start + names_at;
        let (attr, sub) = match names.split_once('.') {
            Some((attr, sub)) => (attr, Some(sub)),
            None => (names, None),
        };
        self.check_name(base, attr, "an attribute name")?;
        let sub_attr = match sub {
            None => None,
            Some(sub) => {
                let sub_at = base + attr.len() + 1;
                if let Some(i) = sub.find('.') {
                    return Err(self.error(
                        sub_at + i,
                        "unexpected '.' (an attribute path has at most one sub-attribute)",
                    ));
                }
                self.check_name(sub_at, sub, "a sub-attribute name")?;
                Some(sub.to_owned())
            }
        };
        Ok(AttrPath {
            urn,
            attr: attr.to_owned(),
            sub_attr,
        })
    }

    /// `urn:<namespace>:<name...>` with no empty segment; the schema registry decides later
    /// whether the URN names a schema.
    fn check_urn(&self, start: usize, urn: &str) -> Result<(), SyntaxError> {
        let mut at = start;
        let mut segments = 0;
        for segment in urn.split(':') {
            if segment.is_empty() {
                return Err(self.error(at, "empty segment in schema URN"));
            }
            if let Some(i) = segment.find('$') {
                return Err(self.error(at + i, "unexpected '$' in schema URN"));
            }
            at += segment.len() + 1;
            segments += 1;
        }
        if segments < 3 {
            return Err(self.error(
                start,
                format_args!(
                    "'{urn}' is not a schema URN (expected urn:<namespace>:<name>) before the \
                     attribute name"
                ),
            ));
        }
        Ok(())
    }

    /// `ATTRNAME = ALPHA *(nameChar)`, plus a leading `$` for `$ref`.
    fn check_name(&self, at: usize, name: &str, what: &str) -> Result<(), SyntaxError> {
        let body = name.strip_prefix('$').unwrap_or(name);
        let body_at = at + (name.len() - body.len());
        let mut chars = body.char_indices();
        match chars.next() {
            None => return Err(self.expected(body_at, what)),
            Some((_, c)) if c.is_ascii_alphabetic() => {}
            Some(_) => {
                return Err(self.error(
                    body_at,
                    format_args!(
                        "{what} must start with a letter but found {}",
                        self.describe(body_at)
                    ),
                ))
            }
        }
        for (i, c) in chars {
            if !(c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(self.error(body_at + i, format_args!("unexpected '{c}' in {what}")));
            }
        }
        Ok(())
    }

    /// The error for input left over after a complete path.
    pub(crate) fn unexpected_in_path(&self) -> SyntaxError {
        self.error(
            self.pos,
            format_args!(
                "unexpected {} after the attribute path",
                self.describe(self.pos)
            ),
        )
    }

    /// `attrPath / valuePath ["." subAttr]` followed only by whitespace.
    pub(crate) fn patch_path(&mut self) -> Result<PatchPath, SyntaxError> {
        let attr = self.attr_path()?;
        let mut filter = None;
        let mut sub_attr = None;
        if self.peek() == Some('[') {
            if attr.sub_attr.is_some() {
                return Err(self.error(
                    self.pos,
                    format_args!("'[' cannot follow the sub-attribute path '{attr}'"),
                ));
            }
            let (inner, _) = self.bracket_filter(0)?;
            filter = Some(inner);
            if self.peek() == Some('.') {
                self.pos += 1;
                let end = self.scan(self.pos, is_path_char);
                self.check_name(self.pos, &self.src[self.pos..end], "a sub-attribute name")?;
                sub_attr = Some(self.src[self.pos..end].to_owned());
                self.pos = end;
            }
        }
        self.skip_ws();
        if !self.at_end() {
            return Err(self.unexpected_in_path());
        }
        Ok(PatchPath {
            attr,
            filter,
            sub_attr,
        })
    }
}
