//! Issuer operations (spec issuer.md).

use utoipa_axum::routes;

use crate::gate;
use crate::router::Registry;

pub mod card_security;
pub mod cards;
pub mod customers;
pub mod money;

/// The issuer's operations, in the order of issuer.md.
pub fn register(registry: Registry) -> Registry {
    registry
        .gate(gate::ISSUER)
        .add(routes!(customers::create_customer))
        .add(routes!(customers::get_customer_info))
        .add(routes!(customers::update_customer))
        .add(routes!(customers::update_customer_limit))
        .add(routes!(customers::get_card_customer_info))
        .add(routes!(cards::create_credit_card))
        .add(routes!(cards::create_debit_card))
        .add(routes!(cards::create_prepaid_card))
        .add(routes!(cards::register_card))
        .add(routes!(cards::create_emboss_directive))
        .add(routes!(cards::get_card_info))
        .add(routes!(cards::get_card_status))
        .add(routes!(cards::update_card_status))
        .add(routes!(cards::update_card_limit))
        .add(routes!(cards::update_card_fee_status))
        .add(routes!(cards::get_card_restriction))
        .add(routes!(cards::card_restriction))
        .add(routes!(cards::card_renewal))
        .add(routes!(cards::tokenize_card_no))
        .add(routes!(card_security::verify_card))
        .add(routes!(card_security::reset_cvv2_retry_count))
        .add(routes!(card_security::send_pin_by_sms))
        .add(routes!(card_security::check_pin))
        .add(routes!(card_security::change_card_pin))
        .add(routes!(card_security::change_3ds_password))
        .add(routes!(money::send_transaction))
        .add(routes!(money::load_card_balance))
        .add(routes!(money::get_host_balance))
        .add(routes!(money::get_card_transactions))
        .add(routes!(money::card_to_card_balance_transfer))
        .add(routes!(money::money_send))
        .add(routes!(money::get_card_balance_loading_limit))
        .gate(gate::PAN)
        .add(routes!(cards::get_card_no))
        .add(routes!(cards::get_card_private_info))
        .add(routes!(card_security::get_card_pin))
}
