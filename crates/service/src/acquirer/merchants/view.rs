//! Merchants and terminals as the acquirer's operations show them: without
//! the store key and bookkeeping times, VPOS as a flag.

use cardhost_domain::status::{AcceptorStatus, TerminalType};
use cardhost_domain::Currency;
use cardhost_store::merchants::{MerchantRow, TerminalRow};

#[derive(Debug, Clone)]
pub struct Merchant {
    pub merchant_no: String,
    pub merchant_name: String,
    pub trade_name: Option<String>,
    pub mcc: String,
    pub tax_no: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country: String,
    pub zip_code: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub iban: Option<String>,
    pub currency: Currency,
    pub pos_fee_profile_code: Option<String>,
    pub pos_authorization_profile_code: Option<String>,
    pub commission_profile_code: Option<String>,
    pub merchant_status: AcceptorStatus,
    pub vpos_enabled: bool,
    /// `yyyyMMdd`.
    pub open_date: String,
}

impl From<MerchantRow> for Merchant {
    fn from(m: MerchantRow) -> Merchant {
        Merchant {
            currency: m.currency,
            vpos_enabled: m.vpos_enabled != 0,
            merchant_no: m.merchant_no,
            merchant_name: m.merchant_name,
            trade_name: m.trade_name,
            mcc: m.mcc,
            tax_no: m.tax_no,
            address: m.address,
            city: m.city,
            country: m.country,
            zip_code: m.zip_code,
            email: m.email,
            phone: m.phone,
            iban: m.iban,
            pos_fee_profile_code: m.pos_fee_profile_code,
            pos_authorization_profile_code: m.pos_authorization_profile_code,
            commission_profile_code: m.commission_profile_code,
            merchant_status: m.merchant_status,
            open_date: m.open_date,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Terminal {
    pub terminal_no: String,
    pub merchant_no: String,
    pub terminal_type: TerminalType,
    pub serial_no: Option<String>,
    pub model: Option<String>,
    pub terminal_status: AcceptorStatus,
    pub pos_authorization_profile_code: Option<String>,
    pub pos_fee_profile_code: Option<String>,
    pub address: Option<String>,
    /// The batch now collecting the terminal's transactions.
    pub open_batch_no: i64,
}

impl From<TerminalRow> for Terminal {
    fn from(t: TerminalRow) -> Terminal {
        Terminal {
            terminal_no: t.terminal_no,
            merchant_no: t.merchant_no,
            terminal_type: t.terminal_type,
            serial_no: t.serial_no,
            model: t.model,
            terminal_status: t.terminal_status,
            pos_authorization_profile_code: t.pos_authorization_profile_code,
            pos_fee_profile_code: t.pos_fee_profile_code,
            address: t.address,
            open_batch_no: t.open_batch_no,
        }
    }
}
