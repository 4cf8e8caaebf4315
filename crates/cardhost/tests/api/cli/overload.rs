//! Overload and slow clients against the real binary: idle connections by
//! the thousand do not keep others out; requests beyond the in-flight bound
//! are shed with 429 while `/health` still answers, and the host recovers;
//! a connection beyond the bound waits for a place;
//! a client that sends nothing, or a body that never ends, is cut off.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

const ADMIN: (&str, &str) = ("load-admin", "load-admin-secret-0123456789");

async fn started(dir: &Path) -> (Server, String) {
    started_with(dir, &[]).await
}

/// The server with the load-test admin and `envs`.
async fn started_with(dir: &Path, envs: &[(&str, &str)]) -> (Server, String) {
    let admin = [
        ("CARDHOST_ADMIN_CLIENT_ID", ADMIN.0),
        ("CARDHOST_ADMIN_CLIENT_SECRET", ADMIN.1),
    ];
    let mut server = Server::start_with(dir, &[&admin[..], envs].concat());
    let (addr, _) = server.wait_listening().await;
    server.collect_stderr();
    (server, addr)
}

/// `n` connections to `addr` that send nothing.
async fn connections(addr: &str, n: usize) -> Vec<TcpStream> {
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        held.push(TcpStream::connect(addr).await.expect("connect"));
    }
    held
}

/// The (HTTP status, Result) `request` is answered with.
async fn answer_of(request: reqwest::RequestBuilder) -> (u16, i64) {
    let res = request.send().await.expect("answer");
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.expect("JSON");
    (status, body["Result"].as_i64().unwrap_or(-1))
}

/// A fresh connection's answer to a token request: (HTTP status, Result).
async fn token_answer(addr: &str) -> (u16, i64) {
    answer_of(token_request(&format!("http://{addr}"), ADMIN.0, ADMIN.1)).await
}

async fn health(addr: &str) -> u16 {
    reqwest::get(format!("http://{addr}/health"))
        .await
        .expect("answer")
        .status()
        .as_u16()
}

#[tokio::test]
async fn five_thousand_idle_connections_do_not_keep_others_out() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, addr) = started(dir.path()).await;
    let idle = connections(&addr, 5_000).await;
    assert_eq!(token_answer(&addr).await, (200, 0));
    assert_eq!(health(&addr).await, 200);
    drop(idle);
}

/// A request whose body never comes: it holds its place in flight.
fn stalled(token: &str) -> String {
    format!("POST /api/Integration/CreateCustomer HTTP/1.1\r\nhost: x\r\ntoken: {token}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{")
}

async fn admin_token(addr: &str) -> String {
    token_of(&format!("http://{addr}"), ADMIN.0, ADMIN.1).await
}

/// A fresh connection's answer to a read: (HTTP status, Result).
async fn read_answer(addr: &str, token: &str) -> (u16, i64) {
    let read = reqwest::Client::new()
        .get(format!(
            "http://{addr}/api/Integration/GetCustomerInfo?CustomerNo=nobody"
        ))
        .header("token", token);
    answer_of(read).await
}

/// The server's own count of requests in flight.
async fn in_flight(addr: &str) -> usize {
    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("cardhost_http_requests_in_flight "))
        .and_then(|n| n.parse().ok())
        .expect("the in-flight gauge")
}

/// The bound in flight the shedding tests configure: small, so that a few
/// stalled requests reach it.
const IN_FLIGHT: usize = 64;

#[tokio::test]
async fn requests_beyond_the_bound_in_flight_are_shed_and_the_host_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let bound = IN_FLIGHT.to_string();
    let (_server, addr) = started_with(dir.path(), &[("CARDHOST_MAX_IN_FLIGHT", &bound)]).await;
    let token = admin_token(&addr).await;
    let head = stalled(&token);
    let mut held = Vec::new();
    for _ in 0..IN_FLIGHT + 8 {
        let mut stream = TcpStream::connect(&addr).await.expect("connect");
        stream.write_all(head.as_bytes()).await.expect("write");
        held.push(stream);
    }
    while in_flight(&addr).await < IN_FLIGHT {
        tokio::task::yield_now().await;
    }
    assert_eq!(read_answer(&addr, &token).await, (429, 9));
    assert_eq!(health(&addr).await, 200);
    drop(held);
    while in_flight(&addr).await > 0 {
        tokio::task::yield_now().await;
    }
    assert_eq!(read_answer(&addr, &token).await, (200, 2));
}

#[tokio::test]
async fn a_connection_beyond_the_bound_waits_until_one_closes() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, addr) = started_with(dir.path(), &[("CARDHOST_MAX_CONNECTIONS", "1")]).await;
    let idle = TcpStream::connect(&addr).await.expect("connect");
    // Served only once the host has closed the idle connection, at its
    // header timeout, and so freed the one place.
    assert_eq!(health(&addr).await, 200);
    let mut idle = idle.into_std().expect("a std stream");
    let mut buf = [0u8; 1];
    assert_eq!(
        std::io::Read::read(&mut idle, &mut buf).expect("closed, not pending"),
        0
    );
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, addr) = started(dir.path()).await;
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(60), silent.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0))), "closed by the server: {read:?}");
}

#[tokio::test]
async fn a_body_that_never_ends_is_answered_408() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, addr) = started(dir.path()).await;
    let token = admin_token(&addr).await;
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(stalled(&token).as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), slow.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(read.is_ok(), "no answer");
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"Result\":1"), "{text}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, addr) = started(dir.path()).await;
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 512];
    while !answer.ends_with(b"}") {
        let n = idle.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before the answer");
        answer.extend_from_slice(&buf[..n]);
    }
    let read = tokio::time::timeout(Duration::from_secs(60), idle.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0))), "closed by the server: {read:?}");
}

#[tokio::test]
async fn a_bound_outside_its_range_stops_the_start_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let serve = cardhost(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CARDHOST_MAX_IN_FLIGHT", "0")
        .output()
        .await
        .expect("run cardhost");
    assert!(!serve.status.success());
    let stderr = String::from_utf8_lossy(&serve.stderr);
    assert!(
        stderr.contains("max_in_flight must be 1 to 1000000, not 0"),
        "{stderr}"
    );
}
