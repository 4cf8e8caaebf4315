//! Configuration: `cardhost.toml` (all optional), overridden by `CARDHOST_*`
//! environment variables, overridden by command-line flags.

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;

use crate::serving::Capacity;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://cardhost.db";
pub const DEFAULT_KEYS_FILE: &str = "cardhost-keys.json";
pub const DEFAULT_CONFIG_FILE: &str = "cardhost.toml";
/// Token lifetime bounds: at least a minute, at most a day.
const TOKEN_TTL_RANGE: RangeInclusive<i64> = 1..=1440;
/// Connections or requests at once: beyond a million the process runs out of
/// file descriptors or memory first.
const CAPACITY_RANGE: RangeInclusive<usize> = 1..=1_000_000;

/// What `cardhost.toml` may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub keys_file: Option<PathBuf>,
    pub public_url: Option<String>,
    pub token_ttl_minutes: Option<i64>,
    pub business_timezone: Option<String>,
    pub network_timeout_ms: Option<u64>,
    pub authorizer_workers: Option<usize>,
    pub max_connections: Option<usize>,
    pub max_in_flight: Option<usize>,
    pub sms_log_file: Option<PathBuf>,
    pub log_format: Option<String>,
    #[serde(default)]
    pub card_product: Vec<crate::products::ProductConfig>,
}

/// Values given on the command line (already merged with the environment by clap).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub keys_file: Option<PathBuf>,
    pub public_url: Option<String>,
    pub log_format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub database_url: String,
    pub keys_file: PathBuf,
    pub public_url: String,
    pub token_ttl_minutes: i64,
    pub business_timezone: String,
    /// How long the card network gets before the host answers `91` and reverses.
    pub network_timeout_ms: u64,
    /// Batches the authorizer decides at once; `None`: the engine's default.
    pub authorizer_workers: Option<usize>,
    /// Connections and requests served at once.
    pub capacity: Capacity,
    pub sms_log_file: PathBuf,
    pub sms_log_secrets: bool,
    pub log_format: LogFormat,
    pub products: Vec<cardhost_domain::product::CardProduct>,
    /// `business_timezone`, resolved against the system's zoneinfo at start.
    pub calendar: cardhost_service::calendar::Calendar,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `var` from the environment, else the file's value, else `default`; it must
/// lie in `range`, and `what` names it in the refusal.
fn bounded<T>(
    var: &str,
    file: Option<T>,
    default: T,
    range: RangeInclusive<T>,
    what: &str,
) -> anyhow::Result<T>
where
    T: FromStr + PartialOrd + Display + Copy,
{
    let value = match env(var) {
        Some(v) => v
            .parse()
            .map_err(|_| anyhow!("{var} must be a whole number, not '{v}'"))?,
        None => file.unwrap_or(default),
    };
    if !range.contains(&value) {
        bail!(
            "{what} must be {} to {}, not {value}",
            range.start(),
            range.end()
        );
    }
    Ok(value)
}

/// `CARDHOST_MAX_CONNECTIONS` and `CARDHOST_MAX_IN_FLIGHT`, else the file's.
fn capacity(file: &FileConfig) -> anyhow::Result<Capacity> {
    let default = Capacity::default();
    Ok(Capacity {
        connections: bounded(
            "CARDHOST_MAX_CONNECTIONS",
            file.max_connections,
            default.connections,
            CAPACITY_RANGE,
            "max_connections",
        )?,
        in_flight: bounded(
            "CARDHOST_MAX_IN_FLIGHT",
            file.max_in_flight,
            default.in_flight,
            CAPACITY_RANGE,
            "max_in_flight",
        )?,
    })
}

/// `CARDHOST_AUTHORIZER_WORKERS`, else the file's `authorizer_workers`: 1 to
/// 16; neither given: the engine's default.
fn authorizer_workers(file: Option<usize>) -> anyhow::Result<Option<usize>> {
    const VAR: &str = "CARDHOST_AUTHORIZER_WORKERS";
    if env(VAR).is_none() && file.is_none() {
        return Ok(None);
    }
    bounded(VAR, file, 1, 1..=16, "authorizer workers").map(Some)
}

fn read_file(path: &Path, required: bool) -> anyhow::Result<FileConfig> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            toml::from_str(&text).with_context(|| format!("configuration file {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            Ok(FileConfig::default())
        }
        Err(e) => Err(e).with_context(|| format!("configuration file {}", path.display())),
    }
}

/// The file `--config` or `CARDHOST_CONFIG` names, which must exist; else
/// [`DEFAULT_CONFIG_FILE`] when there is one.
fn settings_file(cli: &Overrides) -> anyhow::Result<FileConfig> {
    let explicit = cli
        .config
        .clone()
        .or_else(|| env("CARDHOST_CONFIG").map(PathBuf::from));
    match &explicit {
        Some(path) => read_file(path, true),
        None => read_file(Path::new(DEFAULT_CONFIG_FILE), false),
    }
}

fn log_format(name: Option<String>) -> anyhow::Result<LogFormat> {
    match name.as_deref() {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some(other) => bail!("log format must be text or json, not '{other}'"),
    }
}

impl Config {
    pub fn load(cli: &Overrides) -> anyhow::Result<Config> {
        let file = settings_file(cli)?;
        let capacity = capacity(&file)?;
        let listen = cli
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let token_ttl_minutes = bounded(
            "CARDHOST_TOKEN_TTL_MINUTES",
            file.token_ttl_minutes,
            60,
            TOKEN_TTL_RANGE,
            "token lifetime in minutes",
        )?;
        let log_format = log_format(cli.log_format.clone().or(file.log_format))?;
        let products = crate::products::all_products(file.card_product)?;
        let business_timezone = env("CARDHOST_BUSINESS_TIMEZONE")
            .or(file.business_timezone)
            .unwrap_or_else(|| "Europe/Istanbul".to_owned());
        let calendar = cardhost_service::calendar::Calendar::new(&business_timezone)
            .map_err(anyhow::Error::msg)?;
        let network_timeout_ms = bounded(
            "CARDHOST_NETWORK_TIMEOUT_MS",
            file.network_timeout_ms,
            cardhost_service::network::DEFAULT_TIMEOUT_MS,
            1..=120_000,
            "network timeout in milliseconds",
        )?;
        Ok(Config {
            capacity,
            network_timeout_ms,
            authorizer_workers: authorizer_workers(file.authorizer_workers)?,
            products,
            sms_log_secrets: env("CARDHOST_SMS_LOG_SECRETS")
                .is_some_and(|v| v == "1" || v == "true"),
            public_url: cli
                .public_url
                .clone()
                .or(file.public_url)
                .unwrap_or_else(|| format!("http://{listen}")),
            listen,
            database_url: cli
                .database_url
                .clone()
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            keys_file: cli
                .keys_file
                .clone()
                .or(file.keys_file)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_KEYS_FILE)),
            token_ttl_minutes,
            business_timezone,
            calendar,
            sms_log_file: env("CARDHOST_SMS_LOG_FILE")
                .map(PathBuf::from)
                .or(file.sms_log_file)
                .unwrap_or_else(|| PathBuf::from("sms.log")),
            log_format,
        })
    }
}
