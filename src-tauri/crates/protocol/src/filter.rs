//! SCIM filters (RFC 7644 §3.4.2.2): parsing, canonical printing and in-memory evaluation.
//!
//! The parser follows the RFC's ABNF with these deliberate leniencies, each seen from real
//! clients or harmless:
//! - keywords (`eq`, `and`, `not`, `pr`, `true`, ...) are case-insensitive;
//! - any run of ASCII whitespace is accepted where the ABNF has `SP`, and none is needed next
//!   to parentheses, brackets or quotes (`not(`, `eq"x"`);
//! - a value that is neither quoted nor a number/`true`/`false`/`null` is taken as a string
//!   (`externalId eq 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef`, as older Entra docs show).
//!
//! Nesting is limited to [`MAX_DEPTH`] so that neither the parser nor the recursive code that
//! walks a [`Filter`] (printing, evaluation, SQL translation, drop) can exhaust the stack.
//!
//! Error positions are 0-based character (not byte) offsets into the filter text.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::{self, Write as _};

use chrono::{DateTime, FixedOffset};
use serde_json::{Number, Value};

use crate::error::ScimError;
use crate::path::{is_path_char, AttrPath};
use crate::schema::{AttrInfo, AttrType, AttributeTypes};

/// Nesting limit of a filter. Every parenthesised group, `not`, value path and every `and`/`or`
/// node counts one level, so a flat chain of `and`/`or` may hold at most `MAX_DEPTH` terms.
///
/// Formally: a leaf has height 1, `not`/value-path/`and`/`or` nodes one more than their
/// tallest child, and a subexpression's depth is its height plus the number of parentheses,
/// `not (` and `[` enclosing it. The canonical text ([`Filter`]'s `Display`) only writes
/// parentheses that belong to a node, so every filter this parser returns prints as text it
/// accepts again.
pub const MAX_DEPTH: usize = 64;

/// A comparison operator of `attrExp` (`pr` is [`Filter::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// The lower-case keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    fn from_keyword(word: &str) -> Option<CompareOp> {
        const ALL: [CompareOp; 9] = [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Co,
            CompareOp::Sw,
            CompareOp::Ew,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Lt,
            CompareOp::Le,
        ];
        ALL.into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `compValue`: the right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Null,
    Bool(bool),
    Number(Number),
    /// Quoted strings, unquoted bare values and date-times alike.
    String(String),
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => write_json_string(f, s),
        }
    }
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    Present(AttrPath),
    /// `emails[type eq "work" and value co "@x"]`: `filter`'s paths are relative to `path`'s
    /// elements. The parser guarantees `path.sub_attr` is `None`, and that `filter` holds no
    /// value path and only plain attribute names (no URN, no sub-attribute).
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

/// Prints the canonical text: lower-case keywords, JSON-quoted strings, single spaces, and
/// parentheses only where precedence or left-associativity needs them.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
            Filter::And(l, r) => {
                write_operand(f, l, matches!(**l, Filter::Or(..)))?;
                f.write_str(" and ")?;
                write_operand(f, r, matches!(**r, Filter::And(..) | Filter::Or(..)))
            }
            Filter::Or(l, r) => {
                write!(f, "{l} or ")?;
                write_operand(f, r, matches!(**r, Filter::Or(..)))
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, operand: &Filter, parenthesise: bool) -> fmt::Result {
    if parenthesise {
        write!(f, "({operand})")
    } else {
        write!(f, "{operand}")
    }
}

fn write_json_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\u{8}' => f.write_str("\\b")?,
            '\u{c}' => f.write_str("\\f")?,
            c if u32::from(c) < 0x20 || c == '\u{7f}' => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// Parses a filter (the `filter` query parameter or the body of a `.search` request).
