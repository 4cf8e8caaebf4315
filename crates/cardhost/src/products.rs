//! `[[card_product]]` tables of `cardhost.toml`.
//!
//! Money is written as a decimal string in major units (`"25000.00"`): TOML
//! numbers with a point are binary floats, which never hold money here.

use anyhow::{bail, Context};
use cardhost_domain::money::MajorAmount;
use cardhost_domain::product::{
    default_products, CardLimits, CardProduct, CardType, InstallmentBand,
};
use cardhost_domain::{AmountMinor, Country, Currency};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductConfig {
    pub code: String,
    pub card_type: String,
    pub brand: String,
    pub bin: String,
    #[serde(default = "default_country")]
    pub country: String,
    #[serde(default = "default_currency")]
    pub currency: u16,
    #[serde(default = "default_years")]
    pub validity_years: u8,
    #[serde(default = "default_service_code")]
    pub service_code: String,
    #[serde(default = "default_pin_length")]
    pub pin_length: u8,
    pub card_limit: Option<String>,
    pub daily_purchase_limit: Option<String>,
    pub daily_cash_limit: Option<String>,
    pub daily_ecom_limit: Option<String>,
    pub transaction_limit: Option<String>,
    pub daily_transaction_count: Option<u32>,
    #[serde(default = "default_cvk")]
    pub cvk: String,
    #[serde(default = "default_pvk")]
    pub pvk: String,
    #[serde(default = "default_pvki")]
    pub pvki: u8,
    #[serde(default)]
    pub points_per_hundred: u32,
    #[serde(default)]
    pub installments: Vec<InstallmentConfig>,
    pub max_balance: Option<String>,
    pub monthly_load_limit: Option<String>,
    #[serde(default = "default_hold_days")]
    pub hold_days: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstallmentConfig {
    pub from: u8,
    pub to: u8,
    /// Total interest in percent as a decimal string, e.g. `"2.50"`.
    pub interest_percent: String,
}

fn default_country() -> String {
    "TR".into()
}
fn default_currency() -> u16 {
    949
}
fn default_years() -> u8 {
    4
}
fn default_service_code() -> String {
    "201".into()
}
fn default_pin_length() -> u8 {
    4
}
fn default_cvk() -> String {
    "cvk".into()
}
fn default_pvk() -> String {
    "pvk".into()
}
fn default_pvki() -> u8 {
    1
}
fn default_hold_days() -> u32 {
    7
}

fn money(
    code: &str,
    field: &str,
    text: Option<&String>,
    currency: Currency,
) -> anyhow::Result<Option<AmountMinor>> {
    text.map(|t| {
        MajorAmount::from_json_number_text(t)
            .to_minor(currency)
            .with_context(|| format!("card_product {code}: {field} \"{t}\""))
    })
    .transpose()
}

impl ProductConfig {
    fn into_product(self) -> anyhow::Result<CardProduct> {
        let code = self.code.clone();
        let card_type = CardType::parse(&self.card_type).with_context(|| {
            format!("card_product {code}: card_type must be Credit, Debit or Prepaid")
        })?;
        self.check_numbers()?;
        let currency = Currency::from_numeric(self.currency)
            .with_context(|| format!("card_product {code}: unknown currency {}", self.currency))?;
        let country = Country::parse(&self.country)
            .map_err(|m| anyhow::anyhow!("card_product {code}: country {m}"))?;
        let installments = self.installment_bands()?;
        let amount =
            |field: &str, text: &Option<String>| money(&code, field, text.as_ref(), currency);
        Ok(CardProduct {
            default_card_limit: amount("card_limit", &self.card_limit)?.unwrap_or_default(),
            limits: CardLimits {
                daily_purchase: amount("daily_purchase_limit", &self.daily_purchase_limit)?,
                daily_cash: amount("daily_cash_limit", &self.daily_cash_limit)?,
                daily_ecom: amount("daily_ecom_limit", &self.daily_ecom_limit)?,
                per_transaction: amount("transaction_limit", &self.transaction_limit)?,
                daily_count: self.daily_transaction_count,
            },
            max_balance: amount("max_balance", &self.max_balance)?,
            monthly_load_limit: amount("monthly_load_limit", &self.monthly_load_limit)?,
            code: self.code,
            card_type,
            brand: self.brand,
            bin: self.bin,
            country,
            currency,
            validity_years: self.validity_years,
            service_code: self.service_code,
            pin_length: self.pin_length,
            cvk: self.cvk,
            pvk: self.pvk,
            pvki: self.pvki,
            points_per_hundred: self.points_per_hundred,
            installments,
            hold_days: self.hold_days,
        })
    }

    /// The BIN, service code, PIN length, validity and PVKI are in range.
    fn check_numbers(&self) -> anyhow::Result<()> {
        let code = &self.code;
        let digits = |text: &str| text.bytes().all(|b| b.is_ascii_digit());
        if !(6..=8).contains(&self.bin.len()) || !digits(&self.bin) {
            bail!("card_product {code}: bin must be 6 to 8 digits");
        }
        if self.service_code.len() != 3 || !digits(&self.service_code) {
            bail!("card_product {code}: service_code must be 3 digits");
        }
        if !(4..=12).contains(&self.pin_length)
            || !(1..=10).contains(&self.validity_years)
            || self.pvki > 9
        {
            bail!("card_product {code}: pin_length 4-12, validity_years 1-10, pvki 0-9");
        }
        Ok(())
    }

    /// Installment bands from 2 to 99, their interest in basis points.
    fn installment_bands(&self) -> anyhow::Result<Vec<InstallmentBand>> {
        let code = &self.code;
        let mut installments = Vec::new();
        for band in &self.installments {
            // A percentage with two decimals read as an amount in cents is basis points.
            let bp = MajorAmount::from_json_number_text(&band.interest_percent)
                .to_minor(Currency::USD)
                .with_context(|| {
                    format!(
                        "card_product {code}: interest_percent \"{}\"",
                        band.interest_percent
                    )
                })?;
            if band.from < 2 || band.to < band.from || band.to > 99 {
                bail!("card_product {code}: installment bands run from 2 to 99");
            }
            installments.push(InstallmentBand {
                from: band.from,
                to: band.to,
                interest_bp: u32::try_from(bp.get()).context("interest")?,
            });
        }
        Ok(installments)
    }
}

/// The default products followed by the configured ones; codes are unique and
/// no two products share a BIN.
pub fn all_products(configured: Vec<ProductConfig>) -> anyhow::Result<Vec<CardProduct>> {
    let mut products = default_products();
    for config in configured {
        let product = config.into_product()?;
        if products.iter().any(|p| p.code == product.code) {
            bail!("card_product {}: the code is already used", product.code);
        }
        if products.iter().any(|p| p.bin == product.bin) {
            bail!(
                "card_product {}: BIN {} belongs to another product",
                product.code,
                product.bin
            );
        }
        products.push(product);
    }
    Ok(products)
}
