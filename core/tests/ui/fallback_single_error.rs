// One mistake in `#[ferrodyn(...)]` gives one error: the derive still emits the `Model` impl, the
// key constructors and the field paths, so the uses below report nothing more.
use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}", colour = "red")]
struct Order {
    customer_id: String,
    order_id: String,
    status: String,
}

fn store<M: Model>(model: &M) -> ferrodyn::Result<ferrodyn::Item> {
    model.to_item()
}

fn main() {
    let _key = Order::key("c1", "o1");
    let _partition = Order::partition("c1");
    let _status = Order::FIELDS.status.eq("paid".to_owned());
    let order = Order { customer_id: "c1".into(), order_id: "o1".into(), status: "paid".into() };
    let _ = store(&order);
    let _ = <Order as Model>::META.table;
}
