use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "USER#{id}", partition = "x", index(name = "g", pk = "{id}", project = "all"))]
struct User {
    id: String,
}

fn main() {}
