//! The master key and the key store at start-up, and the `keys` commands.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use cardhost_crypto::{KeyInfo, KeyStore, MasterKey};

/// Name of the development master key file, beside the key store.
pub const DEV_MASTER_KEY_FILE: &str = "cardhost-master.key";

/// Where the master key came from, for the start-up log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasterKeySource {
    Env,
    File(PathBuf),
    DevelopmentFile(PathBuf),
}

fn dev_master_path(keys_file: &Path) -> PathBuf {
    keys_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
        .join(DEV_MASTER_KEY_FILE)
}

/// `CARDHOST_MASTER_KEY`, else `CARDHOST_MASTER_KEY_FILE`, else a development
/// master key file left by an earlier development start.
pub fn find_master_key(keys_file: &Path) -> anyhow::Result<Option<(MasterKey, MasterKeySource)>> {
    if let Ok(hex) = std::env::var("CARDHOST_MASTER_KEY") {
        let key = MasterKey::from_hex(&hex).context("CARDHOST_MASTER_KEY")?;
        return Ok(Some((key, MasterKeySource::Env)));
    }
    if let Ok(path) = std::env::var("CARDHOST_MASTER_KEY_FILE") {
        let path = PathBuf::from(path);
        let text = fs::read_to_string(&path)
            .with_context(|| format!("CARDHOST_MASTER_KEY_FILE {}", path.display()))?;
        let key = MasterKey::from_hex(&text)
            .with_context(|| format!("master key file {}", path.display()))?;
        return Ok(Some((key, MasterKeySource::File(path))));
    }
    let dev = dev_master_path(keys_file);
    if dev.exists() {
        let text = fs::read_to_string(&dev).with_context(|| format!("{}", dev.display()))?;
        let key = MasterKey::from_hex(&text)
            .with_context(|| format!("master key file {}", dev.display()))?;
        return Ok(Some((key, MasterKeySource::DevelopmentFile(dev))));
    }
    Ok(None)
}

fn write_secret_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// Whether `serve` runs under the development master key file that a fresh
/// start creates beside the key store.
pub fn is_development(keys_file: &Path) -> anyhow::Result<bool> {
    Ok(matches!(
        find_master_key(keys_file)?,
        Some((_, MasterKeySource::DevelopmentFile(_)))
    ))
}

/// The key store `serve` runs with. On a fresh setup with no master key at all,
/// creates a development master key file and key store and says so loudly.
pub fn open_for_serve(keys_file: &Path) -> anyhow::Result<KeyStore> {
    match (find_master_key(keys_file)?, keys_file.exists()) {
        (Some((master, source)), true) => {
            if let MasterKeySource::DevelopmentFile(path) = &source {
                tracing::warn!(file = %path.display(), "using the DEVELOPMENT master key file; production sets CARDHOST_MASTER_KEY or CARDHOST_MASTER_KEY_FILE");
            }
            KeyStore::open(keys_file, master).with_context(|| format!("key store {}", keys_file.display()))
        }
        (Some((master, _)), false) => {
            let store = KeyStore::create(keys_file, master)?;
            tracing::warn!(file = %keys_file.display(), "created a new key store under the given master key");
            Ok(store)
        }
        (None, true) => bail!(
            "the key store {} exists but no master key is set: set CARDHOST_MASTER_KEY (64 hex digits) or CARDHOST_MASTER_KEY_FILE",
            keys_file.display()
        ),
        (None, false) => {
            let master = MasterKey::generate();
            let dev = dev_master_path(keys_file);
            write_secret_file(&dev, &master.to_hex())?;
            let store = KeyStore::create(keys_file, master)?;
            eprintln!();
            eprintln!("!! DEVELOPMENT KEYS CREATED: no master key was set, so cardhost generated one.");
            eprintln!("!!   master key file: {} (mode 0600)", dev.display());
            eprintln!("!!   key store:       {} (mode 0600)", keys_file.display());
            eprintln!("!! Never use these for real cards: production sets CARDHOST_MASTER_KEY or");
            eprintln!("!! CARDHOST_MASTER_KEY_FILE and runs `cardhost keys init` in a key ceremony.");
            eprintln!();
            Ok(store)
        }
    }
}

fn require_master(keys_file: &Path) -> anyhow::Result<MasterKey> {
    match find_master_key(keys_file)? {
        Some((master, _)) => Ok(master),
        None => bail!(
            "no master key: set CARDHOST_MASTER_KEY (64 hex digits) or CARDHOST_MASTER_KEY_FILE"
        ),
    }
}

pub fn open_existing(keys_file: &Path) -> anyhow::Result<KeyStore> {
    let master = require_master(keys_file)?;
    KeyStore::open(keys_file, master).with_context(|| format!("key store {}", keys_file.display()))
}

/// `cardhost keys init`.
pub fn init(keys_file: &Path) -> anyhow::Result<Vec<KeyInfo>> {
    let master = require_master(keys_file)?;
    Ok(KeyStore::create(keys_file, master)?.list())
}

pub fn print_list(infos: &[KeyInfo]) {
    println!("{:<18} {:>7}  {:<8} KCV", "NAME", "VERSION", "KIND");
    for k in infos {
        println!(
            "{:<18} {:>7}  {:<8} {}",
            k.name,
            k.version,
            k.kind.label(),
            k.kcv
        );
    }
}
