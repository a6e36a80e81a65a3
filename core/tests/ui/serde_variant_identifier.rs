use ferrodyn::Attribute;
use serde::Deserialize;

#[derive(Attribute, Deserialize)]
#[serde(variant_identifier)]
enum Status {
    Paid,
}

fn main() {}
