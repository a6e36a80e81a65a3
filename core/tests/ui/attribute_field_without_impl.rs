use ferrodyn::Attribute;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct SerdeOnly {
    a: String,
}

#[derive(Attribute)]
struct Line {
    sku: String,
    extra: SerdeOnly,
}

fn main() {}
