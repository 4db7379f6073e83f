//! The `when` expression: a proactive message's conditions written as one string, such as
//! `visitor.page_url contains_any ["/checkout"] and device.language is "fr"`. It compiles to the
//! same [`Condition`] tree as the structured `conditions` table, and the plan renders trees back
//! into this form.

use std::fmt;
use std::ops::Range;

use super::conditions::{Condition, Field, LeafError, Op, VISIT_HISTORY_VALUES, Value, check_leaf};

/// Parentheses nest at most this deep, which also bounds the parser's recursion.
const MAX_DEPTH: usize = crate::rules::limits::CONDITION_DEPTH;

/// Characters that end a bare word even without surrounding whitespace.
const DELIMITERS: [char; 6] = ['(', ')', '[', ']', ',', '"'];

const ESCAPES_HELP: &str = "the escapes are \\\", \\\\, \\n and \\t";

/// A syntax or rule error in a `when` expression, located by byte range in the expression text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhenError {
    /// Byte range of the offending text in the expression (empty only for an empty expression).
    pub range: Range<usize>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub help: Option<String>,
}

impl WhenError {
    fn new(range: Range<usize>, message: impl Into<String>) -> Self {
        WhenError {
            range,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

impl fmt::Display for WhenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WhenError {}

/// Parses an expression into the condition tree (top level is always All or Any).
pub fn parse(expr: &str) -> Result<Condition, WhenError> {
    let mut parser = Parser::new(expr);
    if matches!(parser.peek()?.kind, Kind::End) {
        return Err(WhenError::new(0..0, "the expression is empty").help(
            "write conditions such as `visitor.page_url contains_any [\"/checkout\"] and device.language is \"fr\"`",
        ));
    }
    let tree = parser.expr(0)?;
    let token = parser.next()?;
    if !matches!(token.kind, Kind::End) {
        return Err(WhenError::new(
            token.range,
            "expected `and`, `or` or the end of the expression",
        )
        .maybe_help(junk_help(&token.kind)));
    }
    Ok(match tree {
        leaf @ Condition::Leaf { .. } => Condition::All(vec![leaf]),
        group => group,
    })
}

/// Renders a condition tree in expression form; `parse(&render(c)) == Ok(c.clone())` for every valid tree.
pub fn render(cond: &Condition) -> String {
    let mut out = String::new();
    match cond {
        Condition::All(items) => render_children(&mut out, items, " and "),
        Condition::Any(items) => render_children(&mut out, items, " or "),
        // A bare leaf has no expression form of its own; it renders like `All[leaf]`.
        leaf => render_node(&mut out, leaf),
    }
    out
}

fn render_children(out: &mut String, items: &[Condition], joiner: &str) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(joiner);
        }
        render_node(out, item);
    }
}

fn render_node(out: &mut String, cond: &Condition) {
    match cond {
        // Every nested group is parenthesised, even where precedence would not need it, because
        // the parser keeps parenthesised groups as they are written: that is what makes the
        // rendering round-trip to the same tree.
        Condition::All(items) => {
            out.push('(');
            render_children(out, items, " and ");
            out.push(')');
        }
        Condition::Any(items) => {
            out.push('(');
            render_children(out, items, " or ");
            out.push(')');
        }
        Condition::Leaf { field, op, value } => {
            out.push_str(field.as_str());
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            match value {
                Value::One(s) if *field == Field::VisitHistory && is_bare_visit_history(s) => {
                    out.push_str(s);
                }
                Value::One(s) => push_quoted(out, s),
                Value::Many(items) => {
                    out.push('[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        push_quoted(out, item);
                    }
                    out.push(']');
                }
            }
        }
    }
}

fn is_bare_visit_history(s: &str) -> bool {
    VISIT_HISTORY_VALUES.contains(&s)
}

fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn quoted(s: &str) -> String {
    let mut out = String::new();
    push_quoted(&mut out, s);
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind<'a> {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    /// A double-quoted string, escapes resolved.
    Str(String),
    /// Any run of other non-blank characters: fields, operators, keywords, bare values and
    /// junk alike, so that errors can name and underline the whole word.
    Word(&'a str),
    End,
}

impl Kind<'_> {
    fn describe(&self) -> String {
        match self {
            Kind::LParen => "`(`".into(),
            Kind::RParen => "`)`".into(),
            Kind::LBracket => "`[`".into(),
            Kind::RBracket => "`]`".into(),
            Kind::Comma => "`,`".into(),
            Kind::Str(_) => "a string".into(),
            Kind::Word(w) => format!("`{w}`"),
            Kind::End => "the end of the expression".into(),
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self, Kind::Word(w) if *w == word)
    }

    fn is_keyword(&self) -> bool {
        self.is_word("and") || self.is_word("or")
    }
}