///
/// Errors are `invalidFilter`; the detail says what was expected and at which 0-based
/// character position.
pub fn parse(input: &str) -> Result<Filter, ScimError> {
    let mut p = Parser::new(input);
    p.skip_ws();
    if p.at_end() {
        return Err(ScimError::invalid_filter(
            "Invalid filter: the filter is empty",
        ));
    }
    p.whole_filter().map_err(SyntaxError::into_filter_error)
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/// A syntax error whose message already ends with "at position N".
#[derive(Debug)]
pub(crate) struct SyntaxError {
    message: String,
}

impl SyntaxError {
    pub(crate) fn into_filter_error(self) -> ScimError {
        ScimError::invalid_filter(format!("Invalid filter: {} (0-based)", self.message))
    }

    pub(crate) fn into_path_error(self) -> ScimError {
        ScimError::invalid_path(format!("Invalid path: {} (0-based)", self.message))
    }
}

/// A recursive-descent parser over a filter or path string; `pos` is a byte offset that always
/// sits on a character boundary.
pub(crate) struct Parser<'a> {
    pub(crate) src: &'a str,
    pub(crate) pos: usize,
}

/// Characters of an unquoted value: anything up to whitespace or a delimiter of the grammar.
fn is_bare_char(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !matches!(c, '(' | ')' | '[' | ']' | '"')
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Parser { src, pos: 0 }
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.peek_at(self.pos)
    }

    pub(crate) fn peek_at(&self, pos: usize) -> Option<char> {
        self.src.get(pos..).and_then(|rest| rest.chars().next())
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// Skips ASCII whitespace; tells whether there was any.
    pub(crate) fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        self.pos = self.scan(start, |c| c.is_ascii_whitespace());
        self.pos > start
    }

    /// The end of the run of characters satisfying `pred` that starts at `from`.
    pub(crate) fn scan(&self, from: usize, pred: impl Fn(char) -> bool) -> usize {
        let rest = self.src.get(from..).unwrap_or("");
        from + rest.find(|c: char| !pred(c)).unwrap_or(rest.len())
    }

    /// The ASCII-alphanumeric word at `from` (possibly empty): keywords are such words.
    fn word_at(&self, from: usize) -> &'a str {
        let end = self.scan(from, |c| c.is_ascii_alphanumeric());
        &self.src[from..end]
    }

    pub(crate) fn char_pos(&self, byte: usize) -> usize {
        self.src.get(..byte).map_or(0, |s| s.chars().count())
    }

    /// What the input holds at `pos`, for "found ..." in messages.
    pub(crate) fn describe(&self, pos: usize) -> String {
        const MAX_CHARS: usize = 30;
        match self.peek_at(pos) {
            None => "end of input".to_owned(),
            Some(c) if is_bare_char(c) => {
                let end = self.scan(pos, is_bare_char);
                let token = &self.src[pos..end];
                if token.chars().count() > MAX_CHARS {
                    let cut: String = token.chars().take(MAX_CHARS).collect();
                    format!("'{cut}...'")
                } else {
                    format!("'{token}'")
                }
            }
            Some(c) if c.is_control() => format!("'{}'", c.escape_debug()),
            Some(c) => format!("'{c}'"),
        }
    }

    pub(crate) fn error(&self, pos: usize, what: impl fmt::Display) -> SyntaxError {
        SyntaxError {
            message: format!("{what} at position {}", self.char_pos(pos)),
        }
    }

    pub(crate) fn expected(&self, pos: usize, what: impl fmt::Display) -> SyntaxError {
        self.error(
            pos,
            format_args!("expected {what} but found {}", self.describe(pos)),
        )
    }

    fn check_depth(&self, depth: usize, pos: usize) -> Result<(), SyntaxError> {
        if depth > MAX_DEPTH {
            Err(self.error(
                pos,
                format_args!("filter nested more than {MAX_DEPTH} levels deep"),
            ))
        } else {
            Ok(())
        }
    }

    /// Consumes the keyword `kw` (after optional whitespace) if it is next, returning its
    /// position; otherwise leaves the position unchanged.
    fn keyword(&mut self, kw: &str) -> Option<usize> {
        let save = self.pos;
        self.skip_ws();
        let at = self.pos;
        if self.word_at(at).eq_ignore_ascii_case(kw) {
            self.pos = at + kw.len();
            Some(at)
        } else {
            self.pos = save;
            None
        }
    }

    /// A complete filter: the expression and nothing but whitespace after it.
    fn whole_filter(&mut self) -> Result<Filter, SyntaxError> {
        let (filter, _) = self.or_expr(0, false)?;
        self.skip_ws();
        let pos = self.pos;
        match self.peek() {
            None => Ok(filter),
            Some(')') => Err(self.error(pos, "unbalanced ')' without a matching '('")),
            Some(']') => Err(self.error(pos, "unbalanced ']' without a matching '['")),
            Some('.') if pos > 0 && self.src.as_bytes()[pos - 1] == b']' => Err(self.expected(
                pos,
                "'and', 'or' or the end of the filter (a sub-attribute after ']' is only allowed \
                 in PATCH paths)",
            )),
            Some(_) => Err(self.expected(pos, "'and', 'or' or the end of the filter")),
        }
    }

    /// `term *("or" term)`, left-associative. Returns the filter and its height.
    fn or_expr(&mut self, level: usize, in_brackets: bool) -> Result<(Filter, usize), SyntaxError> {
        let (mut left, mut height) = self.and_expr(level, in_brackets)?;
        while let Some(kw) = self.keyword("or") {
            let (right, h) = self.and_expr(level, in_brackets)?;
            height = height.max(h) + 1;
            self.check_depth(level + height, kw)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok((left, height))
    }

    /// `factor *("and" factor)`, left-associative.
    fn and_expr(
        &mut self,
        level: usize,
        in_brackets: bool,
    ) -> Result<(Filter, usize), SyntaxError> {
        let (mut left, mut height) = self.factor(level, in_brackets)?;
        while let Some(kw) = self.keyword("and") {
            let (right, h) = self.factor(level, in_brackets)?;
            height = height.max(h) + 1;
            self.check_depth(level + height, kw)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok((left, height))
    }

    /// `"(" filter ")"`, `"not" "(" filter ")"` or an attribute expression / value path.
    fn factor(&mut self, level: usize, in_brackets: bool) -> Result<(Filter, usize), SyntaxError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some('(') => self.group(level, in_brackets),
            Some(c) if is_path_char(c) => {
                if self.at_not_keyword(start)? {
                    self.skip_ws();
                    let (inner, h) = self.group(level, in_brackets)?;
                    return Ok((Filter::Not(Box::new(inner)), h + 1));
                }
                self.attr_expr(level, in_brackets)
            }
            _ => Err(self.expected(start, "an attribute path, '(' or 'not'")),
        }
    }

    /// Decides whether the word at `start` is the `not` operator rather than an attribute
    /// named "not" (which the ABNF allows: `not pr`, `not eq 1`, `not[...]`, `not.x`).
    fn at_not_keyword(&mut self, start: usize) -> Result<bool, SyntaxError> {
        let word = self.word_at(start);
        if !word.eq_ignore_ascii_case("not") {
            return Ok(false);
        }
        let after = start + word.len();
        if self.peek_at(after).is_some_and(is_path_char) {
            return Ok(false);
        }
        let next = self.scan(after, |c| c.is_ascii_whitespace());
        match self.peek_at(next) {
            Some('(') => {
                self.pos = next;
                Ok(true)
            }
            Some('[') => Ok(false),
            Some(_) if next > after && self.starts_operator(next) => Ok(false),
            _ => Err(self.expected(next, "'(' after 'not'")),
        }
    }

    fn starts_operator(&self, pos: usize) -> bool {
        let word = self.word_at(pos);
        word.eq_ignore_ascii_case("pr") || CompareOp::from_keyword(word).is_some()
    }

    /// `"(" filter ")"` at the current position (which holds the `(`).
    fn group(&mut self, level: usize, in_brackets: bool) -> Result<(Filter, usize), SyntaxError> {
        let open = self.pos;
        if self.peek() != Some('(') {
            return Err(self.expected(open, "'('"));
        }
        // Checked before descending so that "((((..." cannot recurse past the limit.
        self.check_depth(level + 2, open)?;
        self.pos += 1;
        let (inner, height) = self.or_expr(level + 1, in_brackets)?;
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
            Ok((inner, height))
        } else {
            let what = format!(
                "'and', 'or' or ')' closing the '(' at position {}",
                self.char_pos(open)
            );
            Err(self.expected(self.pos, what))
        }
    }

    /// `"[" valFilter "]"` at the current position (which holds the `[`); used for value paths
    /// in filters and in PATCH paths.
    pub(crate) fn bracket_filter(&mut self, level: usize) -> Result<(Filter, usize), SyntaxError> {
        let open = self.pos;
        self.check_depth(level + 2, open)?;
        self.pos += 1;
        let (inner, height) = self.or_expr(level + 1, true)?;
        self.skip_ws();
        if self.peek() == Some(']') {
            self.pos += 1;
            Ok((inner, height))
        } else {
            let what = format!(
                "'and', 'or' or ']' closing the '[' at position {}",
                self.char_pos(open)
            );
            Err(self.expected(self.pos, what))
        }
    }

    /// `attrPath SP "pr"`, `attrPath SP compareOp SP compValue` or `attrPath "[" valFilter "]"`.
    fn attr_expr(
        &mut self,
        level: usize,
        in_brackets: bool,
    ) -> Result<(Filter, usize), SyntaxError> {
        let start = self.pos;
        let path = self.attr_path()?;
        if in_brackets && (path.urn.is_some() || path.sub_attr.is_some()) {
            return Err(self.error(
                start,
                format_args!(
                    "'{path}' inside '[...]' must be a plain sub-attribute name of the \
                     bracketed attribute"
                ),
            ));
        }
        if self.peek() == Some('[') {
            if in_brackets {
                return Err(self.error(self.pos, "a value path cannot be nested inside '[...]'"));
            }
            if path.sub_attr.is_some() {
                return Err(self.error(
                    self.pos,
                    format_args!("'[' cannot follow the sub-attribute path '{path}'"),
                ));
            }
            let (inner, h) = self.bracket_filter(level)?;
            return Ok((
                Filter::ValuePath {
                    path,
                    filter: Box::new(inner),
                },
                h + 1,
            ));
        }
        self.check_depth(level + 1, start)?;

        let spaced = self.skip_ws();
        let op_pos = self.pos;
        if !spaced && !matches!(self.peek(), None | Some(')') | Some(']')) {
            return Err(self.error(
                op_pos,
                format_args!("unexpected {} in attribute path", self.describe(op_pos)),
            ));
        }
        const EXPECTED_OP: &str =
            "a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr)";
        let word = self.word_at(op_pos);
        if word.eq_ignore_ascii_case("pr") {
            self.pos = op_pos + word.len();
            self.reject_pr_value()?;
            return Ok((Filter::Present(path), 1));
        }
        let Some(op) = CompareOp::from_keyword(word) else {
            return Err(self.expected(op_pos, EXPECTED_OP));
        };
        self.pos = op_pos + word.len();
        let value = self.comp_value(op)?;
        Ok((Filter::Compare { path, op, value }, 1))
    }

    /// `pr` is postfix: anything value-like after it is a mistake worth naming.
    fn reject_pr_value(&self) -> Result<(), SyntaxError> {
        let next = self.scan(self.pos, |c| c.is_ascii_whitespace());
        let Some(c) = self.peek_at(next) else {
            return Ok(());
        };
        let word = self.word_at(next);
        let is_logical = word.eq_ignore_ascii_case("and") || word.eq_ignore_ascii_case("or");
        if !is_logical && (c == '"' || is_bare_char(c)) {
            return Err(self.error(
                next,
                format_args!("'pr' takes no value but found {}", self.describe(next)),
            ));
        }
        Ok(())
    }

    /// `compValue` after operator `op`, including the leniency for unquoted strings.
    fn comp_value(&mut self, op: CompareOp) -> Result<CompValue, SyntaxError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some('"') => self.json_string().map(CompValue::String),
            Some(c) if is_bare_char(c) => {
                let end = self.scan(start, is_bare_char);
                let token = &self.src[start..end];
                self.pos = end;
                self.bare_value(token, start)
            }
            _ => Err(self.expected(start, format_args!("a value after '{op}'"))),
        }
    }

    fn bare_value(&self, token: &str, start: usize) -> Result<CompValue, SyntaxError> {
        if token.eq_ignore_ascii_case("true") {
            Ok(CompValue::Bool(true))
        } else if token.eq_ignore_ascii_case("false") {
            Ok(CompValue::Bool(false))
        } else if token.eq_ignore_ascii_case("null") {
            Ok(CompValue::Null)
        } else if is_json_number(token) {
            parse_number(token)
                .map(CompValue::Number)
                .ok_or_else(|| self.error(start, format_args!("number '{token}' out of range")))
        } else {
            Ok(CompValue::String(token.to_owned()))
        }
    }

    /// A JSON string at the current position (which holds the opening quote).
    fn json_string(&mut self) -> Result<String, SyntaxError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error(open, "unterminated string starting"));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    let esc = self.pos;
                    self.pos += 1;
                    let decoded = match self.peek() {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('/') => '/',
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some('u') => {
                            self.pos += 1;
                            out.push(self.unicode_escape(esc)?);
                            continue;
                        }
                        None => return Err(self.error(open, "unterminated string starting")),
                        Some(other) => {
                            return Err(self.error(
                                esc,
                                format_args!(
                                    "invalid escape '\\{}' in string",
                                    other.escape_debug()
                                ),
                            ))
                        }
                    };
                    self.pos += 1;
                    out.push(decoded);
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// The rest of a `\uXXXX` escape (the `\u` at `esc` is consumed), joining UTF-16
    /// surrogate pairs as JSON requires.
    fn unicode_escape(&mut self, esc: usize) -> Result<char, SyntaxError> {
        let high = self.hex4(esc)?;
        let code = match high {
            0xD800..=0xDBFF => {
                let low_esc = self.pos;
                if !self.src[self.pos..].starts_with("\\u") {
                    return Err(self.error(esc, "unpaired UTF-16 surrogate in \\u escape"));
                }
                self.pos += 2;
                let low = self.hex4(low_esc)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.error(esc, "unpaired UTF-16 surrogate in \\u escape"));
                }
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(self.error(esc, "unpaired UTF-16 surrogate in \\u escape"))
            }
            other => other,
        };
        char::from_u32(code).ok_or_else(|| self.error(esc, "invalid \\u escape"))
    }

    fn hex4(&mut self, esc: usize) -> Result<u32, SyntaxError> {
        let digits = self
            .src
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(digits) = digits else {
            return Err(self.error(esc, "invalid \\u escape (expected 4 hex digits)"));
        };
        self.pos += 4;
        u32::from_str_radix(digits, 16)
            .map_err(|_| self.error(esc, "invalid \\u escape (expected 4 hex digits)"))
    }
}

