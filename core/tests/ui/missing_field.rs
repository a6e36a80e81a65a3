use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "CUSTOMER#{customer}", sk = "ORDER#{order_id}")]
struct Order {
    customer_id: String,
    order_id: String,
}

fn main() {}
