//! Proactive-message conditions: the one tree that both the structured `conditions` table
//! and the `when` expression compile to, and the leaf rules they share.

use std::fmt;

use strum::{EnumIter, EnumString, IntoStaticStr};

/// A condition field a proactive message can test. Its spellings are the schema's too
/// (`FieldName` in `cfg.rs`; a test holds them equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumString, IntoStaticStr, EnumIter)]
pub enum Field {
    /// `visitor.page_url`
    #[strum(serialize = "visitor.page_url")]
    PageUrl,
    /// `visitor.page_title`
    #[strum(serialize = "visitor.page_title")]
    PageTitle,
    /// `visitor.visit_history`
    #[strum(serialize = "visitor.visit_history")]
    VisitHistory,
    /// `device.language`
    #[strum(serialize = "device.language")]
    Language,
}

impl Field {
    /// The spelling used in configuration files and `when` expressions.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses the configuration spelling.
    pub fn parse(s: &str) -> Option<Field> {
        s.parse().ok()
    }

    /// The operators this field accepts.
    pub fn ops(self) -> &'static [Op] {
        match self {
            Field::PageUrl | Field::PageTitle => {
                &[Op::Is, Op::IsNot, Op::ContainsAny, Op::NotContains]
            }
            Field::VisitHistory | Field::Language => &[Op::Is, Op::IsNot],
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A comparison operator of a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum Op {
    /// equal to one string
    Is,
    /// not equal to one string
    IsNot,
    /// contains at least one of a list of strings
    ContainsAny,
    /// contains none of a list of strings
    NotContains,
}

impl Op {
    /// The spelling used in configuration files and `when` expressions.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses the configuration spelling.
    pub fn parse(s: &str) -> Option<Op> {
        s.parse().ok()
    }

    /// Whether the operator takes a list of strings rather than one value.
    pub fn takes_list(self) -> bool {
        matches!(self, Op::ContainsAny | Op::NotContains)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value a leaf compares against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// one string (`is`, `is_not`)
    One(String),
    /// a list of strings (`contains_any`, `not_contains`)
    Many(Vec<String>),
}

/// A condition tree node.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Condition {
    /// every child holds
    All(Vec<Condition>),
    /// at least one child holds
    Any(Vec<Condition>),
    /// one comparison
    Leaf {
        /// what is tested
        field: Field,
        /// how
        op: Op,
        /// against what
        value: Value,
    },
}

/// Values `visitor.visit_history` accepts.
pub const VISIT_HISTORY_VALUES: [&str; 2] = ["new_user", "returning_user"];

/// What is wrong with one leaf; the caller knows where the leaf is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeafError {
    /// the operator does not apply to the field
    OpNotAllowed {
        /// the field
        field: Field,
        /// the operator written
        op: Op,
    },
    /// a list was given where one string is expected
    ExpectedOne {
        /// the operator
        op: Op,
    },
    /// one string was given where a list is expected
    ExpectedList {
        /// the operator
        op: Op,
    },
    /// a list operator with an empty list, or an empty string in a list
    EmptyValue,
    /// `visitor.visit_history` compared with something else than `new_user` / `returning_user`
    BadVisitHistory {
        /// the value written
        value: String,
    },
    /// `device.language` compared with something that is not a language tag
    BadLanguage {
        /// the value written
        value: String,
    },
}

impl fmt::Display for LeafError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeafError::OpNotAllowed { field, op } => {
                let ops: Vec<&str> = field.ops().iter().map(|o| o.as_str()).collect();
                write!(
                    f,
                    "`{field}` does not take `{op}`; it takes {}",
                    ops.join(", ")
                )
            }
            LeafError::ExpectedOne { op } => {
                write!(f, "`{op}` compares with one string, not a list")
            }
            LeafError::ExpectedList { op } => write!(f, "`{op}` takes a list of strings"),
            LeafError::EmptyValue => f.write_str("the value is empty"),
            LeafError::BadVisitHistory { value } => {
                write!(
                    f,
                    "`visitor.visit_history` is `new_user` or `returning_user`, not `{value}`"
                )
            }
            LeafError::BadLanguage { value } => write!(
                f,
                "`{value}` is not a language tag (such as `fr` or `en-GB`)"
            ),
        }
    }
}

/// Checks one comparison: operator allowed for the field, value of the right shape.
pub fn check_leaf(field: Field, op: Op, value: &Value) -> Result<(), LeafError> {
    if !field.ops().contains(&op) {
        return Err(LeafError::OpNotAllowed { field, op });
    }
    match (op.takes_list(), value) {
        (true, Value::One(_)) => return Err(LeafError::ExpectedList { op }),
        (false, Value::Many(_)) => return Err(LeafError::ExpectedOne { op }),
        _ => {}
    }
    match value {
        Value::Many(items) if items.is_empty() || items.iter().any(|s| s.is_empty()) => {
            return Err(LeafError::EmptyValue);
        }
        Value::One(s) if s.is_empty() => return Err(LeafError::EmptyValue),
        _ => {}
    }
    if let Value::One(s) = value {
        match field {
            Field::VisitHistory if !VISIT_HISTORY_VALUES.contains(&s.as_str()) => {
                return Err(LeafError::BadVisitHistory { value: s.clone() });
            }
            Field::Language if !is_language_tag(s) => {
                return Err(LeafError::BadLanguage { value: s.clone() });
            }
            _ => {}
        }
    }
    Ok(())
}

/// A BCP 47 language tag in the simple form browsers send: `fr`, `en-GB`, `zh-Hant-TW`.
pub fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let Some(primary) = parts.next() else {
        return false;
    };
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_rules() {
        assert!(
            check_leaf(
                Field::PageUrl,
                Op::ContainsAny,
                &Value::Many(vec!["/a".into()])
            )
            .is_ok()
        );
        assert_eq!(
            check_leaf(
                Field::Language,
                Op::ContainsAny,
                &Value::Many(vec!["fr".into()])
            ),
            Err(LeafError::OpNotAllowed {
                field: Field::Language,
                op: Op::ContainsAny
            })
        );
        assert_eq!(
            check_leaf(Field::PageUrl, Op::Is, &Value::Many(vec!["/a".into()])),
            Err(LeafError::ExpectedOne { op: Op::Is })
        );
        assert!(check_leaf(Field::VisitHistory, Op::Is, &Value::One("new_user".into())).is_ok());
        assert!(check_leaf(Field::VisitHistory, Op::Is, &Value::One("old".into())).is_err());
        assert!(check_leaf(Field::Language, Op::IsNot, &Value::One("en-GB".into())).is_ok());
        assert!(check_leaf(Field::Language, Op::IsNot, &Value::One("english!".into())).is_err());
    }
}
