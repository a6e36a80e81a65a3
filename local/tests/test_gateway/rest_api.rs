//! REST API routes: the payload 1.0 event a request becomes, and the response made of a result.

use ferrodyn_local::gateway::{RestApiSettings, Route};
use serde_json::{json, Value};

use crate::client::Gateway;

#[tokio::test]
async fn rest_api_event_carries_the_request_as_payload_1_0() {
    let gateway = Gateway::start(vec![Route::rest_api(None, "/items/{id}", "Items")]).await;
    let reply = gateway
        .send(
            "POST",
            "/items/i%207?tag=a&tag=b&one=1",
            &[
                ("User-Agent", "test-agent/1"),
                ("X-Multi", "first"),
                ("X-Multi", "second"),
                ("Cookie", "session=abc"),
                ("Content-Type", "application/json"),
            ],
            br#"{"name":"lamp"}"#,
        )
        .await;
    assert_eq!(reply.status, 200);
    let (_, event) = gateway.functions.only_event();
    assert_eq!(event["resource"], "/items/{id}");
    assert_eq!(event["path"], "/items/i%207");
    assert_eq!(event["httpMethod"], "POST");
    assert_eq!(event["headers"]["x-multi"], "second");
    assert_eq!(event["headers"]["cookie"], "session=abc");
    // A proxy in front of the gateway: API Gateway appends the address it saw.
    gateway.send("GET", "/items/3", &[("X-Forwarded-For", "203.0.113.9")], b"").await;
    let (_, forwarded) = gateway.functions.events().pop().unwrap();
    assert_eq!(forwarded["headers"]["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
    assert_eq!(forwarded["multiValueHeaders"]["x-forwarded-proto"], json!(["http"]));
    assert_eq!(event["multiValueHeaders"]["x-multi"], json!(["first", "second"]));
    assert_eq!(event["multiValueHeaders"]["user-agent"], json!(["test-agent/1"]));
    assert_eq!(event["queryStringParameters"], json!({ "tag": "b", "one": "1" }));
    assert_eq!(
        event["multiValueQueryStringParameters"],
        json!({ "tag": ["a", "b"], "one": ["1"] })
    );
    assert_eq!(event["pathParameters"], json!({ "id": "i 7" }));
    assert_eq!(event["stageVariables"], Value::Null);
    assert_eq!(event["body"], r#"{"name":"lamp"}"#);
    assert_eq!(event["isBase64Encoded"], false);
    let context = &event["requestContext"];
    assert_eq!(context["httpMethod"], "POST");
    assert_eq!(context["resourcePath"], "/items/{id}");
    assert_eq!(context["stage"], "Prod");
    assert_eq!(context["protocol"], "HTTP/1.1");
    assert_eq!(context["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(context["identity"]["userAgent"], "test-agent/1");
    assert!(context["requestTimeEpoch"].as_u64().unwrap() > 0);
    assert_eq!(context["requestId"], gateway.logs()[0].request_id.as_str());
    assert_eq!(reply.header("x-amzn-requestid"), Some(gateway.logs()[0].request_id.as_str()));

    gateway.send("GET", "/items/2", &[], b"").await;
    let (_, event) = gateway.functions.events().pop().unwrap();
    assert_eq!(event["queryStringParameters"], Value::Null);
    assert_eq!(event["multiValueQueryStringParameters"], Value::Null);
    assert_eq!(event["body"], Value::Null);
}

#[tokio::test]
async fn rest_api_result_merges_headers_and_multi_value_headers() {
    let gateway = Gateway::start(vec![Route::rest_api(Some("GET"), "/cookies", "Cookies")]).await;
    gateway.functions.answer(
        "Cookies",
        Ok(json!({
            "statusCode": 302,
            "headers": { "Location": "/home", "X-Both": "same", "X-Single": "s" },
            "multiValueHeaders": { "Set-Cookie": ["a=1", "b=2"], "X-Both": ["same", "other"] },
            "body": null,
        })),
    );
    let reply = gateway.get("/cookies").await;
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("/home"));
    assert_eq!(reply.all("set-cookie"), ["a=1", "b=2"]);
    assert_eq!(reply.all("x-both"), ["same", "other"]);
    assert_eq!(reply.all("x-single"), ["s"]);
    assert!(reply.body.is_empty());
}

#[tokio::test]
async fn rest_api_request_bodies_are_base64_encoded_for_binary_media_types() {
    let routes = vec![Route::rest_api(Some("POST"), "/upload", "Upload")];
    let settings =
        RestApiSettings { binary_media_types: vec!["application/octet-stream".to_owned()] };
    let gateway = Gateway::start_with(routes, settings).await;
    let cases: [(&str, &[u8], &str, bool); 3] = [
        ("application/octet-stream", b"\x00\xff", "AP8=", true),
        ("image/png", b"png", "png", false),
        ("application/x-www-form-urlencoded", b"a=1", "a=1", false),
    ];
    for (content_type, body, expected, base64) in cases {
        gateway.send("POST", "/upload", &[("Content-Type", content_type)], body).await;
        let (_, event) = gateway.functions.events().pop().unwrap();
        assert_eq!(event["body"], expected, "{content_type}");
        assert_eq!(event["isBase64Encoded"], base64, "{content_type}");
    }
}
