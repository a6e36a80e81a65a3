//! What ferrodyn-idempotency adds to an invocation, against DynamoDB Local: the requests it sends
//! (counted exactly, by an SDK interceptor on ferrodyn-lambda's client) and the latency it adds
//! to one small handler, warm (interleaved rounds in this process) and cold (the first invocation
//! of a fresh process: this binary started again in a child mode, once per sample).
//!
//! The request counts are the portable figure; the latencies are DynamoDB Local's on loopback,
//! not DynamoDB's.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use ferrodyn::Db;
use ferrodyn_idempotency::{Idempotency, IdempotencyError};
use serde::{Deserialize, Serialize};

/// The logical table the records go to.
const TABLE: &str = "idempotency";
const HANDLER: &str = "charge";
/// Set in a child process: the case whose cold invocation it measures.
const CHILD_ENV: &str = "FERRODYN_IDEMPOTENCY_BENCH_CHILD";
const TABLE_ENV: &str = "FERRODYN_IDEMPOTENCY_BENCH_TABLE";
const TAG_ENV: &str = "FERRODYN_IDEMPOTENCY_BENCH_TAG";
/// The completed key the replay cases repeat.
const REPLAY_KEY: &str = "replay";
const CACHED_KEY: &str = "cached";
/// Invocations a child makes after its cold one, for the warm figure of the same process.
const WARM_IN_CHILD: usize = 10;

/// The event: an order to charge, keyed by `order_id`.
#[derive(Debug, Serialize)]
struct Order {
    order_id: String,
    customer_id: String,
    amount_cents: u64,
}

/// The handler's response, about 200 bytes of JSON.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Receipt {
    order_id: String,
    customer_id: String,
    status: String,
    amount_cents: u64,
    currency: String,
    payment_reference: String,
    charged_at: String,
    message: String,
}

fn order(key: &str) -> Order {
    Order { order_id: key.to_owned(), customer_id: "c-4711".into(), amount_cents: 12_500 }
}

/// The handler: builds its response and nothing else.
async fn charge(order: &Order) -> Result<Receipt, String> {
    Ok(Receipt {
        order_id: order.order_id.clone(),
        customer_id: order.customer_id.clone(),
        status: "charged".into(),
        amount_cents: std::hint::black_box(order.amount_cents),
        currency: "EUR".into(),
        payment_reference: "pay_01JD3R5Z7Q8W9E0R1T2Y3U4I5O".into(),
        charged_at: "2026-12-02T04:00:00Z".into(),
        message: "Payment accepted".into(),
    })
}

/// The same handler failing.
async fn decline(order: &Order) -> Result<Receipt, String> {
    Err(format!("declined: {}", std::hint::black_box(order.amount_cents)))
}

/// Counts every request the client transmits (each retry too).
#[derive(Debug)]
struct CountRequests(Arc<AtomicUsize>);

impl Intercept for CountRequests {
    fn name(&self) -> &'static str {
        "idempotency_bench::CountRequests"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// The handler without idempotency.
    Baseline,
    /// A key never seen: put + update.
    First,
    /// A completed key, no local cache: the put that fails and returns the record.
    Replay,
    /// A completed key found in the local cache.
    Cached,
    /// The handler fails: put + delete.
    Error,
}

impl Case {
    const ALL: [Case; 5] = [Case::Baseline, Case::First, Case::Replay, Case::Cached, Case::Error];

    fn name(self) -> &'static str {
        match self {
            Case::Baseline => "baseline",
            Case::First => "first",
            Case::Replay => "replay",
            Case::Cached => "cached",
            Case::Error => "error",
        }
    }

    fn parse(name: &str) -> Option<Case> {
        Case::ALL.into_iter().find(|c| c.name() == name)
    }

    fn label(self) -> &'static str {
        match self {
            Case::Baseline => "handler without idempotency (baseline)",
            Case::First => "first call (new key)",
            Case::Replay => "replay of a completed key, no cache",
            Case::Cached => "replay, local cache on",
            Case::Error => "handler error",
        }
    }

    fn expected_requests(self) -> usize {
        match self {
            Case::Baseline | Case::Cached => 0,
            Case::Replay => 1,
            Case::First | Case::Error => 2,
        }
    }

    /// The key of the `n`th invocation under `tag`: fresh where the case needs it.
    fn key(self, tag: &str, n: usize) -> String {
        match self {
            Case::Replay => REPLAY_KEY.to_owned(),
            Case::Cached => CACHED_KEY.to_owned(),
            Case::Baseline | Case::First | Case::Error => format!("{tag}-{}-{n}", self.name()),
        }
    }
}

