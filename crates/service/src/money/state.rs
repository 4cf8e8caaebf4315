//! What a batch of the authorizer reads, loaded with one statement per kind
//! of row for the whole batch (keys `IN (...)`), the statements sent together
//! ([`Reads`]). On PostgreSQL rows are locked kind by kind in one order for
//! every batch, each kind in key order: cards, card accounts, terminals,
//! orders, holds, points accounts, customers. The decisions then run in
//! memory against this state, each seeing what the earlier ones of the batch
//! left.

use std::collections::{BTreeSet, HashMap};

use cardhost_domain::ledger::{Account, Entry};
use cardhost_domain::product::CardType;
use cardhost_domain::status::CardTxType;
use cardhost_store::cards::{self, CardRow};
use cardhost_store::idempotency::{self, UsedReference};
use cardhost_store::ledger::{self, AccountBalance, Balance, CardTxRow, DayUsage, HoldRow};
use cardhost_store::merchants::{self, TerminalRow};
use cardhost_store::vpos::{self, OrderRow, OrderTxRow};
use cardhost_store::{customers, pans, AnyConnection, Reads};

use super::decide::TxRequest;
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
    pub entries: HashMap<i64, Vec<Entry>>,
    pub transfer_targets: HashMap<i64, i64>,
    /// Loads this month, by account number.
    pub loaded: HashMap<String, i64>,
}

fn order_key(req: &TxRequest) -> Option<OrderKey> {
    req.vpos
        .as_ref()
        .map(|l| (l.merchant_no.clone(), l.order_id.clone()))
}

/// The keys a batch's locked reads take.
struct LockedKeys {
    card_ids: Vec<i64>,
    spending: Vec<i64>,
    terminals: Vec<String>,
    orders: Vec<OrderKey>,
    originals: Vec<i64>,
    reversed: Vec<i64>,
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

    /// Loads everything `requests` need, in as few round trips as their
    /// keys allow: what repeats are recognised by; the transactions repeats
    /// and follow-ups refer to (only when there are some); the locked rows
    /// and what else the requests name; and what depends on the cards read
    /// (only when a request needs it). A batch of new sales takes two.
    pub async fn load(
        conn: &mut AnyConnection,
        host: &Host,
        requests: &[&TxRequest],
        business_date: &str,
        begin: Option<&str>,
    ) -> Result<BatchState, ServiceError> {
        let mut state = BatchState::default();
        state.load_keys(conn, requests, begin).await?;
        state.load_earlier(conn, requests).await?;
        state
            .load_locked(conn, host, requests, business_date)
            .await?;
        state.load_raced(conn, requests).await?;
        state.load_dependent(conn, host, requests).await?;
        Ok(state)
    }

    /// Orders that exist without the transactions the first read found: on
    /// PostgreSQL another instance may have committed one between that read
    /// and the order's lock. Their transactions are read again under the
    /// lock, so a repeat that raced its first payment answers its outcome.
    async fn load_raced(
        &mut self,
        conn: &mut AnyConnection,
        requests: &[&TxRequest],
    ) -> Result<(), ServiceError> {
        // A batch of new sales finds no order: nothing to look at.
        if self.orders.is_empty() {
            return Ok(());
        }
        let raced: Vec<&TxRequest> = requests
            .iter()
            .copied()
            .filter(|r| {
                order_key(r).is_some_and(|k| {
                    self.orders.contains_key(&k) && !self.order_txs.contains_key(&k)
                })
            })
            .collect();
        if raced.is_empty() {
            return Ok(());
        }
        self.load_keys(conn, &raced, None).await?;
        self.load_earlier(conn, &raced).await
    }

