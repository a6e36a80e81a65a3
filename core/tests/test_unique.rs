//! Unique constraints: guard items written, moved and removed with their items in one
//! transaction, `find_by_unique`, and the writes that cannot keep guards in step refused.

use ferrodyn::{Model, Update};
use ferrodyn_testing::TestDb;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "accounts",
    entity = "Account",
    pk = "ACCOUNT#{id}",
    sk = "PROFILE",
    unique = "email"
)]
struct Account {
    id: String,
    name: String,
    email: String,
}

/// Two unique fields, one optional, and a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "accounts",
    entity = "Member",
    pk = "MEMBER#{id}",
    sk = "PROFILE",
    unique = "email",
    unique = "username"
)]
struct Member {
    id: String,
    email: String,
    #[serde(rename = "handle")]
    username: Option<String>,
    #[ferrodyn(version)]
    version: u64,
}

/// A table keyed by a number: guard keys cannot live in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "numbered", pk = "id", unique = "email")]
struct Numbered {
    id: u64,
    email: String,
}

/// A unique field of a type that is neither a string nor a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "accounts", entity = "Tagged", pk = "TAGGED#{id}", sk = "X", unique = "tags")]
struct Tagged {
    id: String,
    tags: Vec<String>,
}

fn account(id: &str, email: &str) -> Account {
    Account { id: id.into(), name: format!("name {id}"), email: email.into() }
}

fn member(id: &str, email: &str, username: Option<&str>) -> Member {
    Member { id: id.into(), email: email.into(), username: username.map(Into::into), version: 0 }
}

async fn setup() -> TestDb {
    let db = TestDb::new().await.unwrap();
    db.create_table::<Account>().await.unwrap();
    db
}

/// Every item in the table, guards included.
async fn raw_count(db: &TestDb) -> i32 {
    let out = db
        .client()
        .scan()
        .table_name(db.table_name("accounts"))
        .select(aws_sdk_dynamodb::types::Select::Count)
        .send()
        .await
        .unwrap();
    out.count()
}

async fn find(db: &TestDb, email: &str) -> Option<Account> {
    db.find_by_unique::<Account, _, _>(Account::FIELDS.email, email).await.unwrap()
}

#[tokio::test]
async fn create_refuses_a_taken_value_and_writes_nothing() {
    let db = setup().await;
    db.create(&account("a", "ada@example.com")).await.unwrap();
    let before = db.requests_sent();
    db.create(&account("b", "bob@example.com")).await.unwrap();
    assert_eq!(db.requests_sent() - before, 1, "create = 1 TransactWriteItems");
    assert_eq!(raw_count(&db).await, 4, "two items, two guards");

    let before = db.requests_sent();
    let err = db.create(&account("c", "ada@example.com")).await.unwrap_err();
    assert_eq!(db.requests_sent() - before, 1);
    assert!(err.is_unique_violation(), "{err}");
    assert!(!err.is_condition_failed(), "{err}");
    assert_eq!(err.kind(), ferrodyn::ErrorKind::UniqueViolation);
    let text = err.to_string();
    assert!(
        text.starts_with("PutItem Account pk=ACCOUNT#c, sk=PROFILE: email is already taken"),
        "{text}"
    );
    assert!(!text.contains("ada@"), "the value stays out of the message: {text}");
    assert_eq!(db.get(Account::key("c")).await.unwrap(), None);
    assert_eq!(raw_count(&db).await, 4, "neither item nor guard written");

    // A create of an existing item stays a failed condition, and leaves no guard behind.
    let err = db.create(&account("a", "new@example.com")).await.unwrap_err();
    assert!(err.is_condition_failed() && !err.is_unique_violation(), "{err}");
    assert!(err.to_string().starts_with("PutItem Account pk=ACCOUNT#a, sk=PROFILE:"), "{err}");
    assert_eq!(find(&db, "new@example.com").await, None);
    assert_eq!(raw_count(&db).await, 4);
}

