use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "t", pk = "id", unique = "mail", unique = "secret", unique = "email", unique = "email")]
struct Customer {
    id: String,
    email: String,
    #[serde(skip)]
    secret: String,
}

fn main() {}
