//! The states of what the host records (orders and their transactions, card
//! transactions, holds, batches, merchant payments, reversals, merchants and
//! terminals, clients, messages, 3-D Secure sessions, recurring plans…) and
//! the types of its transactions, declared as one table. Each is stored and
//! sent as its variant's name; a stored name that is not a variant is an
//! error, never a default. An order's moves are methods that answer the next
//! state or why the move is not allowed.

use std::fmt;

/// A stored or sent status that is not one of its kind's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a {kind}")]
pub struct UnknownStatus {
    pub kind: &'static str,
    pub value: String,
}

/// What every kind in the table answers, for code that takes any of them.
pub trait Named: Sized + Copy + 'static {
    fn name(self) -> &'static str;
    fn parse(text: &str) -> Result<Self, UnknownStatus>;
    /// Every name, as a refusal lists them: `A, B, C`.
    fn names() -> String;
}

/// A name stored empty until its value is known: an order's card type and
/// network before a hosted-page or QR order has its card. An empty name is
/// `None`; any other must be one of `T`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Later<T>(pub Option<T>);

impl<T> Default for Later<T> {
    fn default() -> Self {
        Later(None)
    }
}

impl<T: Named> Later<T> {
    /// The name it is stored as: empty while unknown.
    pub fn name(self) -> &'static str {
        self.0.map_or("", T::name)
    }
}

impl<T: Named> TryFrom<String> for Later<T> {
    type Error = UnknownStatus;

    fn try_from(text: String) -> Result<Later<T>, UnknownStatus> {
        if text.is_empty() {
            return Ok(Later(None));
        }
        T::parse(&text).map(|t| Later(Some(t)))
    }
}

macro_rules! statuses {
    ($($(#[$doc:meta])* $name:ident ($kind:literal, new $default:ident) { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? })+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name it is stored and sent as.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant)),+
                }
            }

            /// Every name, as a refusal lists them: `A, B, C`.
            pub fn names() -> String {
                $name::ALL.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
            }

            pub fn parse(text: &str) -> Result<$name, UnknownStatus> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|s| s.name() == text)
                    .ok_or_else(|| UnknownStatus {
                        kind: $kind,
                        value: text.to_owned(),
                    })
            }
        }

        impl Named for $name {
            fn name(self) -> &'static str {
                $name::name(self)
            }

            fn parse(text: &str) -> Result<$name, UnknownStatus> {
                $name::parse(text)
            }

            fn names() -> String {
                $name::names()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        /// What a new record starts as.
        impl Default for $name {
            fn default() -> $name {
                $name::$default
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownStatus;

            fn try_from(text: String) -> Result<$name, UnknownStatus> {
                $name::parse(&text)
            }
        }
    )+};
}

