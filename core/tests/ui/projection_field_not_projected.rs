use ferrodyn::{IndexProjection, Model};
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "customer_id", sk = "order_id",
           index(name = "by_status", pk = "status", projection = "keys_only"),
           index(name = "by_day", pk = "day", include = ["total_cents"]))]
struct Order {
    customer_id: String,
    order_id: String,
    status: String,
    day: String,
    total_cents: i64,
    note: String,
}

#[derive(IndexProjection)]
#[ferrodyn(projection_of = Order, index = "by_status")]
struct StatusTotal {
    order_id: String,
    total_cents: i64,
}

#[derive(IndexProjection)]
#[ferrodyn(projection_of = Order, index = "by_day")]
struct DayNote {
    total_cents: i64,
    #[serde(rename = "notes")]
    note: String,
}

#[derive(IndexProjection)]
#[ferrodyn(projection_of = Order, index = "by_week")]
struct Weekly {
    order_id: String,
}

fn main() {}
