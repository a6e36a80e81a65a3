//! The order-stream consumer as a real Lambda: the built binary runs under the local Runtime API
//! against DynamoDB Local, fed by the local stream poller with the filter of template.yaml, one
//! table per test. Orders are written straight to the table, as the orders API would.

use std::time::Duration;

use ferrodyn::{AttributeValue, Model, Update};
use ferrodyn_idempotency::Idempotency;
use ferrodyn_local::runtime_api::{Bootstrap, LocalFunction};
use ferrodyn_local::stream_poller::{Outcome, StreamPoller};
use ferrodyn_testing::TestDb;
use order_stream::handler::{IDEMPOTENCY_TABLE, IDEMPOTENCY_TABLE_VAR};
use orders_api::models::{Customer, CustomerStats, Line, Order, Status};
use serde_json::{json, Value};

/// The filter patterns of the consumer's stream event in template.yaml, so that the tests
/// deliver what Lambda would.
fn template_filters() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let template = serde_json::to_value(yaml).unwrap();
    let filters = &template["Resources"]["OrderStreamFunction"]["Properties"]["Events"]
        ["ShopStream"]["Properties"]["FilterCriteria"]["Filters"];
    let patterns: Vec<String> = filters
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["Pattern"].as_str().unwrap().to_owned())
        .collect();
    assert!(!patterns.is_empty(), "template.yaml has no filter pattern");
    patterns
}

struct Setup {
    db: TestDb,
    function: LocalFunction,
    runtime: tokio::runtime::Runtime,
}

impl Setup {
    fn start() -> Setup {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let db = runtime.block_on(async {
            let db = TestDb::new().await.unwrap();
            db.create_table_for(&[Customer::META, Order::META]).await.unwrap();
            let idempotency = Idempotency::builder(&db, IDEMPOTENCY_TABLE).build().unwrap();
            idempotency.create_table().await.unwrap();
            db
        });
        let function = Bootstrap::new(env!("CARGO_BIN_EXE_order-stream"))
            .env("TABLE_NAME", db.table_name("shop"))
            .env(IDEMPOTENCY_TABLE_VAR, db.table_name(IDEMPOTENCY_TABLE))
            .env("AWS_ENDPOINT_URL_DYNAMODB", ferrodyn_testing::shared_endpoint().unwrap())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .function_timeout(Duration::from_secs(600))
            .spawn()
            .unwrap();
        Setup { db, function, runtime }
    }

    fn poller(&self, filtered: bool) -> StreamPoller {
        self.runtime.block_on(async {
            let endpoint = ferrodyn_testing::shared_endpoint().unwrap();
            let mut poller = StreamPoller::connect(endpoint, &self.db.table_name("shop"))
                .await
                .unwrap()
                .batch_size(100)
                .maximum_retry_attempts(2);
            if filtered {
                for pattern in template_filters() {
                    poller = poller.filter(&pattern).unwrap();
                }
            }
            poller
        })
    }

    /// Delivers the stream, checks that the consumer reported no failure, and returns how many
    /// records it was sent.
    fn deliver(&self, poller: &mut StreamPoller) -> usize {
        let delivery = self.runtime.block_on(poller.run(&self.function)).unwrap();
        for invocation in &delivery.invocations {
            assert_eq!(invocation.outcome, Outcome::Success, "{}", self.function.logs());
        }
        delivery.invocations.iter().map(|i| i.sequence_numbers.len()).sum()
    }

    fn order(&self, customer_id: &str, total_cents: u64) -> Order {
        let order = Order {
            order_id: String::new(),
            customer_id: customer_id.to_owned(),
            status: Status::Pending,
            total_cents,
            version: 0,
            created_at: String::new(),
            lines: vec![Line { sku: "SKU".into(), qty: 1, price_cents: total_cents }],
        };
        self.runtime.block_on(self.db.create(&order).send_returning_new()).unwrap()
    }

