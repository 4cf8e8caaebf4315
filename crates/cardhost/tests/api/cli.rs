//! The real `cardhost` binary as an operator runs it.

use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};

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

struct Server {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    /// Taken by a test that must read the logs while the server runs.
    stderr: Option<Lines<BufReader<ChildStderr>>>,
}

impl Server {
    fn start(dir: &Path) -> Server {
        Server::start_with(dir, &[])
    }

    fn start_with(dir: &Path, envs: &[(&str, &str)]) -> Server {
        let mut child = cardhost(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
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
    async fn wait_listening(&mut self) -> (String, String) {
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
    async fn terminate(&mut self) -> bool {
        let pid = self.child.id().expect("pid").to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill");
        assert!(killed.success());
        self.child.wait().await.expect("wait").success()
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

#[tokio::test]
async fn fresh_start_creates_dev_keys_and_prints_admin_credentials_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    let (addr, stderr) = server.wait_listening().await;
    assert!(stderr.contains("DEVELOPMENT KEYS CREATED"), "{stderr}");
    let mut printed = String::new();
    while let Some(line) = server.stdout.next_line().await.unwrap() {
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("then send it") {
            break;
        }
    }
    let id = line_value(&printed, "ClientId:").expect("ClientId line");
    let secret = line_value(&printed, "ClientSecret:").expect("ClientSecret line");
    assert!(printed.contains("curl -s -X POST"), "{printed}");
    for file in ["cardhost-keys.json", "cardhost-master.key", "cardhost.db"] {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.path().join(file))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    let res = reqwest::Client::new()
        .post(format!("http://{addr}/api/Auth/Token"))
        .json(&serde_json::json!({"ClientId": id, "ClientSecret": secret}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["Result"], 0, "{body}");
    assert!(server.terminate().await, "clean exit on SIGTERM");
    assert!(
        !server.rest_of_stdout().await.contains("ClientSecret"),
        "the secret is printed once"
    );

    let mut again = Server::start(dir.path());
    let (_, stderr) = again.wait_listening().await;
    assert!(!stderr.contains("DEVELOPMENT KEYS CREATED"));
    assert!(
        stderr.contains("DEVELOPMENT master key"),
        "warns on every start: {stderr}"
    );
    assert!(again.terminate().await);
    let rest = again.rest_of_stdout().await;
    assert!(
        !rest.contains("ClientSecret"),
        "a second start prints no secret: {rest}"
    );
}

#[tokio::test]
async fn admin_credentials_from_the_environment_are_used_and_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = cardhost(dir.path());
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .env("CARDHOST_ADMIN_CLIENT_ID", "ops-admin")
        .env(
            "CARDHOST_ADMIN_CLIENT_SECRET",
            "a-long-operator-chosen-secret",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap();
    let mut server = Server {
        stdout: BufReader::new(child.stdout.take().unwrap()).lines(),
        stderr: Some(BufReader::new(child.stderr.take().unwrap()).lines()),
        child,
    };
    let (addr, _) = server.wait_listening().await;
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("http://{addr}/api/Auth/Token"))
        .json(&serde_json::json!({"ClientId": "ops-admin", "ClientSecret": "a-long-operator-chosen-secret"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["Result"], 0, "{body}");
    assert!(server.terminate().await);
    let out = server.rest_of_stdout().await;
    assert!(
        !out.contains("ClientSecret") && !out.contains("a-long-operator-chosen-secret"),
        "{out}"
    );
}

#[tokio::test]
async fn client_commands_create_list_and_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(cardhost(dir.path()).args([
        "client",
        "create",
        "--name",
        "core banking",
        "--scopes",
        "issuer,pan",
    ]))
    .await;
    assert!(ok, "{err}");
    let id = line_value(&out, "ClientId:").unwrap();
    assert!(line_value(&out, "ClientSecret:").is_some_and(|s| s.len() >= 32));
    let (ok, out, _) = run(cardhost(dir.path()).args(["client", "list"])).await;
    assert!(ok);
    let row = out.lines().find(|l| l.contains(&id)).expect("listed");
    assert!(
        row.contains("core banking") && row.contains("issuer,pan") && row.contains("Active"),
        "{row}"
    );
    assert!(!out.contains("argon2"), "no secret hashes in the listing");
    let (ok, _, _) = run(cardhost(dir.path()).args(["client", "revoke", &id])).await;
    assert!(ok);
    let (_, out, _) = run(cardhost(dir.path()).args(["client", "list"])).await;
    assert!(out
        .lines()
        .any(|l| l.contains(&id) && l.contains("Revoked")));
    let (ok, _, err) = run(cardhost(dir.path()).args([
        "client",
        "create",
        "--name",
        "x",
        "--scopes",
        "issuer,root",
    ]))
    .await;
    assert!(!ok && err.contains("unknown scope 'root'"), "{err}");
    let (ok, _, err) =
        run(cardhost(dir.path()).args(["client", "create", "--name", "shop", "--scopes", "vpos"]))
            .await;
    assert!(!ok && err.contains("merchant"), "{err}");
    let (ok, _, err) = run(cardhost(dir.path()).args(["client", "revoke", "no-such-client"])).await;
    assert!(!ok && err.contains("no client"), "{err}");
}

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

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The canary: PANs pushed through every kind of request must not appear in
/// clear in the server's logs (at debug level), its database or its WAL.
#[tokio::test]
async fn no_clear_pan_in_logs_or_database() {
    let dir = tempfile::tempdir().unwrap();
    let envs = [
        ("CARDHOST_ADMIN_CLIENT_ID", "canary-admin"),
        (
            "CARDHOST_ADMIN_CLIENT_SECRET",
            "canary-admin-secret-0123456789",
        ),
        ("CARDHOST_LOG", "debug"),
        ("CARDHOST_LOG_FORMAT", "json"),
    ];
    let mut server = Server::start_with(dir.path(), &envs);
    let (addr, mut logs) = server.wait_listening().await;
    // Debug logs outgrow a pipe's buffer: read them as they come, or the server blocks.
    let mut stderr = server.stderr.take().expect("stderr");
    let collector = tokio::spawn(async move {
        let mut all = String::new();
        while let Ok(Some(line)) = stderr.next_line().await {
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let http = reqwest::Client::new();
    let base = format!("http://{addr}/api/Integration");
    let body: serde_json::Value = http
        .post(format!("http://{addr}/api/Auth/Token"))
        .json(&serde_json::json!({"ClientId": "canary-admin", "ClientSecret": "canary-admin-secret-0123456789"}))
        .send().await.unwrap().json().await.unwrap();
    let token = body["ResultObject"]["Token"].as_str().unwrap().to_owned();
    let post = |op: &str, body: serde_json::Value| {
        http.post(format!("{base}/{op}"))
            .header("token", &token)
            .json(&body)
            .send()
    };
    post("CreateCustomer", serde_json::json!({"CustomerNo": "CAN1", "Name": "Canary", "Surname": "Bird", "MobileNo": "905320000000"})).await.unwrap();
    let card: serde_json::Value = post(
        "CreateCreditCard",
        serde_json::json!({"CustomerNo": "CAN1"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let pan = card["ResultObject"]["CardNo"]
        .as_str()
        .expect("admin sees the PAN")
        .to_owned();
    let registered = "5200000000000007";
    let unknown = "4111111111111111";
    let requests = [
        (
            "RegisterCard",
            serde_json::json!({"CustomerNo": "CAN1", "CardNo": registered, "ExpiryDate": "3012", "ProductCode": "STANDARD-DEBIT"}),
        ),
        (
            "VerifyCard",
            serde_json::json!({"CardNo": pan, "ExpiryDate": "0101", "Cvv2": "000"}),
        ),
        ("TokenizeCardNo", serde_json::json!({"CardNo": pan})),
        ("TokenizeCardNo", serde_json::json!({"CardNo": unknown})),
        (
            "CheckPin",
            serde_json::json!({"CardNo": pan, "PinBlock": "0000000000000000"}),
        ),
        ("SendPinBySms", serde_json::json!({"CardNo": pan})),
        (
            "UpdateCardStatus",
            serde_json::json!({"CardNo": pan, "CardStatus": "Q"}),
        ),
        (
            "CardRestriction",
            serde_json::json!({"CardNo": pan, "BlockedMccs": [pan]}),
        ),
        (
            "CreateEmbossDirective",
            serde_json::json!({"CardNo": registered, "DeliveryAddressType": "Home"}),
        ),
        (
            "TokenizeCardNo",
            serde_json::json!({"CardNo": pan.parse::<u64>().unwrap()}),
        ),
    ];
    for (op, body) in requests {
        let text = post(op, body).await.unwrap().text().await.unwrap();
        assert!(
            !text.contains(unknown) && (op == "RegisterCard" || !text.contains(registered)),
            "{op} echoed a PAN: {text}"
        );
    }
    for path in [
        "GetCardInfo",
        "GetCardStatus",
        "GetCardRestriction",
        "GetCardCustomerInfo",
        "GetCardInfo",
    ] {
        for number in [pan.as_str(), unknown, "4111111111111112"] {
            http.get(format!("{base}/{path}?CardNo={number}"))
                .header("token", &token)
                .send()
                .await
                .unwrap();
        }
    }
    // A PAN where a customer number goes, and in a wrong-typed field.
    post(
        "CreateCustomer",
        serde_json::json!({"CustomerNo": pan, "Name": 5, "Surname": unknown}),
    )
    .await
    .unwrap();
    assert!(server.terminate().await);
    logs.push_str(&server.rest_of_stdout().await);
    logs.push_str(&collector.await.unwrap());
    // The bureau file is the one place PANs leave in bulk: through the CLI, 0600.
    let out = dir.path().join("bureau.txt");
    let (ok, printed, err) =
        run(cardhost(dir.path()).args(["emboss", "export", "--out", "bureau.txt"])).await;
    assert!(ok, "{err}");
    assert!(printed.contains("wrote 1 emboss records"), "{printed}");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with(registered));
    assert!(
        logs.contains("CreateCreditCard") || logs.contains("createcreditcard"),
        "debug logs were captured"
    );
    let db = std::fs::read(dir.path().join("cardhost.db")).unwrap();
    let wal = std::fs::read(dir.path().join("cardhost.db-wal")).unwrap_or_default();
    for p in [pan.as_str(), registered, unknown] {
        assert!(!logs.contains(p), "{p} in the server's output");
        assert!(!contains(&db, p), "{p} in the database file");
        assert!(!contains(&wal, p), "{p} in the WAL");
    }
}

#[tokio::test]
async fn products_from_the_configuration_file_issue_cards() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cardhost.toml"),
        r#"
[[card_product]]
code = "GOLD-CREDIT"
card_type = "Credit"
brand = "Visa"
bin = "410001"
validity_years = 5
card_limit = "25000.00"
daily_purchase_limit = "10000.00"
installments = [{ from = 2, to = 6, interest_percent = "0" }]
"#,
    )
    .unwrap();
    let envs = [
        ("CARDHOST_ADMIN_CLIENT_ID", "cfg-admin"),
        (
            "CARDHOST_ADMIN_CLIENT_SECRET",
            "cfg-admin-secret-0123456789",
        ),
    ];
    let mut server = Server::start_with(dir.path(), &envs);
    let (addr, _) = server.wait_listening().await;
    let http = reqwest::Client::new();
    let body: serde_json::Value = http
        .post(format!("http://{addr}/api/Auth/Token"))
        .json(&serde_json::json!({"ClientId": "cfg-admin", "ClientSecret": "cfg-admin-secret-0123456789"}))
        .send().await.unwrap().json().await.unwrap();
    let token = body["ResultObject"]["Token"].as_str().unwrap().to_owned();
    let call = |op: &str, body: serde_json::Value| {
        http.post(format!("http://{addr}/api/Integration/{op}"))
            .header("token", &token)
            .json(&body)
            .send()
    };
    call(
        "CreateCustomer",
        serde_json::json!({"CustomerNo": "G1", "Name": "Gold", "Surname": "Holder"}),
    )
    .await
    .unwrap();
    let card: serde_json::Value = call(
        "CreateCreditCard",
        serde_json::json!({"CustomerNo": "G1", "ProductCode": "GOLD-CREDIT"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(card["Result"], 0, "{card}");
    assert!(card["ResultObject"]["CardNo"]
        .as_str()
        .unwrap()
        .starts_with("410001"));
    let info: serde_json::Value = http
        .get(format!(
            "http://{addr}/api/Integration/GetCardInfo?CardToken={}",
            card["ResultObject"]["CardToken"].as_str().unwrap()
        ))
        .header("token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["ResultObject"]["CardLimit"].to_string(), "25000.00");
    assert_eq!(info["ResultObject"]["ProductCode"], "GOLD-CREDIT");
    assert!(server.terminate().await);

    std::fs::write(dir.path().join("cardhost.toml"), "[[card_product]]\ncode = \"BAD\"\ncard_type = \"Credit\"\nbrand = \"Visa\"\nbin = \"410000\"\n").unwrap();
    let (ok, _, err) = run(cardhost(dir.path()).args(["serve", "--listen", "127.0.0.1:0"])).await;
    assert!(
        !ok && err.contains("BIN 410000 belongs to another product"),
        "{err}"
    );
    std::fs::write(dir.path().join("cardhost.toml"), "[[card_product]]\ncode = \"BAD\"\ncard_type = \"Credit\"\nbrand = \"Visa\"\nbin = \"410009\"\ncard_limit = 2.5\n").unwrap();
    let (ok, _, err) = run(cardhost(dir.path()).args(["serve", "--listen", "127.0.0.1:0"])).await;
    assert!(
        !ok && err.contains("card_limit"),
        "a float is refused for money: {err}"
    );
}
