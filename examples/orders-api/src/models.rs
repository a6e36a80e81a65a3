//! The two models of the single table `shop`, and the JSON bodies the API accepts.
//!
//! | item | pk | sk | gsi1pk | gsi1sk |
//! |---|---|---|---|---|
//! | customer | `CUSTOMER#{id}` | `PROFILE` | | |
//! | order | `CUSTOMER#{customer_id}` | `ORDER#{order_id}` | `STATUS#{status}` | `{created_at}` |
//! | email guard | `UNIQUE#Customer#email#{email}` | same | | |
//! | customer stats | `CUSTOMER#{customer_id}` | `STATS` | | |
//! | applied change | `CUSTOMER#{customer_id}` | `APPLIED#{event_id}` | | |
//!
//! The last two are written by the order-stream consumer from the table's stream: the orders
//! API only reads the stats.
//!
//! A customer's orders share its partition, and their ids are ULIDs, so sorting by sort key is
//! sorting by creation time; the status index is sorted by `created_at`. The relations
//! `Customer::ORDERS` and `Order::CUSTOMER` say so: the order's `customer_id` is the customer's
//! `id` (`key(customer_id = id)`).

use ferrodyn::{Attribute, Model};
use serde::{Deserialize, Serialize};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Attribute)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Created, not paid.
    Pending,
    /// Paid.
    Paid,
    /// On its way.
    Shipped,
    /// Will not be fulfilled.
    Cancelled,
}

impl Status {
    /// The status named `name` (`pending`, `paid`, `shipped`, `cancelled`).
    pub fn parse(name: &str) -> Option<Status> {
        match name {
            "pending" => Some(Status::Pending),
            "paid" => Some(Status::Paid),
            "shipped" => Some(Status::Shipped),
            "cancelled" => Some(Status::Cancelled),
            _ => None,
        }
    }
}

/// A customer; no two share an email (compared after trimming and lower-casing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "shop",
    entity = "Customer",
    pk = "CUSTOMER#{id}",
    sk = "PROFILE",
    unique = "email",
    has_many(orders = Order, key(customer_id = id))
)]
pub struct Customer {
    /// A ULID, generated on create.
    #[ferrodyn(id)]
    pub id: String,
    /// The display name.
    pub name: String,
    /// The normalised email.
    pub email: String,
    /// Set on create (RFC 3339, microseconds).
    #[ferrodyn(created_at)]
    pub created_at: String,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Attribute)]
pub struct Line {
    /// The product.
    pub sku: String,
    /// At least 1.
    pub qty: u32,
    /// The unit price, at least 0.
    pub price_cents: u64,
}

/// An order of a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "shop",
    entity = "Order",
    pk = "CUSTOMER#{customer_id}",
    sk = "ORDER#{order_id}",
    index(name = "gsi1", pk = "STATUS#{status}", sk = "{created_at}"),
    belongs_to(customer = Customer, key(id = customer_id))
)]
pub struct Order {
    /// A ULID, generated on create.
    #[ferrodyn(id)]
    pub order_id: String,
    /// The customer's id.
    pub customer_id: String,
    /// Where the order stands.
    pub status: Status,
    /// The sum of `qty × price_cents` over the lines.
    pub total_cents: u64,
    /// Optimistic locking: 1 on create, + 1 on every change.
    #[ferrodyn(version)]
    pub version: u64,
    /// Set on create (RFC 3339, microseconds).
    #[ferrodyn(created_at)]
    pub created_at: String,
    /// What was ordered.
    pub lines: Vec<Line>,
}

/// A customer's order figures, kept by the order-stream consumer from the table's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "CustomerStats", pk = "CUSTOMER#{customer_id}", sk = "STATS")]
pub struct CustomerStats {
    /// The customer's id. The consumer writes the item with an upsert that stores only the key
    /// and the counters, so this field is read back empty: the key names the customer.
    #[serde(default)]
    pub customer_id: String,
    /// Orders the customer has (created minus deleted).
    pub order_count: i64,
    /// The sum of their orders' `total_cents`.
    pub total_cents: i64,
}

/// `POST /customers`.
#[derive(Debug, Deserialize)]
pub struct NewCustomer {
    /// Not blank.
    pub name: String,
    /// `local@domain`.
    pub email: String,
}

/// One line of `POST /customers/{id}/orders`, as sent: signed, so that a negative quantity or
/// price gets its own message rather than a type error.
#[derive(Debug, Deserialize)]
pub struct NewLine {
    /// Not blank.
    pub sku: String,
    /// At least 1.
    pub qty: i64,
    /// At least 0.
    pub price_cents: i64,
}

/// `POST /customers/{id}/orders`.
#[derive(Debug, Deserialize)]
pub struct NewOrder {
    /// At least one line.
    pub lines: Vec<NewLine>,
}

/// `PATCH /customers/{id}/orders/{order_id}`.
#[derive(Debug, Deserialize)]
pub struct StatusChange {
    /// The new status.
    pub status: Status,
    /// The version the client read.
    pub version: u64,
}
