//! Balance rules of spec ledger.md: balanced transfers, and "What the host
//! reports".

use std::collections::BTreeMap;
use std::fmt;

use crate::money::{Currency, UnknownCurrency};
use crate::product::CardType;
use crate::status::{CardTxType, VposOp};

/// Why a transfer was posted; its header stores [`TransferKind::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferKind {
    /// A card transaction, by its type.
    Card(CardTxType),
    /// An off-us order transaction the network settles.
    OffUs(VposOp),
    BatchClose,
    Settlement,
}

impl TransferKind {
    pub fn name(self) -> &'static str {
        match self {
            TransferKind::Card(kind) => kind.name(),
            TransferKind::OffUs(VposOp::Sale) => "OffUsSale",
            TransferKind::OffUs(VposOp::PreSale) => "OffUsPreSale",
            TransferKind::OffUs(VposOp::PostSale) => "OffUsCapture",
            TransferKind::OffUs(VposOp::Void) => "OffUsVoid",
            TransferKind::OffUs(VposOp::Refund) => "OffUsRefund",
            TransferKind::BatchClose => "BatchClose",
            TransferKind::Settlement => "Settlement",
        }
    }
}

/// What a ledger account counts: money in a currency, or loyalty points. The
/// journal stores it as the currency's numeric code, and points as 0, so
/// that every check of the journal groups by one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    Money(Currency),
    Points,
}

impl From<Currency> for Unit {
    fn from(currency: Currency) -> Unit {
        Unit::Money(currency)
    }
}

/// A stored unit: 0 is points, any other code must be a currency.
impl TryFrom<i64> for Unit {
    type Error = UnknownCurrency;

    fn try_from(code: i64) -> Result<Unit, UnknownCurrency> {
        match code {
            0 => Ok(Unit::Points),
            code => Currency::try_from(code).map(Unit::Money),
        }
    }
}

impl From<Unit> for i64 {
    fn from(unit: Unit) -> i64 {
        match unit {
            Unit::Money(currency) => i64::from(currency),
            Unit::Points => 0,
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unit::Money(currency) => write!(f, "currency {currency}"),
            Unit::Points => f.write_str("points"),
        }
    }
}

