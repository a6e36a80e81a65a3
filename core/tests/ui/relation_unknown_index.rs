use ferrodyn::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", pk = "ORDER#{order_id}", has_many(shipments = Shipment, index = "gsi9"))]
struct Order { order_id: String }

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", pk = "SHIPMENT#{id}",
           index(name = "gsi1", pk = "ORDER#{order_id}"))]
struct Shipment { id: String, order_id: String }

fn main() {}
