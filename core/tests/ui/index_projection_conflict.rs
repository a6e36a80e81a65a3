use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "id",
           index(name = "by_email", pk = "email", projection = "keys_only", include = ["name"]),
           index(name = "by_name", pk = "name", projection = "some"))]
struct User {
    id: String,
    email: String,
    name: String,
}

fn main() {}
