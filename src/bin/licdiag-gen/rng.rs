//! Deterministic randomness without the `rand` crate: a xorshift64* stream for sequences, a
//! splitmix64 hash for values that must not depend on generation order (object ids, per-event seeds),
//! and GUIDs built from either. Same seed, same bytes.

use std::fmt;

/// splitmix64 finalizer: a good 64-bit mix of one value.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of a seed and a few parts (order matters).
pub fn hash(seed: u64, parts: &[u64]) -> u64 {
    let mut h = mix(seed ^ 0x5bd1_e995_1234_5678);
    for p in parts {
        h = mix(h ^ mix(*p));
    }
    h
}

/// A small text tag as a number, to namespace [`hash`] calls (`tag("user")`).
pub const fn tag(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < b.len() {
        h ^= b[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

/// xorshift64* stream.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(mix(seed) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`; 0 when `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..hi` (`lo` when empty).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo))
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// [`Rng::pick`] for `Copy` items (e.g. `&'static str` tables).
    pub fn pick_copy<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }

    /// Index chosen by weight.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| *w as u64).sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w as u64 {
                return i;
            }
            x -= *w as u64;
        }
        weights.len() - 1
    }
}

/// A GUID (random version 4 layout), printed lowercase with hyphens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Guid(pub u128);

impl Guid {
    pub fn from_bits(hi: u64, lo: u64) -> Guid {
        let mut v = ((hi as u128) << 64) | lo as u128;
        v = (v & !(0xF << 76)) | (0x4 << 76); // version 4
        v = (v & !(0x3 << 62)) | (0x2 << 62); // RFC 4122 variant
        Guid(v)
    }

    /// A stable GUID for (seed, namespace, index).
    pub fn derive(seed: u64, ns: u64, index: u64) -> Guid {
        Guid::from_bits(hash(seed, &[ns, index, 1]), hash(seed, &[ns, index, 2]))
    }

    /// Appends the 36-character form.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for i in 0..32 {
            if i == 8 || i == 12 || i == 16 || i == 20 {
                out.push(b'-');
            }
            let nib = (self.0 >> (124 - 4 * i)) & 0xF;
            out.push(HEX[nib as usize]);
        }
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut b = Vec::with_capacity(36);
        self.write_to(&mut b);
        f.write_str(std::str::from_utf8(&b).map_err(|_| fmt::Error)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_shape_and_determinism() {
        let g = Guid::derive(7, tag("user"), 3);
        let s = g.to_string();
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
        assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(g, Guid::derive(7, tag("user"), 3));
        assert_ne!(g, Guid::derive(8, tag("user"), 3));
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Rng::new(1);
        for n in [1u64, 2, 7, 1000] {
            for _ in 0..1000 {
                assert!(r.below(n) < n);
            }
        }
        assert_eq!(r.below(0), 0);
    }
}
