use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", pk = "CUSTOMER#{customer_id}", sk = "CUSTOMER", has_one(profile = Profile))]
struct Customer { customer_id: String }

// The sort key needs a field the customer does not have: not one item per customer.
#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", pk = "CUSTOMER#{customer_id}", sk = "PROFILE#{version}")]
struct Profile { customer_id: String, version: u32 }

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}",
           belongs_to(customer = Account))]
struct Order { customer_id: String, order_id: String }

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", pk = "ACCOUNT#{account_id}")]
struct Account { account_id: String }

fn main() {}