/// Whether `s` is exactly a JSON number: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if b.first() == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Integers stay integers when they fit; everything else goes through Rust's correctly rounded
/// float parser (serde_json's default one may be off by an ulp, which would break printing a
/// filter and parsing it back).
fn parse_number(s: &str) -> Option<Number> {
    if !s.contains(['.', 'e', 'E']) {
        if let Ok(v) = s.parse::<u64>() {
            return Some(v.into());
        }
        if let Ok(v) = s.parse::<i64>() {
            return Some(v.into());
        }
    }
    s.parse::<f64>().ok().and_then(Number::from_f64)
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// The case-insensitive form of a string used by non-`caseExact` comparisons: each character
/// lower-cased on its own (Unicode, context-free). Storage that evaluates filters itself must
/// fold with this very function to agree with [`matches`].
pub fn fold_case(s: &str) -> String {
    folded(s).collect()
}

/// [`fold_case`] without building the string, for comparing without allocating.
fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// `fold_case(a).cmp(&fold_case(b))` without building either string: UTF-8 byte order is
/// code point order, so comparing the folded characters orders alike.
fn cmp_folded(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        // ASCII folds to ASCII, byte for byte; the common case, and much faster.
        return a
            .bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()));
    }
    folded(a).cmp(folded(b))
}

