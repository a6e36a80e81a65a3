//! The functions the harness starts: the three bootstraps of `benches/bootstrap/` that frame the
//! comparison (floor, baseline, ferrodyn), the ferrodyn function behind ferrodyn-idempotency's
//! layer, and the two example functions as `cargo lambda build --release` ships them — the
//! orders API answering `GET /customers/{id}` and the order-stream consumer applying a batch of
//! Order records — each with the event it is sent and the answer that proves it did its work.

use std::path::PathBuf;

use ferrodyn::Model;
use orders_api::models::{Line, Order, Status};
use serde_json::json;

use super::Settings;
use crate::shapes::{event_of, Lcg};

/// One function under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `lambda_runtime` echo, no SDK.
    Floor,
    /// `aws_config::load_defaults`, a client in `main`, `GetItem` + serde_dynamo.
    Baseline,
    /// `LambdaDb::init` and a typed get.
    Ferrodyn,
    /// The ferrodyn function behind ferrodyn-idempotency's layer: a conditional put, the get,
    /// the update that stores the response.
    Idempotency,
    /// examples/orders-api as shipped, sent `GET /customers/c-1` through API Gateway's payload.
    OrdersApi,
    /// examples/order-stream as shipped, sent a stream batch of Order records.
    OrderStream,
}

impl Function {
    /// In the order the runs interleave them.
    pub const ALL: [Function; 6] = [
        Function::Floor,
        Function::Baseline,
        Function::Ferrodyn,
        Function::Idempotency,
        Function::OrdersApi,
        Function::OrderStream,
    ];

    /// The short name used in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Function::Floor => "floor",
            Function::Baseline => "baseline",
            Function::Ferrodyn => "ferrodyn",
            Function::Idempotency => "ferrodyn+idempotency",
            Function::OrdersApi => "orders-api",
            Function::OrderStream => "order-stream",
        }
    }

    /// Whether `cargo lambda build --release` builds it (an example function) rather than
    /// `cargo build --release` (a bootstrap of `benches/bootstrap/`).
    pub fn shipped(self) -> bool {
        matches!(self, Function::OrdersApi | Function::OrderStream)
    }

    /// The package of a bootstrap, or the binary of an example function.
    pub fn package(self) -> &'static str {
        match self {
            Function::Floor => "coldstart-floor",
            Function::Baseline => "coldstart-baseline",
            Function::Ferrodyn => "coldstart-ferrodyn",
            Function::Idempotency => "coldstart-ferrodyn-idempotency",
            Function::OrdersApi => "orders-api",
            Function::OrderStream => "order-stream",
        }
    }

    /// Where its binary is: `<bin_dir>/<package>`, or `<lambda_dir>/<binary>/bootstrap` for an
    /// example function.
    pub fn program(self, settings: &Settings) -> PathBuf {
        if self.shipped() {
            settings.lambda_dir.join(self.package()).join("bootstrap")
        } else {
            settings.bin_dir.join(self.package())
        }
    }

    /// The event of one invocation; `unique` tells invocations apart where the function must
    /// not see the same one twice (the order-stream consumer would pass over a record it has
    /// applied).
    pub fn event(self, unique: &str) -> String {
        match self {
            Function::OrdersApi => api_gateway_get(&format!("/customers/{CUSTOMER_ID}")),
            Function::OrderStream => order_batch(1, unique),
            _ => json!({ "id": CUSTOMER_ID }).to_string(),
        }
    }

    /// What its answer must contain.
    pub fn expect(self) -> &'static str {
        match self {
            Function::Floor => CUSTOMER_ID,
            Function::OrderStream => r#"{"batchItemFailures":[]}"#,
            _ => CUSTOMER_NAME,
        }
    }

    /// Its environment beyond credentials, region and endpoint: the bootstraps' model table
    /// `coldstart` is `tables.coldstart`; the examples' `shop` is `tables.shop`, their
    /// idempotency records going to `tables.coldstart` (its partition key is `id`, a string, as
    /// Powertools' layout needs), and their logs JSON lines, as template.yaml's `LoggingConfig`
    /// has Lambda set `AWS_LAMBDA_LOG_FORMAT`.
    pub fn env(self, tables: &Tables) -> Vec<(String, String)> {
        let var = |name: &str, value: &str| (name.to_owned(), value.to_owned());
        if self.shipped() {
            vec![
                var("TABLE_NAME", &tables.shop),
                var("IDEMPOTENCY_TABLE", &tables.coldstart),
                var("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ]
        } else {
            vec![var("TABLE_NAME", &tables.coldstart)]
        }
    }
}

/// The physical tables of one run.
#[derive(Debug, Clone)]
pub struct Tables {
    /// The bootstraps' `coldstart` table, which also holds the idempotency records.
    pub coldstart: String,
    /// The examples' `shop` table.
    pub shop: String,
}

/// The id of the customer every function reads.
pub const CUSTOMER_ID: &str = "c-1";

/// Its name; its presence in an answer proves the item was read.
pub const CUSTOMER_NAME: &str = "Ada Lovelace";

/// The customer as the orders API stores it.
pub fn shop_customer() -> orders_api::models::Customer {
    orders_api::models::Customer {
        id: CUSTOMER_ID.into(),
        name: CUSTOMER_NAME.into(),
        email: "ada@example.com".into(),
        created_at: "2026-11-21T09:00:00.000000Z".into(),
    }
}

/// An API Gateway HTTP API (payload format 2.0) `GET` of `path`, as API Gateway sends it for a
/// `$default` route.
pub fn api_gateway_get(path: &str) -> String {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": { "accept": "application/json", "host": "abc123.execute-api.us-east-1.amazonaws.com" },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "coldstart"
            },
            "requestId": "coldstart",
            "routeKey": "$default",
            "stage": "$default",
            "time": "21/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1_795_251_600_000u64
        },
        "isBase64Encoded": false
    })
    .to_string()
}

