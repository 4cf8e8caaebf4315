use chrono::Duration;
use serde_json::{json, Value};

use crate::cards::{issue, setup, CUSTOMER};
use crate::independent;
use crate::support::*;

const SEND: &str = "/api/Integration/SendTransaction";
const LOAD: &str = "/api/Integration/LoadCardBalance";

pub async fn load(
    app: &TestApp,
    token: &str,
    card: &Value,
    amount: &str,
    reference: &str,
) -> Value {
    let body: Value = serde_json::from_str(&format!(
        r#"{{"CardToken": "{}", "Reference": "{reference}", "Amount": {amount}, "Currency": 949}}"#,
        card["CardToken"].as_str().unwrap()
    ))
    .unwrap();
    app.post(LOAD, token, body).await.1
}

/// Sends a transaction; `fields` adds to or overrides the defaults (Purchase, TRY, Pos).
pub async fn send(
    app: &TestApp,
    token: &str,
    card: &Value,
    reference: &str,
    amount: &str,
    fields: Value,
) -> Value {
    let mut body: Value = serde_json::from_str(&format!(
        r#"{{"CardToken": "{}", "Reference": "{reference}", "TransactionType": "Purchase", "Amount": {amount}, "Currency": 949}}"#,
        card["CardToken"].as_str().unwrap()
    ))
    .unwrap();
    for (k, v) in fields.as_object().unwrap() {
        if v.is_null() {
            body.as_object_mut().unwrap().remove(k);
        } else {
            body[k] = v.clone();
        }
    }
    app.post(SEND, token, body).await.1
}

