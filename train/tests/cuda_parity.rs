//! Parity of the CUDA backend with the CPU reference: every case of `parity/mod.rs` (one
//! generic body per operation, the tolerances and how they were chosen are there), one test
//! each. Skipped, with the reason printed, when CUDA is absent.

mod parity;

use rlvr_train::backend::cuda::{probe, Cuda};

fn cuda() -> Option<Cuda> {
    if let Err(e) = probe() {
        eprintln!("skipped: {e}");
        return None;
    }
    match Cuda::new(0) {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("skipped: {e}");
            None
        }
    }
}

fn check(op: &str) {
    let Some(gpu) = cuda() else { return };
    let o = parity::run(op, &gpu).expect(op);
    eprintln!(
        "{op}: worst relative error {:.1e} (tolerance {:.0e})",
        o.worst, o.tol
    );
    assert!(
        o.failure.is_none(),
        "{op}: {}",
        o.failure.unwrap_or_default()
    );
}

/// The CPU against itself through the same harness: every case runs and compares equal, so
/// the bodies are exercised on every machine, GPU or not.
#[test]
fn cases_run_on_the_cpu() {
    let cpu = rlvr_train::backend::cpu::Cpu::new();
    for op in parity::OPS {
        let o = parity::run(op, &cpu).expect(op);
        // Rayon may split a reduction differently between runs: allow f32 roundoff only.
        assert!(o.worst < 1e-6, "{op}: CPU vs CPU differ by {:.1e}", o.worst);
        assert!(o.failure.is_none(), "{op}: {:?}", o.failure);
    }
}

#[test]
fn every_case_has_a_test() {
    let here = include_str!("cuda_parity.rs");
    for op in parity::OPS {
        assert!(
            here.contains(&format!("check(\"{op}\")")),
            "no test for {op}"
        );
    }
}

#[test]
fn embedding() {
    check("embedding");
}
#[test]
fn rmsnorm() {
    check("rmsnorm");
}
#[test]
fn linear() {
    check("linear");
}
#[test]
fn rope() {
    check("rope");
}
#[test]
fn attention() {
    check("attention");
}
#[test]
fn swiglu() {
    check("swiglu");
}
#[test]
fn lm_head() {
    check("lm_head");
}
#[test]
fn memory_and_adamw() {
    check("memory_and_adamw");
}
#[test]
fn sample() {
    check("sample");
}
#[test]
fn model_step() {
    check("model_step");
}
