//! What a batch of the authorizer writes, gathered while its requests are
//! decided and written at the end with one statement per table (more only
//! past the database's parameter limit), so the statement count does not grow
//! with the batch.

use std::collections::{BTreeMap, BTreeSet};

use cardhost_domain::ledger::{Transfer, Unit};
use cardhost_domain::status::{CardTxStatus, OrderTxStatus};
use cardhost_store::audit::{self, AuditRecord};
use cardhost_store::batches::{self, BatchTxRow, OpenBatch};
use cardhost_store::cards::{self, CardRow};
use cardhost_store::idempotency::{self, ReferenceRow};
use cardhost_store::ledger::{self, CardTxRow, DayUsage, EntryRow, HoldRow, TransferRow};
use cardhost_store::vpos::{self, OrderRow, OrderTxRow};
use cardhost_store::{AnyConnection, Script, StoreError};

#[derive(Default)]
pub struct Writes {
    /// Accounts the batch posts to that may not exist yet, with their unit.
    pub accounts: BTreeMap<String, Unit>,
    pub transfers: Vec<TransferRow>,
    pub entries: Vec<EntryRow>,
    /// Per account: Δbalance, Δblocked.
    pub moves: BTreeMap<String, (i64, i64)>,
    pub new_holds: Vec<HoldRow>,
    /// Holds closed: process id → (captured, released, at).
    pub closed_holds: BTreeMap<i64, (i64, i64, i64)>,
    /// Earlier card transactions whose status changes.
    pub tx_statuses: BTreeMap<i64, CardTxStatus>,
    pub card_txs: Vec<CardTxRow>,
    /// Cards whose counters or status changed, by id (the last state wins).
    pub cards: BTreeMap<i64, CardRow>,
    pub references: Vec<ReferenceRow>,
    pub open_batches: BTreeSet<OpenBatch>,
    pub batch_txs: Vec<BatchTxRow>,
    /// Order and batch transactions a void marks `Voided`.
    pub voided: Vec<i64>,
    pub order_txs: Vec<OrderTxRow>,
    /// Orders as the batch leaves them (the last state wins).
    pub orders: BTreeMap<(String, String), OrderRow>,
    pub audits: Vec<AuditRecord>,
    /// Per card and business day: what the batch adds to its counters (one
    /// row each: PostgreSQL refuses an upsert that touches a row twice).
    pub usage: BTreeMap<(i64, String), DayUsage>,
}

impl Writes {
    /// One journal transfer: its entries move the balances.
    pub fn transfer(&mut self, row: TransferRow, transfer: &Transfer) {
        for entry in EntryRow::of(row.transfer_id, transfer) {
            self.moves
                .entry(entry.ledger_account.clone())
                .or_default()
                .0 += entry.amount;
            self.entries.push(entry);
        }
        self.transfers.push(row);
    }

    pub fn count_usage(&mut self, row: &CardTxRow, usage: DayUsage) {
        let key = (row.card_id, row.business_date.clone());
        *self.usage.entry(key).or_default() += usage;
    }

    pub fn block(&mut self, account: &str, delta: i64) {
        self.moves.entry(account.to_owned()).or_default().1 += delta;
    }

    /// Writes everything as one script: new accounts, then every insert and
    /// balance move (one round trip on either engine), then status changes
    /// and changed cards; `commit` ends the transaction in the same round trip.
    pub async fn flush(
        self,
        conn: &mut AnyConnection,
        now_ms: i64,
        commit: Option<&'static str>,
    ) -> Result<(), StoreError> {
        let accounts: Vec<(String, Unit)> = self.accounts.into_iter().collect();
        let moves: Vec<(String, i64, i64)> = self
            .moves
            .into_iter()
            .filter(|(_, (b, h))| *b != 0 || *h != 0)
            .map(|(a, (b, h))| (a, b, h))
            .collect();
        let open: Vec<OpenBatch> = self.open_batches.into_iter().collect();
        let orders: Vec<OrderRow> = self.orders.into_values().collect();
        let usage: Vec<((i64, String), DayUsage)> = self
            .usage
            .into_iter()
            .filter(|(_, u)| *u != DayUsage::default())
            .collect();
        let mut script = Script::default();
        // Accounts first and on their own: the balance moves below must find them.
        ledger::ensure_accounts(&mut script, &accounts, now_ms);
        script.barrier();
        ledger::insert_transfers(&mut script, &self.transfers, &self.entries);
        ledger::move_balances(&mut script, &moves);
        ledger::insert_holds(&mut script, &self.new_holds);
        ledger::insert_card_txs(&mut script, &self.card_txs);
        ledger::add_day_usages(&mut script, &usage);
        idempotency::insert_many(&mut script, &self.references);
        batches::open_batches(&mut script, &open);
        batches::insert_txs(&mut script, &self.batch_txs);
        vpos::insert_txs(&mut script, &self.order_txs);
        vpos::upsert_orders(&mut script, &orders);
        audit::append_many(&mut script, &self.audits);
        // Status changes last: they may name rows this batch inserted.
        script.barrier();
        for (pid, (captured, released, at)) in &self.closed_holds {
            ledger::close_hold(&mut script, *pid, *captured, *released, *at);
        }
        for (pid, status) in &self.tx_statuses {
            ledger::set_tx_status(&mut script, *pid, *status);
        }
        for pid in &self.voided {
            vpos::set_tx_status(&mut script, *pid, OrderTxStatus::Voided);
            batches::set_tx_status(&mut script, *pid, OrderTxStatus::Voided);
        }
        for card in self.cards.values() {
            cards::update_in(&mut script, card);
        }
        if let Some(commit) = commit {
            script.execute(commit);
        }
        script.run(conn).await
    }
}
