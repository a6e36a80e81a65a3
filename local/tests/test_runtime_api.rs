//! The Lambda Runtime API stand-in, driven by a minimal raw HTTP/1.1 client that plays the
//! runtime's side (as lambda_runtime does: one keep-alive connection for `/next` and the
//! results). The orders API example runs a real bootstrap under it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ferrodyn_local::runtime_api::{Bootstrap, InvokeError, RuntimeApi};

/// One keep-alive connection to the Runtime API.
struct Runtime {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl Runtime {
    fn connect(address: SocketAddr) -> Runtime {
        let stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Runtime { writer: stream.try_clone().unwrap(), reader: BufReader::new(stream) }
    }

    fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Response {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: runtime\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if method == "POST" && !headers.iter().any(|(n, _)| *n == "Transfer-Encoding") {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body);
        self.writer.write_all(request.as_bytes()).unwrap();
        self.read_response()
    }

    fn read_response(&mut self) -> Response {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("HTTP/1.1 "), "status line {line:?}");
        let status = line[9..12].parse().unwrap();
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            let (name, value) = trimmed.split_once(':').unwrap();
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .unwrap();
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        Response { status, headers, body: String::from_utf8(body).unwrap() }
    }

    fn next(&mut self) -> Response {
        self.send("GET", "/2018-06-01/runtime/invocation/next", &[], "")
    }
}

fn start() -> RuntimeApi {
    RuntimeApi::start("orders", Duration::from_secs(30)).unwrap()
}

