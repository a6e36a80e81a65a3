//! The API Gateway stand-in over real HTTP on loopback: the events functions receive (payload 2.0
//! and 1.0), the responses made of their results, route selection and the gateway's own answers.
//! The functions are faked in process; the gateway is what is under test.

mod gateway_client;

use std::time::{SystemTime, UNIX_EPOCH};

use ferrodyn_local::gateway::{serve, InvokeError, PayloadVersion, RestApiSettings, Route};
use gateway_client::{Functions, Gateway};
use serde_json::{json, Value};

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
async fn greedy_path_variable_takes_one_or_more_segments() {
    let gateway = Gateway::start(vec![Route::http_api(None, "/files/{proxy+}", "Files")]).await;
    assert_eq!(gateway.send("PUT", "/files/a/b%20c.txt", &[], b"x").await.status, 200);
    let (_, event) = gateway.functions.only_event();
    assert_eq!(event["routeKey"], "ANY /files/{proxy+}");
    assert_eq!(event["pathParameters"], json!({ "proxy": "a/b c.txt" }));
    assert_eq!(event["requestContext"]["http"]["method"], "PUT");

    for unmatched in ["/files", "/files/", "/other/a"] {
        let reply = gateway.get(unmatched).await;
        assert_eq!(reply.status, 404, "{unmatched}");
    }
    assert_eq!(gateway.functions.events().len(), 1);
}

#[tokio::test]
async fn most_specific_route_wins() {
    // The example routes of API Gateway's "Routing API requests", plus `ANY` beside a method.
    let gateway = Gateway::start(vec![
        Route::http_api(None, "$default", "Default"),
        Route::http_api(None, "/{proxy+}", "AnyProxy"),
        Route::http_api(Some("GET"), "/pets/{proxy+}", "PetsProxy"),
        Route::http_api(None, "/pets/dog/{id}", "AnyDog"),
        Route::http_api(Some("GET"), "/pets/dog/{id}", "GetDog"),
        Route::http_api(Some("get"), "/pets/dog/1", "DogOne"),
    ])
    .await;
    let cases = [
        ("GET", "/pets/dog/1", "DogOne", "GET /pets/dog/1"),
        ("GET", "/pets/dog/2", "GetDog", "GET /pets/dog/{id}"),
        ("DELETE", "/pets/dog/2", "AnyDog", "ANY /pets/dog/{id}"),
        ("DELETE", "/pets/dog/1", "AnyDog", "ANY /pets/dog/{id}"),
        ("GET", "/pets/cat/1", "PetsProxy", "GET /pets/{proxy+}"),
        ("GET", "/pets/dog/1/toys", "PetsProxy", "GET /pets/{proxy+}"),
        ("POST", "/pets/cat/1", "AnyProxy", "ANY /{proxy+}"),
        ("POST", "/test/5", "AnyProxy", "ANY /{proxy+}"),
        ("GET", "/", "Default", "$default"),
    ];
    for (method, path, function, route_key) in cases {
        let reply = gateway.send(method, path, &[], b"").await;
        assert_eq!(reply.text(), format!("from {function}"), "{method} {path}");
        let (_, event) = gateway.functions.events().pop().unwrap();
        assert_eq!(event["routeKey"], route_key, "{method} {path}");
        let log = gateway.logs().pop().unwrap();
        assert_eq!(log.route_key.as_deref(), Some(route_key));
        assert_eq!(log.function.as_deref(), Some(function));
    }
}

#[tokio::test]
async fn default_route_catches_every_method_and_path() {
    let gateway = Gateway::start(vec![Route::http_api(None, "$default", "Everything")]).await;
    for (method, target) in [("GET", "/"), ("PATCH", "/a/b/c?x=1"), ("OPTIONS", "/orders/7")] {
        assert_eq!(gateway.send(method, target, &[], b"").await.status, 200);
    }
    let events = gateway.functions.events();
    assert_eq!(events.len(), 3);
    let (_, event) = &events[1];
    assert_eq!(event["routeKey"], "$default");
    assert_eq!(event["requestContext"]["routeKey"], "$default");
    assert_eq!(event["rawPath"], "/a/b/c");
    assert_eq!(event["queryStringParameters"], json!({ "x": "1" }));
    assert!(event.get("pathParameters").is_none());
}

