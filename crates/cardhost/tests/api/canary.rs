//! The whole-run secrecy scan. Every test's hosts log at debug level into one
//! buffer, panics included; each [`TestApp`](crate::support::TestApp) that
//! ends without a failure scans what was logged since the last scan, and its
//! own database files, for card numbers, tokens and the secrets the tests
//! sent. A finding fails the test that ended.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use cardhost_domain::card::luhn_valid;

/// Everything logged in this process, and how far it has been scanned.
struct Captured {
    text: Vec<u8>,
    scanned: usize,
}

fn captured() -> &'static Arc<Mutex<Captured>> {
    static CAPTURED: OnceLock<Arc<Mutex<Captured>>> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Captured {
            text: Vec::new(),
            scanned: 0,
        }));
        install(buffer.clone());
        buffer
    })
}

fn lock<T>(buffer: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    buffer.lock().unwrap_or_else(|p| p.into_inner())
}

struct Sink(Arc<Mutex<Captured>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).text.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn install(buffer: Arc<Mutex<Captured>>) {
    let writer = buffer.clone();
    let _ = tracing_subscriber::fmt()
        .with_env_filter("cardhost=debug,cardhost_http=debug,cardhost_service=debug,cardhost_store=debug,tower_http=debug")
        .with_ansi(false)
        .with_writer(move || Sink(writer.clone()))
        .try_init();
    let previous = std::panic::take_hook();
    // The host's panics, not the tests' own failed assertions, whose
    // messages may quote what a test was allowed to see.
    std::panic::set_hook(Box::new(move |info| {
        if info.location().is_some_and(|l| l.file().contains("/src/")) {
            let _ = writeln!(Sink(buffer.clone()), "panic: {info}");
        }
        previous(info);
    }));
}

/// Starts capturing (once per process).
pub fn start() {
    captured();
}

/// Secrets the tests hand out, to look for besides card numbers and tokens.
pub fn remember(secret: &str) {
    lock(secrets()).push(secret.to_owned());
}

fn secrets() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| {
        Mutex::new(vec![
            crate::support::ADMIN_SECRET.to_owned(),
            "correct horse battery".to_owned(),
        ])
    })
}

/// Panics naming each secret found in the new log lines or in the files of
/// `dir` (but the simulated phone's `sms.log`, where one-time codes belong).
pub fn assert_clean(dir: &Path) {
    let new_logs = {
        let mut captured = lock(captured());
        let text = String::from_utf8_lossy(&captured.text[captured.scanned..]).into_owned();
        captured.scanned = captured.text.len();
        text
    };
    let mut findings = findings_in("the logs", &new_logs);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "sms.log") || !path.is_file() {
            continue;
        }
        if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            findings.extend(findings_in(&path.display().to_string(), &text));
        }
    }
    assert!(findings.is_empty(), "secrets found: {findings:#?}");
}

fn findings_in(place: &str, text: &str) -> Vec<String> {
    let mut found: Vec<String> = card_numbers(text)
        .into_iter()
        .map(|at| {
            let before: String = text[..at].chars().rev().take(60).collect();
            let before: String = before.chars().rev().collect();
            format!("a card number in {place} after {before:?}")
        })
        .collect();
    if let Some(at) = token_at(text) {
        found.push(format!("a token at byte {at} of {place}"));
    }
    for secret in lock(secrets()).iter() {
        if text.contains(secret.as_str()) {
            found.push(format!(
                "a secret of {} characters in {place}",
                secret.len()
            ));
        }
    }
    found
}

/// Where runs of 15 to 19 digits that pass the Luhn check start: a PAN in
/// the clear.
fn card_numbers(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let run = bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let edge = |i: Option<&u8>| i.is_none_or(|b| !b.is_ascii_alphanumeric());
        let alone = edge(at.checked_sub(1).and_then(|i| bytes.get(i))) && edge(bytes.get(at + run));
        if (15..=19).contains(&run) && alone {
            let digits = &text[at..at + run];
            // A card brand's first digit (ISO/IEC 7812); SQLite's records put
            // adjacent numeric columns side by side, which this keeps apart.
            let brand = digits.starts_with(['2', '3', '4', '5', '6', '9']);
            if brand && luhn_valid(digits) {
                found.push(at);
            }
        }
        at += run.max(1);
    }
    found
}

/// Where a token (`{uuid}+{yyyyMMddHHmm}`) stands in `text`, if anywhere.
fn token_at(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    text.match_indices('+').map(|(i, _)| i).find(|&plus| {
        let uuid = plus.checked_sub(36).map(|start| &bytes[start..plus]);
        let expiry = bytes.get(plus + 1..plus + 13);
        uuid.is_some_and(|u| {
            u.iter().enumerate().all(|(i, b)| {
                matches!(i, 8 | 13 | 18 | 23) == (*b == b'-')
                    && (*b == b'-' || b.is_ascii_hexdigit())
            })
        }) && expiry.is_some_and(|e| e.iter().all(u8::is_ascii_digit))
    })
}

fn logged(needle: &str) -> bool {
    String::from_utf8_lossy(&lock(captured()).text).contains(needle)
}

#[tokio::test]
async fn the_capture_holds_the_hosts_request_logs() {
    let app = crate::support::TestApp::spawn().await;
    let token = app.token("issuer").await;
    let probe = "canary-capture-probe";
    let url = format!("{}/api/Integration/GetCustomerInfo?CustomerNo=1", app.base);
    let sent = app
        .http
        .get(url)
        .header("token", token)
        .header("x-request-id", probe);
    sent.send().await.expect("answer");
    assert!(logged(probe));
}

#[test]
fn the_scan_finds_each_kind_of_secret() {
    let text = "pan 4111111111111111 token 0b0f3c1e-6a4f-4f0e-9a51-3f2d8f1c2b7a+202603021030 x";
    assert_eq!(card_numbers(text), [4]);
    assert_eq!(token_at(text), Some(63));
    assert!(card_numbers("process 100000000001 at 20260302093000").is_empty());
    // Inside a hex hash, digits are not a card number.
    assert!(card_numbers("ab4111111111111111cd").is_empty());
}
