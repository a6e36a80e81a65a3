//! Validators (`#[ferrodyn(validate = path)]` on models and fields) on DynamoDB Local: every
//! write that carries a whole model value (put, create, batch put, transaction put and create,
//! the guard transactions of unique fields, partial saves) runs them and, when one refuses, fails
//! with a validation error naming the operation, model and field before any request is sent;
//! valid values still write, and an update by expression is not validated.

use std::fmt;

use ferrodyn::{Error, ErrorKind, Invalid, Model, Update};
use ferrodyn_testing::TestDb;
use serde::{Deserialize, Serialize};

/// Field validators (two on `email`, stored as `mail`; one on `age`) and two model-level ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "signups",
    entity = "Signup",
    pk = "SIGNUP#{id}",
    sk = "PROFILE",
    validate = checks::ends_after_start,
    validate = "checks::not_reserved"
)]
struct Signup {
    id: String,
    #[serde(rename = "mail")]
    #[ferrodyn(validate = checks::not_blank, validate = checks::has_at)]
    email: String,
    #[ferrodyn(validate = checks::adult)]
    age: u32,
    start: u64,
    end: u64,
}

/// A model with a unique field, whose writes go through guard transactions, and a model-level
/// validator that is an associated function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "signups",
    entity = "Account",
    pk = "ACCOUNT#{id}",
    sk = "PROFILE",
    unique = "email",
    validate = Self::not_example
)]
struct Account {
    id: String,
    #[ferrodyn(validate = checks::has_at)]
    email: String,
}

impl Account {
    fn not_example(&self) -> Result<(), Invalid> {
        if self.email.ends_with("@example.org") {
            return Err(Invalid::new("example addresses are refused").at("email"));
        }
        Ok(())
    }
}

mod checks {
    use super::*;

    /// Takes `&str` for a `String` field: the call coerces.
    pub(super) fn not_blank(value: &str) -> Result<(), &'static str> {
        if value.trim().is_empty() {
            return Err("must not be blank");
        }
        Ok(())
    }

    /// Takes the field's own type, as validators are documented (`not_blank` shows `&str`).
    #[allow(clippy::ptr_arg)]
    pub(super) fn has_at(value: &String) -> Result<(), String> {
        if !value.contains('@') {
            return Err(format!("must contain {}", '@'));
        }
        Ok(())
    }

    /// An error type of the user's own.
    #[derive(Debug)]
    pub(super) struct TooYoung {
        pub(super) minimum: u32,
    }

    impl fmt::Display for TooYoung {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "must be at least {}", self.minimum)
        }
    }

    pub(super) fn adult(age: &u32) -> Result<(), TooYoung> {
        if *age < 18 {
            return Err(TooYoung { minimum: 18 });
        }
        Ok(())
    }

    /// Names the field it is about.
    pub(super) fn ends_after_start(signup: &Signup) -> Result<(), Invalid> {
        if signup.end < signup.start {
            return Err(Invalid::new("ends before it starts").at(Signup::FIELDS.end));
        }
        Ok(())
    }

    /// About the whole value.
    pub(super) fn not_reserved(signup: &Signup) -> Result<(), &'static str> {
        if signup.id == "admin" {
            return Err("this id is reserved");
        }
        Ok(())
    }
}

fn signup(id: &str) -> Signup {
    Signup { id: id.into(), email: "ada@example.com".into(), age: 36, start: 1, end: 2 }
}

/// A signup whose email the second validator of the field refuses.
fn without_at(id: &str) -> Signup {
    Signup { email: "secret-value".into(), ..signup(id) }
}

async fn setup() -> TestDb {
    let db = TestDb::new().await.unwrap();
    db.create_table_for(&[Signup::META, Account::META]).await.unwrap();
    db
}

/// Every item in the table, guard items included.
async fn item_count(db: &TestDb) -> i32 {
    let out = db
        .client()
        .scan()
        .table_name(db.table_name("signups"))
        .select(aws_sdk_dynamodb::types::Select::Count)
        .send()
        .await
        .unwrap();
    out.count()
}

