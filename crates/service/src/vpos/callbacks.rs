//! `ExplainHash`: what the host signs in a callback, for a merchant whose own
//! hash does not match. It answers the signed string and the expected hash,
//! never the store key.

use cardhost_crypto::secret::constant_time_eq;
use cardhost_domain::FieldErrors;
use cardhost_store::merchants;

use super::check_access;
use super::three_ds::acs::callback_hash;
use crate::host::{Call, Host};
use crate::ServiceError;

/// Which callback a hash belongs to, and the fields it signs, in order.
pub enum Signed {
    /// The ACS page's return: `ThreeDSessionId + OrderId + MdStatus`.
    ThreeD {
        session_id: String,
        order_id: String,
        md_status: String,
    },
    /// The payment page's return: `OrderToken + OrderId + ResponseCode`.
    Order {
        order_token: String,
        order_id: String,
        response_code: String,
    },
}

/// The fields of an `ExplainHash` request as sent.
#[derive(Default)]
pub struct ExplainInput {
    pub merchant_no: String,
    pub kind: Option<String>,
    pub session_id: Option<String>,
    pub order_id: Option<String>,
    pub md_status: Option<String>,
    pub order_token: Option<String>,
    pub response_code: Option<String>,
    pub hash: Option<String>,
}

pub struct Explanation {
    pub signed_string: String,
    pub expected_hash: String,
    pub matches: bool,
}

/// Recomputes the callback's hash under the merchant's store key and says
/// whether the merchant's own matches it.
pub async fn explain_hash(
    host: &Host,
    call: &Call,
    input: ExplainInput,
) -> Result<Explanation, ServiceError> {
    let (signed, hash) = validate(&input)?;
    check_access(call, &input.merchant_no)?;
    let merchant = merchants::merchant(host.db.reader(), &input.merchant_no)
        .await?
        .ok_or_else(|| {
            ServiceError::NotFound(format!("Merchant {} not found.", input.merchant_no))
        })?;
    let Some(store_key) = merchant.vpos_store_key.as_deref() else {
        return Err(ServiceError::NotAllowed(format!(
            "Merchant {} has no VPOS store key: it signs no callbacks.",
            input.merchant_no
        )));
    };
    let parts = signed.parts();
    let expected_hash = callback_hash(host, Some(store_key), &parts)?;
    Ok(Explanation {
        signed_string: parts.concat(),
        matches: constant_time_eq(hash.as_bytes(), expected_hash.as_bytes()),
        expected_hash,
    })
}

impl Signed {
    fn parts(&self) -> [&str; 3] {
        match self {
            Signed::ThreeD {
                session_id,
                order_id,
                md_status,
            } => [session_id, order_id, md_status],
            Signed::Order {
                order_token,
                order_id,
                response_code,
            } => [order_token, order_id, response_code],
        }
    }
}

/// Every missing or unknown field named at once.
fn validate(input: &ExplainInput) -> Result<(Signed, String), ServiceError> {
    let mut errors = FieldErrors::new();
    let mut field = |name: &str, value: Option<&String>| match value {
        Some(v) if !v.is_empty() => v.clone(),
        _ => {
            errors.push(name, "is required");
            String::new()
        }
    };
    field("MerchantNo", Some(&input.merchant_no));
    let hash = field("Hash", input.hash.as_ref());
    let order_id = field("OrderId", input.order_id.as_ref());
    let signed = match input.kind.as_deref() {
        Some("ThreeD") => Some(Signed::ThreeD {
            session_id: field("ThreeDSessionId", input.session_id.as_ref()),
            order_id,
            md_status: field("MdStatus", input.md_status.as_ref()),
        }),
        Some("Order") => Some(Signed::Order {
            order_token: field("OrderToken", input.order_token.as_ref()),
            order_id,
            response_code: field("ResponseCode", input.response_code.as_ref()),
        }),
        _ => None,
    };
    match signed {
        Some(signed) if errors.is_empty() => Ok((signed, hash)),
        signed => {
            if signed.is_none() {
                errors.push("Kind", "must be ThreeD or Order");
            }
            Err(ServiceError::Validation(errors))
        }
    }
}