/// A client as a function builds it (ferrodyn-lambda, prewarm off unless asked) with the request
/// counter, and the two `Idempotency` values (without and with the local cache).
struct Target {
    requests: Arc<AtomicUsize>,
    plain: Idempotency,
    cached: Idempotency,
}

fn lambda_vars(endpoint: &str) -> [(&'static str, String); 4] {
    [
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint.to_owned()),
    ]
}

impl Target {
    async fn connect(endpoint: &str, table: &str, prewarm: bool) -> Target {
        let built = ferrodyn_lambda::LambdaDb::builder()
            .vars(lambda_vars(endpoint))
            .prewarm(false)
            .build()
            .await
            .expect("ferrodyn-lambda client");
        let requests = Arc::new(AtomicUsize::new(0));
        let config = built
            .client()
            .config()
            .to_builder()
            .interceptor(CountRequests(requests.clone()))
            .build();
        let db = Db::from_client(aws_sdk_dynamodb::Client::from_conf(config))
            .with_table_name(TABLE, table);
        if prewarm {
            ferrodyn_lambda::prewarm(&db, Duration::from_secs(2)).await;
        }
        let builder =
            || Idempotency::builder(&db, TABLE).function_name("bench").event_key_path("order_id");
        let plain = builder().build().expect("idempotency configuration");
        let cached = builder().local_cache(256).build().expect("idempotency configuration");
        Target { requests, plain, cached }
    }