/// Evaluates `filter` against a resource in its JSON representation.
///
/// - Core attributes are read from the top level, attributes whose URN is not
///   `types.core_schema()` from the object under that URN key. URNs and attribute names match
///   keys case-insensitively (the first matching key in document order wins).
/// - A path without sub-attribute whose value is complex (an object, or an array of objects)
///   compares the objects' `value` sub-attribute. A multi-valued attribute matches when any
///   element does.
/// - Strings compare case-sensitively iff the attribute is `caseExact` (unknown attributes:
///   insensitively, via [`fold_case`]); `DateTime` attributes compare as instants when both
///   sides parse as RFC 3339, else as strings. Values of different JSON types never match.
/// - `ne` is exactly `not (eq)`: true when the attribute is absent. `eq null` is true when the
///   attribute is unassigned (absent, `null`, or an array without non-null elements, RFC 7643
///   §2.5); `ne null` is its negation; other operators with `null` are false.
/// - `pr`: some value at the path is not `null`, `""`, `[]` or `{}`.
pub fn matches(filter: &Filter, resource: &Value, types: &dyn AttributeTypes) -> bool {
    Evaluator { types }.eval(filter, resource)
}

struct Evaluator<'t> {
    types: &'t dyn AttributeTypes,
}

impl Evaluator<'_> {
    fn eval(&self, filter: &Filter, resource: &Value) -> bool {
        match filter {
            Filter::Compare { path, op, value } => compare_values(
                self.lookup(path, resource),
                *op,
                value,
                compared_info(self.types, path),
            ),
            Filter::Present(path) => self.lookup(path, resource).into_iter().any(is_present),
            Filter::ValuePath { path, filter } => self.value_path(path, filter, resource),
            Filter::And(a, b) => self.eval(a, resource) && self.eval(b, resource),
            Filter::Or(a, b) => self.eval(a, resource) || self.eval(b, resource),
            Filter::Not(inner) => !self.eval(inner, resource),
        }
    }

    fn value_path(&self, path: &AttrPath, inner: &Filter, resource: &Value) -> bool {
        if path.sub_attr.is_some() {
            return false;
        }
        let Some(value) = attribute(resource, path, self.types) else {
            return false;
        };
        let elements = ElementFilter::new(inner, path, self.types);
        match value {
            Value::Array(items) => items.iter().any(|e| elements.matches(e)),
            // A single-valued complex attribute is treated as a one-element list.
            other => elements.matches(other),
        }
    }

    /// The raw JSON values at `path`.
    fn lookup<'v>(&self, path: &AttrPath, resource: &'v Value) -> Vec<&'v Value> {
        let Some(value) = attribute(resource, path, self.types) else {
            return Vec::new();
        };
        match &path.sub_attr {
            None => vec![value],
            Some(sub) => match value {
                Value::Array(items) => items.iter().filter_map(|e| get_ci(e, sub)).collect(),
                other => get_ci(other, sub).into_iter().collect(),
            },
        }
    }
}