#[test]
fn delivers_events_and_returns_responses_over_one_connection() {
    let api = start();
    assert_eq!(api.timings().first_next, None);
    let mut runtime = Runtime::connect(api.address());
    thread::scope(|scope| {
        let invocations = scope.spawn(|| {
            let first = api.invoke(r#"{"n":1}"#).unwrap();
            let second = api.invoke(r#"{"n":2}"#).unwrap();
            (first, second)
        });
        let mut ids = Vec::new();
        for n in 1..=2 {
            let event = runtime.next();
            assert_eq!(event.status, 200);
            assert_eq!(event.body, format!(r#"{{"n":{n}}}"#));
            let id = event.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
            let deadline: u128 =
                event.header("Lambda-Runtime-Deadline-Ms").unwrap().parse().unwrap();
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
            assert!(deadline > now + 25_000 && deadline <= now + 30_000, "{deadline} vs {now}");
            assert_eq!(
                event.header("Lambda-Runtime-Invoked-Function-Arn"),
                Some("arn:aws:lambda:us-east-1:000000000000:function:orders")
            );
            assert!(event.header("Lambda-Runtime-Trace-Id").unwrap().starts_with("Root=1-"));
            let posted = runtime.send(
                "POST",
                &format!("/2018-06-01/runtime/invocation/{id}/response"),
                &[],
                &format!(r#"{{"answer":{n}}}"#),
            );
            assert_eq!(posted.status, 202);
            ids.push(id);
        }
        let (first, second) = invocations.join().unwrap();
        assert_eq!((first.body.as_str(), first.error), (r#"{"answer":1}"#, None));
        assert_eq!(second.body, r#"{"answer":2}"#);
        assert_eq!(vec![first.request_id, second.request_id], ids);
        assert_ne!(ids[0], ids[1]);
    });
    let timings = api.timings();
    let (first_next, first_response) =
        (timings.first_next.unwrap(), timings.first_response.unwrap());
    assert!(first_next <= first_response);
    assert_eq!(timings.spawned, None);
}

#[test]
fn an_invocation_error_is_the_result_not_a_failure() {
    let api = start();
    let mut runtime = Runtime::connect(api.address());
    thread::scope(|scope| {
        let invocation = scope.spawn(|| api.invoke("{}"));
        let id = runtime.next().header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
        let body = r#"{"errorType":"Boom","errorMessage":"it broke"}"#;
        let posted = runtime.send(
            "POST",
            &format!("/2018-06-01/runtime/invocation/{id}/error"),
            &[("Lambda-Runtime-Function-Error-Type", "Runtime.Boom")],
            body,
        );
        assert_eq!(posted.status, 202);
        let result = invocation.join().unwrap().unwrap();
        assert_eq!(result.body, "");
        let error = result.into_body().unwrap_err();
        assert_eq!(error.error_type.as_deref(), Some("Runtime.Boom"));
        assert_eq!(error.body, body);
    });
}

#[test]
fn a_chunked_response_body_is_reassembled() {
    let api = start();
    let mut runtime = Runtime::connect(api.address());
    thread::scope(|scope| {
        let invocation = scope.spawn(|| api.invoke("{}"));
        let id = runtime.next().header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
        let posted = runtime.send(
            "POST",
            &format!("/2018-06-01/runtime/invocation/{id}/response"),
            &[("Transfer-Encoding", "chunked")],
            "5\r\n{\"a\":\r\n3;ext=1\r\n12}\r\n0\r\n\r\n",
        );
        assert_eq!(posted.status, 202);
        assert_eq!(invocation.join().unwrap().unwrap().body, r#"{"a":12}"#);
    });
}

#[test]
fn an_init_error_fails_pending_and_later_invocations() {
    let api = start();
    let mut runtime = Runtime::connect(api.address());
    thread::scope(|scope| {
        let invocation = scope.spawn(|| api.invoke("{}"));
        let body = r#"{"errorType":"Config","errorMessage":"TABLE_NAME is not set"}"#;
        let posted = runtime.send("POST", "/2018-06-01/runtime/init/error", &[], body);
        assert_eq!(posted.status, 202);
        match invocation.join().unwrap() {
            Err(InvokeError::Init(error)) => assert_eq!(error.body, body),
            other => panic!("expected an init error, got {other:?}"),
        }
    });
    assert!(matches!(api.invoke("{}"), Err(InvokeError::Init(_))));
    assert!(api.init_error().is_some());
}

#[test]
fn unknown_request_ids_and_paths_are_refused() {
    let api = start();
    let mut runtime = Runtime::connect(api.address());
    let unknown = runtime.send("POST", "/2018-06-01/runtime/invocation/nope/response", &[], "{}");
    assert_eq!(unknown.status, 400);
    assert!(unknown.body.contains("InvalidRequestID"), "{}", unknown.body);
    assert_eq!(runtime.send("GET", "/2018-06-01/runtime/elsewhere", &[], "").status, 404);
    assert_eq!(runtime.send("GET", "/", &[], "").status, 404);
    // A result is accepted once: a second post for the same id is refused.
    thread::scope(|scope| {
        let invocation = scope.spawn(|| api.invoke("{}"));
        let id = runtime.next().header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
        let path = format!("/2018-06-01/runtime/invocation/{id}/response");
        assert_eq!(runtime.send("POST", &path, &[], "1").status, 202);
        assert_eq!(runtime.send("POST", &path, &[], "2").status, 400);
        assert_eq!(invocation.join().unwrap().unwrap().body, "1");
    });
}

#[test]
fn an_unanswered_invocation_times_out() {
    let api = start();
    match api.invoke_timeout("{}", Duration::from_millis(150)) {
        Err(InvokeError::Timeout(limit)) => assert_eq!(limit, Duration::from_millis(150)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    // The timed-out event is withdrawn: the next poll gets the next event, not the stale one.
    let mut runtime = Runtime::connect(api.address());
    thread::scope(|scope| {
        let invocation = scope.spawn(|| api.invoke(r#""fresh""#));
        let event = runtime.next();
        assert_eq!(event.body, r#""fresh""#);
        let id = event.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
        runtime.send("POST", &format!("/2018-06-01/runtime/invocation/{id}/response"), &[], "ok");
        assert_eq!(invocation.join().unwrap().unwrap().body, "ok");
    });
}

#[test]
fn a_bootstrap_gets_the_lambda_environment() {
    let address: SocketAddr = "127.0.0.1:9001".parse().unwrap();
    let vars = Bootstrap::new("/opt/fn/orders-api")
        .memory_size(256)
        .env("TABLE_NAME", "shop")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "7")
        .environment(address);
    let get = |name: &str| {
        vars.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.to_string_lossy().into_owned())
    };
    assert_eq!(get("AWS_LAMBDA_RUNTIME_API").as_deref(), Some("127.0.0.1:9001"));
    assert_eq!(get("AWS_LAMBDA_FUNCTION_NAME").as_deref(), Some("orders-api"));
    assert_eq!(get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").as_deref(), Some("256"));
    assert_eq!(get("AWS_LAMBDA_LOG_GROUP_NAME").as_deref(), Some("/aws/lambda/orders-api"));
    assert_eq!(get("_HANDLER").as_deref(), Some("bootstrap"));
    assert_eq!(get("LAMBDA_TASK_ROOT").as_deref(), Some("/opt/fn"));
    assert_eq!(get("TABLE_NAME").as_deref(), Some("shop"));
    // The caller's variables come last, so they win.
    assert_eq!(get("AWS_LAMBDA_FUNCTION_VERSION").as_deref(), Some("7"));
}

#[test]
fn a_bootstrap_that_exits_fails_the_invocation_without_waiting_for_the_timeout() {
    // `sh` with its input closed exits at once without ever polling.
    let function = Bootstrap::new("sh").spawn().unwrap();
    let started = std::time::Instant::now();
    match function.invoke_timeout("{}", Duration::from_secs(20)) {
        Err(InvokeError::Exited(status)) => assert!(status.success()),
        other => panic!("expected an exited process, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(function.timings().first_next, None);
    assert!(function.timings().spawned.is_some());
}
