use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", sk = "ORDER#{order_id}")]
struct Order {
    order_id: String,
}

fn main() {}
