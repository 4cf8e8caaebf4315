//! `VerifyCard` and the CVV2 try counter.

use super::*;

async fn debit() -> Holder {
    Holder::with("Debit", json!({"IsVirtual": true})).await
}

impl Holder {
    fn cvv2(&self) -> String {
        independent::visa_cvv(TEST_CVK, self.pan(), "3003", "000")
    }

    fn wrong_cvv2(&self) -> String {
        format!("{:03}", (self.cvv2().parse::<u32>().unwrap() + 1) % 1000)
    }

    async fn verify(&self, expiry: &str, cvv2: &str) -> Value {
        self.op("VerifyCard", json!({"ExpiryDate": expiry, "Cvv2": cvv2}))
            .await
    }

    async fn three_wrong_cvv2s(&self) {
        for _ in 0..3 {
            self.verify("3003", &self.wrong_cvv2()).await;
        }
    }
}

#[tokio::test]
async fn the_cards_expiry_and_cvv2_are_approved() {
    let h = debit().await;
    let body = h.verify("3003", &h.cvv2()).await;
    assert_eq!(body["Result"], 0);
    assert_eq!(
        body["ResultObject"],
        json!({"ResponseCode": "00", "ResponseMessage": "Approved", "Cvv2RetryCount": 0})
    );
}

#[tokio::test]
async fn another_expiry_date_is_declined_54() {
    let h = debit().await;
    let body = h.verify("3004", &h.cvv2()).await;
    assert_eq!(
        (&body["Result"], response_code(&body)),
        (&json!(8), &json!("54"))
    );
}

#[tokio::test]
async fn each_wrong_cvv2_in_a_row_is_counted() {
    let h = debit().await;
    for n in 1..=3 {
        let body = h.verify("3003", &h.wrong_cvv2()).await;
        assert_eq!(
            (
                &body["Result"],
                response_code(&body),
                &body["ResultObject"]["Cvv2RetryCount"]
            ),
            (&json!(8), &json!("N7"), &json!(n))
        );
    }
}

#[tokio::test]
async fn after_three_wrong_cvv2s_the_right_one_is_declined_62() {
    let h = debit().await;
    h.three_wrong_cvv2s().await;
    assert_eq!(response_code(&h.verify("3003", &h.cvv2()).await), "62");
}

#[tokio::test]
async fn resetting_the_cvv2_count_unlocks_the_checks() {
    let h = debit().await;
    h.three_wrong_cvv2s().await;
    let reset = h.op("ResetCvv2RetryCount", json!({})).await;
    assert_eq!(reset["ResultObject"], json!({"Cvv2RetryCount": 0}));
    assert_eq!(response_code(&h.verify("3003", &h.cvv2()).await), "00");
}

#[tokio::test]
async fn a_cvv2_of_two_digits_is_refused_by_name() {
    let h = debit().await;
    assert_eq!(error_fields(&h.verify("3003", "12").await), ["Cvv2"]);
}

#[tokio::test]
async fn an_expiry_month_past_12_is_refused_by_name() {
    let h = debit().await;
    assert_eq!(
        error_fields(&h.verify("3013", &h.cvv2()).await),
        ["ExpiryDate"]
    );
}
