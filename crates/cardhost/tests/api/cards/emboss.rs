//! Emboss directives and the file for the card bureau.

use super::*;
use cardhost_service::issuer::emboss;

/// A physical credit card embossed "AYSE YILMAZ" and a virtual debit card.
async fn cards() -> (TestApp, String, Value, Value) {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let card = issue(&app, &token, "Credit", json!({"EmbossName": "AYSE YILMAZ"})).await;
    let virt = issue(&app, &token, "Debit", json!({"IsVirtual": true})).await;
    (app, token, card, virt)
}

async fn directive(app: &TestApp, token: &str, card: &Value, fields: Value) -> Value {
    let mut body = fields;
    body["CardToken"] = card["CardToken"].clone();
    app.post("/api/Integration/CreateEmbossDirective", token, body)
        .await
        .1
}

/// The card queued for the bureau at branch 0042, exported to a file in
/// `dir`; the file's one record.
async fn exported(app: &TestApp, token: &str, card: &Value, dir: &std::path::Path) -> String {
    let queued = directive(
        app,
        token,
        card,
        json!({"DeliveryAddressType": "Branch", "BranchCode": "0042"}),
    )
    .await;
    assert_eq!(queued["Result"], 0, "{queued}");
    let out = dir.join("emboss.txt");
    assert_eq!(
        emboss::export(&app.host, "test", &out, &mut |_, _| {})
            .await
            .unwrap(),
        1
    );
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_directive_is_queued_for_a_physical_card() {
    let (app, token, card, _) = cards().await;
    let body = directive(
        &app,
        &token,
        &card,
        json!({"DeliveryAddressType": "Branch", "BranchCode": "0042"}),
    )
    .await;
    let r = &body["ResultObject"];
    assert_eq!(
        (&body["Result"], &r["Status"], &r["MaskedCardNo"]),
        (&json!(0), &json!("Queued"), &card["MaskedCardNo"])
    );
}

#[tokio::test]
async fn a_virtual_card_is_not_embossed() {
    let (app, token, _, virt) = cards().await;
    let body = directive(&app, &token, &virt, json!({"DeliveryAddressType": "Home"})).await;
    assert_eq!(body["Result"], 4);
}

#[tokio::test]
async fn delivery_to_a_branch_needs_its_code() {
    let (app, token, card, _) = cards().await;
    let body = directive(
        &app,
        &token,
        &card,
        json!({"DeliveryAddressType": "Branch"}),
    )
    .await;
    assert_eq!(error_fields(&body), ["BranchCode"]);
}

#[tokio::test]
async fn the_bureau_file_is_readable_by_its_owner_only() {
    let (app, token, card, _) = cards().await;
    let dir = tempfile::tempdir().unwrap();
    exported(&app, &token, &card, dir.path()).await;
    let meta = std::fs::metadata(dir.path().join("emboss.txt")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o600
    );
}

#[tokio::test]
async fn a_bureau_record_holds_the_card_its_name_expiry_and_delivery() {
    let (app, token, card, _) = cards().await;
    let dir = tempfile::tempdir().unwrap();
    let record = exported(&app, &token, &card, dir.path()).await;
    let pan = card["CardNo"].as_str().unwrap();
    assert_eq!(record.len(), emboss::RECORD_WIDTH);
    assert_eq!(
        (&record[..19], &record[19..45], &record[45..52]),
        (
            format!("{pan:<19}").as_str(),
            format!("{:<26}", "AYSE YILMAZ").as_str(),
            "3003201"
        )
    );
    assert!(record.ends_with("Branch0042      "), "{record}");
}

#[tokio::test]
async fn track_2_carries_the_icvv_an_independent_implementation_computes() {
    let (app, token, card, _) = cards().await;
    let dir = tempfile::tempdir().unwrap();
    let record = exported(&app, &token, &card, dir.path()).await;
    let pan = card["CardNo"].as_str().unwrap();
    let icvv = independent::visa_cvv(TEST_CVK, pan, "3003", "999");
    let track2 = record[131..171].trim_end();
    assert!(
        track2.starts_with(&format!("{pan}=3003201")) && track2.ends_with(&icvv),
        "{track2}"
    );
}

#[tokio::test]
async fn an_exported_directive_is_not_written_again() {
    let (app, token, card, _) = cards().await;
    let dir = tempfile::tempdir().unwrap();
    exported(&app, &token, &card, dir.path()).await;
    let again = emboss::export(
        &app.host,
        "test",
        &dir.path().join("second.txt"),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(again, 0);
}

#[tokio::test]
async fn an_export_never_overwrites_a_file() {
    let (app, token, card, _) = cards().await;
    let dir = tempfile::tempdir().unwrap();
    exported(&app, &token, &card, dir.path()).await;
    let reissue = directive(&app, &token, &card, json!({"DeliveryAddressType": "Home"})).await;
    assert_eq!(reissue["Result"], 0, "something to write: {reissue}");
    assert!(emboss::export(
        &app.host,
        "test",
        &dir.path().join("emboss.txt"),
        &mut |_, _| {}
    )
    .await
    .is_err());
}
