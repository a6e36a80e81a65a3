//! The part of an event a key or a validation hash is made of, chosen by a path in a subset of
//! JMESPath (the language Powertools' `event_key_jmespath` is written in): fields (`body.order_id`,
//! `"quoted-name"`), indexes (`items[0]`, `items[-1]`), Powertools' `powertools_json(...)` (parse a
//! string field as JSON, as API Gateway's `body` is), and multiselect lists (`[user, order_id]`).
//! What it selects is what JMESPath selects: a missing field or an index out of range is `null`.

use std::fmt;

use serde_json::Value;

/// A parsed path; see the [module documentation](self) for the syntax.
///
/// ```
/// use ferrodyn_idempotency::KeyPath;
/// use serde_json::json;
///
/// let event = json!({"body": "{\"order_id\": 7}", "items": [{"sku": "a"}, {"sku": "b"}]});
/// let path = KeyPath::parse("[powertools_json(body).order_id, items[-1].sku]").unwrap();
/// assert_eq!(path.select(&event), json!([7, "b"]));
/// assert_eq!(KeyPath::parse("missing.field").unwrap().select(&event), json!(null));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPath {
    text: String,
    node: Node,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Current,
    Field(Box<Node>, String),
    Index(Box<Node>, i64),
    Json(Box<Node>),
    List(Vec<Node>),
}

/// A path that is not in the supported subset; names the path and the byte where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidKeyPath {
    path: String,
    position: usize,
    reason: &'static str,
}

impl fmt::Display for InvalidKeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid key path `{}` at byte {}: {}", self.path, self.position, self.reason)
    }
}

impl std::error::Error for InvalidKeyPath {}

