use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "{id}")]
struct User {
    id: String,
    #[serde(bound = "")]
    name: String,
}

fn main() {}
