//! The mock's side of the wire: what a request asked for, read from the SDK's typed input, and
//! answers written as DynamoDB's JSON (awsJson 1.0), which the SDK decodes, classifies and
//! retries exactly as it does a real response.

use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemInput;
use aws_sdk_dynamodb::operation::get_item::GetItemInput;
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_smithy_runtime_api::client::interceptors::context::Input;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use base64::Engine as _;
use ferrodyn::operation::WriteKind;
use ferrodyn::{AttributeValue, Item};
use serde_json::{json, Map, Value};

/// What one request asked for, as far as the rules look at it.
#[derive(Debug, Clone)]
pub(crate) enum Parsed {
    Get {
        table: String,
        key: Item,
    },
    Put {
        table: String,
        item: Item,
        condition: bool,
    },
    Update {
        table: String,
        key: Item,
        condition: bool,
    },
    Delete {
        table: String,
        key: Item,
        condition: bool,
    },
    Query {
        table: String,
        index: Option<String>,
        values: Vec<AttributeValue>,
    },
    BatchWrite {
        writes: Vec<Write>,
    },
    /// An operation the mock has no rules for.
    Other,
}

/// One put or delete of a BatchWriteItem: the item of a put, the key of a delete.
#[derive(Debug, Clone)]
pub(crate) struct Write {
    pub(crate) table: String,
    pub(crate) kind: WriteKind,
    pub(crate) item: Item,
}

impl Parsed {
    /// Reads the typed input of any DynamoDB operation.
    pub(crate) fn from_input(input: &Input) -> Parsed {
        if let Some(i) = input.downcast_ref::<GetItemInput>() {
            return Parsed::Get { table: table(i.table_name()), key: map(i.key()) };
        }
        if let Some(i) = input.downcast_ref::<PutItemInput>() {
            return Parsed::Put {
                table: table(i.table_name()),
                item: map(i.item()),
                condition: i.condition_expression().is_some(),
            };
        }
        if let Some(i) = input.downcast_ref::<UpdateItemInput>() {
            return Parsed::Update {
                table: table(i.table_name()),
                key: map(i.key()),
                condition: i.condition_expression().is_some(),
            };
        }
        if let Some(i) = input.downcast_ref::<DeleteItemInput>() {
            return Parsed::Delete {
                table: table(i.table_name()),
                key: map(i.key()),
                condition: i.condition_expression().is_some(),
            };
        }
        if let Some(i) = input.downcast_ref::<QueryInput>() {
            let mut values: Vec<AttributeValue> = i
                .expression_attribute_values()
                .into_iter()
                .flat_map(|v| v.values())
                .cloned()
                .collect();
            // The map's order is a hash order: sorted, the partition a request is shown with
            // does not change from run to run.
            values.sort_by_key(|v| format!("{v:?}"));
            return Parsed::Query {
                table: table(i.table_name()),
                index: i.index_name().map(str::to_owned),
                values,
            };
        }
        if let Some(i) = input.downcast_ref::<BatchWriteItemInput>() {
            let mut writes = Vec::new();
            // Sorted by table, so that what the mock records does not depend on a hash order.
            let mut tables: Vec<_> = i.request_items().into_iter().flatten().collect();
            tables.sort_by(|a, b| a.0.cmp(b.0));
            for (table, requests) in tables {
                for request in requests {
                    if let Some(put) = request.put_request() {
                        let item = put.item().clone();
                        writes.push(Write { table: table.clone(), kind: WriteKind::Put, item });
                    } else if let Some(delete) = request.delete_request() {
                        let item = delete.key().clone();
                        writes.push(Write { table: table.clone(), kind: WriteKind::Delete, item });
                    }
                }
            }
            return Parsed::BatchWrite { writes };
        }
        Parsed::Other
    }

    /// The table the request names, when it names one.
    pub(crate) fn table(&self) -> Option<&str> {
        match self {
            Parsed::Get { table, .. }
            | Parsed::Put { table, .. }
            | Parsed::Update { table, .. }
            | Parsed::Delete { table, .. }
            | Parsed::Query { table, .. } => Some(table),
            Parsed::BatchWrite { .. } | Parsed::Other => None,
        }
    }
}

fn table(name: Option<&str>) -> String {
    name.unwrap_or_default().to_owned()
}

fn map(attributes: Option<&std::collections::HashMap<String, AttributeValue>>) -> Item {
    attributes.cloned().unwrap_or_default()
}

/// An answer: the HTTP status and the JSON body DynamoDB would send.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    status: u16,
    body: Value,
}

impl Reply {
    /// A successful answer with `body`.
    pub(crate) fn ok(body: Value) -> Reply {
        Reply { status: 200, body }
    }

    /// A DynamoDB error `code` (`ConditionalCheckFailedException`, …) with HTTP `status`.
    pub(crate) fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply {
            status,
            body: json!({
                "__type": format!("com.amazonaws.dynamodb.v20120810#{code}"),
                "message": message,
            }),
        }
    }

    /// A condition failure; `stored` is the item DynamoDB returns with it when the request asked
    /// for the old item on failure.
    pub(crate) fn condition_failed(stored: Option<&Item>) -> Reply {
        let mut reply =
            Reply::error(400, "ConditionalCheckFailedException", "The conditional request failed");
        if let (Some(stored), Value::Object(body)) = (stored, &mut reply.body) {
            body.insert("Item".to_owned(), item_json(stored));
        }
        reply
    }

    /// The throttling error every attempt that [`MockDb::throttle`](super::MockDb::throttle)
    /// covers gets.
    pub(crate) fn throttled() -> Reply {
        Reply::error(
            400,
            "ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded",
        )
    }

    /// The HTTP response.
    pub(crate) fn to_http(&self) -> Response {
        let status = StatusCode::try_from(self.status).unwrap_or_else(|_| {
            StatusCode::try_from(500).unwrap_or_else(|_| unreachable!("500 is a status"))
        });
        Response::new(status, SdkBody::from(self.body.to_string()))
    }
}

/// An item as DynamoDB's JSON.
pub(crate) fn item_json(item: &Item) -> Value {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    Value::Object(names.into_iter().map(|n| (n.clone(), value_json(&item[n]))).collect())
}

/// One attribute value as DynamoDB's JSON (`{"S": "…"}`, `{"N": "1"}`, …).
fn value_json(value: &AttributeValue) -> Value {
    let b64 = |bytes: &[u8]| Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
    let (tag, inner) = match value {
        AttributeValue::S(s) => ("S", Value::String(s.clone())),
        AttributeValue::N(n) => ("N", Value::String(n.clone())),
        AttributeValue::B(b) => ("B", b64(b.as_ref())),
        AttributeValue::Bool(b) => ("BOOL", Value::Bool(*b)),
        AttributeValue::Null(_) => ("NULL", Value::Bool(true)),
        AttributeValue::Ss(v) => ("SS", v.iter().cloned().map(Value::String).collect()),
        AttributeValue::Ns(v) => ("NS", v.iter().cloned().map(Value::String).collect()),
        AttributeValue::Bs(v) => ("BS", v.iter().map(|b| b64(b.as_ref())).collect()),
        AttributeValue::L(v) => ("L", v.iter().map(value_json).collect()),
        AttributeValue::M(m) => ("M", item_json(m)),
        // A variant newer than this crate: DynamoDB JSON has no other types.
        _ => ("NULL", Value::Bool(true)),
    };
    let mut out = Map::new();
    out.insert(tag.to_owned(), inner);
    Value::Object(out)
}
