//! Partial saves against DynamoDB Local: a property test that applying `save` to random
//! before/after pairs stores exactly `after` (index keys included) and leaves attributes outside
//! the model alone, unchanged pairs that send nothing, version conflicts, refused key changes,
//! saves in a transaction, and the request size of a save against a put of the same change.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::{Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;
use ferrodyn::operation::Saved;
use ferrodyn::{AttributeValue, Db, Model, Update};
use ferrodyn_testing::TestDb;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde::{Deserialize, Serialize};

/// A model with a field of every shape a diff handles: optional fields, a string set, a number
/// set, a map and a list, an index key built from two fields, a version and `updated_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "profiles",
    entity = "Profile",
    pk = "PROFILE#{id}",
    sk = "META",
    index(name = "gsi1", pk = "CITY#{city}", sk = "{name}#{age}")
)]
struct Profile {
    id: String,
    name: String,
    city: Option<String>,
    age: Option<u32>,
    nickname: Option<String>,
    tags: BTreeSet<String>,
    scores: BTreeSet<i64>,
    attrs: BTreeMap<String, String>,
    history: Vec<String>,
    #[ferrodyn(version)]
    version: u64,
    #[ferrodyn(updated_at)]
    updated_at: Option<String>,
}

/// A profile's fields a save may change.
#[derive(Debug, Clone)]
struct Fields {
    name: String,
    city: Option<String>,
    age: Option<u32>,
    nickname: Option<String>,
    tags: BTreeSet<String>,
    scores: BTreeSet<i64>,
    attrs: BTreeMap<String, String>,
    history: Vec<String>,
}

fn fields() -> impl Strategy<Value = Fields> {
    (
        "[a-z]{1,6}",
        proptest::option::of("[a-z]{1,4}"),
        proptest::option::of(0u32..100),
        proptest::option::of("[a-z ]{0,6}"),
        proptest::collection::btree_set("[a-d]", 0..4),
        proptest::collection::btree_set(-3i64..3, 0..4),
        proptest::collection::btree_map("[a-c]", "[a-z]{0,3}", 0..3),
        proptest::collection::vec("[a-z]{0,3}", 0..3),
    )
        .prop_map(|(name, city, age, nickname, tags, scores, attrs, history)| Fields {
            name,
            city,
            age,
            nickname,
            tags,
            scores,
            attrs,
            history,
        })
}

/// `after` takes each field from `changed` where `mask` has its bit, from `before` elsewhere:
/// pairs that differ in a few fields, and some in none.
fn mixed(before: &Fields, changed: Fields, mask: u8) -> Fields {
    let pick = |bit: u8| mask & (1 << bit) != 0;
    Fields {
        name: if pick(0) { changed.name } else { before.name.clone() },
        city: if pick(1) { changed.city } else { before.city.clone() },
        age: if pick(2) { changed.age } else { before.age },
        nickname: if pick(3) { changed.nickname } else { before.nickname.clone() },
        tags: if pick(4) { changed.tags } else { before.tags.clone() },
        scores: if pick(5) { changed.scores } else { before.scores.clone() },
        attrs: if pick(6) { changed.attrs } else { before.attrs.clone() },
        history: if pick(7) { changed.history } else { before.history.clone() },
    }
}

fn profile(id: &str, f: Fields) -> Profile {
    Profile {
        id: id.to_owned(),
        name: f.name,
        city: f.city,
        age: f.age,
        nickname: f.nickname,
        tags: f.tags,
        scores: f.scores,
        attrs: f.attrs,
        history: f.history,
        version: 0,
        updated_at: None,
    }
}

async fn setup() -> TestDb {
    let db = TestDb::new().await.expect("DynamoDB Local");
    db.create_table::<Profile>().await.expect("profiles table");
    db
}

