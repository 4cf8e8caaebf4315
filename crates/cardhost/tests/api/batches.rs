//! The acquirer's batches: what an open batch holds, what closing it computes
//! (commissions, payables, payment dates), and the merchant payments that
//! settlement pays when due. Every payment is a real virtual POS payment.

use serde_json::{json, Value};

use crate::cards::{issue, setup};
use crate::money::{ledger_ok, load};
use crate::support::*;

const MERCHANT: &str = "555";
const TERMINAL: &str = "VPOS0555";

/// A merchant with one virtual POS terminal under a fee profile of 1.50 % +
/// 0.10 paid the next day, and 2 % paid in 30 days for 2 to 6 installments
/// on credit cards; a debit card holding 1000.00 and a credit card.
struct Shop {
    app: TestApp,
    acquirer: String,
    vpos: String,
    debit: Value,
    credit: Value,
}

async fn shop() -> Shop {
    let app = TestApp::spawn().await;
    let issuer = setup(&app).await;
    let acquirer = app.token("acquirer").await;
    let (_, body) = app
        .post("/api/Integration/CreatePosFeeProfile", &acquirer, json!({"ProfileCode": "FEE", "ProfileName": "Std", "Rates": [
            {"RatePercent": dec("1.5"), "FixedFee": dec("0.10"), "ValueDays": 1},
            {"CardType": "Credit", "InstallmentFrom": 2, "InstallmentTo": 6, "RatePercent": 2, "ValueDays": 30}]}))
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let (_, body) = app
        .post("/api/Integration/CreateMerchantAndTerminal", &acquirer, json!({"Merchant": {"MerchantNo": MERCHANT, "MerchantName": "Shop", "Mcc": "5411",
            "Country": "TR", "Currency": 949, "PosFeeProfileCode": "FEE", "VposEnabled": true}, "Terminals": [{"TerminalType": "Vpos", "TerminalNo": TERMINAL}]}))
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let created = &body["ResultObject"];
    let (_, token) = app
        .token_for(
            created["VposClientId"].as_str().unwrap(),
            created["VposClientSecret"].as_str().unwrap(),
        )
        .await;
    let vpos = token["ResultObject"]["Token"].as_str().unwrap().to_owned();
    let debit = issue(&app, &issuer, "Debit", json!({"IsVirtual": true})).await;
    load(&app, &issuer, &debit, "1000.00", "L1").await;
    let credit = issue(&app, &issuer, "Credit", json!({"IsVirtual": true})).await;
    Shop {
        app,
        acquirer,
        vpos,
        debit,
        credit,
    }
}

impl Shop {
    /// A virtual POS operation of the merchant, which must succeed.
    async fn vpos_op(&self, op: &str, mut body: Value) -> Value {
        body["MerchantNo"] = json!(MERCHANT);
        body["TerminalNo"] = json!(TERMINAL);
        let (_, answer) = self
            .app
            .post(&format!("/api/VPos/{op}"), &self.vpos, body)
            .await;
        assert_eq!(answer["Result"], 0, "{op}: {answer}");
        answer
    }

    /// An approved `PaymentSale` of `amount` with `card`, in `installments`.
    async fn sale(&self, order: &str, amount: &str, card: &Value, installments: u8) {
        let body = json!({"OrderId": order, "Amount": dec(amount), "Currency": 949,
            "CardToken": card["CardToken"], "InstallmentCount": installments});
        self.vpos_op("PaymentSale", body).await;
    }

    async fn refund(&self, order: &str, reference: &str, amount: &str) {
        let body = json!({"OrderId": order, "Reference": reference, "Amount": dec(amount)});
        self.vpos_op("PaymentRefund", body).await;
    }

