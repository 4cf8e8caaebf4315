//! Virtual POS payments through the merchant's own `vpos` client: on-us cards
//! through the authorizer, off-us cards through the built-in test network.

use serde_json::{json, Value};

use crate::cards::{issue, setup};
use crate::independent;
use crate::money::{balance, ledger_ok, load, send};
use crate::support::*;

const MERCHANT: &str = "777";
const TERMINAL: &str = "VPOS0777";
/// Luhn-valid and outside this host's BINs: routed to the card network.
const OFF_US: &str = "4111111111111111";

struct Shop<'a> {
    app: &'a TestApp,
    issuer: String,
    acquirer: String,
    vpos: String,
}

impl Shop<'_> {
    /// A VPOS operation through the merchant's own client.
    async fn op(&self, op: &str, body: Value) -> Value {
        vpos(self.app, &self.vpos, op, body).await
    }

    /// `InstallmentInquiry` for 100.00 on a BIN.
    async fn installments_for(&self, bin: &str) -> Value {
        let body = json!({"MerchantNo": MERCHANT, "Amount": 100.00, "Currency": 949, "Bin": bin});
        self.op("InstallmentInquiry", body).await
    }

    /// What `card` can spend now.
    async fn available(&self, card: &Value) -> String {
        money(&balance(self.app, &self.issuer, card).await["AvailableAmount"])
    }

    /// A debit card of this host holding `amount`.
    async fn funded_debit(&self, amount: &str) -> Value {
        let card = issue(self.app, &self.issuer, "Debit", json!({"IsVirtual": true})).await;
        assert_eq!(
            load(self.app, &self.issuer, &card, amount, "L1").await["Result"],
            0
        );
        card
    }
}

async fn shop(app: &TestApp) -> Shop<'_> {
    let issuer = setup(app).await;
    let acquirer = app.token("acquirer").await;
    let (_, body) = app
        .post(
            "/api/Integration/CreatePosFeeProfile",
            &acquirer,
            json!({"ProfileCode": "FEE", "ProfileName": "Std", "Rates": [
            {"RatePercent": 1.5, "FixedFee": 0.10, "ValueDays": 1},
            {"Network": "OffUs", "RatePercent": 2, "ValueDays": 1}]}),
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let (_, body) = app
        .post("/api/Integration/CreateMerchantAndTerminal", &acquirer, json!({"Merchant": {"MerchantNo": MERCHANT, "MerchantName": "Book Shop", "Mcc": "5942",
            "Country": "TR", "Currency": 949, "PosFeeProfileCode": "FEE", "VposEnabled": true}, "Terminals": [{"TerminalType": "Vpos", "TerminalNo": TERMINAL}]}))
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let vpos = vpos_token_of(app, MERCHANT).await;
    Shop {
        app,
        issuer,
        acquirer,
        vpos,
    }
}

/// A `vpos` client bound to `merchant_no`, made by the operator.
async fn vpos_token_of(app: &TestApp, merchant_no: &str) -> String {
    let created = cardhost_service::clients::create(
        &app.host.db,
        &cardhost_service::clients::NewClient {
            name: format!("vpos {merchant_no}"),
            scopes: cardhost_service::Scopes::parse_list("vpos").unwrap(),
            merchant_no: Some(merchant_no.to_owned()),
        },
        app.clock_ms(),
    )
    .await
    .unwrap();
    let (_, tok) = app
        .token_for(&created.client_id, &created.client_secret)
        .await;
    tok["ResultObject"]["Token"].as_str().unwrap().to_owned()
}

fn money(v: &Value) -> String {
    v.to_string()
}

fn code(body: &Value) -> &str {
    body["ResultObject"]["ResponseCode"].as_str().unwrap_or("")
}

/// A payment body for `card` (an issued card with CardNo, or a PAN string).
fn pay_body(order: &str, amount: &str, card: &Value) -> Value {
    let mut body: Value = serde_json::from_str(&format!(
        r#"{{"MerchantNo": "{MERCHANT}", "TerminalNo": "{TERMINAL}", "OrderId": "{order}", "Amount": {amount}, "Currency": 949}}"#
    ))
    .unwrap();
    match card {
        Value::String(pan) => {
            body["CardNo"] = json!(pan);
            body["ExpiryDate"] = json!("2912");
            body["Cvv2"] = json!("123");
        }
        issued => body["CardToken"] = issued["CardToken"].clone(),
    }
    body
}