/// Asserts `err` is the validation error of `operation` on model `model` at `attribute`, from
/// `validator` with `message`, and that the refused value is nowhere in it.
fn assert_refused(
    err: &Error,
    operation: &str,
    model: &str,
    attribute: &str,
    validator: &str,
    message: &str,
) {
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    assert!(err.is_local_validation());
    assert_eq!(err.operation(), Some(operation), "{err}");
    assert_eq!(err.model(), Some(model), "{err}");
    assert_eq!(err.attribute_path(), attribute, "{err}");
    let text = err.to_string();
    let expected = format!("validator `{validator}` failed: {message}");
    assert!(text.contains(&expected), "{text:?} lacks {expected:?}");
    assert!(text.contains(model) && text.contains(operation), "{text}");
    assert!(!text.contains("secret-value"), "the value leaked: {text}");
}

/// Sends `write` and checks that it failed before any request, returning the error.
async fn refused_locally<F, T>(db: &TestDb, write: F) -> Error
where
    F: std::future::IntoFuture<Output = ferrodyn::Result<T>>,
    T: fmt::Debug,
{
    let before = db.requests_sent();
    let err = write.await.unwrap_err();
    assert_eq!(db.requests_sent(), before, "no request may be sent: {err}");
    err
}

#[tokio::test]
async fn put_and_create_of_a_refused_value_send_nothing() {
    let db = setup().await;
    let err = refused_locally(&db, db.put(&without_at("s1"))).await;
    assert_refused(&err, "PutItem", "Signup", "mail", "checks::has_at", "must contain @");
    assert_eq!(
        err.to_string(),
        "PutItem Signup: attribute `mail`: validator `checks::has_at` failed: must contain @"
    );
    let err = refused_locally(&db, db.create(&without_at("s1"))).await;
    assert_refused(&err, "PutItem", "Signup", "mail", "checks::has_at", "must contain @");

    // The returning forms and a condition go through the same check.
    let before = db.requests_sent();
    let err = db.put(&without_at("s1")).send_returning_old().await.unwrap_err();
    assert_refused(&err, "PutItem", "Signup", "mail", "checks::has_at", "must contain @");
    let err = db.create(&without_at("s1")).send_returning_new().await.unwrap_err();
    assert_refused(&err, "PutItem", "Signup", "mail", "checks::has_at", "must contain @");
    let conditional = db.put(&without_at("s1")).condition(Signup::FIELDS.age.gt(1u32));
    assert_refused(
        &conditional.await.unwrap_err(),
        "PutItem",
        "Signup",
        "mail",
        "checks::has_at",
        "must contain @",
    );
    assert_eq!(db.requests_sent(), before);

    assert_eq!(db.get(Signup::key("s1")).await.unwrap(), None);
    assert_eq!(item_count(&db).await, 0);
}

#[tokio::test]
async fn valid_values_still_write_through_every_path() {
    let db = setup().await;
    db.put(&signup("s1")).await.unwrap();
    db.create(&signup("s2")).await.unwrap();
    db.batch_write().put(&signup("s3")).put(&signup("s4")).await.unwrap();
    db.transaction().put(db.put(&signup("s5"))).create(db.create(&signup("s6"))).await.unwrap();
    let account = Account { id: "a1".into(), email: "ada@example.com".into() };
    db.create(&account).await.unwrap();
    for id in ["s1", "s2", "s3", "s4", "s5", "s6"] {
        assert_eq!(db.get(Signup::key(id)).await.unwrap(), Some(signup(id)), "{id}");
    }
    assert_eq!(db.get(Account::key("a1")).await.unwrap(), Some(account));
    assert!(signup("s1").validate().is_ok());
}

