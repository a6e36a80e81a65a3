use ferrodyn::{Entities, Model};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", pk = "CUSTOMER#{id}", sk = "PROFILE")]
struct Customer {
    id: String,
}

#[derive(Entities)]
enum View {
    Customer(Customer),
}

fn main() {}
