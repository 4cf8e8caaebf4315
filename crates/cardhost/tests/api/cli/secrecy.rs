//! No clear PAN in logs or the database.

use super::*;

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
    let collector = server.collect_stderr();
    let http = reqwest::Client::new();
    let base = format!("http://{addr}/api/Integration");
    let token = token_of(
        &format!("http://{addr}"),
        "canary-admin",
        "canary-admin-secret-0123456789",
    )
    .await;
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

const SECRET: &str = "canary-secret-Zq8Wv3Lr6Tn1Hx5Kp0";
const PASSWORD: &str = "canary-3ds-Pw9Jd4Mf7Bq2Cz";
const PIN_BLOCK: &str = "C4A9B7E1D3F50862";

/// The other canaries: a client secret, a token, a 3-D Secure password and
/// a PIN block, sent through the API, must not appear in the server's logs
/// (at debug level), its metrics, its error messages or its database.
#[tokio::test]
async fn no_secret_in_logs_metrics_errors_or_database() {
    let dir = tempfile::tempdir().unwrap();
    let envs = [
        ("CARDHOST_ADMIN_CLIENT_ID", "canary-admin"),
        ("CARDHOST_ADMIN_CLIENT_SECRET", SECRET),
        ("CARDHOST_LOG", "debug"),
    ];
    let mut server = Server::start_with(dir.path(), &envs);
    let (addr, mut logs) = server.wait_listening().await;
    let collector = server.collect_stderr();
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let token = token_of(&base, "canary-admin", SECRET).await;
    let mut answers = String::new();
    let post = |op: &str, body: serde_json::Value| {
        http.post(format!("http://{addr}/api/Integration/{op}"))
            .header("token", &token)
            .json(&body)
            .send()
    };
    let customer = serde_json::json!({"CustomerNo": "CAN2", "Name": "Canary", "Surname": "Bird"});
    post("CreateCustomer", customer).await.unwrap();
    let card: serde_json::Value =
        post("CreateDebitCard", serde_json::json!({"CustomerNo": "CAN2"}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let card_token = card["ResultObject"]["CardToken"].clone();
    let calls = [
        (
            "Change3DSPassword",
            serde_json::json!({"CardToken": card_token, "Password": PASSWORD}),
        ),
        (
            "CheckPin",
            serde_json::json!({"CardToken": card_token, "PinBlock": PIN_BLOCK}),
        ),
        (
            "CheckPin",
            serde_json::json!({"CardNo": 5, "PinBlock": PIN_BLOCK, "Password": PASSWORD}),
        ),
    ];
    for (op, body) in calls {
        let text = post(op, body).await.unwrap().text().await.unwrap();
        if op == "Change3DSPassword" {
            assert!(
                text.contains("\"Result\":0"),
                "the password was set: {text}"
            );
        }
        answers.push_str(&text);
    }
    // A wrong secret, and the token where a card number goes.
    let wrong = text_of(token_request(&base, "canary-admin", &format!("{SECRET}x"))).await;
    answers.push_str(&wrong);
    let probe = http
        .get(format!("{base}/api/Integration/GetCardInfo?CardNo={token}"))
        .header("token", &token);
    let probe = text_of(probe).await;
    answers.push_str(&probe);
    let metrics = text_of(http.get(format!("{base}/metrics"))).await;
    assert!(server.terminate().await);
    logs.push_str(&server.rest_of_stdout().await);
    logs.push_str(&collector.await.unwrap());
    assert!(
        logs.contains("changethreedspassword")
            || logs.contains("Change3DSPassword")
            || logs.contains("change3dspassword"),
        "debug logs were captured"
    );
    let db = std::fs::read(dir.path().join("cardhost.db")).unwrap();
    let wal = std::fs::read(dir.path().join("cardhost.db-wal")).unwrap_or_default();
    for canary in [SECRET, token.as_str(), PASSWORD, PIN_BLOCK] {
        assert!(!logs.contains(canary), "{canary} in the server's output");
        assert!(!metrics.contains(canary), "{canary} in the metrics");
        assert!(!answers.contains(canary), "{canary} in an answer");
        assert!(!contains(&db, canary), "{canary} in the database file");
        assert!(!contains(&wal, canary), "{canary} in the WAL");
    }
}