    /// Three debit sales, a credit sale in 3 installments, and a refund of
    /// 20.00 of the first: 583.33 sold, 20.00 refunded.
    async fn a_days_payments(&self) {
        self.sale("o1", "100.00", &self.debit, 1).await;
        self.sale("o2", "33.33", &self.debit, 1).await;
        self.sale("o3", "250.00", &self.debit, 1).await;
        self.sale("o4", "200.00", &self.credit, 3).await;
        self.refund("o1", "r1", "20.00").await;
    }

    async fn close(&self) -> Value {
        let (status, closed) = self
            .app
            .post(
                "/api/Integration/ClosePosBatch",
                &self.acquirer,
                json!({"TerminalNo": TERMINAL}),
            )
            .await;
        assert_result(status, &closed, 200, 0);
        closed["ResultObject"].clone()
    }

    /// An acquirer read, whose `ResultObject` it answers.
    async fn read(&self, path_and_query: &str) -> Value {
        let (_, body) = self.app.get(path_and_query, &self.acquirer).await;
        assert_eq!(body["Result"], 0, "{body}");
        body["ResultObject"].clone()
    }

    async fn summary(&self, query: &str) -> Value {
        self.read(&format!(
            "/api/Integration/GetPosBatchSummary?TerminalNo={TERMINAL}{query}"
        ))
        .await
    }

