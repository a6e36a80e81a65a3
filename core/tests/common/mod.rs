//! Models shared by the integration tests, and a helper that gives each test its own tables.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::collections::BTreeSet;

use ferrodyn::{Attribute, AttributeValue, Binary, Model, Number};
use ferrodyn_testing::TestDb;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Attribute)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Paid,
    Shipped,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Attribute)]
pub struct Line {
    pub sku: String,
    pub qty: u32,
    pub price_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "shop",
    entity = "Order",
    pk = "CUSTOMER#{customer_id}",
    sk = "ORDER#{order_id}",
    index(name = "gsi1", pk = "STATUS#{status}", sk = "{created_at}")
)]
pub struct Order {
    pub customer_id: String,
    pub order_id: String,
    pub status: Status,
    pub total_cents: i64,
    pub created_at: String,
    pub lines: Vec<Line>,
    pub tags: BTreeSet<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "Customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// A table keyed directly by a field, without templates. Every field has a direct conversion, so
/// the model needs no serde derive (`AttributeValue` has no serde impls).
#[derive(Debug, Clone, PartialEq, Model)]
#[ferrodyn(table = "products", pk = "sku")]
pub struct Product {
    pub sku: String,
    pub price: Number,
    pub stock: u32,
    pub image: Option<Binary>,
    pub extra: Option<AttributeValue>,
    pub big: Option<i128>,
    pub ratio: Option<f64>,
}

pub fn order(customer: &str, id: &str) -> Order {
    Order {
        customer_id: customer.to_owned(),
        order_id: id.to_owned(),
        status: Status::Pending,
        total_cents: 2500,
        created_at: format!("2026-11-21T10:00:{id:0>2}Z"),
        lines: vec![Line { sku: "BOOK-1".into(), qty: 1, price_cents: 2500 }],
        tags: BTreeSet::from(["gift".to_owned()]),
        note: None,
    }
}

pub fn product(sku: &str) -> Product {
    Product {
        sku: sku.to_owned(),
        price: "19.99".parse().unwrap(),
        stock: 3,
        image: None,
        extra: None,
        big: None,
        ratio: None,
    }
}

/// A harness with the shop and products tables created.
pub async fn setup() -> TestDb {
    let db = TestDb::new().await.expect("DynamoDB Local");
    db.create_table_for(&[Order::META, Customer::META]).await.expect("shop table");
    db.create_table::<Product>().await.expect("products table");
    db
}
