//! A virtual POS merchant's own client and store key.

use super::*;

/// A VPOS merchant (600100, its creation's result) beside another (600200),
/// and the VPOS client's token.
async fn vpos_merchant(a: &Acquirer) -> (Value, String) {
    let created = a
        .created(json!({"MerchantNo": "600100", "VposEnabled": true}))
        .await;
    a.created(json!({"MerchantNo": "600200", "MerchantName": "Other"}))
        .await;
    let (_, tok) = a
        .app
        .token_for(
            created["VposClientId"].as_str().unwrap(),
            created["VposClientSecret"].as_str().unwrap(),
        )
        .await;
    let token = tok["ResultObject"]["Token"].as_str().unwrap().to_owned();
    (created, token)
}

#[tokio::test]
async fn a_vpos_merchant_is_created_with_its_client_and_a_48_character_store_key() {
    let a = Acquirer::new().await;
    let (created, _) = vpos_merchant(&a).await;
    assert_eq!(created["VposStoreKey"].as_str().unwrap().len(), 48);
}

#[tokio::test]
async fn the_vpos_client_reads_its_own_merchant_without_the_store_key() {
    let a = Acquirer::new().await;
    let (_, vpos) = vpos_merchant(&a).await;
    let (_, body) = a.merchant_as(&vpos, "600100").await;
    assert_eq!(
        (&body["Result"], &body["ResultObject"]["VposEnabled"]),
        (&json!(0), &json!(true))
    );
    assert!(!body.to_string().contains("VposStoreKey"), "{body}");
}

#[tokio::test]
async fn the_vpos_client_is_refused_another_merchant() {
    let a = Acquirer::new().await;
    let (_, vpos) = vpos_merchant(&a).await;
    let (status, body) = a.merchant_as(&vpos, "600200").await;
    assert_result(status, &body, 403, 6);
}

#[tokio::test]
async fn the_vpos_client_cannot_search_merchants() {
    let a = Acquirer::new().await;
    let (_, vpos) = vpos_merchant(&a).await;
    let (status, _) = a.app.get("/api/Integration/SearchMerchant", &vpos).await;
    assert_eq!(status.as_u16(), 403);
}

#[tokio::test]
async fn the_store_key_is_kept_encrypted() {
    let a = Acquirer::new().await;
    let (created, _) = vpos_merchant(&a).await;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT vpos_store_key FROM merchants WHERE merchant_no = '600100'")
            .fetch_one(&a.app.db().await)
            .await
            .unwrap();
    let key = created["VposStoreKey"].as_str().unwrap();
    assert!(!stored.unwrap().contains(key));
}
