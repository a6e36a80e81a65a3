//! What the orders API's tests share: the events API Gateway sends.

use serde_json::{json, Value};

/// An API Gateway HTTP API (payload format 2.0) event, as API Gateway sends it for a
/// `$default` route.
pub(crate) fn event(method: &str, target: &str, body: Option<&str>, base64: bool) -> Value {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {
            "content-type": "application/json",
            "host": "abc123.execute-api.us-east-1.amazonaws.com",
            "user-agent": "test"
        },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "test"
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "21/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1_795_251_600_000u64
        },
        "body": body,
        "isBase64Encoded": base64
    })
}
