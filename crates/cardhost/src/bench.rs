//! `cardhost bench`: approved authorizations per second through the real HTTP API.
//!
//! Starts the server in-process on a fresh database, funds one card, then keeps
//! `concurrency` HTTP/1.1 connections busy with `SendTransaction` purchases
//! (each a new Reference) or, with `--operation sale`, virtual POS
//! `PaymentSale`s (each a new OrderId), and reports throughput, latency percentiles, memory
//! and the authorizer's batch sizes. `--operation authorize` skips HTTP and hands
//! purchases on 2,000 seeded cards straight to the authorizer: the storage
//! limit of the money path. A benchmark reports; it never fails a build.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use cardhost_crypto::{KeyStore, MasterKey};
use cardhost_domain::status::CardTxType;
use cardhost_domain::Currency;
use cardhost_service::clients::{self, NewClient};
use cardhost_service::money::decide::TxRequest;
use cardhost_service::{cache, seed, Call, Caller, Host, Scope, Scopes, SystemClock};
use cardhost_store::Db;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;

use crate::config::Config;
use crate::server;

pub struct BenchOptions {
    pub requests: usize,
    /// `purchase` (issuer `SendTransaction`) or `sale` (virtual POS `PaymentSale`).
    pub operation: String,
    pub concurrency: usize,
    pub database_url: Option<String>,
}

type Sender = http1::SendRequest<Full<Bytes>>;

async fn connect(addr: std::net::SocketAddr) -> anyhow::Result<Sender> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

async fn post(
    sender: &mut Sender,
    path: &str,
    token: Option<&str>,
    body: String,
) -> anyhow::Result<serde_json::Value> {
    let mut req = hyper::Request::post(path)
        .header("content-type", "application/json")
        .header("host", "bench");
    if let Some(t) = token {
        req = req.header("token", t);
    }
    // A fresh connection's task may not have run yet: sending before it is
    // ready fails with "connection was not ready".
    sender.ready().await?;
    let res = sender
        .send_request(req.body(Full::new(Bytes::from(body)))?)
        .await?;
    let bytes = res.into_body().collect().await?.to_bytes();
    Ok(serde_json::from_slice(&bytes)?)
}

fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

/// Cards to spread direct authorizations over (funded like the seeded ones).
const DIRECT_CARDS: usize = 2_000;

async fn seeded_card_ids(host: &Host) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(DIRECT_CARDS);
    let mut next = seed::first_number();
    let mut progress = crate::progress::Progress::new(u64::try_from(DIRECT_CARDS)?, "cards");
    while ids.len() < DIRECT_CARDS {
        let count = seed::CHUNK.min(DIRECT_CARDS - ids.len());
        let cards = seed::cards(host, next, count, 100_000_000).await?;
        next += u64::try_from(count)?;
        for card in &cards {
            let found = cache::card_of_pan(host, &card.pan)
                .await?
                .context("seeded card")?;
            ids.push(found.card_id);
        }
        progress.set(u64::try_from(ids.len())?);
    }
    progress.finish();
    Ok(ids)
}

/// `count` purchases handed to the authorizer itself: the money path and the
/// database without HTTP, JSON or the caches in front of it.
async fn authorize_directly(
    host: Arc<Host>,
    card_ids: Arc<Vec<i64>>,
    worker: usize,
    count: usize,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let call = Call {
        caller: Caller {
            client_id: "bench".into(),
            scopes: Scopes::of(&[Scope::Issuer]),
            merchant_no: None,
        },
        operation: "SendTransaction",
        request_id: format!("bench-{worker}"),
    };
    let currency = Currency::from_numeric(949).context("TRY")?;
    let mut latencies = Vec::with_capacity(count);
    let mut approved = 0;
    for i in 0..count {
        let card = card_ids[(worker * 7919 + i) % card_ids.len()];
        let mut request = TxRequest::new(
            &call,
            CardTxType::Purchase,
            card,
            format!("d{worker}-{i}"),
            format!("d{worker}-{i}"),
            Some(100),
            Some(currency),
        );
        request.mcc = Some("5411".into());
        let t = Instant::now();
        let outcome = host.authorizer.submit(request).await?;
        latencies.push(t.elapsed());
        if outcome.row.response_code == "00" {
            approved += 1;
        }
    }
    Ok((latencies, approved))
}