    /// Each transaction of the merchant's payment due on `date`, as
    /// (type, gross, commission, net).
    async fn paid_on(&self, date: &str) -> Vec<[String; 4]> {
        let detail = self
            .read(&format!("/api/Integration/GetMerchantPaymentDetail?MerchantNo={MERCHANT}&PaymentDate={date}"))
            .await;
        let fields = [
            "TransactionType",
            "GrossAmount",
            "CommissionAmount",
            "NetAmount",
        ];
        detail["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| fields.map(|f| r[f].as_str().map_or(r[f].to_string(), str::to_owned)))
            .collect()
    }

    /// The balance of a ledger account, in minor units, read from the database.
    async fn ledger_balance(&self, account: &str) -> i64 {
        sqlx::query_scalar("SELECT balance FROM ledger_accounts WHERE ledger_account = $1")
            .bind(account)
            .fetch_one(&self.app.db().await)
            .await
            .unwrap()
    }

    async fn settle(&self, as_of: &str) -> Value {
        let admin = self.app.admin_token().await;
        let body = json!({"AsOfDate": as_of});
        let (_, settled) = self
            .app
            .post("/api/Admin/RunSettlement", &admin, body)
            .await;
        assert_eq!(settled["Result"], 0, "{settled}");
        settled["ResultObject"].clone()
    }
}

/// (type, gross, commission, net) as the API writes them.
fn row(kind: &str, gross: &str, commission: &str, net: &str) -> [String; 4] {
    [kind, gross, commission, net].map(str::to_owned)
}

fn amounts(v: &Value, fields: &[&str]) -> Vec<String> {
    fields.iter().map(|f| v[*f].to_string()).collect()
}

#[tokio::test]
async fn an_open_batch_sums_its_sales_and_refunds() {
    let s = shop().await;
    s.a_days_payments().await;
    let open = s.summary("").await;
    assert_eq!(
        (
            &open["BatchNo"],
            &open["BatchStatus"],
            &open["SaleCount"],
            &open["RefundCount"]
        ),
        (&json!(1), &json!("Open"), &json!(4), &json!(1))
    );
    assert_eq!(
        amounts(&open, &["SaleAmount", "RefundAmount", "NetAmount"]),
        ["583.33", "20.00", "563.33"]
    );
}

#[tokio::test]
async fn the_batch_detail_pages_its_transactions_oldest_first() {
    let s = shop().await;
    s.a_days_payments().await;
    let detail = s
        .read(&format!(
            "/api/Integration/GetPosBatchDetail?TerminalNo={TERMINAL}&PageSize=3"
        ))
        .await;
    let orders: Vec<&Value> = detail["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["OrderId"])
        .collect();
    assert_eq!(detail["TotalCount"], 5);
    assert_eq!(orders, [&json!("o1"), &json!("o2"), &json!("o3")]);
}

#[tokio::test]
async fn a_page_past_any_row_a_listing_can_hold_is_refused_by_name() {
    let s = shop().await;
    let (status, body) = s
        .app
        .get(
            &format!(
                "/api/Integration/GetPosBatchDetail?TerminalNo={TERMINAL}&PageSize=2&Page={}",
                i64::MAX
            ),
            &s.acquirer,
        )
        .await;
    assert_eq!(
        (
            status.as_u16(),
            &body["Result"],
            &body["Errors"][0]["Field"]
        ),
        (200, &json!(1), &json!("Page")),
        "{body}"
    );
}

#[tokio::test]
async fn a_batch_number_with_a_sign_is_refused_naming_it() {
    let s = shop().await;
    let path = format!("/api/Integration/GetPosBatchSummary?TerminalNo={TERMINAL}&BatchNo=%2B1");
    let message = "must be a whole number from 1";
    assert_read_refused(&s.app, &path, &s.acquirer, "BatchNo", message).await;
}

#[tokio::test]
async fn closing_a_batch_closes_it_with_its_totals_and_opens_the_next() {
    let s = shop().await;
    s.a_days_payments().await;
    let closed = s.close().await;
    assert_eq!(
        (
            &closed["BatchStatus"],
            &closed["NextBatchNo"],
            &closed["CloseDate"]
        ),
        (&json!("Closed"), &json!(2), &json!("20260302093000"))
    );
    assert_eq!(
        s.summary("&BatchNo=1").await["NetAmount"].to_string(),
        "563.33"
    );
    let next = s.summary("").await;
    assert_eq!(
        (&next["BatchNo"], &next["SaleCount"]),
        (&json!(2), &json!(0))
    );
}

#[tokio::test]
async fn closing_takes_each_payments_commission_by_the_fee_profile() {
    let s = shop().await;
    s.a_days_payments().await;
    s.close().await;
    // 1.50 % + 0.10: 100.00 → 1.60; 33.33 → 0.49995 → 0.50 + 0.10; 250.00 → 3.85.
    // The refund earns no commission back.
    assert_eq!(
        s.paid_on("20260303").await,
        [
            row("Sale", "100.00", "1.60", "98.40"),
            row("Sale", "33.33", "0.60", "32.73"),
            row("Sale", "250.00", "3.85", "246.15"),
            row("Refund", "-20.00", "0.00", "-20.00"),
        ]
    );
}

#[tokio::test]
async fn an_installment_sale_is_paid_later_at_its_own_rate() {
    let s = shop().await;
    s.a_days_payments().await;
    s.close().await;
    assert_eq!(
        s.paid_on("20260401").await,
        [row("Sale", "200.00", "4.00", "196.00")]
    );
}

#[tokio::test]
async fn closing_owes_the_merchant_gross_less_commission_and_refunds() {
    let s = shop().await;
    s.a_days_payments().await;
    s.close().await;
    let payable = s.ledger_balance("MerchantPayable:555:949").await;
    let fees = s.ledger_balance("AcquirerFeeIncome:949").await;
    assert_eq!((payable, fees), (58333 - 1005 - 2000, 1005));
    ledger_ok(&s.app).await;
}

#[tokio::test]
async fn the_merchants_payments_are_summed_per_payment_date() {
    let s = shop().await;
    s.a_days_payments().await;
    s.close().await;
    let summary = s
        .read(&format!(
            "/api/Integration/GetMerchantPaymentSummary?MerchantNo={MERCHANT}"
        ))
        .await;
    let fields = [
        "PaymentDate",
        "GrossAmount",
        "CommissionAmount",
        "NetAmount",
        "TransactionCount",
        "PaymentStatus",
    ];
    let days: Vec<Vec<String>> = summary
        .as_array()
        .unwrap()
        .iter()
        .map(|d| amounts(d, &fields))
        .collect();
    assert_eq!(
        days,
        [
            [
                "\"20260303\"",
                "363.33",
                "6.05",
                "357.28",
                "4",
                "\"Pending\""
            ],
            [
                "\"20260401\"",
                "200.00",
                "4.00",
                "196.00",
                "1",
                "\"Pending\""
            ],
        ]
    );
}

#[tokio::test]
async fn a_payment_summary_ending_before_it_starts_is_refused_naming_end_date() {
    let s = shop().await;
    let path = format!("/api/Integration/GetMerchantPaymentSummary?MerchantNo={MERCHANT}&StartDate=20261231&EndDate=20260101");
    assert_read_refused(&s.app, &path, &s.acquirer, "EndDate", "is before StartDate").await;
}

#[tokio::test]
async fn check_ledger_names_a_closed_batch_whose_totals_were_changed() {
    let s = shop().await;
    s.a_days_payments().await;
    s.close().await;
    sqlx::query("UPDATE pos_batches SET sale_amount = sale_amount + 1 WHERE batch_no = 1")
        .execute(&s.app.db().await)
        .await
        .unwrap();
    let admin = s.app.admin_token().await;
    let (_, check) = s.app.get("/api/Admin/CheckLedger", &admin).await;
    let violations = &check["ResultObject"]["Violations"];
    assert_eq!(check["ResultObject"]["Ok"], false);
    assert!(
        violations[0]
            .as_str()
            .unwrap()
            .contains("closed batch VPOS0555/1"),
        "{check}"
    );
}

#[tokio::test]
async fn a_fee_profile_changed_before_the_close_sets_the_commission() {
    let s = shop().await;
    s.sale("o1", "100.00", &s.debit, 1).await;
    // The first close reads the profile (and may keep it); the change must still apply to the next.
    s.close().await;
    let (_, changed) = s
        .app
        .put(
            "/api/Integration/UpdatePosFeeProfile",
            &s.acquirer,
            json!({"ProfileCode": "FEE", "Rates": [{"RatePercent": 3, "ValueDays": 1}]}),
        )
        .await;
    assert_eq!(changed["Result"], 0, "{changed}");
    s.sale("o2", "100.00", &s.debit, 1).await;
    s.close().await;
    let detail = s
        .read(&format!(
            "/api/Integration/GetMerchantPaymentDetail?MerchantNo={MERCHANT}&PaymentDate=20260303"
        ))
        .await;
    let commissions: Vec<String> = detail["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["CommissionAmount"].to_string())
        .collect();
    assert_eq!(
        commissions,
        ["1.60", "3.00"],
        "3 % of 100.00 under the changed profile"
    );
}

#[tokio::test]
async fn an_empty_batch_closes() {
    let s = shop().await;
    let closed = s.close().await;
    assert_eq!(
        (
            &closed["BatchNo"],
            &closed["SaleCount"],
            &closed["NextBatchNo"]
        ),
        (&json!(1), &json!(0), &json!(2))
    );
}

#[tokio::test]
async fn concurrent_closes_close_the_batch_once() {
    let s = shop().await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (url, http, token) = (
            s.app.next_url("/api/Integration/ClosePosBatch"),
            s.app.http.clone(),
            s.acquirer.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let res = http
                .post(url)
                .header("token", token)
                .json(&json!({"TerminalNo": TERMINAL}));
            res.send().await.unwrap().json::<Value>().await.unwrap()
        }));
    }
    for t in tasks {
        let body = t.await.unwrap();
        assert_eq!(
            (&body["Result"], &body["ResultObject"]["BatchNo"]),
            (&json!(0), &json!(1)),
            "every concurrent close answers the one close of batch 1: {body}"
        );
    }
    let terminal = s
        .read(&format!(
            "/api/Integration/GetTerminal?TerminalNo={TERMINAL}"
        ))
        .await;
    assert_eq!(terminal["OpenBatchNo"], 2);
}

