//! Route selection: precedence, greedy variables, `$default`, the answers when nothing matches,
//! and the routes refused at start.

use ferrodyn_local::gateway::{serve, PayloadVersion, Route};
use serde_json::json;

use crate::client::{Functions, Gateway};

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
    let gateway =
        Gateway::start(vec![Route::http_api(Some("ANY"), "$default", "Everything")]).await;
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
async fn routes_api_gateway_would_refuse_are_refused_at_start() {
    let cases = [
        (Route::http_api(None, "/a/{proxy+}/b", "F"), "must be the last segment"),
        (Route::http_api(None, "orders", "F"), "must start with `/`"),
        (Route::http_api(None, "/a/b{id}", "F"), "a path variable must be a whole segment"),
        (Route::http_api(Some("GE T"), "/a", "F"), "is not an HTTP method"),
        (Route::http_api(Some("GET"), "$default", "F"), "`$default` takes every method"),
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