statuses! {
    /// A virtual POS order (spec vpos.md, `OrderStatus`).
    OrderStatus ("order status", new Created) {
        /// Recorded before an off-us network call, or by a payment in flight.
        Created,
        Paid,
        PreAuthorized,
        Captured,
        Voided,
        Refunded,
        PartiallyRefunded,
        /// Its payment was declined or never answered.
        Failed,
        /// Its pre-authorization's hold ran out before a capture.
        Expired,
    }

    /// What a virtual POS transaction does to its order (spec vpos.md); the
    /// type of an order transaction and of its batch row.
    VposOp ("VPOS transaction type", new Sale) {
        Sale,
        PreSale,
        PostSale,
        Void,
        Refund,
    }

    /// A transaction on an order or in a POS batch.
    OrderTxStatus ("order transaction status", new Approved) {
        Approved,
        Declined,
        Voided,
    }

    /// What a card transaction of the issuer is (spec issuer.md,
    /// `SendTransaction`; ledger.md).
    CardTxType ("card transaction type", new Purchase) {
        Purchase,
        CashWithdrawal,
        Refund,
        Reversal,
        PreAuthorization,
        Completion,
        Load,
        /// A card-to-card transfer's debit leg, on the source card.
        TransferOut,
        /// A card-to-card transfer's credit leg, on the target card.
        TransferIn,
        /// A push credit to a receiver card, funded by the issuer.
        MoneySend,
    }

    /// What an authorization profile may allow (acquirer.md,
    /// `AllowedTransactionTypes`): each order transaction type, and
    /// installments, points, QR and recurring payments.
    AllowedType ("allowed transaction type", new Sale) {
        Sale,
        PreSale,
        PostSale,
        Void,
        Refund,
        Installment,
        Point,
        Qr,
        Recurring,
    }

    /// Whose issuer decides a card: this host's (on-us) or another's, through
    /// the card network (off-us). Fee profiles price the two apart.
    Network ("network", new OnUs) {
        OnUs,
        OffUs,
    }

    /// Where a card transaction was made (spec issuer.md, `SendTransaction`).
    Channel ("channel", new Pos) {
        Pos,
        /// E-commerce: the virtual POS's payments, and the day's e-commerce limit.
        Ecom,
        Atm,
        /// Mail or telephone order.
        Moto,
    }

    /// A card transaction of the issuer (spec ledger.md).
    CardTxStatus ("card transaction status", new Approved) {
        Approved,
        Declined,
        /// An approved pre-authorization whose hold is open.
        Held,
        /// A pre-authorization completed.
        Captured,
        /// A purchase refunded in part or in whole.
        Refunded,
        Reversed,
        /// A pre-authorization whose hold ran out.
        Expired,
    }

    /// A card network authorization's reversal, armed before the network is
    /// asked (spec vpos.md, crash safety).
    ReversalStatus ("reversal status", new Armed) {
        /// Waiting for the network's answer; a crash leaves it to the sweeper.
        Armed,
        /// The network answered: nothing to reverse.
        Disarmed,
        /// To be sent (again) at its next attempt.
        Pending,
        /// The network acknowledged the reversal.
        Done,
    }

    /// A hold on a card account's funds.
    HoldStatus ("hold status", new Open) {
        Open,
        /// Captured, released or both.
        Closed,
        /// Released after the product's hold days.
        Expired,
    }

    /// A terminal's POS batch.
    BatchStatus ("batch status", new Open) {
        Open,
        Closed,
    }

    /// What a merchant is owed on one value date (spec acquirer.md).
    PaymentStatus ("merchant payment status", new Pending) {
        Pending,
        /// Posted by `RunSettlement`.
        Paid,
    }

    /// An authorization as the built-in test card network records it.
    NetworkAuthStatus ("network authorization status", new Authorized) {
        Authorized,
        Captured,
        Reversed,
    }

    /// A merchant or terminal, a card acceptor (spec acquirer.md): only an
    /// `Active` one takes payments.
    AcceptorStatus ("merchant or terminal status", new Active) {
        Active,
        Passive,
        Closed,
    }

    /// What kind of terminal takes payments (spec acquirer.md); only a `Vpos`
    /// one takes the virtual POS's.
    TerminalType ("terminal type", new Vpos) {
        Pos,
        Vpos,
        SoftPos,
    }

    /// A card's annual fee (spec issuer.md, `UpdateCardFeeStatus`).
    FeeStatus ("fee status", new Active) {
        Active,
        Waived,
    }

    /// An API client (spec security.md): a revoked one gets no token, and its
    /// tokens are gone.
    ClientStatus ("client status", new Active) {
        Active,
        Revoked,
    }

    /// A physical card's emboss directive, queued for the card bureau.
    DirectiveStatus ("emboss directive status", new Queued) {
        Queued,
        /// Written to the bureau's file.
        Exported,
    }

    /// A message in the SMS outbox.
    MessageStatus ("message status", new Pending) {
        /// Waiting for its next attempt.
        Pending,
        /// Handed to the provider; its secret is gone.
        Sent,
    }

    /// A 3-D Secure session (spec vpos.md, "3-D Secure").
    ThreeDsStatus ("3-D Secure session status", new Pending) {
        /// Waiting for the cardholder's answer on the ACS page.
        Pending,
        Authenticated,
        /// Three wrong answers, or no way to authenticate the card.
        Failed,
    }

    /// How a 3-D Secure session authenticates the cardholder.
    ThreeDsMethod ("3-D Secure method", new Password) {
        /// The card's static 3-D Secure password (`Change3DSPassword`).
        Password,
        /// A 6-digit one-time code sent to the customer's mobile.
        Sms,
        /// The card network authenticated another issuer's card.
        Network,
        /// The card has neither a password nor a mobile number to send a code to.
        Unavailable,
    }

    /// How often a recurring plan pays.
    Frequency ("frequency", new Monthly) {
        Daily,
        Weekly,
        Monthly,
    }

    /// Where an emboss directive sends the plastic (`CreateEmbossDirective`).
    Delivery ("delivery address type", new Home) {
        Home,
        Work,
        Branch,
    }

    /// A recurring plan (spec vpos.md, "Recurring payments").
    RecurringStatus ("recurring plan status", new Active) {
        /// Charged on each due date.
        Active,
        /// Declined three times in a row; new card data makes it active again.
        Suspended,
        /// Its last payment was charged.
        Completed,
        Cancelled,
    }
}

