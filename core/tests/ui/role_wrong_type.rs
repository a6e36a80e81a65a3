use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "t", pk = "id")]
struct WrongType {
    id: String,
    #[ferrodyn(version)]
    version: String,
}

fn main() {}
