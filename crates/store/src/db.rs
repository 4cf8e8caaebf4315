use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor};

use crate::StoreError;

pub type Tx<'c> = sqlx::Transaction<'c, Any>;

/// A connection taken from the writer pool and kept: handing one back costs a
/// round trip (sqlx pings it) and two task hand-offs.
pub type WriterConnection = sqlx::pool::PoolConnection<Any>;

/// A write transaction on a kept connection.
pub async fn begin_on(conn: &mut WriterConnection) -> Result<Tx<'_>, StoreError> {
    Ok(sqlx::Transaction::begin(&mut **conn, None).await?)
}

/// Rolls back a transaction begun by a `BEGIN` inside a statement text (the
/// authorizer's on SQLite), so the connection never goes back to the pool
/// inside it. An error when none was open.
pub async fn rollback(conn: &mut sqlx::AnyConnection) -> Result<(), StoreError> {
    conn.execute("ROLLBACK").await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The suffix that locks selected rows until commit: PostgreSQL needs it when
    /// several instances share a database; SQLite's single writer already serializes.
    pub fn row_lock_clause(self) -> &'static str {
        match self {
            Engine::Sqlite => "",
            Engine::Postgres => " FOR UPDATE",
        }
    }

    /// The suffix that keeps selected rows from changing until commit while
    /// letting other readers share them (payments share a terminal's row; only
    /// a batch close takes it alone).
    pub fn row_share_clause(self) -> &'static str {
        match self {
            Engine::Sqlite => "",
            Engine::Postgres => " FOR SHARE",
        }
    }
}

/// A lock held across instances ([`Db::lock_key`]); released when dropped.
pub struct KeyLock {
    _held: Option<Tx<'static>>,
}

/// Connections to one database: a writer pool and a reader pool. SQLite allows
/// one writer at a time anyway, so its writer pool has one connection and
/// writers queue in-process instead of spinning on `SQLITE_BUSY`.
#[derive(Clone)]
pub struct Db {
    engine: Engine,
    writer: AnyPool,
    reader: AnyPool,
}

/// Readers may run beside the writer (SQLite WAL); a handful serves two cores.
const SQLITE_READERS: u32 = 8;
/// PostgreSQL connections per `cardhost serve` instance.
const POSTGRES_POOL_SIZE: u32 = 16;
/// How long a request waits for a connection before it fails with `Result` 99.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects, applies the engine's pragmas and runs pending migrations.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Engine::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let db = match engine {
            Engine::Sqlite => {
                let setup = sqlite_setup_lock(url).await?;
                create_private_file(url)?;
                let url = sqlite_url_creating(url);
                let writer = sqlite_pool(&url, 1, SQLITE_WRITER_PRAGMAS).await?;
                let reader = sqlite_pool(&url, SQLITE_READERS, SQLITE_READER_PRAGMAS).await?;
                tokio::spawn(checkpoint_wal(reader.clone()));
                let db = Db {
                    engine,
                    writer,
                    reader,
                };
                db.migrate().await?;
                drop(setup);
                return Ok(db);
            }
            Engine::Postgres => {
                let options = AnyConnectOptions::from_str(url)?;
                let pool = AnyPoolOptions::new()
                    .max_connections(POSTGRES_POOL_SIZE)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await?;
                Db {
                    engine,
                    writer: pool.clone(),
                    reader: pool,
                }
            }
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.engine {
            Engine::Sqlite => &SQLITE_MIGRATOR,
            Engine::Postgres => &POSTGRES_MIGRATOR,
        };
        migrator.run(&self.writer).await?;
        Ok(())
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// A write transaction; commit it or drop it to roll back.
    pub async fn begin(&self) -> Result<Tx<'static>, StoreError> {
        Ok(self.writer.begin().await?)
    }

    /// A writer connection to keep across several transactions ([`begin_on`]).
    pub async fn writer_connection(&self) -> Result<WriterConnection, StoreError> {
        Ok(self.writer.acquire().await?)
    }

    /// The writer pool, for the few writes that run outside `begin` (id blocks).
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// The pool for reads that need no transaction.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// Waits for, then holds, the lock on `key` across every instance that
    /// shares the database, until the returned guard is dropped. On
    /// PostgreSQL it is a transaction-level advisory lock on a connection of
    /// its own (dropping the guard rolls that transaction back, which
    /// releases it). SQLite has one instance a file: there it holds nothing.
    pub async fn lock_key(&self, key: &str) -> Result<KeyLock, StoreError> {
        match self.engine {
            Engine::Sqlite => Ok(KeyLock { _held: None }),
            Engine::Postgres => {
                let mut tx = self.writer.begin().await?;
                sqlx::query(
                    "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 0))) AS locked",
                )
                .bind(key)
                .execute(&mut *tx)
                .await?;
                Ok(KeyLock { _held: Some(tx) })
            }
        }
    }

    /// A trivial query on each pool, for `/health`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// Creates a missing SQLite file with mode 0600 before SQLite opens it: it holds