/// What the bench drives: HTTP `SendTransaction`s, HTTP `PaymentSale`s, or
/// the authorizer directly.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    Purchase,
    Sale,
    Authorize,
}

impl Operation {
    fn parse(text: &str) -> anyhow::Result<Operation> {
        Ok(match text {
            "purchase" => Operation::Purchase,
            "sale" => Operation::Sale,
            "authorize" => Operation::Authorize,
            other => bail!("--operation must be purchase, sale or authorize, not '{other}'"),
        })
    }
}

/// The server under test, listening, with an admin token and a funded card.
struct Bench {
    host: Arc<Host>,
    addr: std::net::SocketAddr,
    token: String,
    card_token: String,
    /// Holds the temporary database and key store until the bench ends.
    _dir: tempfile::TempDir,
}

async fn start(config: &Config, options: &BenchOptions) -> anyhow::Result<Bench> {
    let dir = tempfile::tempdir().context("temporary directory")?;
    let url = options
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let keys = KeyStore::create(&dir.path().join("keys.json"), MasterKey::generate())?;
    let db = Db::connect(&url).await.context("opening the database")?;
    let host: Arc<Host> = server::build_host(db, keys, Arc::new(SystemClock), config).await;
    let created = clients::create(
        &host.db,
        &NewClient {
            name: "bench".into(),
            scopes: Scopes::of(&[Scope::Admin]),
            merchant_no: None,
        },
        0,
    )
    .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(server::serve(
        listener,
        host.clone(),
        config.capacity,
        std::future::pending(),
    ));
    let mut setup = connect(addr).await?;
    let credentials = serde_json::json!({"ClientId": created.client_id, "ClientSecret": created.client_secret.expose()});
    let token = post(&mut setup, "/api/Auth/Token", None, credentials.to_string()).await?
        ["ResultObject"]["Token"]
        .as_str()
        .context("token")?
        .to_owned();
    let card_token = funded_card(&mut setup, &token).await?;
    Ok(Bench {
        host,
        addr,
        token,
        card_token,
        _dir: dir,
    })
}

/// A customer's virtual debit card with 90,000,000.00 on it; its token.
async fn funded_card(setup: &mut Sender, token: &str) -> anyhow::Result<String> {
    let customer = r#"{"CustomerNo": "BENCH", "Name": "Bench", "Surname": "Mark"}"#;
    post(
        setup,
        "/api/Integration/CreateCustomer",
        Some(token),
        customer.into(),
    )
    .await?;
    let card = post(
        setup,
        "/api/Integration/CreateDebitCard",
        Some(token),
        r#"{"CustomerNo": "BENCH", "IsVirtual": true}"#.into(),
    )
    .await?;
    let card_token = card["ResultObject"]["CardToken"]
        .as_str()
        .context("card")?
        .to_owned();
    let loaded = post(
        setup,
        "/api/Integration/LoadCardBalance",
        Some(token),
        format!(r#"{{"CardToken": "{card_token}", "Reference": "bench-load", "Amount": 9000000000, "Currency": 949}}"#),
    )
    .await?;
    if loaded["Result"] != 0 {
        bail!("funding the bench card failed: {loaded}");
    }
    Ok(card_token)
}

/// The merchant and VPOS terminal the `PaymentSale`s are made at.
async fn open_shop(bench: &Bench) -> anyhow::Result<()> {
    let mut setup = connect(bench.addr).await?;
    let shop = post(
        &mut setup,
        "/api/Integration/CreateMerchantAndTerminal",
        Some(&bench.token),
        r#"{"Merchant": {"MerchantNo": "900001", "MerchantName": "Bench", "Mcc": "5411", "Country": "TR", "Currency": 949},
            "Terminals": [{"TerminalNo": "BENCH001", "TerminalType": "Vpos"}]}"#
            .into(),
    )
    .await?;
    if shop["Result"] != 0 {
        bail!("creating the bench merchant failed: {shop}");
    }
    Ok(())
}

