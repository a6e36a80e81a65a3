//! The HTTP response API Gateway makes of what a function returned ([`from_result`]: the 2.0
//! rules, which infer a response from any JSON, and the stricter 1.0 ones), and the responses the
//! gateway answers by itself: no route, a failed invocation, a malformed result, a body too large.

use base64::Engine as _;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::StatusCode;
use serde_json::{Map, Value};

use super::PayloadVersion;

/// A response ready to send: status, headers in order (repeats allowed), body.
#[derive(Debug)]
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) body: Vec<u8>,
}

impl Reply {
    fn json_message(status: StatusCode, body: &str) -> Reply {
        Reply { status, headers: vec![json_content_type()], body: body.as_bytes().to_vec() }
    }

    /// A response the function described: its status and headers checked for HTTP.
    fn checked(
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<Reply, String> {
        let status = StatusCode::from_u16(status)
            .map_err(|_| format!("`statusCode` {status} is not an HTTP status code"))?;
        let headers = without_framing(headers)
            .into_iter()
            .map(|(name, value)| {
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| format!("`{name}` is not a header name"))?;
                let value = HeaderValue::from_str(&value)
                    .map_err(|_| format!("header `{name}` has a value HTTP cannot carry"))?;
                Ok((name, value))
            })
            .collect::<Result<_, String>>()?;
        Ok(Reply { status, headers, body })
    }
}

fn json_content_type() -> (HeaderName, HeaderValue) {
    (CONTENT_TYPE, HeaderValue::from_static("application/json"))
}

/// The response for a function's result, or why the result is malformed. `accepts_binary`
/// says a 1.0 `isBase64Encoded` body is to be decoded (the request accepts a binary media type).
pub(super) fn from_result(
    payload: PayloadVersion,
    result: Value,
    accepts_binary: bool,
) -> Result<Reply, String> {
    match payload {
        PayloadVersion::V2 => from_v2(result),
        PayloadVersion::V1 => from_v1(result, accepts_binary),
    }
}

/// What the gateway answers when no route matches: HTTP APIs `404 Not Found`, REST APIs
/// `403 Missing Authentication Token` (their answer to an unknown resource or method alike).
pub(super) fn no_route(payload: PayloadVersion) -> Reply {
    match payload {
        PayloadVersion::V2 => {
            Reply::json_message(StatusCode::NOT_FOUND, r#"{"message":"Not Found"}"#)
        }
        PayloadVersion::V1 => Reply::json_message(
            StatusCode::FORBIDDEN,
            r#"{"message":"Missing Authentication Token"}"#,
        ),
    }
}

/// What the gateway answers when the invocation failed or its result is malformed.
pub(super) fn integration_failure(payload: PayloadVersion) -> Reply {
    match payload {
        PayloadVersion::V2 => Reply::json_message(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"message":"Internal Server Error"}"#,
        ),
        PayloadVersion::V1 => {
            Reply::json_message(StatusCode::BAD_GATEWAY, r#"{"message": "Internal server error"}"#)
        }
    }
}

/// What the gateway answers to a request body over API Gateway's 10 MB payload limit.
pub(super) fn too_large() -> Reply {
    Reply::json_message(StatusCode::PAYLOAD_TOO_LARGE, r#"{"message":"Request Entity Too Large"}"#)
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
    let body = body(&fields, true)?;
    Reply::checked(status, headers, body)
}

fn inferred(body: String) -> Reply {
    Reply { status: StatusCode::OK, headers: vec![json_content_type()], body: body.into_bytes() }
}

fn from_v1(result: Value, accepts_binary: bool) -> Result<Reply, String> {
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
    let body = body(&fields, accepts_binary)?;
    Reply::checked(status, headers, body)
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

/// The body; an `isBase64Encoded` one decoded if `decode`, else sent as its base64 text.
fn body(fields: &Map<String, Value>, decode: bool) -> Result<Vec<u8>, String> {
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
    if base64 && decode {
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