/// The filter inside a value path (`emails[type eq "work"]`), ready to test the values of that
/// attribute one at a time, with the semantics of [`matches`].
///
/// The schema is consulted once per sub-attribute the filter compares, not once per value:
/// a PATCH with a value filter tests every value of the attribute, and hostile clients send
/// many such operations against attributes with many values.
pub struct ElementFilter<'f> {
    filter: &'f Filter,
    /// Schema information of each sub-attribute compared, by the name the filter uses.
    infos: Vec<(&'f str, Option<AttrInfo>)>,
}

impl<'f> ElementFilter<'f> {
    /// `filter` as written inside `parent[...]`, where `parent` is a top-level attribute (its
    /// sub-attribute, if any, is disregarded).
    pub fn new(filter: &'f Filter, parent: &AttrPath, types: &dyn AttributeTypes) -> Self {
        let mut infos: Vec<(&str, Option<AttrInfo>)> = Vec::new();
        let mut pending = vec![filter];
        while let Some(f) = pending.pop() {
            match f {
                Filter::Compare { path, .. }
                    if element_attr(path).is_some()
                        && !infos.iter().any(|(name, _)| *name == path.attr) =>
                {
                    let schema_path = AttrPath {
                        urn: parent.urn.clone(),
                        attr: parent.attr.clone(),
                        sub_attr: Some(path.attr.clone()),
                    };
                    infos.push((path.attr.as_str(), compared_info(types, &schema_path)));
                }
                Filter::And(a, b) | Filter::Or(a, b) => pending.extend([&**a, &**b]),
                Filter::Not(inner) => pending.push(inner),
                Filter::Compare { .. } | Filter::Present(_) | Filter::ValuePath { .. } => {}
            }
        }
        ElementFilter { filter, infos }
    }

