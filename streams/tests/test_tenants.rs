//! The tenant of a stream record, read from its partition key with the format tenant handles
//! write (`ferrodyn::tenant::TenantFormat`): records of items written through tenant handles on
//! DynamoDB Local name their tenant, others none, and their images decode unchanged.

mod common;

use common::{customer, order, Customer, Order, Shop, Status};
use ferrodyn::tenant::TenantFormat;
use ferrodyn::Model;
use ferrodyn_local::stream_poller::StreamPoller;
use ferrodyn_streams::{decode_event, decode_json, Change, Decoded, Record};
use ferrodyn_testing::TestDb;

fn records<T>(json: &[u8]) -> Vec<Record<T>>
where
    T: for<'de> ferrodyn::meta::DeserializeEntity<'de>,
{
    decode_json::<T>(json)
        .expect("the event decodes")
        .into_iter()
        .map(|d| match d {
            Decoded::Record(r) => r,
            Decoded::Skipped(info) => panic!("record {} skipped", info.sequence_number()),
            Decoded::Failed(info, e) => panic!("record {}: {e}", info.sequence_number()),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn records_of_tenant_handles_name_their_tenant() {
    let db = TestDb::new().await.expect("DynamoDB Local");
    db.create_table_for(&[Customer::META, Order::META]).await.unwrap();
    let (acme, globex) = (db.tenant("acme").unwrap(), db.tenant("globex").unwrap());
    acme.put(&customer()).await.unwrap();
    globex.put(&order(2500, Status::Pending)).await.unwrap();
    db.put(&customer()).await.unwrap();
    let custom = db.with_tenant_format(TenantFormat::new("T|", "|").unwrap()).tenant("initech");
    custom.unwrap().delete(Order::key("c1", "o1")).await.unwrap();
    acme.update(Customer::key("c1"), ferrodyn::Update::new().set(Customer::FIELDS.name, "Ada L."))
        .await
        .unwrap();

    let endpoint = ferrodyn_testing::shared_endpoint().unwrap();
    let mut poller = StreamPoller::connect(endpoint, &db.table_name("shop")).await.unwrap();
    let event = poller.capture_event().await.unwrap();
    let json = serde_json::to_vec(&event).unwrap();
    let records = records::<Shop>(&json);
    // The delete of a missing item writes nothing, so it has no record.
    let tenants: Vec<Option<&str>> = records.iter().map(|r| r.tenant()).collect();
    assert_eq!(tenants, [Some("acme"), Some("globex"), None, Some("acme")]);
    assert_eq!(records[0].keys().get_str("pk"), Some("TENANT#acme#CUSTOMER#c1"));
    // The images are the models as written: key fields hold no prefix.
    assert!(
        matches!(records[0].change(), Change::Insert { new: Some(Shop::Customer(c)) } if *c == customer())
    );
    assert!(matches!(
        records[1].change(),
        Change::Insert { new: Some(Shop::Order(o)) } if *o == order(2500, Status::Pending)
    ));
    assert!(matches!(
        records[3].change(),
        Change::Modify { old: Some(Shop::Customer(old)), new: Some(Shop::Customer(new)) }
            if old.id == "c1" && new.name == "Ada L."
    ));

    // The aws_lambda_events path reads the same tenants.
    let parsed: aws_lambda_events::event::dynamodb::Event = serde_json::from_slice(&json).unwrap();
    let slow: Vec<Option<String>> = decode_event::<Shop>(&parsed)
        .unwrap()
        .into_iter()
        .map(|d| d.into_result().unwrap().and_then(|r| r.tenant().map(str::to_owned)))
        .collect();
    let fast: Vec<Option<String>> = tenants.iter().map(|t| t.map(str::to_owned)).collect();
    assert_eq!(slow, fast);
}

#[test]
fn a_record_reads_its_tenant_in_the_format_it_is_given() {
    let event = br#"{"Records":[
      {"eventID":"1","eventName":"INSERT","dynamodb":{
        "Keys":{"pk":{"S":"T|initech|CUSTOMER#c1"},"sk":{"S":"PROFILE"}},
        "NewImage":{"entity":{"S":"Customer"},"id":{"S":"c1"},"name":{"S":"Ada"}},
        "SequenceNumber":"1","StreamViewType":"NEW_AND_OLD_IMAGES"}},
      {"eventID":"2","eventName":"REMOVE","dynamodb":{
        "Keys":{"pk":{"S":"TENANT#a#b#CUSTOMER#c1"},"sk":{"S":"PROFILE"}},
        "SequenceNumber":"2","StreamViewType":"KEYS_ONLY"}}]}"#;
    let records = decode_json::<Customer>(event).unwrap();
    let format = TenantFormat::new("T|", "|").unwrap();
    let first = records[0].info();
    assert_eq!(first.tenant_of("pk", &format), Some("initech"));
    assert_eq!(first.tenant_of("pk", &TenantFormat::DEFAULT), None);
    assert_eq!(first.tenant_of("sk", &format), None);
    assert_eq!(first.tenant_of("missing", &format), None);
    let Decoded::Record(record) = &records[0] else { panic!("decoded") };
    assert_eq!(record.tenant_in(&format), Some("initech"));
    assert_eq!(record.tenant(), None);
    // A removal with keys only still names its tenant (`a`: a tenant id holds no `#`).
    let Decoded::Record(removal) = &records[1] else { panic!("decoded") };
    assert_eq!(removal.tenant(), Some("a"));
}
