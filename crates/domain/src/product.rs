//! Card products: what a card is issued from (spec issuer.md, Card products).

use crate::money::{AmountMinor, Currency};
use crate::status::{Named, UnknownStatus};
use crate::Country;

/// Stored and sent as its name; read from a request or a configuration in
/// any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CardType {
    Credit,
    Debit,
    Prepaid,
}

impl CardType {
    pub fn name(self) -> &'static str {
        match self {
            CardType::Credit => "Credit",
            CardType::Debit => "Debit",
            CardType::Prepaid => "Prepaid",
        }
    }

    pub fn parse(text: &str) -> Option<CardType> {
        [CardType::Credit, CardType::Debit, CardType::Prepaid]
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(text))
    }
}

impl Named for CardType {
    fn name(self) -> &'static str {
        CardType::name(self)
    }

    fn parse(text: &str) -> Result<CardType, UnknownStatus> {
        CardType::parse(text).ok_or_else(|| UnknownStatus {
            kind: "card type",
            value: text.to_owned(),
        })
    }

    fn names() -> String {
        "Credit, Debit, Prepaid".into()
    }
}

impl TryFrom<String> for CardType {
    type Error = UnknownStatus;

    fn try_from(text: String) -> Result<CardType, UnknownStatus> {
        <CardType as Named>::parse(&text)
    }
}

/// One installment band of a product: counts `from..=to` carry `interest_bp`
/// basis points of total interest (250 = 2.50 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallmentBand {
    pub from: u8,
    pub to: u8,
    pub interest_bp: u32,
}

/// Default per-card limits a product gives its cards (`None`: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CardLimits {
    pub daily_purchase: Option<AmountMinor>,
    pub daily_cash: Option<AmountMinor>,
    pub daily_ecom: Option<AmountMinor>,
    pub per_transaction: Option<AmountMinor>,
    pub daily_count: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardProduct {
    pub code: String,
    pub card_type: CardType,
    pub brand: String,
    /// 6 to 8 digits; every PAN of the product starts with it.
    pub bin: String,
    pub country: Country,
    pub currency: Currency,
    pub validity_years: u8,
    pub service_code: String,
    pub pin_length: u8,
    /// Credit cards: the card limit when a request names none.
    pub default_card_limit: AmountMinor,
    pub limits: CardLimits,
    pub cvk: String,
    pub pvk: String,
    pub pvki: u8,
    /// Points earned per whole 100.00 of an approved credit purchase.
    pub points_per_hundred: u32,
    pub installments: Vec<InstallmentBand>,
    /// Prepaid: the most a card may hold, and may be loaded in a calendar month.
    pub max_balance: Option<AmountMinor>,
    pub monthly_load_limit: Option<AmountMinor>,
    /// Days a pre-authorization hold lives before `ExpireHolds` releases it.
    pub hold_days: u32,
}

fn minor(major: i64) -> AmountMinor {
    AmountMinor::new(major * 100).unwrap_or_default()
}

/// The three products every host ships (issuer.md, Card products).
pub fn default_products() -> Vec<CardProduct> {
    let base = CardProduct {
        code: String::new(),
        card_type: CardType::Credit,
        brand: String::new(),
        bin: String::new(),
        country: Country::TR,
        currency: Currency::TRY,
        validity_years: 4,
        service_code: "201".into(),
        pin_length: 4,
        default_card_limit: AmountMinor::ZERO,
        limits: CardLimits::default(),
        cvk: "cvk".into(),
        pvk: "pvk".into(),
        pvki: 1,
        points_per_hundred: 0,
        installments: Vec::new(),
        max_balance: None,
        monthly_load_limit: None,
        hold_days: 7,
    };
    vec![
        CardProduct {
            code: "CLASSIC-CREDIT".into(),
            card_type: CardType::Credit,
            brand: "Visa".into(),
            bin: "410000".into(),
            default_card_limit: minor(10_000),
            points_per_hundred: 1,
            installments: vec![
                InstallmentBand {
                    from: 2,
                    to: 3,
                    interest_bp: 0,
                },
                InstallmentBand {
                    from: 4,
                    to: 6,
                    interest_bp: 250,
                },
                InstallmentBand {
                    from: 7,
                    to: 12,
                    interest_bp: 500,
                },
            ],
            ..base.clone()
        },
        CardProduct {
            code: "STANDARD-DEBIT".into(),
            card_type: CardType::Debit,
            brand: "Mastercard".into(),
            bin: "520000".into(),
            ..base.clone()
        },
        CardProduct {
            code: "TROY-PREPAID".into(),
            card_type: CardType::Prepaid,
            brand: "Troy".into(),
            bin: "979200".into(),
            validity_years: 3,
            max_balance: Some(minor(20_000)),
            monthly_load_limit: Some(minor(50_000)),
            ..base
        },
    ]
}