    /// Whether one value of the attribute matches; only complex values (objects) can.
    pub fn matches(&self, element: &Value) -> bool {
        element.is_object() && self.eval(self.filter, element)
    }

    fn eval(&self, filter: &Filter, element: &Value) -> bool {
        match filter {
            Filter::Compare { path, op, value } => {
                let Some(name) = element_attr(path) else {
                    return false;
                };
                let info = self
                    .infos
                    .iter()
                    .find(|(n, _)| *n == name)
                    .and_then(|(_, info)| *info);
                compare_values(get_ci(element, name), *op, value, info)
            }
            Filter::Present(path) => {
                element_attr(path).is_some_and(|name| get_ci(element, name).is_some_and(is_present))
            }
            // The parser forbids nested value paths; one built by hand matches nothing.
            Filter::ValuePath { .. } => false,
            Filter::And(a, b) => self.eval(a, element) && self.eval(b, element),
            Filter::Or(a, b) => self.eval(a, element) || self.eval(b, element),
            Filter::Not(inner) => !self.eval(inner, element),
        }
    }
}

/// The sub-attribute a path inside a value filter names; a URN or a further sub-attribute
/// means nothing there.
fn element_attr(path: &AttrPath) -> Option<&str> {
    match (&path.urn, &path.sub_attr) {
        (None, None) => Some(&path.attr),
        _ => None,
    }
}

