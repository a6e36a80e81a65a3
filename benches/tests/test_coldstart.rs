//! The cold-start harness's logic without timing: medians and ratios, the JSON, table and SVG
//! of a report, the `/proc` readers on this process, and the TLS proxy's handshake with a client
//! that trusts only the generated test CA.

use std::sync::Arc;
use std::time::Duration;

use ferrodyn_benches::coldstart::batch::BatchRuns;
use ferrodyn_benches::coldstart::measure::BatchSample;
use ferrodyn_benches::coldstart::{
    functions, measure, report, stats, tls, BinarySize, Function, FunctionRuns, Metric, Report,
    Sample, Transport, TransportRuns,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

fn sample(cold_ms: u64, cpu_ms: u64, rss_kb: u64) -> Sample {
    Sample {
        init: Duration::from_millis(cold_ms / 2),
        cold_response: Duration::from_millis(cold_ms),
        warm: Duration::from_millis(1),
        cpu_first_response: Duration::from_millis(cpu_ms),
        cpu_total: Duration::from_millis(cpu_ms + 1),
        peak_rss_kb: rss_kb,
        file_rss_kb: rss_kb * 3 / 4,
        anon_rss_kb: rss_kb / 4,
    }
}

/// Floor, baseline, ferrodyn and the orders API with three samples each; the medians are the
/// middle ones. Two functions were not run.
fn report_fixture() -> Report {
    let runs = |function, samples| FunctionRuns { function, samples };
    let transport = |transport| TransportRuns {
        transport,
        functions: vec![
            runs(
                Function::Floor,
                vec![sample(10, 4, 10240), sample(12, 5, 10240), sample(90, 6, 10240)],
            ),
            runs(
                Function::Baseline,
                vec![sample(100, 40, 40960), sample(80, 50, 40960), sample(120, 60, 40960)],
            ),
            runs(
                Function::Ferrodyn,
                vec![sample(40, 10, 20480), sample(50, 20, 20480), sample(45, 15, 20480)],
            ),
            runs(
                Function::OrdersApi,
                vec![sample(60, 18, 30720), sample(70, 20, 30720), sample(65, 30, 30720)],
            ),
        ],
    };
    Report {
        rounds: 3,
        cpus: 2,
        profile: "release".into(),
        transports: vec![transport(Transport::Https), transport(Transport::Http)],
        binaries: vec![
            BinarySize {
                function: Function::Floor,
                bytes: 2_000_000,
                stripped_bytes: Some(1_000_000),
            },
            BinarySize {
                function: Function::Baseline,
                bytes: 20_000_000,
                stripped_bytes: Some(10_000_000),
            },
            BinarySize {
                function: Function::Ferrodyn,
                bytes: 18_000_000,
                stripped_bytes: Some(9_000_000),
            },
        ],
        batch_records: 10,
        batches: vec![BatchRuns {
            function: Function::OrderStream,
            records: 8,
            bytes: 3 * 1024 * 1024,
            samples: vec![
                BatchSample {
                    duration: Duration::from_millis(900),
                    cpu: Duration::from_millis(300),
                    peak_rss_kb: 20480,
                },
                BatchSample {
                    duration: Duration::from_millis(700),
                    cpu: Duration::from_millis(200),
                    peak_rss_kb: 10240,
                },
            ],
        }],
    }
}

#[test]
fn median_takes_the_middle_and_ratio_refuses_zero() {
    assert_eq!(stats::median(&[5.0, 1.0, 3.0]), Some(3.0));
    assert_eq!(stats::median(&[1.0, 2.0, 3.0, 10.0]), Some(2.5));
    assert_eq!(stats::median(&[f64::NAN, 2.0]), Some(2.0));
    assert_eq!(stats::median(&[]), None);
    assert_eq!(stats::ratio(3.0, 2.0), Some(1.5));
    assert_eq!(stats::ratio(3.0, 0.0), None);
}

#[test]
fn medians_and_ratios_of_a_report() {
    let report = report_fixture();
    let https = &report.transports[0];
    let ferrodyn = https.function(Function::Ferrodyn).map(|r| r.median(Metric::ColdResponse));
    assert_eq!(ferrodyn, Some(Some(45.0)));
    assert_eq!(
        https.ratio(Metric::ColdResponse, Function::Ferrodyn, Function::Baseline),
        Some(45.0 / 100.0)
    );
    assert_eq!(
        https.ratio(Metric::CpuFirstResponse, Function::Ferrodyn, Function::Floor),
        Some(3.0)
    );
    assert_eq!(https.ratio(Metric::PeakRss, Function::Ferrodyn, Function::Baseline), Some(0.5));
    assert_eq!(report.size(Function::Ferrodyn), Some(9_000_000));
}

#[test]
fn json_holds_medians_ratios_and_every_sample() {
    let json = report::to_json(&report_fixture());
    assert_eq!(json["rounds"], 3);
    assert_eq!(json["binary_size_ratios"]["ferrodyn/baseline"], 0.9);
    let https = &json["transports"][0];
    assert_eq!(https["transport"], "https");
    assert_eq!(https["functions"][1]["function"], "baseline");
    assert_eq!(https["functions"][1]["median"]["cold_response_ms"], 100.0);
    assert_eq!(https["functions"][1]["median"]["peak_rss_mib"], 40.0);
    assert_eq!(https["functions"][1]["median"]["file_rss_mib"], 30.0);
    assert_eq!(https["functions"][1]["median"]["anon_rss_mib"], 10.0);
    assert_eq!(https["functions"][2]["samples"].as_array().map(Vec::len), Some(3));
    assert_eq!(https["ratios"]["ferrodyn/baseline"]["cpu_to_first_response_ms"], 0.3);
    assert_eq!(https["ratios"]["ferrodyn/floor"]["cold_response_ms"], 3.75);
    assert_eq!(https["ratios"]["orders-api/ferrodyn"]["cpu_to_first_response_ms"], 1.333);
    assert_eq!(https["ratios"]["orders-api/baseline"]["cold_response_ms"], 0.65);
    assert_eq!(json["transports"][1]["transport"], "http");
    let goal = json["goals"]
        .as_array()
        .and_then(|goals| {
            goals.iter().find(|g| {
                g["goal"] == "peak RSS over HTTP, orders-api/baseline" && g["limit"] == 0.75
            })
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(goal["ratio"], 0.75);
    assert_eq!(goal["met"], true);
    let batch = &json["batch"];
    assert_eq!(batch["batch_size"], 10);
    assert_eq!(batch["payload_limit"], functions::INVOCATION_PAYLOAD_LIMIT);
    assert_eq!(batch["functions"][0]["records"], 8);
    assert_eq!(batch["functions"][0]["bytes"], 3 * 1024 * 1024);
    assert_eq!(batch["functions"][0]["function"], "order-stream");
    assert_eq!(batch["functions"][0]["median"]["duration_ms"], 800.0);
    assert_eq!(batch["functions"][0]["median"]["peak_rss_mib"], 15.0);
    assert_eq!(batch["functions"][0]["samples"].as_array().map(Vec::len), Some(2));
}

#[test]
fn table_shows_medians_ratios_and_goals() {
    let table = report::table(&report_fixture());
    assert!(table.contains("| metric | floor | baseline | ferrodyn | ferrodyn+idempotency | orders-api | order-stream | ferrodyn/baseline | ferrodyn/floor | orders-api/baseline | orders-api/ferrodyn |"), "{table}");
    assert!(table.contains("| cold response (exec → first response) | 12.0 ms | 100.0 ms | 45.0 ms | – | 65.0 ms | – | 0.45× | 3.75× | 0.65× | 1.44× |"), "{table}");
    assert!(
        table.contains(
            "| size, stripped | 1.0 MiB | 9.5 MiB | 8.6 MiB | – | – | – | 0.90× | 9.00× | – | – |"
        ),
        "{table}"
    );
    assert!(
        table.contains("| … of it at the end: file pages (binary, libraries) | 7.5 MiB | 30.0 MiB | 15.0 MiB | – | 22.5 MiB | – | 0.50× | 2.00× | 0.75× | 1.50× |"),
        "{table}"
    );
    assert!(
        table.contains(
            "- CPU time to first response over HTTPS, ferrodyn/baseline: 0.30× (goal ≤ 0.50×): met"
        ),
        "{table}"
    );
    assert!(
        table.contains(
            "- CPU time to first response over HTTP, ferrodyn/floor: 3.00× (goal ≤ 1.60×): missed"
        ),
        "{table}"
    );
    assert!(
        table.contains("- binary size, stripped, ferrodyn/baseline: 0.90× (goal ≤ 0.50×): missed"),
        "{table}"
    );
    assert!(
        table.contains("- peak RSS over HTTPS, orders-api/baseline: 0.75× (goal ≤ 0.75×): met"),
        "{table}"
    );
    assert!(
        table.contains("| order-stream | 8 | 3.0 MiB | 800.0 ms | 250.0 ms | 15.0 MiB |"),
        "{table}"
    );
    assert!(table.contains("for a batch size of 10 (at most 6291456 bytes)"), "{table}");
}

#[test]
fn every_function_has_its_event_and_answer() {
    let get = Function::OrdersApi.event("x");
    let event: serde_json::Value = serde_json::from_str(&get).unwrap_or_default();
    assert_eq!(event["rawPath"], "/customers/c-1");
    assert_eq!(event["requestContext"]["http"]["method"], "GET");
    assert_eq!(Function::Ferrodyn.event("x"), r#"{"id":"c-1"}"#);
    // A batch's records are Orders as ferrodyn stores them, each event id prefixed.
    let batch: serde_json::Value =
        serde_json::from_str(&functions::order_batch(20, "run-7")).unwrap_or_default();
    let records = batch["Records"].as_array().cloned().unwrap_or_default();
    assert_eq!(records.len(), 20);
    for record in &records {
        assert!(record["eventID"].as_str().is_some_and(|id| id.starts_with("run-7-")));
        let image = if record["eventName"] == "REMOVE" {
            &record["dynamodb"]["OldImage"]
        } else {
            &record["dynamodb"]["NewImage"]
        };
        assert_eq!(image["entity"]["S"], "Order", "{record}");
        assert!(image["pk"]["S"].as_str().is_some_and(|pk| pk.starts_with("CUSTOMER#c")));
    }
    assert!(Function::ALL.iter().all(|f| !f.expect().is_empty()));
}

#[test]
fn the_large_batch_stops_at_the_last_whole_record_within_the_payload_limit() {
    let whole = functions::order_batch(50, "run-7");
    // Within the limit: all of it.
    assert_eq!(functions::order_batch_within(50, whole.len(), "run-7"), (50, whole.clone()));
    // One byte short: the last record goes, and what is left is the same records.
    let (records, cut) = functions::order_batch_within(50, whole.len() - 1, "run-7");
    assert_eq!(records, 49);
    let parsed = |text: &str| -> Vec<serde_json::Value> {
        let event: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        event["Records"].as_array().cloned().unwrap_or_default()
    };
    assert_eq!(parsed(&cut), parsed(&whole)[..49]);
    // Exactly the size of the first n records fits n of them, one byte less fits n - 1.
    let ten = functions::order_batch(10, "run-7");
    let at_ten = functions::order_batch_within(50, ten.len(), "run-7");
    assert_eq!(at_ten, (10, ten.clone()));
    assert_eq!(functions::order_batch_within(50, ten.len() - 1, "run-7").0, 9);
    // Too small for one record: an empty batch.
    assert_eq!(functions::order_batch_within(50, 20, "run-7"), (0, r#"{"Records":[]}"#.to_owned()));
    // The default batch size of Orders with both images does not fit Lambda's limit.
    let (records, event) =
        functions::order_batch_within(10_000, functions::INVOCATION_PAYLOAD_LIMIT, "run-7");
    assert!(event.len() <= functions::INVOCATION_PAYLOAD_LIMIT);
    assert!((5_000..10_000).contains(&records), "{records}");
    assert_eq!(parsed(&event).len(), records);
}

#[test]
fn svg_draws_a_bar_per_function_and_group() {
    let svg = report::svg(&report_fixture());
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    // 5 metrics × 2 transports + the binary size, a bar per function each, plus a legend swatch
    // per function and the background.
    assert_eq!(svg.matches("<rect").count(), 11 * 6 + 6 + 1);
    assert!(svg.contains(">45.0 ms<"));
    assert!(svg.contains("exec → first response"));
}

#[test]
fn proc_readers_measure_this_process() {
    let pid = std::process::id();
    let cpu = measure::threads_cpu(pid).map_err(|e| e.to_string());
    assert!(cpu.is_ok_and(|cpu| cpu > Duration::ZERO));
    let memory = measure::memory_kb(pid).map_err(|e| e.to_string());
    assert!(memory.is_ok_and(|m| m.peak > 0 && m.file > 0 && m.anon > 0 && m.file < m.peak));
    assert_eq!(measure::parse_schedstat("123456 789 10\n"), Some(123456));
    let status = "Name:\tx\nVmHWM:\t   12345 kB\nVmRSS:\t 1 kB\nRssAnon:\t  300 kB\n\
                  RssFile:\t 900 kB\nRssShmem:\t 0 kB\n";
    assert_eq!(
        measure::parse_memory(status),
        Some(measure::Memory { peak: 12345, file: 900, anon: 300 })
    );
    assert_eq!(measure::parse_memory("Name:\tx\nVmHWM:\t 1 kB\n"), None);
}

#[test]
fn bundle_keeps_the_system_roots_and_adds_the_ca() -> Result<(), Box<dyn std::error::Error>> {
    let ca = tls::TestCa::generate().map_err(|e| e.to_string())?;
    let system = std::env::temp_dir().join(format!("coldstart-roots-{}.pem", std::process::id()));
    std::fs::write(&system, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")?;
    let bundle = tls::bundle(Some(&system), ca.ca_pem())?;
    std::fs::remove_file(&system)?;
    assert!(bundle.starts_with("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    assert!(bundle.ends_with(ca.ca_pem()));
    assert_eq!(bundle.matches("BEGIN CERTIFICATE").count(), 2);
    Ok(())
}

#[test]
fn proxy_terminates_tls_for_a_client_trusting_the_test_ca() -> Result<(), Box<dyn std::error::Error>>
{
    let ca = tls::TestCa::generate().map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        // The upstream: a plain TCP server that answers each read with the bytes upper-cased.
        let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let upstream_address = upstream.local_addr()?;
        tokio::spawn(async move {
            if let Ok((mut socket, _)) = upstream.accept().await {
                let mut buffer = [0u8; 64];
                while let Ok(n @ 1..) = socket.read(&mut buffer).await {
                    if socket.write_all(&buffer[..n].to_ascii_uppercase()).await.is_err() {
                        break;
                    }
                }
            }
        });
        let proxy = tls::TlsProxy::start(ca.server_config(), upstream_address)?;

        let mut roots = RootCertStore::empty();
        roots.add(CertificateDer::from_pem_slice(ca.ca_pem().as_bytes())?)?;
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(proxy.address()).await?;
        let mut tls = connector.connect(ServerName::try_from("localhost")?, tcp).await?;
        tls.write_all(b"hello").await?;
        let mut answer = [0u8; 5];
        tls.read_exact(&mut answer).await?;
        assert_eq!(&answer, b"HELLO");
        Ok(())
    })
}

#[test]
fn the_shipped_functions_log_as_the_template_deploys_them() {
    // template.yaml's Globals give every function `LoggingConfig.LogFormat: JSON`, which Lambda
    // passes on as AWS_LAMBDA_LOG_FORMAT.
    let template = include_str!("../../template.yaml");
    assert!(template.contains("LoggingConfig:\n      # ") && template.contains("LogFormat: JSON"));
    let tables = functions::Tables { coldstart: "c".into(), shop: "s".into() };
    for function in Function::ALL {
        let env = function.env(&tables);
        let json = env.iter().any(|(k, v)| k == "AWS_LAMBDA_LOG_FORMAT" && v == "JSON");
        assert_eq!(json, function.shipped(), "{}", function.name());
    }
}
