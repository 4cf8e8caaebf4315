use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use cardhost::config::{Config, LogFormat, Overrides};
use cardhost::progress::Progress;
use cardhost::{keys, server};
use cardhost_service::clients::{self, NewClient};
use cardhost_service::{Scopes, SystemClock};
use cardhost_store::Db;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cardhost",
    version,
    about = "Card issuing, acquiring and virtual POS host"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Common {
    /// Configuration file (default: cardhost.toml when present)
    #[arg(long, global = true, env = "CARDHOST_CONFIG")]
    config: Option<PathBuf>,
    /// sqlite://PATH (default sqlite://cardhost.db) or postgres://...
    #[arg(long, global = true, env = "CARDHOST_DATABASE_URL")]
    database_url: Option<String>,
    /// Key store file (default cardhost-keys.json)
    #[arg(long, global = true, env = "CARDHOST_KEYS_FILE")]
    keys_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API and the background workers.
    Serve {
        /// ADDR:PORT to listen on (default 127.0.0.1:8080)
        #[arg(long, env = "CARDHOST_LISTEN")]
        listen: Option<String>,
        /// Base URL of this host as browsers reach it
        #[arg(long, env = "CARDHOST_PUBLIC_URL")]
        public_url: Option<String>,
        /// text or json
        #[arg(long, env = "CARDHOST_LOG_FORMAT")]
        log_format: Option<String>,
        /// Seed a demo bank (a customer, three funded cards, a merchant with a
        /// VPOS terminal and its client) on the first start and print its
        /// secrets once; only under the development master key
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage the key store.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage API clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Card bureau files.
    #[command(subcommand)]
    Emboss(EmbossCommand),
    /// Measure approved purchases per second through the HTTP API on a fresh
    /// temporary database (build with --release for real numbers).
    Bench {
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// `purchase` (SendTransaction), `sale` (virtual POS PaymentSale) or
        /// `authorize` (purchases handed to the authorizer itself, without HTTP:
        /// what the money path and the database can commit).
        #[arg(long, default_value = "purchase")]
        operation: String,
    },
    /// Write a merchant with a VPOS terminal and many funded debit cards
    /// straight to the database, for benchmarks (test data only).
    Seed {
        #[arg(long, default_value_t = 20_000)]
        cards: usize,
        /// What each card is loaded with, in minor units.
        #[arg(long, default_value_t = 100_000_000)]
        balance_minor: i64,
        #[arg(long, default_value = "900001")]
        merchant_no: String,
        #[arg(long, default_value = "BENCH001")]
        terminal_no: String,
        /// Where each card's number, expiry and CVV2 go, one `PAN,YYMM,CVV2` a line.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum EmbossCommand {
    /// Write every queued emboss directive to FILE (mode 0600) and mark them exported.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create the key store with every default key (needs the master key).
    Init,
    /// Names, versions and check values; never key material.
    List,
    /// Add a new version of a key; older versions stay readable.
    Rotate { name: String },
    /// Import a clear key (a key ceremony's result, or a test's known key).
    Import {
        #[arg(long)]
        name: String,
        #[arg(long)]
        hex: String,
        /// des, aes or hmac (default: implied by a default key name)
        #[arg(long)]
        kind: Option<String>,
        /// Add the key as a new version of an existing name
        #[arg(long)]
        new_version: bool,
    },
    /// Re-encrypt every stored PAN under the newest `pan` key version.
    Reencrypt,
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Create a client and print its id and secret once.
    Create {
        #[arg(long)]
        name: String,
        /// Comma-separated: issuer, acquirer, vpos, pan, admin
        #[arg(long)]
        scopes: String,
        /// The merchant a vpos client acts for
        #[arg(long)]
        merchant: Option<String>,
    },
    List,
    Revoke {
        client_id: String,
    },
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CARDHOST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// Panics print where they happened, never their message: a message could
/// carry card data from whatever was being formatted.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(location = %at, "panic");
    }));
}

