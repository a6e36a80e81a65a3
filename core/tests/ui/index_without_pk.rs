use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "USER#{id}", index(name = "gsi1", sk = "EMAIL#{email}"))]
struct User {
    id: String,
    email: String,
}

fn main() {}
