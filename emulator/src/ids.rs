//! Every identifier and random value the emulator makes (job ids, correlation ids, request
//! ids, IVs, keys, container names), from one source: the OS's randomness by default, or a
//! seeded generator with `--seed`, so a scenario's event stream is byte-for-byte repeatable.

use std::sync::{Arc, Mutex};

use uuid::Uuid;

pub struct Ids {
    seeded: Option<Mutex<SplitMix64>>,
}

impl Ids {
    pub fn random() -> Arc<Ids> {
        Arc::new(Ids { seeded: None })
    }

    pub fn seeded(seed: u64) -> Arc<Ids> {
        Arc::new(Ids { seeded: Some(Mutex::new(SplitMix64(seed))) })
    }

    /// Starts a seeded stream over (a reset); random ones stay random.
    pub fn reseed(&self, seed: u64) {
        if let Some(generator) = &self.seeded {
            *generator.lock().unwrap_or_else(|e| e.into_inner()) = SplitMix64(seed);
        }
    }

    pub fn is_seeded(&self) -> bool {
        self.seeded.is_some()
    }

    /// A random (version 4) GUID.
    pub fn uuid(&self) -> Uuid {
        match &self.seeded {
            None => Uuid::new_v4(),
            Some(_) => uuid::Builder::from_random_bytes(self.bytes()).into_uuid(),
        }
    }

    /// `N` random bytes.
    pub fn bytes<const N: usize>(&self) -> [u8; N] {
        let mut out = [0u8; N];
        match &self.seeded {
            // Keys and IVs need every bit random (a v4 GUID fixes six of its 128).
            None => getrandom::fill(&mut out).expect("the operating system provides randomness"),
            Some(generator) => {
                let mut generator = generator.lock().unwrap_or_else(|e| e.into_inner());
                for chunk in out.chunks_mut(8) {
                    chunk.copy_from_slice(&generator.next().to_le_bytes()[..chunk.len()]);
                }
            }
        }
        out
    }

    /// A number in `[0, 1)`, for rules with a probability.
    pub fn unit(&self) -> f64 {
        let bytes = self.bytes::<8>();
        (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Steele, Lea and Flood's SplitMix64: small, fast, and enough for repeatable test values (not
/// for secrets; seeded mode is for tests).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_values_repeat_and_random_ones_do_not() {
        let (a, b) = (Ids::seeded(7), Ids::seeded(7));
        assert_eq!((a.uuid(), a.bytes::<20>()), (b.uuid(), b.bytes::<20>()));
        assert_ne!(Ids::seeded(8).uuid(), Ids::seeded(7).uuid());
        assert_eq!(a.uuid().get_version_num(), 4);
        let r = Ids::random();
        assert_ne!(r.uuid(), r.uuid());
        assert_ne!(r.bytes::<32>(), [0u8; 32]);
        let u = a.unit();
        assert!((0.0..1.0).contains(&u));
    }
}
