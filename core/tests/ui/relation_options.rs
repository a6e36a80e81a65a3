use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Customer", pk = "CUSTOMER#{customer_id}", sk = "CUSTOMER",
           has_one(profile = Profile, index = "gsi1"),
           has_many(orders = Order, inverse = customer, colour = "red"),
           many_to_many(tags = Tag),
           has_many(fields = Order),
           has_many(orders = Order),
           has_many())]
struct Customer { customer_id: String }

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Profile", pk = "CUSTOMER#{customer_id}", sk = "PROFILE")]
struct Profile { customer_id: String }

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Order", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}")]
struct Order { customer_id: String, order_id: String }

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Tag", pk = "TAG#{tag}", sk = "TAG")]
struct Tag { tag: String }

fn main() {}
