//! Write and get transactions against DynamoDB Local: atomic commits across models, cancellation
//! reasons per action, limits checked before sending, client request tokens.

mod common;

use common::{order, product, setup, Customer, Order, Product, Status};
use ferrodyn::{AttributeValue, ErrorKind, Update};

fn customer(id: &str) -> Customer {
    Customer { id: id.to_owned(), name: "Ada".to_owned(), email: "ada@example.com".to_owned() }
}

#[tokio::test]
async fn put_update_delete_and_check_commit_atomically_across_models() {
    let db = setup().await;
    db.put(&order("c1", "o1")).await.unwrap();
    db.put(&order("c1", "o2")).await.unwrap();
    db.put(&customer("c1")).await.unwrap();
    db.put(&product("p1")).await.unwrap();

    let before = db.requests_sent();
    db.transaction()
        .put(db.put(&order("c1", "o3")))
        .update(
            db.update(
                Order::key("c1", "o1"),
                Update::new().set(Order::FIELDS.status, Status::Paid),
            )
            .condition(Order::FIELDS.status.eq(Status::Pending)),
        )
        .delete(db.delete(Order::key("c1", "o2")).condition(Order::FIELDS.total_cents.eq(2500)))
        .condition_check(Customer::key("c1"), Customer::FIELDS.name.eq("Ada"))
        .update(db.update(Product::key("p1"), Update::new().increment(Product::FIELDS.stock, 1u32)))
        .await
        .unwrap();
    assert_eq!(db.requests_sent(), before + 1);

    assert_eq!(db.get(Order::key("c1", "o3")).await.unwrap(), Some(order("c1", "o3")));
    assert_eq!(db.get(Order::key("c1", "o2")).await.unwrap(), None);
    let updated = db.get(Order::key("c1", "o1")).send_item().await.unwrap().unwrap();
    assert_eq!(updated["status"], AttributeValue::S("paid".into()));
    // Index keys follow the fields inside a transaction as they do in a single update.
    assert_eq!(updated["gsi1pk"], AttributeValue::S("STATUS#paid".into()));
    assert_eq!(db.get(Product::key("p1")).await.unwrap().unwrap().stock, 4);
    assert_eq!(db.get(Customer::key("c1")).await.unwrap(), Some(customer("c1")));
}

#[tokio::test]
async fn a_false_condition_cancels_every_action_and_names_the_action() {
    let db = setup().await;
    db.put(&order("c1", "o1")).await.unwrap();
    db.put(&order("c1", "o2")).await.unwrap();
    db.put(&customer("c1")).await.unwrap();

    let before = db.requests_sent();
    let err = db
        .transaction()
        .put(db.put(&order("c1", "o3")))
        .update(
            db.update(
                Order::key("c1", "o1"),
                Update::new().set(Order::FIELDS.status, Status::Paid),
            )
            .condition(Order::FIELDS.status.eq(Status::Shipped)),
        )
        .delete(db.delete(Order::key("c1", "o2")))
        .condition_check(Customer::key("c1"), Customer::FIELDS.name.eq("Ada"))
        .await
        .unwrap_err();
    assert_eq!(db.requests_sent(), before + 1, "a cancellation is not retried");

    assert!(err.is_transaction_canceled(), "{err}");
    assert_eq!(err.kind(), ErrorKind::TransactionCanceled);
    assert!(err.is_condition_failed());
    assert!(!err.is_not_found());
    assert!(!err.is_retryable());
    assert_eq!(err.code(), Some("TransactionCanceledException"));
    assert_eq!(err.operation(), Some("TransactWriteItems"));
    let reasons = err.cancellation_reasons().unwrap();
    assert_eq!(reasons.len(), 4);
    let failed = &reasons[1];
    assert_eq!(failed.index(), 1);
    assert_eq!(failed.operation(), "Update");
    assert_eq!(failed.model(), "Order");
    assert_eq!(failed.key(), "pk=CUSTOMER#c1, sk=ORDER#o1");
    assert_eq!(failed.code(), "ConditionalCheckFailed");
    assert_eq!(failed.kind(), Some(ErrorKind::ConditionFailed));
    for i in [0, 2, 3] {
        assert_eq!(reasons[i].code(), "None", "action {i}");
        assert_eq!(reasons[i].kind(), None, "action {i}");
        assert_eq!(reasons[i].index(), i);
    }
    assert_eq!(
        (reasons[0].operation(), reasons[2].operation(), reasons[3].operation()),
        ("Put", "Delete", "ConditionCheck")
    );
    assert_eq!(reasons[3].model(), "Customer");
    assert_eq!(reasons[3].key(), "pk=CUSTOMER#c1, sk=PROFILE");
    assert_eq!(err.failed_action().map(|r| r.index()), Some(1));
    assert_eq!(
        err.to_string(),
        "TransactWriteItems: transaction canceled: action 1 (Update Order pk=CUSTOMER#c1, \
         sk=ORDER#o1): ConditionalCheckFailed"
    );

    // Nothing was written.
    assert_eq!(db.get(Order::key("c1", "o3")).await.unwrap(), None);
    assert_eq!(db.get(Order::key("c1", "o2")).await.unwrap(), Some(order("c1", "o2")));
    assert_eq!(db.get(Order::key("c1", "o1")).await.unwrap(), Some(order("c1", "o1")));
}

