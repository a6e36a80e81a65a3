use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "", sk = "ORDER#{}")]
struct User {
    id: String,
}

fn main() {}