#[derive(Debug, Clone)]
struct Token<'a> {
    kind: Kind<'a>,
    range: Range<usize>,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn next_token(&mut self) -> Result<Token<'a>, WhenError> {
        let rest = self.src.get(self.pos..).unwrap_or("");
        let trimmed = rest.trim_start();
        let start = self.pos + (rest.len() - trimmed.len());
        let Some(c) = trimmed.chars().next() else {
            self.pos = self.src.len();
            return Ok(Token {
                kind: Kind::End,
                range: self.pos..self.pos,
            });
        };
        let kind = match c {
            '(' => Kind::LParen,
            ')' => Kind::RParen,
            '[' => Kind::LBracket,
            ']' => Kind::RBracket,
            ',' => Kind::Comma,
            '"' => return self.string(start),
            _ => {
                let len = trimmed
                    .find(|c: char| c.is_whitespace() || DELIMITERS.contains(&c))
                    .unwrap_or(trimmed.len());
                let (word, _) = trimmed.split_at(len);
                self.pos = start + len;
                return Ok(Token {
                    kind: Kind::Word(word),
                    range: start..self.pos,
                });
            }
        };
        self.pos = start + 1;
        Ok(Token {
            kind,
            range: start..self.pos,
        })
    }

    fn string(&mut self, open: usize) -> Result<Token<'a>, WhenError> {
        let body_start = open + 1;
        let body = self.src.get(body_start..).unwrap_or("");
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos = body_start + i + 1;
                    return Ok(Token {
                        kind: Kind::Str(out),
                        range: open..self.pos,
                    });
                }
                '\\' => match chars.next() {
                    Some((_, '"')) => out.push('"'),
                    Some((_, '\\')) => out.push('\\'),
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((j, other)) => {
                        let range = body_start + i..body_start + j + other.len_utf8();
                        let message = format!("unknown escape `\\{}`", other.escape_debug());
                        return Err(WhenError::new(range, message).help(ESCAPES_HELP));
                    }
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err(WhenError::new(open..body_start, "unclosed string")
            .help("end the string with a double quote `\"`"))
    }
}

/// A leaf's value with where it was written, for pointing leaf errors at it.
struct Spanned {
    value: Value,
    range: Range<usize>,
    /// The range of each list item, in order; empty for a one-string value.
    items: Vec<Range<usize>>,
}

struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    peeked: Option<Token<'a>>,
    /// The last token consumed: "expected ... after `x`" errors at the end of the input point
    /// at it, since there is nothing else to point at.
    last: Range<usize>,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            src,
            lexer: Lexer { src, pos: 0 },
            peeked: None,
            last: 0..0,
        }
    }

    fn peek(&mut self) -> Result<&Token<'a>, WhenError> {
        let token = match self.peeked.take() {
            Some(token) => token,
            None => self.lexer.next_token()?,
        };
        Ok(self.peeked.insert(token))
    }

    fn next(&mut self) -> Result<Token<'a>, WhenError> {
        let token = match self.peeked.take() {
            Some(token) => token,
            None => self.lexer.next_token()?,
        };
        if token.kind != Kind::End {
            self.last = token.range.clone();
        }
        Ok(token)
    }

    fn eat_keyword(&mut self, keyword: &str) -> Result<bool, WhenError> {
        if self.peek()?.kind.is_word(keyword) {
            self.next()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn last_text(&self) -> &'a str {
        self.src.get(self.last.clone()).unwrap_or("")
    }

    fn expr(&mut self, depth: usize) -> Result<Condition, WhenError> {
        let mut alternatives = vec![self.and_expr(depth)?];
        while self.eat_keyword("or")? {
            alternatives.push(self.and_expr(depth)?);
        }
        Ok(group(alternatives, Condition::Any))
    }

    fn and_expr(&mut self, depth: usize) -> Result<Condition, WhenError> {
        let mut terms = vec![self.primary(depth)?];
        while self.eat_keyword("and")? {
            terms.push(self.primary(depth)?);
        }
        Ok(group(terms, Condition::All))
    }

    fn primary(&mut self, depth: usize) -> Result<Condition, WhenError> {
        if !matches!(self.peek()?.kind, Kind::LParen) {
            return self.leaf();
        }
        let open = self.next()?.range;
        if depth >= MAX_DEPTH {
            return Err(
                WhenError::new(open, format!("nesting deeper than {MAX_DEPTH} levels"))
                    .help("remove parentheses, or split the message's conditions"),
            );
        }
        let inner = self.expr(depth + 1)?;
        let close = self.next()?;
        match close.kind {
            Kind::RParen => Ok(inner),
            Kind::End => {
                Err(WhenError::new(open, "unclosed parenthesis")
                    .help("add `)` where the group ends"))
            }
            other => Err(WhenError::new(close.range, "expected `and`, `or` or `)`")
                .maybe_help(junk_help(&other))),
        }
    }

    fn leaf(&mut self) -> Result<Condition, WhenError> {
        let token = self.next()?;
        let field = match token.kind {
            Kind::Word(w) if !token.kind.is_keyword() => {
                Field::parse(w).ok_or_else(|| unknown_field(w, token.range.clone()))?
            }
            Kind::Str(s) => {
                let error = WhenError::new(token.range, "expected a field name, found a string");
                return Err(match Field::parse(&s) {
                    Some(f) => error.help(format!("field names are not quoted: write `{f}`")),
                    None => error.help(fields_help()),
                });
            }
            Kind::End => {
                let message = format!("expected a condition after `{}`", self.last_text());
                return Err(WhenError::new(self.last.clone(), message).help(fields_help()));
            }
            other => {
                let message = format!("expected a condition, found {}", other.describe());
                let error = WhenError::new(token.range, message);
                return Err(if other.is_keyword() {
                    error.help("`and` and `or` join two conditions")
                } else {
                    error.help(fields_help())
                });
            }
        };
        let field_range = token.range;

        let token = self.next()?;
        let op = match token.kind {
            Kind::Word(w) if !token.kind.is_keyword() => {
                Op::parse(w).ok_or_else(|| unknown_op(field, w, token.range.clone()))?
            }
            Kind::End => return Err(expected_op(field, field_range)),
            _ => return Err(expected_op(field, token.range)),
        };
        let op_range = token.range;
        // Checked before reading the value so that errors come in reading order.
        if !field.ops().contains(&op) {
            let error = LeafError::OpNotAllowed { field, op };
            return Err(WhenError::new(op_range, error.to_string()));
        }

        let spanned = self.value(field, op, op_range)?;
        if let Err(error) = check_leaf(field, op, &spanned.value) {
            return Err(leaf_error(error, spanned));
        }
        Ok(Condition::Leaf {
            field,
            op,
            value: spanned.value,
        })
    }

    fn value(
        &mut self,
        field: Field,
        op: Op,
        op_range: Range<usize>,
    ) -> Result<Spanned, WhenError> {
        let token = self.next()?;
        match token.kind {
            Kind::Str(s) => Ok(Spanned {
                value: Value::One(s),
                range: token.range,
                items: vec![],
            }),
            Kind::LBracket => self.list(token.range),
            Kind::Word("not") if op == Op::Is => Err(WhenError::new(
                op_range.start..token.range.end,
                "`is not` is written `is_not`",
            )
            .help(format!("write `{field} is_not ...`"))),
            Kind::Word(w) if !token.kind.is_keyword() => {
                if field == Field::VisitHistory {
                    let value = Value::One(w.to_owned());
                    return Ok(Spanned {
                        value,
                        range: token.range,
                        items: vec![],
                    });
                }
                Err(unquoted(w, token.range))
            }
            Kind::End => Err(expected_value(field, op, op_range)),
            _ => Err(expected_value(field, op, token.range)),
        }
    }

    fn list(&mut self, open: Range<usize>) -> Result<Spanned, WhenError> {
        let unclosed =
            || WhenError::new(open.clone(), "unclosed list").help("add `]` after the last string");
        let mut items = Vec::new();
        let mut ranges = Vec::new();
        loop {
            let token = self.next()?;
            match token.kind {
                Kind::Str(s) => {
                    items.push(s);
                    ranges.push(token.range);
                }
                Kind::RBracket if items.is_empty() => {
                    return Err(WhenError::new(open.start..token.range.end, "empty list")
                        .help("a list holds at least one string, such as [\"/checkout\"]"));
                }
                // After a trailing comma.
                Kind::RBracket => {
                    let range = open.start..token.range.end;
                    return Ok(Spanned {
                        value: Value::Many(items),
                        range,
                        items: ranges,
                    });
                }
                Kind::End => return Err(unclosed()),
                Kind::Word(w) => return Err(unquoted(w, token.range)),
                other => {
                    let message =
                        format!("expected a string in the list, found {}", other.describe());
                    return Err(WhenError::new(token.range, message));
                }
            }
            let token = self.next()?;
            match token.kind {
                Kind::Comma => {}
                Kind::RBracket => {
                    let range = open.start..token.range.end;
                    return Ok(Spanned {
                        value: Value::Many(items),
                        range,
                        items: ranges,
                    });
                }
                Kind::End => return Err(unclosed()),
                _ => {
                    return Err(
                        WhenError::new(token.range, "expected `,` or `]` in the list")
                            .help("separate the strings with commas and end the list with `]`"),
                    );
                }
            }
        }
    }
}

