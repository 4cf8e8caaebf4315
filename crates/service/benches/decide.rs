//! The issuer decision alone, in memory: what one approved purchase costs the
//! authorizer between loading its batch and writing it.
//!
//!   cargo bench -p cardhost-service --bench decide

use std::hint::black_box;

use cardhost_domain::card::CardStatus;
use cardhost_service::money::decide::{authorize, Env};
use cardhost_service::money::sample::{debit_card, purchase, security, state_with, Counter};
use cardhost_service::money::writes::Writes;
use cardhost_service::Settings;
use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn approved_purchase(c: &mut Criterion) {
    let security = security();
    let settings = Settings::default();
    let now = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
    let env = Env::at(&security, &settings, now);
    let request = purchase("bench", 100);
    c.bench_function("decide an approved purchase", |b| {
        b.iter_batched(
            || {
                (
                    state_with(debit_card(CardStatus::Active, "3012"), 1_000_000),
                    Writes::default(),
                )
            },
            |(mut state, mut writes)| {
                let outcome = authorize(&env, &mut state, &mut writes, &request, &mut Counter(1));
                black_box(outcome.map(|o| o.row.response_code))
            },
            BatchSize::SmallInput,
        );
    });
}

criterion_group!(benches, approved_purchase);
criterion_main!(benches);
