//! flexibleRollout bucketing, computed exactly as the Unleash SDKs do
//! (api-reference §7.3).
//!
//! A user lands in a bucket `murmur3_x86_32("{groupId}:{id}", seed) % modulus + 1`
//! and a rollout of `r` percent enables buckets `1..=r`. The hash runs over
//! the UTF-8 bytes of the string, as the Rust client does; Node hashes the JS
//! string, which gives the same value for ASCII ids (§7.3).

use std::fmt;
use std::num::NonZeroU32;

/// Seed for the rollout decision (§7.3).
pub const ROLLOUT_SEED: u32 = 0;

/// Seed for variant selection (§7.3).
pub const VARIANT_SEED: u32 = 86_028_157;

/// Modulus for rollout buckets: buckets are `1..=100` (§7.3).
pub const ROLLOUT_MODULUS: NonZeroU32 = match NonZeroU32::new(100) {
    Some(m) => m,
    None => unreachable!(),
};

/// `murmur3_x86_32("{group_id}:{identifier}", seed) % modulus + 1`, in
/// `1..=modulus`.
pub fn normalized_hash(group_id: &str, identifier: &str, seed: u32, modulus: NonZeroU32) -> u32 {
    let key = format!("{group_id}:{identifier}");
    // Reading from a byte slice cannot fail, so an error here is a bug in
    // the murmur3 crate, not something an input can cause.
    let hash = murmur3::murmur3_32(&mut key.as_bytes(), seed)
        .expect("reading from an in-memory slice never fails");
    hash % modulus.get() + 1
}

/// The rollout bucket of `identifier` in `group_id`, in `1..=100` (§7.3).
pub fn rollout_bucket(group_id: &str, identifier: &str) -> u32 {
    normalized_hash(group_id, identifier, ROLLOUT_SEED, ROLLOUT_MODULUS)
}

/// A rollout percentage, `0..=100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rollout(u8);

impl Rollout {
    /// No one.
    pub const NONE: Rollout = Rollout(0);
    /// Everyone.
    pub const ALL: Rollout = Rollout(100);

    /// A rollout of `percent`, which must be at most 100.
    pub fn new(percent: u32) -> Result<Rollout, RolloutError> {
        u8::try_from(percent)
            .ok()
            .filter(|p| *p <= 100)
            .map(Rollout)
            .ok_or(RolloutError { percent })
    }

    /// The percentage, `0..=100`.
    pub fn percent(self) -> u8 {
        self.0
    }

    /// Whether the user with `identifier` is in this rollout for `group_id`.
    ///
    /// 0 and 100 short-circuit as in the Rust client; in between, the user is
    /// in iff their bucket is at most the percentage (§7.3).
    pub fn includes(self, group_id: &str, identifier: &str) -> bool {
        match self.0 {
            0 => false,
            100 => true,
            p => rollout_bucket(group_id, identifier) <= u32::from(p),
        }
    }
}

impl fmt::Display for Rollout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A rollout percentage above 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutError {
    /// The rejected value.
    pub percent: u32,
}

impl fmt::Display for RolloutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rollout {} is out of range (hint: a rollout is a percentage, 0..=100)",
            self.percent
        )
    }
}

impl std::error::Error for RolloutError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn modulus(m: u32) -> NonZeroU32 {
        NonZeroU32::new(m).unwrap()
    }

    #[test]
    fn should_match_the_reference_rollout_vectors() {
        // §7.3 golden values.
        assert_eq!(rollout_bucket("gr1", "123"), 73);
        assert_eq!(rollout_bucket("groupX", "999"), 25);
        assert_eq!(rollout_bucket("AB12A", "122"), 23);
    }

    #[test]
    fn should_match_the_reference_variant_vectors() {
        // §7.3: variant hash, seed 86028157, modulus 100.
        assert_eq!(
            normalized_hash("gr1", "123", VARIANT_SEED, modulus(100)),
            96
        );
        assert_eq!(
            normalized_hash("groupX", "999", VARIANT_SEED, modulus(100)),
            60
        );
    }

    #[test]
    fn should_keep_buckets_within_one_to_modulus() {
        for m in [1, 2, 100, 1000, u32::MAX] {
            for id in 0..200 {
                let b = normalized_hash("g", &id.to_string(), ROLLOUT_SEED, modulus(m));
                assert!((1..=m).contains(&b), "bucket {b} for modulus {m}");
            }
        }
    }

    #[test]
    fn should_hash_non_ascii_and_huge_ids_without_panicking() {
        let huge = "é".repeat(1 << 20);
        assert!((1..=100).contains(&rollout_bucket(&huge, "ü\u{0}")));
    }

    #[test]
    fn should_include_by_bucket_with_short_circuits_at_zero_and_hundred() {
        // "gr1:123" is in bucket 73.
        assert!(!Rollout::new(72).unwrap().includes("gr1", "123"));
        assert!(Rollout::new(73).unwrap().includes("gr1", "123"));
        assert!(!Rollout::NONE.includes("gr1", "123"));
        assert!(Rollout::ALL.includes("gr1", "123"));
    }

    #[test]
    fn should_reject_rollouts_above_one_hundred() {
        assert_eq!(Rollout::new(100).unwrap().percent(), 100);
        assert_eq!(Rollout::new(101), Err(RolloutError { percent: 101 }));
        assert!(Rollout::new(u32::MAX).is_err());
        assert!(Rollout::new(256).is_err());
    }

    #[test]
    fn should_enable_about_forty_percent_of_ten_thousand_users() {
        let forty = Rollout::new(40).unwrap();
        let count = (0..10_000)
            .filter(|i| forty.includes("checkout-v2", &format!("user-{i}")))
            .count();
        assert!((3800..=4200).contains(&count), "{count}");
        // Pinned: a change here means the hash or the key format changed.
        assert_eq!(count, 3973);
    }
}
