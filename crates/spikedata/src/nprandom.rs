//! numpy's default random generator, bit for bit: `np.random.SeedSequence` (entropy mixing,
//! `generate_state`, `spawn`), the `PCG64` bit generator (XSL-RR 128/64) as
//! `np.random.default_rng(seed)` seeds it, and the draws SpikeLab uses: `integers(low, high)`
//! (Lemire's bounded method) and `permutation` (Fisher–Yates with `random_interval`).

const INIT_A: u32 = 0x43b0_d7e5;
const MULT_A: u32 = 0x931e_8875;
const INIT_B: u32 = 0x8b51_f9dd;
const MULT_B: u32 = 0x58f3_8ded;
const MIX_MULT_L: u32 = 0xca01_f9dd;
const MIX_MULT_R: u32 = 0x4973_f715;
const XSHIFT: u32 = 16;
const POOL_SIZE: usize = 4;

/// `np.random.SeedSequence(entropy, spawn_key)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SeedSequence {
    entropy: u128,
    spawn_key: Vec<u64>,
    pool: [u32; POOL_SIZE],
    n_children_spawned: u64,
}

/// numpy's `_int_to_uint32_array`: little-endian 32-bit words, `[0]` for 0.
fn int_words(mut n: u128) -> Vec<u32> {
    if n == 0 {
        return vec![0];
    }
    let mut out = Vec::new();
    while n > 0 {
        out.push((n & 0xffff_ffff) as u32);
        n >>= 32;
    }
    out
}

impl SeedSequence {
    /// `SeedSequence(entropy)` for a non-negative integer seed.
    pub(crate) fn new(entropy: u128) -> Self {
        Self::with_spawn_key(entropy, Vec::new())
    }

    fn with_spawn_key(entropy: u128, spawn_key: Vec<u64>) -> Self {
        let mut run = int_words(entropy);
        let spawn: Vec<u32> = spawn_key
            .iter()
            .flat_map(|&k| int_words(u128::from(k)))
            .collect();
        if !spawn.is_empty() && run.len() < POOL_SIZE {
            run.resize(POOL_SIZE, 0);
        }
        run.extend(spawn);
        let mut s = SeedSequence {
            entropy,
            spawn_key,
            pool: [0; POOL_SIZE],
            n_children_spawned: 0,
        };
        s.mix_entropy(&run);
        s
    }

    fn mix_entropy(&mut self, entropy: &[u32]) {
        let mut hash_const = INIT_A;
        let mut hashmix = |value: u32| {
            let mut v = value ^ hash_const;
            hash_const = hash_const.wrapping_mul(MULT_A);
            v = v.wrapping_mul(hash_const);
            v ^ (v >> XSHIFT)
        };
        let mix = |x: u32, y: u32| {
            let r = MIX_MULT_L
                .wrapping_mul(x)
                .wrapping_sub(MIX_MULT_R.wrapping_mul(y));
            r ^ (r >> XSHIFT)
        };
        let mut mixer = [0u32; POOL_SIZE];
        for (i, m) in mixer.iter_mut().enumerate() {
            *m = hashmix(entropy.get(i).copied().unwrap_or(0));
        }
        for i_src in 0..POOL_SIZE {
            for i_dst in 0..POOL_SIZE {
                if i_src != i_dst {
                    let h = hashmix(mixer[i_src]);
                    mixer[i_dst] = mix(mixer[i_dst], h);
                }
            }
        }
        for &e in entropy.iter().skip(POOL_SIZE) {
            for m in mixer.iter_mut() {
                let h = hashmix(e);
                *m = mix(*m, h);
            }
        }
        self.pool = mixer;
    }

    /// `generate_state(n_words, np.uint64)`.
    pub(crate) fn generate_state_u64(&self, n_words: usize) -> Vec<u64> {
        let mut hash_const = INIT_B;
        let words: Vec<u32> = (0..2 * n_words)
            .map(|i| {
                let mut v = self.pool[i % POOL_SIZE] ^ hash_const;
                hash_const = hash_const.wrapping_mul(MULT_B);
                v = v.wrapping_mul(hash_const);
                v ^ (v >> XSHIFT)
            })
            .collect();
        words
            .chunks(2)
            .map(|w| u64::from(w[0]) | (u64::from(w[1]) << 32))
            .collect()
    }

