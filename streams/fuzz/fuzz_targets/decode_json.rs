//! Any bytes given to the stream event decoder: it must return records or an error, never panic,
//! and when `aws_lambda_events` also reads the text, both paths must list the same records.
//! (Their outcomes may differ on text DynamoDB never writes, such as duplicate attribute names,
//! which the tree path reads as a hash map.)

#![no_main]

use std::collections::BTreeMap;

use ferrodyn::{Entities, Model};
use ferrodyn_streams::{decode_event, decode_json, Decoded};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

#[derive(Debug, PartialEq, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "Order", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}")]
struct Order {
    customer_id: String,
    order_id: String,
    total_cents: i64,
    ratio: Option<f64>,
    data: Option<ferrodyn::Binary>,
    lines: Option<Vec<BTreeMap<String, u32>>>,
    tags: Option<Vec<String>>,
}

#[derive(Debug, PartialEq, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "Customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
struct Customer {
    id: String,
    name: Option<String>,
}

#[derive(Debug, PartialEq, Entities)]
enum Shop {
    Order(Order),
    Customer(Customer),
}

fn sequence_number(d: Decoded<Shop>) -> String {
    if let Decoded::Failed(_, e) = &d {
        // Errors never quote values; every one names its record.
        assert!(e.to_string().contains(d.info().sequence_number()));
    }
    d.info().sequence_number().to_owned()
}

fuzz_target!(|data: &[u8]| {
    let fast = decode_json::<Shop>(data);
    let Ok(event) = serde_json::from_slice::<aws_lambda_events::event::dynamodb::Event>(data)
    else {
        return;
    };
    let slow = decode_event::<Shop>(&event);
    if let (Ok(fast), Ok(slow)) = (fast, slow) {
        let fast: Vec<_> = fast.into_iter().map(sequence_number).collect();
        let slow: Vec<_> = slow.into_iter().map(sequence_number).collect();
        assert_eq!(fast, slow);
    }
});
