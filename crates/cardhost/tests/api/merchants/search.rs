//! `SearchMerchant`: stable pages and filters.

use super::*;

/// 25 merchants 7000…7024: every fifth in Izmir, the even ones bakeries.
async fn twenty_five() -> Acquirer {
    let a = Acquirer::new().await;
    for i in 0..25 {
        let city = if i % 5 == 0 { "Izmir" } else { "Istanbul" };
        let kind = if i % 2 == 0 { "Bakery" } else { "Books" };
        a.created(json!({"MerchantNo": format!("70{i:02}"), "MerchantName": format!("{kind} {i}"), "City": city}))
            .await;
    }
    a
}

async fn search(a: &Acquirer, query: &str) -> Value {
    let path = format!("/api/Integration/SearchMerchant?{query}");
    a.app.get(&path, &a.token).await.1["ResultObject"].clone()
}

#[tokio::test]
async fn pages_list_every_merchant_once_in_number_order() {
    let a = twenty_five().await;
    let mut seen = Vec::new();
    for page in 1..=3 {
        let found = search(&a, &format!("PageSize=10&Page={page}")).await;
        assert_eq!(found["TotalCount"], 25);
        seen.extend(
            found["Items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["MerchantNo"].clone()),
        );
    }
    let expected: Vec<Value> = (0..25).map(|i| json!(format!("70{i:02}"))).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn name_and_city_filters_ignore_case() {
    let a = twenty_five().await;
    let found = search(&a, "MerchantName=bAkErY&City=izmir").await;
    let names: Vec<&Value> = found["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["MerchantName"])
        .collect();
    assert_eq!(
        names,
        [&json!("Bakery 0"), &json!("Bakery 10"), &json!("Bakery 20")]
    );
}

#[tokio::test]
async fn the_status_filter_finds_only_merchants_in_that_status() {
    let a = Acquirer::new().await;
    a.created(json!({"MerchantNo": "7100"})).await;
    a.created(json!({"MerchantNo": "7101", "MerchantStatus": "Passive"}))
        .await;
    let found = search(&a, "MerchantStatus=Passive").await;
    assert_eq!(
        (&found["TotalCount"], &found["Items"][0]["MerchantNo"]),
        (&json!(1), &json!("7101"))
    );
}

#[tokio::test]
async fn a_status_that_is_not_one_is_refused_naming_it() {
    let a = Acquirer::new().await;
    let path = "/api/Integration/SearchMerchant?MerchantStatus=Activ";
    let names = "must be one of Active, Passive, Closed";
    refused(&a, path, "MerchantStatus", names).await;
}
