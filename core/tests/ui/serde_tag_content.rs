use ferrodyn::Attribute;
use serde::{Deserialize, Serialize};

#[derive(Attribute, Serialize, Deserialize)]
#[serde(tag = "t", content = "c")]
enum Status {
    Paid,
}

fn main() {}
