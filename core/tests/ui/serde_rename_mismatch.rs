use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "{id}")]
struct User {
    id: String,
    #[serde(rename(serialize = "a", deserialize = "b"))]
    name: String,
    #[serde(flatten)]
    extra: std::collections::HashMap<String, String>,
}

fn main() {}
