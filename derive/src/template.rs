//! Lexing key templates: `CUSTOMER#{customer_id}` into literal text and field placeholders, with
//! `{{` and `}}` for literal braces as in `format!`. `valid` resolves the fields.

/// A piece of a key template, fields still by Rust name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Literal(String),
    Field(String),
}

/// Splits `CUSTOMER#{customer_id}` into pieces; `{{` and `}}` are literal braces, as in `format!`.
pub(crate) fn lex_template(template: &str) -> Result<Vec<Piece>, String> {
    if template.is_empty() {
        return Err("empty key template".to_owned());
    }
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') => {
                            return Err("unexpected `{` inside a placeholder; \
                                        write `{{` for a literal brace"
                                .to_owned())
                        }
                        Some(c) => name.push(c),
                        None => {
                            return Err("unclosed `{` in key template; \
                                        write `{{` for a literal brace"
                                .to_owned())
                        }
                    }
                }
                if name.is_empty() {
                    return Err(
                        "empty placeholder `{}` in key template; name a field, as in `{id}`"
                            .to_owned(),
                    );
                }
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Field(name));
            }
            '}' => {
                return Err(
                    "unmatched `}` in key template; write `}}` for a literal brace".to_owned()
                )
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}