    fn stats(&self, customer_id: &str) -> (i64, i64) {
        let stats = self
            .runtime
            .block_on(async { self.db.get(CustomerStats::key(customer_id)).await })
            .unwrap();
        stats.map_or((0, 0), |s| (s.order_count, s.total_cents))
    }

    /// (count, total) of the orders a customer has in the table now.
    fn expected(&self, customer_id: &str) -> (i64, i64) {
        let orders = self.runtime.block_on(async {
            self.db
                .query(Order::partition(customer_id))
                .sort_key_begins_with("ORDER#")
                .all()
                .await
                .unwrap()
        });
        let total: u64 = orders.iter().map(|o| o.total_cents).sum();
        (orders.len() as i64, total as i64)
    }

    /// The idempotency records of the stats handler, all COMPLETED: one per Order record
    /// handled, whatever it changed.
    fn completed(&self) -> usize {
        let items = self.runtime.block_on(async {
            let output = self
                .db
                .client()
                .scan()
                .table_name(self.db.table_name(IDEMPOTENCY_TABLE))
                .consistent_read(true)
                .send()
                .await
                .unwrap();
            output.items.unwrap_or_default()
        });
        for item in &items {
            assert_eq!(item["status"], AttributeValue::S("COMPLETED".into()), "{item:?}");
            let AttributeValue::S(id) = &item["id"] else { panic!("{item:?}") };
            assert!(id.contains(".stats#"), "{id}");
        }
        items.len()
    }
}

#[test]
fn inserts_modifications_and_removals_keep_each_customers_stats() {
    let setup = Setup::start();
    let mut poller = setup.poller(true);
    let ada = setup.order("ada", 1_000);
    let second = setup.order("ada", 250);
    setup.order("grace", 4_000);
    setup.runtime.block_on(async {
        // A status change: no change to the stats.
        setup
            .db
            .update(
                Order::key(&ada.customer_id, &ada.order_id),
                Update::new().set(Order::FIELDS.status, Status::Paid),
            )
            .send()
            .await
            .unwrap();
        // A total change: the difference.
        setup
            .db
            .update(
                Order::key(&second.customer_id, &second.order_id),
                Update::new().set(Order::FIELDS.total_cents, 300u64),
            )
            .send()
            .await
            .unwrap();
    });
    setup.deliver(&mut poller);
    assert_eq!(setup.stats("ada"), (2, 1_300));
    assert_eq!(setup.stats("grace"), (1, 4_000));

    setup.runtime.block_on(setup.db.delete(Order::key("ada", &ada.order_id)).send()).unwrap();
    setup.deliver(&mut poller);
    assert_eq!(setup.stats("ada"), (1, 300));
    assert_eq!(setup.stats("ada"), setup.expected("ada"));
    assert_eq!(setup.stats("grace"), setup.expected("grace"));
    assert_eq!(setup.stats("nobody"), (0, 0));
    // Every Order record was handled once: five, then the removal.
    assert_eq!(setup.completed(), 6);
}

