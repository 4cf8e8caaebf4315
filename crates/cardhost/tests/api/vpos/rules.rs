//! What the merchant's profile and the card allow: installments, points, and profile declines.

use super::*;

#[tokio::test]
async fn installment_plans_add_up_and_installment_sales_follow_the_profile() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let body = s.installments_for("410000").await;
    assert_eq!(body["Result"], 0, "{body}");
    let r = &body["ResultObject"];
    assert_eq!(
        (r["CardType"].as_str(), r["Brand"].as_str()),
        (Some("Credit"), Some("Visa"))
    );
    let rows = r["Installments"].as_array().unwrap();
    assert_eq!(rows.len(), 12);
    for row in rows {
        let n = row["InstallmentCount"].as_i64().unwrap();
        assert_eq!(
            minor_units(&row["InstallmentAmount"]) * (n - 1)
                + minor_units(&row["LastInstallmentAmount"]),
            minor_units(&row["TotalAmount"]),
            "{row}"
        );
    }
    assert_eq!(
        (
            money(&rows[3]["TotalAmount"]),
            money(&rows[3]["InstallmentAmount"]),
            money(&rows[3]["LastInstallmentAmount"]),
            money(&rows[3]["InterestRate"])
        ),
        (
            "102.50".into(),
            "25.62".into(),
            "25.64".into(),
            "2.50".into()
        )
    );
    assert_eq!(money(&rows[2]["TotalAmount"]), "100.00");
    assert_eq!(money(&rows[11]["TotalAmount"]), "105.00");
    let debit = s.installments_for("52000012").await;
    assert_eq!(
        debit["ResultObject"]["Installments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let bad = s.installments_for("41").await;
    assert_eq!(error_fields(&bad), ["Bin"]);

    // A profile allowing 6 installments caps the plans and the sales.
    let (_, p) = app
        .post("/api/Integration/CreatePosAuthorizationProfile", &s.acquirer, json!({"ProfileCode": "AUTH6", "ProfileName": "Six",
            "AllowedTransactionTypes": ["Sale", "PreSale", "PostSale", "Void", "Refund", "Installment"], "AllowForeignCards": false,
            "AllowOffUsCards": true, "MaxInstallmentCount": 6}))
        .await;
    assert_eq!(p["Result"], 0, "{p}");
    let (_, u) = app
        .put(
            "/api/Integration/UpdateMerchant",
            &s.acquirer,
            json!({"MerchantNo": MERCHANT, "PosAuthorizationProfileCode": "AUTH6"}),
        )
        .await;
    assert_eq!(u["Result"], 0, "{u}");
    let capped = s.installments_for("410000").await;
    assert_eq!(
        capped["ResultObject"]["Installments"]
            .as_array()
            .unwrap()
            .len(),
        6
    );

    let credit = issue(&app, &s.issuer, "Credit", json!({"IsVirtual": true})).await;
    let mut six = pay_body("i-6", "600.00", &credit);
    six["InstallmentCount"] = json!(6);
    let sold = s.op("PaymentSale", six).await;
    assert_eq!(
        (
            sold["Result"].clone(),
            sold["ResultObject"]["InstallmentCount"].clone()
        ),
        (json!(0), json!(6)),
        "{sold}"
    );
    let mut seven = pay_body("i-7", "600.00", &credit);
    seven["InstallmentCount"] = json!(7);
    assert_eq!(code(&s.op("PaymentSale", seven).await), "58");
    let debit_card = issue(&app, &s.issuer, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &s.issuer, &debit_card, "500.00", "L1").await;
    let mut on_debit = pay_body("i-d", "100.00", &debit_card);
    on_debit["InstallmentCount"] = json!(3);
    assert_eq!(code(&s.op("PaymentSale", on_debit).await), "57");
    let (_, detail) = app
        .get(
            &format!("/api/Integration/GetPosBatchDetail?TerminalNo={TERMINAL}"),
            &s.acquirer,
        )
        .await;
    assert_eq!(detail["ResultObject"]["Items"][0]["InstallmentCount"], 6);
    // Foreign cards are refused by this profile: the test network does not say where a card is from.
    let foreign = s.sale("i-f", "10.00", &json!(OFF_US)).await;
    assert_eq!(code(&foreign), "58");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_sale_paid_partly_with_points_spends_points_and_money_exactly() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let credit = issue(&app, &s.issuer, "Credit", json!({"IsVirtual": true})).await;
    // 5,000.00 earns 50 points (1 per 100.00), worth 0.50.
    let earned = send(&app, &s.issuer, &credit, "P1", "5000.00", json!({})).await;
    assert_eq!(earned["Result"], 0, "{earned}");
    let (_, points) = app
        .post(
            "/api/VPos/PointInquiry",
            &s.vpos,
            json!({"MerchantNo": MERCHANT, "CardToken": credit["CardToken"]}),
        )
        .await;
    assert_eq!(points["Result"], 0, "{points}");
    assert_eq!(
        (
            points["ResultObject"]["PointBalance"].clone(),
            money(&points["ResultObject"]["PointAmount"])
        ),
        (json!(50), "0.50".into())
    );

    let before = s.available(&credit).await;
    assert_eq!(before, "5000.00");
    let mut body = pay_body("pt-1", "10.00", &credit);
    body["PointAmount"] = dec("0.30");
    let sold = s.op("PaymentSale", body).await;
    assert_eq!(sold["Result"], 0, "{sold}");
    assert_eq!(
        (
            money(&sold["ResultObject"]["Amount"]),
            money(&sold["ResultObject"]["PointAmount"])
        ),
        ("10.00".into(), "0.30".into())
    );
    assert_eq!(s.available(&credit).await, "4990.30");
    let (_, points) = app
        .post(
            "/api/VPos/PointInquiry",
            &s.vpos,
            json!({"MerchantNo": MERCHANT, "CardToken": credit["CardToken"]}),
        )
        .await;
    assert_eq!(points["ResultObject"]["PointBalance"], 20);
    // More points than the card has: declined 51, nothing spent.
    let mut greedy = pay_body("pt-2", "10.00", &credit);
    greedy["PointAmount"] = dec("0.21");
    assert_eq!(code(&s.op("PaymentSale", greedy).await), "51");
    let mut over = pay_body("pt-3", "10.00", &credit);
    over["PointAmount"] = dec("10.01");
    assert_eq!(
        error_fields(&s.op("PaymentSale", over).await),
        ["PointAmount"]
    );
    // The merchant is owed the whole 10.00: the batch holds the sale at its full amount.
    assert_eq!(
        money(&open_batch(&app, &s.acquirer).await["SaleAmount"]),
        "10.00"
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn the_authorization_profile_and_merchant_status_decline_58() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("1000.00").await;
    let (_, p) = app
        .post("/api/Integration/CreatePosAuthorizationProfile", &s.acquirer, json!({"ProfileCode": "SALES", "ProfileName": "Sales only",
            "AllowedTransactionTypes": ["Sale", "Void"], "AllowForeignCards": true, "AllowOffUsCards": false,
            "MaxTransactionAmount": dec("100.00"), "DailyAmountLimit": dec("150.00"), "MaxInstallmentCount": 1}))
        .await;
    assert_eq!(p["Result"], 0, "{p}");
    let (_, u) = app
        .put(
            "/api/Integration/UpdateTerminal",
            &s.acquirer,
            json!({"TerminalNo": TERMINAL, "PosAuthorizationProfileCode": "SALES"}),
        )
        .await;
    assert_eq!(u["Result"], 0, "{u}");
    let cases = [
        ("PaymentPreSale", pay_body("a-1", "10.00", &card)),
        ("PaymentSale", pay_body("a-2", "100.01", &card)),
        ("PaymentSale", pay_body("a-3", "10.00", &json!(OFF_US))),
    ];
    for (op, body) in cases {
        let answer = s.op(op, body).await;
        assert_eq!(
            (answer["Result"].clone(), code(&answer)),
            (json!(8), "58"),
            "{op}: {answer}"
        );
    }
    assert_eq!(s.sale("a-4", "100.00", &card).await["Result"], 0);
    // The day's limit: 100.00 taken, 50.01 more would pass 150.00.
    assert_eq!(code(&s.sale("a-5", "50.01", &card).await), "58");
    assert_eq!(s.sale("a-6", "50.00", &card).await["Result"], 0);
    let refund = s.refund("a-4", json!({"Reference": "X"})).await;
    assert_eq!(
        code(&refund),
        "58",
        "refunds are not allowed by this profile: {refund}"
    );
    // A passive terminal takes nothing.
    app.put(
        "/api/Integration/UpdateTerminal",
        &s.acquirer,
        json!({"TerminalNo": TERMINAL, "TerminalStatus": "Passive"}),
    )
    .await;
    assert_eq!(code(&s.sale("a-7", "1.00", &card).await), "58");
    assert_eq!(s.available(&card).await, "850.00");
    ledger_ok(&app).await;
}
