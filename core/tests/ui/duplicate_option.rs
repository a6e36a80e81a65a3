use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "USER#{id}", sk = "A", sk = "B")]
#[ferrodyn(table = "other", pk = "{id}")]
struct User {
    id: String,
}

fn main() {}
