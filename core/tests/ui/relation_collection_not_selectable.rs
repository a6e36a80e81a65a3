use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", pk = "CUSTOMER#{customer_id}", sk = "CUSTOMER", has_many(orders = Order))]
struct Customer { customer_id: String }

// Neither a literal sort key prefix nor an entity type: its items cannot be told apart.
#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", pk = "CUSTOMER#{customer_id}", sk = "{order_id}")]
struct Order { customer_id: String, order_id: String }

fn main() {}