    /// References and order transactions, by which repeats are recognised;
    /// `begin` opens the transaction in the same round trip.
    async fn load_keys(
        &mut self,
        conn: &mut AnyConnection,
        requests: &[&TxRequest],
        begin: Option<&str>,
    ) -> Result<(), ServiceError> {
        let references = sorted(
            requests
                .iter()
                .filter(|r| r.vpos.is_none())
                .map(|r| (r.call.caller.client_id.clone(), r.reference.clone())),
        );
        let orders = sorted(requests.iter().filter_map(|r| order_key(r)));
        let mut reads = Reads::default();
        if let Some(begin) = begin {
            reads.execute(begin);
        }
        let references = idempotency::find_many(&mut reads, &references);
        let order_txs = vpos::txs_of_orders(&mut reads, &orders);
        let mut rows = reads.run(conn).await?;
        for row in rows.take(references)? {
            let key = (row.client_id.clone(), row.reference.clone());
            self.references.insert(key, row.into_used());
        }
        for t in rows.take(order_txs)? {
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
        conn: &mut AnyConnection,
        requests: &[&TxRequest],
    ) -> Result<(), ServiceError> {
        let priors: Vec<i64> = requests.iter().filter_map(|r| self.prior_of(r)).collect();
        let ids = sorted(
            priors
                .iter()
                .copied()
                .chain(requests.iter().filter_map(|r| r.original)),
        );
        let mut reads = Reads::default();
        let txs = ledger::card_txs_by_ids(&mut reads, &ids);
        let targets = ledger::transfer_targets(&mut reads, &sorted(priors));
        if reads.is_empty() {
            return Ok(());
        }
        let mut rows = reads.run(conn).await?;
        for row in rows.take(txs)? {
            self.txs.insert(row.process_id, row);
        }
        self.transfer_targets.extend(rows.take(targets)?);
        Ok(())
    }

    /// In lock order: cards, their accounts, terminals (shared: their
    /// batches cannot close meanwhile), orders and holds; with them the
    /// day's usage and what follow-ups need of their originals.
    async fn load_locked(
        &mut self,
        conn: &mut AnyConnection,
        host: &Host,
        requests: &[&TxRequest],
        business_date: &str,
    ) -> Result<(), ServiceError> {
        let engine = host.db.engine();
        let keys = self.locked_keys(requests);
        let mut reads = Reads::default();
        let cards = cards::by_ids_for_update(&mut reads, engine, &keys.card_ids);
        let balances = ledger::card_balances_for_update(&mut reads, engine, &keys.card_ids);
        let terminals = merchants::terminals_for_share(&mut reads, engine, &keys.terminals);
        let orders = vpos::orders_for_update(&mut reads, engine, &keys.orders);
        let holds = ledger::holds_for_update(&mut reads, engine, &keys.originals);
        let usage = ledger::day_usages(&mut reads, &keys.spending, business_date);
        let refunded = ledger::refunded_totals(&mut reads, &keys.originals);
        let entries = ledger::entries_of_processes(&mut reads, &keys.reversed);
        let mut rows = reads.run(conn).await?;
        self.cards
            .extend(rows.take(cards)?.into_iter().map(|c| (c.card_id, c)));
        self.add_balances(rows.take(balances)?);
        self.terminals.extend(
            rows.take(terminals)?
                .into_iter()
                .map(|t| (t.terminal_no.clone(), t)),
        );
        for o in rows.take(orders)? {
            self.orders
                .insert((o.merchant_no.clone(), o.order_id.clone()), o);
        }
        self.holds
            .extend(rows.take(holds)?.into_iter().map(|h| (h.process_id, h)));
        self.usage
            .extend(rows.take(usage)?.into_iter().map(|u| (u.card_id, u.usage)));
        self.refunded.extend(rows.take(refunded)?);
        for e in rows.take(entries)? {
            self.entries
                .entry(e.process_id)
                .or_default()
                .push(e.entry.into());
        }
        Ok(())
    }

    /// What [`Self::load_locked`] reads for `requests`, each sorted (the
    /// lock order) and once.
    fn locked_keys(&self, requests: &[&TxRequest]) -> LockedKeys {
        LockedKeys {
            card_ids: sorted(
                requests
                    .iter()
                    .flat_map(|r| [Some(r.card_id), r.target_card_id])
                    .flatten()
                    .chain(self.txs.values().map(|t| t.card_id))
                    .chain(self.transfer_targets.values().copied()),
            ),
            // Counters of cards without daily limits are read too: nothing checks them.
            spending: sorted(
                requests
                    .iter()
                    .filter(|r| r.kind.spends())
                    .map(|r| r.card_id),
            ),
            terminals: sorted(
                requests
                    .iter()
                    .filter_map(|r| r.vpos.as_ref().map(|l| l.terminal_no.clone())),
            ),
            orders: sorted(requests.iter().filter_map(|r| order_key(r))),
            originals: sorted(requests.iter().filter_map(|r| r.original)),
            reversed: sorted(
                requests
                    .iter()
                    .filter(|r| r.kind == CardTxType::Reversal)
                    .filter_map(|r| r.original),
            ),
        }
    }

    fn add_balances(&mut self, rows: Vec<AccountBalance>) {
        for row in rows {
            let balance = Balance {
                balance: row.balance,
                blocked: row.blocked,
                currency: row.currency,
            };
            self.balances.insert(row.ledger_account, balance);
        }
    }

    /// What only some requests need, keyed by the cards read: PAN
    /// ciphertexts (CVV2 or PIN without the card number), points accounts,
    /// customers' credit (locked after everything else) and the month's loads.
    async fn load_dependent(
        &mut self,
        conn: &mut AnyConnection,
        host: &Host,
        requests: &[&TxRequest],
    ) -> Result<(), ServiceError> {
        let checked = sorted(
            requests
                .iter()
                .filter(|r| r.pan.is_none() && (r.cvv2.is_some() || r.pin.is_some()))
                .filter_map(|r| self.cards.get(&r.card_id).map(|c| c.pan_id)),
        );
        let points = sorted(
            requests
                .iter()
                .filter(|r| r.vpos.as_ref().is_some_and(|l| l.point_amount > 0))
                .filter_map(|r| self.cards.get(&r.card_id))
                .map(|c| Account::Points(&c.account_no).name()),
        );
        let credit = sorted(
            self.cards
                .values()
                .filter(|c| card_type(&host.settings, c) == CardType::Credit)
                .map(|c| c.customer_no.clone()),
        );
        let loading = self.monthly_loaders(host, requests);
        let month_start = host.settings.calendar.month_start_ms(host.clock.now_ms());
        let engine = host.db.engine();
        let mut reads = Reads::default();
        let pans = pans::by_ids(&mut reads, &checked);
        let points = ledger::balances_for_update(&mut reads, engine, &points);
        let limits = customers::credit_limits_for_update(&mut reads, engine, &credit);
        let used = ledger::customers_credit_used(&mut reads, &credit);
        let loaded = ledger::loaded_since_many(&mut reads, &loading, month_start);
        if reads.is_empty() {
            return Ok(());
        }
        let mut rows = reads.run(conn).await?;
        for row in rows.take(pans)? {
            self.pan_ciphertexts.insert(row.pan_id, row.ciphertext);
        }
        self.add_balances(rows.take(points)?);
        self.customer_limits.extend(rows.take(limits)?);
        self.customer_used.extend(rows.take(used)?);
        self.loaded.extend(rows.take(loaded)?);
        Ok(())
    }

    /// Accounts of the batch's loads whose product limits a month's loads.
    fn monthly_loaders(&self, host: &Host, requests: &[&TxRequest]) -> Vec<String> {
        sorted(
            requests
                .iter()
                .filter(|r| r.kind == CardTxType::Load)
                .filter_map(|r| self.cards.get(&r.card_id))
                .filter(|c| {
                    host.settings
                        .product(&c.product_code)
                        .is_some_and(|p| p.monthly_load_limit.is_some())
                })
                .map(|c| c.account_no.clone()),
        )
    }
}

pub fn card_type(settings: &Settings, card: &CardRow) -> CardType {
    settings
        .product(&card.product_code)
        .map_or(CardType::Debit, |p| p.card_type)
}
