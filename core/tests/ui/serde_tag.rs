use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "{id}")]
#[serde(tag = "kind")]
struct User {
    id: String,
}

fn main() {}
