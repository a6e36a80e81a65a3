use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "{id}")]
struct User {
    id: String,
    #[serde(borrow)]
    name: std::borrow::Cow<'static, str>,
}

fn main() {}
