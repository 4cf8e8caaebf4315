//! `cardhost key` and PAN re-encryption.

use super::*;

#[tokio::test]
async fn key_commands_init_list_import_rotate() {
    let dir = tempfile::tempdir().unwrap();
    let keys = |args: &[&str]| {
        let mut cmd = cardhost(dir.path());
        cmd.arg("keys")
            .args(args)
            .env("CARDHOST_MASTER_KEY", MASTER);
        cmd
    };
    let (ok, out, err) = run(&mut keys(&["init"])).await;
    assert!(ok, "{err}");
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
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().next() == Some(name)),
            "{name} in {out}"
        );
    }
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.path().join("cardhost-keys.json"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let (ok, _, err) = run(&mut keys(&["init"])).await;
    assert!(!ok && err.contains("already exists"), "{err}");

    let cvk = "0123456789ABCDEFFEDCBA9876543210";
    let (ok, _, err) = run(&mut keys(&["import", "--name", "cvk", "--hex", cvk])).await;
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, out, err) = run(&mut keys(&[
        "import",
        "--name",
        "cvk",
        "--hex",
        cvk,
        "--new-version",
    ]))
    .await;
    assert!(ok, "{err}");
    assert!(out.contains("KCV: 08D7B4"), "{out}");
    let (ok, _, err) = run(&mut keys(&[
        "import",
        "--name",
        "zpk",
        "--hex",
        "0023456789ABCDEFFEDCBA9876543210",
        "--new-version",
    ]))
    .await;
    assert!(!ok && err.contains("odd parity"), "{err}");
    let (ok, out, _) = run(&mut keys(&["rotate", "pan"])).await;
    assert!(ok && out.contains("pan version 2"), "{out}");

    let (ok, out, _) = run(&mut keys(&["list"])).await;
    assert!(ok);
    assert!(
        out.lines()
            .any(|l| l.starts_with("cvk") && l.contains(" 2 ") && l.ends_with("08D7B4")),
        "{out}"
    );
    assert!(!out.contains(cvk), "no key material in the listing");
    let file = std::fs::read_to_string(dir.path().join("cardhost-keys.json")).unwrap();
    assert!(
        !file.to_uppercase().contains(cvk),
        "no clear key in the file"
    );

    let wrong = MASTER.replace("00", "FF");
    let (ok, _, err) = run(cardhost(dir.path())
        .args(["keys", "list"])
        .env("CARDHOST_MASTER_KEY", wrong))
    .await;
    assert!(!ok && err.contains("master key does not open"), "{err}");
    let (ok, _, err) = run(cardhost(dir.path()).args(["serve", "--listen", "127.0.0.1:0"])).await;
    assert!(!ok && err.contains("no master key is set"), "{err}");
}

#[tokio::test]
async fn rotate_then_reencrypt_moves_every_stored_pan_and_keeps_it_readable() {
    use cardhost_crypto::{KeyStore, MasterKey, SecurityModule, SoftwareModule};
    use cardhost_domain::card::Pan;
    use cardhost_service::vault;

    let dir = tempfile::tempdir().unwrap();
    let keys_cmd = |args: &[&str]| {
        let mut cmd = cardhost(dir.path());
        cmd.arg("keys")
            .args(args)
            .env("CARDHOST_MASTER_KEY", MASTER);
        cmd
    };
    assert!(run(&mut keys_cmd(&["init"])).await.0);
    // A "running server": its module was loaded before the rotation below.
    let running = SoftwareModule::new(
        KeyStore::open(
            &dir.path().join("cardhost-keys.json"),
            MasterKey::from_hex(MASTER).unwrap(),
        )
        .unwrap(),
    );
    let db_url = format!("sqlite://{}", dir.path().join("cardhost.db").display());
    let db = cardhost_store::Db::connect(&db_url).await.unwrap();
    let pans = [
        "4111111111111111",
        "5555555555554444",
        "4000001234562",
        "378282246310005",
    ];
    let mut ids = Vec::new();
    let mut tx = db.begin().await.unwrap();
    for p in &pans[..3] {
        ids.push(
            vault::store(&mut tx, &running, &Pan::parse(p).unwrap(), 0)
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();

    let (ok, out, _) = run(&mut keys_cmd(&["rotate", "pan"])).await;
    assert!(ok && out.contains("pan version 2"), "{out}");
    // The running module still writes under version 1 until it meets version 2.
    let mut tx = db.begin().await.unwrap();
    ids.push(
        vault::store(&mut tx, &running, &Pan::parse(pans[3]).unwrap(), 0)
            .await
            .unwrap(),
    );
    tx.commit().await.unwrap();

    let (ok, out, err) = run(&mut keys_cmd(&["reencrypt"])).await;
    assert!(ok, "{err}");
    // Off a terminal, progress is plain lines, not a bar.
    assert!(err.lines().any(|l| l == "4/4 PANs"), "{err}");
    assert!(
        out.contains("re-encrypted 4 stored PANs under pan key version 2"),
        "{out}"
    );
    assert!(out.contains("version 2: 4 PANs"), "{out}");
    let (_, out, _) = run(&mut keys_cmd(&["reencrypt"])).await;
    assert!(out.contains("re-encrypted 0 stored PANs"), "{out}");

    for (id, p) in ids.iter().zip(pans) {
        assert_eq!(vault::reveal(&db, &running, *id).await.unwrap().expose(), p);
    }
    assert_eq!(
        running.pan_key_version().unwrap(),
        2,
        "the running module picked up version 2"
    );
    db.close().await;
    let bytes = std::fs::read(dir.path().join("cardhost.db")).unwrap();
    let wal = std::fs::read(dir.path().join("cardhost.db-wal")).unwrap_or_default();
    for p in pans {
        let needle = p.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{p} in clear in the database"
        );
        assert!(
            !wal.windows(needle.len()).any(|w| w == needle),
            "{p} in clear in the WAL"
        );
    }
}