    /// One invocation: its wall time (handler, idempotency and serialising the response, as the
    /// runtime does) and the requests it sent.
    async fn invoke(&self, case: Case, key: &str) -> (Duration, usize) {
        let event = order(key);
        let deadline = Some(SystemTime::now() + Duration::from_secs(60));
        let before = self.requests.load(Ordering::SeqCst);
        let start = Instant::now();
        let response = match case {
            Case::Baseline => charge(&event).await.map_err(IdempotencyError::Handler),
            Case::First | Case::Replay => {
                self.plain.run(HANDLER, &event, deadline, || charge(&event)).await
            }
            Case::Cached => self.cached.run(HANDLER, &event, deadline, || charge(&event)).await,
            Case::Error => self.plain.run(HANDLER, &event, deadline, || decline(&event)).await,
        };
        let body = response.as_ref().ok().map(|r| serde_json::to_string(r).expect("JSON"));
        let elapsed = start.elapsed();
        let sent = self.requests.load(Ordering::SeqCst) - before;
        match (case, response) {
            (Case::Error, Err(IdempotencyError::Handler(_))) => {}
            (Case::Error, other) => {
                panic!("{}: expected the handler's error, got {other:?}", case.name())
            }
            (_, Ok(receipt)) => {
                assert_eq!(receipt.order_id, key, "{}", case.name());
                std::hint::black_box(body);
            }
            (_, Err(e)) => panic!("{}: {e}", case.name()),
        }
        (elapsed, sent)
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn percentile(samples: &[f64], p: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Whole µs from 100 up, else one decimal.
fn us(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn median(samples: &[f64]) -> f64 {
    percentile(samples, 0.5)
}

/// "2" when every invocation sent the same number of requests, else the range.
fn counts(samples: &[usize]) -> String {
    let (min, max) = (samples.iter().min().copied(), samples.iter().max().copied());
    match (min, max) {
        (Some(min), Some(max)) if min == max => min.to_string(),
        (Some(min), Some(max)) => format!("{min}–{max} (varied!)"),
        _ => "-".to_owned(),
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

async fn create_table(endpoint: &str, table: &str) {
    let target = Target::connect(endpoint, table, false).await;
    target.plain.create_table().await.expect("create the idempotency table");
}

fn main() {
    if let Ok(case) = std::env::var(CHILD_ENV) {
        return child(&case);
    }
    let rounds = env_usize("ROUNDS", 200);
    let warmup = env_usize("WARMUP_ROUNDS", 50);
    let cold_runs = env_usize("COLD_RUNS", 20);

    let local;
    let endpoint = match std::env::var(ferrodyn_testing::ENDPOINT_ENV) {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => {
            local = ferrodyn_testing::DynamoDbLocal::start().expect("DynamoDB Local");
            local.endpoint().to_owned()
        }
    };
    let table = format!("idempotency-bench-{}", std::process::id());
    let rt = runtime();
    let target = rt.block_on(async {
        create_table(&endpoint, &table).await;
        let target = Target::connect(&endpoint, &table, false).await;
        // The replayed keys: completed once, and in the cache of the caching value.
        target.invoke(Case::First, REPLAY_KEY).await;
        let (_, sent) = target.invoke(Case::Cached, CACHED_KEY).await;
        assert_eq!(sent, 2, "the caching value completes its key first");
        target
    });
    let size = serde_json::to_string(&rt.block_on(charge(&order("first-0000"))).expect("receipt"))
        .expect("JSON")
        .len();

    // Warm: every case once per round, the order rotated each round; the first rounds only warm
    // up (DynamoDB Local's JIT, the connection pool).
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); Case::ALL.len()];
    let mut sent: Vec<Vec<usize>> = vec![Vec::new(); Case::ALL.len()];
    rt.block_on(async {
        for round in 0..warmup + rounds {
            for i in 0..Case::ALL.len() {
                let index = (i + round) % Case::ALL.len();
                let case = Case::ALL[index];
                let (elapsed, requests) = target.invoke(case, &case.key("warm", round)).await;
                if round >= warmup {
                    times[index].push(micros(elapsed));
                    sent[index].push(requests);
                }
            }
        }
    });

    println!(
        "\nidempotency: one handler (a {size}-byte JSON response), DynamoDB Local on loopback, \
         {rounds} interleaved rounds after {warmup} unmeasured ones (µs per invocation)\n"
    );
    println!("| case | requests | median | p90 | added vs baseline (median) | ratio to baseline |");
    println!("|---|---|---|---|---|---|");
    let base = median(&times[0]);
    for (index, case) in Case::ALL.into_iter().enumerate() {
        let m = median(&times[index]);
        println!(
            "| {} | {} (expected {}) | {} | {} | +{} | {:.0}× |",
            case.label(),
            counts(&sent[index]),
            case.expected_requests(),
            us(m),
            us(percentile(&times[index], 0.9)),
            us(m - base),
            m / base
        );
    }

    cold(&endpoint, &table, cold_runs);
}

/// What the cold runs measure: a case, and whether init prewarmed the connection.
const COLD: [(Case, bool); 5] = [
    (Case::Baseline, false),
    (Case::First, false),
    (Case::Replay, false),
    (Case::Error, false),
    (Case::First, true),
];

fn cold_name(case: Case, prewarm: bool) -> String {
    if prewarm {
        format!("{}+prewarm", case.name())
    } else {
        case.name().to_owned()
    }
}

/// What one child process measured (µs, requests).
#[derive(Debug, Clone, Copy)]
struct ChildSample {
    init: f64,
    cold: f64,
    cold_sent: usize,
    /// The median of the process's next invocations.
    warm: f64,
    warm_sent: usize,
}

/// Starts this binary `runs` times per cold case (interleaved) and prints the medians.
fn cold(endpoint: &str, table: &str, runs: usize) {
    let exe = std::env::current_exe().expect("this executable");
    let mut results: Vec<Vec<ChildSample>> = vec![Vec::new(); COLD.len()];
    for run in 0..runs {
        for i in 0..COLD.len() {
            let index = (i + run) % COLD.len();
            let (case, prewarm) = COLD[index];
            let name = cold_name(case, prewarm);
            let out = Command::new(&exe)
                .env(CHILD_ENV, &name)
                .env(TABLE_ENV, table)
                .env(TAG_ENV, format!("cold{run}x{index}"))
                .env(ferrodyn_testing::ENDPOINT_ENV, endpoint)
                .output()
                .expect("start the child");
            assert!(out.status.success(), "child {name}: {}", String::from_utf8_lossy(&out.stderr));
            let line = String::from_utf8_lossy(&out.stdout);
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [init, cold, cold_sent, warm, warm_sent] = fields[..] else {
                panic!("child {name} printed {line:?}");
            };
            let f = |s: &str| s.parse::<f64>().expect("a number");
            let u = |s: &str| s.parse::<usize>().expect("a count");
            results[index].push(ChildSample {
                init: f(init),
                cold: f(cold),
                cold_sent: u(cold_sent),
                warm: f(warm),
                warm_sent: u(warm_sent),
            });
        }
    }
    println!(
        "\ncold: the first invocation in a fresh process (new client, new Idempotency, the first \
         request on a new connection unless prewarmed), {runs} processes per case, interleaved, \
         medians (µs); warm: the same process's next {WARM_IN_CHILD} invocations\n"
    );
    println!(
        "| case | requests (cold, then warm) | init (client + Idempotency) | cold invocation | added vs cold \
         baseline | warm in that process | cold/warm |"
    );
    println!("|---|---|---|---|---|---|---|");
    let column = |index: usize, pick: fn(&ChildSample) -> f64| -> f64 {
        median(&results[index].iter().map(pick).collect::<Vec<_>>())
    };
    let base = column(0, |r| r.cold);
    for (index, (case, prewarm)) in COLD.into_iter().enumerate() {
        let cold = column(index, |r| r.cold);
        let warm = column(index, |r| r.warm);
        let cold_sent: Vec<usize> = results[index].iter().map(|r| r.cold_sent).collect();
        let warm_sent: Vec<usize> = results[index].iter().map(|r| r.warm_sent).collect();
        let label = if prewarm {
            format!("{}, connection prewarmed in init", case.label())
        } else {
            case.label().to_owned()
        };
        println!(
            "| {label} | {}, then {} | {} | {} | +{} | {} | {:.1}× |",
            counts(&cold_sent),
            counts(&warm_sent),
            us(column(index, |r| r.init)),
            us(cold),
            us(cold - base),
            us(warm),
            cold / warm
        );
    }
}

/// The child mode: init, one cold invocation of `name`'s case, then warm ones; prints one line.
fn child(name: &str) {
    let start = Instant::now();
    let (case, prewarm) = match name.strip_suffix("+prewarm") {
        Some(case) => (case, true),
        None => (name, false),
    };
    let case = Case::parse(case).expect("a case name");
    let var = |name: &str| std::env::var(name).expect("set by the parent");
    let (endpoint, table, tag) =
        (var(ferrodyn_testing::ENDPOINT_ENV), var(TABLE_ENV), var(TAG_ENV));
    let rt = runtime();
    rt.block_on(async {
        let target = Target::connect(&endpoint, &table, prewarm).await;
        let init = start.elapsed();
        let (cold, cold_sent) = target.invoke(case, &case.key(&tag, 0)).await;
        let mut warm = Vec::new();
        let mut warm_sent = Vec::new();
        for n in 1..=WARM_IN_CHILD {
            let (elapsed, sent) = target.invoke(case, &case.key(&tag, n)).await;
            warm.push(micros(elapsed));
            warm_sent.push(sent);
        }
        assert!(
            warm_sent.iter().all(|&s| s == warm_sent[0]),
            "warm requests varied: {warm_sent:?}"
        );
        println!(
            "{:.1} {:.1} {cold_sent} {:.1} {}",
            micros(init),
            micros(cold),
            median(&warm),
            warm_sent[0]
        );
    });
}
