use ferrodyn::Model;
use serde::{Deserialize, Serialize};

struct Theirs {
    id: String,
}

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "{id}")]
#[serde(remote = "Theirs")]
struct User {
    id: String,
}

fn main() {}