    /// `spawn(n)`: children with spawn keys `spawn_key + (i,)`.
    pub(crate) fn spawn(&mut self, n: usize) -> Vec<SeedSequence> {
        (0..n as u64)
            .map(|i| {
                let mut key = self.spawn_key.clone();
                key.push(self.n_children_spawned + i);
                SeedSequence::with_spawn_key(self.entropy, key)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .inspect(|_| self.n_children_spawned += 1)
            .collect()
    }
}

const PCG_MULT: u128 = (2549297995355413924u128 << 64) | 4865540595714422341u128;

/// numpy's `PCG64` bit generator with its 32-bit buffering.
#[derive(Debug, Clone)]
pub(crate) struct Pcg64 {
    state: u128,
    inc: u128,
    buffered: Option<u32>,
}

impl Pcg64 {
    /// `np.random.default_rng(seed)`'s bit generator.
    pub(crate) fn seeded(seed: u128) -> Self {
        Self::from_seed_sequence(&SeedSequence::new(seed))
    }

    /// `PCG64(seed_seq)`.
    pub(crate) fn from_seed_sequence(ss: &SeedSequence) -> Self {
        let v = ss.generate_state_u64(4);
        let initstate = (u128::from(v[0]) << 64) | u128::from(v[1]);
        let initseq = (u128::from(v[2]) << 64) | u128::from(v[3]);
        let mut g = Pcg64 {
            state: 0,
            inc: (initseq << 1) | 1,
            buffered: None,
        };
        g.step();
        g.state = g.state.wrapping_add(initstate);
        g.step();
        g
    }

    fn step(&mut self) {
        self.state = self.state.wrapping_mul(PCG_MULT).wrapping_add(self.inc);
    }

    /// `next_uint64`.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.step();
        let hi = (self.state >> 64) as u64;
        let lo = self.state as u64;
        let rot = (self.state >> 122) as u32;
        (hi ^ lo).rotate_right(rot)
    }

    /// `next_uint32`: the low half of a 64-bit draw, then its high half.
    pub(crate) fn next_u32(&mut self) -> u32 {
        if let Some(v) = self.buffered.take() {
            return v;
        }
        let next = self.next_u64();
        self.buffered = Some((next >> 32) as u32);
        next as u32
    }

    /// numpy's `random_bounded_uint64(off=0, rng, use_masked=False)`: uniform in `0..=rng`.
    pub(crate) fn bounded(&mut self, rng: u64) -> u64 {
        if rng == 0 {
            return 0;
        }
        if rng <= 0xffff_ffff {
            if rng == 0xffff_ffff {
                return u64::from(self.next_u32());
            }
            let rng = rng as u32;
            let excl = rng + 1;
            let mut m = u64::from(self.next_u32()) * u64::from(excl);
            let mut left = m as u32;
            if left < excl {
                let threshold = (u32::MAX - rng) % excl;
                while left < threshold {
                    m = u64::from(self.next_u32()) * u64::from(excl);
                    left = m as u32;
                }
            }
            return m >> 32;
        }
        if rng == u64::MAX {
            return self.next_u64();
        }
        let excl = rng + 1;
        let mut m = u128::from(self.next_u64()) * u128::from(excl);
        let mut left = m as u64;
        if left < excl {
            let threshold = (u64::MAX - rng) % excl;
            while left < threshold {
                m = u128::from(self.next_u64()) * u128::from(excl);
                left = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// `rng.integers(0, high, size=n)` (int64, `high` exclusive, `high >= 1`).
    pub(crate) fn integers(&mut self, high: u64, n: usize) -> Vec<u64> {
        let rng = high.saturating_sub(1);
        (0..n).map(|_| self.bounded(rng)).collect()
    }

    /// numpy's `random_interval(max)`: uniform in `0..=max` by masked rejection.
    pub(crate) fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for s in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> s;
        }
        loop {
            let v = if max <= 0xffff_ffff {
                u64::from(self.next_u32()) & mask
            } else {
                self.next_u64() & mask
            };
            if v <= max {
                return v;
            }
        }
    }

    /// `rng.permutation(v)` (a shuffled copy; `shuffle`'s Fisher–Yates with
    /// `random_interval`).
    pub(crate) fn permutation<T: Clone>(&mut self, v: &[T]) -> Vec<T> {
        let mut out = v.to_vec();
        for i in (1..out.len()).rev() {
            let j = self.interval(i as u64) as usize;
            out.swap(i, j);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rng_matches_numpy() {
        // np.random.default_rng(0).integers(0, 1000, size=5)
        let mut g = Pcg64::seeded(0);
        assert_eq!(g.integers(1000, 5), vec![850, 636, 511, 269, 307]);
        // np.random.default_rng(1).permutation(8)
        let mut g = Pcg64::seeded(1);
        let p = g.permutation(&[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(p, vec![5, 0, 1, 4, 2, 6, 3, 7]);
        // np.random.default_rng(3).permutation(np.arange(40))[:8]
        let mut g = Pcg64::seeded(3);
        let v: Vec<u32> = (0..40).collect();
        assert_eq!(g.permutation(&v)[..8], [23, 32, 30, 17, 20, 11, 33, 2]);
        // 64-bit range: np.random.default_rng(7).integers(0, 5_000_000_000, size=3)
        let mut g = Pcg64::seeded(7);
        let want = vec![3125477333, 4486069004, 3878428451];
        assert_eq!(g.integers(5_000_000_000, 3), want);
        // SeedSequence(1).spawn(3) -> default_rng(child).integers(0, 1000, size=3)
        let kids = SeedSequence::new(1).spawn(3);
        let got: Vec<Vec<u64>> = kids
            .iter()
            .map(|c| Pcg64::from_seed_sequence(c).integers(1000, 3))
            .collect();
        assert_eq!(
            got,
            vec![vec![15, 699, 828], vec![941, 475, 143], vec![426, 233, 37]]
        );
    }
}
