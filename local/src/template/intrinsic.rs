//! CloudFormation intrinsic functions resolved to local names: `Ref`, `Fn::GetAtt`, `Fn::Sub`,
//! `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::If`, `Fn::FindInMap` and the condition functions,
//! in their short (`!Ref`) and long (`{"Ref": …}`) forms. A table's `Ref` is its local table name,
//! its `StreamArn` the stream DynamoDB Local created; anything else that would only exist in AWS
//! is an error naming what could not be resolved, which the caller turns into a warning.

use std::collections::HashMap;

use serde_yaml::{Mapping, Value};

/// The account id every local ARN carries.
pub const ACCOUNT_ID: &str = "000000000000";

/// What a `Ref` or `Fn::GetAtt` of a logical id may resolve to.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A template parameter's value (override or `Default`), or `None` without either.
    Parameter(Option<String>),
    /// An `AWS::DynamoDB::Table` and its local name.
    Table(String),
    /// An `AWS::Serverless::Function` and its function name.
    Function(String),
    /// Any other resource, by type: not emulated.
    Other(String),
}

/// The names a template's intrinsics resolve against.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    pub(crate) region: String,
    pub(crate) stack_name: String,
    pub(crate) targets: HashMap<String, Target>,
    /// Stream ARNs by table logical id, known once the tables exist.
    pub(crate) stream_arns: HashMap<String, String>,
    pub(crate) conditions: Mapping,
    pub(crate) mappings: Mapping,
}

fn function_name(key: &str) -> Option<&str> {
    Some(match key {
        "Ref" => "Ref",
        "Condition" => "Condition",
        k => k.strip_prefix("Fn::")?,
    })
}

impl Scope {
    /// Resolves every intrinsic inside `value`.
    ///
    /// # Errors
    /// An intrinsic this emulator cannot resolve, described.
    pub(crate) fn resolve(&self, value: &Value) -> Result<Value, String> {
        match value {
            Value::Tagged(tagged) => {
                let tag = tagged.tag.to_string();
                self.call(tag.trim_start_matches('!'), &tagged.value)
            }
            Value::Mapping(map) if map.len() == 1 => {
                let (key, argument) = map.iter().next().expect("one entry");
                match key.as_str().and_then(function_name) {
                    Some(name) => self.call(name, argument),
                    None => self.resolve_mapping(map),
                }
            }
            Value::Mapping(map) => self.resolve_mapping(map),
            Value::Sequence(items) => {
                items.iter().map(|v| self.resolve(v)).collect::<Result<_, _>>().map(Value::Sequence)
            }
            other => Ok(other.clone()),
        }
    }

    fn resolve_mapping(&self, map: &Mapping) -> Result<Value, String> {
        let mut out = Mapping::new();
        for (k, v) in map {
            out.insert(k.clone(), self.resolve(v)?);
        }
        Ok(Value::Mapping(out))
    }

    /// Resolves `value` to a string (numbers and booleans as written).
    ///
    /// # Errors
    /// An unresolvable intrinsic, or a value that is a list or a map.
    pub(crate) fn string(&self, value: &Value) -> Result<String, String> {
        scalar(&self.resolve(value)?)
    }

    fn call(&self, name: &str, argument: &Value) -> Result<Value, String> {
        match name {
            "Ref" => self.reference(&self.string(argument)?).map(Value::String),
            "GetAtt" => {
                let (resource, attribute) = match self.resolve(argument)? {
                    Value::String(s) => match s.split_once('.') {
                        Some((r, a)) => (r.to_owned(), a.to_owned()),
                        None => return Err(format!("!GetAtt {s} names no attribute")),
                    },
                    Value::Sequence(parts) if parts.len() == 2 => {
                        (scalar(&parts[0])?, scalar(&parts[1])?)
                    }
                    _ => return Err("!GetAtt takes `Resource.Attribute`".to_owned()),
                };
                self.attribute(&resource, &attribute).map(Value::String)
            }
            "Sub" => self.sub(argument).map(Value::String),
            "Join" => {
                let [delimiter, list] = pair(&self.resolve(argument)?, "!Join")?;
                let Value::Sequence(items) = list else {
                    return Err("!Join takes a delimiter and a list".to_owned());
                };
                let items = items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?;
                Ok(Value::String(items.join(&scalar(&delimiter)?)))
            }
            "Select" => {
                let [index, list] = pair(&self.resolve(argument)?, "!Select")?;
                let index: usize = scalar(&index)?
                    .parse()
                    .map_err(|_| "!Select takes a numeric index".to_owned())?;
                match list {
                    Value::Sequence(items) => items
                        .get(index)
                        .cloned()
                        .ok_or_else(|| format!("!Select index {index} is past the list's end")),
                    _ => Err("!Select takes an index and a list".to_owned()),
                }
            }
            "Split" => {
                let [delimiter, text] = pair(&self.resolve(argument)?, "!Split")?;
                let delimiter = scalar(&delimiter)?;
                Ok(Value::Sequence(
                    scalar(&text)?.split(delimiter.as_str()).map(|s| s.into()).collect(),
                ))
            }
            "If" => {
                let Value::Sequence(parts) = argument else {
                    return Err("!If takes [condition, then, else]".to_owned());
                };
                let [condition, then, otherwise] = parts.as_slice() else {
                    return Err("!If takes [condition, then, else]".to_owned());
                };
                let branch = if self.condition(&scalar(condition)?)? { then } else { otherwise };
                self.resolve(branch)
            }
            "Condition" => Ok(Value::Bool(self.condition(&self.string(argument)?)?)),
            "Equals" => {
                let [a, b] = pair(&self.resolve(argument)?, "!Equals")?;
                Ok(Value::Bool(scalar(&a)? == scalar(&b)?))
            }
            "Not" | "And" | "Or" => {
                let Value::Sequence(items) = self.resolve(argument)? else {
                    return Err(format!("!{name} takes a list of conditions"));
                };
                let values = items.iter().map(truth).collect::<Result<Vec<_>, _>>()?;
                Ok(Value::Bool(match name {
                    "Not" => !values.first().copied().unwrap_or(false),
                    "And" => values.iter().all(|v| *v),
                    _ => values.iter().any(|v| *v),
                }))
            }
            "FindInMap" => {
                let Value::Sequence(keys) = self.resolve(argument)? else {
                    return Err("!FindInMap takes [map, key, key]".to_owned());
                };
                let mut current = Value::Mapping(self.mappings.clone());
                for key in &keys {
                    current = current.get(scalar(key)?.as_str()).cloned().ok_or_else(|| {
                        format!("!FindInMap: no entry {}", scalar(key).unwrap_or_default())
                    })?;
                }
                Ok(current)
            }
            other => Err(format!("the intrinsic function {other} is not emulated")),
        }
    }

