//! The write core: a [`Prepared`] write (its [`WriteOp`], table, item or key, rendered update and
//! condition with their placeholders, and the error context of operation, model and key) that
//! put, create, update, delete, condition checks and unique guards all build, and the one place
//! that turns it into a single-item request (PutItem, UpdateItem, DeleteItem) or into a
//! TransactWriteItems action.
//!
//! Building both forms from the same value is what keeps validation, conditions and the reading
//! of failed conditions (a missing item, a stale version) the same inside and outside a
//! transaction.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    self, AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};

use crate::capacity::Usage;
use crate::error::{Error, ErrorKind, Result};
use crate::expression::{Condition, Placeholders};
use crate::key::describe_key;
use crate::limits::MAX_IN_VALUES;
use crate::managed::ExpectedVersion;
use crate::model::ModelMeta;
use crate::value::Item;
use crate::{tenant, validate, Db};

/// What a prepared write does: the kind of its single-item request and of its transaction action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteOp {
    /// PutItem, or a transaction's Put: writes the whole item.
    Put,
    /// UpdateItem, or a transaction's Update: applies an update expression to the item at a key.
    Update,
    /// DeleteItem, or a transaction's Delete.
    Delete,
    /// A transaction's ConditionCheck: a condition on the item at a key; it writes nothing and has
    /// no single-item request.
    ConditionCheck,
}

impl WriteOp {
    /// The single-item operation's name, for errors.
    pub(crate) fn operation(self) -> &'static str {
        match self {
            WriteOp::Put => "PutItem",
            WriteOp::Update => "UpdateItem",
            WriteOp::Delete => "DeleteItem",
            WriteOp::ConditionCheck => "ConditionCheck",
        }
    }

    /// The transaction action's name, as DynamoDB's TransactWriteItem member calls it.
    pub(crate) fn action(self) -> &'static str {
        match self {
            WriteOp::Put => "Put",
            WriteOp::Update => "Update",
            WriteOp::Delete => "Delete",
            WriteOp::ConditionCheck => "ConditionCheck",
        }
    }
}

/// A validated single-item write with its expressions rendered: what `send` turns into an SDK
/// request, and what a transaction turns into one of its actions.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) op: WriteOp,
    pub(crate) model: &'static str,
    /// The physical table name.
    pub(crate) table: String,
    /// The whole item for a put, the key otherwise.
    pub(crate) item: Item,
    /// The key, for error messages.
    pub(crate) key_text: String,
    pub(crate) update: Option<String>,
    pub(crate) condition: Option<String>,
    pub(crate) names: Option<HashMap<String, String>>,
    pub(crate) values: Option<HashMap<String, AttributeValue>>,
    /// An update that must not create the item (a failed existence check is "not found").
    pub(crate) must_exist: bool,
    /// The version the stored item must have (optimistic locking).
    pub(crate) expected_version: Option<ExpectedVersion>,
    /// The tenant whose partition keys the item or key was rendered into (see `tenant`).
    pub(crate) tenant: Option<Arc<str>>,
}

/// The request parts of a [`Prepared`] write, moved out to build an SDK request.
struct Request {
    table: String,
    item: Item,
    update: Option<String>,
    condition: Option<String>,
    names: Option<HashMap<String, String>>,
    values: Option<HashMap<String, AttributeValue>>,
    on_failure: Option<ReturnValuesOnConditionCheckFailure>,
}

/// Sets what every write request and transaction action shares on an SDK builder (they all name
/// these setters alike): the table, the condition, the placeholders, and whether the stored item
/// comes back with a failed condition.
macro_rules! shared_parts {
    ($builder:expr, $request:expr) => {
        $builder
            .table_name($request.table)
            .set_condition_expression($request.condition)
            .set_expression_attribute_names($request.names)
            .set_expression_attribute_values($request.values)
            .set_return_values_on_condition_check_failure($request.on_failure)
    };
}

