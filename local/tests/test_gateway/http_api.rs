//! HTTP API routes: the payload 2.0 event a request becomes, and the response made of a result.

use std::time::{SystemTime, UNIX_EPOCH};

use ferrodyn_local::gateway::{RestApiSettings, Route};
use serde_json::json;

use crate::client::Gateway;

#[tokio::test]
async fn http_api_event_carries_the_request_as_payload_2_0() {
    let gateway =
        Gateway::start(vec![Route::http_api(Some("GET"), "/orders/{id}", "Orders")]).await;
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    let reply = gateway
        .send(
            "GET",
            "/orders/o%2D42?tag=a&tag=b&q=x%20y+z&flag",
            &[
                ("User-Agent", "test-agent/1"),
                ("X-Custom-Header", "Value"),
                ("X-Multi", "one"),
                ("x-multi", "two"),
                ("Cookie", "session=abc; theme=dark"),
                ("Cookie", "lang=en"),
            ],
            b"",
        )
        .await;
    assert_eq!(reply.status, 200);
    let (function, event) = gateway.functions.only_event();
    assert_eq!(function, "Orders");
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "GET /orders/{id}");
    assert_eq!(event["rawPath"], "/orders/o%2D42");
    assert_eq!(event["rawQueryString"], "tag=a&tag=b&q=x%20y+z&flag");
    assert_eq!(event["cookies"], json!(["session=abc", "theme=dark", "lang=en"]));
    let headers = &event["headers"];
    assert_eq!(headers["x-custom-header"], "Value");
    assert_eq!(headers["x-multi"], "one,two");
    assert_eq!(headers["user-agent"], "test-agent/1");
    assert_eq!(headers["host"], format!("localhost:{}", gateway.address.port()));
    assert!(headers.get("cookie").is_none(), "cookies travel in `cookies` only: {headers}");
    assert_eq!(headers["x-forwarded-for"], "127.0.0.1");
    assert_eq!(headers["x-forwarded-port"], gateway.address.port().to_string());
    assert_eq!(headers["x-forwarded-proto"], "http");
    assert!(headers.as_object().unwrap().keys().all(|k| *k == k.to_ascii_lowercase()));
    assert_eq!(event["queryStringParameters"], json!({ "tag": "a,b", "q": "x y z", "flag": "" }));
    assert_eq!(event["pathParameters"], json!({ "id": "o-42" }));
    assert_eq!(event["isBase64Encoded"], false);
    assert!(event.get("body").is_none());

    let context = &event["requestContext"];
    assert_eq!(context["http"]["method"], "GET");
    assert_eq!(context["http"]["path"], "/orders/o%2D42");
    assert_eq!(context["http"]["protocol"], "HTTP/1.1");
    assert_eq!(context["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(context["http"]["userAgent"], "test-agent/1");
    assert_eq!(context["routeKey"], "GET /orders/{id}");
    assert_eq!(context["stage"], "$default");
    assert_eq!(context["domainName"], "localhost");
    assert_eq!(context["domainPrefix"], "localhost");
    assert!(context["accountId"].is_string() && context["apiId"].is_string());
    let epoch = context["timeEpoch"].as_u64().unwrap();
    let after = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    assert!(before <= epoch && epoch <= after, "{before} <= {epoch} <= {after}");
    let time = context["time"].as_str().unwrap();
    assert!(time.ends_with(" +0000") && time.len() == 26, "{time}");
    let logs = gateway.logs();
    assert_eq!(context["requestId"], logs[0].request_id.as_str());
    assert_eq!(reply.header("apigw-requestid"), Some(logs[0].request_id.as_str()));
}

#[tokio::test]
async fn http_api_event_without_query_or_path_variables_leaves_them_out() {
    let gateway = Gateway::start(vec![Route::http_api(Some("GET"), "/health", "Health")]).await;
    assert_eq!(gateway.get("/health").await.status, 200);
    let (_, event) = gateway.functions.only_event();
    assert_eq!(event["rawQueryString"], "");
    for absent in ["queryStringParameters", "pathParameters", "cookies", "body"] {
        assert!(event.get(absent).is_none(), "{absent} in {event}");
    }
}

#[tokio::test]
async fn http_api_request_bodies_are_base64_encoded_unless_text() {
    let gateway = Gateway::start(vec![Route::http_api(Some("POST"), "/upload", "Upload")]).await;
    let cases: [(&str, &[u8], &str, bool); 7] = [
        ("application/octet-stream", &[0, 255, 1], "AP8B", true),
        ("image/png", b"png", "cG5n", true),
        ("application/x-www-form-urlencoded", b"a=1&b=2", "YT0xJmI9Mg==", true),
        ("application/json", br#"{"a":1}"#, r#"{"a":1}"#, false),
        ("text/plain; charset=utf-8", "héllo".as_bytes(), "héllo", false),
        ("application/xml", b"<a/>", "<a/>", false),
        ("application/problem+json", b"{}", "e30=", true),
    ];
    for (content_type, body, expected, base64) in cases {
        let reply = gateway.send("POST", "/upload", &[("Content-Type", content_type)], body).await;
        assert_eq!(reply.status, 200);
        let (_, event) = gateway.functions.events().pop().unwrap();
        assert_eq!(event["body"], expected, "{content_type}");
        assert_eq!(event["isBase64Encoded"], base64, "{content_type}");
    }
    // No content type at all: API Gateway cannot know it is text.
    gateway.send("POST", "/upload", &[], b"hi").await;
    let (_, event) = gateway.functions.events().pop().unwrap();
    assert_eq!((&event["body"], &event["isBase64Encoded"]), (&json!("aGk="), &json!(true)));
}

#[tokio::test]
async fn http_api_result_without_status_code_is_a_200_json_body() {
    let gateway = Gateway::start(vec![
        Route::http_api(Some("GET"), "/object", "Object"),
        Route::http_api(Some("GET"), "/string", "String"),
        Route::http_api(Some("GET"), "/no-status", "NoStatus"),
    ])
    .await;
    gateway.functions.answer("Object", Ok(json!({ "hello": "world" })));
    gateway.functions.answer("String", Ok(json!("Hello from Lambda!")));
    gateway.functions.answer("NoStatus", Ok(json!({ "body": "x", "headers": { "a": "b" } })));
    for (path, body) in [
        ("/object", r#"{"hello":"world"}"#),
        ("/string", "Hello from Lambda!"),
        ("/no-status", r#"{"body":"x","headers":{"a":"b"}}"#),
    ] {
        let reply = gateway.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-type"), Some("application/json"), "{path}");
        assert_eq!(reply.text(), body, "{path}");
        assert_eq!(reply.header("a"), None);
    }
}

#[tokio::test]
async fn http_api_structured_result_sets_status_headers_and_cookies() {
    let gateway = Gateway::start(vec![Route::http_api(Some("POST"), "/login", "Login")]).await;
    gateway.functions.answer(
        "Login",
        Ok(json!({
            "statusCode": 201,
            "headers": { "Content-Type": "text/plain", "X-Count": 3, "Content-Length": "999" },
            "multiValueHeaders": { "X-Ignored": ["a", "b"] },
            "cookies": ["session=abc; Path=/; HttpOnly", "theme=dark"],
            "body": "created",
        })),
    );
    let reply = gateway.send("POST", "/login", &[], b"").await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("content-type"), Some("text/plain"));
    assert_eq!(reply.header("x-count"), Some("3"));
    assert_eq!(reply.all("set-cookie"), ["session=abc; Path=/; HttpOnly", "theme=dark"]);
    assert_eq!(reply.header("x-ignored"), None, "multiValueHeaders are not part of 2.0");
    assert_eq!(reply.text(), "created");
    assert_eq!(reply.header("content-length"), Some("7"));
}

#[tokio::test]
async fn base64_encoded_result_bodies_are_decoded_as_each_api_does() {
    let routes = || {
        vec![
            Route::http_api(Some("GET"), "/v2.png", "Two"),
            Route::rest_api(Some("GET"), "/v1.png", "One"),
        ]
    };
    let image = json!({
        "statusCode": 200,
        "headers": { "content-type": "image/png" },
        "body": "AP8BAg==",
        "isBase64Encoded": true,
    });
    let accept_png = [("Accept", "image/png, */*")];
    let plain = Gateway::start(routes()).await;
    let binary = RestApiSettings { binary_media_types: vec!["image~1*".to_owned()] };
    let with_binary = Gateway::start_with(routes(), binary).await;
    for gateway in [&plain, &with_binary] {
        gateway.functions.answer("Two", Ok(image.clone()));
        gateway.functions.answer("One", Ok(image.clone()));
        // An HTTP API decodes whatever the request accepts.
        let reply = gateway.send("GET", "/v2.png", &[("Accept", "text/html")], b"").await;
        assert_eq!((reply.status, reply.body.as_slice()), (200, &[0, 255, 1, 2][..]));
        assert_eq!(reply.header("content-type"), Some("image/png"));
    }
    // A REST API without binary media types sends the base64 text as it is.
    let reply = plain.send("GET", "/v1.png", &accept_png, b"").await;
    assert_eq!((reply.status, reply.text()), (200, "AP8BAg=="));
    // With one, it decodes when the request's first accepted type is binary.
    let reply = with_binary.send("GET", "/v1.png", &accept_png, b"").await;
    assert_eq!((reply.status, reply.body.as_slice()), (200, &[0, 255, 1, 2][..]));
    let accept_json = [("Accept", "application/json, image/png")];
    let reply = with_binary.send("GET", "/v1.png", &accept_json, b"").await;
    assert_eq!(reply.text(), "AP8BAg==");
}
