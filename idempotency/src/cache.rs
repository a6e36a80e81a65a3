//! The local cache of completed records: the few hundred most recently used, by record id, each
//! dropped once its expiry passes. `INPROGRESS` records are never cached: another execution
//! environment may complete or delete them.

use std::collections::HashMap;

/// What a completed record holds that a replay needs.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    /// Epoch seconds; the record is expired once now is past it.
    pub(crate) expiration: i64,
    pub(crate) data: Option<String>,
    pub(crate) validation: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Lru {
    capacity: usize,
    tick: u64,
    entries: HashMap<String, (u64, Cached)>,
}

impl Lru {
    pub(crate) fn new(capacity: usize) -> Lru {
        Lru { capacity, tick: 0, entries: HashMap::with_capacity(capacity.min(1024)) }
    }

    /// The unexpired record under `id`, now the most recently used.
    pub(crate) fn get(&mut self, id: &str, now_secs: i64) -> Option<Cached> {
        self.tick += 1;
        let tick = self.tick;
        let (used, record) = self.entries.get_mut(id)?;
        if now_secs > record.expiration {
            self.entries.remove(id);
            return None;
        }
        *used = tick;
        Some(record.clone())
    }

    pub(crate) fn put(&mut self, id: String, record: Cached) {
        self.tick += 1;
        if !self.entries.contains_key(&id) && self.entries.len() >= self.capacity {
            // A linear scan: the cache holds a few hundred records and a put follows a request.
            let oldest =
                self.entries.iter().min_by_key(|(_, (used, _))| *used).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(id, (self.tick, record));
    }

    pub(crate) fn remove(&mut self, id: &str) {
        self.entries.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(expiration: i64) -> Cached {
        Cached { expiration, data: None, validation: None }
    }

    #[test]
    fn least_recently_used_goes_first_and_expired_records_are_dropped() {
        let mut lru = Lru::new(2);
        lru.put("a".into(), record(100));
        lru.put("b".into(), record(100));
        assert!(lru.get("a", 0).is_some());
        lru.put("c".into(), record(100));
        assert!(lru.get("b", 0).is_none(), "b was the least recently used");
        assert!(lru.get("a", 0).is_some());
        assert!(lru.get("c", 100).is_some(), "expiry is inclusive, as in Powertools");
        assert!(lru.get("c", 101).is_none());
        assert!(lru.get("c", 0).is_none(), "an expired record is removed");
    }
}
