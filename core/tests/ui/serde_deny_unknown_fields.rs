use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "{id}")]
#[serde(deny_unknown_fields)]
struct User {
    id: String,
}

fn main() {}
