//! A counter-based random number generator: every draw is a pure function of a key
//! (seed, step, prompt, sample, ...) and a counter, so any run, or any part of one, can be
//! reproduced without replaying the draws before it (the idea of Philox/Threefry; the mixing
//! function here is SplitMix64's finalizer, applied to each key word in turn).

/// SplitMix64's finalizer: a bijective 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// 64 random bits for `key`.
pub fn bits(key: &[u64]) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15u64;
    for &k in key {
        h = mix(h ^ mix(k.wrapping_add(0x9e37_79b9_7f4a_7c15)));
    }
    h
}

/// A uniform draw in [0, 1) with 53 random bits.
pub fn uniform(key: &[u64]) -> f64 {
    (bits(key) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw (Box–Muller on two sub-keys of `key`).
pub fn normal(key: &[u64]) -> f64 {
    let mut k = key.to_vec();
    k.push(0);
    let u1 = uniform(&k);
    if let Some(last) = k.last_mut() {
        *last = 1;
    }
    let u2 = uniform(&k);
    let r = (-2.0 * (1.0 - u1).ln()).sqrt();
    r * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_keyed_and_spread() {
        assert_eq!(bits(&[1, 2, 3]), bits(&[1, 2, 3]));
        assert_ne!(bits(&[1, 2, 3]), bits(&[1, 3, 2]));
        let n = 20000;
        let mean = (0..n).map(|i| uniform(&[7, i])).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
        let var = (0..n).map(|i| normal(&[7, i]).powi(2)).sum::<f64>() / n as f64;
        assert!((var - 1.0).abs() < 0.05, "var {var}");
    }
}
