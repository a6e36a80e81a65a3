//! Single-table dispatch: records decode into the `#[derive(Entities)]` enum by their entity
//! attribute, and records of entity types the consumer does not handle are skipped without
//! decoding their images; a plain model with an entity type skips the others likewise.

mod common;

use common::{agree, customer, event, fixture, invoice, order, Invoice, Order, Shop, Status};
use ferrodyn_streams::{decode_json, Change, Decoded};

#[test]
fn records_decode_into_the_enum_by_entity_type() {
    let json = fixture("single_table.json");
    let event = event(&json);
    let got: Vec<Option<Change<Shop>>> = agree::<Shop>(&json, &event)
        .into_iter()
        .map(|d| match d {
            Decoded::Record(r) => Some(r.into_change()),
            Decoded::Skipped(_) => None,
            Decoded::Failed(_, e) => panic!("{e}"),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            Some(Change::Insert { new: Some(Shop::Customer(customer())) }),
            Some(Change::Insert { new: Some(Shop::Order(order(2500, Status::Pending))) }),
            None, // the invoice
            Some(Change::Modify {
                old: Some(Shop::Order(order(2500, Status::Pending))),
                new: Some(Shop::Order(order(2500, Status::Paid))),
            }),
            None, // the invoice's removal
            Some(Change::Remove { old: Some(Shop::Order(order(2500, Status::Paid))) }),
        ]
    );
}

#[test]
fn a_plain_model_skips_other_entity_types() {
    let json = fixture("single_table.json");
    let event = event(&json);
    let orders: Vec<bool> =
        agree::<Order>(&json, &event).iter().map(|d| matches!(d, Decoded::Record(_))).collect();
    assert_eq!(orders, [false, true, false, true, false, true]);
    let invoices: Vec<Option<Invoice>> = agree::<Invoice>(&json, &event)
        .into_iter()
        .map(|d| match d {
            Decoded::Record(r) => r.change().new_image().or(r.change().old_image()).cloned(),
            _ => None,
        })
        .collect();
    assert_eq!(invoices, [None, None, Some(invoice()), None, Some(invoice()), None]);
}

#[test]
fn skipped_records_are_not_decoded() {
    // Record 106 of the poison fixture is of entity type `Refund` and lacks `total_cents`: had
    // its image been decoded as an Order it would have failed.
    let json = fixture("poison.json");
    let decoded = decode_json::<Order>(&json).expect("decodes");
    let refund = decoded.iter().find(|d| d.info().sequence_number() == "106").expect("record 106");
    assert!(matches!(refund, Decoded::Skipped(_)), "{refund:?}");
}
