//! Condition expressions (also used as filters): comparisons, functions and boolean logic on paths.
//!
//! ```
//! use ferrodyn::expression::attr;
//! let c = attr("status").eq("paid") & attr("total_cents").gt(1000) & !attr("deleted").exists();
//! // Debug shows names and hides every value.
//! assert_eq!(
//!     format!("{c:?}"),
//!     "Condition(((status = ? AND total_cents > ?) AND (NOT attribute_exists(deleted))))"
//! );
//! ```

use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;

use super::path::Path;
use super::placeholders::Placeholders;
use super::value_of::{to_value, Accepts};
use crate::value::ToAttributeValue;

/// A condition on an item, built from [`Path`] methods and combined with `and`, `or`, `!`.
#[derive(Clone)]
#[must_use]
pub struct Condition(Node);

#[derive(Clone)]
enum Node {
    Compare(Operand, &'static str, AttributeValue),
    Between(Operand, AttributeValue, AttributeValue),
    In(Path<()>, Vec<AttributeValue>),
    Exists(Path<()>),
    NotExists(Path<()>),
    Type(Path<()>, AttributeType),
    BeginsWith(Path<()>, AttributeValue),
    Contains(Path<()>, AttributeValue),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
}

#[derive(Clone)]
enum Operand {
    Path(Path<()>),
    Size(Path<()>),
}

/// DynamoDB's attribute types, for [`Path::is_type`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
    /// Boolean.
    Bool,
    /// Null.
    Null,
    /// List.
    L,
    /// Map.
    M,
    /// String set.
    Ss,
    /// Number set.
    Ns,
    /// Binary set.
    Bs,
}

impl AttributeType {
    fn code(self) -> &'static str {
        match self {
            AttributeType::S => "S",
            AttributeType::N => "N",
            AttributeType::B => "B",
            AttributeType::Bool => "BOOL",
            AttributeType::Null => "NULL",
            AttributeType::L => "L",
            AttributeType::M => "M",
            AttributeType::Ss => "SS",
            AttributeType::Ns => "NS",
            AttributeType::Bs => "BS",
        }
    }
}