#[tokio::test]
async fn closing_an_empty_batch_right_after_a_close_repeats_that_close() {
    let s = shop().await;
    s.close().await;
    assert_eq!(s.close().await["BatchNo"], 1);
    assert_eq!(s.summary("").await["BatchNo"], 2);
}

#[tokio::test]
async fn an_empty_batch_closes_again_ten_seconds_after_the_last_close() {
    let s = shop().await;
    s.close().await;
    s.app.clock.advance(chrono::Duration::seconds(11));
    let later = s.close().await;
    assert_eq!(
        (&later["BatchNo"], &later["NextBatchNo"]),
        (&json!(2), &json!(3))
    );
}

#[tokio::test]
async fn closing_an_unknown_terminal_is_not_found() {
    let s = shop().await;
    let (status, body) = s
        .app
        .post(
            "/api/Integration/ClosePosBatch",
            &s.acquirer,
            json!({"TerminalNo": "NOPE0000"}),
        )
        .await;
    assert_result(status, &body, 200, 2);
}

#[tokio::test]
async fn another_merchants_batch_is_not_found_by_a_vpos_client() {
    let s = shop().await;
    let (_, other) = s.app.post("/api/Integration/CreateMerchant", &s.acquirer, json!({"MerchantName": "Other", "Mcc": "5411", "Country": "TR", "Currency": 949, "VposEnabled": true})).await;
    let (_, tok) = s
        .app
        .token_for(
            other["ResultObject"]["VposClientId"].as_str().unwrap(),
            other["ResultObject"]["VposClientSecret"].as_str().unwrap(),
        )
        .await;
    let token = tok["ResultObject"]["Token"].as_str().unwrap();
    let path = format!("/api/Integration/GetPosBatchSummary?TerminalNo={TERMINAL}");
    let (status, body) = s.app.get(&path, token).await;
    assert_result(status, &body, 200, 2);
}

