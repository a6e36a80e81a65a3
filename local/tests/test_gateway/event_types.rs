//! The events and results against the Rust runtime's own API Gateway types
//! (`aws_lambda_events`), which functions built with `lambda_http` read and write.

use ferrodyn_local::gateway::Route;

use crate::client::Gateway;

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
