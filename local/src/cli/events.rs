//! `generate-event`: sample events to start a test from, as Lambda's sources send them.

use serde_json::{json, Value};

/// The sample event of `kind` (`dynamodb`, `http` or `rest`).
pub(crate) fn sample(kind: &str) -> Result<Value, String> {
    match kind {
        "dynamodb" => Ok(json!({
            "Records": [{
                "eventID": "c4ca4238a0b923820dcc509a6f75849b",
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1_767_225_600,
                    "Keys": { "pk": { "S": "CUSTOMER#1" }, "sk": { "S": "ORDER#1" } },
                    "NewImage": {
                        "pk": { "S": "CUSTOMER#1" },
                        "sk": { "S": "ORDER#1" },
                        "entity": { "S": "Order" },
                        "total_cents": { "N": "1250" }
                    },
                    "SequenceNumber": "000000000000000000001",
                    "SizeBytes": 96,
                    "StreamViewType": "NEW_AND_OLD_IMAGES"
                },
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/shop/stream/2026-01-01T00:00:00.000"
            }]
        })),
        "http" => Ok(json!({
            "version": "2.0",
            "routeKey": "GET /customers/{id}",
            "rawPath": "/customers/1",
            "rawQueryString": "",
            "headers": { "accept": "application/json", "host": "127.0.0.1:3000" },
            "pathParameters": { "id": "1" },
            "requestContext": {
                "accountId": "000000000000",
                "apiId": "local",
                "domainName": "127.0.0.1:3000",
                "http": {
                    "method": "GET",
                    "path": "/customers/1",
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": "curl/8.0"
                },
                "requestId": "c4ca4238-a0b9-2382-0dcc-509a6f75849b",
                "routeKey": "GET /customers/{id}",
                "stage": "$default",
                "time": "01/Jan/2026:00:00:00 +0000",
                "timeEpoch": 1_767_225_600_000_u64
            },
            "isBase64Encoded": false
        })),
        "rest" => Ok(json!({
            "version": "1.0",
            "resource": "/customers/{id}",
            "path": "/customers/1",
            "httpMethod": "GET",
            "headers": { "Accept": "application/json" },
            "multiValueHeaders": { "Accept": ["application/json"] },
            "queryStringParameters": null,
            "multiValueQueryStringParameters": null,
            "pathParameters": { "id": "1" },
            "stageVariables": null,
            "requestContext": {
                "accountId": "000000000000",
                "apiId": "local",
                "httpMethod": "GET",
                "path": "/Prod/customers/1",
                "protocol": "HTTP/1.1",
                "requestId": "c4ca4238-a0b9-2382-0dcc-509a6f75849b",
                "resourcePath": "/customers/{id}",
                "stage": "Prod",
                "identity": { "sourceIp": "127.0.0.1", "userAgent": "curl/8.0" }
            },
            "body": null,
            "isBase64Encoded": false
        })),
        other => Err(format!("generate-event knows dynamodb, http and rest, not {other:?}")),
    }
}