/// One connection making `count` requests in turn: their latencies and how
/// many were approved.
async fn over_http(
    bench: &Bench,
    sale: bool,
    worker: usize,
    count: usize,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let (token, card_token) = (&bench.token, &bench.card_token);
    let mut sender = connect(bench.addr).await?;
    let mut latencies = Vec::with_capacity(count);
    let mut approved = 0usize;
    for i in 0..count {
        let (path, body) = if sale {
            (
                "/api/VPos/PaymentSale",
                format!(
                    r#"{{"MerchantNo": "900001", "TerminalNo": "BENCH001", "OrderId": "b{worker}-{i}", "CardToken": "{card_token}", "Amount": 1.00, "Currency": 949}}"#
                ),
            )
        } else {
            (
                "/api/Integration/SendTransaction",
                format!(
                    r#"{{"CardToken": "{card_token}", "Reference": "b{worker}-{i}", "TransactionType": "Purchase", "Amount": 1.00, "Currency": 949, "Mcc": "5411"}}"#
                ),
            )
        };
        let t = Instant::now();
        let answer = post(&mut sender, path, Some(token), body).await?;
        latencies.push(t.elapsed());
        if answer["Result"] == 0 {
            approved += 1;
        }
    }
    Ok((latencies, approved))
}

pub async fn run(config: &Config, options: BenchOptions) -> anyhow::Result<()> {
    if options.concurrency == 0 || options.requests == 0 {
        bail!("--requests and --concurrency must be at least 1");
    }
    let operation = Operation::parse(&options.operation)?;
    let bench = Arc::new(start(config, &options).await?);
    if operation == Operation::Sale {
        open_shop(&bench).await?;
    }
    println!(
        "cardhost bench: {} {}s over {} connections, database {}",
        options.requests,
        options.operation,
        options.concurrency,
        if options.database_url.is_some() {
            "as given"
        } else {
            "SQLite (temporary, WAL, synchronous=FULL)"
        }
    );
    let per_worker = options.requests.div_ceil(options.concurrency);
    let card_ids = if operation == Operation::Authorize {
        Arc::new(seeded_card_ids(&bench.host).await?)
    } else {
        Arc::default()
    };
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..options.concurrency {
        let count = per_worker.min(options.requests.saturating_sub(w * per_worker));
        let (bench, card_ids) = (bench.clone(), card_ids.clone());
        workers.push(tokio::spawn(async move {
            match operation {
                Operation::Authorize => {
                    authorize_directly(bench.host.clone(), card_ids, w, count).await
                }
                _ => over_http(&bench, operation == Operation::Sale, w, count).await,
            }
        }));
    }
    let mut latencies = Vec::with_capacity(options.requests);
    let mut approved = 0;
    for w in workers {
        let (l, a) = w.await??;
        latencies.extend(l);
        approved += a;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    report(&bench.host, &options, &latencies, approved, elapsed);
    Ok(())
}

fn report(
    host: &Host,
    options: &BenchOptions,
    latencies: &[Duration],
    approved: usize,
    elapsed: Duration,
) {
    let stats = &host.authorizer_stats;
    let batches = stats.batches.load(Ordering::Relaxed).max(1);
    let decided = stats.requests.load(Ordering::Relaxed);
    println!("approved:            {approved} of {}", latencies.len());
    println!("elapsed:             {:.2} s", elapsed.as_secs_f64());
    // Integer arithmetic keeps the report free of floats (the throughput is a
    // count per second; rounding down to the whole request is what it means).
    let per_second = u128::try_from(approved).unwrap_or(0) * 1_000_000 / elapsed.as_micros().max(1);
    println!(
        "throughput:          {per_second} approved {}s/s",
        options.operation
    );
    println!(
        "latency:             p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(latencies, 50).as_secs_f64() * 1e3,
        percentile(latencies, 90).as_secs_f64() * 1e3,
        percentile(latencies, 99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    let mean_tenths = decided * 10 / batches;
    println!(
        "authorizer batches:  {batches} (mean {}.{} requests, largest {})",
        mean_tenths / 10,
        mean_tenths % 10,
        stats.largest_batch.load(Ordering::Relaxed)
    );
    let per_request: Vec<String> = cardhost_service::BatchPhase::ALL
        .iter()
        .map(|&p| format!("{} {} us", p.name(), stats.phase_micros(p) / decided.max(1)))
        .collect();
    println!("authorizer per request: {}", per_request.join(", "));
    println!(
        "memory:              {} MiB resident, {} MiB peak",
        memory_kib("VmRSS:") / 1024,
        memory_kib("VmHWM:") / 1024
    );
}
