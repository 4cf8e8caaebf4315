//! `cardhost seed`: a merchant with a VPOS terminal and many funded cards, for
//! benchmarks. Prints the VPOS client's credentials as shell assignments and
//! writes each card's number, expiry and CVV2 to a file (mode 0600) for the
//! load generator. Test data only: never run it against a database with real cards.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use cardhost_service::{seed, SystemClock};
use cardhost_store::Db;

use crate::config::Config;
use crate::progress::Progress;
use crate::{keys, server};

pub struct SeedOptions {
    pub cards: usize,
    /// What each card is loaded with, in minor units.
    pub balance_minor: i64,
    pub merchant_no: String,
    pub terminal_no: String,
    /// Where the cards are written: `PAN,YYMM,CVV2` a line.
    pub out: PathBuf,
}

pub async fn run(config: &Config, options: SeedOptions) -> anyhow::Result<()> {
    let keys = keys::open_for_serve(&config.keys_file)?;
    let db = Db::connect(&config.database_url)
        .await
        .context("opening the database")?;
    let host = server::build_host(db, keys, Arc::new(SystemClock), config).await;
    let credentials = seed::merchant(&host, &options.merchant_no, &options.terminal_no).await?;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&options.out)
        .with_context(|| format!("creating {}", options.out.display()))?;
    let total = u64::try_from(options.cards).unwrap_or(u64::MAX);
    let mut progress = Progress::new(total, "cards");
    let mut next = seed::first_number();
    let mut written = 0;
    while written < options.cards {
        let count = seed::CHUNK.min(options.cards - written);
        let cards = seed::cards(&host, next, count, options.balance_minor).await?;
        next += u64::try_from(count).unwrap_or(0);
        for c in &cards {
            writeln!(out, "{},{},{}", c.pan.expose(), c.expiry, c.cvv2.expose())?;
        }
        written += cards.len().max(1);
        progress.set(u64::try_from(written).unwrap_or(total));
    }
    progress.finish();
    println!("MERCHANT_NO={}", options.merchant_no);
    println!("TERMINAL_NO={}", options.terminal_no);
    println!("VPOS_CLIENT_ID={}", credentials.client_id);
    println!("VPOS_CLIENT_SECRET={}", credentials.client_secret.expose());
    host.db.close().await;
    Ok(())
}
