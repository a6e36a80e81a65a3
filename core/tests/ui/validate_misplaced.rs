use ferrodyn::{Attribute, Entities, Model};
use serde::{Deserialize, Serialize};

fn check<T>(_: &T) -> Result<(), String> {
    Ok(())
}

// On a model that is an enum or a tuple struct: no model at all.
#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "id", validate = check)]
enum Role {
    Admin,
}

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", pk = "id", validate = check)]
struct Wrapped(String);

// On an `Attribute` type and its fields: validators run on writes of models.
#[derive(Attribute, Serialize, Deserialize)]
#[ferrodyn(validate = check)]
enum Status {
    Pending,
}

#[derive(Attribute, Serialize, Deserialize)]
struct Line {
    #[ferrodyn(validate = check)]
    qty: u32,
}

#[derive(Model, Serialize, Deserialize)]
#[ferrodyn(table = "shop", entity = "Order", pk = "id")]
struct Order {
    id: String,
}

// On an `Entities` enum or its variants.
#[derive(Entities)]
#[ferrodyn(validate = check)]
enum View {
    #[ferrodyn(validate = check)]
    Order(Order),
}

fn main() {}
