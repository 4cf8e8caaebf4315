//! Purchases, holds, refunds and reversals, and every decline of the issuer decision.

use super::*;

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
async fn a_refusal_of_an_unknown_card_that_named_no_currency_answers_no_currency() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let (_, body) = app
        .post(
            SEND,
            &token,
            json!({"CardNo": "4111111111111111", "Reference": "rv-unknown",
                   "TransactionType": "Reversal", "OriginalProcessId": "100000000001"}),
        )
        .await;
    let r = &body["ResultObject"];
    assert_eq!(
        (code(&body), r["Currency"].clone(), r["Amount"].clone()),
        ("14".into(), Value::Null, Value::Null),
        "{body}"
    );
}