#[tokio::test]
async fn settlement_pays_nothing_before_the_payment_date() {
    let s = shop().await;
    s.a_days_payments().await;
    s.close().await;
    assert_eq!(s.settle("20260302").await["PaymentsPosted"], 0);
}

#[tokio::test]
async fn settlement_pays_what_is_due_once() {
    let s = shop().await;
    s.a_days_payments().await;
    s.close().await;
    let paid = s.settle("20260303").await;
    assert_eq!(
        (
            &paid["MerchantsPaid"],
            &paid["PaymentsPosted"],
            paid["Amount"].to_string()
        ),
        (&json!(1), &json!(1), "357.28".to_owned())
    );
    assert_eq!(s.settle("20260303").await["PaymentsPosted"], 0, "paid once");
}

#[tokio::test]
async fn a_paid_payment_shows_as_paid_within_its_dates() {
    let s = shop().await;
    s.a_days_payments().await;
    s.close().await;
    s.settle("20260303").await;
    let march = s
        .read(&format!("/api/Integration/GetMerchantPaymentSummary?MerchantNo={MERCHANT}&StartDate=20260301&EndDate=20260331"))
        .await;
    let statuses: Vec<&Value> = march
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["PaymentStatus"])
        .collect();
    assert_eq!(statuses, [&json!("Paid")]);
}

#[tokio::test]
async fn once_everything_is_settled_nothing_is_owed_and_all_was_paid_out() {
    let s = shop().await;
    s.a_days_payments().await;
    s.close().await;
    s.settle("20260303").await;
    assert_eq!(s.settle("20260401").await["Amount"].to_string(), "196.00");
    let payable = s.ledger_balance("MerchantPayable:555:949").await;
    let payout = s.ledger_balance("MerchantPayout:949").await;
    assert_eq!((payable, payout), (0, 35728 + 19600));
    ledger_ok(&s.app).await;
}

#[tokio::test]
async fn settlement_needs_an_admin() {
    let s = shop().await;
    let (status, body) = s
        .app
        .post("/api/Admin/RunSettlement", &s.acquirer, json!({}))
        .await;
    assert_result(status, &body, 403, 6);
}
