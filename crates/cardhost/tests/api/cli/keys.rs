//! `cardhost keys` and PAN re-encryption.

use cardhost_crypto::{KeyStore, MasterKey, SecurityModule, SoftwareModule};
use cardhost_domain::card::Pan;
use cardhost_service::vault;

use super::*;

const CVK: &str = "0123456789ABCDEFFEDCBA9876543210";

/// A folder whose key store `cardhost keys init` made under [`MASTER`].
struct KeyDir(tempfile::TempDir);

impl KeyDir {
    async fn init() -> KeyDir {
        let keys = KeyDir(tempfile::tempdir().unwrap());
        let (ok, _, err) = keys.run(&["init"]).await;
        assert!(ok, "{err}");
        keys
    }

    /// `cardhost keys ARGS` under [`MASTER`]: (success, stdout, stderr).
    async fn run(&self, args: &[&str]) -> (bool, String, String) {
        run(cardhost(self.0.path())
            .arg("keys")
            .args(args)
            .env("CARDHOST_MASTER_KEY", MASTER))
        .await
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn store(&self) -> std::path::PathBuf {
        self.path().join("cardhost-keys.json")
    }
}

#[tokio::test]
async fn init_makes_every_key_in_a_file_only_its_owner_reads() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(cardhost(dir.path())
        .args(["keys", "init"])
        .env("CARDHOST_MASTER_KEY", MASTER))
    .await;
    assert!(ok, "{err}");
    let names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for name in [
        "pan",
        "pan-fingerprint",
        "token",
        "pin-storage",
        "cvk",
        "pvk",
        "zpk",
        "zpk-aes",
    ] {
        assert!(names.contains(&name), "{name} in {out}");
    }
    let file = std::fs::metadata(dir.path().join("cardhost-keys.json")).unwrap();
    let mode = std::os::unix::fs::PermissionsExt::mode(&file.permissions());
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn init_leaves_an_existing_key_store_alone() {
    let keys = KeyDir::init().await;
    let (ok, _, err) = keys.run(&["init"]).await;
    assert!(!ok && err.contains("already exists"), "{err}");
}

#[tokio::test]
async fn importing_a_key_that_exists_needs_new_version() {
    let keys = KeyDir::init().await;
    let (ok, _, err) = keys.run(&["import", "--name", "cvk", "--hex", CVK]).await;
    assert!(!ok && err.contains("already exists"), "{err}");
}

#[tokio::test]
async fn an_imported_version_is_listed_by_its_kcv_and_never_in_clear() {
    let keys = KeyDir::init().await;
    let import = ["import", "--name", "cvk", "--hex", CVK, "--new-version"];
    let (ok, out, err) = keys.run(&import).await;
    assert!(ok && out.contains("KCV: 08D7B4"), "{out}{err}");
    let (ok, out, _) = keys.run(&["list"]).await;
    assert!(ok);
    assert!(
        out.lines()
            .any(|l| l.starts_with("cvk") && l.contains(" 2 ") && l.ends_with("08D7B4")),
        "{out}"
    );
    assert!(!out.contains(CVK), "no key material in the listing");
    let file = std::fs::read_to_string(keys.store()).unwrap();
    assert!(
        !file.to_uppercase().contains(CVK),
        "no clear key in the file"
    );
}

#[tokio::test]
async fn a_des_key_without_odd_parity_is_refused() {
    let keys = KeyDir::init().await;
    let even = "0023456789ABCDEFFEDCBA9876543210";
    let (ok, _, err) = keys
        .run(&["import", "--name", "zpk", "--hex", even, "--new-version"])
        .await;
    assert!(!ok && err.contains("odd parity"), "{err}");
}

#[tokio::test]
async fn rotate_makes_the_keys_next_version() {
    let keys = KeyDir::init().await;
    let (ok, out, _) = keys.run(&["rotate", "pan"]).await;
    assert!(ok && out.contains("pan version 2"), "{out}");
}

#[tokio::test]
async fn a_wrong_master_key_does_not_open_the_store() {
    let keys = KeyDir::init().await;
    let wrong = MASTER.replace("00", "FF");
    let (ok, _, err) = run(cardhost(keys.path())
        .args(["keys", "list"])
        .env("CARDHOST_MASTER_KEY", wrong))
    .await;
    assert!(!ok && err.contains("master key does not open"), "{err}");
}

#[tokio::test]
async fn serve_without_a_master_key_does_not_start() {
    let keys = KeyDir::init().await;
    let (ok, _, err) = run(cardhost(keys.path()).args(["serve", "--listen", "127.0.0.1:0"])).await;
    assert!(!ok && err.contains("no master key is set"), "{err}");
}

const PANS: [&str; 4] = [
    "4111111111111111",
    "5555555555554444",
    "4000001234562",
    "378282246310005",
];

/// Stores `pans` through `module`; their vault ids.
async fn store_pans(db: &cardhost_store::Db, module: &SoftwareModule, pans: &[&str]) -> Vec<i64> {
    let mut tx = db.begin().await.unwrap();
    let mut ids = Vec::new();
    for p in pans {
        let pan = Pan::parse(p).unwrap();
        ids.push(vault::store(&mut tx, module, &pan, 0).await.unwrap());
    }
    tx.commit().await.unwrap();
    ids
}

#[tokio::test]
async fn rotate_then_reencrypt_moves_every_stored_pan_and_keeps_it_readable() {
    let keys = KeyDir::init().await;
    // A "running server": its module was loaded before the rotation below.
    let master = MasterKey::from_hex(MASTER).unwrap();
    let running = SoftwareModule::new(KeyStore::open(&keys.store(), master).unwrap());
    let db_url = format!("sqlite://{}", keys.path().join("cardhost.db").display());
    let db = cardhost_store::Db::connect(&db_url).await.unwrap();
    let mut ids = store_pans(&db, &running, &PANS[..3]).await;
    let (ok, out, _) = keys.run(&["rotate", "pan"]).await;
    assert!(ok && out.contains("pan version 2"), "{out}");
    // The running module still writes under version 1 until it meets version 2.
    ids.extend(store_pans(&db, &running, &PANS[3..]).await);

    let (ok, out, err) = keys.run(&["reencrypt"]).await;
    assert!(ok, "{err}");
    // Off a terminal, progress is plain lines, not a bar.
    assert!(err.lines().any(|l| l == "4/4 PANs"), "{err}");
    assert!(
        out.contains("re-encrypted 4 stored PANs under pan key version 2"),
        "{out}"
    );
    assert!(out.contains("version 2: 4 PANs"), "{out}");
    let (_, out, _) = keys.run(&["reencrypt"]).await;
    assert!(out.contains("re-encrypted 0 stored PANs"), "{out}");
    for (id, p) in ids.iter().zip(PANS) {
        assert_eq!(vault::reveal(&db, &running, *id).await.unwrap().expose(), p);
    }
    assert_eq!(
        running.pan_key_version().unwrap(),
        2,
        "the running module picked up version 2"
    );
    db.close().await;
    let stored = std::fs::read(keys.path().join("cardhost.db")).unwrap();
    let wal = std::fs::read(keys.path().join("cardhost.db-wal")).unwrap_or_default();
    for p in PANS {
        assert!(!contains(&stored, p), "{p} in clear in the database");
        assert!(!contains(&wal, p), "{p} in clear in the WAL");
    }
}