#[tokio::test]
async fn find_by_unique_follows_the_guard_to_its_owner() {
    let db = setup().await;
    db.create(&account("a", "ada@example.com")).await.unwrap();
    db.create(&account("b", "bob@example.com")).await.unwrap();
    let before = db.requests_sent();
    assert_eq!(find(&db, "ada@example.com").await, Some(account("a", "ada@example.com")));
    assert_eq!(db.requests_sent() - before, 2, "find = GetItem of the guard + GetItem of the item");
    assert_eq!(find(&db, "bob@example.com").await, Some(account("b", "bob@example.com")));
    let before = db.requests_sent();
    assert_eq!(find(&db, "nobody@example.com").await, None);
    assert_eq!(db.requests_sent() - before, 1, "no guard, no second read");
    assert_eq!(find(&db, "ADA@example.com").await, None, "values are compared exactly");

    // A field that is not unique is refused before sending.
    let before = db.requests_sent();
    let err = db.find_by_unique::<Account, _, _>(Account::FIELDS.name, "name a").await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("`name` is not declared unique"), "{err}");
    assert_eq!(db.requests_sent(), before);
}

#[tokio::test]
async fn update_moves_the_guard() {
    let db = setup().await;
    db.create(&account("a", "ada@example.com")).await.unwrap();
    db.create(&account("b", "bob@example.com")).await.unwrap();

    let before = db.requests_sent();
    let set = Update::new().set(Account::FIELDS.email, "ada@new.example.com");
    db.update(Account::key("a"), set).await.unwrap();
    assert_eq!(db.requests_sent() - before, 2, "GetItem + TransactWriteItems");
    assert_eq!(find(&db, "ada@example.com").await, None);
    assert_eq!(find(&db, "ada@new.example.com").await.map(|a| a.id), Some("a".into()));
    assert_eq!(raw_count(&db).await, 4, "the old guard is gone");
    // The old value is free again.
    db.create(&account("c", "ada@example.com")).await.unwrap();
    assert_eq!(find(&db, "ada@example.com").await.map(|a| a.id), Some("c".into()));

    // A taken value is refused and nothing changes.
    let before = db.requests_sent();
    let set = Update::new().set(Account::FIELDS.email, "bob@example.com");
    let err = db.update(Account::key("a"), set.clone()).await.unwrap_err();
    assert_eq!(db.requests_sent() - before, 2);
    assert!(err.is_unique_violation(), "{err}");
    assert!(
        err.to_string().starts_with("UpdateItem Account pk=ACCOUNT#a, sk=PROFILE: email is"),
        "{err}"
    );
    let a = db.get(Account::key("a")).await.unwrap().unwrap();
    assert_eq!(a.email, "ada@new.example.com");
    assert_eq!(find(&db, "bob@example.com").await.map(|a| a.id), Some("b".into()));
    assert_eq!(find(&db, "ada@new.example.com").await.map(|a| a.id), Some("a".into()));

    // send_returning_new reads the item back after the transaction.
    let before = db.requests_sent();
    let set = Update::new()
        .set(Account::FIELDS.email, "ada@third.example.com")
        .set(Account::FIELDS.name, "Ada");
    let new = db.update(Account::key("a"), set).send_returning_new().await.unwrap();
    assert_eq!(db.requests_sent() - before, 3, "GetItem + TransactWriteItems + GetItem");
    assert_eq!((new.name.as_str(), new.email.as_str()), ("Ada", "ada@third.example.com"));

    // Setting the same value again moves nothing and succeeds.
    let same = Update::new().set(Account::FIELDS.email, "ada@third.example.com");
    db.update(Account::key("a"), same).await.unwrap();
    assert_eq!(find(&db, "ada@third.example.com").await.map(|a| a.id), Some("a".into()));

    // An update that leaves unique fields alone is one UpdateItem.
    let before = db.requests_sent();
    db.update(Account::key("a"), Update::new().set(Account::FIELDS.name, "A.")).await.unwrap();
    assert_eq!(db.requests_sent() - before, 1);
}