#[test]
fn other_entity_types_and_the_consumers_own_writes_are_ignored() {
    let setup = Setup::start();
    // No filter: the consumer sees every record of the table, its own writes included.
    let mut poller = setup.poller(false);
    setup.runtime.block_on(async {
        let customer = Customer {
            id: String::new(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            created_at: String::new(),
        };
        setup.db.create(&customer).send().await.unwrap();
    });
    setup.order("ada", 700);
    // The poller reads until the stream is caught up, so the stats item the consumer writes
    // comes back to it within the same run: customer, email guard, order, stats. Its
    // idempotency records are in a table of their own.
    let records = setup.deliver(&mut poller);
    assert_eq!(records, 4);
    assert_eq!(setup.stats("ada"), (1, 700));
    assert_eq!(setup.completed(), 1);
}

#[test]
fn the_same_batch_delivered_three_times_counts_once() {
    let setup = Setup::start();
    let mut poller = setup.poller(true);
    let first = setup.order("ada", 1_000);
    setup.order("ada", 2_000);
    setup.order("grace", 500);
    setup.runtime.block_on(setup.db.delete(Order::key("ada", &first.order_id)).send()).unwrap();
    let event = setup.runtime.block_on(poller.capture_event()).unwrap();
    assert_eq!(event["Records"].as_array().unwrap().len(), 4);

    for _ in 0..3 {
        let result = setup.function.invoke(&event.to_string()).unwrap();
        let body: Value = serde_json::from_str(&result.into_body().unwrap()).unwrap();
        assert_eq!(body, json!({"batchItemFailures": []}), "{}", setup.function.logs());
        assert_eq!(setup.stats("ada"), (1, 2_000));
        assert_eq!(setup.stats("grace"), (1, 500));
        assert_eq!(setup.completed(), 4);
    }
    assert_eq!(setup.stats("ada"), setup.expected("ada"));
}

/// A 10,000-record batch of Order inserts with lines, in the shape Lambda sends, checked against
/// the 128 MB the template gives the function. An Order record with two lines is about 1 KB, so
/// the event (≈ 10 MB) is larger than any Lambda can send (6 MB): a bound with room to spare.
#[test]
fn a_10000_record_event_fits_in_128_mb() {
    let setup = Setup::start();
    let records: Vec<Value> = (0..10_000).map(order_record).collect();
    let event = json!({ "Records": records }).to_string();
    let size = event.len();
    assert!(size > 6 * 1024 * 1024, "event of {size} bytes");

    let result = setup.function.invoke_timeout(&event, Duration::from_secs(600)).unwrap();
    let body: Value = serde_json::from_str(&result.into_body().unwrap()).unwrap();
    assert_eq!(body, json!({"batchItemFailures": []}), "{}", setup.function.logs());

    let status = std::fs::read_to_string(format!("/proc/{}/status", setup.function.pid())).unwrap();
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    println!("10,000-record event: {size} bytes; consumer peak RSS (VmHWM) {peak_kb} kB");
    assert!(peak_kb < 128 * 1024, "peak RSS {peak_kb} kB");
    let (count, total): (i64, i64) = (0..100)
        .map(|c| setup.stats(&format!("c{c:03}")))
        .fold((0, 0), |a, s| (a.0 + s.0, a.1 + s.1));
    assert_eq!(count, 10_000);
    assert_eq!(total, (0..10_000).map(order_total).sum::<i64>());
}

fn order_total(i: usize) -> i64 {
    (i as i64 % 50 + 1) * 100 + 250
}

/// The Lambda record of an Order insert for customer `c{i % 100}`, with two lines: about 600
/// bytes, like a real record of a small order.
fn order_record(i: usize) -> Value {
    let customer = format!("c{:03}", i % 100);
    let order_id = format!("01JD{i:022}");
    let created = "2026-11-21T10:00:00.000000Z";
    let pk = format!("CUSTOMER#{customer}");
    let sk = format!("ORDER#{order_id}");
    let line = |sku: &str, qty: i64, price: i64| json!({"M": {"sku": {"S": sku}, "qty": {"N": qty.to_string()}, "price_cents": {"N": price.to_string()}}});
    json!({
        "eventID": format!("{i:032x}"),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_795_251_600u64,
            "Keys": {"pk": {"S": pk}, "sk": {"S": sk}},
            "NewImage": {
                "pk": {"S": pk}, "sk": {"S": sk},
                "gsi1pk": {"S": "STATUS#pending"}, "gsi1sk": {"S": created},
                "entity": {"S": "Order"},
                "order_id": {"S": order_id}, "customer_id": {"S": customer},
                "status": {"S": "pending"}, "total_cents": {"N": order_total(i).to_string()},
                "version": {"N": "1"}, "created_at": {"S": created},
                "lines": {"L": [line("BK1", i as i64 % 50 + 1, 100), line("GW", 1, 250)]}
            },
            "SequenceNumber": format!("{:021}", 100_000_000 + i),
            "SizeBytes": 420,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/shop/stream/2026-11-21T10:00:00.000"
    })
}