#[tokio::test]
async fn create_of_an_existing_item_cancels_the_transaction() {
    let db = setup().await;
    db.put(&order("c1", "o1")).await.unwrap();
    let mut changed = order("c1", "o1");
    changed.total_cents = 1;

    let err =
        db.transaction().put(db.put(&product("p1"))).create(db.create(&changed)).await.unwrap_err();
    let reasons = err.cancellation_reasons().unwrap();
    assert_eq!(reasons[1].code(), "ConditionalCheckFailed");
    assert_eq!(reasons[1].kind(), Some(ErrorKind::ConditionFailed));
    assert_eq!(reasons[1].operation(), "Put");
    assert_eq!(reasons[0].kind(), None);
    assert!(err.is_condition_failed());

    // `create` makes a plain put a create too, and `put` keeps `db.create`'s condition.
    let err = db.transaction().create(db.put(&changed)).await.unwrap_err();
    assert_eq!(err.failed_action().map(|r| r.index()), Some(0));
    let err = db.transaction().put(db.create(&changed)).await.unwrap_err();
    assert!(err.is_condition_failed(), "{err}");

    assert_eq!(db.get(Product::key("p1")).await.unwrap(), None);
    assert_eq!(db.get(Order::key("c1", "o1")).await.unwrap().unwrap().total_cents, 2500);

    // A create of a new item commits.
    db.transaction().create(db.create(&order("c1", "o9"))).await.unwrap();
    assert!(db.get(Order::key("c1", "o9")).await.unwrap().is_some());
}