macro_rules! comparisons {
    ($($(#[$doc:meta])* $name:ident => $op:literal,)*) => {
        impl<T> Path<T> {
            $(
                $(#[$doc])*
                pub fn $name<V: ToAttributeValue>(&self, value: V) -> Condition
                where
                    T: Accepts<V>,
                {
                    Condition(Node::Compare(Operand::Path(self.erased()), $op, to_value(value)))
                }
            )*
        }

        impl Size {
            $(
                $(#[$doc])*
                pub fn $name(self, size: usize) -> Condition {
                    Condition(Node::Compare(Operand::Size(self.0), $op, to_value(size)))
                }
            )*
        }
    };
}

comparisons! {
    /// `path = value`
    eq => "=",
    /// `path <> value`
    ne => "<>",
    /// `path < value`
    lt => "<",
    /// `path <= value`
    le => "<=",
    /// `path > value`
    gt => ">",
    /// `path >= value`
    ge => ">=",
}

/// `size(path)`, compared with a number.
#[derive(Debug, Clone)]
#[must_use]
pub struct Size(Path<()>);

impl<T> Path<T> {
    /// `path BETWEEN low AND high` (inclusive).
    pub fn between<V: ToAttributeValue>(&self, low: V, high: V) -> Condition
    where
        T: Accepts<V>,
    {
        Condition(Node::Between(Operand::Path(self.erased()), to_value(low), to_value(high)))
    }

    /// `path IN (v1, v2, …)`; DynamoDB allows at most 100 values.
    pub fn is_in<V: ToAttributeValue, I: IntoIterator<Item = V>>(&self, values: I) -> Condition
    where
        T: Accepts<V>,
    {
        Condition(Node::In(self.erased(), values.into_iter().map(to_value).collect()))
    }

    /// `attribute_exists(path)`.
    pub fn exists(&self) -> Condition {
        Condition(Node::Exists(self.erased()))
    }

    /// `attribute_not_exists(path)`.
    pub fn not_exists(&self) -> Condition {
        Condition(Node::NotExists(self.erased()))
    }

    /// `attribute_type(path, type)`.
    pub fn is_type(&self, ty: AttributeType) -> Condition {
        Condition(Node::Type(self.erased(), ty))
    }

    /// `begins_with(path, prefix)` for strings and binaries.
    pub fn begins_with<V: ToAttributeValue>(&self, prefix: V) -> Condition {
        Condition(Node::BeginsWith(self.erased(), to_value(prefix)))
    }

    /// `contains(path, value)`: a substring of a string, an element of a set or list.
    pub fn contains<V: ToAttributeValue>(&self, value: V) -> Condition {
        Condition(Node::Contains(self.erased(), to_value(value)))
    }

    /// `size(path)`, to compare: `path.size().gt(3)`.
    pub fn size(&self) -> Size {
        Size(self.erased())
    }
}

impl Condition {
    /// Both conditions.
    pub fn and(self, other: Condition) -> Condition {
        Condition(Node::And(Box::new(self.0), Box::new(other.0)))
    }

    /// `existing AND self`, or `self` alone: how builders add conditions and filters.
    pub(crate) fn and_after(self, existing: Option<Condition>) -> Condition {
        match existing {
            Some(existing) => existing.and(self),
            None => self,
        }
    }

    /// Either condition.
    pub fn or(self, other: Condition) -> Condition {
        Condition(Node::Or(Box::new(self.0), Box::new(other.0)))
    }

    /// The values bound by this condition, for validation.
    pub(crate) fn values(&self) -> Vec<&AttributeValue> {
        let mut out = Vec::new();
        self.0.values(&mut out);
        out
    }

    /// The number of values in the largest `IN` list.
    pub(crate) fn largest_in(&self) -> usize {
        self.0.largest_in()
    }

    /// Renders the condition into `placeholders` with `prefix`.
    pub(crate) fn render(&self, prefix: char, placeholders: &mut Placeholders) -> String {
        let mut out = String::new();
        self.0.render(prefix, placeholders, &mut out);
        out
    }
}

impl std::ops::Not for Condition {
    type Output = Condition;
    fn not(self) -> Condition {
        Condition(Node::Not(Box::new(self.0)))
    }
}

impl std::ops::BitAnd for Condition {
    type Output = Condition;
    fn bitand(self, other: Condition) -> Condition {
        self.and(other)
    }
}

impl std::ops::BitOr for Condition {
    type Output = Condition;
    fn bitor(self, other: Condition) -> Condition {
        self.or(other)
    }
}

impl Node {
    fn values<'a>(&'a self, out: &mut Vec<&'a AttributeValue>) {
        match self {
            Node::Compare(_, _, v) | Node::BeginsWith(_, v) | Node::Contains(_, v) => out.push(v),
            Node::Between(_, a, b) => {
                out.push(a);
                out.push(b);
            }
            Node::In(_, vs) => out.extend(vs),
            Node::Exists(_) | Node::NotExists(_) | Node::Type(..) => {}
            Node::And(a, b) | Node::Or(a, b) => {
                a.values(out);
                b.values(out);
            }
            Node::Not(a) => a.values(out),
        }
    }

    fn largest_in(&self) -> usize {
        match self {
            Node::In(_, vs) => vs.len(),
            Node::And(a, b) | Node::Or(a, b) => a.largest_in().max(b.largest_in()),
            Node::Not(a) => a.largest_in(),
            _ => 0,
        }
    }

    /// Renders with placeholders, or (for `Debug`) with plain names and `?` for values when
    /// `placeholders` is `None`.
    fn render_with(&self, prefix: char, ph: &mut Option<&mut Placeholders>, out: &mut String) {
        let path = |p: &Path<()>, ph: &mut Option<&mut Placeholders>| match ph {
            Some(ph) => ph.path(prefix, p),
            None => p.to_string(),
        };
        let value = |v: &AttributeValue, ph: &mut Option<&mut Placeholders>| match ph {
            Some(ph) => ph.value(prefix, v.clone()),
            None => "?".to_owned(),
        };
        let operand = |o: &Operand, ph: &mut Option<&mut Placeholders>| match o {
            Operand::Path(p) => path(p, ph),
            Operand::Size(p) => format!("size({})", path(p, ph)),
        };
        match self {
            Node::Compare(o, op, v) => {
                let o = operand(o, ph);
                let v = value(v, ph);
                out.push_str(&format!("{o} {op} {v}"));
            }
            Node::Between(o, a, b) => {
                let o = operand(o, ph);
                let a = value(a, ph);
                let b = value(b, ph);
                out.push_str(&format!("{o} BETWEEN {a} AND {b}"));
            }
            Node::In(p, vs) => {
                let p = path(p, ph);
                let vs: Vec<String> = vs.iter().map(|v| value(v, ph)).collect();
                out.push_str(&format!("{p} IN ({})", vs.join(", ")));
            }
            Node::Exists(p) => {
                let p = path(p, ph);
                out.push_str(&format!("attribute_exists({p})"));
            }
            Node::NotExists(p) => {
                let p = path(p, ph);
                out.push_str(&format!("attribute_not_exists({p})"));
            }
            Node::Type(p, ty) => {
                let p = path(p, ph);
                let t = value(&AttributeValue::S(ty.code().to_owned()), ph);
                out.push_str(&format!("attribute_type({p}, {t})"));
            }
            Node::BeginsWith(p, v) => {
                let p = path(p, ph);
                let v = value(v, ph);
                out.push_str(&format!("begins_with({p}, {v})"));
            }
            Node::Contains(p, v) => {
                let p = path(p, ph);
                let v = value(v, ph);
                out.push_str(&format!("contains({p}, {v})"));
            }
            Node::And(a, b) | Node::Or(a, b) => {
                let op = if matches!(self, Node::And(..)) { " AND " } else { " OR " };
                out.push('(');
                a.render_with(prefix, ph, out);
                out.push_str(op);
                b.render_with(prefix, ph, out);
                out.push(')');
            }
            Node::Not(a) => {
                out.push_str("(NOT ");
                a.render_with(prefix, ph, out);
                out.push(')');
            }
        }
    }

    fn render(&self, prefix: char, placeholders: &mut Placeholders, out: &mut String) {
        self.render_with(prefix, &mut Some(placeholders), out);
    }
}

/// Shows the expression with attribute names and `?` for every value: values never appear.
impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.0.render_with('c', &mut None, &mut out);
        write!(f, "Condition({out})")
    }
}
