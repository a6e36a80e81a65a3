use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "USER#{id}", index(pk = "EMAIL#{email}"))]
struct User {
    id: String,
    email: String,
}

fn main() {}
