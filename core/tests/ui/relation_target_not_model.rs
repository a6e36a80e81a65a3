use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Order { customer_id: String }

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", pk = "CUSTOMER#{customer_id}", sk = "CUSTOMER",
           has_many(orders = Order), has_one(profile = Missing))]
struct Customer { customer_id: String }

fn main() {}
