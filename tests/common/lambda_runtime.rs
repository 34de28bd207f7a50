//! The AWS Lambda Runtime API, as a function's `bootstrap` sees it on Lambda (AWS, "Using the
//! Lambda runtime API for custom runtimes"): `GET /2018-06-01/runtime/invocation/next` hands out
//! the next event (waiting until there is one) with its request id, deadline and function ARN in
//! headers; the function posts the result to `…/invocation/{id}/response` (or `…/error`, or
//! `…/runtime/init/error` when it cannot start). moto runs no functions, so the tests start the real
//! `bootstrap` binary against this, the way Lambda's own runtime interface emulator does.
//!
//! HTTP/1.1 with keep-alive, bodies by `Content-Length` or chunked, as the runtime client sends them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:zdwatch-relay";

/// What the function answered to one invocation.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Response(String),
    Error(String),
}

#[derive(Default)]
struct Shared {
    pending: Mutex<VecDeque<(String, String)>>,
    pending_cv: Condvar,
    results: Mutex<Vec<(String, Outcome)>>,
    results_cv: Condvar,
    init_error: Mutex<Option<String>>,
    next_id: Mutex<u64>,
}

pub struct RuntimeApi {
    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    shared: Arc<Shared>,
}

impl RuntimeApi {
    pub fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the runtime API");
        let address = listener.local_addr().unwrap().to_string();
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = accepting.clone();
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        RuntimeApi { address, shared }
    }

    /// The environment Lambda gives a function (besides its own variables).
    pub fn environment(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_LAMBDA_RUNTIME_API", self.address.clone()),
            ("AWS_LAMBDA_FUNCTION_NAME", "zdwatch-relay".into()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                "/aws/lambda/zdwatch-relay".into(),
            ),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/12/03/[$LATEST]0123456789abcdef".into(),
            ),
            ("LAMBDA_TASK_ROOT", "/var/task".into()),
        ]
    }

    /// Invokes the function with `event` and waits for its answer.
    pub fn invoke(&self, event: &str, limit: Duration) -> Outcome {
        let id = {
            let mut n = self.shared.next_id.lock().unwrap();
            *n += 1;
            format!("00000000-0000-4000-8000-{:012}", *n)
        };
        self.shared
            .pending
            .lock()
            .unwrap()
            .push_back((id.clone(), event.to_string()));
        self.shared.pending_cv.notify_all();
        let deadline = Instant::now() + limit;
        let mut results = self.shared.results.lock().unwrap();
        loop {
            if let Some(i) = results.iter().position(|(r, _)| *r == id) {
                return results.remove(i).1;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "the function did not answer invocation {id} within {limit:?}"
            );
            results = self
                .shared
                .results_cv
                .wait_timeout(results, left)
                .unwrap()
                .0;
        }
    }

    pub fn init_error(&self) -> Option<String> {
        self.shared.init_error.lock().unwrap().clone()
    }
}

/// A function URL's event (the API Gateway HTTP API payload, version 2.0) for one request.
pub fn function_url_event(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> String {
    let headers: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), serde_json::Value::from(*v)))
        .collect();
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefghijklmnopqrstuvwxyz0",
            "domainName": "abcdefghijklmnopqrstuvwxyz0.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abcdefghijklmnopqrstuvwxyz0",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "216.198.0.1",
                "userAgent": "Zendesk Webhook"
            },
            "requestId": "11111111-2222-3333-4444-555555555555",
            "routeKey": "$default",
            "stage": "$default",
            "time": "03/Dec/2026:10:00:00 +0000",
            "timeEpoch": 1796292000000u64
        },
        "body": body,
        "isBase64Encoded": false
    })
    .to_string()
}

struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let (mut length, mut chunked) = (0usize, false);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some(Request { method, path, body })
}

fn answer(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) -> bool {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/json\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).is_ok() && stream.write_all(body).is_ok()
}

fn serve(stream: TcpStream, shared: &Shared) {
    let mut writer = stream.try_clone().expect("a second handle");
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let text = String::from_utf8_lossy(&request.body).into_owned();
        let path = request.path.trim_start_matches("/2018-06-01/runtime");
        let ok = match (request.method.as_str(), path) {
            ("GET", "/invocation/next") => {
                let mut pending = shared.pending.lock().unwrap();
                while pending.is_empty() {
                    pending = shared.pending_cv.wait(pending).unwrap();
                }
                let (id, event) = pending.pop_front().unwrap();
                drop(pending);
                let deadline = jiff::Timestamp::now().as_millisecond() + 30_000;
                answer(
                    &mut writer,
                    "200 OK",
                    &[
                        ("Lambda-Runtime-Aws-Request-Id", id),
                        ("Lambda-Runtime-Deadline-Ms", deadline.to_string()),
                        ("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN.to_string()),
                        ("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".to_string()),
                    ],
                    event.as_bytes(),
                )
            }
            ("POST", "/init/error") => {
                *shared.init_error.lock().unwrap() = Some(text);
                answer(&mut writer, "202 Accepted", &[], br#"{"status":"OK"}"#)
            }
            ("POST", p) if p.starts_with("/invocation/") => {
                let rest = &p["/invocation/".len()..];
                let (id, what) = rest.split_once('/').unwrap_or((rest, ""));
                let outcome = match what {
                    "response" => Outcome::Response(text),
                    _ => Outcome::Error(text),
                };
                shared
                    .results
                    .lock()
                    .unwrap()
                    .push((id.to_string(), outcome));
                shared.results_cv.notify_all();
                answer(&mut writer, "202 Accepted", &[], br#"{"status":"OK"}"#)
            }
            _ => answer(&mut writer, "404 Not Found", &[], b"{}"),
        };
        if !ok {
            return;
        }
    }
}

/// Waits for `f` to hold, up to `limit`.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}
