//! Many requests at once on one card: never more than is there, never twice.

use super::*;

#[tokio::test]
async fn two_hundred_concurrent_purchases_never_overspend() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    assert_eq!(load(&app, &token, &card, "500.00", "L1").await["Result"], 0);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let url = app.next_url(SEND);
        let http = app.http.clone();
        let token = token.clone();
        let card_token = card["CardToken"].as_str().unwrap().to_owned();
        tasks.push(tokio::spawn(async move {
            let body = json!({"CardToken": card_token, "Reference": format!("c-{i}"), "TransactionType": "Purchase", "Amount": dec("10.00"), "Currency": 949});
            let res = http.post(url).header("token", token).json(&body).send().await.unwrap();
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
        let url = app.next_url(SEND);
        let http = app.http.clone();
        let token = token.clone();
        let card_token = card["CardToken"].as_str().unwrap().to_owned();
        tasks.push(tokio::spawn(async move {
            let body = json!({"CardToken": card_token, "Reference": "same-ref", "TransactionType": "Purchase", "Amount": dec("12.34"), "Currency": 949});
            let res = http.post(url).header("token", token).json(&body).send().await.unwrap();
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

/// Makes the database itself refuse any card transaction with `reference`.
async fn refuse_reference(app: &TestApp, reference: &str) {
    let db = app.db().await;
    let statements = if app.db_url.starts_with("sqlite:") {
        vec![format!(
            "CREATE TRIGGER refuse BEFORE INSERT ON card_transactions WHEN NEW.reference = '{reference}' \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )]
    } else {
        vec![
            format!(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN \
                 IF NEW.reference = '{reference}' THEN RAISE EXCEPTION 'refused by the test'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER refuse BEFORE INSERT ON card_transactions \
             FOR EACH ROW EXECUTE FUNCTION refuse()"
                .to_owned(),
        ]
    };
    for sql in statements {
        sqlx::query(&sql).execute(&db).await.unwrap();
    }
}

#[tokio::test]
async fn a_request_the_database_refuses_fails_alone_and_the_others_post() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Prepaid", json!({"IsVirtual": true})).await;
    assert_eq!(load(&app, &token, &card, "500.00", "L1").await["Result"], 0);
    refuse_reference(&app, "boom").await;
    let mut tasks = Vec::new();
    for reference in (0..19)
        .map(|i| format!("ok-{i}"))
        .chain(["boom".to_owned()])
    {
        let (url, http, token) = (app.next_url(SEND), app.http.clone(), token.clone());
        let card_token = card["CardToken"].as_str().unwrap().to_owned();
        tasks.push(tokio::spawn(async move {
            let body = json!({"CardToken": card_token, "Reference": reference, "TransactionType": "Purchase", "Amount": dec("10.00"), "Currency": 949});
            let res = http.post(url).header("token", token).json(&body).send().await.unwrap();
            (reference, res.json::<Value>().await.unwrap())
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        let (reference, body) = t.await.unwrap();
        answers.push((reference == "boom", body["Result"].as_i64().unwrap()));
    }
    answers.sort();
    let mut expected = vec![(false, 0); 19];
    expected.push((true, 99));
    assert_eq!(answers, expected);
    // The writer is usable afterwards: nothing was left half done.
    let after = send(&app, &token, &card, "after", "10.00", json!({})).await;
    assert_eq!(after["Result"], 0, "{after}");
    let b = balance(&app, &token, &card).await;
    assert_eq!(b["LedgerBalance"].to_string(), "300.00");
    ledger_ok(&app).await;
}
