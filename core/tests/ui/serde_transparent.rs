use ferrodyn::Attribute;
use serde::{Deserialize, Serialize};

#[derive(Attribute, Serialize, Deserialize)]
#[serde(transparent)]
struct Email {
    address: String,
}

fn main() {}