/// Schema information for the values compared at `path`: for a complex attribute without
/// sub-attribute those are its `value` sub-attribute's.
fn compared_info(types: &dyn AttributeTypes, path: &AttrPath) -> Option<AttrInfo> {
    let info = types.attr_info(path);
    match info {
        Some(AttrInfo {
            ty: AttrType::Complex,
            ..
        }) if path.sub_attr.is_none() => {
            let value_path = AttrPath {
                sub_attr: Some("value".to_owned()),
                ..path.clone()
            };
            types.attr_info(&value_path)
        }
        other => other,
    }
}

/// A comparison of the raw values at a path (see [`matches`] for `null` and `ne`).
fn compare_values<'v>(
    raw: impl IntoIterator<Item = &'v Value>,
    op: CompareOp,
    value: &CompValue,
    info: Option<AttrInfo>,
) -> bool {
    if let CompValue::Null = value {
        let unassigned = !raw.into_iter().any(is_assigned);
        return match op {
            CompareOp::Eq => unassigned,
            CompareOp::Ne => !unassigned,
            _ => false,
        };
    }
    let mut candidates = comparable(raw);
    match op {
        CompareOp::Ne => !candidates.any(|c| compare_one(c, CompareOp::Eq, value, info)),
        op => candidates.any(|c| compare_one(c, op, value, info)),
    }
}

