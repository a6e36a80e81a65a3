//! Transactions: [`Transaction`] (TransactWriteItems) writes puts, creates, updates, deletes and
//! condition checks across models atomically, and [`TransactGet`] (TransactGetItems) reads keys of
//! any models consistently; a canceled transaction is an error that says, per action, what
//! DynamoDB reported ([`CancellationReason`]).
//!
//! Each write action is the single-item builder's own prepared write (see `operation::write`), so
//! validation, index key maintenance and conditions (`create`'s attribute_not_exists, `update`'s
//! existence check) are the same inside and outside a transaction. The transaction-wide limits
//! (action count, one action per item, request size, client request token) are checked before
//! sending; errors name the action index, model and key. Writes are in `write`, gets in `get`,
//! and the reading of DynamoDB's cancellation reasons, which both share, in `cancel`.

mod cancel;
mod get;
mod write;

pub use cancel::CancellationReason;
pub use get::{TransactGet, TransactGetOutput};
pub use write::{ConditionCheck, Transaction};

// The transaction limits, under the names this module has always exported them by.
#[doc(no_inline)]
pub use crate::limits::{
    MAX_CLIENT_REQUEST_TOKEN_CHARS, MAX_TRANSACTION_ACTIONS, MAX_TRANSACTION_BYTES,
};

use crate::Db;

impl Db {
    /// Starts a write transaction (TransactWriteItems).
    pub fn transaction(&self) -> Transaction {
        Transaction::new(self.clone())
    }

    /// Starts a get transaction (TransactGetItems).
    pub fn transaction_get(&self) -> TransactGet {
        TransactGet::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue;

    use crate::key::item_identity;
    use crate::model::ModelMeta;
    use crate::value::Item;

    #[test]
    fn identities_differ_by_table_type_and_value() {
        let meta = &ModelMeta {
            type_name: "T",
            table: "t",
            entity: None,
            partition_key: crate::model::KeyMeta {
                attribute: "pk",
                scalar: crate::model::ScalarType::S,
                template: &[crate::model::TemplatePart::Field("pk")],
            },
            sort_key: None,
            indexes: &[],
            fields: &[],
            managed: crate::model::ManagedFields::NONE,
        };
        let item = |v: AttributeValue| Item::from([("pk".to_owned(), v)]);
        let s1 = item_identity("t", meta, &item(AttributeValue::S("1".into())));
        assert_eq!(s1, item_identity("t", meta, &item(AttributeValue::S("1".into()))));
        assert_ne!(s1, item_identity("u", meta, &item(AttributeValue::S("1".into()))));
        assert_ne!(s1, item_identity("t", meta, &item(AttributeValue::N("1".into()))));
        assert_ne!(s1, item_identity("t", meta, &item(AttributeValue::S("11".into()))));
    }
}
