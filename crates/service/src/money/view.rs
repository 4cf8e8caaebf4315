//! Card transactions as the issuer's operations report them: amounts in
//! minor units of a typed currency, times as timestamps, no store rows.

use cardhost_domain::date::Timestamp;
use cardhost_domain::status::{CardTxStatus, CardTxType, Channel};
use cardhost_domain::Currency;
use cardhost_store::ledger::CardTxRow;

use super::decide::TxOutcome;

#[derive(Debug, Clone)]
pub struct Transaction {
    pub process_id: i64,
    pub reference: String,
    pub transaction_type: CardTxType,
    pub amount: i64,
    pub currency: Currency,
    pub channel: Channel,
    pub mcc: Option<String>,
    pub merchant_name: Option<String>,
    pub response_code: String,
    pub auth_code: String,
    pub rrn: String,
    pub status: CardTxStatus,
    pub installment_count: i64,
    pub point_amount: i64,
    /// What the card could spend right after it.
    pub available_after: i64,
    pub at: Timestamp,
    /// The card, masked, when the caller named it (a decided request).
    pub masked_card_no: String,
    /// Card to card: the credited card, masked.
    pub target_masked_card_no: Option<String>,
}

impl From<CardTxRow> for Transaction {
    fn from(t: CardTxRow) -> Transaction {
        Transaction {
            process_id: t.process_id,
            reference: t.reference,
            transaction_type: t.transaction_type,
            amount: t.amount,
            currency: t.currency,
            channel: t.channel,
            mcc: t.mcc,
            merchant_name: t.merchant_name,
            response_code: t.response_code,
            auth_code: t.auth_code,
            rrn: t.rrn,
            status: t.status,
            installment_count: t.installment_count,
            point_amount: t.point_amount,
            available_after: t.available_after,
            at: Timestamp::from_millis(t.created_at),
            masked_card_no: String::new(),
            target_masked_card_no: None,
        }
    }
}

impl From<TxOutcome> for Transaction {
    fn from(o: TxOutcome) -> Transaction {
        Transaction {
            masked_card_no: o.masked_pan,
            target_masked_card_no: o.target_masked_pan,
            ..Transaction::from(o.row)
        }
    }
}
