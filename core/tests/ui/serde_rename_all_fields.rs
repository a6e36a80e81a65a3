use ferrodyn::Attribute;
use serde::{Deserialize, Serialize};

#[derive(Attribute, Serialize, Deserialize)]
#[serde(rename_all_fields = "camelCase")]
enum Status {
    Paid,
}

fn main() {}