#[tokio::test]
async fn update_keeps_not_found_version_and_condition_checks() {
    let db = setup().await;
    db.create(&member("m", "m@example.com", None)).await.unwrap();
    let set = |email: &str| Update::new().set(Member::FIELDS.email, email.to_owned());

    let before = db.requests_sent();
    let err = db.update(Member::key("missing"), set("x@example.com")).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(db.requests_sent() - before, 1, "the read shows the item is missing");

    let err =
        db.update(Member::key("m"), set("x@example.com")).expect_version(7).await.unwrap_err();
    assert!(err.is_version_conflict(), "{err}");
    let err = db
        .update(Member::key("m"), set("x@example.com"))
        .condition(Member::FIELDS.email.eq("other@example.com"))
        .await
        .unwrap_err();
    assert!(err.is_condition_failed() && !err.is_version_conflict(), "{err}");
    let m = db
        .update(Member::key("m"), set("x@example.com"))
        .expect_version(1)
        .send_returning_new()
        .await
        .unwrap();
    assert_eq!((m.email.as_str(), m.version), ("x@example.com", 2));
    let found = db.find_by_unique::<Member, _, _>(Member::FIELDS.email, "x@example.com").await;
    assert_eq!(found.unwrap().map(|m| m.id), Some("m".into()));

    // Only SET and REMOVE of a whole unique value, refused before sending.
    let before = db.requests_sent();
    let err = db
        .update(Member::key("m"), Update::new().append(ferrodyn::attr("email"), vec!["x"]))
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(db.requests_sent(), before);
}

#[tokio::test]
async fn put_moves_the_guard() {
    let db = setup().await;
    db.create(&account("a", "ada@example.com")).await.unwrap();
    db.create(&account("b", "bob@example.com")).await.unwrap();

    let before = db.requests_sent();
    let old = db.put(&account("a", "ada@new.example.com")).send_returning_old().await.unwrap();
    assert_eq!(db.requests_sent() - before, 2, "GetItem + TransactWriteItems");
    assert_eq!(old, Some(account("a", "ada@example.com")));
    assert_eq!(find(&db, "ada@example.com").await, None);
    assert_eq!(find(&db, "ada@new.example.com").await.map(|a| a.id), Some("a".into()));
    db.create(&account("c", "ada@example.com")).await.unwrap();

    let err = db.put(&account("a", "bob@example.com")).await.unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    assert!(err.to_string().starts_with("PutItem Account pk=ACCOUNT#a, sk=PROFILE: email"));
    assert_eq!(db.get(Account::key("a")).await.unwrap().unwrap().email, "ada@new.example.com");
    assert_eq!(find(&db, "bob@example.com").await.map(|a| a.id), Some("b".into()));

    // A put of a new item writes its guard; send_returning_new returns it.
    let written = db.put(&account("d", "dan@example.com")).send_returning_new().await.unwrap();
    assert_eq!(written, account("d", "dan@example.com"));
    assert_eq!(find(&db, "dan@example.com").await, Some(written));
    assert_eq!(raw_count(&db).await, 8);
}

#[tokio::test]
async fn delete_frees_the_value() {
    let db = setup().await;
    db.create(&account("a", "ada@example.com")).await.unwrap();

    let before = db.requests_sent();
    let old = db.delete(Account::key("a")).send_returning_old().await.unwrap();
    assert_eq!(db.requests_sent() - before, 2, "GetItem + TransactWriteItems");
    assert_eq!(old, Some(account("a", "ada@example.com")));
    assert_eq!(find(&db, "ada@example.com").await, None);
    assert_eq!(raw_count(&db).await, 0, "the guard went with the item");
    db.create(&account("b", "ada@example.com")).await.unwrap();

    // Deleting a missing item succeeds after the read alone.
    let before = db.requests_sent();
    assert_eq!(db.delete(Account::key("a")).send_returning_old().await.unwrap(), None);
    db.delete(Account::key("a")).await.unwrap();
    assert_eq!(db.requests_sent() - before, 2, "one GetItem each");

    // Version checks still apply.
    db.create(&member("m", "m@example.com", Some("mm"))).await.unwrap();
    let err = db.delete(Member::key("m")).expect_version(3).await.unwrap_err();
    assert!(err.is_version_conflict(), "{err}");
    db.delete(Member::key("m")).expect_version(1).await.unwrap();
    assert_eq!(raw_count(&db).await, 2, "account b and its guard");
}

