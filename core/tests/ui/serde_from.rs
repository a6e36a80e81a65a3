use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "{id}")]
#[serde(from = "String")]
struct User {
    id: String,
}

impl From<String> for User {
    fn from(id: String) -> Self {
        User { id }
    }
}

fn main() {}
