//! Starts the real application on port 0 over a fresh database and speaks JSON to it.

use std::net::SocketAddr;
use std::sync::Arc;

use cardhost::config::{Config, LogFormat};
use cardhost::server;
use cardhost_crypto::{KeyStore, MasterKey};
use cardhost_service::clients::{self, NewClient};
use cardhost_service::{Host, ManualClock, Scopes};
use cardhost_store::Db;
use chrono::{TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const ADMIN_ID: &str = "test-admin";
pub const ADMIN_SECRET: &str = "test-admin-secret-0123456789";

pub struct TestApp {
    /// The first instance's address.
    pub base: String,
    /// Every instance's address: API calls go to each in turn.
    bases: Vec<String>,
    turn: std::sync::atomic::AtomicUsize,
    /// Every call goes to the first instance (see [`TestApp::pin_to_first`]).
    pinned: std::sync::atomic::AtomicBool,
    pub http: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub host: Arc<Host>,
    /// The SQLite file, for tests that inspect or damage the database directly.
    pub db_url: String,
    _dir: tempfile::TempDir,
}

/// A fresh PostgreSQL database on the server of `CARDHOST_TEST_POSTGRES_URL`,
/// or a fresh SQLite file in `dir`.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("CARDHOST_TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let name = format!("cardhost_test_{}", uuid_simple());
            let mut conn = sqlx::AnyConnection::connect(&base)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let (prefix, _) = base
                .rsplit_once('/')
                .expect("postgres URL with a database name");
            format!("{prefix}/{name}")
        }
        _ => format!("sqlite://{}", dir.join("cardhost.db").display()),
    }
}

