// A mistake in `#[derive(Attribute)]` gives one error: the conversion impls are still emitted, so a
// model holding the type, and a key template naming it, report nothing more.
use ferrodyn::{Attribute, Model};
use serde::{Deserialize, Serialize};

#[derive(Attribute, Serialize, Deserialize)]
#[ferrodyn(rename = "state")]
enum Status {
    Paid,
}

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "ORDER#{id}", sk = "STATUS#{status}")]
struct Order {
    id: String,
    status: Status,
}

fn main() {
    let _key = Order::key("o1", Status::Paid);
}
