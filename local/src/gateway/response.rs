//! The HTTP response API Gateway makes of what a function returned ([`from_result`]: the 2.0
//! rules, which infer a response from any JSON, and the stricter 1.0 ones), and the responses the
//! gateway answers by itself: no route, a failed invocation, a malformed result, a body too large.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::PayloadVersion;

/// A response ready to send: status, headers in order (repeats allowed), body.
#[derive(Debug)]
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Reply {
    fn json_message(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: body.as_bytes().to_vec(),
        }
    }
}

/// The response for a function's result, or why the result is malformed.
pub(super) fn from_result(payload: PayloadVersion, result: Value) -> Result<Reply, String> {
    match payload {
        PayloadVersion::V2 => from_v2(result),
        PayloadVersion::V1 => from_v1(result),
    }
}

/// What the gateway answers when no route matches: HTTP APIs `404 Not Found`, REST APIs
/// `403 Missing Authentication Token` (their answer to an unknown resource or method alike).
pub(super) fn no_route(payload: PayloadVersion) -> Reply {
    match payload {
        PayloadVersion::V2 => Reply::json_message(404, r#"{"message":"Not Found"}"#),
        PayloadVersion::V1 => {
            Reply::json_message(403, r#"{"message":"Missing Authentication Token"}"#)
        }
    }
}

/// What the gateway answers when the invocation failed or its result is malformed.
pub(super) fn integration_failure(payload: PayloadVersion) -> Reply {
    match payload {
        PayloadVersion::V2 => Reply::json_message(500, r#"{"message":"Internal Server Error"}"#),
        PayloadVersion::V1 => Reply::json_message(502, r#"{"message": "Internal server error"}"#),
    }
}

/// What the gateway answers to a request body over API Gateway's 10 MB payload limit.
pub(super) fn too_large() -> Reply {
    Reply::json_message(413, r#"{"message":"Request Entity Too Large"}"#)
}

fn from_v2(result: Value) -> Result<Reply, String> {
    let mut fields = match result {
        Value::Object(fields) if fields.contains_key("statusCode") => fields,
        // A result without `statusCode` is the body of a 200 JSON response: a string as is,
        // anything else as its JSON text.
        Value::String(text) => return Ok(inferred(text)),
        other => return Ok(inferred(other.to_string())),
    };
    let status = status_code(&fields)?;
    let mut headers = single_headers(fields.get("headers"))?;
    match fields.remove("cookies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(cookies)) => {
            for cookie in cookies {
                let Value::String(cookie) = cookie else {
                    return Err("`cookies` holds a value that is not a string".to_owned());
                };
                headers.push(("set-cookie".to_owned(), cookie));
            }
        }
        Some(_) => return Err("`cookies` is not an array of strings".to_owned()),
    }
    let body = body(&fields)?;
    Ok(Reply { status, headers: without_framing(headers), body })
}

fn inferred(body: String) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        body: body.into_bytes(),
    }
}

fn from_v1(result: Value) -> Result<Reply, String> {
    let Value::Object(fields) = result else {
        return Err("the result is not a JSON object with a `statusCode`".to_owned());
    };
    if !fields.contains_key("statusCode") {
        return Err("the result has no `statusCode`".to_owned());
    }
    let status = status_code(&fields)?;
    let single = single_headers(fields.get("headers"))?;
    let mut headers = multi_headers(fields.get("multiValueHeaders"))?;
    // `headers` and `multiValueHeaders` merge; a pair given in both appears once.
    for (name, value) in single {
        if !headers.iter().any(|(n, v)| n.eq_ignore_ascii_case(&name) && *v == value) {
            headers.push((name, value));
        }
    }
    let body = body(&fields)?;
    Ok(Reply { status, headers: without_framing(headers), body })
}

fn status_code(fields: &Map<String, Value>) -> Result<u16, String> {
    let status = match fields.get("statusCode") {
        Some(Value::Number(number)) => number.as_u64(),
        Some(Value::String(text)) => text.parse::<u64>().ok(),
        _ => None,
    };
    status
        .and_then(|status| u16::try_from(status).ok())
        .filter(|status| (100..=599).contains(status))
        .ok_or_else(|| "`statusCode` is not an HTTP status code".to_owned())
}

fn single_headers(headers: Option<&Value>) -> Result<Vec<(String, String)>, String> {
    match headers {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(headers)) => headers
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(name, value)| Ok((name.clone(), header_value(name, value)?)))
            .collect(),
        Some(_) => Err("`headers` is not an object".to_owned()),
    }
}

fn multi_headers(headers: Option<&Value>) -> Result<Vec<(String, String)>, String> {
    let headers = match headers {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(headers)) => headers,
        Some(_) => return Err("`multiValueHeaders` is not an object".to_owned()),
    };
    let mut pairs = Vec::new();
    for (name, values) in headers {
        match values {
            Value::Null => {}
            Value::Array(values) => {
                for value in values {
                    pairs.push((name.clone(), header_value(name, value)?));
                }
            }
            _ => return Err(format!("`multiValueHeaders.{name}` is not an array")),
        }
    }
    Ok(pairs)
}

fn header_value(name: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) => Ok(number.to_string()),
        Value::Bool(flag) => Ok(flag.to_string()),
        _ => Err(format!("header `{name}` is not a string")),
    }
}

fn body(fields: &Map<String, Value>) -> Result<Vec<u8>, String> {
    let base64 = match fields.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err("`isBase64Encoded` is not a boolean".to_owned()),
    };
    let body = match fields.get("body") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(body)) => body,
        Some(_) => return Err("`body` is not a string".to_owned()),
    };
    if base64 {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|error| format!("`body` is not valid base64 ({error})"))
    } else {
        Ok(body.as_bytes().to_vec())
    }
}

/// Drops the headers that frame the message: the server sets them for the body it sends.
fn without_framing(headers: Vec<(String, String)>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .filter(|(name, _)| {
            !["content-length", "transfer-encoding", "connection"]
                .iter()
                .any(|framing| name.eq_ignore_ascii_case(framing))
        })
        .collect()
}
