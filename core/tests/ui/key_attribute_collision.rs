use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", entity = "User", pk = "USER#{id}")]
#[ferrodyn(index(name = "gsi1", pk = "EMAIL#{email}", pk_attribute = "email"))]
struct User {
    id: String,
    pk: String,
    email: String,
    #[serde(rename = "entity")]
    kind: String,
}

fn main() {}
