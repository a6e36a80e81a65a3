//! `cargo xtask demo`'s last part: the example stack (template.yaml) run by
//! `ferrodyn-local start`, driven with real HTTP requests on loopback, then the stats the
//! order-stream consumer kept from the table's stream read back through the API.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Long enough for a first build of the functions.
const STARTUP: Duration = Duration::from_secs(900);

/// Builds the `ferrodyn-local` binary; its path.
pub(crate) fn build() -> Result<PathBuf, String> {
    println!("==> cargo build --package ferrodyn-local --bin ferrodyn-local");
    let output = super::cargo()
        .args(["build", "--quiet", "--package", "ferrodyn-local", "--bin", "ferrodyn-local"])
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("building ferrodyn-local: {e}"))?;
    if !output.status.success() {
        return Err(format!("building ferrodyn-local failed ({})", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built no ferrodyn-local executable".to_owned())
}

/// Kills `ferrodyn-local` (and so its functions, whose Runtime API goes with it) when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request; the status and the JSON body (`null` when empty).
fn call(address: &str, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
    let failed = |e: std::io::Error| format!("{method} {path}: {e}");
    let mut stream = TcpStream::connect(address).map_err(failed)?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(failed)?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(failed)?;
    let status: u16 = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let text = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let json = match (text.find(['{', '[']), text.rfind(['}', ']'])) {
        (Some(start), Some(end)) if end >= start => {
            serde_json::from_str(&text[start..=end]).unwrap_or(Value::Null)
        }
        _ => Value::Null,
    };
    println!("    {method} {path} → {status}");
    if status >= 400 {
        return Err(format!("{method} {path} answered {status}: {json}"));
    }
    Ok(json)
}

/// Starts `command` (the built binary, DynamoDB configured) on template.yaml and drives it.
pub(crate) fn run(mut command: Command) -> Result<(), String> {
    println!("==> ferrodyn-local start (template.yaml)");
    let spawned = Instant::now();
    let child = command
        .current_dir(super::workspace_root())
        .args(["start", "--port", "0", "--table-prefix"])
        .arg(format!("demo-{}-", std::process::id()))
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting ferrodyn-local: {e}"))?;
    let mut running = Running(child);
    let stdout = running.0.stdout.take().ok_or("no output from ferrodyn-local")?;
    let (listening, address) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(address) = line.split("listening on http://").nth(1) {
                let _ = listening.send(address.split_whitespace().next().unwrap_or("").to_owned());
            }
            println!("    | {line}");
        }
    });
    let address = address
        .recv_timeout(STARTUP)
        .map_err(|_| "ferrodyn-local start did not start listening".to_owned())?;
    println!("==> serving on {address}, {:.1}s after the start", spawned.elapsed().as_secs_f64());

    let customer = call(
        &address,
        "POST",
        "/customers",
        Some(json!({"name": "Ada", "email": "ada@example.com"})),
    )?;
    let id = customer["id"].as_str().ok_or("no customer id")?.to_owned();
    call(&address, "GET", &format!("/customers/{id}"), None)?;
    let mut written = (0, 0);
    let mut last = Value::Null;
    for (qty, price) in [(2, 450), (1, 1250), (3, 999)] {
        let lines = json!({"lines": [{"sku": "BOOK", "qty": qty, "price_cents": price}]});
        last = call(&address, "POST", &format!("/customers/{id}/orders"), Some(lines))?;
        written.0 += 1;
        written.1 += last["total_cents"].as_i64().ok_or("no total")?;
    }
    let order = format!("/customers/{id}/orders/{}", last["order_id"].as_str().unwrap_or("-"));
    call(&address, "PATCH", &order, Some(json!({"status": "paid", "version": 1})))?;
    call(&address, "GET", "/orders?status=paid", None)?;
    call(&address, "GET", &format!("/customers/{id}/orders"), None)?;
    call(&address, "DELETE", &order, None)?;
    written = (written.0 - 1, written.1 - last["total_cents"].as_i64().unwrap_or(0));

    // The consumer applies the stream asynchronously: poll the stats until they settle.
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let stats =
            call(&address, "GET", &format!("/customers/{id}/stats"), None).unwrap_or(Value::Null);
        let got = (
            stats["order_count"].as_i64().unwrap_or(-1),
            stats["total_cents"].as_i64().unwrap_or(-1),
        );
        if got == written {
            println!(
                "==> the stream consumer's stats match the orders written: {} order(s), {} cents",
                got.0, got.1
            );
            return Ok(());
        }
        if Instant::now() > until {
            return Err(format!("the stats are {got:?}, the orders written {written:?}"));
        }
        thread::sleep(Duration::from_millis(500));
    }
}
