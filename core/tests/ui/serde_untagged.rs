use ferrodyn::Attribute;
use serde::{Deserialize, Serialize};

#[derive(Attribute, Serialize, Deserialize)]
#[serde(untagged)]
enum Status {
    Paid,
}

fn main() {}