/// PAN ciphertexts and secret hashes, and SQLite gives its WAL and SHM files the
/// database file's permissions.
fn sqlite_file(url: &str) -> &str {
    url.trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or("")
}

fn create_private_file(url: &str) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = sqlite_file(url);
    if path.is_empty() || path == ":memory:" || std::path::Path::new(path).exists() {
        return Ok(());
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        // Another process made it first: as good.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        done => done
            .map(|_| ())
            .map_err(|e| StoreError::Malformed(format!("creating {path}: {e}"))),
    }
}

/// Holds `{file}.lock` exclusively while a process creates or migrates a
/// SQLite file: two `cardhost migrate` (or a `migrate` and a starting
/// `serve`) then apply each migration once, one after the other. (sqlx's
/// PostgreSQL migrator takes an advisory lock itself.)
async fn sqlite_setup_lock(url: &str) -> Result<Option<std::fs::File>, StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = sqlite_file(url);
    if path.is_empty() || path == ":memory:" {
        return Ok(None);
    }
    let lock_path = format!("{path}.lock");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| StoreError::Malformed(format!("opening {lock_path}: {e}")))?;
    let file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .map_err(|e| StoreError::Malformed(format!("locking {lock_path}: {e}")))?
        .map_err(|e| StoreError::Malformed(format!("locking {lock_path}: {e}")))?;
    Ok(Some(file))
}

/// `sqlite://file.db` opens an existing file only; the host creates it on first start.
fn sqlite_url_creating(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// The writer leaves moving the WAL into the database to [`checkpoint_wal`],
/// off the path of every commit; SQLite's own checkpoint stays as a backstop
/// past 80 MiB. Its page cache stays at SQLite's default (2 MiB): every commit
/// walks the cache's whole hash table (`pcache1TruncateUnsafe`), and at 64 MiB
/// that walk was a tenth of the writer thread's time.
const SQLITE_WRITER_PRAGMAS: &str =
    "PRAGMA wal_autocheckpoint = 20000; PRAGMA temp_store = MEMORY;";
/// Readers keep SQLite's default cache (2 MiB each): the payment path reads
/// its reference data through the host's caches.
const SQLITE_READER_PRAGMAS: &str = "";
/// How often the WAL is copied back into the database file. Often enough that
/// each pass copies few pages: the writer's commits wait on the same disk, and
/// at 1 s (then 200 ms) the bigger passes showed in its p99 (BENCHMARKS.md).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);

/// Copies committed WAL frames into the database file from a reader
/// connection, beside the writer (a passive checkpoint never blocks it),
/// until the pool closes.
async fn checkpoint_wal(reader: AnyPool) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if reader.is_closed() {
            break;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&reader)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed; SQLite checkpoints on commit instead");
        }
    }
}

async fn sqlite_pool(url: &str, size: u32, pragmas: &'static str) -> Result<AnyPool, StoreError> {
    let options = AnyConnectOptions::from_str(url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(size)
        // A file on this machine does not drop connections; the ping sqlx sends
        // before each checkout was a fifth of every authorizer batch's time.
        .test_before_acquire(false)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; FULL makes every commit
                // durable before a caller hears "approved" (design.md, money path).
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                )
                .await?;
                if !pragmas.is_empty() {
                    conn.execute(pragmas).await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    Ok(pool)
}
