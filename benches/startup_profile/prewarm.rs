//! Whether the connection prewarm pays when each round trip costs time: the ferrodyn function
//! over HTTPS with `FERRODYN_PREWARM` on and off, interleaved, through the TLS proxy with no
//! delay and with `COLDSTART_PREWARM_RTTS_MS` (default `0,1.5`) per round trip; prints medians.

use crate::coldstart::{self, measure, stats, tls, BoxError, Function};

/// Runs `COLDSTART_ROUNDS` rounds per delay and prints the medians.
///
/// # Errors
/// The bootstrap is missing, a set-up failed, or a run failed.
pub fn main() -> Result<(), BoxError> {
    let settings = coldstart::Settings::from_env()?;
    let program = settings.bin_dir.join(Function::Ferrodyn.package());
    let rtts: Vec<f64> = std::env::var("COLDSTART_PREWARM_RTTS_MS")
        .unwrap_or_else(|_| "0,1.5".into())
        .split(',')
        .map(|ms| ms.trim().parse().map_err(|_| format!("not a number of ms: `{ms}`")))
        .collect::<Result<_, _>>()?;
    let local = ferrodyn_testing::DynamoDbLocal::start()?;
    let upstream = coldstart::socket_address(local.endpoint())?;
    let table = format!("prewarm-{}", std::process::id());
    coldstart::create_table_and_item(local.endpoint(), &table)?;
    let ca = tls::TestCa::generate_for(tls::cert_kind_from_env()?)?;
    let scratch = std::env::temp_dir().join(format!("ferrodyn-prewarm-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let bundle_path = scratch.join("ca-bundle.pem");
    std::fs::write(&bundle_path, tls::bundle_from_env(ca.ca_pem())?)?;
    println!(
        "| delay per round trip | prewarm | cold response | init | first invocation | CPU to first response | runs |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for rtt_ms in rtts {
        let rtt = std::time::Duration::from_secs_f64(rtt_ms / 1000.0);
        let proxy = tls::TlsProxy::start_with_rtt(ca.server_config(), upstream, rtt)?;
        let env_for = |prewarm: bool| -> Vec<(String, String)> {
            [
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", "local"),
                ("AWS_SECRET_ACCESS_KEY", "local"),
                ("AWS_SESSION_TOKEN", "local"),
                ("TABLE_NAME", table.as_str()),
                (
                    ferrodyn_testing::ENDPOINT_ENV,
                    &format!("https://localhost:{}", proxy.address().port()),
                ),
                ("SSL_CERT_FILE", &bundle_path.display().to_string()),
                ("FERRODYN_PREWARM", if prewarm { "true" } else { "false" }),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
        };
        let mut samples = [Vec::new(), Vec::new()];
        // One unmeasured round warms the page cache.
        for round in 0..=settings.rounds {
            for (i, prewarm) in [true, false].into_iter().enumerate() {
                let event = Function::Ferrodyn.event("");
                let sample = measure::cold_start(
                    &program,
                    Function::Ferrodyn.name(),
                    &env_for(prewarm),
                    [&event, &event],
                    Function::Ferrodyn.expect(),
                )?;
                if round > 0 {
                    samples[i].push(sample);
                }
            }
        }
        for (i, prewarm) in [true, false].into_iter().enumerate() {
            let median = |f: fn(&coldstart::Sample) -> std::time::Duration| {
                let values: Vec<f64> =
                    samples[i].iter().map(|s| f(s).as_secs_f64() * 1000.0).collect();
                stats::median(&values).unwrap_or(f64::NAN)
            };
            println!(
                "| {rtt_ms} ms | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
                if prewarm { "on" } else { "off" },
                median(|s| s.cold_response),
                median(|s| s.init),
                median(|s| s.cold_response.saturating_sub(s.init)),
                median(|s| s.cpu_first_response),
                samples[i].len()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}