#[tokio::test]
async fn update_of_a_missing_item_is_reported_as_not_found() {
    let db = setup().await;
    db.put(&order("c1", "o1")).await.unwrap();

    let err = db
        .transaction()
        .put(db.put(&product("p1")))
        .update(db.update(Order::key("c1", "missing"), Update::new().set(Order::FIELDS.note, "x")))
        .update(
            db.update(Order::key("c1", "o1"), Update::new().set(Order::FIELDS.note, "y"))
                .condition(Order::FIELDS.total_cents.gt(10_000)),
        )
        .await
        .unwrap_err();
    assert!(err.is_transaction_canceled(), "{err}");
    let reasons = err.cancellation_reasons().unwrap();
    assert_eq!(reasons[1].code(), "ConditionalCheckFailed");
    assert_eq!(reasons[1].kind(), Some(ErrorKind::NotFound));
    assert_eq!(reasons[1].key(), "pk=CUSTOMER#c1, sk=ORDER#missing");
    // The same existence check on an item that exists, with a false condition of its own.
    assert_eq!(reasons[2].kind(), Some(ErrorKind::ConditionFailed));
    assert!(err.is_not_found());
    assert!(err.is_condition_failed());
    assert_eq!(err.failed_action().map(|r| r.index()), Some(1));
    let text = err.to_string();
    assert!(
        text.contains(
            "action 1 (Update Order pk=CUSTOMER#c1, sk=ORDER#missing): item does not exist"
        ),
        "{text}"
    );
    assert!(!text.contains("\"x\""), "no values in messages: {text}");

    // Alone, the missing item is the only failure; with upsert it is created.
    let err = db
        .transaction()
        .update(db.update(Order::key("c1", "missing"), Update::new().set(Order::FIELDS.note, "x")))
        .await
        .unwrap_err();
    assert!(err.is_not_found() && !err.is_condition_failed(), "{err}");
    db.transaction()
        .update(
            db.update(Order::key("c1", "new"), Update::new().set(Order::FIELDS.note, "x")).upsert(),
        )
        .await
        .unwrap();
    let created = db.get(Order::key("c1", "new")).send_item().await.unwrap().unwrap();
    assert_eq!(created["note"], AttributeValue::S("x".into()));
}

#[tokio::test]
async fn limits_are_checked_before_sending() {
    let db = setup().await;
    let before = db.requests_sent();

    // 101 actions.
    let mut tx = db.transaction();
    for i in 0..=100 {
        tx = tx.put(db.put(&product(&format!("p{i}"))));
    }
    assert_eq!(tx.len(), 101);
    let err = tx.await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.action_index(), Some(100));
    assert_eq!(err.model(), Some("Product"));
    assert!(err.to_string().contains("101 actions, over DynamoDB's 100"), "{err}");
    assert!(err.to_string().contains("sku=p100"), "{err}");

    // 100 actions is fine as far as the limits go (checked by sending 100 distinct puts below).

    // Two actions on one item, through different operations.
    let err = db
        .transaction()
        .put(db.put(&order("c1", "o1")))
        .put(db.put(&customer("c1")))
        .delete(db.delete(Order::key("c1", "o1")))
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.action_index(), Some(2));
    assert_eq!(err.model(), Some("Order"));
    assert_eq!(
        err.to_string(),
        "transaction action 2: TransactWriteItems Order pk=CUSTOMER#c1, sk=ORDER#o1: actions 0 \
         and 2 are on the same item; DynamoDB allows one"
    );

    // The client request token: 1 to 36 characters.
    for token in [String::new(), "x".repeat(37)] {
        let err = db
            .transaction()
            .put(db.put(&product("p1")))
            .client_request_token(token)
            .await
            .unwrap_err();
        assert!(err.is_local_validation(), "{err}");
        assert!(err.to_string().contains("client request token"), "{err}");
    }

    // No actions.
    let err = db.transaction().await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");

    // Over 4 MB in total, though every item is under 400 KB.
    let mut tx = db.transaction();
    for i in 0..11 {
        let mut p = product(&format!("big{i}"));
        p.extra = Some(AttributeValue::S("x".repeat(390_000)));
        tx = tx.put(db.put(&p));
    }
    let err = tx.await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.action_index(), Some(10));
    assert!(err.to_string().contains("4 MB"), "{err}");

    // An invalid action fails as the single-item operation would, with its index.
    let err = db
        .transaction()
        .put(db.put(&product("p1")))
        .update(db.update(Product::key(""), Update::new().set(Product::FIELDS.stock, 1u32)))
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.action_index(), Some(1));
    assert_eq!(err.operation(), Some("UpdateItem"));
    let err = db
        .transaction()
        .update(db.update(
            Order::key("c1", "o1"),
            Update::new().set(Order::FIELDS.order_id, "o2".to_owned()),
        ))
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.action_index(), Some(0));

    assert_eq!(db.requests_sent(), before, "nothing was sent");

    // Exactly 100 actions commit.
    let mut tx = db.transaction();
    for i in 0..100 {
        tx = tx.put(db.put(&product(&format!("p{i}"))));
    }
    tx.await.unwrap();
    assert_eq!(db.requests_sent(), before + 1);
    assert!(db.get(Product::key("p99")).await.unwrap().is_some());
}

