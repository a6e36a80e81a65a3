use ferrodyn::Model;
use serde::Serialize;

// `#[serde(default)]` on the struct needs `Default`; the error points at the attribute.
#[derive(Model, Serialize)]
#[ferrodyn(table = "shop", pk = "{id}")]
#[serde(default)]
struct User {
    id: String,
}

fn main() {}