/// The top-level attribute of `path` (ignoring its sub-attribute) in `resource`.
fn attribute<'v>(
    resource: &'v Value,
    path: &AttrPath,
    types: &dyn AttributeTypes,
) -> Option<&'v Value> {
    let container = match &path.urn {
        Some(urn) if !urn.eq_ignore_ascii_case(types.core_schema()) => get_ci(resource, urn)?,
        _ => resource,
    };
    get_ci(container, &path.attr)
}

/// The member `key` of `value` if it is an object, keys compared case-insensitively.
fn get_ci<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The scalars a comparison looks at: arrays contribute their elements, and complex values
/// (objects) their `value` sub-attribute.
fn comparable<'v>(raw: impl IntoIterator<Item = &'v Value>) -> impl Iterator<Item = &'v Value> {
    raw.into_iter().flat_map(|v| {
        let items = match v {
            Value::Array(items) => items.as_slice(),
            other => std::slice::from_ref(other),
        };
        items.iter().filter_map(|item| match item {
            Value::Object(_) => get_ci(item, "value"),
            other => Some(other),
        })
    })
}

/// Not unassigned in the sense of RFC 7643 §2.5 (`null` and `[]` mean "no value").
fn is_assigned(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Array(items) => items.iter().any(is_assigned),
        _ => true,
    }
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => !members.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// One attribute value against one filter value (never `null`; `ne` is handled by the caller).
fn compare_one(
    actual: &Value,
    op: CompareOp,
    expected: &CompValue,
    info: Option<AttrInfo>,
) -> bool {
    let case_exact = info.is_some_and(|i| i.case_exact);
    let is_date = info.is_some_and(|i| i.ty == AttrType::DateTime);
    let ordering = match (actual, expected) {
        (Value::String(a), CompValue::String(b)) => {
            if let CompareOp::Co | CompareOp::Sw | CompareOp::Ew = op {
                return substring_match(a, op, b, case_exact);
            }
            let instants = if is_date {
                parse_instant(a).zip(parse_instant(b))
            } else {
                None
            };
            match instants {
                Some((a, b)) => a.cmp(&b),
                None if case_exact => a.as_str().cmp(b.as_str()),
                None => cmp_folded(a, b),
            }
        }
        (Value::Number(a), CompValue::Number(b)) => match compare_numbers(a, b) {
            Some(ord) => ord,
            None => return false,
        },
        (Value::Bool(a), CompValue::Bool(b)) => {
            return op == CompareOp::Eq && a == b;
        }
        _ => return false,
    };
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        // Numbers have no substring operators; `ne` never reaches here.
        CompareOp::Ne | CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn substring_match(actual: &str, op: CompareOp, needle: &str, case_exact: bool) -> bool {
    let (actual, needle): (Cow<'_, str>, Cow<'_, str>) = if case_exact {
        (actual.into(), needle.into())
    } else {
        (fold_case(actual).into(), fold_case(needle).into())
    };
    match op {
        CompareOp::Co => actual.contains(&*needle),
        CompareOp::Sw => actual.starts_with(&*needle),
        CompareOp::Ew => actual.ends_with(&*needle),
        _ => false,
    }
}

fn parse_instant(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

/// Numeric order of two JSON numbers; integers compare exactly, anything involving a float
/// as `f64`.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    // One is a u64 above i64::MAX and the other a negative i64.
    if a.as_u64().is_some() && b.as_i64().is_some() {
        return Some(Ordering::Greater);
    }
    if a.as_i64().is_some() && b.as_u64().is_some() {
        return Some(Ordering::Less);
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}
