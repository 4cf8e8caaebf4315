//! Payments on this host's own cards: sales, pre-sales and captures, voids, refunds and their repeats.

use super::*;

#[tokio::test]
async fn a_void_with_a_wrong_typed_field_is_refused_and_audited() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let body = vpos(&app, &s.vpos, "PaymentVoid", json!({"OrderId": 42})).await;
    assert_eq!(
        (body["Result"].clone(), body["Errors"][0]["Field"].clone()),
        (json!(1), json!("OrderId"))
    );
    assert_eq!(app.audited_results("PaymentVoid").await, [1]);
}

#[tokio::test]
async fn an_on_us_sale_moves_exactly_its_amount_and_lands_in_the_open_batch() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let pan = card["CardNo"].as_str().unwrap();
    let expiry = card["ExpiryDate"].as_str().unwrap();
    let cvv2 = independent::visa_cvv(TEST_CVK, pan, expiry, "000");
    let body = json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL, "OrderId": "o-1", "Amount": dec("120.50"), "Currency": 949,
        "CardNo": pan, "ExpiryDate": expiry, "Cvv2": cvv2, "CardHolderName": "AYSE YILMAZ", "CustomerIp": "203.0.113.7"});
    let first = s.op("PaymentSale", body.clone()).await;
    assert_eq!(first["Result"], 0, "{first}");
    let r = &first["ResultObject"];
    assert_eq!(
        (
            code(&first),
            r["TransactionType"].as_str(),
            r["Network"].as_str()
        ),
        ("00", Some("Sale"), Some("OnUs"))
    );
    assert_eq!(
        (
            money(&r["Amount"]),
            r["BatchNo"].clone(),
            r["OrderId"].clone()
        ),
        ("120.50".into(), json!(1), json!("o-1"))
    );
    assert_eq!(r["Rrn"].as_str().unwrap().len(), 12);
    assert_eq!(
        first["ApprovalRefNumber"].to_string(),
        r["Rrn"].as_str().unwrap().trim_start_matches('0')
    );
    assert!(!r.to_string().contains(pan), "the PAN is masked: {r}");
    assert_eq!(s.available(&card).await, "379.50");

    // The same request again is the first outcome; other content on the OrderId is 7.
    let again = s.op("PaymentSale", body.clone()).await;
    assert_eq!(again["ResultObject"]["ProcessId"], r["ProcessId"]);
    let mut changed = body.clone();
    changed["Amount"] = dec("120.51");
    assert_eq!(s.op("PaymentSale", changed).await["Result"], 7);
    assert_eq!(s.available(&card).await, "379.50");

    let batch = open_batch(&app, &s.acquirer).await;
    assert_eq!(
        (batch["SaleCount"].clone(), money(&batch["SaleAmount"])),
        (json!(1), "120.50".into())
    );
    let o = order(&app, &s.vpos, "o-1").await;
    assert_eq!(
        (o["OrderStatus"].as_str(), money(&o["CapturedAmount"])),
        (Some("Paid"), "120.50".into())
    );
    assert_eq!(o["LastTransaction"]["ProcessId"], r["ProcessId"]);
    let (_, by_pid) = app
        .get(
            &format!(
                "/api/VPos/CheckByProcessId?MerchantNo={MERCHANT}&ProcessId={}",
                r["ProcessId"].as_str().unwrap()
            ),
            &s.vpos,
        )
        .await;
    assert_eq!(
        (
            by_pid["ResultObject"]["OrderId"].as_str(),
            by_pid["ResultObject"]["TransactionType"].as_str()
        ),
        (Some("o-1"), Some("Sale"))
    );

    // A wrong CVV2 is declined N7 and fails the order; a new attempt needs a new OrderId.
    let mut wrong = body.clone();
    wrong["OrderId"] = json!("o-2");
    wrong["Cvv2"] = json!(format!("{:03}", (cvv2.parse::<u32>().unwrap() + 1) % 1000));
    let declined = s.op("PaymentSale", wrong).await;
    assert_eq!(
        (declined["Result"].clone(), code(&declined)),
        (json!(8), "N7")
    );
    assert_eq!(order(&app, &s.vpos, "o-2").await["OrderStatus"], "Failed");

    // Another merchant's client sees none of it; an unknown order is 2.
    let (_, other) = app.post("/api/Integration/CreateMerchant", &s.acquirer, json!({"MerchantNo": "778", "MerchantName": "Other", "Mcc": "5411", "Country": "TR", "Currency": 949})).await;
    assert_eq!(other["Result"], 0, "{other}");
    let stranger = vpos_token_of(&app, "778").await;
    let (status, denied) = app
        .get(
            &format!("/api/VPos/CheckByOrderId?MerchantNo={MERCHANT}&OrderId=o-1"),
            &stranger,
        )
        .await;
    assert_result(status, &denied, 403, 6);
    let (status, denied) = app.post("/api/VPos/PaymentSale", &stranger, body).await;
    assert_result(status, &denied, 403, 6);
    let (_, missing) = app
        .get(
            &format!("/api/VPos/CheckByOrderId?MerchantNo={MERCHANT}&OrderId=nope"),
            &s.vpos,
        )
        .await;
    assert_eq!(missing["Result"], 2);
    // A card-present terminal of the merchant takes no virtual POS payment.
    let (_, pos) = app
        .post(
            "/api/Integration/CreateTerminal",
            &s.acquirer,
            json!({"MerchantNo": MERCHANT, "TerminalType": "Pos", "TerminalNo": "POS00777"}),
        )
        .await;
    assert_eq!(pos["Result"], 0, "{pos}");
    let mut on_pos = pay_body("o-3", "1.00", &card);
    on_pos["TerminalNo"] = json!("POS00777");
    assert_eq!(s.op("PaymentSale", on_pos).await["Result"], 4);
    ledger_ok(&app).await;
}