async fn vpos(app: &TestApp, token: &str, op: &str, body: Value) -> Value {
    let (status, body) = app.post(&format!("/api/VPos/{op}"), token, body).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn order(app: &TestApp, token: &str, order_id: &str) -> Value {
    let (_, body) = app
        .get(
            &format!("/api/VPos/CheckByOrderId?MerchantNo={MERCHANT}&OrderId={order_id}"),
            token,
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    body["ResultObject"].clone()
}

async fn open_batch(app: &TestApp, token: &str) -> Value {
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetPosBatchSummary?TerminalNo={TERMINAL}"),
            token,
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    body["ResultObject"].clone()
}

fn follow(order: &str, extra: Value) -> Value {
    let mut body = json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL, "OrderId": order});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

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
    let body = json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL, "OrderId": "o-1", "Amount": 120.50, "Currency": 949,
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
    changed["Amount"] = json!(120.51);
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
    let pre = s
        .op("PaymentPreSale", pay_body("p-1", "100.00", &card))
        .await;
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

    let over = s
        .op("PaymentPostSale", follow("p-1", json!({"Amount": 100.01})))
        .await;
    assert_eq!(over["Result"], 4, "{over}");
    let post = s
        .op("PaymentPostSale", follow("p-1", json!({"Amount": 80.00})))
        .await;
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
    let second = s.op("PaymentPostSale", follow("p-1", json!({}))).await;
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
    let sale = s.op("PaymentSale", pay_body("v-1", "50.00", &card)).await;
    assert_eq!(sale["Result"], 0, "{sale}");
    let void = s.op("PaymentVoid", follow("v-1", json!({}))).await;
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
    assert_eq!(
        s.op("PaymentVoid", follow("v-1", json!({}))).await["Result"],
        4
    );

    // A pre-sale voided releases its hold.
    s.op("PaymentPreSale", pay_body("v-2", "70.00", &card))
        .await;
    assert_eq!(
        s.op("PaymentVoid", follow("v-2", json!({}))).await["Result"],
        0
    );
    assert_eq!(
        money(&balance(&app, &s.issuer, &card).await["BlockedAmount"]),
        "0.00"
    );

    // After the batch closes, a void is refused and a refund is the way back.
    s.op("PaymentSale", pay_body("v-3", "30.00", &card)).await;
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
    let late = s.op("PaymentVoid", follow("v-3", json!({}))).await;
    assert_eq!(late["Result"], 4, "{late}");
    assert_eq!(s.available(&card).await, "470.00");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn refunds_are_partial_idempotent_and_never_exceed_the_capture() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    s.op("PaymentSale", pay_body("r-1", "100.00", &card)).await;
    let first = s
        .op(
            "PaymentRefund",
            follow("r-1", json!({"Reference": "R1", "Amount": 30.00})),
        )
        .await;
    assert_eq!(first["Result"], 0, "{first}");
    let again = s
        .op(
            "PaymentRefund",
            follow("r-1", json!({"Reference": "R1", "Amount": 30.00})),
        )
        .await;
    assert_eq!(
        again["ResultObject"]["ProcessId"],
        first["ResultObject"]["ProcessId"]
    );
    let changed = s
        .op(
            "PaymentRefund",
            follow("r-1", json!({"Reference": "R1", "Amount": 40.00})),
        )
        .await;
    assert_eq!(changed["Result"], 7);
    let o = order(&app, &s.vpos, "r-1").await;
    assert_eq!(
        (o["OrderStatus"].as_str(), money(&o["RefundedAmount"])),
        (Some("PartiallyRefunded"), "30.00".into())
    );
    let too_much = s
        .op(
            "PaymentRefund",
            follow("r-1", json!({"Reference": "R2", "Amount": 70.01})),
        )
        .await;
    assert_eq!(too_much["Result"], 4, "{too_much}");
    // A refunded order is not voided.
    assert_eq!(
        s.op("PaymentVoid", follow("r-1", json!({}))).await["Result"],
        4
    );
    let rest = s
        .op("PaymentRefund", follow("r-1", json!({"Reference": "R3"})))
        .await;
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
        s.op(
            "PaymentRefund",
            follow("r-1", json!({"Reference": "R4", "Amount": 0.01}))
        )
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

#[tokio::test]
async fn the_test_network_declines_by_amount_and_reverses_what_timed_out() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    for (amount, expected) in [("10.51", "51"), ("10.05", "05"), ("10.54", "54")] {
        let body = s
            .op(
                "PaymentSale",
                pay_body(&format!("n-{amount}"), amount, &json!(OFF_US)),
            )
            .await;
        assert_eq!(
            (body["Result"].clone(), code(&body)),
            (json!(8), expected),
            "{body}"
        );
        assert_eq!(body["ResultObject"]["Network"], "OffUs");
    }
    let ok = s
        .op("PaymentSale", pay_body("n-ok", "10.00", &json!(OFF_US)))
        .await;
    assert_eq!((ok["Result"].clone(), code(&ok)), (json!(0), "00"), "{ok}");
    assert_eq!(ok["ResultObject"]["MaskedCardNo"], "411111******1111");

    // 91: the network never answers; the host answers 91 and reverses.
    app.host.test_network.refuse_next_reversals(1);
    let lost = s
        .op("PaymentSale", pay_body("n-91", "10.91", &json!(OFF_US)))
        .await;
    assert_eq!(
        (lost["Result"].clone(), code(&lost)),
        (json!(8), "91"),
        "{lost}"
    );
    let pid: i64 = lost["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let held = cardhost_store::vpos::network_auth(app.host.db.reader(), pid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        held.status, "Captured",
        "the network took the sale whose answer was lost"
    );
    assert_eq!(order(&app, &s.vpos, "n-91").await["OrderStatus"], "Failed");
    // The first attempt is refused, so the reversal stays queued and is retried.
    let first = cardhost_service::network::reverse_due(&app.host)
        .await
        .unwrap();
    assert_eq!((first.acknowledged, first.pending), (0, 1));
    app.clock.advance(chrono::Duration::seconds(2));
    let second = cardhost_service::network::reverse_due(&app.host)
        .await
        .unwrap();
    assert_eq!((second.acknowledged, second.pending), (1, 0));
    let undone = cardhost_store::vpos::network_auth(app.host.db.reader(), pid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(undone.status, "Reversed");
    let third = cardhost_service::network::reverse_due(&app.host)
        .await
        .unwrap();
    assert_eq!((third.acknowledged, third.pending), (0, 0));
    let metrics = app.raw_get("/metrics").await.text().await.unwrap();
    for line in [
        "cardhost_network_unanswered_total 2",
        "cardhost_network_reversals_refused_total 1",
        "cardhost_network_reversals_acknowledged_total 1",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }

    // Off-us: pre-sale, capture and refund go to the network; a void queues its reversal.
    s.op("PaymentPreSale", pay_body("n-pre", "40.00", &json!(OFF_US)))
        .await;
    let post = s
        .op("PaymentPostSale", follow("n-pre", json!({"Amount": 25.00})))
        .await;
    assert_eq!(post["Result"], 0, "{post}");
    let refund = s
        .op(
            "PaymentRefund",
            follow("n-pre", json!({"Reference": "NR1", "Amount": 5.00})),
        )
        .await;
    assert_eq!(refund["Result"], 0, "{refund}");
    let void = s.op("PaymentVoid", follow("n-ok", json!({}))).await;
    assert_eq!(void["Result"], 0, "{void}");
    cardhost_service::network::reverse_due(&app.host)
        .await
        .unwrap();
    let ok_pid: i64 = ok["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let reversed = cardhost_store::vpos::network_auth(app.host.db.reader(), ok_pid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reversed.status, "Reversed");

    // Off-us rows close from NetworkClearing: 25.00 captured − 5.00 refunded.
    let closed = s
        .op(
            "BatchClose",
            json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL}),
        )
        .await;
    let r = &closed["ResultObject"];
    assert_eq!(
        (
            r["SaleCount"].clone(),
            money(&r["SaleAmount"]),
            r["RefundCount"].clone(),
            r["VoidCount"].clone()
        ),
        (json!(1), "25.00".into(), json!(1), json!(1)),
        "{closed}"
    );
    ledger_ok(&app).await;
}

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
        let cents = |v: &Value| (v.as_f64().unwrap() * 100.0).round() as i64;
        assert_eq!(
            cents(&row["InstallmentAmount"]) * (n - 1) + cents(&row["LastInstallmentAmount"]),
            cents(&row["TotalAmount"]),
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
    let foreign = s
        .op("PaymentSale", pay_body("i-f", "10.00", &json!(OFF_US)))
        .await;
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
    body["PointAmount"] = json!(0.30);
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
    greedy["PointAmount"] = json!(0.21);
    assert_eq!(code(&s.op("PaymentSale", greedy).await), "51");
    let mut over = pay_body("pt-3", "10.00", &credit);
    over["PointAmount"] = json!(10.01);
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
            "MaxTransactionAmount": 100.00, "DailyAmountLimit": 150.00, "MaxInstallmentCount": 1}))
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
    assert_eq!(
        s.op("PaymentSale", pay_body("a-4", "100.00", &card)).await["Result"],
        0
    );
    // The day's limit: 100.00 taken, 50.01 more would pass 150.00.
    assert_eq!(
        code(&s.op("PaymentSale", pay_body("a-5", "50.01", &card)).await),
        "58"
    );
    assert_eq!(
        s.op("PaymentSale", pay_body("a-6", "50.00", &card)).await["Result"],
        0
    );
    let refund = s
        .op("PaymentRefund", follow("a-4", json!({"Reference": "X"})))
        .await;
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
    assert_eq!(
        code(&s.op("PaymentSale", pay_body("a-7", "1.00", &card)).await),
        "58"
    );
    assert_eq!(s.available(&card).await, "850.00");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn after_close_and_settlement_the_merchant_is_paid_gross_less_commission() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("1000.00").await;
    s.op("PaymentSale", pay_body("s-1", "200.00", &card)).await;
    s.op("PaymentSale", pay_body("s-2", "100.00", &json!(OFF_US)))
        .await;
    s.op(
        "PaymentRefund",
        follow("s-1", json!({"Reference": "SR", "Amount": 50.00})),
    )
    .await;
    let closed = s
        .op(
            "BatchClose",
            json!({"MerchantNo": MERCHANT, "TerminalNo": TERMINAL}),
        )
        .await;
    assert_eq!(closed["Result"], 0, "{closed}");
    // On-us 200.00 at 1.50 % + 0.10 = 3.10; off-us 100.00 at 2 % = 2.00; the refund takes 50.00 off.
    let (_, summary) = app
        .get(
            &format!("/api/Integration/GetMerchantPaymentSummary?MerchantNo={MERCHANT}"),
            &s.acquirer,
        )
        .await;
    let day = &summary["ResultObject"][0];
    assert_eq!(
        (
            money(&day["GrossAmount"]),
            money(&day["CommissionAmount"]),
            money(&day["NetAmount"])
        ),
        ("250.00".into(), "5.10".into(), "244.90".into()),
        "{summary}"
    );
    let admin = app.admin_token().await;
    let (_, settled) = app
        .post(
            "/api/Admin/RunSettlement",
            &admin,
            json!({"AsOfDate": day["PaymentDate"]}),
        )
        .await;
    assert_eq!(
        (
            settled["ResultObject"]["PaymentsPosted"].clone(),
            money(&settled["ResultObject"]["Amount"])
        ),
        (json!(1), "244.90".into()),
        "{settled}"
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn expire_holds_releases_pre_authorizations_after_the_product_days() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let card = s.funded_debit("500.00").await;
    s.op("PaymentPreSale", pay_body("h-1", "100.00", &card))
        .await;
    let admin = app.admin_token().await;
    // Placed on 2026-03-02: still held on day 6, released from day 7 (hold days 7).
    let (_, early) = app
        .post(
            "/api/Admin/ExpireHolds",
            &admin,
            json!({"AsOfDate": "20260308"}),
        )
        .await;
    assert_eq!(early["ResultObject"]["Released"], 0, "{early}");
    let (_, due) = app
        .post(
            "/api/Admin/ExpireHolds",
            &admin,
            json!({"AsOfDate": "20260309"}),
        )
        .await;
    assert_eq!(
        (
            due["ResultObject"]["Released"].clone(),
            money(&due["ResultObject"]["Amount"])
        ),
        (json!(1), "100.00".into()),
        "{due}"
    );
    assert_eq!(s.available(&card).await, "500.00");
    assert_eq!(order(&app, &s.vpos, "h-1").await["OrderStatus"], "Expired");
    assert_eq!(
        s.op("PaymentVoid", follow("h-1", json!({}))).await["Result"],
        4
    );
    assert_eq!(
        s.op("PaymentPostSale", follow("h-1", json!({}))).await["Result"],
        4
    );
    let (status, refused) = app.post("/api/Admin/ExpireHolds", &s.vpos, json!({})).await;
    assert_result(status, &refused, 403, 6);
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

/// Minor units of a money field, read from its exact text.
fn cents(v: &Value) -> i64 {
    v.to_string().replace('.', "").parse().unwrap()
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
    let charged = cents(&paid[0]["ResultObject"]["Amount"]);
    let left = cents(&balance(&app, &s.issuer, &card).await["AvailableAmount"]);
    assert_eq!(left, 49_000 - charged);
    assert_eq!(open_batch(&app, &s.acquirer).await["SaleCount"], 2);
    ledger_ok(&app).await;
}

#[tokio::test]
async fn an_off_us_request_cut_off_by_a_crash_is_reversed_by_the_sweeper() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let host = app.host.clone();
    let call = cardhost_service::Call {
        caller: cardhost_service::Caller {
            client_id: "crash-test".into(),
            scopes: cardhost_service::Scopes::parse_list("vpos").unwrap(),
            merchant_no: Some(MERCHANT.into()),
        },
        operation: "PaymentSale",
        request_id: String::new(),
    };
    let request = cardhost_service::vpos::payments::PaymentRequest {
        merchant_no: Some(MERCHANT.into()),
        terminal_no: Some(TERMINAL.into()),
        order_id: Some("crash-1".into()),
        amount: Some(cardhost_domain::money::MajorAmount::from_json_number_text(
            "10.91",
        )),
        currency: Some(949),
        card: cardhost_service::issuer::card_ref::CardKey {
            card_no: Some(OFF_US.into()),
            card_token: None,
        },
        expiry_date: Some("2912".into()),
        cvv2: Some(cardhost_domain::secret::Cvv2::new("123")),
        ..Default::default()
    };
    let in_flight = tokio::spawn(async move {
        cardhost_service::vpos::payments::pay(
            &host,
            &call,
            cardhost_service::vpos::VposOp::Sale,
            request,
        )
        .await
    });
    // The network has the authorization; the host "crashes" before any answer.
    app.host.test_network.received.notified().await;
    in_flight.abort();
    assert!(in_flight.await.unwrap_err().is_cancelled());
    assert_eq!(
        order(&app, &s.vpos, "crash-1").await["OrderStatus"],
        "Created"
    );

    // Within twice the network timeout the request might still be waiting: untouched.
    let early = cardhost_service::network::reverse_due(&app.host)
        .await
        .unwrap();
    assert_eq!((early.acknowledged, early.pending), (0, 0));
    app.clock.advance(chrono::Duration::seconds(1));
    let swept = cardhost_service::network::reverse_due(&app.host)
        .await
        .unwrap();
    assert_eq!((swept.acknowledged, swept.pending), (1, 0));
    assert_eq!(
        order(&app, &s.vpos, "crash-1").await["OrderStatus"],
        "Failed"
    );
    let (_, list) = app
        .get(
            &format!("/api/VPos/ListByOrderId?MerchantNo={MERCHANT}&OrderId=crash-1"),
            &s.vpos,
        )
        .await;
    assert_eq!(
        list["ResultObject"],
        json!([]),
        "no transaction was ever answered"
    );
    let db = app.db().await;
    let (status,): (String,) = sqlx::query_as("SELECT status FROM test_network_authorizations")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(status, "Reversed");
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
    let example: Value =
        serde_json::from_str(include_str!("../../../http/api-examples/PaymentSale.json")).unwrap();
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
