use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "id", local_index(name = "by_total", pk = "email", sk = "total"))]
struct NoSortKey {
    id: String,
    email: String,
    total: i64,
}

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "id", sk = "at", local_index(name = "by_total"))]
struct NoIndexSortKey {
    id: String,
    at: String,
}

fn main() {}
