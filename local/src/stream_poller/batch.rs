//! Delivering one batch and reading the function's answer as Lambda does with
//! `ReportBatchItemFailures`: checkpointing before the lowest failed sequence number, retrying,
//! bisecting, and giving a batch up to the on-failure destination.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::{Delivery, FailedBatch, Invocation, Invoke, Outcome, PollerError, StreamPoller};
use crate::runtime_api::{InvocationResult, InvokeError};

/// Orders sequence numbers (decimal strings of varying length) numerically.
fn sequence_key(sequence_number: &str) -> (usize, &str) {
    let digits = sequence_number.trim_start_matches('0');
    (digits.len(), digits)
}

impl StreamPoller {
    /// Invokes `function` with the batch at the head of shard `index` and checkpoints what it
    /// processed.
    pub(super) fn deliver(
        &mut self,
        index: usize,
        function: &impl Invoke,
        delivery: &mut Delivery,
    ) -> Result<(), PollerError> {
        self.give_up_expired(index, delivery);
        let shard = &mut self.shards[index];
        if shard.buffer.is_empty() {
            return Ok(());
        }
        let size = shard.batch_limit.min(shard.buffer.len());
        let batch: Vec<&(String, Value)> = shard.buffer.iter().take(size).collect();
        let sequence_numbers: Vec<String> = batch.iter().map(|(s, _)| s.clone()).collect();
        let event = json!({ "Records": batch.iter().map(|(_, r)| r).collect::<Vec<_>>() });
        let outcome = match function.invoke_event(&event.to_string()) {
            Ok(result) if !self.report_batch_item_failures => match result.error {
                Some(error) => Outcome::FunctionError(error.to_string()),
                None => Outcome::Success,
            },
            Ok(result) => read_result(result, &sequence_numbers),
            Err(InvokeError::Timeout(limit)) => {
                Outcome::FunctionError(format!("no result within {} ms", limit.as_millis()))
            }
            Err(error) => {
                return Err(PollerError::new(&format!("invoking with shard {}", shard.id), error))
            }
        };
        delivery.invocations.push(Invocation {
            shard_id: shard.id.clone(),
            sequence_numbers: sequence_numbers.clone(),
            outcome: outcome.clone(),
        });
        let failed_from = match &outcome {
            Outcome::Success => {
                shard.buffer.drain(..size);
                shard.attempts = 0;
                shard.batch_limit = self.batch_size;
                return Ok(());
            }
            Outcome::PartialFailure { first_failed } => {
                let checkpointed = sequence_numbers.iter().take_while(|s| *s != first_failed);
                let checkpointed = checkpointed.count();
                shard.buffer.drain(..checkpointed);
                checkpointed
            }
            Outcome::FunctionError(_) => 0,
        };
        shard.attempts += 1;
        let exhausted = self.maximum_retry_attempts.is_some_and(|m| shard.attempts > m);
        if exhausted {
            let given_up = &sequence_numbers[failed_from..];
            let failed = FailedBatch {
                shard_id: shard.id.clone(),
                start_sequence_number: given_up.first().cloned().unwrap_or_default(),
                end_sequence_number: given_up.last().cloned().unwrap_or_default(),
                batch_size: given_up.len(),
                attempts: shard.attempts,
                condition: match &outcome {
                    Outcome::FunctionError(reason) => reason.clone(),
                    _ => "RetryAttemptsExhausted".to_owned(),
                },
            };
            shard.buffer.drain(..given_up.len());
            shard.attempts = 0;
            shard.batch_limit = self.batch_size;
            delivery.failed_batches.push(failed.clone());
            self.failed_batches.push(failed);
        } else if self.bisect_batch_on_function_error
            && matches!(outcome, Outcome::FunctionError(_))
            && size > 1
        {
            shard.batch_limit = size.div_ceil(2);
        }
        Ok(())
    }
}

impl StreamPoller {
    /// Gives up the records at the head of shard `index` older than `MaximumRecordAgeInSeconds`
    /// (a shard's records are in creation order, so the expired ones lead).
    fn give_up_expired(&mut self, index: usize, delivery: &mut Delivery) {
        let Some(age) = self.maximum_record_age else { return };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let shard = &mut self.shards[index];
        let expired = shard
            .buffer
            .iter()
            .take_while(|(_, record)| {
                record["dynamodb"]["ApproximateCreationDateTime"]
                    .as_f64()
                    .is_some_and(|created| now.as_secs_f64() - created > age.as_secs_f64())
            })
            .count();
        if expired == 0 {
            return;
        }
        let given_up: Vec<String> = shard.buffer.drain(..expired).map(|(s, _)| s).collect();
        let failed = FailedBatch {
            shard_id: shard.id.clone(),
            start_sequence_number: given_up.first().cloned().unwrap_or_default(),
            end_sequence_number: given_up.last().cloned().unwrap_or_default(),
            batch_size: given_up.len(),
            attempts: shard.attempts,
            condition: "RecordAgeExceeded".to_owned(),
        };
        shard.attempts = 0;
        shard.batch_limit = self.batch_size;
        delivery.failed_batches.push(failed.clone());
        self.failed_batches.push(failed);
    }
}

/// Reads a function's result as Lambda does with `ReportBatchItemFailures`.
fn read_result(result: InvocationResult, batch: &[String]) -> Outcome {
    if let Some(error) = result.error {
        return Outcome::FunctionError(error.to_string());
    }
    let body = result.body.trim();
    if body.is_empty() {
        return Outcome::Success;
    }
    let Ok(response) = serde_json::from_str::<Value>(body) else {
        // Lambda treats a response it cannot read as success: only the failure list counts.
        return Outcome::Success;
    };
    let failures = match response.get("batchItemFailures") {
        None | Some(Value::Null) => return Outcome::Success,
        Some(Value::Array(failures)) if failures.is_empty() => return Outcome::Success,
        Some(Value::Array(failures)) => failures,
        Some(_) => return Outcome::FunctionError("batchItemFailures is not a list".to_owned()),
    };
    let mut lowest: Option<&str> = None;
    for failure in failures {
        let identifier = failure.get("itemIdentifier").and_then(Value::as_str).unwrap_or_default();
        if identifier.is_empty() || !batch.iter().any(|s| s == identifier) {
            return Outcome::FunctionError(
                "batchItemFailures names an empty, null or unknown itemIdentifier".to_owned(),
            );
        }
        if lowest.is_none_or(|l| sequence_key(identifier) < sequence_key(l)) {
            lowest = Some(identifier);
        }
    }
    match lowest {
        Some(first_failed) => Outcome::PartialFailure { first_failed: first_failed.to_owned() },
        None => Outcome::Success,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_compare_as_numbers() {
        assert!(sequence_key("900") < sequence_key("1000"));
        assert!(sequence_key("000000000000000000099") < sequence_key("100"));
    }
}
