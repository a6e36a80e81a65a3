use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "id", index(name = "by_email", pk = "email", include = ["nmae"]))]
struct User {
    id: String,
    email: String,
    name: String,
}

fn main() {}