#[tokio::test]
async fn http_api_answers_404_for_no_route_and_for_a_method_it_lacks() {
    let gateway = Gateway::start(vec![Route::http_api(Some("GET"), "/orders", "Orders")]).await;
    for (method, path) in [("GET", "/nope"), ("POST", "/orders"), ("GET", "/orders/1")] {
        let reply = gateway.send(method, path, &[], b"").await;
        assert_eq!(reply.status, 404, "{method} {path}");
        assert_eq!(reply.text(), r#"{"message":"Not Found"}"#);
        assert_eq!(reply.header("content-type"), Some("application/json"));
    }
    assert!(gateway.functions.events().is_empty());
    let logs = gateway.logs();
    assert_eq!(logs.len(), 3);
    assert!(logs.iter().all(|log| log.status == 404 && log.route_key.is_none()));
    assert!(logs[1].error.as_deref().unwrap().contains("method POST"), "{:?}", logs[1]);
}

#[tokio::test]
async fn rest_api_answers_403_missing_authentication_token_for_no_route_or_method() {
    let gateway = Gateway::start(vec![Route::rest_api(Some("GET"), "/items", "Items")]).await;
    for (method, path) in [("POST", "/items"), ("GET", "/other")] {
        let reply = gateway.send(method, path, &[], b"").await;
        assert_eq!(reply.status, 403, "{method} {path}");
        assert_eq!(reply.text(), r#"{"message":"Missing Authentication Token"}"#);
    }
    assert!(gateway.functions.events().is_empty());
}

#[tokio::test]
async fn one_port_serves_http_api_and_rest_routes_each_in_its_format() {
    let gateway = Gateway::start(vec![
        Route::http_api(Some("GET"), "/v2/{id}", "Two"),
        Route::rest_api(Some("GET"), "/v1/{id}", "One"),
    ])
    .await;
    gateway.get("/v2/a").await;
    gateway.get("/v1/b").await;
    // A REST path under another method still answers as the REST API does.
    assert_eq!(gateway.send("POST", "/v1/b", &[], b"").await.status, 403);
    // A path neither API knows: the HTTP API's answer.
    assert_eq!(gateway.get("/zzz").await.status, 404);
    let events = gateway.functions.events();
    assert_eq!(events.len(), 2);
    assert_eq!((events[0].0.as_str(), &events[0].1["version"]), ("Two", &json!("2.0")));
    assert_eq!((events[1].0.as_str(), &events[1].1["version"]), ("One", &json!("1.0")));
    let payloads: Vec<_> = gateway.logs().iter().map(|log| log.payload).collect();
    assert_eq!(payloads, [Some(PayloadVersion::V2), Some(PayloadVersion::V1), None, None]);
}

#[tokio::test]
async fn http_api_request_bodies_are_base64_encoded_unless_text() {
    let gateway = Gateway::start(vec![Route::http_api(Some("POST"), "/upload", "Upload")]).await;
    let cases: [(&str, &[u8], &str, bool); 6] = [
        ("application/octet-stream", &[0, 255, 1], "AP8B", true),
        ("image/png", b"png", "cG5n", true),
        ("application/x-www-form-urlencoded", b"a=1&b=2", "YT0xJmI9Mg==", true),
        ("application/json", br#"{"a":1}"#, r#"{"a":1}"#, false),
        ("text/plain; charset=utf-8", "héllo".as_bytes(), "héllo", false),
        ("application/problem+json", b"{}", "{}", false),
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

#[tokio::test]
async fn routes_api_gateway_would_refuse_are_refused_at_start() {
    let cases = [
        (Route::http_api(None, "/a/{proxy+}/b", "F"), "must be the last segment"),
        (Route::http_api(None, "orders", "F"), "must start with `/`"),
        (Route::http_api(None, "/a/b{id}", "F"), "a path variable must be a whole segment"),
        (Route::http_api(Some("GE T"), "/a", "F"), "is not an HTTP method"),
    ];
    for (route, message) in cases {
        let error = serve_once(vec![route]).await;
        assert!(error.contains(message), "{error}");
        assert!(error.contains("of function `F`"), "{error}");
    }
    let duplicate = vec![
        Route::http_api(Some("GET"), "/a/{id}", "First"),
        Route::http_api(Some("get"), "/a/{id}", "Second"),
    ];
    let error = serve_once(duplicate).await;
    assert!(error.contains("route `GET /a/{id}` is already served by function `First`"), "{error}");
}

async fn serve_once(routes: Vec<Route>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let invoker = std::sync::Arc::new(Functions::default());
    let error = serve(listener, routes, invoker, |_| {}).await.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    error.to_string()
}

#[tokio::test]
async fn events_and_results_are_the_rust_runtimes_shapes() {
    use aws_lambda_events::apigw::{
        ApiGatewayProxyRequest, ApiGatewayProxyResponse, ApiGatewayV2httpRequest,
        ApiGatewayV2httpResponse,
    };
    use aws_lambda_events::encodings::Body;
    use aws_lambda_events::http::{HeaderMap, HeaderValue};

    let gateway = Gateway::start(vec![
        Route::http_api(Some("POST"), "/two/{id}", "Two"),
        Route::rest_api(Some("POST"), "/one/{id}", "One"),
    ])
    .await;
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/octet-stream"));
    headers.append("x-multi", HeaderValue::from_static("a"));
    headers.append("x-multi", HeaderValue::from_static("b"));
    // As lambda_http writes a 2.0 response: the headers again in `multiValueHeaders`.
    let two = ApiGatewayV2httpResponse {
        status_code: 207,
        headers: headers.clone(),
        multi_value_headers: headers.clone(),
        body: Some(Body::Binary(vec![0, 1, 2, 255])),
        is_base64_encoded: true,
        cookies: vec!["a=1".to_owned(), "b=2; Secure".to_owned()],
    };
    let one = ApiGatewayProxyResponse {
        status_code: 200,
        headers: HeaderMap::new(),
        multi_value_headers: headers,
        body: Some(Body::Text("hi".to_owned())),
        is_base64_encoded: false,
    };
    gateway.functions.answer("Two", Ok(serde_json::to_value(two).unwrap()));
    gateway.functions.answer("One", Ok(serde_json::to_value(one).unwrap()));

    let cookie = [("Cookie", "s=1; t=2"), ("Content-Type", "text/plain")];
    let reply = gateway.send("POST", "/two/7?a=1&a=2", &cookie, b"body").await;
    assert_eq!(reply.status, 207);
    assert_eq!(reply.body, [0, 1, 2, 255]);
    // `headers` carries one value per name; 2.0 ignores the rest, in `multiValueHeaders`.
    assert_eq!(reply.all("x-multi"), ["a"]);
    assert_eq!(reply.all("set-cookie"), ["a=1", "b=2; Secure"]);
    let reply = gateway.send("POST", "/one/8?a=1&a=2", &cookie, b"body").await;
    assert_eq!((reply.status, reply.text()), (200, "hi"));
    assert_eq!(reply.all("x-multi"), ["a", "b"]);

    let events = gateway.functions.events();
    let two: ApiGatewayV2httpRequest = serde_json::from_value(events[0].1.clone()).unwrap();
    assert_eq!(two.version.as_deref(), Some("2.0"));
    assert_eq!(two.route_key.as_deref(), Some("POST /two/{id}"));
    assert_eq!(two.raw_path.as_deref(), Some("/two/7"));
    assert_eq!(two.cookies, Some(vec!["s=1".to_owned(), "t=2".to_owned()]));
    assert_eq!(two.path_parameters.get("id").map(String::as_str), Some("7"));
    // The event joins repeats with commas, which the event type splits again.
    assert_eq!(two.query_string_parameters.all("a"), Some(vec!["1", "2"]));
    assert_eq!(two.request_context.http.method, "POST");
    assert_eq!(two.body.as_deref(), Some("body"));
    assert!(!two.is_base64_encoded);

    let one: ApiGatewayProxyRequest = serde_json::from_value(events[1].1.clone()).unwrap();
    assert_eq!(one.resource.as_deref(), Some("/one/{id}"));
    assert_eq!(one.path.as_deref(), Some("/one/8"));
    assert_eq!(one.http_method, "POST");
    assert_eq!(one.path_parameters.get("id").map(String::as_str), Some("8"));
    assert_eq!(one.multi_value_query_string_parameters.all("a"), Some(vec!["1", "2"]));
    assert_eq!(one.headers.get("cookie").unwrap(), "s=1; t=2");
    assert_eq!(one.request_context.stage.as_deref(), Some("Prod"));
    assert_eq!(one.body.as_deref(), Some("body"));
}