/// Maps an SDK error of a single-item write, singling out failed conditions.
macro_rules! write_error {
    ($prepared:expr, $err:expr, $error_type:ident) => {{
        use aws_sdk_dynamodb::error::SdkError;
        match $err {
            SdkError::ServiceError(service)
                if matches!(service.err(), $error_type::ConditionalCheckFailedException(_)) =>
            {
                let stored = match service.err() {
                    $error_type::ConditionalCheckFailedException(e) => e.item.clone(),
                    _ => None,
                };
                let raw = Error::from_sdk(SdkError::ServiceError(service));
                $prepared.condition_failed(stored.as_ref(), raw)
            }
            other => $prepared.error(Error::from_sdk(other)),
        }
    }};
}

impl Prepared {
    /// A write of `op` on `item` (the whole item for a put, the key otherwise) in `meta`'s table,
    /// with no expression yet.
    pub(crate) fn new(db: &Db, op: WriteOp, meta: &'static ModelMeta, item: Item) -> Prepared {
        Prepared {
            op,
            model: meta.type_name,
            table: db.table_name(meta.table),
            key_text: describe_key(meta, &item),
            item,
            update: None,
            condition: None,
            names: None,
            values: None,
            must_exist: false,
            expected_version: None,
            tenant: None,
        }
    }

    /// Confines the item or key to the tenant `db` acts for, if any (its partition keys get the
    /// tenant's prefix; another tenant's are refused), and records that tenant.
    pub(crate) fn confine(
        &mut self,
        db: &Db,
        meta: &'static ModelMeta,
    ) -> Result<Option<tenant::Active>> {
        let active = tenant::apply(db, meta, &mut self.item).map_err(|e| self.error(e))?;
        self.tenant = active.as_ref().map(|t| t.id().clone());
        Ok(active)
    }

    /// Adds the update expression (rendered into `placeholders` already) and the AND of
    /// `conditions`, rendered with prefix `c`, then moves the placeholders in.
    pub(crate) fn finish(
        mut self,
        update: Option<String>,
        conditions: impl IntoIterator<Item = Option<Condition>>,
        mut placeholders: Placeholders,
    ) -> Result<Prepared> {
        let condition = conditions.into_iter().flatten().reduce(Condition::and);
        self.condition = condition
            .map(|c| render_condition(&c, &mut placeholders))
            .transpose()
            .map_err(|e| self.error(e))?;
        self.update = update;
        self.names = placeholders.take_names();
        self.values = placeholders.take_values();
        Ok(self)
    }

    /// ANDs `extra` into the rendered condition, with placeholders of its own prefix (which no
    /// other expression of the write may use).
    pub(crate) fn and_condition(&mut self, extra: &Condition, prefix: char) -> Result<()> {
        check_condition_values(extra, "condition")?;
        let mut placeholders = Placeholders::default();
        let rendered = extra.render(prefix, &mut placeholders);
        let condition = match self.condition.take() {
            // Rendered conditions are atomic or parenthesised already, and DynamoDB refuses
            // redundant parentheses.
            Some(existing) => format!("{existing} AND {rendered}"),
            None => rendered,
        };
        let names = self.names.get_or_insert_with(Default::default);
        names.extend(placeholders.take_names().unwrap_or_default());
        validate::check_expression("condition", &condition, names)?;
        if let Some(values) = placeholders.take_values() {
            self.values.get_or_insert_with(Default::default).extend(values);
        }
        self.condition = Some(condition);
        Ok(())
    }

    /// Adds the operation, model and key to an error.
    pub(crate) fn error(&self, e: Error) -> Error {
        e.context(self.op.operation(), self.model, Some(self.key_text.clone()))
    }

    /// Whether DynamoDB should return the stored item when the condition fails, to tell a
    /// missing item or a stale version from another failed condition.
    pub(crate) fn wants_item_on_failure(&self) -> bool {
        self.must_exist || self.expected_version.is_some()
    }

