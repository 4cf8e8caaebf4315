//! QR payments: `CreateQr` for the merchant, `PayQr` for the payer's wallet.

use base64::Engine;
use cardhost_domain::date::Timestamp;
use cardhost_domain::secret::CardNumber;
use cardhost_service::vpos::qr::{self, CreateQrRequest, PayQrRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{financial, VposResult};
use crate::command::Command;
use crate::envelope::{ApiError, ApiResult, Envelope};
use crate::issuer::cards::card_key;
use crate::wire::Amount;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateQrWire {
    #[schema(example = "100000000001")]
    pub merchant_no: Option<String>,
    #[schema(example = "10000001")]
    pub terminal_no: Option<String>,
    /// 1–64 characters, unique per merchant: the same request again answers the same QR.
    #[schema(example = "ORD-20260302-0004")]
    pub order_id: Option<String>,
    pub amount: Option<Amount>,
    #[schema(example = 949)]
    pub currency: Option<i64>,
    /// Default 300, at most 86400.
    #[schema(example = 300)]
    pub expire_seconds: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateQrResult {
    pub qr_token: String,
    /// The EMV merchant-presented payload, CRC-16/CCITT-FALSE in tag 63.
    pub qr_data: String,
    /// Base64 PNG of QrData, for a phone camera.
    pub qr_image: String,
    /// `yyyyMMddHHmmss` UTC; after it the QR is not paid.
    pub expire_date: Timestamp,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PayQrWire {
    /// The payload the wallet scanned (or QrToken).
    pub qr_data: Option<String>,
    pub qr_token: Option<String>,
    #[schema(example = "5200001234567890")]
    pub card_no: Option<CardNumber>,
    #[schema(example = "9F0C2D4E6A8B1C3D5E7F9A0B2C4D6E8F")]
    pub card_token: Option<String>,
    /// 1–64 characters: the same reference again answers the first outcome.
    #[schema(example = "WALLET-0001")]
    pub reference: Option<String>,
}

/// Present an order as a dynamic EMV QR code: the payer's wallet pays it
/// with PayQr. The order is `Created` until then.
#[utoipa::path(post, path = "/api/VPos/CreateQr", tag = "Virtual POS", operation_id = "CreateQr",
    request_body = CreateQrWire, security(("token" = [])),
    responses((status = 200, description = "Result 0 (order Created); 1 validation; 4 not a Vpos terminal; 6 another merchant's; 7 OrderId used with other content", body = Envelope<CreateQrResult>)))]
pub async fn create_qr(command: Command<CreateQrWire>) -> ApiResult {
    command
        .run(async |host, call, r| {
            let request = CreateQrRequest {
                merchant_no: r.merchant_no,
                terminal_no: r.terminal_no,
                order_id: r.order_id,
                amount: r.amount.map(|a| a.0),
                currency: r.currency,
                expire_seconds: r.expire_seconds,
            };
            let row = qr::create(host, call, request).await?;
            Ok(CreateQrResult {
                qr_image: png_of(&row.qr_data)?,
                qr_token: row.qr_token,
                qr_data: row.qr_data,
                expire_date: Timestamp::from_millis(row.expires_at),
            })
        })
        .await
}

/// Pay a merchant's QR from the payer's wallet with one of this host's cards
/// (scope `issuer`): a sale on the QR's order, which becomes `Paid`.
#[utoipa::path(post, path = "/api/Integration/PayQr", tag = "Issuer: money", operation_id = "PayQr",
    request_body = PayQrWire, security(("token" = [])),
    responses((status = 200, description = "Result 0 approved (order Paid); 8 declined; 4 paid under another reference, or expired; 2 no such QR or card; 1 validation (a QrData whose CRC fails names QrData)", body = Envelope<VposResult>)))]
pub async fn pay_qr(command: Command<PayQrWire>) -> ApiResult {
    command
        .respond(async |host, call, r| {
            let request = PayQrRequest {
                qr_data: r.qr_data,
                qr_token: r.qr_token,
                card: card_key(r.card_no, r.card_token),
                reference: r.reference,
            };
            Ok(financial(qr::pay(host, call, request).await?))
        })
        .await
}

/// Pixels a module, and modules of quiet zone around the code (ISO 18004: 4).
const SCALE: usize = 8;
const QUIET: usize = 4;

/// A greyscale PNG of `data` as a QR code, base64.
fn png_of(data: &str) -> Result<String, ApiError> {
    let internal = |e: String| ApiError::from(cardhost_service::ServiceError::Internal(e));
    let code = qrcode::QrCode::new(data.as_bytes()).map_err(|e| internal(e.to_string()))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
            for y in my * SCALE..(my + 1) * SCALE {
                pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let side = u32::try_from(side).map_err(|e| internal(e.to_string()))?;
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| internal(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| internal(e.to_string()))?;
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(out))
}
