use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "USER#{id}")]
#[ferrodyn(index(name = "gsi1", pk = "EMAIL#{email}"))]
#[ferrodyn(index(name = "gsi1", pk = "TEAM#{team}"))]
struct User {
    id: String,
    email: String,
    team: String,
}

fn main() {}
