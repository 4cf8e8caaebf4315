//! What a batch of the authorizer reads, loaded with one statement per kind
//! of row for the whole batch (keys `IN (...)`; on PostgreSQL locked in key
//! order: cards, accounts, customers, terminals, orders, holds). The decisions
//! then run in memory against this state, each seeing what the earlier ones
//! of the batch left.

use std::collections::{BTreeSet, HashMap};

use cardhost_domain::ledger::Account;
use cardhost_domain::product::CardType;
use cardhost_store::cards::{self, CardRow};
use cardhost_store::idempotency::{self, UsedReference};
use cardhost_store::ledger::{self, Balance, CardTxRow, DayUsage, HoldRow};
use cardhost_store::merchants::{self, TerminalRow};
use cardhost_store::vpos::{self, OrderRow, OrderTxRow};
use cardhost_store::{customers, pans, Tx};

use super::decide::TxRequest;
use super::TxKind;
use crate::host::{Host, Settings};
use crate::ServiceError;

/// A VPOS order's key: merchant and `OrderId`.
pub type OrderKey = (String, String);

#[derive(Default)]
pub struct BatchState {
    pub cards: HashMap<i64, CardRow>,
    /// Ledger accounts as loaded and then moved by the batch; an account
    /// missing here does not exist yet.
    pub balances: HashMap<String, Balance>,
    pub customer_limits: HashMap<String, i64>,
    pub customer_used: HashMap<String, i64>,
    pub usage: HashMap<i64, DayUsage>,
    /// PAN ciphertexts by vault id, for CVV2 and PIN checks.
    pub pan_ciphertexts: HashMap<i64, String>,
    pub references: HashMap<(String, String), UsedReference>,
    pub order_txs: HashMap<OrderKey, Vec<OrderTxRow>>,
    pub orders: HashMap<OrderKey, OrderRow>,
    pub terminals: HashMap<String, TerminalRow>,
    /// Earlier transactions (originals and repeats) and those of this batch.
    pub txs: HashMap<i64, CardTxRow>,
    pub refunded: HashMap<i64, i64>,
    pub holds: HashMap<i64, HoldRow>,
    pub entries: HashMap<i64, Vec<(String, i64, i64)>>,
    pub transfer_targets: HashMap<i64, i64>,
    /// Loads this month, by account number.
    pub loaded: HashMap<String, i64>,
}

fn order_key(req: &TxRequest) -> Option<OrderKey> {
    req.vpos
        .as_ref()
        .map(|l| (l.merchant_no.clone(), l.order_id.clone()))
}