pub async fn balance(app: &TestApp, token: &str, card: &Value) -> Value {
    let (_, body) = app
        .get(
            &format!(
                "/api/Integration/GetHostBalance?CardToken={}",
                card["CardToken"].as_str().unwrap()
            ),
            token,
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    body["ResultObject"].clone()
}

fn code(body: &Value) -> String {
    body["ResultObject"]["ResponseCode"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

pub async fn ledger_ok(app: &TestApp) {
    let admin = app.admin_token().await;
    let (_, body) = app.get("/api/Admin/CheckLedger", &admin).await;
    assert_eq!(body["ResultObject"]["Violations"], json!([]), "{body}");
    assert_eq!(body["ResultObject"]["Ok"], true);
}

#[tokio::test]
async fn loads_purchases_holds_and_refunds_move_exact_amounts() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let body = load(&app, &token, &card, "500.00", "L1").await;
    assert_eq!(body["Result"], 0, "{body}");
    let r = &body["ResultObject"];
    assert_eq!(r["ResponseCode"], "00");
    assert_eq!(r["AuthCode"].as_str().unwrap().len(), 6);
    assert_eq!(r["Rrn"].as_str().unwrap().len(), 12);
    assert_eq!(
        body["ApprovalRefNumber"].as_i64().unwrap().to_string(),
        r["Rrn"].as_str().unwrap().trim_start_matches('0')
    );
    assert_eq!(r["AvailableAmount"].to_string(), "500.00");
    assert_eq!(r["MaskedCardNo"], card["MaskedCardNo"]);
    assert_eq!(r["TransactionDate"], "20260302093000");

    let purchase = send(
        &app,
        &token,
        &card,
        "P1",
        "125.50",
        json!({"Mcc": "5411", "MerchantName": "CORNER GROCERY"}),
    )
    .await;
    assert_eq!(purchase["Result"], 0, "{purchase}");
    assert_eq!(
        purchase["ResultObject"]["AvailableAmount"].to_string(),
        "374.50"
    );
    let pid = purchase["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .to_owned();
    let refund = send(
        &app,
        &token,
        &card,
        "R1",
        "25.50",
        json!({"TransactionType": "Refund", "OriginalProcessId": pid}),
    )
    .await;
    assert_eq!(
        refund["ResultObject"]["AvailableAmount"].to_string(),
        "400.00",
        "{refund}"
    );
    let over = send(
        &app,
        &token,
        &card,
        "R2",
        "100.01",
        json!({"TransactionType": "Refund", "OriginalProcessId": pid}),
    )
    .await;
    assert_eq!(
        (over["Result"].clone(), code(&over)),
        (json!(8), "13".into()),
        "a refund never exceeds the purchase"
    );
    let reversal = send(
        &app,
        &token,
        &card,
        "V0",
        "125.50",
        json!({"TransactionType": "Reversal", "OriginalProcessId": pid, "Amount": null}),
    )
    .await;
    assert_eq!(code(&reversal), "12", "a refunded purchase is not reversed");

    let hold = send(
        &app,
        &token,
        &card,
        "H1",
        "100.00",
        json!({"TransactionType": "PreAuthorization"}),
    )
    .await;
    assert_eq!(hold["Result"], 0);
    let b = balance(&app, &token, &card).await;
    assert_eq!(
        (
            b["AvailableAmount"].to_string(),
            b["LedgerBalance"].to_string(),
            b["BlockedAmount"].to_string()
        ),
        ("300.00".into(), "400.00".into(), "100.00".into())
    );
    let hid = hold["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .to_owned();
    let completion = send(
        &app,
        &token,
        &card,
        "C1",
        "80.00",
        json!({"TransactionType": "Completion", "OriginalProcessId": hid}),
    )
    .await;
    assert_eq!(completion["Result"], 0, "{completion}");
    let b = balance(&app, &token, &card).await;
    assert_eq!(
        (
            b["AvailableAmount"].to_string(),
            b["LedgerBalance"].to_string(),
            b["BlockedAmount"].to_string()
        ),
        ("320.00".into(), "320.00".into(), "0.00".into())
    );
    let again = send(
        &app,
        &token,
        &card,
        "C2",
        "10.00",
        json!({"TransactionType": "Completion", "OriginalProcessId": hid}),
    )
    .await;
    assert_eq!(code(&again), "12", "a hold completes once");

    let cash = send(
        &app,
        &token,
        &card,
        "W1",
        "20.00",
        json!({"TransactionType": "CashWithdrawal", "Channel": "Atm"}),
    )
    .await;
    assert_eq!(
        cash["ResultObject"]["AvailableAmount"].to_string(),
        "300.00"
    );
    let cid = cash["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .to_owned();
    let undo = send(&app, &token, &card, "V1", "0", json!({"TransactionType": "Reversal", "OriginalProcessId": cid, "Amount": null, "Currency": null})).await;
    assert_eq!(undo["Result"], 0, "{undo}");
    assert_eq!(
        undo["ResultObject"]["AvailableAmount"].to_string(),
        "320.00"
    );
    let twice = send(&app, &token, &card, "V2", "0", json!({"TransactionType": "Reversal", "OriginalProcessId": cid, "Amount": null, "Currency": null})).await;
    assert_eq!(code(&twice), "12", "a reversal happens once");

    let hold2 = send(
        &app,
        &token,
        &card,
        "H2",
        "50.00",
        json!({"TransactionType": "PreAuthorization"}),
    )
    .await;
    let h2 = hold2["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .to_owned();
    send(&app, &token, &card, "V3", "0", json!({"TransactionType": "Reversal", "OriginalProcessId": h2, "Amount": null, "Currency": null})).await;
    let b = balance(&app, &token, &card).await;
    assert_eq!(
        (
            b["AvailableAmount"].to_string(),
            b["BlockedAmount"].to_string()
        ),
        ("320.00".into(), "0.00".into()),
        "a reversed hold is released"
    );

    let (_, list) = app
        .get(
            &format!(
                "/api/Integration/GetCardTransactions?CardToken={}",
                card["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    let statuses: Vec<(String, String)> = list["ResultObject"]["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["TransactionType"].as_str().unwrap().to_owned(),
                i["Status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = [
        ("Reversal", "Approved"),
        ("PreAuthorization", "Reversed"),
        ("Reversal", "Declined"),
        ("Reversal", "Approved"),
        ("CashWithdrawal", "Reversed"),
        ("Completion", "Declined"),
        ("Completion", "Approved"),
        ("PreAuthorization", "Captured"),
        ("Reversal", "Declined"),
        ("Refund", "Declined"),
        ("Refund", "Approved"),
        ("Purchase", "Approved"),
        ("Load", "Approved"),
    ];
    let expect: Vec<(String, String)> = expect
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(statuses, expect);
    assert_eq!(list["ResultObject"]["TotalCount"], 13);
    ledger_ok(&app).await;
}

#[tokio::test]
async fn every_decline_code_of_the_issuer_decision() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &token, &card, "1000.00", "L1").await;
    let pan = card["CardNo"].as_str().unwrap().to_owned();
    let t = card["CardToken"].as_str().unwrap().to_owned();
    let cvv2 = independent::visa_cvv(TEST_CVK, &pan, "3003", "000");
    let wrong_cvv2 = format!("{:03}", (cvv2.parse::<u32>().unwrap() + 7) % 1000);
    let mut n = 0;
    let mut expect = |body: Value, want: &str| {
        n += 1;
        assert_eq!(
            body["Result"],
            if want == "00" { 0 } else { 8 },
            "case {n}: {body}"
        );
        assert_eq!(code(&body), want, "case {n}: {body}");
    };
    // 14: not a card of this host.
    let (_, body) = app.post(SEND, &token, json!({"CardNo": "4111111111111111", "Reference": "x14", "TransactionType": "Purchase", "Amount": 1, "Currency": 949})).await;
    expect(body, "14");
    // 3: expiry; 4: CVV2 (wrong, and locked after three); restrictions, amount, currency.
    expect(
        send(
            &app,
            &token,
            &card,
            "e54",
            "1",
            json!({"ExpiryDate": "3004"}),
        )
        .await,
        "54",
    );
    expect(
        send(&app, &token, &card, "n7", "1", json!({"Cvv2": wrong_cvv2})).await,
        "N7",
    );
    expect(
        send(
            &app,
            &token,
            &card,
            "ok-cvv",
            "1",
            json!({"Cvv2": cvv2, "ExpiryDate": "3003"}),
        )
        .await,
        "00",
    );
    for i in 0..3 {
        send(
            &app,
            &token,
            &card,
            &format!("n7-{i}"),
            "1",
            json!({"Cvv2": wrong_cvv2}),
        )
        .await;
    }
    expect(
        send(&app, &token, &card, "l62", "1", json!({"Cvv2": cvv2})).await,
        "62",
    );
    app.post(
        "/api/Integration/ResetCvv2RetryCount",
        &token,
        json!({"CardToken": t}),
    )
    .await;
    // 5: PIN.
    let wrong_pin = independent::iso0_block(TEST_ZPK, "0000", &pan);
    let pin_fields =
        |block: &str| json!({"PinBlock": block, "PinBlockFormat": 0, "KeyName": "zpk"});
    let first = send(&app, &token, &card, "p55", "1", pin_fields(&wrong_pin)).await;
    // A random PIN of 0000 is possible; then the "wrong" PIN is right.
    if code(&first) == "55" {
        expect(first, "55");
        send(&app, &token, &card, "p55b", "1", pin_fields(&wrong_pin)).await;
        expect(
            send(&app, &token, &card, "p75", "1", pin_fields(&wrong_pin)).await,
            "75",
        );
    }
    // 6: restrictions.
    app.post(
        "/api/Integration/CardRestriction",
        &token,
        json!({"CardToken": t, "EcommerceAllowed": false, "AtmAllowed": false, "MotoAllowed": false,
        "InternationalAllowed": false, "BlockedMccs": ["7995"], "BlockedCountries": ["TR"]}),
    )
    .await;
    expect(
        send(&app, &token, &card, "r1", "1", json!({"Channel": "Ecom"})).await,
        "57",
    );
    expect(
        send(
            &app,
            &token,
            &card,
            "r2",
            "1",
            json!({"TransactionType": "CashWithdrawal", "Channel": "Atm"}),
        )
        .await,
        "57",
    );
    expect(
        send(&app, &token, &card, "r3", "1", json!({"Channel": "Moto"})).await,
        "57",
    );
    expect(
        send(
            &app,
            &token,
            &card,
            "r4",
            "1",
            json!({"MerchantCountry": "DE"}),
        )
        .await,
        "57",
    );
    expect(
        send(&app, &token, &card, "r5", "1", json!({"Mcc": "7995"})).await,
        "57",
    );
    expect(
        send(
            &app,
            &token,
            &card,
            "r6",
            "1",
            json!({"MerchantCountry": "TR"}),
        )
        .await,
        "57",
    );
    app.post(
        "/api/Integration/CardRestriction",
        &token,
        json!({"CardToken": t, "EcommerceAllowed": true, "AtmAllowed": true, "MotoAllowed": true,
        "InternationalAllowed": true, "BlockedMccs": [], "BlockedCountries": []}),
    )
    .await;
    // 7: amount and currency.
    expect(send(&app, &token, &card, "a13", "0", json!({})).await, "13");
    expect(
        send(&app, &token, &card, "c12", "1", json!({"Currency": 978})).await,
        "12",
    );
    // 8: limits.
    app.post("/api/Integration/UpdateCardLimit", &token, json!({"CardToken": t, "TransactionLimit": 300, "DailyPurchaseLimit": 400, "DailyCashLimit": 50, "DailyEcomLimit": 100, "DailyTransactionCount": 30})).await;
    expect(
        send(&app, &token, &card, "t61", "300.01", json!({})).await,
        "61",
    );
    expect(
        send(&app, &token, &card, "d1", "250", json!({})).await,
        "00",
    );
    expect(
        send(&app, &token, &card, "d61", "150", json!({})).await,
        "61",
    );
    expect(
        send(
            &app,
            &token,
            &card,
            "e61",
            "100.01",
            json!({"Channel": "Ecom"}),
        )
        .await,
        "61",
    );
    expect(
        send(
            &app,
            &token,
            &card,
            "w61",
            "50.01",
            json!({"TransactionType": "CashWithdrawal", "Channel": "Atm"}),
        )
        .await,
        "61",
    );
    // Two purchases were approved today (ok-cvv, d1): a count limit of 2 refuses a third.
    app.post(
        "/api/Integration/UpdateCardLimit",
        &token,
        json!({"CardToken": t, "DailyTransactionCount": 2}),
    )
    .await;
    expect(send(&app, &token, &card, "k65", "1", json!({})).await, "65");
    // The next business day (Istanbul midnight) starts the counts again.
    app.clock.advance(Duration::hours(15));
    let token = app.token("issuer,pan").await;
    expect(send(&app, &token, &card, "k00", "1", json!({})).await, "00");
    // 9: funds.
    app.post("/api/Integration/UpdateCardLimit", &token, json!({"CardToken": t, "TransactionLimit": 100000, "DailyPurchaseLimit": 100000, "DailyTransactionCount": 1000})).await;
    let left = balance(&app, &token, &card).await["AvailableAmount"].to_string();
    let too_much = format!("{}.01", left.split('.').next().unwrap());
    expect(
        send(&app, &token, &card, "f51", &too_much, json!({})).await,
        "51",
    );
    // 2: status.
    for (status, want) in [("T", "62"), ("A", ""), ("L", "41")] {
        app.post(
            "/api/Integration/UpdateCardStatus",
            &token,
            json!({"CardToken": t, "CardStatus": status}),
        )
        .await;
        if !want.is_empty() {
            expect(
                send(&app, &token, &card, &format!("s{status}"), "1", json!({})).await,
                want,
            );
        }
    }
    let stolen = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    app.post(
        "/api/Integration/UpdateCardStatus",
        &token,
        json!({"CardToken": stolen["CardToken"], "CardStatus": "S"}),
    )
    .await;
    expect(
        send(&app, &token, &stolen, "s43", "1", json!({})).await,
        "43",
    );
    let physical = issue(&app, &token, "Debit", json!({})).await;
    expect(
        send(&app, &token, &physical, "s78", "1", json!({})).await,
        "78",
    );
    let expiring = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    // Expiry 3003 is good through March 2030; April is past it.
    app.clock.advance(Duration::days(366 * 4 + 31));
    let token = app.token("issuer,pan").await;
    expect(
        send(&app, &token, &expiring, "s54", "1", json!({})).await,
        "54",
    );

    // Declines are recorded and moved no money.
    let (_, list) = app
        .get(
            &format!("/api/Integration/GetCardTransactions?CardToken={t}&PageSize=500"),
            &token,
        )
        .await;
    let declined = list["ResultObject"]["Items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["Status"] == "Declined")
        .count();
    assert!(declined >= 18, "{declined}");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_reversed_purchase_no_longer_counts_towards_the_daily_limit() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &token, &card, "1000.00", "L1").await;
    let t = card["CardToken"].as_str().unwrap();
    let (_, limit) = app
        .post(
            "/api/Integration/UpdateCardLimit",
            &token,
            json!({"CardToken": t, "DailyPurchaseLimit": 400, "DailyTransactionCount": 2}),
        )
        .await;
    assert_eq!(limit["Result"], 0, "{limit}");
    let first = send(&app, &token, &card, "D1", "300", json!({})).await;
    assert_eq!(code(&first), "00", "{first}");
    assert_eq!(
        code(&send(&app, &token, &card, "D2", "150", json!({})).await),
        "61"
    );
    let pid = first["ResultObject"]["ProcessId"].as_str().unwrap();
    let undo = json!({"TransactionType": "Reversal", "OriginalProcessId": pid, "Amount": null});
    assert_eq!(
        code(&send(&app, &token, &card, "V1", "0", undo).await),
        "00"
    );
    let again = send(&app, &token, &card, "D3", "400", json!({})).await;
    assert_eq!(code(&again), "00", "{again}");
    assert_eq!(
        code(&send(&app, &token, &card, "D4", "0.01", json!({})).await),
        "61"
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn check_ledger_names_a_balance_that_disagrees_with_its_entries() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &token, &card, "10.00", "L1").await;
    let db = app.db().await;
    let (account,): (String,) = sqlx::query_as(
        "SELECT ledger_account FROM ledger_accounts WHERE ledger_account LIKE 'card:%'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    // Tampering behind the journal's back, as a bad restore or a stray UPDATE would.
    sqlx::query(&format!(
        "UPDATE ledger_accounts SET balance = balance + 1 WHERE ledger_account = '{account}'"
    ))
    .execute(&db)
    .await
    .unwrap();
    let admin = app.admin_token().await;
    let (_, body) = app.get("/api/Admin/CheckLedger", &admin).await;
    assert_eq!(
        body["ResultObject"]["Violations"],
        json!([
            "balances in currency 949 sum to 1",
            format!("account {account} shows 1001 but its entries sum to 1000"),
        ]),
        "{body}"
    );
    assert_eq!(body["ResultObject"]["Ok"], false);
}

#[tokio::test]
async fn two_hundred_concurrent_purchases_never_overspend() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    assert_eq!(load(&app, &token, &card, "500.00", "L1").await["Result"], 0);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let base = app.base.clone();
        let http = app.http.clone();
        let token = token.clone();
        let card_token = card["CardToken"].as_str().unwrap().to_owned();
        tasks.push(tokio::spawn(async move {
            let body = json!({"CardToken": card_token, "Reference": format!("c-{i}"), "TransactionType": "Purchase", "Amount": 10.00, "Currency": 949});
            let res = http.post(format!("{base}{SEND}")).header("token", token).json(&body).send().await.unwrap();
            res.json::<Value>().await.unwrap()
        }));
    }
    let mut approved = 0;
    let mut insufficient = 0;
    for t in tasks {
        let body = t.await.unwrap();
        match code(&body).as_str() {
            "00" => approved += 1,
            "51" => insufficient += 1,
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((approved, insufficient), (50, 150));
    let b = balance(&app, &token, &card).await;
    assert_eq!(b["LedgerBalance"].to_string(), "0.00");
    assert_eq!(b["AvailableAmount"].to_string(), "0.00");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_hundred_concurrent_repeats_post_once() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &token, &card, "500.00", "L1").await;
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let base = app.base.clone();
        let http = app.http.clone();
        let token = token.clone();
        let card_token = card["CardToken"].as_str().unwrap().to_owned();
        tasks.push(tokio::spawn(async move {
            let body = json!({"CardToken": card_token, "Reference": "same-ref", "TransactionType": "Purchase", "Amount": 12.34, "Currency": 949});
            let res = http.post(format!("{base}{SEND}")).header("token", token).json(&body).send().await.unwrap();
            res.json::<Value>().await.unwrap()
        }));
    }
    let mut first: Option<Value> = None;
    for t in tasks {
        let body = t.await.unwrap();
        assert_eq!(body["Result"], 0, "{body}");
        let first = first.get_or_insert_with(|| body.clone());
        // Every repeat answers the first outcome unchanged.
        assert_eq!(body["ResultObject"], first["ResultObject"]);
        assert_eq!(body["ApprovalRefNumber"], first["ApprovalRefNumber"]);
    }
    assert_eq!(
        balance(&app, &token, &card).await["LedgerBalance"].to_string(),
        "487.66"
    );
    let changed = send(&app, &token, &card, "same-ref", "12.35", json!({})).await;
    assert_eq!(changed["Result"], 7, "{changed}");
    // A repeat after the balance moved still answers the first AvailableAmount.
    send(&app, &token, &card, "other", "7.66", json!({})).await;
    let repeat = send(&app, &token, &card, "same-ref", "12.34", json!({})).await;
    assert_eq!(
        repeat["ResultObject"]["AvailableAmount"].to_string(),
        "487.66"
    );
    // A repeated decline is the same decline.
    let d1 = send(&app, &token, &card, "big", "10000", json!({})).await;
    let d2 = send(&app, &token, &card, "big", "10000", json!({})).await;
    assert_eq!(code(&d1), "51");
    assert_eq!(d1["ResultObject"], d2["ResultObject"]);
    let (_, list) = app
        .get(
            &format!(
                "/api/Integration/GetCardTransactions?CardToken={}",
                card["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(
        list["ResultObject"]["TotalCount"], 4,
        "load, the purchase once, the other purchase, the decline once"
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn credit_cards_share_the_customer_limit_and_earn_points() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let first = issue(
        &app,
        &token,
        "Credit",
        json!({"IsVirtual": true, "CardLimit": 1000}),
    )
    .await;
    let second = issue(
        &app,
        &token,
        "Credit",
        json!({"IsVirtual": true, "CardLimit": 5000}),
    )
    .await;
    assert_eq!(
        send(&app, &token, &first, "p1", "600.00", json!({})).await["Result"],
        0
    );
    assert_eq!(
        code(&send(&app, &token, &first, "p2", "400.01", json!({})).await),
        "51",
        "the card's room is 400.00"
    );
    let (_, body) = app
        .post(
            "/api/Integration/UpdateCustomerLimit",
            &token,
            json!({"CustomerNo": CUSTOMER, "Limit": 500, "LimitCurrency": 949}),
        )
        .await;
    assert_eq!(body["Result"], 4, "below the 600.00 used");
    app.post(
        "/api/Integration/UpdateCustomerLimit",
        &token,
        json!({"CustomerNo": CUSTOMER, "Limit": 1200, "LimitCurrency": 949}),
    )
    .await;
    assert_eq!(
        code(&send(&app, &token, &second, "p3", "600.01", json!({})).await),
        "51",
        "the customer's room is 600.00"
    );
    assert_eq!(
        send(&app, &token, &second, "p4", "600.00", json!({})).await["Result"],
        0
    );
    let b = balance(&app, &token, &first).await;
    assert_eq!(b["LedgerBalance"].to_string(), "-600.00");
    assert_eq!(b["Debt"].to_string(), "600.00");
    assert_eq!(b["CreditLimit"].to_string(), "1000.00");
    assert_eq!(
        b["AvailableAmount"].to_string(),
        "0.00",
        "no customer room left"
    );
    assert_eq!(b["PointBalance"], 6, "600.00 earns floor(600/100) points");
    let (_, c) = app
        .get(
            &format!("/api/Integration/GetCustomerInfo?CustomerNo={CUSTOMER}"),
            &token,
        )
        .await;
    assert_eq!(c["ResultObject"]["UsedLimit"].to_string(), "1200.00");
    assert_eq!(c["ResultObject"]["AvailableLimit"].to_string(), "0.00");
    let repay = load(&app, &token, &first, "250.00", "rep1").await;
    assert_eq!(repay["Result"], 0);
    let b = balance(&app, &token, &first).await;
    assert_eq!(
        (b["Debt"].to_string(), b["AvailableAmount"].to_string()),
        ("350.00".into(), "250.00".into())
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn prepaid_cards_keep_their_maximum_balance_and_monthly_loads() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    assert_eq!(
        load(&app, &token, &card, "15000.00", "l1").await["Result"],
        0
    );
    assert_eq!(
        code(&load(&app, &token, &card, "5000.01", "l2").await),
        "61",
        "over the 20,000.00 maximum balance"
    );
    assert_eq!(
        load(&app, &token, &card, "5000.00", "l3").await["Result"],
        0
    );
    for (i, amount) in ["20000.00", "20000.00"].iter().enumerate() {
        assert_eq!(
            send(&app, &token, &card, &format!("s{i}"), amount, json!({})).await["Result"],
            0
        );
        let body = load(
            &app,
            &token,
            &card,
            if i == 0 { "20000.00" } else { "10000.00" },
            &format!("m{i}"),
        )
        .await;
        assert_eq!(body["Result"], 0, "{body}");
    }
    // 15,000 + 5,000 + 20,000 + 10,000 = 50,000.00 loaded this month.
    send(&app, &token, &card, "s9", "10000.00", json!({})).await;
    assert_eq!(
        code(&load(&app, &token, &card, "0.01", "over").await),
        "61",
        "the monthly load limit is reached"
    );
    app.clock.advance(Duration::days(31));
    let token = app.token("issuer").await;
    assert_eq!(
        load(&app, &token, &card, "100.00", "next-month").await["Result"],
        0
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn card_to_card_moves_both_legs_or_neither() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let from = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let to = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    load(&app, &token, &from, "300.00", "L1").await;
    let transfer = |reference: &str, amount: &str, target: &Value| {
        let body: Value = serde_json::from_str(&format!(
            r#"{{"SourceCardToken": "{}", "TargetCardToken": "{}", "Reference": "{reference}", "Amount": {amount}, "Currency": 949}}"#,
            from["CardToken"].as_str().unwrap(),
            target["CardToken"].as_str().unwrap()
        ))
        .unwrap();
        app.post("/api/Integration/CardToCardBalanceTransfer", &token, body)
    };
    let (_, body) = transfer("t1", "120.00", &to).await;
    assert_eq!(body["Result"], 0, "{body}");
    assert_eq!(body["ResultObject"]["MaskedCardNo"], from["MaskedCardNo"]);
    assert_eq!(
        body["ResultObject"]["TargetMaskedCardNo"],
        to["MaskedCardNo"]
    );
    assert_eq!(
        balance(&app, &token, &from).await["LedgerBalance"].to_string(),
        "180.00"
    );
    assert_eq!(
        balance(&app, &token, &to).await["LedgerBalance"].to_string(),
        "120.00"
    );
    let (_, repeat) = transfer("t1", "120.00", &to).await;
    assert_eq!(
        repeat["ResultObject"], body["ResultObject"],
        "a repeat posts nothing"
    );
    let (_, body) = transfer("t2", "180.01", &to).await;
    assert_eq!(code(&body), "51");
    // The target refuses: neither leg posts.
    app.post(
        "/api/Integration/UpdateCardStatus",
        &token,
        json!({"CardToken": to["CardToken"], "CardStatus": "T"}),
    )
    .await;
    let (_, body) = transfer("t3", "50.00", &to).await;
    assert_eq!(code(&body), "62", "{body}");
    assert_eq!(
        balance(&app, &token, &from).await["LedgerBalance"].to_string(),
        "180.00"
    );
    assert_eq!(
        balance(&app, &token, &to).await["LedgerBalance"].to_string(),
        "120.00"
    );
    let (_, body) = transfer("t4", "50.00", &from).await;
    assert_eq!(code(&body), "12", "not to itself");
    let (_, list) = app
        .get(
            &format!(
                "/api/Integration/GetCardTransactions?CardToken={}",
                to["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(
        list["ResultObject"]["Items"][0]["TransactionType"],
        "TransferIn"
    );
    assert_eq!(
        list["ResultObject"]["Items"][0]["Amount"].to_string(),
        "120.00"
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn money_send_credits_on_us_cards_and_refuses_off_us_for_now() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let (status, body) = app
        .post("/api/Integration/MoneySend", &token, json!({"ReceiverCardToken": card["CardToken"], "Reference": "ms1", "Amount": 75.25, "Currency": 949, "SenderName": "ACME PAYROLL"}))
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["AvailableAmount"].to_string(), "75.25");
    let (_, body) = app
        .post("/api/Integration/MoneySend", &token, json!({"ReceiverCardNo": "4111111111111111", "Reference": "ms2", "Amount": 10, "Currency": 949}))
        .await;
    assert_eq!(
        (body["Result"].clone(), code(&body)),
        (json!(8), "91".into()),
        "off-us needs the network connector"
    );
    let (_, body) = app
        .post("/api/Integration/MoneySend", &token, json!({"ReceiverCardNo": "4100000000000007", "Reference": "ms3", "Amount": 10, "Currency": 949}))
        .await;
    assert_eq!(code(&body), "14", "an unknown card in our own BIN");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn loading_limit_reports_what_is_left() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    load(&app, &token, &card, "12000.00", "l1").await;
    let (status, body) = app
        .get(
            &format!(
                "/api/Integration/GetCardBalanceLoadingLimit?CardToken={}",
                card["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_result(status, &body, 200, 0);
    let r = &body["ResultObject"];
    assert_eq!(r["MaxBalance"].to_string(), "20000.00");
    assert_eq!(r["MonthlyLoadLimit"].to_string(), "50000.00");
    assert_eq!(r["LoadedThisMonth"].to_string(), "12000.00");
    assert_eq!(
        r["RemainingLoadLimit"].to_string(),
        "8000.00",
        "the maximum balance is the tighter limit"
    );
    assert_eq!(r["Currency"], 949);
}

#[tokio::test]
async fn card_transactions_page_and_filter_by_business_day() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &token, &card, "1000.00", "L1").await;
    for i in 0..24 {
        send(&app, &token, &card, &format!("d1-{i}"), "1.00", json!({})).await;
    }
    // 2026-03-02 09:30 UTC is the 2nd in Istanbul; 15 hours later it is the 3rd there.
    app.clock.advance(Duration::hours(15));
    let token = app.token("issuer").await;
    for i in 0..5 {
        send(&app, &token, &card, &format!("d2-{i}"), "2.00", json!({})).await;
    }
    let t = card["CardToken"].as_str().unwrap();
    let first = list(&app, &token, t, "&PageSize=10").await;
    assert_eq!(first["ResultObject"]["TotalCount"], 30);
    assert_eq!(first["ResultObject"]["PageSize"], 10);
    assert_eq!(first["ResultObject"]["Items"].as_array().unwrap().len(), 10);
    assert_eq!(
        first["ResultObject"]["Items"][0]["Amount"].to_string(),
        "2.00",
        "newest first"
    );
    let last = list(&app, &token, t, "&PageSize=10&Page=3").await;
    assert_eq!(last["ResultObject"]["Items"].as_array().unwrap().len(), 10);
    assert_eq!(
        last["ResultObject"]["Items"][9]["TransactionType"], "Load",
        "the oldest is last"
    );
    let day1 = list(
        &app,
        &token,
        t,
        "&StartDate=20260302&EndDate=20260302&PageSize=500",
    )
    .await;
    assert_eq!(day1["ResultObject"]["TotalCount"], 25);
    let day2 = list(&app, &token, t, "&StartDate=20260303").await;
    assert_eq!(day2["ResultObject"]["TotalCount"], 5);
    assert_eq!(day2["ResultObject"]["Page"], 1);
    assert_eq!(day2["ResultObject"]["PageSize"], 20);
    let bad = list(&app, &token, t, "&PageSize=501").await;
    assert_eq!(error_fields(&bad), ["PageSize"]);
    let bad = list(&app, &token, t, "&StartDate=20260230").await;
    assert_eq!(error_fields(&bad), ["StartDate"]);
}

async fn list(app: &TestApp, token: &str, card_token: &str, query: &str) -> Value {
    app.get(
        &format!("/api/Integration/GetCardTransactions?CardToken={card_token}{query}"),
        token,
    )
    .await
    .1
}
