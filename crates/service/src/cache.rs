//! Read-through caches of the reference data every payment reads: merchants,
//! terminals, authorization, fee and commission profiles, and which card a card number belongs to.
//!
//! Each is bounded (S3-FIFO eviction) and keeps an entry only while it is
//! fresh. A change made through this instance forgets its entry at once; a
//! change made through another instance on the same PostgreSQL database is seen
//! here once the entry is older than its bound ([`REFERENCE_FRESH_MS`],
//! [`CARD_FRESH_MS`]). Nothing that moves money is cached: card status,
//! balances, limits, orders and batches are read inside the authorizer's
//! transaction.

use std::any::Any;
use std::hash::Hash;
use std::sync::Arc;

use cardhost_domain::card::Pan;
use cardhost_store::cards;
use cardhost_store::merchants::{self, MerchantRow, TerminalRow};
use quick_cache::sync::Cache;

use crate::acquirer::profiles::Kind;
use crate::host::Host;
use crate::ServiceError;

/// How long a merchant, terminal or profile read here stays trusted.
pub const REFERENCE_FRESH_MS: i64 = 5_000;
/// How long the card of a card number stays trusted. It changes only when a
/// card is reissued under the same number; until another instance sees that,
/// it sends payments to the old card, which is no longer active and declines.
pub const CARD_FRESH_MS: i64 = 60_000;

const REFERENCE_CAPACITY: usize = 10_000;
/// About 100 bytes an entry: 500,000 cards stay under 60 MB.
const CARD_CAPACITY: usize = 500_000;

/// A bounded map whose entries expire `fresh_ms` after they were loaded.
pub struct Fresh<K, V> {
    entries: Cache<K, (V, i64)>,
    fresh_ms: i64,
}

impl<K: Eq + Hash + Clone, V: Clone> Fresh<K, V> {
    pub fn new(capacity: usize, fresh_ms: i64) -> Self {
        Fresh {
            entries: Cache::new(capacity),
            fresh_ms,
        }
    }

    pub fn get(&self, key: &K, now_ms: i64) -> Option<V> {
        self.entries
            .get(key)
            .filter(|(_, loaded)| now_ms - loaded < self.fresh_ms)
            .map(|(value, _)| value)
    }

    pub fn put(&self, key: K, value: V, now_ms: i64) {
        self.entries.insert(key, (value, now_ms));
    }

    pub fn forget<Q: Hash + quick_cache::Equivalent<K> + ?Sized>(&self, key: &Q) {
        self.entries.remove(key);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What a payment needs to know of the card behind a card number before the
/// authorizer loads the card itself.
#[derive(Debug, Clone)]
pub struct CardOfPan {
    pub card_id: i64,
    pub product_code: Arc<str>,
    pub masked_pan: Arc<str>,
}

/// The host's caches (see the module's documentation for their bounds).
pub struct Caches {
    pub merchants: Fresh<String, Arc<MerchantRow>>,
    pub terminals: Fresh<String, Arc<TerminalRow>>,
    /// Parsed profile documents of every kind.
    pub profiles: Fresh<(Kind, String), Arc<dyn Any + Send + Sync>>,
    /// Keyed by the PAN's fingerprint, in bytes.
    pub cards: Fresh<[u8; 32], CardOfPan>,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            merchants: Fresh::new(REFERENCE_CAPACITY, REFERENCE_FRESH_MS),
            terminals: Fresh::new(REFERENCE_CAPACITY, REFERENCE_FRESH_MS),
            profiles: Fresh::new(REFERENCE_CAPACITY, REFERENCE_FRESH_MS),
            cards: Fresh::new(CARD_CAPACITY, CARD_FRESH_MS),
        }
    }
}

impl Caches {
    /// Forgets which card a card number belongs to (a card was issued on it).
    pub fn forget_pan(&self, host: &Host, pan: &Pan) {
        if let Some(key) = host
            .security
            .fingerprint_pan(pan)
            .ok()
            .and_then(|f| fingerprint_key(&f))
        {
            self.cards.forget(&key);
        }
    }
}

/// The entry of `key`, else what `load` finds (kept when found).
async fn read_through<V: Clone, F>(
    cache: &Fresh<String, Arc<V>>,
    now: i64,
    key: &str,
    load: F,
) -> Result<Option<Arc<V>>, ServiceError>
where
    F: std::future::Future<Output = Result<Option<V>, cardhost_store::StoreError>>,
{
    let key = key.to_owned();
    if let Some(hit) = cache.get(&key, now) {
        return Ok(Some(hit));
    }
    let found = load.await?.map(Arc::new);
    if let Some(v) = &found {
        cache.put(key, v.clone(), now);
    }
    Ok(found)
}

/// The merchant with this number, through the cache.
pub async fn merchant(host: &Host, no: &str) -> Result<Option<Arc<MerchantRow>>, ServiceError> {
    let load = merchants::merchant(host.db.reader(), no);
    read_through(&host.caches.merchants, host.clock.now_ms(), no, load).await
}

/// The terminal with this number, through the cache. Its `open_batch_no` may
/// be stale: the authorizer reads the open batch itself.
pub async fn terminal(host: &Host, no: &str) -> Result<Option<Arc<TerminalRow>>, ServiceError> {
    let load = merchants::terminal(host.db.reader(), no);
    read_through(&host.caches.terminals, host.clock.now_ms(), no, load).await
}

/// The newest card holding this card number, through the cache.
pub async fn card_of_pan(host: &Host, pan: &Pan) -> Result<Option<CardOfPan>, ServiceError> {
    let now = host.clock.now_ms();
    let fingerprint = host.security.fingerprint_pan(pan)?;
    let key = fingerprint_key(&fingerprint);
    if let Some(hit) = key.and_then(|k| host.caches.cards.get(&k, now)) {
        return Ok(Some(hit));
    }
    let Some((card_id, product_code, masked_pan)) =
        cards::newest_of_fingerprint(host.db.reader(), &fingerprint).await?
    else {
        return Ok(None);
    };
    let card = CardOfPan {
        card_id,
        product_code: product_code.into(),
        masked_pan: masked_pan.into(),
    };
    if let Some(k) = key {
        host.caches.cards.put(k, card.clone(), now);
    }
    Ok(Some(card))
}

/// A hex fingerprint as the 32 bytes the card cache keys on.
pub fn fingerprint_key(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        key[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_served_until_it_is_older_than_its_bound() {
        let cache: Fresh<&str, i64> = Fresh::new(10, 5_000);
        cache.put("a", 1, 1_000);
        assert_eq!(cache.get(&"a", 5_999), Some(1));
        assert_eq!(cache.get(&"a", 6_000), None);
    }

    #[test]
    fn a_forgotten_entry_is_loaded_again() {
        let cache: Fresh<&str, i64> = Fresh::new(10, 5_000);
        cache.put("a", 1, 0);
        cache.forget(&"a");
        assert_eq!(cache.get(&"a", 1), None);
    }

    #[test]
    fn a_fingerprint_key_is_its_hex_read_as_bytes() {
        let hex = "00ff".repeat(16);
        let key = fingerprint_key(&hex).expect("64 hex digits");
        assert_eq!((key[0], key[1], key[31]), (0x00, 0xff, 0xff));
        assert_eq!(fingerprint_key("abc"), None);
    }
}