    /// The error for a failed condition, given the item DynamoDB returned with it.
    pub(crate) fn condition_failed(&self, stored: Option<&Item>, error: Error) -> Error {
        let error = if self.must_exist && super::no_item(stored) {
            Error::new(ErrorKind::NotFound, "item does not exist")
        } else if self.expected_version.is_some_and(|v| v.is_stale(stored)) {
            Error::new(
                ErrorKind::VersionConflict,
                "version conflict: the item was changed or deleted since it was read",
            )
        } else {
            error
        };
        self.error(error)
    }

    fn take_request(&mut self) -> Request {
        Request {
            on_failure: self
                .wants_item_on_failure()
                .then_some(ReturnValuesOnConditionCheckFailure::AllOld),
            table: std::mem::take(&mut self.table),
            item: std::mem::take(&mut self.item),
            update: self.update.take(),
            condition: self.condition.take(),
            names: self.names.take(),
            values: self.values.take(),
        }
    }

    /// Sends the write as its single-item request; `return_values` asks for the item as it was
    /// (put, delete) or as it is after an update. Returns that item, if any.
    pub(crate) async fn send(mut self, db: &Db, return_values: bool) -> Result<Option<Item>> {
        let r = self.take_request();
        let client = db.client();
        let returned = |new| return_values.then_some(new);
        // The kinds' own parts are set by each arm; sending and reading the answer are the same.
        macro_rules! send {
            ($builder:expr, $error_type:ident) => {{
                let output = $builder
                    .set_return_consumed_capacity(db.return_consumed_capacity())
                    .send()
                    .await
                    .map_err(|e| write_error!(self, e, $error_type))?;
                (output.consumed_capacity, output.attributes)
            }};
        }
        let (consumed, attributes) = match self.op {
            WriteOp::Put => send!(
                shared_parts!(client.put_item(), r)
                    .set_item(Some(r.item))
                    .set_return_values(returned(ReturnValue::AllOld)),
                PutItemError
            ),
            WriteOp::Update => send!(
                shared_parts!(client.update_item(), r)
                    .set_key(Some(r.item))
                    .set_update_expression(r.update)
                    .set_return_values(returned(ReturnValue::AllNew)),
                UpdateItemError
            ),
            WriteOp::Delete => send!(
                shared_parts!(client.delete_item(), r)
                    .set_key(Some(r.item))
                    .set_return_values(returned(ReturnValue::AllOld)),
                DeleteItemError
            ),
            WriteOp::ConditionCheck => {
                let message = "a condition check is a transaction action, not a request";
                return Err(self.error(Error::validation(message)));
            }
        };
        db.record_capacity(Usage::Write, consumed.as_ref());
        Ok(attributes.filter(|a| !a.is_empty()))
    }

    /// The write as a TransactWriteItems action of its kind.
    pub(crate) fn into_transact_item(mut self) -> Result<TransactWriteItem> {
        let built = |e: aws_smithy_types::error::operation::BuildError| {
            Error::validation("transaction action could not be built").with_source(e)
        };
        let r = self.take_request();
        let action = TransactWriteItem::builder();
        macro_rules! build {
            ($builder:expr) => {
                $builder.build().map_err(built)?
            };
        }
        let action = match self.op {
            WriteOp::Put => {
                action.put(build!(shared_parts!(types::Put::builder(), r).set_item(Some(r.item))))
            }
            WriteOp::Update => action.update(build!(shared_parts!(types::Update::builder(), r)
                .set_key(Some(r.item))
                .set_update_expression(r.update))),
            WriteOp::Delete => action
                .delete(build!(shared_parts!(types::Delete::builder(), r).set_key(Some(r.item)))),
            WriteOp::ConditionCheck => {
                action.condition_check(build!(
                    shared_parts!(types::ConditionCheck::builder(), r).set_key(Some(r.item))
                ))
            }
        };
        Ok(action.build())
    }
}

/// Checks a condition's values and renders it with prefix `c`.
fn render_condition(condition: &Condition, placeholders: &mut Placeholders) -> Result<String> {
    check_condition_values(condition, "condition")?;
    let expression = condition.render('c', placeholders);
    validate::check_expression("condition", &expression, &placeholders.names)?;
    Ok(expression)
}