/// One term stays itself, so that `(a)` is just `a` and a parenthesised group is not wrapped
/// again; several become a group.
fn group(mut items: Vec<Condition>, make: fn(Vec<Condition>) -> Condition) -> Condition {
    if items.len() == 1
        && let Some(only) = items.pop()
    {
        return only;
    }
    make(items)
}

fn leaf_error(error: LeafError, spanned: Spanned) -> WhenError {
    let range = match (&error, &spanned.value) {
        (LeafError::EmptyValue, Value::Many(items)) => items
            .iter()
            .position(String::is_empty)
            .and_then(|i| spanned.items.get(i).cloned())
            .unwrap_or(spanned.range),
        _ => spanned.range,
    };
    let help = match (&error, &spanned.value) {
        (LeafError::ExpectedList { .. }, Value::One(s)) => {
            Some(format!("write a list: [{}]", quoted(s)))
        }
        (LeafError::ExpectedOne { op: Op::IsNot }, _) => {
            Some("to exclude several values, join `is_not` conditions with `and`".into())
        }
        (LeafError::ExpectedOne { op }, _) => Some(format!(
            "to accept any of several values, join `{op}` conditions with `or`"
        )),
        _ => None,
    };
    WhenError::new(range, error.to_string()).maybe_help(help)
}

fn unknown_field(word: &str, range: Range<usize>) -> WhenError {
    let lower = word.to_lowercase();
    // The part after the dot counts too, so that `page_url` finds `visitor.page_url`.
    let best = <Field as strum::IntoEnumIterator>::iter()
        .map(|f| {
            let name = f.as_str();
            let short = name.rsplit('.').next().unwrap_or(name);
            let score = strsim::jaro_winkler(&lower, name).max(strsim::jaro_winkler(&lower, short));
            (f, score)
        })
        .filter(|(_, score)| *score >= 0.8)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let error = WhenError::new(range, format!("unknown field `{word}`"));
    match best {
        Some((f, _)) => error.help(format!("did you mean `{f}`?")),
        None => error.help(fields_help()),
    }
}

