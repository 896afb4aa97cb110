//! The CUDA backend on a machine without CUDA: the probe and the constructor must return a
//! clear error naming what is missing, never panic (cudarc itself panics on a missing library,
//! which is what `probe` guards against). With CUDA present they must succeed together.

use rlvr_train::backend::cuda::{probe, Cuda};
use rlvr_train::TrainError;

#[test]
fn probe_and_constructor_agree_and_never_panic() {
    let probed = std::panic::catch_unwind(probe).expect("probe must not panic");
    let made = std::panic::catch_unwind(|| Cuda::new(0)).expect("Cuda::new must not panic");
    match probed {
        Ok(()) => {
            // Libraries present: a device may still be absent, but the error must say so.
            if let Err(e) = &made {
                eprintln!("CUDA libraries load but no usable device: {e}");
                assert!(matches!(e, TrainError::Backend(_)), "{e:?}");
            }
        }
        Err(e) => {
            let msg = e.to_string();
            eprintln!("probe: {msg}");
            assert!(matches!(e, TrainError::Backend(_)), "{e:?}");
            assert!(msg.contains("CUDA is not available"), "{msg}");
            assert!(
                msg.contains("libcuda") || msg.contains("libnvrtc") || msg.contains("libcublas"),
                "the error names no library: {msg}"
            );
            let made_err = made.expect_err("Cuda::new succeeded although probe failed");
            assert_eq!(
                made_err.to_string(),
                msg,
                "Cuda::new must fail with the probe's error"
            );
        }
    }
}

#[test]
fn missing_device_ordinal_is_an_error() {
    // Device 1000 does not exist anywhere: with or without CUDA this is an error, not a panic.
    let made = std::panic::catch_unwind(|| Cuda::new(1000)).expect("must not panic");
    assert!(made.is_err());
}
