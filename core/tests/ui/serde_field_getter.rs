use ferrodyn::Model;
use serde::Serialize;

#[derive(Model, Serialize)]
#[ferrodyn(table = "shop", pk = "{id}")]
struct User {
    id: String,
    #[serde(getter = "User::name")]
    name: String,
}

fn main() {}
