use ferrodyn::Attribute;
use serde::{Deserialize, Serialize};

#[derive(Attribute, Serialize, Deserialize)]
#[serde(default)]
enum Status {
    Paid,
}

fn main() {}
