//! The records, in Powertools' DynamoDB layout: the one conditional PutItem that takes a key (and
//! reads the record that holds it, from the failed condition), the UpdateItem that completes it,
//! the DeleteItem that frees it, and the reading of a stored record.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;

use crate::error::{PersistenceError, PersistenceErrorKind};

pub(crate) const INPROGRESS: &str = "INPROGRESS";
pub(crate) const COMPLETED: &str = "COMPLETED";
pub(crate) const EXPIRED: &str = "EXPIRED";

/// The attribute names (Powertools' `key_attr`, `expiry_attr`, …).
#[derive(Debug, Clone)]
pub(crate) struct Attributes {
    pub(crate) key: String,
    pub(crate) expiry: String,
    pub(crate) in_progress_expiry: String,
    pub(crate) status: String,
    pub(crate) data: String,
    pub(crate) validation: String,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes {
            key: "id".into(),
            expiry: "expiration".into(),
            in_progress_expiry: "in_progress_expiration".into(),
            status: "status".into(),
            data: "data".into(),
            validation: "validation".into(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) client: Client,
    pub(crate) table: String,
    pub(crate) attributes: Attributes,
    pub(crate) sort_key: Option<String>,
    pub(crate) static_partition_value: String,
}

/// A record as read back.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) status: String,
    pub(crate) expiration: Option<i64>,
    pub(crate) in_progress_expiration: Option<i64>,
    pub(crate) data: Option<String>,
    pub(crate) validation: Option<String>,
}

/// A stored record's state at a given time (Powertools' `DataRecord.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    InProgress,
    Completed,
    Expired,
}

impl Stored {
    /// `Err` for a status this layout does not have.
    pub(crate) fn state(&self, now_secs: i64) -> Result<State, ()> {
        if self.expiration.is_some_and(|expiration| now_secs > expiration) {
            return Ok(State::Expired);
        }
        match self.status.as_str() {
            INPROGRESS => Ok(State::InProgress),
            COMPLETED => Ok(State::Completed),
            EXPIRED => Ok(State::Expired),
            _ => Err(()),
        }
    }
}

/// The record an invocation writes to take a key.
#[derive(Debug)]
pub(crate) struct InProgress<'a> {
    pub(crate) id: &'a str,
    pub(crate) expiration: i64,
    pub(crate) in_progress_expiration: i64,
    pub(crate) validation: Option<&'a str>,
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// DynamoDB's size of a number: about one byte per two significant digits, plus one.
fn number_bytes(value: i64) -> usize {
    let digits = value.unsigned_abs().to_string().trim_end_matches('0').len().max(1);
    digits.div_ceil(2) + 1
}

impl Store {
    fn key(&self, id: &str) -> HashMap<String, AttributeValue> {
        let a = &self.attributes;
        match &self.sort_key {
            Some(sort_key) => HashMap::from([
                (a.key.clone(), s(&self.static_partition_value)),
                (sort_key.clone(), s(id)),
            ]),
            None => HashMap::from([(a.key.clone(), s(id))]),
        }
    }

