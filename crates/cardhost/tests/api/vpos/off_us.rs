//! Payments on other issuers' cards through the test card network, and the reversals that make them crash safe.

use super::*;

#[tokio::test]
async fn the_test_network_declines_by_amount_and_reverses_what_timed_out() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    for (amount, expected) in [("10.51", "51"), ("10.05", "05"), ("10.54", "54")] {
        let body = s.sale(&format!("n-{amount}"), amount, &json!(OFF_US)).await;
        assert_eq!(
            (body["Result"].clone(), code(&body)),
            (json!(8), expected),
            "{body}"
        );
        assert_eq!(body["ResultObject"]["Network"], "OffUs");
    }
    let ok = s.sale("n-ok", "10.00", &json!(OFF_US)).await;
    assert_eq!((ok["Result"].clone(), code(&ok)), (json!(0), "00"), "{ok}");
    assert_eq!(ok["ResultObject"]["MaskedCardNo"], "411111******1111");

    // 91: the network never answers; the host answers 91 and reverses.
    app.host.test_network.refuse_next_reversals(1);
    let lost = s.sale("n-91", "10.91", &json!(OFF_US)).await;
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
        held.status.name(),
        "Captured",
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
    assert_eq!(undone.status.name(), "Reversed");
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
    s.pre_sale("n-pre", "40.00", &json!(OFF_US)).await;
    let post = s.post_sale("n-pre", json!({"Amount": dec("25.00")})).await;
    assert_eq!(post["Result"], 0, "{post}");
    let refund = s
        .refund("n-pre", json!({"Reference": "NR1", "Amount": dec("5.00")}))
        .await;
    assert_eq!(refund["Result"], 0, "{refund}");
    let void = s.void("n-ok").await;
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
    assert_eq!(reversed.status.name(), "Reversed");

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
