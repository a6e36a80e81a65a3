use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", entity = "User", pk = "id",
           index(name = "by_email", pk = "email", projection = "keys_only"))]
struct User {
    id: String,
    email: String,
}

fn main() {}
