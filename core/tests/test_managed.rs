//! Fields ferrodyn manages: generated ids, optimistic locking versions, timestamps and TTL.

use chrono::{DateTime, Utc};
use ferrodyn::{AttributeValue, Model, Update};
use ferrodyn_testing::TestDb;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "docs", entity = "Doc", pk = "DOC#{id}", sk = "META")]
struct Doc {
    #[ferrodyn(id)]
    id: String,
    title: String,
    #[ferrodyn(version)]
    version: u64,
    #[ferrodyn(created_at)]
    created_at: String,
    #[ferrodyn(updated_at)]
    updated_at: Option<DateTime<Utc>>,
    #[ferrodyn(ttl)]
    expires_at: Option<DateTime<Utc>>,
}

fn draft(title: &str) -> Doc {
    Doc {
        id: String::new(),
        title: title.into(),
        version: 0,
        created_at: String::new(),
        updated_at: None,
        expires_at: None,
    }
}

async fn setup() -> TestDb {
    let db = TestDb::new().await.unwrap();
    db.create_table::<Doc>().await.unwrap();
    db
}

#[tokio::test]
async fn create_generates_id_version_and_timestamps() {
    let db = setup().await;
    let doc = db.create(&draft("a")).send_returning_new().await.unwrap();
    assert_eq!(doc.id.len(), 26, "a ULID: {}", doc.id);
    assert_eq!(doc.version, 1);
    assert_eq!(doc.created_at.len(), "2026-11-21T08:00:00.000000Z".len(), "{}", doc.created_at);
    let updated_at = doc.updated_at.expect("updated_at is set on create");
    assert_eq!(updated_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true), doc.created_at);
    // The key was rendered from the generated id, and the item reads back the same.
    let item = db.get(Doc::key(doc.id.clone())).send_item().await.unwrap().unwrap();
    assert_eq!(item["pk"], AttributeValue::S(format!("DOC#{}", doc.id)));
    assert_eq!(db.get(Doc::key(doc.id.clone())).await.unwrap(), Some(doc.clone()));
    // A create with an explicit id keeps it; its version starts at 1 whatever the struct says.
    let mut explicit = draft("b");
    explicit.id = "fixed".into();
    explicit.version = 7;
    let written = db.create(&explicit).send_returning_new().await.unwrap();
    assert_eq!((written.id.as_str(), written.version), ("fixed", 1));
}

#[tokio::test]
async fn put_checks_and_increments_the_version() {
    let db = setup().await;
    let v1 = db.create(&draft("a")).send_returning_new().await.unwrap();
    let mut edit = v1.clone();
    edit.title = "b".into();
    let v2 = db.put(&edit).send_returning_new().await.unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.created_at, v1.created_at, "put keeps created_at");
    assert!(v2.updated_at >= v1.updated_at);

    // A second writer still holding version 1 is stale.
    let mut stale = v1.clone();
    stale.title = "c".into();
    let err = db.put(&stale).await.unwrap_err();
    assert!(err.is_version_conflict(), "{err}");
    assert!(err.is_condition_failed());
    assert_eq!(db.get(Doc::key(v1.id.clone())).await.unwrap().unwrap().title, "b");

    // Version 0 means "new": a put of version 0 over an existing item is a conflict.
    let mut fresh = v1.clone();
    fresh.version = 0;
    assert!(db.put(&fresh).await.unwrap_err().is_version_conflict());
    // A put carrying a version of an item that was deleted is a conflict too.
    let mut gone = v2.clone();
    gone.id = "deleted".into();
    assert!(db.put(&gone).await.unwrap_err().is_version_conflict());
}