impl fmt::Debug for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("KeyPath").field(&self.text).finish()
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl KeyPath {
    /// Parses `path`.
    ///
    /// # Errors
    /// The path is empty or outside the supported subset.
    pub fn parse(path: &str) -> Result<KeyPath, InvalidKeyPath> {
        let mut parser = Parser { text: path, pos: 0 };
        let node = parser.expr()?;
        parser.skip_ws();
        if parser.pos < path.len() {
            return Err(parser.error("unexpected character"));
        }
        Ok(KeyPath { text: path.to_owned(), node })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// What the path selects in `value` (`null` where nothing is).
    pub fn select(&self, value: &Value) -> Value {
        eval(&self.node, value)
    }
}

fn eval(node: &Node, value: &Value) -> Value {
    match node {
        Node::Current => value.clone(),
        Node::Field(base, name) => match eval(base, value) {
            Value::Object(mut map) => map.remove(name).unwrap_or(Value::Null),
            _ => Value::Null,
        },
        Node::Index(base, index) => match eval(base, value) {
            Value::Array(mut items) => {
                let len = items.len() as i64;
                let at = if *index < 0 { len + index } else { *index };
                if (0..len).contains(&at) {
                    items.swap_remove(at as usize)
                } else {
                    Value::Null
                }
            }
            _ => Value::Null,
        },
        Node::Json(inner) => match eval(inner, value) {
            Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
            _ => Value::Null,
        },
        // JMESPath: a multiselect on null is null, not a list of nulls.
        Node::List(_) if value.is_null() => Value::Null,
        Node::List(items) => Value::Array(items.iter().map(|item| eval(item, value)).collect()),
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &'static str) -> InvalidKeyPath {
        InvalidKeyPath { path: self.text.to_owned(), position: self.pos, reason }
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.text.len() - trimmed.len();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char, reason: &'static str) -> Result<(), InvalidKeyPath> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(reason))
        }
    }

    fn expr(&mut self) -> Result<Node, InvalidKeyPath> {
        self.skip_ws();
        if self.peek() == Some('[') && !self.index_follows() {
            self.pos += 1;
            let mut items = vec![self.expr()?];
            while self.eat(',') {
                items.push(self.expr()?);
            }
            self.expect(']', "expected `,` or `]` in a multiselect list")?;
            // `[a, b].c` would be a projection in JMESPath, which this subset does not have.
            return Ok(Node::List(items));
        }
        let mut node = if self.peek() == Some('[') {
            self.index(Node::Current)?
        } else if self.rest().starts_with("powertools_json") {
            self.pos += "powertools_json".len();
            self.expect('(', "expected `(` after powertools_json")?;
            let inner = self.expr()?;
            self.expect(')', "expected `)`")?;
            Node::Json(Box::new(inner))
        } else {
            Node::Field(Box::new(Node::Current), self.field()?)
        };
        loop {
            self.skip_ws();
            match self.peek() {
                Some('.') => {
                    self.pos += 1;
                    self.skip_ws();
                    node = Node::Field(Box::new(node), self.field()?);
                }
                Some('[') if self.index_follows() => node = self.index(node)?,
                Some('[') => return Err(self.error("only `[<integer>]` may follow a path")),
                _ => return Ok(node),
            }
        }
    }

    /// Whether the `[` at the cursor opens an index (`[0]`, `[-1]`) rather than a list.
    fn index_follows(&self) -> bool {
        let after = self.rest()[1..].trim_start();
        after.starts_with(|c: char| c.is_ascii_digit() || c == '-')
    }

    fn index(&mut self, base: Node) -> Result<Node, InvalidKeyPath> {
        self.pos += 1;
        self.skip_ws();
        let start = self.pos;
        let digits = self.rest().strip_prefix('-').unwrap_or(self.rest());
        let len = digits.bytes().take_while(u8::is_ascii_digit).count();
        self.pos += self.rest().len() - digits.len() + len;
        let index: i64 = self.text[start..self.pos]
            .parse()
            .map_err(|_| self.error("expected an integer index"))?;
        self.expect(']', "expected `]` after an index")?;
        Ok(Node::Index(Box::new(base), index))
    }

    fn field(&mut self) -> Result<String, InvalidKeyPath> {
        if self.peek() == Some('"') {
            self.pos += 1;
            let mut name = String::new();
            let mut chars = self.rest().char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.pos += i + 1;
                        return Ok(name);
                    }
                    '\\' => match chars.next() {
                        Some((_, escaped @ ('"' | '\\'))) => name.push(escaped),
                        _ => return Err(self.error("only \\\" and \\\\ escapes are supported")),
                    },
                    c => name.push(c),
                }
            }
            return Err(self.error("unterminated quoted field"));
        }
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|&(i, c)| !(c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return Err(self.error("expected a field name"));
        }
        let name = rest[..len].to_owned();
        self.pos += len;
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn select(path: &str, value: &Value) -> Value {
        KeyPath::parse(path).unwrap().select(value)
    }

    #[test]
    fn fields_indexes_and_lists() {
        let event = json!({
            "body": {"order_id": "o-1", "lines": [10, 20, 30]},
            "my-header": "h",
            "n": 0
        });
        assert_eq!(select("body.order_id", &event), json!("o-1"));
        assert_eq!(select("body.lines[1]", &event), json!(20));
        assert_eq!(select("body.lines[-1]", &event), json!(30));
        assert_eq!(select("body.lines[3]", &event), json!(null));
        assert_eq!(select("\"my-header\"", &event), json!("h"));
        assert_eq!(select("[n, body.order_id, nope]", &event), json!([0, "o-1", null]));
        assert_eq!(select("body.order_id.deeper", &event), json!(null));
        assert_eq!(select("[ 0 ]", &json!(["x"])), json!("x"));
    }

    #[test]
    fn powertools_json_parses_a_string_field() {
        let event = json!({"body": "{\"user\": {\"id\": 3}}", "plain": "not json"});
        assert_eq!(select("powertools_json(body).user.id", &event), json!(3));
        assert_eq!(select("powertools_json(plain)", &event), json!(null));
    }

    #[test]
    fn paths_outside_the_subset_are_rejected_with_their_position() {
        for (path, position) in
            [("", 0), ("a.", 2), ("a[", 1), ("a[x]", 1), ("[a, b", 5), ("a b", 2), ("a[*]", 1)]
        {
            let err = KeyPath::parse(path).unwrap_err();
            assert_eq!(err.position, position, "{path}: {err}");
        }
    }
}