fn uuid_simple() -> String {
    let bytes = cardhost_crypto::secret::random_bytes(8);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Keys the tests know, imported over the generated ones so that tests can compute
/// CVV2s and PIN blocks on their own and compare.
/// The master key of the test key store (`keys.json` in [`TestApp::dir`]),
/// so that the real binary can open it too.
pub const TEST_MASTER_KEY: &str =
    "202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F";
pub const TEST_CVK: &str = "0123456789ABCDEFFEDCBA9876543210";
pub const TEST_ZPK: &str = "89ABCDEF01234567FEDCBA9876543210";
pub const TEST_ZPK_AES: &str = "AF8CB133A78F8DC2D1359F18527593FB";

fn test_config(db_url: &str, dir: &std::path::Path) -> Config {
    Config {
        listen: "127.0.0.1:0".into(),
        database_url: db_url.into(),
        keys_file: "unused".into(),
        public_url: "http://127.0.0.1".into(),
        token_ttl_minutes: 60,
        business_timezone: "Europe/Istanbul".into(),
        // Short, so the `91` rule of the test network times out quickly.
        network_timeout_ms: 300,
        authorizer_workers: None,
        capacity: cardhost::serving::Capacity::default(),
        sms_log_file: dir.join("sms.log"),
        sms_log_secrets: true,
        log_format: LogFormat::Text,
        products: cardhost_domain::product::default_products(),
        calendar: cardhost_service::calendar::Calendar::new("Europe/Istanbul")
            .expect("Europe/Istanbul in zoneinfo"),
    }
}

fn test_master_key() -> MasterKey {
    MasterKey::from_hex(TEST_MASTER_KEY).expect("test master key")
}

/// `CARDHOST_TEST_INSTANCES=2`: every test app is two instances on one
/// database, and API calls alternate between them, as behind a load balancer.
fn second_instance_wanted() -> bool {
    std::env::var("CARDHOST_TEST_INSTANCES").is_ok_and(|n| n == "2")
}

/// A second instance on the same database, key store and clock (a fleet's
/// clocks agree); its address.
async fn second_instance(
    db_url: &str,
    keys: KeyStore,
    clock: Arc<ManualClock>,
    mut config: Config,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    config.public_url = format!("http://{addr}");
    let db = Db::connect(db_url).await.expect("database");
    let host = server::build_host(db, keys, clock, &config).await;
    tokio::spawn(async move {
        let _ = server::serve(listener, host, config.capacity, std::future::pending()).await;
    });
    format!("http://{addr}")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            crate::canary::assert_clean(self._dir.path());
        }
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        crate::canary::start();
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = fresh_database_url(dir.path()).await;
        let mut keys =
            KeyStore::create(&dir.path().join("keys.json"), test_master_key()).expect("key store");
        keys.import("cvk", TEST_CVK, None, true).expect("cvk");
        keys.import("zpk", TEST_ZPK, None, true).expect("zpk");
        keys.import("zpk-aes", TEST_ZPK_AES, None, true)
            .expect("zpk-aes");
        let db = Db::connect(&db_url).await.expect("database");
        // A fixed start time: tests move it explicitly, never by sleeping.
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap(),
        ));
        // Bound first: pages link to the host at the address browsers reach.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let mut config = test_config(&db_url, dir.path());
        config.public_url = format!("http://{addr}");
        let host = server::build_host(db, keys, clock.clone(), &config).await;
        clients::bootstrap_admin(&host.db, Some((ADMIN_ID.into(), ADMIN_SECRET.into())), 0)
            .await
            .expect("bootstrap admin");
        let serving = host.clone();
        tokio::spawn(async move {
            let _ = server::serve(listener, serving, config.capacity, std::future::pending()).await;
        });
        let mut bases = vec![format!("http://{addr}")];
        if second_instance_wanted() {
            let keys = KeyStore::open(&dir.path().join("keys.json"), test_master_key())
                .expect("key store");
            bases.push(second_instance(&db_url, keys, clock.clone(), config).await);
        }
        TestApp {
            base: bases[0].clone(),
            bases,
            turn: std::sync::atomic::AtomicUsize::new(0),
            pinned: std::sync::atomic::AtomicBool::new(false),
            http: reqwest::Client::new(),
            clock,
            host,
            db_url,
            _dir: dir,
        }
    }

    /// Sends every later call to the first instance: for what each instance
    /// keeps for itself (its metrics, its rate limits, its jobs' status).
    pub fn pin_to_first(&self) {
        self.pinned
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// A POST to instance `i` (the first is 0; with one instance, always it).
    pub async fn post_on(&self, i: usize, path: &str, token: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.bases[i % self.bases.len()]);
        let res = self
            .http
            .post(url)
            .header("token", token)
            .json(&body)
            .send()
            .await
            .expect("request");
        res.json().await.expect("JSON answer")
    }

    /// Another host on this app's database, key store and clock, serving no
    /// HTTP: an instance whose background jobs a test runs.
    pub async fn another_host(&self) -> Arc<Host> {
        self.another_host_with(|_| {}).await
    }

    /// [`Self::another_host`] with `change` made to its settings.
    pub async fn another_host_with(&self, change: impl FnOnce(&mut Config)) -> Arc<Host> {
        let keys =
            KeyStore::open(&self.dir().join("keys.json"), test_master_key()).expect("key store");
        let db = Db::connect(&self.db_url).await.expect("database");
        let mut config = test_config(&self.db_url, self.dir());
        change(&mut config);
        server::build_host(db, keys, self.clock.clone(), &config).await
    }

    /// `path` at the instance the next API call goes to.
    pub fn next_url(&self, path: &str) -> String {
        format!("{}{path}", self.next_base())
    }

    /// The instance the next API call goes to.
    fn next_base(&self) -> &str {
        if self.pinned.load(std::sync::atomic::Ordering::Relaxed) {
            return &self.base;
        }
        let turn = self.turn.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        &self.bases[turn % self.bases.len()]
    }

    /// The folder of the key store (`keys.json`) and, on SQLite, the database.
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// A client with `scopes`; returns its id and secret.
    pub async fn client(&self, scopes: &str) -> (String, String) {
        let new = NewClient {
            name: format!("test {scopes}"),
            scopes: Scopes::parse_list(scopes).unwrap(),
            merchant_no: None,
        };
        let created = clients::create(&self.host.db, &new, 0).await.unwrap();
        crate::canary::remember(created.client_secret.expose());
        (created.client_id, created.client_secret.expose().to_owned())
    }

    pub async fn token_for(&self, id: &str, secret: &str) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            "/api/Auth/Token",
            None,
            Some(serde_json::json!({"ClientId": id, "ClientSecret": secret})),
        )
        .await
    }

    /// A token for a fresh client with `scopes`.
    pub async fn token(&self, scopes: &str) -> String {
        let (id, secret) = self.client(scopes).await;
        let (status, body) = self.token_for(&id, &secret).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["ResultObject"]["Token"].as_str().unwrap().to_owned()
    }

    pub async fn admin_token(&self) -> String {
        let (_, body) = self.token_for(ADMIN_ID, ADMIN_SECRET).await;
        body["ResultObject"]["Token"]
            .as_str()
            .expect("admin token")
            .to_owned()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.next_base(), path));
        if let Some(t) = token {
            req = req.header("token", t);
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json)
    }

    /// Sends `raw` as the body text exactly (for malformed JSON and verbatim examples).
    pub async fn call_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        raw: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.next_base(), path))
            .header("Content-Type", "application/json")
            .body(raw);
        if let Some(t) = token {
            req = req.header("token", t);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn raw_get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("request")
    }

    /// Delivers queued SMS now (what the background sender does) and returns
    /// every line of the `log` provider's file.
    pub async fn sms_lines(&self) -> Vec<Value> {
        cardhost_service::notify::deliver_due(&self.host)
            .await
            .expect("deliver");
        let text = std::fs::read_to_string(&self.host.settings.sms_log_file).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    }

    /// The `len`-digit secret (a PIN, a one-time code) in the last SMS
    /// delivered: the tests' provider writes secrets in clear.
    pub async fn secret_in_last_sms(&self, len: usize) -> String {
        let lines = self.sms_lines().await;
        let text = lines.last().expect("an SMS")["Text"]
            .as_str()
            .unwrap()
            .to_owned();
        text.split_whitespace()
            .map(|w| w.trim_end_matches('.'))
            .find(|w| w.len() == len && w.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or_else(|| panic!("a {len}-digit secret in {text}"))
            .to_owned()
    }

    pub fn clock_ms(&self) -> i64 {
        cardhost_service::Clock::now_ms(self.clock.as_ref())
    }

    /// A separate connection to the same database, for inspecting or damaging it.
    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db_url)
            .await
            .expect("direct connection")
    }

    /// Changes the database behind the host's back, as a bad migration or
    /// restore would.
    pub async fn damage(&self, sql: &str) {
        sqlx::query(sql).execute(&self.db().await).await.unwrap();
    }

    /// The `Result` of each audit record of `operation`, oldest first.
    pub async fn audited_results(&self, operation: &str) -> Vec<i64> {
        sqlx::query_scalar("SELECT result FROM audit_log WHERE operation = $1 ORDER BY audit_id")
            .bind(operation)
            .fetch_all(&self.db().await)
            .await
            .expect("audit records")
    }
}

