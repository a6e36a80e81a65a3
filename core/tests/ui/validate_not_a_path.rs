use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "id")]
struct User {
    id: String,
    #[ferrodyn(validate = |email: &String| email.contains('@'))]
    email: String,
}

fn main() {}