#[tokio::test]
async fn update_increments_and_checks_the_version() {
    let db = setup().await;
    let doc = db.create(&draft("a")).send_returning_new().await.unwrap();
    let title = Doc::FIELDS.title;
    let v2 = db
        .update(Doc::key(doc.id.clone()), Update::new().set(&title, "b"))
        .expect_version(1)
        .send_returning_new()
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    assert!(v2.updated_at > doc.updated_at, "updated_at moves on update");
    let err = db
        .update(Doc::key(doc.id.clone()), Update::new().set(&title, "c"))
        .expect_version(1)
        .await
        .unwrap_err();
    assert!(err.is_version_conflict(), "{err}");
    // Unchecked updates still increment.
    let v3 = db
        .update(Doc::key(doc.id.clone()), Update::new().set(&title, "d"))
        .send_returning_new()
        .await
        .unwrap();
    assert_eq!(v3.version, 3);
    // The version only moves through ferrodyn.
    let before = db.requests_sent();
    let err = db
        .update(Doc::key(doc.id.clone()), Update::new().set(Doc::FIELDS.version, 9u64))
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(db.requests_sent(), before);
    // A missing item is still "not found", not a conflict.
    let err = db
        .update(Doc::key("nope"), Update::new().set(&title, "x"))
        .expect_version(1)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn delete_checks_the_version() {
    let db = setup().await;
    let doc = db.create(&draft("a")).send_returning_new().await.unwrap();
    let err = db.delete(Doc::key(doc.id.clone())).expect_version(2).await.unwrap_err();
    assert!(err.is_version_conflict(), "{err}");
    db.delete(Doc::key(doc.id.clone())).expect_version(1).await.unwrap();
    assert_eq!(db.get(Doc::key(doc.id)).await.unwrap(), None);
}

#[tokio::test]
async fn ttl_is_epoch_seconds_and_enabled_on_the_table() {
    let db = setup().await;
    let mut doc = draft("a");
    let expiry = DateTime::from_timestamp(1_900_000_000, 0).unwrap();
    doc.expires_at = Some(expiry);
    let doc = db.create(&doc).send_returning_new().await.unwrap();
    let item = db.get(Doc::key(doc.id.clone())).send_item().await.unwrap().unwrap();
    assert_eq!(item["expires_at"], AttributeValue::N("1900000000".into()));
    assert_eq!(db.get(Doc::key(doc.id)).await.unwrap().unwrap().expires_at, Some(expiry));
    let ttl =
        db.client().describe_time_to_live().table_name(db.table_name("docs")).send().await.unwrap();
    let spec = ttl.time_to_live_description().unwrap();
    assert_eq!(spec.attribute_name(), Some("expires_at"));
}

#[test]
fn meta_names_the_managed_fields() {
    let managed = &Doc::META.managed;
    assert_eq!(managed.version, Some("version"));
    assert_eq!(managed.created_at, Some("created_at"));
    assert_eq!(managed.updated_at, Some("updated_at"));
    assert_eq!(managed.ttl, Some("expires_at"));
    assert_eq!(managed.id, Some("id"));
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "events",
    entity = "Event",
    pk = "EVENT#{id}",
    index(name = "gsi1", pk = "KIND#{kind}", sk = "{created_at}")
)]
struct Event {
    #[ferrodyn(id)]
    id: String,
    kind: String,
    #[ferrodyn(created_at)]
    created_at: String,
}

#[tokio::test]
async fn an_index_key_built_from_created_at_gets_the_stamped_value() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<Event>().await.unwrap();
    let draft =
        |kind: &str| Event { id: String::new(), kind: kind.into(), created_at: String::new() };
    let first = db.create(&draft("login")).send_returning_new().await.unwrap();
    let second = db.create(&draft("login")).send_returning_new().await.unwrap();
    let item = db.get(Event::key(first.id.clone())).send_item().await.unwrap().unwrap();
    assert_eq!(item["gsi1sk"], AttributeValue::S(first.created_at.clone()));
    let newest_first = db.query(Event::gsi1_partition("login")).descending().all().await.unwrap();
    assert_eq!(newest_first, vec![second, first]);
}