/// `path` read with `token` is `Result` 1 with this one error.
pub async fn assert_read_refused(
    app: &TestApp,
    path: &str,
    token: &str,
    field: &str,
    message: &str,
) {
    let (status, body) = app.get(path, token).await;
    assert_result(status, &body, 200, 1);
    assert_eq!(
        body["Errors"],
        serde_json::json!([{"Field": field, "Message": message}])
    );
}

/// The `Field` names of an envelope's `Errors`.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["Errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["Field"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts the envelope's `Result` and returns the body for further checks.
#[track_caller]
pub fn assert_result(status: StatusCode, body: &Value, http: u16, result: i64) {
    assert_eq!(body["Result"], result, "Result in {body}");
    assert_eq!(status.as_u16(), http, "HTTP status for {body}");
    assert!(
        body["ReturnDescription"].is_string(),
        "ReturnDescription in {body}"
    );
    // ApprovalRefNumber is the RRN of an approved financial operation, else 0.
    let rrn = body["ResultObject"]["Rrn"]
        .as_str()
        .filter(|r| !r.is_empty() && result == 0);
    let expected = rrn.map_or(0, |r| r.parse::<i64>().unwrap());
    assert_eq!(
        body["ApprovalRefNumber"], expected,
        "ApprovalRefNumber in {body}"
    );

    if result == 0 {
        assert_eq!(body["ReturnDescription"], "Successfully completed.");
    } else {
        assert!(
            body["ResultObject"].is_null(),
            "ResultObject on failure in {body}"
        );
    }
}

/// A JSON amount in minor units of a two-decimal currency, read from its
/// literal text (`25.62` is 2562): exact, never through a float.
pub fn minor_units(v: &Value) -> i64 {
    let text = v.to_string();
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    assert_eq!(cents.len(), 2, "{text} is not written with two decimals");
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    let whole: i64 = whole.trim_start_matches('-').parse().unwrap();
    sign * (whole * 100 + cents.parse::<i64>().unwrap())
}

/// A JSON number exactly as written (`dec("100.01")`): `json!` would carry a
/// decimal literal through a binary float on its way into the request.
pub fn dec(text: &str) -> Value {
    serde_json::from_str(text).expect("a decimal number")
}