impl VposOp {
    /// Whether the transaction lands in the terminal's batch when approved
    /// (a hold is not a sale; a void marks the voided row instead).
    pub fn batched(self) -> bool {
        matches!(self, VposOp::Sale | VposOp::PostSale | VposOp::Refund)
    }
}

impl CardTxType {
    /// The types `SendTransaction` takes (a load has its own operation).
    pub fn parse_sendable(text: &str) -> Option<CardTxType> {
        use CardTxType::*;
        [
            Purchase,
            CashWithdrawal,
            Refund,
            Reversal,
            PreAuthorization,
            Completion,
        ]
        .into_iter()
        .find(|k| k.name() == text)
    }

    /// Whether the request spends the card's money and so runs the whole
    /// issuer decision.
    pub fn spends(self) -> bool {
        use CardTxType::*;
        matches!(
            self,
            Purchase | CashWithdrawal | PreAuthorization | TransferOut
        )
    }
}

/// The card transaction an on-us payment of this kind is.
impl From<VposOp> for CardTxType {
    fn from(op: VposOp) -> CardTxType {
        match op {
            VposOp::Sale => CardTxType::Purchase,
            VposOp::PreSale => CardTxType::PreAuthorization,
            VposOp::PostSale => CardTxType::Completion,
            VposOp::Void => CardTxType::Reversal,
            VposOp::Refund => CardTxType::Refund,
        }
    }
}

/// What a profile must allow for a transaction of this kind.
impl From<VposOp> for AllowedType {
    fn from(op: VposOp) -> AllowedType {
        match op {
            VposOp::Sale => AllowedType::Sale,
            VposOp::PreSale => AllowedType::PreSale,
            VposOp::PostSale => AllowedType::PostSale,
            VposOp::Void => AllowedType::Void,
            VposOp::Refund => AllowedType::Refund,
        }
    }
}

impl RecurringStatus {
    /// Whether the plan may still change or be charged.
    pub fn is_open(self) -> bool {
        matches!(self, RecurringStatus::Active | RecurringStatus::Suspended)
    }
}

/// Why an order cannot make a move from its state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the order is {from}; {reason}")]
pub struct NotAllowed {
    pub from: OrderStatus,
    pub reason: &'static str,
}

impl OrderStatus {
    fn unless(self, allowed: bool, reason: &'static str) -> Result<(), NotAllowed> {
        if allowed {
            Ok(())
        } else {
            Err(NotAllowed { from: self, reason })
        }
    }

