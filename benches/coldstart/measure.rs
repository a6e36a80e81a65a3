//! Measuring one cold start: the bootstrap runs under the local Runtime API and is read from
//! `/proc` while alive (CPU time of all its threads, peak and resident memory) and from
//! `getrusage(RUSAGE_CHILDREN)` once reaped.

use std::path::Path;
use std::time::{Duration, Instant};

use ferrodyn_local::runtime_api::{Bootstrap, LocalFunction};
use nix::sys::resource::{getrusage, UsageWho};

use super::{BoxError, Sample};

/// How long one invocation may take before the run counts as failed.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(20);

/// Starts `program` as Lambda would with `env` and `name` as its function name, sends `events[0]`
/// (the cold invocation) and then `events[1]` (the warm one), checks that both answers contain
/// `expect`, and kills it.
///
/// # Errors
/// The process could not start, an invocation failed or its answer lacked `expect`, or `/proc`
/// could not be read.
pub fn cold_start(
    program: &Path,
    name: &str,
    env: &[(String, String)],
    events: [&str; 2],
    expect: &str,
) -> Result<Sample, BoxError> {
    let children_before = children_cpu()?;
    let function = spawn(program, name, env)?;
    let pid = function.pid();
    invoke(&function, events[0], expect, INVOKE_TIMEOUT)?;
    // Read right after the first answer, while the process waits in `/next`.
    let cpu_first = threads_cpu(pid)?;
    let warm_started = Instant::now();
    invoke(&function, events[1], expect, INVOKE_TIMEOUT)
        .map_err(|e| format!("warm invocation: {e}"))?;
    let warm = warm_started.elapsed();
    let memory = memory_kb(pid)?;
    function.kill()?;
    let cpu_total = children_cpu()?.saturating_sub(children_before);

    let timings = function.timings();
    let (Some(spawned), Some(first_next), Some(first_response)) =
        (timings.spawned, timings.first_next, timings.first_response)
    else {
        return Err(format!("{}: the Runtime API recorded no cold start", program.display()).into());
    };
    Ok(Sample {
        init: first_next.saturating_duration_since(spawned),
        cold_response: first_response.saturating_duration_since(spawned),
        warm,
        cpu_first_response: cpu_first,
        cpu_total,
        peak_rss_kb: memory.peak,
        file_rss_kb: memory.file,
        anon_rss_kb: memory.anon,
    })
}

/// Starts `program` as Lambda would, under the name `name`, with `env` and a 15-minute timeout
/// (Lambda's longest), so that a long batch is not cut short.
fn spawn(program: &Path, name: &str, env: &[(String, String)]) -> Result<LocalFunction, BoxError> {
    Ok(Bootstrap::new(program)
        .function_name(name)
        .function_timeout(Duration::from_secs(900))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .spawn()?)
}

/// What a process that is sent one large event as its first invocation measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchSample {
    /// Spawn to the response.
    pub duration: Duration,
    /// CPU time of all threads up to the response.
    pub cpu: Duration,
    /// Peak resident set size (`VmHWM`) in KiB.
    pub peak_rss_kb: u64,
}

/// Starts `program` as [`cold_start`] does, sends it `event` as its first invocation (allowing
/// `timeout`), checks that the answer contains `expect`, and kills it.
///
/// # Errors
/// As [`cold_start`].
pub fn batch(
    program: &Path,
    name: &str,
    env: &[(String, String)],
    event: &str,
    expect: &str,
    timeout: Duration,
) -> Result<BatchSample, BoxError> {
    let function = spawn(program, name, env)?;
    let pid = function.pid();
    invoke(&function, event, expect, timeout)?;
    let cpu = threads_cpu(pid)?;
    let peak_rss_kb = memory_kb(pid)?.peak;
    function.kill()?;
    let timings = function.timings();
    let (Some(spawned), Some(response)) = (timings.spawned, timings.first_response) else {
        return Err(format!("{}: the Runtime API recorded no response", program.display()).into());
    };
    Ok(BatchSample { duration: response.saturating_duration_since(spawned), cpu, peak_rss_kb })
}

fn invoke(
    function: &LocalFunction,
    event: &str,
    expect: &str,
    timeout: Duration,
) -> Result<(), BoxError> {
    let body = function.invoke_timeout(event, timeout)?.into_body().map_err(|e| {
        format!("the function answered with an error: {e}; logs:\n{}", function.logs())
    })?;
    if !body.contains(expect) {
        let shown: String = body.chars().take(2000).collect();
        return Err(format!("unexpected answer {shown:?}; logs:\n{}", function.logs()).into());
    }
    Ok(())
}

/// CPU time (user + system) of every live thread of `pid`, from `/proc/<pid>/task/*/schedstat`,
/// whose first field is the nanoseconds a thread has run; clock-tick counters would round each
/// thread to 10 ms.
///
/// # Errors
/// `/proc` could not be read.
pub fn threads_cpu(pid: u32) -> Result<Duration, BoxError> {
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let stat = std::fs::read_to_string(task?.path().join("schedstat"))?;
        total += parse_schedstat(&stat).ok_or("unreadable schedstat")?;
    }
    Ok(Duration::from_nanos(total))
}

/// The run time in nanoseconds from a schedstat line (`run_ns wait_ns timeslices`).
pub fn parse_schedstat(line: &str) -> Option<u64> {
    line.split_whitespace().next()?.parse().ok()
}

/// A process's memory from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// Peak resident set size (`VmHWM`).
    pub peak: u64,
    /// Resident pages mapped from files (`RssFile`): the binary's and the shared libraries' code
    /// and read-only data, which the kernel maps around each page faulted in.
    pub file: u64,
    /// Resident anonymous pages (`RssAnon`): heap, stacks, relocated data.
    pub anon: u64,
}

/// The [`Memory`] of `pid`.
///
/// # Errors
/// `/proc` could not be read or lacks one of the fields.
pub fn memory_kb(pid: u32) -> Result<Memory, BoxError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_memory(&status).ok_or_else(|| "no VmHWM, RssFile or RssAnon in /proc/<pid>/status".into())
}

/// The [`Memory`] fields of a `/proc/<pid>/status` text.
pub fn parse_memory(status: &str) -> Option<Memory> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse().ok())
    };
    Some(Memory { peak: field("VmHWM")?, file: field("RssFile")?, anon: field("RssAnon")? })
}

/// User + system CPU time of every reaped child of this process.
fn children_cpu() -> Result<Duration, BoxError> {
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    let micros = |t: nix::sys::time::TimeVal| {
        u64::try_from(t.tv_sec()).unwrap_or(0) * 1_000_000 + u64::try_from(t.tv_usec()).unwrap_or(0)
    };
    Ok(Duration::from_micros(micros(usage.user_time()) + micros(usage.system_time())))
}
