use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "USER#{id", sk = "ORDER#id}")]
struct User {
    id: String,
}

fn main() {}