fn sorted<T: Ord + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    items
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl BatchState {
    /// The process id a request's key already answered, if any.
    pub fn prior_of(&self, req: &TxRequest) -> Option<i64> {
        match &req.vpos {
            Some(leg) => self
                .order_txs
                .get(&(leg.merchant_no.clone(), leg.order_id.clone()))?
                .iter()
                .find(|t| t.idem_key == leg.idem_key)
                .map(|t| t.process_id),
            None => self
                .references
                .get(&(req.call.caller.client_id.clone(), req.reference.clone()))
                .and_then(|u| u.outcome.parse().ok()),
        }
    }

    /// Loads everything `requests` need.
    pub async fn load(
        tx: &mut Tx<'_>,
        host: &Host,
        requests: &[&TxRequest],
        business_date: &str,
    ) -> Result<BatchState, ServiceError> {
        let mut state = BatchState::default();
        state.load_keys(tx, requests).await?;
        state.load_earlier(tx, requests).await?;
        state.load_cards(tx, host, requests).await?;
        state.load_funds(tx, host, requests, business_date).await?;
        state.load_orders(tx, host, requests).await?;
        state.load_originals(tx, host, requests).await?;
        Ok(state)
    }

    /// References and order transactions, by which repeats are recognised.
    async fn load_keys(
        &mut self,
        tx: &mut Tx<'_>,
        requests: &[&TxRequest],
    ) -> Result<(), ServiceError> {
        let references = sorted(
            requests
                .iter()
                .filter(|r| r.vpos.is_none())
                .map(|r| (r.call.caller.client_id.clone(), r.reference.clone())),
        );
        for row in idempotency::find_many(tx, &references).await? {
            self.references
                .insert((row.client_id, row.reference), row.used);
        }
        let orders = sorted(requests.iter().filter_map(|r| order_key(r)));
        for t in vpos::txs_of_orders(tx, &orders).await? {
            self.order_txs
                .entry((t.merchant_no.clone(), t.order_id.clone()))
                .or_default()
                .push(t);
        }
        Ok(())
    }

    /// The transactions that repeats answer with and that follow-ups act on.
    async fn load_earlier(
        &mut self,
        tx: &mut Tx<'_>,
        requests: &[&TxRequest],
    ) -> Result<(), ServiceError> {
        let priors: Vec<i64> = requests.iter().filter_map(|r| self.prior_of(r)).collect();
        let ids = sorted(
            priors
                .iter()
                .copied()
                .chain(requests.iter().filter_map(|r| r.original)),
        );
        for row in ledger::card_txs_by_ids(tx, &ids).await? {
            self.txs.insert(row.process_id, row);
        }
        for (transfer, card) in ledger::transfer_targets(tx, &sorted(priors)).await? {
            self.transfer_targets.insert(transfer, card);
        }
        Ok(())
    }

    async fn load_cards(
        &mut self,
        tx: &mut Tx<'_>,
        host: &Host,
        requests: &[&TxRequest],
    ) -> Result<(), ServiceError> {
        let ids = sorted(
            requests
                .iter()
                .flat_map(|r| [Some(r.card_id), r.target_card_id])
                .flatten()
                .chain(self.txs.values().map(|t| t.card_id))
                .chain(self.transfer_targets.values().copied()),
        );
        for card in cards::by_ids_for_update(tx, host.db.engine(), &ids).await? {
            self.cards.insert(card.card_id, card);
        }
        let checked = sorted(
            requests
                .iter()
                .filter(|r| r.pan.is_none() && (r.cvv2.is_some() || r.pin.is_some()))
                .filter_map(|r| self.cards.get(&r.card_id).map(|c| c.pan_id)),
        );
        for row in pans::by_ids(tx, &checked).await? {
            self.pan_ciphertexts.insert(row.pan_id, row.ciphertext);
        }
        Ok(())
    }

    /// Balances, customers' credit, the day's usage and the month's loads.
    async fn load_funds(
        &mut self,
        tx: &mut Tx<'_>,
        host: &Host,
        requests: &[&TxRequest],
        business_date: &str,
    ) -> Result<(), ServiceError> {
        let engine = host.db.engine();
        let mut accounts: Vec<String> = self
            .cards
            .values()
            .map(|c| Account::Card(&c.account_no).name())
            .collect();
        accounts.extend(
            requests
                .iter()
                .filter(|r| r.vpos.as_ref().is_some_and(|l| l.point_amount > 0))
                .filter_map(|r| self.cards.get(&r.card_id))
                .map(|c| Account::Points(&c.account_no).name()),
        );
        for row in ledger::balances_for_update(tx, engine, &sorted(accounts)).await? {
            let balance = Balance {
                balance: row.balance,
                blocked: row.blocked,
                currency: row.currency,
            };
            self.balances.insert(row.ledger_account, balance);
        }
        let credit = sorted(
            self.cards
                .values()
                .filter(|c| card_type(&host.settings, c) == CardType::Credit)
                .map(|c| c.customer_no.clone()),
        );
        for (no, limit) in customers::credit_limits_for_update(tx, engine, &credit).await? {
            self.customer_limits.insert(no, limit);
        }
        for (no, used) in ledger::customers_credit_used(tx, &credit).await? {
            self.customer_used.insert(no, used);
        }
        let limited = sorted(
            requests
                .iter()
                .filter(|r| r.kind.spends())
                .filter_map(|r| self.cards.get(&r.card_id))
                .filter(|c| has_daily_limit(c))
                .map(|c| c.card_id),
        );
        for (card, usage) in ledger::day_usages(tx, &limited, business_date).await? {
            self.usage.insert(card, usage);
        }
        let loading = sorted(
            requests
                .iter()
                .filter(|r| r.kind == TxKind::Load)
                .filter_map(|r| self.cards.get(&r.card_id))
                .filter(|c| {
                    host.settings
                        .product(&c.product_code)
                        .is_some_and(|p| p.monthly_load_limit.is_some())
                })
                .map(|c| c.account_no.clone()),
        );
        let month_start = host.settings.calendar.month_start_ms(host.clock.now_ms());
        for (account, sum) in ledger::loaded_since_many(tx, &loading, month_start).await? {
            self.loaded.insert(account, sum);
        }
        Ok(())
    }

    /// Terminals (shared: their batches cannot close meanwhile) and orders.
    async fn load_orders(
        &mut self,
        tx: &mut Tx<'_>,
        host: &Host,
        requests: &[&TxRequest],
    ) -> Result<(), ServiceError> {
        let engine = host.db.engine();
        let terminals = sorted(
            requests
                .iter()
                .filter_map(|r| r.vpos.as_ref().map(|l| l.terminal_no.clone())),
        );
        for t in merchants::terminals_for_share(tx, engine, &terminals).await? {
            self.terminals.insert(t.terminal_no.clone(), t);
        }
        let orders = sorted(requests.iter().filter_map(|r| order_key(r)));
        for o in vpos::orders_for_update(tx, engine, &orders).await? {
            self.orders
                .insert((o.merchant_no.clone(), o.order_id.clone()), o);
        }
        Ok(())
    }

    /// What follow-ups need of their originals: refunds so far, holds, entries.
    async fn load_originals(
        &mut self,
        tx: &mut Tx<'_>,
        host: &Host,
        requests: &[&TxRequest],
    ) -> Result<(), ServiceError> {
        let originals = sorted(requests.iter().filter_map(|r| r.original));
        for (original, sum) in ledger::refunded_totals(tx, &originals).await? {
            self.refunded.insert(original, sum);
        }
        for hold in ledger::holds_for_update(tx, host.db.engine(), &originals).await? {
            self.holds.insert(hold.process_id, hold);
        }
        let reversed = sorted(
            requests
                .iter()
                .filter(|r| r.kind == TxKind::Reversal)
                .filter_map(|r| r.original),
        );
        for (pid, account, amount, currency) in ledger::entries_of_processes(tx, &reversed).await? {
            self.entries
                .entry(pid)
                .or_default()
                .push((account, amount, currency));
        }
        Ok(())
    }
}

pub fn has_daily_limit(card: &CardRow) -> bool {
    card.daily_purchase_limit.is_some()
        || card.daily_cash_limit.is_some()
        || card.daily_ecom_limit.is_some()
        || card.daily_count_limit.is_some()
}

pub fn card_type(settings: &Settings, card: &CardRow) -> CardType {
    settings
        .product(&card.product_code)
        .map_or(CardType::Debit, |p| p.card_type)
}
