//! Reading cards back: tokens, PAN reads, the customer's cards, emboss files.

use super::*;

#[tokio::test]
async fn tokens_are_stable_and_only_for_our_cards() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Debit", json!({})).await;
    for _ in 0..2 {
        let (status, body) = app
            .post(
                "/api/Integration/TokenizeCardNo",
                &token,
                json!({"CardNo": card["CardNo"]}),
            )
            .await;
        assert_result(status, &body, 200, 0);
        assert_eq!(body["ResultObject"]["CardToken"], card["CardToken"]);
    }
    let (_, body) = app
        .post(
            "/api/Integration/TokenizeCardNo",
            &token,
            json!({"CardNo": "4111111111111111"}),
        )
        .await;
    assert_eq!(body["Result"], 2);
    let (_, body) = app
        .post(
            "/api/Integration/TokenizeCardNo",
            &token,
            json!({"CardNo": "4111111111111112"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["CardNo"]);
    let (_, body) = app.get("/api/Integration/GetCardInfo", &token).await;
    assert_eq!(
        error_fields(&body),
        ["CardNo"],
        "neither CardNo nor CardToken"
    );
    let (_, body) = app
        .get("/api/Integration/GetCardInfo?CardToken=00", &token)
        .await;
    assert_eq!(body["Result"], 2);
}

#[tokio::test]
async fn deprecated_pan_reads_work_and_are_audited() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({})).await;
    let pan = card["CardNo"].as_str().unwrap();
    let (status, body) = app
        .get(
            &format!(
                "/api/Integration/GetCardNo?CardToken={}",
                card["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["CardNo"], pan);
    let (_, body) = app
        .get(
            &format!("/api/Integration/GetCardPrivateInfo?CardNo={pan}"),
            &token,
        )
        .await;
    let info = &body["ResultObject"];
    assert_eq!(info["CardNo"], pan);
    assert_eq!(info["ExpiryDate"], "3003");
    // The host's CVV2 equals the independent implementation's for the same CVK.
    assert_eq!(
        info["Cvv2"],
        independent::visa_cvv(TEST_CVK, pan, "3003", "000")
    );
    let db = app.db().await;
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT operation, object_key FROM audit_log WHERE operation IN ('GetCardNo', 'GetCardPrivateInfo') ORDER BY audit_id")
            .fetch_all(&db)
            .await
            .unwrap();
    let masked = card["MaskedCardNo"].as_str().map(str::to_owned);
    assert_eq!(
        rows,
        [
            ("GetCardNo".to_owned(), masked.clone()),
            ("GetCardPrivateInfo".to_owned(), masked)
        ]
    );
    let doc: Value = app.raw_get("/openapi.json").await.json().await.unwrap();
    assert_eq!(
        doc["paths"]["/api/Integration/GetCardNo"]["get"]["deprecated"],
        true
    );
    assert_eq!(
        doc["paths"]["/api/Integration/GetCardPrivateInfo"]["get"]["deprecated"],
        true
    );
}

#[tokio::test]
async fn card_customer_info_lists_the_cards() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let credit = issue(&app, &token, "Credit", json!({})).await;
    let debit = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let (status, body) = app
        .get(
            &format!(
                "/api/Integration/GetCardCustomerInfo?CardToken={}",
                debit["CardToken"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_result(status, &body, 200, 0);
    let c = &body["ResultObject"];
    assert_eq!(c["CustomerNo"], CUSTOMER);
    assert_eq!(
        c["Cards"],
        json!([
            {"MaskedCardNo": credit["MaskedCardNo"], "CardToken": credit["CardToken"], "CardType": "Credit",
             "ProductCode": "CLASSIC-CREDIT", "CardStatus": "N", "ExpiryDate": "3003"},
            {"MaskedCardNo": debit["MaskedCardNo"], "CardToken": debit["CardToken"], "CardType": "Debit",
             "ProductCode": "STANDARD-DEBIT", "CardStatus": "A", "ExpiryDate": "3003"}
        ])
    );
}

#[tokio::test]
async fn emboss_directives_and_the_bureau_file() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({"EmbossName": "AYSE YILMAZ"})).await;
    let virt = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    let (status, body) = app
        .post("/api/Integration/CreateEmbossDirective", &token, json!({"CardToken": card["CardToken"], "DeliveryAddressType": "Branch", "BranchCode": "0042"}))
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"]["Status"], "Queued");
    assert_eq!(body["ResultObject"]["MaskedCardNo"], card["MaskedCardNo"]);
    let (_, body) = app
        .post(
            "/api/Integration/CreateEmbossDirective",
            &token,
            json!({"CardToken": virt["CardToken"], "DeliveryAddressType": "Home"}),
        )
        .await;
    assert_eq!(body["Result"], 4);
    let (_, body) = app
        .post(
            "/api/Integration/CreateEmbossDirective",
            &token,
            json!({"CardToken": card["CardToken"], "DeliveryAddressType": "Branch"}),
        )
        .await;
    assert_eq!(error_fields(&body), ["BranchCode"]);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("emboss.txt");
    let written = cardhost_service::issuer::emboss::export(&app.host, "test", &out)
        .await
        .unwrap();
    assert_eq!(written, 1);
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(&out).unwrap();
    let record = text.lines().next().unwrap();
    assert_eq!(record.len(), cardhost_service::issuer::emboss::RECORD_WIDTH);
    let pan = card["CardNo"].as_str().unwrap();
    let icvv = independent::visa_cvv(TEST_CVK, pan, "3003", "999");
    assert_eq!(&record[..19], format!("{pan:<19}"));
    assert_eq!(&record[19..45], format!("{:<26}", "AYSE YILMAZ"));
    assert_eq!(&record[45..52], "3003201");
    let track2 = record[131..171].trim_end();
    assert!(
        track2.starts_with(&format!("{pan}=3003201")) && track2.ends_with(&icvv),
        "{track2}"
    );
    assert!(record.ends_with("Branch0042      "), "{record}");
    let again =
        cardhost_service::issuer::emboss::export(&app.host, "test", &dir.path().join("second.txt"))
            .await
            .unwrap();
    assert_eq!(again, 0, "exported directives are not written twice");
    assert!(
        cardhost_service::issuer::emboss::export(&app.host, "test", &out)
            .await
            .is_err(),
        "never overwrites"
    );
}