#[tokio::test]
async fn two_unique_fields_and_an_absent_option() {
    let db = setup().await;
    db.create(&member("m1", "one@example.com", None)).await.unwrap();
    assert_eq!(raw_count(&db).await, 2, "a None username has no guard");
    db.create(&member("m2", "two@example.com", Some("two"))).await.unwrap();
    assert_eq!(raw_count(&db).await, 5);

    let err = db.create(&member("m3", "one@example.com", Some("two"))).await.unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    assert!(err.to_string().ends_with("email and username are already taken"), "{err}");
    let err = db.create(&member("m3", "three@example.com", Some("two"))).await.unwrap_err();
    assert!(err.to_string().ends_with(": username is already taken"), "{err}");
    assert_eq!(raw_count(&db).await, 5);

    // Giving m1 a username adds its guard; removing it frees the name.
    let set = Update::new().set(Member::FIELDS.username, "one");
    db.update(Member::key("m1"), set).await.unwrap();
    let by_name = |name: &'static str| {
        let db = db.clone();
        async move { db.find_by_unique::<Member, _, _>(Member::FIELDS.username, name).await.unwrap() }
    };
    assert_eq!(by_name("one").await.map(|m| m.id), Some("m1".into()));
    db.update(Member::key("m1"), Update::new().remove(Member::FIELDS.username)).await.unwrap();
    assert_eq!(by_name("one").await, None);
    assert_eq!(raw_count(&db).await, 5);
    db.create(&member("m3", "three@example.com", Some("one"))).await.unwrap();
}

#[tokio::test]
async fn batches_and_transactions_refuse_unique_models_before_sending() {
    let db = setup().await;
    let before = db.requests_sent();
    let err = db.batch_write().put(&account("a", "ada@example.com")).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(
        err.to_string().starts_with(
            "BatchWriteItem Account pk=ACCOUNT#a, sk=PROFILE: Account has unique fields (email)"
        ),
        "{err}"
    );
    let err = db.batch_write().delete(Account::key("a")).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    let err = db.transaction().create(db.create(&account("a", "x@example.com"))).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("in a transaction"), "{err}");
    assert_eq!(err.action_index(), Some(0));
    let err = db.transaction().put(db.put(&account("a", "x@example.com"))).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    let err = db.transaction().delete(db.delete(Account::key("a"))).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    let touch = Update::new().set(Account::FIELDS.email, "y@example.com");
    let err = db.transaction().update(db.update(Account::key("a"), touch)).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(db.requests_sent(), before, "nothing was sent");

    // An update that leaves the unique fields alone keeps the guards in step, so it may.
    db.create(&account("a", "ada@example.com")).await.unwrap();
    let rename = Update::new().set(Account::FIELDS.name, "Ada");
    db.transaction().update(db.update(Account::key("a"), rename)).await.unwrap();
    assert_eq!(find(&db, "ada@example.com").await.map(|a| a.name), Some("Ada".into()));
}

#[tokio::test]
async fn guards_are_invisible_to_queries_and_scans_of_the_model() {
    let db = setup().await;
    db.create(&account("a", "ada@example.com")).await.unwrap();
    db.create(&account("b", "bob@example.com")).await.unwrap();
    let mut all = db.scan::<Account>().all().await.unwrap();
    all.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(all, [account("a", "ada@example.com"), account("b", "bob@example.com")]);
    let count = db.scan::<Account>().count().await.unwrap();
    assert_eq!((count.count, count.scanned_count), (2, 4), "guards are read, then filtered out");
    let page = db.query(Account::partition("a")).page().await.unwrap();
    assert_eq!(page.items, [account("a", "ada@example.com")]);
    // A guard carries its key, its owner and the reserved entity value that every reader of the
    // model's entity type (queries, scans, stream consumers) passes over; no value outside its key.
    let guard = db
        .client()
        .get_item()
        .table_name(db.table_name("accounts"))
        .key("pk", ferrodyn::AttributeValue::S("UNIQUE#Account#email#ada@example.com".into()))
        .key("sk", ferrodyn::AttributeValue::S("UNIQUE#Account#email#ada@example.com".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let mut names: Vec<&str> = guard.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["entity", "owner", "pk", "sk"]);
    assert_eq!(
        guard["entity"],
        ferrodyn::AttributeValue::S(ferrodyn::operation::GUARD_ENTITY.into())
    );
}

#[tokio::test]
async fn limits_and_types_are_checked_before_sending() {
    let db = setup().await;
    let before = db.requests_sent();
    // The guard's sort key holds the value: over 1024 bytes is refused.
    let long = format!("{}@example.com", "x".repeat(1024));
    let err = db.create(&account("a", &long)).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("1024-byte key limit"), "{err}");
    assert!(!err.to_string().contains("xxxx"), "{err}");
    let err = db.put(&account("a", &long)).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    let err = db.create(&Tagged { id: "t".into(), tags: vec!["a".into()] }).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("a unique field must hold a string or a number"), "{err}");
    let err = db.create(&Numbered { id: 1, email: "n@example.com".into() }).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("key attributes are strings"), "{err}");
    let err = db.find_by_unique::<Numbered, _, _>(Numbered::FIELDS.email, "n@example.com").await;
    assert!(err.unwrap_err().is_local_validation());
    assert_eq!(db.requests_sent(), before, "nothing was sent");
}