#[tokio::test]
async fn a_batch_with_one_refused_put_sends_none_of_its_writes() {
    let db = setup().await;
    db.put(&signup("old")).await.unwrap();
    let batch = db
        .batch_write()
        .put(&signup("s1"))
        .put(&without_at("s2"))
        .put(&signup("s3"))
        .delete(Signup::key("old"));
    let err = refused_locally(&db, batch).await;
    assert_refused(&err, "BatchWriteItem", "Signup", "mail", "checks::has_at", "must contain @");
    for id in ["s1", "s2", "s3"] {
        assert_eq!(db.get(Signup::key(id)).await.unwrap(), None, "{id}");
    }
    assert!(db.get(Signup::key("old")).await.unwrap().is_some(), "the delete was not sent");

    let err =
        refused_locally(&db, db.batch_write().put_all(&[signup("s4"), without_at("s5")])).await;
    assert_refused(&err, "BatchWriteItem", "Signup", "mail", "checks::has_at", "must contain @");
    assert_eq!(item_count(&db).await, 1);
}

#[tokio::test]
async fn a_transaction_put_or_create_of_a_refused_value_sends_nothing() {
    let db = setup().await;
    let transaction =
        db.transaction().create(db.create(&signup("s1"))).put(db.put(&without_at("s2"))).update(
            db.update(Signup::key("s3"), Update::new().set(Signup::FIELDS.age, 40u32)).upsert(),
        );
    let err = refused_locally(&db, transaction).await;
    assert_refused(&err, "PutItem", "Signup", "mail", "checks::has_at", "must contain @");
    assert_eq!(err.action_index(), Some(1));
    assert!(err.to_string().starts_with("transaction action 1: PutItem Signup"), "{err}");

    let transaction =
        db.transaction().put(db.put(&signup("s1"))).create(db.create(&without_at("s2")));
    let err = refused_locally(&db, transaction).await;
    assert_refused(&err, "PutItem", "Signup", "mail", "checks::has_at", "must contain @");
    assert_eq!(err.action_index(), Some(1));
    // `Transaction::create` makes a create of a `db.put` too; the value is the same.
    let transaction = db.transaction().create(db.put(&without_at("s2")));
    let err = refused_locally(&db, transaction).await;
    assert_eq!(err.action_index(), Some(0));
    assert_eq!(item_count(&db).await, 0);
}

#[tokio::test]
async fn writes_of_a_model_with_unique_fields_are_refused_before_their_guards() {
    let db = setup().await;
    let bad = Account { id: "a1".into(), email: "secret-value".into() };
    let err = refused_locally(&db, db.create(&bad)).await;
    assert_refused(&err, "PutItem", "Account", "email", "checks::has_at", "must contain @");
    let err = refused_locally(&db, db.put(&bad)).await;
    assert_refused(&err, "PutItem", "Account", "email", "checks::has_at", "must contain @");
    let example = Account { id: "a1".into(), email: "ada@example.org".into() };
    let err = refused_locally(&db, db.create(&example)).await;
    let message = "example addresses are refused";
    assert_refused(&err, "PutItem", "Account", "email", "Self::not_example", message);
    // Neither the item nor a guard item was written.
    assert_eq!(item_count(&db).await, 0);

    // With the item stored, a refused put leaves it and its guard as they were.
    let good = Account { id: "a1".into(), email: "ada@example.com".into() };
    db.create(&good).await.unwrap();
    let err = refused_locally(&db, db.put(&bad)).await;
    assert_eq!(err.attribute_path(), "email");
    assert_eq!(db.get(Account::key("a1")).await.unwrap(), Some(good));
    assert_eq!(item_count(&db).await, 2, "the item and its guard");
}

