//! Card security operations: `VerifyCard`, `ResetCvv2RetryCount`, `GetCardPin`,
//! `SendPinBySms`, `CheckPin`, `ChangeCardPin`, `Change3DSPassword`.

use cardhost_domain::response;
use cardhost_domain::secret::{CardNumber, Cvv2, Password, PinBlock, RevealedPinBlock};
use cardhost_service::issuer::card_security as sec;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cards::card_key;
use crate::command::Command;
use crate::envelope::{ok, verdict, ApiResult, Envelope};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyCardRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    /// `yyMM`.
    #[schema(example = "3003")]
    pub expiry_date: Option<String>,
    #[schema(example = "123")]
    pub cvv2: Option<Cvv2>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyCardResult {
    /// `00` match, `54` expiry mismatch, `N7` CVV2 mismatch, `62` CVV2 checks locked.
    #[schema(example = "00")]
    pub response_code: String,
    #[schema(example = "Approved")]
    pub response_message: String,
    pub cvv2_retry_count: i64,
}

/// Check a card's expiry and CVV2. Three wrong CVV2s in a row lock CVV2 checks
/// (`62`) until `ResetCvv2RetryCount`. A failed check is `Result` 8.
#[utoipa::path(post, path = "/api/Integration/VerifyCard", tag = "Issuer: card security", operation_id = "VerifyCard",
    request_body = VerifyCardRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 with 00; 8 with 54, N7 or 62; 1 validation; 2 no such card", body = Envelope<VerifyCardResult>)))]
