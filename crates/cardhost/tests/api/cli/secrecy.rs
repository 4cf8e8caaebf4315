//! No clear PAN or secret in logs, metrics, answers or the database.

use serde_json::{json, Value};

use super::*;

const ADMIN: &str = "canary-admin";
const SECRET: &str = "canary-secret-Zq8Wv3Lr6Tn1Hx5Kp0";
const PASSWORD: &str = "canary-3ds-Pw9Jd4Mf7Bq2Cz";
const PIN_BLOCK: &str = "C4A9B7E1D3F50862";
/// A card another issuer's, and one this host registers (not issues).
const UNKNOWN: &str = "4111111111111111";
const REGISTERED: &str = "5200000000000007";

/// The binary serving at debug level with JSON logs, an admin client
/// bootstrapped and its token taken.
struct Canary {
    dir: tempfile::TempDir,
    server: Server,
    logs: String,
    collector: tokio::task::JoinHandle<String>,
    http: reqwest::Client,
    base: String,
    token: String,
}

/// What a stopped server left: everything it printed, its database and WAL.
struct Left {
    dir: tempfile::TempDir,
    logs: String,
    db: Vec<u8>,
    wal: Vec<u8>,
}

impl Canary {
    async fn start() -> Canary {
        let dir = tempfile::tempdir().unwrap();
        let envs = [
            ("CARDHOST_ADMIN_CLIENT_ID", ADMIN),
            ("CARDHOST_ADMIN_CLIENT_SECRET", SECRET),
            ("CARDHOST_LOG", "debug"),
            ("CARDHOST_LOG_FORMAT", "json"),
        ];
        let mut server = Server::start_with(dir.path(), &envs);
        let (addr, logs) = server.wait_listening().await;
        let collector = server.collect_stderr();
        let base = format!("http://{addr}");
        let token = token_of(&base, ADMIN, SECRET).await;
        Canary {
            dir,
            server,
            logs,
            collector,
            http: reqwest::Client::new(),
            base,
            token,
        }
    }

    /// `op`'s answer to `body`, as text.
    async fn post(&self, op: &str, body: Value) -> String {
        let url = format!("{}/api/Integration/{op}", self.base);
        text_of(self.http.post(url).header("token", &self.token).json(&body)).await
    }

    async fn get(&self, path: &str) -> String {
        let url = format!("{}{path}", self.base);
        text_of(self.http.get(url).header("token", &self.token)).await
    }

    /// A customer `no` with a card of `kind`; the card as issued.
    async fn customer_with_card(&self, no: &str, kind: &str) -> Value {
        let customer = json!({"CustomerNo": no, "Name": "Canary", "Surname": "Bird", "MobileNo": "905320000000"});
        self.post("CreateCustomer", customer).await;
        let card = self.post(kind, json!({"CustomerNo": no})).await;
        serde_json::from_str::<Value>(&card).unwrap()["ResultObject"].clone()
    }

    /// Stops the server with SIGTERM.
    async fn stop(mut self) -> Left {
        assert!(self.server.terminate().await);
        let mut logs = self.logs;
        logs.push_str(&self.server.rest_of_stdout().await);
        logs.push_str(&self.collector.await.unwrap());
        let db = std::fs::read(self.dir.path().join("cardhost.db")).unwrap();
        let wal = std::fs::read(self.dir.path().join("cardhost.db-wal")).unwrap_or_default();
        Left {
            dir: self.dir,
            logs,
            db,
            wal,
        }
    }
}

impl Left {
    /// `canary` is nowhere in what the server printed or stored.
    fn assert_nowhere(&self, canary: &str) {
        assert!(
            !self.logs.contains(canary),
            "{canary} in the server's output"
        );
        assert!(!contains(&self.db, canary), "{canary} in the database file");
        assert!(!contains(&self.wal, canary), "{canary} in the WAL");
    }
}

/// Requests that carry a PAN, in every place one can stand.
fn requests_with_pans(pan: &str) -> Vec<(&'static str, Value)> {
    vec![
        (
            "RegisterCard",
            json!({"CustomerNo": "CAN1", "CardNo": REGISTERED, "ExpiryDate": "3012", "ProductCode": "STANDARD-DEBIT"}),
        ),
        (
            "VerifyCard",
            json!({"CardNo": pan, "ExpiryDate": "0101", "Cvv2": "000"}),
        ),
        ("TokenizeCardNo", json!({"CardNo": pan})),
        ("TokenizeCardNo", json!({"CardNo": UNKNOWN})),
        (
            "CheckPin",
            json!({"CardNo": pan, "PinBlock": "0000000000000000"}),
        ),
        ("SendPinBySms", json!({"CardNo": pan})),
        (
            "UpdateCardStatus",
            json!({"CardNo": pan, "CardStatus": "Q"}),
        ),
        (
            "CardRestriction",
            json!({"CardNo": pan, "BlockedMccs": [pan]}),
        ),
        (
            "CreateEmbossDirective",
            json!({"CardNo": REGISTERED, "DeliveryAddressType": "Home"}),
        ),
        (
            "TokenizeCardNo",
            json!({"CardNo": pan.parse::<u64>().unwrap()}),
        ),
        // A PAN where a customer number goes, and in a wrong-typed field.
        (
            "CreateCustomer",
            json!({"CustomerNo": pan, "Name": 5, "Surname": UNKNOWN}),
        ),
    ]
}

