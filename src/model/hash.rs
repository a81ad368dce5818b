//! The hash maps and sets of the hot paths (ids, UPNs and names, millions of look-ups on a large
//! log). Std's SipHash was 3-5% of a run; foldhash is several times faster on short keys. It is
//! seeded per process, so an export cannot be crafted in advance to make its keys collide.

/// A `HashMap` with foldhash (`Map::default()`, not `new()`).
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// A `HashSet` with foldhash (`Set::default()`, not `new()`).
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
