use ferrodyn::Attribute;
use serde::Deserialize;

#[derive(Attribute, Deserialize)]
#[serde(field_identifier)]
enum Status {
    Paid,
}

fn main() {}