    /// A new payment on this order id: only a `Created` order (its own
    /// payment in flight, or one that never finished) takes one.
    pub fn pay(self, pre_authorize: bool) -> Result<OrderStatus, NotAllowed> {
        self.unless(self == OrderStatus::Created, "its OrderId was used before")?;
        Ok(if pre_authorize {
            OrderStatus::PreAuthorized
        } else {
            OrderStatus::Paid
        })
    }

    pub fn capture(self) -> Result<OrderStatus, NotAllowed> {
        self.unless(
            self == OrderStatus::PreAuthorized,
            "only a pre-authorized order is captured",
        )?;
        Ok(OrderStatus::Captured)
    }

    pub fn void(self) -> Result<OrderStatus, NotAllowed> {
        self.unless(
            matches!(
                self,
                OrderStatus::Paid | OrderStatus::PreAuthorized | OrderStatus::Captured
            ),
            "nothing to void",
        )?;
        Ok(OrderStatus::Voided)
    }

    /// A refund; `all` when it returns the rest of what was captured.
    pub fn refund(self, all: bool) -> Result<OrderStatus, NotAllowed> {
        self.unless(
            matches!(
                self,
                OrderStatus::Paid | OrderStatus::Captured | OrderStatus::PartiallyRefunded
            ),
            "only a paid or captured order is refunded",
        )?;
        Ok(if all {
            OrderStatus::Refunded
        } else {
            OrderStatus::PartiallyRefunded
        })
    }

    /// Its payment was declined or never answered: a `Created` order fails;
    /// any other keeps what it had.
    pub fn fail(self) -> OrderStatus {
        if self == OrderStatus::Created {
            OrderStatus::Failed
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_known_later_is_none_while_empty_and_checked_once_set() {
        let read = |text: &str| Later::<Network>::try_from(text.to_owned());
        assert_eq!(read(""), Ok(Later(None)));
        assert_eq!(read("OffUs"), Ok(Later(Some(Network::OffUs))));
        assert!(read("Visa").is_err());
        assert_eq!(Later(Some(Network::OnUs)).name(), "OnUs");
    }

    #[test]
    fn a_status_is_stored_as_its_name_and_read_back() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.name()), Ok(*s));
        }
        assert_eq!(HoldStatus::Expired.to_string(), "Expired");
    }

    #[test]
    fn an_unknown_stored_status_is_an_error() {
        assert_eq!(
            BatchStatus::parse("closed").unwrap_err().to_string(),
            "'closed' is not a batch status"
        );
    }

    #[test]
    fn a_pre_authorized_order_is_captured_once() {
        let captured = OrderStatus::Created
            .pay(true)
            .and_then(OrderStatus::capture);
        assert_eq!(captured, Ok(OrderStatus::Captured));
        assert!(OrderStatus::Captured.capture().is_err());
    }

    #[test]
    fn refunds_run_from_partial_to_whole_and_then_stop() {
        let partly = OrderStatus::Paid.refund(false);
        assert_eq!(partly, Ok(OrderStatus::PartiallyRefunded));
        assert_eq!(
            OrderStatus::PartiallyRefunded.refund(true),
            Ok(OrderStatus::Refunded)
        );
        assert!(OrderStatus::Refunded.refund(false).is_err());
    }

    #[test]
    fn a_voided_or_failed_order_cannot_be_voided() {
        assert!(OrderStatus::Voided.void().is_err());
        assert!(OrderStatus::Failed.void().is_err());
        assert_eq!(OrderStatus::PreAuthorized.void(), Ok(OrderStatus::Voided));
    }

    #[test]
    fn only_an_order_in_flight_fails() {
        assert_eq!(OrderStatus::Created.fail(), OrderStatus::Failed);
        assert_eq!(OrderStatus::Paid.fail(), OrderStatus::Paid);
    }
}
