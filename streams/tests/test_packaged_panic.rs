//! A handler panic as a packaged function meets it: the fixture consumer
//! (tests/fixtures/consumer) is built with the `lambda-host` profile — the release profile's
//! panic strategy and stripped symbols, which `cargo lambda build --release` ships, at the dev
//! profile's build time — and run under ferrodyn-local's Runtime API. The panicking record alone
//! fails, and the same process serves the next invocation. Under `panic = "abort"` the first
//! invocation would end the process instead (streams/README.md, "Panics").

use std::path::PathBuf;
use std::process::Command;

use ferrodyn_local::runtime_api::Bootstrap;
use serde_json::{json, Value};

/// Builds the fixture as packaged and returns its binary.
fn packaged_consumer() -> PathBuf {
    // The test binary is <target>/<profile>/deps/<name>: the fixture goes to <target>/lambda-host.
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).unwrap().to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--profile", "lambda-host", "--package", "ferrodyn-streams-fixtures"])
        .arg("--target-dir")
        .arg(&target)
        .status()
        .unwrap();
    assert!(status.success(), "building the fixture consumer failed: {status}");
    target.join("lambda-host").join("ferrodyn-streams-fixtures")
}

fn record(sequence: &str, id: &str, text: &str) -> Value {
    json!({
        "eventID": format!("event-{sequence}"),
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "awsRegion": "ddblocal",
        "dynamodb": {
            "Keys": { "pk": { "S": format!("NOTE#{id}") }, "sk": { "S": "NOTE" } },
            "NewImage": {
                "pk": { "S": format!("NOTE#{id}") },
                "sk": { "S": "NOTE" },
                "id": { "S": id },
                "text": { "S": text }
            },
            "SequenceNumber": sequence,
            "SizeBytes": 40,
            "StreamViewType": "NEW_IMAGE"
        }
    })
}

#[test]
fn a_packaged_consumer_fails_only_the_panicking_record_and_serves_the_next_batch() {
    let function = Bootstrap::new(packaged_consumer()).function_name("notes").spawn().unwrap();
    let batch = json!({ "Records": [
        record("101", "n1", "fine"),
        record("102", "n2", "panic"),
        record("103", "n3", "fine"),
    ]});
    let result = function.invoke(&batch.to_string()).unwrap();
    assert_eq!(result.error, None, "the invocation failed instead of one record");
    let response: Value = serde_json::from_str(&result.body).unwrap();
    assert_eq!(response, json!({ "batchItemFailures": [{ "itemIdentifier": "102" }] }));

    // The same process, still alive, serves the next batch.
    let next = json!({ "Records": [record("104", "n4", "fine")] });
    let result = function.invoke(&next.to_string()).unwrap();
    assert_eq!(result.error, None);
    assert_eq!(
        serde_json::from_str::<Value>(&result.body).unwrap(),
        json!({ "batchItemFailures": [] })
    );
}

/// The `panic` setting of `[profile.<name>]` in the workspace manifest.
fn profile_panic(manifest: &str, name: &str) -> Option<String> {
    let header = format!("[profile.{name}]");
    manifest
        .lines()
        .skip_while(|line| line.trim() != header)
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .find_map(|line| {
            let value = line.trim().strip_prefix("panic")?.trim_start().strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
}

#[test]
fn the_lambda_host_profile_panics_as_the_release_profile_ships() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml")).unwrap();
    // Without a `panic` of its own in [profile.release], `cargo lambda build --release` ships
    // `panic = "abort"`.
    let release = profile_panic(&manifest, "release").unwrap_or_else(|| "abort".into());
    assert_eq!(profile_panic(&manifest, "lambda-host"), Some(release));
}