    /// Takes the key with one conditional PutItem: `None` when it was free (absent, expired, or
    /// in progress past its in-progress expiry), else the record that holds it, read from the
    /// failed condition (`ReturnValuesOnConditionCheckFailure = ALL_OLD`).
    pub(crate) async fn put_in_progress(
        &self,
        function: &str,
        record: &InProgress<'_>,
        now_secs: i64,
        now_millis: i64,
    ) -> Result<Option<Stored>, PersistenceError> {
        let a = &self.attributes;
        let mut item = self.key(record.id);
        item.insert(a.expiry.clone(), n(record.expiration));
        item.insert(a.status.clone(), s(INPROGRESS));
        item.insert(a.in_progress_expiry.clone(), n(record.in_progress_expiration));
        if let Some(validation) = record.validation {
            item.insert(a.validation.clone(), s(validation));
        }
        // Powertools' condition, placeholders and all.
        let condition = "attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress \
                         AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)";
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .expression_attribute_names("#id", &a.key)
            .expression_attribute_names("#expiry", &a.expiry)
            .expression_attribute_names("#in_progress_expiry", &a.in_progress_expiry)
            .expression_attribute_names("#status", &a.status)
            .expression_attribute_values(":now", n(now_secs))
            .expression_attribute_values(":now_in_millis", n(now_millis))
            .expression_attribute_values(":inprogress", s(INPROGRESS))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(None),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    match failed.item() {
                        Some(old) => self.read(function, old).map(Some),
                        // The condition failed on a record that DynamoDB did not return.
                        None => Err(PersistenceError::new(
                            "PutItem",
                            function,
                            PersistenceErrorKind::InvalidRecord,
                            "the key is taken but DynamoDB returned no record",
                        )),
                    }
                }
                _ => Err(PersistenceError::from_sdk("PutItem", function, err)),
            },
        }
    }

    /// Marks the record `COMPLETED` with the response and a fresh expiry, with Powertools' one
    /// UpdateItem (unconditional, as there).
    pub(crate) async fn complete(
        &self,
        function: &str,
        id: &str,
        data: &str,
        expiration: i64,
        validation: Option<&str>,
    ) -> Result<(), PersistenceError> {
        let a = &self.attributes;
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(self.key(id)))
            .expression_attribute_names("#response_data", &a.data)
            .expression_attribute_names("#expiry", &a.expiry)
            .expression_attribute_names("#status", &a.status)
            .expression_attribute_values(":response_data", s(data))
            .expression_attribute_values(":expiry", n(expiration))
            .expression_attribute_values(":status", s(COMPLETED));
        let mut expression = String::from(
            "SET #response_data = :response_data, #expiry = :expiry, #status = :status",
        );
        if let Some(validation) = validation {
            expression.push_str(", #validation_key = :validation_key");
            update = update
                .expression_attribute_names("#validation_key", &a.validation)
                .expression_attribute_values(":validation_key", s(validation));
        }
        update
            .update_expression(expression)
            .send()
            .await
            .map(drop)
            .map_err(|e| PersistenceError::from_sdk("UpdateItem", function, e))
    }

    /// Deletes the record, freeing the key.
    pub(crate) async fn delete(&self, function: &str, id: &str) -> Result<(), PersistenceError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(self.key(id)))
            .send()
            .await
            .map(drop)
            .map_err(|e| PersistenceError::from_sdk("DeleteItem", function, e))
    }

    /// The size DynamoDB will count for the completed record (attribute names included).
    pub(crate) fn completed_size(
        &self,
        record: &InProgress<'_>,
        completed_expiration: i64,
        data: &str,
    ) -> usize {
        let a = &self.attributes;
        let key: usize = match &self.sort_key {
            Some(sort_key) => {
                a.key.len() + self.static_partition_value.len() + sort_key.len() + record.id.len()
            }
            None => a.key.len() + record.id.len(),
        };
        let validation = record.validation.map_or(0, |v| a.validation.len() + v.len());
        key + a.expiry.len()
            + number_bytes(record.expiration.max(completed_expiration))
            + a.in_progress_expiry.len()
            + number_bytes(record.in_progress_expiration)
            + a.status.len()
            + COMPLETED.len()
            + a.data.len()
            + data.len()
            + validation
    }

    /// Reads a stored record. Only the status is required; Powertools treats the others as
    /// optional too (`expiration` aside, which it always writes).
    fn read(
        &self,
        function: &str,
        item: &HashMap<String, AttributeValue>,
    ) -> Result<Stored, PersistenceError> {
        let a = &self.attributes;
        let invalid = |what: String| {
            PersistenceError::new(
                "read record",
                function,
                PersistenceErrorKind::InvalidRecord,
                what,
            )
        };
        let string = |name: &str| -> Result<Option<String>, PersistenceError> {
            match item.get(name) {
                None | Some(AttributeValue::Null(_)) => Ok(None),
                Some(AttributeValue::S(value)) => Ok(Some(value.clone())),
                Some(_) => Err(invalid(format!("attribute `{name}` is not a string"))),
            }
        };
        let number = |name: &str| -> Result<Option<i64>, PersistenceError> {
            match item.get(name) {
                None | Some(AttributeValue::Null(_)) => Ok(None),
                Some(AttributeValue::N(value)) => value
                    .parse::<i64>()
                    .ok()
                    .or_else(|| value.parse::<f64>().ok().map(|f| f as i64))
                    .map(Some)
                    .ok_or_else(|| invalid(format!("attribute `{name}` is not an integer"))),
                Some(_) => Err(invalid(format!("attribute `{name}` is not a number"))),
            }
        };
        Ok(Stored {
            status: string(&a.status)?
                .ok_or_else(|| invalid(format!("attribute `{}` is missing", a.status)))?,
            expiration: number(&a.expiry)?,
            in_progress_expiration: number(&a.in_progress_expiry)?,
            data: string(&a.data)?,
            validation: string(&a.validation)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_sizes_follow_dynamodb() {
        assert_eq!(number_bytes(0), 2);
        assert_eq!(number_bytes(1_700_000_000), 2); // "17": trailing zeros are free
        assert_eq!(number_bytes(1_733_112_345_678), 7 + 1);
    }
}
