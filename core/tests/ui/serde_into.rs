use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Clone)]
#[ferrodyn(table = "shop", pk = "{id}")]
#[serde(into = "String")]
struct User {
    id: String,
}

impl From<User> for String {
    fn from(user: User) -> String {
        user.id
    }
}

fn main() {}
