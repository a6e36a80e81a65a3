//! The stream consumer's log at the loudest levels users set while debugging: the built binary
//! runs under the local Runtime API, fed by the local stream poller from DynamoDB Local, with
//! canary values in the stream's images and in its credentials. Its whole output (stdout and
//! stderr) must carry none of them while carrying TRACE lines; only a `RUST_LOG` directive that
//! names `lambda_runtime` shows the raw events, images included.

use ferrodyn::Model;
use ferrodyn_idempotency::Idempotency;
use ferrodyn_local::stream_poller::{Outcome, StreamPoller};
use ferrodyn_testing::TestDb;
use order_stream::handler::{IDEMPOTENCY_TABLE, IDEMPOTENCY_TABLE_VAR};
use orders_api::models::{Customer, CustomerStats, Line, Order, Status};

#[path = "../../orders-api/tests/redaction/mod.rs"]
mod redaction;

use redaction::{assert_redacted, raw_events, settled_logs, LOUD, RAW_EVENTS, RAW_EVENT_LINE};

const NAME: &str = "Canary Tessellate Name";
const EMAIL: &str = "canary.tessellate@example.com";
const SKU: &str = "CANARY-SKU-TESSELLATE";
/// Logged once per batch, at TRACE.
const RECEIVED: &str = "received a stream batch";

/// A table whose stream holds a customer (name and email in its image, the email in its guard
/// item's key) and an order with a canary line, inserted then removed; the consumer run on it
/// with `logging`; and its output once a line holding `marker` arrived for every batch.
fn output_of(logging: &[(&str, &str)], marker: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (db, customer_id) = runtime.block_on(async {
        let db = TestDb::new().await.unwrap();
        db.create_table_for(&[Customer::META, Order::META]).await.unwrap();
        let idempotency = Idempotency::builder(&db, IDEMPOTENCY_TABLE).build().unwrap();
        idempotency.create_table().await.unwrap();
        let customer = Customer {
            id: String::new(),
            name: NAME.into(),
            email: EMAIL.into(),
            created_at: String::new(),
        };
        let customer = db.create(&customer).send_returning_new().await.unwrap();
        let order = Order {
            order_id: String::new(),
            customer_id: customer.id.clone(),
            status: Status::Pending,
            total_cents: 2_500,
            version: 0,
            created_at: String::new(),
            lines: vec![Line { sku: SKU.into(), qty: 2, price_cents: 1_250 }],
        };
        let order = db.create(&order).send_returning_new().await.unwrap();
        db.delete(Order::key(&customer.id, &order.order_id)).send().await.unwrap();
        (db, customer.id)
    });
    let program = env!("CARGO_BIN_EXE_order-stream");
    let idempotency_table = db.table_name(IDEMPOTENCY_TABLE);
    let env = [(IDEMPOTENCY_TABLE_VAR, idempotency_table.as_str())];
    let function = redaction::spawn(program, &db.table_name("shop"), &env, logging);
    let delivery = runtime.block_on(async {
        let endpoint = ferrodyn_testing::shared_endpoint().unwrap();
        // No filter: every image reaches the function, the customer's too.
        let mut poller = StreamPoller::connect(endpoint, &db.table_name("shop")).await.unwrap();
        poller.run(&function).await.unwrap()
    });
    for invocation in &delivery.invocations {
        assert_eq!(invocation.outcome, Outcome::Success, "{}", function.logs());
    }
    // The order was counted, then uncounted: the records were really handled.
    let stats = runtime.block_on(async { db.get(CustomerStats::key(&customer_id)).await });
    assert_eq!(stats.unwrap().map(|s| (s.order_count, s.total_cents)), Some((0, 0)));
    assert!(!delivery.invocations.is_empty());
    settled_logs(&function, marker, delivery.invocations.len())
}

#[test]
fn no_image_value_or_credential_reaches_the_log_at_trace() {
    for logging in LOUD {
        let logs = output_of(logging, RECEIVED);
        assert_redacted(&logs, logging, &[NAME, EMAIL, SKU], RECEIVED, 1);
    }
}

#[test]
fn a_directive_naming_lambda_runtime_shows_the_raw_images() {
    for logging in RAW_EVENTS {
        let logs = output_of(logging, RAW_EVENT_LINE);
        let raw = raw_events(&logs, logging).concat();
        assert!(raw.contains(NAME) && raw.contains(SKU), "{logging:?}:\n{logs}");
    }
}
