use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", pk = "id")]
#[ferrodyn(index(name = "1st-index", pk = "TEAM#{team}"))]
struct User {
    id: String,
    team: String,
}

fn main() {}
