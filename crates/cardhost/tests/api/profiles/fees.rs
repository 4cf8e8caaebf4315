//! Fee profiles: exact rates, whole-list updates and refusals by field.

use super::*;

/// The standard profile FEE-STD: 1.75 % + 0.25 in a day; 2.5 % in 30 days
/// for 2 to 6 installments on credit cards.
async fn standard() -> Profiles {
    let p = Profiles::new().await;
    let (status, body) = p
        .call(Method::POST, "CreatePosFeeProfile", Some(json!({"ProfileCode": "FEE-STD", "ProfileName": "Standard", "Currency": 949, "Rates": [
            {"CardType": "Any", "Network": "Any", "RatePercent": dec("1.75"), "FixedFee": dec("0.25"), "ValueDays": 1},
            {"CardType": "Credit", "InstallmentFrom": 2, "InstallmentTo": 6, "RatePercent": dec("2.5"), "ValueDays": 30}]})))
        .await;
    assert_result(status, &body, 200, 0);
    assert_eq!(body["ResultObject"], json!({"ProfileCode": "FEE-STD"}));
    p
}

#[tokio::test]
async fn a_fee_profile_reads_back_its_exact_rates() {
    let p = standard().await;
    let rates = &p.read("GetPosFeeProfile?ProfileCode=FEE-STD").await["Rates"];
    assert_eq!(
        (
            rates[0]["RatePercent"].to_string(),
            rates[0]["FixedFee"].to_string()
        ),
        ("1.75".into(), "0.25".into())
    );
    let second: Vec<&Value> = [
        "CardType",
        "Network",
        "InstallmentFrom",
        "InstallmentTo",
        "ValueDays",
    ]
    .iter()
    .map(|f| &rates[1][*f])
    .collect();
    assert_eq!(
        second,
        [
            &json!("Credit"),
            &json!("Any"),
            &json!(2),
            &json!(6),
            &json!(30)
        ]
    );
}

#[tokio::test]
async fn an_update_replaces_the_whole_rate_list_and_keeps_the_rest() {
    let p = standard().await;
    let body = p
        .put(
            "UpdatePosFeeProfile",
            json!({"ProfileCode": "FEE-STD", "Rates": [{"RatePercent": dec("0.0001")}]}),
        )
        .await;
    assert_eq!(body["Result"], 0, "{body}");
    let got = p.read("GetPosFeeProfile?ProfileCode=FEE-STD").await;
    let rates = got["Rates"].as_array().unwrap();
    assert_eq!(
        (rates.len(), rates[0]["RatePercent"].to_string()),
        (1, "0.0001".into())
    );
    assert_eq!(got["ProfileName"], "Standard");
}

#[tokio::test]
async fn each_bad_rate_field_is_refused_by_its_place() {
    let p = Profiles::new().await;
    let body = p
        .post("CreatePosFeeProfile", json!({"ProfileCode": "BAD", "ProfileName": "x", "Rates": [
            {"RatePercent": 1}, {"CardType": "Gold", "Network": "Visa", "RatePercent": dec("1.00001"), "InstallmentFrom": 5, "InstallmentTo": 2, "FixedFee": dec("0.001")}]}))
        .await;
    assert_eq!(
        sorted_fields(&body),
        [
            "Rates[1].CardType",
            "Rates[1].FixedFee",
            "Rates[1].InstallmentTo",
            "Rates[1].Network",
            "Rates[1].RatePercent"
        ]
    );
}

#[tokio::test]
async fn a_profile_code_is_taken_once() {
    let p = standard().await;
    let again =
        json!({"ProfileCode": "FEE-STD", "ProfileName": "x", "Rates": [{"RatePercent": 1}]});
    assert_eq!(p.post("CreatePosFeeProfile", again).await["Result"], 3);
}
