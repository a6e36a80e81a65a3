use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "{id}")]
#[serde(try_from = "String")]
struct User {
    id: String,
}

impl TryFrom<String> for User {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        Ok(User { id })
    }
}

fn main() {}
