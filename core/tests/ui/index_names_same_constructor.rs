use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", pk = "id")]
#[ferrodyn(index(name = "by-team", pk = "TEAM#{team}"), index(name = "by_team", pk = "{team}"))]
struct User {
    id: String,
    team: String,
}

fn main() {}