#[tokio::test]
async fn an_order_stored_in_an_unknown_currency_is_an_error_never_lira() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("100.00").await;
    let paid = vpos(&app, &s.vpos, "PaymentSale", pay_body("U1", "10.00", &card)).await;
    assert_eq!(paid["Result"], 0, "{paid}");
    // Damage behind the host's back, as a bad migration or restore would.
    sqlx::query("UPDATE vpos_orders SET currency = 1 WHERE order_id = 'U1'")
        .execute(&app.db().await)
        .await
        .unwrap();
    let (status, body) = app
        .get(
            &format!("/api/VPos/CheckByOrderId?MerchantNo={MERCHANT}&OrderId=U1"),
            &s.vpos,
        )
        .await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["Result"], 99);
    assert_eq!(body["ResultObject"], Value::Null);
}

#[tokio::test]
async fn a_pre_sale_of_100_captured_at_80_releases_20() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let pre = s.pre_sale("p-1", "100.00", &card).await;
    assert_eq!(pre["Result"], 0, "{pre}");
    assert_eq!(pre["ResultObject"]["BatchNo"], Value::Null);
    let b = balance(&app, &s.issuer, &card).await;
    assert_eq!(
        (money(&b["AvailableAmount"]), money(&b["BlockedAmount"])),
        ("400.00".into(), "100.00".into())
    );
    assert_eq!(
        order(&app, &s.vpos, "p-1").await["OrderStatus"],
        "PreAuthorized"
    );

    let over = s.post_sale("p-1", json!({"Amount": dec("100.01")})).await;
    assert_eq!(over["Result"], 4, "{over}");
    let post = s.post_sale("p-1", json!({"Amount": dec("80.00")})).await;
    assert_eq!(post["Result"], 0, "{post}");
    assert_eq!(
        (
            money(&post["ResultObject"]["Amount"]),
            post["ResultObject"]["BatchNo"].clone()
        ),
        ("80.00".into(), json!(1))
    );
    let b = balance(&app, &s.issuer, &card).await;
    assert_eq!(
        (money(&b["AvailableAmount"]), money(&b["BlockedAmount"])),
        ("420.00".into(), "0.00".into())
    );
    let o = order(&app, &s.vpos, "p-1").await;
    assert_eq!(
        (o["OrderStatus"].as_str(), money(&o["CapturedAmount"])),
        (Some("Captured"), "80.00".into())
    );
    // Once per order.
    let second = s.post_sale("p-1", json!({})).await;
    assert_eq!(second["Result"], 4, "{second}");
    let (_, list) = app
        .get(
            &format!("/api/VPos/ListByOrderId?MerchantNo={MERCHANT}&OrderId=p-1"),
            &s.vpos,
        )
        .await;
    let types: Vec<&str> = list["ResultObject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["TransactionType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["PreSale", "PostSale"]);
    let batch = open_batch(&app, &s.acquirer).await;
    assert_eq!(
        (batch["SaleCount"].clone(), money(&batch["SaleAmount"])),
        (json!(1), "80.00".into())
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_void_restores_everything_before_the_close_and_is_refused_after() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let sale = s.sale("v-1", "50.00", &card).await;
    assert_eq!(sale["Result"], 0, "{sale}");
    let void = s.void("v-1").await;
    assert_eq!(void["Result"], 0, "{void}");
    assert_eq!(
        void["ResultObject"]["OriginalProcessId"],
        sale["ResultObject"]["ProcessId"]
    );
    assert_eq!(s.available(&card).await, "500.00");
    assert_eq!(order(&app, &s.vpos, "v-1").await["OrderStatus"], "Voided");
    let batch = open_batch(&app, &s.acquirer).await;
    assert_eq!(
        (
            batch["SaleCount"].clone(),
            batch["VoidCount"].clone(),
            money(&batch["VoidAmount"])
        ),
        (json!(0), json!(1), "50.00".into())
    );
    assert_eq!(s.void("v-1").await["Result"], 4);

    // A pre-sale voided releases its hold.
    s.pre_sale("v-2", "70.00", &card).await;
    assert_eq!(s.void("v-2").await["Result"], 0);
    assert_eq!(
        money(&balance(&app, &s.issuer, &card).await["BlockedAmount"]),
        "0.00"
    );

    // After the batch closes, a void is refused and a refund is the way back.
    s.sale("v-3", "30.00", &card).await;
    let closed = s
        .op(
            "BatchClose",
            json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL}),
        )
        .await;
    assert_eq!(
        (
            closed["Result"].clone(),
            closed["ResultObject"]["NextBatchNo"].clone()
        ),
        (json!(0), json!(2)),
        "{closed}"
    );
    let late = s.void("v-3").await;
    assert_eq!(late["Result"], 4, "{late}");
    assert_eq!(s.available(&card).await, "470.00");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn refunds_are_partial_idempotent_and_never_exceed_the_capture() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    s.sale("r-1", "100.00", &card).await;
    let first = s
        .refund("r-1", json!({"Reference": "R1", "Amount": dec("30.00")}))
        .await;
    assert_eq!(first["Result"], 0, "{first}");
    let again = s
        .refund("r-1", json!({"Reference": "R1", "Amount": dec("30.00")}))
        .await;
    assert_eq!(
        again["ResultObject"]["ProcessId"],
        first["ResultObject"]["ProcessId"]
    );
    let changed = s
        .refund("r-1", json!({"Reference": "R1", "Amount": dec("40.00")}))
        .await;
    assert_eq!(changed["Result"], 7);
    let o = order(&app, &s.vpos, "r-1").await;
    assert_eq!(
        (o["OrderStatus"].as_str(), money(&o["RefundedAmount"])),
        (Some("PartiallyRefunded"), "30.00".into())
    );
    let too_much = s
        .refund("r-1", json!({"Reference": "R2", "Amount": dec("70.01")}))
        .await;
    assert_eq!(too_much["Result"], 4, "{too_much}");
    // A refunded order is not voided.
    assert_eq!(s.void("r-1").await["Result"], 4);
    let rest = s.refund("r-1", json!({"Reference": "R3"})).await;
    assert_eq!(
        (
            rest["Result"].clone(),
            money(&rest["ResultObject"]["Amount"])
        ),
        (json!(0), "70.00".into())
    );
    let o = order(&app, &s.vpos, "r-1").await;
    assert_eq!(
        (o["OrderStatus"].as_str(), money(&o["RefundedAmount"])),
        (Some("Refunded"), "100.00".into())
    );
    assert_eq!(
        s.refund("r-1", json!({"Reference": "R4", "Amount": dec("0.01")}))
            .await["Result"],
        4
    );
    assert_eq!(s.available(&card).await, "500.00");
    let batch = open_batch(&app, &s.acquirer).await;
    assert_eq!(
        (
            batch["SaleCount"].clone(),
            batch["RefundCount"].clone(),
            money(&batch["RefundAmount"]),
            money(&batch["NetAmount"])
        ),
        (json!(1), json!(2), "100.00".into(), "0.00".into())
    );
    ledger_ok(&app).await;
}