/// The canary: PANs pushed through every kind of request must not appear in
/// clear in the answers (but where the caller sent them to be stored), the
/// server's logs (at debug level), its database or its WAL.
#[tokio::test]
async fn no_clear_pan_in_logs_or_database() {
    let canary = Canary::start().await;
    let card = canary.customer_with_card("CAN1", "CreateCreditCard").await;
    let pan = card["CardNo"]
        .as_str()
        .expect("admin sees the PAN")
        .to_owned();
    for (op, body) in requests_with_pans(&pan) {
        let text = canary.post(op, body).await;
        assert!(
            !text.contains(UNKNOWN) && (op == "RegisterCard" || !text.contains(REGISTERED)),
            "{op} echoed a PAN: {text}"
        );
    }
    for path in [
        "GetCardInfo",
        "GetCardStatus",
        "GetCardRestriction",
        "GetCardCustomerInfo",
    ] {
        for number in [pan.as_str(), UNKNOWN, "4111111111111112"] {
            canary
                .get(&format!("/api/Integration/{path}?CardNo={number}"))
                .await;
        }
    }
    let left = canary.stop().await;
    assert!(
        left.logs.contains("createcreditcard"),
        "debug logs were captured"
    );
    for p in [pan.as_str(), REGISTERED, UNKNOWN] {
        left.assert_nowhere(p);
    }
}

/// The bureau file is the one place PANs leave in bulk: through the CLI,
/// readable by its owner only.
#[tokio::test]
async fn the_bureau_file_holds_the_pans_and_only_its_owner_reads_it() {
    let canary = Canary::start().await;
    canary.customer_with_card("CAN1", "CreateDebitCard").await;
    let registered = json!({"CustomerNo": "CAN1", "CardNo": REGISTERED, "ExpiryDate": "3012", "ProductCode": "STANDARD-DEBIT"});
    canary.post("RegisterCard", registered).await;
    let directive = json!({"CardNo": REGISTERED, "DeliveryAddressType": "Home"});
    canary.post("CreateEmbossDirective", directive).await;
    let left = canary.stop().await;
    let dir = left.dir.path();
    let (ok, printed, err) =
        run(cardhost(dir).args(["emboss", "export", "--out", "bureau.txt"])).await;
    assert!(ok, "{err}");
    assert!(printed.contains("wrote 1 emboss records"), "{printed}");
    let out = dir.join("bureau.txt");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with(REGISTERED));
}

/// The other canaries: a client secret, a token, a 3-D Secure password and
/// a PIN block, sent through the API, must not appear in the server's logs
/// (at debug level), its metrics, its error messages or its database.
#[tokio::test]
async fn no_secret_in_logs_metrics_errors_or_database() {
    let canary = Canary::start().await;
    let card = canary.customer_with_card("CAN2", "CreateDebitCard").await;
    let card_token = &card["CardToken"];
    let set = canary
        .post(
            "Change3DSPassword",
            json!({"CardToken": card_token, "Password": PASSWORD}),
        )
        .await;
    assert!(set.contains("\"Result\":0"), "the password was set: {set}");
    let mut answers = set;
    for body in [
        json!({"CardToken": card_token, "PinBlock": PIN_BLOCK}),
        json!({"CardNo": 5, "PinBlock": PIN_BLOCK, "Password": PASSWORD}),
    ] {
        answers.push_str(&canary.post("CheckPin", body).await);
    }
    // A wrong secret, and the token where a card number goes.
    let wrong = token_request(&canary.base, ADMIN, &format!("{SECRET}x"));
    answers.push_str(&text_of(wrong).await);
    let token = canary.token.clone();
    let probe = format!("/api/Integration/GetCardInfo?CardNo={token}");
    answers.push_str(&canary.get(&probe).await);
    let metrics = canary.get("/metrics").await;
    let left = canary.stop().await;
    assert!(
        left.logs.contains("change3dspassword"),
        "debug logs were captured"
    );
    for secret in [SECRET, token.as_str(), PASSWORD, PIN_BLOCK] {
        assert!(!metrics.contains(secret), "{secret} in the metrics");
        assert!(!answers.contains(secret), "{secret} in an answer");
        left.assert_nowhere(secret);
    }
}
