use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Customer", pk = "CUSTOMER#{id}", sk = "CUSTOMER",
           has_many(orders = Order))]
struct Customer { id: String }

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Order", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}")]
struct Order { customer_id: String, order_id: String }

fn main() {}