#[tokio::test]
async fn client_request_token_makes_a_transaction_idempotent() {
    let db = setup().await;
    db.put(&product("p1")).await.unwrap();
    let add_one = || {
        db.transaction()
            .update(
                db.update(Product::key("p1"), Update::new().increment(Product::FIELDS.stock, 1u32)),
            )
            .client_request_token("order-42-payment")
    };
    add_one().await.unwrap();
    add_one().await.unwrap();
    assert_eq!(db.get(Product::key("p1")).await.unwrap().unwrap().stock, 4, "applied once");

    // The same token for other actions.
    let err = db
        .transaction()
        .update(db.update(Product::key("p1"), Update::new().increment(Product::FIELDS.stock, 2u32)))
        .client_request_token("order-42-payment")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IdempotentParameterMismatch, "{err}");
    assert_eq!(err.code(), Some("IdempotentParameterMismatchException"));
    assert!(!err.is_retryable());
    assert_eq!(db.get(Product::key("p1")).await.unwrap().unwrap().stock, 4);
}

#[tokio::test]
async fn get_transaction_across_two_models_with_a_missing_key() {
    let db = setup().await;
    db.put(&order("c1", "o1")).await.unwrap();
    db.put(&customer("c1")).await.unwrap();

    let before = db.requests_sent();
    let mut out = db
        .transaction_get()
        .get(Order::key("c1", "o1"))
        .get(Customer::key("c1"))
        .get(Order::key("c1", "missing"))
        .await
        .unwrap();
    assert_eq!(db.requests_sent(), before + 1);
    assert_eq!(out.len(), 3);
    assert_eq!(out.get::<Order>(0).unwrap(), Some(order("c1", "o1")));
    assert_eq!(out.get::<Customer>(1).unwrap(), Some(customer("c1")));
    assert_eq!(out.get::<Order>(2).unwrap(), None);
    assert_eq!(out.model(1), Some("Customer"));
    assert!(out.item(2).is_none());

    let err = out.get::<Customer>(0).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    assert_eq!(err.action_index(), Some(0));
    assert!(err.to_string().contains("get 0 is of Order, not Customer"), "{err}");
    let err = out.get::<Order>(3).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    assert!(err.to_string().contains("no get at index 3"), "{err}");

    assert_eq!(out.take::<Customer>(1).unwrap(), Some(customer("c1")));
    assert_eq!(out.take::<Customer>(1).unwrap(), None);
}

#[tokio::test]
async fn get_transaction_limits_are_checked_before_sending() {
    let db = setup().await;
    let before = db.requests_sent();

    let mut tx = db.transaction_get();
    for i in 0..=100 {
        tx = tx.get(Product::key(format!("p{i}")));
    }
    let err = tx.await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.action_index(), Some(100));

    let err = db
        .transaction_get()
        .get(Order::key("c1", "o1"))
        .get(Customer::key("c1"))
        .get(Order::key("c1", "o1"))
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.action_index(), Some(2));
    assert!(err.to_string().contains("gets 0 and 2 are of the same item"), "{err}");

    let err = db.transaction_get().get(Product::key("")).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.action_index(), Some(0));

    let err = db.transaction_get().await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(db.requests_sent(), before, "nothing was sent");
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ferrodyn::Model)]
#[ferrodyn(table = "accounts", pk = "ACCOUNT#{id}")]
struct Account {
    id: String,
    balance: i64,
    #[ferrodyn(version)]
    version: u64,
}

