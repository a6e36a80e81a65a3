use ferrodyn::Model;
use serde::{Deserialize, Serialize};

// The source side of a mapping names no field of the source.
#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Customer", pk = "CUSTOMER#{id}", sk = "CUSTOMER",
           has_many(orders = Order, key(customer_id = ident)))]
struct Customer { id: String }

// The related side names a field the related template does not use.
#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Order", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}",
           belongs_to(customer = Customer, key(id = customer_id, customer_id = order_id)))]
struct Order { customer_id: String, order_id: String }

#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Shipment", pk = "SHIPMENT#{shipment_id}", sk = "SHIPMENT",
           index(name = "gsi1", pk = "ORDER#{order_ref}", sk = "{shipment_id}"))]
struct Shipment { shipment_id: String, order_ref: String }

// An index relation maps the index's partition key fields; the unmapped rule still applies.
#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Parcel", pk = "PARCEL#{parcel_id}", sk = "PARCEL",
           has_many(shipments = Shipment, index = "gsi1", key(shipment_id = parcel_id)))]
struct Parcel { parcel_id: String }

fn main() {}
