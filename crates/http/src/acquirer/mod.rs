//! Acquirer operations (spec acquirer.md).

use utoipa_axum::routes;

use crate::gate;
use crate::router::Registry;

pub mod batches;
pub mod merchants;
pub mod payments;

pub mod profiles;

/// The acquirer's operations, in the order of acquirer.md.
pub fn register(registry: Registry) -> Registry {
    registry
        .gate(gate::ACQUIRER)
        .add(routes!(merchants::create_merchant))
        .add(routes!(merchants::update_merchant))
        .add(routes!(merchants::search_merchant))
        .add(routes!(merchants::create_terminal))
        .add(routes!(merchants::update_terminal))
        .add(routes!(merchants::search_terminal))
        .add(routes!(merchants::create_merchant_and_terminal))
        .add(routes!(profiles::create_authorization))
        .add(routes!(profiles::get_authorization))
        .add(routes!(profiles::update_authorization))
        .add(routes!(profiles::delete_authorization))
        .add(routes!(profiles::create_fee))
        .add(routes!(profiles::get_fee))
        .add(routes!(profiles::update_fee))
        .add(routes!(profiles::delete_fee))
        .add(routes!(profiles::create_commission))
        .add(routes!(profiles::get_commission))
        .add(routes!(profiles::update_commission))
        .add(routes!(profiles::delete_commission))
        .gate(gate::MERCHANT_READ)
        .add(routes!(merchants::get_merchant))
        .add(routes!(merchants::get_terminal))
        .add(routes!(batches::get_pos_batch_summary))
        .add(routes!(batches::get_pos_batch_detail))
        .add(routes!(batches::close_pos_batch))
        .add(routes!(payments::get_merchant_payment_summary))
        .add(routes!(payments::get_merchant_payment_detail))
        .gate(gate::ADMIN)
        .add(routes!(payments::run_settlement))
}