#[tokio::test]
async fn versions_are_set_and_checked_inside_transactions() {
    let db = ferrodyn::testing::TestDb::new().await.unwrap();
    db.create_table::<Account>().await.unwrap();
    let metered = db.with_capacity_meter();
    let a = Account { id: "a".into(), balance: 100, version: 0 };
    let b = Account { id: "b".into(), balance: 0, version: 0 };
    metered.transaction().create(db.create(&a)).create(db.create(&b)).await.unwrap();
    assert!(metered.consumed_capacity().unwrap().write_units >= 2.0);
    let a1 = db.get(Account::key("a")).await.unwrap().unwrap();
    assert_eq!(a1.version, 1, "create sets version 1 inside a transaction too");

    // Move 30 from a to b, checking both versions.
    let balance = Account::FIELDS.balance;
    db.transaction()
        .update(
            db.update(Account::key("a"), ferrodyn::Update::new().add(&balance, -30))
                .expect_version(1),
        )
        .update(
            db.update(Account::key("b"), ferrodyn::Update::new().add(&balance, 30))
                .expect_version(1),
        )
        .await
        .unwrap();
    // A second transfer from the same stale read of b is refused as a version conflict, and
    // neither account moves.
    let err = db
        .transaction()
        .update(
            db.update(Account::key("a"), ferrodyn::Update::new().add(&balance, -10))
                .expect_version(2),
        )
        .update(
            db.update(Account::key("b"), ferrodyn::Update::new().add(&balance, 10))
                .expect_version(1),
        )
        .await
        .unwrap_err();
    assert!(err.is_version_conflict(), "{err}");
    assert!(err.is_condition_failed());
    let failed = err.failed_action().unwrap();
    assert_eq!((failed.index(), failed.model()), (1, "Account"));
    assert_eq!(failed.kind(), Some(ferrodyn::ErrorKind::VersionConflict));
    let a = db.get(Account::key("a")).await.unwrap().unwrap();
    let b = db.get(Account::key("b")).await.unwrap().unwrap();
    assert_eq!((a.balance, a.version, b.balance, b.version), (70, 2, 30, 2));
}

#[tokio::test]
async fn each_action_kind_alone_is_a_transaction_dynamodb_accepts() {
    let db = setup().await;
    db.put(&customer("c1")).await.unwrap();

    db.transaction().put(db.put(&order("c1", "o1"))).await.unwrap();
    assert_eq!(db.get(Order::key("c1", "o1")).await.unwrap(), Some(order("c1", "o1")));
    db.transaction()
        .update(db.update(Order::key("c1", "o1"), Update::new().set(Order::FIELDS.total_cents, 7)))
        .await
        .unwrap();
    assert_eq!(db.get(Order::key("c1", "o1")).await.unwrap().unwrap().total_cents, 7);
    db.transaction()
        .condition_check(Customer::key("c1"), Customer::FIELDS.name.eq("Ada"))
        .await
        .unwrap();
    db.transaction().delete(db.delete(Order::key("c1", "o1"))).await.unwrap();
    assert_eq!(db.get(Order::key("c1", "o1")).await.unwrap(), None);

    // A condition check that fails cancels the transaction as a condition check, and writes
    // nothing: it holds a key and a condition only.
    let err = db
        .transaction()
        .put(db.put(&order("c1", "o2")))
        .check(ferrodyn::operation::ConditionCheck::new(
            Customer::key("c1"),
            Customer::FIELDS.name.eq("Grace"),
        ))
        .await
        .unwrap_err();
    let failed = err.failed_action().expect("a failed action");
    assert_eq!((failed.index(), failed.operation()), (1, "ConditionCheck"));
    assert_eq!(failed.kind(), Some(ErrorKind::ConditionFailed));
    assert_eq!(db.get(Order::key("c1", "o2")).await.unwrap(), None);
    assert_eq!(db.get(Customer::key("c1")).await.unwrap(), Some(customer("c1")));

    // A condition check's own validation names it, before sending.
    let before = db.requests_sent();
    let err = db
        .transaction()
        .condition_check(Customer::key("c1"), ferrodyn::attr("n".repeat(300)).eq("Ada"))
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!((err.operation(), err.action_index()), (Some("ConditionCheck"), Some(0)));
    assert_eq!(db.requests_sent(), before);
}