#[tokio::test]
async fn several_validators_on_a_field_run_in_order_and_the_first_refusal_wins() {
    let db = setup().await;
    // Blank: the first validator refuses (the second would too).
    let blank = Signup { email: " ".into(), ..signup("s1") };
    let err = refused_locally(&db, db.put(&blank)).await;
    assert_refused(&err, "PutItem", "Signup", "mail", "checks::not_blank", "must not be blank");
    // Not blank but without `@`: the second one.
    let err = refused_locally(&db, db.put(&without_at("s1"))).await;
    assert_refused(&err, "PutItem", "Signup", "mail", "checks::has_at", "must contain @");
    // A validator of another field, with an error type of the user's own.
    let young = Signup { age: 12, ..signup("s1") };
    let err = refused_locally(&db, db.put(&young)).await;
    assert_refused(&err, "PutItem", "Signup", "age", "checks::adult", "must be at least 18");
    // Fields come before the model: a value that both refuse reports the field.
    let both = Signup { start: 9, end: 1, ..without_at("s1") };
    let err = refused_locally(&db, db.put(&both)).await;
    assert_eq!(err.attribute_path(), "mail");
    assert_eq!(item_count(&db).await, 0);
}

#[tokio::test]
async fn model_level_validators_name_the_field_they_choose_or_none() {
    let db = setup().await;
    let backwards = Signup { start: 9, end: 1, ..signup("s1") };
    let err = refused_locally(&db, db.put(&backwards)).await;
    assert_refused(
        &err,
        "PutItem",
        "Signup",
        "end",
        "checks::ends_after_start",
        "ends before it starts",
    );
    // The second model-level validator (given as a string path), about no field.
    let err = refused_locally(&db, db.create(&signup("admin"))).await;
    assert_refused(&err, "PutItem", "Signup", "", "checks::not_reserved", "this id is reserved");
    assert_eq!(
        err.to_string(),
        "PutItem Signup: validator `checks::not_reserved` failed: this id is reserved"
    );
    let err = refused_locally(&db, db.batch_write().put(&backwards)).await;
    assert_refused(
        &err,
        "BatchWriteItem",
        "Signup",
        "end",
        "checks::ends_after_start",
        "ends before it starts",
    );
    assert_eq!(item_count(&db).await, 0);
}

#[test]
fn validate_runs_alone_without_an_operation() {
    let err = without_at("s1").validate().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!((err.operation(), err.model()), (None, None));
    assert_eq!(
        err.to_string(),
        "attribute `mail`: validator `checks::has_at` failed: must contain @"
    );
    assert!(Signup { start: 3, end: 3, ..signup("s1") }.validate().is_ok());
}

#[tokio::test]
async fn an_update_by_expression_is_not_validated() {
    let db = setup().await;
    db.put(&signup("s1")).await.unwrap();
    // An update carries no model value: the field's validator does not see the new email.
    let update = Update::new().set(Signup::FIELDS.email, "no-at-sign".to_owned());
    let updated = db.update(Signup::key("s1"), update).send_returning_new().await.unwrap();
    assert_eq!(updated.email, "no-at-sign");
    // Reads do not validate either; the stored value comes back as it is.
    let read = db.get(Signup::key("s1")).await.unwrap().unwrap();
    assert!(read.validate().is_err());
}

#[tokio::test]
async fn a_partial_save_validates_the_value_after_the_change() {
    let db = setup().await;
    let before = signup("s1");
    db.put(&before).await.unwrap();
    let after = Signup { email: "secret-value".into(), ..before.clone() };

    let err = refused_locally(&db, db.save(&before, &after)).await;
    assert_refused(&err, "UpdateItem", "Signup", "mail", "checks::has_at", "must contain @");
    let transaction = db.transaction().save(db.save(&before, &after));
    let err = refused_locally(&db, transaction).await;
    assert_refused(&err, "UpdateItem", "Signup", "mail", "checks::has_at", "must contain @");
    assert_eq!(err.action_index(), Some(0));
    let backwards = Signup { start: 9, end: 1, ..before.clone() };
    let err = refused_locally(&db, db.save(&before, &backwards)).await;
    assert_eq!(err.attribute_path(), "end");
    assert_eq!(db.get(Signup::key("s1")).await.unwrap(), Some(before.clone()));

    // A valid change is saved.
    let after = Signup { email: "grace@example.com".into(), ..before.clone() };
    db.save(&before, &after).await.unwrap();
    assert_eq!(db.get(Signup::key("s1")).await.unwrap(), Some(after));
}
