//! Randomness: task ids (random, or seeded for tests), and seeded, stateless draws: every draw is a pure function of (seed, stream, counter), so
//! the same seed and the same order of requests give the same latencies, ids and faults.

/// SplitMix64's finaliser: a well-mixed 64-bit value for any input.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 64 random bits from the operating system, for salts and ids that must differ between
/// processes. Falls back to std's per-process hash keys (also drawn from the OS, mixed with
/// the time and a counter) if that source fails.
pub fn entropy() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::getrandom(&mut bytes).is_ok() {
        return u64::from_le_bytes(bytes);
    }
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    hasher.finish()
}

/// Independent streams of draws under one seed.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Stream {
    /// Task ids.
    TaskId = 1,
    /// Job latencies (the emulator's).
    Latency = 2,
    /// Fault decisions (the emulator's).
    Fault = 3,
}

/// A 64-bit draw.
pub fn draw(seed: u64, stream: Stream, counter: u64) -> u64 {
    mix(mix(seed ^ (stream as u64).wrapping_mul(0xA24B_AED4_963E_E407)) ^ counter)
}

/// A draw in `[0, 1)`.
pub fn unit(seed: u64, stream: Stream, counter: u64) -> f64 {
    (draw(seed, stream, counter) >> 11) as f64 / (1u64 << 53) as f64
}

/// A UUID-shaped (version 4 layout) identifier.
pub fn uuid(seed: u64, stream: Stream, counter: u64) -> String {
    let hi = draw(seed, stream, counter);
    let lo = draw(seed, stream, counter ^ 0x5555_5555_5555_5555);
    let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// Where task ids come from.
#[derive(Debug)]
pub struct TaskIds {
    seed: Option<u64>,
    counter: std::sync::atomic::AtomicU64,
}

impl TaskIds {
    /// Random version-4 UUIDs from the operating system's entropy: unique across processes
    /// and machines. The server's default.
    pub fn random() -> Self {
        TaskIds {
            seed: None,
            counter: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// UUID-shaped ids drawn from `seed` in sequence, mixed with a random salt drawn now
    /// unless `fixed`: with `fixed`, every generator of that seed hands out the same ids in
    /// the same order (they then repeat across processes).
    pub fn seeded(seed: u64, fixed: bool) -> Self {
        let salt = if fixed { 0 } else { entropy() };
        TaskIds {
            seed: Some(seed ^ salt),
            counter: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The next id.
    ///
    /// ```
    /// use sixtyfour_server::rng::TaskIds;
    ///
    /// let ids = TaskIds::random();
    /// assert_ne!(ids.next(), ids.next());
    /// assert_eq!(TaskIds::seeded(7, true).next(), TaskIds::seeded(7, true).next());
    /// assert_ne!(TaskIds::seeded(7, false).next(), TaskIds::seeded(7, false).next());
    /// ```
    pub fn next(&self) -> sixtyfour_protocol::TaskId {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = match self.seed {
            Some(seed) => uuid(seed, Stream::TaskId, n),
            None => uuid(entropy(), Stream::TaskId, n ^ entropy()),
        };
        // A UUID's text is always a valid task id.
        sixtyfour_protocol::TaskId::new(id).unwrap_or_else(|_| unreachable!("a UUID is a task id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_deterministic_and_spread() {
        assert_eq!(draw(7, Stream::Fault, 1), draw(7, Stream::Fault, 1));
        assert_ne!(draw(7, Stream::Fault, 1), draw(7, Stream::Fault, 2));
        assert_ne!(draw(7, Stream::Fault, 1), draw(8, Stream::Fault, 1));
        assert_ne!(draw(7, Stream::Fault, 1), draw(7, Stream::Latency, 1));
        let mean = (0..10_000).map(|n| unit(1, Stream::Fault, n)).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
    }

    #[test]
    fn entropy_differs_between_draws() {
        assert_ne!(entropy(), entropy());
    }

    #[test]
    fn uuids_look_like_uuids() {
        let id = uuid(1, Stream::TaskId, 0);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert_ne!(id, uuid(1, Stream::TaskId, 1));
    }
}