    /// Evaluates the template condition `name`.
    pub(crate) fn condition(&self, name: &str) -> Result<bool, String> {
        let condition =
            self.conditions.get(name).ok_or_else(|| format!("no condition named {name}"))?;
        truth(&self.resolve(condition)?)
    }

    fn reference(&self, name: &str) -> Result<String, String> {
        match name {
            "AWS::Region" => return Ok(self.region.clone()),
            "AWS::AccountId" => return Ok(ACCOUNT_ID.to_owned()),
            "AWS::StackName" => return Ok(self.stack_name.clone()),
            "AWS::StackId" => {
                return Ok(format!(
                    "arn:aws:cloudformation:{}:{ACCOUNT_ID}:stack/{}/local",
                    self.region, self.stack_name
                ))
            }
            "AWS::Partition" => return Ok("aws".to_owned()),
            "AWS::URLSuffix" => return Ok("amazonaws.com".to_owned()),
            "AWS::NoValue" => return Err("AWS::NoValue".to_owned()),
            _ => {}
        }
        match self.targets.get(name) {
            Some(Target::Parameter(Some(value))) => Ok(value.clone()),
            Some(Target::Parameter(None)) => {
                Err(format!("parameter {name} has no Default and no override"))
            }
            Some(Target::Table(table) | Target::Function(table)) => Ok(table.clone()),
            Some(Target::Other(kind)) => {
                Err(format!("!Ref {name}: a {kind}, which is not emulated"))
            }
            None => Err(format!("!Ref {name}: no such parameter or resource")),
        }
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Result<String, String> {
        let region = &self.region;
        match (self.targets.get(resource), attribute) {
            (Some(Target::Table(name)), "Arn") => {
                Ok(format!("arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{name}"))
            }
            (Some(Target::Table(_)), "StreamArn") => self
                .stream_arns
                .get(resource)
                .cloned()
                .ok_or_else(|| format!("!GetAtt {resource}.StreamArn: the table has no stream")),
            (Some(Target::Function(name)), "Arn") => {
                Ok(format!("arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"))
            }
            (Some(Target::Other(kind)), _) => {
                Err(format!("!GetAtt {resource}.{attribute}: a {kind}, which is not emulated"))
            }
            (Some(_), _) => Err(format!("!GetAtt {resource}.{attribute} is not emulated")),
            (None, _) => Err(format!("!GetAtt {resource}.{attribute}: no such resource")),
        }
    }

    fn sub(&self, argument: &Value) -> Result<String, String> {
        let (text, variables) = self.resolve_sub_argument(argument)?;
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or_else(|| format!("!Sub: unclosed ${{ in {text:?}"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(value) = variables.get(name) {
                out.push_str(value);
            } else if let Some((resource, attribute)) = name.split_once('.') {
                out.push_str(&self.attribute(resource, attribute)?);
            } else {
                out.push_str(&self.reference(name)?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn resolve_sub_argument(
        &self,
        argument: &Value,
    ) -> Result<(String, HashMap<String, String>), String> {
        match argument {
            Value::Sequence(parts) if parts.len() == 2 => {
                let text = scalar(&parts[0])?;
                let Value::Mapping(map) = &parts[1] else {
                    return Err("!Sub takes a string, or [string, {variables}]".to_owned());
                };
                let mut variables = HashMap::new();
                for (k, v) in map {
                    variables.insert(scalar(k)?, self.string(v)?);
                }
                Ok((text, variables))
            }
            other => Ok((scalar(other)?, HashMap::new())),
        }
    }
}

fn pair(value: &Value, function: &str) -> Result<[Value; 2], String> {
    match value {
        Value::Sequence(items) if items.len() == 2 => Ok([items[0].clone(), items[1].clone()]),
        _ => Err(format!("{function} takes two arguments")),
    }
}

fn truth(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
        _ => Err("a condition must be true or false".to_owned()),
    }
}

/// A plain value as a string.
pub(crate) fn scalar(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Tagged(tagged) => Err(format!("an unresolved {}", tagged.tag)),
        Value::Null => Err("an empty value".to_owned()),
        _ => Err("a list or map where a single value is needed".to_owned()),
    }
}
