//! Money on cards (spec ledger.md): the authorizer that decides and posts
//! every financial request, and the operations and reports built on it.

pub mod apply;
pub mod authorizer;
pub mod decide;
#[cfg(test)]
mod decision_table;
pub mod holds;
pub mod operations;
pub mod order;
pub mod reports;
#[doc(hidden)]
pub mod sample;
pub mod state;
pub mod view;
pub mod writes;

use cardhost_domain::ledger::Transfer;
use cardhost_domain::status::{CardTxType, VposOp};

use crate::ServiceError;

/// The entries as a journal transfer; entries that do not balance are a
/// defect of the host, refused before anything is written.
pub fn balanced<A: Into<String>>(
    entries: impl IntoIterator<Item = (A, i64, i64)>,
) -> Result<Transfer, ServiceError> {
    Transfer::new(entries).map_err(|e| ServiceError::Internal(format!("unbalanced transfer: {e}")))
}

/// Points are journaled in a currency of their own.
pub const POINTS_CURRENCY: i64 = 0;

/// What a financial request asks for (SendTransaction's types plus loads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxKind {
    Purchase,
    CashWithdrawal,
    Refund,
    Reversal,
    PreAuthorization,
    Completion,
    Load,
    /// Card to card: the source's debit leg (the target's row is `TransferIn`).
    Transfer,
    /// A push credit to a receiver card, funded by the issuer.
    MoneySend,
}

/// The card transaction an on-us payment of this kind is.
impl From<VposOp> for TxKind {
    fn from(op: VposOp) -> TxKind {
        match op {
            VposOp::Sale => TxKind::Purchase,
            VposOp::PreSale => TxKind::PreAuthorization,
            VposOp::PostSale => TxKind::Completion,
            VposOp::Void => TxKind::Reversal,
            VposOp::Refund => TxKind::Refund,
        }
    }
}

/// The type a request of this kind is recorded as (a transfer's source leg).
impl From<TxKind> for CardTxType {
    fn from(kind: TxKind) -> CardTxType {
        match kind {
            TxKind::Purchase => CardTxType::Purchase,
            TxKind::CashWithdrawal => CardTxType::CashWithdrawal,
            TxKind::Refund => CardTxType::Refund,
            TxKind::Reversal => CardTxType::Reversal,
            TxKind::PreAuthorization => CardTxType::PreAuthorization,
            TxKind::Completion => CardTxType::Completion,
            TxKind::Load => CardTxType::Load,
            TxKind::Transfer => CardTxType::TransferOut,
            TxKind::MoneySend => CardTxType::MoneySend,
        }
    }
}

impl TxKind {
    pub fn name(self) -> &'static str {
        CardTxType::from(self).name()
    }

    /// The types `SendTransaction` takes (a load has its own operation).
    pub fn parse_sendable(text: &str) -> Option<TxKind> {
        [
            TxKind::Purchase,
            TxKind::CashWithdrawal,
            TxKind::Refund,
            TxKind::Reversal,
            TxKind::PreAuthorization,
            TxKind::Completion,
        ]
        .into_iter()
        .find(|k| k.name() == text)
    }

    /// Whether the request spends the card's money and so runs the whole issuer decision.
    pub fn spends(self) -> bool {
        matches!(
            self,
            TxKind::Purchase | TxKind::CashWithdrawal | TxKind::PreAuthorization | TxKind::Transfer
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Pos,
    Ecom,
    Atm,
    Moto,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::Pos => "Pos",
            Channel::Ecom => "Ecom",
            Channel::Atm => "Atm",
            Channel::Moto => "Moto",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        [Channel::Pos, Channel::Ecom, Channel::Atm, Channel::Moto]
            .into_iter()
            .find(|c| c.name() == text)
    }
}
