//! The large-batch invocation: a fresh process sent, as its first invocation, the stream batch
//! Lambda sends for a batch size of `COLDSTART_BATCH_RECORDS` (default 10,000, the largest a
//! DynamoDB stream's event source mapping takes): Order records up to Lambda's 6 MB invocation
//! payload ([`INVOCATION_PAYLOAD_LIMIT`]), which with both images of an Order holds fewer. The
//! function is the order-stream consumer as shipped, which decodes every record and applies it
//! with its idempotency record. Duration, CPU and peak RSS, medians of `COLDSTART_BATCH_ROUNDS`
//! (default 3) runs.

use std::time::Duration;

use super::functions::{order_batch_within, Function, INVOCATION_PAYLOAD_LIMIT};
use super::measure::{self, BatchSample};
use super::{stats, BoxError, Settings};

/// The functions sent the batch.
pub const FUNCTIONS: [Function; 1] = [Function::OrderStream];

/// How long one batch may take.
const TIMEOUT: Duration = Duration::from_secs(900);

/// The batch runs of one function.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRuns {
    /// Which function.
    pub function: Function,
    /// The records of the batch it was sent.
    pub records: usize,
    /// The batch's size, bytes.
    pub bytes: usize,
    /// One per run, in run order.
    pub samples: Vec<BatchSample>,
}

impl BatchRuns {
    /// The median over the samples of `value`, in ms for durations and MiB for memory.
    pub fn median(&self, value: fn(&BatchSample) -> f64) -> Option<f64> {
        let values: Vec<f64> = self.samples.iter().map(value).collect();
        stats::median(&values)
    }
}

/// Spawn to response, ms.
pub fn duration_ms(sample: &BatchSample) -> f64 {
    sample.duration.as_secs_f64() * 1000.0
}

/// CPU time to the response, ms.
pub fn cpu_ms(sample: &BatchSample) -> f64 {
    sample.cpu.as_secs_f64() * 1000.0
}

/// Peak RSS, MiB.
pub fn peak_rss_mib(sample: &BatchSample) -> f64 {
    sample.peak_rss_kb as f64 / 1024.0
}

/// Runs [`FUNCTIONS`] `settings.batch_rounds` times each, interleaved, with `env_for(function)`
/// as the environment.
///
/// # Errors
/// A run failed.
pub fn run(
    settings: &Settings,
    env_for: impl Fn(Function) -> Vec<(String, String)>,
) -> Result<Vec<BatchRuns>, BoxError> {
    let mut runs: Vec<BatchRuns> = FUNCTIONS
        .iter()
        .map(|&function| BatchRuns { function, records: 0, bytes: 0, samples: Vec::new() })
        .collect();
    let run_id = std::process::id();
    for round in 0..settings.batch_rounds {
        for runs in &mut runs {
            let function = runs.function;
            // The same width every round, so that every round's batch holds the same records.
            let unique = format!("batch-{run_id}-{round:04}-{}", function.name());
            let (records, event) =
                order_batch_within(settings.batch_records, INVOCATION_PAYLOAD_LIMIT, &unique);
            (runs.records, runs.bytes) = (records, event.len());
            let sample = measure::batch(
                &function.program(settings),
                function.name(),
                &env_for(function),
                &event,
                function.expect(),
                TIMEOUT,
            )
            .map_err(|e| format!("{} batch run {round}: {e}", function.name()))?;
            runs.samples.push(sample);
        }
    }
    Ok(runs)
}
