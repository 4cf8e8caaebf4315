//! Money moved between cards: card to card, and money send.

use super::*;

/// A debit card holding 300.00 and an empty prepaid card of one customer.
struct Pair {
    funded: Funded,
    to: Value,
}

impl Pair {
    async fn new() -> Pair {
        let funded = Funded::with("300.00").await;
        let to = issue(
            &funded.app,
            &funded.token,
            "Prepaid",
            json!({"IsVirtual": true}),
        )
        .await;
        Pair { funded, to }
    }

    /// `CardToCardBalanceTransfer` of `amount` from the debit card to `target`.
    async fn transfer(&self, reference: &str, amount: &str, target: &Value) -> Value {
        let body = json!({"SourceCardToken": self.funded.card["CardToken"], "TargetCardToken": target["CardToken"],
            "Reference": reference, "Amount": dec(amount), "Currency": 949});
        let app = &self.funded.app;
        app.post(
            "/api/Integration/CardToCardBalanceTransfer",
            &self.funded.token,
            body,
        )
        .await
        .1
    }

    /// The two cards' ledger balances, source first.
    async fn balances(&self) -> (String, String) {
        let (app, token) = (&self.funded.app, &self.funded.token);
        (
            balance(app, token, &self.funded.card).await["LedgerBalance"].to_string(),
            balance(app, token, &self.to).await["LedgerBalance"].to_string(),
        )
    }
}

#[tokio::test]
async fn a_transfer_moves_its_amount_from_one_card_to_the_other() {
    let p = Pair::new().await;
    let body = p.transfer("t1", "120.00", &p.to).await;
    let r = &body["ResultObject"];
    assert_eq!(
        (
            &body["Result"],
            &r["MaskedCardNo"],
            &r["TargetMaskedCardNo"]
        ),
        (
            &json!(0),
            &p.funded.card["MaskedCardNo"],
            &p.to["MaskedCardNo"]
        )
    );
    assert_eq!(p.balances().await, ("180.00".into(), "120.00".into()));
    ledger_ok(&p.funded.app).await;
}

#[tokio::test]
async fn a_repeated_transfer_answers_the_first_and_posts_nothing() {
    let p = Pair::new().await;
    let first = p.transfer("t1", "120.00", &p.to).await;
    let repeat = p.transfer("t1", "120.00", &p.to).await;
    assert_eq!(repeat["ResultObject"], first["ResultObject"]);
    assert_eq!(p.balances().await, ("180.00".into(), "120.00".into()));
}

#[tokio::test]
async fn a_transfer_beyond_the_source_balance_is_declined_51() {
    let p = Pair::new().await;
    assert_eq!(code(&p.transfer("t2", "300.01", &p.to).await), "51");
}

#[tokio::test]
async fn when_the_target_refuses_neither_leg_posts() {
    let p = Pair::new().await;
    let block = json!({"CardToken": p.to["CardToken"], "CardStatus": "T"});
    p.funded
        .app
        .post("/api/Integration/UpdateCardStatus", &p.funded.token, block)
        .await;
    assert_eq!(code(&p.transfer("t3", "50.00", &p.to).await), "62");
    assert_eq!(p.balances().await, ("300.00".into(), "0.00".into()));
    ledger_ok(&p.funded.app).await;
}

#[tokio::test]
async fn a_card_does_not_transfer_to_itself() {
    let p = Pair::new().await;
    assert_eq!(code(&p.transfer("t4", "50.00", &p.funded.card).await), "12");
}

#[tokio::test]
async fn the_target_lists_the_transfer_in() {
    let p = Pair::new().await;
    p.transfer("t1", "120.00", &p.to).await;
    let path = format!(
        "/api/Integration/GetCardTransactions?CardToken={}",
        p.to["CardToken"].as_str().unwrap()
    );
    let (_, list) = p.funded.app.get(&path, &p.funded.token).await;
    let first = &list["ResultObject"]["Items"][0];
    assert_eq!(
        (&first["TransactionType"], first["Amount"].to_string()),
        (&json!("TransferIn"), "120.00".into())
    );
}

async fn money_send(app: &TestApp, token: &str, body: Value) -> Value {
    app.post("/api/Integration/MoneySend", token, body).await.1
}

#[tokio::test]
async fn money_send_credits_an_on_us_card() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let body = money_send(
        &app,
        &token,
        json!({"ReceiverCardToken": card["CardToken"], "Reference": "ms1",
        "Amount": dec("75.25"), "Currency": 949, "SenderName": "ACME PAYROLL"}),
    )
    .await;
    assert_code(&body, "00");
    assert_eq!(body["ResultObject"]["AvailableAmount"].to_string(), "75.25");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn money_send_to_an_off_us_card_is_declined_91_until_a_network_connector_takes_it() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let body = money_send(&app, &token, json!({"ReceiverCardNo": "4111111111111111", "Reference": "ms2", "Amount": 10, "Currency": 949})).await;
    assert_code(&body, "91");
}

#[tokio::test]
async fn money_send_to_an_unknown_card_in_our_own_bin_is_declined_14() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let body = money_send(&app, &token, json!({"ReceiverCardNo": "4100000000000007", "Reference": "ms3", "Amount": 10, "Currency": 949})).await;
    assert_code(&body, "14");
}
