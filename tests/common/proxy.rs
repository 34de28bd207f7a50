//! A small HTTP-aware TCP proxy between zdwatch and moto_server that injects network faults:
//! the server going away (connections refused, a request whose answer is lost), a black hole,
//! throttling and server errors, and expired credentials; and that makes moto answer as AWS
//! does where moto is more lenient ([`FaultProxy::act_like_aws`]: PutEvents refuses `aws.`
//! sources entry by entry and requests over 256 KB whole, as AWS documents).
//!
//! One request per connection: the proxy forwards each request on a fresh upstream connection
//! and answers with `Connection: close`, so that it always knows where a request ends.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Requests and answers pass through.
    None,
    /// The server is gone: connections are refused and open ones are cut.
    Down,
    /// Connections are accepted and requests read, but never answered.
    BlackHole,
    /// The next requests are answered with these HTTP statuses and AWS error codes, in turn.
    Fail(Vec<(u16, &'static str)>),
    /// Requests signed with this access key id are refused as expired; others pass.
    ExpiredKey(String),
    /// The next `n` requests pass; then one reaches the server but its answer is lost, and the
    /// server is gone ([`Fault::Down`]) until the test says otherwise.
    CutAfter(usize),
    /// The next PutEvents requests (one code each, in turn) have every entry refused with this
    /// error code, as PutEvents reports failed entries: HTTP 200, `FailedEntryCount`.
    EntryErrors(Vec<&'static str>),
    /// Every request with this `X-Amz-Target` is answered with this HTTP status and AWS error
    /// code (the SDK's own retries included) until the test sets another fault; the others pass.
    FailTarget(&'static str, u16, &'static str),
    /// Every request is held this long before it goes on to the server: a server stalled under
    /// load (moto on a busy machine, SQS on a bad day) that answers, late.
    Slow(Duration),
}

/// What the AWS-like layer saw of PutEvents.
#[derive(Clone, Debug, Default)]
pub struct PutEventsSeen {
    /// PutEvents requests received.
    pub requests: usize,
    /// Entries refused because their source starts with `aws.`.
    pub refused_sources: usize,
    /// Requests refused whole for being over 256 KB of entries.
    pub too_large: usize,
    /// The largest request, in entry bytes as AWS counts them.
    pub largest: usize,
    /// The most entries in one request.
    pub most_entries: usize,
}

/// PutEvents' limit on a request's entries (AWS: "Calculating PutEvents event entry size").
pub const PUT_EVENTS_MAX_BYTES: usize = 256 * 1024;

struct State {
    upstream: SocketAddr,
    fault: Mutex<Fault>,
    /// Client connections open now, by the client's address (cut when the server goes down).
    open: Mutex<Vec<(SocketAddr, TcpStream)>>,
    /// Requests answered with an injected fault (or swallowed).
    injected: AtomicUsize,
    /// Requests that reached the server.
    forwarded: AtomicUsize,
    stop: AtomicBool,
    /// Whether PutEvents is held to AWS's rules.
    aws: AtomicBool,
    /// Messages handed out by ReceiveMessage answers that passed through.
    received: AtomicUsize,
    /// The longest `WaitTimeSeconds` a ReceiveMessage request asked for.
    longest_wait: AtomicUsize,
    /// Requests seen, by `X-Amz-Target`.
    targets: Mutex<std::collections::HashMap<String, usize>>,
    /// The bodies of EventBridge requests, by target (SQS's are many and not kept).
    eventbridge_bodies: Mutex<Vec<(String, Vec<u8>)>>,
    /// DescribeReplay answers say RUNNING whatever moto says (moto replays at once; AWS takes
    /// minutes).
    slow_replays: AtomicBool,
    put_events: Mutex<PutEventsSeen>,
}

pub struct FaultProxy {
    pub endpoint: String,
    state: Arc<State>,
}

impl FaultProxy {
    /// A proxy on a free 127.0.0.1 port in front of `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .parse()
            .expect("upstream address");
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy port");
        let port = listener.local_addr().expect("proxy address").port();
        let state = Arc::new(State {
            upstream,
            fault: Mutex::new(Fault::None),
            open: Mutex::new(Vec::new()),
            injected: AtomicUsize::new(0),
            forwarded: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            aws: AtomicBool::new(false),
            received: AtomicUsize::new(0),
            longest_wait: AtomicUsize::new(0),
            targets: Mutex::new(std::collections::HashMap::new()),
            eventbridge_bodies: Mutex::new(Vec::new()),
            slow_replays: AtomicBool::new(false),
            put_events: Mutex::new(PutEventsSeen::default()),
        });
        let accept_state = state.clone();
        std::thread::spawn(move || accept_loop(listener, port, accept_state));
        FaultProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    pub fn set(&self, fault: Fault) {
        *self.state.fault.lock().unwrap() = fault;
    }

    pub fn fault(&self) -> Fault {
        self.state.fault.lock().unwrap().clone()
    }

    /// How many requests got an injected fault (so that a test knows its faults happened).
    pub fn injected(&self) -> usize {
        self.state.injected.load(Ordering::SeqCst)
    }

    pub fn forwarded(&self) -> usize {
        self.state.forwarded.load(Ordering::SeqCst)
    }

    /// Holds PutEvents to AWS's rules, which moto does not enforce: an entry whose source starts
    /// with `aws.` is refused (`NotAuthorizedForSourceException`, the others go through), and a
    /// request over 256 KB of entries is refused whole (`ValidationException`).
    pub fn act_like_aws(&self) {
        self.state.aws.store(true, Ordering::SeqCst);
    }

    /// How many requests with this `X-Amz-Target` (`AWSEvents.CancelReplay`) came through.
    pub fn requests_to(&self, target: &str) -> usize {
        self.state
            .targets
            .lock()
            .unwrap()
            .get(target)
            .copied()
            .unwrap_or(0)
    }

    /// The JSON bodies of the EventBridge requests with this `X-Amz-Target`, in order.
    pub fn requests_with(&self, target: &str) -> Vec<serde_json::Value> {
        self.state
            .eventbridge_bodies
            .lock()
            .unwrap()
            .iter()
            .filter(|(t, _)| t == target)
            .filter_map(|(_, body)| serde_json::from_slice(body).ok())
            .collect()
    }

    /// Replays run as long as on AWS: DescribeReplay says RUNNING until zdwatch stops.
    pub fn slow_replays(&self) {
        self.state.slow_replays.store(true, Ordering::SeqCst);
    }

    /// How many messages ReceiveMessage handed out through the proxy (a message delivered twice
    /// counts twice).
    pub fn received_messages(&self) -> usize {
        self.state.received.load(Ordering::SeqCst)
    }

    /// The longest wait (`WaitTimeSeconds`) a ReceiveMessage request asked for so far.
    pub fn longest_receive_wait(&self) -> usize {
        self.state.longest_wait.load(Ordering::SeqCst)
    }

    pub fn put_events_seen(&self) -> PutEventsSeen {
        self.state.put_events.lock().unwrap().clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        cut_open_connections(&self.state);
    }
}

fn cut_open_connections(state: &State) {
    for (_, s) in state.open.lock().unwrap().drain(..) {
        let _ = s.shutdown(Shutdown::Both);
    }
}

/// Accepts while the server is "up"; while it is down the port is closed (connections refused).
fn accept_loop(listener: TcpListener, port: u16, state: Arc<State>) {
    listener
        .set_nonblocking(true)
        .expect("nonblocking listener");
    let mut listener = Some(listener);
    while !state.stop.load(Ordering::SeqCst) {
        let down = *state.fault.lock().unwrap() == Fault::Down;
        if down && listener.is_some() {
            listener = None;
            cut_open_connections(&state);
        } else if !down && listener.is_none() {
            // std sets SO_REUSEADDR: the same port can be bound again at once.
            listener = TcpListener::bind(("127.0.0.1", port))
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .ok();
        }
        let Some(l) = &listener else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        match l.accept() {
            Ok((client, peer)) => {
                let _ = client.set_nonblocking(false);
                if let Ok(c) = client.try_clone() {
                    state.open.lock().unwrap().push((peer, c));
                }
                let state = state.clone();
                std::thread::spawn(move || {
                    handle(client, &state);
                    state.open.lock().unwrap().retain(|(p, _)| *p != peer);
                });
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Reads one HTTP request: the head (up to the blank line) and a Content-Length body.
fn read_request(client: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut byte).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&byte[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = client.read(&mut byte).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&byte[..n]);
    }
    Some((head, body))
}

/// The head with its `Connection` header replaced by `Connection: close`.
fn closing(head: &str) -> String {
    let mut out = String::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let is_connection = line
            .split_once(':')
            .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case("connection"));
        if !is_connection {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    out
}

/// What to do with one request, decided (and counted down) under the lock.
enum Plan {
    Forward,
    Swallow,
    Answer(u16, &'static str),
    ForwardAndCut,
    RefuseEntries(&'static str),
    ForwardAfter(Duration),
}

fn plan(state: &State, head: &str) -> Plan {
    let mut fault = state.fault.lock().unwrap();
    match &mut *fault {
        Fault::EntryErrors(codes) if is_put_events(head) => {
            let code = codes.remove(0);
            if codes.is_empty() {
                *fault = Fault::None;
            }
            Plan::RefuseEntries(code)
        }
        Fault::EntryErrors(_) => Plan::Forward,
        Fault::FailTarget(target, status, code) if target_is(head, target) => {
            Plan::Answer(*status, code)
        }
        Fault::FailTarget(..) => Plan::Forward,
        Fault::None => Plan::Forward,
        Fault::Slow(by) => Plan::ForwardAfter(*by),
        Fault::Down | Fault::BlackHole => Plan::Swallow,
        Fault::Fail(answers) => {
            let (status, code) = answers.remove(0);
            if answers.is_empty() {
                *fault = Fault::None;
            }
            Plan::Answer(status, code)
        }
        Fault::ExpiredKey(key) if head.contains(&format!("Credential={key}/")) => {
            Plan::Answer(400, "ExpiredToken")
        }
        Fault::ExpiredKey(_) => Plan::Forward,
        Fault::CutAfter(0) => {
            *fault = Fault::Down;
            Plan::ForwardAndCut
        }
        Fault::CutAfter(n) => {
            *n -= 1;
            Plan::Forward
        }
    }
}

fn handle(mut client: TcpStream, state: &State) {
    let Some((head, body)) = read_request(&mut client) else {
        return;
    };
    if let Some(target) = target_of(&head) {
        if target.starts_with("AWSEvents.") {
            let mut bodies = state.eventbridge_bodies.lock().unwrap();
            bodies.push((target.clone(), body.clone()));
        }
        if target == "AmazonSQS.ReceiveMessage" {
            let wait = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["WaitTimeSeconds"].as_u64())
                .unwrap_or(0);
            let wait = usize::try_from(wait).unwrap_or(usize::MAX);
            state.longest_wait.fetch_max(wait, Ordering::SeqCst);
        }
        *state.targets.lock().unwrap().entry(target).or_default() += 1;
    }
    if is_put_events(&head) && state.aws.load(Ordering::SeqCst) {
        if let Some(answer) = put_events_like_aws(state, &head, &body) {
            let _ = client.write_all(&answer);
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
    }
    match plan(state, &head) {
        Plan::RefuseEntries(code) => {
            state.injected.fetch_add(1, Ordering::SeqCst);
            let entries = entries_of(&body);
            let refused: Vec<serde_json::Value> = entries
                .iter()
                .map(|_| {
                    serde_json::json!({"ErrorCode": code, "ErrorMessage": "injected by the zdwatch test proxy"})
                })
                .collect();
            let answer = serde_json::json!({"FailedEntryCount": refused.len(), "Entries": refused});
            let _ = client.write_all(&json_answer(200, &answer.to_string()));
        }
        Plan::Swallow => {
            state.injected.fetch_add(1, Ordering::SeqCst);
            // Never answer; wait until the client gives up (or the proxy cuts the connection).
            let mut sink = [0u8; 1024];
            while matches!(client.read(&mut sink), Ok(n) if n > 0) {}
        }
        Plan::Answer(status, code) => {
            state.injected.fetch_add(1, Ordering::SeqCst);
            let message = if code == "ExpiredToken" {
                "The security token included in the request is expired"
            } else {
                "injected by the zdwatch test proxy"
            };
            let body = format!(r#"{{"__type":"com.amazonaws.sqs#{code}","message":"{message}"}}"#);
            let answer = format!(
                "HTTP/1.1 {status} Injected\r\nContent-Type: application/x-amz-json-1.0\r\n\
                 x-amzn-query-error: {code};Sender\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = client.write_all(answer.as_bytes());
        }
        plan @ (Plan::Forward | Plan::ForwardAndCut | Plan::ForwardAfter(_)) => {
            if let Plan::ForwardAfter(by) = plan {
                state.injected.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(by);
            }
            let Ok(mut upstream) = TcpStream::connect(state.upstream) else {
                return;
            };
            let mut request = closing(&head).into_bytes();
            request.extend_from_slice(&body);
            if upstream.write_all(&request).is_err() {
                return;
            }
            let mut response = Vec::new();
            if upstream.read_to_end(&mut response).is_err() {
                return;
            }
            state.forwarded.fetch_add(1, Ordering::SeqCst);
            if matches!(plan, Plan::ForwardAndCut) {
                // The server did the work; its answer never arrives.
                state.injected.fetch_add(1, Ordering::SeqCst);
                return;
            }
            let split = response
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(response.len(), |i| i + 4);
            if target_is(&head, "AmazonSQS.ReceiveMessage") {
                let messages = serde_json::from_slice::<serde_json::Value>(&response[split..])
                    .ok()
                    .and_then(|v| v.get("Messages").and_then(|m| m.as_array()).map(Vec::len))
                    .unwrap_or(0);
                state.received.fetch_add(messages, Ordering::SeqCst);
            }
            if target_is(&head, "AWSEvents.DescribeReplay")
                && state.slow_replays.load(Ordering::SeqCst)
            {
                if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&response[split..]) {
                    v["State"] = serde_json::json!("RUNNING");
                    let _ = client.write_all(&json_answer(200, &v.to_string()));
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
            }
            let head = String::from_utf8_lossy(&response[..split]).into_owned();
            let _ = client.write_all(closing(&head).as_bytes());
            let _ = client.write_all(&response[split..]);
        }
    }
    let _ = client.shutdown(Shutdown::Both);
}

fn is_put_events(head: &str) -> bool {
    target_is(head, "AWSEvents.PutEvents")
}

/// A request's `X-Amz-Target`.
fn target_of(head: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case("x-amz-target")
            .then(|| v.trim().to_string())
    })
}

/// Whether a request's `X-Amz-Target` is `target`.
fn target_is(head: &str, target: &str) -> bool {
    head.lines().any(|l| {
        l.split_once(':').is_some_and(|(n, v)| {
            n.trim().eq_ignore_ascii_case("x-amz-target") && v.trim() == target
        })
    })
}

/// The `Entries` of a PutEvents request body.
fn entries_of(body: &[u8]) -> Vec<serde_json::Value> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("Entries").and_then(|e| e.as_array()).cloned())
        .unwrap_or_default()
}

/// An entry's size as AWS counts it: 14 bytes for a time, then the UTF-8 bytes of source,
/// detail-type, detail and each resource.
fn entry_size(e: &serde_json::Value) -> usize {
    let text = |k: &str| e.get(k).and_then(|v| v.as_str()).map_or(0, str::len);
    let resources: usize = e
        .get("Resources")
        .and_then(|r| r.as_array())
        .map_or(0, |r| {
            r.iter().filter_map(|x| x.as_str()).map(str::len).sum()
        });
    14 * usize::from(e.get("Time").is_some())
        + text("Source")
        + text("DetailType")
        + text("Detail")
        + resources
}

fn json_answer(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} Answer\r\nContent-Type: application/x-amz-json-1.1\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// PutEvents as AWS answers it: over 256 KB of entries is refused whole; entries with an `aws.`
/// source are refused one by one and the rest go to moto, whose results are put back in the
/// entries' order. `None`: nothing to change, the request goes on as usual.
fn put_events_like_aws(state: &State, head: &str, body: &[u8]) -> Option<Vec<u8>> {
    let entries = entries_of(body);
    let size: usize = entries.iter().map(entry_size).sum();
    let refused: Vec<bool> = entries
        .iter()
        .map(|e| {
            e.get("Source")
                .and_then(|s| s.as_str())
                .is_some_and(|s| s.starts_with("aws."))
        })
        .collect();
    {
        let mut seen = state.put_events.lock().unwrap();
        seen.requests += 1;
        seen.largest = seen.largest.max(size);
        seen.most_entries = seen.most_entries.max(entries.len());
        if size > PUT_EVENTS_MAX_BYTES {
            seen.too_large += 1;
        } else {
            seen.refused_sources += refused.iter().filter(|r| **r).count();
        }
    }
    if size > PUT_EVENTS_MAX_BYTES {
        state.injected.fetch_add(1, Ordering::SeqCst);
        let answer = serde_json::json!({
            "__type": "ValidationException",
            "message": "Total size of the entries in the request is over the limit.",
        });
        return Some(json_answer(400, &answer.to_string()));
    }
    if !refused.contains(&true) {
        return None;
    }
    state.injected.fetch_add(1, Ordering::SeqCst);
    let allowed: Vec<serde_json::Value> = entries
        .iter()
        .zip(&refused)
        .filter(|(_, r)| !**r)
        .map(|(e, _)| e.clone())
        .collect();
    let mut results = if allowed.is_empty() {
        Vec::new()
    } else {
        let body = serde_json::json!({"Entries": allowed}).to_string();
        let mut head: Vec<&str> = head
            .split("\r\n")
            .filter(|l| {
                !l.split_once(':')
                    .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
            })
            .collect();
        let length = format!("Content-Length: {}", body.len());
        head.push(&length);
        let head = head.join("\r\n");
        let mut upstream = TcpStream::connect(state.upstream).ok()?;
        let mut request = closing(&head).into_bytes();
        request.extend_from_slice(body.as_bytes());
        upstream.write_all(&request).ok()?;
        let mut response = Vec::new();
        upstream.read_to_end(&mut response).ok()?;
        state.forwarded.fetch_add(1, Ordering::SeqCst);
        let split = response.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
        serde_json::from_slice::<serde_json::Value>(&response[split..])
            .ok()?
            .get("Entries")?
            .as_array()?
            .clone()
    };
    results.reverse();
    let merged: Vec<serde_json::Value> = refused
        .iter()
        .map(|r| {
            if *r {
                serde_json::json!({
                    "ErrorCode": "NotAuthorizedForSourceException",
                    "ErrorMessage": "Not authorized for the source.",
                })
            } else {
                results.pop().unwrap_or_else(|| serde_json::json!({}))
            }
        })
        .collect();
    let failed = merged
        .iter()
        .filter(|e| e.get("ErrorCode").is_some())
        .count();
    let answer = serde_json::json!({"FailedEntryCount": failed, "Entries": merged});
    Some(json_answer(200, &answer.to_string()))
}