pub async fn verify_card(command: Command<VerifyCardRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let key = card_key(r.card_no, r.card_token);
            let out = sec::verify_card(host, call, &key, r.expiry_date.as_deref(), r.cvv2.as_ref())
                .await?;
            let result = VerifyCardResult {
                response_code: out.response_code.to_owned(),
                response_message: response::message(out.response_code).to_owned(),
                cvv2_retry_count: out.retry_count,
            };
            Ok(verdict(result, out.response_code))
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CardOnlyRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Cvv2RetryResult {
    pub cvv2_retry_count: i64,
}

/// Unlock CVV2 checks.
#[utoipa::path(post, path = "/api/Integration/ResetCvv2RetryCount", tag = "Issuer: card security", operation_id = "ResetCvv2RetryCount",
    request_body = CardOnlyRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 2 no such card", body = Envelope<Cvv2RetryResult>)))]
pub async fn reset_cvv2_retry_count(command: Command<CardOnlyRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            sec::reset_cvv2_retry_count(host, call, &card_key(r.card_no, r.card_token)).await?;
            Ok(ok(Cvv2RetryResult {
                cvv2_retry_count: 0,
            }))
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct GetCardPinRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    /// ISO 9564 format: 0 (default), 1, 3 (3DES zone key) or 4 (AES zone key).
    #[schema(example = 0)]
    pub pin_block_format: Option<i64>,
    /// The caller's zone PIN key: default `zpk`, or `zpk-aes` for format 4.
    #[schema(example = "zpk")]
    pub key_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PinBlockResult {
    /// Hex; 16 digits for formats 0/1/3, 32 for format 4.
    pub pin_block: RevealedPinBlock,
}

/// The card's PIN as a PIN block under the caller's zone PIN key (scope `pan`; audited).
#[utoipa::path(post, path = "/api/Integration/GetCardPin", tag = "Issuer: card security", operation_id = "GetCardPin",
    request_body = GetCardPinRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 unknown format or key; 2 no such card; 6 no pan scope", body = Envelope<PinBlockResult>)))]
pub async fn get_card_pin(command: Command<GetCardPinRequest>) -> ApiResult {
    command
        .run(async |host, call, r| {
            let key = card_key(r.card_no, r.card_token);
            let format = r.pin_block_format;
            let (block, _) =
                sec::get_card_pin(host, call, &key, format, r.key_name.as_deref()).await?;
            Ok(PinBlockResult {
                pin_block: block.reveal(),
            })
        })
        .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SmsResult {
    #[schema(example = "********4567")]
    pub masked_mobile_no: String,
    pub message_id: String,
}

/// Send the PIN to the customer's mobile through the SMS outbox; the API never sees it.
#[utoipa::path(post, path = "/api/Integration/SendPinBySms", tag = "Issuer: card security", operation_id = "SendPinBySms",
    request_body = CardOnlyRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 queued; 2 no such card; 4 no mobile number or the card is closed", body = Envelope<SmsResult>)))]
pub async fn send_pin_by_sms(command: Command<CardOnlyRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let (masked, id) =
                sec::send_pin_by_sms(host, call, &card_key(r.card_no, r.card_token)).await?;
            Ok(ok(SmsResult {
                masked_mobile_no: masked,
                message_id: id,
            }))
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CheckPinRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    #[schema(example = "4C0906D10308871A")]
    pub pin_block: Option<PinBlock>,
    #[schema(example = 0)]
    pub pin_block_format: Option<i64>,
    #[schema(example = "zpk")]
    pub key_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PinCheckResult {
    /// `00`, `55` wrong PIN, `75` PIN tries exceeded.
    #[schema(example = "00")]
    pub response_code: String,
    pub response_message: String,
    pub pin_retry_count: i64,
}

/// Check a PIN. Three wrong PINs in a row lock PIN use (`75`); the first correct
/// PIN activates a NotActivated card. A failed check is `Result` 8.
#[utoipa::path(post, path = "/api/Integration/CheckPin", tag = "Issuer: card security", operation_id = "CheckPin",
    request_body = CheckPinRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 with 00; 8 with 55 or 75; 1 validation; 2 no such card; 4 the card is closed", body = Envelope<PinCheckResult>)))]
pub async fn check_pin(command: Command<CheckPinRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let key = card_key(r.card_no, r.card_token);
            let out = sec::check_pin(
                host,
                call,
                &key,
                r.pin_block.as_ref(),
                r.pin_block_format,
                r.key_name.as_deref(),
            )
            .await?;
            let result = PinCheckResult {
                response_code: out.response_code.to_owned(),
                response_message: response::message(out.response_code).to_owned(),
                pin_retry_count: out.retry_count,
            };
            Ok(verdict(result, out.response_code))
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ChangePinRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    pub new_pin_block: Option<PinBlock>,
    #[schema(example = 0)]
    pub pin_block_format: Option<i64>,
    #[schema(example = "zpk")]
    pub key_name: Option<String>,
    /// The current PIN; optional for the issuer's own channel.
    pub pin_block: Option<PinBlock>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PinChangeResult {
    #[schema(example = "00")]
    pub response_code: String,
    pub response_message: String,
}

/// Set a new PIN (checking the current one when given); resets the PIN retry count.
#[utoipa::path(post, path = "/api/Integration/ChangeCardPin", tag = "Issuer: card security", operation_id = "ChangeCardPin",
    request_body = ChangePinRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0 with 00; 8 with 55 or 75; 1 validation; 2 no such card", body = Envelope<PinChangeResult>)))]
pub async fn change_card_pin(command: Command<ChangePinRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let key = card_key(r.card_no, r.card_token);
            let out = sec::change_pin(
                host,
                call,
                &key,
                r.new_pin_block.as_ref(),
                r.pin_block.as_ref(),
                r.pin_block_format,
                r.key_name.as_deref(),
            )
            .await?;
            let result = PinChangeResult {
                response_code: out.response_code.to_owned(),
                response_message: response::message(out.response_code).to_owned(),
            };
            Ok(verdict(result, out.response_code))
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ThreeDsPasswordRequest {
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    /// 8–64 characters; stored only as an Argon2id hash.
    pub password: Option<Password>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct MaskedCardResult {
    pub masked_card_no: String,
}

/// Set the static password of the card's 3-D Secure challenge.
#[utoipa::path(post, path = "/api/Integration/Change3DSPassword", tag = "Issuer: card security", operation_id = "Change3DSPassword",
    request_body = ThreeDsPasswordRequest, security(("token" = [])),
    responses((status = 200, description = "Result 0; 1 validation; 2 no such card", body = Envelope<MaskedCardResult>)))]
pub async fn change_3ds_password(command: Command<ThreeDsPasswordRequest>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let view = sec::change_3ds_password(
                host,
                call,
                &card_key(r.card_no, r.card_token),
                r.password.as_ref(),
            )
            .await?;
            Ok(ok(MaskedCardResult {
                masked_card_no: view.card.masked_pan,
            }))
        })
        .await
}