fn unknown_op(field: Field, word: &str, range: Range<usize>) -> WhenError {
    let lower = word.to_lowercase();
    let suggestion = match lower.as_str() {
        "=" | "==" | "equals" => Some(Op::Is),
        "!=" | "<>" | "not" => Some(Op::IsNot),
        _ => field
            .ops()
            .iter()
            .map(|&op| (op, strsim::jaro_winkler(&lower, op.as_str())))
            .filter(|(_, score)| *score >= 0.8)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(op, _)| op),
    };
    let takes = ops_help(field);
    let help = match suggestion {
        Some(op) => format!("did you mean `{op}`? {takes}"),
        None => takes,
    };
    WhenError::new(range, format!("unknown operator `{word}`")).help(help)
}

fn expected_op(field: Field, range: Range<usize>) -> WhenError {
    WhenError::new(range, format!("expected an operator after `{field}`")).help(ops_help(field))
}

fn expected_value(field: Field, op: Op, range: Range<usize>) -> WhenError {
    let example = if op.takes_list() {
        "a list of strings, such as [\"/checkout\"]"
    } else {
        match field {
            Field::VisitHistory => "`new_user` or `returning_user`",
            Field::Language => "a language tag, such as \"fr\"",
            Field::PageUrl => "a string, such as \"/checkout\"",
            Field::PageTitle => "a string, such as \"Checkout\"",
        }
    };
    WhenError::new(range, format!("expected a value after `{op}`"))
        .help(format!("`{field} {op}` takes {example}"))
}

fn unquoted(word: &str, range: Range<usize>) -> WhenError {
    let help = if word.len() >= 2 && word.starts_with('\'') && word.ends_with('\'') {
        "quote the value with double quotes"
    } else {
        "quote the value"
    };
    WhenError::new(range, format!("unquoted value `{word}`")).help(help)
}

fn junk_help(kind: &Kind<'_>) -> Option<String> {
    match kind {
        Kind::Word("AND" | "And" | "&&" | "&") => Some("write `and`".into()),
        Kind::Word("OR" | "Or" | "||" | "|") => Some("write `or`".into()),
        Kind::Word(w) if Field::parse(w).is_some() => {
            Some("join conditions with `and` or `or`".into())
        }
        Kind::RParen => Some("this `)` has no matching `(`".into()),
        _ => None,
    }
}

fn fields_help() -> String {
    let names: Vec<String> = <Field as strum::IntoEnumIterator>::iter()
        .map(|f| format!("`{f}`"))
        .collect();
    format!("the fields are {}", names.join(", "))
}

