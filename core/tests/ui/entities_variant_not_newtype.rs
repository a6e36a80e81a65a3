use ferrodyn::{Entities, Model};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "Customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
struct Customer {
    id: String,
}

#[derive(Entities)]
enum View {
    Customer(Customer),
    Nothing,
    Pair(Customer, Customer),
    Named { customer: Customer },
}

fn main() {}