/// Resolves on SIGTERM or SIGINT. The handlers are registered here, before the
/// server says it is listening, so a signal sent right after that line is
/// always a clean shutdown rather than the default kill.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    Ok(async move {
        tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
        tracing::info!("shutting down");
    })
}

/// How long a background job's run in flight at shutdown may take to finish.
const JOB_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    init_tracing(config.log_format);
    install_panic_hook();
    let keys = keys::open_for_serve(&config.keys_file)?;
    if demo && !keys::is_development(&config.keys_file)? {
        anyhow::bail!("--demo runs only under the development master key a fresh start creates (no CARDHOST_MASTER_KEY or CARDHOST_MASTER_KEY_FILE): a real key store never gets cards whose CVV2 was printed");
    }
    let db = Db::connect(&config.database_url)
        .await
        .context("opening the database")?;
    let host = server::build_host(db, keys, Arc::new(SystemClock), &config).await;
    if let Some(created) = server::bootstrap(&host).await? {
        server::print_admin_credentials(&created, &config.listen);
    }
    if demo {
        if let Some(seeded) = cardhost::demo::seed(&host).await? {
            cardhost::demo::print(&seeded, &config.listen);
        }
    }
    if config.sms_log_secrets {
        tracing::warn!(file = %config.sms_log_file.display(), "CARDHOST_SMS_LOG_SECRETS is on: PINs and one-time codes are written in clear (development only)");
    }
    let jobs = cardhost_service::scheduler::start(host.clone());

    let shutdown = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!("listening on {}", listener.local_addr()?);
    server::serve(listener, host.clone(), config.capacity, shutdown).await?;
    jobs.stop(JOB_GRACE).await;
    host.db.close().await;
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut overrides = Overrides {
        config: cli.common.config.clone(),
        database_url: cli.common.database_url.clone(),
        keys_file: cli.common.keys_file.clone(),
        ..Default::default()
    };
    if let Command::Serve {
        listen,
        public_url,
        log_format,
        ..
    } = &cli.command
    {
        overrides.listen = listen.clone();
        overrides.public_url = public_url.clone();
        overrides.log_format = log_format.clone();
    }
    let config = Config::load(&overrides)?;
    match cli.command {
        Command::Serve { demo, .. } => serve(config, demo).await,
        Command::Migrate => {
            Db::connect(&config.database_url).await?.close().await;
            println!("migrations applied to {}", config.database_url);
            Ok(())
        }
        Command::Keys(cmd) => keys_command(&config, cmd).await,
        Command::Client(cmd) => client_command(&config, cmd).await,
        Command::Emboss(EmbossCommand::Export { out }) => emboss_export(&config, &out).await,
        Command::Bench {
            requests,
            concurrency,
            operation,
        } => {
            let options = cardhost::bench::BenchOptions {
                requests,
                operation,
                concurrency,
                database_url: cli.common.database_url.clone(),
            };
            cardhost::bench::run(&config, options).await
        }
        Command::Seed {
            cards,
            balance_minor,
            merchant_no,
            terminal_no,
            out,
        } => {
            let options = cardhost::seed::SeedOptions {
                cards,
                balance_minor,
                merchant_no,
                terminal_no,
                out,
            };
            cardhost::seed::run(&config, options).await
        }
    }
}

async fn keys_command(config: &Config, cmd: KeysCommand) -> anyhow::Result<()> {
    let path = &config.keys_file;
    match cmd {
        KeysCommand::Init => {
            let infos = keys::init(path)?;
            println!("created {} (mode 0600)", path.display());
            keys::print_list(&infos);
        }
        KeysCommand::List => keys::print_list(&keys::open_existing(path)?.list()),
        KeysCommand::Rotate { name } => {
            let info = keys::open_existing(path)?.rotate(&name)?;
            println!("{} version {} KCV: {}", info.name, info.version, info.kcv);
        }
        KeysCommand::Import {
            name,
            hex,
            kind,
            new_version,
        } => {
            let info =
                keys::open_existing(path)?.import(&name, &hex, kind.as_deref(), new_version)?;
            println!("{} version {}", info.name, info.version);
            println!("KCV: {}", info.kcv);
        }
        KeysCommand::Reencrypt => reencrypt(config).await?,
    }
    Ok(())
}

