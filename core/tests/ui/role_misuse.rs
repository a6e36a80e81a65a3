use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "t", pk = "id")]
struct Twice {
    id: String,
    #[ferrodyn(version)]
    a: u64,
    #[ferrodyn(version)]
    b: u64,
    #[ferrodyn(stamp)]
    c: String,
    #[ferrodyn(ttl, id)]
    d: u64,
}

fn main() {}
