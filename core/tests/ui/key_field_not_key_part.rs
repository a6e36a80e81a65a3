use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "{tags}")]
struct User {
    tags: Vec<String>,
}

fn main() {}