fn ops_help(field: Field) -> String {
    let names: Vec<String> = field.ops().iter().map(|op| format!("`{op}`")).collect();
    format!("`{field}` takes {}", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(field: Field, op: Op, value: &str) -> Condition {
        Condition::Leaf {
            field,
            op,
            value: Value::One(value.into()),
        }
    }

    fn many(field: Field, op: Op, values: &[&str]) -> Condition {
        let value = Value::Many(values.iter().map(|s| (*s).to_owned()).collect());
        Condition::Leaf { field, op, value }
    }

    // Four distinct leaves and their expression text, for shape tests.
    const A: &str = "visitor.page_url is \"/a\"";
    const B: &str = "device.language is \"fr\"";
    const C: &str = "visitor.visit_history is new_user";
    const D: &str = "visitor.page_title is_not \"x\"";

    fn a() -> Condition {
        one(Field::PageUrl, Op::Is, "/a")
    }
    fn b() -> Condition {
        one(Field::Language, Op::Is, "fr")
    }
    fn c() -> Condition {
        one(Field::VisitHistory, Op::Is, "new_user")
    }
    fn d() -> Condition {
        one(Field::PageTitle, Op::IsNot, "x")
    }

    fn p(expr: &str) -> Condition {
        match parse(expr) {
            Ok(tree) => tree,
            Err(e) => panic!("{expr:?} failed to parse: {e:?}"),
        }
    }

    fn err(expr: &str) -> WhenError {
        match parse(expr) {
            Ok(tree) => panic!("{expr:?} parsed to {tree:?}"),
            Err(e) => e,
        }
    }

    /// The byte range of the only occurrence of `needle` in `expr`, or else of the only one
    /// that is not part of a longer word (so `is` does not match inside `visitor`).
    fn range_of(expr: &str, needle: &str) -> Range<usize> {
        if let [(start, _)] = expr.match_indices(needle).collect::<Vec<_>>()[..] {
            return start..start + needle.len();
        }
        let is_word =
            |c: Option<char>| c.is_some_and(|c| !c.is_whitespace() && !DELIMITERS.contains(&c));
        let ranges: Vec<Range<usize>> = expr
            .match_indices(needle)
            .map(|(start, _)| start..start + needle.len())
            .filter(|r| {
                let glued_before =
                    is_word(needle.chars().next()) && is_word(expr[..r.start].chars().next_back());
                let glued_after =
                    is_word(needle.chars().next_back()) && is_word(expr[r.end..].chars().next());
                !glued_before && !glued_after
            })
            .collect();
        assert_eq!(ranges.len(), 1, "{needle:?} is not one token of {expr:?}");
        ranges[0].clone()
    }

    /// Checks the message, and that the error underlines exactly `needle`.
    fn assert_err(expr: &str, needle: &str, message: &str) -> WhenError {
        let e = err(expr);
        assert_eq!(e.message, message, "message for {expr:?}");
        assert_eq!(e.range, range_of(expr, needle), "range for {expr:?}: {e:?}");
        e
    }

    const SPEC: &str = "visitor.page_url contains_any [\"/checkout\", \"/cart\"] and (device.language is \"fr\" or visitor.visit_history is new_user)";

    fn spec_tree() -> Condition {
        Condition::All(vec![
            many(Field::PageUrl, Op::ContainsAny, &["/checkout", "/cart"]),
            Condition::Any(vec![
                one(Field::Language, Op::Is, "fr"),
                one(Field::VisitHistory, Op::Is, "new_user"),
            ]),
        ])
    }

    #[test]
    fn spec_example_parses_to_the_structured_tree() {
        assert_eq!(p(SPEC), spec_tree());
    }

    #[test]
    fn spec_example_renders_back_verbatim() {
        assert_eq!(render(&spec_tree()), SPEC);
    }

    #[test]
    fn and_binds_tighter_than_or() {
        use Condition::{All, Any};
        assert_eq!(
            p(&format!("{A} and {B} or {C}")),
            Any(vec![All(vec![a(), b()]), c()])
        );
        assert_eq!(
            p(&format!("{A} or {B} and {C}")),
            Any(vec![a(), All(vec![b(), c()])])
        );
        assert_eq!(
            p(&format!("{A} or {B} and {C} or {D}")),
            Any(vec![a(), All(vec![b(), c()]), d()])
        );
        assert_eq!(p(&format!("{A} and {B} and {C}")), All(vec![a(), b(), c()]));
        assert_eq!(p(&format!("{A} or {B} or {C}")), Any(vec![a(), b(), c()]));
    }

    #[test]
    fn parenthesised_groups_are_kept() {
        use Condition::{All, Any};
        assert_eq!(
            p(&format!("{A} and ({B} and {C})")),
            All(vec![a(), All(vec![b(), c()])])
        );
        assert_eq!(
            p(&format!("({A} and {B}) and {C}")),
            All(vec![All(vec![a(), b()]), c()])
        );
        assert_eq!(
            p(&format!("{A} or ({B} or {C})")),
            Any(vec![a(), Any(vec![b(), c()])])
        );
        assert_eq!(
            p(&format!("({A} or {B}) and {C}")),
            All(vec![Any(vec![a(), b()]), c()])
        );
        assert_eq!(
            p(&format!("({A} and {B}) or {C}")),
            Any(vec![All(vec![a(), b()]), c()])
        );
    }

    #[test]
    fn top_level_is_always_a_group() {
        use Condition::{All, Any};
        assert_eq!(p(A), All(vec![a()]));
        assert_eq!(p(&format!("({A})")), All(vec![a()]));
        assert_eq!(p(&format!("((({A})))")), All(vec![a()]));
        assert_eq!(p(&format!("({A} or {B})")), Any(vec![a(), b()]));
        assert_eq!(p(&format!("(({A} or {B}))")), Any(vec![a(), b()]));
        assert_eq!(p(&format!("({A}) and (({B}))")), All(vec![a(), b()]));
    }

    #[test]
    fn whitespace_is_free_between_tokens() {
        let expr = "\n\tvisitor.page_url\tcontains_any\n[\n \"/a\" ,\n \"/b\" , \n]\r\nand(device.language is\"fr\")  ";
        let expected = Condition::All(vec![
            many(Field::PageUrl, Op::ContainsAny, &["/a", "/b"]),
            one(Field::Language, Op::Is, "fr"),
        ]);
        assert_eq!(p(expr), expected);
    }

    #[test]
    fn strings_take_the_four_escapes() {
        let tree = p(r#"visitor.page_title is "say \"hi\" \\ now\n\tthen""#);
        assert_eq!(
            tree,
            Condition::All(vec![one(
                Field::PageTitle,
                Op::Is,
                "say \"hi\" \\ now\n\tthen"
            )])
        );
    }

    #[test]
    fn visit_history_takes_bare_or_quoted_values() {
        assert_eq!(
            p("visitor.visit_history is \"new_user\""),
            p("visitor.visit_history is new_user")
        );
        assert_eq!(
            p("visitor.visit_history is_not returning_user"),
            Condition::All(vec![one(Field::VisitHistory, Op::IsNot, "returning_user")])
        );
    }

    #[test]
    fn lists_take_a_trailing_comma() {
        assert_eq!(
            p("visitor.page_url not_contains [\"/a\", \"/b\",]"),
            Condition::All(vec![many(Field::PageUrl, Op::NotContains, &["/a", "/b"])])
        );
    }

    #[test]
    fn non_ascii_strings_keep_their_text_and_offsets() {
        let expr = "visitor.page_title is \"Café ☕ – Über 𝄞\" and device.language is \"français\"";
        let e = assert_err(
            expr,
            "\"français\"",
            "`français` is not a language tag (such as `fr` or `en-GB`)",
        );
        assert_eq!(expr.get(e.range), Some("\"français\""));
        assert_eq!(
            p("visitor.page_title is \"Café ☕ – Über 𝄞\""),
            Condition::All(vec![one(Field::PageTitle, Op::Is, "Café ☕ – Über 𝄞")])
        );

        let e = assert_err(
            "visitor.page_title is \"é\\é\"",
            "\\é",
            "unknown escape `\\é`",
        );
        assert_eq!(e.help.as_deref(), Some(ESCAPES_HELP));
        let expr = "visitor.page_title is \"日本語\" or visitor.page_title is \"日本";
        let e = err(expr);
        let quote = expr.rfind('"').expect("a quote");
        assert_eq!(
            (e.message.as_str(), e.range),
            ("unclosed string", quote..quote + 1)
        );
        assert_err(
            "device.language is français",
            "français",
            "unquoted value `français`",
        );
        let e = assert_err(
            "visitör.page_url is \"x\"",
            "visitör.page_url",
            "unknown field `visitör.page_url`",
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `visitor.page_url`?"));
    }

    #[test]
    fn empty_expression() {
        for expr in ["", "   ", "\n\t "] {
            let e = err(expr);
            assert_eq!(e.range, 0..0);
            assert_eq!(e.message, "the expression is empty");
            assert!(
                e.help
                    .is_some_and(|h| h.contains("visitor.page_url contains_any"))
            );
        }
    }

    #[test]
    fn unknown_field_suggests_the_nearest() {
        let e = assert_err(
            "visitor.page_ur is \"/a\"",
            "visitor.page_ur",
            "unknown field `visitor.page_ur`",
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `visitor.page_url`?"));
        let e = assert_err(
            "page_title is \"x\"",
            "page_title",
            "unknown field `page_title`",
        );
        assert_eq!(
            e.help.as_deref(),
            Some("did you mean `visitor.page_title`?")
        );
        let e = assert_err(
            &format!("{A} and language is \"fr\""),
            "language",
            "unknown field `language`",
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `device.language`?"));
        let e = assert_err("zzz is \"x\"", "zzz", "unknown field `zzz`");
        assert_eq!(e.help, Some(fields_help()));
    }

    #[test]
    fn missing_or_unknown_operator() {
        let e = assert_err(
            "visitor.page_url",
            "visitor.page_url",
            "expected an operator after `visitor.page_url`",
        );
        assert_eq!(
            e.help.as_deref(),
            Some("`visitor.page_url` takes `is`, `is_not`, `contains_any`, `not_contains`")
        );
        let e = assert_err(
            "device.language \"fr\"",
            "\"fr\"",
            "expected an operator after `device.language`",
        );
        assert_eq!(
            e.help.as_deref(),
            Some("`device.language` takes `is`, `is_not`")
        );
        let e = assert_err(
            "visitor.page_url contains [\"/a\"]",
            "contains",
            "unknown operator `contains`",
        );
        assert_eq!(
            e.help.as_deref(),
            Some(
                "did you mean `contains_any`? `visitor.page_url` takes `is`, `is_not`, `contains_any`, `not_contains`"
            )
        );
        let e = assert_err("device.language == \"fr\"", "==", "unknown operator `==`");
        assert!(e.help.is_some_and(|h| h.starts_with("did you mean `is`?")));
    }

    #[test]
    fn operator_not_allowed_points_at_the_operator() {
        let message = LeafError::OpNotAllowed {
            field: Field::Language,
            op: Op::ContainsAny,
        }
        .to_string();
        assert_err(
            "device.language contains_any [\"fr\"]",
            "contains_any",
            &message,
        );
        // Reported before a broken value that follows it.
        assert_err(
            "visitor.visit_history not_contains [",
            "not_contains",
            &LeafError::OpNotAllowed {
                field: Field::VisitHistory,
                op: Op::NotContains,
            }
            .to_string(),
        );
    }

    #[test]
    fn leaf_errors_point_at_the_value() {
        let e = assert_err(
            "visitor.page_url contains_any \"/a\"",
            "\"/a\"",
            &LeafError::ExpectedList {
                op: Op::ContainsAny,
            }
            .to_string(),
        );
        assert_eq!(e.help.as_deref(), Some("write a list: [\"/a\"]"));
        let e = assert_err(
            "visitor.page_url is [\"/a\", \"/b\"]",
            "[\"/a\", \"/b\"]",
            &LeafError::ExpectedOne { op: Op::Is }.to_string(),
        );
        assert_eq!(
            e.help.as_deref(),
            Some("to accept any of several values, join `is` conditions with `or`")
        );
        assert_err(
            "device.language is \"fr_FR\"",
            "\"fr_FR\"",
            &LeafError::BadLanguage {
                value: "fr_FR".into(),
            }
            .to_string(),
        );
        assert_err(
            "visitor.visit_history is old_user",
            "old_user",
            &LeafError::BadVisitHistory {
                value: "old_user".into(),
            }
            .to_string(),
        );
        assert_err(
            "visitor.visit_history is \"Old\"",
            "\"Old\"",
            &LeafError::BadVisitHistory {
                value: "Old".into(),
            }
            .to_string(),
        );
        assert_err(
            "visitor.page_url is \"\"",
            "\"\"",
            &LeafError::EmptyValue.to_string(),
        );
        // The empty item itself, not the whole list.
        assert_err(
            "visitor.page_url contains_any [\"/a\", \"\"]",
            "\"\"",
            &LeafError::EmptyValue.to_string(),
        );
    }

    #[test]
    fn string_errors() {
        assert_err("visitor.page_title is \"abc", "\"", "unclosed string");
        assert_err("visitor.page_title is \"abc\\", "\"", "unclosed string");
        let e = assert_err(
            "visitor.page_title is \"a\\qb\"",
            "\\q",
            "unknown escape `\\q`",
        );
        assert_eq!(e.help.as_deref(), Some(ESCAPES_HELP));
    }

    #[test]
    fn bare_words_must_be_quoted() {
        let e = assert_err("device.language is fr", "fr", "unquoted value `fr`");
        assert_eq!(e.help.as_deref(), Some("quote the value"));
        let e = assert_err(
            "visitor.page_url contains_any [\"/a\", /b]",
            "/b",
            "unquoted value `/b`",
        );
        assert_eq!(e.help.as_deref(), Some("quote the value"));
        let e = assert_err("visitor.page_url is '/a'", "'/a'", "unquoted value `'/a'`");
        assert_eq!(
            e.help.as_deref(),
            Some("quote the value with double quotes")
        );
    }

    #[test]
    fn missing_values_and_conditions() {
        let e = assert_err("visitor.page_url is", "is", "expected a value after `is`");
        assert_eq!(
            e.help.as_deref(),
            Some("`visitor.page_url is` takes a string, such as \"/checkout\"")
        );
        assert_err(
            &format!("visitor.page_url is and {B}"),
            "and",
            "expected a value after `is`",
        );
        assert_err(
            &format!("{A} and"),
            "and",
            "expected a condition after `and`",
        );
        assert_err(&format!("{A} or ("), "(", "expected a condition after `(`");
        assert_err(
            &format!("and {A}"),
            "and",
            "expected a condition, found `and`",
        );
        assert_err(
            &format!("{A} and ()"),
            ")",
            "expected a condition, found `)`",
        );
        let e = assert_err(
            "\"visitor.page_url\" is \"/a\"",
            "\"visitor.page_url\"",
            "expected a field name, found a string",
        );
        assert_eq!(
            e.help.as_deref(),
            Some("field names are not quoted: write `visitor.page_url`")
        );
        let e = assert_err(
            "device.language is not \"fr\"",
            "is not",
            "`is not` is written `is_not`",
        );
        assert_eq!(
            e.help.as_deref(),
            Some("write `device.language is_not ...`")
        );
    }

    #[test]
    fn list_errors() {
        assert_err("visitor.page_url contains_any []", "[]", "empty list");
        assert_err("visitor.page_url contains_any [ ]", "[ ]", "empty list");
        assert_err(
            "visitor.page_url contains_any [\"/a\", \"/b\"",
            "[",
            "unclosed list",
        );
        assert_err(
            "visitor.page_url contains_any [\"/a\",",
            "[",
            "unclosed list",
        );
        let e = assert_err(
            "visitor.page_url contains_any [\"/a\" \"/b\"]",
            "\"/b\"",
            "expected `,` or `]` in the list",
        );
        assert!(e.help.is_some());
        assert_err(
            "visitor.page_url contains_any [,]",
            ",",
            "expected a string in the list, found `,`",
        );
    }

    #[test]
    fn parenthesis_and_trailing_errors() {
        assert_err(&format!("({A} and {B}"), "(", "unclosed parenthesis");
        let expr = format!("{A} and (({B} or {C})");
        let e = err(&expr);
        assert_eq!(
            (e.message.as_str(), e.range),
            ("unclosed parenthesis", 29..30)
        );
        let e = assert_err(
            &format!("{A} junk"),
            "junk",
            "expected `and`, `or` or the end of the expression",
        );
        assert_eq!(e.help, None);
        let e = assert_err(
            &format!("{A})"),
            ")",
            "expected `and`, `or` or the end of the expression",
        );
        assert_eq!(e.help.as_deref(), Some("this `)` has no matching `(`"));
        let e = assert_err(
            &format!("{A} AND {B}"),
            "AND",
            "expected `and`, `or` or the end of the expression",
        );
        assert_eq!(e.help.as_deref(), Some("write `and`"));
        let e = assert_err(
            &format!("{A} || {B}"),
            "||",
            "expected `and`, `or` or the end of the expression",
        );
        assert_eq!(e.help.as_deref(), Some("write `or`"));
        let e = assert_err(
            &format!("({A} {D})"),
            "visitor.page_title",
            "expected `and`, `or` or `)`",
        );
        assert_eq!(
            e.help.as_deref(),
            Some("join conditions with `and` or `or`")
        );
    }

    #[test]
    fn nesting_is_capped_at_32_levels() {
        let ok = format!("{}{A}{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(p(&ok), Condition::All(vec![a()]));
        let deep = format!(
            "{}{A}{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        let e = err(&deep);
        assert_eq!(e.range, MAX_DEPTH..MAX_DEPTH + 1);
        assert_eq!(e.message, "nesting deeper than 32 levels");
        // Far deeper input fails just as fast, without exhausting the stack.
        assert_eq!(err(&"(".repeat(1_000_000)).range, MAX_DEPTH..MAX_DEPTH + 1);
    }

    #[test]
    fn render_quotes_escapes_and_parenthesises() {
        use Condition::{All, Any};
        let tree = All(vec![one(Field::PageTitle, Op::Is, "a\"b\\c\nd\te")]);
        assert_eq!(render(&tree), r#"visitor.page_title is "a\"b\\c\nd\te""#);
        assert_eq!(p(&render(&tree)), tree);
        assert_eq!(
            render(&Any(vec![All(vec![a(), b()]), c()])),
            format!("({A} and {B}) or {C}")
        );
        assert_eq!(
            render(&All(vec![a(), All(vec![b(), d()])])),
            format!("{A} and ({B} and {D})")
        );
        // Quoted when it is not one of the two bare words, so that the error survives.
        assert_eq!(
            render(&All(vec![one(Field::VisitHistory, Op::Is, "and")])),
            "visitor.visit_history is \"and\""
        );
        assert_eq!(render(&a()), A);
    }

    use proptest::prelude::*;
    use proptest::sample::select;

    const STRING_PIECES: [&str; 18] = [
        "a",
        "/checkout",
        " ",
        "\"",
        "\\",
        "\n",
        "\t",
        "\r",
        "é",
        "☕",
        "𝄞",
        "and",
        "or",
        ")",
        "(",
        "[",
        ",",
        "new_user",
    ];

    fn gen_string() -> impl Strategy<Value = String> {
        prop::collection::vec(select(&STRING_PIECES[..]), 1..5).prop_map(|p| p.concat())
    }

    fn gen_leaf() -> impl Strategy<Value = Condition> {
        let fields: Vec<Field> = <Field as strum::IntoEnumIterator>::iter().collect();
        select(fields)
            .prop_flat_map(|field| (Just(field), select(field.ops())))
            .prop_flat_map(|(field, op)| {
                let value: BoxedStrategy<Value> = if op.takes_list() {
                    prop::collection::vec(gen_string(), 1..4)
                        .prop_map(Value::Many)
                        .boxed()
                } else {
                    match field {
                        Field::VisitHistory => select(&VISIT_HISTORY_VALUES[..])
                            .prop_map(|v| Value::One(v.to_owned()))
                            .boxed(),
                        Field::Language => select(&["fr", "en-GB", "zh-Hant-TW", "pt"][..])
                            .prop_map(|v| Value::One(v.to_owned()))
                            .boxed(),
                        Field::PageUrl | Field::PageTitle => {
                            gen_string().prop_map(Value::One).boxed()
                        }
                    }
                };
                (Just(field), Just(op), value)
            })
            .prop_map(|(field, op, value)| {
                assert_eq!(check_leaf(field, op, &value), Ok(()));
                Condition::Leaf { field, op, value }
            })
    }

    /// A group of two to four `children`, `all` or `any`.
    fn gen_group(children: impl Strategy<Value = Condition>) -> impl Strategy<Value = Condition> {
        (prop::collection::vec(children, 2..5), any::<bool>()).prop_map(|(children, all)| {
            if all {
                Condition::All(children)
            } else {
                Condition::Any(children)
            }
        })
    }

    fn gen_node() -> impl Strategy<Value = Condition> {
        gen_leaf().prop_recursive(4, 64, 4, gen_group)
    }

    /// A tree `parse` can produce: nested groups of two or more, and a lone leaf only as `All`.
    fn gen_tree() -> impl Strategy<Value = Condition> {
        prop_oneof![
            gen_leaf().prop_map(|leaf| Condition::All(vec![leaf])),
            gen_group(gen_node()),
        ]
    }

    /// An edit of a text: at a char boundary (a fraction of the text), over a few chars,
    /// delete, insert or replace with a token.
    fn gen_edit() -> impl Strategy<Value = (f64, usize, usize, &'static str)> {
        (0.0..=1.0f64, 0..4usize, 0..3usize, select(&TOKENS[..]))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn render_round_trips_generated_trees(tree in gen_tree()) {
            let text = render(&tree);
            prop_assert_eq!(parse(&text), Ok(tree), "{}", text);
        }

        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            check_total(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn token_soup_never_panics(
            soup in prop::collection::vec(select(&TOKENS[..]), 0..16),
            spaced in any::<bool>(),
        ) {
            check_total(&soup.join(if spaced { " " } else { "" }));
        }

        #[test]
        fn mutated_expressions_never_panic(
            tree in gen_tree(),
            edits in prop::collection::vec(gen_edit(), 1..4),
        ) {
            let mut text = render(&tree);
            for (place, len, how, token) in edits {
                let bounds: Vec<usize> = text
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([text.len()])
                    .collect();
                let i = ((bounds.len() - 1) as f64 * place) as usize;
                let at = bounds[i];
                let to = bounds.get(i + len).copied().unwrap_or(text.len());
                match how {
                    0 => text.replace_range(at..to, ""),
                    1 => text.insert_str(at, token),
                    _ => text.replace_range(at..to, token),
                }
            }
            check_total(&text);
        }
    }

    /// Whatever the input: no panic, an error range on char boundaries inside the input, and a
    /// successful parse that round-trips through `render`.
    fn check_total(expr: &str) {
        match parse(expr) {
            Ok(tree) => assert_eq!(parse(&render(&tree)), Ok(tree.clone()), "{expr:?}"),
            Err(e) => {
                assert!(expr.get(e.range.clone()).is_some(), "{expr:?}: {e:?}");
                assert_eq!(
                    e.range.is_empty(),
                    e.message == "the expression is empty",
                    "{expr:?}: {e:?}"
                );
            }
        }
    }

    const TOKENS: [&str; 26] = [
        "visitor.page_url",
        "visitor.page_title",
        "visitor.visit_history",
        "device.language",
        "is",
        "is_not",
        "contains_any",
        "not_contains",
        "and",
        "or",
        "(",
        ")",
        "[",
        "]",
        ",",
        "\"/a\"",
        "\"fr\"",
        "\"",
        "\\",
        "new_user",
        "é",
        " ",
        "\n",
        "\"\\q\"",
        "\"☕\"",
        "fr",
    ];

    #[test]
    fn error_displays_its_message() {
        let e = err("");
        assert_eq!(e.to_string(), e.message);
    }
}