async fn reencrypt(config: &Config) -> anyhow::Result<()> {
    let module = cardhost_crypto::SoftwareModule::new(keys::open_existing(&config.keys_file)?);
    let db = Db::connect(&config.database_url)
        .await
        .context("opening the database")?;
    let newest = i64::from(cardhost_crypto::SecurityModule::pan_key_version(&module)?);
    let older: i64 = cardhost_service::vault::versions(&db)
        .await?
        .iter()
        .filter(|(version, _)| *version < newest)
        .map(|(_, count)| count)
        .sum();
    let mut progress = Progress::new(u64::try_from(older).unwrap_or(0), "PANs");
    let moved =
        cardhost_service::vault::reencrypt(&db, &module, &mut |done| progress.set(done)).await?;
    progress.finish();
    println!(
        "re-encrypted {moved} stored PANs under pan key version {}",
        cardhost_crypto::SecurityModule::pan_key_version(&module)?
    );
    for (version, count) in cardhost_service::vault::versions(&db).await? {
        println!("  version {version}: {count} PANs");
    }
    db.close().await;
    Ok(())
}

async fn emboss_export(config: &Config, out: &std::path::Path) -> anyhow::Result<()> {
    let keys = keys::open_existing(&config.keys_file)?;
    let db = Db::connect(&config.database_url)
        .await
        .context("opening the database")?;
    let host = server::build_host(db, keys, Arc::new(SystemClock), config).await;
    let operator = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "operator".into())
    );
    let mut progress: Option<Progress> = None;
    let mut report = |done, total| {
        progress
            .get_or_insert_with(|| Progress::new(total, "cards"))
            .set(done)
    };
    let written =
        cardhost_service::issuer::emboss::export(&host, &operator, out, &mut report).await?;
    if let Some(progress) = progress {
        progress.finish();
    }
    println!(
        "wrote {written} emboss records to {} (mode 0600)",
        out.display()
    );
    host.db.close().await;
    Ok(())
}

async fn client_command(config: &Config, cmd: ClientCommand) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url)
        .await
        .context("opening the database")?;
    let now = chrono::Utc::now().timestamp_millis();
    let result = match cmd {
        ClientCommand::Create {
            name,
            scopes,
            merchant,
        } => {
            let scopes = Scopes::parse_list(&scopes).map_err(anyhow::Error::msg)?;
            let created = clients::create(
                &db,
                &NewClient {
                    name,
                    scopes,
                    merchant_no: merchant,
                },
                now,
            )
            .await?;
            println!("ClientId: {}", created.client_id);
            println!("ClientSecret: {}", created.client_secret.expose());
            Ok(())
        }
        ClientCommand::List => {
            println!(
                "{:<38} {:<20} {:<28} {:<10} MERCHANT",
                "CLIENT ID", "NAME", "SCOPES", "STATUS"
            );
            for c in clients::list(&db).await? {
                println!(
                    "{:<38} {:<20} {:<28} {:<10} {}",
                    c.client_id,
                    c.name,
                    c.scopes,
                    c.status.name(),
                    c.merchant_no.unwrap_or_default()
                );
            }
            Ok(())
        }
        ClientCommand::Revoke { client_id } => {
            clients::revoke(&db, &client_id).await?;
            println!("revoked {client_id}");
            Ok(())
        }
    };
    db.close().await;
    result
}

// glibc's allocator spent a quarter of the server's CPU under payment load
// (arena locks and consolidation across the runtime's and SQLite's threads).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(err) = run(cli).await {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
