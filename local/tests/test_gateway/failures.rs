//! What the gateway answers by itself — a failed invocation, a malformed result, a body too
//! large — and what each request logs.

use ferrodyn_local::gateway::{InvokeError, PayloadVersion, Route};
use serde_json::json;

use crate::client::Gateway;

#[tokio::test]
async fn function_errors_and_timeouts_are_gateway_errors() {
    let gateway = Gateway::start(vec![
        Route::http_api(Some("GET"), "/error", "Fails"),
        Route::http_api(Some("GET"), "/slow", "Slow"),
        Route::rest_api(Some("GET"), "/rest-error", "RestFails"),
    ])
    .await;
    gateway.functions.answer("Fails", Err(InvokeError::function("boom: handler panicked")));
    gateway.functions.answer("Slow", Err(InvokeError::timeout("no result within 3000 ms")));
    gateway.functions.answer("RestFails", Err(InvokeError::crashed("exited with status 101")));
    for path in ["/error", "/slow"] {
        let reply = gateway.get(path).await;
        assert_eq!(reply.status, 500, "{path}");
        assert_eq!(reply.text(), r#"{"message":"Internal Server Error"}"#);
    }
    let reply = gateway.get("/rest-error").await;
    assert_eq!(reply.status, 502);
    assert_eq!(reply.text(), r#"{"message": "Internal server error"}"#);
    let errors: Vec<String> = gateway.logs().into_iter().map(|log| log.error.unwrap()).collect();
    assert!(errors[0].contains("boom: handler panicked"), "{errors:?}");
    assert!(errors[1].contains("timeout"), "{errors:?}");
    assert!(errors[2].contains("exited with status 101"), "{errors:?}");
}

#[tokio::test]
async fn malformed_results_are_gateway_errors() {
    let v2_malformed = [
        json!({ "statusCode": "abc" }),
        json!({ "statusCode": 200, "body": { "not": "a string" } }),
        json!({ "statusCode": 200, "body": "!!", "isBase64Encoded": true }),
        json!({ "statusCode": 200, "cookies": "a=1" }),
        json!({ "statusCode": 200, "headers": { "bad name": "x" } }),
        json!({ "statusCode": 42 }),
    ];
    let v1_malformed = [json!("just a string"), json!({ "body": "no status" }), json!(null)];
    let mut routes = Vec::new();
    for i in 0..v2_malformed.len() {
        routes.push(Route::http_api(Some("GET"), &format!("/v2/{i}"), &format!("Two{i}")));
    }
    for i in 0..v1_malformed.len() {
        routes.push(Route::rest_api(Some("GET"), &format!("/v1/{i}"), &format!("One{i}")));
    }
    let gateway = Gateway::start(routes).await;
    for (i, result) in v2_malformed.into_iter().enumerate() {
        gateway.functions.answer(&format!("Two{i}"), Ok(result.clone()));
        let reply = gateway.get(&format!("/v2/{i}")).await;
        assert_eq!(
            (reply.status, reply.text()),
            (500, r#"{"message":"Internal Server Error"}"#),
            "{result}"
        );
    }
    for (i, result) in v1_malformed.into_iter().enumerate() {
        gateway.functions.answer(&format!("One{i}"), Ok(result.clone()));
        let reply = gateway.get(&format!("/v1/{i}")).await;
        assert_eq!(
            (reply.status, reply.text()),
            (502, r#"{"message": "Internal server error"}"#),
            "{result}"
        );
    }
    let logs = gateway.logs();
    assert!(logs.iter().all(|log| log.error.as_deref().unwrap().starts_with("malformed response")));
}

#[tokio::test]
async fn request_body_over_the_payload_limit_is_refused() {
    let gateway = Gateway::start(vec![Route::http_api(Some("POST"), "/big", "Big")]).await;
    let body = vec![b'x'; 10 * 1024 * 1024 + 1];
    let reply = gateway.send("POST", "/big", &[("Content-Type", "text/plain")], &body).await;
    assert_eq!(reply.status, 413);
    assert!(gateway.functions.events().is_empty());
}

#[tokio::test]
async fn request_log_describes_each_request() {
    let gateway =
        Gateway::start(vec![Route::http_api(Some("GET"), "/orders/{id}", "Orders")]).await;
    gateway.get("/orders/9?x=1").await;
    let logs = gateway.logs();
    assert_eq!(logs.len(), 1);
    let log = &logs[0];
    assert_eq!((log.method.as_str(), log.path.as_str(), log.status), ("GET", "/orders/9", 200));
    assert_eq!(log.route_key.as_deref(), Some("GET /orders/{id}"));
    assert_eq!(log.function.as_deref(), Some("Orders"));
    assert_eq!(log.payload, Some(PayloadVersion::V2));
    assert_eq!(log.error, None);
    let line = log.to_string();
    assert!(line.starts_with("GET /orders/9 200 Orders (GET /orders/{id}) "), "{line}");
    assert!(line.ends_with(" ms"), "{line}");
}