/// Stores `fields` as a new profile with an attribute outside the model beside it, and returns
/// the profile as read back (the `before` of a save).
async fn stored(db: &Db, id: &str, fields: Fields) -> Profile {
    db.create(&profile(id, fields)).await.unwrap();
    // Written without the model (as another service would): the version does not move.
    db.client()
        .update_item()
        .table_name(db.table_name("profiles"))
        .set_key(Some(Profile::key(id).into_attributes()))
        .update_expression("SET legacy = :v")
        .expression_attribute_values(":v", AttributeValue::S("keep me".into()))
        .send()
        .await
        .unwrap();
    db.get(Profile::key(id)).consistent_read(true).await.unwrap().unwrap()
}

#[test]
fn saving_random_changes_stores_exactly_after_and_keeps_unknown_attributes() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let db = rt.block_on(setup());
    let case = AtomicUsize::new(0);
    let (saved, unchanged) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let mask = prop_oneof![1 => Just(0u8), 4 => any::<u8>()];
    let mut runner =
        TestRunner::new(Config { cases: 48, failure_persistence: None, ..Config::default() });
    let result = runner.run(&(fields(), fields(), mask), |(before_fields, changed, mask)| {
        let id = format!("p{}", case.fetch_add(1, Ordering::Relaxed));
        rt.block_on(async {
            let after_fields = mixed(&before_fields, changed, mask);
            let before = stored(&db, &id, before_fields).await;
            let after = Profile {
                version: before.version,
                updated_at: before.updated_at.clone(),
                ..profile(&id, after_fields)
            };
            let sent = db.requests_sent();
            let outcome = db.save(&before, &after).await.unwrap();
            let requests = db.requests_sent() - sent;

            let item =
                db.get(Profile::key(&id)).consistent_read(true).send_item().await.unwrap().unwrap();
            let read = Profile::from_item(item.clone()).unwrap();
            if before == after {
                prop_assert_eq!(outcome, Saved::Unchanged);
                prop_assert_eq!(requests, 0);
                prop_assert_eq!(&read, &before);
                unchanged.fetch_add(1, Ordering::Relaxed);
            } else {
                prop_assert_eq!(outcome, Saved::Updated);
                prop_assert_eq!(requests, 1);
                prop_assert_eq!(read.version, before.version + 1);
                prop_assert!(read.updated_at >= before.updated_at);
                let expected = Profile {
                    version: read.version,
                    updated_at: read.updated_at.clone(),
                    ..after.clone()
                };
                prop_assert_eq!(&read, &expected);
                saved.fetch_add(1, Ordering::Relaxed);
            }
            // The index keys are exactly those a put of `after` would write (absent ones too).
            let put_item = after.to_item().unwrap();
            for key in ["gsi1pk", "gsi1sk"] {
                prop_assert_eq!(item.get(key), put_item.get(key), "{}", key);
            }
            prop_assert_eq!(item.get("legacy"), Some(&AttributeValue::S("keep me".into())));
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (saved, unchanged) = (saved.into_inner(), unchanged.into_inner());
    eprintln!("48 cases: {saved} saved, {unchanged} unchanged");
    assert!(saved > 0 && unchanged > 0, "both kinds of pairs were tried: {saved}, {unchanged}");
}

fn sample(name: &str) -> Fields {
    Fields {
        name: name.to_owned(),
        city: Some("oslo".into()),
        age: Some(41),
        nickname: Some("ann".into()),
        tags: BTreeSet::from(["a".to_owned(), "b".to_owned()]),
        scores: BTreeSet::from([1, 2]),
        attrs: BTreeMap::from([("k".to_owned(), "v".to_owned())]),
        history: vec!["x".into()],
    }
}

#[tokio::test]
async fn diff_sets_removes_adds_and_deletes() {
    let before = profile("p1", sample("ann"));
    let mut after = before.clone();
    after.nickname = None;
    after.tags.insert("c".into());
    after.scores.remove(&1);
    after.history.push("y".into());
    assert_eq!(
        format!("{:?}", Update::diff(&before, &after).unwrap()),
        "Update(SET history = ? REMOVE nickname ADD tags ? DELETE scores ?)"
    );
    // A field of an index key brings the other fields of that key, so that it is rendered again.
    let mut after = before.clone();
    after.age = Some(42);
    assert_eq!(
        format!("{:?}", Update::diff(&before, &after).unwrap()),
        "Update(SET age = ?, name = ?)"
    );
    // A set that gained and lost elements is SET whole (one action per attribute).
    let mut after = before.clone();
    after.tags = BTreeSet::from(["a".to_owned(), "z".to_owned()]);
    assert_eq!(format!("{:?}", Update::diff(&before, &after).unwrap()), "Update(SET tags = ?)");
    // The version and updated_at are managed: differences there are not changes.
    let mut after = before.clone();
    after.version = 9;
    after.updated_at = Some("2026-01-01T00:00:00.000000Z".into());
    assert!(Update::diff(&before, &after).unwrap().is_empty());
}

#[tokio::test]
async fn a_stale_before_is_a_version_conflict_and_writes_nothing() {
    let db = setup().await;
    let before = stored(&db, "p1", sample("ann")).await;
    let mut theirs = before.clone();
    theirs.nickname = Some("annie".into());
    let theirs = db.save(&before, &theirs).send_returning_new().await.unwrap();
    assert_eq!(theirs.version, before.version + 1);

    let mut mine = before.clone();
    mine.city = Some("rome".into());
    let err = db.save(&before, &mine).await.unwrap_err();
    assert!(err.is_version_conflict(), "{err}");
    assert_eq!((err.operation(), err.model()), (Some("UpdateItem"), Some("Profile")));
    assert!(err.to_string().starts_with("UpdateItem Profile pk=PROFILE#p1, sk=META: "), "{err}");
    let stored = db.get(Profile::key("p1")).consistent_read(true).await.unwrap().unwrap();
    assert_eq!(stored, theirs, "the stale save wrote nothing");
    // Saving from what is stored now succeeds.
    mine = Profile { city: Some("rome".into()), ..stored.clone() };
    assert_eq!(db.save(&stored, &mine).await.unwrap(), Saved::Updated);
}

#[tokio::test]
async fn unchanged_pairs_and_refused_keys_send_nothing() {
    let db = setup().await;
    let before = stored(&db, "p1", sample("ann")).await;
    let sent = db.requests_sent();
    let save = db.save(&before, &before.clone());
    assert!(save.is_unchanged() && save.changes().is_none());
    assert_eq!(save.await.unwrap(), Saved::Unchanged);
    assert_eq!(db.save(&before, &before).send_returning_new().await.unwrap(), before);

    let mut moved = before.clone();
    moved.id = "p2".into();
    let err = db.save(&before, &moved).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.attribute_path(), "id");
    assert_eq!(
        err.to_string(),
        "UpdateItem Profile pk=PROFILE#p1, sk=META: attribute `id`: a save cannot change the \
         primary key of `Profile` (`pk`); put the new item and delete the old one"
    );
    assert_eq!(db.requests_sent() - sent, 0);

    // A deleted item is not found, not re-created.
    db.delete(Profile::key("p1")).await.unwrap();
    let mut after = before.clone();
    after.age = None;
    let err = db.save(&before, &after).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(db.get(Profile::key("p1")).await.unwrap(), None);
}

#[tokio::test]
async fn saves_join_a_transaction_and_unchanged_ones_add_nothing() {
    let db = setup().await;
    let a = stored(&db, "a", sample("ann")).await;
    let b = stored(&db, "b", sample("bob")).await;
    let a2 = Profile { nickname: None, ..a.clone() };
    let tx = db.transaction().save(db.save(&a, &a2)).save(db.save(&b, &b));
    assert_eq!(tx.len(), 1, "the unchanged save adds no action");
    tx.await.unwrap();
    let read = db.get(Profile::key("a")).consistent_read(true).await.unwrap().unwrap();
    assert_eq!((read.nickname.as_deref(), read.version), (None, a.version + 1));
    assert!(db.transaction().save(db.save(&b, &b)).is_empty());
    // The version check holds inside a transaction too: `a` is stale now.
    let stale = Profile { city: None, ..a.clone() };
    let err = db.transaction().save(db.save(&a, &stale)).await.unwrap_err();
    assert!(err.is_version_conflict(), "{err}");
    let now = db.get(Profile::key("a")).consistent_read(true).await.unwrap().unwrap();
    assert_eq!(now, read);
}

/// Records the body size of every request, by its `X-Amz-Target` operation.
#[derive(Debug, Clone, Default)]
struct RequestSizes(Arc<Mutex<Vec<(String, usize)>>>);

impl Intercept for RequestSizes {
    fn name(&self) -> &'static str {
        "RequestSizes"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let target = request.headers().get("x-amz-target").unwrap_or_default().to_owned();
        let size = request.body().bytes().map_or(0, <[u8]>::len);
        self.0.lock().unwrap().push((target, size));
        Ok(())
    }
}

#[tokio::test]
async fn a_save_of_one_field_is_smaller_than_a_put_of_the_item() {
    let db = setup().await;
    let sizes = RequestSizes::default();
    let config = db.client().config().to_builder().interceptor(sizes.clone()).build();
    let sized =
        Db::from_client(aws_sdk_dynamodb::Client::from_conf(config)).with_table_prefix(db.prefix());
    // A realistic item: a few dozen tags, scores, attributes and history entries.
    let big = |name: &str| Fields {
        tags: (0..40).map(|i| format!("tag-{i}")).collect(),
        scores: (0..40).collect(),
        attrs: (0..20).map(|i| (format!("key-{i}"), format!("value number {i}"))).collect(),
        history: (0..30).map(|i| format!("event {i} happened")).collect(),
        ..sample(name)
    };
    let saved = stored(&db, "s", big("ann")).await;
    let put = stored(&db, "p", big("ann")).await;

    let change = |p: &Profile| Profile { nickname: Some("annie".into()), ..p.clone() };
    sizes.0.lock().unwrap().clear();
    sized.save(&saved, &change(&saved)).await.unwrap();
    sized.put(&change(&put)).await.unwrap();
    let sizes = sizes.0.lock().unwrap().clone();
    let [(save_op, save_bytes), (put_op, put_bytes)] = sizes.as_slice() else {
        panic!("two requests: {sizes:?}");
    };
    assert_eq!(
        (save_op.as_str(), put_op.as_str()),
        ("DynamoDB_20120810.UpdateItem", "DynamoDB_20120810.PutItem")
    );
    eprintln!(
        "one-field change of a {}-attribute item: save (UpdateItem) {save_bytes} bytes, put (PutItem) {put_bytes} bytes",
        change(&put).to_item().unwrap().len()
    );
    assert!(save_bytes * 4 < *put_bytes, "save {save_bytes} B vs put {put_bytes} B");
    // Both wrote the same fields.
    let a = db.get(Profile::key("s")).consistent_read(true).await.unwrap().unwrap();
    let b = db.get(Profile::key("p")).consistent_read(true).await.unwrap().unwrap();
    assert_eq!((a.nickname.as_deref(), a.tags.len()), (Some("annie"), 40));
    assert_eq!(Profile { id: "s".into(), updated_at: a.updated_at.clone(), ..b }, a);
    // The put replaced the whole item: the attribute outside the model is gone; the save kept it.
    let raw = |id: &'static str| db.get(Profile::key(id)).send_item();
    assert!(raw("s").await.unwrap().unwrap().contains_key("legacy"));
    assert!(!raw("p").await.unwrap().unwrap().contains_key("legacy"));
}
