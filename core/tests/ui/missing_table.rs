use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(pk = "USER#{id}")]
struct User {
    id: String,
}

fn main() {}