/// A ledger account, by what it holds (spec ledger.md). The journal stores it
/// by [`Account::name`]; no other code spells account names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account<'a> {
    /// A card account's money, by account number.
    Card(&'a str),
    /// A card account's loyalty points.
    Points(&'a str),
    /// Where loads come from.
    IssuerFunding(Currency),
    /// On-us card money between the issuer and the acquirer side.
    OnUsClearing(Currency),
    /// Off-us money between the card network and the acquirer side.
    NetworkClearing(Currency),
    /// What one card network owes the host (negative) or is owed.
    Network(&'a str, Currency),
    /// The other side of points: earned and spent (in points), and money
    /// paid in points (in that money).
    PointsFunding(Unit),
    /// Commissions the acquirer earned.
    AcquirerFeeIncome(Currency),
    /// What the host owes a merchant.
    MerchantPayable(&'a str, Currency),
    /// What has been paid out to merchants.
    MerchantPayout(Currency),
}

impl Account<'_> {
    /// The host accounts every product currency has from the start.
    pub fn host_accounts(currency: Currency) -> [Account<'static>; 3] {
        [
            Account::IssuerFunding(currency),
            Account::OnUsClearing(currency),
            Account::NetworkClearing(currency),
        ]
    }

    /// The name the journal keeps it under; a currency by its numeric code.
    pub fn name(&self) -> String {
        match self {
            Account::Card(no) => format!("card:{no}"),
            Account::Points(no) => format!("points:{no}"),
            Account::IssuerFunding(c) => format!("IssuerFunding:{c}"),
            Account::OnUsClearing(c) => format!("OnUsClearing:{c}"),
            Account::NetworkClearing(c) => format!("NetworkClearing:{c}"),
            Account::Network(network, c) => format!("Network:{network}:{c}"),
            Account::PointsFunding(unit) => format!("PointsFunding:{}", i64::from(*unit)),
            Account::AcquirerFeeIncome(c) => format!("AcquirerFeeIncome:{c}"),
            Account::MerchantPayable(merchant, c) => format!("MerchantPayable:{merchant}:{c}"),
            Account::MerchantPayout(c) => format!("MerchantPayout:{c}"),
        }
    }
}

impl From<Account<'_>> for String {
    fn from(account: Account<'_>) -> String {
        account.name()
    }
}

/// One leg of a transfer: (ledger account, signed amount in minor units or
/// points, its unit).
pub type Entry = (String, i64, Unit);

/// A journal transfer's entries, summing to zero in each unit. Only
/// [`Transfer::new`] builds one, so an unbalanced transfer cannot reach the
/// journal. Zero entries are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer(Vec<Entry>);

/// Why entries are not a transfer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the entries sum to {sum} in {unit}, not to zero")]
pub struct Unbalanced {
    pub unit: Unit,
    pub sum: i128,
}

impl Transfer {
    pub fn new<A: Into<String>, U: Into<Unit>>(
        entries: impl IntoIterator<Item = (A, i64, U)>,
    ) -> Result<Transfer, Unbalanced> {
        let entries: Vec<Entry> = entries
            .into_iter()
            .filter(|(_, amount, _)| *amount != 0)
            .map(|(account, amount, unit)| (account.into(), amount, unit.into()))
            .collect();
        let mut sums: BTreeMap<Unit, i128> = BTreeMap::new();
        for (_, amount, unit) in &entries {
            *sums.entry(*unit).or_default() += i128::from(*amount);
        }
        match sums.into_iter().find(|(_, sum)| *sum != 0) {
            Some((unit, sum)) => Err(Unbalanced { unit, sum }),
            None => Ok(Transfer(entries)),
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What a card account can spend now.
///
/// Debit and prepaid: `balance − blocked`. Credit: the smaller of the card's
/// room (`card_limit − used`) and the customer's room (`customer_limit −
/// customer_used`, no cap when the customer limit is 0), never below 0, where
/// `used = blocked − balance`.
pub fn available(
    card_type: CardType,
    balance: i64,
    blocked: i64,
    card_limit: i64,
    customer_limit: i64,
    customer_used: i64,
) -> i64 {
    match card_type {
        CardType::Debit | CardType::Prepaid => balance - blocked,
        CardType::Credit => {
            let used = blocked - balance;
            let card_room = card_limit - used;
            let customer_room = if customer_limit > 0 {
                customer_limit - customer_used
            } else {
                i64::MAX
            };
            card_room.min(customer_room).max(0)
        }
    }
}

/// Points a credit purchase earns: `points_per_hundred` for every whole 100.00
/// of the amount (`exponent` is the currency's minor digits).
pub fn points_earned(amount_minor: i64, exponent: u8, points_per_hundred: u32) -> i64 {
    let hundred = 100 * 10i64.pow(u32::from(exponent));
    (amount_minor / hundred) * i64::from(points_per_hundred)
}

/// Points worth `amount_minor` (1 point is 0.01 of the currency), or `None`
/// when the amount is not a whole number of points.
pub fn points_for_minor(amount_minor: i64, exponent: u8) -> Option<i64> {
    let scaled = amount_minor.checked_mul(100)?;
    let unit = 10i64.pow(u32::from(exponent));
    (scaled % unit == 0).then_some(scaled / unit)
}

/// What `points` are worth in minor units, rounded down.
pub fn minor_for_points(points: i64, exponent: u8) -> i64 {
    points.saturating_mul(10i64.pow(u32::from(exponent))) / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_kind_keeps_the_name_journals_already_hold() {
        let names = [
            TransferKind::Card(CardTxType::Purchase),
            TransferKind::OffUs(VposOp::Sale),
            TransferKind::OffUs(VposOp::PostSale),
            TransferKind::OffUs(VposOp::Void),
            TransferKind::OffUs(VposOp::Refund),
            TransferKind::BatchClose,
            TransferKind::Settlement,
        ]
        .map(TransferKind::name);
        assert_eq!(
            names,
            [
                "Purchase",
                "OffUsSale",
                "OffUsCapture",
                "OffUsVoid",
                "OffUsRefund",
                "BatchClose",
                "Settlement"
            ]
        );
    }

    #[test]
    fn accounts_keep_the_names_the_journal_already_holds() {
        assert_eq!(Account::Card("0000012345").name(), "card:0000012345");
        assert_eq!(Account::Points("0000012345").name(), "points:0000012345");
        let (try_, eur) = (Currency::TRY, Currency::EUR);
        assert_eq!(Account::OnUsClearing(try_).name(), "OnUsClearing:949");
        assert_eq!(Account::Network("test", eur).name(), "Network:test:978");
        assert_eq!(
            Account::MerchantPayable("777", try_).name(),
            "MerchantPayable:777:949"
        );
        assert_eq!(
            Account::PointsFunding(Unit::Points).name(),
            "PointsFunding:0"
        );
        assert_eq!(
            Account::PointsFunding(Unit::Money(try_)).name(),
            "PointsFunding:949"
        );
    }

    #[test]
    fn points_are_stored_as_currency_zero() {
        assert_eq!(i64::from(Unit::Points), 0);
        assert_eq!(Unit::try_from(0), Ok(Unit::Points));
        assert_eq!(Unit::try_from(949), Ok(Unit::Money(Currency::TRY)));
        assert_eq!(Unit::try_from(960), Err(UnknownCurrency(960)));
    }

    #[test]
    fn a_transfer_balances_in_each_unit() {
        let (try_, usd) = (Unit::Money(Currency::TRY), Unit::Money(Currency::USD));
        let t = Transfer::new([("a", -500, try_), ("b", 500, try_), ("p", 0, Unit::Points)]);
        assert_eq!(t.unwrap().entries().len(), 2, "zero legs are dropped");
        assert_eq!(
            Transfer::new([("a", -500, try_), ("b", 500, usd)]),
            Err(Unbalanced {
                unit: usd,
                sum: 500
            })
        );
    }

    #[test]
    fn money_and_points_never_balance_each_other() {
        let legs = [
            ("a", -500, Unit::Money(Currency::TRY)),
            ("p", 500, Unit::Points),
        ];
        assert!(Transfer::new(legs).is_err());
    }

    #[test]
    fn extreme_amounts_cannot_wrap_into_balance() {
        let c = Currency::TRY;
        let legs = [("a", i64::MAX, c), ("b", i64::MAX, c), ("c", 2, c)];
        assert!(Transfer::new(legs).is_err());
    }

    #[test]
    fn points_are_hundredths_of_the_currency() {
        assert_eq!(points_for_minor(1_250, 2), Some(1_250));
        assert_eq!(points_for_minor(7, 0), Some(700));
        assert_eq!(points_for_minor(15, 3), None);
        assert_eq!(points_for_minor(20, 3), Some(2));
        assert_eq!(minor_for_points(1_250, 2), 1_250);
        assert_eq!(minor_for_points(150, 0), 1);
    }

    #[test]
    fn debit_is_balance_less_holds() {
        assert_eq!(available(CardType::Debit, 50_000, 10_000, 0, 0, 0), 40_000);
        assert_eq!(available(CardType::Prepaid, 0, 0, 0, 0, 0), 0);
    }

    #[test]
    fn credit_takes_the_tighter_room() {
        // Card limit 1,000.00, 300.00 spent, 100.00 held: 600.00 left on the card.
        assert_eq!(
            available(CardType::Credit, -30_000, 10_000, 100_000, 0, 40_000),
            60_000
        );
        // The customer's 2,000.00 limit with 1,700.00 used elsewhere leaves 300.00.
        assert_eq!(
            available(CardType::Credit, -30_000, 10_000, 100_000, 200_000, 170_000),
            30_000
        );
        // Never negative.
        assert_eq!(available(CardType::Credit, -120_000, 0, 100_000, 0, 0), 0);
        // A repayment beyond the debt raises the room above the limit.
        assert_eq!(
            available(CardType::Credit, 5_000, 0, 100_000, 0, 0),
            105_000
        );
    }

    #[test]
    fn points() {
        assert_eq!(points_earned(25_099, 2, 1), 2);
        assert_eq!(points_earned(9_999, 2, 1), 0);
        assert_eq!(points_earned(30_000, 2, 2), 6);
        assert_eq!(points_earned(300, 0, 1), 3);
    }
}