/// Checks the values of a condition or filter (`what`), and its `IN` lists against their limit.
pub(crate) fn check_condition_values(condition: &Condition, what: &str) -> Result<()> {
    for value in condition.values() {
        validate::check_value(value, 1)?;
    }
    if condition.largest_in() > MAX_IN_VALUES {
        return Err(Error::validation(format!(
            "an IN {what} has more than DynamoDB's {MAX_IN_VALUES} values"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_operation_and_action_name() {
        let kinds = [WriteOp::Put, WriteOp::Update, WriteOp::Delete, WriteOp::ConditionCheck];
        let names: Vec<_> = kinds.iter().map(|k| (k.operation(), k.action())).collect();
        assert_eq!(
            names,
            [
                ("PutItem", "Put"),
                ("UpdateItem", "Update"),
                ("DeleteItem", "Delete"),
                ("ConditionCheck", "ConditionCheck"),
            ]
        );
    }

    fn prepared(op: WriteOp, must_exist: bool) -> Prepared {
        let key = Item::from([("pk".to_owned(), AttributeValue::S("1".into()))]);
        Prepared {
            op,
            model: "Order",
            table: "shop".into(),
            item: key,
            key_text: "pk=1".into(),
            update: (op == WriteOp::Update).then(|| "SET #u0 = :u0".to_owned()),
            condition: Some("attribute_exists(#c0)".into()),
            names: Some(HashMap::from([("#c0".into(), "pk".into())])),
            values: Some(HashMap::from([(":u0".into(), AttributeValue::N("1".into()))])),
            must_exist,
            expected_version: None,
            tenant: None,
        }
    }

    #[test]
    fn each_kind_maps_to_its_own_transaction_action() {
        let all_old = Some(&ReturnValuesOnConditionCheckFailure::AllOld);
        let put = prepared(WriteOp::Put, false).into_transact_item().unwrap();
        let p = put.put().expect("a Put");
        assert!(
            put.update().is_none() && put.delete().is_none() && put.condition_check().is_none()
        );
        assert_eq!((p.table_name(), p.item()["pk"].as_s().unwrap().as_str()), ("shop", "1"));
        assert_eq!(p.condition_expression(), Some("attribute_exists(#c0)"));
        assert_eq!(p.return_values_on_condition_check_failure(), None);

        let update = prepared(WriteOp::Update, true).into_transact_item().unwrap();
        let u = update.update().expect("an Update");
        assert!(update.put().is_none() && update.delete().is_none());
        assert_eq!(
            (u.update_expression(), u.key()["pk"].as_s().ok()),
            ("SET #u0 = :u0", Some(&"1".to_owned()))
        );
        assert_eq!(u.expression_attribute_values().map(HashMap::len), Some(1));
        // A missing item is told from a false condition by the item DynamoDB returns.
        assert_eq!(u.return_values_on_condition_check_failure(), all_old);

        let delete = prepared(WriteOp::Delete, false).into_transact_item().unwrap();
        let d = delete.delete().expect("a Delete");
        assert!(delete.put().is_none() && delete.update().is_none());
        assert_eq!(d.expression_attribute_names().map(|n| n["#c0"].as_str()), Some("pk"));

        let check = prepared(WriteOp::ConditionCheck, false).into_transact_item().unwrap();
        let c = check.condition_check().expect("a ConditionCheck");
        assert!(check.put().is_none() && check.update().is_none() && check.delete().is_none());
        assert_eq!(c.condition_expression(), "attribute_exists(#c0)");
        assert_eq!(c.key()["pk"], AttributeValue::S("1".into()));
    }

    #[test]
    fn a_condition_check_has_no_single_item_request() {
        let p = prepared(WriteOp::ConditionCheck, false);
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .build();
        let db = Db::from_client(aws_sdk_dynamodb::Client::from_conf(config));
        let err = futures_util::FutureExt::now_or_never(p.send(&db, false))
            .expect("refused without awaiting a request")
            .unwrap_err();
        assert!(err.is_local_validation(), "{err}");
        assert_eq!(err.operation(), Some("ConditionCheck"));
    }
}