/// Lambda's limit on an invocation's payload, in bytes (6 MB): an event source mapping sends
/// fewer records than its batch size when the batch would go over it.
pub const INVOCATION_PAYLOAD_LIMIT: usize = 6_291_456;

/// A DynamoDB stream batch of `records` Order records (INSERT, MODIFY, REMOVE, 7:1:2) of ten
/// customers, as `Order::to_item` stores them; every `eventID` starts with `unique`, so that the
/// consumer's per-record idempotency takes the full path for each.
pub fn order_batch(records: usize, unique: &str) -> String {
    let event = event_of(records, |i, rng: &mut Lcg| {
        let lines: Vec<Line> = (0..1 + rng.below(3))
            .map(|l| Line {
                sku: format!("SKU-{l}"),
                qty: 1 + rng.below(4) as u32,
                price_cents: 100,
            })
            .collect();
        Order {
            order_id: format!("o{i}"),
            customer_id: format!("c{}", i % 10),
            status: [Status::Pending, Status::Paid, Status::Shipped][rng.below(3) as usize],
            total_cents: lines.iter().map(|l| u64::from(l.qty) * l.price_cents).sum(),
            version: 1 + rng.below(3),
            created_at: format!("2026-11-21T09:{:02}:00.000000Z", i % 60),
            lines,
        }
    });
    event.replace(r#""eventID":""#, &format!(r#""eventID":"{unique}-"#))
}

/// The batch Lambda sends for a batch size of `records`: [`order_batch`]'s records up to the
/// last whole one that keeps the event within `limit` bytes. Returns how many records it holds
/// and the event.
pub fn order_batch_within(records: usize, limit: usize, unique: &str) -> (usize, String) {
    let mut event = order_batch(records, unique);
    if event.len() <= limit {
        return (records, event);
    }
    // Every record starts with this key, and records after the first follow a comma: the
    // first `n` records end where record `n`'s comma is, and `]}` closes the event.
    let starts: Vec<usize> = event.match_indices(r#"{"awsRegion""#).map(|(at, _)| at).collect();
    let kept = starts.iter().skip(1).take_while(|&&at| at - 1 + "]}".len() <= limit).count();
    let end = starts.get(kept).map_or(0, |&at| at - usize::from(kept > 0));
    event.truncate(end);
    event.push_str("]}");
    (kept, event)
}

/// The models of the `shop` table.
pub fn shop_models() -> [&'static ferrodyn::meta::ModelMeta; 3] {
    [orders_api::models::Customer::META, Order::META, orders_api::models::CustomerStats::META]
}
