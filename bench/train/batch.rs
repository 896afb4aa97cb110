//! The random batch both training benchmarks time an update on (`step.rs`, `smollm2.rs`):
//! `batch` sequences of `seq` token ids below `vocab`, and the per-token loss weights.

use rlvr_train::rng;

/// (sequences, weights), keyed by fixed seeds so every run times the same batch.
pub fn random_batch(vocab: usize, batch: usize, seq: usize) -> (Vec<Vec<u32>>, Vec<Vec<f32>>) {
    let seqs = (0..batch)
        .map(|b| {
            (0..seq)
                .map(|t| (rng::bits(&[9, b as u64, t as u64]) % vocab as u64) as u32)
                .collect()
        })
        .collect();
    let weights = (0..batch)
        .map(|b| {
            (0..seq - 1)
                .map(|t| rng::normal(&[10, b as u64, t as u64]) as f32 / (batch * seq) as f32)
                .collect()
        })
        .collect();
    (seqs, weights)
}
