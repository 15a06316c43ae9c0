//! Deterministic assignment of students to strategies, for A/B comparisons.
//!
//! The same (student, experiment, weights) always gives the same strategy, in every
//! replica, after every restart and on every platform: the bucket is a fixed hash of the
//! experiment name and the student id, written down here rather than borrowed from
//! `std` (whose `RandomState` is seeded per process):
//!
//! 1. FNV-1a, 64-bit (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`) over the
//!    UTF-8 bytes of the experiment name, one `0xff` byte (never part of UTF-8, so
//!    `("ab", "c")` and `("a", "bc")` differ), then the UTF-8 bytes of the student id;
//! 2. the SplitMix64 finalizer on the result, so that ids differing only in their last
//!    characters spread over all buckets;
//! 3. the result modulo the sum of the weights picks a strategy by cumulative weight, in
//!    the order given.
//!
//! Changing an experiment's name reshuffles its students; changing its weights moves only
//! the students whose bucket crosses a boundary.

/// The strategy every student gets when no experiment runs.
pub const DEFAULT_STRATEGY: &str = "threshold-rules";

const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;
const SEPARATOR: u8 = 0xff;

/// The strategy for `student_id` in `experiment`, chosen with probability proportional
/// to its weight; `None` when no weight is positive.
///
/// ```
/// use pathwise::learning::assign_strategy;
/// let weights = [("threshold-rules", 50), ("mastery-first", 50)];
/// let first = assign_strategy("student-1", "spring-2025", &weights);
/// assert_eq!(first, assign_strategy("student-1", "spring-2025", &weights));
/// ```
pub fn assign_strategy<'a>(
    student_id: &str,
    experiment: &str,
    weights: &[(&'a str, u32)],
) -> Option<&'a str> {
    let total: u64 = weights.iter().map(|(_, weight)| u64::from(*weight)).sum();
    if total == 0 {
        return None;
    }
    let mut point = bucket_hash(student_id, experiment) % total;
    for (name, weight) in weights {
        let weight = u64::from(*weight);
        if point < weight {
            return Some(name);
        }
        point -= weight;
    }
    None
}

/// The 64-bit hash behind [`assign_strategy`]: FNV-1a over experiment, `0xff`, student,
/// then the SplitMix64 finalizer.
pub fn bucket_hash(student_id: &str, experiment: &str) -> u64 {
    let mut hash = FNV_OFFSET_BASIS;
    hash = fnv1a(hash, experiment.as_bytes());
    hash = fnv1a(hash, &[SEPARATOR]);
    hash = fnv1a(hash, student_id.as_bytes());
    splitmix64_finalize(hash)
}

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

fn splitmix64_finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HALF: [(&str, u32); 2] = [("threshold-rules", 50), ("mastery-first", 50)];

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a(FNV_OFFSET_BASIS, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET_BASIS, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_OFFSET_BASIS, b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn the_hash_is_pinned() {
        // Computed independently (a few lines of Python). If these change, every running
        // experiment reshuffles its students.
        assert_eq!(bucket_hash("student-1", "spring"), 0x50c4_e60f_f617_b2e2);
        assert_eq!(bucket_hash("", ""), 0x4f2d_b50f_1240_40cd);
    }

    #[test]
    fn assignment_is_deterministic() {
        for n in 0..100 {
            let id = format!("user-{n}");
            assert_eq!(
                assign_strategy(&id, "exp", &HALF),
                assign_strategy(&id, "exp", &HALF)
            );
        }
    }

    #[test]
    fn the_split_follows_the_weights() {
        let count = |weights: &[(&'static str, u32)]| {
            (0..10_000)
                .filter(|n| {
                    assign_strategy(&format!("9b2e6f1c-{n:04}"), "fractions-2025", weights)
                        == Some("mastery-first")
                })
                .count()
        };
        let half = count(&HALF);
        assert!(
            (4_700..=5_300).contains(&half),
            "{half} of 10000 for a 50/50 split"
        );
        let tenth = count(&[("threshold-rules", 90), ("mastery-first", 10)]);
        assert!(
            (850..=1_150).contains(&tenth),
            "{tenth} of 10000 for a 90/10 split"
        );
    }

    #[test]
    fn experiments_shuffle_independently() {
        let moved = (0..1_000)
            .filter(|n| {
                let id = format!("s{n}");
                assign_strategy(&id, "a", &HALF) != assign_strategy(&id, "b", &HALF)
            })
            .count();
        assert!(
            (400..=600).contains(&moved),
            "{moved} of 1000 differ between experiments"
        );
    }

    #[test]
    fn zero_weights_and_empty_lists_assign_nothing() {
        assert_eq!(assign_strategy("s", "e", &[]), None);
        assert_eq!(assign_strategy("s", "e", &[("a", 0), ("b", 0)]), None);
        assert_eq!(assign_strategy("s", "e", &[("a", 0), ("b", 1)]), Some("b"));
    }

    #[test]
    fn the_separator_keeps_boundaries_apart() {
        assert_ne!(bucket_hash("c", "ab"), bucket_hash("bc", "a"));
    }
}
