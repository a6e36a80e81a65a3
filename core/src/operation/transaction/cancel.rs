//! What DynamoDB says when it cancels a transaction, read per action: [`CancellationReason`]s
//! (the action's index, kind, model and key, DynamoDB's code, and the error kind it means), and
//! the canceled-transaction error that carries them. Write and get transactions share it.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;

use crate::error::{Error, ErrorKind};
use crate::managed::ExpectedVersion;
use crate::operation::Prepared;

/// What a cancellation reason needs to know about the action it belongs to.
#[derive(Debug)]
pub(super) struct ActionInfo {
    pub(super) operation: &'static str,
    pub(super) model: &'static str,
    pub(super) key: String,
    pub(super) must_exist: bool,
    pub(super) expected_version: Option<ExpectedVersion>,
}

impl ActionInfo {
    /// The information of a write action.
    pub(super) fn of(p: &Prepared) -> ActionInfo {
        ActionInfo {
            operation: p.op.action(),
            model: p.model,
            key: p.key_text.clone(),
            must_exist: p.must_exist,
            expected_version: p.expected_version,
        }
    }

    /// The information of a get.
    pub(super) fn get(model: &'static str, key: String) -> ActionInfo {
        ActionInfo { operation: "Get", model, key, must_exist: false, expected_version: None }
    }
}

/// The error of a failed transaction request (`operation`): a canceled transaction when
/// `canceled` finds DynamoDB's reasons in the service error, read per action, or else the SDK's
/// error as it is.
pub(super) fn request_error<E, R>(
    err: SdkError<E, R>,
    operation: &'static str,
    infos: &[ActionInfo],
    canceled: fn(&E) -> Option<&[types::CancellationReason]>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let reasons = match &err {
        SdkError::ServiceError(service) => canceled(service.err()).map(|r| reasons(infos, r)),
        _ => None,
    };
    with_reasons(Error::from_sdk(err), reasons).with_operation(operation)
}

/// Why DynamoDB canceled a transaction, for one of its actions (in request order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancellationReason {
    index: usize,
    operation: &'static str,
    model: &'static str,
    key: String,
    code: String,
    message: Option<String>,
    kind: Option<ErrorKind>,
}

impl CancellationReason {
    /// The action's index in the transaction, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The action: `Put`, `Update`, `Delete`, `ConditionCheck` or `Get`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The action's model.
    pub fn model(&self) -> &'static str {
        self.model
    }

    /// The action's key, as text (`pk=CUSTOMER#1, sk=ORDER#2`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// DynamoDB's code: `None` for an action that did not fail, `ConditionalCheckFailed`,
    /// `TransactionConflict`, `ThrottlingError`, `ValidationError`, …
    pub fn code(&self) -> &str {
        &self.code
    }

    /// DynamoDB's message, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// What went wrong with this action, `None` when it did not fail: [`ErrorKind::ConditionFailed`],
    /// [`ErrorKind::NotFound`] (an update of a missing item), [`ErrorKind::TransactionConflict`],
    /// [`ErrorKind::Throttled`], [`ErrorKind::ServiceValidation`], or [`ErrorKind::Service`].
    pub fn kind(&self) -> Option<ErrorKind> {
        self.kind
    }
}

fn reasons(infos: &[ActionInfo], sdk: &[types::CancellationReason]) -> Vec<CancellationReason> {
    sdk.iter()
        .enumerate()
        .map(|(index, reason)| {
            let info = infos.get(index);
            let code = reason.code().unwrap_or("None");
            let kind = match code {
                "None" => None,
                "ConditionalCheckFailed"
                    if info.is_some_and(|i| i.must_exist)
                        && crate::operation::no_item(reason.item()) =>
                {
                    Some(ErrorKind::NotFound)
                }
                "ConditionalCheckFailed"
                    if info
                        .and_then(|i| i.expected_version)
                        .is_some_and(|v| v.is_stale(reason.item())) =>
                {
                    Some(ErrorKind::VersionConflict)
                }
                "ConditionalCheckFailed" => Some(ErrorKind::ConditionFailed),
                "TransactionConflict" => Some(ErrorKind::TransactionConflict),
                "ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded" => {
                    Some(ErrorKind::Throttled)
                }
                "ValidationError" => Some(ErrorKind::ServiceValidation),
                _ => Some(ErrorKind::Service),
            };
            CancellationReason {
                index,
                operation: info.map_or("?", |i| i.operation),
                model: info.map_or("?", |i| i.model),
                key: info.map_or_else(String::new, |i| i.key.clone()),
                code: code.to_owned(),
                message: reason.message().map(str::to_owned),
                kind,
            }
        })
        .collect()
}

/// Makes `error` a canceled transaction when DynamoDB gave reasons.
fn with_reasons(error: Error, reasons: Option<Vec<CancellationReason>>) -> Error {
    let Some(reasons) = reasons else { return error };
    let mut message = String::from("transaction canceled");
    let mut first = true;
    for reason in reasons.iter().filter(|r| r.kind.is_some()) {
        message.push_str(if first { ": " } else { "; " });
        first = false;
        let what = match reason.kind {
            Some(ErrorKind::NotFound) => "item does not exist",
            Some(ErrorKind::VersionConflict) => "version conflict",
            _ => &reason.code,
        };
        message.push_str(&format!(
            "action {} ({} {} {}): {what}",
            reason.index, reason.operation, reason.model, reason.key
        ));
    }
    error.canceled(message, reasons)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    fn info(must_exist: bool) -> ActionInfo {
        ActionInfo {
            operation: "Update",
            model: "Order",
            key: "pk=1".into(),
            must_exist,
            expected_version: None,
        }
    }

    #[test]
    fn reason_codes_map_to_kinds() {
        let sdk = |code: Option<&str>| {
            types::CancellationReason::builder().set_code(code.map(Into::into)).build()
        };
        let infos = [info(true), info(false), info(false), info(false), info(false)];
        let got = reasons(
            &infos,
            &[
                sdk(Some("ConditionalCheckFailed")),
                sdk(Some("ConditionalCheckFailed")),
                sdk(Some("ThrottlingError")),
                sdk(None),
                sdk(Some("ValidationError")),
                sdk(Some("TransactionConflict")),
            ],
        );
        let kinds: Vec<_> = got.iter().map(CancellationReason::kind).collect();
        assert_eq!(
            kinds,
            [
                Some(ErrorKind::NotFound),
                Some(ErrorKind::ConditionFailed),
                Some(ErrorKind::Throttled),
                None,
                Some(ErrorKind::ServiceValidation),
                Some(ErrorKind::TransactionConflict),
            ]
        );
        assert_eq!(got[3].code(), "None");
        // A reason past the known actions still says where it is.
        assert_eq!((got[5].index(), got[5].model()), (5, "?"));
    }

    #[test]
    fn an_update_whose_old_item_came_back_failed_its_condition() {
        let reason = types::CancellationReason::builder()
            .code("ConditionalCheckFailed")
            .item("pk", AttributeValue::S("1".into()))
            .build();
        let got = reasons(&[info(true)], &[reason]);
        assert_eq!(got[0].kind(), Some(ErrorKind::ConditionFailed));
    }
}