mod concurrent_changes {
    //! A writer changing the item between the read and the transaction, which DynamoDB Local
    //! cannot be made to do on cue: mocked responses.

    use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput;
    use aws_sdk_dynamodb::Client;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use ferrodyn::{AttributeValue, Db, ErrorKind, Update};

    use super::Account;

    fn stored(email: &str) -> Rule {
        let item = Account::key("a")
            .into_attributes()
            .into_iter()
            .chain([
                ("entity".to_owned(), AttributeValue::S("Account".into())),
                ("id".to_owned(), AttributeValue::S("a".into())),
                ("name".to_owned(), AttributeValue::S("Ada".into())),
                ("email".to_owned(), AttributeValue::S(email.into())),
            ])
            .collect();
        mock!(Client::get_item).then_output(move || {
            GetItemOutput::builder().set_item(Some(Clone::clone(&item))).build()
        })
    }

    /// The item's action (0) failed its condition; the guard actions did not fail.
    fn item_condition_failed() -> Rule {
        mock!(Client::transact_write_items).then_http_response(|| {
            let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"mocked","CancellationReasons":[{"Code":"ConditionalCheckFailed"},{"Code":"None"},{"Code":"None"}]}"#;
            Response::new(StatusCode::try_from(400).expect("status"), SdkBody::from(body))
        })
    }

    fn committed() -> Rule {
        mock!(Client::transact_write_items)
            .then_output(|| TransactWriteItemsOutput::builder().build())
    }

    fn set_email() -> Update {
        Update::new().set(Account::FIELDS.email, "new@example.com")
    }

    #[tokio::test]
    async fn a_change_between_read_and_transaction_is_retried() {
        let rules = [
            stored("one@example.com"),
            item_condition_failed(),
            stored("two@example.com"),
            committed(),
        ];
        let refs: Vec<&Rule> = rules.iter().collect();
        let client: Client = mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, &refs);
        let db = Db::from_client(client);
        db.update(Account::key("a"), set_email()).await.unwrap();
        let calls: Vec<usize> = rules.iter().map(Rule::num_calls).collect();
        assert_eq!(calls, [1, 1, 1, 1], "read, failed transaction, read again, transaction");
    }

    #[tokio::test]
    async fn a_failed_condition_with_nothing_changed_is_not_retried() {
        let rules = [stored("one@example.com"), item_condition_failed(), stored("one@example.com")];
        let refs: Vec<&Rule> = rules.iter().collect();
        let client: Client = mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, &refs);
        let db = Db::from_client(client);
        let err = db
            .update(Account::key("a"), set_email())
            .condition(Account::FIELDS.name.eq("Grace"))
            .await
            .unwrap_err();
        assert!(err.is_condition_failed(), "{err}");
        assert_eq!(rules.iter().map(Rule::num_calls).sum::<usize>(), 3);
    }

    #[tokio::test]
    async fn gives_up_after_three_transactions() {
        let rules = [
            stored("1@example.com"),
            item_condition_failed(),
            stored("2@example.com"),
            item_condition_failed(),
            stored("3@example.com"),
            item_condition_failed(),
            stored("4@example.com"),
        ];
        let refs: Vec<&Rule> = rules.iter().collect();
        let client: Client = mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, &refs);
        let db = Db::from_client(client);
        let err = db.delete(Account::key("a")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionConflict, "{err}");
        assert!(err.is_retryable());
        assert!(err.to_string().contains("3 times in a row"), "{err}");
        assert!(!err.to_string().contains("@example.com"), "{err}");
        let calls: Vec<usize> = rules.iter().map(Rule::num_calls).collect();
        assert_eq!(calls, [1; 7], "4 reads, 3 transactions");
        assert_eq!(ferrodyn::operation::MAX_UNIQUE_ATTEMPTS, 3);
    }
}