/// Sends every body at once, each from its own task.
async fn all_at_once(app: &TestApp, token: &str, bodies: Vec<Value>) -> Vec<Value> {
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let (http, url, token) = (
                app.http.clone(),
                format!("{}/api/VPos/PaymentSale", app.base),
                token.to_owned(),
            );
            tokio::spawn(async move {
                let res = http
                    .post(url)
                    .header("token", token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                res.json::<Value>().await.unwrap()
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test]
async fn concurrent_repeats_of_an_order_pay_once() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    let same = all_at_once(
        &app,
        &s.vpos,
        (0..30).map(|_| pay_body("c-1", "10.00", &card)).collect(),
    )
    .await;
    let first = &same[0]["ResultObject"]["ProcessId"];
    for body in &same {
        assert_eq!(
            (body["Result"].clone(), &body["ResultObject"]["ProcessId"]),
            (json!(0), first),
            "{body}"
        );
    }
    // Different amounts on one OrderId: one is paid, the others are 7.
    let mixed = all_at_once(
        &app,
        &s.vpos,
        (1..=20)
            .map(|i| pay_body("c-2", &format!("{i}.00"), &card))
            .collect(),
    )
    .await;
    let paid: Vec<&Value> = mixed.iter().filter(|b| b["Result"] == 0).collect();
    let conflicts = mixed.iter().filter(|b| b["Result"] == 7).count();
    assert_eq!((paid.len(), conflicts), (1, 19));
    let charged = minor_units(&paid[0]["ResultObject"]["Amount"]);
    let left = minor_units(&balance(&app, &s.issuer, &card).await["AvailableAmount"]);
    assert_eq!(left, 49_000 - charged);
    assert_eq!(open_batch(&app, &s.acquirer).await["SaleCount"], 2);
    ledger_ok(&app).await;
}

#[tokio::test]
async fn the_published_payment_sale_example_is_a_well_formed_request() {
    let app = TestApp::spawn().await;
    let acquirer = app.token("acquirer").await;
    let (_, created) = app
        .post(
            "/api/Integration/CreateMerchantAndTerminal",
            &acquirer,
            json!({"Merchant": {"MerchantNo": "100000000001", "MerchantName": "Example", "Mcc": "5942", "Country": "TR", "Currency": 949},
                "Terminals": [{"TerminalNo": "10000001", "TerminalType": "Vpos"}]}),
        )
        .await;
    assert_eq!(created["Result"], 0, "{created}");
    let example: Value = serde_json::from_str(include_str!(
        "../../../../http/api-examples/PaymentSale.json"
    ))
    .unwrap();
    let admin = app.admin_token().await;
    let answer = vpos(&app, &admin, "PaymentSale", example).await;
    // A card number in this host's Visa BIN that it never issued: declined 14.
    assert_eq!(
        (answer["Result"].clone(), code(&answer)),
        (json!(8), "14"),
        "{answer}"
    );
    assert_eq!(answer["ResultObject"]["MaskedCardNo"], "410000******7898");
}
