//! The real `cardhost` binary as an operator runs it.

use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};

mod clients;
mod demo;
mod keys;
mod overload;
mod products;
mod secrecy;
mod start;

const BIN: &str = env!("CARGO_BIN_EXE_cardhost");
const MASTER: &str = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";

fn cardhost(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir).env("CARDHOST_LOG", "info");
    for (key, _) in std::env::vars() {
        if key.starts_with("CARDHOST_") && key != "CARDHOST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd
}

async fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().await.expect("run cardhost");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) struct Server {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    /// Taken by a test that must read the logs while the server runs.
    pub(crate) stderr: Option<Lines<BufReader<ChildStderr>>>,
}

impl Server {
    fn start(dir: &Path) -> Server {
        Server::start_with(dir, &[])
    }

    pub(crate) fn start_with(dir: &Path, envs: &[(&str, &str)]) -> Server {
        Server::start_args(dir, &[], envs)
    }

    /// `serve` with `args` besides its address, and `envs`.
    pub(crate) fn start_args(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Server {
        let mut child = cardhost(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start cardhost serve");
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let stderr = Some(BufReader::new(child.stderr.take().unwrap()).lines());
        Server {
            child,
            stdout,
            stderr,
        }
    }

    /// Reads stderr up to the `listening on ADDR` line; returns ADDR and what came before.
    pub(crate) async fn wait_listening(&mut self) -> (String, String) {
        let mut seen = String::new();
        let stderr = self.stderr.as_mut().expect("stderr not taken");
        while let Some(line) = stderr.next_line().await.expect("stderr") {
            if let Some(rest) = line.split("listening on ").nth(1) {
                // Text or JSON log line: the address ends at the first character
                // an IPv4 address and port cannot hold.
                let addr: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                    .collect();
                return (addr, seen);
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        panic!("server ended before listening:\n{seen}");
    }

    /// Sends SIGTERM and waits for the process; true when it exited cleanly.
    pub(crate) async fn terminate(&mut self) -> bool {
        let pid = self.child.id().expect("pid").to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill");
        assert!(killed.success());
        self.child.wait().await.expect("wait").success()
    }

    /// Takes stderr and reads it to its end in a task of its own (a server
    /// whose logs are not read blocks once the pipe is full); the task
    /// answers everything it read.
    pub(crate) fn collect_stderr(&mut self) -> tokio::task::JoinHandle<String> {
        let mut stderr = self.stderr.take().expect("stderr not taken");
        tokio::spawn(async move {
            let mut all = String::new();
            while let Ok(Some(line)) = stderr.next_line().await {
                all.push_str(&line);
                all.push('\n');
            }
            all
        })
    }

    /// Kills the process with SIGKILL, as a crash would, and waits for it.
    pub(crate) async fn kill(&mut self) {
        self.child.start_kill().expect("SIGKILL");
        self.child.wait().await.expect("wait");
    }

    /// stdout up to and with the first line `last` accepts.
    pub(crate) async fn printed_until(&mut self, last: impl Fn(&str) -> bool) -> String {
        let mut printed = String::new();
        while let Some(line) = self.stdout.next_line().await.expect("stdout") {
            printed.push_str(&line);
            printed.push('\n');
            if last(&line) {
                break;
            }
        }
        printed
    }

    /// Everything left on stdout (after the process has exited).
    async fn rest_of_stdout(&mut self) -> String {
        let mut rest = String::new();
        while let Some(line) = self.stdout.next_line().await.expect("stdout") {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    }
}

fn line_value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| v.trim().to_owned())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The JSON answer to `request`.
pub(crate) async fn json_of(request: reqwest::RequestBuilder) -> serde_json::Value {
    let answer = request.send().await.expect("an answer");
    answer.json().await.expect("JSON")
}

/// The answer to `request` as text.
pub(crate) async fn text_of(request: reqwest::RequestBuilder) -> String {
    let answer = request.send().await.expect("an answer");
    answer.text().await.expect("text")
}

/// The token request for the client `(id, secret)` at `base` (`http://…`).
pub(crate) fn token_request(base: &str, id: &str, secret: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(format!("{base}/api/Auth/Token"))
        .json(&serde_json::json!({"ClientId": id, "ClientSecret": secret}))
}

/// A token of the server at `base` (`http://…`) for the client `(id, secret)`.
pub(crate) async fn token_of(base: &str, id: &str, secret: &str) -> String {
    let body = json_of(token_request(base, id, secret)).await;
    body["ResultObject"]["Token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {body}"))
        .to_owned()
}
